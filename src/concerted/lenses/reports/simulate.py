"""A world of user reports with brigades, spammers and hot organic targets, and its answer key.

The world holds, over ``days`` days:

* **organic reporting**: ``n_reporters`` people, each with a habit of its own (a heavy-tailed
  number of reports), report targets chosen by the targets' popularity (a few are reported
  often, most once or twice), at times that follow a daily rhythm, each for a reason drawn from
  the target's own mix;
* **spammers** (truth ``spammer``): accounts reported by a hundred and more unrelated people
  over several days, mostly for ``spam``;
* **hot organic targets** (truth ``hot``): after a real event, a post draws a burst of reports
  within an hour or two from people chosen by their habits (the active reporters more often),
  mostly for one reason, decaying as the news ages;
* **brigades** (truth ``brigaded`` for their targets): groups of 8 to 40 accounts, some new, some
  with a history, sent to target after target (3 to 8 of them, about a day apart); at each call
  each member joins with a probability of its own and reports within minutes, all giving the
  same reason; between calls they file ordinary reports like everyone else, to blend in.

``reports.csv`` holds ``reporter, target, time, reason`` (ISO 8601 UTC); ``truth_targets.csv``
``target, kind, brigade`` for every planted target; ``truth_reporters.csv`` ``reporter, brigade``
for every brigade member who reported at least one of its targets.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import OutputError, ParameterError

START = 1_719_792_000.0  # 2024-07-01T00:00:00Z
HOUR = 3600.0
DAY = 86400.0
REASONS = ("spam", "hate", "harassment", "violence", "impersonation", "ban_evasion", "nudity",
           "misinformation", "scam", "other")  # fmt: skip


@dataclass(frozen=True)
class ReportsWorld:
    """A simulated world: the reports and the answer key."""

    reports: pa.Table
    truth_targets: pa.Table
    truth_reporters: pa.Table


def simulate_reports(
    seed: int = 0,
    *,
    n_reports: int = 200_000,
    n_reporters: int | None = None,
    days: float = 14.0,
    n_brigades: int = 4,
    n_spammers: int = 3,
    n_hot: int = 8,
) -> ReportsWorld:
    """Simulate a world of reports (see the module docstring).

    Parameters
    ----------
    seed
        The random seed: the same seed gives the same world.
    n_reports
        About how many organic reports; the planted ones come on top.
    n_reporters
        Organic reporters; one per 8 organic reports by default.
    days
        The span of the world.
    n_brigades, n_spammers, n_hot
        How many brigades, spammers and hot organic targets to plant.

    Example
    -------
    >>> world = simulate_reports(1, n_reports=20_000)
    >>> sorted(set(world.truth_targets["kind"].to_pylist()))
    ['brigaded', 'hot', 'spammer']
    """
    for name, value, low in (("n_reports", n_reports, 1000), ("days", days, 3)):
        if not value >= low:
            raise ParameterError(f"{name} must be at least {low}. Got {value!r}.")
    rng = np.random.default_rng(seed)
    n_reporters = n_reporters or max(200, n_reports // 8)
    n_targets = max(100, n_reports // 3)
    span = days * DAY
    parts: list[tuple] = []  # (reporter ids, target names, times, reasons)

    # Organic: each reporter's habit, each target's popularity and reason mix.
    habit = rng.lognormal(0.0, 1.0, n_reporters)
    habit /= habit.sum()
    popularity = rng.zipf(1.8, n_targets).astype(float)
    popularity /= popularity.sum()
    target_reason = rng.integers(0, len(REASONS), n_targets)
    who = rng.choice(n_reporters, n_reports, p=habit)
    what = rng.choice(n_targets, n_reports, p=popularity)
    when = _daily_times(rng, n_reports, span)
    own = rng.random(n_reports) < 0.7  # most reports give the target's own reason
    why = np.where(own, target_reason[what], rng.integers(0, len(REASONS), n_reports))
    parts.append((_names("r", who), _names("t", what), when, why))
    truth_targets: list[tuple[str, str, int | None]] = []
    truth_reporters: list[tuple[str, int]] = []

    # Spammers: many unrelated reporters over days.
    for s in range(n_spammers):
        n = int(rng.integers(100, 300))
        begin = rng.uniform(0, span - 5 * DAY)
        times = begin + rng.uniform(0, rng.uniform(3, 5) * DAY, n)
        people = rng.choice(n_reporters, n, replace=False, p=habit)
        reasons = np.where(rng.random(n) < 0.85, REASONS.index("spam"), REASONS.index("scam"))
        name = f"spammer{s}"
        parts.append((_names("r", people), np.array([name] * n, object), times, reasons))
        truth_targets.append((name, "spammer", None))

    # Hot organic targets: a burst after a real event, from people chosen by their habits.
    for h in range(n_hot):
        n = int(rng.integers(40, 400))
        event = rng.uniform(DAY, span - DAY)
        times = event + rng.exponential(rng.uniform(0.3, 1.5) * HOUR, n)
        people = rng.choice(n_reporters, n, replace=False, p=habit)
        main = rng.integers(0, len(REASONS))
        reasons = np.where(rng.random(n) < 0.75, main, rng.integers(0, len(REASONS), n))
        name = f"hot{h}"
        parts.append((_names("r", people), np.array([name] * n, object), times, reasons))
        truth_targets.append((name, "hot", None))

    # Brigades: the same accounts, sent to target after target, blending in between.
    for b in range(n_brigades):
        size = int(rng.integers(8, 41))
        members = [f"brigade{b}-m{i}" for i in range(size)]
        join = rng.uniform(0.5, 0.95, size)  # each member's own diligence
        reason = rng.integers(0, len(REASONS))
        n_victims = int(rng.integers(3, 9))
        first = rng.uniform(0, span - n_victims * DAY)
        joined = np.zeros(size, bool)
        for v in range(n_victims):
            call = first + v * DAY * rng.uniform(0.6, 1.4)
            go = rng.random(size) < join
            go[rng.integers(size)] = True  # someone always answers the call
            joined |= go
            k = int(go.sum())
            times = call + rng.exponential(rng.uniform(60, 300), k)
            victim = f"victim{b}-{v}"
            people = np.array(members, object)[go]
            parts.append((people, np.array([victim] * k, object), times, np.full(k, reason)))
            truth_targets.append((victim, "brigaded", b))
            # A victim is often reported a little before, organically.
            n_before = int(rng.poisson(1.5))
            if n_before:
                people = rng.choice(n_reporters, n_before, p=habit)
                before = rng.uniform(0, call, n_before)
                reasons = rng.integers(0, len(REASONS), n_before)
                names = np.array([victim] * n_before, object)
                parts.append((_names("r", people), names, before, reasons))
        # Blending: each member files ordinary reports on popular targets at its own times.
        n_blend = rng.poisson(rng.uniform(2, 12), size)
        for i, m in enumerate(members):
            if n_blend[i]:
                targets = rng.choice(n_targets, n_blend[i], p=popularity)
                times = _daily_times(rng, n_blend[i], span)
                names = np.array([m] * n_blend[i], object)
                parts.append((names, _names("t", targets), times, target_reason[targets]))
        truth_reporters += [(m, b) for m, j in zip(members, joined, strict=True) if j]

    reporters = np.concatenate([p[0] for p in parts])
    targets = np.concatenate([p[1] for p in parts])
    times = np.concatenate([p[2] for p in parts])
    reasons = np.array(REASONS, object)[np.concatenate([p[3] for p in parts]).astype(int)]
    order = np.argsort(times, kind="stable")
    reports = pa.table(
        {
            "reporter": pa.array(reporters[order], pa.string()),
            "target": pa.array(targets[order], pa.string()),
            "time": pa.array(START + np.round(times[order], 0), pa.float64()),
            "reason": pa.array(reasons[order], pa.string()),
        }
    )
    truth_t = pa.table(
        {
            "target": [t for t, _, _ in truth_targets],
            "kind": [k for _, k, _ in truth_targets],
            "brigade": pa.array([b for _, _, b in truth_targets], pa.int64()),
        }
    )
    truth_r = pa.table(
        {
            "reporter": [r for r, _ in truth_reporters],
            "brigade": pa.array([b for _, b in truth_reporters], pa.int64()),
        }
    )
    return ReportsWorld(reports, truth_t, truth_r)


def _daily_times(rng: np.random.Generator, n: int, span: float) -> np.ndarray:
    """``n`` times over ``span`` seconds, busier in the evening than at night."""
    days = rng.integers(0, max(1, int(span // DAY)), n)
    hours = (rng.normal(15.0, 5.0, n) % 24.0) * HOUR
    return np.minimum(days * DAY + hours, span - 1)


def _names(prefix: str, ids: np.ndarray) -> np.ndarray:
    """``ids`` as names (``r17``), as an array of Python strings."""
    names = pc.binary_join_element_wise(prefix, pc.cast(pa.array(ids), pa.string()), "")
    return np.array(names.to_pylist(), object)


def write_reports_world(world: ReportsWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write ``reports.csv``, ``truth_targets.csv`` and ``truth_reporters.csv`` into
    ``out_dir``. Times are written in ISO 8601 UTC (``2024-07-02T18:04:31Z``)."""
    out = Path(out_dir)
    paths = {
        "reports": out / "reports.csv",
        "truth_targets": out / "truth_targets.csv",
        "truth_reporters": out / "truth_reporters.csv",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        stamps = pc.cast(pc.cast(world.reports["time"], pa.int64()), pa.timestamp("s", tz="UTC"))
        iso = pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")
        pacsv.write_csv(world.reports.set_column(2, "time", iso), paths["reports"])
        pacsv.write_csv(world.truth_targets, paths["truth_targets"])
        pacsv.write_csv(world.truth_reporters, paths["truth_reporters"])
    except OSError as exc:
        raise OutputError(f"Cannot write the simulated reports to {out}: {exc}.") from None
    return paths
