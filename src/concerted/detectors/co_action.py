"""Co-action: distinct actors acting on the same object within a short window, again and again."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from .. import significance
from ..engines.base import Engine
from ..errors import ParameterError
from ..groups import grow_groups
from ..schema import Log
from ..sources import infer_sources
from .base import Detector, Findings, in_range

DEFAULT_WINDOW_SECONDS = 60
# With significance on and no window given, pairs are tested at each of these windows, so bot-like
# seconds, human-coordinated minutes and slow campaigns are all caught (Bonferroni across them).
# 3 s is where automation shows against fast people: two accounts that each react within half a
# minute of a post meet within 10 s by chance a third of the time, within 3 s rarely; a network
# firing together off one trigger lands within those few seconds post after post.
DEFAULT_WINDOWS = (3.0, 10.0, 60.0, 600.0)
DEFAULT_ALPHA = 0.01
# Bounds of window_seconds: times are kept to the microsecond, so a window under a millisecond
# finds nothing a millisecond would not, and one beyond a year joins everything; a window of 1e-300
# or inf would overflow the bucket keys of the join.
MIN_WINDOW_SECONDS = 0.001
MAX_WINDOW_SECONDS = 365 * 86400
# Counts reach SQL as integers: keep them to 32 bits.
MAX_INT = 2**31 - 1
DEFAULT_MAX_BUCKET_EVENTS = 2000
# With several windows, an object whose actions have more than this many others each within a
# window, on average, is a crowd there: a pair's co-actions on it count only within a narrower
# window where it is not, against the chance expectation of the wider one (see
# Engine.count_co_actions). The test can only grow more cautious, and the join no longer holds
# the square of every crowd: on bench_coaction's generator (300k actions) the 600 s join held
# 7.0M pairs of actions, 5.2M of them from its 8 busiest objects.
DEFAULT_CROWD_PARTNERS = 100


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
        Largest gap between two actions that counts as acting together (inclusive). Default:
        3, 10, 60 and 600 s with significance on (each pair judged at its best window), 60 s off.
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
    crowd_partners
        With significance on and several windows: an object whose actions have more than this
        many others each within a window (on average) is a crowd there, and a pair's
        co-actions on it count at that window only if they fall within a narrower window where
        it is not one, while chance is still reckoned at the wider window (more cautious, and
        a crowd's pairs are never all enumerated). Default 100.

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
        crowd_partners: int | None = None,
    ) -> None:
        self.window_seconds = window_seconds
        self.min_repeat = min_repeat
        self.significance = significance
        self.alpha = alpha
        self.max_bucket_events = max_bucket_events
        self.evidence_per_pair = evidence_per_pair
        self.crowd_partners = crowd_partners

    def _check_params(self) -> None:
        w = self.window_seconds
        if w is not None and not in_range(w, MIN_WINDOW_SECONDS, MAX_WINDOW_SECONDS):
            raise ParameterError(
                f"CoAction: window_seconds must be a number from {MIN_WINDOW_SECONDS} to "
                f"{MAX_WINDOW_SECONDS:,} (a year). Got {w!r}."
            )
        for name, value, low in (
            ("min_repeat", self.min_repeat, 1),
            ("max_bucket_events", self.max_bucket_events, 2),
            ("evidence_per_pair", self.evidence_per_pair, 1),
            ("crowd_partners", self.crowd_partners, 1),
        ):
            if value is not None and not in_range(value, low, MAX_INT, int):
                raise ParameterError(
                    f"CoAction: {name} must be an integer from {low} to {MAX_INT:,}. Got {value!r}."
                )
        a = self.alpha
        if a is not None and (
            isinstance(a, bool) or not isinstance(a, int | float) or not 0 < a < 1
        ):
            raise ParameterError(f"CoAction: alpha must be a number between 0 and 1. Got {a!r}.")
        if a is not None and not self.significance:
            raise ParameterError("CoAction: alpha applies only with significance on; drop one.")
        if self.crowd_partners is not None and not self.significance:
            raise ParameterError(
                "CoAction: crowd_partners applies only with significance on; drop one."
            )

    def _detect(self, log: Log, engine: Engine) -> Findings:
        min_repeat = self.min_repeat or 2
        cap = self.max_bucket_events or DEFAULT_MAX_BUCKET_EVENTS
        if self.window_seconds:
            windows = (float(self.window_seconds),)
        elif self.significance:
            windows = DEFAULT_WINDOWS
        else:
            windows = (float(DEFAULT_WINDOW_SECONDS),)
        params = {
            "window_seconds": windows[0] if len(windows) == 1 else list(windows),
            "min_repeat": min_repeat,
            "significance": self.significance,
            "max_bucket_events": cap,
        }
        crowd = None
        if self.significance and len(windows) > 1:
            params["crowd_partners"] = crowd = self.crowd_partners or DEFAULT_CROWD_PARTNERS
        alpha = self.alpha or DEFAULT_ALPHA
        tested: dict[str, pa.Table] = {}
        # When the log names who authored each object, or holds the originals, an object's
        # source is known, not guessed: reactions to an account's posts are then judged by its
        # audience alone.
        log, params["object_sources"] = infer_sources(log)
        named = log.has("source")

        def select(counted: list) -> list[pa.Table]:
            """Test every pair at every window on its counts; describe only the kept ones."""
            scored = []
            audiences = None
            if "audience" in counted[0].objects.column_names:
                audiences = significance.AudienceModel.fit(log, counted[0].objects, windows[0])
            for window, tables in zip(windows, counted, strict=True):
                pairs = _with_window(tables.pairs, window)
                model = significance.NullModel.fit(log, tables.objects, outside_audiences=named)
                audience = audiences.at(tables.objects, window) if audiences else None
                sources = "other_sources" if named else "sources"
                scored.append(significance.score_pairs(pairs, model, audience, sources))
            n_actors = counted[-1].actors.num_rows
            kept = significance.combine_windows(scored, n_actors * (n_actors - 1) // 2)
            tested["pairs"] = kept = significance.keep_significant(kept, alpha)
            return [kept.filter(pc.equal(kept["window_seconds"], w)) for w in windows]

        if self.significance:  # count every pair, test them, describe the few kept
            counts = engine.count_co_actions(
                log,
                windows=list(windows),
                max_bucket_events=cap,
                min_weight=min_repeat,
                crowd_partners=crowd,
            )
            all_tables = engine.describe_pairs(
                counts, select(counts.tables), evidence_per_pair=self.evidence_per_pair
            )
        else:  # one window, every pair
            all_tables = [
                engine.co_action(
                    log,
                    window_seconds=windows[0],
                    max_bucket_events=cap,
                    evidence_per_pair=self.evidence_per_pair,
                    min_weight=min_repeat,
                )
            ]
        runs = [
            (window, tables, _with_window(tables.pairs, window))
            for window, tables in zip(windows, all_tables, strict=True)
        ]
        # Wider windows hold every pair of the narrower ones (the window is inclusive).
        widest = runs[-1][1]
        candidates = widest.candidate_pairs
        if self.significance:
            params["alpha"] = alpha
            described = pa.concat_tables([p for _, _, p in runs])
            keys = ["actor", "actor_y", "window_seconds"]
            test = tested["pairs"].select(
                [*keys, "observed", "expected", "p_value", "q_value", "strength", "test"]
            )
            pairs = described.join(test, keys=keys, join_type="inner")
            pairs = pairs.sort_by([("actor", "ascending"), ("actor_y", "ascending")])
            window, widest_tables, _ = runs[-1]
            groups = grow_groups(
                log,
                engine,
                pairs,
                widest_tables,
                window_seconds=window,
                alpha=alpha,
                max_bucket_events=cap,
                named=named,
            )
        else:
            groups = None
            pairs = runs[0][2].append_column(
                "strength", pc.cast(runs[0][2]["weight"], pa.float64())
            )
        notes = []
        capped = pc.sum(pc.cast(widest.objects["capped"], pa.int64())).as_py() or 0
        if capped:
            notes.append(
                f"{capped} object(s) had more than {cap} actions within one window; those windows "
                "were sampled, so their pair counts are lower bounds"
            )
        if crowd:
            n_crowds = pc.sum(pc.cast(widest.objects["crowd"], pa.int64())).as_py() or 0
            if n_crowds:
                notes.append(
                    f"{n_crowds} object(s) were crowds at {windows[-1]:g} s (more than {crowd} "
                    "other actions within the window of each of theirs, on average): co-actions "
                    "on them count there only within a narrower window"
                )
        # Pairs arrive ordered by (actor, actor_y); a stable sort keeps that order among ties.
        pairs = pairs.take(pc.array_sort_indices(pairs["strength"], order="descending"))
        return Findings(
            detector=self.name,
            pairs=pairs,
            evidence=_evidence_of(pairs, runs),
            actors=widest.actors,
            objects=widest.objects,
            params=params,
            notes=notes,
            candidate_pairs=candidates,
            groups=groups,
        )


def _with_window(pairs: pa.Table, window: float) -> pa.Table:
    return pairs.append_column("window_seconds", pa.array([window] * pairs.num_rows, pa.float64()))


def _evidence_of(pairs: pa.Table, runs: list) -> pa.Table:
    """The evidence of each kept pair, from the window it was kept at, ordered by pair and time."""
    parts, reordered = [], len(runs) > 1
    for window, tables, _ in runs:
        kept = pairs.filter(pc.equal(pairs["window_seconds"], window)).select(["actor", "actor_y"])
        if kept.num_rows == tables.pairs.num_rows:
            parts.append(tables.evidence)  # every pair kept: nothing to filter
        elif kept.num_rows:
            parts.append(
                tables.evidence.join(kept, keys=["actor", "actor_y"], join_type="left semi")
            )
            reordered = True  # a join does not keep the engine's order
    if not parts:
        return runs[0][1].evidence.slice(0, 0)
    evidence = pa.concat_tables(parts)
    if reordered:
        evidence = evidence.sort_by(
            [("actor", "ascending"), ("actor_y", "ascending"), ("time", "ascending")]
        )
    return evidence
