"""The web app: ``create_app(project_dir)`` (served by ``concerted serve``)."""

from .app import create_app

__all__ = ["create_app"]
