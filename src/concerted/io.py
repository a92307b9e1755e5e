"""Load an activity log into canonical columns: a platform's export, or any CSV, JSON or Parquet.

A file in a format an importer knows (:mod:`concerted.importers`) is read record by record, as
that format says. Any other file's column names are mapped here, once: explicitly
(``mapping={"actor": "account_id"}``) or by the common names that platform exports and the peer
tools use. Every problem is reported as a :class:`~concerted.errors.SchemaError` naming the
file, the row or column, and the fix. Reading the file itself (compression, zip, size guard) is
:mod:`concerted.inputs`.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .columns import check_mapping, resolve_columns, shown_columns
from .errors import ParameterError, SchemaError
from .extract import KINDS, objects_table
from .importers import IMPORTERS, find_importer, get_importer, read_sample
from .importers.base import SAMPLE_BYTES
from .inputs import (  # noqa: F401  (the size guard's names, public here as before)
    CONTAINERS,
    MAX_INPUT_ENV,
    check_input_size,
    open_input,
    read_head,
    read_input_table,
    read_text_table,
)
from .schema import CANONICAL, Log, make_log
from .sql import connect, identifier, literal

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
    "language": ("language", "lang", "tweet_language"),
}
# What ``format`` may name: a container (the columns then found by name) or an export format.
FORMATS = (*CONTAINERS, *(i.name for i in IMPORTERS))
_TIME_FORMATS = ("%a %b %d %H:%M:%S %z %Y", "%d/%m/%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S%z")
# Epoch values at or above this are milliseconds: 1e11 s is the year 5138, 1e11 ms is 1973.
_MS_THRESHOLD = 1e11
# Times outside these (epoch seconds) are refused at load: 1970-01-01 to 2100-01-01, as the
# sign-up service accepts. No online activity predates 1970, and a time past 2100 (or 1e300, or
# the year 9999) is a typing error or an attack that overflows the windows and the outputs.
EARLIEST_TIME = 0.0
LATEST_TIME = 4_102_444_800.0
_MAX_SHOWN = 5


def load_log(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    object_columns: Iterable[str] | None = None,
    objects_from_text: Iterable[str] | None = None,
    format: str | None = None,
    max_input_bytes: int | None = None,
    require_object: bool = True,
) -> Log:
    """Read an action log and map it to the canonical columns ``actor, action, object, time, text``.

    Parameters
    ----------
    path
        An export in a format :mod:`concerted.importers` knows (recognised from its content), or
        a CSV (comma or tab separated), JSON lines or Parquet file with one action per row;
        plain, gzip or zstd-compressed, or a zip of such files.
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
        An export format's name (``twitter-v2``: see :data:`FORMATS`), or ``csv``, ``jsonl`` or
        ``parquet`` for a file read by its column names; guessed from the content when omitted.
    max_input_bytes
        The most text the file may hold once decompressed; :func:`concerted.inputs.max_input_bytes` when omitted.
    require_object
        Refuse a file without an object column (default). False for posts whose texts are the
        objects (``concerted detect --text``): without one, each row is its own object
        (``row:<n>``), and the text layer (:mod:`concerted.layers`) finds what they share.

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
    if format is not None and format not in FORMATS:
        raise ParameterError(f"Unknown format {format!r}. Choose from: {', '.join(FORMATS)}.")
    con = connect()
    with open_input(path, max_input_bytes) as files:
        importer = _importer(files.files[0], format, mapping, object_columns)
        if importer is not None:  # an export format it knows: read each record by its kind
            raw = importer.read(files)
        else:
            raw = read_input_table(files, format)
    source = _resolve_columns(
        raw.column_names, mapping, object_columns, kinds, name, require_object
    )
    if "source" in source and "source" not in mapping and _is_client_app(raw[source["source"]]):
        del source["source"]
    table, notes = _to_canonical(con, raw, source, object_columns, kinds, name)
    if importer is not None:
        notes = [f"{name} was read as {importer.title} (--format {importer.name})", *notes]
    return make_log(table, name, notes)


def _importer(first: Path, format, mapping, object_columns):
    """The importer to read a file with: the one ``format`` names, else the one that
    recognises it, unless the columns are mapped by hand."""
    if format is not None and format not in CONTAINERS:
        return get_importer(format)
    if mapping or object_columns:
        return None
    sample = read_sample(first)
    if format is not None and sample.container != format:
        return None
    return find_importer(sample)


def inspect_log(path: str | Path, name: str | None = None) -> tuple[str, list[str]]:
    """What the file at ``path`` holds, from its start: ``(format, columns)``, the export format
    an importer recognises and the canonical columns it gives, or ``csv``, ``jsonl`` or
    ``parquet`` and the file's column names. Reads at most a megabyte of text (of a zip, its
    first file); a :class:`SchemaError` naming ``name`` (default: the path) if it cannot be read
    as a log. For a quick check before a run (the web app's upload), which reads the rest.
    """
    name = name or str(path)
    try:
        with open_input(path) as files, tempfile.TemporaryDirectory() as tmp:
            first = files.files[0]
            sample = read_sample(first)
            if name.lower().endswith((".parquet", ".pq")) and sample.container != "parquet":
                raise SchemaError(f"{name} is not a Parquet file (it does not start with PAR1).")
            importer = find_importer(sample)
            if importer is not None:
                return importer.name, list(CANONICAL)
            if sample.container == "parquet":
                return "parquet", read_input_table(files, "parquet").column_names[:-1]
            head = read_head(first, SAMPLE_BYTES)
            if len(head) == SAMPLE_BYTES:  # whole lines only
                head = head[: head.rfind(b"\n") + 1]
            cut = Path(tmp) / "sample"
            cut.write_bytes(head)
            try:
                table = read_text_table(cut, format=sample.container)
            except SchemaError as exc:
                raise SchemaError(str(exc).replace(str(cut), name)) from None
            return sample.container, [c for c in table.column_names if c != "__row"]
    except SchemaError as exc:
        raise SchemaError(str(exc).replace(str(path), name)) from None


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


def _resolve_columns(
    columns: list[str],
    mapping: dict[str, str],
    object_columns: list[str],
    kinds: list[str],
    name: str,
    require_object: bool = True,
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
    if "object" not in source and not object_columns and not kinds and require_object:
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
        f"{col('source')} AS source, {col('language')} AS language, __time AS time, __row AS row"
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
    if not parts and not kinds:  # posts without objects: each row its own (see load_log)
        parts.append(f"SELECT {base}, 'row:' || __row AS object FROM parsed")
    if parts:
        table = con.sql(" UNION ALL ".join(parts)).to_arrow_table()
    else:
        table = None
    if kinds:
        con.sql(
            f"CREATE TEMP VIEW texted AS SELECT {base} FROM parsed WHERE {col('text')} IS NOT NULL"
        )
        extracted = objects_table(con, "texted", tuple(kinds))
        table = (
            extracted
            if table is None
            else pa.concat_tables([table, extracted.select(table.column_names)])
        )
    keep = pc.and_(pc.is_valid(table["actor"]), pc.is_valid(table["object"]))
    table = table.filter(keep)
    note = _dropped_rows_note(
        con, raw.num_rows, table, col("actor"), _object_names(source, object_columns, kinds)
    )
    if note:
        notes.append(note)
    if table.num_rows == 0:
        raise SchemaError(
            f"{name}: no row has both an actor and an object. Check the column mapping "
            f"(actor={source.get('actor')!r}, object={source.get('object', object_columns or kinds)!r})."
        )
    table = table.sort_by([("time", "ascending"), ("row", "ascending")])
    return table, notes


def _object_names(source: dict[str, str], object_columns: list[str], kinds: list[str]) -> str:
    """Where objects were read from, for a note."""
    names = ([source["object"]] if "object" in source else []) + object_columns
    names += [f"the {k} in the text" for k in kinds]
    return ", ".join(names)


def _dropped_rows_note(
    con: duckdb.DuckDBPyConnection, total: int, kept: pa.Table, actor_sql: str, objects: str
) -> str | None:
    """A note of the rows of the file (``parsed``) left out for want of an actor or an object,
    and of the accounts found only in them (who are then in no result): never silently."""
    rows_kept = pc.count_distinct(kept["row"]).as_py() if kept.num_rows else 0
    dropped = total - rows_kept
    if not dropped:
        return None
    no_actor, accounts = con.sql(
        f"SELECT count(*) FILTER (WHERE {actor_sql} IS NULL), count(DISTINCT {actor_sql}) "
        "FROM parsed"
    ).fetchall()[0]
    lost = accounts - (pc.count_distinct(kept["actor"]).as_py() if kept.num_rows else 0)
    share = 100 * dropped / total
    shown = f"{share:.0f} %" if share >= 1 else "under 1 %"
    return (
        f"skipped {dropped:,} of {total:,} rows ({shown}): {no_actor:,} without an actor, "
        f"{dropped - no_actor:,} without an object in {objects}; {lost:,} of {accounts:,} "
        "accounts are only in those rows and are in no result"
    )


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
