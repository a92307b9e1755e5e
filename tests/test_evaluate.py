"""evaluate(): scores against an answer key, at actor and group level."""

import pytest
from click.testing import CliRunner

from concerted.cli import main
from concerted.errors import SchemaError
from concerted.evaluate import evaluate


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
