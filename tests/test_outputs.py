import html
import json
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import igraph as ig
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from concerted import CoAction, OutputError, ParameterError, detect, make_log, write_results
from concerted.outputs import FORMATS, MANIFEST, result_files

HOSTILE_TEXT = '<script>alert("x")</script>'
HOSTILE_ACTOR = '=HYPERLINK("http://evil","click")'


@pytest.fixture
def hostile_result():
    rows = []
    for k, (o, t0) in enumerate((("x", 0), ("y", 900), ("z", 1800))):
        for j, a in enumerate((HOSTILE_ACTOR, "<img src=x onerror=alert(1)>", "plain")):
            rows.append(
                {
                    "actor": a,
                    "object": o,
                    "time": float(t0 + j),
                    "text": HOSTILE_TEXT if k == 0 else "ok",
                }
            )
    return detect(make_log(rows), detector=CoAction(window_seconds=10, significance=False))


def test_write_results_writes_every_file(tmp_path, hostile_result):
    paths = write_results(hostile_result, tmp_path / "out")
    files = result_files()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted((*files, MANIFEST))
    assert json.loads((tmp_path / "out" / MANIFEST).read_text())["files"] == sorted(files)
    assert set(paths) == set(files)
    assert {"actors.csv", "edges.parquet", "graph.graphml", "report.html"} <= set(files)
    summary = json.loads(paths["summary.json"].read_text())
    assert (summary["groups"], summary["coordinated_actors"], summary["coordinated_pairs"]) == (
        1,
        3,
        3,
    )
    groups = pacsv.read_csv(paths["groups.csv"]).to_pylist()
    assert [(g["group"], g["size"], g["edges"], g["objects"], g["actions"]) for g in groups] == [
        (1, 3, 3, 3, 9)
    ]
    edges = pacsv.read_csv(paths["edges.csv"])
    assert edges.num_rows == 3
    assert edges["first_time"].to_pylist()[0].isoformat().startswith("1970-01-01T00:")
    evidence = pacsv.read_csv(paths["evidence.csv"])
    assert evidence.num_rows == 9  # 3 pairs x 3 objects


def test_csv_outputs_neutralise_formulas(tmp_path, hostile_result):
    paths = write_results(hostile_result, tmp_path / "out")
    actors = pacsv.read_csv(paths["actors.csv"])["actor"].to_pylist()
    assert "'" + HOSTILE_ACTOR in actors
    assert HOSTILE_ACTOR not in actors
    raw = paths["edges.csv"].read_text()
    assert '"=HYPERLINK' not in raw


def test_report_escapes_hostile_text(tmp_path, hostile_result):
    page = write_results(hostile_result, tmp_path / "out")["report.html"].read_text()
    assert HOSTILE_TEXT not in page
    assert page.count("<script") == 2  # the data block and the page's own script, nothing else
    assert "&lt;script&gt;alert(" in page  # in the evidence table, escaped
    assert "\\u003cscript\\u003ealert(" in page  # in the data block, escaped
    assert "<img src=x" not in page
    assert "script-src 'sha256-" in page  # no inline script runs but the page's own
    # nothing loaded from the network (the SVG namespace is a name, not an address)
    rest = page.replace("http://evil", "").replace("http://www.w3.org/2000/svg", "")
    assert "http://" not in rest and "https://" not in rest
    assert "Group 1: 3 actors, 3 shared objects" in page


def test_graphml_opens_with_groups(tmp_path, hostile_result):
    g = ig.Graph.Read_GraphML(str(write_results(hostile_result, tmp_path / "out")["graph.graphml"]))
    assert g.vcount() == 3 and g.ecount() == 3
    assert sorted(g.vs["group"]) == [1.0, 1.0, 1.0]
    assert HOSTILE_ACTOR in g.vs["name"]


def test_gexf_holds_the_same_graph_as_graphml(tmp_path, hostile_result):
    paths = write_results(hostile_result, tmp_path / "out", formats=("gexf", "graphml"))
    root = ET.parse(paths["graph.gexf"]).getroot()
    ns = {"g": "http://gexf.net/1.3"}
    labels = sorted(n.get("label") for n in root.iterfind(".//g:node", ns))
    assert labels == sorted([HOSTILE_ACTOR, "<img src=x onerror=alert(1)>", "plain"])
    edges = root.findall(".//g:edge", ns)
    assert len(edges) == 3 and all(float(e.get("weight")) > 0 for e in edges)
    titles = {a.get("title"): a.get("type") for a in root.iterfind(".//g:attribute", ns)}
    assert titles["group"] == "integer" and titles["weight"] == "integer"
    graphml = ig.Graph.Read_GraphML(str(paths["graph.graphml"]))
    assert sorted(graphml.vs["name"]) == labels and graphml.ecount() == len(edges)


def test_parquet_and_json_hold_the_csv_tables_with_real_times(tmp_path, hostile_result):
    paths = write_results(hostile_result, tmp_path / "out", formats=("csv", "parquet", "json"))
    assert "graph.graphml" not in paths and not (tmp_path / "out" / "graph.gexf").exists()
    evidence = pq.read_table(paths["evidence.parquet"])
    assert evidence.schema.field("time").type == pa.timestamp("us", tz="UTC")
    assert evidence.num_rows == pacsv.read_csv(paths["evidence.csv"]).num_rows == 9
    rows = json.loads(paths["evidence.json"].read_text())
    assert len(rows) == 9 and rows[0]["time"].startswith("1970-01-01")
    assert {r["actor"] for r in json.loads(paths["actors.json"].read_text())} == {
        HOSTILE_ACTOR,
        "<img src=x onerror=alert(1)>",
        "plain",
    }


def test_write_results_rejects_an_unknown_format(tmp_path, hostile_result):
    with pytest.raises(ParameterError, match="Unknown output format 'xlsx'"):
        write_results(hostile_result, tmp_path / "out", formats=("csv", "xlsx"))
    assert not (tmp_path / "out").exists()


def test_write_results_replaces_whole_and_keeps_old_on_failure(
    tmp_path, hostile_result, monkeypatch
):
    out = tmp_path / "out"
    write_results(hostile_result, out)
    # a file an older version wrote (listed in the manifest) goes with the folder it belonged to
    (out / "stale.txt").write_text("from an older run")
    manifest = json.loads((out / MANIFEST).read_text())
    (out / MANIFEST).write_text(
        json.dumps({**manifest, "files": [*manifest["files"], "stale.txt"]})
    )
    write_results(hostile_result, out)
    assert not (out / "stale.txt").exists()
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def boom(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("concerted.outputs.write_csv", boom)
    with pytest.raises(OutputError, match="No space left on device"):
        write_results(hostile_result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


def test_write_results_refuses_a_file_as_folder(tmp_path, hostile_result):
    target = tmp_path / "file.txt"
    target.write_text("keep me")
    with pytest.raises(OutputError, match="is not a folder"):
        write_results(hostile_result, target)
    assert target.read_text() == "keep me"


def test_report_states_the_windows_used(tmp_path, tiny_log):
    page = write_results(detect(tiny_log), tmp_path / "out")["report.html"].read_text()
    assert (
        "within 3, 10, 60, 600 seconds of each other (each pair judged at its best window)" in page
    )


def test_write_results_with_nothing_found_still_writes_headers(tmp_path):
    log = make_log(
        [{"actor": "a", "object": "o", "time": 0.0}, {"actor": "b", "object": "p", "time": 1.0}]
    )
    paths = write_results(detect(log), tmp_path / "out")
    assert paths["actors.csv"].read_text().splitlines() == [
        "actor,group,score,degree,strength,actions,evidence,observed,expected,p_value,"
        "delay_after_source_seconds"
    ]
    assert paths["edges.csv"].read_text().startswith("actor,actor_y,weight,sources")
    assert "No coordinated group was found" in paths["report.html"].read_text()


def test_write_csv_formats_times_quotes_and_formulas(tmp_path):
    import pyarrow as pa

    from concerted.outputs import write_csv

    table = pa.table(
        {
            "actor": ["=a", "b", "@c", "x,y", 'q"z', None],
            "time": [0.0, 1.5, 2.0, 3.25, 4.0, None],
            "n": [1, 2, 3, 4, 5, None],
        }
    )
    write_csv(table, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "actor,time,n",
        "'=a,1970-01-01T00:00:00.000Z,1",
        "b,1970-01-01T00:00:01.500Z,2",
        "'@c,1970-01-01T00:00:02.000Z,3",
        '"x,y",1970-01-01T00:00:03.250Z,4',
        '"q""z",1970-01-01T00:00:04.000Z,5',
        ",,",
    ]
    write_csv(pa.table({"time": [1592676000.0]}), tmp_path / "whole.csv")
    assert (tmp_path / "whole.csv").read_text().splitlines() == ["time", "2020-06-20T18:00:00Z"]


def test_personal_data_is_pseudonymised_unless_revealed(tmp_path):
    rows = [
        {
            "actor": a,
            "object": o,
            "time": float(t + d),
            "text": "call +1 918 555 0134 or mail x@y.org",
        }
        for o, t in (("x", 0), ("y", 900), ("z", 1800))
        for a, d in (("jo.doe@example.com", 0), ("10.1.2.3", 2), ("plain", 4))
    ]
    result = detect(make_log(rows), detector=CoAction(window_seconds=10, significance=False))
    hidden = write_results(result, tmp_path / "hidden", formats=FORMATS)
    every_file = "".join(
        p.read_text() if p.suffix != ".parquet" else str(pq.read_table(p).to_pylist())
        for p in hidden.values()
    )
    for secret in ("jo.doe@example.com", "10.1.2.3", "918 555 0134", "x@y.org"):
        assert secret not in every_file
    actors = pacsv.read_csv(hidden["actors.csv"])["actor"].to_pylist()
    assert "plain" in actors
    assert sorted(a.split(":")[0] for a in actors if a != "plain") == ["<email", "<ip"]
    # The same person has the same pseudonym in every file of a run.
    email = next(a for a in actors if a.startswith("<email"))
    assert email in hidden["edges.csv"].read_text()
    assert html.escape(email) in hidden["report.html"].read_text()
    shown = write_results(result, tmp_path / "shown", reveal=True)
    assert "jo.doe@example.com" in shown["actors.csv"].read_text()


@pytest.mark.parametrize("previous_run", [False, True])
def test_write_results_never_replaces_a_folder_holding_other_files(
    tmp_path, hostile_result, previous_run
):
    out = tmp_path / "data"
    if previous_run:
        write_results(hostile_result, out)  # a results folder the user then put their own file in
    out.mkdir(exist_ok=True)
    (out / "actions.csv").write_text("actor,object,time\nthe user's only copy,x,0\n")
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(OutputError, match=r"actions\.csv.*Choose another --out"):
        write_results(hostile_result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in tmp_path.iterdir()] == ["data"]


def test_write_results_fills_an_empty_folder(tmp_path, hostile_result):
    (tmp_path / "out").mkdir()
    write_results(hostile_result, tmp_path / "out")
    assert (tmp_path / "out" / "report.html").exists()


CONTROL_NAME = "ev\x00il\x1b[2J\x1b]8;;http://x\x07\u202etxt.exe\x85\x7f"


def _control_characters(text: str) -> set[str]:
    """The characters of :data:`concerted.safetext.CONTROLS` found in ``text``."""
    return set(re.findall("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text))


def test_control_characters_reach_no_result_file(tmp_path):
    rows = [
        {"actor": a, "object": f"o\x1b{o}", "time": float(t + d), "text": "t\x00\u2066x\ttab"}
        for o, t in (("x", 0), ("y", 900), ("z", 1800))
        for a, d in ((CONTROL_NAME, 0), ("b\x9bc", 2), ("plain", 4))
    ]
    result = detect(make_log(rows), detector=CoAction(window_seconds=10, significance=False))
    paths = write_results(result, tmp_path / "out", formats=FORMATS, reveal=True)
    for name, path in paths.items():
        if path.suffix == ".parquet":
            text = str(pq.read_table(path).to_pylist())
        else:
            text = path.read_text("utf-8")
        assert _control_characters(text) == set(), name
    cleaned = "ev\ufffdil\ufffd[2J\ufffd]8;;http://x\ufffd\ufffdtxt.exe\ufffd\ufffd"
    assert cleaned in pacsv.read_csv(paths["actors.csv"])["actor"].to_pylist()
    assert cleaned in pq.read_table(paths["actors.parquet"])["actor"].to_pylist()
    assert cleaned in {r["actor"] for r in json.loads(paths["actors.json"].read_text())}
    assert html.escape(cleaned) in paths["report.html"].read_text()
    assert "t\ufffd\ufffdx\ttab" in paths["report.html"].read_text()  # the tab is text: kept


def test_write_results_keeps_a_file_added_while_writing_and_fails(
    tmp_path, hostile_result, monkeypatch
):
    import concerted.outputs as outputs

    out = tmp_path / "out"
    write_results(hostile_result, out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    write_manifest = outputs._write_manifest

    def add_a_file_then_write_manifest(folder):
        # someone saves their notes into the results folder while the new results are written
        (out / "notes.txt").write_text("my only copy")
        write_manifest(folder)

    monkeypatch.setattr(outputs, "_write_manifest", add_a_file_then_write_manifest)
    with pytest.raises(
        OutputError, match=r"out gained files .*\(notes\.txt\).*left as it was"
    ) as e:
        write_results(hostile_result, out)
    assert (out / "notes.txt").read_text() == "my only copy"
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.name != "notes.txt"} == before
    kept = Path(re.search(r"The new results are in (\S+):", str(e.value)).group(1))
    assert kept.parent == tmp_path and kept.name.startswith("out.new-")
    assert sorted(p.name for p in kept.iterdir()) == sorted((*result_files(), MANIFEST))


def test_write_results_keeps_a_file_added_in_the_last_instant(
    tmp_path, hostile_result, monkeypatch
):
    import concerted.outputs as outputs

    out = tmp_path / "out"
    write_results(hostile_result, out)
    foreign_files = outputs._foreign_files
    calls = []

    def check_then_a_file_arrives(folder):
        found = foreign_files(folder)
        calls.append(folder)
        if len(calls) == 2:  # the check just before the swap passed; a file arrives after it
            (out / "late.txt").write_text("arrived late")
        return found

    monkeypatch.setattr(outputs, "_foreign_files", check_then_a_file_arrives)
    with pytest.raises(
        OutputError, match=r"new results are in .*out, but .*\(late\.txt\).*kept in"
    ):
        write_results(hostile_result, out)
    assert len(calls) == 2
    assert sorted(p.name for p in out.iterdir()) == sorted((*result_files(), MANIFEST))
    (previous,) = [p for p in tmp_path.iterdir() if p.name.startswith("out.previous-")]
    assert [p.name for p in previous.iterdir()] == ["late.txt"]
    assert (previous / "late.txt").read_text() == "arrived late"


def test_check_out_folder_refuses_a_folder_it_cannot_write_in(tmp_path):
    from concerted.outputs import check_out_folder

    check_out_folder(tmp_path / "new" / "deeper")  # missing folders are created later: fine
    assert not (tmp_path / "new").exists() and list(tmp_path.iterdir()) == []  # no probe left
    if not Path("/proc/self").is_dir():
        pytest.skip("no /proc here: a folder no one can write in, even root")
    # Root passes every permission check: only writing tells (issue 20: refused after detection).
    with pytest.raises(OutputError, match=r"Cannot create /proc/out: /proc is not writable"):
        check_out_folder("/proc/out")
