"""Write a narratives run: ``narratives.csv``, ``summary.json`` and ``report.html``, all or nothing
(the core's :func:`concerted.outputs.write_folder`).

As in the core's outputs, e-mail addresses, phone numbers and IP addresses in accounts and texts
become keyed pseudonyms (:mod:`concerted.privacy`, a random key per run) unless ``reveal`` is
true; control characters are replaced (:mod:`concerted.safetext`); CSV cells a spreadsheet would
run as a formula are prefixed with ``'`` (:func:`concerted.outputs.write_csv`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ...outputs import json_safe, write_csv, write_folder
from ...privacy import ID_COLUMNS, new_key, pseudonymise_table, pseudonymise_text
from ...safetext import clean_table, clean_value
from .lens import NarrativeResult
from .report import render_narratives_report

FILES = ("narratives.csv", "summary.json", "report.html")


def pseudonymise_narratives(result: NarrativeResult, key: bytes | None = None) -> NarrativeResult:
    """The result with personal data in accounts and texts pseudonymised, the same value getting
    the same pseudonym in every file of the run."""
    key = key or new_key()
    posts = pseudonymise_table(
        result.posts,
        ("actor", "text", "id", "linked_to"),
        key,
        id_columns=(*ID_COLUMNS, "id", "linked_to"),
    )
    narratives = pseudonymise_table(result.narratives, ("text",), key, id_columns=ID_COLUMNS)
    details = [
        {
            **d,
            "languages": [{**x, "text": pseudonymise_text(x["text"], key)} for x in d["languages"]],
            "accounts": [
                {**a, "actor": pseudonymise_text(a["actor"], key, ids=True)} for a in d["accounts"]
            ],
        }
        for d in result.details
    ]
    return replace(result, posts=posts, narratives=narratives, details=details)


def write_narratives(
    result: NarrativeResult, out_dir: str | Path, *, reveal: bool = False
) -> dict[str, Path]:
    """Write the three files into ``out_dir`` (created, or replaced whole if it holds only an
    earlier run's results). Returns the path of each file written."""
    if not reveal:
        result = pseudonymise_narratives(result)
    result = replace(
        result,
        posts=clean_table(result.posts),
        narratives=clean_table(result.narratives),
        details=clean_value(result.details),
        summary=clean_value(result.summary),
    )
    out = Path(out_dir)

    def write(folder: Path) -> None:
        write_csv(result.posts, folder / "narratives.csv")
        (folder / "summary.json").write_text(
            json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
        (folder / "report.html").write_text(render_narratives_report(result), "utf-8")

    write_folder(out, write)
    return {name: out / name for name in FILES}
