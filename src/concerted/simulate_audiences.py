"""Simulated audiences: fan bases that are not campaigns, and an amplification network that is.

Reacting to one account's posts is what its audience does; reacting to them in lockstep is what
an amplification network does. A world of :func:`concerted.simulate.simulate_world` (organic
traps, planted campaigns or none) gains:

* **fan bases**: a few accounts posting several times a day, each followed by a few hundred fans,
  each fan with its own habits: how often it reshares the account (from rarely to most posts),
  how soon (a typical delay of its own, from half a minute to half an hour), and only in its
  waking hours. Fans of one account meet on its posts again and again: that proves nothing.
* **an amplification network** (the answer key): 20-50 accounts that reshare most posts of one
  account (which has an organic fan base of its own too), all within a few seconds of each
  other, at a moment that varies from post to post.

Both are written as a researcher's collection would hold them: with the original posts or
without them (most collections of reshares lack the originals), and with or without a ``source``
column naming the author of each reshared post (every platform export has one).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ParameterError
from .schema import make_log
from .simulate import CAMPAIGNS_SCHEMA, DAY, HOUR, START, TRUTH_SCHEMA, World, simulate_world

CAMPAIGN = "amplifiers"
N_FAN_BASES = 4


def simulate_audiences(
    *,
    seed: int = 0,
    n_actors: int = 5000,
    days: float = 7.0,
    originals: bool = True,
    source_column: bool = True,
    campaigns: bool = False,
) -> World:
    """A world of fan bases and one amplification network (see the module docstring).

    Parameters
    ----------
    seed, n_actors, days, campaigns
        As :func:`concerted.simulate.simulate_world`, for the organic world beneath (and its
        planted campaigns, off by default).
    originals
        Keep the original posts as actions of their authors (True), or keep only the reshares
        of posts (a reshare-only collection).
    source_column
        Name each reshared post's author in a ``source`` column.

    Returns
    -------
    World
        ``truth`` holds the network's members (campaign ``amplifiers``) and any planted
        campaign's; ``roles`` says who is a fan (``fan``), an account with an audience
        (``account``), the amplified account (``amplified``) or a member (``network``).

    Example
    -------
    >>> world = simulate_audiences(seed=1, n_actors=2000, days=2, originals=False)
    >>> sorted(set(world.roles["role"].to_pylist()))
    ['account', 'amplified', 'fan', 'network']
    >>> world.log.has("source"), "post" in world.log.table["action"].to_pylist()
    (True, True)
    """
    for name, value in (("originals", originals), ("source_column", source_column)):
        if not isinstance(value, bool):
            raise ParameterError(
                f"simulate_audiences: {name} must be True or False. Got {value!r}."
            )
    base = simulate_world(seed=seed, n_actors=n_actors, days=days, campaigns=campaigns)
    rng = np.random.default_rng([int(seed), 14])
    table = base.log.table
    names = pc.unique(table["actor"])
    taken = set(base.truth["actor"].to_pylist())
    free = np.array([a for a in names.to_pylist() if a not in taken], dtype=object)
    free = rng.permutation(free)
    accounts, free = free[: N_FAN_BASES + 1], free[N_FAN_BASES + 1 :]
    size = int(rng.integers(20, 51))
    network, free = free[:size], free[size:]
    amplified = accounts[-1]
    end = START + days * DAY
    rows: list[tuple[np.ndarray, ...]] = []
    roles = {a: "account" for a in accounts[:-1]} | {amplified: "amplified"}
    roles |= {a: "network" for a in network}
    post_id = 9_000_000
    for account in accounts:
        n_posts = max(2, int(rng.poisson(rng.uniform(5, 12) * days)))
        t0 = np.sort(rng.uniform(START, end - HOUR, n_posts))
        posts = np.array([f"post:{post_id + i}" for i in range(n_posts)], dtype=object)
        post_id += n_posts
        rows.append(_rows(np.full(n_posts, account, object), "post", posts, t0, None, None))
        fans = rng.choice(free, int(rng.integers(150, 500)), replace=False)
        roles |= {a: roles.get(a, "fan") for a in fans}
        rows.append(_fans(rng, fans, account, posts, t0))
        if account == amplified:
            rows.append(_network(rng, network, account, posts, t0))
            pushed = posts[t0 < end].tolist()
    actor, action, obj, time, text, source = (np.concatenate(c) for c in zip(*rows, strict=True))
    added = pa.table(
        {"actor": actor, "action": action, "object": obj, "time": time, "text": text,
         "source": pa.array(source, pa.string())}
    )  # fmt: skip
    added = added.filter(pc.less(added["time"], end))
    log = pa.concat_tables([_with_sources(table), added.cast(_with_sources(table).schema)])
    if not originals:
        log = _reshares_only(log)
    if not source_column:
        log = log.set_column(
            log.column_names.index("source"), "source", pa.nulls(log.num_rows, pa.string())
        )
    log = log.sort_by([("time", "ascending"), ("actor", "ascending"), ("object", "ascending")])
    log = log.drop(["row"]) if "row" in log.column_names else log
    members = sorted(network.tolist())
    truth = pa.concat_tables(
        [base.truth, pa.Table.from_pylist(
            [{"actor": a, "campaign": CAMPAIGN, "episode": "amplification", "tempo": "bot"}
             for a in members], TRUTH_SCHEMA)]
    )  # fmt: skip
    role_table = pa.table({"actor": list(roles), "role": list(roles.values())})
    campaign = {
        "campaign": CAMPAIGN, "episode": "amplification", "tempo": "bot", "window_seconds": 10,
        "size": len(members), "participation": 0.85, "n_objects": len(pushed), "objects": pushed,
        "description": f"A network of {len(members)} accounts resharing most posts of "
        f"{amplified} within seconds of each other, at a moment that varies from post to post.",
    }  # fmt: skip
    return World(
        log=make_log(
            log,
            source=f"simulate_audiences(seed={seed}, n_actors={n_actors}, days={days:g}, "
            f"originals={originals}, source_column={source_column})",
        ),
        truth=truth,
        campaigns=pa.concat_tables(
            [base.campaigns, pa.Table.from_pylist([campaign], CAMPAIGNS_SCHEMA)]
        ),
        roles=role_table.sort_by("actor"),
    )


def _rows(actor, action, obj, time, text, source) -> tuple[np.ndarray, ...]:
    n = len(time)
    return (
        np.asarray(actor, object),
        np.full(n, action, object),
        np.asarray(obj, object),
        np.rint(np.asarray(time, float) * 1000.0) / 1000.0,
        np.full(n, text, object) if text is None or isinstance(text, str) else text,
        np.full(n, source, object) if source is None or isinstance(source, str) else source,
    )


def _fans(rng, fans, account, posts, t0) -> tuple[np.ndarray, ...]:
    """Each fan reshares each post with its own probability, after its own typical delay
    (log-uniform from 30 s to 30 min, spread around it), in its own waking hours."""
    n = len(fans)
    p = rng.beta(1.2, 3.0, n)
    typical = np.exp(rng.uniform(np.log(30.0), np.log(1800.0), n))
    wakes = rng.uniform(0, 24, n)  # the hour each fan's 16 waking hours start (UTC)
    p_i, f_i = np.nonzero(rng.random((len(posts), n)) < p)
    hour = (t0[p_i] % DAY) / HOUR
    awake = (hour - wakes[f_i]) % 24 < 16
    p_i, f_i = p_i[awake], f_i[awake]
    delay = typical[f_i] * rng.lognormal(0.0, 0.7, len(p_i))
    return _rows(fans[f_i], "share", posts[p_i], t0[p_i] + np.maximum(delay, 2.0),
                 np.array([f"RT @{account}: ..."] * len(p_i), object), account)  # fmt: skip


def _network(rng, members, account, posts, t0) -> tuple[np.ndarray, ...]:
    """Each member reshares most posts (75-95 % each), all within a few seconds of each other,
    at a moment that varies from post to post (the controller's lag: 2 s to 10 min)."""
    p = rng.uniform(0.75, 0.95, len(members))
    lag = np.exp(rng.uniform(np.log(2.0), np.log(600.0), len(posts)))
    p_i, m_i = np.nonzero(rng.random((len(posts), len(members))) < p)
    time = t0[p_i] + lag[p_i] + rng.uniform(0.0, 6.0, len(p_i))
    return _rows(members[m_i], "share", posts[p_i], time,
                 np.array([f"RT @{account}: ..."] * len(p_i), object), account)  # fmt: skip


def _with_sources(table: pa.Table) -> pa.Table:
    """The world's reshares of posts name the post's author (who posted it) as their source."""
    posts = table.filter(
        pc.and_(pc.equal(table["action"], "post"), pc.starts_with(table["object"], "post:"))
    )
    authors = dict(zip(posts["object"].to_pylist(), posts["actor"].to_pylist(), strict=True))
    shares = pc.equal(table["action"], "share").to_pylist()
    source = [
        authors.get(o) if s else None
        for o, s in zip(table["object"].to_pylist(), shares, strict=True)
    ]
    columns = [c for c in table.column_names if c not in ("source", "language", "row")]
    return table.select(columns).append_column("source", pa.array(source, pa.string()))


def _reshares_only(table: pa.Table) -> pa.Table:
    """Drop the original posts that were reshared: a collection of reshares lacks them."""
    reshared = pc.unique(table.filter(pc.is_valid(table["source"]))["object"])
    original = pc.and_(pc.equal(table["action"], "post"), pc.is_in(table["object"], reshared))
    return table.filter(pc.invert(original))
