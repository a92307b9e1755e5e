"""The evidence store: one DuckDB file, ``DIR/store.duckdb``, that keeps every action ever
collected, when it was seen, and when it vanished.

Tables (rows are only ever added; the only values that change are an action's last sighting and
its deletion window, which :func:`~concerted.store.verify.verify_store` recomputes from the
sightings):

``store_meta``
    ``key, value``: the format version, whether actors are pseudonymised, the salt's fingerprint.
``snapshots``
    One row per ingested file: ``snapshot`` (1, 2, ...), ``collection``, ``time`` (when the data
    was collected, epoch seconds), ``ingested_at``, ``file``, ``file_sha256``, ``actions`` (the
    actions in it, identical rows counted each), ``new``, ``deleted`` (actions it marked
    deleted), ``first_time``, ``last_time`` (the time span it covers), ``set_root`` (the Merkle
    root of the sorted content hashes of the actions it held), ``link`` (its place in the hash
    chain), ``digest`` and ``chain`` (see :mod:`concerted.store.pack_check`).
``actions``
    One row per action of a collection: ``id, collection, hash, occurrence`` (0 for the first
    row of a file with this content, 1 for an identical second row, ...), ``actor, action,
    object, time, text, row`` (its row in the first file that held it), ``first_snapshot``,
    ``last_snapshot``, ``deleted_after`` and ``deleted_before`` (the window in which it vanished).
    An action is identified by ``collection, hash, occurrence``: two identical rows of one file
    are two actions.
``sightings``
    ``snapshot, id``: which actions each snapshot held.
``runs``, ``run_groups``, ``run_members``
    Detection runs on the store, each group's commitment (its members and the Merkle root of its
    actions as of the run) and its members; each run is a link of the hash chain (see
    :mod:`concerted.store.runs`).

The hash chain runs through snapshots and runs in the order they were written (``link`` 1, 2,
...): each link's ``chain`` is ``sha256(previous chain + its digest)``, so the last one, the
*chain head*, commits to every snapshot, every action and every run before it.

Other programs keep their own files in ``DIR`` (``web.duckdb``, ``runs/``): the store only
touches ``DIR/store.duckdb`` and names starting with ``store``.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Iterator
from pathlib import Path

import duckdb

from ..errors import ConcertedError
from ..io import EARLIEST_TIME, LATEST_TIME
from .pack_check import SNAPSHOT_FACTS, chain_of, merkle_root, snapshot_digest  # noqa: F401

STORE_FILE = "store.duckdb"
FORMAT = "concerted-store-2"
# Formats this version recognises but cannot read, and why (the message says how to move on).
_OLDER_FORMATS = {
    "concerted-store-1": (
        "it kept identical rows of a file as one action and did not chain its detection runs"
    ),
}
GENESIS = "0" * 64
# The times an action may have: those concerted.load_log accepts (1970-01-01 up to, not
# including, 2100-01-01). A time outside is a typing error or an attack (-1e15 or 1e300 break
# every date conversion downstream), never an action.
TIME_RANGE = "1970-2099"
# The fields an action's content hash covers, in this order (see content_hash()).
HASHED = ("collection", "actor", "action", "object", "time", "text")

_SCHEMA = """
CREATE TABLE store_meta (key VARCHAR, value VARCHAR);
CREATE TABLE snapshots (
    snapshot INTEGER, collection VARCHAR, time DOUBLE, ingested_at DOUBLE, file VARCHAR,
    file_sha256 VARCHAR, actions BIGINT, new BIGINT, deleted BIGINT, first_time DOUBLE,
    last_time DOUBLE, set_root VARCHAR, link INTEGER, digest VARCHAR, chain VARCHAR);
CREATE TABLE actions (
    id BIGINT, collection VARCHAR, hash VARCHAR, occurrence INTEGER, actor VARCHAR,
    action VARCHAR, object VARCHAR, time DOUBLE, text VARCHAR, "row" BIGINT,
    first_snapshot INTEGER, last_snapshot INTEGER, deleted_after DOUBLE, deleted_before DOUBLE);
CREATE TABLE sightings (snapshot INTEGER, id BIGINT);
CREATE TABLE runs (
    run VARCHAR, time DOUBLE, snapshot INTEGER, params VARCHAR, groups INTEGER, actors INTEGER,
    groups_root VARCHAR, link INTEGER, digest VARCHAR, chain VARCHAR);
CREATE TABLE run_groups (
    run VARCHAR, "group" INTEGER, members INTEGER, actions BIGINT, actions_root VARCHAR,
    digest VARCHAR);
CREATE TABLE run_members (run VARCHAR, "group" INTEGER, actor VARCHAR);
"""


class StoreError(ConcertedError):
    """The store is missing, locked, of another version, or inconsistent."""


class StoreLocked(StoreError):
    """Another process holds the store open for writing."""


def store_path(store_dir: str | Path) -> Path:
    """The DuckDB file of the store in ``store_dir``."""
    return Path(store_dir) / STORE_FILE


@contextlib.contextmanager
def open_store(
    store_dir: str | Path, *, create: bool = False, read_only: bool = False
) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection to the store in ``store_dir``, closed on exit.

    Parameters
    ----------
    store_dir
        The project folder; the store is ``store_dir/store.duckdb``.
    create
        Create the folder and an empty store if there is none.
    read_only
        Open without taking the write lock (several readers may share it).

    Raises
    ------
    StoreError
        No store there (and ``create`` is false), a file that is not a store, or a store written
        by another version of concerted.
    StoreLocked
        Another process has the store open for writing.
    """
    folder = Path(store_dir)
    path = folder / STORE_FILE
    if folder.exists() and not folder.is_dir():
        raise StoreError(
            f"{folder} is a file, not a store folder. Give the folder, e.g. --store project/."
        )
    if not path.exists():
        if not create:
            raise StoreError(
                f"{folder} holds no store ({STORE_FILE} not found). "
                f"Create one with: concerted ingest FILE --store {folder}"
            )
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"Cannot create the store folder {folder}: {exc.strerror}.") from None
    con = _connect(path, read_only=read_only and path.exists())
    try:
        _check_or_create(con, path, create)
        yield con
    except duckdb.Error as exc:
        if not _is_damage(exc):
            raise  # a bug of ours: keep its traceback
        raise StoreError(
            f"{path} is damaged and cannot be read ({str(exc).splitlines()[0]}). Restore it from "
            "a backup copy; concerted verify --store on the copy checks it."
        ) from None
    finally:
        con.close()


def _is_damage(exc: duckdb.Error) -> bool:
    """Whether DuckDB failed on a damaged file (a checksum that does not match, an unreadable
    block) rather than on a query of ours."""
    text = str(exc).lower()
    return isinstance(exc, duckdb.IOException) or "corrupt" in text or "checksum" in text


def _connect(path: Path, *, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise StoreLocked(
                f"{path} is in use by another process (DuckDB allows one writer at a time). "
                "Wait for it to finish (an ingest, a detect, the web app) and try again."
            ) from None
        raise StoreError(
            f"{path} cannot be opened as a store: {str(exc).splitlines()[0]}"
        ) from None
    except duckdb.Error as exc:
        if _is_damage(exc):
            raise StoreError(
                f"{path} is damaged and cannot be read ({str(exc).splitlines()[0]}). Restore it "
                "from a backup copy; concerted verify --store on the copy checks it."
            ) from None
        raise StoreError(
            f"{path} is not a concerted store ({str(exc).splitlines()[0]}). "
            "Choose another --store folder."
        ) from None
    con.execute("SET enable_progress_bar = false")
    con.execute("SET TimeZone = 'UTC'")
    return con


def _check_or_create(con: duckdb.DuckDBPyConnection, path: Path, create: bool) -> None:
    tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
    if not tables and create:
        con.execute("BEGIN")
        con.execute(_SCHEMA)
        con.execute("INSERT INTO store_meta VALUES ('format', ?)", [FORMAT])
        con.execute("COMMIT")
        return
    if not tables:  # an empty DuckDB file: a first ingest killed before it created the tables
        raise StoreError(
            f"{path} holds no store yet (an empty file, left by an interrupted first ingest?). "
            f"Create one with: concerted ingest FILE --store {path.parent}"
        )
    if "store_meta" not in tables:
        raise StoreError(
            f"{path} is a DuckDB file but not a concerted store. Choose another --store folder."
        )
    found = meta(con).get("format")
    if found in _OLDER_FORMATS:
        raise StoreError(
            f"{path} was written by an earlier version of concerted (store format {found!r}: "
            f"{_OLDER_FORMATS[found]}); this version reads {FORMAT!r}. Ingest the original files "
            "again, in the order they were collected and with the same --snapshot-time, into a "
            "new --store folder (or use the concerted version that wrote it)."
        )
    if found != FORMAT:
        raise StoreError(
            f"{path} was written in store format {found!r}; this version of concerted reads "
            f"{FORMAT!r}. Use the concerted version that wrote it, or ingest into a new store."
        )


def meta(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The store's ``store_meta`` as a dict."""
    return dict(con.execute("SELECT key, value FROM store_meta").fetchall())


def content_hash_sql(prefix: str = "") -> str:
    """SQL for an action's content hash (see :func:`content_hash`), over columns named as in
    :data:`HASHED` with an optional table ``prefix`` (``"a."``)."""
    fields = []
    for name in HASHED:
        col = f'{prefix}"{name}"'
        if name == "time":
            # TRY_CAST: a time too large for microseconds in 64 bits (only a store of an older
            # version can hold one) hashes as no time at all, so verify reports it, never fails.
            col = f"CAST(TRY_CAST(floor({col} * 1e6 + 0.5) AS BIGINT) AS VARCHAR)"
        fields.append(f"CASE WHEN {col} IS NULL THEN '-' ELSE strlen({col}) || ':' || {col} END")
    return f"sha256({' || '.join(fields)})"


def content_hash(
    collection: str,
    actor: str,
    action: str | None,
    object: str,
    time: float,
    text: str | None,
) -> str:
    """The SHA-256 of an action's canonical form: each of ``collection, actor, action, object,
    time, text`` as ``<length in UTF-8 bytes>:<value>`` (``-`` when empty), concatenated with no
    separator; ``time`` as whole microseconds since 1970-01-01 UTC.

    The length prefix makes the form unambiguous whatever the values hold.

    Example
    -------
    >>> content_hash("c", "a1", None, "x", 1.5, None)[:16]
    '5a49786e29bf4a41'
    """
    parts = []
    for value in (collection, actor, action, object, str(math.floor(time * 1e6 + 0.5)), text):
        if value is None:
            parts.append("-")
        else:
            raw = value.encode("utf-8")
            parts.append(f"{len(raw)}:{value}")
    return hashlib.sha256("".join(parts).encode("utf-8")).hexdigest()


def set_root(con: duckdb.DuckDBPyConnection, snapshot: int) -> str:
    """The Merkle root (:func:`~concerted.store.pack_check.merkle_root`) of the sorted content
    hashes of the actions seen in one snapshot."""
    return merkle_root(sorted_hashes(con, snapshot))


def sorted_hashes(con: duckdb.DuckDBPyConnection, snapshot: int) -> list[str]:
    """The content hashes of the actions seen in one snapshot, sorted."""
    table = con.sql(
        "SELECT a.hash FROM sightings s JOIN actions a USING (id) WHERE s.snapshot = $1 "
        "ORDER BY a.hash",
        params=[snapshot],
    ).to_arrow_table()
    return table["hash"].to_pylist()


def list_snapshots(store_dir: str | Path) -> list[dict]:
    """Every snapshot of the store, oldest first: ``snapshot, collection, time, ingested_at,
    file, file_sha256, actions, new, deleted, first_time, last_time, set_root, link, digest,
    chain``.

    Example
    -------
    ::

        [s["chain"] for s in list_snapshots("project/")]  # the chain heads, one per ingest
    """
    with open_store(store_dir, read_only=True) as con:
        return snapshot_rows(con)


SNAPSHOT_COLUMNS = (*SNAPSHOT_FACTS, "set_root", "link", "digest", "chain")


def snapshot_rows(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every snapshot as a dict of :data:`SNAPSHOT_COLUMNS`, oldest first."""
    cols = ", ".join(f'"{c}"' for c in SNAPSHOT_COLUMNS)
    rows = con.execute(f"SELECT {cols} FROM snapshots ORDER BY snapshot").fetchall()
    return [dict(zip(SNAPSHOT_COLUMNS, r, strict=True)) for r in rows]


def head(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """The last snapshot's number and the chain head: the chain of the last link, snapshot or
    run (0 and 64 zeros for an empty store)."""
    number = con.execute("SELECT coalesce(max(snapshot), 0) FROM snapshots").fetchall()[0][0]
    return number, last_link(con)[1]


def last_link(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """The number and chain of the last link of the hash chain (0 and 64 zeros when empty)."""
    row = con.execute(
        """SELECT link, chain FROM (SELECT link, chain FROM snapshots
                                    UNION ALL SELECT link, chain FROM runs)
           ORDER BY link DESC LIMIT 1"""
    ).fetchall()
    return (row[0][0], row[0][1]) if row else (0, GENESIS)


def time_in_range(seconds: float) -> bool:
    """Whether ``seconds`` lies in the years 1970-2099 (:data:`EARLIEST_TIME` -
    :data:`LATEST_TIME`)."""
    return EARLIEST_TIME <= seconds < LATEST_TIME


def out_of_range_times(con: duckdb.DuckDBPyConnection) -> tuple[int, str]:
    """How many actions have a time outside the years 1970-2099 (or none), and the first ids.

    Ingest refuses such times; a store written by an older version may hold them."""
    where = f"NOT (time >= {EARLIEST_TIME!r} AND time < {LATEST_TIME!r}) OR time IS NULL"
    n = con.execute(f"SELECT count(*) FROM actions WHERE {where}").fetchall()[0][0]
    if not n:
        return 0, ""
    ids = con.execute(f"SELECT id FROM actions WHERE {where} ORDER BY id LIMIT 5").fetchall()
    return n, ", ".join(str(i[0]) for i in ids)
