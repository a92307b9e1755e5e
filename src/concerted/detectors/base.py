"""The detector contract, shared by every detector (built-in or from a plug-in).

A detector stores its parameters unchanged in ``__init__``, validates them and the log in
``detect()``, and returns :class:`Findings`: scored actor pairs with their evidence. Turning
pairs into groups is the network step's job, the same for every detector, unless the detector
tests groups itself and returns them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pyarrow as pa

from ..engines import Engine, default_engine
from ..schema import Log, validate_log


@dataclass
class Findings:
    """What a detector found.

    Attributes
    ----------
    detector
        The registry key of the detector (``co_action``).
    pairs
        One row per actor pair kept: ``actor, actor_y, weight, co_actions,
        median_delay_seconds, first_time, last_time`` and, when significance is on,
        ``expected, p_value, q_value``; ``strength`` is what the network step weighs edges by.
    evidence
        The actions behind the kept pairs: ``actor, actor_y, object, time, time_y``.
    actors, objects
        Per-actor and per-object statistics over the whole log.
    params
        The parameters actually used (estimated ones filled in).
    notes
        What a reader should know (objects sampled, windows chosen...).
    candidate_pairs
        How many pairs co-acted at least once.
    groups
        Optional: the detector's own groups, one row per member: ``actor, group`` and the
        membership test (``observed, expected, p_value, q_value, strength``). When absent, the
        network step finds groups in ``pairs``.
    """

    detector: str
    pairs: pa.Table
    evidence: pa.Table
    actors: pa.Table
    objects: pa.Table
    params: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    candidate_pairs: int = 0
    groups: pa.Table | None = None


def in_range(value, low, high, kinds: type | tuple[type, ...] = (int, float)) -> bool:
    """Whether a parameter's ``value`` is a number of ``kinds`` (never a bool) from ``low`` to
    ``high``, both included; NaN and infinities are not (the detectors' checks).

    >>> in_range(3, 1, 10), in_range(True, 0, 1), in_range(float("nan"), 0, 1), in_range(2.5, 1, 2)
    (True, False, False, False)
    """
    return not isinstance(value, bool) and isinstance(value, kinds) and low <= value <= high


class Detector(ABC):
    """Base class of detectors. Subclasses set ``name`` and ``requires`` and implement
    ``_detect``."""

    name: ClassVar[str] = "detector"
    requires: ClassVar[tuple[str, ...]] = ("actor", "object", "time")

    def detect(self, log: Log, engine: Engine | None = None) -> Findings:
        """Validate the parameters and the log, then find coordinated pairs."""
        self._check_params()
        return self._detect(
            validate_log(log, self.requires, type(self).__name__), engine or default_engine()
        )

    def check_params(self) -> None:
        """Raise :class:`~concerted.errors.ParameterError` for a parameter out of range.
        :meth:`detect` calls it; a caller may call it first, before the work of loading a log."""
        self._check_params()

    def get_params(self) -> dict[str, Any]:
        """The constructor's parameters as given (None = estimated from the data)."""
        return dict(vars(self))

    def _check_params(self) -> None:  # noqa: B027 - optional hook
        """Raise ParameterError for a parameter out of range."""

    @abstractmethod
    def _detect(self, log: Log, engine: Engine) -> Findings: ...
