"""The detector registry. Built-in detectors register here; third-party ones arrive through the
``concerted.detectors`` entry point group (a name mapped to a :class:`Detector` subclass)."""

from __future__ import annotations

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
    """A detector by registry key (``co_action``; the CLI spelling ``co-action`` works too)."""
    key = name.replace("-", "_")
    known = registry()
    if key not in known:
        raise ParameterError(f"Unknown detector {name!r}. Known: {', '.join(sorted(known))}.")
    return known[key](**params)


__all__ = ["Detector", "Findings", "CoAction", "CooRTweet", "Qut", "registry", "get_detector"]
