"""Coordination among a takeover's newcomers, found by the core engine.

The newcomers' posts become an action log whose objects are what a flood repeats: each link a
post holds (``url:...``, normalised as the core does) and its text (``text:...``, case and
spacing folded). :func:`concerted.detect` with its defaults (co-action, pairs tested against
its null model of organic activity) then finds the groups that acted on the same links and
texts within seconds to minutes of each other, more often than chance.
"""

from __future__ import annotations

from ...extract import extract_objects
from ...pipeline import detect
from ...schema import make_log
from .content import text_key


def coordinated_groups(actors: list[str], times: list[float], texts: list[str | None]) -> dict:
    """Account -> group number (1, 2, ... by the core's ranking) for the accounts the core finds
    coordinated among these posts; accounts in no group are left out.

    >>> import random
    >>> rng = random.Random(1)
    >>> actors = [f"n{i}" for i in range(20)] * 5
    >>> times = [1000.0 * k + rng.uniform(0, 30) for k in range(5) for i in range(20)]
    >>> texts = [f"stan https://v.example/{k}" for k in range(5) for i in range(20)]
    >>> groups = coordinated_groups(actors, times, texts)
    >>> len(groups), set(groups.values())
    (20, {1})
    """
    rows = []
    for actor, time, text in zip(actors, times, texts, strict=True):
        objects = dict.fromkeys(extract_objects(text, ("urls",)))
        key = text_key(text)
        if key:
            objects[f"text:{key}"] = None
        rows += [{"actor": actor, "object": o, "time": time} for o in objects]
    if len({r["actor"] for r in rows}) < 2:
        return {}
    result = detect(make_log(rows, source="the takeover's newcomers"))
    table = result.actors.select(["actor", "group"]).to_pylist()
    return {r["actor"]: r["group"] for r in table if r["group"] is not None}
