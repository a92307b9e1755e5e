"""A project on disk: the folder the web app works in.

``DIR/web.duckdb`` holds the runs and the analysts' labels; ``DIR/uploads/`` the logs uploaded
through the app; ``DIR/runs/<id>/`` each run's output (``job.json``, the command and its
parameters, ``results/``, written whole or not at all by the command itself, ``log.txt``, what the
command printed, and ``exit-code``, how it ended, written by the run itself so that a server
restarted meanwhile still knows). The evidence store, when
there is one, lives beside them (``DIR/store.duckdb``). Every change to ``web.duckdb`` is one
transaction, so a crash or a failed run never leaves it half-written.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import ConcertedError, ParameterError

try:  # a lock held by a live run; where there is no fcntl, a stopped server's runs are lost
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None

LABELS = ("confirmed", "organic", "unsure")
EXIT_FILE = "exit-code"  # a run's exit code, written by the run when it ends
LOCK_FILE = "running.lock"  # locked by a run for as long as it runs
CANCEL_FILE = "cancelled"  # written when a person cancels a run: it ends as cancelled
UPLOAD_TMP = (".upload-", ".part")  # an upload being received: prefix and suffix
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".ndjson", ".parquet")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    command VARCHAR NOT NULL,
    input VARCHAR NOT NULL,
    options VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL,          -- running | done | failed | interrupted | cancelled
    created DOUBLE NOT NULL,
    finished DOUBLE,
    exit_code INTEGER
);
CREATE TABLE IF NOT EXISTS labels (
    run VARCHAR NOT NULL,
    "group" INTEGER NOT NULL,
    label VARCHAR NOT NULL,
    note VARCHAR NOT NULL,
    labelled DOUBLE NOT NULL,
    PRIMARY KEY (run, "group")
);
"""


class NotFound(ConcertedError):
    """A run, group or file that does not exist in the project."""

    http_status = 404  # how the web app answers it


class Project:
    """The project folder ``root`` (created if missing). Thread-safe: one connection, one lock."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()
        if self.root.exists() and not self.root.is_dir():
            raise ParameterError(f"{self.root} is a file; give a folder for the project.")
        (self.root / "uploads").mkdir(parents=True, exist_ok=True)
        (self.root / "runs").mkdir(exist_ok=True)
        try:
            self._con = duckdb.connect(str(self.root / "web.duckdb"))
        except duckdb.IOException as exc:
            raise ParameterError(
                f"Cannot open the project store {self.root / 'web.duckdb'}: {exc}. Is another "
                "`concerted serve` using this folder?"
            ) from None
        self._lock = threading.Lock()
        self.closed = False
        with self._tx() as con:
            con.execute(_SCHEMA)
        # Only one server opens the project (web.duckdb is locked), so a part-file now is the
        # remains of an upload that a stopped server was receiving.
        for stale in (self.root / "uploads").glob(f".*{UPLOAD_TMP[1]}"):
            stale.unlink(missing_ok=True)
        self.orphans = self._settle_runs()

    def close(self) -> None:
        self.closed = True
        self._con.close()

    def _settle_runs(self) -> list[str]:
        """Runs still marked running belonged to a server that stopped. Each run outlives its
        server and records how it ended: a run that ended meanwhile is marked done or failed, one
        still running is returned (to be watched), and one that left no trace is interrupted."""
        alive = []
        for row in self._query("SELECT id FROM runs WHERE status = 'running'"):
            run = row["id"]
            code = self.exit_code(run)
            if code is not None:
                self.finish_run(run, code)
            elif self.is_running(run):
                alive.append(run)
            else:
                self.interrupt_run(run)
        return alive

    @contextmanager
    def _tx(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with self._lock:
            cur = self._con.cursor()
            cur.execute("BEGIN")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    def _query(self, sql: str, params: list | None = None) -> list[dict]:
        with self._lock:
            cur = self._con.cursor()
            cur.execute(sql, params or [])
            names = [d[0] for d in cur.description]
            return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    # uploads -----------------------------------------------------------------------------------
    @property
    def uploads_dir(self) -> Path:
        return self.root / "uploads"

    def upload_name(self, name: str) -> str:
        """The name an uploaded file called ``name`` is kept under: its base name made safe.
        Raises ParameterError for a file that is not a log concerted reads."""
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).lstrip(".") or "upload"
        if not base.lower().removesuffix(".gz").endswith(UPLOAD_SUFFIXES):
            raise ParameterError(
                f"{name!r} is not a log concerted reads. Upload a CSV, TSV, JSONL or Parquet "
                "file (gzip-compressed or not)."
            )
        return base

    def upload_tmp(self) -> Path:
        """A new, empty file of its own for an upload to be received into (hidden, removed at
        start if a server stopped while receiving it)."""
        fd, path = tempfile.mkstemp(
            prefix=UPLOAD_TMP[0], suffix=UPLOAD_TMP[1], dir=self.uploads_dir
        )
        os.close(fd)
        return Path(path)

    def keep_upload(self, tmp: Path, base: str) -> Path:
        """Keep the received file ``tmp`` as ``base``, or ``stem-1.ext``, ``stem-2.ext``... if
        that name is taken. The name is claimed atomically (a hard link fails if the name
        exists), so two uploads of the same name at once are both kept whole, under two names."""
        stem, dot, rest = base.partition(".")
        n = 0
        while True:
            path = self.uploads_dir / (base if n == 0 else f"{stem}-{n}{dot}{rest}")
            try:
                _claim(tmp, path)
            except FileExistsError:
                n += 1
                continue
            tmp.unlink(missing_ok=True)
            return path

    def uploads(self) -> list[dict]:
        """The kept uploads, newest first (not those being received, which may vanish)."""
        found = []
        for p in self.uploads_dir.iterdir():
            if p.name.startswith("."):
                continue
            try:
                st = p.stat()
            except OSError:  # removed meanwhile, or a link to nothing
                continue
            if p.is_file():
                found.append((st.st_mtime, {"name": p.name, "path": str(p), "bytes": st.st_size}))
        return [entry for _, entry in sorted(found, key=lambda f: f[0], reverse=True)]

    # runs --------------------------------------------------------------------------------------
    def new_run(self, command: str, input: str, options: list[str]) -> str:
        run = time.strftime("%Y%m%d-%H%M%S", time.gmtime()) + "-" + uuid.uuid4().hex[:6]
        (self.root / "runs" / run).mkdir()
        with self._tx() as con:
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, 'running', ?, NULL, NULL)",
                [run, command, input, options, time.time()],
            )
        return run

    def exit_code(self, run: str) -> int | None:
        """The exit code the run recorded when it ended; None if it has not (yet)."""
        try:
            return int((self.root / "runs" / run / EXIT_FILE).read_text("ascii"))
        except (OSError, ValueError):
            return None

    def is_running(self, run: str) -> bool:
        """Whether the run's process still holds its lock (still runs), whichever server
        started it. A lock, not a process id: an id can be reused by another process."""
        path = self.root / "runs" / run / LOCK_FILE
        if fcntl is None or not path.exists():
            return False
        with open(path, "rb") as f:
            try:
                fcntl.flock(f, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return True
            fcntl.flock(f, fcntl.LOCK_UN)
        return False

    def interrupt_run(self, run: str) -> None:
        """Mark a run that ended without recording how (its process was killed)."""
        with self._tx() as con:
            con.execute(
                "UPDATE runs SET status = 'interrupted', finished = ? WHERE id = ?",
                [time.time(), run],
            )

    def finish_run(self, run: str, exit_code: int) -> None:
        """Record how a run ended: done (0), failed (a code of its own), or interrupted (a
        negative code: killed by that signal, by Ctrl-C or for want of memory, say)."""
        status = "done" if exit_code == 0 else "interrupted" if exit_code < 0 else "failed"
        if exit_code != 0 and (self.root / "runs" / run / CANCEL_FILE).exists():
            status = "cancelled"
        with self._tx() as con:
            con.execute(
                "UPDATE runs SET status = ?, exit_code = ?, finished = ? WHERE id = ?",
                [status, exit_code, time.time(), run],
            )

    def delete_run(self, run: str) -> None:
        """Remove a run that has ended: its folder, its record and its labels. Raises
        ParameterError for a run still running (cancel it first)."""
        if self.run(run)["status"] == "running" or self.is_running(run):
            raise ParameterError(f"Run {run} is still running: cancel it first.")
        with self._tx() as con:
            con.execute("DELETE FROM labels WHERE run = ?", [run])
            con.execute("DELETE FROM runs WHERE id = ?", [run])
        shutil.rmtree(self.root / "runs" / run, ignore_errors=True)

    def runs(self) -> list[dict]:
        return self._query("SELECT * FROM runs ORDER BY created DESC")

    def run(self, run: str) -> dict:
        rows = self._query("SELECT * FROM runs WHERE id = ?", [run])
        if not rows:
            raise NotFound(f"No run {run!r} in this project.")
        return rows[0]

    def run_dir(self, run: str) -> Path:
        self.run(run)  # raises NotFound
        return self.root / "runs" / run

    def results_dir(self, run: str) -> Path:
        return self.run_dir(run) / "results"

    # labels ------------------------------------------------------------------------------------
    def set_label(self, run: str, group: int, label: str, note: str = "") -> None:
        if label not in LABELS:
            raise ParameterError(f"A label is one of {', '.join(LABELS)}. Got {label!r}.")
        if len(note) > 2000:
            raise ParameterError("A note is at most 2,000 characters.")
        self.run(run)
        with self._tx() as con:
            con.execute(
                "INSERT OR REPLACE INTO labels VALUES (?, ?, ?, ?, ?)",
                [run, group, label, note, time.time()],
            )

    def labels(self, run: str) -> dict[int, dict]:
        rows = self._query('SELECT * FROM labels WHERE run = ? ORDER BY "group"', [run])
        return {r["group"]: r for r in rows}


def _claim(tmp: Path, path: Path) -> None:
    """Give ``tmp``'s content the name ``path``, failing with FileExistsError if it is taken."""
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links: reserve the name, then fill it
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        os.replace(tmp, path)
