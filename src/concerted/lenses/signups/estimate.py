"""How many genuine people, and how many will come: point estimates with intervals.

Genuine people = the sum over merged people of (1 - their risk), a person's risk being the mean
of their registrations' risks. Its uncertainty has three parts, added as variances:

* which of the uncertain people are genuine: the sum of per-person Bernoulli variances r(1 - r);
* how well the model is known: a bootstrap (each registration counted a Poisson(1) number of
  times, the surges measured again, the model refitted, the estimate recomputed; with no time
  column, the pattern counts are resampled the same way);
* how much the answer depends on choices the data cannot make: the largest change of the
  estimate when surges are measured in shorter or longer bins or against a lower organic level
  (the lower quartile of a cell's 3-hour rates, not their median: long or frequent waves lift
  the median, and the wave is then larger than measured), or the obvious fakes are modelled
  with fewer or more sub-classes (``structural``), taken as one more standard deviation.

Turnout = genuine x show-up rate. Free events see 40-60 % no-shows, so with no rate given the
point uses 0.5 and the interval runs from the genuine low at 0.4 to the genuine high at 0.6.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from ...errors import ParameterError
from .model import Fit, Patterns, class_posteriors, fit_model, risk_of

Z95 = 1.959963984540054
DEFAULT_SHOW_RATE = (0.5, 0.4, 0.6)


@dataclass
class Estimate:
    registrations: int
    unique_people_estimate: int
    genuine_estimate: float
    genuine_low: float
    genuine_high: float
    turnout_estimate: float
    turnout_low: float
    turnout_high: float
    show_rate: float
    show_rate_low: float
    show_rate_high: float
    sd_model: float
    sd_people: float
    sd_structure: float

    def to_dict(self) -> dict:
        return {
            k: (round(v, 1) if isinstance(v, float) and not k.startswith("show") else v)
            for k, v in asdict(self).items()
        }


def person_risk(risk: np.ndarray, person: np.ndarray, n_people: int) -> np.ndarray:
    """Mean risk of each person's registrations."""
    return np.bincount(person, risk, n_people) / np.maximum(np.bincount(person, None, n_people), 1)


def check_estimate_params(show_rate: float | None, bootstrap: int) -> None:
    """Refuse a show rate outside (0, 1] or a negative number of refits (before any work)."""
    if show_rate is not None and not 0 < show_rate <= 1:
        raise ParameterError(
            f"show_rate (--show-rate) must be in (0, 1], e.g. --show-rate 0.5. Got {show_rate}."
        )
    if bootstrap < 0:
        raise ParameterError(
            f"bootstrap (--bootstrap) must be >= 0 (0 skips the refits). Got {bootstrap}."
        )


def estimate_genuine(
    patterns: Patterns,
    fit: Fit,
    person: np.ndarray,
    *,
    surge_share: np.ndarray,
    show_rate: float | None = None,
    bootstrap: int = 40,
    seed: int = 0,
    structural: float = 0.0,
    draws: list[float] | None = None,
) -> Estimate:
    """Genuine people and turnout with 95 % intervals (see the module's docstring). ``draws``:
    the estimate in each draw of a bootstrap the caller ran (one that re-measures the surges
    too); without them, the fit alone is bootstrapped here."""
    check_estimate_params(show_rate, bootstrap)
    if show_rate is None:
        rate, rate_lo, rate_hi = DEFAULT_SHOW_RATE
    else:
        rate = rate_lo = rate_hi = float(show_rate)
    n_people = int(person.max()) + 1 if person.size else 0
    post = class_posteriors(patterns, fit, surge_share)
    risk = risk_of(post)[patterns.of_row]
    pr = person_risk(risk, person, n_people)
    genuine = float((1 - pr).sum())
    var_people = float((pr * (1 - pr)).sum())
    rng = np.random.default_rng(seed)
    if draws is not None:
        bootstrap = 0
    draws = list(draws or [])
    for _ in range(bootstrap):
        counts = rng.poisson(patterns.counts).astype(float)
        resampled = Patterns(
            patterns.moment,
            patterns.identity,
            patterns.ip,
            counts,
            patterns.of_row,
            patterns.n_moments,
        )
        refit = fit_model(
            resampled,
            surge_share=surge_share,
            n_buckets=fit.n_buckets,
            start=fit,
            max_iter=200,
            tol=1e-7,
        )
        p = class_posteriors(patterns, refit, surge_share)
        r = risk_of(p)[patterns.of_row]
        draws.append(float((1 - person_risk(r, person, n_people)).sum()))
    var_model = float(np.var(draws, ddof=1)) if len(draws) > 1 else 0.0
    half = Z95 * np.sqrt(var_people + var_model + structural**2)
    low, high = max(genuine - half, 0.0), min(genuine + half, float(n_people))
    return Estimate(
        registrations=int(person.size),
        unique_people_estimate=n_people,
        genuine_estimate=genuine,
        genuine_low=low,
        genuine_high=high,
        turnout_estimate=genuine * rate,
        turnout_low=low * rate_lo,
        turnout_high=high * rate_hi,
        show_rate=rate,
        show_rate_low=rate_lo,
        show_rate_high=rate_hi,
        sd_model=float(np.sqrt(var_model)),
        sd_people=float(np.sqrt(var_people)),
        sd_structure=float(structural),
    )
