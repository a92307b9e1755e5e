"""Co-action: distinct actors acting on the same object within a short window, again and again."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .. import significance
from ..engines.base import Engine
from ..errors import ParameterError
from ..schema import Log
from .base import Detector, Findings

DEFAULT_WINDOW_SECONDS = 60
DEFAULT_ALPHA = 0.01
DEFAULT_MAX_BUCKET_EVENTS = 2000


class CoAction(Detector):
    """Pairs of actors who act on the same objects within ``window_seconds`` of each other.

    Two modes:

    * **default** (``significance=True``): every pair's count of co-acted objects is compared with
      what chance predicts given the actors' activity and the objects' popularity and burstiness
      (:mod:`concerted.significance`); pairs kept at a false discovery rate of ``alpha``.
    * **classic** (``significance=False``): every pair with ``weight >= min_repeat`` is kept, as
      coordination-network-toolkit and CooRTweet do. With ``min_repeat=1`` the pairs are exactly
      theirs (inclusive window: a gap equal to the window counts).

    Parameters
    ----------
    window_seconds
        Largest gap between two actions that counts as acting together (inclusive). Default 60.
    min_repeat
        Least number of distinct objects a pair must co-act on. Default 2.
    significance
        Test pairs against the null model (default) or keep every pair at ``min_repeat``.
    alpha
        False discovery rate for the significance test. Default 0.01.
    max_bucket_events
        Cap on the actions of one object within one window; busier windows are sampled
        (deterministically) so a viral object cannot exhaust memory. Default 2000.
    evidence_per_pair
        How many co-actions to keep as evidence per pair. Default 5.

    References
    ----------
    Giglietto et al. 2020 (CooRnet, coordinated link sharing); Graham et al.
    (coordination-network-toolkit); Righetti & Balluff (CooRTweet).

    Example
    -------
    >>> from concerted.schema import make_log
    >>> log = make_log([
    ...     {"actor": a, "object": o, "time": t}
    ...     for o, t0 in (("x", 0), ("y", 500), ("z", 1000))
    ...     for a, t in (("a1", t0), ("a2", t0 + 5))
    ... ])
    >>> f = CoAction(window_seconds=10, min_repeat=2, significance=False).detect(log)
    >>> f.pairs.select(["actor", "actor_y", "weight"]).to_pylist()
    [{'actor': 'a1', 'actor_y': 'a2', 'weight': 3}]
    """

    name = "co_action"
    requires = ("actor", "object", "time")

    def __init__(
        self,
        *,
        window_seconds: float | None = None,
        min_repeat: int | None = None,
        significance: bool = True,
        alpha: float | None = None,
        max_bucket_events: int | None = None,
        evidence_per_pair: int = 5,
    ) -> None:
        self.window_seconds = window_seconds
        self.min_repeat = min_repeat
        self.significance = significance
        self.alpha = alpha
        self.max_bucket_events = max_bucket_events
        self.evidence_per_pair = evidence_per_pair

    def _check_params(self) -> None:
        w = self.window_seconds
        if w is not None and (isinstance(w, bool) or not isinstance(w, int | float) or not w > 0):
            raise ParameterError(f"CoAction: window_seconds must be a number > 0. Got {w!r}.")
        for name, value, low in (
            ("min_repeat", self.min_repeat, 1),
            ("max_bucket_events", self.max_bucket_events, 2),
            ("evidence_per_pair", self.evidence_per_pair, 1),
        ):
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, int) or value < low
            ):
                raise ParameterError(
                    f"CoAction: {name} must be an integer >= {low}. Got {value!r}."
                )
        a = self.alpha
        if a is not None and (
            isinstance(a, bool) or not isinstance(a, int | float) or not 0 < a < 1
        ):
            raise ParameterError(f"CoAction: alpha must be a number between 0 and 1. Got {a!r}.")
        if a is not None and not self.significance:
            raise ParameterError("CoAction: alpha applies only with significance on; drop one.")

    def _detect(self, log: Log, engine: Engine) -> Findings:
        window = float(self.window_seconds or DEFAULT_WINDOW_SECONDS)
        min_repeat = self.min_repeat or 2
        cap = self.max_bucket_events or DEFAULT_MAX_BUCKET_EVENTS
        tables = engine.co_action(
            log,
            window_seconds=window,
            max_bucket_events=cap,
            evidence_per_pair=self.evidence_per_pair,
        )
        candidates = tables.pairs.num_rows
        pairs = tables.pairs.filter(pc.greater_equal(tables.pairs["weight"], min_repeat))
        params = {
            "window_seconds": window,
            "min_repeat": min_repeat,
            "significance": self.significance,
            "max_bucket_events": cap,
        }
        notes = []
        if self.significance:
            alpha = self.alpha or DEFAULT_ALPHA
            params["alpha"] = alpha
            pairs = significance.keep_significant(
                significance.score_pairs(pairs, tables.actors, tables.objects, len(log)), alpha
            )
        else:
            pairs = pairs.append_column("strength", pc.cast(pairs["weight"], pa.float64()))
        capped = pc.sum(pc.cast(tables.objects["capped"], pa.int64())).as_py() or 0
        if capped:
            notes.append(
                f"{capped} object(s) had more than {cap} actions within one window; those windows "
                "were sampled, so their pair counts are lower bounds"
            )
        # A stable sort: pairs of equal strength stay in the engine's (actor, actor_y) order.
        pairs = pairs.take(pc.array_sort_indices(pairs["strength"], order="descending"))
        evidence = tables.evidence
        if pairs.num_rows < tables.pairs.num_rows:
            evidence = evidence.join(
                pairs.select(["actor", "actor_y"]), keys=["actor", "actor_y"], join_type="left semi"
            )
        return Findings(
            detector=self.name,
            pairs=pairs,
            evidence=evidence,
            actors=tables.actors,
            objects=tables.objects,
            params=params,
            notes=notes,
            candidate_pairs=candidates,
        )
