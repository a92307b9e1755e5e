"""Make the screenshots in docs/screenshots/ (shown in the README) from a simulated world.

    .venv/bin/python docs/screenshots.py

Needs Chromium (Debian's ``chromium``; ``make test`` installs it) and Playwright (a test
dependency). Starts the web app on a free loopback port, runs ``detect`` twice through it (the
default and classic co-action), labels a group, and photographs the pages a person looks at.
"""

from __future__ import annotations

import json
import shutil
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright

from concerted.simulate import simulate_world, write_world
from concerted.web import create_app

OUT = Path(__file__).parent / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _call(base: str, method: str, path: str, body: dict | None = None) -> dict:
    request = urllib.request.Request(
        base + path,
        method=method,
        data=json.dumps(body).encode() if body is not None else None,
        headers={"X-Concerted": "1", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        log = write_world(simulate_world(seed=3, n_actors=1500, days=2), tmp)["actions"]
        project = Path(tmp) / "project"
        app = create_app(project)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        )
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
        base = f"http://127.0.0.1:{port}"
        shutil.copy(log, project / "uploads" / "actions.csv")
        runs = [
            _call(base, "POST", "/api/runs", {"command": "detect", "input": "actions.csv"}),
            _call(
                base,
                "POST",
                "/api/runs",
                {
                    "command": "detect",
                    "input": "actions.csv",
                    "options": "--no-significance --window-seconds 60 --min-repeat 2",
                },
            ),
        ]
        for run in runs:
            while _call(base, "GET", f"/api/runs/{run['id']}")["status"] == "running":
                time.sleep(0.5)
        default = runs[0]["id"]
        _call(
            base,
            "POST",
            f"/api/runs/{default}/groups/1/label",
            {"label": "confirmed", "note": "same links within seconds, every day"},
        )
        report = project / "runs" / default / "results" / "report.html"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(report.as_uri())
            page.screenshot(path=OUT / "report.png")
            net = page.locator('.netview[data-group="1"]')
            net.scroll_into_view_if_needed()
            net.locator("circle").nth(3).click()
            page.locator("details#g1").screenshot(path=OUT / "report-group.png")
            phone = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
            phone.goto(report.as_uri())
            phone.screenshot(path=OUT / "report-phone.png")
            page.goto(base + "/")
            page.screenshot(path=OUT / "app-runs.png")
            page.goto(f"{base}/runs/{default}")
            page.screenshot(path=OUT / "app-run.png")
            page.goto(f"{base}/runs/{default}/groups/1")
            page.locator('.netview[data-group="1"] circle').last.click()
            page.locator("p.strength").scroll_into_view_if_needed()
            page.screenshot(path=OUT / "app-group.png")
            # A table of the run: a group's actions, a span of time dragged on the timeline,
            # filtered by a facet's value.
            page.goto(f"{base}/runs/{default}/tables/group_actions?group=1&action=share")
            box = page.locator("#timeline").bounding_box()
            y = box["y"] + box["height"] / 2
            page.mouse.move(box["x"] + box["width"] * 0.3, y)
            page.mouse.down()
            page.mouse.move(box["x"] + box["width"] * 0.6, y, steps=5)
            with page.expect_navigation():
                page.mouse.up()
            page.screenshot(path=OUT / "app-table.png")
            phone.goto(f"{base}/runs/{default}")
            phone.locator("#groups").scroll_into_view_if_needed()
            phone.screenshot(path=OUT / "app-phone.png")
            page.goto(f"{base}/compare?a={default}&b={runs[1]['id']}")
            page.screenshot(path=OUT / "app-compare.png")
            browser.close()
        server.should_exit = True
        app.state.project.close()
    print(f"screenshots in {OUT}/")


if __name__ == "__main__":
    main()
