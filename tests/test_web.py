"""The web app over a project folder: runs, browsing, labels, comparison, limits and guards.

Runs are real ``concerted`` processes on a hand-made log with a known answer: in classic mode
(10 s window, two objects) its three hostile-named accounts form one group; the default
(significance) mode finds nothing in so small a log.
"""

from __future__ import annotations

import csv
import io
import time

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from concerted import ParameterError
from concerted.cli import main
from concerted.web import create_app
from concerted.web.project import Project

HOSTILE = '<img src=x onerror="alert(1)">'
FORMULA = '=HYPERLINK("http://evil","click")'
CLASSIC = "--no-significance --window-seconds 10 --min-repeat 2"
WRITE = {"X-Concerted": "1"}
TOKEN = "0123456789abcdef"  # the shortest token accepted


def hostile_log() -> bytes:
    rows = ["actor,object,time,text"]
    for k, (obj, t0) in enumerate((("x", 0), ("y", 900), ("z", 1800))):
        for j, actor in enumerate((HOSTILE, FORMULA, "plain")):
            text = '"<script>alert(2)</script>"' if k == 0 else "ok"
            quoted = '"' + actor.replace('"', '""') + '"'
            rows.append(f"{quoted},{obj},{t0 + j},{text}")
    return ("\n".join(rows) + "\n").encode()


def client(project, **kwargs) -> TestClient:
    return TestClient(create_app(project, **kwargs), base_url="http://127.0.0.1")


def wait(c: TestClient, run: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = c.get(f"/api/runs/{run}").json()
        if info["status"] != "running":
            return info
        time.sleep(0.2)
    raise AssertionError(f"run {run} did not finish in {timeout} s")


def start(c: TestClient, options: str, command: str = "detect", input: str = "log.csv") -> str:
    r = c.post(
        "/api/runs", json={"command": command, "input": input, "options": options}, headers=WRITE
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    """A project with the hostile log uploaded, one classic run and one default run."""
    folder = tmp_path_factory.mktemp("project")
    c = client(folder)
    r = c.put("/api/uploads/log.csv", content=hostile_log(), headers=WRITE)
    assert r.status_code == 201, r.text
    assert r.json()["columns"] == ["actor", "object", "time", "text"]
    classic = start(c, CLASSIC)
    default = start(c, "")
    assert wait(c, classic)["status"] == "done"
    assert wait(c, default)["status"] == "done"
    c.app.state.project.close()
    return {"folder": folder, "classic": classic, "default": default}


@pytest.fixture
def app(project):
    c = client(project["folder"])
    yield c
    c.app.state.project.close()


@pytest.mark.slow
def test_web_run_pages_show_the_groups_the_run_found(app, project):
    run = project["classic"]
    page = app.get(f"/runs/{run}").text
    assert "Status: <b" in page and ">done<" in page
    assert f'href="/runs/{run}/groups/1"' in page
    assert f'href="/runs/{run}/groups/2"' not in page
    group = app.get(f"/runs/{run}/groups/1").text
    assert group.count('<td class="id">') >= 3 + 3  # three members, their links
    assert HOSTILE not in group and "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in group
    home = app.get("/").text
    assert home.count("status-done") == 2
    info = app.get(f"/api/runs/{run}").json()
    assert info["summary"]["groups"] == 1 and info["summary"]["coordinated_actors"] == 3
    assert app.get(f"/api/runs/{project['default']}").json()["summary"]["groups"] == 0


@pytest.mark.slow
def test_web_serves_only_the_files_a_run_wrote(app, project):
    run = project["classic"]
    report = app.get(f"/runs/{run}/files/report.html")
    assert report.status_code == 200 and "Group 1: 3 actors" in report.text
    actors = app.get(f"/runs/{run}/files/actors.csv")
    assert actors.status_code == 200 and "'=HYPERLINK" in actors.text  # formula guarded
    for name in ("../../web.duckdb", "log.txt", ".concerted"):
        assert app.get(f"/runs/{run}/files/{name}").status_code == 404


@pytest.mark.slow
def test_web_labels_are_kept_and_exported(project):
    run = project["classic"]
    with client(project["folder"]) as c:
        r = c.post(
            f"/api/runs/{run}/groups/1/label",
            json={"label": "confirmed", "note": FORMULA},
            headers=WRITE,
        )
        assert r.status_code == 200 and r.json()["label"] == "confirmed"
        bad = c.post(f"/api/runs/{run}/groups/1/label", json={"label": "maybe"}, headers=WRITE)
        assert bad.status_code == 400
        assert bad.json()["error"]["message"].startswith("A label is one of confirmed")
        missing = c.post(
            f"/api/runs/{run}/groups/9/label", json={"label": "organic"}, headers=WRITE
        )
        assert missing.status_code == 404
        c.app.state.project.close()
    with client(project["folder"]) as c:  # a restarted server still has it
        rows = list(csv.DictReader(io.StringIO(c.get(f"/runs/{run}/labels.csv").text)))
        assert [(r["group"], r["label"], r["note"]) for r in rows] == [
            ("1", "confirmed", "'" + FORMULA)
        ]
        assert [r["label"] for r in c.get(f"/runs/{run}/labels.json").json()] == ["confirmed"]
        assert "selected>confirmed<" in c.get(f"/runs/{run}/groups/1").text
        c.app.state.project.close()


@pytest.mark.slow
def test_web_compares_two_runs(app, project):
    diff = app.get("/api/compare", params={"a": project["classic"], "b": project["default"]})
    body = diff.json()
    assert (body["actors_a"], body["actors_b"], body["both"]) == (3, 0, 0)
    assert sorted(body["only_a"]) == sorted([HOSTILE, FORMULA, "plain"])
    assert body["groups_a"] == [
        {"group": 1, "size": 3, "match": None, "match_size": 0, "shared": 0, "jaccard": 0.0}
    ]
    same = app.get("/api/compare", params={"a": project["classic"], "b": project["classic"]})
    assert same.json()["groups_a"][0]["jaccard"] == 1.0
    page = app.get("/compare", params={"a": project["classic"], "b": project["default"]})
    assert page.status_code == 200 and HOSTILE not in page.text


@pytest.mark.slow
def test_web_failed_run_is_recorded_and_harms_nothing(app, project):
    before = sorted(p.name for p in (project["folder"] / "runs").iterdir())
    run = start(app, "--window-seconds 0")
    info = wait(app, run)
    assert info["status"] == "failed" and info["exit_code"] == 1
    assert "window_seconds" in info["log"] and "Traceback" not in info["log"]
    assert not (project["folder"] / "runs" / run / "results").exists()
    assert app.get(f"/api/runs/{project['classic']}").json()["summary"]["groups"] == 1
    assert sorted(p.name for p in (project["folder"] / "runs").iterdir()) == sorted([*before, run])
    compare = app.get("/api/compare", params={"a": run, "b": project["classic"]})
    assert compare.status_code == 400 and "did not finish" in compare.json()["error"]["message"]


def test_web_refuses_bad_runs_before_starting_them(tmp_path):
    with client(tmp_path) as c:
        c.put("/api/uploads/log.csv", content=hostile_log(), headers=WRITE)
        for body, message in (
            ({"command": "rm", "input": "log.csv"}, "Unknown command 'rm'"),
            ({"command": "detect", "input": "nope.csv"}, "no such file on the server"),
            ({"command": "detect", "input": ""}, "Give an input"),
            ({"input": "log.csv", "options": "--out /etc"}, "--out is set by the app"),
            ({"input": "log.csv", "options": "--store=/tmp"}, "--store is set by the app"),
            ({"input": "log.csv", "options": "--help"}, "--help is not offered here"),
            ({"input": "log.csv", "options": "'unclosed"}, "Cannot read"),
            ({"input": "log.csv", "options": "--rm-rf /"}, "detect: No such option"),
            ({"input": "log.csv", "options": "--window-seconds"}, "requires an argument"),
            ({"input": "log.csv", "options": "/etc/passwd"}, "Unexpected /etc/passwd"),
            (
                {"command": "ingest", "input": "log.csv", "options": "-q --salt-file /tmp/x"},
                "--salt-file /tmp/x: outside the project folder",
            ),
        ):
            r = c.post("/api/runs", json=body, headers=WRITE)
            assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
        assert c.get("/api/runs").json() == []
        assert list((tmp_path / "runs").iterdir()) == []
        c.app.state.project.close()


def test_web_uploads_are_limited_and_checked(tmp_path):
    with client(tmp_path, max_upload_bytes=1000) as c:
        big = c.put("/api/uploads/big.csv", content=b"actor,object,time\n" * 100, headers=WRITE)
        assert big.status_code == 413 and "limit of" in big.json()["error"]["message"]
        garbage = c.put("/api/uploads/g.parquet", content=b"not parquet", headers=WRITE)
        assert garbage.status_code == 400
        assert garbage.json()["error"]["message"].startswith("g.parquet is not a Parquet file")
        exe = c.put("/api/uploads/run.sh", content=b"actor\n", headers=WRITE)
        assert exe.status_code == 400 and "Upload a CSV" in exe.json()["error"]["message"]
        empty = c.put("/api/uploads/e.csv", content=b"", headers=WRITE)
        assert empty.status_code == 400 and "empty" in empty.json()["error"]["message"]
        sneaky = c.put("/api/uploads/..%2F..%2Fx.csv", content=b"a,b\n1,2\n", headers=WRITE)
        assert sneaky.status_code in (201, 404)
        assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == (
            ["x.csv"] if sneaky.status_code == 201 else []
        )
        assert not (tmp_path.parent / "x.csv").exists()
        c.app.state.project.close()


def test_web_guards_host_token_and_cross_site_writes(tmp_path):
    with client(tmp_path) as c:
        assert c.get("/", headers={"host": "evil.example"}).status_code == 421
        assert c.get("/", headers={"host": "localhost:8000"}).status_code == 200
        forged = c.post("/api/runs", json={"command": "detect", "input": "x"})
        assert forged.status_code == 403
        assert forged.json()["error"]["code"] == "forbidden"
        page = c.get("/", headers={"accept": "text/html"})
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert c.get("/nope").json() == {
            "error": {"code": "not_found", "message": "No such page: /nope.", "details": []}
        }
        c.app.state.project.close()
    with TestClient(
        create_app(tmp_path, token=TOKEN, host="0.0.0.0"), base_url="http://example.org"
    ) as c:
        assert c.get("/api/runs").status_code == 401
        assert c.get("/api/runs", headers={"authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/api/runs", headers={"authorization": f"Bearer {TOKEN}"}).status_code == 200
        c.get("/login", params={"token": TOKEN}, follow_redirects=False)
        assert c.get("/api/runs").status_code == 200  # the cookie /login set
        c.app.state.project.close()


def test_web_marks_runs_of_a_stopped_server_interrupted(tmp_path):
    p = Project(tmp_path)
    run = p.new_run("detect", "x.csv", [])
    p.close()
    p = Project(tmp_path)
    assert p.run(run)["status"] == "interrupted"
    p.close()


def test_serve_refuses_a_public_address_without_a_token(tmp_path):
    result = CliRunner().invoke(
        main, ["serve", "--host", "0.0.0.0", "--project", str(tmp_path / "p")], env={}
    )
    assert result.exit_code == 1, result.output
    assert "Refusing to listen on 0.0.0.0 without a token" in result.output
    assert not (tmp_path / "p").exists()


def test_project_refuses_a_file_as_folder(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(ParameterError, match="is a file; give a folder"):
        Project(tmp_path / "f")


@pytest.mark.slow
def test_web_ingests_into_the_project_store_and_detects_on_it(tmp_path):
    with client(tmp_path) as c:
        refused = c.post("/api/runs", json={"command": "detect", "input": "store"}, headers=WRITE)
        assert refused.status_code == 400 and "no evidence store yet" in refused.text
        c.put("/api/uploads/log.csv", content=hostile_log(), headers=WRITE)
        ingest = start(c, "", command="ingest")
        assert wait(c, ingest)["status"] == "done"
        assert (tmp_path / "store.duckdb").is_file()
        assert 'value="store"' in c.get("/").text
        run = start(c, CLASSIC, input="store")
        info = wait(c, run)
        assert info["status"] == "done", info["log"]
        assert info["summary"]["groups"] == 1 and info["summary"]["coordinated_actors"] == 3
        c.app.state.project.close()
