"""Input files: their compression, what they hold, and how much.

A log arrives plain or compressed (gzip, zstd), or as a zip of files; it holds CSV, JSON (lines,
an array, or documents) or Parquet. This module opens any of these the same way
(:func:`open_input` gives the files DuckDB reads, a zip's members extracted to a temporary
folder on disk, never to memory), says what a file holds from its first bytes
(:func:`guess_container`, :func:`read_head`), and refuses, before reading it, a file that holds
more than the machine can take (:func:`check_input_size`): a small compressed file can expand to
gigabytes.
"""

from __future__ import annotations

import csv
import gzip
import io as _io
import os
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import ParameterError, SchemaError
from .sql import connect, identifier, literal, physical_memory

# The most text read from one input, decompressed, unless told otherwise (see max_input_bytes).
MAX_INPUT_ENV = "CONCERTED_MAX_INPUT_BYTES"
MEMORY_SHARE = 8  # the default: an eighth of the machine's memory
CONTAINERS = ("csv", "jsonl", "parquet")

_GZIP, _ZSTD, _ZIP = b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"PK\x03\x04"
# zstd's readers refuse frames whose window passes 128 MB unless told; Reddit's dumps (Pushshift,
# Arctic Shift) are compressed with a 2 GB window (zstd --long=31). DuckDB reads the former; the
# latter are decompressed to a temporary file first (on disk, counted against the size limit).
_ZSTD_READER_WINDOW = 1 << 27
_ZSTD_MAX_WINDOW = 1 << 31
_COMPRESSED = (".gz", ".gzip", ".zst", ".zstd", ".zip")
# Files in a zip that are not data: folders, macOS resource forks, hidden files.
_SKIPPED_MEMBERS = ("__MACOSX/", ".")


@dataclass(frozen=True)
class Input:
    """An input as DuckDB reads it: ``files`` (one, or a zip's members, extracted), each plain
    or gzip/zstd-compressed; ``name`` is what messages call it."""

    name: str
    files: tuple[Path, ...]
    zipped: bool = False

    def file_name(self, file: str | Path) -> str:
        """How messages name one of ``files``: the input, with the member's name for a zip."""
        return f"{self.name}:{Path(file).name}" if self.zipped else self.name


@contextmanager
def open_input(path: str | Path, limit: int | None = None) -> Iterator[Input]:
    """The files of the input at ``path``, checked against ``limit`` (see
    :func:`check_input_size`): the file itself, or the data files of a zip, extracted one by one
    to a temporary folder that is removed on exit (a zip's members are counted as they are
    extracted, so a zip bomb stops at the limit)."""
    path = Path(path)
    name = str(path)
    if not path.exists():
        raise SchemaError(f"{name}: no such file.")
    if path.is_dir():
        raise SchemaError(f"{name} is a folder; give the path of a CSV, JSON or Parquet file.")
    if _magic(path) == _ZIP:
        limit = max_input_bytes() if limit is None else limit
        with tempfile.TemporaryDirectory(prefix="concerted-zip-") as tmp:
            yield Input(name, tuple(_extract(path, Path(tmp), limit)), zipped=True)
        return
    check_input_size(path, limit)
    if not _long_zstd(path):
        yield Input(name, (path,))
        return
    with tempfile.TemporaryDirectory(prefix="concerted-zstd-") as tmp:
        plain = Path(tmp) / path.name.removesuffix(".zst").removesuffix(".zstd")
        with _decompressed(path) as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        yield Input(name, (plain,))


def _long_zstd(path: Path) -> bool:
    """Whether the file at ``path`` is zstd with a window too large for DuckDB's reader."""
    if _magic(path) != _ZSTD:
        return False
    import zstandard

    with open(path, "rb") as f:
        header = f.read(18)
    try:
        return zstandard.get_frame_parameters(header).window_size > _ZSTD_READER_WINDOW
    except zstandard.ZstdError:
        return False  # the reader says what is wrong


def _extract(path: Path, folder: Path, limit: int) -> list[Path]:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SchemaError(
            f"{path}: cannot be read as a zip ({exc}). Is the file complete?"
        ) from None
    files, total = [], 0
    with archive:
        members = [
            m
            for m in archive.infolist()
            if not m.is_dir()
            and not Path(m.filename).name.startswith(_SKIPPED_MEMBERS[1])
            and not m.filename.startswith(_SKIPPED_MEMBERS[0])
        ]
        if not members:
            raise SchemaError(f"{path}: the zip holds no file. Zip the export's data files.")
        for i, member in enumerate(sorted(members, key=lambda m: m.filename)):
            # The member's own name (for messages and the format guess), in a folder of its own:
            # two members may share a name, and a name may try to climb out (../../x).
            target = folder / str(i) / Path(member.filename).name
            target.parent.mkdir()
            try:
                with (
                    archive.open(member) as packed,
                    _decompressed_stream(packed) as src,
                    open(
                        target.with_suffix("") if _is_compressed_name(target) else target, "wb"
                    ) as dst,
                ):
                    while chunk := src.read(1 << 20):
                        total += len(chunk)
                        if total > limit:
                            raise SchemaError(_too_big(path, limit, "once extracted"))
                        dst.write(chunk)
            except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
                raise SchemaError(f"{path}: cannot extract {member.filename} ({exc}).") from None
            files.append(target.with_suffix("") if _is_compressed_name(target) else target)
    return files


def _is_compressed_name(path: Path) -> bool:
    return path.suffix.lower() in (".gz", ".gzip", ".zst", ".zstd")


@contextmanager
def _decompressed_stream(raw):
    """A zip member's stream, decompressed if it is gzip or zstd (its first bytes say), so
    that every file extracted is plain and counted as such."""
    head = raw.read(4)
    rest = _Prepended(head, raw)
    if head[:2] == _GZIP:
        with gzip.GzipFile(fileobj=rest) as f:
            yield f
    elif head == _ZSTD:
        import zstandard

        reader = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
        with reader.stream_reader(rest) as f:
            yield f
    else:
        yield rest


class _Prepended(_io.RawIOBase):
    """A stream whose first bytes were read already (to see what it is), given back first."""

    def __init__(self, head: bytes, raw) -> None:
        self._head, self._raw = head, raw

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n], self._head = self._head[:n], self._head[n:]
            return n
        data = self._raw.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


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


def check_input_size(path: str | Path, limit: int | None = None) -> None:
    """Raise :class:`SchemaError` if the file at ``path`` holds more than ``limit`` bytes of
    text once decompressed (default :func:`max_input_bytes`), without holding it in memory.

    A gzip or zstd file is decompressed as a stream and counted, stopping as soon as the count
    passes the limit (a 13 MB file can expand to 5 GB; a header's size field is not to be
    trusted). A Parquet file counts the uncompressed size its metadata gives for every column
    chunk.
    """
    path = Path(path)
    if limit is None:
        limit = max_input_bytes()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ParameterError(f"max_input_bytes must be an integer >= 1. Got {limit!r}.")
    magic = _magic(path)
    if magic.startswith(b"PAR1"):
        size, what = _parquet_size(path), "once decompressed"
    elif magic[:2] == _GZIP or magic == _ZSTD:
        size, what = _decompressed_size(path, limit), "once decompressed"
    else:
        size, what = path.stat().st_size, "of text"
    if size > limit:
        raise SchemaError(_too_big(path, limit, what))


def _too_big(path: Path, limit: int, what: str) -> str:
    return (
        f"{path} holds more than {_gb(limit)} {what} ({_gb(path.stat().st_size)} on disk), the "
        "most concerted reads from one file (an eighth of this machine's memory unless told "
        "otherwise). If the file is genuine and the machine has the memory, raise the limit "
        f"with --max-input-gb GB (or {MAX_INPUT_ENV}=BYTES), or split the file."
    )


def _gb(n: int) -> str:
    return f"{n / 1e9:.3g} GB"


def _magic(path: Path) -> bytes:
    with open(path, "rb") as f:
        return f.read(4)


@contextmanager
def _decompressed(path: Path):
    """The file at ``path`` as a binary stream, decompressed (gzip, zstd) if it is compressed."""
    magic = _magic(path)
    if magic[:2] == _GZIP:
        with gzip.open(path, "rb") as f:
            yield f
    elif magic == _ZSTD:
        import zstandard

        reader = zstandard.ZstdDecompressor(max_window_size=_ZSTD_MAX_WINDOW)
        with open(path, "rb") as raw, reader.stream_reader(raw) as f:
            yield f
    else:
        with open(path, "rb") as f:
            yield f


_READ_ERRORS = (OSError, EOFError, zlib.error)


def _decompressed_size(path: Path, limit: int) -> int:
    """The decompressed size of a gzip or zstd file, counted as a stream; stops just past
    ``limit`` (the answer is then ``limit + 1``, or more). A truncated or corrupt file is a
    SchemaError."""
    import zstandard

    size = 0
    buffer = bytearray(1 << 20)  # one buffer, reused: counting allocates nothing per chunk
    try:
        with _decompressed(path) as f:
            while n := f.readinto(buffer):
                size += n
                if size > limit:
                    return size
    except (*_READ_ERRORS, zstandard.ZstdError) as exc:
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


def read_head(path: str | Path, n: int) -> bytes:
    """The first ``n`` bytes of the file at ``path``, decompressed."""
    import zstandard

    try:
        with _decompressed(Path(path)) as f:
            return f.read(n)
    except (*_READ_ERRORS, zstandard.ZstdError) as exc:
        raise SchemaError(f"{path}: cannot be read ({exc}). Is the file complete?") from None


def guess_container(path: str | Path) -> str:
    """``csv``, ``jsonl`` (JSON: lines, an array or documents) or ``parquet``: from the name,
    else from the first bytes."""
    path = Path(path)
    suffixes = [s.lower() for s in path.suffixes if s.lower() not in _COMPRESSED]
    ext = suffixes[-1] if suffixes else ""
    if ext in (".csv", ".tsv", ".tab", ".txt"):
        return "csv"
    if ext in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if ext in (".parquet", ".pq"):
        return "parquet"
    head = read_head(path, 512)
    if head.startswith(b"PAR1"):
        return "parquet"
    return "jsonl" if head.lstrip()[:1] in (b"{", b"[") else "csv"


def compression(path: str | Path) -> str:
    """How the file at ``path`` is compressed, as DuckDB's readers name it: ``gzip``, ``zstd``
    or ``uncompressed`` (from its first bytes: a name can lie)."""
    magic = _magic(Path(path))
    return "gzip" if magic[:2] == _GZIP else "zstd" if magic == _ZSTD else "uncompressed"


def read_text_table(
    path: str | Path, *, format: str | None = None, max_input_bytes: int | None = None
) -> pa.Table:
    """Every column of a CSV, JSONL or Parquet file (plain, gzip, zstd, or a zip of such files)
    as text, plus ``__row`` (the 1-based row number, for messages).

    Every loader goes through the size guard here or in :func:`open_input` (:func:`load_log`,
    hence ``concerted ingest``; the sign-up lens; the web app's upload check): a file that holds
    more than ``max_input_bytes`` of text once decompressed (default :func:`max_input_bytes`) is
    refused before it is read, so a small gzip bomb cannot exhaust the machine's memory.

    For lenses that read columns of their own (they map them themselves and parse times with
    :func:`concerted.io.parse_times`).
    """
    with open_input(path, max_input_bytes) as source:
        return read_input_table(source, format)


def read_input_table(source: Input, format: str | None = None) -> pa.Table:
    """:func:`read_text_table` of an input already open."""
    fmt = format or guess_container(source.files[0])
    if fmt not in CONTAINERS:
        raise ParameterError(f"format must be one of {', '.join(CONTAINERS)}; got {fmt!r}.")
    con = connect()
    if fmt == "parquet":
        sql = f"SELECT * FROM read_parquet({_files(source)})"
    else:
        for file in source.files:
            check_text(file, source.file_name(file), fmt)
        if fmt == "jsonl":
            sql = (
                f"SELECT * FROM read_json({_files(source)}, format='newline_delimited', "
                f"compression={literal(compression(source.files[0]))})"
            )
        else:
            sql = csv_sql(source)
    try:
        rel = con.sql(sql)
        # Everything as text first: times and ids are parsed by rules we control and can explain.
        cols = ", ".join(
            f"CAST({identifier(c)} AS VARCHAR) AS {identifier(c)}" for c in rel.columns
        )
        raw = con.sql(f"SELECT {cols} FROM ({sql})").to_arrow_table()
    except duckdb.Error as exc:
        raise SchemaError(explain_read_error(source.name, fmt, str(exc))) from None
    if raw.num_rows == 0:
        raise SchemaError(f"{source.name} has no rows. Check that it is the right file.")
    return raw.append_column("__row", pa.array(np.arange(1, raw.num_rows + 1), pa.int64()))


def _files(source: Input) -> str:
    return "[" + ", ".join(literal(str(f)) for f in source.files) + "]"


def check_text(file: Path, name: str, fmt: str) -> bytes:
    """The head of a text file, after the checks that give a clear message for a file that is
    empty, binary or not UTF-8."""
    head = read_head(file, 65536)
    if not head.strip():
        raise SchemaError(f"{name} is empty. Give a file with a header row and actions.")
    if b"\x00" in head:
        raise SchemaError(
            f"{name} looks binary, not {fmt.upper()} text. "
            "Give a CSV, JSONL or Parquet file (gzip, zstd or zip is fine)."
        )
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not just a character cut at the end of the sample
            raise SchemaError(
                f"{name} is not UTF-8 text (byte {exc.start}). Save it as UTF-8 and try again."
            ) from None
    return head


def csv_sql(source: Input) -> str:
    first_file = source.files[0]
    name = source.file_name(first_file)
    head = read_head(first_file, 65536)
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
        f"SELECT * FROM read_csv({_files(source)}, auto_detect=false, header=true, "
        f"delim=E'{sep}', quote='\"', escape='\"', strict_mode=true, columns={{{columns}}}, "
        f"compression={literal(compression(first_file))})"
    )


def explain_read_error(name: str, fmt: str, message: str) -> str:
    """A DuckDB reader's error as a message for the user: the file, the line, what is wrong."""
    line = re.search(r"Line: (\d+)", message) or re.search(r"in line (\d+)", message)
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    file = re.search(r'in file "([^"]+)"', message) or re.search(r"^\s*file = (.+)$", message, re.M)
    if file and not name.endswith(Path(file.group(1)).name):
        name = f"{name}:{Path(file.group(1)).name}"
    if line and found:
        return (
            f"{name}: line {line.group(1)} has {found.group(2)} fields but the header has "
            f"{found.group(1)}. Fix that row (quote fields that contain the separator)."
        )
    lines = message.splitlines()
    if line:
        detail = lines[1] if len(lines) > 1 and lines[1].strip() else _after_colon(lines[0])
        return f"{name}: cannot read line {line.group(1)} as {fmt.upper()}: {detail.strip()}"
    first = lines[0] if lines else "unknown error"
    return f"{name}: cannot be read as {fmt.upper()} ({first}). Check the file's format."


def _after_colon(text: str) -> str:
    """What a DuckDB message says after where: ``... at byte 20 in line 3: unexpected
    character.`` -> ``unexpected character.``"""
    return text.rsplit(": ", 1)[-1]
