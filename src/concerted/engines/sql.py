"""SQL text and DuckDB connections shared by the engine, the loader and the writers.

Column names and file names come from users (and adversaries): they reach SQL only through
:func:`identifier` and :func:`literal`.
"""

from __future__ import annotations

import duckdb


def identifier(name: str) -> str:
    """A column name quoted for SQL, whatever characters it holds."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A string quoted as an SQL literal."""
    return "'" + value.replace("'", "''") + "'"


def connect(**config) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection in UTC, with no progress bar on the terminal."""
    con = duckdb.connect(config=config) if config else duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    return con
