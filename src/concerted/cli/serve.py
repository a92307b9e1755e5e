"""``concerted serve``: the web app (:func:`concerted.web.create_app`); a lens adds its
services as subcommands (``concerted serve signups``)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import ParameterError
from ..extras import requires_extra
from .options import friendly_errors, host_option, port_option


def register(cli: click.Group) -> None:
    """Add ``serve`` to the ``concerted`` group (before the lenses that add to it)."""
    cli.add_command(serve)


@click.group(invoke_without_command=True)
@host_option
@port_option
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("concerted-project"),
    show_default=True,
    help="Folder the app keeps its uploads, runs and labels in (created if missing).",
)
@click.option(
    "--token",
    envvar="CONCERTED_TOKEN",
    help="Require this secret (16 characters or more) on every request (also read from "
    "CONCERTED_TOKEN). Needed to listen on anything but a loopback address.",
)
@click.option(
    "--max-upload-mb",
    default=1024,
    show_default=True,
    type=click.IntRange(1),
    help="Largest upload accepted.",
)
@click.option(
    "--allow-dir",
    "allow_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder whose files runs may read, besides the project's uploads. Repeatable; none "
    "by default.",
)
@click.pass_context
@friendly_errors
def serve(ctx, host, port, project_dir, token, max_upload_mb, allow_dirs) -> None:
    """The web app (with no subcommand), or a service over the library.

    \b
    Examples:
      concerted serve                       # http://127.0.0.1:8000, project in ./concerted-project
      concerted serve --project rally/ --port 8080 --allow-dir /data/exports
      CONCERTED_TOKEN=$(openssl rand -hex 16) concerted serve --host 0.0.0.0
      concerted serve signups --state rally.db
    """
    if ctx.invoked_subcommand is not None:
        return
    with requires_extra("web", "concerted serve"):
        import uvicorn

        from ..httpguard import listen
        from ..web import create_app

    app = create_app(
        project_dir,
        host=host,
        token=token,
        allow_dirs=allow_dirs,
        max_upload_bytes=max_upload_mb << 20,
    )
    try:
        sock = listen(host, port)  # a port in use fails here, before a URL is shown
    except ParameterError:
        app.state.project.close()
        raise
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + ("login?token=" + token if token else "")
    click.echo(f"concerted web app on {url}  (project {project_dir}; Ctrl-C to stop)", err=True)
    uvicorn.Server(uvicorn.Config(app, log_level="warning")).run(sockets=[sock])
