"""Hashtags: an independent world of posts where one tag is hijacked and others surge honestly.
Written apart from concerted's own simulator (which this file never imports) from the issue's text
and the data contract only, so the hashtag lens cannot be tuned to it.

What the world holds, over ``days`` days (default 6):

* **Background.** ~30 tags, each with a vocabulary of invented words (syllable soup, so nothing is
  shared with the other generator's English word lists) and a core community; accounts post
  Poisson-like at lognormal rates, in waking hours of one of three regions, with a tag or two per
  post, a few function words, and sometimes a link to the tag's own site or a mention.
* **Hijack** (truth ``takeover``). At a random instant (any hour, nights included) a crowd of
  60-160 accounts - fewer and tighter than a fan flood - starts posting copy-paste political
  messages on a mid-sized tag: 3-6 slogan templates with small edits (an emoji, a swapped word,
  a different link tail), links to a handful of campaign sites, fired in waves where most of the
  crowd posts within a few seconds; half the crowd are fresh accounts, the rest dormant accounts
  from a politics community. The flood runs until the end at 1.5-4x the tag's own volume.
* **Trending spike** (truth ``spike``). A story breaks on another tag: volume x15-x60 within the
  hour, but *mostly newcomers* (55-75 % of posts by accounts that never used the tag), all
  writing the tag's own vocabulary plus a few story words; a few widely shared headlines.
* **Match spike** (truth ``spike``). A second tag spikes x8-x20 for two hours, mostly its own
  community, on topic, with the same short cheer posted by many (organic copy-paste).
* **Drifting community** (truth ``organic``). One tag's members rotate over the days - old members
  leave, new ones arrive - but all speak its vocabulary; the share of newcomers is high every day.

Output (the contract): ``posts.csv`` ``actor,time,text`` (time ISO 8601 UTC with Z),
``truth_hashtags.csv`` ``hashtag,kind,start`` (every tag; start empty for organic) and
``truth_flooders.csv`` ``actor,hashtag``.

    python benchmarks/hashtags_other_world.py --out /tmp/other --seed 3 --posts 200000
"""

from __future__ import annotations

import argparse
import csv
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

T0 = datetime(2021, 3, 8, tzinfo=timezone.utc).timestamp()
H = 3600.0
D = 86400.0
SYLLABLES = "ka lo mi ne ru ta vo shi pe da gu zo ri fa no te bi su ya me ko li".split()
FUNCTION = "the and a to of is in it for on with this that at my so we".split()
SLOGAN_WORDS = "freedom nation truth patriots rigged corrupt elites wake up stand fight vote them out shame traitors".split()  # fmt: skip
CAMPAIGN_SITES = ("truthnow.news", "patriotvoice.org", "wakeupnation.net", "realfacts.info")
STORY_WORDS = ("breaking", "confirmed", "developing", "sources", "just", "in", "now")
CHEERS = ("YESSS what a finish", "GET IN", "unreal scenes tonight", "champions!!")
EMOJI = ("", "", "🇺🇸", "🔥", "‼️", "👇")


def _word(rng) -> str:
    return "".join(rng.choice(SYLLABLES, int(rng.integers(2, 4))))


def _tags_in(text: str) -> set[str]:
    return {w.lower() for w in text.split() if w.startswith("#")}


def _iso(t: float) -> str:
    return datetime.fromtimestamp(int(t), tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(seed: int = 0, posts: int = 100_000, days: float = 6.0):
    """A world: (rows [(actor, time, text)], truth_tags [(tag, kind, start)], flooders [(actor, tag)])."""
    rng = np.random.default_rng(seed + 7919)
    span = days * D
    n_tags = 30
    tags = []
    while len(tags) < n_tags:
        name = "#" + _word(rng) + str(rng.choice(["", "", "life", "news", "hq", "fans", "talk"]))
        if name not in tags:
            tags.append(name)
    vocab = [[_word(rng) for _ in range(40)] for _ in range(n_tags)]
    pop = rng.dirichlet(np.full(n_tags, 0.8))
    n_actors = max(500, posts // 12)
    region = rng.choice([-6, 1, 8], n_actors, p=[0.45, 0.35, 0.2])
    rate = rng.lognormal(0, 1.2, n_actors)
    home = rng.choice(n_tags, n_actors, p=pop)
    second = np.where(rng.random(n_actors) < 0.35, rng.choice(n_tags, n_actors, p=pop), home)
    next_id = [n_actors]  # fresh accounts are numbered after the background's
    handles = {}

    def handle(i: int) -> str:
        if i not in handles:
            handles[i] = f"{_word(rng)}_{int(rng.integers(10, 10_000))}"
            while handles[i] in seen_names:
                handles[i] += str(int(rng.integers(0, 10)))
            seen_names.add(handles[i])
        return handles[i]

    seen_names: set[str] = set()

    def fresh(n: int) -> list[int]:
        out = list(range(next_id[0], next_id[0] + n))
        next_id[0] += n
        return out

    def waking(n: int, reg) -> np.ndarray:
        local = rng.uniform(7, 24, n) + rng.normal(0, 1.0, n)
        day = rng.integers(0, int(days), n)
        t = (day * 24 + local - reg) * H
        return np.mod(t, span)

    def topical(g: int, extra=()) -> str:
        k = int(rng.integers(3, 8))
        words = [vocab[g][int(40 * rng.random() ** 2)] for _ in range(k)]
        words += list(rng.choice(FUNCTION, int(rng.integers(1, 4))))
        words += list(extra)
        rng.shuffle(words)
        tag = tags[g] if rng.random() < 0.7 else tags[g].upper()
        words.insert(int(rng.integers(0, len(words) + 1)), tag)
        if rng.random() < 0.1:
            words.append(f"https://{tags[g][1:]}.site/{int(rng.integers(1, 10**8))}")
        if rng.random() < 0.05:
            words.insert(0, f"@{_word(rng)}")
        return " ".join(words)

    # Roles: the hijacked tag, the trending tag, the match tag, the drifting tag.
    order = np.argsort(-pop)
    mid = [int(g) for g in order[3:20]]
    hijack, trend, match, drift = (int(g) for g in rng.choice(mid, 4, replace=False))
    politics = (
        int(order[0]) if int(order[0]) not in (hijack, trend, match, drift) else int(order[1])
    )

    rows: list[tuple[int, float, str]] = []
    # Background posts.
    who = rng.choice(n_actors, posts, p=rate / rate.sum())
    tag_of = np.where(rng.random(posts) < 0.75, home[who], second[who])
    times = waking(posts, region[who])
    # The drifting tag: its members rotate; a member is active in a window of 1-3 days.
    drift_members = np.flatnonzero((home == drift) | (second == drift))
    active_from = rng.uniform(-1 * D, span, n_actors)
    active_len = rng.uniform(1, 3, n_actors) * D
    for i in range(posts):
        g = int(tag_of[i])
        a = int(who[i])
        t = float(times[i])
        if g == drift and not (active_from[a] <= t < active_from[a] + active_len[a]):
            # Outside its window, the member posts on its other tag instead (or not at all).
            g = int(second[a]) if second[a] != drift else int(home[a])
            if g == drift:
                continue
        rows.append((a, t, topical(g)))
    del drift_members

    truth: dict[str, tuple[str, float | None]] = {t.lower(): ("organic", None) for t in tags}
    flooders: list[tuple[int, str]] = []

    def own_hourly(g: int) -> float:
        return max(0.5, float((tag_of == g).sum()) / (span / H))

    # Hijack: a tight crowd, copy-paste slogans in waves.
    start = float(rng.uniform(1.5 * D, min(3.5 * D, span - 1.5 * D)))
    crowd_n = int(rng.integers(60, 161))
    dormant = rng.choice(np.flatnonzero(home == politics), min(crowd_n // 2, int((home == politics).sum())), replace=False)  # fmt: skip
    prior = {a for a, t, x in rows if tags[hijack].lower() in _tags_in(x)}
    crowd = [int(a) for a in dormant if int(a) not in prior]
    crowd += fresh(crowd_n - len(crowd))
    templates = [" ".join(rng.choice(SLOGAN_WORDS, int(rng.integers(5, 9)))) for _ in range(int(rng.integers(3, 7)))]  # fmt: skip
    after_own = sum(1 for a, t, x in rows if t >= start and tags[hijack].lower() in _tags_in(x))
    target = int(rng.uniform(1.5, 4.0) * max(after_own, 40))
    made = 0
    wave = start
    while made < target and wave < span:
        present = [a for a in crowd if rng.random() < 0.8]
        text = templates[int(rng.integers(0, len(templates)))]
        site = CAMPAIGN_SITES[int(rng.integers(0, len(CAMPAIGN_SITES)))]
        for a in present:
            t = wave + float(rng.exponential(4.0))
            if t >= span:
                continue
            words = text.split()
            if rng.random() < 0.3:  # a small edit to look less copied
                words[int(rng.integers(0, len(words)))] = str(rng.choice(SLOGAN_WORDS))
            msg = f"{' '.join(words)} {tags[hijack]} {rng.choice(EMOJI)} https://{site}/p/{int(rng.integers(1, 40))}"
            rows.append((a, t, " ".join(msg.split())))
            flooders.append((a, tags[hijack].lower()))
            made += 1
        wave += float(rng.exponential(35 * 60)) + 120
    truth[tags[hijack].lower()] = ("takeover", start)

    # Trending spike by newcomers, on topic.
    t_start = float(rng.uniform(1 * D, span - 1.5 * D))
    factor = float(rng.uniform(15, 60))
    tau = float(rng.uniform(1.0, 3.0)) * H
    n = int(factor * own_hourly(trend) / (1 - np.exp(-H / tau)))
    community = np.flatnonzero((home == trend) | (second == trend))
    outsiders = np.flatnonzero((home != trend) & (second != trend))
    headlines = [" ".join(rng.choice(vocab[trend][:10], 5)) for _ in range(3)]
    newcomer_share = float(rng.uniform(0.55, 0.75))
    for _ in range(n):
        t = t_start + float(rng.uniform(0, 300)) + float(rng.exponential(tau))
        if t >= span:
            continue
        if rng.random() < newcomer_share or len(community) == 0:
            a = int(rng.choice(outsiders)) if rng.random() < 0.7 else fresh(1)[0]
        else:
            a = int(rng.choice(community))
        if rng.random() < 0.15:
            text = f"{rng.choice(STORY_WORDS)}: {headlines[int(rng.integers(0, 3))]} {tags[trend]}"
        else:
            text = topical(trend, extra=rng.choice(STORY_WORDS, 2))
        rows.append((a, t, text))
    truth[tags[trend].lower()] = ("spike", t_start)

    # Match spike by the community, with an organic copied cheer.
    m_start = float(rng.uniform(1 * D, span - 1 * D))
    n = int(rng.uniform(8, 20) * own_hourly(match) * 2)
    community = np.flatnonzero((home == match) | (second == match))
    for _ in range(n):
        t = m_start + float(rng.uniform(0, 2 * H))
        a = int(rng.choice(community)) if rng.random() < 0.85 else int(rng.integers(0, n_actors))
        text = f"{rng.choice(CHEERS)} {tags[match]}" if rng.random() < 0.2 else topical(match)
        rows.append((a, t, text))
    truth[tags[match].lower()] = ("spike", m_start)

    rows.sort(key=lambda r: (r[1], r[0]))
    out_rows = [(handle(a), T0 + t, x) for a, t, x in rows]
    truth_rows = sorted(
        (tag, kind, None if s is None else T0 + s) for tag, (kind, s) in truth.items()
    )
    flood_rows = sorted({(handle(a), tag) for a, tag in flooders})
    return out_rows, truth_rows, flood_rows


def write(world, out: str | Path) -> None:
    rows, truth, flooders = world
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "posts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["actor", "time", "text"])
        w.writerows((a, _iso(t), x) for a, t, x in rows)
    with open(out / "truth_hashtags.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["hashtag", "kind", "start"])
        w.writerows((tag, kind, "" if s is None else _iso(s)) for tag, kind, s in truth)
    with open(out / "truth_flooders.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["actor", "hashtag"])
        w.writerows(flooders)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--posts", type=int, default=100_000)
    parser.add_argument("--days", type=float, default=6.0)
    args = parser.parse_args()
    world = generate(args.seed, args.posts, args.days)
    write(world, args.out)
    print(f"{len(world[0]):,} posts, {len(world[2]):,} flooders -> {args.out}")


if __name__ == "__main__":
    main()
