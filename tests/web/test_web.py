"""The web app over a project folder: runs, browsing, labels, comparison, limits and guards.

Runs are real ``concerted`` processes on a hand-made log with a known answer: in classic mode
(10 s window, two objects) its three hostile-named accounts form one group; the default
(significance) mode finds nothing in so small a log.
"""

from __future__ import annotations

import contextlib
import csv
import http.client
import io
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from concerted import ParameterError, httpguard
from concerted.cli import main
from concerted.web import create_app
from concerted.web.project import Project
from concerted.web.runner import spawn

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
            ({"input": "log.csv", "options": "--max-input-gb 900"}, "a limit of the server"),
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


# Issue 13: what an attack on the web app found, each reproduced, each refused. ---------------


@contextlib.contextmanager
def live_server(app):
    """``app`` served by uvicorn on a free port of 127.0.0.1, in a thread; yields the port."""
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(10)


def put_start(port: int, name: str, length: int) -> http.client.HTTPConnection:
    """An upload whose headers are sent and whose body is not yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.putrequest("PUT", f"/api/uploads/{name}")
    conn.putheader("X-Concerted", "1")
    conn.putheader("Content-Length", str(length))
    conn.endheaders()
    return conn


def parts(folder) -> list[str]:
    return sorted(p.name for p in (folder / "uploads").iterdir() if p.name.endswith(".part"))


def csv_log(actor: str, rows: int) -> bytes:
    return ("actor,object,time\n" + "".join(f"{actor},o{i},{i}\n" for i in range(rows))).encode()


def test_web_keeps_two_same_name_uploads_whole(tmp_path):
    # Two uploads named same.csv at once, their bodies interleaved on the wire: each used to be
    # written to the same .same.csv.part, and the kept file mixed both (answered 201 all the same).
    a, b = csv_log("alice", 20_000), csv_log("bob", 20_000)
    app = create_app(tmp_path)
    with live_server(app) as port:
        ca, cb = put_start(port, "same.csv", len(a)), put_start(port, "same.csv", len(b))
        for conn, body, half in ((ca, a, 0), (cb, b, 0), (ca, a, 1), (cb, b, 1)):
            cut = len(body) // 2
            conn.send(body[:cut] if half == 0 else body[cut:])
            time.sleep(0.3)  # let the server write this half before the other upload's
        answers = [json.loads(c.getresponse().read()) for c in (ca, cb)]
    app.state.project.close()
    assert sorted(r["name"] for r in answers) == ["same-1.csv", "same.csv"]
    for answer, body in zip(answers, (a, b), strict=True):
        assert (tmp_path / "uploads" / answer["name"]).read_bytes() == body
    assert sorted(p.name for p in (tmp_path / "uploads").iterdir()) == ["same-1.csv", "same.csv"]


def test_web_leaves_no_part_file_of_a_cut_or_stale_upload(tmp_path):
    app = create_app(tmp_path)
    with live_server(app) as port:
        conn = put_start(port, "cut.csv", 200_000)
        conn.send(csv_log("x", 100)[:1000])
        deadline = time.monotonic() + 10
        while not parts(tmp_path):  # the server is receiving it
            assert time.monotonic() < deadline
            time.sleep(0.05)
        conn.sock.shutdown(socket.SHUT_RDWR)
        conn.close()  # the client goes away mid-upload
        deadline = time.monotonic() + 10
        while parts(tmp_path):
            assert time.monotonic() < deadline, parts(tmp_path)
            time.sleep(0.05)
    app.state.project.close()
    assert list((tmp_path / "uploads").iterdir()) == []
    # What a killed server leaves (old and new names of part files) goes at the next start.
    (tmp_path / "uploads" / ".log.csv.part").write_bytes(b"half")
    (tmp_path / "uploads" / ".upload-x1y2.part").write_bytes(b"half")
    Project(tmp_path).close()
    assert list((tmp_path / "uploads").iterdir()) == []


def test_web_runs_read_only_uploads_and_allowed_folders(tmp_path):
    project, allowed, outside = tmp_path / "p", tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (outside / "secret.csv").write_text("actor,object,time\nsecret-name,o,1\n")
    (allowed / "log.csv").write_bytes(hostile_log())
    (allowed / "escape.csv").symlink_to(outside / "secret.csv")
    with client(project, allow_dirs=[allowed]) as c:
        (project / "uploads" / "link.csv").symlink_to(outside / "secret.csv")
        for source, message in (
            ("/etc/passwd", "/etc/passwd: outside the folders this app may read"),
            (str(outside / "secret.csv"), "outside the folders this app may read"),
            (f"{allowed}/../outside/secret.csv", "outside the folders this app may read"),
            (str(allowed / "escape.csv"), "outside the folders this app may read"),
            ("link.csv", "link.csv: the upload is a link to a file outside the project"),
            ("../outside/secret.csv", "give the name of an uploaded log, or a full path"),
            (str(allowed / "missing.csv"), "no such file on the server"),
        ):
            r = c.post("/api/runs", json={"command": "detect", "input": source}, headers=WRITE)
            assert r.status_code == 400, r.text
            assert r.json()["error"]["code"] == "bad_request"
            assert message in r.json()["error"]["message"], r.text
        assert c.get("/api/runs").json() == []
        assert list((project / "runs").iterdir()) == []  # no run, so no run log to leak into
        assert "allowed" in c.get("/").text  # the page says which folders runs may read
        info = wait(c, start(c, CLASSIC, input=str(allowed / "log.csv")))
        assert info["status"] == "done", info["log"]
        assert info["input"] == str((allowed / "log.csv").resolve())
        assert info["summary"]["groups"] == 1
        c.app.state.project.close()


@pytest.mark.slow
def test_web_path_options_stay_inside_the_project_or_read_an_allowed_file(tmp_path):
    project, allowed, outside = tmp_path / "p", tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    (allowed / "salt").write_text("s" * 32)
    ingest = {"command": "ingest", "input": "log.csv"}
    with client(project, allow_dirs=[allowed]) as c:
        c.put("/api/uploads/log.csv", content=hostile_log(), headers=WRITE)
        for options, message in (
            (f"--salt-file {outside}/new-salt", "outside the project folder"),
            (f"--salt-file={outside}/new-salt", "outside the project folder"),
            ("--salt-file ../../outside/new-salt", "outside the project folder"),
            (f"--salt-file {allowed}/new-salt", "not an existing file"),  # would create it
            ("--salt-file web.duckdb", "the app's own records"),
        ):
            r = c.post(
                "/api/runs", json={**ingest, "options": f"--pseudonymise {options}"}, headers=WRITE
            )
            assert r.status_code == 400 and message in r.json()["error"]["message"], r.text
        assert list(outside.iterdir()) == [] and sorted(p.name for p in allowed.iterdir()) == [
            "salt"
        ]
        run = start(c, f"--pseudonymise --salt-file {allowed}/salt", command="ingest")
        info = wait(c, run)
        assert info["status"] == "done", info["log"]
        c.app.state.project.close()


def _wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_web_reattaches_the_runs_of_a_stopped_server(tmp_path):
    # A run outlives its server; a restarted server used to mark it interrupted for good.
    p = Project(tmp_path)
    slow = p.new_run("detect", "x.csv", [])
    ended = p.new_run("detect", "y.csv", [])
    killed = p.new_run("detect", "z.csv", [])
    sleeper = [sys.executable, "-c", "import time; time.sleep(2); raise SystemExit(3)"]
    signalled = p.new_run("detect", "s.csv", [])  # killed by a signal, recorded as such
    suicide = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    procs = {
        slow: spawn(p.run_dir(slow), sleeper, cwd=tmp_path),
        ended: spawn(p.run_dir(ended), [sys.executable, "-c", "print('ok')"], cwd=tmp_path),
        killed: spawn(p.run_dir(killed), sleeper, cwd=tmp_path),
        signalled: spawn(p.run_dir(signalled), [sys.executable, "-c", suicide], cwd=tmp_path),
    }
    procs[signalled].wait()
    _wait_for(lambda: p.is_running(slow) and p.is_running(killed))
    procs[ended].wait()
    procs[killed].kill()  # the run's wrapper dies without recording anything
    procs[killed].wait()
    p.close()  # the server stops; no one waits for the runs
    with client(tmp_path) as c:
        runs = {r["id"]: r for r in c.get("/api/runs").json()}
        assert runs[slow]["status"] == "running"
        assert (runs[ended]["status"], runs[ended]["exit_code"]) == ("done", 0)
        assert runs[killed]["status"] == "interrupted"
        assert (runs[signalled]["status"], runs[signalled]["exit_code"]) == ("interrupted", -15)
        _wait_for(lambda: c.get(f"/api/runs/{slow}").json()["status"] != "running")
        info = c.get(f"/api/runs/{slow}").json()
        assert (info["status"], info["exit_code"]) == ("failed", 3)
        c.app.state.project.close()
    procs[slow].wait()


@pytest.mark.slow
def test_web_run_survives_a_killed_server_and_is_recorded_done(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"

    def serve() -> subprocess.Popen:
        proc = subprocess.Popen(
            [sys.executable, "-m", "concerted.cli", "serve", "--project", str(tmp_path)]
            + ["--port", str(port)],
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _get(base + "/api/runs") is not None)
        return proc

    def call(method, path, body: bytes | None = None):
        req = urllib.request.Request(base + path, data=body, method=method, headers=WRITE)
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read())

    server = serve()
    try:
        call("PUT", "/api/uploads/log.csv", hostile_log())
        run = call(
            "POST",
            "/api/runs",
            json.dumps({"command": "detect", "input": "log.csv", "options": CLASSIC}).encode(),
        )["id"]
    finally:
        server.kill()  # no clean shutdown: the run goes on without its server
        server.wait()
    server = serve()
    try:
        assert call("GET", f"/api/runs/{run}")["status"] in ("running", "done")
        _wait_for(lambda: call("GET", f"/api/runs/{run}")["status"] != "running", 120)
        info = call("GET", f"/api/runs/{run}")
        assert info["status"] == "done" and info["summary"]["groups"] == 1, info["log"]
    finally:
        server.terminate()
        server.wait()


def _get(url: str):
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return r.read()
    except OSError:
        return None


def test_web_refuses_a_short_token(tmp_path):
    with pytest.raises(ParameterError, match="at least 16 characters long; got 1"):
        create_app(tmp_path / "p", token="x")
    result = CliRunner().invoke(
        main, ["serve", "--project", str(tmp_path / "p"), "--token", "short"], env={}
    )
    assert result.exit_code == 1, result.output
    assert "The token must be at least 16 characters long; got 5" in result.output
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("limit", ["max_upload_bytes", "max_body_bytes"])
@pytest.mark.parametrize("value", [0, -1, 1.5])
def test_web_refuses_a_size_limit_below_one_byte(tmp_path, limit, value):
    with pytest.raises(ParameterError, match=f"{limit} must be a whole number of bytes >= 1"):
        create_app(tmp_path / "p", **{limit: value})
    assert not (tmp_path / "p").exists()


def test_serve_refuses_a_missing_allowed_folder(tmp_path):
    result = CliRunner().invoke(
        main, ["serve", "--project", str(tmp_path / "p"), "--allow-dir", str(tmp_path / "nope")]
    )
    assert result.exit_code == 1, result.output
    assert f"--allow-dir {tmp_path / 'nope'}: no such folder." in result.output


def test_web_limits_wrong_token_attempts(tmp_path, monkeypatch):
    clock = [1000.0]
    monkeypatch.setattr(httpguard, "_now", lambda: clock[0])
    wrong, right = {"authorization": "Bearer " + "x" * 16}, {"authorization": f"Bearer {TOKEN}"}
    with client(tmp_path, token=TOKEN) as c:
        for _ in range(20):  # no token at all: refused, not counted as a guess
            assert c.get("/api/runs").status_code == 401
        for _ in range(10):
            assert c.get("/api/runs", headers=wrong).status_code == 401
        blocked = c.get("/api/runs", headers=right)  # even the right one, for the window
        assert blocked.status_code == 429 and blocked.headers["retry-after"] == "60"
        assert blocked.json()["error"]["code"] == "too_many_attempts"
        clock[0] += 61
        assert c.get("/api/runs", headers=right).status_code == 200
        c.app.state.project.close()


def test_web_answers_the_address_it_is_bound_to(tmp_path):
    with TestClient(create_app(tmp_path, host="127.0.0.2"), base_url="http://127.0.0.2:8000") as c:
        assert c.get("/api/runs").status_code == 200
        assert c.get("/api/runs", headers={"host": "localhost:8000"}).status_code == 200
        refused = c.get("/api/runs", headers={"host": "127.0.0.3:8000"})
        assert refused.status_code == 421 and refused.json()["error"]["code"] == "wrong_host"
        c.app.state.project.close()


def test_web_answers_every_error_as_json(tmp_path):
    with client(tmp_path) as c:
        deep = b'{"input": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
        r = c.post("/api/runs", content=deep, headers=WRITE)
        assert r.status_code == 400 and "nested too deeply" in r.json()["error"]["message"]
        r = c.post("/api/runs", json={"input": ["x" * 5000]}, headers=WRITE)
        assert r.status_code == 400 and r.json()["error"]["message"] == (
            "input must be a text; got list."
        )
        r = c.post("/api/runs", json={"input": "x" * 5000}, headers=WRITE)  # too long a name
        assert r.status_code == 400 and "no such file on the server" in r.text
        c.app.state.project.close()
    with client(tmp_path, max_body_bytes=1000) as c:
        big = c.post("/api/runs", json={"input": "x" * 2000}, headers=WRITE)
        assert big.status_code == 413 and big.json()["error"]["code"] == "too_large"
        invalid = c.get("/runs/x/groups/not-a-number")
        assert invalid.status_code == 422 and invalid.json()["error"]["code"] == "invalid"

        def broken():
            raise RuntimeError("a bug")

        c.app.state.project.runs = broken
        bug = c.get("/api/runs")
        assert bug.status_code == 500 and bug.json()["error"]["code"] == "internal_error"
        assert "Traceback" not in bug.text
        c.app.state.project.close()


def test_serve_on_a_busy_port_fails_before_showing_its_address(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = CliRunner().invoke(
            main, ["serve", "--project", str(tmp_path / "p"), "--port", str(port)], env={}
        )
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"Error: Cannot listen on 127.0.0.1 port {port}: the port is in use. Choose another "
        "--port, or stop what uses it.\n"
    )
