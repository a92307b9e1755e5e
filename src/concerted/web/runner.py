"""Run concerted's own commands for the web app, each in a process of its own.

A run is exactly what the command line does (``concerted detect FILE --out DIR ...``), so every
option works the same in both, and a run that fails or runs out of memory takes nothing down with
it: its results folder is written whole or not at all, and the project only records how it ended.

What a run may touch is checked before it starts (:class:`Access`): it reads an upload of the
project or a file under a folder the person who started the server allowed (``--allow-dir``),
and it writes inside the project only. The options typed in the app are parsed by the command's
own click parser, so an option the command does not have is refused, and every option whose
value is a path (a ``click.Path`` or ``click.File`` parameter) is checked, including ones added to
a command later. The values checked are the values run: the run gets them as parameters
(``job.json``, run by :mod:`concerted.web.job`), not as a command line to parse again.

A run outlives the server that started it: a small wrapper (``_wrap.py``) holds a lock in the run
folder while the command runs and writes its exit code there when it ends, so that a restarted
server marks it done or failed, or watches it until it ends (:func:`watch_orphans`).
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import click

from ..errors import ParameterError
from ..io import MAX_INPUT_ENV
from ..store.store import STORE_FILE
from .job import write_job
from .project import CANCEL_FILE, EXIT_FILE, LOCK_FILE, Project

# The commands the app offers, and the parameters the app sets itself.
COMMANDS = ("detect", "hashtags", "reports", "narratives", "signups", "ingest")
RESERVED = {"out_dir": "--out", "store_dir": "--store"}
# Limits that the person who started the server set for every run, not its users.
SERVER_ONLY = {"max_input_gb": "--max-input-gb"}
STORE = "store"  # as the input of detect: the project's evidence store
_WRAPPER = Path(__file__).with_name("_wrap.py")
_PROJECT_FILES = ("web.duckdb",)  # the app's own records: no run may name them
# The runs this server started and that still run, by project folder and run: they can be
# cancelled (a run started by an earlier server is only watched).
_STARTED: dict[tuple[Path, str], subprocess.Popen] = {}


def parse_options(text: str) -> list[str]:
    """The options typed in the app, split as a shell would (nothing is run by a shell)."""
    try:
        return shlex.split(text or "")
    except ValueError as exc:
        raise ParameterError(f"Cannot read the options: {exc}.") from None


def _exists(path: Path) -> bool:
    """Whether ``path`` is a file (False, not an error, for a name too long to be one)."""
    try:
        return path.is_file()
    except OSError:
        return False


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


class Access:
    """What runs may read and write: the project folder, and for reading the folders in
    ``allow_dirs`` (none by default). Paths are resolved with symbolic links followed, so
    neither ``..`` nor a link leads out."""

    def __init__(self, project: Project, allow_dirs: Iterable[str | Path] = ()) -> None:
        self.project = project
        self.allow_dirs: list[Path] = []
        for d in allow_dirs:
            path = Path(d).expanduser().resolve()
            if not path.is_dir():
                raise ParameterError(f"--allow-dir {d}: no such folder.")
            self.allow_dirs.append(path)

    def _where(self) -> str:
        if not self.allow_dirs:
            return "no folder was allowed (start the server with --allow-dir DIR to allow one)"
        return "the folders allowed are " + ", ".join(str(d) for d in self.allow_dirs)

    def _allowed(self, path: Path) -> bool:
        return any(_inside(path, d) for d in self.allow_dirs)

    def input(self, source: str) -> Path:
        """The file a run reads as its input: the name of an upload, or a full path under an
        allowed folder. Raises ParameterError, before saying whether such a file exists, for any
        other path."""
        source = source.strip()
        if not source:
            raise ParameterError("Give an input: an uploaded file or a path on the server.")
        uploads = self.project.uploads_dir
        if "/" not in source and "\\" not in source and source not in (".", ".."):
            candidate = uploads / source
            if not os.path.lexists(candidate):  # a link counts, to be refused below
                raise ParameterError(
                    f"{source}: no such file on the server. Give the name of an uploaded log, or "
                    f"a full path inside an allowed folder ({self._where()})."
                )
            path = candidate.resolve()
            if not (_inside(path, uploads) or self._allowed(path)):
                raise ParameterError(
                    f"{source}: the upload is a link to a file outside the project; refused."
                )
        else:
            given = Path(source).expanduser()
            if not given.is_absolute():
                raise ParameterError(
                    f"{source}: give the name of an uploaded log, or a full path (from /)."
                )
            path = given.resolve()
            if not (_inside(path, uploads) or self._allowed(path)):
                raise ParameterError(
                    f"{source}: outside the folders this app may read: the project's uploads; "
                    f"{self._where()}. Upload the file instead."
                )
        if not _exists(path):
            raise ParameterError(f"{source}: no such file on the server.")
        return path

    def option_path(self, option: str, value: str) -> None:
        """Check a path given to ``option``: inside the project it may be read or written;
        inside an allowed folder only an existing file may be named (to be read); elsewhere
        nothing. Relative paths are relative to the project (where runs start)."""
        root = self.project.root
        path = (root / value).resolve()
        if _inside(path, root):
            if path.parent == root and path.name.startswith(_PROJECT_FILES):
                raise ParameterError(f"{option} {value}: the app's own records; refused.")
            return
        if self._allowed(path):
            if _exists(path):
                return
            raise ParameterError(
                f"{option} {value}: not an existing file. Outside the project, runs only read "
                f"existing files; nothing is written there."
            )
        raise ParameterError(
            f"{option} {value}: outside the project folder and the allowed folders "
            f"({self._where()}); refused."
        )

    def check_options(self, command: str, options: list[str]) -> dict[str, str | bool | list]:
        """Refuse an option ``command`` does not have, one the app sets itself, any extra input,
        and any path outside what runs may touch. Returns the values given, by parameter name,
        as typed (texts, lists of texts for a repeated option, booleans for a flag)."""
        from ..cli import main  # here: the web app is imported by a command (concerted serve)

        cmd = main.commands[command]
        ctx = click.Context(cmd, info_name=command)
        try:
            given, extra, _ = cmd.make_parser(ctx).parse_args(list(options))
        except click.UsageError as exc:
            raise ParameterError(f"{command}: {exc.format_message()}") from None
        params = {p.name: p for p in cmd.get_params(ctx)}
        help_option = cmd.get_help_option(ctx)
        extra = _strings(extra)
        for name, value in given.items():
            param, values = params[name], _strings(value)
            if param is help_option:
                raise ParameterError("--help is not offered here; docs/cli.md lists the options.")
            if name in RESERVED:
                raise ParameterError(f"{RESERVED[name]} is set by the app; leave it out.")
            if name in SERVER_ONLY:
                raise ParameterError(
                    f"{SERVER_ONLY[name]} is a limit of the server: set {MAX_INPUT_ENV} where "
                    "`concerted serve` starts."
                )
            if isinstance(param, click.Argument):
                extra = [*values, *extra]
            elif isinstance(param.type, click.Path | click.File):
                for v in values:
                    self.option_path(param.opts[-1], v)
        if extra:
            raise ParameterError(
                f"Unexpected {' '.join(extra)} in the options: the input is given in its own field."
            )
        return {name: _value(value) for name, value in given.items() if _given(value)}


def _given(value) -> bool:
    """Whether the parser holds a value typed for a parameter (not its mark of a missing one)."""
    return isinstance(value, str | bool) or (
        isinstance(value, list | tuple) and all(isinstance(v, str) for v in value)
    )


def _value(value):
    return list(value) if isinstance(value, list | tuple) else value


def _strings(value) -> list[str]:
    """The texts typed for one parameter (a flag's value or a missing argument's are none)."""
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


def start_run(
    project: Project, command: str, input: str, options: list[str], access: Access
) -> str:
    """Start ``concerted COMMAND INPUT --out <run>/results OPTIONS`` in the background (as
    the job ``<run>/job.json``, see :mod:`concerted.web.job`) and return the run's id. What it
    prints goes to ``<run>/log.txt``.

    ``ingest`` adds INPUT to the project's evidence store (``--store`` the project folder);
    ``detect`` with INPUT ``store`` detects on that store (and records the run there)."""
    if command not in COMMANDS:
        raise ParameterError(f"Unknown command {command!r}. Choose from {', '.join(COMMANDS)}.")
    if input.strip() == STORE and command == "detect":
        if not (project.root / STORE_FILE).is_file():
            raise ParameterError(
                "This project has no evidence store yet: run ingest on a log first."
            )
        input = STORE
        source = {"store_dir": str(project.root)}
    else:
        input = str(access.input(input))
        source = {"file": input}
    params = access.check_options(command, options)
    run = project.new_run(command, input, options)
    folder = project.run_dir(run)
    # ingest adds to the project's evidence store; the others write a results folder.
    target = (
        {"store_dir": str(project.root)}
        if command == "ingest"
        else {"out_dir": str(folder / "results")}
    )
    job = write_job(folder, command, {**params, **source, **target})
    argv = [sys.executable, "-m", "concerted.web.job", str(job)]
    process = spawn(folder, argv, cwd=project.root)
    _STARTED[project.root, run] = process

    def wait() -> None:
        code = process.wait()
        _STARTED.pop((project.root, run), None)
        if not project.closed:
            recorded = project.exit_code(run)
            project.finish_run(run, code if recorded is None else recorded)

    threading.Thread(target=wait, name=f"run-{run}", daemon=True).start()
    return run


def cancel_run(project: Project, run: str) -> None:
    """Stop a run this server started: it ends as ``cancelled`` (its results folder, written
    whole or not at all, is not written). Raises ParameterError for a run that is not running,
    or that an earlier server started."""
    if project.run(run)["status"] != "running":
        raise ParameterError(f"Run {run} is not running.")
    process = _STARTED.get((project.root, run))
    if process is None:
        raise ParameterError(
            f"Run {run} was started by an earlier server: it is watched, not cancellable here."
        )
    (project.run_dir(run) / CANCEL_FILE).write_text("cancelled\n", "ascii")
    process.terminate()  # the wrapper passes it on to the command


def spawn(folder: Path, argv: list[str], *, cwd: Path) -> subprocess.Popen:
    """Start ``argv`` through the wrapper that records how it ends in ``folder``; what it prints
    goes to ``folder/log.txt``."""
    with open(folder / "log.txt", "wb") as log:  # the process keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-I", str(_WRAPPER), str(folder / EXIT_FILE), str(folder / LOCK_FILE)]
            + ["--", *argv],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=cwd,
        )


def watch_orphans(project: Project, poll_seconds: float = 0.5) -> None:
    """Watch the runs a stopped server left running (:attr:`Project.orphans`) until each ends,
    and record how."""

    def watch(run: str) -> None:
        while not project.closed and project.is_running(run):
            time.sleep(poll_seconds)
        if project.closed:
            return
        code = project.exit_code(run)
        if code is None:
            project.interrupt_run(run)
        else:
            project.finish_run(run, code)

    for run in project.orphans:
        threading.Thread(target=watch, args=(run,), name=f"watch-{run}", daemon=True).start()


def run_log(project: Project, run: str, tail: int = 20_000) -> str:
    """The last ``tail`` characters the run printed."""
    path = project.run_dir(run) / "log.txt"
    if not path.exists():
        return ""
    data = path.read_bytes()[-tail:]
    return data.decode("utf-8", "replace")
