"""QUT's coordination-network-toolkit, reproduced: its co-retweet network from the canonical log.

The toolkit (Graham et al., ``compute_networks DB compute co_retweet``, version 1.5.2) joins
every message with every message on the same reposted id within ``--time_window`` seconds
(inclusive: ``e_2.timestamp BETWEEN e_1.timestamp - w AND e_1.timestamp + w``), and stores one
row per *ordered* pair of accounts ``(user_1, user_2)`` weighted by
``count(DISTINCT e_1.message_id)``: how many of user_1's messages met at least one of user_2's.
``HAVING weight >= --min_edge_weight`` filters each direction on its own, so at a threshold
above 1 a pair can be in its output one way only. Its ``co_link`` and ``co_tweet`` networks are
the same query over (message, url) rows and over normalised texts of non-reposts.

Here a message is a row of the source file (the log's ``row``: an importer gives a post and the
links it carries the same row, so a message with two links counts once, as the toolkit's
``message_url`` join does), and the reposted id is the log's ``object``. See docs/peers/qut.md.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engines.base import Engine
from ..errors import ParameterError
from ..schema import Log
from ..sql import connect
from .base import Detector, Findings, in_range
from .co_action import MAX_INT, MAX_WINDOW_SECONDS, MIN_WINDOW_SECONDS

# The toolkit's command-line defaults (compute_networks --time_window 1 --min_edge_weight 2).
DEFAULT_WINDOW_SECONDS = 1
DEFAULT_MIN_REPEAT = 2
# Bounds are concerted's (see co_action): the engine's buckets need a window above 0, so the
# toolkit's --time_window 0 (the same second only) is refused rather than approximated.
PEER = "coordination-network-toolkit 1.5.2 (co_retweet)"

# The toolkit's join, on each ordered pair of distinct actors. concerted's engine counts
# distinct objects per unordered pair; nothing there counts one side's messages per direction,
# hence this query of its own. Self-pairs are left out: the toolkit stores one per account but
# writes them only with --include_self_loops, and concerted's edges have none.
DIRECTED_WEIGHTS = """
    WITH directed AS (
        SELECT a.actor AS actor_a, b.actor AS actor_b, count(DISTINCT a.message) AS weight
        FROM messages a
        JOIN messages b
          ON a.object = b.object
         AND b.time BETWEEN a.time - $window AND a.time + $window
         AND a.actor <> b.actor
        GROUP BY a.actor, b.actor
    )
    SELECT ab.actor_a AS actor, ab.actor_b AS actor_y,
           ab.weight AS weight_ab, ba.weight AS weight_ba
    FROM directed ab
    JOIN directed ba ON ba.actor_a = ab.actor_b AND ba.actor_b = ab.actor_a
    WHERE ab.actor_a < ab.actor_b
      AND (ab.weight >= $min_repeat OR ba.weight >= $min_repeat)
    ORDER BY actor, actor_y
"""


class Qut(Detector):
    """The co-retweet network of QUT's coordination-network-toolkit, pair for pair.

    A pair of actors is kept when either direction reaches ``min_repeat``, as the toolkit keeps
    a directed edge ``A -> B`` when ``weight_ab >= --min_edge_weight``. One row per unordered
    pair (``actor < actor_y``) carries both directed weights:

    * ``weight_ab``: how many of ``actor``'s messages met one of ``actor_y``'s on the same
      object within ``window_seconds`` (the toolkit's ``actor -> actor_y`` weight);
    * ``weight_ba``: the same from ``actor_y``'s side;
    * ``weight``: the larger of the two, the weight that kept the pair. The toolkit lists the
      direction ``A -> B`` only when its own weight reaches the threshold, so its output is
      the rows here with ``weight_ab >= min_repeat`` plus those with ``weight_ba >=
      min_repeat`` (reversed).

    Parameters
    ----------
    window_seconds
        The toolkit's ``--time_window``: largest gap between two messages that counts
        (inclusive). Default 1, the toolkit's.
    min_repeat
        The toolkit's ``--min_edge_weight``, applied to each direction. Default 2, the toolkit's.
    evidence_per_pair
        How many co-actions to keep as evidence per pair. Default 5.

    Example
    -------
    >>> from concerted.schema import make_log
    >>> log = make_log([
    ...     {"actor": a, "object": o, "time": t}
    ...     for a, o, t in (("a", "x", 0), ("a", "x", 5), ("b", "x", 8), ("b", "y", 0), ("a", "y", 3))
    ... ])
    >>> f = Qut(window_seconds=10, min_repeat=2).detect(log)
    >>> f.pairs.select(["actor", "actor_y", "weight", "weight_ab", "weight_ba"]).to_pylist()
    [{'actor': 'a', 'actor_y': 'b', 'weight': 3, 'weight_ab': 3, 'weight_ba': 2}]
    """

    name = "qut"
    requires = ("actor", "object", "time")

    def __init__(
        self,
        *,
        window_seconds: float | None = None,
        min_repeat: int | None = None,
        evidence_per_pair: int = 5,
    ) -> None:
        self.window_seconds = window_seconds
        self.min_repeat = min_repeat
        self.evidence_per_pair = evidence_per_pair

    def _check_params(self) -> None:
        w = self.window_seconds
        if w is not None and not in_range(w, MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS):
            raise ParameterError(
                "Qut: window_seconds (the toolkit's --time_window) must be a number from "
                f"{MIN_WINDOW_SECONDS} to "
                f"{MAX_WINDOW_SECONDS:,} (a year). Got {w!r}."
            )
        for name, value in (
            ("min_repeat", self.min_repeat),
            ("evidence_per_pair", self.evidence_per_pair),
        ):
            if value is not None and not in_range(value, 1, MAX_INT, int):
                raise ParameterError(
                    f"Qut: {name} must be an integer from 1 to {MAX_INT:,}. Got {value!r}."
                )

    def _detect(self, log: Log, engine: Engine) -> Findings:
        window = float(
            DEFAULT_WINDOW_SECONDS if self.window_seconds is None else self.window_seconds
        )
        min_repeat = self.min_repeat or DEFAULT_MIN_REPEAT
        directed = directed_weights(log, window, min_repeat)
        # The engine describes every pair that co-acted once (the same pairs the toolkit finds
        # at a threshold of 1), unsampled as the toolkit is; the kept ones are picked from them.
        tables = engine.co_action(
            log,
            window_seconds=window,
            max_bucket_events=MAX_INT,
            evidence_per_pair=self.evidence_per_pair,
            min_weight=1,
        )
        keys = ["actor", "actor_y"]
        described = tables.pairs.drop_columns(["weight"])
        pairs = directed.join(described, keys=keys, join_type="inner")
        if pairs.num_rows != directed.num_rows:  # the two joins disagree on a pair: a bug
            raise AssertionError("Qut: the engine did not describe every pair the toolkit keeps")
        weight = pc.max_element_wise(pairs["weight_ab"], pairs["weight_ba"])
        pairs = pairs.append_column("weight", weight)
        pairs = pairs.append_column("window_seconds", pa.array([window] * pairs.num_rows))
        pairs = pairs.append_column("strength", pc.cast(weight, pa.float64()))
        pairs = _strongest_first(pairs)
        evidence = tables.evidence.join(
            pairs.select(keys), keys=keys, join_type="left semi"
        ).sort_by([("actor", "ascending"), ("actor_y", "ascending"), ("time", "ascending")])
        return Findings(
            detector=self.name,
            pairs=pairs,
            evidence=evidence,
            actors=tables.actors,
            objects=tables.objects,
            params={"window_seconds": window, "min_repeat": min_repeat, "peer": PEER},
            notes=[
                f"{PEER}: a pair is kept when either direction reaches {min_repeat}; "
                "weight_ab counts actor's messages that met one of actor_y's within the window, "
                "weight_ba the reverse, weight is the larger"
            ],
            candidate_pairs=tables.candidate_pairs,
        )


def directed_weights(log: Log, window_seconds: float, min_repeat: int) -> pa.Table:
    """``actor, actor_y, weight_ab, weight_ba`` of every pair either direction of which
    reaches ``min_repeat``, by the toolkit's count (see :data:`DIRECTED_WEIGHTS`)."""
    t = log.table
    message = t["row"]
    if message.null_count:  # a log built without source rows: each action is its own message
        filled = np.arange(-1, -len(t) - 1, -1, dtype=np.int64)
        message = pc.if_else(pc.is_null(message), pa.array(filled), message)
    con = connect()
    try:
        con.register(
            "messages",
            pa.table(
                {"actor": t["actor"], "object": t["object"], "time": t["time"], "message": message}
            ),
        )
        bound = {"window": float(window_seconds), "min_repeat": int(min_repeat)}
        result = con.sql(DIRECTED_WEIGHTS, params=bound).to_arrow_table()
    finally:
        con.close()
    return result.cast(
        pa.schema(
            [
                ("actor", pa.string()),
                ("actor_y", pa.string()),
                ("weight_ab", pa.int64()),
                ("weight_ba", pa.int64()),
            ]
        )
    )


def _strongest_first(pairs: pa.Table) -> pa.Table:
    """By decreasing weight, ties by (actor, actor_y)."""
    return pairs.sort_by(
        [("weight", "descending"), ("actor", "ascending"), ("actor_y", "ascending")]
    )
