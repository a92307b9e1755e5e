"""Coordination in time: how far a registration's cell (channel x device) runs above its own
organic rate at the moment it arrives.

A cell's organic rate is its robust level (the median of its 3-hour counts over the surrounding
three days, with the log's daily rhythm divided out; ``level_quantile`` picks another quantile)
times the daily rhythm. A wave that follows a call lasts hours, not days, so it cannot move that
median; a cell that is always busy is not a surge. The *surge ratio* of a bin is the share of its registrations above the organic rate,
``(n - baseline) / n``, set to 0 unless the excess is beyond Poisson noise (p < 0.001): it is the
probability that a registration in that cell and bin would not have come organically.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.ndimage import percentile_filter, uniform_filter1d

BIN_SECONDS = 900
DAY_SECONDS = 86_400
BLOCK_BINS = 12  # 3-hour blocks for the robust level
WINDOW_HOURS = 72
# Surge buckets: 0 = none; then (0, .5), [.5, .8), [.8, .95), [.95, 1].
BUCKET_EDGES = (0.5, 0.8, 0.95)
N_BUCKETS = len(BUCKET_EDGES) + 2


@dataclass
class Surge:
    """Per-registration surge ratio and bucket, and the per-cell series behind them."""

    ratio: np.ndarray
    bucket: np.ndarray
    start: float  # epoch seconds of bin 0
    bin_seconds: int
    counts: np.ndarray  # (cells, bins)
    baseline: np.ndarray  # (cells, bins)


def measure_surges(
    times: np.ndarray,
    cells: np.ndarray,
    n_cells: int,
    *,
    bin_seconds: int = BIN_SECONDS,
    weights: np.ndarray | None = None,
    level_quantile: float = 50.0,
) -> Surge:
    """Surge ratio of each registration, given its time (epoch seconds) and cell index.
    ``weights``: how many times each registration counts (a bootstrap's draw), 1 by default.
    ``level_quantile``: the percentile of the 3-hour rates taken as a cell's level (the median
    by default; lower holds when waves fill much of the surrounding days).

    Example
    -------
    >>> rng = np.random.default_rng(0)
    >>> quiet = rng.uniform(0, 4 * 86400, 2000)               # one cell, steady for four days
    >>> wave = 2 * 86400 + rng.uniform(0, 3600, 300)         # 300 more in one hour
    >>> s = measure_surges(np.r_[quiet, wave], np.zeros(2300, int), 1)
    >>> bool(s.ratio[2000:].mean() > 0.8), bool(s.ratio[:2000].mean() < 0.1)
    (True, True)
    """
    times = np.asarray(times, float)
    cells = np.asarray(cells, np.int64)
    if times.size == 0:
        z = np.zeros(0)
        return Surge(
            z, z.astype(np.int8), 0.0, bin_seconds, np.zeros((n_cells, 0)), np.zeros((n_cells, 0))
        )
    start = np.floor(times.min() / bin_seconds) * bin_seconds
    b = ((times - start) // bin_seconds).astype(np.int64)
    n_bins = int(b.max()) + 1
    counts = np.bincount(cells * n_bins + b, weights, minlength=n_cells * n_bins)
    counts = np.rint(counts).astype(np.int64).reshape(n_cells, n_bins)
    baseline = _baseline(counts.astype(float), start, bin_seconds, level_quantile)
    # Judge each bin with its neighbours (45 minutes): steadier, still sharp enough for a wave.
    n3 = uniform_filter1d(counts.astype(float), 3, axis=1, mode="nearest") * 3
    b3 = uniform_filter1d(baseline, 3, axis=1, mode="nearest") * 3
    significant = stats.poisson.sf(n3 - 1, b3) < 1e-3
    ratio_cb = np.where(
        significant & (n3 > 0), np.clip((n3 - b3) / np.maximum(n3, 1e-9), 0, 1), 0.0
    )
    ratio = ratio_cb[cells, b]
    return Surge(
        ratio, bucket_of(ratio).astype(np.int8), float(start), bin_seconds, counts, baseline
    )


def bucket_of(ratio):
    """Surge bucket of a surge ratio, or of each of an array of them (0: no surge)."""
    r = np.asarray(ratio, float)
    return np.where(r <= 0, 0, 1 + np.searchsorted(BUCKET_EDGES, r, side="right"))


def _baseline(
    counts: np.ndarray, start: float, bin_seconds: int, level_quantile: float = 50.0
) -> np.ndarray:
    n_cells, n_bins = counts.shape
    per_day = DAY_SECONDS // bin_seconds
    slot = ((start // bin_seconds + np.arange(n_bins)) % per_day).astype(np.int64)
    profile = _daily_profile(counts.sum(axis=0), slot, per_day)
    rhythm = profile[slot]
    deseason = counts / rhythm
    # Robust level: median (or level_quantile) of 3-hour block rates over the surrounding days.
    n_blocks = -(-n_bins // BLOCK_BINS)
    padded = np.zeros((n_cells, n_blocks * BLOCK_BINS))
    padded[:, :n_bins] = deseason
    blocks = padded.reshape(n_cells, n_blocks, BLOCK_BINS).sum(axis=2)
    if n_blocks * BLOCK_BINS > n_bins:  # the last, partial block as a full-block rate
        blocks[:, -1] *= BLOCK_BINS / (n_bins - (n_blocks - 1) * BLOCK_BINS)
    width = max(3, int(WINDOW_HOURS * 3600 / bin_seconds / BLOCK_BINS) | 1)
    width = min(width, n_blocks if n_blocks % 2 else max(n_blocks - 1, 1))
    level = percentile_filter(blocks, level_quantile, size=(1, width), mode="nearest") / BLOCK_BINS
    # A floor: a cell never expected at less than a tenth of its quietest typical rate, nor
    # below one registration a day.
    floor = np.maximum(
        np.percentile(blocks, 25, axis=1, keepdims=True) / BLOCK_BINS * 0.1, 1.0 / per_day
    )
    level = np.maximum(level, floor)
    per_bin = np.repeat(level, BLOCK_BINS, axis=1)[:, :n_bins]
    return per_bin * rhythm


def _daily_profile(total: np.ndarray, slot: np.ndarray, per_day: int) -> np.ndarray:
    """Relative registrations by time of day (mean 1), the median over days: a wave on one
    evening does not become everyone's evening."""
    n_days = total.size // per_day
    if n_days < 2:
        return np.ones(per_day)
    first = (per_day - slot[0]) % per_day  # start at a day boundary
    days = total[first : first + ((total.size - first) // per_day) * per_day].reshape(-1, per_day)
    if days.shape[0] < 2:
        return np.ones(per_day)
    days = days / np.maximum(days.mean(axis=1, keepdims=True), 1e-9)
    profile = np.median(days, axis=0)
    # Smooth over an hour either side (the profile wraps round midnight).
    k = max(1, 3600 // (DAY_SECONDS // per_day))
    profile = uniform_filter1d(profile, 2 * k + 1, mode="wrap")
    profile = np.maximum(profile, 0.1 * max(profile.mean(), 1e-9))
    return profile / profile.mean()
