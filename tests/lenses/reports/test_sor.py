"""Statements of reasons: written from decisions on hand-made reports, and validated against the
Transparency Database's rules (exact answers)."""

from __future__ import annotations

import json
import re

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import SchemaError
from concerted.lenses.reports.sor import SCHEMA, Problem, validate_file, validate_statement

from .conftest import DAY, START

DECISIONS = (
    "target,decision,time,ground,category,legal_ground,explanation\n"
    f"victim1,suspended,{START + DAY + 3600:.0f},incompatible,other_violation_tc,"
    "Terms 4.2 (ban evasion),Reported for evading a ban.\n"
    f"spammer,terminated,{START + 4 * DAY:.0f},incompatible,STATEMENT_CATEGORY_SCAMS_AND_FRAUD,"
    "Terms 3.1 (spam),Repeated unsolicited commercial messages.\n"
    f"hotpost,removed,{START + 2 * DAY + 7200:.0f},illegal,violence,"
    "Criminal code s. 1,A threat of violence.\n"
)

VALID = {
    "decision_account": "DECISION_ACCOUNT_SUSPENDED",
    "decision_ground": "DECISION_GROUND_INCOMPATIBLE_CONTENT",
    "incompatible_content_ground": "Terms 4.2",
    "incompatible_content_explanation": "Ban evasion.",
    "content_type": ["CONTENT_TYPE_TEXT"],
    "category": "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "content_date": "2024-07-01",
    "application_date": "2024-07-02",
    "decision_facts": "Reported 40 times.",
    "source_type": "SOURCE_ARTICLE_16",
    "automated_detection": "No",
    "automated_decision": "AUTOMATED_DECISION_NOT_AUTOMATED",
    "puid": "decision-1",
}


@pytest.fixture
def run(reports_csv, tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(DECISIONS, "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["reports", str(reports_csv), "--out", str(out), "--decisions", str(decisions), "-q"]
    )
    return result, out


def test_cli_reports_writes_one_valid_statement_per_decision(run):
    result, out = run
    assert result.exit_code == 0, result.output
    assert "3 statements of reasons written" in result.output
    lines = (out / "sor.jsonl").read_text("utf-8").splitlines()
    victim, spammer, hot = (json.loads(line) for line in lines)
    assert [validate_statement(s) for s in (victim, spammer, hot)] == [[], [], []]
    assert victim["decision_account"] == "DECISION_ACCOUNT_SUSPENDED"
    assert victim["category"] == "STATEMENT_CATEGORY_OTHER_VIOLATION_TC"
    assert victim["source_type"] == "SOURCE_ARTICLE_16"
    assert victim["application_date"] == "2023-11-15"
    assert victim["content_date"] == "2023-11-15"  # the first report on it
    assert victim["decision_facts"] == (
        "6 user notice(s) about this target were received before the decision. 6 of them (100%) "
        "were filed by 1 coordinated group(s) of notifiers (accounts that repeatedly report the "
        "same targets within minutes of each other, beyond chance). The notices were judged a "
        "coordinated mass-reporting campaign."
    )
    assert spammer["decision_facts"].startswith(
        "30 user notice(s) about this target were received before the decision. 0 of them (0%) "
        "were filed by 0 coordinated group(s)"
    )
    assert spammer["decision_facts"].endswith(
        "were not judged a coordinated mass-reporting campaign."
    )
    assert hot["decision_visibility"] == ["DECISION_VISIBILITY_CONTENT_REMOVED"]
    assert hot["illegal_content_legal_ground"] == "Criminal code s. 1"
    assert "incompatible_content_ground" not in hot
    written = (out / "sor.jsonl").read_text("utf-8")
    for name in ("victim1", "spammer", "hotpost", "b0", "u0", "h0"):
        # no personal data (Art. 24(5)); as a word: a statement's hex puid may hold "b0"
        assert not re.search(rf"\b{name}\b", written), name
    assert validate_file(out / "sor.jsonl") == (3, [])
    check = CliRunner().invoke(main, ["sor", "validate", str(out / "sor.jsonl")])
    assert check.exit_code == 0, check.output
    assert "3 statements, all valid." in check.output


def test_validate_file_names_each_bad_field_and_line(tmp_path):
    bad = {**VALID, "category": "SPAM", "automated_detection": True}
    del bad["puid"]
    other = {**VALID, "illegal_content_explanation": "x", "content_date": "2024-02-30"}
    path = tmp_path / "sor.jsonl"
    path.write_text(
        "\n".join([json.dumps(VALID), json.dumps(bad), "{not json", json.dumps(other),
                   json.dumps(VALID)]) + "\n",
        "utf-8",
    )  # fmt: skip
    count, problems = validate_file(path)
    assert count == 5
    assert [(p.line, p.field) for p in problems] == [
        (2, "category"),
        (2, "automated_detection"),
        (2, "puid"),
        (3, "(line)"),
        (4, "illegal_content_explanation"),
        (4, "content_date"),
        (4, "puid"),
        (5, "puid"),
    ]
    assert str(problems[0]) == (
        "line 2: category: 'SPAM' is not one of the database's values "
        "(STATEMENT_CATEGORY_ANIMAL_WELFARE, STATEMENT_CATEGORY_CONSUMER_INFORMATION, "
        "STATEMENT_CATEGORY_CYBER_VIOLENCE, ...)"
    )
    assert problems[2] == Problem(2, "puid", "is required")
    assert problems[4].message == (
        "applies only when decision_ground is DECISION_GROUND_ILLEGAL_CONTENT"
    )
    assert problems[5].message == "'2024-02-30' is not a date"
    assert problems[7].message == "repeats line 1's"
    check = CliRunner().invoke(main, ["sor", "validate", str(path)])
    assert check.exit_code == 1
    assert "line 2: puid: is required" in check.output
    assert "4 of 5 statements invalid (8 problems)." in check.output


def test_validate_statement_needs_one_decision_and_the_ground_texts():
    s = {
        k: v
        for k, v in VALID.items()
        if k not in ("decision_account", "incompatible_content_ground")
    }
    assert validate_statement(s) == [
        ("decision_visibility", "is required when none of decision_monetary, decision_provision, decision_account is given"),
        ("decision_monetary", "is required when none of decision_visibility, decision_provision, decision_account is given"),
        ("decision_provision", "is required when none of decision_visibility, decision_monetary, decision_account is given"),
        ("decision_account", "is required when none of decision_visibility, decision_monetary, decision_provision is given"),
        ("incompatible_content_ground", "is required when decision_ground is DECISION_GROUND_INCOMPATIBLE_CONTENT"),
    ]  # fmt: skip
    other = {**VALID, "content_type": ["CONTENT_TYPE_OTHER"], "decision_facts": "x" * 5001}
    assert validate_statement(other) == [
        ("content_type_other", "is required when content_type is CONTENT_TYPE_OTHER"),
        ("decision_facts", "has 5,001 characters; at most 5,000 are allowed"),
    ]
    assert validate_statement({**VALID, "spam_score": 3}) == [
        ("spam_score", "is not a field of the Transparency Database's statements")
    ]


def test_schema_holds_the_databases_required_fields():
    required = sorted(name for name, f in SCHEMA.items() if f.required)
    assert required == [
        "application_date", "automated_decision", "automated_detection", "category",
        "content_date", "content_type", "decision_facts", "decision_ground", "puid",
        "source_type",
    ]  # fmt: skip


def test_cli_reports_names_the_decision_that_cannot_make_a_statement(reports_csv, tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "target,decision,time,ground,category,legal_ground,explanation\n"
        f"victim1,suspended,{START + DAY:.0f},incompatible,spam,Terms 4.2,Spam.\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["reports", str(reports_csv), "--out", str(tmp_path / "o"), "--decisions", str(decisions)],
    )
    assert result.exit_code == 1
    assert "decisions.csv row 1: the decision cannot make a valid statement of reasons" in (
        result.output
    )
    assert "category (column category): 'STATEMENT_CATEGORY_SPAM' is not one of" in result.output
    assert not (tmp_path / "o").exists()


def test_cli_reports_refuses_personal_data_in_a_statement(reports_csv, tmp_path):
    decisions = tmp_path / "decisions.csv"
    decisions.write_text(
        "target,decision,time,ground,category,legal_ground,explanation\n"
        f"victim1,suspended,{START + DAY:.0f},incompatible,other_violation_tc,Terms 4.2,"
        "Write to jo.doe@example.com\n",
        "utf-8",
    )
    result = CliRunner().invoke(
        main,
        ["reports", str(reports_csv), "--out", str(tmp_path / "o"), "--decisions", str(decisions)],
    )
    assert result.exit_code == 1
    assert "row 1: column 'explanation' holds personal data" in result.output


def test_read_decisions_names_the_missing_columns(tmp_path):
    from concerted.lenses.reports.statements import read_decisions

    path = tmp_path / "d.csv"
    path.write_text("target,decision,time\nx,suspended,2024-07-01\n", "utf-8")
    with pytest.raises(SchemaError, match="has no 'ground', 'category' column"):
        read_decisions(path)
