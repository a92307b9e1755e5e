"""The web app runs ``reports`` as the command line does (the real app, a real process)."""

from __future__ import annotations

import json

from tests.web.test_web import WRITE, client, start, wait

from .test_sor import DECISIONS


def test_web_runs_reports_with_statements_of_reasons(reports_csv, tmp_path):
    project = tmp_path / "project"
    with client(project) as c:
        for name, data in (("reports.csv", reports_csv.read_bytes()), ("d.csv", DECISIONS)):
            r = c.put(f"/api/uploads/{name}", content=data, headers=WRITE)
            assert r.status_code in (200, 201), r.text
        decisions = c.app.state.project.uploads_dir / "d.csv"
        run = start(c, f"--decisions {decisions}", command="reports", input="reports.csv")
        info = wait(c, run)
        assert info["status"] == "done", info["log"]
        assert info["summary"]["brigaded_targets"] == 4
        sor = c.get(f"/runs/{run}/files/sor.jsonl")
        assert sor.status_code == 200
        assert len([json.loads(line) for line in sor.text.splitlines()]) == 3
        c.app.state.project.close()
