"""A world of short posts with copy-paste campaigns, written apart from ``concerted simulate``.

The tests never see it. Its edits are its own: a campaign's members copy one message and each
copy gets some of: one or two words swapped for others, emoji added, the link changed or
dropped, its sentences reordered, a mention or a hashtag added, letters' case changed, a
number changed. Organic accounts write their own posts from a Zipf vocabulary (so common words
are shared, as in real text), pass on quotes and headlines (edited the same ways) whenever they
read them, and some of them post boilerplate ("RT if you agree", a share
button's text) now and then, at random moments, with their own emoji and links.

Columns: ``id, actor, time, text, family, kind``. ``family`` is the message a post copies
(campaign messages and boilerplate phrases are families; an organic post is its own, -1);
``kind`` is ``organic``, ``quote``, ``campaign`` or ``boilerplate``. Campaign actors are named ``c<k>_<i>``.

Usage::

    python benchmarks/text_other_world.py --posts 1000000 --out world.parquet
"""

from __future__ import annotations

import argparse

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

BOILERPLATE = [
    "RT if you agree",
    "I just signed the petition, please sign and share",
    "Check out this article",
    "Shared via the news app",
    "Follow for more",
    "Good morning everyone",
    "Thoughts?",
    "Read more here",
]
EMOJI = ["🔥", "🙏", "👉", "💯", "😡", "🇺🇸", "❤️", "‼️", "👇", "😂"]
_SYLLABLES = ["ka", "lo", "mi", "ra", "tu", "se", "no", "vi", "da", "pe", "zu", "gro", "an", "ter"]


def _vocabulary(rng: np.random.Generator, size: int) -> list[str]:
    words = set()
    while len(words) < size:
        n = rng.integers(2, 5)  # 14**2 + 14**3 + 14**4 words to draw from
        words.add("".join(rng.choice(_SYLLABLES, size=n)))
    return sorted(words)


class World:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.vocab = _vocabulary(self.rng, 20_000)
        ranks = np.arange(1, len(self.vocab) + 1)
        self.p = (1 / ranks**1.1) / (1 / ranks**1.1).sum()
        # Words drawn by Zipf rank ahead, taken in turn: a draw with p= per word is slow.
        self.pool = self.rng.choice(len(self.vocab), size=1 << 20, p=self.p)
        self.next = 0

    def zipf(self, n: int) -> np.ndarray:
        if self.next + n > len(self.pool):  # drawn afresh, never reused
            self.pool = self.rng.choice(len(self.vocab), size=len(self.pool), p=self.p)
            self.next = 0
        out = self.pool[self.next : self.next + n]
        self.next += n
        return out

    def sentence(self, n: int) -> str:
        return " ".join(self.vocab[w] for w in self.zipf(n)).capitalize() + "."

    def message(self) -> list[str]:
        return [
            self.sentence(int(self.rng.integers(6, 14))) for _ in range(self.rng.integers(2, 4))
        ]

    def edit(self, sentences: list[str]) -> str:
        r = self.rng
        s = list(sentences)
        if r.random() < 0.5 and len(s) > 1:  # reordered sentences
            s = [s[i] for i in r.permutation(len(s))]
        words = " ".join(s).split(" ")
        for _ in range(r.integers(0, 3)):  # word swaps
            i = r.integers(0, len(words))
            words[i] = self.vocab[self.zipf(1)[0]]
        if r.random() < 0.4:
            words.insert(r.integers(0, len(words) + 1), str(r.choice(EMOJI)))
        if r.random() < 0.3:
            words.insert(0, f"@user{r.integers(0, 10_000)}")
        if r.random() < 0.3:
            words.append(f"#{self.vocab[r.integers(0, 200)]}")
        if r.random() < 0.2:
            words = [w.upper() if r.random() < 0.2 else w for w in words]
        if r.random() < 0.3:
            words.append(str(r.integers(1, 100)) + "%")
        if r.random() < 0.7:
            words.append(f"https://t.co/{r.integers(0, 1 << 40):x}")
        return " ".join(words)


def generate(
    n_posts: int,
    seed: int = 7,
    *,
    campaigns: int | None = None,
    members: int = 25,
    messages: int = 12,
    boilerplate_share: float = 0.01,
) -> pa.Table:
    """``n_posts`` posts (about): campaigns of ``members`` accounts copying ``messages`` messages
    each, a ``boilerplate_share`` of boilerplate posts, the rest organic."""
    w = World(seed)
    r = w.rng
    campaigns = campaigns if campaigns is not None else max(2, n_posts // 20_000)
    rows: dict[str, list] = {k: [] for k in ("actor", "time", "text", "family", "kind")}
    day = 30 * 86400.0
    family = 0
    for c in range(campaigns):
        for _ in range(messages):
            base, t0 = w.message(), r.uniform(0, day)
            for i in range(members):
                if r.random() < 0.85:  # most members copy each message, within minutes
                    rows["actor"].append(f"c{c}_{i}")
                    rows["time"].append(t0 + r.exponential(120.0))
                    rows["text"].append(w.edit(base))
                    rows["family"].append(family)
                    rows["kind"].append("campaign")
            family += 1
    n_organic_actors = max(100, n_posts // 10)
    # Quotes and headlines people pass on by themselves, edited as they please, whenever they
    # read them: organic near-duplicates, loose in time.
    for _ in range(n_posts // 400):
        base = w.message()
        for _ in range(int(r.integers(2, 40))):
            rows["actor"].append(f"u{r.integers(0, n_organic_actors)}")
            rows["time"].append(r.uniform(0, day))
            rows["text"].append(w.edit(base))
            rows["family"].append(family)
            rows["kind"].append("quote")
        family += 1
    n_boiler = int(n_posts * boilerplate_share)
    boiler_family = {b: family + i for i, b in enumerate(BOILERPLATE)}
    for _ in range(n_boiler):
        b = BOILERPLATE[r.integers(0, len(BOILERPLATE))]
        text = b
        if r.random() < 0.5:
            text += " " + str(r.choice(EMOJI))
        if r.random() < 0.5:
            text += f" https://t.co/{r.integers(0, 1 << 40):x}"
        rows["actor"].append(f"u{r.integers(0, n_organic_actors)}")
        rows["time"].append(r.uniform(0, day))
        rows["text"].append(text)
        rows["family"].append(boiler_family[b])
        rows["kind"].append("boilerplate")
    n_organic = max(0, n_posts - len(rows["actor"]))
    # Organic posts, vectorised: a length, words drawn by Zipf rank.
    lengths = r.integers(5, 30, size=n_organic)
    words = r.choice(len(w.vocab), size=int(lengths.sum()), p=w.p)
    vocab = np.array(w.vocab, dtype=object)[words]
    ends = np.cumsum(lengths)
    texts = [
        " ".join(vocab[e - n : e]) for n, e in zip(lengths.tolist(), ends.tolist(), strict=True)
    ]
    actors = r.integers(0, n_organic_actors, size=n_organic)
    rows["actor"] += [f"u{a}" for a in actors.tolist()]
    rows["time"] += r.uniform(0, day, size=n_organic).tolist()
    rows["text"] += texts
    rows["family"] += [-1] * n_organic
    rows["kind"] += ["organic"] * n_organic
    table = pa.table(
        {
            "actor": pa.array(rows["actor"], pa.string()),
            "time": pa.array(rows["time"], pa.float64()),
            "text": pa.array(rows["text"], pa.string()),
            "family": pa.array(rows["family"], pa.int64()),
            "kind": pa.array(rows["kind"], pa.string()),
        }
    )
    order = np.argsort(table["time"].to_numpy(), kind="stable")
    table = table.take(pa.array(order))
    return table.add_column(0, "id", pa.array(np.arange(1, table.num_rows + 1), pa.int64()))


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    pq.write_table(generate(a.posts, a.seed), a.out)
