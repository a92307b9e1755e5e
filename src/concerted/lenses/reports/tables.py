"""The reports lens's tables, declared once: what ``targets.csv`` and ``reporters.csv`` hold.

``time`` columns are epoch seconds (UTC) in memory and ISO 8601 in the CSV files (the core's
:func:`concerted.outputs.write_csv` writes every column named in its time columns so, and the
lens's own ones through :data:`TIME_COLUMNS`).
"""

from __future__ import annotations

import pyarrow as pa

TARGETS = pa.schema(
    [
        ("target", pa.string()),
        ("brigaded", pa.bool_()),
        ("reports", pa.int64()),  # every report on the target (one reporter may file several)
        ("reporters", pa.int64()),  # distinct reporters
        ("coordinated_reports", pa.int64()),  # by a group member, within the window of another's
        ("coordinated_reporters", pa.int64()),
        ("coordinated_share", pa.float64()),  # coordinated_reports / reports
        # coordinated_reports / the reports from 10 min before the first coordinated one to
        # 10 min after the last (what the verdict's min_share is compared with)
        ("attack_share", pa.float64()),
        ("groups", pa.int64()),  # coordinated groups among its reporters
        ("top_group", pa.int64()),  # the group that filed most of its coordinated reports
        ("peak_reports", pa.int64()),  # most reports within one burst window
        ("peak_start", pa.float64()),  # when that window starts
        ("expected_reports", pa.float64()),  # in a window, from its own history or the platform's
        ("burst_ratio", pa.float64()),  # peak_reports / expected_reports
        ("burst_p_value", pa.float64()),  # P(peak >= observed) under Poisson(expected), per window
        ("top_reason", pa.string()),
        ("top_reason_share", pa.float64()),  # of all its reports
        ("coordinated_reason_share", pa.float64()),  # the top reason's share of coordinated ones
        ("first_report_share", pa.float64()),  # reporters whose first report was this target
        ("median_reporter_reports", pa.float64()),  # reports each of its reporters filed in all
        ("first_time", pa.float64()),
        ("last_time", pa.float64()),
        ("evidence", pa.string()),
    ]
)

REPORTERS = pa.schema(
    [
        ("reporter", pa.string()),
        ("group", pa.int64()),  # the core's coordinated group
        ("reports", pa.int64()),
        ("targets", pa.int64()),
        ("coordinated_reports", pa.int64()),
        ("brigade_reports", pa.int64()),  # coordinated reports on targets judged brigaded
        ("brigade_share", pa.float64()),  # brigade_reports / reports (an Art. 23 input)
        ("brigaded_targets", pa.int64()),
        ("p_value", pa.float64()),  # the core's test of its membership
        ("first_time", pa.float64()),
        ("last_time", pa.float64()),
        ("evidence", pa.string()),  # the core's reason for its membership
    ]
)

# Columns written as ISO 8601 times.
TIME_COLUMNS = ("peak_start", "first_time", "last_time")
