"""A simulated world of short posts with copy-paste campaigns, and its answer key.

Campaign members paste one message each time, every copy with light edits of its own (a typo,
another link, emoji, a mention or hashtag, shouting, ``BREAKING:`` in front, a figure changed),
within minutes of each other. Organic accounts write their own posts, and now and then post
boilerplate that everybody posts ("RT if you agree", a share button's text) with their own
emoji and links, at random moments. ``concerted detect posts.csv --text`` should find the
campaigns and nobody else.

Example
-------
>>> world = simulate_posts(seed=1, n_posts=2000, n_campaigns=2)
>>> world.posts.column_names
['id', 'actor', 'time', 'text']
>>> sorted(set(world.truth["campaign"].to_pylist()))
['t1-copypaste', 't2-copypaste']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import OutputError, ParameterError
from .simulate import START

BOILERPLATE = (
    "RT if you agree",
    "I just signed this petition, will you sign it too?",
    "Shared from my news app",
    "Please share this",
    "Good morning world",
)
_EMOJI = ("🔥", "🙏", "😡", "👇", "💯", "‼️")
_ONSETS = ("b", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "st", "pr")
_VOWELS = ("a", "e", "i", "o", "u", "ea", "ou")


@dataclass
class PostsWorld:
    """Posts (``id, actor, time, text``), the truth (``actor, campaign``: one row per member)
    and each post's family (``id, family``: the message it copies, or the boilerplate sentence;
    -1 for an organic post)."""

    posts: pa.Table
    truth: pa.Table
    families: pa.Table


def _words(rng: np.random.Generator, n: int) -> np.ndarray:
    out: set[str] = set()
    while len(out) < n:
        k = int(rng.integers(1, 4))
        out.add("".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) for _ in range(k)))
    return np.array(sorted(out), dtype=object)


def _typo(rng: np.random.Generator, word: str) -> str:
    if len(word) < 3:
        return word
    i = int(rng.integers(1, len(word) - 1))
    return word[:i] + word[i + 1 :] if rng.random() < 0.5 else word[:i] + word[i] * 2 + word[i:]


def _edit(rng: np.random.Generator, message: str) -> str:
    words = message.split(" ")
    if rng.random() < 0.5:
        i = int(rng.integers(0, len(words)))
        words[i] = _typo(rng, words[i])
    text = " ".join(words)
    if rng.random() < 0.2:
        text = text.upper()
    if rng.random() < 0.3:
        text = "BREAKING: " + text
    if rng.random() < 0.4:
        text += " " + "".join(rng.choice(_EMOJI, size=int(rng.integers(1, 4))))
    if rng.random() < 0.3:
        text = f"@acct{int(rng.integers(0, 5000))} " + text
    if rng.random() < 0.6:
        text += f" https://bit.ly/{int(rng.integers(0, 1 << 30)):x}"
    if rng.random() < 0.3:
        text += " !!!"
    return text


def simulate_posts(
    *, seed: int = 0, n_posts: int = 100_000, n_campaigns: int = 4, days: float = 7.0
) -> PostsWorld:
    """About ``n_posts`` organic posts (1,000 to 20,000,000) with ``n_campaigns`` (1 to 30)
    copy-paste campaigns of 8-40 accounts, each pasting 6-15 messages with light edits, 1 % of
    boilerplate posts and a headline shared organically (about 15 times, at random moments) per
    500 posts, over ``days`` (1 to 60)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ParameterError(f"simulate_posts: seed must be an integer >= 0. Got {seed!r}.")
    for name, value, low, high in (
        ("n_posts", n_posts, 1_000, 20_000_000),
        ("n_campaigns", n_campaigns, 1, 30),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise ParameterError(
                f"simulate_posts: {name} must be an integer from {low:,} to {high:,}. Got {value!r}."
            )
    if isinstance(days, bool) or not isinstance(days, int | float) or not 1 <= days <= 60:
        raise ParameterError(f"simulate_posts: days must be a number from 1 to 60. Got {days!r}.")
    rng = np.random.default_rng(seed)
    vocab = _words(rng, 5000)
    weights = 1.0 / np.arange(1, len(vocab) + 1)
    weights /= weights.sum()
    span = days * 86_400.0
    actor, time, text, family, truth = [], [], [], [], []
    fam = 0
    for c in range(1, n_campaigns + 1):
        name = f"t{c}-copypaste"
        size = int(rng.integers(8, 41))
        members = [f"{name}-{i}" for i in range(size)]
        truth += [(m, name) for m in members]
        for _ in range(int(rng.integers(6, 16))):
            message = " ".join(rng.choice(vocab, size=int(rng.integers(12, 30)), p=weights))
            t0 = float(rng.uniform(0, span - 3600))
            for m in members:
                if rng.random() < 0.7:
                    actor.append(m)
                    time.append(t0 + float(rng.exponential(90.0)))
                    text.append(_edit(rng, message))
                    family.append(fam)
            fam += 1
    n_actors = max(200, n_posts // 20)
    # Headlines and quotes people share on their own, lightly edited, at any moment: organic
    # near-duplicates, so that a text cluster's popularity and timing mean what they do for links.
    for _ in range(n_posts // 500):
        message = " ".join(rng.choice(vocab, size=int(rng.integers(8, 20)), p=weights))
        for _ in range(int(rng.geometric(1 / 15))):
            actor.append(f"user{int(rng.integers(0, n_actors))}")
            time.append(float(rng.uniform(0, span)))
            text.append(_edit(rng, message))
            family.append(fam)
        fam += 1
    for _ in range(n_posts // 100):
        b = int(rng.integers(0, len(BOILERPLATE)))
        tail = rng.choice(
            ["", " " + str(rng.choice(_EMOJI)), f" https://bit.ly/{rng.integers(1 << 30):x}"]
        )
        actor.append(f"user{int(rng.integers(0, n_actors))}")
        time.append(float(rng.uniform(0, span)))
        text.append(BOILERPLATE[b] + tail)
        family.append(fam + b)
    lengths = rng.integers(4, 30, size=n_posts)
    drawn = rng.choice(vocab, size=int(lengths.sum()), p=weights)
    ends = np.cumsum(lengths)
    text += [
        " ".join(drawn[e - k : e]) for k, e in zip(lengths.tolist(), ends.tolist(), strict=True)
    ]
    actor += [f"user{a}" for a in rng.integers(0, n_actors, size=n_posts).tolist()]
    time += rng.uniform(0, span, size=n_posts).tolist()
    family += [-1] * n_posts
    order = np.argsort(np.asarray(time), kind="stable")
    ids = pa.array(np.arange(1, len(order) + 1), pa.int64())
    take = pa.array(order)
    posts = pa.table(
        {
            "id": ids,
            "actor": pa.array(actor, pa.string()).take(take),
            "time": pa.array(np.round(START + np.asarray(time)[order], 3), pa.float64()),
            "text": pa.array(text, pa.string()).take(take),
        }
    )
    families = pa.table({"id": ids, "family": pa.array(family, pa.int64()).take(take)})
    truth_table = pa.table(
        {"actor": [a for a, _ in truth], "campaign": [c for _, c in truth]},
        schema=pa.schema([("actor", pa.string()), ("campaign", pa.string())]),
    )
    return PostsWorld(posts, truth_table, families)


def write_posts_world(world: PostsWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write ``posts.csv``, ``truth.csv`` (``actor, campaign``) and ``families.csv`` (``id,
    family``) in ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, table in (
            ("posts", world.posts),
            ("truth", world.truth),
            ("families", world.families),
        ):
            paths[name] = out / f"{name}.csv"
            pacsv.write_csv(table, paths[name])
    except OSError as exc:
        raise OutputError(f"write_posts_world: cannot write in {str(out)!r}: {exc}") from None
    return paths
