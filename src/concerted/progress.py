"""Progress of a long command: a message at each stage of its pipeline and, where the stage
knows it, the share of the work done by then.

A pipeline step calls :func:`report` with its message and share; a ``progress`` callable that
takes shares (the CLI's :class:`concerted.cli.options.Progress`, which prints
``[   3.1s  40%] message``) gets both, any other callable (``print``, a test's list.append) the
message alone, as before. The shares are where the stage stands in its pipeline, weighted by
where the time goes (on ``simulate_world(n_actors=5000)``: reading 3 % of the run, the
detector 72 %, grouping 5 %, writing 20 %), so a bar moves in steps, not smoothly. The web app
reads the last share a run printed (:func:`last_share`) to draw its bar.
"""

from __future__ import annotations

import re
from collections.abc import Callable

# detect (concerted.jobs.run_detect and concerted.pipeline.detect): each stage's share when it
# starts.
READ, DETECT, PAIRS, GROUPS, WRITE = 0.0, 0.03, 0.75, 0.8, 0.8
# ingest (concerted.store.ingest)
INGEST_READ, INGEST_PSEUDONYMISE, INGEST_STORE, INGEST_DONE = 0.0, 0.3, 0.5, 1.0

_LINE = re.compile(r"^\[\s*[\d.]+s\s+(\d{1,3})%\]", re.MULTILINE)


def report(progress: Callable[..., None] | None, message: str, share: float | None = None) -> None:
    """Tell ``progress`` the stage ``message``, with ``share`` (0 to 1) if it takes one.

    >>> said = []
    >>> report(said.append, "reading x.csv", 0.0)
    >>> said
    ['reading x.csv']
    """
    if progress is None:
        return
    if share is not None and getattr(progress, "takes_share", False):
        progress(message, share=share)
    else:
        progress(message)


def last_share(log: str) -> float | None:
    """The share of the work done that the last progress line with one in ``log`` says (what
    a command printed on stderr); None if none says one.

    >>> last_share("[   0.0s   0%] reading x.csv\\n[   0.5s   3%] co_action: 9 actions\\nnote: y\\n")
    0.03
    >>> last_share("[   0.0s] reading x.csv") is None
    True
    """
    found = _LINE.findall(log)
    return int(found[-1]) / 100 if found else None
