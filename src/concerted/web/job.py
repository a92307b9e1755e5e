"""One web-app run, in a process of its own: ``python -m concerted.web.job JOB_FILE``.

JOB_FILE (``job.json`` in the run folder, written by :func:`concerted.web.runner.start_run`)
holds a command of the app and its parameters as the server parsed and checked them::

    {"command": "detect",
     "params": {"file": "/project/uploads/log.csv", "out_dir": "/project/runs/R/results",
                "window_seconds": "10", "significance": false}}

The command's function runs on exactly these values: no command line is put together, and
nothing is parsed again after the server checked it. Each value is converted by its parameter's
type as the command line would, and errors end the same way: a :class:`ConcertedError` as one
message and exit code 1, a value of the wrong type as exit code 2.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

JOB_FILE = "job.json"


def write_job(folder: Path, command: str, params: dict) -> Path:
    """Write the job of a run into its folder; returns the file's path."""
    path = folder / JOB_FILE
    path.write_text(json.dumps({"command": command, "params": params}, indent=1), "utf-8")
    return path


def run_job(path: str | Path) -> None:
    """Run the job in ``path``: the command with its parameters, then exit with its code."""
    from ..cli import main

    job = json.loads(Path(path).read_text("utf-8"))
    command = main.commands[job["command"]]
    # The parameters are given as the command's defaults: each goes through its type and
    # callback as a typed value would, and no text is parsed.
    command.main(args=[], prog_name=f"concerted {job['command']}", default_map=job["params"])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m concerted.web.job JOB_FILE")
    run_job(sys.argv[1])
