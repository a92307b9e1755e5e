"""The detector registry. Built-in detectors register here; third-party ones arrive through the
``concerted.detectors`` entry point group (a name mapped to a :class:`Detector` subclass)."""

from __future__ import annotations

import inspect
from importlib.metadata import entry_points

from ..errors import ParameterError
from .base import Detector, Findings
from .co_action import CoAction
from .coortweet import CooRTweet
from .qut import Qut

BUILTIN: dict[str, type[Detector]] = {
    CoAction.name: CoAction,
    Qut.name: Qut,
    CooRTweet.name: CooRTweet,
}


def registry() -> dict[str, type[Detector]]:
    """Every detector available, built-in first, then plug-ins."""
    found = dict(BUILTIN)
    for ep in entry_points(group="concerted.detectors"):
        found.setdefault(ep.name, ep.load())
    return found


def get_detector(name: str, **params) -> Detector:
    """A detector by registry key (``co_action``; the CLI spelling ``co-action`` works too),
    built with ``params``; a parameter it does not take is a :class:`ParameterError`.

    >>> get_detector("qut", window_seconds=10, min_repeat=2).min_repeat
    2
    >>> get_detector("qut", min_participation=2)
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: --min-participation does not apply to the qut detector; it takes --evidence-per-pair, --min-repeat, --window-seconds.
    """
    key = name.replace("-", "_")
    known = registry()
    if key not in known:
        raise ParameterError(f"Unknown detector {name!r}. Known: {', '.join(sorted(known))}.")
    detector = known[key]
    accepted = set(inspect.signature(detector.__init__).parameters) - {"self"}
    refused = sorted(set(params) - accepted)
    if refused:
        spelled = ", ".join("--" + p.replace("_", "-") for p in refused)
        raise ParameterError(
            f"{spelled} does not apply to the {key} detector; it takes "
            f"{', '.join('--' + p.replace('_', '-') for p in sorted(accepted))}."
        )
    return detector(**params)


__all__ = ["Detector", "Findings", "CoAction", "CooRTweet", "Qut", "registry", "get_detector"]
