"""Parameters of a lens, declared once as data and checked by the library (not only the CLI)."""

from __future__ import annotations

import math

from ..errors import ParameterError

# name -> (default, lowest allowed, highest allowed or None); an integer default makes the
# parameter a whole number.
Spec = dict[str, tuple[float | int, float | int, float | int | None]]


def check_lens_params(spec: Spec, params: dict) -> dict:
    """``params`` with the defaults of ``spec`` filled in, or :class:`ParameterError` naming an
    unknown or bad one.

    >>> spec = {"min_posts": (20, 1, None), "share": (0.5, 0.0, 1.0)}
    >>> check_lens_params(spec, {"min_posts": 5})
    {'min_posts': 5, 'share': 0.5}
    >>> check_lens_params(spec, {"share": 2})
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: share must be a number from 0.0 to 1.0. Got 2.
    """
    out = {}
    for name in params:
        if name not in spec:
            raise ParameterError(f"Unknown parameter {name!r}. Choose from {', '.join(spec)}.")
    for name, (default, low, high) in spec.items():
        value = params.get(name)
        if value is None:
            out[name] = default
            continue
        whole = isinstance(default, int)
        bad = isinstance(value, bool) or not isinstance(value, int | float)
        bad = bad or not math.isfinite(value) or (whole and value != int(value))
        bad = bad or value < low or (high is not None and value > high)
        if bad:
            kind = "an integer" if whole else "a number"
            upto = f" to {high}" if high is not None else " or more"
            raise ParameterError(f"{name} must be {kind} from {low}{upto}. Got {value!r}.")
        out[name] = int(value) if whole else value
    return out
