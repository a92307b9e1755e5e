"""The canonical action log: columns, types, and validation.

Every input is mapped once, at load time, to these columns (see :func:`concerted.io.load_log`):

=========  ========  ===========================================================
column     type      meaning
=========  ========  ===========================================================
actor      string    who acted (account id, user name, ...)
action     string    what they did (``share``, ``post``, ``report``...); optional
object     string    what they acted on; objects of different kinds are prefixed
                     with their kind (``url_id:123`` never equals ``hashtag_id:123``)
time       float64   Unix epoch seconds, UTC
text       string    the text of the action; optional
source     string    who authored the object acted on (the reshared post's author); optional:
                     when missing, an object's source is whoever acted on it first
language   string    the language of the text (``en``, ``ru``) where the export says; optional
row        int64     the row (1-based, header excluded) in the source file
=========  ========  ===========================================================
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyarrow as pa

from .errors import SchemaError

CANONICAL = ("actor", "action", "object", "time", "text", "source", "language")
REQUIRED = ("actor", "object", "time")

SCHEMA = pa.schema(
    [
        ("actor", pa.string()),
        ("action", pa.string()),
        ("object", pa.string()),
        ("time", pa.float64()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("language", pa.string()),
        ("row", pa.int64()),
    ]
)


@dataclass(frozen=True)
class Log:
    """An action log in canonical columns.

    Parameters
    ----------
    table
        A pyarrow table with the columns of :data:`SCHEMA`.
    source
        Where it came from (a file name), used in messages.
    notes
        What loading did that a reader should know (rows dropped, objects extracted...).
    """

    table: pa.Table
    source: str = "<memory>"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return self.table.num_rows

    @property
    def columns(self) -> list[str]:
        return self.table.column_names

    def has(self, column: str) -> bool:
        """True when the column exists and holds at least one non-null value."""
        return column in self.table.column_names and self.table[column].null_count < len(self)


def make_log(
    rows: Iterable[dict] | pa.Table, source: str = "<memory>", notes: Iterable[str] = ()
) -> Log:
    """Build a :class:`Log` from dicts or a table already in canonical columns.

    Missing optional columns are added as nulls; ``time`` must already be epoch seconds.

    Example
    -------
    >>> log = make_log([{"actor": "a", "object": "x", "time": 0.0}])
    >>> len(log)
    1
    """
    if isinstance(rows, pa.Table):
        table = rows
    else:
        rows = list(rows)
        # Every key of every row (from_pylist would keep only the first row's).
        keys = dict.fromkeys(k for r in rows for k in r)
        table = pa.Table.from_pydict({k: [r.get(k) for r in rows] for k in keys})
    n = table.num_rows
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise SchemaError(
            f"{source} has no {', '.join(repr(c) for c in missing)} column. "
            f"An action log needs {', '.join(REQUIRED)}."
        )
    cols = []
    for f in SCHEMA:
        if f.name in table.column_names:
            col = table[f.name]
            try:
                col = col.cast(f.type)
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
                raise SchemaError(
                    f"{source}: column {f.name!r} cannot be read as {f.type}: {exc}"
                ) from None
        elif f.name == "row":
            col = pa.array(range(1, n + 1), pa.int64())
        else:
            col = pa.nulls(n, f.type)
        cols.append(col)
    return Log(pa.Table.from_arrays(cols, schema=SCHEMA), source, tuple(notes))


def validate_log(log: Log, requires: Iterable[str], who: str = "This detector") -> Log:
    """Check that ``log`` has non-null values in every required column."""
    for column in requires:
        if column not in log.columns:
            raise SchemaError(f"{who} needs a {column!r} column; {log.source} has none.")
        if len(log) and log.table[column].null_count == len(log):
            raise SchemaError(
                f"{who} needs values in {column!r}, but every row of {log.source} is empty there."
            )
        if log.table[column].null_count:
            raise SchemaError(
                f"{log.source}: {log.table[column].null_count} rows have no {column!r}. "
                "Drop them or map another column."
            )
    return log
