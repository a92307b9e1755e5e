"""Risk: the probability that a registration belongs to a fake wave, from a latent-class model
fitted to the log itself (no labels).

Three classes:

* **genuine** (G): identity features, IP crowding and its *moment* (channel x device x surge
  bucket) each with their own distribution;
* **obvious fake** (O): its own identity and IP distributions; arrives with the wave;
* **careful fake** (C): an identity drawn exactly like a genuine person's (same distributions as
  G, by assumption: that is what careful means), its own IP distribution, and it arrives with the
  wave.

O and C share one distribution over moments (they follow the same calls). That tie is what lets
the model find careful fakes: the obvious fakes mark which channel x device x surge moments belong
to the wave, and the surplus of ordinary-looking registrations in those moments, above what
genuine traffic puts there, is careful fakes. An organic spike (a news mention) surges too, but
brings no obvious fakes, so its moment is learned to be genuine.

Features are categorical, so the fit runs on the distinct feature patterns with their counts (a
few thousand, whatever the log's size): a million registrations fit in well under a second, and a
bootstrap of the fit costs little. Risk = P(O) + P(C) given the pattern; the parameters are
maximum-likelihood estimates with a small Dirichlet prior, so the probabilities are calibrated as
far as the model holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .signals import FEATURES

IDENTITY = ("email", "name", "phone", "phone_reused", "postcode")
# Obvious fakes come as a few sub-classes, each with its own identity distributions: one product of
# independent features cannot say "at least one tell", a mixture of a few can.
N_OBVIOUS = 8
CLASSES = ("genuine", "careful") + tuple(f"obvious_{k + 1}" for k in range(N_OBVIOUS))
# Identity codes that count as an obvious tell when starting the fit (not a rule at the end).
TELLS = {"email": (2, 3), "name": (2, 3), "phone": (2, 3, 4), "phone_reused": (1,)}
PRIOR = 0.5  # Dirichlet pseudo-count per cell of each distribution


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
    """Fitted parameters (log probabilities) of the model; classes as in ``CLASSES``."""

    log_pi: np.ndarray  # (classes,)
    log_moment: np.ndarray  # (2, n_moments): genuine, wave
    log_identity: dict[
        str, np.ndarray
    ]  # feature -> (1 + N_OBVIOUS, levels): genuine-like, obvious_k
    log_ip: np.ndarray  # (classes, levels)
    iterations: int = 0
    loglik: float = float("nan")
    history: list[float] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "classes": list(CLASSES),
            "pi": np.exp(self.log_pi).round(8).tolist(),
            "moment": np.exp(self.log_moment).round(10).tolist(),
            "identity": {k: np.exp(v).round(8).tolist() for k, v in self.log_identity.items()},
            "ip": np.exp(self.log_ip).round(8).tolist(),
            "iterations": self.iterations,
            "loglik": self.loglik,
        }

    @classmethod
    def from_dict(cls, d: dict) -> Fit:
        return cls(
            log_pi=np.log(np.asarray(d["pi"], float)),
            log_moment=np.log(np.asarray(d["moment"], float)),
            log_identity={k: np.log(np.asarray(v, float)) for k, v in d["identity"].items()},
            log_ip=np.log(np.asarray(d["ip"], float)),
            iterations=int(d.get("iterations", 0)),
            loglik=float(d.get("loglik", float("nan"))),
        )


def collapse(moment: np.ndarray, features: dict[str, np.ndarray], n_moments: int) -> Patterns:
    """Group registrations by (moment, identity features, IP crowding)."""
    code = moment.astype(np.int64)
    radix = [n_moments]
    for name in (*IDENTITY, "ip"):
        levels = len(FEATURES[name])
        code = code * levels + features[name].astype(np.int64)
        radix.append(levels)
    uniq, of_row, counts = np.unique(code, return_inverse=True, return_counts=True)
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


def initial_responsibilities(p: Patterns, surge_share: np.ndarray) -> np.ndarray:
    """A starting split: patterns with an obvious tell lean obvious (the sub-class by the kind of
    tell); ordinary patterns in surging moments lean careful in proportion to the surge."""
    kinds = np.zeros((N_OBVIOUS, p.counts.size))
    for i, (name, codes) in enumerate(TELLS.items()):
        kinds[min(i, N_OBVIOUS - 1)] += np.isin(p.identity[name], codes)
    tell = kinds.sum(axis=0) > 0
    s = surge_share[p.moment]
    r = np.empty((len(CLASSES), p.counts.size))
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
    max_iter: int = 500,
    tol: float = 1e-8,
    start: Fit | None = None,
) -> Fit:
    """Maximum-likelihood (EM) fit of the model to the patterns.

    ``surge_share`` (per moment, in [0, 1]) only seeds the fit; ``start`` warm-starts it from
    another fit (as the bootstrap does).
    """
    w = p.counts
    fit = _m_step(p, initial_responsibilities(p, surge_share), w) if start is None else start
    history = []
    prev = -np.inf
    for _ in range(max_iter):
        log_joint = _log_joint(p, fit)
        top = log_joint.max(axis=0)
        norm = top + np.log(np.exp(log_joint - top).sum(axis=0))
        ll = float((w * norm).sum())
        history.append(ll)
        fit = _m_step(p, np.exp(log_joint - norm), w)
        if ll - prev < tol * abs(ll):
            break
        prev = ll
    fit.iterations, fit.loglik, fit.history = (
        len(history),
        history[-1] if history else float("nan"),
        history,
    )
    return fit


def class_posteriors(p: Patterns, fit: Fit) -> np.ndarray:
    """P(class | pattern), shape (classes, patterns)."""
    log_joint = _log_joint(p, fit)
    top = log_joint.max(axis=0)
    r = np.exp(log_joint - top)
    return r / r.sum(axis=0)


def risk_of(posteriors: np.ndarray) -> np.ndarray:
    """P(fake) = 1 - P(genuine)."""
    return 1.0 - posteriors[0]


def _log_joint(p: Patterns, fit: Fit) -> np.ndarray:
    ident = sum(fit.log_identity[k][:, p.identity[k]] for k in IDENTITY)  # (1 + K, patterns)
    out = np.empty((len(CLASSES), p.counts.size))
    out[0] = fit.log_moment[0, p.moment] + ident[0]
    out[1] = fit.log_moment[1, p.moment] + ident[0]
    out[2:] = fit.log_moment[1, p.moment] + ident[1:]
    out += fit.log_pi[:, None] + fit.log_ip[:, p.ip]
    return out


def _m_step(p: Patterns, r: np.ndarray, w: np.ndarray) -> Fit:
    rw = r * w
    pi = rw.sum(axis=1) + 1.0
    genuine_like = rw[0] + rw[1]  # careful fakes share genuine people's identity distributions
    wave = rw[1:].sum(axis=0)
    moment = np.stack(
        [
            np.bincount(p.moment, rw[0], p.n_moments) + PRIOR / 10,
            np.bincount(p.moment, wave, p.n_moments) + PRIOR / 10,
        ]
    )
    identity = {}
    for k in IDENTITY:
        levels = len(FEATURES[k])
        rows = [np.bincount(p.identity[k], genuine_like, levels)]
        rows += [np.bincount(p.identity[k], rw[2 + j], levels) for j in range(N_OBVIOUS)]
        identity[k] = _log_normalise(np.stack(rows) + PRIOR)
    levels = len(FEATURES["ip"])
    ip = np.stack([np.bincount(p.ip, rw[c], levels) for c in range(len(CLASSES))]) + PRIOR
    return Fit(
        log_pi=np.log(pi / pi.sum()),
        log_moment=_log_normalise(moment),
        log_identity=identity,
        log_ip=_log_normalise(ip),
    )


def _log_normalise(counts: np.ndarray) -> np.ndarray:
    return np.log(counts) - np.log(counts.sum(axis=-1, keepdims=True))
