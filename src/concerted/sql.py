"""SQL text and DuckDB connections shared by the engine, the loader, the writers and the results reader.

Column names and file names come from users (and adversaries): they reach SQL only through
:func:`identifier` and :func:`literal`.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import duckdb


def identifier(name: str) -> str:
    """A column name quoted for SQL, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string quoted as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def physical_memory() -> int | None:
    """The machine's memory in bytes, or None where the system does not say."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None


def default_memory_limit() -> str:
    """DuckDB's memory limit unless told otherwise: 40 % of the machine (4GB where unknown).

    Results leave DuckDB as Arrow tables it does not account for (DuckDB's own default, 80 %,
    leaves them no room): keep it to a share so that both fit, and let it spill beyond that."""
    total = physical_memory()
    return "4GB" if total is None else f"{max(1, int(total * 0.4) // 2**30)}GB"


def default_temp_directory() -> str:
    """Where DuckDB spills: the system's temporary folder, never the user's working directory."""
    return os.fspath(Path(tempfile.gettempdir()) / "concerted-duckdb")


def connect(**config) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC, with no progress bar on the terminal, held to
    :func:`default_memory_limit` and spilling to :func:`default_temp_directory`."""
    con = duckdb.connect(config=config) if config else duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"SET memory_limit = {literal(default_memory_limit())}")
    con.execute(f"SET temp_directory = {literal(default_temp_directory())}")
    return con
