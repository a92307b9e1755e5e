"""The default engine: DuckDB, embedded, out-of-core when memory runs short.

Co-action is a bucketed self-join: actions are keyed by ``(object, floor(time / window))`` and each
is joined with the actions of the same object in its own bucket and the next one, then filtered to
gaps ``<= window``. Work is bounded to adjacent buckets, so a log spread over months costs no more
than its busiest minutes. A hot object still costs the square of its actions per bucket, so a
bucket holding more than ``max_bucket_events`` actions is sampled down to that many (by a hash of
the row, deterministic) and the object is flagged ``capped`` — the cost of one bucket is then at
most ``max_bucket_events**2 / 2`` pairs, whatever the object's popularity.
"""

from __future__ import annotations

import os

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Log
from .base import MIN_AUDIENCE_POSTS, CoActionTables, Engine, GroupCoActionTables, Selector
from .sql import connect, literal

_NO_EVIDENCE = pa.schema(
    [("actor", pa.string()), ("actor_y", pa.string()), ("object", pa.string()),
     ("time", pa.float64()), ("time_y", pa.float64())]
).empty_table()  # fmt: skip


_NO_COUNTS = pa.schema(
    [("lo", pa.int32()), ("hi", pa.int32()), ("weight", pa.int64()), ("sources", pa.int64()),
     ("audience", pa.int64()), ("other_sources", pa.int64())]
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
        """One join at the widest window serves them all: a pair co-acts on an object within a
        narrower window exactly when its closest co-action there is within it. A crowd (see
        ``crowd_partners``) joins on the buckets of the window it is counted within. (Busy
        buckets are those of that join, so sampling, when it happens, is the same for all.)"""
        con = self._connect()
        w = float(max(windows))
        actors, objects = _load_events(con, log, w)
        lean = select is not None
        _object_windows(con, windows, crowd_partners if len(windows) > 1 else None)
        con.execute(
            f"""CREATE TEMP TABLE hot AS SELECT o, b FROM evw GROUP BY o, b
            HAVING count(*) > {int(max_bucket_events)}"""
        )
        if con.execute("SELECT count(*) FROM hot").fetchone()[0]:
            con.execute(
                f"""CREATE TEMP TABLE evc AS
                SELECT * FROM evw ANTI JOIN hot USING (o, b)
                UNION ALL
                SELECT i, a, o, t, b, s, w FROM (
                    SELECT evw.*, row_number() OVER (PARTITION BY o, b ORDER BY hash(i)) AS rn
                    FROM evw SEMI JOIN hot USING (o, b)) WHERE rn <= {int(max_bucket_events)}"""
            )
        else:
            con.execute("CREATE TEMP VIEW evc AS SELECT * FROM evw")
        # One row per (pair, object). With ``select`` (the test reads only counts), just the
        # shortest delay ``d`` between the pair's actions on it: the pair co-acted on it within
        # window x exactly when d <= x. The full description (closest co-action, counts, first
        # and last times per window) is then built for the pairs the test keeps only; without
        # ``select`` every counted pair is described, so it is built for all at once.
        if lean:
            con.execute(
                f"""CREATE TEMP TABLE po AS {_pairs_on_objects_sql("evc")}
                SELECT lo, hi, o, min(th - tl) AS d FROM u GROUP BY lo, hi, o"""
            )
        else:
            con.execute(
                f"CREATE TEMP TABLE po AS {_pairs_on_objects_sql('evc')} "
                f"{_describe_pair_objects_sql(windows, w)}"
            )
        actor_stats = con.sql(
            "SELECT a, count(*) AS actions, count(DISTINCT o) AS objects FROM ev GROUP BY a ORDER BY a"
        ).to_arrow_table()
        actor_table = pa.table(
            {
                "actor": actors.dictionary.take(actor_stats["a"]),
                "actions": actor_stats["actions"],
                "objects": actor_stats["objects"],
            }
        )
        counted = []
        within = [f"d <= {float(x)}" if lean else f"n{k} > 0" for k, x in enumerate(windows)]
        all_candidates = _count_pairs(con, within, sources=lean, min_weight=min_weight)
        for k in range(len(windows)):
            candidates = all_candidates[k]
            # The counts are only read by ``select``; without it every pair is described anyway.
            counts = (
                con.sql(
                    f"""SELECT lo, hi, w{k} AS weight, s{k} AS sources, a{k} AS audience,
                        x{k} AS other_sources
                    FROM pws WHERE w{k} >= {int(min_weight)} ORDER BY lo, hi"""
                ).to_arrow_table()
                if select
                else _NO_COUNTS
            )
            object_stats = con.sql(
                f"""SELECT o, actions, actors, s, aud,
                    c{k} AS close_pairs,
                    o IN (SELECT o FROM hot) AS capped, kw < {k} AS crowd
                FROM ostat JOIN (SELECT o, aud FROM osrc) USING (o) ORDER BY o"""
            ).to_arrow_table()
            counted.append(
                CoActionTables(
                    candidate_pairs=candidates,
                    pairs=pa.table(
                        {
                            "actor": actors.dictionary.take(counts["lo"]),
                            "actor_y": actors.dictionary.take(counts["hi"]),
                            "weight": pc.cast(counts["weight"], pa.int64()),
                            "sources": pc.cast(counts["sources"], pa.int64()),
                            "audience": pc.cast(counts["audience"], pa.int64()),
                            "other_sources": pc.cast(counts["other_sources"], pa.int64()),
                        }
                    ),
                    evidence=_NO_EVIDENCE,
                    actors=actor_table,
                    objects=pa.table(
                        {
                            "object": objects.dictionary.take(object_stats["o"]),
                            "actions": object_stats["actions"],
                            "actors": object_stats["actors"],
                            "close_pairs": pc.cast(object_stats["close_pairs"], pa.int64()),
                            "capped": object_stats["capped"],
                            "crowd": object_stats["crowd"],
                            "source": actors.dictionary.take(object_stats["s"]),
                            "audience": object_stats["aud"],
                        }
                    ),
                )
            )
        chosen = select(counted) if select is not None else [None] * len(windows)
        if lean:
            _describe_chosen(con, chosen, actors.dictionary, windows, w)
        out = []
        for k, tables in enumerate(counted):
            columns = f"lo, hi, o, s, closest, n{k} AS n, f{k} AS f, l{k} AS l"
            if lean:  # pok: the chosen pairs of every window, described
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE kept{k} AS SELECT {columns} FROM pok
                    SEMI JOIN chosen{k} USING (lo, hi) WHERE n{k} > 0"""
                )
            elif min_weight <= 1:  # every candidate pair: no copy
                con.execute(
                    f"CREATE OR REPLACE TEMP VIEW kept{k} AS SELECT {columns} FROM po WHERE n{k} > 0"
                )
            else:
                con.execute(
                    f"""CREATE OR REPLACE TEMP TABLE kept{k} AS SELECT {columns} FROM po
                    SEMI JOIN (SELECT lo, hi FROM pws WHERE w{k} >= {int(min_weight)}) USING (lo, hi)
                    WHERE n{k} > 0"""
                )
            pairs, evidence = _describe_pairs_at(con, k, evidence_per_pair)
            out.append(
                CoActionTables(
                    candidate_pairs=tables.candidate_pairs,
                    pairs=_decode_pairs(pairs, actors.dictionary),
                    evidence=pa.table(
                        {
                            "actor": actors.dictionary.take(evidence["lo"]),
                            "actor_y": actors.dictionary.take(evidence["hi"]),
                            "object": objects.dictionary.take(evidence["o"]),
                            "time": evidence["tl"],
                            "time_y": evidence["th"],
                        }
                    ),
                    actors=actor_table,
                    objects=tables.objects,
                )
            )
        con.close()
        return out

    def group_co_action(
        self, log: Log, members: pa.Table, *, window_seconds: float, max_bucket_events: int
    ) -> pa.Table:
        con = self._connect()
        w = float(window_seconds)
        actors, object_codes = _load_events(con, log, w)
        object_names = object_codes.dictionary
        codes = pc.index_in(members["actor"], value_set=actors.dictionary)
        con.register("m", pa.table({"a": codes, "g": members["group"]}).filter(pc.is_valid(codes)))
        # Each member action is keyed to its own bucket and the ones before and after, so one
        # equi-join on (object, bucket) finds every action within the window of it. A group's
        # objects are those two or more members acted on within the window of each other. A
        # busy (object, bucket) is sampled to max_bucket_events actions, as in co_action.
        con.execute(
            f"""
            CREATE TEMP TABLE ga AS
            SELECT m.g, ev.a AS b, ev.o, ev.t, ev.b AS bk FROM ev JOIN m USING (a);
            CREATE TEMP TABLE gx AS
            SELECT ga.g, ga.b, ga.o, ga.t, ga.bk + d.d AS b2
            FROM ga, (VALUES (-1), (0), (1)) d(d);
            CREATE TEMP TABLE step AS
            SELECT DISTINCT x.g, x.o, x.b FROM gx x JOIN ga y
            ON x.g = y.g AND x.o = y.o AND x.b2 = y.bk
            WHERE x.b <> y.b AND abs(x.t - y.t) <= {w};
            CREATE TEMP TABLE gc AS SELECT g, o, count(*) AS c FROM step GROUP BY g, o;
            """
        )
        con.execute(
            f"""
            CREATE TEMP TABLE x AS
            SELECT i, a, o, t, b, s FROM (
                SELECT ev.*, row_number() OVER (PARTITION BY o, b ORDER BY hash(i)) AS rn
                FROM ev SEMI JOIN (SELECT DISTINCT o FROM gc) USING (o)
            ) WHERE rn <= {int(max_bucket_events)};
            CREATE TEMP TABLE hit AS
            SELECT DISTINCT gx.g, x.i, x.a, x.o, x.s
            FROM x JOIN (SELECT * FROM gx SEMI JOIN gc USING (g, o)) gx
            ON x.o = gx.o AND x.b = gx.b2
            WHERE x.a <> gx.b AND abs(x.t - gx.t) <= {w};
            """
        )
        hits = con.sql(
            """
            -- A member acting in step with the group is one of the object's in-step members:
            -- the object counts for it only if two others were in step too.
            WITH h AS (SELECT DISTINCT g, a, o, s FROM hit)
            SELECT h.g, h.a, h.o, h.s
            FROM h JOIN gc USING (g, o) LEFT JOIN step ON h.g = step.g AND h.o = step.o
                AND h.a = step.b
            WHERE gc.c - CASE WHEN step.b IS NULL THEN 0 ELSE 1 END >= 2
            ORDER BY h.g, h.a, h.o
            """
        ).to_arrow_table()
        # How much of each group object's activity falls in step with the group: the share of
        # its actions (of those the join saw) within the window of a member's.
        objects = con.sql(
            """
            WITH n AS (SELECT o, count(*) AS n FROM x GROUP BY o),
            k AS (SELECT g, o, count(DISTINCT i) AS k FROM hit GROUP BY g, o),
            mine AS (SELECT g, o, count(*) AS m FROM ga SEMI JOIN gc USING (g, o) GROUP BY g, o)
            SELECT step.g, step.o, gc.c, step.b, coalesce(k.k, 0) / n.n AS f, mine.m
            FROM step JOIN gc USING (g, o) JOIN n USING (o) JOIN mine USING (g, o)
            LEFT JOIN k USING (g, o)
            ORDER BY step.g, step.o, step.b
            """
        ).to_arrow_table()
        con.close()
        names = actors.dictionary
        return GroupCoActionTables(
            hits=pa.table(
                {
                    "group": pc.cast(hits["g"], pa.int64()),
                    "actor": names.take(hits["a"]),
                    "object": object_names.take(hits["o"]),
                    "source": names.take(hits["s"]),
                }
            ),
            objects=pa.table(
                {
                    "group": pc.cast(objects["g"], pa.int64()),
                    "object": object_names.take(objects["o"]),
                    "members": pc.cast(objects["c"], pa.int64()),
                    "actor": names.take(objects["b"]),
                    "in_step": pc.cast(objects["f"], pa.float64()),
                    "member_actions": pc.cast(objects["m"], pa.int64()),
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
        w = float(window_seconds)
        actors, _ = _load_events(con, log, w)
        out = con.sql(
            f"""
            WITH s AS (
                SELECT a, o, t, i, CASE WHEN t - lag(t) OVER (PARTITION BY o ORDER BY t, i) <= {w}
                    THEN 0 ELSE 1 END AS starts
                FROM ev
            ), k AS (
                SELECT DISTINCT a, o,
                    sum(starts) OVER (PARTITION BY o ORDER BY t, i ROWS UNBOUNDED PRECEDING) AS n
                FROM s
            ), sized AS (
                SELECT o, n FROM k GROUP BY o, n
                HAVING count(*) BETWEEN {int(min_actors)} AND {int(max_actors)}
            ), bursts AS (
                SELECT dense_rank() OVER (ORDER BY o, n) - 1 AS burst, a FROM k JOIN sized USING (o, n)
            ), met AS (
                SELECT x.burst FROM bursts x JOIN bursts y ON x.a = y.a AND x.burst <> y.burst
                GROUP BY x.burst, y.burst HAVING count(*) >= {int(min_shared)}
            ), kept AS (
                SELECT burst FROM met GROUP BY burst HAVING count(*) >= {int(min_recurrences)}
            )
            SELECT dense_rank() OVER (ORDER BY burst) - 1 AS burst, a
            FROM bursts SEMI JOIN kept USING (burst) ORDER BY burst, a
            """
        ).to_arrow_table()
        con.close()
        return pa.table(
            {
                "burst": pc.cast(out["burst"], pa.int64()),
                "actor": actors.dictionary.take(out["a"]),
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
            ORDER BY m."group", m.time, m.actor, m.row
            """
        ).to_arrow_table()
        con.close()
        return out


def _pairs_on_objects_sql(events: str) -> str:
    """``WITH ... u``: every two actions of different actors on one object within its window
    ``w``, from the table ``events`` (bucketed by ``w``), as ``lo, hi, o, s, tl, th, tlo,
    thi`` (the pair's codes in order, the object and its source, the earlier and later time,
    and the times of ``lo``'s and ``hi``'s actions)."""
    return f"""
        WITH j AS (
            SELECT x.a AS a1, y.a AS a2, x.o AS o, x.s AS s, x.t AS t1, y.t AS t2
            FROM {events} x JOIN {events} y ON x.o = y.o AND x.b = y.b
            WHERE x.a <> y.a AND (x.t < y.t OR (x.t = y.t AND x.i < y.i))
            UNION ALL
            SELECT x.a, y.a, x.o, x.s, x.t, y.t
            FROM {events} x JOIN {events} y ON x.o = y.o AND y.b = x.b + 1
            WHERE x.a <> y.a AND y.t - x.t <= x.w
        ), u AS (
            SELECT least(a1, a2) AS lo, greatest(a1, a2) AS hi, o, s,
                   least(t1, t2) AS tl, greatest(t1, t2) AS th,
                   CASE WHEN a1 < a2 THEN t1 ELSE t2 END AS tlo,
                   CASE WHEN a1 < a2 THEN t2 ELSE t1 END AS thi
            FROM j
        )"""


def _object_windows(con: duckdb.DuckDBPyConnection, windows: list[float], crowd: int | None):
    """Tables ``ostat(o, actions, actors, c{k}, kw)``: each object's actions, actors and pairs of
    actions within each window ``k`` (its burst tightness), and ``kw``, the index of the widest
    window it is counted at; ``evw``: ``ev`` bucketed by that window (column ``w``).

    With ``crowd``, an object whose actions have more than ``crowd`` others each within a window
    (on average) is a crowd there: every actor in it meets dozens of others by chance, and
    enumerating them costs the square of its size. At such a window its co-actions are only
    enumerated within ``kw``, the widest window where it is not a crowd (or the narrowest),
    while ``c{k}`` keep its pairs at the window itself for the null model."""
    ks = range(len(windows))
    frames = ", ".join(
        f"""count(*) OVER (PARTITION BY o ORDER BY t
            RANGE BETWEEN CURRENT ROW AND {float(x)} FOLLOWING) - 1 AS n{k}"""
        for k, x in enumerate(windows)
    )
    last = len(windows) - 1
    if crowd:
        kw = (
            "CASE "
            + " ".join(f"WHEN 2 * c{k} <= {int(crowd)} * actions THEN {k}" for k in reversed(ks))
            + " ELSE 0 END"
        )
    else:
        kw = str(last)
    con.execute(
        f"""CREATE TEMP TABLE ostat AS
        SELECT *, {kw} AS kw FROM (
            SELECT o, any_value(s) AS s, count(*) AS actions, count(DISTINCT a) AS actors,
                   {", ".join(f"sum(n{k}) AS c{k}" for k in ks)}
            FROM (SELECT o, a, s, {frames} FROM ev) GROUP BY o)"""
    )
    if not crowd:  # every object at the widest window: ev's own buckets
        con.execute(f"CREATE TEMP VIEW evw AS SELECT *, {float(max(windows))} AS w FROM ev")
        return
    width = (
        "CASE kw " + " ".join(f"WHEN {k} THEN {float(x)}" for k, x in enumerate(windows)) + " END"
    )
    con.execute(
        f"""CREATE TEMP TABLE evw AS
        SELECT i, a, ev.o, t, floor(t / w)::BIGINT AS b, s, w
        FROM ev JOIN (SELECT o, {width} AS w FROM ostat) USING (o)"""
    )


def _describe_pair_objects_sql(windows: list[float], w: float, where: str = "") -> str:
    """From ``u``: per (pair, object) the pair's closest co-action and, per window ``k``, how
    many pairs of actions fall within it (``n{k}``) and when the first and last did."""
    per_window = ",\n".join(
        f"""count(*) FILTER (WHERE th - tl <= {float(x)}) AS n{k},
               min(tl) FILTER (WHERE th - tl <= {float(x)}) AS f{k},
               max(th) FILTER (WHERE th - tl <= {float(x)}) AS l{k}"""
        if x < w
        else f"count(*) AS n{k}, min(tl) AS f{k}, max(th) AS l{k}"  # the join's own window
        for k, x in enumerate(windows)
    )
    return f"""SELECT lo, hi, o, any_value(s) AS s,
               arg_min([tlo, thi], [th - tl, tl]) AS closest,
               {per_window}
        FROM u {where} GROUP BY lo, hi, o"""


def _describe_chosen(
    con: duckdb.DuckDBPyConnection,
    chosen: list[pa.Table],
    dictionary: pa.Array,
    windows: list[float],
    w: float,
) -> None:
    """Tables ``chosen{k}(lo, hi)`` (the pairs kept at window k) and ``pok``: those pairs'
    objects fully described, from the actions of their actors only (few)."""
    for k, keep in enumerate(chosen):
        con.register(
            f"chosen{k}_in",
            pa.table(
                {
                    "lo": pc.index_in(keep["actor"], value_set=dictionary),
                    "hi": pc.index_in(keep["actor_y"], value_set=dictionary),
                }
            ),
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE chosen{k} AS SELECT * FROM chosen{k}_in")
    every = " UNION ".join(f"SELECT lo, hi FROM chosen{k}" for k in range(len(chosen)))
    con.execute(f"CREATE OR REPLACE TEMP TABLE chosen_all AS {every}")
    con.execute(
        """CREATE OR REPLACE TEMP TABLE evk AS SELECT * FROM evc
        WHERE a IN (SELECT lo FROM chosen_all UNION SELECT hi FROM chosen_all)"""
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE pok AS {_pairs_on_objects_sql('evk')} "
        + _describe_pair_objects_sql(windows, w, "SEMI JOIN chosen_all USING (lo, hi)")
    )


def _count_pairs(
    con: duckdb.DuckDBPyConnection, within: list[str], *, sources: bool, min_weight: int = 1
) -> list[int]:
    """Table ``pws``: for each candidate pair, at each window ``k``, its weight ``w{k}``
    (distinct objects) and, if ``sources``, ``s{k}`` (distinct sources), from table ``po`` in
    plain aggregations (no DISTINCT). ``within[k]``: the condition on a ``po`` row that the
    pair co-acted on that object within window k (the last window is the widest). Returns the
    number of candidate pairs at each window.

    With ``sources`` (the lean ``po``: ``lo, hi, o, d``), ``pws`` holds only the pairs of weight
    ``min_weight`` or more at the widest window (the others are counted, not kept): the sources
    are counted for those alone, and nearly all pairs co-act on a single object."""
    ks = range(len(within))
    weights = ", ".join(f"count(*) FILTER (WHERE {within[k]}) AS w{k}" for k in ks)
    counts = ", ".join(f"count(*) FILTER (WHERE w{k} > 0)" for k in ks)
    if not sources:
        con.execute(f"CREATE TEMP TABLE pws AS SELECT lo, hi, {weights} FROM po GROUP BY lo, hi")
        return list(con.execute(f"SELECT {counts} FROM pws").fetchall()[0])
    con.execute(f"CREATE TEMP TABLE pw0 AS SELECT lo, hi, {weights} FROM po GROUP BY lo, hi")
    candidates = list(con.execute(f"SELECT {counts} FROM pw0").fetchall()[0])
    last = len(within) - 1
    per_source = ", ".join(f"count(*) FILTER (WHERE {within[k]}) AS c{k}" for k in ks)
    # a{k}: the objects co-acted on that are posts of a source with an audience (osrc.aud) other
    # than the pair, each counted (see significance.AudienceModel); x{k}: the distinct sources of
    # the objects that are no such posts.
    per_pair = ", ".join(
        f"""sum(c{k}) AS w{k}, count(DISTINCT s) FILTER (WHERE c{k} > 0) AS s{k},
        coalesce(sum(c{k}) FILTER (WHERE aud AND s <> lo AND s <> hi), 0) AS a{k},
        count(DISTINCT s) FILTER (WHERE c{k} > 0 AND NOT aud) AS x{k}"""
        for k in ks
    )
    con.execute(
        f"""CREATE TEMP TABLE pws AS
        SELECT lo, hi, {per_pair} FROM (
            SELECT lo, hi, s, aud, {per_source} FROM po
            SEMI JOIN (SELECT lo, hi FROM pw0 WHERE w{last} >= {int(min_weight)}) USING (lo, hi)
            JOIN osrc USING (o)
            GROUP BY lo, hi, s, aud)
        GROUP BY lo, hi"""
    )
    con.execute("DROP TABLE pw0")
    return candidates


def _describe_pairs_at(
    con: duckdb.DuckDBPyConnection, k: int, evidence_per_pair: int
) -> tuple[pa.Table, pa.Table]:
    """The pairs of table ``kept{k}`` with all their columns, and their evidence."""
    pairs = con.sql(
        f"""
        SELECT lo, hi, count(*) AS weight, count(DISTINCT s) AS sources, sum(n) AS co_actions,
               median(abs(closest[2] - closest[1])) AS median_delay_seconds,
               min(f) AS first_time, max(l) AS last_time
        FROM kept{k} GROUP BY lo, hi ORDER BY lo, hi
        """
    ).to_arrow_table()
    e = int(evidence_per_pair)
    # A pair's first e objects; pairs with at most e objects (nearly all) skip the ranking.
    evidence = con.sql(
        f"""
        WITH w AS (SELECT lo, hi FROM pws WHERE w{k} > {e})
        SELECT lo, hi, o, closest[1] AS tl, closest[2] AS th FROM kept{k} ANTI JOIN w USING (lo, hi)
        UNION ALL
        SELECT lo, hi, o, tl, th FROM (
            SELECT lo, hi, o, closest[1] AS tl, closest[2] AS th,
                   row_number() OVER (PARTITION BY lo, hi ORDER BY f, o) AS r
            FROM kept{k} SEMI JOIN w USING (lo, hi)
        ) WHERE r <= {e}
        ORDER BY lo, hi, tl, o
        """
    ).to_arrow_table()
    return pairs, evidence


def _load_events(
    con: duckdb.DuckDBPyConnection, log: Log, window: float
) -> tuple[pa.DictionaryArray, pa.DictionaryArray]:
    """Create table ``ev(i, a, o, t, b, s)``: row, actor and object codes, time, bucket
    ``floor(t / window)`` and the object's source. Returns the actor and object codes.

    An object's source is its author as the log's ``source`` column names it (the most common
    value among its actions), else whoever acted on it first (the author of a post whose
    original is in the log, the first sharer of a link). Authors who never act in the log get
    codes too, after no actor's: the actors' dictionary holds them, in name order."""
    has_source = log.has("source")
    actors = _sorted_codes(log.table["actor"], log.table["source"] if has_source else None)
    objects = _sorted_codes(log.table["object"])
    columns = {
        "i": pa.array(np.arange(len(log), dtype=np.int64)),
        "a": actors.indices.slice(0, len(log)),
        "o": objects.indices,
        "t": log.table["time"],
    }
    if has_source:
        columns["sc"] = actors.indices.slice(len(log))
    # Integer keys make the join several times faster than joining on strings.
    con.register("ev_in", pa.table(columns))
    named = "mode(sc)" if has_source else "NULL::INTEGER"
    con.execute(
        f"""CREATE TEMP TABLE src AS
        SELECT o, coalesce(named, first) AS s, named IS NOT NULL AS named
        FROM (SELECT o, {named} AS named, arg_min(a, [t, i]) AS first FROM ev_in GROUP BY o)"""
    )
    con.execute(
        f"""CREATE TEMP TABLE ev AS
        SELECT i, a, o, t, floor(t / {window})::BIGINT AS b, s FROM ev_in JOIN src USING (o)"""
    )
    # An object is a post of a source with an audience when its source has at least
    # MIN_AUDIENCE_POSTS objects; when the log names authors, only the objects it names count.
    con.execute(
        f"""CREATE TEMP TABLE osrc AS
        SELECT o, s, {"named AND " if has_source else ""}
            count(*) FILTER (WHERE named = {has_source}) OVER (PARTITION BY s)
                >= {MIN_AUDIENCE_POSTS} AS aud
        FROM src"""
    )
    if has_source:
        actors = pa.DictionaryArray.from_arrays(
            actors.indices.slice(0, len(log)), actors.dictionary
        )
    return actors, objects


def _sorted_codes(
    column: pa.ChunkedArray, more: pa.ChunkedArray | None = None
) -> pa.DictionaryArray:
    """Dictionary-encode with the dictionary in sorted order, so that code order is name order
    and ``actor < actor_y`` holds for names as it does for codes. With ``more``, its values are
    encoded after ``column``'s in the same dictionary (nulls stay null)."""
    values = column if more is None else pa.chunked_array(column.chunks + more.chunks)
    enc = pc.dictionary_encode(values).combine_chunks()
    order = pc.array_sort_indices(enc.dictionary).to_numpy()
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=order.dtype)
    codes = enc.indices.to_numpy(zero_copy_only=False)
    valid = pc.is_valid(enc.indices)
    codes = (
        np.where(np.isnan(codes), 0, codes).astype(np.int64) if codes.dtype.kind == "f" else codes
    )
    indices = pa.array(rank[codes].astype(np.int32), mask=pc.invert(valid).to_numpy(False))
    return pa.DictionaryArray.from_arrays(indices, enc.dictionary.take(pa.array(order)))


def _decode_pairs(pairs: pa.Table, actors: pa.Array) -> pa.Table:
    """Integer keys back to names; codes sort as names do, so the order is (actor, actor_y)."""
    return pa.table(
        {
            "actor": actors.take(pairs["lo"]),
            "actor_y": actors.take(pairs["hi"]),
            "weight": pc.cast(pairs["weight"], pa.int64()),
            "sources": pc.cast(pairs["sources"], pa.int64()),
            "co_actions": pc.cast(pairs["co_actions"], pa.int64()),
            "median_delay_seconds": pc.cast(pairs["median_delay_seconds"], pa.float64()),
            "first_time": pairs["first_time"],
            "last_time": pairs["last_time"],
        }
    )
