"""A project on disk: the folder the web app works in.

``DIR/web.duckdb`` holds the runs and the analysts' labels; ``DIR/uploads/`` the logs uploaded
through the app; ``DIR/runs/<id>/`` each run's output (``results/``, written whole or not at all by
the command itself, and ``log.txt``, what the command printed). The evidence store, when there is
one, lives beside them (``DIR/store.duckdb``). Every change to ``web.duckdb`` is one transaction,
so a crash or a failed run never leaves it half-written.
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from ..errors import ConcertedError, ParameterError

LABELS = ("confirmed", "organic", "unsure")
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".jsonl", ".json", ".ndjson", ".parquet")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY,
    command VARCHAR NOT NULL,
    input VARCHAR NOT NULL,
    options VARCHAR[] NOT NULL,
    status VARCHAR NOT NULL,          -- running | done | failed | interrupted
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
        with self._tx() as con:
            con.execute(_SCHEMA)
            # A run still marked running belonged to a server that stopped: it will never finish.
            con.execute(
                "UPDATE runs SET status = 'interrupted', finished = ? WHERE status = 'running'",
                [time.time()],
            )

    def close(self) -> None:
        self._con.close()

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
    def upload_path(self, name: str) -> Path:
        """Where an uploaded file called ``name`` goes: its base name made safe, kept unique."""
        base = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).name).lstrip(".") or "upload"
        if not base.lower().removesuffix(".gz").endswith(UPLOAD_SUFFIXES):
            raise ParameterError(
                f"{name!r} is not a log concerted reads. Upload a CSV, TSV, JSONL or Parquet "
                "file (gzip-compressed or not)."
            )
        path = self.root / "uploads" / base
        n = 1
        while path.exists():
            stem, dot, rest = base.partition(".")
            path = self.root / "uploads" / f"{stem}-{n}{dot}{rest}"
            n += 1
        return path

    def uploads(self) -> list[dict]:
        files = sorted((self.root / "uploads").iterdir(), key=lambda p: p.stat().st_mtime)
        return [
            {"name": p.name, "path": str(p), "bytes": p.stat().st_size}
            for p in reversed(files)
            if p.is_file() and not p.name.startswith(".")
        ]

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

    def finish_run(self, run: str, exit_code: int) -> None:
        status = "done" if exit_code == 0 else "failed"
        with self._tx() as con:
            con.execute(
                "UPDATE runs SET status = ?, exit_code = ?, finished = ? WHERE id = ?",
                [status, exit_code, time.time(), run],
            )

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
