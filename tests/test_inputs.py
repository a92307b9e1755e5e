"""Inputs: compression (gzip, zstd, zstd with a long window), zips of files, the size guard."""

import gzip
import zipfile
from pathlib import Path

import pytest
import zstandard

from concerted import SchemaError, load_log

DATA = Path(__file__).parent / "data" / "importers"
CSV = b"actor,object,time\n" + b"".join(b"u%d,o%d,%d\n" % (i, i % 7, i) for i in range(50))


def _zstd(data: bytes, *, long: bool = False) -> bytes:
    if not long:
        return zstandard.ZstdCompressor().compress(data)
    # As Reddit's dumps are made (zstd --long=31): a 2 GB window, written in the frame header.
    params = zstandard.ZstdCompressionParameters(
        window_log=31, enable_ldm=True, write_content_size=False
    )
    stream = zstandard.ZstdCompressor(compression_params=params).compressobj()  # size unknown
    packed = stream.compress(data) + stream.flush()
    assert zstandard.get_frame_parameters(packed).window_size == 2**31
    return packed


@pytest.mark.parametrize("long", [False, True])
def test_zstd_inputs_load_whatever_their_name(tmp_path, long):
    plain = load_log(_write(tmp_path / "plain.csv", CSV))
    for name in ("log.csv.zst", "log.csv"):  # the content says it is zstd, not the name
        log = load_log(_write(tmp_path / name, _zstd(CSV, long=long)))
        assert log.table.drop_columns([]).equals(plain.table)
    pages = (DATA / "twitter_v2_twarc.jsonl").read_bytes()
    log = load_log(_write(tmp_path / "tweets.jsonl.zst", _zstd(pages, long=long)))
    assert log.table["actor"].to_pylist() == ["200", "201"]


def test_zstd_inputs_are_held_to_the_size_limit(tmp_path):
    path = _write(tmp_path / "big.csv.zst", _zstd(CSV * 1000))
    with pytest.raises(SchemaError, match=r"big\.csv\.zst holds more than .* once decompressed"):
        load_log(path, max_input_bytes=100_000)


def test_a_zip_of_export_files_loads_as_one_log(tmp_path):
    # twarc2 writes one file per query; a collection arrives as a zip of them.
    path = tmp_path / "collection.zip"
    lines = (DATA / "twitter_v2_twarc.jsonl").read_text().splitlines()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("a/first.jsonl", lines[0] + "\n")
        z.writestr("b/first.jsonl", lines[1] + "\n")  # the same name in another folder
        z.writestr("__MACOSX/._first.jsonl", b"\x00\x05\x16\x07")
    log = load_log(path)
    assert sorted(log.table["actor"].to_pylist()) == ["200", "201"]
    assert "collection.zip was read as X/Twitter API v2 JSON" in log.notes[0]


def test_a_zip_of_csv_files_and_its_limits(tmp_path):
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("day1.csv", CSV)
        z.writestr("day2.csv.gz", gzip.compress(CSV))
    assert len(load_log(path)) == 100
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("big.csv", CSV + b"u,o,1\n" * 200_000)
    assert bomb.stat().st_size < 50_000
    with pytest.raises(SchemaError, match=r"bomb\.zip holds more than 0\.0001 GB once extracted"):
        load_log(bomb, max_input_bytes=100_000)
    empty = tmp_path / "empty.zip"
    with zipfile.ZipFile(empty, "w") as z:
        z.writestr("folder/", b"")
    with pytest.raises(SchemaError, match=r"empty\.zip: the zip holds no file"):
        load_log(empty)
    (tmp_path / "cut.zip").write_bytes(path.read_bytes()[:100])
    with pytest.raises(SchemaError, match=r"cut\.zip: cannot be read as a zip"):
        load_log(tmp_path / "cut.zip")


def test_a_broken_member_of_a_zip_is_named(tmp_path):
    path = tmp_path / "logs.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("good.csv", CSV)
        z.writestr("bad.csv", b"actor,object,time\nu,o,1,extra\n")
    with pytest.raises(SchemaError, match=r"logs\.zip:bad\.csv: line 2 has 4 fields"):
        load_log(path)


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
