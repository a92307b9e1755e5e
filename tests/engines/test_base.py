"""The Engine interface: its co-action primitives and the fallbacks an engine inherits."""

from __future__ import annotations

from concerted.engines.base import Engine
from concerted.engines.duckdb import DuckDBEngine

from .test_duckdb import SOURCED, WINDOWS, _log, _rows


class OnlyCoAction(Engine):
    """An engine that implements co_action alone (by DuckDB's), as a new engine might."""

    name = "only-co-action"

    def co_action(self, log, **kwargs):
        return DuckDBEngine().co_action(log, **kwargs)

    group_actions = group_co_action = recurring_bursts = None


def _keep_b(counted):
    return [t.pairs.filter([a == "b" for a in t.pairs["actor"].to_pylist()]) for t in counted]


def test_engine_count_then_describe_is_co_action_windows_with_select():
    engine = DuckDBEngine()
    counts = engine.count_co_actions(
        _log(WINDOWS), windows=[10.0, 60.0], max_bucket_events=100, min_weight=1
    )
    assert [_rows(t.pairs) for t in counts.tables] == [
        [("a", "b", 2, 1, 0, 0), ("b", "c", 1, 1, 1, 0)],
        [("a", "b", 3, 1, 0, 0), ("a", "c", 2, 1, 0, 0), ("b", "c", 2, 1, 2, 0)],
    ]
    assert all(t.evidence.num_rows == 0 for t in counts.tables)
    described = engine.describe_pairs(counts, _keep_b(counts.tables), evidence_per_pair=2)
    at_once = engine.co_action_windows(
        _log(WINDOWS), windows=[10.0, 60.0], max_bucket_events=100, evidence_per_pair=2,
        select=_keep_b,
    )  # fmt: skip
    for t, u in zip(described, at_once, strict=True):
        assert t.candidate_pairs == u.candidate_pairs
        assert t.pairs.equals(u.pairs) and t.evidence.equals(u.evidence)
        assert t.objects.equals(u.objects) and t.actors.equals(u.actors)
    assert _rows(described[1].pairs) == [("b", "c", 2, 1, 2, 22.5, 5.0, 160.0)]


def test_engine_fallbacks_built_on_co_action_alone():
    only, duck = OnlyCoAction(), DuckDBEngine()
    for rows in (WINDOWS, [r[:3] for r in SOURCED]):
        kwargs = dict(windows=[10.0, 60.0], max_bucket_events=100, min_weight=1)
        mine = only.count_co_actions(_log(rows), **kwargs)
        theirs = duck.count_co_actions(_log(rows), **kwargs)
        for t, u in zip(mine.tables, theirs.tables, strict=True):
            assert t.candidate_pairs == u.candidate_pairs
            # co_action gives no audience counts: the fallback passes what it has
            assert _rows(t.pairs) == [r[:4] for r in _rows(u.pairs)]
            assert t.objects.equals(u.objects)
        chosen = _keep_b(theirs.tables)
        for t, u in zip(
            only.describe_pairs(mine, chosen, evidence_per_pair=1),
            duck.describe_pairs(theirs, chosen, evidence_per_pair=1),
            strict=True,
        ):
            assert t.pairs.equals(u.pairs)
            assert t.evidence.equals(u.evidence)
    every = only.co_action_windows(
        _log(WINDOWS), windows=[10.0, 60.0], max_bucket_events=100, evidence_per_pair=2
    )
    assert [_rows(t.pairs) for t in every] == [
        _rows(t.pairs)
        for t in duck.co_action_windows(
            _log(WINDOWS), windows=[10.0, 60.0], max_bucket_events=100, evidence_per_pair=2
        )
    ]
