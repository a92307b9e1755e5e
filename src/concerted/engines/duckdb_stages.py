"""The DuckDB engine's SQL, stage by stage.

The SQL runs as named stages, each a temporary table (or view) that later stages read; actors and
objects are integer codes (see :func:`sorted_codes`), turned back into names at the end.

=======================  ==========================================================================
stage                    one row per ... (columns)
=======================  ==========================================================================
``object_sources``       object: its ``source`` and whether that source ``has_audience``
``actions``              action: ``action_id, actor, object, time, source``, its ``bucket``
                         ``floor(time / reach)`` at the ``reach`` of the widest window
``windows``              window asked for: ``window_id`` (their order), ``window_seconds``
``object_windows``       object and window: its ``actions, actors`` and ``close_pairs``
``objects``              object: ``source, has_audience, actions, actors`` and
                         ``counted_within``, the window its co-actions are enumerated within
``actions_counted``      action, bucketed by the window its object is counted within
``busy_buckets``         (object, bucket) holding more than ``max_bucket_events`` actions
``actions_sampled``      action of ``actions_counted``, busy buckets sampled down
``pair_objects``         (pair, object): ``delay``, the pair's closest gap on it
``pair_windows``         (pair, window): ``weight, sources, audience, other_sources``
``chosen_pairs``         (pair, window) that the caller chose to describe
``pair_object_windows``  (pair, object, window): ``co_actions, first_time, last_time, closest``
``kept_pair_objects``    the rows of ``pair_object_windows`` whose pairs are described
=======================  ==========================================================================

A pair is ``actor < actor_y`` (codes sort as names do). ``co_action`` (every pair described)
builds ``pair_object_windows`` for all pairs at once from the join and skips ``pair_objects``.
``count_co_actions`` keeps only each pair's closest gap per object (a pair co-acted on the object
within window x exactly when that gap is ``<= x``) and counts the pairs; ``describe_pairs`` then
describes only the ``chosen_pairs``, from the actions of their actors alone. The group
primitives' stages are listed in :data:`GROUP_STAGES`.

Each stage is a constant (its SQL, parameters bound as ``$name``) or a small function that runs
it, with a comment or docstring saying what the stage holds.
"""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..schema import Log
from .base import MIN_AUDIENCE_POSTS


def execute(con: duckdb.DuckDBPyConnection, sql: str, **params) -> duckdb.DuckDBPyConnection:
    """Run one statement, binding the ``$name`` parameters it uses (DuckDB refuses extra ones)."""
    used = set(re.findall(r"\$(\w+)", sql))
    return con.execute(sql, {k: v for k, v in params.items() if k in used})


def query(con: duckdb.DuckDBPyConnection, sql: str, **params) -> pa.Table:
    """A query's result as an Arrow table, its ``$name`` parameters bound, in the order of its
    ``ORDER BY`` (the engine splits results by window on it).

    The engine's connections run with ``preserve_insertion_order = false`` (the stages need not
    keep order, and save memory). DuckDB 1.x runs a query with bound parameters at once and hands
    back its rows to be read again, in parallel and, under that setting, in any order: the
    ``ORDER BY`` was lost, and pairs were tested at the wrong window, differently each run.
    Results are read with the setting on."""
    used = set(re.findall(r"\$(\w+)", sql))
    bound = {k: v for k, v in params.items() if k in used}
    con.execute("SET preserve_insertion_order = true")
    try:
        return con.sql(sql, params=bound or None).to_arrow_table()
    finally:
        con.execute("SET preserve_insertion_order = false")


# ---- Loading ---------------------------------------------------------------------------------

# object_sources: each object's source and whether that source has an audience. The source is
# its author as the log's ``source`` column names it (the most common value among its actions,
# ``{named}``), else whoever acted on it first (the author of a post whose original is in the
# log, the first sharer of a link). A source has an audience when it has MIN_AUDIENCE_POSTS
# objects or more; when the log names authors, only the objects it names count.
OBJECT_SOURCES = """
CREATE TEMP TABLE object_sources AS
WITH authored AS (
    SELECT object, {named} AS named_source, arg_min(actor, [time, action_id]) AS first_actor
    FROM actions_in GROUP BY object
), sourced AS (
    SELECT object, coalesce(named_source, first_actor) AS source,
           named_source IS NOT NULL AS named
    FROM authored
)
SELECT object, source, named,
       (named OR NOT $has_source)
       AND count(*) FILTER (WHERE named = $has_source) OVER (PARTITION BY source) >= $min_posts
       AS has_audience
FROM sourced
"""

# actions: one row per action, with its object's source and its bucket at ``reach`` seconds.
ACTIONS = """
CREATE TEMP TABLE actions AS
SELECT action_id, actor, object, time, floor(time / $reach)::BIGINT AS bucket,
       $reach::DOUBLE AS reach, source
FROM actions_in JOIN object_sources USING (object)
"""


def load_actions(
    con: duckdb.DuckDBPyConnection, log: Log, reach: float
) -> tuple[pa.DictionaryArray, pa.DictionaryArray]:
    """Create tables ``object_sources`` and ``actions`` (bucketed at ``reach`` seconds) from the
    log. Returns the actor and object codes.

    Authors who never act in the log get codes too, after no actor's: the actors' dictionary
    holds them, in name order."""
    has_source = log.has("source")
    actors = sorted_codes(log.table["actor"], log.table["source"] if has_source else None)
    objects = sorted_codes(log.table["object"])
    columns = {
        "action_id": pa.array(np.arange(len(log), dtype=np.int64)),
        "actor": actors.indices.slice(0, len(log)),
        "object": objects.indices,
        "time": log.table["time"],
    }
    if has_source:
        columns["named_source"] = actors.indices.slice(len(log))
    # Integer keys make the join several times faster than joining on strings.
    con.register("actions_in", pa.table(columns))
    named = "mode(named_source)" if has_source else "NULL::INTEGER"
    execute(
        con,
        OBJECT_SOURCES.format(named=named),
        has_source=has_source,
        min_posts=MIN_AUDIENCE_POSTS,
    )
    execute(con, ACTIONS, reach=float(reach))
    if has_source:
        actors = pa.DictionaryArray.from_arrays(
            actors.indices.slice(0, len(log)), actors.dictionary
        )
    return actors, objects


# ---- Objects at each window --------------------------------------------------------------------

# object_windows: per object and window, its actions, actors and close_pairs: the pairs of its
# actions within the window (its burst tightness). One pass over each object's actions in time
# order counts, for every window at once, the actions that follow each one within it
# (``{following}``: one ``following_k`` per window, gathered into a list).
OBJECT_WINDOWS = """
CREATE TEMP TABLE object_windows AS
WITH per_action AS (
    SELECT object, actor, {following} FROM actions
), per_object AS (
    SELECT object, count(*) AS actions, count(DISTINCT actor) AS actors,
           [{sums}] AS close_pairs
    FROM per_action GROUP BY object
)
SELECT object, actions, actors, window_id, close_pairs[window_id + 1] AS close_pairs
FROM per_object CROSS JOIN windows
"""

# objects: per object, its source and activity, and counted_within: the window its co-actions
# are enumerated within. That is the widest, unless the object is a crowd (see count_object_windows).
OBJECTS = """
CREATE TEMP TABLE objects AS
SELECT object, source, has_audience, any_value(actions) AS actions, any_value(actors) AS actors,
       coalesce(max(window_id) FILTER (
           WHERE $crowd::BIGINT IS NULL OR 2 * close_pairs <= $crowd::BIGINT * actions), 0)
       AS counted_within
FROM object_windows JOIN object_sources USING (object)
GROUP BY object, source, has_audience
"""

# actions_counted: the actions of each object bucketed by the window it is counted within.
ACTIONS_COUNTED = """
CREATE TEMP TABLE actions_counted AS
SELECT a.action_id, a.actor, a.object, a.time, floor(a.time / w.window_seconds)::BIGINT AS bucket,
       w.window_seconds AS reach, a.source
FROM actions a JOIN objects o ON a.object = o.object
JOIN windows w ON w.window_id = o.counted_within
"""


def count_object_windows(con: duckdb.DuckDBPyConnection, windows: list[float], crowd: int | None):
    """Tables ``windows``, ``object_windows``, ``objects`` and ``actions_counted``.

    With ``crowd``, an object whose actions have more than ``crowd`` others each within a window
    (on average) is a crowd there: every actor in it meets dozens of others by chance, and
    enumerating them costs the square of its size. At such a window its co-actions are only
    enumerated within ``counted_within``, the widest window where it is not a crowd (or the
    narrowest), while ``close_pairs`` keep its pairs at the window itself for the null model.
    Without it every object is counted within the widest window: ``actions``' own buckets."""
    con.register(
        "windows_in",
        pa.table(
            {
                "window_id": pa.array(range(len(windows)), pa.int32()),
                "window_seconds": pa.array(windows, pa.float64()),
            }
        ),
    )
    con.execute("CREATE TEMP TABLE windows AS SELECT * FROM windows_in")
    following = ", ".join(
        f"""count(*) OVER (PARTITION BY object ORDER BY time
            RANGE BETWEEN CURRENT ROW AND $seconds_{k} FOLLOWING) - 1 AS following_{k}"""
        for k in range(len(windows))
    )
    sums = ", ".join(f"sum(following_{k})" for k in range(len(windows)))
    execute(
        con,
        OBJECT_WINDOWS.format(following=following, sums=sums),
        **{f"seconds_{k}": float(x) for k, x in enumerate(windows)},
    )
    execute(con, OBJECTS, crowd=crowd)
    if crowd:
        con.execute(ACTIONS_COUNTED)
    else:
        con.execute("CREATE TEMP VIEW actions_counted AS SELECT * FROM actions")


# ---- Sampling busy buckets ---------------------------------------------------------------------

ACTION_COLUMNS = "action_id, actor, object, time, bucket, reach, source"

# busy_buckets: the (object, bucket) holding more than $cap actions.
BUSY_BUCKETS = """
CREATE TEMP TABLE busy_buckets AS
SELECT object, bucket FROM actions_counted GROUP BY object, bucket HAVING count(*) > $cap
"""

# actions_sampled: the actions of busy buckets sampled down to $cap each, by a hash of the row.
ACTIONS_SAMPLED = f"""
CREATE TEMP TABLE actions_sampled AS
SELECT {ACTION_COLUMNS} FROM actions_counted ANTI JOIN busy_buckets USING (object, bucket)
UNION ALL
SELECT {ACTION_COLUMNS} FROM (
    SELECT *, row_number() OVER (PARTITION BY object, bucket ORDER BY hash(action_id)) AS nth
    FROM actions_counted SEMI JOIN busy_buckets USING (object, bucket)
) WHERE nth <= $cap
"""


def sample_busy_buckets(con: duckdb.DuckDBPyConnection, cap: int) -> None:
    """Tables ``busy_buckets`` and ``actions_sampled`` (a view of ``actions_counted`` when no
    bucket is busy)."""
    execute(con, BUSY_BUCKETS, cap=int(cap))
    if con.execute("SELECT count(*) FROM busy_buckets").fetchone()[0]:
        execute(con, ACTIONS_SAMPLED, cap=int(cap))
    else:
        con.execute("CREATE TEMP VIEW actions_sampled AS SELECT * FROM actions_counted")


# ---- Pairs of actions ----------------------------------------------------------------------------


def close_action_pairs_sql(actions: str) -> str:
    """``WITH ... close_action_pairs``: every two actions of different actors on one object
    within its reach, from the table ``actions`` (bucketed by that reach), as ``actor, actor_y,
    object, source, earlier, later, time, time_y``: the pair's codes in order, the object and
    its source, the earlier and the later time, and the times of ``actor``'s and ``actor_y``'s
    actions. Two actions in one bucket are paired once (the earlier first, ties by row); an
    action and one in the next bucket when the gap is within reach."""
    return f"""
        WITH action_pairs AS (
            SELECT x.actor AS actor_1, y.actor AS actor_2, x.object, x.source,
                   x.time AS time_1, y.time AS time_2
            FROM {actions} x JOIN {actions} y ON x.object = y.object AND x.bucket = y.bucket
            WHERE x.actor <> y.actor
              AND (x.time < y.time OR (x.time = y.time AND x.action_id < y.action_id))
            UNION ALL
            SELECT x.actor, y.actor, x.object, x.source, x.time, y.time
            FROM {actions} x JOIN {actions} y ON x.object = y.object AND y.bucket = x.bucket + 1
            WHERE x.actor <> y.actor AND y.time - x.time <= x.reach
        ), close_action_pairs AS (
            SELECT least(actor_1, actor_2) AS actor, greatest(actor_1, actor_2) AS actor_y,
                   object, source,
                   least(time_1, time_2) AS earlier, greatest(time_1, time_2) AS later,
                   CASE WHEN actor_1 < actor_2 THEN time_1 ELSE time_2 END AS time,
                   CASE WHEN actor_1 < actor_2 THEN time_2 ELSE time_1 END AS time_y
            FROM action_pairs
        )"""


# pair_objects: per pair and object, the closest gap between their actions on it.
PAIR_OBJECTS = f"""{close_action_pairs_sql("actions_sampled")}
SELECT actor, actor_y, object, min(later - earlier) AS delay
FROM close_action_pairs GROUP BY actor, actor_y, object
"""


def describe_pair_objects_sql(actions: str = "actions_sampled", pairs: str | None = None) -> str:
    """The query of ``pair_object_windows``: per pair, object and window where the pair co-acted
    on the object, ``co_actions`` (pairs of their actions within the window), ``first_time`` and
    ``last_time`` (of those), the object's ``source`` and ``closest``: the times ``[time,
    time_y]`` of the pair's closest co-action on it. From the actions of table ``actions``,
    only for the pairs of table ``pairs`` if given."""
    chosen = (
        f", chosen AS (SELECT * FROM close_action_pairs SEMI JOIN {pairs} USING (actor, actor_y))"
    )
    return f"""{close_action_pairs_sql(actions)}{chosen if pairs else ""}
        SELECT c.actor, c.actor_y, c.object, w.window_id, any_value(c.source) AS source,
               arg_min([c.time, c.time_y], [c.later - c.earlier, c.earlier]) AS closest,
               count(*) AS co_actions, min(c.earlier) AS first_time, max(c.later) AS last_time
        FROM {"chosen" if pairs else "close_action_pairs"} c
        JOIN windows w ON c.later - c.earlier <= w.window_seconds
        GROUP BY c.actor, c.actor_y, c.object, w.window_id"""


# ---- Counting pairs ----------------------------------------------------------------------------

# How many pairs co-acted at each window, from a table with a row per pair that did (``{pairs}``)
# and the condition ``{within}`` that it did within window ``w``.
CANDIDATES = """
SELECT w.window_id, count(*) AS pairs FROM {pairs} p JOIN windows w ON {within}
GROUP BY w.window_id
"""


def count_candidates(con: duckdb.DuckDBPyConnection, n: int, pairs: str, within: str) -> list[int]:
    """The number of candidate pairs at each of ``n`` windows."""
    found = dict(con.execute(CANDIDATES.format(pairs=pairs, within=within)).fetchall())
    return [found.get(k, 0) for k in range(n)]


# pair_windows (without select): each pair's weight (distinct objects) at each window.
DESCRIBED_PAIR_WINDOWS = """
CREATE TEMP TABLE pair_windows AS
SELECT actor, actor_y, window_id, count(*) AS weight
FROM pair_object_windows GROUP BY actor, actor_y, window_id
"""


def count_described_pairs(con: duckdb.DuckDBPyConnection, n: int) -> list[int]:
    """Table ``pair_windows`` from ``pair_object_windows``; returns the number of candidate
    pairs at each window."""
    con.execute(DESCRIBED_PAIR_WINDOWS)
    return count_candidates(con, n, "pair_windows", "p.window_id = w.window_id")


# pairs_closest: per pair, its closest gap over all objects and how many objects it co-acted on
# (at the widest window, which holds every row of pair_objects).
PAIRS_CLOSEST = """
CREATE TEMP TABLE pairs_closest AS
SELECT actor, actor_y, min(delay) AS delay, count(*) AS objects
FROM pair_objects GROUP BY actor, actor_y
"""

# pair_windows (with select): for the pairs of weight $min_weight or more at the widest window
# (nearly all pairs co-act on a single object, so these are few), at each window: ``weight``
# (distinct objects), ``sources`` (their distinct sources), ``audience`` (the objects that are
# posts of a source with an audience other than the pair, each counted; see
# significance.AudienceModel) and ``other_sources`` (the distinct sources of the other objects).
PAIR_WINDOWS = """
CREATE TEMP TABLE pair_windows AS
WITH repeated AS (
    SELECT * FROM pair_objects
    SEMI JOIN (SELECT actor, actor_y FROM pairs_closest WHERE objects >= $min_weight)
    USING (actor, actor_y)
), by_source AS (
    SELECT r.actor, r.actor_y, w.window_id, s.source, s.has_audience, count(*) AS objects
    FROM repeated r JOIN object_sources s ON r.object = s.object
    JOIN windows w ON r.delay <= w.window_seconds
    GROUP BY r.actor, r.actor_y, w.window_id, s.source, s.has_audience
)
SELECT actor, actor_y, window_id, sum(objects) AS weight, count(DISTINCT source) AS sources,
       coalesce(sum(objects) FILTER (
           WHERE has_audience AND source <> actor AND source <> actor_y), 0) AS audience,
       count(DISTINCT source) FILTER (WHERE NOT has_audience) AS other_sources
FROM by_source GROUP BY actor, actor_y, window_id
"""


def count_pairs(con: duckdb.DuckDBPyConnection, n: int, min_weight: int) -> list[int]:
    """Table ``pair_windows`` from ``pair_objects``, in plain aggregations (the distinct counts
    only over the few repeated pairs). Returns the number of candidate pairs at each window: a
    pair co-acted within a window when its closest gap is within it."""
    con.execute(PAIRS_CLOSEST)
    candidates = count_candidates(con, n, "pairs_closest", "p.delay <= w.window_seconds")
    execute(con, PAIR_WINDOWS, min_weight=int(min_weight))
    con.execute("DROP TABLE pairs_closest")
    con.execute("DROP TABLE pair_objects")  # read by nothing later: free its memory
    return candidates


# ---- What the counts hold (read by select, the significance test) --------------------------

ACTOR_STATS = """
SELECT actor, count(*) AS actions, count(DISTINCT object) AS objects
FROM actions GROUP BY actor ORDER BY actor
"""

# Each object at each window: its activity, close pairs, source; whether a bucket of it was
# sampled (capped) and whether it is a crowd there (counted within a narrower window).
OBJECT_STATS = """
SELECT window_id, object, actions, actors, close_pairs, source, has_audience,
       object IN (SELECT object FROM busy_buckets) AS capped,
       objects.counted_within < window_id AS crowd
FROM object_windows JOIN objects USING (object, actions, actors)
ORDER BY window_id, object
"""

# The counts of the pairs of weight $min_weight or more at each window.
PAIR_COUNTS = """
SELECT window_id, actor, actor_y, weight, sources, audience, other_sources
FROM pair_windows WHERE weight >= $min_weight ORDER BY window_id, actor, actor_y
"""


# ---- Describing the kept pairs -----------------------------------------------------------------

# kept_pair_objects (without select): the pairs of weight $min_weight or more at each window.
KEPT_REPEATED_PAIRS = """
CREATE TEMP TABLE kept_pair_objects AS
SELECT * FROM pair_object_windows
SEMI JOIN (SELECT actor, actor_y, window_id FROM pair_windows WHERE weight >= $min_weight)
USING (actor, actor_y, window_id)
"""

# chosen_actions: the actions of the chosen pairs' actors (few), the only ones their
# description needs.
CHOSEN_ACTIONS = """
CREATE TEMP TABLE chosen_actions AS
SELECT * FROM actions_sampled
WHERE actor IN (SELECT actor FROM chosen_pairs UNION SELECT actor_y FROM chosen_pairs)
"""

# kept_pair_objects (with select): the described rows of each window's chosen pairs.
KEPT_CHOSEN_PAIRS = """
CREATE TEMP TABLE kept_pair_objects AS
SELECT * FROM pair_object_windows SEMI JOIN chosen_pairs USING (actor, actor_y, window_id)
"""


def describe_chosen(
    con: duckdb.DuckDBPyConnection, chosen: list[pa.Table], dictionary: pa.Array
) -> None:
    """Tables ``chosen_pairs`` (the pairs ``select`` kept at each window), ``chosen_actions``,
    ``pair_object_windows`` (those pairs described, at every window) and ``kept_pair_objects``."""
    con.register(
        "chosen_in",
        pa.table(
            {
                "actor": pc.index_in(
                    pa.chunked_array([keep["actor"] for keep in chosen], pa.string()),
                    value_set=dictionary,
                ),
                "actor_y": pc.index_in(
                    pa.chunked_array([keep["actor_y"] for keep in chosen], pa.string()),
                    value_set=dictionary,
                ),
                "window_id": pa.array(
                    np.repeat(np.arange(len(chosen)), [keep.num_rows for keep in chosen]),
                    pa.int32(),
                ),
            }
        ),
    )
    con.execute("CREATE TEMP TABLE chosen_pairs AS SELECT * FROM chosen_in")
    con.execute(CHOSEN_ACTIONS)
    con.execute(
        "CREATE TEMP TABLE pair_object_windows AS "
        + describe_pair_objects_sql(
            "chosen_actions", "(SELECT DISTINCT actor, actor_y FROM chosen_pairs)"
        )
    )
    con.execute(KEPT_CHOSEN_PAIRS)


# Each kept pair at each window, with all its columns.
DESCRIBED_PAIRS = """
SELECT window_id, actor, actor_y, count(*) AS weight, count(DISTINCT source) AS sources,
       sum(co_actions) AS co_actions,
       median(abs(closest[2] - closest[1])) AS median_delay_seconds,
       min(first_time) AS first_time, max(last_time) AS last_time
FROM kept_pair_objects GROUP BY window_id, actor, actor_y ORDER BY window_id, actor, actor_y
"""

# The evidence of each kept pair at each window: its closest co-action on each of its first
# $per_pair objects; pairs with at most $per_pair objects (nearly all) skip the ranking.
EVIDENCE = """
WITH many AS (SELECT actor, actor_y, window_id FROM pair_windows WHERE weight > $per_pair)
SELECT window_id, actor, actor_y, object, closest[1] AS time, closest[2] AS time_y
FROM kept_pair_objects ANTI JOIN many USING (actor, actor_y, window_id)
UNION ALL
SELECT window_id, actor, actor_y, object, time, time_y FROM (
    SELECT window_id, actor, actor_y, object, closest[1] AS time, closest[2] AS time_y,
           row_number() OVER (PARTITION BY window_id, actor, actor_y
                              ORDER BY first_time, object) AS nth
    FROM kept_pair_objects SEMI JOIN many USING (actor, actor_y, window_id)
) WHERE nth <= $per_pair
ORDER BY window_id, actor, actor_y, time, object
"""


# ---- Groups ----------------------------------------------------------------------------------

GROUP_STAGES = (
    # members: actor -> group_id (codes); member_actions: their actions.
    "CREATE TEMP TABLE members AS SELECT * FROM members_in",
    """CREATE TEMP TABLE member_actions AS
    SELECT members.group_id, actions.actor AS member, actions.object, actions.time, actions.bucket
    FROM actions JOIN members USING (actor)""",
    # member_reach: each member action keyed to its own bucket and the ones before and after.
    """CREATE TEMP TABLE member_reach AS
    SELECT group_id, member, object, time, bucket + shift AS bucket
    FROM member_actions, (VALUES (-1), (0), (1)) shifts(shift)""",
    # in_step: the members who acted on an object within $window of another member.
    """CREATE TEMP TABLE in_step AS
    SELECT DISTINCT x.group_id, x.object, x.member FROM member_reach x JOIN member_actions y
    ON x.group_id = y.group_id AND x.object = y.object AND x.bucket = y.bucket
    WHERE x.member <> y.member AND abs(x.time - y.time) <= $window""",
    # group_objects: a group's objects, and how many of its members were in step on each.
    """CREATE TEMP TABLE group_objects AS
    SELECT group_id, object, count(*) AS members FROM in_step GROUP BY group_id, object""",
    # object_actions: every action on some group's objects, busy buckets sampled to $cap.
    f"""CREATE TEMP TABLE object_actions AS
    SELECT {ACTION_COLUMNS} FROM (
        SELECT *, row_number() OVER (PARTITION BY object, bucket ORDER BY hash(action_id)) AS nth
        FROM actions SEMI JOIN (SELECT DISTINCT object FROM group_objects) USING (object)
    ) WHERE nth <= $cap""",
    # near_members: the actions within $window of a member's action (by someone else) on one
    # of the group's objects.
    """CREATE TEMP TABLE near_members AS
    SELECT DISTINCT r.group_id, a.action_id, a.actor, a.object, a.source
    FROM object_actions a
    JOIN (SELECT * FROM member_reach SEMI JOIN group_objects USING (group_id, object)) r
    ON a.object = r.object AND a.bucket = r.bucket
    WHERE a.actor <> r.member AND abs(a.time - r.time) <= $window""",
)

# A member acting in step with the group is one of the object's in-step members: the object
# counts for it only if two others were in step too.
GROUP_HITS = """
WITH hits AS (SELECT DISTINCT group_id, actor, object, source FROM near_members)
SELECT h.group_id, h.actor, h.object, h.source
FROM hits h JOIN group_objects g ON h.group_id = g.group_id AND h.object = g.object
LEFT JOIN in_step s ON h.group_id = s.group_id AND h.object = s.object AND h.actor = s.member
WHERE g.members - CASE WHEN s.member IS NULL THEN 0 ELSE 1 END >= 2
ORDER BY h.group_id, h.actor, h.object
"""

# How much of each group object's activity falls in step with the group: the share of its
# actions (of those the join saw) within the window of a member's; and how many are the group's.
GROUP_OBJECTS = """
WITH seen AS (SELECT object, count(*) AS actions FROM object_actions GROUP BY object),
near AS (
    SELECT group_id, object, count(DISTINCT action_id) AS actions
    FROM near_members GROUP BY group_id, object
), own AS (
    SELECT group_id, object, count(*) AS actions
    FROM member_actions SEMI JOIN group_objects USING (group_id, object) GROUP BY group_id, object
)
SELECT s.group_id, s.object, g.members, s.member,
       coalesce(near.actions, 0) / seen.actions AS in_step, own.actions AS member_actions
FROM in_step s JOIN group_objects g USING (group_id, object) JOIN seen USING (object)
JOIN own USING (group_id, object) LEFT JOIN near USING (group_id, object)
ORDER BY s.group_id, s.object, s.member
"""

# Bursts: runs of actions on one object, each within $window of the one before; kept are those
# of $min_actors to $max_actors actors sharing $min_shared actors with $min_recurrences others.
RECURRING_BURSTS = """
WITH starts AS (
    SELECT actor, object, time, action_id,
           CASE WHEN time - lag(time) OVER (PARTITION BY object ORDER BY time, action_id)
                <= $window THEN 0 ELSE 1 END AS starts
    FROM actions
), runs AS (
    SELECT DISTINCT actor, object,
        sum(starts) OVER (PARTITION BY object ORDER BY time, action_id ROWS UNBOUNDED PRECEDING)
        AS run
    FROM starts
), sized AS (
    SELECT object, run FROM runs GROUP BY object, run
    HAVING count(*) BETWEEN $min_actors AND $max_actors
), bursts AS (
    SELECT dense_rank() OVER (ORDER BY object, run) - 1 AS burst, actor
    FROM runs JOIN sized USING (object, run)
), met AS (
    SELECT x.burst FROM bursts x JOIN bursts y ON x.actor = y.actor AND x.burst <> y.burst
    GROUP BY x.burst, y.burst HAVING count(*) >= $min_shared
), kept AS (
    SELECT burst FROM met GROUP BY burst HAVING count(*) >= $min_recurrences
)
SELECT dense_rank() OVER (ORDER BY burst) - 1 AS burst, actor
FROM bursts SEMI JOIN kept USING (burst) ORDER BY burst, actor
"""


def sorted_codes(
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
