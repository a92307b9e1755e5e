"""The Spark engine's SQL, stage by stage: :mod:`concerted.engines.duckdb_stages` in Spark SQL.

The stages, their names and what each holds are those of the DuckDB engine (its module docstring
has the table); only the dialect differs: ``min_by(x, struct(...))`` for ``arg_min(x, [...])``,
structs for lists, ``LEFT SEMI`` / ``LEFT ANTI`` joins, ``count(CASE ...)`` for ``FILTER``, double
literals ``60.0D`` (Spark reads ``60.0`` as a decimal, which a ``RANGE`` frame refuses). Parameters
are written into the text as literals by :func:`render` (Spark's parameter markers are not taken in
window frames). The join is the same bucketed one, so its work is bounded in the same way: a
bucket of a hot object is sampled down to ``max_bucket_events`` actions before any pair is formed,
and a crowd is joined on the buckets of a narrower window; no task receives a crowd's square.

One difference: a busy bucket is sampled by Spark's ``xxhash64`` of the row number where DuckDB
uses its own ``hash``, so when a bucket holds more than ``max_bucket_events`` actions (its object
is flagged ``capped`` by both), the two engines keep different, equally arbitrary samples.
"""

from __future__ import annotations

import math
import re

from .base import MIN_AUDIENCE_POSTS


def literal(value) -> str:
    """A Python value as a Spark SQL literal: doubles with a ``D`` suffix, ``NULL`` for None.

    >>> literal(60.0), literal(3), literal(None), literal(True)
    ('60.0D', '3', 'NULL', 'true')
    """
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"not a finite number: {value!r}")
        return frame_literal(value)
    raise TypeError(f"no Spark SQL literal for {value!r}")


def frame_literal(value: float) -> str:
    """A double for a window frame's bound, which must be a plain literal (``60.0D``).

    >>> frame_literal(60.0), frame_literal(1e-05)
    ('60.0D', '1.0E-5D')
    """
    text = repr(float(value))
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{float(mantissa)!r}E{int(exponent)}"
    return f"{text}D"


def render(sql: str, **params) -> str:
    """``sql`` with each ``$name`` replaced by the literal of ``params[name]``."""

    def one(match: re.Match) -> str:
        return literal(params[match.group(1)])

    return re.sub(r"\$(\w+)", one, sql)


# ---- Loading ---------------------------------------------------------------------------------

# object_sources: as in duckdb_stages.OBJECT_SOURCES.
OBJECT_SOURCES = """
WITH authored AS (
    SELECT object, {named} AS named_source,
           min_by(actor, struct(time, action_id)) AS first_actor
    FROM actions_in GROUP BY object
), sourced AS (
    SELECT object, coalesce(named_source, first_actor) AS source,
           named_source IS NOT NULL AS named
    FROM authored
)
SELECT object, source, named,
       (named OR NOT $has_source)
       AND count(CASE WHEN named = $has_source THEN 1 END) OVER (PARTITION BY source)
           >= $min_posts AS has_audience
FROM sourced
"""


def object_sources_sql(has_source: bool) -> str:
    """The query of ``object_sources``; ``mode`` names an object's source from the log."""
    named = "mode(named_source)" if has_source else "CAST(NULL AS INT)"
    return render(
        OBJECT_SOURCES.format(named=named), has_source=has_source, min_posts=MIN_AUDIENCE_POSTS
    )


# actions: one row per action, with its object's source and its bucket at $reach seconds.
ACTIONS = """
SELECT action_id, actor, object, time, CAST(floor(time / $reach) AS BIGINT) AS bucket,
       $reach AS reach, source
FROM actions_in JOIN object_sources USING (object)
"""


# ---- Objects at each window --------------------------------------------------------------------

OBJECT_WINDOWS = """
WITH per_action AS (
    SELECT object, actor, {following} FROM actions
), per_object AS (
    SELECT object, count(*) AS actions, count(DISTINCT actor) AS actors,
           array({sums}) AS close_pairs
    FROM per_action GROUP BY object
)
SELECT object, actions, actors, window_id, close_pairs[window_id] AS close_pairs
FROM per_object CROSS JOIN windows
"""


def object_windows_sql(windows: list[float]) -> str:
    """The query of ``object_windows`` (see duckdb_stages.OBJECT_WINDOWS): one pass over each
    object's actions in time order counts those following each within every window."""
    following = ", ".join(
        f"""count(*) OVER (PARTITION BY object ORDER BY time
            RANGE BETWEEN CURRENT ROW AND {frame_literal(w)} FOLLOWING) - 1 AS following_{k}"""
        for k, w in enumerate(windows)
    )
    sums = ", ".join(f"CAST(sum(following_{k}) AS BIGINT)" for k in range(len(windows)))
    return OBJECT_WINDOWS.format(following=following, sums=sums)


# objects: as in duckdb_stages.OBJECTS.
OBJECTS = """
SELECT object, source, has_audience, max(actions) AS actions, max(actors) AS actors,
       coalesce(max(CASE WHEN $crowd IS NULL OR 2 * close_pairs <= $crowd * actions
                         THEN window_id END), 0) AS counted_within
FROM object_windows JOIN object_sources USING (object)
GROUP BY object, source, has_audience
"""

ACTIONS_COUNTED = """
SELECT a.action_id, a.actor, a.object, a.time,
       CAST(floor(a.time / w.window_seconds) AS BIGINT) AS bucket,
       w.window_seconds AS reach, a.source
FROM actions a JOIN objects o ON a.object = o.object
JOIN windows w ON w.window_id = o.counted_within
"""


# ---- Sampling busy buckets ---------------------------------------------------------------------

ACTION_COLUMNS = "action_id, actor, object, time, bucket, reach, source"

BUSY_BUCKETS = """
SELECT object, bucket FROM actions_counted GROUP BY object, bucket HAVING count(*) > $cap
"""

ACTIONS_SAMPLED = f"""
SELECT {ACTION_COLUMNS} FROM actions_counted LEFT ANTI JOIN busy_buckets USING (object, bucket)
UNION ALL
SELECT {ACTION_COLUMNS} FROM (
    SELECT *, row_number() OVER (PARTITION BY object, bucket
                                 ORDER BY xxhash64(action_id), action_id) AS nth
    FROM actions_counted LEFT SEMI JOIN busy_buckets USING (object, bucket)
) WHERE nth <= $cap
"""


# ---- Pairs of actions ----------------------------------------------------------------------------


def close_action_pairs_sql(actions: str) -> str:
    """``WITH ... close_action_pairs`` from table ``actions``: see
    duckdb_stages.close_action_pairs_sql (same columns, same pairs)."""
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


PAIR_OBJECTS = f"""{close_action_pairs_sql("actions_sampled")}
SELECT actor, actor_y, object, min(later - earlier) AS delay
FROM close_action_pairs GROUP BY actor, actor_y, object
"""


def describe_pair_objects_sql(actions: str = "actions_sampled", pairs: str | None = None) -> str:
    """The query of ``pair_object_windows``: see duckdb_stages.describe_pair_objects_sql;
    ``closest`` is a struct ``(t, t_y)``, the times of the pair's closest co-action."""
    chosen = (
        f", chosen AS (SELECT * FROM close_action_pairs LEFT SEMI JOIN {pairs} p "
        "ON close_action_pairs.actor = p.actor AND close_action_pairs.actor_y = p.actor_y)"
    )
    return f"""{close_action_pairs_sql(actions)}{chosen if pairs else ""}
        SELECT c.actor, c.actor_y, c.object, w.window_id, first(c.source) AS source,
               min_by(struct(c.time AS t, c.time_y AS t_y),
                      struct(c.later - c.earlier, c.earlier)) AS closest,
               count(*) AS co_actions, min(c.earlier) AS first_time, max(c.later) AS last_time
        FROM {"chosen" if pairs else "close_action_pairs"} c
        JOIN windows w ON c.later - c.earlier <= w.window_seconds
        GROUP BY c.actor, c.actor_y, c.object, w.window_id"""


# ---- Counting pairs ----------------------------------------------------------------------------

CANDIDATES = """
SELECT w.window_id, count(*) AS pairs FROM {pairs} p JOIN windows w ON {within}
GROUP BY w.window_id
"""

DESCRIBED_PAIR_WINDOWS = """
SELECT actor, actor_y, window_id, count(*) AS weight
FROM pair_object_windows GROUP BY actor, actor_y, window_id
"""

PAIRS_CLOSEST = """
SELECT actor, actor_y, min(delay) AS delay, count(*) AS objects
FROM pair_objects GROUP BY actor, actor_y
"""

PAIR_WINDOWS = """
WITH repeated AS (
    SELECT * FROM pair_objects
    LEFT SEMI JOIN (SELECT actor, actor_y FROM pairs_closest WHERE objects >= $min_weight) k
    ON pair_objects.actor = k.actor AND pair_objects.actor_y = k.actor_y
), by_source AS (
    SELECT r.actor, r.actor_y, w.window_id, s.source, s.has_audience, count(*) AS objects
    FROM repeated r JOIN object_sources s ON r.object = s.object
    JOIN windows w ON r.delay <= w.window_seconds
    GROUP BY r.actor, r.actor_y, w.window_id, s.source, s.has_audience
)
SELECT actor, actor_y, window_id, sum(objects) AS weight, count(DISTINCT source) AS sources,
       coalesce(sum(CASE WHEN has_audience AND source <> actor AND source <> actor_y
                         THEN objects END), 0) AS audience,
       count(DISTINCT CASE WHEN NOT has_audience THEN source END) AS other_sources
FROM by_source GROUP BY actor, actor_y, window_id
"""


# ---- What the counts hold ------------------------------------------------------------------------

ACTOR_STATS = """
SELECT actor, count(*) AS actions, count(DISTINCT object) AS objects
FROM actions GROUP BY actor ORDER BY actor
"""

OBJECT_STATS = """
SELECT ow.window_id, ow.object, ow.actions, ow.actors, ow.close_pairs, o.source, o.has_audience,
       b.object IS NOT NULL AS capped, o.counted_within < ow.window_id AS crowd
FROM object_windows ow JOIN objects o ON ow.object = o.object
LEFT JOIN (SELECT DISTINCT object FROM busy_buckets) b ON ow.object = b.object
ORDER BY ow.window_id, ow.object
"""

PAIR_COUNTS = """
SELECT window_id, actor, actor_y, weight, sources, audience, other_sources
FROM pair_windows WHERE weight >= $min_weight ORDER BY window_id, actor, actor_y
"""


# ---- Describing the kept pairs -----------------------------------------------------------------

KEPT_REPEATED_PAIRS = """
SELECT * FROM pair_object_windows p
LEFT SEMI JOIN (SELECT actor, actor_y, window_id FROM pair_windows WHERE weight >= $min_weight) k
ON p.actor = k.actor AND p.actor_y = k.actor_y AND p.window_id = k.window_id
"""

CHOSEN_ACTIONS = """
SELECT * FROM actions_sampled
WHERE actor IN (SELECT actor FROM chosen_pairs UNION SELECT actor_y FROM chosen_pairs)
"""

KEPT_CHOSEN_PAIRS = """
SELECT * FROM pair_object_windows p LEFT SEMI JOIN chosen_pairs k
ON p.actor = k.actor AND p.actor_y = k.actor_y AND p.window_id = k.window_id
"""

DESCRIBED_PAIRS = """
SELECT window_id, actor, actor_y, count(*) AS weight, count(DISTINCT source) AS sources,
       sum(co_actions) AS co_actions,
       median(abs(closest.t_y - closest.t)) AS median_delay_seconds,
       min(first_time) AS first_time, max(last_time) AS last_time
FROM kept_pair_objects GROUP BY window_id, actor, actor_y ORDER BY window_id, actor, actor_y
"""

EVIDENCE = """
WITH many AS (SELECT actor, actor_y, window_id FROM pair_windows WHERE weight > $per_pair),
kept AS (
    SELECT k.*, m.actor IS NOT NULL AS ranked
    FROM kept_pair_objects k LEFT JOIN many m
    ON k.actor = m.actor AND k.actor_y = m.actor_y AND k.window_id = m.window_id
)
SELECT window_id, actor, actor_y, object, closest.t AS time, closest.t_y AS time_y
FROM kept WHERE NOT ranked
UNION ALL
SELECT window_id, actor, actor_y, object, time, time_y FROM (
    SELECT window_id, actor, actor_y, object, closest.t AS time, closest.t_y AS time_y,
           row_number() OVER (PARTITION BY window_id, actor, actor_y
                              ORDER BY first_time, object) AS nth
    FROM kept WHERE ranked
) WHERE nth <= $per_pair
ORDER BY window_id, actor, actor_y, time, object
"""


# ---- Groups ----------------------------------------------------------------------------------

# (name, query) in order; see duckdb_stages.GROUP_STAGES for what each holds.
GROUP_STAGES = (
    ("members", "SELECT * FROM members_in"),
    (
        "member_actions",
        """SELECT members.group_id, actions.actor AS member, actions.object, actions.time,
                  actions.bucket
        FROM actions JOIN members ON actions.actor = members.actor""",
    ),
    (
        "member_reach",
        """SELECT group_id, member, object, time, bucket + shift AS bucket
        FROM member_actions LATERAL VIEW explode(array(-1, 0, 1)) shifts AS shift""",
    ),
    (
        "in_step",
        """SELECT DISTINCT x.group_id, x.object, x.member FROM member_reach x
        JOIN member_actions y
        ON x.group_id = y.group_id AND x.object = y.object AND x.bucket = y.bucket
        WHERE x.member <> y.member AND abs(x.time - y.time) <= $window""",
    ),
    (
        "group_objects",
        "SELECT group_id, object, count(*) AS members FROM in_step GROUP BY group_id, object",
    ),
    (
        "object_actions",
        f"""SELECT {ACTION_COLUMNS} FROM (
            SELECT *, row_number() OVER (PARTITION BY object, bucket
                                         ORDER BY xxhash64(action_id), action_id) AS nth
            FROM actions LEFT SEMI JOIN (SELECT DISTINCT object FROM group_objects) g
            ON actions.object = g.object
        ) WHERE nth <= $cap""",
    ),
    (
        "near_members",
        """SELECT DISTINCT r.group_id, a.action_id, a.actor, a.object, a.source
        FROM object_actions a
        JOIN (SELECT * FROM member_reach m LEFT SEMI JOIN group_objects g
              ON m.group_id = g.group_id AND m.object = g.object) r
        ON a.object = r.object AND a.bucket = r.bucket
        WHERE a.actor <> r.member AND abs(a.time - r.time) <= $window""",
    ),
)

GROUP_HITS = """
WITH hits AS (SELECT DISTINCT group_id, actor, object, source FROM near_members)
SELECT h.group_id, h.actor, h.object, h.source
FROM hits h JOIN group_objects g ON h.group_id = g.group_id AND h.object = g.object
LEFT JOIN in_step s ON h.group_id = s.group_id AND h.object = s.object AND h.actor = s.member
WHERE g.members - CASE WHEN s.member IS NULL THEN 0 ELSE 1 END >= 2
ORDER BY h.group_id, h.actor, h.object
"""

GROUP_OBJECTS = """
WITH seen AS (SELECT object, count(*) AS actions FROM object_actions GROUP BY object),
near AS (
    SELECT group_id, object, count(DISTINCT action_id) AS actions
    FROM near_members GROUP BY group_id, object
), own AS (
    SELECT m.group_id, m.object, count(*) AS actions
    FROM member_actions m LEFT SEMI JOIN group_objects g
    ON m.group_id = g.group_id AND m.object = g.object
    GROUP BY m.group_id, m.object
)
SELECT s.group_id, s.object, g.members, s.member,
       coalesce(near.actions, 0) / seen.actions AS in_step, own.actions AS member_actions
FROM in_step s JOIN group_objects g ON s.group_id = g.group_id AND s.object = g.object
JOIN seen ON s.object = seen.object
JOIN own ON s.group_id = own.group_id AND s.object = own.object
LEFT JOIN near ON s.group_id = near.group_id AND s.object = near.object
ORDER BY s.group_id, s.object, s.member
"""

RECURRING_BURSTS = """
WITH starts AS (
    SELECT actor, object, time, action_id,
           CASE WHEN time - lag(time) OVER (PARTITION BY object ORDER BY time, action_id)
                <= $window THEN 0 ELSE 1 END AS starts
    FROM actions
), runs AS (
    SELECT DISTINCT actor, object,
        sum(starts) OVER (PARTITION BY object ORDER BY time, action_id
                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS run
    FROM starts
), sized AS (
    SELECT object, run FROM runs GROUP BY object, run
    HAVING count(*) BETWEEN $min_actors AND $max_actors
), bursts AS (
    SELECT dense_rank() OVER (ORDER BY r.object, r.run) - 1 AS burst, r.actor
    FROM runs r JOIN sized s ON r.object = s.object AND r.run = s.run
), met AS (
    SELECT x.burst FROM bursts x JOIN bursts y ON x.actor = y.actor AND x.burst <> y.burst
    GROUP BY x.burst, y.burst HAVING count(*) >= $min_shared
), kept AS (
    SELECT burst FROM met GROUP BY burst HAVING count(*) >= $min_recurrences
)
SELECT dense_rank() OVER (ORDER BY b.burst) - 1 AS burst, b.actor
FROM bursts b LEFT SEMI JOIN kept k ON b.burst = k.burst ORDER BY burst, actor
"""

GROUP_ACTIONS = """
WITH m AS (
    SELECT mb.`group`, l.* FROM log l JOIN members mb ON l.actor = mb.actor
), shared AS (
    SELECT `group`, object, count(DISTINCT actor) AS members
    FROM m GROUP BY `group`, object HAVING count(DISTINCT actor) >= 2
)
SELECT m.`group`, m.actor, m.action, m.object, m.time, m.text, m.row, s.members
FROM m JOIN shared s ON m.`group` = s.`group` AND m.object = s.object
ORDER BY m.`group`, m.time, m.actor, m.row, m.object
"""
