"""Write a hashtag run: ``hashtags.csv``, ``flooders.csv``, ``summary.json`` and ``report.html``,
all or nothing (the core's :func:`concerted.outputs.write_folder`).

As in the core's outputs, e-mail addresses, phone numbers and IP addresses in accounts and texts
become keyed pseudonyms (:mod:`concerted.privacy`, a random key per run) unless ``reveal`` is
true; control characters are replaced (:mod:`concerted.safetext`); CSV cells a spreadsheet would
run as a formula are prefixed with ``'`` (:func:`concerted.outputs.write_csv`).
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from ...outputs import iso_times, json_safe, write_csv, write_folder
from ...privacy import ID_COLUMNS, new_key, pseudonymise_table, pseudonymise_text
from ...safetext import clean_table, clean_value
from .lens import HashtagResult
from .report import render_hashtags_report

FILES = ("hashtags.csv", "flooders.csv", "summary.json", "report.html")
# Times the core's write_csv does not know by name: written here as ISO 8601.
_OWN_TIMES = ("takeover_start", "takeover_end")


def pseudonymise_hashtags(result: HashtagResult, key: bytes | None = None) -> HashtagResult:
    """The result with personal data in accounts and example texts pseudonymised, the same
    value getting the same pseudonym in every file of the run."""
    key = key or new_key()

    def post(p: dict) -> dict:
        return {
            **p,
            "actor": pseudonymise_text(p["actor"], key, ids=True),
            "text": pseudonymise_text(p["text"], key),
        }

    details = [
        {
            **d,
            "before": [post(p) for p in d["before"]],
            "after": [post(p) for p in d["after"]],
            "groups": [
                {**g, "actors": [pseudonymise_text(a, key, ids=True) for a in g["actors"]]}
                for g in d["groups"]
            ],
        }
        for d in result.details
    ]
    flooders = pseudonymise_table(result.flooders, ("actor",), key, id_columns=ID_COLUMNS)
    return replace(result, flooders=flooders, details=details)


def write_hashtags(
    result: HashtagResult, out_dir: str | Path, *, reveal: bool = False
) -> dict[str, Path]:
    """Write the four files into ``out_dir`` (created, or replaced whole if it holds only an
    earlier run's results). Returns the path of each file written."""
    if not reveal:
        result = pseudonymise_hashtags(result)
    result = replace(
        result,
        hashtags=clean_table(result.hashtags),
        flooders=clean_table(result.flooders),
        details=clean_value(result.details),
        summary=clean_value(result.summary),
    )
    out = Path(out_dir)

    def write(folder: Path) -> None:
        write_csv(iso_times(result.hashtags, _OWN_TIMES), folder / "hashtags.csv")
        write_csv(result.flooders, folder / "flooders.csv")
        (folder / "summary.json").write_text(
            json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
        )
        (folder / "report.html").write_text(render_hashtags_report(result), "utf-8")

    write_folder(out, write)
    return {name: out / name for name in FILES}
