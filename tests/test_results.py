"""The results contract (concerted.results): every table a run holds and writes conforms to its
declared schema, and the reader gives every column back."""

import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from concerted import CoAction, SchemaError, detect, make_log, results, write_results
from concerted.engines.base import EVIDENCE_COLUMNS, PAIR_COLUMNS
from concerted.results import SCHEMAS, TABLES, TESTED_ONLY, conform, open_results


def _campaign_log():
    """c1, c2, c3 react within seconds to the posts of 8 different accounts, an hour apart; 40
    accounts act on 60 links at random. Known answer: one group, {c1, c2, c3}, every pair of it
    significant on its own (8 distinct sources each)."""
    rng = random.Random(1)
    rows = []
    for k in range(8):
        rows.append({"actor": f"u{k:02d}", "object": f"push{k}", "time": 3600.0 * k})
        for i, a in enumerate(("c1", "c2", "c3")):
            rows.append({"actor": a, "object": f"push{k}", "time": 3600.0 * k + 30 + 2 * i})
    for j in range(40):
        for _ in range(6):
            rows.append(
                {
                    "actor": f"u{j:02d}",
                    "object": f"o{rng.randrange(60)}",
                    "time": rng.uniform(0, 4e4),
                }
            )
    return make_log(rows, source="campaign")


@pytest.fixture(scope="module")
def tested_run():
    return detect(_campaign_log())


@pytest.fixture
def classic_run(tiny_log):
    return detect(tiny_log, detector=CoAction(window_seconds=10, significance=False))


def _plain(schema):
    return pa.schema([f.remove_metadata() for f in schema])


def test_results_every_table_of_a_run_conforms(tested_run, classic_run):
    for run in (tested_run, classic_run):
        for name in SCHEMAS:
            assert getattr(run, name).schema == _plain(SCHEMAS[name]), name


def test_results_tested_run_exact_answer(tested_run):
    assert tested_run.tested
    actors = tested_run.actors.select(["actor", "group", "evidence"]).to_pylist()
    assert sorted(actors, key=lambda r: r["actor"]) == [
        {"actor": a, "group": 1, "evidence": "pairs+group"} for a in ("c1", "c2", "c3")
    ]
    edges = tested_run.edges.select(["actor", "actor_y", "weight", "sources", "test", "group"])
    assert sorted(tuple(r.values()) for r in edges.to_pylist()) == [
        ("c1", "c2", 8, 8, "sources", 1),
        ("c1", "c3", 8, 8, "sources", 1),
        ("c2", "c3", 8, 8, "sources", 1),
    ]
    g = tested_run.groups.to_pylist()
    assert [(r["group"], r["size"], r["edges"], r["objects"], r["observed"]) for r in g] == [
        (1, 3, 3, 8, 24)
    ]


def test_results_untested_columns_are_present_and_null(classic_run):
    assert not classic_run.tested
    for name, columns in TESTED_ONLY.items():
        table = getattr(classic_run, name)
        assert table.num_rows
        for c in columns:
            assert table[c].null_count == table.num_rows, (name, c)
    assert classic_run.groups["expected"].to_pylist() == [None]
    # The pairs' sources, summed: a1 acts first on x, y and z, so each pair has one source.
    assert classic_run.groups["observed"].to_pylist() == [3]


@pytest.mark.parametrize("which", ["tested_run", "classic_run"])
def test_results_every_file_conforms(which, request, tmp_path):
    run = request.getfixturevalue(which)
    write_results(run, tmp_path / "out", formats=("csv", "parquet", "json"))
    for name in TABLES:
        columns = results.file_columns(name, tested=run.tested)
        parquet = pq.read_schema(tmp_path / "out" / f"{name}.parquet")
        assert _plain(parquet.remove_metadata()) == results.file_schema(name, tested=run.tested)
        header = (tmp_path / "out" / f"{name}.csv").read_text().splitlines()[0]
        assert header.split(",") == columns
    if not run.tested:  # a classic run's files are as they always were
        assert "p_value" not in results.file_columns("edges", tested=False)
        assert "evidence" not in results.file_columns("actors", tested=False)


@pytest.mark.parametrize("formats", [("parquet",), ("csv",)])
def test_results_reader_gives_every_column_back(classic_run, tmp_path, formats):
    write_results(classic_run, tmp_path / "out", formats=formats)
    found = open_results(tmp_path / "out")
    assert found.summary["coordinated_pairs"] == 3
    assert f"actors.{formats[0]}" in found.files and "summary.json" in found.files
    assert not found.tested
    actors = found.table("actors")
    assert actors.column_names == SCHEMAS["actors"].names
    assert actors.select(["actor", "group"]).to_pylist() == [
        {"actor": a, "group": 1} for a in ("a1", "a2", "a3")
    ]
    assert actors["p_value"].null_count == 3
    rows = found.rows("evidence", where={"actor": "a1", "actor_y": "a3"}, order=("time DESC",))
    assert [(r["object"], r["time"].timestamp(), r["time_y"].timestamp()) for r in rows] == [
        ("z", 2000.0, 2006.0),
        ("y", 1000.0, 1005.0),
        ("x", 0.0, 6.0),
    ]
    assert found.rows("edges", where={"actor": "' OR 1=1 --"}) == []


def test_results_reader_tested_run(tested_run, tmp_path):
    write_results(tested_run, tmp_path / "out")
    found = open_results(tmp_path / "out")
    assert found.tested
    rows = found.rows("actors", order=("score DESC", "actor"), limit=2)
    by_score = sorted(tested_run.actors.to_pylist(), key=lambda r: (-r["score"], r["actor"]))
    assert [r["actor"] for r in rows] == [r["actor"] for r in by_score[:2]]
    assert len({r["actor"] for r in rows}) == 2
    assert {r["evidence"] for r in rows} == {"pairs+group"}


def test_results_reader_names_a_spreadsheet_would_run_as_they_are(tmp_path):
    (tmp_path / "actors.csv").write_text("actor,group\n'=cmd,1\n'x,1\n007,2\n")
    table = open_results(tmp_path).table("actors", ["actor", "group"])
    assert table.to_pylist() == [
        {"actor": "=cmd", "group": 1},
        {"actor": "'x", "group": 1},  # a quote a name really starts with stays
        {"actor": "007", "group": 2},  # names are text, whatever they look like
    ]


def test_results_reader_refuses_unknown_tables_and_columns(tmp_path):
    (tmp_path / "actors.csv").write_text("actor,group\na,1\n")
    found = open_results(tmp_path)
    with pytest.raises(SchemaError, match="no column"):
        found.rows("actors", order=("actor; DROP TABLE x",))
    with pytest.raises(SchemaError, match="no column"):
        found.rows("actors", where={"1=1 OR actor": "a"})
    with pytest.raises(SchemaError, match="No results table 'nodes'"):
        found.rows("nodes")
    with pytest.raises(SchemaError, match="has no groups.parquet or groups.csv"):
        found.table("groups")
    assert open_results(tmp_path / "missing").rows("groups") == []


def test_results_conform_fills_orders_and_refuses_undeclared_columns():
    table = conform("evidence", pa.table({"time": [1], "actor": ["a"], "object": ["o"]}))
    assert table.schema == _plain(SCHEMAS["evidence"])
    assert table.to_pylist() == [
        {
            "actor": "a",
            "actor_y": None,
            "object": "o",
            "time": 1.0,
            "time_y": None,
            "group": None,
            "layer": None,
            "text": None,
            "text_y": None,
            "deleted": None,
            "deleted_y": None,
        }
    ]
    with pytest.raises(SchemaError, match="does not declare: colour"):
        conform("evidence", pa.table({"actor": ["a"], "colour": ["red"]}))
    assert results.empty("groups").num_rows == 0


def test_results_every_column_is_documented_and_the_engine_agrees():
    for name, schema in SCHEMAS.items():
        docs = results.describe(name)
        assert list(docs) == schema.names
        assert all(len(d) > 5 for d in docs.values()), name
        for columns in TESTED_ONLY.get(name, ()):
            assert columns in schema.names
    # The engine's pairs and evidence are the first columns of edges and evidence.
    assert tuple(SCHEMAS["edges"].names[: len(PAIR_COLUMNS)]) == PAIR_COLUMNS
    assert tuple(SCHEMAS["evidence"].names[: len(EVIDENCE_COLUMNS)]) == EVIDENCE_COLUMNS


def test_results_a_store_run_conforms_with_its_store_columns(store, tmp_path):
    from concerted.store import detect_store

    result, _ = detect_store(store, detector=CoAction(window_seconds=10, significance=False))
    assert result.stored and not result.tested
    for name in SCHEMAS:
        assert getattr(result, name).schema == _plain(SCHEMAS[name]), name
    write_results(result, tmp_path / "out", formats=("csv", "parquet"))
    for name in TABLES:
        parquet = pq.read_schema(tmp_path / "out" / f"{name}.parquet").remove_metadata()
        assert parquet == results.file_schema(name, tested=False, stored=True), name
    found = open_results(tmp_path / "out")
    deleted = found.rows("evidence", where={"deleted_y": True}, order=("actor", "actor_y"))
    assert [(r["actor"], r["actor_y"], r["object"]) for r in deleted][:1] == [("a1", "a2", "x")]
    assert found.rows("actors", order=("actor",))[1]["deleted_actions"] == 1


@pytest.mark.parametrize("formats", [("parquet",), ("csv",)])
def test_results_filter_search_facet_and_count_over_time(tmp_path, formats):
    from datetime import UTC, datetime

    from concerted.results import Range

    formula, hostile = '=HYPERLINK("http://evil","click")', "<img src=x onerror=alert(1)>"
    rows = [
        {"actor": a, "object": o, "time": float(t0 + j), "text": "<b>alert</b>" if o == "x" else "ok"}
        for o, t0 in (("x", 0), ("y", 900), ("z", 1800))
        for j, a in enumerate((formula, hostile, "plain"))
    ]  # fmt: skip
    result = detect(make_log(rows), detector=CoAction(window_seconds=10, significance=False))
    folder = tmp_path / "out"
    write_results(result, folder, formats=formats)
    r = open_results(folder)
    assert r.count("group_actions") == 9
    # The commonest values first, then by value; a CSV's guarded name read as the run found it.
    assert r.facet("group_actions", "actor") == [(hostile, 3), (formula, 3), ("plain", 3)]
    assert r.facet("group_actions", "object", limit=1) == [("x", 3)]
    later = Range(datetime(1970, 1, 1, 0, 15, tzinfo=UTC), None)
    assert r.count("group_actions", where={"time": later}) == 6
    assert r.count("group_actions", where={"time": later, "actor": formula}) == 2
    # Search: in any case, in any text column (the hostile actor's 3 rows, and x's 2 others).
    assert r.count("group_actions", search="ALERT") == 5
    assert [x["object"] for x in r.rows("group_actions", search="ALERT", order=("time",))] == [
        "x", "x", "x", "y", "z"
    ]  # fmt: skip
    assert r.count("group_actions", where={"group": [1, 2]}) == 9
    assert r.count("group_actions", where={"group": []}) == 0
    assert r.time_counts("group_actions", "time", 0.0, 1802.0, 3) == [3, 3, 3]
    assert r.time_counts("group_actions", "time", 0.0, 902.0, 2, where={"actor": "plain"}) == [1, 1]
    assert r.columns("group_actions")[:5] == ["group", "actor", "action", "object", "time"]
    with pytest.raises(SchemaError, match="no column 'nope'"):
        r.facet("group_actions", "nope")
