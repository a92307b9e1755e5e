import gzip
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from concerted import ParameterError, SchemaError, load_log
from concerted.io import parse_times

from .conftest import GERMAN, RUSSIAN, needs_real_data

DATA = Path(__file__).parent / "data"


def write(tmp_path, name, text, gz=False):
    path = tmp_path / name
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


def test_load_log_csv_canonical_columns(tmp_path):
    path = write(
        tmp_path, "a.csv", "actor,object,time,text,action\nu1,o1,10,hi,share\nu2,o1,12,,\n"
    )
    log = load_log(path)
    assert log.table.select(["actor", "object", "time", "text", "action", "row"]).to_pylist() == [
        {"actor": "u1", "object": "o1", "time": 10.0, "text": "hi", "action": "share", "row": 1},
        {"actor": "u2", "object": "o1", "time": 12.0, "text": None, "action": None, "row": 2},
    ]


@pytest.mark.parametrize("gz", [False, True])
def test_load_log_tab_separated_and_gzip(tmp_path, gz):
    path = write(
        tmp_path,
        "a.tsv" + (".gz" if gz else ""),
        "user_id\tobject_id\tcreated_at\nu1\to,1\t5\n",
        gz,
    )
    log = load_log(path)
    assert log.table.select(["actor", "object", "time"]).to_pylist() == [
        {"actor": "u1", "object": "o,1", "time": 5.0}
    ]


def test_load_log_jsonl_and_parquet(tmp_path):
    rows = [{"author_id": "u1", "url": "x", "timestamp": "2020-06-20T18:00:00Z", "text": "a"}]
    jl = write(tmp_path, "a.jsonl.gz", "\n".join(json.dumps(r) for r in rows) + "\n", gz=True)
    pqf = tmp_path / "a.parquet"
    pq.write_table(pa.Table.from_pylist(rows), pqf)
    for path in (jl, pqf):
        log = load_log(path)
        assert log.table.select(["actor", "object", "time", "text"]).to_pylist() == [
            {"actor": "u1", "object": "x", "time": 1592676000.0, "text": "a"}
        ]


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2020-06-20T18:00:00Z", 1592676000.0),
        ("2020-06-20T18:00:00", 1592676000.0),  # no zone = UTC
        ("2020-06-20 20:00:00+02:00", 1592676000.0),
        ("2020-06-20T18:00:00.250Z", 1592676000.25),
        ("1592676000", 1592676000.0),
        ("1592676000.5", 1592676000.5),
        ("1592676000000", 1592676000.0),  # milliseconds, told apart by magnitude
        ("Sat Jun 20 18:00:00 +0000 2020", 1592676000.0),  # Twitter's created_at
    ],
)
def test_load_log_time_formats(tmp_path, value, expected):
    path = write(tmp_path, "t.csv", f'actor,object,time\nu,o,"{value}"\n')
    assert load_log(path).table["time"].to_pylist() == [expected]


def test_load_log_explicit_mapping(tmp_path):
    path = write(tmp_path, "m.csv", "who,what,when,account_id\nu1,o1,5,zzz\n")
    log = load_log(path, mapping={"actor": "who", "object": "what", "time": "when"})
    assert log.table.select(["actor", "object", "time"]).to_pylist() == [
        {"actor": "u1", "object": "o1", "time": 5.0}
    ]


def test_load_log_object_columns_one_action_per_value_typed(tmp_path):
    path = write(tmp_path, "g.csv", "account_id,url_id,hashtag_id,timestamp\nu1,7,7,5\nu2,,3,6\n")
    log = load_log(path, object_columns=["url_id", "hashtag_id"])
    got = sorted(zip(log.table["actor"].to_pylist(), log.table["object"].to_pylist(), strict=True))
    assert got == [("u1", "hashtag_id:7"), ("u1", "url_id:7"), ("u2", "hashtag_id:3")]


def test_load_log_objects_from_text(tmp_path):
    text = (
        "actor,time,text\n"
        'u1,1,"Go #Tulsa https://www.example.com/r/?utm_source=tt"\n'
        'u2,2,"#TULSA now http://example.com/r @Org"\n'
    )
    log = load_log(
        write(tmp_path, "t.csv", text), objects_from_text=["hashtags", "urls", "mentions"]
    )
    got = sorted(zip(log.table["actor"].to_pylist(), log.table["object"].to_pylist(), strict=True))
    assert got == [
        ("u1", "hashtag:#tulsa"),
        ("u1", "url:example.com/r"),
        ("u2", "hashtag:#tulsa"),
        ("u2", "mention:@org"),
        ("u2", "url:example.com/r"),
    ]


def test_load_log_skips_rows_without_actor_and_says_so(tmp_path):
    log = load_log(write(tmp_path, "s.csv", "actor,object,time\nu1,o,1\n,o,2\n"))
    assert log.table["actor"].to_pylist() == ["u1"]
    assert log.notes == (
        "skipped 1 of 2 rows (50 %): 1 without an actor, 0 without an object in object; "
        "0 of 1 accounts are only in those rows and are in no result",
    )


def test_load_log_says_which_rows_have_no_object_in_any_object_column(tmp_path):
    text = "user,url,tag,time\nu1,a,,1\nu1,,t,2\nu2,,,3\nu3,, ,4\nu3,a,,5\n,,,6\nu4,,,7\n"
    log = load_log(write(tmp_path, "s.csv", text), object_columns=["url", "tag"])
    assert log.table["actor"].to_pylist() == ["u1", "u1", "u3"]
    assert log.notes == (
        "skipped 4 of 7 rows (57 %): 1 without an actor, 3 without an object in url, tag; "
        "2 of 4 accounts are only in those rows and are in no result",
    )


@needs_real_data()
def test_load_log_real_files_with_mapping_only():
    ru = load_log(
        RUSSIAN, mapping={"actor": "account_id", "object": "object_id", "time": "timestamp_share"}
    )
    assert len(ru) == 35125
    de = load_log(GERMAN, object_columns=["url_id", "hashtag_id", "domain_id", "phash_id"])
    assert len(de) == 195261
    assert de.table["actor"].null_count == 0


@pytest.mark.parametrize(
    "name, content, kwargs, message",
    [
        (
            "m.csv",
            "who,thing,time\nu,o,1\n",
            {},
            r"m\.csv has no 'actor' column\. Map one with --map actor=",
        ),
        ("o.csv", "actor,time\nu,1\n", {}, r"no 'object' column\. Map one with --map object="),
        (
            "t.csv",
            "actor,object,time\nu,o,1\nu,o,yesterday\n",
            {},
            r"column 'time' has 1 value\(s\) that are not a time \(row 2: 'yesterday'\)",
        ),
        (
            "r.csv",
            "actor,object,time\nu,o,1\nu,o,2,3\n",
            {},
            r"r\.csv: line 3 has 4 fields but the header has 3",
        ),
        ("e.csv", "", {}, r"e\.csv is empty"),
        ("h.csv", "actor,object,time\n", {}, r"h\.csv has no rows"),
        ("b.csv", "\x00\x01\x02garbage\x00", {}, r"b\.csv looks binary"),
        (
            "x.csv",
            "actor,object,time\nu,o,1\n",
            {"mapping": {"actor": "nope"}},
            r"has no column 'nope' \(asked for by --map actor=nope\)",
        ),
        ("d.csv", "actor,actor,time\nu,o,1\n", {}, r"column 'actor' appears twice"),
    ],
)
def test_load_log_bad_input_names_file_row_and_fix(tmp_path, name, content, kwargs, message):
    with pytest.raises(SchemaError, match=message):
        load_log(write(tmp_path, name, content), **kwargs)


def test_load_log_bad_options(tmp_path):
    path = write(tmp_path, "a.csv", "actor,object,time\nu,o,1\n")
    with pytest.raises(ParameterError, match="'who' is not a column concerted knows"):
        load_log(path, mapping={"who": "actor"})
    with pytest.raises(ParameterError, match="'emojis' is not a kind of object"):
        load_log(path, objects_from_text=["emojis"])
    with pytest.raises(SchemaError, match="no such file"):
        load_log(tmp_path / "missing.csv")


def test_load_log_invalid_utf8(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("actor,object,time\nJos\xe9,o,1\n".encode("latin-1"))
    with pytest.raises(SchemaError, match="not UTF-8"):
        load_log(path)


def test_load_log_broken_parquet_gzip_and_jsonl(tmp_path):
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(SchemaError, match=r"bad\.parquet: cannot be read as PARQUET"):
        load_log(tmp_path / "bad.parquet")
    whole = gzip.compress(b"actor,object,time\n" + b"u,o,1\n" * 5000)
    (tmp_path / "cut.csv.gz").write_bytes(whole[: len(whole) // 2])
    with pytest.raises(SchemaError, match=r"cut\.csv\.gz: cannot be read .*Is the file complete\?"):
        load_log(tmp_path / "cut.csv.gz")
    (tmp_path / "bad.jsonl").write_text(
        '{"actor": "a", "object": "o", "time": 1}\n{"actor": "b",\n'
    )
    with pytest.raises(SchemaError, match=r"bad\.jsonl: cannot read line \d as JSONL"):
        load_log(tmp_path / "bad.jsonl")


@pytest.mark.parametrize(
    "value", ["1e300", "-1e15", "1e20", "-0.5", "0001-01-01", "9999-12-31T23:59:59Z", "2100-01-01"]
)
def test_load_log_refuses_times_outside_1970_2100(tmp_path, value):
    path = write(tmp_path, "far.csv", f"actor,object,time\nu,o,5\nv,o,{value}\nw,o,{value}\n")
    with pytest.raises(
        SchemaError,
        match=rf"far\.csv: column 'time' has 2 time\(s\) outside the years 1970-2099 "
        rf"\(row 2: '{re.escape(value)}'; row 3: '{re.escape(value)}'\)\. Numbers are read as Unix",
    ):
        load_log(path)


def test_parse_times_range_edges():
    values = pa.array(["0", "4102444799.5", "1970-01-01T00:00:00Z", "2099-12-31T23:59:59Z"])
    assert parse_times(values, column="t", name="x").tolist() == [
        0.0,
        4102444799.5,
        0.0,
        4102444799.0,
    ]


def test_load_log_message_shows_a_hostile_value_escaped_and_cut(tmp_path):
    value = "\x1b[2J\x1b]8;;http://evil\x07" + "x" * 100
    path = tmp_path / "h.csv"
    path.write_text(f'actor,object,time\nu,o,"{value}"\n')
    with pytest.raises(SchemaError) as caught:
        load_log(path)
    message = str(caught.value)
    assert "\x1b" not in message and "\x07" not in message
    assert r"row 1: '\x1b[2J\x1b]8;;http://evil\x07xxx" in message and "x..." in message


def gzip_bomb(path, rows_mb: int, header: bytes = b"actor,object,time\n"):
    """A gzip file of ``rows_mb`` MB of CSV rows, a few KB on disk: one compressed megabyte
    repeated as gzip members (which readers join), so it is made in an instant."""
    row = b"u1,o1,1592676000\n"
    member = gzip.compress(row * (2**20 // len(row)), 9)
    with open(path, "wb") as f:
        f.write(gzip.compress(header))
        for _ in range(rows_mb):
            f.write(member)
    return path


def test_load_log_refuses_a_gzip_bomb_quickly_without_reading_it(tmp_path):
    import time

    bomb = gzip_bomb(tmp_path / "bomb.csv.gz", 2000)  # 2 GB of text in 5 MB
    assert bomb.stat().st_size < 6_000_000
    start = time.perf_counter()
    with pytest.raises(
        SchemaError,
        match=r"bomb\.csv\.gz holds more than 0\.01 GB once decompressed \(0\.00\d+ GB on disk\)"
        r".*raise the limit with --max-input-gb GB \(or CONCERTED_MAX_INPUT_BYTES=BYTES\)",
    ):
        load_log(bomb, max_input_bytes=10**7)
    assert time.perf_counter() - start < 5  # it stopped counting at the limit


def test_max_input_bytes_from_the_environment_and_the_machine(tmp_path, monkeypatch):
    from concerted.inputs import max_input_bytes
    from concerted.sql import physical_memory

    monkeypatch.delenv("CONCERTED_MAX_INPUT_BYTES", raising=False)
    assert max_input_bytes() == physical_memory() // 8
    monkeypatch.setenv("CONCERTED_MAX_INPUT_BYTES", "3000000")
    assert max_input_bytes() == 3_000_000
    small = gzip_bomb(tmp_path / "small.csv.gz", 4)  # 4 MB of text: refused, then read
    with pytest.raises(SchemaError, match=r"holds more than 0\.003 GB once decompressed"):
        load_log(small)
    assert len(load_log(small, max_input_bytes=5 * 2**20)) == 4 * (2**20 // 17)
    plain = tmp_path / "plain.csv"
    plain.write_bytes(gzip.decompress(small.read_bytes()))
    with pytest.raises(SchemaError, match=r"plain\.csv holds more than 0\.003 GB of text"):
        load_log(plain)
    monkeypatch.setenv("CONCERTED_MAX_INPUT_BYTES", "lots")
    with pytest.raises(ParameterError, match=r"must be a whole number of bytes.*Got 'lots'"):
        load_log(plain)


def test_load_log_refuses_a_parquet_file_that_expands_past_the_limit(tmp_path):
    path = tmp_path / "big.parquet"
    rows = 2000
    table = pa.table({"actor": ["a" * 1000] * rows, "object": ["o"] * rows, "time": ["5"] * rows})
    pq.write_table(table, path, compression="zstd", use_dictionary=False)
    assert path.stat().st_size < 100_000  # 2 MB of text, compressed
    with pytest.raises(SchemaError, match=r"big\.parquet holds more than 0\.001 GB once decomp"):
        load_log(path, max_input_bytes=10**6)
    assert len(load_log(path, max_input_bytes=10**7)) == rows
