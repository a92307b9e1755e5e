"""Write a reports run: ``targets.csv``, ``reporters.csv``, ``groups.csv``, ``summary.json`` and
``report.html``, all or nothing (the core's :func:`concerted.outputs.write_folder`).

As in the core's outputs, e-mail addresses, phone numbers and IP addresses in reporters, targets
and reasons become keyed pseudonyms (:mod:`concerted.privacy`, a random key per run) unless
``reveal`` is true; control characters are replaced (:mod:`concerted.safetext`); CSV cells a
spreadsheet would run as a formula are prefixed with ``'`` (:func:`concerted.outputs.write_csv`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from ...outputs import iso_times, json_safe, write_csv, write_folder
from ...privacy import new_key, pseudonymise_table
from ...safetext import clean_table, clean_value
from .lens import ReportsResult
from .report import render_reports_report
from .statements import write_statements
from .tables import TIME_COLUMNS

FILES = ("targets.csv", "reporters.csv", "groups.csv", "summary.json", "report.html")
_IDS = ("reporter", "target")


def pseudonymise_reports(result: ReportsResult, key: bytes | None = None) -> ReportsResult:
    """The result with personal data in reporters, targets, reasons and evidence pseudonymised,
    the same value getting the same pseudonym in every table of the run."""
    key = key or new_key()

    def table(t: pa.Table, columns: tuple[str, ...]) -> pa.Table:
        return pseudonymise_table(t, columns, key, id_columns=_IDS)

    return replace(
        result,
        targets=table(result.targets, ("target", "top_reason", "evidence")),
        reporters=table(result.reporters, ("reporter",)),
        reports=table(result.reports, ("reporter", "target", "reason")),
        groups=table(result.groups, ("top_reason",)),
    )


def write_reports(
    result: ReportsResult,
    out_dir: str | Path,
    *,
    reveal: bool = False,
    statements: list[dict] | None = None,
    sor_path: str | Path | None = None,
) -> dict[str, Path]:
    """Write the five files into ``out_dir`` (created, or replaced whole if it holds only an
    earlier run's results), and ``statements`` (of :func:`.statements.build_statements`, which
    hold no personal data) to ``sor_path``, within the folder's atomic write when it is in
    ``out_dir``. Returns the path of each file written."""
    if not reveal:
        result = pseudonymise_reports(result)
    result = replace(
        result,
        targets=clean_table(result.targets),
        reporters=clean_table(result.reporters),
        groups=clean_table(result.groups),
        summary=clean_value(result.summary),
    )
    out = Path(out_dir)
    sor = Path(sor_path) if sor_path is not None and statements is not None else None
    inside = sor is not None and sor.absolute().parent == out.absolute()

    def write(folder: Path) -> None:
        if inside:
            write_statements(statements, folder / sor.name)
        write_csv(iso_times(result.targets, TIME_COLUMNS), folder / "targets.csv")
        write_csv(iso_times(result.reporters, TIME_COLUMNS), folder / "reporters.csv")
        write_csv(result.groups, folder / "groups.csv")
        (folder / "summary.json").write_text(
            json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
        (folder / "report.html").write_text(render_reports_report(result), "utf-8")

    write_folder(out, write)
    paths = {name: out / name for name in FILES}
    if sor is not None:
        if not inside:
            write_statements(statements, sor)
        paths[sor.name] = sor
    return paths
