"""Run concerted's own commands for the web app, each in a process of its own.

A run is exactly what the command line does (``concerted detect FILE --out DIR ...``), so every
option works the same in both, and a run that fails or runs out of memory takes nothing down with
it: its results folder is written whole or not at all, and the project only records how it ended.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import threading
from pathlib import Path

from ..errors import ParameterError
from ..store.store import STORE_FILE
from .project import Project

# The commands the app offers, and the options the app sets itself.
COMMANDS = ("detect", "signups", "ingest")
RESERVED = ("--out", "--store", "--help", "-h")
STORE = "store"  # as the input of detect: the project's evidence store


def parse_options(text: str) -> list[str]:
    """The options typed in the app, split as a shell would (nothing is run by a shell)."""
    try:
        options = shlex.split(text or "")
    except ValueError as exc:
        raise ParameterError(f"Cannot read the options: {exc}.") from None
    for o in options:
        if o.split("=", 1)[0] in RESERVED:
            raise ParameterError(f"{o.split('=', 1)[0]} is set by the app; leave it out.")
    return options


def start_run(project: Project, command: str, input: str, options: list[str]) -> str:
    """Start ``concerted COMMAND INPUT --out <run>/results OPTIONS`` in the background and
    return the run's id. What it prints goes to ``<run>/log.txt``.

    ``ingest`` adds INPUT to the project's evidence store (``--store`` the project folder);
    ``detect`` with INPUT ``store`` detects on that store (and records the run there)."""
    if command not in COMMANDS:
        raise ParameterError(f"Unknown command {command!r}. Choose from {', '.join(COMMANDS)}.")
    if input == STORE and command == "detect":
        if not (project.root / STORE_FILE).is_file():
            raise ParameterError(
                "This project has no evidence store yet: run ingest on a log first."
            )
        source = ["--store", str(project.root)]
    else:
        path = Path(input).expanduser()
        if not path.is_file():
            raise ParameterError(f"{input}: no such file on the server.")
        input = str(path)
        source = [input]
    run = project.new_run(command, input, options)
    folder = project.run_dir(run)
    # ingest adds to the project's evidence store; the others write a results folder.
    target = (
        ["--store", str(project.root)]
        if command == "ingest"
        else [
            "--out",
            str(folder / "results"),
        ]
    )
    argv = [sys.executable, "-m", "concerted.cli", command, *source, *target, *options]
    log = open(folder / "log.txt", "wb")  # noqa: SIM115 (closed by the waiting thread)
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def wait() -> None:
        code = process.wait()
        log.close()
        project.finish_run(run, code)

    threading.Thread(target=wait, name=f"run-{run}", daemon=True).start()
    return run


def run_log(project: Project, run: str, tail: int = 20_000) -> str:
    """The last ``tail`` characters the run printed."""
    path = project.run_dir(run) / "log.txt"
    if not path.exists():
        return ""
    data = path.read_bytes()[-tail:]
    return data.decode("utf-8", "replace")
