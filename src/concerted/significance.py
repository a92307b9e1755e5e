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
Benjamini-Hochberg.

This is the first version of the null model; what it cannot see yet (a group that only ever
amplifies one account; campaigns whose members also dominate the objects' organic activity) is
listed in the Significance issue.

References
----------
Benjamini & Hochberg 1995, Controlling the false discovery rate. Pacheco et al. 2021, Uncovering
coordinated networks on social media (ICWSM). Newman 2001 and Saracco et al. 2017 on bipartite
configuration null models.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

from .schema import Log

# -log10 p is capped here so that scores stay finite when p underflows.
MAX_LOG10 = 300.0


def expected_weights(pairs: pa.Table, log: Log, objects: pa.Table) -> np.ndarray:
    """``E_ij`` for every pair (see the module docstring)."""
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
    stratum = stratum_of_object[o_idx]
    names = pc.unique(log.table["actor"])
    a_idx = pc.index_in(log.table["actor"], value_set=names).to_numpy(zero_copy_only=False)
    counts = np.zeros((len(names), n_strata))
    np.add.at(counts, (a_idx, stratum), 1.0)
    n_s = np.bincount(stratum, minlength=n_strata).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.bincount(stratum_of_object, weights=terms, minlength=n_strata) / n_s**2
    rate = np.where(n_s > 0, rate, 0.0)
    i = pc.index_in(pairs["actor"], value_set=names).to_numpy(zero_copy_only=False)
    j = pc.index_in(pairs["actor_y"], value_set=names).to_numpy(zero_copy_only=False)
    return (counts[i] * counts[j] * rate).sum(axis=1)


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


def score_pairs(pairs: pa.Table, log: Log, objects: pa.Table) -> pa.Table:
    """Add ``expected`` and ``p_value`` to the co-action pairs of one window.

    The observed count is ``sources`` when present (objects that share a source count once),
    else ``weight``.
    """
    expected = expected_weights(pairs, log, objects)
    observed = pairs["sources" if "sources" in pairs.column_names else "weight"].to_numpy()
    p = poisson_pvalues(observed, expected)
    out = pairs.append_column("expected", pa.array(expected, pa.float64()))
    return out.append_column("p_value", pa.array(p, pa.float64()))


def combine_windows(per_window: list[pa.Table], n_tests: int) -> pa.Table:
    """One row per pair: its row from the window with the smallest p-value, that p-value
    multiplied by the number of windows (Bonferroni), then ``q_value`` (Benjamini-Hochberg over
    ``n_tests`` pairs) and ``strength`` (-log10 p)."""
    k = len(per_window)
    table = pa.concat_tables(per_window)
    if k > 1 and table.num_rows:
        order = pc.sort_indices(
            table,
            sort_keys=[
                ("actor", "ascending"),
                ("actor_y", "ascending"),
                ("p_value", "ascending"),
                ("window_seconds", "ascending"),
            ],
        )
        table = table.take(order)
        a = table["actor"].to_numpy(zero_copy_only=False)
        b = table["actor_y"].to_numpy(zero_copy_only=False)
        first = np.ones(table.num_rows, dtype=bool)
        first[1:] = (a[1:] != a[:-1]) | (b[1:] != b[:-1])
        table = table.filter(pa.array(first))
    p = np.minimum(table["p_value"].to_numpy() * k, 1.0)
    q = bh_qvalues(p, n_tests)
    strength = np.minimum(-np.log10(np.maximum(p, 1e-300)), MAX_LOG10)
    table = table.set_column(
        table.column_names.index("p_value"), "p_value", pa.array(p, pa.float64())
    )
    table = table.append_column("q_value", pa.array(q, pa.float64()))
    return table.append_column("strength", pa.array(strength, pa.float64()))


def keep_significant(pairs: pa.Table, alpha: float) -> pa.Table:
    """The pairs whose Benjamini-Hochberg q-value is at most ``alpha``."""
    return pairs.filter(pc.less_equal(pairs["q_value"], alpha))
