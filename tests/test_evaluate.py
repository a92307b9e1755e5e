"""evaluate(): scores against an answer key, at actor and group level."""

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import SchemaError
from concerted.evaluate import compare_runs, evaluate


def _write(tmp_path, actors: str, truth: str):
    out = tmp_path / "results"
    out.mkdir(parents=True)
    (out / "actors.csv").write_text(actors)
    path = tmp_path / "truth.csv"
    path.write_text(truth)
    return out, path


def test_evaluate_actor_and_group_scores(tmp_path):
    # Campaign A (4 members) found whole by group 1 plus one innocent; campaign B (4 members):
    # group 2 holds 1 of them and 2 innocents (not found, and not a right group).
    out, truth = _write(
        tmp_path,
        "actor,group\na1,1\na2,1\na3,1\na4,1\nx1,1\nb1,2\nx2,2\nx3,2\n",
        "actor,campaign\na1,A\na2,A\na3,A\na4,A\nb1,B\nb2,B\nb3,B\nb4,B\n",
    )
    r = evaluate(out, truth)
    assert (r["true_positives"], r["false_positives"], r["actors_flagged"]) == (5, 3, 8)
    assert r["precision"] == pytest.approx(5 / 8, abs=1e-4)
    assert r["recall"] == pytest.approx(5 / 8, abs=1e-4)
    assert r["f1"] == pytest.approx(5 / 8, abs=1e-4)
    assert (r["campaigns_found"], r["campaigns"], r["groups_found"]) == (1, 2, 2)
    assert r["group_precision"] == 0.5 and r["group_recall"] == 0.5 and r["group_f1"] == 0.5
    assert [c["found"] for c in r["per_campaign"]] == [True, False]


def test_evaluate_no_campaign_world(tmp_path):
    out, truth = _write(tmp_path, "actor,group\n", "actor,campaign\n")
    r = evaluate(out, truth)
    assert r["precision"] == r["recall"] == r["group_precision"] == r["group_recall"] == 1.0
    out2, truth2 = _write(tmp_path / "b", "actor,group\nx,1\ny,1\n", "actor,campaign\n")
    r = evaluate(out2, truth2)
    assert r["false_positives"] == 2 and r["precision"] == 0.0 and r["group_precision"] == 0.0


def test_evaluate_cli_prints_both_levels_and_rejects_a_bad_truth(tmp_path):
    out, truth = _write(tmp_path, "actor,group\na1,1\na2,1\n", "actor,campaign\na1,A\na2,A\n")
    done = CliRunner().invoke(main, ["evaluate", str(out), "--truth", str(truth)])
    assert done.exit_code == 0, done.output
    assert "actors: precision 1.000  recall 1.000" in done.output
    assert "groups: precision 1.000  recall 1.000  F1 1.000" in done.output
    (tmp_path / "bad.csv").write_text("who,what\n1,2\n")
    with pytest.raises(SchemaError, match="no 'actor', 'campaign' column"):
        evaluate(out, tmp_path / "bad.csv")
    done = CliRunner().invoke(main, ["evaluate", str(out), "--truth", str(tmp_path / "bad.csv")])
    assert done.exit_code == 1 and "Traceback" not in done.output


def test_evaluate_reads_names_a_spreadsheet_would_run_as_they_are(tmp_path):
    # actors.csv guards "=cmd" as "'=cmd"; the truth has the account's real name.
    out, truth = _write(tmp_path, "actor,group\n'=cmd,1\n'@x,1\n", "actor,campaign\n=cmd,A\n@x,A\n")
    r = evaluate(out, truth)
    assert (r["true_positives"], r["recall"], r["precision"]) == (2, 1.0, 1.0)


def test_compare_runs_matches_groups_by_shared_members(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "actors.csv").write_text("actor,group\np,1\nq,1\nr,1\ns,2\nt,2\n")
    (b / "actors.csv").write_text("actor,group\np,4\nq,4\nz,4\ns,5\n")
    d = compare_runs(a, b)
    assert (d["actors_a"], d["actors_b"], d["both"]) == (5, 4, 3)
    assert (d["only_a"], d["only_b"]) == (["r", "t"], ["z"])
    assert d["groups_a"] == [
        {"group": 1, "size": 3, "match": 4, "match_size": 3, "shared": 2, "jaccard": 0.5},
        {"group": 2, "size": 2, "match": 5, "match_size": 1, "shared": 1, "jaccard": 0.5},
    ]
    assert [g["match"] for g in d["groups_b"]] == [1, 2]
