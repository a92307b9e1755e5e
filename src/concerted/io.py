"""Load an activity log from CSV, JSONL or Parquet (plain or gzip) into canonical columns.

Foreign column names are mapped here, once: explicitly (``mapping={"actor": "account_id"}``) or
by the common names that platform exports and the peer tools use. Every problem is reported as a
:class:`~concerted.errors.SchemaError` naming the file, the row or column, and the fix.
"""

from __future__ import annotations

import csv
import gzip
import io as _io
import os
import re
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from .columns import check_mapping, resolve_columns, shown_columns
from .errors import ParameterError, SchemaError
from .extract import KINDS, extract_objects
from .importers import find_importer
from .schema import CANONICAL, Log, make_log
from .sql import connect, identifier, literal, physical_memory

# Common names for each canonical column, in order of preference (compared case-insensitively).
ALIASES: dict[str, tuple[str, ...]] = {
    "actor": (
        "actor",
        "account_id",
        "user_id",
        "author_id",
        "account",
        "user",
        "author",
        "username",
        "user_name",
        "screen_name",
        "user_screen_name",
        "handle",
        "from_user_id",
        "uid",
    ),
    "object": (
        "object",
        "object_id",
        "retweeted_id",
        "retweet_id",
        "repost_id",
        "target",
        "target_id",
        "url",
        "link",
        "expanded_url",
        "hashtag",
        "item_id",
    ),
    "time": (
        "time",
        "timestamp",
        "timestamp_share",
        "created_at",
        "created",
        "datetime",
        "date",
        "published_at",
        "time_utc",
        "created_time",
        "epoch",
    ),
    "action": ("action", "action_type", "event", "event_type", "type", "activity"),
    "text": (
        "text",
        "message",
        "content",
        "body",
        "full_text",
        "tweet_text",
        "post_text",
        "caption",
    ),
    # Who authored the object acted on: the column platform exports name the reshared, quoted or
    # replied-to post's author in. A bare ``source`` is taken only when it is not a client app
    # (Twitter's ``source`` is "<a href=...>Twitter for iPhone</a>"): see _is_client_app.
    "source": (
        "source",
        "source_id",
        "source_actor",
        "source_author",
        "original_author",
        "original_author_id",
        "author_of_object",
        "object_author",
        "retweeted_user_id",
        "retweeted_screen_name",
        "retweeted_user_screen_name",
        "retweeted_user",
        "retweeted_author_id",
        "retweet_userid",
        "retweet_user_id",
        "rt_user_id",
        "reshared_author",
        "shared_from",
        "quoted_user_id",
        "quoted_screen_name",
        "in_reply_to_user_id",
        "in_reply_to_userid",
        "in_reply_to_screen_name",
    ),
}
FORMATS = ("csv", "jsonl", "parquet")
_TIME_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S%z")
# Epoch values at or above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_MS_THRESHOLD = 1e11
# Times outside these (epoch seconds) are refused at load: 1970-01-01 to 2100-01-01, as the
# sign-up service accepts. No online activity predates 1970, and a time past 2100 (or 1e300, or
# the year 9999) is a typing error or an attack that overflows the windows and the outputs.
EARLIEST_TIME = 0.0
LATEST_TIME = 4_102_444_800.0
# The most text read from one input, decompressed, unless told otherwise (see max_input_bytes).
MAX_INPUT_ENV = "CONCERTED_MAX_INPUT_BYTES"
MEMORY_SHARE = 8  # the default: an eighth of the machine's memory
_MAX_SHOWN = 5


def load_log(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    object_columns: Iterable[str] | None = None,
    objects_from_text: Iterable[str] | None = None,
    format: str | None = None,
    max_input_bytes: int | None = None,
) -> Log:
    """Read an action log and map it to the canonical columns ``actor, action, object, time, text``.

    Parameters
    ----------
    path
        A CSV (comma or tab separated), JSONL or Parquet file, optionally gzip-compressed.
    mapping
        Canonical name -> column in the file, for names that are not recognised automatically,
        e.g. ``{"actor": "account_id", "time": "timestamp_share"}``.
    object_columns
        Several object columns at once (``["url_id", "hashtag_id"]``): one action per non-empty
        value, the object typed by its column (``url_id:23678``), so ids of different kinds never
        collide.
    objects_from_text
        Extract objects from the text column: any of ``hashtags``, ``urls``, ``mentions``.
    format
        ``csv``, ``jsonl`` or ``parquet``; guessed from the name and the content when omitted.
    max_input_bytes
        The most text the file may hold once decompressed; :func:`max_input_bytes` when omitted.

    Returns
    -------
    Log
        Times as Unix epoch seconds (UTC). ISO 8601 without a zone is read as UTC; numbers are
        seconds, or milliseconds when at or above 1e11.

    Example
    -------
    ::

        log = load_log("tweets.csv.gz", mapping={"time": "timestamp_share"})
    """
    path = Path(path)
    name = str(path)
    mapping = dict(mapping or {})
    object_columns = [c.strip() for c in (object_columns or []) if c.strip()]
    kinds = [k.strip() for k in (objects_from_text or []) if k.strip()]
    _check_options(mapping, kinds)
    con = connect()
    raw = read_text_table(path, format=format, max_input_bytes=max_input_bytes)
    importer = None if mapping or object_columns else find_importer(raw.column_names)
    if importer is not None:  # an export format it knows: read each row by its kind
        raw = importer.read(raw)
    source = _resolve_columns(raw.column_names, mapping, object_columns, kinds, name)
    if "source" in source and "source" not in mapping and _is_client_app(raw[source["source"]]):
        del source["source"]
    table, notes = _to_canonical(con, raw, source, object_columns, kinds, name)
    if importer is not None:
        notes = [f"{name} was read as a {importer.description.split(' (')[0]}", *notes]
    return make_log(table, name, notes)


def read_text_table(
    path: str | Path, *, format: str | None = None, max_input_bytes: int | None = None
) -> pa.Table:
    """Every column of a CSV, JSONL or Parquet file (gzip or not) as text, plus ``__row`` (the
    1-based row number, for messages), with the same checks and messages as :func:`load_log`.

    Every loader goes through here (:func:`load_log`, hence ``concerted ingest``; the sign-up
    lens; the web app's upload check), and so through the size guard: a file that holds more
    than ``max_input_bytes`` of text once decompressed (default :func:`max_input_bytes`) is
    refused before it is read, so a small gzip bomb cannot exhaust the machine's memory.

    For lenses that read columns of their own (they map them themselves and parse times with
    :func:`parse_times`).
    """
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise SchemaError(f"{name}: no such file.")
    if path.is_dir():
        raise SchemaError(f"{name} is a folder; give the path of a CSV, JSONL or Parquet file.")
    fmt = format or _guess_format(path)
    check_input_size(path, fmt, max_input_bytes)
    raw = _read_raw(connect(), path, fmt)
    if raw.num_rows == 0:
        raise SchemaError(f"{name} has no rows. Check that it is the right file.")
    return raw.append_column("__row", pa.array(np.arange(1, raw.num_rows + 1), pa.int64()))


def max_input_bytes() -> int:
    """The most text concerted reads from one input file, decompressed, unless told otherwise.

    ``CONCERTED_MAX_INPUT_BYTES`` (a number of bytes; the CLI's ``--max-input-gb`` sets it for
    one command) or else an eighth of the machine's memory (1 GB where the system does not
    say): loading holds the text several times over at its peak (as read, as columns, as the
    canonical table), so an eighth leaves room for that and for the detection that follows.
    """
    value = os.environ.get(MAX_INPUT_ENV, "").strip()
    if value:
        try:
            limit = int(value)
        except ValueError:
            limit = 0
        if limit < 1:
            raise ParameterError(
                f"{MAX_INPUT_ENV} must be a whole number of bytes, e.g. 8000000000 for 8 GB. "
                f"Got {value!r}."
            )
        return limit
    total = physical_memory()
    return 2**30 if total is None else total // MEMORY_SHARE


def check_input_size(path: str | Path, format: str, limit: int | None = None) -> None:
    """Raise :class:`SchemaError` if the file at ``path`` holds more than ``limit`` bytes of
    text once decompressed (default :func:`max_input_bytes`), without holding it in memory.

    A gzip file is decompressed as a stream and counted, stopping as soon as the count passes
    the limit (a 13 MB file can expand to 5 GB; its header's size field is not to be trusted).
    A Parquet file counts the uncompressed size its metadata gives for every column chunk.
    """
    path = Path(path)
    if limit is None:
        limit = max_input_bytes()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ParameterError(f"max_input_bytes must be an integer >= 1. Got {limit!r}.")
    on_disk = path.stat().st_size
    if format == "parquet":
        size, what = _parquet_size(path), "once decompressed"
    elif _is_gzip(path):
        size, what = _gunzipped_size(path, limit), "once decompressed"
    else:
        size, what = on_disk, "of text"
    if size > limit:
        raise SchemaError(
            f"{path} holds more than {_gb(limit)} {what} ({_gb(on_disk)} on disk), the most "
            "concerted reads from one file (an eighth of this machine's memory unless told "
            "otherwise). If the file is genuine and the machine has the memory, raise the limit "
            f"with --max-input-gb GB (or {MAX_INPUT_ENV}=BYTES), or split the file."
        )


def _gb(n: int) -> str:
    return f"{n / 1e9:.3g} GB"


def _is_gzip(path: Path) -> bool:
    with open(path, "rb") as f:
        return f.read(2) == b"\x1f\x8b"


def _gunzipped_size(path: Path, limit: int) -> int:
    """The decompressed size of a gzip file, counted as a stream; stops just past ``limit``
    (the answer is then ``limit + 1``, or more). A truncated or corrupt file is a SchemaError."""
    size = 0
    buffer = bytearray(1 << 20)  # one buffer, reused: counting allocates nothing per chunk
    try:
        with gzip.open(path, "rb") as f:
            while n := f.readinto(buffer):
                size += n
                if size > limit:
                    return size
    except (OSError, EOFError, zlib.error) as exc:
        raise SchemaError(f"{path}: cannot be read ({exc}). Is the file complete?") from None
    return size


def _parquet_size(path: Path) -> int:
    """What the metadata of a Parquet file says its column chunks hold uncompressed; 0 if it
    cannot be read (the reader then says what is wrong)."""
    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # pyarrow raises several types for a broken file
        return 0
    return sum(
        meta.row_group(g).column(c).total_uncompressed_size
        for g in range(meta.num_row_groups)
        for c in range(meta.num_columns)
    )


def parse_times(values: pa.Array | pa.ChunkedArray, *, column: str, name: str) -> np.ndarray:
    """Text times (ISO 8601, no zone = UTC; Unix seconds or milliseconds; the formats
    :func:`load_log` reads) as epoch seconds.

    A value that is not a time, or a time outside :data:`EARLIEST_TIME` - :data:`LATEST_TIME`
    (1970-2100), raises a :class:`SchemaError` naming its row (1-based) and column: such a value
    is a typing error or an attack (``1e300`` overflows every later step), never an action.
    """
    con = connect()
    con.register("v", pa.table({"t": values, "__row": np.arange(1, len(values) + 1)}))
    times = con.sql(f"SELECT {_time_sql('t')} AS time, t FROM v ORDER BY __row").to_arrow_table()
    con.close()
    parsed = times["time"].to_numpy(zero_copy_only=False).astype(float)  # nulls become NaN
    not_time = ~np.isfinite(parsed)
    if not_time.any():
        raise SchemaError(
            f"{name}: column {column!r} has {int(not_time.sum())} value(s) that are not a time "
            f"({_rows_shown(not_time, times['t'])}). Use ISO 8601 (2020-06-20T18:00:00Z) or Unix "
            "epoch seconds or milliseconds, or map another column with --map time=COLUMN."
        )
    outside = (parsed < EARLIEST_TIME) | (parsed >= LATEST_TIME)
    if outside.any():
        raise SchemaError(
            f"{name}: column {column!r} has {int(outside.sum())} time(s) outside the years "
            f"1970-2099 ({_rows_shown(outside, times['t'])}). Numbers are read as Unix epoch "
            "seconds (milliseconds at or above 1e11): correct those rows or drop them, or map "
            "another column with --map time=COLUMN."
        )
    return parsed


def _rows_shown(bad: np.ndarray, raw: pa.ChunkedArray) -> str:
    """The first bad rows as a message shows them: ``row 2: '1e300'; row 5: empty``."""
    rows = np.flatnonzero(bad)[:_MAX_SHOWN]
    values = raw.take(pa.array(rows)).to_pylist()
    return "; ".join(f"row {r + 1}: {_shown(v)}" for r, v in zip(rows, values, strict=True))


def _shown(value) -> str:
    """A bad value as a message shows it: quoted (control characters escaped, cut at 40
    characters), or ``empty``."""
    if value is None or not str(value).strip():
        return "empty"
    text = str(value)
    return repr(text[:40] + ("..." if len(text) > 40 else ""))


def _check_options(mapping: dict[str, str], kinds: list[str]) -> None:
    check_mapping(mapping, CANONICAL, kind="a column concerted knows")
    for kind in kinds:
        if kind not in KINDS:
            raise ParameterError(
                f"--objects-from-text: {kind!r} is not a kind of object. Use any of: {', '.join(KINDS)}."
            )


def _guess_format(path: Path) -> str:
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in (".gz", ".gzip")]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".csv", ".tsv", ".tab", ".txt"):
        return "csv"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".parquet", ".pq"):
        return "parquet"
    head = _head(path, 512)
    if head.startswith(b"PAR1"):
        return "parquet"
    return "jsonl" if head.lstrip().startswith(b"{") else "csv"


def _head(path: Path, n: int) -> bytes:
    with open(path, "rb") as f:
        magic = f.read(2)
    opener = gzip.open if magic == b"\x1f\x8b" else open
    try:
        with opener(path, "rb") as f:
            return f.read(n)
    except (OSError, EOFError) as exc:
        raise SchemaError(f"{path}: cannot be read ({exc}). Is the file complete?") from None


def _read_raw(con: duckdb.DuckDBPyConnection, path: Path, fmt: str) -> pa.Table:
    if fmt not in FORMATS:
        raise ParameterError(f"format must be one of {', '.join(FORMATS)}; got {fmt!r}.")
    name = str(path)
    quoted = literal(name)
    if fmt == "parquet":
        sql = f"SELECT * FROM read_parquet({quoted})"
    else:
        head = _head(path, 65536)
        if not head.strip():
            raise SchemaError(f"{name} is empty. Give a file with a header row and actions.")
        if b"\x00" in head:
            raise SchemaError(
                f"{name} looks binary, not {fmt.upper()} text. "
                "Give a CSV, JSONL or Parquet file (gzip is fine)."
            )
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
                raise SchemaError(
                    f"{name} is not UTF-8 text (byte {exc.start}). Save it as UTF-8 and try again."
                ) from None
        if fmt == "jsonl":
            sql = f"SELECT * FROM read_json({quoted}, format='newline_delimited')"
        else:
            sql = _csv_sql(quoted, head, name)
    try:
        rel = con.sql(sql)
        # Everything as text first: times and ids are parsed by rules we control and can explain.
        cols = ", ".join(
            f"CAST({identifier(c)} AS VARCHAR) AS {identifier(c)}" for c in rel.columns
        )
        return con.sql(f"SELECT {cols} FROM ({sql})").to_arrow_table()
    except duckdb.Error as exc:
        raise SchemaError(_explain_read_error(name, fmt, str(exc))) from None


def _csv_sql(quoted: str, head: bytes, name: str) -> str:
    first = head.decode("utf-8", errors="replace").splitlines()[0]
    delim = "\t" if first.count("\t") > first.count(",") else ","
    header = next(csv.reader(_io.StringIO(first), delimiter=delim))
    if not any(h.strip() for h in header):
        raise SchemaError(f"{name}: the first line has no column names. Add a header row.")
    seen: set[str] = set()
    for h in header:
        if h in seen:
            raise SchemaError(f"{name}: column {h!r} appears twice in the header. Rename one.")
        seen.add(h)
    columns = ", ".join(f"{literal(h)}: 'VARCHAR'" for h in header)
    sep = "\\t" if delim == "\t" else ","
    return (
        f"SELECT * FROM read_csv({quoted}, auto_detect=false, header=true, delim=E'{sep}', "
        f"quote='\"', escape='\"', strict_mode=true, columns={{{columns}}})"
    )


def _explain_read_error(name: str, fmt: str, message: str) -> str:
    line = re.search(r"Line: (\d+)", message)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if line and found:
        return (
            f"{name}: line {line.group(1)} has {found.group(2)} fields but the header has "
            f"{found.group(1)}. Fix that row (quote fields that contain the separator)."
        )
    if line:
        return f"{name}: cannot read line {line.group(1)} as {fmt.upper()}: {message.splitlines()[1] if len(message.splitlines()) > 1 else message}"
    first = message.splitlines()[0] if message else "unknown error"
    return f"{name}: cannot be read as {fmt.upper()} ({first}). Check the file's format."


def _resolve_columns(
    columns: list[str],
    mapping: dict[str, str],
    object_columns: list[str],
    kinds: list[str],
    name: str,
) -> dict[str, str]:
    """Canonical name -> source column, explicit mapping first, then known aliases."""
    source = resolve_columns(
        columns,
        # Several object columns replace the one: no alias is looked for then.
        canonical=[c for c in CANONICAL if not (c == "object" and object_columns)],
        aliases=ALIASES,
        mapping=mapping,
        name=name,
        claimed=dict.fromkeys(object_columns, "--object-columns"),
        required={"actor": "account_id", "time": "created_at"},
    )
    shown = shown_columns(columns)
    if "object" not in source and not object_columns and not kinds:
        raise SchemaError(
            f"{name} has no 'object' column. Map one with --map object=url, or use "
            f"--object-columns url_id,hashtag_id or --objects-from-text hashtags,urls "
            f"(its columns are: {shown})."
        )
    if kinds and "text" not in source:
        raise SchemaError(
            f"--objects-from-text needs a text column; {name} has none. Map one with --map text=message."
        )
    return source


def _to_canonical(
    con: duckdb.DuckDBPyConnection,
    raw: pa.Table,
    source: dict[str, str],
    object_columns: list[str],
    kinds: list[str],
    name: str,
) -> tuple[pa.Table, list[str]]:
    notes: list[str] = []
    con.register("raw", raw)

    times = parse_times(raw[source["time"]], column=source["time"], name=name)
    con.register("parsed", raw.append_column("__time", pa.array(times, pa.float64())))

    def col(canon: str) -> str:
        return f"NULLIF(trim({identifier(source[canon])}), '')" if canon in source else "NULL"

    base = (
        f"{col('actor')} AS actor, {col('action')} AS action, {col('text')} AS text, "
        f"{col('source')} AS source, __time AS time, __row AS row"
    )
    parts = []
    if "object" in source:
        parts.append(f"SELECT {base}, {col('object')} AS object FROM parsed")
    for c in object_columns:
        lit = literal(c)
        parts.append(
            f"SELECT {base}, {lit} || ':' || trim({identifier(c)}) AS object FROM parsed "
            f"WHERE NULLIF(trim({identifier(c)}), '') IS NOT NULL"
        )
    if parts:
        table = con.sql(" UNION ALL ".join(parts)).to_arrow_table()
    else:
        table = None
    if kinds:
        texted = con.sql(f"SELECT {base} FROM parsed WHERE {col('text')} IS NOT NULL")
        texted = texted.to_arrow_table()
        extracted = _objects_from_text(texted, tuple(kinds))
        table = (
            extracted
            if table is None
            else pa.concat_tables([table, extracted.select(table.column_names)])
        )
    actor_missing = pc.sum(pc.is_null(table["actor"])).as_py() or 0
    object_missing = pc.sum(pc.is_null(table["object"])).as_py() or 0
    keep = pc.and_(pc.is_valid(table["actor"]), pc.is_valid(table["object"]))
    if actor_missing or object_missing:
        table = table.filter(keep)
        notes.append(
            f"skipped {actor_missing} row(s) without an actor and {object_missing} without an object"
        )
    if table.num_rows == 0:
        raise SchemaError(
            f"{name}: no row has both an actor and an object. Check the column mapping "
            f"(actor={source.get('actor')!r}, object={source.get('object', object_columns or kinds)!r})."
        )
    table = table.sort_by([("time", "ascending"), ("row", "ascending")])
    return table, notes


def _is_client_app(column: pa.ChunkedArray) -> bool:
    """Whether a column found by the name ``source`` names the app a post was sent from (as in
    Twitter's exports) rather than an author: its first values are HTML links."""
    head = column.slice(0, 1000).drop_null().to_pylist()
    return any(v.lstrip().startswith("<a ") for v in head)


def _time_sql(t: str) -> str:
    """SQL turning a text column into epoch seconds; NULL where it is not a time."""
    num = f"TRY_CAST({t} AS DOUBLE)"
    parsed = ", ".join(f"epoch(try_strptime({t}, '{f}'))" for f in _TIME_FORMATS)
    return (
        f"CASE WHEN NULLIF(trim({t}), '') IS NULL THEN NULL "
        f"WHEN {num} IS NOT NULL THEN CASE WHEN abs({num}) >= {_MS_THRESHOLD} THEN {num} / 1000.0 "
        f"ELSE {num} END "
        f"ELSE coalesce(epoch(TRY_CAST(trim({t}) AS TIMESTAMPTZ)), {parsed}) END"
    )


def _objects_from_text(table: pa.Table, kinds: tuple[str, ...]) -> pa.Table:
    """One row per object found in each row's text; identical texts are parsed once."""
    texts = table["text"].to_pylist()
    cache: dict[str, list[str]] = {}
    index, objects = [], []
    for i, text in enumerate(texts):
        found = cache.get(text)
        if found is None:
            found = cache[text] = list(dict.fromkeys(extract_objects(text, kinds)))
        index += [i] * len(found)
        objects += found
    out = table.take(pa.array(index, pa.int64()))
    return out.append_column("object", pa.array(objects, pa.string()))
