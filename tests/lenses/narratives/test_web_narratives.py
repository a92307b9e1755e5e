"""The web app runs ``narratives`` as the command line does (the real app, a real process)."""

from __future__ import annotations

import csv
import io

import pytest

from tests.web.test_web import WRITE, client, start, wait

from .conftest import partition, story_posts


@pytest.mark.slow
def test_web_runs_narratives(tmp_path):
    rows, truth = story_posts(
        ["arrests", "empty_seats", "fares", "counter_rally", "fine"], ["en", "fr", "he", "ru"]
    )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["id", "actor", "time", "text"])
    writer.writeheader()
    writer.writerows(rows)
    with client(tmp_path / "project") as c:
        r = c.put("/api/uploads/posts.csv", content=buffer.getvalue().encode(), headers=WRITE)
        assert r.status_code in (200, 201), r.text
        run = start(c, "--z-min 2.75", command="narratives", input="posts.csv")
        info = wait(c, run)
        assert info["status"] == "done", info["log"]
        assert info["summary"]["narratives"] == 5
        written = list(csv.DictReader(io.StringIO(c.get(f"/runs/{run}/files/narratives.csv").text)))
        assert partition([w["narrative"] for w in written]) == partition(truth)
        c.app.state.project.close()
