"""Statements of reasons for a platform's decisions, from the decisions file and the reports lens.

A decisions file holds one restriction a row: ``target, decision, time, ground, category`` and
the texts the database requires with the ground (``legal_ground``, ``explanation``); optional
columns fill optional fields (:data:`OPTIONAL`). Each decision becomes one statement of the
Transparency Database (:mod:`.sor`), whose ``decision_facts`` say how many user reports on the
target came before the decision and how many of them the lens found coordinated, with no
personal data: no target, reporter, e-mail address, phone number or IP address is written (Art.
24(5) DSA), and a text of the decisions file that holds one is refused, naming its row.

Values are the database's own keys (``DECISION_ACCOUNT_SUSPENDED``,
``STATEMENT_CATEGORY_SCAMS_AND_FRAUD``) or their short forms: a decision of :data:`DECISIONS`
(``suspended``, ``removed``...), a ground ``illegal`` or ``incompatible``, a category without its
``STATEMENT_CATEGORY_`` prefix, in any case.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...columns import shown_columns
from ...errors import SchemaError
from ...inputs import read_text_table
from ...io import parse_times
from ...privacy import find_personal_data
from .lens import ReportsResult
from .sor import (
    DECISION_ACCOUNTS,
    DECISION_MONETARIES,
    DECISION_PROVISIONS,
    DECISION_VISIBILITIES,
    validate_statement,
)

# Short forms of decisions -> the database's key.
DECISIONS = {
    "removed": "DECISION_VISIBILITY_CONTENT_REMOVED",
    "disabled": "DECISION_VISIBILITY_CONTENT_DISABLED",
    "demoted": "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "age_restricted": "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "interaction_restricted": "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "labelled": "DECISION_VISIBILITY_CONTENT_LABELLED",
    "suspended": "DECISION_ACCOUNT_SUSPENDED",
    "terminated": "DECISION_ACCOUNT_TERMINATED",
    "monetary_suspension": "DECISION_MONETARY_SUSPENSION",
    "monetary_termination": "DECISION_MONETARY_TERMINATION",
    "service_partial_suspension": "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "service_total_suspension": "DECISION_PROVISION_TOTAL_SUSPENSION",
    "service_partial_termination": "DECISION_PROVISION_PARTIAL_TERMINATION",
    "service_total_termination": "DECISION_PROVISION_TOTAL_TERMINATION",
}
_FAMILY = {
    **dict.fromkeys(DECISION_VISIBILITIES, "decision_visibility"),
    **dict.fromkeys(DECISION_MONETARIES, "decision_monetary"),
    **dict.fromkeys(DECISION_PROVISIONS, "decision_provision"),
    **dict.fromkeys(DECISION_ACCOUNTS, "decision_account"),
}
GROUNDS = {
    "illegal": "DECISION_GROUND_ILLEGAL_CONTENT",
    "incompatible": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
}
REQUIRED = ("target", "decision", "time", "ground", "category")
# Optional columns of the decisions file -> the statement's field (lists split on ';').
OPTIONAL = {
    "content_type": "content_type",
    "content_type_other": "content_type_other",
    "decision_other": None,  # the *_other text of an "other" decision
    "content_date": "content_date",
    "puid": "puid",
    "source_type": "source_type",
    "automated_detection": "automated_detection",
    "automated_decision": "automated_decision",
    "account_type": "account_type",
    "territorial_scope": "territorial_scope",
    "content_language": "content_language",
    "end_date": None,  # the end date of the restriction, in its family's field
    "reference_url": "decision_ground_reference_url",
    "illegal": "incompatible_content_illegal",
    "category_specification": "category_specification",
    "facts": None,  # the platform's own facts, written before the lens's
    "legal_ground": None,
    "explanation": None,
}
_LISTS = ("content_type", "territorial_scope", "category_specification")
# Free texts of the decisions file that reach a statement: checked for personal data.
_TEXTS = ("facts", "legal_ground", "explanation", "content_type_other", "decision_other")
_END_DATE = {
    "decision_visibility": "end_date_visibility_restriction",
    "decision_monetary": "end_date_monetary_restriction",
    "decision_provision": "end_date_service_restriction",
    "decision_account": "end_date_account_restriction",
}


def read_decisions(path: str | Path) -> pa.Table:
    """The decisions file as text columns plus ``time`` (epoch seconds) and ``__row``.

    Raises
    ------
    SchemaError
        A required column is missing (naming the columns the file has), or a time is not one.
    """
    name = str(path)
    table = read_text_table(path)
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise SchemaError(
            f"{name} has no {', '.join(repr(c) for c in missing)} column(s); a decisions file "
            f"needs {', '.join(REQUIRED)} (its columns are: {shown_columns(table.column_names)})."
        )
    times = parse_times(table["time"], column="time", name=name)
    return table.set_column(table.column_names.index("time"), "time", pa.array(times))


def build_statements(decisions: pa.Table, result: ReportsResult, name: str) -> list[dict]:
    """One statement of reasons per decision, each valid (:func:`.sor.validate_statement`).

    The reports behind a decision are those on its target up to its time; ``decision_facts``
    counts them, the coordinated ones and the groups they came from, and says whether the lens
    judged the target brigaded.

    Raises
    ------
    SchemaError
        A decision cannot make a valid statement, or one of its texts holds personal data: the
        message names the row of ``name``, the field and the fix.
    """
    reports = result.reports
    brigaded = set(result.targets.filter(result.targets["brigaded"])["target"].to_pylist())
    wanted = pa.array(sorted(set(decisions["target"].to_pylist()) - {None}), pa.string())
    mine = reports.filter(pc.is_in(reports["target"], value_set=wanted))
    by_target: dict[str, tuple[np.ndarray, np.ndarray, list]] = {}
    if mine.num_rows:
        mine = mine.sort_by([("target", "ascending"), ("time", "ascending")])
        targets = mine["target"].to_numpy(zero_copy_only=False)
        starts = np.flatnonzero(np.r_[True, targets[1:] != targets[:-1]])
        ends = np.r_[starts[1:], len(targets)]
        times = mine["time"].to_numpy()
        coordinated = mine["coordinated"].to_numpy(zero_copy_only=False)
        groups = mine["group"].to_pylist()
        reporters = mine["reporter"].to_pylist()
        for s, e in zip(starts, ends, strict=True):
            by_target[targets[s]] = (
                times[s:e],
                coordinated[s:e],
                list(zip(reporters[s:e], groups[s:e], strict=True)),
            )
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    out = []
    for row in decisions.to_pylist():
        statement = _statement(row, by_target.get(row["target"]), row["target"] in brigaded, digest)
        problems = validate_statement(statement)
        if problems:
            shown = "; ".join(f"{f}{_column_of(f)}: {m}" for f, m in problems[:5])
            raise SchemaError(
                f"{name} row {row['__row']}: the decision cannot make a valid statement of "
                f"reasons ({shown}). Fix that row (see the README's table of decision columns)."
            )
        _check_private(statement, row, name)
        out.append(statement)
    return out


def _statement(row: dict, reports, brigaded: bool, digest: str) -> dict:
    """The statement of one decision (not yet validated)."""
    at = row["time"]
    decision = _key(row["decision"], DECISIONS)
    family = _FAMILY.get(decision, "decision_visibility")
    ground = _key(row["ground"], GROUNDS)
    category = _key(row["category"], {})
    if category and not category.startswith("STATEMENT_CATEGORY_"):
        category = "STATEMENT_CATEGORY_" + category
    n = k = groups = 0
    first = None
    if reports is not None:
        times, coordinated, who = reports
        before = times <= at
        n = int(before.sum())
        k = int(coordinated[before].sum())
        groups = len({g for (_, g), c, b in zip(who, coordinated, before, strict=True) if c and b})
        first = float(times[0]) if n else None
    s: dict = {family: [decision] if family == "decision_visibility" else decision}
    other = _text(row, "decision_other")
    if decision.endswith("_OTHER") and other:
        s[f"{family}_other"] = other
    s["decision_ground"] = ground
    if ground == GROUNDS["illegal"]:
        s["illegal_content_legal_ground"] = _text(row, "legal_ground")
        s["illegal_content_explanation"] = _text(row, "explanation")
    else:
        s["incompatible_content_ground"] = _text(row, "legal_ground")
        s["incompatible_content_explanation"] = _text(row, "explanation")
        if _text(row, "illegal"):
            s["incompatible_content_illegal"] = _text(row, "illegal")
    s["content_type"] = _list(row, "content_type") or ["CONTENT_TYPE_OTHER"]
    if "CONTENT_TYPE_OTHER" in s["content_type"]:
        s["content_type_other"] = _text(row, "content_type_other") or "Account reported by users"
    s["category"] = category
    s["content_date"] = _text(row, "content_date") or _day(first if first is not None else at)
    s["application_date"] = _day(at)
    end = _text(row, "end_date")
    if end:
        s[_END_DATE[family]] = end
    for column in ("account_type", "content_language", "reference_url"):
        if _text(row, column):
            s[OPTIONAL[column]] = _text(row, column)
    for column in ("territorial_scope", "category_specification"):
        if _list(row, column):
            s[column] = _list(row, column)
    s["decision_facts"] = _facts(_text(row, "facts"), n, k, groups, brigaded)
    s["source_type"] = _text(row, "source_type") or (
        "SOURCE_ARTICLE_16" if n else "SOURCE_VOLUNTARY"
    )
    s["automated_detection"] = _text(row, "automated_detection") or "No"
    s["automated_decision"] = _text(row, "automated_decision") or "AUTOMATED_DECISION_NOT_AUTOMATED"
    # The platform's own identifier when the file has one; else one derived from the file and the
    # row, which names no one.
    s["puid"] = _text(row, "puid") or f"concerted-{digest}-{row['__row']}"
    return s


def _column_of(field: str) -> str:
    """Which column of the decisions file fills a statement's field, for messages."""
    column = {
        "decision_ground": "ground",
        "category": "category",
        "illegal_content_legal_ground": "legal_ground",
        "incompatible_content_ground": "legal_ground",
        "illegal_content_explanation": "explanation",
        "incompatible_content_explanation": "explanation",
        "incompatible_content_illegal": "illegal",
        "decision_ground_reference_url": "reference_url",
    }.get(field)
    if column is None and field.startswith("decision_") and field != "decision_facts":
        column = "decision_other" if field.endswith("_other") else "decision"
    if column is None and field.startswith("end_date_"):
        column = "end_date"
    if column is None and field in OPTIONAL:
        column = field
    return f" (column {column})" if column else ""


def _facts(own: str | None, n: int, k: int, groups: int, brigaded: bool) -> str:
    """The decision's facts: the platform's own, then what the reports were."""
    if n == 0:
        lens = "No user notice about this target was received before the decision."
    else:
        lens = (
            f"{n} user notice(s) about this target were received before the decision. "
            f"{k} of them ({100 * k / n:.0f}%) were filed by {groups} coordinated group(s) of "
            "notifiers (accounts that repeatedly report the same targets within minutes of each "
            "other, beyond chance). "
            + (
                "The notices were judged a coordinated mass-reporting campaign."
                if brigaded
                else "The notices were not judged a coordinated mass-reporting campaign."
            )
        )
    return f"{own.strip()} {lens}" if own else lens


def _check_private(statement: dict, row: dict, name: str) -> None:
    """Refuse a statement whose texts from the decisions file hold personal data or name the
    target (Art. 24(5) DSA: statements are published without personal data)."""
    target = row["target"] or ""
    for column in _TEXTS:
        text = _text(row, column)
        if not text:
            continue
        found = find_personal_data(text)
        if found:
            kind = found[0][2]
            raise SchemaError(
                f"{name} row {row['__row']}: column {column!r} holds personal data (an {kind} "
                "address or number); statements of reasons are published without personal "
                "data (Art. 24(5) DSA). Remove it from that row."
            )
        if len(target) >= 3 and target.lower() in text.lower():
            raise SchemaError(
                f"{name} row {row['__row']}: column {column!r} names the target; statements of "
                "reasons are published without personal data (Art. 24(5) DSA). Remove it."
            )
    json.dumps(statement)  # every value is plain JSON


def _key(value: str | None, short: dict[str, str]) -> str:
    """A value as the database's key: a short form looked up, else upper-cased."""
    if value is None:
        return ""
    v = value.strip()
    return short.get(v.lower(), v.upper().replace(" ", "_").replace("-", "_"))


def _text(row: dict, column: str) -> str | None:
    value = row.get(column)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _list(row: dict, column: str) -> list[str]:
    value = _text(row, column)
    return [v.strip() for v in value.split(";") if v.strip()] if value else []


def _day(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=timezone.utc).strftime("%Y-%m-%d")


def write_statements(statements: list[dict], path: str | Path) -> Path:
    """Write the statements as JSON lines (one statement a line), as the database's API and
    :func:`.sor.validate_file` take them."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        for s in statements:
            f.write(json.dumps(s, ensure_ascii=False) + "\n")
    return path
