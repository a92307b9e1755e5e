"""Write a sign-up run: ``registrations.csv``, ``summary.json``, ``report.html`` and the fitted
``model.json`` (parameters only, for the live service), all or nothing.

Names, e-mail addresses, phone numbers and IP addresses are replaced by keyed pseudonyms
(:mod:`concerted.privacy`, a random key per run) unless ``reveal`` is true; anything that looks
like an address or a number inside ids and referrers is too. Cells a spreadsheet would run as a
formula are prefixed with ``'``.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pyarrow as pa

from ...outputs import json_safe, write_csv, write_folder
from ...privacy import new_key, pseudonymise_table, pseudonymise_values
from ...safetext import clean_table, clean_value
from .lens import SignupResult
from .report import render_signups_report

FILES = ("registrations.csv", "summary.json", "report.html", "model.json")
# Column -> pseudonym kind. Whole values are replaced: a name is personal data however it looks.
PERSONAL = {"name": "name", "email": "email", "phone": "phone", "ip": "ip"}
# Free text that may hold an address or a number somewhere inside.
FREE_TEXT = ("id", "referrer", "postcode")


def pseudonymise_registrations(table: pa.Table, key: bytes | None = None) -> pa.Table:
    """The registrations with personal columns replaced by pseudonyms (the same value gets the
    same pseudonym within one key)."""
    key = key or new_key()
    for column, kind in PERSONAL.items():
        if column in table.column_names:
            i = table.column_names.index(column)
            table = table.set_column(i, column, pseudonymise_values(table[column], kind, key))
    return pseudonymise_table(table, FREE_TEXT, key)


def write_signups(
    result: SignupResult, out_dir: str | Path, *, reveal: bool = False
) -> dict[str, Path]:
    """Write the three files into ``out_dir`` (created, or replaced whole).

    Returns the path of each file written.
    """
    table = result.registrations if reveal else pseudonymise_registrations(result.registrations)
    table = clean_table(table)  # control characters out of the CSV and the report
    result = replace(result, summary=clean_value(result.summary))
    out = Path(out_dir)

    def write(folder: Path) -> None:
        write_csv(table, folder / "registrations.csv")
        (folder / "summary.json").write_text(
            json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
        (folder / "report.html").write_text(render_signups_report(result, table), "utf-8")
        (folder / "model.json").write_text(
            json.dumps(model_document(result), indent=1) + "\n", "utf-8"
        )

    write_folder(out, write)
    return {name: out / name for name in FILES}


def model_document(result: SignupResult) -> dict:
    """The fitted model and the settings it was fitted with, for ``concerted serve signups
    --model``. It holds parameters only, no registration."""
    return {
        "kind": "concerted.signups.model",
        "version": 1,
        "venue_postcode": result.summary["params"]["venue_postcode"],
        "country": result.summary["params"]["country"],
        "fit": result.fit.to_dict(),
    }
