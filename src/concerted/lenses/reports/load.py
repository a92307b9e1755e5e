"""Reading a file of user reports: ``reporter, target, time, reason``, one report a row.

The file is read as ``concerted detect`` reads a log (:func:`concerted.load_log`: CSV, JSON lines,
Parquet, compressed or zipped), the lens's columns mapped once to the canonical ones: the reporter
is the ``actor``, the target the ``object``, the reason the ``action``. Columns named ``reporter``,
``target`` and ``reason`` (or a few common spellings, :data:`ALIASES`) are found on their own;
others are mapped with ``--map reporter=flagger_id`` (or the canonical ``--map actor=...``).
"""

from __future__ import annotations

from pathlib import Path

from ...columns import shown_columns
from ...errors import ParameterError, SchemaError
from ...io import inspect_log, load_log
from ...schema import Log

# The lens's column -> the canonical column it becomes.
CANONICAL = {"reporter": "actor", "target": "object", "time": "time", "reason": "action"}
# Spellings found without a --map, tried in this order (case-insensitively).
ALIASES = {
    "reporter": ("reporter", "reporter_id", "flagger", "flagger_id", "notifier", "reported_by"),
    "target": ("target", "target_id", "reported", "reported_account", "reported_id", "content_id"),
    "time": ("time", "created_at", "reported_at", "timestamp", "date"),
    "reason": ("reason", "report_reason", "category", "violation", "policy"),
}
REQUIRED = ("reporter", "target", "time")


def load_reports(
    path: str | Path,
    *,
    mapping: dict[str, str] | None = None,
    format: str | None = None,
) -> Log:
    """Reports as a :class:`~concerted.schema.Log`: ``actor`` the reporter, ``object`` the
    target, ``action`` the reason (null where the file has none).

    Parameters
    ----------
    path
        The file (see :func:`concerted.load_log` for the formats).
    mapping
        Lens column (``reporter``, ``target``, ``time``, ``reason``) or canonical column ->
        the file's column, e.g. ``{"reporter": "flagger_id"}``.
    format
        ``csv``, ``jsonl`` or ``parquet``; recognised from the content when omitted.

    Raises
    ------
    SchemaError
        The file lacks a reporter, target or time column, naming the columns it has and the
        ``--map`` that fixes it.
    """
    name = str(path)
    canonical = _canonical_mapping(mapping or {})
    _, columns = inspect_log(path, name)
    lowered = {c.lower(): c for c in columns}
    taken = set(canonical.values())
    for lens, canon in CANONICAL.items():
        if canon in canonical:
            continue
        found = next((lowered[a] for a in ALIASES[lens] if a in lowered), None)
        if found is not None and found not in taken:
            canonical[canon] = found
            taken.add(found)
        elif lens in REQUIRED:
            raise SchemaError(
                f"{name} has no '{lens}' column. Map one with --map {lens}=COLUMN "
                f"(its columns are: {shown_columns(columns)})."
            )
    return load_log(path, mapping=canonical, format=format)


def _canonical_mapping(mapping: dict[str, str]) -> dict[str, str]:
    """Lens names turned into canonical ones; a name that is neither is refused."""
    out: dict[str, str] = {}
    for key, column in mapping.items():
        if key in CANONICAL:
            canon = CANONICAL[key]
        elif key in CANONICAL.values():
            canon = key
        else:
            raise ParameterError(
                f"--map {key}=...: {key!r} is not a column of reports. Map any of "
                f"{', '.join(CANONICAL)} (e.g. --map reporter=flagger_id)."
            )
        if canon in out:
            raise ParameterError(f"--map names the {key} column twice; keep one.")
        out[canon] = column
    return out
