"""Audiences: reacting to one account's posts is what its audience does.

A fan base reacts to an account's posts again and again, each fan at its own rate and pace; an
amplification network reacts to them in lockstep, far tighter than those habits explain.
:class:`AudienceModel` is the null model of the first, against which the pair test
(:func:`concerted.significance.score_pairs`) and the group test (:func:`score_group_reactions`)
judge reactions to the posts of sources with an audience (see
:meth:`concerted.engines.base.Engine.count_co_actions`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse, special, stats

from .schema import Log


@dataclass(frozen=True)
class AudienceModel:
    """The null model of an audience: reacting to one account's posts is what its audience does.

    The objects of a source ``S`` with two objects or more (an account whose posts the log holds
    reactions to) are ``S``'s posts. Each actor ``i`` reacted to ``r_iS`` of them (its own habit
    of following ``S``), each post ``p`` drew ``n_p`` of the ``N_S`` reactions to ``S``, and
    each actor reacts after a delay of its own: ``m_iS`` (its median delay after ``S``'s posts)
    times a log-normal spread of its own (drawn towards the audience's when it reacted only a
    few times). Two actors who pick posts in proportion to their popularity and react
    at their own pace meet on::

        A_ij = sum_S P(|D_iS - D_jS| <= window) * r_iS * r_jS * sum_{p in S} (n_p / N_S)**2

    of them by chance (the sum over sources other than ``i`` and ``j``), or, if that is more,
    as often as the audience does: ``sum_S r_iS * r_jS * sum_{p in S} (n_p / N_S)**2 * q_p``
    where ``q_p`` is the share of pairs of ``p``'s reactions within the window (a hashtag used
    for days is no post that people react to, but its busy hours are tight all the same).
    Fans meet as often as their habits or their audience make them; a network that reacts to the same posts in the same few seconds,
    post after post, at a moment that varies from post to post, does not. No person reacts to
    an account's posts within seconds as a habit: a median delay below
    :data:`HUMAN_DELAY_SECONDS` counts as that long, so accounts that always fire within seconds
    of a post are not excused by their own speed.

    Attributes
    ----------
    counts
        ``r_iS``, actors x audience sources (sparse).
    rate
        Each audience source's ``sum_{p in S} (n_p / N_S)**2`` and the same with each term
        times ``q_p`` (audience sources x 2).
    actor_source
        For each actor, its column in ``counts`` when it is an audience source itself, else -1.
    delay
        Each actor's median delay after the posts of each source it reacted to (at least
        :data:`HUMAN_DELAY_SECONDS`; actors x audience sources, sparse).
    spread
        The spread of each actor's log delays around that median (same shape).
    window
        The window the model is for, in seconds.
    """

    names: pa.Array
    counts: sparse.csr_matrix
    rate: np.ndarray
    actor_source: np.ndarray
    delay: sparse.csr_matrix
    spread: sparse.csr_matrix
    window: float
    object_column: np.ndarray  # each object's column in counts, or -1
    objects: pa.Array | None = None  # the objects, in the engine's order
    share: np.ndarray | None = None  # each object's n_p / N_S at the window (0: no post)

    @classmethod
    def fit(cls, log: Log, objects: pa.Table, window: float) -> AudienceModel:
        """The model of ``log`` at ``window`` seconds, given the engine's object statistics
        (``object, actions, close_pairs, source, audience``). The habits do not depend on the
        window: :meth:`at` gives the model at another window cheaply."""
        src = pc.dictionary_encode(objects["source"]).combine_chunks()
        s_idx = src.indices.to_numpy(zero_copy_only=False)
        posts = in_audiences(objects)
        audience = np.bincount(s_idx, weights=posts, minlength=len(src.dictionary)) > 0
        column = np.cumsum(audience) - 1  # source -> its column among audience sources
        object_column = np.where(posts, column[s_idx], -1)
        names = pc.unique(log.table["actor"])
        o_idx = pc.index_in(log.table["object"], value_set=objects["object"]).to_numpy(
            zero_copy_only=False
        )
        a_idx = pc.index_in(log.table["actor"], value_set=names).to_numpy(zero_copy_only=False)
        col = object_column[o_idx]
        is_source = pc.index_in(names, value_set=src.dictionary).to_numpy(zero_copy_only=False)
        is_source = np.nan_to_num(np.asarray(is_source, dtype=float), nan=-1).astype(np.int64)
        actor_source = np.where(
            (is_source >= 0) & audience[np.maximum(is_source, 0)], column[is_source], -1
        )
        # Reactions: actions on an audience source's posts by anyone but the source.
        react = (col >= 0) & (actor_source[a_idx] != col)
        counts = sparse.csr_matrix(
            (np.ones(int(react.sum())), (a_idx[react], col[react])),
            shape=(len(names), int(audience.sum())),
        )
        counts.sum_duplicates()
        delay, spread = _reaction_habits(log, o_idx, a_idx, col, react, counts.shape)
        empty = np.zeros((counts.shape[1], 2))
        model = cls(
            names, counts, empty, actor_source, delay, spread, 0.0, object_column,
            objects["object"].combine_chunks() if isinstance(objects["object"], pa.ChunkedArray)
            else objects["object"],
        )  # fmt: skip
        return model.at(objects, window)

    def at(self, objects: pa.Table, window: float) -> AudienceModel:
        """The same audiences at ``window`` seconds: the engine's object statistics at that
        window (in the same order as those the model was fitted on) give each source's
        ``sum (n_p / N_S)**2`` and its tightness."""
        posts = self.object_column >= 0
        col = self.object_column[posts]
        n_o = objects["actions"].to_numpy().astype(float)[posts]
        close = objects["close_pairs"].to_numpy().astype(float)[posts]
        n_cols = self.counts.shape[1]
        n_s = np.bincount(col, weights=n_o, minlength=n_cols)
        with np.errstate(divide="ignore", invalid="ignore"):
            # n**2 * q = n**2 * close / (n (n-1) / 2) = 2 * close * n / (n - 1)
            tight = np.where(n_o > 1, 2.0 * close * n_o / (n_o - 1.0), 0.0)
            rate = np.stack(
                [
                    np.bincount(col, weights=n_o**2, minlength=n_cols) / n_s**2,
                    np.bincount(col, weights=tight, minlength=n_cols) / n_s**2,
                ],
                axis=1,
            )
        rate = np.where(n_s[:, None] > 0, rate, 0.0)
        share = np.zeros(len(self.object_column))
        with np.errstate(divide="ignore", invalid="ignore"):
            share[posts] = np.where(n_s[col] > 0, n_o / n_s[col], 0.0)
        return replace(self, rate=rate, window=float(window), share=share)

    def pair_expected(self, actor: pa.Array, actor_y: pa.Array) -> np.ndarray:
        """``A_ij`` for each pair (see the class docstring)."""
        i = pc.index_in(actor, value_set=self.names).to_numpy(zero_copy_only=False)
        j = pc.index_in(actor_y, value_set=self.names).to_numpy(zero_copy_only=False)
        if not len(i) or not self.counts.shape[1]:
            return np.zeros(len(i))
        both = self.counts[i].multiply(self.counts[j])
        expected = np.asarray(both @ self.rate)  # (pairs, 2): met at all, met in step
        # A source is not its own audience: its posts count only for pairs it is not in.
        for own in (self.actor_source[i], self.actor_source[j]):
            has = np.flatnonzero(own >= 0)
            if len(has):
                c = own[has]
                n_both = (
                    np.asarray(self.counts[i[has], c]).ravel()
                    * np.asarray(self.counts[j[has], c]).ravel()
                )
                expected[has] -= n_both[:, None] * self.rate[c]
        expected = np.maximum(expected, 0.0)
        # Met in step by their own habits: each shared source's term times the chance that
        # the two, at their own pace on that source, react within the window of each other.
        shared = both.tocoo()
        if shared.nnz:
            pair, source = shared.row, shared.col
            close = _close_in_time(
                np.asarray(self.delay[i[pair], source]).ravel(),
                np.asarray(self.spread[i[pair], source]).ravel(),
                np.asarray(self.delay[j[pair], source]).ravel(),
                np.asarray(self.spread[j[pair], source]).ravel(),
                self.window,
            )
            own = (self.actor_source[i][pair] == source) | (self.actor_source[j][pair] == source)
            terms = shared.data * self.rate[source, 0] * close * ~own
            habits = np.bincount(pair, weights=terms, minlength=len(i))
        else:
            habits = np.zeros(len(i))
        # The more generous of the two: the audience's own tightness, or the pair's habits.
        return np.maximum(expected[:, 1], habits)


# An account whose median delay after a post is below this is modelled as taking this long: a
# person who follows an account reacts in minutes, a notified fan in tens of seconds; firing
# within seconds of post after post is automation, and must not be excused as a habit.
HUMAN_DELAY_SECONDS = 30.0


def in_audiences(objects: pa.Table) -> np.ndarray:
    """Which of the engine's ``objects`` are posts of a source with an audience (their
    ``audience`` column: see :meth:`~concerted.engines.base.Engine.count_co_actions`)."""
    return objects["audience"].to_numpy(zero_copy_only=False).astype(bool)


def _reaction_habits(
    log: Log,
    o_idx: np.ndarray,
    a_idx: np.ndarray,
    col: np.ndarray,
    react: np.ndarray,
    shape: tuple[int, int],
) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
    """Each actor's habits on the posts of each audience source it reacted to (actors x
    audience sources, sparse): its median delay after the first action on them (the post itself
    when the log holds it), floored at :data:`HUMAN_DELAY_SECONDS`, and the spread of its log
    delays around it (robust: 1.4826 x the median absolute deviation), drawn towards the
    audience's typical spread when it reacted only a few times, and at least that typical spread
    when its median was floored (a habit faster than a person's is modelled as a person's)."""
    t = log.table["time"].to_numpy()
    first = np.full(int(o_idx.max()) + 1 if len(o_idx) else 1, np.inf)
    np.minimum.at(first, o_idx, t)
    logd = np.log(np.maximum(t[react] - first[o_idx[react]], 1.0))
    width = max(shape[1], 1)
    key = a_idx[react].astype(np.int64) * width + col[react]
    order = np.lexsort((logd, key))
    key, logd = key[order], logd[order]
    keys, starts, sizes = np.unique(key, return_index=True, return_counts=True)

    def medians(values: np.ndarray) -> np.ndarray:  # values sorted within each key
        lo, hi = starts, starts + sizes - 1
        return (values[lo + (hi - lo) // 2] + values[lo + (hi - lo + 1) // 2]) / 2.0

    median = medians(logd)
    deviation = np.abs(logd - np.repeat(median, sizes))
    order = np.lexsort((deviation, np.repeat(np.arange(len(keys)), sizes)))
    own = 1.4826 * medians(deviation[order]) if len(keys) else np.zeros(0)
    settled = sizes >= 5
    typical = float(np.median(own[settled])) if settled.any() else 1.0
    typical = float(np.clip(typical, 0.3, 2.0))
    spread = np.sqrt((sizes * own**2 + _PRIOR_REACTIONS * typical**2) / (sizes + _PRIOR_REACTIONS))
    rows, cols = keys // width, keys % width
    # Faster than a person: modelled as a typical person at the fastest human pace.
    superhuman = median < np.log(HUMAN_DELAY_SECONDS)
    spread = np.where(superhuman, np.maximum(spread, typical), spread)
    delay = np.exp(np.maximum(median, np.log(HUMAN_DELAY_SECONDS)))
    return (
        sparse.csr_matrix((delay, (rows, cols)), shape=shape),
        sparse.csr_matrix((np.clip(spread, 0.2, 2.5), (rows, cols)), shape=shape),
    )


# An actor's own spread of delays counts as much as this many reactions at the audience's.
_PRIOR_REACTIONS = 3
_QUANTILES = stats.norm.ppf((np.arange(16) + 0.5) / 16)


def _close_in_time(
    m_i: np.ndarray, s_i: np.ndarray, m_j: np.ndarray, s_j: np.ndarray, window: float
) -> np.ndarray:
    """P(|D_i - D_j| <= window) for independent log-normal delays of medians ``m`` and log
    spreads ``s``: the mean over 16 quantiles ``x`` of ``D_i`` of P(x - window <= D_j <= x +
    window)."""
    x = m_i[:, None] * np.exp(s_i[:, None] * _QUANTILES[None, :])
    mu, s = np.log(m_j)[:, None], s_j[:, None]
    upper = special.ndtr((np.log(x + window) - mu) / s)
    with np.errstate(divide="ignore"):
        lower = special.ndtr((np.log(np.maximum(x - window, 0.0)) - mu) / s)
    return (upper - lower).mean(axis=1)


def score_group_reactions(
    log: Log, model: AudienceModel, hits: pa.Table, group_objects: pa.Table
) -> pa.Table:
    """The group test on the posts of sources with an audience: is it chance that an actor
    reacted, in step with the group, to that many of the posts the group reacted to together?

    ``hits`` and ``group_objects`` are the engine's group co-action tables
    (:class:`~concerted.engines.base.GroupCoActionTables`) restricted to such posts. By chance,
    actor ``a`` reacts to post ``p`` of source ``S`` with probability ``r_aS * n_p / N_S`` (its
    own rate of reacting to ``S``, spread over ``S``'s posts by their popularity) and, when it
    does, falls in step with the group with the probability that its own delay after ``S``'s
    posts (its habit: median and spread, see :class:`AudienceModel`) lands within the window of
    the group's reactions to ``p``. The expected count is the sum over the group's posts; the
    observed one is compared with a Poisson law of that mean. A fan reacting at its own pace
    meets a network's posts as often as its habits make it; a member of the network meets them
    every time.

    Returns one row per (group, actor) of ``hits``: ``group, actor, objects, sources, observed,
    expected, p_value``, as :func:`concerted.significance.score_memberships` does.
    """
    # A source's own posts are not reactions: an account is not its own audience.
    hits = hits.filter(pc.not_equal(hits["actor"], hits["source"]))
    keys = hits.group_by(["group", "actor"]).aggregate([("object", "count_distinct")])
    # Reacting in step once is what anyone may do: only two or more are tested.
    keys = keys.filter(pc.greater_equal(keys["object_count_distinct"], 2))
    keys = keys.sort_by([("group", "ascending"), ("actor", "ascending")])
    n_keys = keys.num_rows
    if not n_keys:
        return _NO_REACTIONS
    w = model.window
    # Each group's reactions to each of its posts: when, after the post's first action.
    table = log.table.select(["actor", "object", "time"])
    start = table.group_by("object").aggregate([("time", "min")])
    steps = group_objects.select(["group", "object", "actor"]).join(
        table, keys=["object", "actor"], join_type="inner"
    )
    span = steps.group_by(["group", "object"]).aggregate([("time", "min"), ("time", "max")])
    span = span.join(start.rename_columns(["object", "start"]), keys="object")
    o = pc.index_in(span["object"], value_set=model.objects).to_numpy(zero_copy_only=False)
    span = span.append_column("c", pa.array(model.object_column[o])).append_column(
        "share", pa.array(model.share[o])
    )
    # Summed over at most SAMPLED_POSTS posts of each source in each group, evenly spread, and
    # scaled up: an actor's chance is crossed with the posts of the sources it reacts to.
    span = span.sort_by([("group", "ascending"), ("c", "ascending"), ("object", "ascending")])
    cell = span["group"].to_numpy() * (model.counts.shape[1] + 1) + span["c"].to_numpy()
    _, first, size = np.unique(cell, return_index=True, return_counts=True)
    take = np.concatenate([
        f + np.unique(np.linspace(0, n - 1, min(n, SAMPLED_POSTS)).round().astype(np.int64))
        for f, n in zip(first, size, strict=True)
    ]) if len(first) else np.zeros(0, np.int64)  # fmt: skip
    weight = np.repeat(size / np.minimum(size, SAMPLED_POSTS), np.minimum(size, SAMPLED_POSTS))
    span = span.take(pa.array(take)).append_column("weight", pa.array(weight))
    # Every tested actor with each source it reacts to, and that source's posts in its group.
    a_of_key = pc.index_in(keys["actor"], value_set=model.names).to_numpy(zero_copy_only=False)
    rows = model.counts[a_of_key]
    follows = pa.table(
        {
            "key": pa.array(np.repeat(np.arange(n_keys), np.diff(rows.indptr)), pa.int64()),
            "group": keys["group"].take(
                pa.array(np.repeat(np.arange(n_keys), np.diff(rows.indptr)))
            ),
            "c": pa.array(rows.indices.astype(np.int64)),
            "r": pa.array(rows.data),
        }
    )
    cross = follows.join(span, keys=["group", "c"], join_type="inner")
    key = cross["key"].to_numpy()
    a = a_of_key[key]
    col = cross["c"].to_numpy()
    reacts = cross["r"].to_numpy() * cross["share"].to_numpy()
    m = np.asarray(model.delay[a, col]).ravel()
    s = np.asarray(model.spread[a, col]).ravel()
    known = m > 0
    lo = cross["time_min"].to_numpy() - cross["start"].to_numpy() - w
    hi = cross["time_max"].to_numpy() - cross["start"].to_numpy() + w
    in_step = np.zeros(len(key))
    with np.errstate(divide="ignore", invalid="ignore"):
        z_hi = (np.log(np.maximum(hi, 1e-9)) - np.log(m)) / s
        z_lo = (np.log(np.maximum(lo, 1e-9)) - np.log(m)) / s
        in_step[known] = special.ndtr(z_hi[known]) - np.where(
            lo[known] > 0, special.ndtr(z_lo[known]), 0.0
        )
    chance = np.minimum(reacts, 1.0) * np.clip(in_step, 0.0, 1.0) * cross["weight"].to_numpy()
    expected = np.bincount(key, weights=chance, minlength=n_keys)
    observed = keys["object_count_distinct"].to_numpy()
    p = stats.poisson.sf(observed - 1, np.maximum(expected, 1e-300))
    hits = hits.join(
        keys.select(["group", "actor"]), keys=["group", "actor"], join_type="left semi"
    )
    sources = hits.group_by(["group", "actor"]).aggregate([("source", "count_distinct")])
    sources = keys.join(sources, keys=["group", "actor"]).sort_by(
        [("group", "ascending"), ("actor", "ascending")]
    )
    return pa.table(
        {
            "group": keys["group"],
            "actor": keys["actor"],
            "objects": keys["object_count_distinct"],
            "sources": pc.cast(sources["source_count_distinct"], pa.int64()),
            "observed": pc.cast(keys["object_count_distinct"], pa.int64()),
            "expected": pa.array(expected, pa.float64()),
            "p_value": pa.array(p, pa.float64()),
        }
    )


# Posts per group over which an actor's chance of reacting in step is summed (and scaled up).
SAMPLED_POSTS = 64
_NO_REACTIONS = pa.schema(
    [("group", pa.int64()), ("actor", pa.string()), ("objects", pa.int64()),
     ("sources", pa.int64()), ("observed", pa.int64()), ("expected", pa.float64()),
     ("p_value", pa.float64())]
).empty_table()  # fmt: skip
