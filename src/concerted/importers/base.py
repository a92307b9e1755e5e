"""What an importer is: a format recognised from a file's first bytes, read by one SQL select.

An importer turns each record of an export into canonical rows: ``actor, action, object, time,
text, source, language`` and ``__row`` (the line or record it came from, for messages). Its
``select`` runs in DuckDB over ``raw``: the file's columns as text (a CSV format), or the JSON
fields it declares, typed, nested as the file has them (a JSON format). A record may give
several rows: a post that carries links gives one row per link, in a ``url`` column instead of
``object``; the links are normalised here, once, for every format (``url:example.com/a``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import SchemaError
from ..extract import normalize_url
from ..inputs import (
    Input,
    check_text,
    compression,
    csv_sql,
    explain_read_error,
    guess_container,
    read_head,
)
from ..sql import connect, identifier, literal

# The most of a file read to recognise its format.
SAMPLE_BYTES = 1 << 20
# Canonical columns an importer's select gives (``url`` becomes ``object``).
OUTPUT = ("actor", "action", "object", "url", "time", "text", "source", "language", "__row")
_MAX_SHOWN = 5
# The largest record (a line, an array's element) read without retrying: DuckDB's default.
_RECORD_BYTES = 16 << 20


@dataclass(frozen=True)
class Sample:
    """The start of a file, as importers recognise it.

    ``container`` is ``csv``, ``jsonl`` (JSON of any layout) or ``parquet``; ``columns`` the
    CSV header's names or the first JSON record's keys, lower-cased; ``record`` the first JSON
    record (a line, an array's first element, a document), when it fits in the sample;
    ``text`` the sample itself."""

    container: str
    columns: frozenset[str] = frozenset()
    record: dict | None = None
    text: str = ""


def read_sample(path: str | Path) -> Sample:
    """The :class:`Sample` of the file at ``path`` (decompressed)."""
    container = guess_container(path)
    if container == "parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.ParquetFile(path).schema_arrow.names
        except Exception:  # pyarrow raises several types; the reader says what is wrong
            names = []
        return Sample("parquet", frozenset(n.lower() for n in names))
    text = read_head(path, SAMPLE_BYTES).decode("utf-8", errors="replace")
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        record = _first_record(stripped)
        keys = frozenset(k.lower() for k in record) if record else frozenset()
        return Sample("jsonl", keys, record, text)
    first = stripped.splitlines()[0] if stripped else ""
    delim = "\t" if first.count("\t") > first.count(",") else ","
    header = [h.strip().lower() for h in first.split(delim)]
    return Sample("csv", frozenset(h.strip('"') for h in header), None, text)


def _first_record(text: str) -> dict | None:
    """The first JSON object in ``text`` (inside an array if the text starts with one); None
    if it does not end within the text."""
    start = text.find("{")
    if start < 0:
        return None
    try:
        record, _ = json.JSONDecoder().raw_decode(text, start)
    except ValueError:
        return None
    return record if isinstance(record, dict) else None


@dataclass(frozen=True)
class Importer:
    """One export format.

    Parameters
    ----------
    name
        What ``--format`` calls it (``twitter-v2``).
    description
        What it is, for people: ``"X/Twitter API v2 JSON (pages with data and includes, ...)"``;
        the part before `` (`` names the format in notes.
    container
        ``csv`` (the select reads the file's columns as text) or ``jsonl`` (JSON lines, an array
        or documents: the select reads the declared ``fields``).
    recognise
        Whether a :class:`Sample` of a file is in this format.
    select
        SQL over ``raw`` giving the :data:`OUTPUT` columns it has (``actor``, ``time``,
        ``__row`` and ``object`` or ``url`` at least), one row per action.
    fields
        JSON: each top-level field read and its DuckDB type (nested as ``STRUCT(...)``/``[]``);
        other fields are skipped, never held in memory.
    optional
        CSV: columns the select reads that a file may leave out (null then).
    required
        Canonical column -> the field it comes from, as the platform's documentation names it:
        a row without it is an error naming the line and the field.
    """

    name: str
    description: str
    container: str
    recognise: Callable[[Sample], bool]
    select: str
    fields: Mapping[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()
    required: Mapping[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """The format's name for people (the description up to its parenthesis)."""
        return self.description.split(" (")[0]

    def read(self, source: Input) -> pa.Table:
        """The canonical rows of ``source`` (text columns, times still as the file writes
        them): :data:`OUTPUT`, ``object`` filled from ``url`` where the row is a link."""
        con = connect()
        kind = "CSV" if self.container == "csv" else "JSON"
        if self.container == "csv":
            # A view: DuckDB reads, as it streams through the file, only the columns the select
            # uses; only the canonical rows are ever held.
            con.sql(f"CREATE VIEW raw AS {self._csv(con, source)}")
        try:
            if self.container != "csv":
                try:
                    self._json_table(con, source, _RECORD_BYTES)
                except duckdb.InvalidInputException as exc:
                    # A record larger than a line's allowance: the file is one document (a
                    # Telegram export, an API page saved as is). Only then is the reader's
                    # buffer sized to the file: DuckDB allocates it up front, for every file.
                    if "maximum_object_size" not in str(exc):
                        raise
                    largest = max(f.stat().st_size for f in source.files)
                    self._json_table(con, source, 4 * largest)
            table = con.sql(self.select).to_arrow_table()
        except (duckdb.InvalidInputException, duckdb.ConversionException) as exc:  # the file's
            raise SchemaError(
                f"{explain_read_error(source.name, kind, str(exc))} (read as {self.title}; "
                f"give --format to read it as another format)"
            ) from None
        if table.num_rows == 0:
            raise SchemaError(f"{source.name} holds no action (read as {self.title}).")
        return self._finish(table, source.name)

    def _csv(self, con: duckdb.DuckDBPyConnection, source: Input) -> str:
        """The query of ``raw`` for a CSV: the record number ``__row`` and the file's columns as
        text, lower-cased, the ``optional`` ones null where the file has none."""
        for file in source.files:
            check_text(file, source.file_name(file), "csv")
        scan = csv_sql(source)
        header = con.sql(scan).columns
        lower = {c.lower() for c in header}
        columns = [f"{identifier(c)} AS {identifier(c.lower())}" for c in header]
        columns += [f"NULL::VARCHAR AS {identifier(c)}" for c in self.optional if c not in lower]
        return f"SELECT row_number() OVER () AS __row, {', '.join(columns)} FROM ({scan})"

    def _json_table(self, con: duckdb.DuckDBPyConnection, source: Input, object_bytes: int) -> None:
        """``raw``: the declared fields of ``source``'s records, numbered, read with objects of
        up to ``object_bytes`` (at least :data:`_RECORD_BYTES`). A table, not a view: a select
        reads ``raw`` several times (tweets, the authors in ``includes``, links), and a view
        would parse the JSON again each time."""
        files = "[" + ", ".join(literal(str(f)) for f in source.files) + "]"
        columns = ", ".join(f"{literal(k)}: {literal(v)}" for k, v in self.fields.items())
        con.sql(
            "CREATE OR REPLACE TEMP TABLE raw AS SELECT row_number() OVER () AS __row, * FROM "
            f"read_json({files}, format='auto', columns={{{columns}}}, "
            f"compression={literal(compression(source.files[0]))}, "
            f"maximum_object_size={max(_RECORD_BYTES, object_bytes)})"
        )

    def _finish(self, table: pa.Table, name: str) -> pa.Table:
        for column in OUTPUT:
            if column not in table.column_names:
                table = table.append_column(column, pa.nulls(table.num_rows, pa.string()))
        table = table.select(list(OUTPUT))
        for i, column in enumerate(OUTPUT[:-1]):  # text, as a CSV gives it; __row stays a number
            if table.schema.field(column).type != pa.string():
                table = table.set_column(i, column, pc.cast(table[column], pa.string()))
        table = table.set_column(
            OUTPUT.index("object"),
            "object",
            pc.coalesce(table["object"], _url_objects(table["url"])),
        )
        for column in ("actor", "time", "object"):
            blank = pc.equal(pc.utf8_trim_whitespace(table[column]), "")
            missing = pc.fill_null(blank, True)
            if pc.any(missing).as_py():
                rows = table["__row"].filter(missing).to_pylist()
                shown = ", ".join(str(r) for r in dict.fromkeys(rows[:_MAX_SHOWN]))
                what = self.required.get(column, column)
                raise SchemaError(
                    f"{name}: {len(rows)} action(s) have no {what!r} (line or record {shown}), "
                    f"read as {self.title}. Fix or drop those records, or give --format to read "
                    "the file as another format."
                )
        return table.drop_columns(["url"])


def _url_objects(urls: pa.ChunkedArray) -> pa.Array:
    """``url:`` objects of links (:func:`concerted.extract.normalize_url`), each distinct link
    normalised once."""
    distinct = pc.unique(urls.drop_null())
    normal = pa.array([f"url:{normalize_url(u)}" for u in distinct.to_pylist()], pa.string())
    return pc.take(normal, pc.index_in(urls, value_set=distinct))


def given(column: str) -> str:
    """SQL: the text column ``column`` holds a value (not NULL, not blank)."""
    return f"coalesce(trim({column}), '') <> ''"


def has_keys(*keys: str) -> Callable[[Sample], bool]:
    """A recogniser: the sample's first record (or header) has all these keys."""
    wanted = frozenset(k.lower() for k in keys)
    return lambda sample: wanted <= sample.columns


def matches(pattern: str) -> Callable[[Sample], bool]:
    """A recogniser: the sample's text matches this regular expression (for a document too
    large to parse from its start, like a Telegram export)."""
    compiled = re.compile(pattern)
    return lambda sample: bool(compiled.search(sample.text))
