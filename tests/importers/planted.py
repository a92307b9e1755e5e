"""A planted campaign to write in each export format: six accounts reshare every post of one
account within 4 s of each other, whenever their operator fires (half a minute to half an hour
after the post); 200 fans reshare that account (half of what they reshare) and 40 others at
their own pace. Each format's test writes these events as that platform would and checks that
``concerted detect``, with its defaults, finds the six and no one else."""

from __future__ import annotations

import random
from dataclasses import dataclass

from concerted import detect

START = 1_551_434_400  # 2019-03-01 10:00 UTC
BOTS = [f"bot{b}" for b in range(6)]
BOSS = "boss"


@dataclass(frozen=True)
class Event:
    """One action: ``post`` (``id`` is new) or ``repost`` of ``target`` by ``target_author``."""

    id: str
    actor: str
    kind: str
    time: float
    target: str | None = None
    target_author: str | None = None
    text: str = ""


def planted_events(seed: int = 5, *, with_originals: bool = True) -> list[Event]:
    """The events, in time order: the originals (when ``with_originals``) and the reshares."""
    rng = random.Random(seed)
    ids = iter(range(10_000, 10**9))
    events = []
    authors = [BOSS] + [f"a{i}" for i in range(40)]
    posts = {a: [] for a in authors}
    for author in authors:
        for k in range(12):
            post = str(next(ids))
            t0 = START + (k * 7200 if author == BOSS else rng.uniform(0, 30 * 3600))
            posts[author].append((post, t0))
            if with_originals:
                events.append(Event(post, author, "post", t0, text=f"post {k} of {author}"))
    for post, t0 in posts[BOSS]:
        trigger = t0 + rng.uniform(30, 1800)
        for bot in BOTS:
            t = trigger + rng.uniform(0, 4)
            events.append(Event(str(next(ids)), bot, "repost", t, post, BOSS, "RT"))
    for j in range(200):
        for _ in range(8):
            author = BOSS if rng.random() < 0.5 else rng.choice(authors[1:])
            post, t0 = rng.choice(posts[author])
            t = t0 + rng.uniform(60, 6 * 3600)
            events.append(Event(str(next(ids)), f"fan{j}", "repost", t, post, author, "RT"))
    return sorted(events, key=lambda e: e.time)


def assert_found(log) -> None:
    """``detect`` with its defaults finds the six accounts, and only them, amplifying the boss."""
    result = detect(log)
    assert sorted(result.actors["actor"].to_pylist()) == BOTS
    assert result.groups["top_source"].to_pylist() == [BOSS]
