"""Import benchmark: how fast X/Twitter API v2 JSON loads, and whether a planted network survives.

Prints figures; asserts nothing about timing.

    .venv/bin/python benchmarks/bench_import.py [--gb 1.0] [--gzip] [--dir DIR] [--skip-detect]

Method
------
1. A seeded file of X API v2 search pages is written as twarc2 writes a search: one page per
   line, ``{"data": [100 tweets], "includes": {"users": [...], "tweets": [...]}, "meta": {...}}``,
   newest page first. 50,000 accounts with Zipf-like activity (exponent 0.8) write 22 % original
   posts, 60 % retweets, 13 % replies and 5 % quotes over 7 days; 70 % of references point to a
   post in the file (Zipf-like popularity), the rest to tweets outside it, acted on after a
   log-normal delay (median 20 min). Tweets carry what the API returns with the usual
   ``tweet.fields``: snowflake ids, ``created_at`` with milliseconds, 40-280 characters of text
   with accents and emoji, ``lang``, ``conversation_id``, ``public_metrics``,
   ``edit_history_tweet_ids``, ``entities`` (on 35 % of posts a link with its t.co offsets,
   drawn from 150,000 with Zipf-like popularity, exponent 0.7; hashtags; mentions; a retweet
   repeats its original's), ``referenced_tweets``, ``in_reply_to_user_id``, and
   ``context_annotations`` on a third of them; ``includes.users`` holds every author on the page
   and of the tweets it refers to, with profile fields, ``includes.tweets`` the referenced tweets.
   Pages are serialised with ``json.dumps`` in two worker processes.
2. Planted network (as ``tests/importers/planted.py``): one account posts 12 times, two hours
   apart; six bots retweet each post within 4 s of each other, half a minute to half an hour
   after it; 200 fans make 4 retweets of its posts each, a minute to 6 hours after them (without
   them, on a 20 MB file, the default mode flagged nobody: the boss had no audience to judge
   the bots against). The bots and the boss also act organically, as any account.
3. Each step runs in a child process started from a small launcher (``bench_coaction``'s
   ``run_measured``), so its peak memory is its own: "max1" = kernel peak RSS (``ru_maxrss``)
   of the step's process, "tree" = psutil-sampled RSS of its process tree. Steps:
   ``concerted.load_log`` on the plain file; the same on a gzip copy (``--gzip``); the whole
   ``concerted detect FILE --out DIR`` command. The planted bots are looked for in
   ``DIR/actors.csv``.
"""

import argparse
import functools
import gzip
import json
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_coaction import CONCERTED, print_run, run_measured  # noqa: E402

START = 1_700_000_000  # 2023-11-14 22:13 UTC
SPAN_SECONDS = 7 * 86_400
TWITTER_EPOCH_MS = 1_288_834_974_657
N_ACCOUNTS = 50_000
N_LINKS = 150_000
PAGE = 100
KINDS = np.array(["post", "retweeted", "replied_to", "quoted"])
KIND_P = [0.22, 0.60, 0.13, 0.05]
IN_FILE_SHARE = 0.7
BOSS = 7  # account numbers of the planted network
BOTS = list(range(11, 17))
FANS = 200
DEFAULT_WORKDIR = Path(__file__).resolve().parent / "out"

WORDS = (
    "the of and to in is it you that was for on are with as his they be at one have this "
    "from or had by word but what some we can out other were all there when up use your how "
    "said an each she which do their time if will way about many then them write would like "
    "so these her long make thing see him two has look more day could go come did number "
    "sound no most people my over know water than call first who may down side been now find "
    "élection débat niño señal Straße Übung café naïve jalapeño façade coöperate São Paulo "
    "Zürich Kraków Москва новости правда 東京 ニュース 新闻 今日 😂 🔥 👍 🙏 ❤️ 🇺🇸 🇫🇷 ✅ 🚨 📢"
).split()
TAGS = "news breaking politics election climate sport tech AI music football Ukraine covid".split()
LANGS = np.array(["en", "en", "en", "en", "es", "fr", "de", "pt", "ja", "ru", "und"])
DOMAINS = (
    "nytimes.com bbc.co.uk theguardian.com youtube.com reuters.com cnn.com lemonde.fr "
    "spiegel.de elpais.com example.org medium.com substack.com instagram.com t.me"
).split()
ANNOTATIONS = [
    {
        "domain": {"id": "10", "name": "Person", "description": "Named people in the world"},
        "entity": {"id": "799022225751871488", "name": "Joe Biden"},
    },
    {
        "domain": {"id": "35", "name": "Politician", "description": "Politicians in the world"},
        "entity": {"id": "1001503516555337728", "name": "Emmanuel Macron"},
    },
    {
        "domain": {"id": "46", "name": "Business Taxonomy", "description": "Categories"},
        "entity": {"id": "1557696848252391426", "name": "Financial Services Business"},
    },
    {
        "domain": {"id": "131", "name": "Unified Twitter Taxonomy", "description": "A taxonomy"},
        "entity": {"id": "847878884917886977", "name": "Climate change"},
    },
]


# --------------------------------------------------------------------------- the tweets


def plan_tweets(n: int, seed: int) -> dict[str, np.ndarray]:
    """Every tweet of the file as arrays (newest first), planted network included."""
    rng = np.random.default_rng(seed)
    activity = np.arange(1, N_ACCOUNTS + 1, dtype=float) ** -0.8
    author = rng.permutation(N_ACCOUNTS)[rng.choice(N_ACCOUNTS, n, p=activity / activity.sum())]
    kind = rng.choice(4, n, p=KIND_P)
    when = START + rng.uniform(0, SPAN_SECONDS, n)
    body = rng.integers(0, 1 << 30, n)  # seeds each text
    link = np.where(rng.random(n) < 0.35, _zipf(rng, N_LINKS, n, 0.7), -1)
    target = np.full(n, -1)  # index of the tweet acted on, in the file
    outside_id = np.zeros(n, dtype=np.int64)  # id of a tweet acted on outside the file
    outside_author = rng.integers(0, N_ACCOUNTS, n)
    posts = np.flatnonzero(kind == 0)
    acts = np.flatnonzero(kind != 0)
    in_file = acts[rng.random(acts.size) < IN_FILE_SHARE]
    target[in_file] = posts[_zipf(rng, posts.size, in_file.size, 0.9)]
    delay = rng.lognormal(np.log(1200), 1.5, n) % 86_400
    when[in_file] = when[target[in_file]] + delay[in_file]
    outside = np.setdiff1d(acts, in_file)
    outside_when = when[outside] - delay[outside]
    outside_id[outside] = _snowflake(outside_when, rng)

    # The planted network: the boss's 12 posts, each retweeted by six bots within 4 s.
    boss_when = START + 3600 + 7200 * np.arange(12)
    trigger = boss_when + rng.uniform(30, 1800, 12)
    bot_when = (trigger[:, None] + rng.uniform(0, 4, (12, len(BOTS)))).ravel()
    # Its organic audience, as in planted.py: 200 fans make 4 retweets of its posts each.
    fans = rng.choice(np.setdiff1d(np.arange(N_ACCOUNTS), [BOSS, *BOTS]), FANS, replace=False)
    fan_post = rng.integers(0, 12, (FANS, 4)).ravel()
    fan_when = boss_when[fan_post] + rng.uniform(60, 6 * 3600, fan_post.size)
    first, shares = n, bot_when.size + fan_when.size
    author = np.concatenate([author, np.full(12, BOSS), np.tile(BOTS, 12), np.repeat(fans, 4)])
    kind = np.concatenate([kind, np.zeros(12, int), np.ones(shares, int)])
    when = np.concatenate([when, boss_when, bot_when, fan_when])
    body = np.concatenate([body, rng.integers(0, 1 << 30, 12 + shares)])
    link = np.concatenate([link, np.full(12 + shares, -1)])
    bot_post = np.repeat(np.arange(12), len(BOTS))
    target = np.concatenate([target, np.full(12, -1), first + bot_post, first + fan_post])
    outside_id = np.concatenate([outside_id, np.zeros(12 + shares, np.int64)])
    outside_author = np.concatenate([outside_author, np.zeros(12 + shares, int)])

    ids = _snowflake(when, rng)
    # A reshare carries its original's text and link.
    shared = target >= 0
    body[shared] = body[target[shared]]
    link[shared] = link[target[shared]]
    order = np.argsort(-when, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    target = np.where(target >= 0, rank[np.maximum(target, 0)], -1)
    return {
        "id": ids[order],
        "author": author[order],
        "kind": kind[order],
        "when": when[order],
        "body": body[order],
        "link": link[order],
        "target": target[order],
        "outside_id": outside_id[order],
        "outside_author": outside_author[order],
        "lang": rng.choice(LANGS, order.size),
        "annotated": rng.random(order.size) < 0.33,
    }


def _zipf(rng: np.random.Generator, size: int, n: int, exponent: float) -> np.ndarray:
    p = np.arange(1, size + 1, dtype=float) ** -exponent
    return rng.choice(size, n, p=p / p.sum())


def _snowflake(when: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    ms = (when * 1000).astype(np.int64) - TWITTER_EPOCH_MS
    return (ms << 22) + rng.integers(0, 1 << 22, when.size)


def _iso(seconds: float) -> str:
    return (
        time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
        + f".{int(seconds % 1 * 1000):03d}Z"
    )


# --------------------------------------------------------------------------- the pages

_PLAN: dict[str, np.ndarray] = {}


@functools.cache
def _user(k: int) -> dict:
    rng = random.Random(k)
    followers = int(rng.lognormvariate(5, 2))
    return {
        "id": str(1_000_000 + k * 7919),
        "name": f"{WORDS[k % 97].title()} {WORDS[(k * 31) % len(WORDS)].title()}",
        "username": f"user_{k}",
        "created_at": _iso(1_230_000_000 + k * 8_123.5 % 4e8),
        "description": " ".join(WORDS[(k + i * 13) % len(WORDS)] for i in range(k % 20)),
        "location": ["", "Paris, France", "New York, NY", "Berlin", "São Paulo", "東京"][k % 6],
        "profile_image_url": f"https://pbs.twimg.com/profile_images/{k * 977}/a_normal.jpg",
        "protected": False,
        "verified": k % 50 == 0,
        "public_metrics": {
            "followers_count": followers,
            "following_count": int(rng.lognormvariate(5, 1)),
            "tweet_count": int(rng.lognormvariate(7, 2)),
            "listed_count": followers // 100,
        },
    }


def _user_id(k: int) -> str:
    return str(1_000_000 + k * 7919)


def _text(seed: int, link: int) -> tuple[str, dict]:
    """A tweet's text and its entities, from a seed (so a retweet repeats its original)."""
    rng = random.Random(seed)
    words = rng.choices(WORDS, k=rng.randint(8, 40))
    text = " ".join(words)
    entities: dict = {}
    if rng.random() < 0.4:
        tag = rng.choice(TAGS)
        entities["hashtags"] = [
            {"start": len(text) + 1, "end": len(text) + 2 + len(tag), "tag": tag}
        ]
        text += f" #{tag}"
    if rng.random() < 0.2:
        k = rng.randrange(N_ACCOUNTS)
        name = f"user_{k}"
        entities["mentions"] = [
            {"start": 0, "end": len(name) + 1, "username": name, "id": _user_id(k)}
        ]
        text = f"@{name} {text}"
        if "hashtags" in entities:
            for h in entities["hashtags"]:
                h["start"] += len(name) + 2
                h["end"] += len(name) + 2
    text = text[:250]
    if link >= 0:
        domain = DOMAINS[link % len(DOMAINS)]
        path = f"{domain}/{2023 + link % 2}/{link}"
        tco = f"https://t.co/{link:010x}"
        entities["urls"] = [
            {
                "start": len(text) + 1,
                "end": len(text) + 1 + len(tco),
                "url": tco,
                "expanded_url": f"https://www.{path}"
                + ("?utm_source=twitter" if link % 3 == 0 else ""),
                "display_url": path[:26] + ("…" if len(path) > 26 else ""),
            }
        ]
        text += " " + tco
    return text, entities


def _tweet(i: int) -> dict:
    p = _PLAN
    tid, author, kind = str(p["id"][i]), int(p["author"][i]), int(p["kind"][i])
    text, entities = _text(int(p["body"][i]), int(p["link"][i]))
    seed = int(p["id"][i]) & 0xFFFF
    tweet = {
        "id": tid,
        "author_id": _user_id(author),
        "created_at": _iso(float(p["when"][i])),
        "text": text,
        "lang": str(p["lang"][i]),
        "conversation_id": tid,
        "edit_history_tweet_ids": [tid],
        "possibly_sensitive": False,
        "reply_settings": "everyone",
        "public_metrics": {
            "retweet_count": seed % 50 if kind == 0 else 0,
            "reply_count": seed % 7,
            "like_count": seed % 300 if kind != 1 else 0,
            "quote_count": seed % 3,
            "bookmark_count": 0,
            "impression_count": seed * 3 if kind != 1 else 0,
        },
    }
    if kind:
        target = int(p["target"][i])
        ref_id = str(p["id"][target]) if target >= 0 else str(p["outside_id"][i])
        ref_author = int(p["author"][target]) if target >= 0 else int(p["outside_author"][i])
        tweet["referenced_tweets"] = [{"type": str(KINDS[kind]), "id": ref_id}]
        name = f"user_{ref_author}"
        if kind == 1:  # a retweet: "RT @author: " and the original's entities, shifted
            shift = len(name) + 5
            tweet["text"] = f"RT @{name}: {text}"
            for items in entities.values():
                for e in items:
                    e["start"] += shift
                    e["end"] += shift
            mention = {
                "start": 3,
                "end": 4 + len(name),
                "username": name,
                "id": _user_id(ref_author),
            }
            entities["mentions"] = [mention, *entities.get("mentions", [])]
        elif kind == 2:
            tweet["in_reply_to_user_id"] = _user_id(ref_author)
            tweet["conversation_id"] = ref_id
        else:  # a quote links to what it quotes
            tco = f"https://t.co/q{seed:09x}"
            tweet["text"] = f"{text} {tco}"
            path = f"twitter.com/{name}/status/{ref_id}"
            entities.setdefault("urls", []).append(
                {
                    "start": len(text) + 1,
                    "end": len(text) + 1 + len(tco),
                    "url": tco,
                    "expanded_url": f"https://{path}",
                    "display_url": path[:26] + "…",
                }
            )
    if entities:
        tweet["entities"] = entities
    if p["annotated"][i]:
        tweet["context_annotations"] = ANNOTATIONS[: 1 + seed % len(ANNOTATIONS)]
    return tweet


def _reference(i: int) -> tuple[str, int, dict]:
    """The tweet tweet ``i`` refers to, as ``includes.tweets`` gives it, and its author."""
    p = _PLAN
    target = int(p["target"][i])
    if target >= 0:
        ref = _tweet(target)
        return ref["id"], int(p["author"][target]), ref
    ref_id, author = str(p["outside_id"][i]), int(p["outside_author"][i])
    text, entities = _text(int(p["body"][i]), int(p["link"][i]))
    seconds = ((int(ref_id) >> 22) + TWITTER_EPOCH_MS) / 1000
    ref = {
        "id": ref_id,
        "author_id": _user_id(author),
        "created_at": _iso(seconds),
        "text": text,
        "lang": str(p["lang"][i]),
        "conversation_id": ref_id,
        "edit_history_tweet_ids": [ref_id],
        "public_metrics": {
            "retweet_count": 12,
            "reply_count": 1,
            "like_count": 40,
            "quote_count": 0,
        },
    }
    if entities:
        ref["entities"] = entities
    return ref_id, author, ref


def _pages(bounds: tuple[int, int]) -> bytes:
    """The lines of the pages starting at tweets ``bounds[0]`` to ``bounds[1]`` (a worker's job)."""
    lines = []
    for start in range(bounds[0], bounds[1], PAGE):
        stop = min(start + PAGE, len(_PLAN["id"]))
        data, users, refs = [], {}, {}
        for i in range(start, stop):
            data.append(_tweet(i))
            users.setdefault(int(_PLAN["author"][i]), None)
            if _PLAN["kind"][i]:
                ref_id, author, ref = _reference(i)
                refs.setdefault(ref_id, ref)
                users.setdefault(author, None)
        page = {
            "data": data,
            "includes": {"users": [_user(k) for k in users], "tweets": list(refs.values())},
            "meta": {
                "newest_id": data[0]["id"],
                "oldest_id": data[-1]["id"],
                "result_count": len(data),
                "next_token": f"b26v89c19zqg8o3f{start:012x}",
            },
        }
        lines.append(json.dumps(page, ensure_ascii=False))
    return ("\n".join(lines) + "\n").encode()


def _init(plan: dict[str, np.ndarray]) -> None:
    _PLAN.clear()
    _PLAN.update(plan)


def write_file(path: Path, gb: float, seed: int) -> dict:
    """Write about ``gb`` GB of pages to ``path``; facts about what was written."""
    # Calibrate bytes per tweet on a small plan, then plan the whole file.
    _init(plan_tweets(20_000, seed))
    per_tweet = len(_pages((0, 2_000))) / 2_000
    n = max(1_000, int(gb * 1e9 / per_tweet))
    plan = plan_tweets(n, seed)
    chunks = [
        (s, min(s + 50 * PAGE, len(plan["id"]))) for s in range(0, len(plan["id"]), 50 * PAGE)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        multiprocessing.get_context("fork").Pool(2, _init, (plan,)) as pool,
        open(path, "wb") as sink,
    ):
        for block in pool.imap(_pages, chunks):
            sink.write(block)
    kind = plan["kind"]
    return {
        "tweets": len(kind),
        "pages": -(-len(kind) // PAGE),
        "accounts": len(np.unique(plan["author"])),
        "kinds": {str(KINDS[k]): int((kind == k).sum()) for k in range(4)},
        "links": int((plan["link"][kind != 1] >= 0).sum()),
        "distinct links": len(np.unique(plan["link"][plan["link"] >= 0])),
    }


# --------------------------------------------------------------------------- the steps

_LOAD = """
import json, sys, time
import concerted
t = time.perf_counter()
log = concerted.load_log(sys.argv[1])
seconds = time.perf_counter() - t
print(json.dumps({"rows": len(log), "seconds": seconds, "actors": len(log.table["actor"].unique()),
                  "notes": list(log.notes)}))
"""


def load_step(name: str, path: Path, logs: Path):
    run = run_measured(name, [sys.executable, "-c", _LOAD, str(path)], logs / f"{name}.log")
    facts = None
    if run.ok:
        lines = run.log_path.read_text().strip().splitlines()
        facts = json.loads(lines[-1])
    return run, facts


def bots_found(out: Path) -> tuple[list[str], int]:
    """The planted bots among the actors flagged in ``out/actors.csv``, and how many were flagged."""
    import duckdb

    flagged = {
        r[0]
        for r in duckdb.sql(
            f"select actor::varchar from read_csv('{out / 'actors.csv'}')"
        ).fetchall()
    }
    bots = [_user_id(b) for b in BOTS]
    return [b for b in bots if b in flagged], len(flagged)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--gb", type=float, default=1.0, help="size of the file to write")
    parser.add_argument("--dir", type=Path, help="where the files go (default: a temporary folder)")
    parser.add_argument("--gzip", action="store_true", help="also time a gzip copy")
    parser.add_argument("--skip-detect", action="store_true", help="do not run concerted detect")
    parser.add_argument("--keep", action="store_true", help="keep an existing file of that name")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    print(f"machine: {os.cpu_count()} CPUs, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM")
    DEFAULT_WORKDIR.mkdir(parents=True, exist_ok=True)
    work = args.dir or Path(tempfile.mkdtemp(prefix="bench-import-", dir=DEFAULT_WORKDIR))
    try:
        run(args, work)
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


def run(args: argparse.Namespace, work: Path) -> None:
    path = work / f"search_{args.gb:g}gb.jsonl"
    logs = work / "logs"
    print(f"\n== X API v2 search pages, {args.gb:g} GB, seed {args.seed} ==")
    if args.keep and path.exists():
        print(f"  kept {path}")
    else:
        t0 = time.perf_counter()
        facts = write_file(path, args.gb, args.seed)
        seconds = time.perf_counter() - t0
        print(
            f"  written in {seconds:.1f} s ({path.stat().st_size / 1e9 / seconds:.3f} GB/s): {facts}"
        )
    size = path.stat().st_size
    print(f"  {path}: {size / 1e9:.3f} GB")
    print("  memory: max1 = kernel peak RSS of the step's process; tree = psutil-sampled sum")

    steps = [("load_log plain", path)]
    if args.gzip:
        t0 = time.perf_counter()
        gz = path.with_suffix(".jsonl.gz")
        with open(path, "rb") as src, gzip.open(gz, "wb", compresslevel=6) as dst:
            shutil.copyfileobj(src, dst, 1 << 24)
        print(f"  gzip copy {gz.stat().st_size / 1e9:.3f} GB in {time.perf_counter() - t0:.1f} s")
        steps.append(("load_log gzip", gz))
    for name, file in steps:
        run_, facts = load_step(name.replace(" ", "_"), file, logs)
        print_run(run_)
        if facts:
            print(
                f"  {'':<22} {facts['rows']:,} actions, {facts['actors']:,} actors; load_log "
                f"{facts['seconds']:.1f} s = {size / 1e9 / facts['seconds']:.3f} GB/s of JSON"
            )
    if args.skip_detect:
        return
    out = work / "detect_out"
    shutil.rmtree(out, ignore_errors=True)
    run_ = run_measured(
        "concerted detect", [CONCERTED, "detect", str(path), "--out", str(out)], logs / "detect.log"
    )
    print_run(run_)
    if run_.ok:
        found, flagged = bots_found(out)
        print(
            f"  {'':<22} planted bots found: {len(found)} of {len(BOTS)}; {flagged:,} actors flagged in all"
        )


if __name__ == "__main__":
    main()
