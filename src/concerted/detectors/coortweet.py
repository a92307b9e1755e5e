"""CooRTweet's network, computed from the canonical log: ``--peer coortweet``.

Researchers who published with CooRTweet (Righetti & Balluff's R package) reproduce its result
here before they trust anything new. :class:`CooRTweet` computes what

.. code-block:: r

    result <- detect_groups(x, time_window = 10, min_participation = 2, remove_loops = TRUE)
    result <- flag_speed_share(x, result, min_participation = 2, time_window = 3)  # optional
    graph  <- generate_coordinated_network(result, fast_net = ..., edge_weight = 0.5,
                                           subgraph = 0)

returns (CooRTweet 2.1.3, ``R/detect_groups.R``, ``R/calc_group_combinations.R``,
``R/flag_speed_share.R``, ``R/generate_coordinated_network.R``), rule for rule:

==================================  ===========================================================
CooRTweet                           here
==================================  ===========================================================
``object_id``                       ``object``
``account_id``                      ``actor``
``content_id``                      the log's row (each row is one share)
``timestamp_share``                 ``time`` (epoch seconds)
``time_window``                     ``window_seconds``
``min_participation``               ``min_participation``
``remove_loops``                    ``remove_loops``
``edge_weight``                     ``edge_weight_quantile``
``subgraph``                        ``subgraph``
``flag_speed_share(time_window)``   ``fast_window_seconds`` (``fast_net = TRUE``)
==================================  ===========================================================

The steps, in CooRTweet's order:

1. **Pre-filter.** Accounts with fewer than ``min_participation`` shares in the whole log are
   dropped (every share counts, coordinated or not).
2. **Content pairs.** Within each object, every two shares (the rows, not the accounts) whose
   times are at most ``window_seconds`` apart form a row of the result (inclusive: a gap equal
   to the window counts). Two shares of one account are a pair too, until step 3.
3. **Loops** (``remove_loops``, default on): a pair is dropped when both shares are by the same
   account, or when either share *is* the object (CooRTweet's ``object_id == content_id``: here,
   a row whose ``action`` is ``post``, an original post whose object is its own id).
4. **Participation, per account, one side enough.** An account's *coordinated shares* are its
   rows in some pair left after step 3. Accounts with at least ``min_participation`` of them
   pass, and a pair is kept when **either** of its two shares is by an account that passes
   (``filter_min_participation``; skipped at ``min_participation=0``). So an account with one
   coordinated share stays in the network when its partner passes.
5. **Orientation.** In each pair the older share is ``content_id``, the newer ``content_id_y``
   (equal times keep CooRTweet's row order: accounts in order of first appearance, then rows).
6. **Network** (undirected). Each pair of accounts, smaller name first (byte order; CooRTweet's
   ``pmin`` uses R's collation, the same for the hexadecimal ids of its data), becomes an edge:

   * ``weight``: the number of **content pairs** (rows of step 4) between the two accounts:
     not distinct objects (concerted's classic ``weight``) and not directed counts (QUT's);
   * ``avg_time_delta``: their mean gap in seconds;
   * ``n_content_id`` / ``n_content_id_y``: distinct older / newer shares among them. As in
     CooRTweet, the accounts are put in name order but the shares are not swapped with them, so
     these count the older and the newer shares, not each account's;
   * ``edge_symmetry_score``: ``min / max`` of those two;
   * ``weight_threshold``: 1 when ``weight`` is *above* (strictly) the ``edge_weight_quantile``
     quantile of the weights of every edge (R's ``quantile``, type 7: linear interpolation),
     else 0. The default, 0.5, is the median.

7. **Fast network** (``fast_window_seconds``, CooRTweet's ``flag_speed_share`` then
   ``fast_net = TRUE``): the pairs of step 4 at most ``fast_window_seconds`` apart, filtered by
   participation again (step 4's rule, counted on them alone), give each edge ``weight_fast``
   (null when none) and ``weight_threshold_fast`` (against the quantile of the fast weights
   only; null where ``weight_fast`` is). The full network's threshold is then CooRTweet's
   ``weight_threshold_full``, here still ``weight_threshold``.
8. **Subgraph.** ``0`` (default): every edge, ``weight_threshold`` only marks them. ``1``: the
   edges with ``weight_threshold = 1`` (refused with a fast window, as CooRTweet stops). ``2``:
   the edges with ``weight_threshold_fast = 1`` (needs ``fast_window_seconds``). ``3``: the
   accounts of those edges and every account adjacent to them, with all the edges among them
   (the fast network's context; needs ``fast_window_seconds``).

**Self-loops.** With ``remove_loops=False`` an account's shares of one object within the
window pair with each other: the edge ``actor == actor_y`` is kept, as igraph keeps a loop.

The kept pairs (every content pair behind the kept edges) are the ``evidence``: ``actor``'s share
at ``time``, ``actor_y``'s at ``time_y``. CooRTweet has no group step: ``edges`` holds every
kept edge, and the groups are the network step's, as in classic co-action (communities of the
edges of weight 2 or more, here two content pairs).

The work is one DuckDB query (through :func:`concerted.sql.connect`, not the engine's
primitives): the engine counts distinct objects per pair of *accounts*, while CooRTweet's
result is per pair of *shares* with an account-level filter between the join and the count.
"""

from __future__ import annotations

import numbers

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..engines.base import Engine
from ..errors import ParameterError
from ..schema import Log
from ..sources import infer_sources
from ..sql import connect
from .base import Detector, Findings, in_range

# CooRTweet's defaults (detect_groups, generate_coordinated_network).
DEFAULT_WINDOW_SECONDS = 10
DEFAULT_MIN_PARTICIPATION = 2
DEFAULT_EDGE_WEIGHT_QUANTILE = 0.5
MAX_WINDOW_SECONDS = 365 * 86400
MAX_INT = 2**31 - 1
# A row whose object is its own content (CooRTweet's object_id == content_id).
OWN_CONTENT_ACTIONS = ("post",)

# Shares in CooRTweet's row order after the pre-filter: accounts in order of first
# appearance, then their rows (data.table's `by` keeps groups in that order).
_SHARES = """
CREATE TEMP TABLE shares AS
WITH counted AS (
    SELECT *, count(*) OVER (PARTITION BY actor) AS n, min(ord) OVER (PARTITION BY actor) AS first
    FROM log_in
)
SELECT row_number() OVER (ORDER BY first, ord) AS seq, ord,
       dense_rank() OVER (ORDER BY actor, time) AS content, actor, object, time, own
FROM counted WHERE n >= $min_participation
"""

# calc_group_combinations: every two shares of an object within the window, then
# do_remove_loops.
_PAIRS = """
CREATE TEMP TABLE raw_pairs AS
SELECT a.object, a.content, b.content AS content_y, a.actor, b.actor AS actor_y,
       a.time, b.time AS time_y, a.time - b.time AS time_delta
FROM shares a JOIN shares b
  ON a.object = b.object AND a.seq < b.seq AND abs(a.time - b.time) <= $window
WHERE NOT $remove_loops
   OR (a.content <> b.content AND a.actor <> b.actor AND NOT a.own AND NOT b.own)
"""

# filter_min_participation over the pairs of `source` within `gap` seconds: an account's
# coordinated shares are its shares in those pairs; a pair stays when either side's account
# has at least $min_participation of them.
_FILTERED = """
CREATE TEMP TABLE {name} AS
WITH p AS (SELECT * FROM {source} WHERE abs(time_delta) <= $gap),
coordinated AS (SELECT content FROM p UNION SELECT content_y FROM p),
passing AS (
    SELECT actor FROM shares
    WHERE content IN (SELECT content FROM coordinated)
    GROUP BY actor HAVING count(*) >= $min_participation
)
SELECT * FROM p
WHERE $min_participation < 1
   OR actor IN (SELECT actor FROM passing) OR actor_y IN (SELECT actor FROM passing)
"""

# The result oriented (the older share first; equal times keep row order) and its edge:
# accounts in name order, the shares left as they are (CooRTweet swaps only the accounts).
_ORIENTED = """
CREATE TEMP TABLE {name} AS
SELECT object,
       CASE WHEN time_delta > 0 THEN content_y ELSE content END AS content,
       CASE WHEN time_delta > 0 THEN content ELSE content_y END AS content_y,
       CASE WHEN time_delta > 0 THEN actor_y ELSE actor END AS older,
       CASE WHEN time_delta > 0 THEN actor ELSE actor_y END AS newer,
       CASE WHEN time_delta > 0 THEN time_y ELSE time END AS older_time,
       CASE WHEN time_delta > 0 THEN time ELSE time_y END AS newer_time,
       abs(time_delta) AS time_delta
FROM {source}
"""

# Each object's source, as classic co-action reckons it (concerted's ``sources`` column, not
# CooRTweet's): its author where the log names one, else whoever shared it first.
_OBJECTS = """
CREATE TEMP TABLE objects AS
SELECT object, count(*) AS actions, count(DISTINCT actor) AS actors,
       coalesce(mode(source), arg_min(actor, [time, ord])) AS source
FROM log_in GROUP BY object ORDER BY object
"""

_EDGES = """
SELECT least(older, newer) AS actor, greatest(older, newer) AS actor_y,
       count(*) AS weight, count(DISTINCT objects.source) AS sources,
       avg(time_delta) AS avg_time_delta,
       count(DISTINCT content) AS n_content_id, count(DISTINCT content_y) AS n_content_id_y,
       least(count(DISTINCT content), count(DISTINCT content_y))
         / greatest(count(DISTINCT content), count(DISTINCT content_y)) AS edge_symmetry_score,
       median(time_delta) AS median_delay_seconds,
       min(older_time) AS first_time, max(newer_time) AS last_time
FROM {source} JOIN objects USING (object)
GROUP BY least(older, newer), greatest(older, newer) ORDER BY actor, actor_y
"""

# Each kept content pair, the pair's accounts in name order, each with its own share's time.
_EVIDENCE = """
SELECT least(older, newer) AS actor, greatest(older, newer) AS actor_y, object,
       CASE WHEN older <= newer THEN older_time ELSE newer_time END AS time,
       CASE WHEN older <= newer THEN newer_time ELSE older_time END AS time_y
FROM result ORDER BY actor, actor_y, time, time_y, object
"""

_ACTORS = """
SELECT actor, count(*) AS actions, count(DISTINCT object) AS objects
FROM log_in GROUP BY actor ORDER BY actor
"""


class CooRTweet(Detector):
    """CooRTweet's coordinated network: ``detect_groups`` then ``generate_coordinated_network``.

    The rules, step by step, are in the module's docstring; in short: shares of one object
    within ``window_seconds`` pair up, accounts with fewer than ``min_participation``
    coordinated shares are dropped unless their partner has enough, and each pair of accounts is
    an edge weighted by its number of content pairs.

    Parameters
    ----------
    window_seconds
        CooRTweet's ``time_window``: the largest gap between two shares that counts
        (inclusive). Default 10.
    min_participation
        CooRTweet's ``min_participation``: the least number of shares an account needs in the
        log, then of coordinated shares, to count (a pair stays when one side has them).
        Default 2; 0 or 1 keep every pair.
    remove_loops
        Drop pairs of one account's own shares and pairs with the object's own post. Default on.
    edge_weight_quantile
        CooRTweet's ``edge_weight``: edges above this quantile of the weights are marked
        (``weight_threshold = 1``), and kept alone by ``subgraph=1``. From 0 to 1; default 0.5.
    subgraph
        0 (default) every edge; 1 the edges above the quantile; 2 the fast edges above the
        fast quantile; 3 those and their neighbours (2 and 3 need ``fast_window_seconds``).
    fast_window_seconds
        CooRTweet's ``flag_speed_share`` window (then ``fast_net = TRUE``): adds ``weight_fast``
        and ``weight_threshold_fast``. At most ``window_seconds``. Default: none.

    References
    ----------
    Righetti, N., & Balluff, P. CooRTweet: Coordinated Networks Detection on Social Media (R
    package, 2.1.3). Giglietto, F., Righetti, N., Rossi, L., & Marino, G. (2020), It takes a
    village to manipulate the media, *Information, Communication & Society* 23(6).

    Example
    -------
    >>> from concerted.schema import make_log
    >>> log = make_log([
    ...     {"actor": a, "object": o, "time": t0 + d}
    ...     for o, t0 in (("x", 0), ("y", 500))
    ...     for a, d in (("a1", 0), ("a2", 5), ("a3", 30))
    ... ])
    >>> f = CooRTweet().detect(log)
    >>> f.pairs.select(["actor", "actor_y", "weight"]).to_pylist()
    [{'actor': 'a1', 'actor_y': 'a2', 'weight': 2}]
    """

    name = "coortweet"
    requires = ("actor", "object", "time")

    def __init__(
        self,
        *,
        window_seconds: float | None = None,
        min_participation: int | None = None,
        remove_loops: bool = True,
        edge_weight_quantile: float | None = None,
        subgraph: int = 0,
        fast_window_seconds: float | None = None,
    ) -> None:
        self.window_seconds = window_seconds
        self.min_participation = min_participation
        self.remove_loops = remove_loops
        self.edge_weight_quantile = edge_weight_quantile
        self.subgraph = subgraph
        self.fast_window_seconds = fast_window_seconds

    def _check_params(self) -> None:
        for name in ("window_seconds", "fast_window_seconds"):
            w = getattr(self, name)
            if w is not None and not in_range(w, 0, MAX_WINDOW_SECONDS, numbers.Real):
                raise ParameterError(
                    f"CooRTweet: {name} must be a number of seconds from 0 to "
                    f"{MAX_WINDOW_SECONDS:,} (a year). Got {w!r}."
                )
        m = self.min_participation
        if m is not None and not in_range(m, 0, MAX_INT, numbers.Integral):
            raise ParameterError(
                f"CooRTweet: min_participation must be a whole number from 0. Got {m!r}."
            )
        q = self.edge_weight_quantile
        if q is not None and not in_range(q, 0, 1, numbers.Real):
            raise ParameterError(
                f"CooRTweet: edge_weight_quantile must be a number from 0 to 1. Got {q!r}."
            )
        if not isinstance(self.remove_loops, bool):
            raise ParameterError(
                f"CooRTweet: remove_loops must be True or False. Got {self.remove_loops!r}."
            )
        if isinstance(self.subgraph, bool) or self.subgraph not in (0, 1, 2, 3):
            raise ParameterError(
                f"CooRTweet: subgraph must be 0, 1, 2 or 3. Got {self.subgraph!r}."
            )
        fast = self.fast_window_seconds
        if self.subgraph in (2, 3) and fast is None:
            raise ParameterError(
                f"CooRTweet: subgraph={self.subgraph} is the fast network's: give "
                "fast_window_seconds (CooRTweet's flag_speed_share window) too."
            )
        if self.subgraph == 1 and fast is not None:
            raise ParameterError(
                "CooRTweet: subgraph=1 filters the full network and cannot be combined with "
                "fast_window_seconds (CooRTweet stops there too); use subgraph=2 for the fast one."
            )
        window = DEFAULT_WINDOW_SECONDS if self.window_seconds is None else self.window_seconds
        if fast is not None and fast > window:
            raise ParameterError(
                f"CooRTweet: fast_window_seconds ({fast!r}) must be at most window_seconds "
                f"({window!r}): it narrows the window."
            )

    def _detect(self, log: Log, engine: Engine) -> Findings:
        window = float(
            DEFAULT_WINDOW_SECONDS if self.window_seconds is None else self.window_seconds
        )
        participation = (
            DEFAULT_MIN_PARTICIPATION if self.min_participation is None else self.min_participation
        )
        quantile = (
            DEFAULT_EDGE_WEIGHT_QUANTILE
            if self.edge_weight_quantile is None
            else float(self.edge_weight_quantile)
        )
        fast = None if self.fast_window_seconds is None else float(self.fast_window_seconds)
        params = {
            "peer": "coortweet",
            "window_seconds": window,
            "min_participation": int(participation),
            "remove_loops": self.remove_loops,
            "edge_weight_quantile": quantile,
            "subgraph": self.subgraph,
            "fast_window_seconds": fast,
        }
        sourced, params["object_sources"] = infer_sources(log)
        t = log.table
        own = (
            pc.fill_null(pc.is_in(t["action"], value_set=pa.array(OWN_CONTENT_ACTIONS)), False)
            if "action" in t.column_names
            else pa.repeat(False, t.num_rows)
        )
        log_in = pa.table(
            {
                "ord": pa.array(np.arange(t.num_rows, dtype=np.int64)),
                "actor": t["actor"],
                "object": t["object"],
                "time": t["time"],
                "source": sourced.table["source"],
                "own": own,
            }
        )
        con = connect()
        try:
            con.register("log_in", log_in)
            bound = {"min_participation": int(participation)}
            con.execute(_SHARES, bound)
            con.execute(_OBJECTS)
            con.execute(_PAIRS, {"window": window, "remove_loops": self.remove_loops})
            con.execute(_FILTERED.format(name="kept", source="raw_pairs"), {**bound, "gap": window})
            con.execute(_ORIENTED.format(name="result", source="kept"))
            candidates = con.execute(
                "SELECT count(*) FROM (SELECT DISTINCT least(actor, actor_y), "
                "greatest(actor, actor_y) FROM raw_pairs)"
            ).fetchall()[0][0]
            edges = con.sql(_EDGES.format(source="result")).to_arrow_table()
            if fast is not None:
                # flag_speed_share: the kept pairs within the narrower window, filtered again.
                con.execute(
                    _FILTERED.format(name="fast_kept", source="kept"), {**bound, "gap": fast}
                )
                con.execute(_ORIENTED.format(name="fast_result", source="fast_kept"))
                fast_edges = con.sql(_EDGES.format(source="fast_result")).to_arrow_table()
            evidence = con.sql(_EVIDENCE).to_arrow_table()
            actors = con.sql(_ACTORS).to_arrow_table()
            objects = con.sql("SELECT * FROM objects ORDER BY object").to_arrow_table()
        finally:
            con.close()
        edges = _mark(edges, quantile, "weight", "weight_threshold")
        if fast is not None:
            fast_weight = fast_edges.select(["actor", "actor_y", "weight"]).rename_columns(
                ["actor", "actor_y", "weight_fast"]
            )
            edges = edges.join(fast_weight, keys=["actor", "actor_y"], join_type="left outer")
            edges = _mark(edges, quantile, "weight_fast", "weight_threshold_fast")
            edges = edges.sort_by([("actor", "ascending"), ("actor_y", "ascending")])
        edges = _subgraph(edges, self.subgraph)
        edges = edges.append_column("co_actions", edges["weight"])
        edges = edges.append_column(
            "window_seconds", pa.array([window] * edges.num_rows, pa.float64())
        )
        edges = edges.append_column("strength", pc.cast(edges["weight"], pa.float64()))
        if self.subgraph:
            evidence = evidence.join(
                edges.select(["actor", "actor_y"]), keys=["actor", "actor_y"], join_type="left semi"
            ).sort_by([(c, "ascending") for c in ("actor", "actor_y", "time", "time_y", "object")])
        # Strongest first; a stable sort keeps (actor, actor_y) order among ties.
        edges = edges.take(pc.array_sort_indices(edges["strength"], order="descending"))
        notes = []
        if participation > 1:
            notes.append(
                f"CooRTweet's min_participation={participation}: a pair of accounts is kept when "
                f"one of them has {participation} or more coordinated shares"
            )
        return Findings(
            detector=self.name,
            pairs=edges,
            evidence=evidence,
            actors=actors,
            objects=objects,
            params=params,
            notes=notes,
            candidate_pairs=candidates,
        )


def quantile_type7(values: np.ndarray, q: float) -> float:
    """R's default ``quantile(values, q)`` (type 7: linear between order statistics)."""
    return float(np.quantile(np.asarray(values, dtype=float), q, method="linear"))


def _mark(edges: pa.Table, q: float, column: str, flag: str) -> pa.Table:
    """``flag``: 1 where ``column`` is above its ``q`` quantile over the edges that have one, 0
    where not, null where ``column`` is (CooRTweet's ``ifelse(weight > threshold, 1, 0)``)."""
    weights = edges[column]
    present = pc.drop_null(weights).to_numpy(zero_copy_only=False)
    if not len(present):
        return edges.append_column(flag, pa.nulls(edges.num_rows, pa.int64()))
    threshold = quantile_type7(present, q)
    above = pc.cast(pc.greater(pc.cast(weights, pa.float64()), threshold), pa.int64())
    return edges.append_column(flag, above)


def _subgraph(edges: pa.Table, subgraph: int) -> pa.Table:
    """CooRTweet's ``subgraph`` option applied to the edges."""
    if subgraph == 1:
        return edges.filter(pc.equal(edges["weight_threshold"], 1))
    if subgraph == 2:
        return edges.filter(pc.fill_null(pc.equal(edges["weight_threshold_fast"], 1), False))
    if subgraph == 3:
        # The fast coordinated accounts, every account adjacent to one, and all edges among them
        # (igraph's induced_subgraph over adjacent_vertices of the fast edges' ends).
        fast = edges.filter(pc.fill_null(pc.equal(edges["weight_threshold_fast"], 1), False))
        core = set(fast["actor"].to_pylist()) | set(fast["actor_y"].to_pylist())
        keep = set()
        for a, b in zip(edges["actor"].to_pylist(), edges["actor_y"].to_pylist(), strict=True):
            if a in core:
                keep.add(b)
            if b in core:
                keep.add(a)
        members = pa.array(sorted(keep), pa.string())
        return edges.filter(
            pc.and_(
                pc.is_in(edges["actor"], value_set=members),
                pc.is_in(edges["actor_y"], value_set=members),
            )
        )
    return edges
