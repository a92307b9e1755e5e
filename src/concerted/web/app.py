"""create_app(): the web app an analyst works in, over a project folder (see :mod:`.project`).

Upload or point to a log, run ``detect``, ``hashtags``, ``reports``, ``narratives`` or ``signups`` with any of their options, watch the run,
browse its groups, actors and evidence, open its report, label groups (kept in the project and
exported as CSV or JSON), compare two runs. The app is a thin layer: runs are the CLI's commands,
browsing reads the files they wrote (through :func:`concerted.results.open_results`), comparing
is :func:`concerted.evaluate.compare_runs`.

Safe by default: the server binds to 127.0.0.1 and then answers only requests addressed to a
loopback name or its own address (no DNS rebinding); with a token it requires it on every request;
requests that change anything must carry the ``X-Concerted`` header, which another site's page
cannot send (no cross-site request forgery); every page escapes what it shows and runs only its
own script. These guards are :mod:`concerted.httpguard`'s, shared with the sign-up service. Runs
read only uploads and the folders the server was started with ``--allow-dir``, and write only
inside the project (:class:`.runner.Access`).
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from .. import __version__
from ..errors import ParameterError
from ..httpguard import (
    allowed_hosts,
    check_token,
    error_body,
    guarded_app,
    is_loopback,
    load_json,
)
from ..io import inspect_log
from ..outputs import guard_cell
from ..progress import last_share
from ..report import fmt_time, json_for_script, stylesheet, template_env
from ..report.views import folder_group_view
from ..results import open_results
from ..store import export_evidence
from ..store.store import STORE_FILE
from .browse import (
    ALL_NODES,
    CORE_NODES,
    MEMBER_SORTS,
    PAGE_ROWS,
    carried_labels,
    compare_done_runs,
    failure_message,
    is_stored,
    member_order,
    object_groups,
    paged,
    store_snapshots,
    table_rows,
)
from .project import LABELS, NotFound, Project
from .runner import (
    COMMANDS,
    Access,
    cancel_run,
    parse_options,
    run_log,
    start_run,
    watch_orphans,
)
from .tables import TABLES, parse_query, table_csv, table_page

_STATIC = Path(__file__).parent / "static"
_REPORT_ASSETS = Path(__file__).parent.parent / "report" / "templates"
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)

_env = template_env("web/templates")


def create_app(
    project_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    token: str | None = None,
    allow_dirs: tuple[str | Path, ...] = (),
    max_upload_bytes: int = 1 << 30,
    max_body_bytes: int = 1 << 20,
) -> FastAPI:
    """The web app over the project folder ``project_dir`` (created if missing).

    Parameters
    ----------
    host
        The address the server listens on. On a loopback address the app answers only requests
        addressed to a loopback name or to that address; on any other it needs a token.
    token
        If set (at least 16 characters), every request must carry it (``Authorization: Bearer
        TOKEN``, or the cookie set by opening ``/login?token=TOKEN``).
    allow_dirs
        Folders on the server whose files runs may read (besides the project's uploads).
    max_upload_bytes
        Uploads larger than this are refused (and nothing of them is kept).
    max_body_bytes
        The largest body of any other request.
    """
    check_token(token)
    for name, value in (("max_upload_bytes", max_upload_bytes), ("max_body_bytes", max_body_bytes)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ParameterError(f"{name} must be a whole number of bytes >= 1. Got {value!r}.")
    if not is_loopback(host) and not token:
        raise ParameterError(
            f"Refusing to listen on {host} without a token: anyone who can reach it could read "
            "the data and run commands. Set --token (or CONCERTED_TOKEN), or keep the default "
            "--host 127.0.0.1."
        )
    project = Project(project_dir)
    try:
        access = Access(project, allow_dirs)
    except ParameterError:
        project.close()
        raise
    app = guarded_app(
        title="concerted",
        version=__version__,
        hosts=allowed_hosts(host),
        render_error=_error,
        messages={404: lambda request: f"No such page: {request.url.path}."},
        token=token,
        token_exempt=("/login",),
        write_header=("x-concerted", "1"),
        max_body_bytes=max_body_bytes,
        body_limits={"/api/uploads/": max_upload_bytes},
        csp=_CSP,
    )
    app.state.project = project
    watch_orphans(project)

    # pages -------------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse)
    def home():
        return _page(
            "home.html",
            runs=project.runs(),
            uploads=project.uploads(),
            commands=COMMANDS,
            has_store=(project.root / STORE_FILE).is_file(),
            max_upload_mb=max_upload_bytes / 2**20,
            allow_dirs=access.allow_dirs,
        )

    @app.get("/runs/{run}", response_class=HTMLResponse)
    def run_page(run: str):
        info = project.run(run)
        results = open_results(project.results_dir(run))
        groups = table_rows(results, "groups", order=("score DESC", "group"), limit=1000)
        log = run_log(project, run)
        return _page(
            "run.html",
            run=info,
            log=log,
            share=last_share(log),
            failure=failure_message(log),
            snapshots=store_snapshots(project) if info["command"] == "ingest" else [],
            summary=results.summary,
            groups=groups,
            labels=project.labels(run),
            carried=carried_labels(project, run) if info["command"] == "detect" else {},
            label_choices=LABELS,
            files=results.files,
            tables=[n for n in TABLES if results.has(n)],
            tested=results.tested,
            stored=is_stored(results),
            # Only detect runs that finished can be compared (their actors and groups).
            others=[
                r
                for r in project.runs()
                if r["id"] != run and r["status"] == "done" and r["command"] == "detect"
            ]
            if info["command"] == "detect"
            else [],
        )

    @app.get("/runs/{run}/groups/{group}", response_class=HTMLResponse)
    def group_page(
        run: str,
        group: int,
        members: int = 1,
        links: int = 1,
        evidence: int = 1,
        sort: str = "",
        network: str = "",
    ):
        info = project.run(run)
        results = open_results(project.results_dir(run))
        # A large group is drawn as its core; all of it (up to ALL_NODES) when asked.
        every = network == "all"
        view = folder_group_view(results, group, ALL_NODES if every else CORE_NODES)
        if view is None:
            raise NotFound(f"Run {run} has no group {group}.")
        where = {"group": group}
        pages = {"members": members, "links": links, "evidence": evidence}
        keep = {"network": "all"} if every else {}
        return _page(
            "group.html",
            run=info,
            g=view,
            tested=results.tested,
            stored=is_stored(results),
            members=paged(
                results, "actors", where, member_order(sort), pages, "members", sort, keep
            ),
            every=every,
            sort=sort if sort in MEMBER_SORTS else "",
            member_sorts=MEMBER_SORTS,
            links=paged(
                results,
                "edges",
                where,
                ("strength DESC", "actor", "actor_y"),
                pages,
                "links",
                sort,
                keep,
            ),
            evidence=paged(
                results,
                "evidence",
                where,
                ("time", "actor", "actor_y"),
                pages,
                "evidence",
                sort,
                keep,
            ),
            label=project.labels(run).get(group),
            label_choices=LABELS,
            data=json_for_script(
                {str(group): {"network": view["network"], "timeline": view["timeline"]}}
            ),
        )

    @app.get("/runs/{run}/groups/{group}/members.csv")
    def members_export(run: str, group: int, sort: str = ""):
        results = open_results(project.results_dir(run))
        rows = table_rows(results, "actors", where={"group": group}, order=member_order(sort))
        if not rows:
            raise NotFound(f"Run {run} has no group {group}.")
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, list(rows[0]))
        writer.writeheader()
        writer.writerows({k: guard_cell(v) for k, v in r.items()} for r in rows)
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="members-{run}-group-{group}.csv"'
            },
        )

    @app.get("/runs/{run}/tables/{name}")
    def table(run: str, name: str, request: Request):
        info = project.run(run)
        results = open_results(project.results_dir(run))
        base = name.removesuffix(".csv")
        if base not in TABLES or not results.has(base):
            raise NotFound(f"Run {run} has no table {name!r}.")
        query = parse_query(base, request.query_params.multi_items())
        if name.endswith(".csv"):  # every row of the view, over all its pages
            return Response(
                table_csv(results, query),
                media_type="text/csv",
                headers={"Content-Disposition": f'attachment; filename="{base}-{run}.csv"'},
            )
        view = table_page(results, query)
        return _page(
            "table.html",
            run=info,
            t=view,
            tables=[n for n in TABLES if results.has(n)],
            data=json_for_script(view["timeline"]),
        )

    @app.get("/runs/{run}/search", response_class=HTMLResponse)
    def search_page(run: str, q: str = ""):
        info = project.run(run)
        results = open_results(project.results_dir(run))
        q = q.strip()
        found = {"actors": [], "objects": [], "actions": []}
        if q:
            found["actors"] = table_rows(results, "actors", where={"actor": q})
            found["objects"] = object_groups(results, q)
            found["actions"] = table_rows(
                results, "group_actions", where={"actor": q}, order=("time",), limit=PAGE_ROWS
            )
        return _page("search.html", run=info, q=q, found=found)

    @app.get("/runs/{run}/groups/{group}/evidence-pack.zip")
    def evidence_pack(run: str, group: int):
        store_run = ((open_results(project.results_dir(run)).summary or {}).get("store") or {}).get(
            "run"
        )
        if not store_run:
            raise NotFound(
                f"Run {run} did not read the project's evidence store: evidence packs are made "
                "from runs of detect on the store (ingest a log, then detect on store)."
            )
        with tempfile.TemporaryDirectory(dir=project.root) as tmp:
            folder = export_evidence(project.root, group, Path(tmp) / "pack", run=store_run)
            archive = shutil.make_archive(str(Path(tmp) / "pack"), "zip", folder)
            data = Path(archive).read_bytes()
        name = f"evidence-{run}-group-{group}.zip"
        return Response(
            data,
            media_type="application/zip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/runs/{run}/files/{name}")
    def result_file(run: str, name: str):
        folder = project.results_dir(run)
        if name not in open_results(folder).files:
            raise NotFound(f"Run {run} has no file {name!r}.")
        if name == "report.html":  # the report allows its own inline script, by hash
            return FileResponse(
                folder / name,
                media_type="text/html",
                headers={
                    "Content-Security-Policy": "frame-ancestors 'none'",
                },
            )
        return FileResponse(folder / name, filename=name)

    @app.get("/runs/{run}/labels.{fmt}")
    def labels_export(run: str, fmt: str):
        project.run(run)
        results = open_results(project.results_dir(run))
        rows = []
        for r in project.labels(run).values():
            members = [m["actor"] for m in results.rows("actors", where={"group": r["group"]})]
            rows.append(
                {
                    "run": r["run"],
                    "group": r["group"],
                    "label": r["label"],
                    "note": r["note"],
                    "labelled": fmt_time(r["labelled"]),
                    "size": len(members),
                    "members": members,
                }
            )
        if fmt == "json":
            return JSONResponse(rows)
        if fmt != "csv":
            raise NotFound("Labels are exported as labels.csv or labels.json.")
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, ["run", "group", "label", "note", "labelled", "size", "members"]
        )
        writer.writeheader()
        for r in rows:  # members in one cell, separated by spaces (names hold none)
            writer.writerow(
                {k: guard_cell(" ".join(v) if k == "members" else v) for k, v in r.items()}
            )
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="labels-{run}.csv"'},
        )

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(a: str, b: str):
        return _page(
            "compare.html",
            a=project.run(a),
            b=project.run(b),
            diff=compare_done_runs(project, a, b),
        )

    @app.get("/compare.csv")
    def compare_export(a: str, b: str):
        diff = compare_done_runs(project, a, b)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(["actor", "flagged_by"])
        for side, key in ((a, "only_a"), (b, "only_b")):
            writer.writerows([guard_cell(actor), f"only {side}"] for actor in diff[key])
        return Response(
            buffer.getvalue(),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="compare-{a}-{b}.csv"'},
        )

    @app.get("/static/{name}")
    def static(name: str):
        path = (_REPORT_ASSETS if name.startswith("report.") else _STATIC) / name
        if name not in ("report.css", "report.js", "web.css", "web.js") or not path.is_file():
            raise NotFound(f"No static file {name!r}.")
        media = "text/css" if name.endswith(".css") else "text/javascript"
        text = stylesheet() if name == "report.css" else path.read_text("utf-8")
        return Response(text, media_type=media)

    @app.get("/login")
    def login(request: Request):
        response = RedirectResponse("/", status_code=303)
        if token:
            response.set_cookie(
                "concerted_token",
                request.query_params.get("token", ""),
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        return response

    # API ---------------------------------------------------------------------------------------
    @app.get("/api/runs")
    def api_runs():
        return project.runs()

    @app.get("/api/runs/{run}")
    def api_run(run: str):
        return {
            **project.run(run),
            "log": run_log(project, run, tail=4000),
            "progress": last_share(run_log(project, run)),
            "summary": open_results(project.results_dir(run)).summary,
        }

    @app.post("/api/runs", status_code=201)
    async def api_start(request: Request):
        body = await _json_body(request)
        command, source = _text(body, "command", "detect"), _text(body, "input", "")
        options = parse_options(_text(body, "options", ""))
        run = start_run(project, command, source, options, access)
        return project.run(run)

    @app.post("/api/runs/{run}/cancel")
    def api_cancel(run: str):
        cancel_run(project, run)
        return project.run(run)

    @app.delete("/api/runs/{run}")
    def api_delete(run: str):
        project.delete_run(run)
        return {"deleted": run}

    @app.put("/api/uploads/{name}", status_code=201)
    async def api_upload(name: str, request: Request):
        # The guard limits the size; a file of its own per upload, whatever its name, and a
        # final name claimed atomically, so that uploads at once of one name are all kept whole.
        base = project.upload_name(name)
        tmp = project.upload_tmp()
        size = 0
        try:
            with open(tmp, "wb") as f:
                async for chunk in request.stream():
                    size += len(chunk)
                    f.write(chunk)
            if size == 0:
                raise ParameterError(f"{name} is empty.")
            columns = _check_log(tmp, base)
            path = project.keep_upload(tmp, base)
        finally:  # refused, failed or cut off: nothing of it is kept
            tmp.unlink(missing_ok=True)
        return {"name": path.name, "path": str(path), "bytes": size, "columns": columns}

    @app.post("/api/runs/{run}/groups/{group}/label")
    async def api_label(run: str, group: int, request: Request):
        body = await _json_body(request)
        if not open_results(project.results_dir(run)).rows("groups", where={"group": group}):
            raise NotFound(f"Run {run} has no group {group}.")
        project.set_label(run, group, str(body.get("label", "")), str(body.get("note", "")))
        return project.labels(run)[group]

    @app.get("/api/compare")
    def api_compare(a: str, b: str):
        return compare_done_runs(project, a, b)

    return app


def _error(request: Request, status: int, code: str, message: str) -> Response:
    if request.url.path.startswith("/api/") or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(error_body(code, message), status_code=status)
    return HTMLResponse(
        _env.get_template("error.html").render(status=status, message=message, version=__version__),
        status_code=status,
    )


def _page(template: str, **context) -> HTMLResponse:
    return HTMLResponse(_env.get_template(template).render(version=__version__, **context))


async def _json_body(request: Request) -> dict:
    try:
        body = load_json(await request.body() or b"{}")
    except ValueError as exc:
        raise ParameterError(f"The request body is not usable: {exc}.") from None
    if not isinstance(body, dict):
        raise ParameterError("The request body must be a JSON object.")
    return body


def _text(body: dict, key: str, default: str) -> str:
    value = body.get(key, default)
    if not isinstance(value, str):
        raise ParameterError(f"{key} must be a text; got {type(value).__name__}.")
    return value


def _check_log(path: Path, name: str) -> list[str]:
    """The columns of an uploaded log; a clear error if it cannot be read as one (see
    :func:`concerted.io.inspect_log`: the run reads the rest, and says what is wrong)."""
    return inspect_log(path, name)[1]
