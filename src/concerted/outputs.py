"""Write a run's results to a folder, all or nothing.

Files are written to a temporary folder beside the target and renamed into place at the end, so a
crash, a full disk or Ctrl-C never leaves a half-written results folder, and an existing one is
replaced only once the new one is complete.

Every results folder holds a manifest, ``.concerted``, naming the files concerted wrote there. A
folder is replaced only if it is empty or everything in it is listed in its manifest: a folder
holding anything else (the input log, a user's notes) is never touched.
"""

from __future__ import annotations

import json
import math
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

import igraph as ig
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from . import __version__, results
from .errors import OutputError, ParameterError
from .pipeline import Result
from .privacy import pseudonymise_result
from .report import render_report
from .safetext import clean_table, clean_value, printable
from .sql import connect, identifier, literal

TABLES = results.TABLES
FORMATS = ("csv", "parquet", "json", "graphml", "gexf")
DEFAULT_FORMATS = ("csv", "parquet", "graphml")
GRAPH_EDGE_COLUMNS = (
    "group",
    "weight",
    "strength",
    "median_delay_seconds",
    "window_seconds",
    "p_value",
    "q_value",
    "layers",  # runs with a text layer only
)
MANIFEST = ".concerted"
TIME_COLUMNS = results.TIME_COLUMNS
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_CHARS = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START = r"^[=+\-@\t\r]"
# XML 1.0 forbids these characters; adversarial names may hold them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_results(
    result: Result,
    out_dir: str | Path,
    *,
    reveal: bool = False,
    formats: tuple[str, ...] | list[str] = DEFAULT_FORMATS,
) -> dict[str, Path]:
    """Write a run's results into ``out_dir`` (created if missing; replaced whole if it holds
    only an earlier run's results, see :func:`write_folder`).

    Always ``summary.json`` and ``report.html``; then, by ``formats`` (any of ``csv``,
    ``parquet``, ``json``, ``graphml``, ``gexf``; default ``csv``, ``parquet``, ``graphml``), the tables
    ``actors``, ``groups``, ``edges`` and ``evidence`` as ``.csv`` / ``.parquet`` / ``.json``
    and the coordination network as ``graph.graphml`` / ``graph.gexf`` (Gephi). The tables'
    columns are the results contract's (:mod:`concerted.results`).

    E-mail addresses, phone numbers and IP addresses in actors, objects and texts are replaced by
    pseudonyms (:mod:`concerted.privacy`) unless ``reveal`` is true.

    Returns the path of each file written, by file name.
    """
    formats = check_formats(formats)
    if not reveal:
        result = pseudonymise_result(result)
    result = clean_result(result)
    out = Path(out_dir)
    write_folder(out, lambda folder: _write_all(result, folder, formats))
    return {name: out / name for name in result_files(formats)}


def clean_result(result: Result) -> Result:
    """A copy of the result with control characters replaced in every text it writes or shows
    (every table, whatever the format, the report and summary.json): see
    :mod:`concerted.safetext`."""
    return replace(
        result,
        edges=clean_table(result.edges),
        evidence=clean_table(result.evidence),
        groups=clean_table(result.groups),
        actors=clean_table(result.actors),
        group_actions=clean_table(result.group_actions),
        summary=clean_value(result.summary),
    )


def check_formats(formats: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """``formats`` as a tuple, or :class:`ParameterError` naming the unknown ones."""
    unknown = sorted(set(formats) - set(FORMATS))
    if unknown:
        raise ParameterError(
            f"Unknown output format {', '.join(map(repr, unknown))}. Choose from {', '.join(FORMATS)}."
        )
    return tuple(formats)


def result_files(formats: tuple[str, ...] = DEFAULT_FORMATS) -> list[str]:
    """The names of the files :func:`write_results` writes for ``formats``."""
    names = [f"{t}.{f}" for f in ("csv", "parquet", "json") if f in formats for t in TABLES]
    names += [f"graph.{f}" for f in ("graphml", "gexf") if f in formats]
    return [*names, "summary.json", "report.html"]


def check_out_folder(out: str | Path) -> None:
    """Raise :class:`OutputError` unless ``out`` can receive a results folder: it is a folder
    that :func:`write_folder` may replace (empty, or holding only files its manifest lists) or it
    does not exist, and the folder it is (or will be) in can be written to.

    :func:`write_folder` checks this itself; commands call it before a long computation too, so
    that a bad ``--out`` is refused at once rather than after it.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder. Choose another --out.")
    _check_replaceable(out)
    parent = out.absolute().parent
    while not parent.exists():  # the nearest folder that exists is where ours will be created
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(
            f"Cannot create {out}: {parent} is a file, not a folder. Choose another --out."
        )
    # A real probe, not os.access: root passes every permission check, and a read-only or
    # virtual file system (/proc, a read-only mount) says so only when written to.
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".concerted-probe-", dir=parent))
    except OSError as exc:
        raise OutputError(
            f"Cannot create {out}: {parent} is not writable ({exc.strerror}). Choose another --out."
        ) from None


def write_folder(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary folder beside ``out``, then rename it to ``out``
    (replacing a previous one only once the new one is complete). Any failure leaves ``out`` as
    it was and raises :class:`OutputError` (or the original exception if it is not an I/O one).

    Files that someone adds to ``out`` while the results are being written are never deleted:
    ``out`` is checked again just before the swap (the new results are then kept beside it and
    the error says where), and the previous folder is emptied of the files its manifest lists
    only, so a file that arrives in the last instant is kept too (with an error naming where)."""
    out = Path(out)
    check_out_folder(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent))
    except OSError as exc:
        raise OutputError(f"Cannot create the results folder {out}: {exc.strerror}.") from None
    try:
        write(tmp)
        _write_manifest(tmp)
        _swap_into_place(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise OutputError(f"Cannot write the results to {out}: {exc}.") from None
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _foreign_files(out: Path) -> list[str]:
    """The names in folder ``out`` that its manifest does not list (none if it is missing)."""
    if not out.is_dir():
        return []
    try:
        present = {p.name for p in out.iterdir()}
        listed = (
            set(json.loads((out / MANIFEST).read_text("utf-8"))["files"])
            if (MANIFEST in present)
            else set()
        )
    except (OSError, ValueError, KeyError, TypeError):
        listed = set()
    return sorted(present - listed - {MANIFEST})


def _shown_names(names: list[str]) -> str:
    shown = ", ".join(printable(n) for n in names[:3])
    return shown + (f" and {len(names) - 3} more" if len(names) > 3 else "")


def _check_replaceable(out: Path) -> None:
    """Refuse to replace a folder that holds anything concerted did not write there."""
    foreign = _foreign_files(out)
    if foreign:
        raise OutputError(
            f"{out} already holds files concerted did not write ({_shown_names(foreign)}); "
            "replacing the folder would delete them. Choose another --out, or empty that folder "
            "first."
        )


def _aside(out: Path, what: str) -> Path:
    """A free name beside ``out`` for a folder kept aside: ``results.new-20261122T090000``."""
    stamp = time.strftime("%Y%m%dT%H%M%S")
    for n in range(100):
        path = out.with_name(f"{out.name}.{what}-{stamp}" + (f"-{n}" if n else ""))
        if not path.exists():
            return path
    raise OutputError(f"Cannot find a free name beside {out} to keep the {what} results in.")


def _write_manifest(folder: Path) -> None:
    files = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    manifest = {"tool": "concerted", "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _write_all(result: Result, folder: Path, formats: tuple[str, ...]) -> None:
    for name in TABLES:
        table = results.for_file(
            name,
            getattr(result, name),
            tested=result.tested,
            stored=result.stored,
            peer=result.peer,
            layered=result.layered,
        )
        if "csv" in formats:
            write_csv(table, folder / f"{name}.csv")
        if "parquet" in formats:
            pq.write_table(_with_timestamps(table), folder / f"{name}.parquet")
        if "json" in formats:
            _write_json(table, folder / f"{name}.json")
    if "graphml" in formats or "gexf" in formats:
        graph = coordination_graph(result)
        if "graphml" in formats:
            graph.write_graphml(str(folder / "graph.graphml"))
        if "gexf" in formats:
            _write_gexf(graph, folder / "graph.gexf")
    (folder / "summary.json").write_text(
        json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    (folder / "report.html").write_text(render_report(result), "utf-8")


def _swap_into_place(tmp: Path, out: Path) -> None:
    os.chmod(tmp, 0o755)
    if not out.exists():
        os.replace(tmp, out)  # fails, replacing nothing, if a non-empty folder appeared meanwhile
        return
    foreign = _foreign_files(out)  # again: a file may have been added while we were writing
    if foreign:
        kept = _aside(out, "new")
        os.replace(tmp, kept)
        raise OutputError(
            f"{out} gained files while the results were being written ({_shown_names(foreign)}); "
            f"replacing it would delete them, so it was left as it was. The new results are in "
            f"{kept}: move them where you want them, or run again with another --out."
        )
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old, out)  # put the previous results back
        raise
    _remove_previous(old, out)


def _remove_previous(old: Path, out: Path) -> None:
    """Delete the previous results folder, now at ``old``: the files its manifest lists, then
    the folder if nothing else is left. Anything else (added in the instant between the last
    check and the swap) is kept, and the folder with it."""
    for name in {*_listed(old), MANIFEST}:
        path = old / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    try:
        old.rmdir()
    except OSError:
        left = sorted(p.name for p in old.iterdir()) if old.is_dir() else []
        kept = _aside(out, "previous")
        os.replace(old, kept)
        raise OutputError(
            f"The new results are in {out}, but files were added to the previous results while "
            f"they were being written ({_shown_names(left)}); they were kept in {kept}."
        ) from None


def _listed(folder: Path) -> list[str]:
    """The file names a results folder's manifest lists (plain names only)."""
    try:
        files = json.loads((folder / MANIFEST).read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return []
    return [
        f for f in files if isinstance(f, str) and f and Path(f).name == f and f not in (".", "..")
    ]


def guard_cell(value):
    """A CSV cell as :func:`write_csv` writes it: ``'`` before a string a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_CHARS):
        return "'" + value
    return value


def iso_times(table: pa.Table, columns: tuple[str, ...]) -> pa.Table:
    """``columns`` of ``table`` (epoch seconds) as ISO 8601 UTC text, empty where there is none;
    for a lens's own time columns, which :func:`write_csv` does not know by name. Columns the
    table lacks are skipped.

    >>> iso_times(pa.table({"t": [0.4, None]}), ("t", "u"))["t"].to_pylist()
    ['1970-01-01T00:00:00Z', None]
    """
    for name in columns:
        if name not in table.column_names:
            continue
        seconds = pc.round(table[name]).cast(pa.int64())
        stamps = seconds.cast(pa.timestamp("s", tz="UTC"))
        text = pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")
        table = table.set_column(table.column_names.index(name), name, text)
    return table


def write_csv(table: pa.Table, path: Path) -> None:
    """CSV with times in ISO 8601 and text cells that a spreadsheet would run as a formula
    prefixed with ``'`` (OWASP's advice against CSV injection).

    DuckDB streams the table to the file (the table is read in place, not copied), so writing
    tens of millions of pairs needs no second copy of them in memory.
    """
    con = connect()
    con.register("t", table)
    columns = []
    for f in table.schema:
        q = identifier(f.name)
        if f.name in TIME_COLUMNS and pa.types.is_floating(f.type):
            fmt = "%Y-%m-%dT%H:%M:%SZ" if _all_whole(table[f.name]) else "%Y-%m-%dT%H:%M:%S.%gZ"
            columns.append(
                f"strftime(make_timestamp(CAST(round({q} * 1e6) AS BIGINT)), '{fmt}') AS {q}"
            )
        elif pa.types.is_string(f.type) or pa.types.is_large_string(f.type):
            columns.append(
                f"CASE WHEN regexp_matches({q}, '{_FORMULA_START}') THEN '''' || {q} "
                f"ELSE {q} END AS {q}"
            )
        else:
            columns.append(q)
    con.execute(
        f"COPY (SELECT {', '.join(columns)} FROM t) TO {literal(str(path))} (FORMAT csv, HEADER true)"
    )
    con.close()


def _all_whole(column: pa.ChunkedArray | pa.Array) -> bool:
    return pc.all(pc.equal(column, pc.floor(column))).as_py() is not False


def coordination_graph(result: Result) -> ig.Graph:
    """The coordination network as a graph: one vertex per actor in a group (attributes
    ``name``, ``group``, ``score``, ``evidence``), one edge per linked pair inside a group (the
    pair's columns as attributes). Every pair is in edges.csv; a graph of millions of one-off
    co-actions would not open in Gephi and would show nothing."""
    actors = result.actors.filter(pc.is_valid(result.actors["group"]))
    names = [_XML_BAD.sub("\ufffd", n) for n in actors["actor"].to_pylist()]
    index = {n: i for i, n in enumerate(actors["actor"].to_pylist())}
    edges = result.edges.filter(pc.is_valid(result.edges["group"]))
    pairs = [
        (index[a], index[b])
        for a, b in zip(edges["actor"].to_pylist(), edges["actor_y"].to_pylist(), strict=True)
    ]
    graph = ig.Graph(n=len(names), edges=pairs)
    graph.vs["name"] = names
    graph.vs["label"] = names
    # The columns the run's files hold (a run that tested nothing has no evidence or p-values).
    actor_columns = results.file_columns("actors", tested=result.tested, peer=result.peer)
    edge_columns = results.file_columns(
        "edges", tested=result.tested, peer=result.peer, layered=result.layered
    )
    for column in ("group", "score", "evidence"):
        if column in actor_columns:
            graph.vs[column] = [_or_default(v) for v in actors[column].to_pylist()]
    for column in GRAPH_EDGE_COLUMNS:
        if column in edge_columns:
            graph.es[column] = [_or_default(v) for v in edges[column].to_pylist()]
    return graph


def _or_default(value):
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value


def _write_gexf(graph: ig.Graph, path: Path) -> None:
    """GEXF 1.3 (Gephi's own format): the same graph as graph.graphml, streamed to the file
    (a graph of millions of links needs no tree of them in memory)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<gexf xmlns="http://gexf.net/1.3" version="1.3">\n'
            f"<meta><creator>concerted {__version__}</creator></meta>\n"
            '<graph defaultedgetype="undirected" mode="static">\n'
        )
        columns = {}
        for kind, seq in (("node", graph.vs), ("edge", graph.es)):
            names = [a for a in seq.attributes() if a not in ("name", "label")]
            columns[kind] = [seq[a] for a in names]
            f.write(f'<attributes class="{kind}">\n')
            for i, (a, values) in enumerate(zip(names, columns[kind], strict=True)):
                f.write(f'<attribute id="{i}" title={_xml_attr(a)} type="{_gexf_type(values)}"/>\n')
            f.write("</attributes>\n")
        f.write("<nodes>\n")
        for i, label in enumerate(graph.vs["label"] if graph.vcount() else []):
            f.write(
                f'<node id="{i}" label={_xml_attr(label)}>{_attvalues(columns["node"], i)}</node>\n'
            )
        f.write("</nodes>\n<edges>\n")
        strength = graph.es["strength"] if "strength" in graph.es.attributes() else None
        for i, (s, t) in enumerate(graph.get_edgelist()):
            weight = f' weight="{float(strength[i])!r}"' if strength and strength[i] != "" else ""
            f.write(
                f'<edge id="{i}" source="{s}" target="{t}"{weight}>'
                f"{_attvalues(columns['edge'], i)}</edge>\n"
            )
        f.write("</edges>\n</graph>\n</gexf>\n")


def _gexf_type(values: list) -> str:
    present = [v for v in values if v != ""]
    if present and all(isinstance(v, int) for v in present):
        return "integer"
    if present and all(isinstance(v, int | float) for v in present):
        return "double"
    return "string"


def _attvalues(columns: list[list], i: int) -> str:
    cells = "".join(
        f'<attvalue for="{k}" value={_xml_attr(str(values[i]))}/>'
        for k, values in enumerate(columns)
        if values[i] != ""
    )
    return f"<attvalues>{cells}</attvalues>"


def _xml_attr(text: str) -> str:
    return quoteattr(_XML_BAD.sub("\ufffd", text))


def _with_timestamps(table: pa.Table) -> pa.Table:
    """Time columns (epoch seconds) as UTC timestamps, for Parquet and JSON."""
    for i, f in enumerate(table.schema):
        if f.name in TIME_COLUMNS and pa.types.is_floating(f.type):
            micros = pc.round(pc.multiply(table[f.name], 1e6))
            valid = pc.is_finite(micros)
            micros = pc.if_else(valid, micros, None).cast(pa.int64())
            table = table.set_column(i, f.name, micros.cast(pa.timestamp("us", tz="UTC")))
    return table


def _write_json(table: pa.Table, path: Path) -> None:
    """A JSON array of records, times as ISO 8601 strings."""
    con = connect()
    con.register("t", _with_timestamps(table))
    con.execute(f"COPY t TO {literal(str(path))} (FORMAT json, ARRAY true)")
    con.close()


def json_safe(value):
    """``value`` with non-finite floats as None and NumPy scalars as Python ones, for JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item"):  # NumPy scalars
        return json_safe(value.item())
    return value
