"""Hand-made reports with a known answer, shared by the reports lens's tests.

* a brigade: ``b0``..``b5`` report ``victim0``..``victim3`` (one a day), each within 100 s of the
  first, all for ``hate``; to blend in, each also reports three ordinary targets of its own, at
  its own times (``misc-b0-0``...);
* a spammer: 30 unrelated people ``u0``..``u29`` report ``spammer`` every three hours for four days;
* a hot post: 40 unrelated people ``h0``..``h39`` report ``hotpost`` within half an hour after a
  real event, for ``violence``;
* background: 150 people ``o0``..``o149`` report 60 ordinary targets, five times each, hours
  apart (a platform has many targets with a few reports: the core's null model needs them to know
  how often people meet by chance on targets as popular as the victims).
"""

from __future__ import annotations

import csv

import pytest

DAY = 86400.0
START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


def report_rows() -> list[dict]:
    rows = []
    for k in range(4):
        for i in range(6):
            rows.append((f"b{i}", f"victim{k}", START + DAY * k + 20 * i, "hate"))
    for i in range(6):
        for j in range(3):
            rows.append((f"b{i}", f"misc-b{i}-{j}", START + 7000 * i + 31000 * j + 5000, "spam"))
    for i in range(30):
        rows.append((f"u{i}", "spammer", START + 3 * 3600 * i, "spam"))
    for i in range(40):
        rows.append((f"h{i}", "hotpost", START + 2 * DAY + 45 * i, "violence"))
    for k in range(60):
        for j in range(5):
            rows.append(
                (f"o{(5 * k + j) % 150}", f"t{k}", START + 5000 * k + 20000 * j + 400, "spam")
            )
    return [dict(zip(("reporter", "target", "time", "reason"), r, strict=True)) for r in rows]


@pytest.fixture
def reports_csv(tmp_path):
    path = tmp_path / "reports.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, ["reporter", "target", "time", "reason"])
        writer.writeheader()
        writer.writerows(report_rows())
    return path
