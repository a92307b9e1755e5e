"""How surprising is a pair's co-action, given how busy the actors and the objects are?

The null model: actors act on objects independently. Objects are split into popularity strata
(powers of two of their action counts); within stratum ``s`` each actor keeps its own number of
actions ``k_is``, and each object ``o`` its popularity ``n_o`` and its burst tightness ``q_o``
(the share of pairs of its actions that fall within the window: a viral cascade or a live event
is tight, an everyday hashtag is loose). The expected number of objects on which ``i`` and ``j``
co-act by chance is then::

    E_ij = sum_s k_is * k_js * sum_{o in s} (n_o / N_s)**2 * q_o

Heavy users (large ``k``), people who join many viral cascades (large ``k`` in the top strata) and
tight objects raise the expectation, so co-acting with them proves little. The observed count is
the number of distinct *sources* of the co-acted objects (an object's source is whoever acted on it
first): reacting again and again to one account's posts is following it, as fans do. The count is
compared with a Poisson law of mean ``E_ij`` (conservative: a sum of independent Bernoulli trials
with the same mean has a thinner tail). Each pair is tested at several windows and judged at its
best one (Bonferroni), and the p-values are corrected for every possible pair of actors with
Benjamini-Hochberg. At a window where an object is a crowd (each of its actions with over a hundred
others within it), a pair's co-actions on it count only within a narrower window while ``q_o``
stays the wider window's (:meth:`concerted.engines.base.Engine.count_co_actions`): observed
counts can only fall against the same expectation, so the test only grows more cautious.

Pairs are not enough: in a campaign of 150 accounts at low participation, any two members share
only a couple of objects. So groups are tested as groups (:func:`score_memberships`): the core
groups found from significant pairs define the group's objects (those two or more members acted on
within the window of each other), and every actor who acted on them in step with a member is
tested against the group: how many of them it hit, against how many its own activity would hit by
chance if it picked objects by their popularity *without the group's own actions* and acted at a
random moment of each. That count is a sum of binomials, one per popularity stratum, computed
exactly; the test is run on all strata and on those where the group's objects are rare, with
Benjamini-Hochberg over every (actor, group).

A stealthy campaign of heavy users has no significant pair at all: each pair shares a handful of
objects against busy lives. Its candidates come from bursts instead (see
:func:`concerted.groups.burst_candidates`), and such an unproven group is judged on
the objects it pushed only (:data:`PUSHED_VIEWS`). A group that only ever amplifies one account
shares a single source: it is judged against that account's audience instead
(:mod:`concerted.audiences`), by the pair test (:func:`score_pairs`) and the group test.

References
----------
Benjamini & Hochberg 1995, Controlling the false discovery rate. Pacheco et al. 2021, Uncovering
coordinated networks on social media (ICWSM). Newman 2001 and Saracco et al. 2017 on bipartite
configuration null models.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from .audiences import AudienceModel, in_audiences
from .schema import Log

# -log10 p is capped here so that scores stay finite when p underflows.
MAX_LOG10 = 300.0


@dataclass(frozen=True)
class NullModel:
    """The null model at one window.

    Attributes
    ----------
    names
        The actors, in the row order of ``counts``.
    counts
        Each actor's actions per popularity stratum (actors x strata).
    rate
        Each stratum's chance co-action rate ``rate_s = sum_{o in s} (n_o / N_s)**2 * q_o``.
    objects, popularity, share, stratum
        Each object, its actions ``n_o``, its share ``n_o / N_s`` of its stratum's actions, and
        its stratum.
    """

    names: pa.Array
    counts: np.ndarray
    rate: np.ndarray
    objects: pa.Array
    popularity: np.ndarray
    share: np.ndarray
    stratum: np.ndarray

    @classmethod
    def fit(cls, log: Log, objects: pa.Table, *, outside_audiences: bool = False) -> NullModel:
        """The model of ``log`` given the object statistics of one window (``actions``,
        ``close_pairs``). With ``outside_audiences``, of the objects of no audience source
        only (:func:`in_audiences`): what the log says of who authored what is then trusted,
        and reactions to an account's posts are the audience model's to judge."""
        if outside_audiences:
            objects = objects.filter(pa.array(~in_audiences(objects)))
        n_o = objects["actions"].to_numpy().astype(float)
        stratum_of_object = np.floor(np.log2(np.maximum(n_o, 1.0))).astype(np.int64)
        n_strata = int(stratum_of_object.max()) + 1 if len(n_o) else 1
        close = objects["close_pairs"].to_numpy().astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            # n**2 * q = n**2 * close / (n (n-1) / 2) = 2 * close * n / (n - 1)
            terms = np.where(n_o > 1, 2.0 * close * n_o / (n_o - 1.0), 0.0)
        o_idx = pc.index_in(log.table["object"], value_set=objects["object"]).to_numpy(
            zero_copy_only=False
        )
        names = pc.unique(log.table["actor"])
        a_idx = pc.index_in(log.table["actor"], value_set=names).to_numpy(zero_copy_only=False)
        if outside_audiences:  # the actions on the objects kept
            known = ~np.isnan(np.asarray(o_idx, dtype=float))
            o_idx, a_idx = o_idx[known].astype(np.int64), a_idx[known]
        stratum = stratum_of_object[o_idx]
        counts = np.zeros((len(names), n_strata))
        np.add.at(counts, (a_idx, stratum), 1.0)
        n_s = np.bincount(stratum, minlength=n_strata).astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.bincount(stratum_of_object, weights=terms, minlength=n_strata) / n_s**2
            share = n_o / n_s[stratum_of_object]
        objects_names = objects["object"]
        if isinstance(objects_names, pa.ChunkedArray):
            objects_names = objects_names.combine_chunks()
        return cls(
            names, counts, np.where(n_s > 0, rate, 0.0), objects_names, n_o, share,
            stratum_of_object,
        )  # fmt: skip

    def index(self, actors: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Row numbers of ``actors`` in ``counts``."""
        return pc.index_in(actors, value_set=self.names).to_numpy(zero_copy_only=False)

    def index_objects(self, objects: pa.Array | pa.ChunkedArray) -> np.ndarray:
        """Row numbers of ``objects`` in ``share`` and ``stratum``."""
        return pc.index_in(objects, value_set=self.objects).to_numpy(zero_copy_only=False)

    def pair_expected(self, actor: pa.Array, actor_y: pa.Array) -> np.ndarray:
        """``E_ij`` for each pair (see the module docstring)."""
        i, j = self.index(actor), self.index(actor_y)
        return (self.counts[i] * self.counts[j] * self.rate).sum(axis=1)

    def group_shares(self, hits: pa.Table, group_objects: pa.Table) -> np.ndarray:
        """For each (group, actor) of ``hits`` and each stratum ``s``: the share of the
        stratum's actions that fall on the group's objects *in step with the group* (within the
        window of a member's action): the chance that one of the actor's objects there counts,
        if it picks objects in proportion to their popularity and acts at one of the object's
        moments at random (rows x strata). The expected count is ``sum_s d_as * share_s``.

        ``group_objects`` is the engine's table of the groups' objects (``group, object,
        members, actor, in_step``: those two or more members acted on in step); for a member,
        an object with only one other member in step is not the group's. A viral link the
        group happened to share in step with thousands is nearly all in step, and counts as
        little as it should; the group's own objects, pushed by it alone, are rare by
        popularity whatever their timing.
        """
        n_obj, n_strata = max(len(self.share), 1), self.counts.shape[1]
        o_idx = pc.index_in(group_objects["object"], value_set=self.objects).to_numpy(
            zero_copy_only=False
        )
        g = group_objects["group"].to_numpy()
        groups = np.unique(np.concatenate([g, hits["group"].to_numpy()]))
        g_slot = np.searchsorted(groups, g)
        # Each object weighs its share of its stratum *without the group's own actions* (what
        # it would draw if the group had not pushed it; at least the actor's one action) times
        # the share of its actions in step with the group.
        n_o = self.popularity[o_idx]
        weight = (
            self.share[o_idx]
            * np.maximum(n_o - group_objects["member_actions"].to_numpy(), 1.0)
            / n_o
            * group_objects["in_step"].to_numpy()
        )
        key, first = np.unique(g_slot.astype(np.int64) * n_obj + o_idx, return_index=True)
        totals = np.zeros((len(groups), n_strata))
        np.add.at(totals, (key // n_obj, self.stratum[key % n_obj]), weight[first])
        slot = np.searchsorted(groups, hits["group"].to_numpy())
        share = totals[slot]
        lone = np.flatnonzero(group_objects["members"].to_numpy() == 2)
        if len(lone):
            minus: dict[tuple[int, str], np.ndarray] = {}
            actors = group_objects["actor"].take(pa.array(lone)).to_pylist()
            for i, a in zip(lone, actors, strict=True):
                row = minus.setdefault((int(g_slot[i]), a), np.zeros(n_strata))
                row[self.stratum[o_idx[i]]] += weight[i]
            for k, key2 in enumerate(zip(slot.tolist(), hits["actor"].to_pylist(), strict=True)):
                if key2 in minus:
                    share[k] -= minus[key2]
        return np.clip(share, 0.0, 1.0)


def expected_weights(pairs: pa.Table, log: Log, objects: pa.Table) -> np.ndarray:
    """``E_ij`` for every pair (see the module docstring)."""
    return NullModel.fit(log, objects).pair_expected(pairs["actor"], pairs["actor_y"])


def poisson_pvalues(observed: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """P(X >= observed) for X ~ Poisson(expected)."""
    return stats.poisson.sf(np.asarray(observed) - 1, np.maximum(expected, 1e-300))


def bh_qvalues(pvalues: np.ndarray, n_tests: int) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values when ``pvalues`` are the smallest of ``n_tests`` tests
    (the untested ones have p = 1 and rank after them)."""
    p = np.asarray(pvalues, dtype=float)
    if p.size == 0:
        return p
    m = max(int(n_tests), p.size)
    order = np.argsort(p, kind="stable")
    ranked = p[order] * m / np.arange(1, p.size + 1)
    ranked = np.minimum.accumulate(ranked[::-1])[::-1]
    q = np.empty_like(p)
    q[order] = np.minimum(ranked, 1.0)
    return q


def score_pairs(
    pairs: pa.Table,
    model: NullModel,
    audience: AudienceModel | None = None,
    sources: str = "sources",
) -> pa.Table:
    """Add ``observed``, ``expected``, ``p_value`` and ``test`` to the co-action pairs of one
    window.

    The pair is tested twice, and judged by the test that finds it more surprising (Bonferroni:
    its p-value is doubled):

    * ``sources``: the distinct sources of the objects it co-acted on (objects that share a
      source count once: following one account is not coordination) against the null model of
      organic choice of objects (:class:`NullModel`);
    * ``audience``: its co-actions on the posts of sources with an audience (column
      ``audience``), each post counted, against that audience's own habits and pace
      (:class:`AudienceModel`): an amplification network reacts to one account's posts far
      tighter than its audience does.

    ``sources`` names the column the first test counts: ``other_sources`` (the sources of the
    objects outside audiences, against a ``model`` fitted outside them) when the log names the
    authors, so that a community that follows the same accounts is judged by the audience
    model alone. Without ``audience`` (or without the column), the first test alone,
    undoubled, on ``sources`` when present, else ``weight``.
    """
    expected = model.pair_expected(pairs["actor"], pairs["actor_y"])
    observed = pairs[sources if sources in pairs.column_names else "weight"].to_numpy()
    p = poisson_pvalues(observed, expected)
    test = np.full(len(p), "sources", dtype=object)
    if audience is not None and "audience" in pairs.column_names:
        reacted = pairs["audience"].to_numpy()
        p_audience, expected_audience = np.ones(len(p)), np.zeros(len(p))
        # As for every pair: reacting together once is what crowds do; twice or more is tested.
        some = np.flatnonzero(reacted >= 2)
        if len(some):
            expected_audience[some] = audience.pair_expected(
                pairs["actor"].take(some), pairs["actor_y"].take(some)
            )
            p_audience[some] = poisson_pvalues(reacted[some], expected_audience[some])
        wins = p_audience < p
        observed = np.where(wins, reacted, observed)
        expected = np.where(wins, expected_audience, expected)
        p = np.minimum(2.0 * np.minimum(p, p_audience), 1.0)
        test[wins] = "audience"
    out = pairs.append_column("observed", pa.array(observed, pa.int64()))
    out = out.append_column("expected", pa.array(expected, pa.float64()))
    out = out.append_column("p_value", pa.array(p, pa.float64()))
    return out.append_column("test", pa.array(test, pa.string()))


# The group test looks at the actor's hits on the group's objects in strata where those objects
# hold at most this share of the activity (rarer objects weigh more), and on all of them; and on
# the objects the group pushed only: those where the group's own actions are at least this share
# of the actions in step with it (a viral cascade the members joined with crowds is not one).
MEMBERSHIP_VIEWS = ((0.05, 0.0), (0.2, 0.0), (1.0, 0.0), (1.0, 0.5))
# A candidate group no pair proves is judged on the objects it pushed only: heavy users who join
# the same viral cascades are in step with each other on them, and that proves nothing.
PUSHED_VIEWS = ((0.2, 0.5), (1.0, 0.5))


def score_memberships(
    hits: pa.Table,
    model: NullModel,
    group_objects: pa.Table,
    views: tuple[tuple[float, float], ...] = MEMBERSHIP_VIEWS,
) -> pa.Table:
    """Test every (group, actor) of an engine's group co-action hits (``group, actor, object,
    source``): is it chance that the actor acted, in step with the group, on that many of the
    group's objects (distinct sources), given how active it is?

    By chance, each of the actor's actions in stratum ``s`` lands on one of the group's objects
    in step with it with probability ``share_s`` (:meth:`NullModel.group_shares`); the number
    of such actions is a sum of binomials, one per stratum, whose tail is computed exactly and
    bounds that of the distinct objects (someone who shares a viral link a hundred times is
    in step with anyone on it, and is given a hundred chances). A viral stratum the group fills says little, so the
    count is also taken over the strata where the group's objects are rare (each of
    ``views``: :data:`MEMBERSHIP_VIEWS`), and on the objects the group pushed only; the best view
    is kept (Bonferroni over the views).

    Returns one row per (group, actor): ``group, actor, objects, sources, observed, expected``
    (of the best view), ``p_value``.
    """
    keys = hits.group_by(["group", "actor"]).aggregate([("object", "count_distinct")])
    keys = keys.sort_by([("group", "ascending"), ("actor", "ascending")])
    trials = model.counts[model.index(keys["actor"])]
    # Row of each hit in keys, and its object's stratum.
    span = len(model.names) + 1
    kp = keys["group"].to_numpy().astype(np.int64) * span + model.index(keys["actor"])
    hp = hits["group"].to_numpy().astype(np.int64) * span + model.index(hits["actor"])
    order = np.argsort(kp, kind="stable")
    row = order[np.searchsorted(kp[order], hp)]
    stratum = model.stratum[model.index_objects(hits["object"])]
    # Sources need not be actors of the log (the authors of reshared posts whose originals it
    # lacks): numbered among themselves.
    source = pc.dictionary_encode(hits["source"]).combine_chunks().indices.to_numpy()
    best_p = np.ones(len(keys))
    best_obs = np.zeros(len(keys), dtype=np.int64)
    best_exp = np.zeros(len(keys))
    sources_all = None
    # How much of the crowd in step with the group on each object is the group itself.
    in_step_actions = (
        group_objects["in_step"].to_numpy()
        * model.popularity[model.index_objects(group_objects["object"])]
    )
    own = group_objects["member_actions"].to_numpy() / np.maximum(in_step_actions, 1.0)
    hit_key = pa.table({"group": hits["group"], "object": hits["object"]})
    # Per threshold on the group's own share: each stratum's share of in-step objects, and which
    # hits fall on those objects.
    by_own: dict[float, tuple[np.ndarray, np.ndarray]] = {}
    for tau, min_own in views:
        if min_own not in by_own:
            chosen = group_objects.filter(pa.array(own >= min_own)) if min_own else group_objects
            pushed = (
                _is_in(hit_key, chosen.select(["group", "object"]))
                if min_own
                else np.ones(hits.num_rows, dtype=bool)
            )
            by_own[min_own] = (model.group_shares(keys, chosen), pushed)
        share, pushed = by_own[min_own]
        view = share <= tau
        keep = view[row, stratum] & pushed
        observed = _distinct_count(row[keep], source[keep], len(keys))
        if tau >= 1.0 and not min_own:
            sources_all = observed
        t, q = trials * view, share * view
        p = sum_of_binomials_sf(observed, t, q)
        better = p < best_p
        best_p[better], best_obs[better] = p[better], observed[better]
        best_exp[better] = (t * q).sum(axis=1)[better]
    share = by_own[0.0][0] if 0.0 in by_own else model.group_shares(keys, group_objects)
    best_exp[best_p >= 1.0] = (trials * share).sum(axis=1)[best_p >= 1.0]
    if sources_all is None:
        sources_all = _distinct_count(row, source, len(keys))
    return pa.table(
        {
            "group": keys["group"],
            "actor": keys["actor"],
            "objects": keys["object_count_distinct"],
            "sources": pa.array(sources_all, pa.int64()),
            "observed": pa.array(best_obs, pa.int64()),
            "expected": pa.array(best_exp, pa.float64()),
            "p_value": pa.array(np.minimum(best_p * len(views), 1.0), pa.float64()),
        }
    )


def _is_in(rows: pa.Table, allowed: pa.Table) -> np.ndarray:
    """For each row of ``rows``, whether it appears among the rows of ``allowed`` (same
    columns)."""
    marked = allowed.group_by(allowed.column_names).aggregate([])
    marked = marked.append_column("_in", pa.array(np.ones(marked.num_rows, dtype=bool)))
    numbered = rows.append_column("_row", pa.array(np.arange(rows.num_rows)))
    joined = numbered.join(marked, keys=rows.column_names, join_type="left outer")
    out = np.zeros(rows.num_rows, dtype=bool)
    found = joined.filter(pc.is_valid(joined["_in"]))["_row"].to_numpy()
    out[found] = True
    return out


def _distinct_count(row: np.ndarray, value: np.ndarray, n_rows: int) -> np.ndarray:
    """How many distinct ``value`` each row has."""
    if not len(row):
        return np.zeros(n_rows, dtype=np.int64)
    unique = np.unique(row.astype(np.int64) * (int(value.max()) + 1) + value)
    return np.bincount(unique // (int(value.max()) + 1), minlength=n_rows)


# Below this, 1 - cdf is dominated by rounding; smaller p-values are reported as this.
MIN_P = 1e-15


def sum_of_binomials_sf(observed: np.ndarray, trials: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """P(X >= observed) for X a sum of independent binomials, row by row: ``X_i = sum_s
    Binomial(trials[i, s], probs[i, s])``. Exact (convolution of the pmfs up to
    ``observed - 1``), floored at :data:`MIN_P`; a count at or below its mean, never
    significant, is given p = 1 without computing.

    >>> round(float(sum_of_binomials_sf(np.array([3]), np.array([[2, 1]]), np.array([[0.5, 0.5]]))[0]), 9)
    0.125
    """
    observed = np.asarray(observed, dtype=np.int64)
    out = np.ones(len(observed))
    # Counts at or below their mean are never significant: skip the convolution for them.
    todo = np.flatnonzero(observed > (trials * probs).sum(axis=1))
    # Rows of one observed count at a time: the pmfs are carried only up to that count (most
    # rows observe 1 or 2, a few 30, and the cost grows with the square of the count).
    for size in np.unique(observed[todo]).tolist():
        rows = todo[observed[todo] == size]
        for chunk in np.array_split(rows, len(rows) // 4096 + 1):
            if len(chunk):
                below = _binomials_cdf_below(trials[chunk], probs[chunk], size)
                out[chunk] = np.maximum(1.0 - below, MIN_P)
    return out


def _binomials_cdf_below(trials: np.ndarray, probs: np.ndarray, size: int) -> np.ndarray:
    """P(X < size) for each row's sum of binomials, by convolving the pmfs up to size - 1."""
    k = np.arange(size)
    pmf = np.zeros((len(trials), size))
    pmf[:, 0] = 1.0
    for s in np.flatnonzero((trials > 0).any(axis=0)):
        b = stats.binom.pmf(k[None, :], trials[:, s][:, None], probs[:, s][:, None])
        new = np.zeros_like(pmf)
        for j in range(size):
            new[:, j:] += pmf[:, j : j + 1] * b[:, : size - j]
        pmf = new
    return pmf.sum(axis=1)


def best_of(tests: list[pa.Table], keys: tuple[str, str]) -> pa.Table:
    """One row per key from several tests of it: the row with the smallest p-value (ties: the
    narrowest ``window_seconds`` when there is one), that p-value multiplied by the number of
    tests (Bonferroni)."""
    k = len(tests)
    table = pa.concat_tables(tests)
    if k > 1 and table.num_rows:
        sort_keys = [(keys[0], "ascending"), (keys[1], "ascending"), ("p_value", "ascending")]
        if "window_seconds" in table.column_names:
            sort_keys.append(("window_seconds", "ascending"))
        table = table.take(pc.sort_indices(table, sort_keys=sort_keys))
        a = table[keys[0]].to_numpy(zero_copy_only=False)
        b = table[keys[1]].to_numpy(zero_copy_only=False)
        first = np.ones(table.num_rows, dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        table = table.filter(pa.array(first))
    p = np.minimum(table["p_value"].to_numpy() * k, 1.0)
    return table.set_column(
        table.column_names.index("p_value"), "p_value", pa.array(p, pa.float64())
    )


def combine_windows(
    per_window: list[pa.Table], n_tests: int, keys: tuple[str, str] = ("actor", "actor_y")
) -> pa.Table:
    """One row per key (a pair by default): its row from the window with the smallest p-value,
    that p-value multiplied by the number of windows (:func:`best_of`), then ``q_value``
    (Benjamini-Hochberg over ``n_tests`` tests) and ``strength`` (-log10 p)."""
    table = best_of(per_window, keys)
    p = table["p_value"].to_numpy()
    q = bh_qvalues(p, n_tests)
    strength = np.minimum(-np.log10(np.maximum(p, 1e-300)), MAX_LOG10)
    table = table.append_column("q_value", pa.array(q, pa.float64()))
    return table.append_column("strength", pa.array(strength, pa.float64()))


def keep_significant(pairs: pa.Table, alpha: float) -> pa.Table:
    """The pairs whose Benjamini-Hochberg q-value is at most ``alpha``."""
    return pairs.filter(pc.less_equal(pairs["q_value"], alpha))
