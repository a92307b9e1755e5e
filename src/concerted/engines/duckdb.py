"""The default engine: DuckDB, embedded, out-of-core when memory runs short.

Co-action is a bucketed self-join: actions are keyed by ``(object, floor(time / window))`` and each
is joined with the actions of the same object in its own bucket and the next one, then filtered to
gaps ``<= window``. Work is bounded to adjacent buckets, so a log spread over months costs no more
than its busiest minutes. A hot object still costs the square of its actions per bucket, so a
bucket holding more than ``max_bucket_events`` actions is sampled down to that many (by a hash of
the row, deterministic) and the object is flagged ``capped`` — the cost of one bucket is then at
most ``max_bucket_events**2 / 2`` pairs, whatever the object's popularity.

The SQL, stage by stage, is in :mod:`concerted.engines.duckdb_stages`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Log
from ..sql import connect, literal
from . import duckdb_stages as stages
from .base import (
    CoActionCounts,
    CoActionTables,
    Engine,
    GroupCoActionTables,
    Selector,
)

_NO_EVIDENCE = pa.schema(
    [("actor", pa.string()), ("actor_y", pa.string()), ("object", pa.string()),
     ("time", pa.float64()), ("time_y", pa.float64())]
).empty_table()  # fmt: skip


_NO_COUNTS = pa.schema(
    [("window_id", pa.int32()), ("actor", pa.int32()), ("actor_y", pa.int32()),
     ("weight", pa.int64()), ("sources", pa.int64()), ("audience", pa.int64()),
     ("other_sources", pa.int64())]
).empty_table()  # fmt: skip


class DuckDBEngine(Engine):
    """Runs the detectors' joins in an in-memory DuckDB database.

    Parameters
    ----------
    memory_limit
        DuckDB's memory limit, e.g. ``"4GB"``; larger joins spill to ``temp_directory``.
        Default: 40 % of the machine's memory.
    threads
        Worker threads; all cores by default.
    temp_directory
        Where joins larger than ``memory_limit`` spill; the system's temporary folder by default.
    """

    name = "duckdb"

    def __init__(
        self,
        *,
        memory_limit: str | None = None,
        threads: int | None = None,
        temp_directory: str | None = None,
    ) -> None:
        self.memory_limit = memory_limit
        self.threads = threads
        self.temp_directory = temp_directory

    def _connect(self) -> duckdb.DuckDBPyConnection:
        # Held to a share of the machine (see default_memory_limit), spilling beyond it.
        con = connect(preserve_insertion_order=False)
        if self.memory_limit:
            con.execute(f"SET memory_limit = {literal(self.memory_limit)}")
        if self.threads:
            con.execute(f"SET threads={int(self.threads)}")
        if self.temp_directory:
            con.execute(f"SET temp_directory = {literal(os.fspath(self.temp_directory))}")
        return con

    def co_action(
        self,
        log: Log,
        *,
        window_seconds: float,
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
    ) -> CoActionTables:
        return self.co_action_windows(
            log,
            windows=[window_seconds],
            max_bucket_events=max_bucket_events,
            evidence_per_pair=evidence_per_pair,
            min_weight=min_weight,
        )[0]

    def count_co_actions(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        min_weight: int = 1,
        crowd_partners: int | None = None,
    ) -> CoActionCounts:
        """One join at the widest window serves them all: a pair co-acts on an object within a
        narrower window exactly when its closest co-action there is within it. A crowd (see
        ``crowd_partners``) joins on the buckets of the window it is counted within. (Busy
        buckets are those of that join, so sampling, when it happens, is the same for all.)
        The stages are listed in :mod:`concerted.engines.duckdb_stages`; the database stays
        open for :meth:`describe_pairs`."""
        con = self._connect()
        n = len(windows)
        state = _prepare(con, log, windows, max_bucket_events, crowd_partners if n > 1 else None)
        con.execute(f"CREATE TEMP TABLE pair_objects AS {stages.PAIR_OBJECTS}")
        candidates = stages.count_pairs(con, n, min_weight)
        counts = _by_window(stages.query(con, stages.PAIR_COUNTS, min_weight=int(min_weight)), n)
        return CoActionCounts(_counted(con, state, candidates, counts), state)

    def describe_pairs(
        self, counts: CoActionCounts, chosen: list[pa.Table], *, evidence_per_pair: int
    ) -> list[CoActionTables]:
        """The chosen pairs described from the actions of their actors alone (few)."""
        state = counts.state
        stages.describe_chosen(state.con, chosen, state.actors.dictionary)
        return _described(state, counts.tables, evidence_per_pair)

    def co_action_windows(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
        select: Selector | None = None,
        crowd_partners: int | None = None,
    ) -> list[CoActionTables]:
        """With ``select``, :meth:`count_co_actions` then :meth:`describe_pairs`; without it
        every counted pair is described, so one join describes them all at once."""
        if select is not None:
            return super().co_action_windows(
                log,
                windows=windows,
                max_bucket_events=max_bucket_events,
                evidence_per_pair=evidence_per_pair,
                min_weight=min_weight,
                select=select,
                crowd_partners=crowd_partners,
            )
        con = self._connect()
        n = len(windows)
        state = _prepare(con, log, windows, max_bucket_events, crowd_partners if n > 1 else None)
        con.execute(
            f"CREATE TEMP TABLE pair_object_windows AS {stages.describe_pair_objects_sql()}"
        )
        candidates = stages.count_described_pairs(con, n)
        counted = _counted(con, state, candidates, [_NO_COUNTS] * n)
        if min_weight <= 1:  # every candidate pair: no copy
            con.execute("CREATE TEMP VIEW kept_pair_objects AS SELECT * FROM pair_object_windows")
        else:
            stages.execute(con, stages.KEPT_REPEATED_PAIRS, min_weight=int(min_weight))
        return _described(state, counted, evidence_per_pair)

    def group_co_action(
        self, log: Log, members: pa.Table, *, window_seconds: float, max_bucket_events: int
    ) -> pa.Table:
        con = self._connect()
        window = float(window_seconds)
        actors, object_codes = stages.load_actions(con, log, window)
        codes = pc.index_in(members["actor"], value_set=actors.dictionary)
        con.register(
            "members_in",
            pa.table({"actor": codes, "group_id": members["group"]}).filter(pc.is_valid(codes)),
        )
        # Each member action is keyed to its own bucket and the ones before and after, so one
        # equi-join on (object, bucket) finds every action within the window of it. A group's
        # objects are those two or more members acted on within the window of each other. A
        # busy (object, bucket) is sampled to max_bucket_events actions, as in co_action.
        for sql in stages.GROUP_STAGES:
            stages.execute(con, sql, window=window, cap=int(max_bucket_events))
        hits = stages.query(con, stages.GROUP_HITS)
        objects = stages.query(con, stages.GROUP_OBJECTS)
        con.close()
        names, object_names = actors.dictionary, object_codes.dictionary
        return GroupCoActionTables(
            hits=pa.table(
                {
                    "group": pc.cast(hits["group_id"], pa.int64()),
                    "actor": names.take(hits["actor"]),
                    "object": object_names.take(hits["object"]),
                    "source": names.take(hits["source"]),
                }
            ),
            objects=pa.table(
                {
                    "group": pc.cast(objects["group_id"], pa.int64()),
                    "object": object_names.take(objects["object"]),
                    "members": pc.cast(objects["members"], pa.int64()),
                    "actor": names.take(objects["member"]),
                    "in_step": pc.cast(objects["in_step"], pa.float64()),
                    "member_actions": pc.cast(objects["member_actions"], pa.int64()),
                }
            ),
        )

    def recurring_bursts(
        self,
        log: Log,
        *,
        window_seconds: float,
        min_actors: int,
        max_actors: int,
        min_shared: int,
        min_recurrences: int,
    ) -> pa.Table:
        con = self._connect()
        actors, _ = stages.load_actions(con, log, float(window_seconds))
        out = stages.query(
            con,
            stages.RECURRING_BURSTS,
            window=float(window_seconds),
            min_actors=int(min_actors),
            max_actors=int(max_actors),
            min_shared=int(min_shared),
            min_recurrences=int(min_recurrences),
        )
        con.close()
        return pa.table(
            {
                "burst": pc.cast(out["burst"], pa.int64()),
                "actor": actors.dictionary.take(out["actor"]),
            }
        )

    def group_actions(self, log: Log, members: pa.Table) -> pa.Table:
        con = self._connect()
        con.register("log", log.table)
        con.register("members", members)
        out = con.sql(
            """
            WITH m AS (
                SELECT m."group", l.* FROM log l JOIN members m USING (actor)
            ), shared AS (
                SELECT "group", object, count(DISTINCT actor) AS members
                FROM m GROUP BY "group", object HAVING count(DISTINCT actor) >= 2
            )
            SELECT m."group", m.actor, m.action, m.object, m.time, m.text, m.row, s.members
            FROM m JOIN shared s USING ("group", object)
            ORDER BY m."group", m.time, m.actor, m.row, m.object
            """
        ).to_arrow_table()
        con.close()
        return out


# ---- The steps that count_co_actions, describe_pairs and co_action_windows share ----------------


@dataclass(frozen=True)
class _Open:
    """An open co-action computation: the database and the codes of actors and objects."""

    con: duckdb.DuckDBPyConnection
    actors: pa.DictionaryArray
    objects: pa.DictionaryArray
    windows: int


def _prepare(
    con: duckdb.DuckDBPyConnection,
    log: Log,
    windows: list[float],
    max_bucket_events: int,
    crowd: int | None,
) -> _Open:
    """The stages up to ``actions_sampled``."""
    actors, objects = stages.load_actions(con, log, float(max(windows)))
    stages.count_object_windows(con, windows, crowd)
    stages.sample_busy_buckets(con, max_bucket_events)
    return _Open(con, actors, objects, len(windows))


def _counted(
    con: duckdb.DuckDBPyConnection, state: _Open, candidates: list[int], counts: list[pa.Table]
) -> list[CoActionTables]:
    """Each window's tables before any pair is described: candidates, the pairs' ``counts``,
    actors and objects."""
    names = state.actors.dictionary
    actor_stats = stages.query(con, stages.ACTOR_STATS)
    actors = pa.table(
        {
            "actor": names.take(actor_stats["actor"]),
            "actions": actor_stats["actions"],
            "objects": actor_stats["objects"],
        }
    )
    objects = [
        pa.table(
            {
                "object": state.objects.dictionary.take(t["object"]),
                "actions": t["actions"],
                "actors": t["actors"],
                "close_pairs": pc.cast(t["close_pairs"], pa.int64()),
                "capped": t["capped"],
                "crowd": t["crowd"],
                "source": names.take(t["source"]),
                "audience": t["has_audience"],
            }
        )
        for t in _by_window(stages.query(con, stages.OBJECT_STATS), state.windows)
    ]
    return [
        CoActionTables(
            candidate_pairs=candidates[k],
            pairs=pa.table(
                {
                    "actor": names.take(c["actor"]),
                    "actor_y": names.take(c["actor_y"]),
                    "weight": pc.cast(c["weight"], pa.int64()),
                    "sources": pc.cast(c["sources"], pa.int64()),
                    "audience": pc.cast(c["audience"], pa.int64()),
                    "other_sources": pc.cast(c["other_sources"], pa.int64()),
                }
            ),
            evidence=_NO_EVIDENCE,
            actors=actors,
            objects=objects[k],
        )
        for k, c in enumerate(counts)
    ]


def _described(
    state: _Open, counted: list[CoActionTables], evidence_per_pair: int
) -> list[CoActionTables]:
    """The pairs of ``kept_pair_objects`` described, with their evidence, at each window;
    closes the database."""
    con, n = state.con, state.windows
    pairs = _by_window(stages.query(con, stages.DESCRIBED_PAIRS), n)
    evidence = _by_window(stages.query(con, stages.EVIDENCE, per_pair=int(evidence_per_pair)), n)
    con.close()
    names = state.actors.dictionary
    return [
        CoActionTables(
            candidate_pairs=tables.candidate_pairs,
            pairs=_decode_pairs(pairs[k], names),
            evidence=pa.table(
                {
                    "actor": names.take(evidence[k]["actor"]),
                    "actor_y": names.take(evidence[k]["actor_y"]),
                    "object": state.objects.dictionary.take(evidence[k]["object"]),
                    "time": evidence[k]["time"],
                    "time_y": evidence[k]["time_y"],
                }
            ),
            actors=tables.actors,
            objects=tables.objects,
        )
        for k, tables in enumerate(counted)
    ]


def _by_window(table: pa.Table, n: int) -> list[pa.Table]:
    """A table ordered by ``window_id`` as one table per window (slices, no copies)."""
    ids = table["window_id"].to_numpy()
    if len(ids) > 1 and (np.diff(ids) < 0).any():  # a reader that lost the order: never guess
        raise RuntimeError("concerted: a query's rows came back out of window order (a bug).")
    bounds = np.searchsorted(ids, np.arange(n + 1))
    return [table.slice(bounds[k], bounds[k + 1] - bounds[k]) for k in range(n)]


def _decode_pairs(pairs: pa.Table, actors: pa.Array) -> pa.Table:
    """Integer keys back to names; codes sort as names do, so the order is (actor, actor_y)."""
    return pa.table(
        {
            "actor": actors.take(pairs["actor"]),
            "actor_y": actors.take(pairs["actor_y"]),
            "weight": pc.cast(pairs["weight"], pa.int64()),
            "sources": pc.cast(pairs["sources"], pa.int64()),
            "co_actions": pc.cast(pairs["co_actions"], pa.int64()),
            "median_delay_seconds": pc.cast(pairs["median_delay_seconds"], pa.float64()),
            "first_time": pairs["first_time"],
            "last_time": pairs["last_time"],
        }
    )
