"""How surprising is a pair's co-action, given how busy the actors and the objects are?

The null model (a first version; the Significance issue refines it): actors act on objects
independently, each actor ``i`` with its own activity ``k_i``, each object ``o`` with its own
popularity ``n_o`` and its own burst tightness ``q_o`` (the share of pairs of its actions that fall
within the window — a viral cascade is tight, an everyday hashtag is loose). Then the expected
number of objects on which ``i`` and ``j`` co-act is::

    E_ij = k_i * k_j * sum_o (n_o / N)**2 * q_o

Heavy users (large ``k``) and viral objects (large ``n_o`` and ``q_o``) raise the expectation, so
co-acting with them proves little. The observed count is compared with a Poisson law of that mean
(conservative: a sum of independent Bernoulli trials with the same mean has a thinner tail), and the
p-values are corrected for every possible pair of actors with Benjamini-Hochberg.

References
----------
Benjamini & Hochberg 1995, Controlling the false discovery rate. Pacheco et al. 2021, Uncovering
coordinated networks on social media (ICWSM).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import stats

# -log10 p is capped here so that scores stay finite when p underflows.
MAX_LOG10 = 300.0


def chance_rate(objects: pa.Table, n_actions: int) -> float:
    """``sum_o (n_o / N)**2 * q_o``: the chance co-action rate per pair of actions."""
    if n_actions == 0 or objects.num_rows == 0:
        return 0.0
    n = objects["actions"].to_numpy().astype(float)
    close = objects["close_pairs"].to_numpy().astype(float)
    # n**2 * q = n**2 * close / (n (n-1) / 2) = 2 * close * n / (n - 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        term = np.where(n > 1, 2.0 * close * n / (n - 1.0), 0.0)
    return float(term.sum() / (float(n_actions) ** 2))


def expected_weights(pairs: pa.Table, actors: pa.Table, rate: float) -> np.ndarray:
    """``E_ij = k_i * k_j * rate`` for every pair."""
    index = {
        a: k
        for a, k in zip(actors["actor"].to_pylist(), actors["actions"].to_pylist(), strict=True)
    }
    k1 = np.array([index[a] for a in pairs["actor"].to_pylist()], dtype=float)
    k2 = np.array([index[a] for a in pairs["actor_y"].to_pylist()], dtype=float)
    return k1 * k2 * rate


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


def score_pairs(pairs: pa.Table, actors: pa.Table, objects: pa.Table, n_actions: int) -> pa.Table:
    """Add ``expected, p_value, q_value`` and ``strength`` (-log10 p) to co-action pairs."""
    n_actors = actors.num_rows
    rate = chance_rate(objects, n_actions)
    expected = expected_weights(pairs, actors, rate)
    p = poisson_pvalues(pairs["weight"].to_numpy(), expected)
    q = bh_qvalues(p, n_actors * (n_actors - 1) // 2)
    strength = np.minimum(-np.log10(np.maximum(p, 1e-300)), MAX_LOG10)
    out = pairs
    for name, values in (
        ("expected", expected),
        ("p_value", p),
        ("q_value", q),
        ("strength", strength),
    ):
        out = out.append_column(name, pa.array(values, pa.float64()))
    return out


def keep_significant(pairs: pa.Table, alpha: float) -> pa.Table:
    """The pairs whose Benjamini-Hochberg q-value is at most ``alpha``."""
    return pairs.filter(pc.less_equal(pairs["q_value"], alpha))
