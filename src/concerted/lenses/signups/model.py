"""Risk: the probability that a registration belongs to a fake wave, from a latent-class model
fitted to the log itself (no labels).

Classes: **genuine** (G); **careful fakes** (C), whose identity is drawn exactly like a genuine
person's (same distributions as G, by assumption: that is what careful means) but whose IP
crowding has its own distribution; and a few sub-classes of **obvious fakes** (O_k), each with its
own identity and IP distributions (one product of independent features cannot say "at least one
tell", a mixture of a few can). C and the O_k together are the wave, W, mixed in global
proportions: the same calls bring the same mix of careers and pranksters everywhere.

Where a registration arrives says how likely it is to be in the wave before its identity is
looked at. Its cell (channel x device) at its moment has a surge ratio s (:mod:`.surge`): the share
of the cell's registrations then above its organic baseline. The prior is

    P(W) = s * w[cell] + (1 - s) * beta[cell]

``w[cell]``: how much of the cell's surges is the wave (an organic spike such as a news mention
surges too, but brings no obvious fakes, so its ``w`` is learned to be near 0); ``beta[cell]``: the
wave's share of the cell's ordinary traffic. Both are fitted by EM with the class parameters. The
genuine share of a surging moment is therefore held to its baseline, which is what identifies
careful fakes: the obvious fakes show which cells' surges are the wave, and everything in such a
surge beyond the baseline is the wave, however ordinary it looks.

One thing the data cannot tell is the scale between "the wave is mostly obvious fakes and only part
of the surge" and "the wave is partly careful and all of the surge": both fit equally. The model
takes the second reading for the cell whose surge is most clearly the wave (largest ``w`` among
cells with a real surge, set to 1): the surge in the wave's own channel is the wave.

Features are categorical, so the fit runs on distinct feature patterns with their counts (a few
thousand, whatever the log's size): a million registrations fit in well under a second, and a
bootstrap of the fit costs little. Risk = 1 - P(G | pattern).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .signals import FEATURES
from .surge import N_BUCKETS as N_SURGE_BUCKETS
from .surge import bucket_of

IDENTITY = ("email", "name", "phone", "phone_reused", "postcode")
# Obvious fakes come as a few sub-classes, each with its own identity distributions: one product of
# independent features cannot say "at least one tell", a mixture of a few can.
N_OBVIOUS = 5
CLASSES = ("genuine", "careful") + tuple(f"obvious_{k + 1}" for k in range(N_OBVIOUS))
# Identity codes that count as an obvious tell when starting the fit (not a rule at the end).
TELLS = {"email": (2, 3), "name": (2, 3), "phone": (2, 3, 4), "phone_reused": (1,)}
PRIOR = 0.5  # Dirichlet pseudo-count per cell of each distribution
# What is known before any data: a genuine person's identity rarely shows an obvious tell. The
# genuine-like distributions start from this many registrations' worth of tell-free identities
# (nothing next to a real log's thousands; enough that a log of six registrations is not read
# as six genuine people whatever they show).
GENUINE_PRIOR = 20.0


@dataclass
class Patterns:
    """Registrations collapsed to distinct feature patterns."""

    moment: np.ndarray  # per pattern
    identity: dict[str, np.ndarray]
    ip: np.ndarray
    counts: np.ndarray
    of_row: np.ndarray  # pattern index of each registration
    n_moments: int


@dataclass
class Fit:
    """Fitted parameters of the model; classes as in ``CLASSES``."""

    log_identity: dict[
        str, np.ndarray
    ]  # feature -> (1 + N_OBVIOUS, levels): genuine-like, obvious_k
    log_ip: np.ndarray  # (classes, levels)
    rho: np.ndarray  # (1 + N_OBVIOUS,): the wave's mix of careful, obvious_k
    w: np.ndarray  # (cells,): the wave's share of a cell's surges
    beta: np.ndarray  # (cells,): the wave's share of a cell's ordinary traffic
    n_buckets: int = 1
    theta: np.ndarray | None = None  # (n_buckets,): the surge share each surge bucket stands for
    iterations: int = 0
    loglik: float = float("nan")
    history: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "classes": [
                "genuine",
                "careful",
                *(f"obvious_{k + 1}" for k in range(self.rho.size - 1)),
            ],
            "identity": {k: np.exp(v).round(8).tolist() for k, v in self.log_identity.items()},
            "ip": np.exp(self.log_ip).round(8).tolist(),
            "rho": self.rho.round(8).tolist(),
            "w": self.w.round(8).tolist(),
            "beta": self.beta.round(8).tolist(),
            "n_buckets": self.n_buckets,
            "theta": None if self.theta is None else self.theta.round(8).tolist(),
            "iterations": self.iterations,
            "loglik": self.loglik,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Fit:
        return cls(
            log_identity={k: np.log(np.asarray(v, float)) for k, v in d["identity"].items()},
            log_ip=np.log(np.asarray(d["ip"], float)),
            rho=np.asarray(d["rho"], float),
            w=np.asarray(d["w"], float),
            beta=np.asarray(d["beta"], float),
            n_buckets=int(d.get("n_buckets", 1)),
            theta=None if d.get("theta") is None else np.asarray(d["theta"], float),
            iterations=int(d.get("iterations", 0)),
            loglik=float(d.get("loglik", float("nan"))),
        )

    def wave_prior(self, cell: np.ndarray, surge: np.ndarray) -> np.ndarray:
        """P(W) before identity, for registrations in ``cell`` with surge ratio ``surge``."""
        s = self.surge_share(surge)
        return np.clip(s * self.w[cell] + (1 - s) * self.beta[cell], 1e-9, 1 - 1e-9)

    def surge_share(self, surge):
        """The share of a moment that its surge stands for: the measured ratio at first, then
        the fitted value of its surge bucket (``theta``)."""
        if self.theta is None:
            return surge
        return self.theta[bucket_of(surge)]

    def log_likelihoods(self, identity: dict[str, np.ndarray], ip: np.ndarray) -> np.ndarray:
        """log P(identity, ip | class), shape (classes, n)."""
        ident = sum(self.log_identity[k][:, identity[k]] for k in IDENTITY)  # (1 + K, n)
        out = np.empty((self.rho.size + 1, ip.size))
        out[0] = ident[0]
        out[1] = ident[0]
        out[2:] = ident[1:]
        return out + self.log_ip[:, ip]

    def risk_one(self, cell: int, surge: float, features: dict[str, int]) -> float:
        """1 - P(genuine) for one registration, in plain Python (the live service's path: the same
        arithmetic as :meth:`posteriors` without NumPy's per-call overhead)."""
        tables = self._tables()
        if tables["theta"] is not None:
            surge = tables["theta"][int(bucket_of(np.float64(surge)))]
        prior = surge * tables["w"][cell] + (1 - surge) * tables["beta"][cell]
        prior = min(max(prior, 1e-9), 1 - 1e-9)
        k_obvious = self.rho.size - 1
        ident = [0.0] * (1 + k_obvious)
        for k in IDENTITY:
            rows = tables["identity"][k]
            code = features[k]
            for j in range(1 + k_obvious):
                ident[j] += rows[j][code]
        ip = tables["ip"]
        code = features["ip"]
        log_joint = [math.log1p(-prior) + ident[0] + ip[0][code]]
        log_wave = math.log(prior)
        log_rho = tables["log_rho"]
        log_joint.append(log_wave + log_rho[0] + ident[0] + ip[1][code])
        for j in range(k_obvious):
            log_joint.append(log_wave + log_rho[1 + j] + ident[1 + j] + ip[2 + j][code])
        top = max(log_joint)
        weights = [math.exp(v - top) for v in log_joint]
        return 1.0 - weights[0] / sum(weights)

    def _tables(self) -> dict:
        cached = self.__dict__.get("_cached_tables")
        if cached is None:
            cached = self.__dict__["_cached_tables"] = {
                "w": self.w.tolist(),
                "beta": self.beta.tolist(),
                "identity": {k: v.tolist() for k, v in self.log_identity.items()},
                "ip": self.log_ip.tolist(),
                "log_rho": np.log(np.maximum(self.rho, 1e-12)).tolist(),
                "theta": None if self.theta is None else self.theta.tolist(),
            }
        return cached

    def posteriors(self, cell, surge, identity, ip) -> np.ndarray:
        """P(class | everything), shape (classes, n)."""
        prior = self.wave_prior(cell, surge)
        log_joint = self.log_likelihoods(identity, ip)
        log_joint[0] += np.log1p(-prior)
        log_joint[1:] += np.log(prior) + np.log(np.maximum(self.rho, 1e-12))[:, None]
        top = log_joint.max(axis=0)
        r = np.exp(log_joint - top)
        return r / r.sum(axis=0)


def collapse(
    moment: np.ndarray,
    features: dict[str, np.ndarray],
    n_moments: int,
    weights: np.ndarray | None = None,
) -> Patterns:
    """Group registrations by (moment, identity features, IP crowding); a pattern's count is
    its registrations' total ``weights`` (1 each by default)."""
    code = moment.astype(np.int64)
    radix = [n_moments]
    for name in (*IDENTITY, "ip"):
        levels = len(FEATURES[name])
        code = code * levels + features[name].astype(np.int64)
        radix.append(levels)
    uniq, of_row, counts = np.unique(code, return_inverse=True, return_counts=True)
    if weights is not None:
        counts = np.bincount(of_row.ravel(), weights, uniq.size)
    parts = []
    rest = uniq.copy()
    for levels in reversed(radix[1:]):
        parts.append(rest % levels)
        rest //= levels
    parts.reverse()
    identity = {name: parts[i].astype(np.int64) for i, name in enumerate(IDENTITY)}
    return Patterns(
        rest.astype(np.int64),
        identity,
        parts[-1].astype(np.int64),
        counts.astype(float),
        of_row.ravel(),
        n_moments,
    )


def initial_responsibilities(
    p: Patterns, surge_share: np.ndarray, n_obvious: int = N_OBVIOUS
) -> np.ndarray:
    """A starting split: patterns with an obvious tell lean obvious (the sub-class by the kind of
    tell); ordinary patterns in surging moments lean careful in proportion to the surge."""
    kinds = np.zeros((n_obvious, p.counts.size))
    for i, (name, codes) in enumerate(TELLS.items()):
        kinds[i % n_obvious] += np.isin(p.identity[name], codes)
    tell = kinds.sum(axis=0) > 0
    s = surge_share[p.moment]
    r = np.empty((2 + n_obvious, p.counts.size))
    obvious = np.where(tell, 0.5 + 0.4 * s, 0.02)
    share = (kinds + 0.1) / (kinds + 0.1).sum(axis=0)
    r[2:] = obvious * share
    r[1] = np.where(tell, 0.05, 0.6 * s)
    r[0] = 1.0 - obvious - r[1]
    return np.clip(r, 1e-6, 1.0)


def fit_model(
    p: Patterns,
    *,
    surge_share: np.ndarray,
    n_buckets: int,
    max_iter: int = 500,
    tol: float = 1e-8,
    start: Fit | None = None,
    n_obvious: int = N_OBVIOUS,
) -> Fit:
    """Maximum-likelihood (EM) fit of the model to the patterns.

    ``surge_share``: the mean surge ratio of each moment (a moment is ``cell * n_buckets +
    bucket``). ``start`` warm-starts the fit from another (as the bootstrap does).
    """
    w = p.counts
    cell = p.moment // n_buckets
    s = surge_share[p.moment]
    n_cells = p.n_moments // n_buckets
    if start is None:
        r = initial_responsibilities(p, surge_share, n_obvious)
        fit = _m_step(p, r, w, cell, s, n_cells, n_buckets, None)
    else:
        fit = start
    history = []
    prev = -np.inf
    for _ in range(max_iter):
        prior = fit.wave_prior(cell, s)
        log_joint = fit.log_likelihoods(p.identity, p.ip)
        log_joint[0] += np.log1p(-prior)
        log_joint[1:] += np.log(prior) + np.log(np.maximum(fit.rho, 1e-12))[:, None]
        top = log_joint.max(axis=0)
        norm = top + np.log(np.exp(log_joint - top).sum(axis=0))
        ll = float((w * norm).sum())
        history.append(ll)
        fit = _m_step(p, np.exp(log_joint - norm), w, cell, s, n_cells, n_buckets, fit)
        if abs(ll - prev) < tol * abs(ll):
            break
        prev = ll
    fit.iterations = len(history)
    fit.loglik = history[-1] if history else float("nan")
    fit.history = history
    return fit


def class_posteriors(p: Patterns, fit: Fit, surge_share: np.ndarray) -> np.ndarray:
    """P(class | pattern), shape (classes, patterns)."""
    return fit.posteriors(p.moment // fit.n_buckets, surge_share[p.moment], p.identity, p.ip)


def risk_of(posteriors: np.ndarray) -> np.ndarray:
    """P(fake) = 1 - P(genuine)."""
    return 1.0 - posteriors[0]


def _m_step(p, r, w, cell, s, n_cells, n_buckets, old: Fit | None) -> Fit:
    s_measured = s
    rw = r * w
    genuine_like = rw[0] + rw[1]  # careful fakes share genuine people's identity distributions
    wave = rw[1:].sum(axis=0)
    identity = {}
    for k in IDENTITY:
        levels = len(FEATURES[k])
        rows = [np.bincount(p.identity[k], genuine_like, levels) + _GENUINE_PSEUDO[k]]
        rows += [np.bincount(p.identity[k], rw[2 + j], levels) for j in range(r.shape[0] - 2)]
        identity[k] = _log_normalise(np.stack(rows) + PRIOR)
    levels = len(FEATURES["ip"])
    ip = np.stack([np.bincount(p.ip, rw[c], levels) for c in range(r.shape[0])]) + PRIOR
    rho = rw[1:].sum(axis=1) + 1.0
    rho = rho / rho.sum()
    # Split each pattern's wave and genuine mass between its surge (share s) and its ordinary
    # traffic (1 - s), in proportion to the current priors.
    bucket = bucket_of(s)
    if old is None:
        w_surge = np.full(n_cells, 0.5)
        b_old = np.full(n_cells, 0.05)
        s_eff = s
    else:
        w_surge, b_old = old.w, old.beta
        s_eff = old.surge_share(s)
    s = s_eff
    pw = np.clip(s * w_surge[cell] + (1 - s) * b_old[cell], 1e-9, 1 - 1e-9)
    from_surge_w = wave * s * w_surge[cell] / pw
    from_surge_g = rw[0] * s * (1 - w_surge[cell]) / (1 - pw)
    from_base_w = wave - from_surge_w
    from_base_g = rw[0] - from_surge_g
    sw = np.bincount(cell, from_surge_w, n_cells)
    sg = np.bincount(cell, from_surge_g, n_cells)
    bw = np.bincount(cell, from_base_w, n_cells)
    bg = np.bincount(cell, from_base_g, n_cells)
    new_w = (sw + 0.01) / (sw + sg + 0.02)
    new_beta = (bw + 0.01) / (bw + bg + 1.0)
    # The scale the data cannot fix: the cell whose surge is most clearly the wave is all wave.
    surged = sw + sg
    real = surged >= max(20.0, 0.05 * float(surged.max(initial=0.0)))
    if real.any():
        top = float(new_w[real].max())
        if 0 < top < 1:
            careful_plus = rho[0] + (1 - rho[0]) * (1 - top)
            # Moving along the ridge: every cell's wave share up by 1/top, the wave's obvious
            # share down by top (the rest of the wave is careful).
            new_w = np.minimum(new_w / top, 1.0)
            new_beta = np.minimum(new_beta / top, 0.999)
            rho = np.r_[careful_plus, rho[1:] * top]
            rho = rho / rho.sum()
    # Each surge bucket's share, as the obvious fakes in it say (its registrations' surge-source
    # mass over their number); no surge stays 0, the top bucket keeps its measured ratio: with the
    # ridge above, that pins the scale.
    in_bucket = np.bincount(bucket, w, N_SURGE_BUCKETS)
    theta = (np.bincount(bucket, from_surge_w + from_surge_g, N_SURGE_BUCKETS) + 0.01) / (
        in_bucket + 0.02
    )
    measured = np.bincount(bucket, s_measured * w, N_SURGE_BUCKETS) / np.maximum(in_bucket, 1e-9)
    theta[0] = 0.0
    theta[-1] = measured[-1] if in_bucket[-1] > 0 else 1.0
    return Fit(
        log_identity=identity,
        log_ip=_log_normalise(ip),
        rho=rho,
        w=new_w,
        beta=new_beta,
        n_buckets=n_buckets,
        theta=np.clip(theta, 0.0, 1.0),
    )


def _genuine_pseudo_counts() -> dict[str, np.ndarray]:
    out = {}
    for k in IDENTITY:
        clean = np.ones(len(FEATURES[k]))
        clean[list(TELLS.get(k, ()))] = 0.0
        out[k] = GENUINE_PRIOR * clean / clean.sum()
    return out


_GENUINE_PSEUDO = _genuine_pseudo_counts()


def _log_normalise(counts: np.ndarray) -> np.ndarray:
    return np.log(counts) - np.log(counts.sum(axis=-1, keepdims=True))
