"""The engine interface: where the heavy joins run.

Detectors describe *what* to compute and call an :class:`Engine`; they never import DuckDB or
Spark themselves. DuckDB (embedded) is the default; a Spark engine implements the same methods
for logs that outgrow one machine.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, replace

import pyarrow as pa

from ..schema import Log

PAIR_COLUMNS = (
    "actor",
    "actor_y",
    "weight",
    "sources",
    "co_actions",
    "median_delay_seconds",
    "first_time",
    "last_time",
)
EVIDENCE_COLUMNS = ("actor", "actor_y", "object", "time", "time_y")
# The count columns of a pair (see CoActionCounts), where an engine gives them.
_COUNT_COLUMNS = ("actor", "actor_y", "weight", "sources", "audience", "other_sources")
# A source has an audience when the log holds actions on at least this many of its objects.
MIN_AUDIENCE_POSTS = 2


@dataclass(frozen=True)
class CoActionTables:
    """What an engine returns for co-action.

    Attributes
    ----------
    candidate_pairs
        How many pairs co-acted at least once, before ``min_weight``.
    pairs
        One row per unordered actor pair (``actor < actor_y``) with :data:`PAIR_COLUMNS`:
        ``weight`` = distinct objects co-acted on, ``sources`` = distinct sources of those
        objects (an object's source is whoever acted on it first), ``co_actions`` = pairs of
        actions within the
        window, ``median_delay_seconds`` = median over the objects of the closest gap.
    evidence
        The co-actions behind each pair (:data:`EVIDENCE_COLUMNS`): its closest co-action on
        each of its first ``evidence_per_pair`` objects.
    actors
        One row per actor: ``actor, actions, objects``.
    objects
        One row per object: ``object, actions, actors, close_pairs, capped, crowd`` where
        ``close_pairs`` counts pairs of its actions within the window (its burst tightness),
        ``capped`` says that a window of it held more than ``max_bucket_events`` actions and
        was sampled, and ``crowd`` that it is a crowd at this window (see
        :meth:`Engine.count_co_actions`).
    """

    candidate_pairs: int
    pairs: pa.Table
    evidence: pa.Table
    actors: pa.Table
    objects: pa.Table


@dataclass(frozen=True)
class GroupCoActionTables:
    """What an engine returns for group co-action.

    Attributes
    ----------
    hits
        One row per (group, actor, object) where the actor acted on one of the group's objects
        within the window of a member: ``group, actor, object, source`` (the object's source,
        as in :meth:`Engine.co_action`).
    objects
        The group's objects, one row per member that acted on it in step with another member:
        ``group, object, members`` (how many members did), ``actor``, ``in_step``: the
        share of the object's actions (by anyone) within the window of a member's, and
        ``member_actions``: how many of its actions are the group's.
    """

    hits: pa.Table
    objects: pa.Table


@dataclass(frozen=True)
class CoActionCounts:
    """What :meth:`Engine.count_co_actions` returns: every pair counted, none described yet.

    Attributes
    ----------
    tables
        One :class:`CoActionTables` per window, in order, whose ``pairs`` hold the counts only:
        ``actor, actor_y, weight, sources, audience, other_sources`` (the pairs of weight
        ``min_weight`` or more; ``audience`` counts the objects co-acted on whose source has an
        audience, :data:`MIN_AUDIENCE_POSTS` objects or more, and is neither of the pair;
        ``other_sources`` the distinct sources of the others) and whose ``evidence`` is empty.
    state
        The engine's own, for :meth:`Engine.describe_pairs` (an open database, cached data);
        nothing a caller reads.
    """

    tables: list[CoActionTables]
    state: object = None


# Given each window's pairs with their counts only and object statistics (the ``tables`` of
# :class:`CoActionCounts`), the pairs worth describing at each window (``actor, actor_y``).
Selector = Callable[[list[CoActionTables]], list[pa.Table]]


class Engine(ABC):
    """Runs the set-based computations of the detectors.

    Co-action comes as three primitives: :meth:`co_action` (every pair at one window, described),
    :meth:`count_co_actions` (every pair at several windows, counted) and
    :meth:`describe_pairs` (the pairs a caller chose among those counted, described). Only
    :meth:`co_action` must be implemented: the other two fall back on it, one window at a time
    (then without crowds, and with the columns :meth:`co_action` gives). An engine overrides them
    to share one join between windows and to describe only the few pairs chosen.
    """

    name: str = "engine"

    @abstractmethod
    def co_action(
        self,
        log: Log,
        *,
        window_seconds: float,
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
    ) -> CoActionTables:
        """Every pair of distinct actors acting on one object within ``window_seconds``
        (inclusive: a gap exactly equal to the window counts) on at least ``min_weight``
        distinct objects."""

    def count_co_actions(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        min_weight: int = 1,
        crowd_partners: int | None = None,
    ) -> CoActionCounts:
        """Every pair that co-acted at each of ``windows``, counted: see :class:`CoActionCounts`.

        With ``crowd_partners``, an object whose actions have more than that many others each
        within a window, on average, is a crowd at that window: there, a pair's co-actions on
        it count only if they fall within the widest narrower window where it is not a crowd
        (or the narrowest), while its ``close_pairs`` stay those of the window itself. Pair
        counts can only fall and the null model's expectations stay, so a test on them can
        only grow more cautious, never bolder; and the crowd's square of pairs is never
        enumerated. An engine that cannot do this counts every pair in full (as this default
        does, with :meth:`co_action` at each window).
        """
        tables = []
        for w in windows:
            t = self.co_action(
                log,
                window_seconds=w,
                max_bucket_events=max_bucket_events,
                evidence_per_pair=0,
                min_weight=min_weight,
            )
            if "crowd" not in t.objects.column_names:
                crowd = pa.array([False] * t.objects.num_rows, pa.bool_())
                t = replace(t, objects=t.objects.append_column("crowd", crowd))
            counts = [c for c in _COUNT_COLUMNS if c in t.pairs.column_names]
            tables.append(replace(t, pairs=t.pairs.select(counts)))
        state = (log, list(windows), max_bucket_events, min_weight)
        return CoActionCounts(tables, state)

    def describe_pairs(
        self, counts: CoActionCounts, chosen: list[pa.Table], *, evidence_per_pair: int
    ) -> list[CoActionTables]:
        """The pairs ``chosen`` at each window (``actor, actor_y``), among those ``counts``
        holds, described as :meth:`co_action` describes them, with their closest co-action on
        each of their first ``evidence_per_pair`` objects. Ends ``counts``' use. This default
        runs :meth:`co_action` again at each window and keeps the chosen pairs.
        """
        log, windows, max_bucket_events, min_weight = counts.state
        keys = ["actor", "actor_y"]
        out = []
        for w, counted, keep in zip(windows, counts.tables, chosen, strict=True):
            t = self.co_action(
                log,
                window_seconds=w,
                max_bucket_events=max_bucket_events,
                evidence_per_pair=evidence_per_pair,
                min_weight=min_weight,
            )
            pairs = t.pairs.join(keep.select(keys), keys=keys, join_type="left semi")
            evidence = t.evidence.join(keep.select(keys), keys=keys, join_type="left semi")
            order = [(k, "ascending") for k in [*keys, "time", "object"]]
            out.append(replace(counted, pairs=pairs.sort_by(order[:2]),
                               evidence=evidence.sort_by(order)))  # fmt: skip
        return out

    def co_action_windows(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
        select: Selector | None = None,
        crowd_partners: int | None = None,
    ) -> list[CoActionTables]:
        """:meth:`co_action` at each of ``windows``, in order, in two steps:
        :meth:`count_co_actions` (crowds: see there; the counts ``select`` reads: see
        :class:`CoActionCounts`), then :meth:`describe_pairs` of the pairs ``select`` chooses
        from the counts (every pair counted without it). A significance test keeps a few
        thousand of millions this way."""
        counts = self.count_co_actions(
            log,
            windows=windows,
            max_bucket_events=max_bucket_events,
            min_weight=min_weight,
            crowd_partners=crowd_partners,
        )
        if select is None:
            chosen = [t.pairs.select(["actor", "actor_y"]) for t in counts.tables]
        else:
            chosen = select(counts.tables)
        return self.describe_pairs(counts, chosen, evidence_per_pair=evidence_per_pair)

    @abstractmethod
    def group_actions(self, log: Log, members: pa.Table) -> pa.Table:
        """The actions of each group's members on objects that two or more members acted on.

        ``members`` has columns ``actor, group``. Returns ``group, actor, action, object, time,
        text, row, members`` (``members`` = how many members of the group acted on the object),
        ordered by group and time.
        """

    @abstractmethod
    def group_co_action(
        self, log: Log, members: pa.Table, *, window_seconds: float, max_bucket_events: int
    ) -> GroupCoActionTables:
        """How many of a group's objects each actor acted on within ``window_seconds`` of a
        member (inclusive).

        ``members`` has columns ``actor, group``; a group's objects are those two or more of its
        members acted on within ``window_seconds`` of each other. A member is compared with the
        rest of its group: its own actions aside, and an object counts for it only if two
        *other* members acted on it in step.
        """

    @abstractmethod
    def recurring_bursts(
        self,
        log: Log,
        *,
        window_seconds: float,
        min_actors: int,
        max_actors: int,
        min_shared: int,
        min_recurrences: int,
    ) -> pa.Table:
        """Bursts whose actors meet again in other bursts: candidate groups.

        A burst is a run of actions on one object, each within ``window_seconds`` of the one
        before (inclusive). Kept are the bursts of ``min_actors`` to ``max_actors`` distinct
        actors that share at least ``min_shared`` actors with each of at least
        ``min_recurrences`` other such bursts. Returns ``burst, actor`` (``burst`` numbered
        from 0), ordered by burst and actor.
        """


def member_table(membership: dict[str, int]) -> pa.Table:
    """actor -> group as a two-column table, the form engines take."""
    return pa.table(
        {
            "actor": pa.array(list(membership), pa.string()),
            "group": pa.array(list(membership.values()), pa.int64()),
        }
    )
