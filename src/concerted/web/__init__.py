"""The web app: ``create_app(project_dir)`` (served by ``concerted serve``; the [web] extra)."""

from ..extras import require

require("fastapi", what="The web app")

from .app import create_app  # noqa: E402

__all__ = ["create_app"]
