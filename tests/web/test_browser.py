"""The report and the web app as a person uses them: in a real headless Chromium (Debian's
``chromium``, which ``make test`` installs), driven by Playwright.

Each test clicks through, checks that hostile text shows as text (and runs nothing: no dialog
opens), and that the page logged no error.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from concerted import CoAction, detect, make_log, write_results

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
    yield f"http://127.0.0.1:{port}"
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
    page.wait_for_selector("#members")
    members = page.locator("#members tbody").inner_text()
    assert HOSTILE_ACTOR in members  # shown as text
    page.select_option("form.label select", "confirmed")
    page.fill("form.label input[name=note]", HOSTILE_TEXT)
    page.click("form.label button")
    page.wait_for_selector("text=saved: confirmed")

    page.goto(page.url)  # the label is kept
    assert page.locator("form.label select").input_value() == "confirmed"
    assert page.locator("form.label input[name=note]").input_value() == HOSTILE_TEXT

    with page.context.expect_page() as popup:
        page.click("text=Network and timeline in the report")
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
