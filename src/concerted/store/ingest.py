"""ingest(): append one collection snapshot to the store, all or nothing.

An ingest is one DuckDB transaction: a crash, a kill or a full disk before its COMMIT leaves the
store exactly as it was (DuckDB discards an uncommitted transaction when it reopens the file), and
after the COMMIT the whole snapshot is there.

**What "deleted" means.** Snapshots of one collection are taken at increasing times. An action
seen before and absent from a new snapshot is marked deleted only if its time lies inside the
time span the new snapshot covers (from its earliest to its latest action): a later collection
that does not reach back to an older period says nothing about the actions of that period. The
action vanished between ``deleted_after`` (the time of the last snapshot that held it) and
``deleted_before`` (the time of the first covering snapshot without it). An action that
reappears later is no longer deleted (its last sighting moves on).

**Identical rows.** Two identical rows of one file are two actions (a post shared twice, a
repeated report): each gets an ``occurrence`` (0, 1, ...) among the rows of the file with the
same content, and an action is identified by its collection, content hash and occurrence. A
later snapshot holding the row once sees occurrence 0 and marks occurrence 1 deleted.

**Bad times.** A time outside the years 1970-2099 is refused before anything is written (such a
time is a typing error or an attack, and breaks every date conversion downstream); so is an
ingest error of any kind on a first ingest: it leaves no store behind.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time as _time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import ParameterError, SchemaError
from ..io import load_log
from ..privacy import pseudonymise_table
from ..progress import INGEST_DONE, INGEST_PSEUDONYMISE, INGEST_READ, INGEST_STORE, report
from .store import (
    EARLIEST_TIME,
    LATEST_TIME,
    STORE_FILE,
    TIME_RANGE,
    StoreError,
    chain_of,
    content_hash_sql,
    head,
    last_link,
    meta,
    open_store,
    set_root,
    snapshot_digest,
    store_path,
    time_in_range,
)

_SALT_CHECK = b"concerted-store-salt-check"


@dataclass(frozen=True)
class IngestResult:
    """What one ingest did.

    Attributes
    ----------
    snapshot
        The snapshot's number (an existing one's when the file was already ingested).
    already
        True when the same file had already been ingested into the collection (nothing changed).
    actions, new, deleted
        Actions in the file (identical rows count each); how many the store had not seen; how
        many it marked deleted.
    chain
        The store's chain head after the ingest.
    collection, time
        The snapshot's collection and time (the earlier snapshot's when the file was already
        ingested).
    """

    snapshot: int
    already: bool
    actions: int
    new: int
    deleted: int
    chain: str
    collection: str
    time: float


def ingest(
    path: str | Path,
    store_dir: str | Path,
    *,
    snapshot_time: float | None = None,
    collection: str = "default",
    pseudonymise: bool = False,
    salt_file: str | Path | None = None,
    mapping: Mapping[str, str] | None = None,
    object_columns: Iterable[str] | None = None,
    objects_from_text: Iterable[str] | None = None,
    format: str | None = None,
    progress: Callable[[str], None] | None = None,
) -> IngestResult:
    """Append the actions of one collected file to the store in ``store_dir`` as a snapshot.

    Every action is kept once per collection (identical rows of a file are as many actions), with
    its content hash, the file that first held it, and its first and last sightings; actions of
    earlier snapshots missing from this one are marked deleted (see the module's notes for the
    rule). Ingesting a file already ingested into the collection changes nothing. If the ingest
    fails, the store is as it was; a failed first ingest leaves no store.

    Parameters
    ----------
    path
        The collected file (anything :func:`concerted.load_log` reads).
    store_dir
        The project folder; the store ``store_dir/store.duckdb`` is created if missing.
    snapshot_time
        When the data was collected (Unix seconds, UTC); now when omitted. Must be later than
        the collection's previous snapshot.
    collection
        Which series of snapshots the file belongs to (the same query collected again and
        again). Deletions are judged within a collection.
    pseudonymise, salt_file
        Replace each actor by a keyed hash (HMAC-SHA-256) with the secret salt in ``salt_file``
        (created if missing; it must live outside the store folder), and every e-mail address,
        phone number and IP address in objects and texts by its pseudonym keyed with the same
        salt (:mod:`concerted.privacy`), so the store and its evidence packs hold none as
        written. The same salt gives the same pseudonyms in every snapshot; a store
        pseudonymised once is always pseudonymised.
    mapping, object_columns, objects_from_text, format
        How to read the file, as in :func:`concerted.load_log`.
    progress
        Called with a short message at each step.

    Returns
    -------
    IngestResult

    Raises
    ------
    SchemaError
        The file cannot be read as a log, or holds a time outside the years 1970-2099.

    Example
    -------
    ::

        ingest("tweets-monday.csv", "project/", snapshot_time=1_700_000_000)
        ingest("tweets-tuesday.csv", "project/", snapshot_time=1_700_086_400)
    """
    say = progress or (lambda _message: None)
    path = Path(path)
    collection = _check_collection(collection)
    when = float(_time.time() if snapshot_time is None else snapshot_time)
    if not time_in_range(when):  # also refuses NaN and infinities
        raise ParameterError(
            f"snapshot_time must be Unix seconds in the years {TIME_RANGE}. Got {when!r}."
        )
    key = _salt(salt_file, store_dir) if pseudonymise else None
    if salt_file is not None and not pseudonymise:
        raise ParameterError("--salt-file is only used with --pseudonymise. Add --pseudonymise.")
    if not path.is_file():
        raise SchemaError(
            f"{path}: no such file." if not path.exists() else f"{path} is not a file."
        )
    file_sha = _file_sha256(path)
    folder_existed, store_existed = Path(store_dir).exists(), store_path(store_dir).exists()
    try:
        return _ingest(
            path, store_dir, when, collection, key, file_sha, say,
            dict(mapping=mapping, object_columns=object_columns,
                 objects_from_text=objects_from_text, format=format),
        )  # fmt: skip
    except BaseException:
        if not store_existed:
            _remove_empty_store(Path(store_dir), remove_folder=not folder_existed)
        raise


def _ingest(path, store_dir, when, collection, key, file_sha, say, read_options) -> IngestResult:
    previous = None
    if store_path(store_dir).exists():  # answer what we can before reading a large file
        with open_store(store_dir, create=True) as con:  # creates the tables of an empty file
            _check_privacy(con, key, store_dir)
            done = con.execute(
                "SELECT snapshot, actions, time FROM snapshots WHERE collection = ? AND file_sha256 = ?",
                [collection, file_sha],
            ).fetchall()[:1]
            if done:
                return IngestResult(*_already(done[0], head(con)[1], collection))
            previous = con.execute(
                "SELECT max(time) FROM snapshots WHERE collection = ?", [collection]
            ).fetchall()[0][0]
    _check_later(when, previous, collection)
    report(say, f"reading {path}", INGEST_READ)
    log = load_log(path, **read_options)
    table = log.table
    _check_times(table, path)
    if key is not None:
        report(
            say,
            "pseudonymising actors, and addresses and numbers in objects and texts",
            INGEST_PSEUDONYMISE,
        )
        table = table.set_column(
            table.column_names.index("actor"), "actor", pseudonymise_actors(table["actor"], key)
        )
        table = pseudonymise_table(table, ("object", "text"), key, id_columns=("object",))
    table = table.append_column("collection", pa.array([collection] * len(table), pa.string()))
    report(say, f"storing {len(table):,} actions", INGEST_STORE)
    with open_store(store_dir, create=True) as con:
        result = _append(con, table, collection, when, path, file_sha, key, store_dir)
    report(
        say,
        f"snapshot {result.snapshot}: {result.new:,} new, {result.deleted:,} deleted",
        INGEST_DONE,
    )
    return result


def _check_times(table: pa.Table, path: Path) -> None:
    """Refuse a log with a time outside the years 1970-2099, naming the first rows.

    ``concerted.load_log`` refuses them too; checked again here because a store must never hold
    one (every later detect on it would fail)."""
    times = table["time"]
    outside = pc.or_(
        pc.or_(pc.less(times, EARLIEST_TIME), pc.greater_equal(times, LATEST_TIME)),
        pc.is_nan(times),
    )
    n = pc.sum(outside).as_py() or 0
    if not n:
        return
    bad = table.filter(outside).slice(0, 5)
    shown = "; ".join(
        f"row {r}: {t!r}"
        for r, t in zip(bad["row"].to_pylist(), bad["time"].to_pylist(), strict=True)
    )
    raise SchemaError(
        f"{path.name}: {n} time(s) outside the years {TIME_RANGE} ({shown}; as Unix seconds). "
        "Correct those rows or drop them, or map another column with --map time=COLUMN; "
        "nothing was stored."
    )


def _remove_empty_store(folder: Path, *, remove_folder: bool) -> None:
    """After a failed first ingest: remove the store file it created if it holds no snapshot
    (never a store another process has filled meanwhile), and the folder if it made it and it is
    empty."""
    path = folder / STORE_FILE
    if path.exists():
        try:
            con = duckdb.connect(str(path), read_only=True)
        except duckdb.Error:
            return  # locked by another process, or not ours to judge: leave it
        try:
            tables = {
                r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()
            }
            empty = (
                "snapshots" not in tables
                or not con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0]
            )
        except duckdb.Error:
            empty = False
        finally:
            con.close()
        if not empty:
            return
        for leftover in (path, folder / f"{STORE_FILE}.wal"):
            leftover.unlink(missing_ok=True)
    if remove_folder:
        try:
            folder.rmdir()
        except OSError:
            pass  # not empty (or gone): leave it


def _append(con, table, collection, when, path, file_sha, key, store_dir) -> IngestResult:
    con.register("incoming", table)
    con.execute("BEGIN TRANSACTION")
    try:
        # Checked again inside the transaction: another process may have written in between.
        _check_privacy(con, key, store_dir, record=True)
        done = con.execute(
            "SELECT snapshot, actions, time FROM snapshots WHERE collection = ? AND file_sha256 = ?",
            [collection, file_sha],
        ).fetchall()[:1]
        if done:
            con.execute("ROLLBACK")
            return IngestResult(*_already(done[0], head(con)[1], collection))
        previous = con.execute(
            "SELECT max(time) FROM snapshots WHERE collection = ?", [collection]
        ).fetchall()[0][0]
        _check_later(when, previous, collection)
        number = head(con)[0] + 1
        link, previous_chain = last_link(con)
        # One row per action; identical rows are told apart by their occurrence (0, 1, ...).
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE inc AS
            SELECT hash, CAST(row_number() OVER (PARTITION BY hash ORDER BY "row") - 1 AS INTEGER)
                       AS occurrence,
                   actor, action, object, time, text, "row"
            FROM (SELECT *, {content_hash_sql()} AS hash FROM incoming)"""
        )
        first_time, last_time, n = con.execute(
            "SELECT min(time), max(time), count(*) FROM inc"
        ).fetchall()[0]
        next_id = con.execute("SELECT coalesce(max(id), 0) FROM actions").fetchall()[0][0]
        con.execute(
            """CREATE OR REPLACE TEMP TABLE matched AS
            SELECT i.*, a.id FROM inc i LEFT JOIN
                (SELECT id, hash, occurrence FROM actions WHERE collection = ?) a
                USING (hash, occurrence)""",
            [collection],
        )
        new = con.execute(
            """INSERT INTO actions
            SELECT ? + row_number() OVER (ORDER BY time, "row", occurrence), ?, hash,
                   occurrence, actor, action, object, time, text, "row", ?, ?, NULL, NULL
            FROM matched WHERE id IS NULL""",
            [next_id, collection, number, number],
        ).fetchall()[0][0]
        con.execute(
            """INSERT INTO sightings
            SELECT ?, a.id FROM inc i JOIN actions a USING (hash, occurrence)
            WHERE a.collection = ?""",
            [number, collection],
        )
        con.execute(
            """UPDATE actions SET last_snapshot = ?, deleted_after = NULL, deleted_before = NULL
            WHERE id IN (SELECT id FROM matched WHERE id IS NOT NULL)""",
            [number],
        )
        deleted = con.execute(
            """UPDATE actions SET deleted_before = ?,
                deleted_after = (SELECT s.time FROM snapshots s WHERE s.snapshot = actions.last_snapshot)
            WHERE collection = ? AND last_snapshot < ? AND deleted_before IS NULL
              AND time BETWEEN ? AND ?""",
            [when, collection, number, first_time, last_time],
        ).fetchall()[0][0]
        row = {
            "snapshot": number,
            "collection": collection,
            "time": when,
            "ingested_at": float(round(_time.time(), 3)),
            "file": path.name,
            "file_sha256": file_sha,
            "actions": int(n),
            "new": int(new),
            "deleted": int(deleted),
            "first_time": float(first_time),
            "last_time": float(last_time),
        }
        row["set_root"] = set_root(con, number)
        digest = snapshot_digest(row)
        chain = chain_of(previous_chain, digest)
        con.execute(
            "INSERT INTO snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [*row.values(), link + 1, digest, chain],
        )
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return IngestResult(number, False, int(n), int(new), int(deleted), chain, collection, when)


def _already(done: tuple, chain: str, collection: str) -> tuple:
    """The fields of an :class:`IngestResult` for a file already ingested (``snapshot, actions,
    time`` of its snapshot)."""
    snapshot, actions, when = done
    return snapshot, True, actions, 0, 0, chain, collection, when


def pseudonymise_actors(actors: pa.ChunkedArray | pa.Array, key: bytes) -> pa.Array:
    """Each actor as ``p:`` and the first 20 hex digits (80 bits) of HMAC-SHA-256(key, actor);
    each distinct actor is hashed once.

    Example
    -------
    >>> pseudonymise_actors(pa.array(["alice", "bob", "alice"]), b"k" * 32).to_pylist()[0]
    'p:6664a42048c6d6d7fe36'
    """
    # Not privacy.pseudonym(): it case-folds (merging accounts that differ by case) and keeps 40
    # bits, where millions of actors would collide; evidence needs one pseudonym per account.
    if isinstance(actors, pa.ChunkedArray):
        actors = actors.combine_chunks()
    encoded = pc.dictionary_encode(actors)
    names = [
        None
        if a is None
        else "p:" + hmac.new(key, a.encode("utf-8"), hashlib.sha256).hexdigest()[:20]
        for a in encoded.dictionary.to_pylist()
    ]
    return pa.array(names, pa.string()).take(encoded.indices)


def _salt(salt_file: str | Path | None, store_dir: str | Path) -> bytes:
    if salt_file is None:
        raise ParameterError(
            "--pseudonymise needs --salt-file PATH: the secret that keys the pseudonyms, kept "
            "outside the store (it is created if missing)."
        )
    salt_path = Path(salt_file).resolve()
    store = Path(store_dir).resolve()
    if salt_path == store or store in salt_path.parents:
        raise ParameterError(
            f"The salt file {salt_file} is inside the store folder {store_dir}: whoever gets the "
            "store would get the key to its pseudonyms. Keep it elsewhere, e.g. --salt-file ~/.concerted-salt."
        )
    if not salt_path.exists():
        try:
            salt_path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(salt_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_hex(32) + "\n")
        except OSError as exc:
            raise ParameterError(
                f"Cannot create the salt file {salt_file}: {exc.strerror}."
            ) from None
    salt = salt_path.read_bytes().strip()
    if len(salt) < 16:
        raise ParameterError(
            f"The salt file {salt_file} holds {len(salt)} bytes; a salt needs at least 16. "
            "Delete it to have a new one made, or put a longer secret in it."
        )
    return salt


def _check_privacy(con, key: bytes | None, store_dir, *, record: bool = False) -> None:
    """A store is pseudonymised from its first snapshot or never, always with the same salt.
    With ``record``, the first snapshot's salt fingerprint is written (inside its transaction)."""
    info = meta(con)
    fingerprint = (
        None if key is None else hmac.new(key, _SALT_CHECK, hashlib.sha256).hexdigest()[:16]
    )
    empty = con.execute("SELECT count(*) FROM snapshots").fetchall()[0][0] == 0
    if empty and "salt_fingerprint" not in info:
        if fingerprint is not None and record:
            con.execute("INSERT INTO store_meta VALUES ('salt_fingerprint', ?)", [fingerprint])
        return
    stored = info.get("salt_fingerprint")
    if stored is None and fingerprint is not None:
        raise StoreError(
            f"The store in {store_dir} keeps actors as they are; it cannot take pseudonymised "
            "snapshots (they would not match). Ingest without --pseudonymise, or into a new store."
        )
    if stored is not None and fingerprint is None:
        raise StoreError(
            f"The store in {store_dir} pseudonymises actors; ingest with --pseudonymise "
            "--salt-file and the same salt file as before."
        )
    if stored != fingerprint:
        raise StoreError(
            f"The salt file does not hold the salt the store in {store_dir} was made with "
            f"(fingerprint {fingerprint}, store {stored}): its pseudonyms would not match. "
            "Use the original salt file."
        )


def _check_later(when: float, previous: float | None, collection: str) -> None:
    if previous is not None and when <= previous:
        raise ParameterError(
            f"snapshot time {_iso(when)} is not after the previous snapshot of collection "
            f"{collection!r} ({_iso(previous)}). Give --snapshot-time later than that, or "
            "another --collection."
        )


def _check_collection(collection: str) -> str:
    if not isinstance(collection, str) or not collection.strip():
        raise ParameterError(f"collection must be a non-empty name. Got {collection!r}.")
    return collection.strip()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _iso(seconds: float) -> str:
    return _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime(seconds))
