"""The report and the web app as a person uses them: in a real headless Chromium (Debian's
``chromium``, which ``make test`` installs), driven by Playwright.

Each test clicks through, checks that hostile text shows as text (and runs nothing: no dialog
opens), and that the page logged no error.
"""

from __future__ import annotations

import csv
import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from concerted import CoAction, detect, make_log, write_results
from concerted.results import open_results
from concerted.simulate import simulate_world

HOSTILE_ACTOR = "<img src=x onerror=alert(1)>"
HOSTILE_TEXT = '<script>alert("x")</script>'
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("CONCERTED_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: `make test` installs Debian's chromium package.")
        pytest.skip("no chromium on this machine (make test installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page that records console errors, uncaught exceptions and dialogs (alert() & co)."""

    def __init__(self, browser, **kwargs) -> None:
        self.context = browser.new_context(**kwargs)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()

        self.page.on("dialog", dialog)

    def close(self) -> None:
        assert self.errors == [], self.errors
        assert self.dialogs == [], self.dialogs
        self.context.close()


def hostile_rows() -> list[dict]:
    rows = []
    for k, (o, t0) in enumerate((("x", 0), ("y", 900), ("z", 1800))):
        for j, a in enumerate(('=HYPERLINK("http://evil","click")', HOSTILE_ACTOR, "plain")):
            text = HOSTILE_TEXT if k == 0 else "ok"
            rows.append({"actor": a, "object": o, "time": float(t0 + j), "text": text})
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    result = detect(
        make_log(hostile_rows()), detector=CoAction(window_seconds=10, significance=False)
    )
    out = tmp_path_factory.mktemp("report") / "out"
    return write_results(result, out)["report.html"]


def test_report_network_shows_a_members_actions_and_a_links_evidence(browser, report):
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(report.as_uri())
    assert page.locator("details#g1 > summary").inner_text().startswith("Group 1: 3 actors")
    net = page.locator('.netview[data-group="1"]')
    assert net.locator("circle").count() == 3 and net.locator("line").count() == 3
    panel = page.locator('[data-panel="1"]')

    node = net.locator("circle").nth(
        net.locator("circle title").all_text_contents().index(HOSTILE_ACTOR)
    )
    node.click()
    assert panel.locator("h4").inner_text() == HOSTILE_ACTOR  # the name, as text
    assert panel.locator("tbody tr").count() == 3  # its three actions
    assert HOSTILE_TEXT in panel.locator("tbody").inner_text()
    assert page.locator('[data-timeline="1"] rect.mark').count() == 3

    net.locator("line").first.click(force=True)
    assert "\u2194" in panel.locator("h4").inner_text()
    assert "3 objects in step" in panel.inner_text()
    rows = panel.locator("tbody tr")
    assert rows.count() == 3 and HOSTILE_TEXT in rows.first.inner_text()

    view = net.locator("svg > g")
    before = view.get_attribute("transform")
    net.locator("button[title='zoom in']").click()
    zoomed = view.get_attribute("transform")
    assert zoomed != before and "scale(1.4)" in zoomed
    box = net.locator("svg").bounding_box()
    page.mouse.move(box["x"] + 5, box["y"] + 5)
    page.mouse.down()
    page.mouse.move(box["x"] + 65, box["y"] + 45)
    page.mouse.up()
    assert view.get_attribute("transform") != zoomed  # panned
    net.locator("button[title='reset view']").click()
    assert view.get_attribute("transform") == before
    w.close()


def test_report_reads_on_a_phone(browser, report):
    w = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    w.page.goto(report.as_uri())
    width = w.page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px screen"
    w.page.locator('.netview[data-group="1"] circle').first.tap()
    assert w.page.locator('[data-panel="1"] h4').is_visible()
    w.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Served(str):
    """The address of a running app (``.app``: the app itself)."""

    app = None


@pytest.fixture
def server(tmp_path):
    import uvicorn

    from concerted.web import create_app

    app = create_app(tmp_path / "project")
    port = free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not srv.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    url = Served(f"http://127.0.0.1:{port}")
    url.app = app
    yield url
    srv.should_exit = True
    thread.join(10)
    app.state.project.close()


@pytest.mark.slow
def test_app_upload_run_browse_and_label(browser, server, tmp_path):
    log = tmp_path / "hostile.csv"
    lines = ["actor,object,time,text"]
    for r in hostile_rows():
        cells = [r["actor"], r["object"], str(int(r["time"])), r["text"]]
        lines.append(",".join('"' + c.replace('"', '""') + '"' for c in cells))
    log.write_text("\n".join(lines) + "\n")

    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(server + "/")
    page.set_input_files("#upload input[type=file]", str(log))
    with page.expect_navigation():
        page.click("#upload button")
    assert "hostile.csv" in page.locator("table").first.inner_text()

    page.fill("#new-run input[name=input]", "hostile.csv")
    page.fill("#new-run input[name=options]", "--no-significance --window-seconds 10")
    with page.expect_navigation():
        page.click("#new-run button")
    page.wait_for_selector("#status[data-status=done]", timeout=90_000)
    assert page.locator(".cards .card").first.inner_text().startswith("1")

    page.click("#groups a")
    page.wait_for_selector("#members-table")
    members = page.locator("#members-table tbody").inner_text()
    assert HOSTILE_ACTOR in members  # shown as text
    page.select_option("form.label select", "confirmed")
    page.fill("form.label input[name=note]", HOSTILE_TEXT)
    page.click("form.label button")
    page.wait_for_selector("text=saved: confirmed")

    page.goto(page.url)  # the label is kept
    assert page.locator("form.label select").input_value() == "confirmed"
    assert page.locator("form.label input[name=note]").input_value() == HOSTILE_TEXT

    with page.context.expect_page() as popup:
        page.click("text=The run's report")
    report = popup.value
    report.wait_for_load_state()
    report.locator('.netview[data-group="1"] circle').first.click()
    assert report.locator('[data-panel="1"] tbody tr').count() == 3
    report.close()
    w.close()


@pytest.mark.slow
def test_app_shows_a_failed_run_and_its_message(browser, server, tmp_path):
    log = tmp_path / "bad.csv"
    log.write_text("who,what\n1,2\n")
    w = Watched(browser)
    page = w.page
    page.goto(server + "/")
    page.set_input_files("#upload input[type=file]", str(log))
    with page.expect_navigation():
        page.click("#upload button")
    page.fill("#new-run input[name=input]", "bad.csv")
    with page.expect_navigation():
        page.click("#new-run button")
    page.wait_for_selector("#status[data-status=failed]", timeout=90_000)
    assert "no 'actor' column" in page.locator("#log").inner_text()

    page.goto(server + "/")
    page.fill("#new-run input[name=input]", "missing.csv")
    page.click("#new-run button")
    error = page.locator(".error")
    error.wait_for()
    assert "no such file on the server" in error.inner_text()
    w.errors = [e for e in w.errors if "status of 400" not in e]  # the refused request itself
    w.close()


@pytest.fixture(scope="module")
def world_results(tmp_path_factory) -> Path:
    """A detect run on a simulated world (seed 3, 2,000 accounts) with four planted campaigns:
    groups 1-3 are proven by pairs, the stealthy one (20 accounts at low participation) is found
    by the group test only."""
    out = tmp_path_factory.mktemp("world") / "results"
    write_results(detect(simulate_world(seed=3, n_actors=2000).log), out)
    return out


def add_run(server, results: Path, input: str = "world.csv") -> str:
    """A finished detect run of the app's project whose results are the folder ``results``."""
    from concerted.web.project import EXIT_FILE

    project = server.app.state.project
    run = project.new_run("detect", input, [])
    shutil.copytree(results, project.results_dir(run))
    (project.run_dir(run) / EXIT_FILE).write_text("0")
    project.finish_run(run, 0)
    return run


@pytest.fixture
def world_server(server, world_results):
    """The app with one finished detect run: the world's results, as a run of the project."""
    return server, add_run(server, world_results)


def _group_found_by_the_group_test(results: Path) -> dict:
    rows = open_results(results).rows("groups", where={"edges": 0})
    assert len(rows) == 1 and rows[0]["joined_by_group_test"] == rows[0]["size"]
    return rows[0]


@pytest.mark.slow
def test_app_group_found_by_the_group_test_shows_what_it_did(browser, world_server, world_results):
    server, run = world_server
    g = _group_found_by_the_group_test(world_results)
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/{g['group']}")
    section = page.locator(f"#g{g['group']}")
    assert "No pair of its members stands out on its own" in section.inner_text()
    assert "How sure: strong" in section.inner_text()
    # Its network (every member), timeline and objects, as in the report.
    net = page.locator(f'.netview[data-group="{g["group"]}"]')
    assert net.locator("circle").count() == g["size"]
    assert page.locator(f'[data-timeline="{g["group"]}"] rect').count() > 0
    objects = section.locator("table").first.locator("tbody tr")
    assert objects.count() == 10
    # Each member says why it is in: its group test, not a score of 0.
    members = page.locator("#members-table tbody tr")
    assert members.count() == g["size"]
    first = members.first.inner_text()
    assert "group test: in step with the group on" in first and "0.00" not in first
    # A member's drill-down: its actions on the group's objects.
    net.locator("circle").first.click()
    panel = page.locator(f'[data-panel="{g["group"]}"]')
    assert panel.locator("tbody tr").count() > 0
    assert "No pair of its members stands out" in page.locator("#links + p").inner_text()
    w.close()


@pytest.mark.slow
def test_app_group_pages_each_table_on_its_own(browser, world_server, world_results):
    server, run = world_server
    results = open_results(world_results)
    links = results.count("edges", where={"group": 1})
    evidence = results.count("evidence", where={"group": 1})
    size = results.count("actors", where={"group": 1})
    assert links > 200 and evidence > 200
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/1")
    pages = -(-links // 100)
    assert (
        page.locator("#links-pager")
        .inner_text()
        .startswith(f"links 1\u2013100 of {links:,} \u00b7 page 1 of {pages}")
    )
    first_page = page.locator("#links-table tbody").inner_text()
    with page.expect_navigation():
        page.click("#links-pager a[rel=next]")
    assert page.locator("#links-pager").inner_text().startswith(f"links 101\u2013200 of {links:,}")
    assert page.locator("#links-table tbody tr").first.locator("td").first.inner_text() == "101"
    assert page.locator("#links-table tbody").inner_text() != first_page
    # The other tables keep their first page, members and all.
    assert page.locator("#members-table tbody tr").count() == min(size, 100)
    assert "page 1 of" in page.locator("#evidence-pager").inner_text()
    with page.expect_navigation():
        page.click("#evidence-pager a[rel=next]")
    assert "links 101" in page.locator("#links-pager").inner_text()  # kept
    times = page.locator("#evidence-table tbody tr td:first-child").all_inner_texts()
    assert len(times) == 100 and times == sorted(times)  # in time order
    w.close()


@pytest.mark.slow
def test_app_errors_show_where_the_person_looks(browser, server, tmp_path):
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    w = Watched(browser, viewport={"width": 390, "height": 600}, is_mobile=True, has_touch=True)
    page = w.page
    page.goto(server + "/")
    page.set_input_files("#upload input[type=file]", str(png))
    page.click("#upload button")
    error = page.locator(".error")
    error.wait_for()
    assert "not a log concerted reads" in error.inner_text()
    assert _in_view(page, error)

    page.fill("#new-run input[name=input]", "missing.csv")
    page.locator("#new-run button").scroll_into_view_if_needed()
    page.click("#new-run button")
    page.locator(".error", has_text="no such file on the server").wait_for()
    assert _in_view(page, error)
    w.errors = [e for e in w.errors if "status of 400" not in e]  # the refused requests
    w.close()


def _in_view(page, locator) -> bool:
    box = locator.bounding_box()
    height = page.evaluate("window.innerHeight")
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= height


@pytest.mark.slow
def test_app_groups_are_numbered_by_rank(browser, world_server, world_results):
    server, run = world_server
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}")
    rows = page.locator("#groups tbody tr")
    numbers = [int(rows.nth(i).locator("td").first.inner_text()) for i in range(rows.count())]
    scores = [float(rows.nth(i).locator("td").nth(2).inner_text()) for i in range(rows.count())]
    assert numbers == [1, 2, 3, 4]  # listed first is group 1, the strongest
    assert scores == sorted(scores, reverse=True)
    w.close()


@pytest.mark.slow
def test_app_marks_content_deleted_upstream(browser, server, tmp_path):
    from concerted.store import detect_store, ingest, verify_pack

    from ..store.test_store import S1, S2, write_log

    store = server.app.state.project.root  # the project's evidence store
    ingest(write_log(tmp_path / "s1.csv", S1), store, snapshot_time=1000)
    ingest(write_log(tmp_path / "s2.csv", S2), store, snapshot_time=2000)  # a2 on x is gone
    result, _ = detect_store(store, detector=CoAction(window_seconds=10, significance=False))
    write_results(result, tmp_path / "results")
    run = add_run(server, tmp_path / "results", input="store")

    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}")
    assert page.locator("#deleted").inner_text() == (
        "Content deleted upstream: group 1, 1 of its 6 shared actions."
    )
    assert "1 deleted" in page.locator("#groups tbody tr").first.inner_text()
    page.click("#groups a")
    assert (
        page.locator("p.deleted")
        .inner_text()
        .startswith("1 of its 6 shared actions were deleted upstream")
    )
    flagged = page.locator("#evidence-table tr.deleted")
    assert [r.split("\t")[1:4] for r in flagged.all_inner_texts()] == [
        ["a1", "a2 deleted", "x"],
        ["a2 deleted", "a3", "x"],
    ]
    member = page.locator("#members-table tbody tr", has_text="a2")
    assert "1 deleted" in member.inner_text()

    with page.expect_download() as download:  # its evidence pack, one click away
        page.click("#evidence-pack")
    pack = tmp_path / "pack"
    shutil.unpack_archive(download.value.path(), pack, "zip")
    assert verify_pack(pack).ok
    w.close()


@pytest.mark.slow
def test_app_says_which_rows_were_left_out(browser, server, tmp_path):
    from concerted import load_log

    log = tmp_path / "posts.csv"
    rows = ["user,url,tag,time"] + [f"u{i},,,{i}" for i in range(4)]  # no object at all
    rows += [f"{a},x,,{t + d}" for t, a, d in ((100, "a", 0), (100, "b", 2), (100, "c", 4))]
    rows += [f"{a},,#t,{t + d}" for t, a, d in ((900, "a", 0), (900, "b", 2), (900, "c", 4))]
    log.write_text("\n".join(rows) + "\n")
    result = detect(
        load_log(log, object_columns=["url", "tag"]),
        detector=CoAction(window_seconds=10, significance=False),
    )
    write_results(result, tmp_path / "results")
    run = add_run(server, tmp_path / "results", input="posts.csv")
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    w.page.goto(f"{server}/runs/{run}")
    notes = w.page.locator("#notes")
    assert notes.is_visible()
    assert (
        "skipped 4 of 10 rows (40 %): 0 without an actor, 4 without an object in url, tag; "
        "4 of 7 accounts are only in those rows and are in no result"
    ) in notes.inner_text()
    assert w.page.locator("#groups td.how").first.inner_text() == "untested"
    w.close()


@pytest.mark.slow
def test_app_run_page_reads_on_a_phone(browser, world_server):
    server, run = world_server
    w = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = w.page
    for path in (f"/runs/{run}", f"/runs/{run}/groups/1", "/"):
        page.goto(server + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide on a 390 px screen"
    page.goto(f"{server}/runs/{run}")
    rows = page.locator("#groups tbody tr")
    for i in range(rows.count()):
        row, select = rows.nth(i).bounding_box(), rows.nth(i).locator("select").bounding_box()
        assert select["x"] >= 0 and select["x"] + select["width"] <= 390  # no sideways scroll
        assert select["height"] >= 32 and row["height"] <= 100
    rows.first.locator("select").select_option("confirmed")
    rows.first.locator("button").tap()
    page.wait_for_selector("text=saved: confirmed")
    w.close()


@pytest.mark.slow
def test_app_compares_only_what_can_be_compared(browser, world_server, tmp_path):
    server, run = world_server
    classic = tmp_path / "classic"
    world = simulate_world(seed=3, n_actors=2000).log
    write_results(detect(world, detector=CoAction(window_seconds=60, significance=False)), classic)
    other = add_run(server, classic)
    project = server.app.state.project
    ingest = project.new_run("ingest", "world.csv", [])
    project.finish_run(ingest, 0)

    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}")
    offered = page.locator("#compare select option").all_inner_texts()
    assert len(offered) == 1 and offered[0].startswith(other)  # not the ingest run
    with page.expect_navigation():
        page.click("#compare button")
    link = page.locator("#groups-a tbody tr").first.locator("a").first
    assert link.get_attribute("href") == f"/runs/{run}/groups/1"
    with page.expect_download() as download:
        page.click("#export-diff")
    lines = Path(download.value.path()).read_text().splitlines()
    assert lines[0] == "actor,flagged_by" and len(lines) > 1
    only_b = int(page.locator(".cards .card").nth(4).locator("b").inner_text().replace(",", ""))
    assert sum(line.endswith(f"only {other}") for line in lines) == only_b

    page.goto(f"{server}/compare?a={run}&b={ingest}")
    assert "only detect runs (their groups and actors) can be compared" in page.inner_text("main")
    assert str(project.root) not in page.content()  # no server path
    w.errors = [e for e in w.errors if "status of 400" not in e]  # the refused page itself
    w.close()


@pytest.mark.slow
def test_app_runs_can_be_cancelled_and_deleted_and_ingest_says_what_it_did(
    browser, server, tmp_path
):
    import pyarrow.csv as pacsv

    big = tmp_path / "world.csv"
    table = simulate_world(seed=3, n_actors=5000).log.table
    pacsv.write_csv(table.select(["actor", "action", "object", "time"]), big)
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(server + "/")
    page.set_input_files("#upload input[type=file]", str(big))
    with page.expect_navigation():
        page.click("#upload button")
    page.fill("#new-run input[name=input]", "world.csv")
    with page.expect_navigation():
        page.click("#new-run button")
    assert page.locator("#status").get_attribute("data-status") == "running"
    assert page.locator("#progress").is_visible()
    assert page.locator("#elapsed").inner_text().startswith("running for")
    run = page.locator("#status").get_attribute("data-run")
    with page.expect_navigation(timeout=60_000):  # the page reloads when the run ends
        page.click("#cancel-run")
    page.wait_for_selector("#status[data-status=cancelled]")
    assert not (server.app.state.project.results_dir(run)).exists()

    page.click("#delete-run")
    assert page.locator("#delete-run").inner_text().endswith("Click again")
    with page.expect_navigation():
        page.click("#delete-run")
    assert run not in page.locator("main").inner_text()
    assert not (server.app.state.project.root / "runs" / run).exists()

    small = tmp_path / "snap.csv"
    small.write_text("actor,object,time\na,x,1\nb,x,2\nc,y,3\n")
    page.set_input_files("#upload input[type=file]", str(small))
    with page.expect_navigation():
        page.click("#upload button")
    page.select_option("#new-run select[name=command]", "ingest")
    page.fill("#new-run input[name=input]", "snap.csv")
    with page.expect_navigation():
        page.click("#new-run button")
    page.wait_for_selector("#status[data-status=done]", timeout=90_000)
    cards = page.locator(".cards .card").all_inner_texts()
    assert cards[:3] == ["3\nactions in snapshot 1", "3\nnew", "0\nmarked deleted"]
    assert len(page.locator("#chain").inner_text()) == 64
    assert page.locator("#snapshots tbody tr").count() == 1
    w.close()


@pytest.mark.slow
def test_app_labels_hold_their_members_and_carry_over(browser, world_server, world_results):
    server, run = world_server
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}")
    first = page.locator("#groups tbody tr").first
    first.locator("select").select_option("confirmed")
    first.locator("input[name=note]").fill("the fancam flood")
    first.locator("button").click()
    page.wait_for_selector("text=saved: confirmed")
    with page.expect_download() as download:
        page.click("text=labels.csv")
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    members = [r["actor"] for r in open_results(world_results).rows("actors", where={"group": 1})]
    assert [(r["group"], r["label"], r["size"]) for r in rows] == [("1", "confirmed", "80")]
    assert rows[0]["members"].split(" ") == members

    later = add_run(server, world_results)  # a later run finding the same groups
    page.goto(f"{server}/runs/{later}")
    first = page.locator("#groups tbody tr").first
    assert first.locator("select").input_value() == "confirmed"
    assert first.locator("input[name=note]").input_value() == "the fancam flood"
    assert first.locator(".carried").inner_text() == (
        f"from run {run}, group 1 (100 % same members): save to keep"
    )
    assert page.locator("#groups tbody tr").nth(1).locator("select").input_value() == ""
    w.close()


@pytest.mark.slow
def test_app_network_targets_and_selection_read_on_a_phone(browser, world_server, world_results):
    server, run = world_server
    w = Watched(browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/1?network=all")
    net = page.locator('.netview[data-group="1"]')
    sizes = [c.bounding_box()["width"] for c in net.locator("circle").all()]
    assert len(sizes) == 80 and min(sizes) >= 12  # px on a 390 px screen (they were 5-7)
    links = net.locator("line").count()
    assert links == open_results(world_results).count("edges", where={"group": 1})
    first = page.locator("#members-table tbody tr").first.locator("td")
    actor, degree = first.nth(0).inner_text(), int(first.nth(3).inner_text())
    node = net.locator("circle").filter(has_text=actor)  # the most central member, on top
    node.tap()
    assert "selected" in node.get_attribute("class")
    assert net.locator("line.near").count() == degree  # its links stand out, the rest fade
    assert "has-selection" in net.locator("svg").get_attribute("class")
    # Its p-value as far as it can be told apart (4.0e-15 is the exact test's floor).
    from concerted.confidence import format_p_value

    p = open_results(world_results).rows("actors", where={"actor": actor})[0]["p_value"]
    assert first.nth(5).inner_text() == format_p_value(p)
    assert f"p = {format_p_value(p)}" in page.locator('[data-panel="1"]').inner_text()
    w.close()


@pytest.mark.slow
def test_app_finds_an_account_or_object_across_the_run(browser, world_server, world_results):
    server, run = world_server
    results = open_results(world_results)
    member = results.rows("actors", where={"group": 4}, order=("actor",))[0]["actor"]
    acted = results.rows("group_actions", where={"actor": member}, order=("time",))
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}")
    page.fill("form.search input[name=q]", member)
    with page.expect_navigation():
        page.click("form.search button")
    assert page.locator("#found-actors").inner_text().startswith("in group 4: 0 links")
    assert page.locator("#found-actions tbody tr").count() == min(len(acted), 100)
    obj = acted[0]["object"]
    groups = {r["group"] for r in results.rows("group_actions", where={"object": obj})}
    page.fill("form.search input[name=q]", obj)
    with page.expect_navigation():
        page.click("form.search button")
    assert page.locator("#found-actors").inner_text() == "In no group of this run."
    assert page.locator("#found-objects tbody tr").count() == len(groups)
    page.click("#found-objects a")
    assert page.url.endswith(f"/groups/{min(groups)}")
    w.close()


@pytest.mark.slow
def test_app_members_sort_and_export(browser, world_server, world_results):
    server, run = world_server
    members = open_results(world_results).rows("actors", where={"group": 1})
    busiest = sorted(members, key=lambda m: (-m["actions"], m["actor"]))
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/1")
    with page.expect_navigation():
        page.click(".sorts a[data-sort=actions]")
    shown = page.locator("#members-table tbody tr td:first-child").all_inner_texts()
    assert shown == [m["actor"] for m in busiest]
    with page.expect_download() as download:
        page.click("#members-csv")
    rows = list(csv.DictReader(open(download.value.path(), encoding="utf-8")))
    assert [r["actor"] for r in rows] == [m["actor"] for m in busiest]
    w.close()


def _group_actions(results: Path):
    """The world's group_actions as pyarrow reads them (the answer the app's tables must give)."""
    import pyarrow.parquet as pq

    return pq.read_table(results / "group_actions.parquet").to_pylist()


@pytest.mark.slow
def test_app_tables_filter_facet_search_sort_and_export(browser, world_server, world_results):
    server, run = world_server
    rows = _group_actions(world_results)
    w = Watched(browser, viewport={"width": 1200, "height": 900}, accept_downloads=True)
    page = w.page
    page.goto(f"{server}/runs/{run}")
    page.click("#tables >> text=group_actions")
    pager = page.locator("#table-pager")
    assert f"of {len(rows):,} · page 1 of {-(-len(rows) // 100)}" in pager.inner_text()
    # Facets: each value with its count, commonest first; a click filters by it.
    actions = page.locator('[data-facet="action"] li')
    counts = {}
    for r in rows:
        counts[r["action"]] = counts.get(r["action"], 0) + 1
    expected = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert [" ".join(t.split()) for t in actions.all_inner_texts()] == [
        f"{a} {n:,}" for a, n in expected
    ]
    page.click('[data-facet="action"] >> text=share')
    page.click('[data-facet="group"] a >> text="1"')
    shown = [r for r in rows if r["action"] == "share" and r["group"] == 1]
    assert f"of {len(shown):,}" in pager.inner_text()
    assert page.locator("#filters .chip").all_inner_texts() == ["action = share ×", "group = 1 ×"]
    # Sort by any column: the latest first.
    page.click('#table-rows th a[data-sort="time"]')
    page.click('#table-rows th a[data-sort="time"]')
    latest = max(r["time"] for r in shown).strftime("%Y-%m-%d %H:%M:%S UTC")
    header = page.locator("#table-rows th").all_inner_texts()
    first = dict(
        zip(
            header,
            page.locator("#table-rows tbody tr").first.locator("td").all_inner_texts(),
            strict=True,
        )
    )
    assert first["time ▼"] == latest
    # Search the text columns, within the filters; then a filter by a range from the form.
    page.fill("#table-filter input[name=_search]", "BREAKING")
    with page.expect_navigation():
        page.press("#table-filter input[name=_search]", "Enter")
    found = [
        r for r in shown
        if any("breaking" in (r[c] or "").lower() for c in ("actor", "action", "object", "text"))
    ]  # fmt: skip
    assert 0 < len(found) < len(shown)
    assert f"of {len(found):,}" in pager.inner_text()
    page.select_option("#table-filter select[name=_col]", "members")
    page.select_option("#table-filter select[name=_op]", ">=")
    page.fill("#table-filter input[name=_val]", "30")
    with page.expect_navigation():
        page.click("#table-filter button")
    kept = [r for r in found if r["members"] >= 30]
    assert 0 < len(kept) < len(found)
    assert f"of {len(kept):,}" in pager.inner_text()
    # Export: every row shown (all pages), in the order shown.
    with page.expect_download() as download:
        page.click("#table-csv")
    with open(download.value.path(), newline="") as f:
        exported = list(csv.DictReader(f))
    assert len(exported) == len(kept)
    assert {(r["action"], r["group"]) for r in exported} <= {("share", "1")}
    assert [r["time"] for r in exported] == sorted((r["time"] for r in exported), reverse=True)
    # A filter is dropped by its ×; a bad value answers in words.
    page.click('#filters .chip:has-text("action = share") a')
    assert "action = share" not in page.locator("#filters").inner_text()
    page.goto(f"{server}/runs/{run}/tables/group_actions?members__gte=many")
    assert "members takes a number; got 'many'" in page.locator("main").inner_text()
    w.errors = [e for e in w.errors if "status of 400" not in e]  # the refused page itself
    w.close()


@pytest.mark.slow
def test_app_tables_show_hostile_names_as_text_and_export_them_guarded(browser, server, tmp_path):
    result = detect(
        make_log(hostile_rows()), detector=CoAction(window_seconds=10, significance=False)
    )
    run = add_run(server, write_results(result, tmp_path / "hostile")["report.html"].parent)
    w = Watched(browser, accept_downloads=True)
    page = w.page
    page.goto(f"{server}/runs/{run}/tables/group_actions?_search=%3Cimg")
    assert page.locator("#table-pager").inner_text().startswith("rows 1–3 of 3")
    assert page.locator("#table-rows tbody td.id").first.inner_text() == HOSTILE_ACTOR
    with page.expect_navigation():  # a facet asked for: the names as text
        page.select_option("#add-facet", label="actor")
    facet = [" ".join(t.split()) for t in page.locator('[data-facet="actor"] li').all_inner_texts()]
    assert facet == [f"{HOSTILE_ACTOR} 3"]
    page.goto(f"{server}/runs/{run}/tables/group_actions?_sort=actor")
    with page.expect_download() as download:
        page.click("#table-csv")
    with open(download.value.path(), newline="") as f:
        actors = [r["actor"] for r in csv.DictReader(f)]
    assert (
        actors
        == [HOSTILE_ACTOR] * 3 + ["'" + '=HYPERLINK("http://evil","click")'] * 3 + ["plain"] * 3
    )
    w.close()


@pytest.mark.slow
def test_app_timeline_selects_zooms_and_resets(browser, world_server, world_results):
    from datetime import datetime

    server, run = world_server
    rows = [r for r in _group_actions(world_results) if r["group"] == 1]
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/1")
    page.click("#group-actions")
    pager = page.locator("#table-pager")
    assert f"of {len(rows):,}" in pager.inner_text()
    bars = page.locator("#timeline rect.bar")
    assert bars.count() > 10
    # Drag across the middle half of the chart: the table keeps that span of time.
    box = page.locator("#timeline").bounding_box()
    y = box["y"] + box["height"] * 0.5
    page.mouse.move(box["x"] + box["width"] * 0.25, y)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.5, y, steps=5)
    with page.expect_navigation():
        page.mouse.move(box["x"] + box["width"] * 0.75, y, steps=5)
        page.mouse.up()

    def span() -> tuple[datetime, datetime]:
        from urllib.parse import parse_qs, urlparse

        q = parse_qs(urlparse(page.url).query)
        return tuple(datetime.fromisoformat(q[k][0]) for k in ("time__gte", "time__lte"))

    lo, hi = span()
    inside = [r for r in rows if lo <= r["time"] <= hi]
    assert 0 < len(inside) < len(rows)
    assert f"of {len(inside):,}" in pager.inner_text()
    assert "time >= " in page.locator("#filters").inner_text()
    assert sum(int(b.locator("title").text_content().split()[0]) for b in bars.all()) == len(inside)
    # Zoom in: half the span around its middle; zoom out: twice; reset: the whole span.
    with page.expect_navigation():
        page.click("#tl-in")
    lo2, hi2 = span()
    assert lo < lo2 < hi2 < hi
    assert abs((hi2 - lo2).total_seconds() - (hi - lo).total_seconds() / 2) <= 2
    with page.expect_navigation():
        page.click("#tl-out")
    lo3, hi3 = span()
    assert abs((hi3 - lo3).total_seconds() - (hi - lo).total_seconds()) <= 4
    with page.expect_navigation():
        page.click("#tl-reset")
    assert "time__" not in page.url and "group=1" in page.url
    assert f"of {len(rows):,}" in pager.inner_text()
    w.close()


def _coreness(edges: list[tuple[str, str]]) -> dict[str, int]:
    """Each actor's coreness, by peeling (the largest k whose k-core holds it)."""
    links: dict[str, set[str]] = {}
    for a, b in edges:
        links.setdefault(a, set()).add(b)
        links.setdefault(b, set()).add(a)
    left, core, k = {a: set(n) for a, n in links.items()}, {}, 0
    while left:
        k = max(k, min(len(n) for n in left.values()))
        peel = [a for a, n in left.items() if len(n) <= k]
        for a in peel:
            core[a] = k
            for b in left.pop(a):
                if b in left:
                    left[b].discard(a)
    return core


@pytest.mark.slow
def test_app_large_group_drawn_as_its_core_with_the_rest_on_demand(
    browser, world_server, world_results
):
    server, run = world_server
    results = open_results(world_results)
    size = results.count("actors", where={"group": 1})
    core = _coreness(
        [(e["actor"], e["actor_y"]) for e in results.rows("edges", where={"group": 1})]
    )
    assert size == 80
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/groups/1")
    net = page.locator('.netview[data-group="1"]')
    drawn = net.locator("circle title").all_text_contents()
    assert len(drawn) == 50
    # The core: no member left out is tied more tightly than any member drawn.
    k = min(core[a] for a in drawn)
    assert max(core.get(a, 0) for a in set(core) - set(drawn)) <= k
    caption = net.locator(".left-out").inner_text()
    assert f"the 50 of its 80 members tied most tightly (each in its {k}-core" in caption
    assert "the other 30 are left out of the drawing" in caption
    assert "30 are left out" in page.locator("#network-more").inner_text()
    # The rest on demand: every member drawn, the tables as they were.
    page.click("#show-all")
    page.wait_for_selector("#show-core")
    assert net.locator("circle").count() == 80
    assert net.locator(".left-out").count() == 0
    assert page.locator("#members-table tbody tr").count() == 80
    page.click("#show-core")
    page.wait_for_selector("#show-all")
    assert net.locator("circle").count() == 50
    w.close()


@pytest.mark.slow
def test_app_running_run_shows_its_share_done_and_elapsed_time(browser, server, tmp_path):
    import pyarrow.csv as pacsv

    big = tmp_path / "world.csv"
    table = simulate_world(seed=3, n_actors=5000).log.table
    pacsv.write_csv(table.select(["actor", "action", "object", "time"]), big)
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(server + "/")
    page.set_input_files("#upload input[type=file]", str(big))
    with page.expect_navigation():
        page.click("#upload button")
    page.fill("#new-run input[name=input]", "world.csv")
    with page.expect_navigation():
        page.click("#new-run button")
    # The detector runs for seconds: its stage is 3 % of the run, as its log says.
    page.wait_for_selector("#percent:has-text('3 %')", timeout=60_000)
    assert page.locator("#progress").evaluate("b => b.value") == pytest.approx(0.03)
    assert "  3%] co_action: " in page.locator("#log").inner_text()
    assert page.locator("#elapsed").inner_text().startswith("running for")
    page.wait_for_timeout(1200)
    seconds = page.locator("#elapsed").inner_text().split()[2]
    assert int(seconds) >= 1
    with page.expect_navigation(timeout=60_000):
        page.click("#cancel-run")
    w.close()


@pytest.mark.slow
def test_app_tables_facet_by_how_sure_the_group_is(browser, world_server, world_results):
    from concerted.confidence import describe_strength

    server, run = world_server
    results = open_results(world_results)
    words = {
        g["group"]: describe_strength(g["score"], g["size"], tested=True)[1]
        for g in results.rows("groups")
    }
    rows = _group_actions(world_results)
    by_word: dict[str, int] = {}
    for r in rows:
        by_word[words[r["group"]]] = by_word.get(words[r["group"]], 0) + 1
    order = ["very strong", "strong", "moderate", "weak"]
    w = Watched(browser, viewport={"width": 1200, "height": 900})
    page = w.page
    page.goto(f"{server}/runs/{run}/tables/group_actions")
    facet = page.locator('[data-facet="how sure"] li')
    expected = [f"{k} {by_word[k]:,}" for k in order if k in by_word]
    assert [" ".join(t.split()) for t in facet.all_inner_texts()] == expected
    assert len(expected) >= 2  # the world's groups are not all alike
    word = [k for k in order if k in by_word][-1]  # the weakest: fewest groups of it
    page.click(f'[data-facet="how sure"] a >> text="{word}"')
    assert f"of {by_word[word]:,}" in page.locator("#table-pager").inner_text()
    assert f"how sure = {word}" in page.locator("#filters").inner_text()
    shown = {int(g) for g in page.locator("#table-rows tbody tr td:first-child").all_inner_texts()}
    assert shown <= {g for g, v in words.items() if v == word}
    w.close()
