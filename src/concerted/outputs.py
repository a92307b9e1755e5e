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
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from .engines.sql import connect, identifier, literal
from .errors import OutputError
from .network import build_network
from .pipeline import Result
from .privacy import pseudonymise_result
from .report import render_report

FILES = (
    "actors.csv",
    "groups.csv",
    "edges.csv",
    "evidence.csv",
    "graph.graphml",
    "summary.json",
    "report.html",
)
MANIFEST = ".concerted"
TIME_COLUMNS = ("time", "time_y", "first_time", "last_time")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_START = r"^[=+\-@\t\r]"
# XML 1.0 forbids these characters; adversarial names may hold them.
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def write_results(result: Result, out_dir: str | Path, *, reveal: bool = False) -> dict[str, Path]:
    """Write ``actors.csv, groups.csv, edges.csv, evidence.csv, graph.graphml, summary.json`` and
    ``report.html`` into ``out_dir`` (created if missing, replaced whole if present).

    E-mail addresses, phone numbers and IP addresses in actors, objects and texts are replaced by
    pseudonyms (:mod:`concerted.privacy`) unless ``reveal`` is true.

    Returns the path of each file written.
    """
    if not reveal:
        result = pseudonymise_result(result)
    out = Path(out_dir)
    write_folder(out, lambda folder: _write_all(result, folder))
    return {name: out / name for name in FILES}


def write_folder(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary folder beside ``out``, then rename it to ``out``
    (replacing a previous one only once the new one is complete). Any failure leaves ``out`` as
    it was and raises :class:`OutputError` (or the original exception if it is not an I/O one)."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out} exists and is not a folder. Choose another --out.")
    _check_replaceable(out)
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


def _check_replaceable(out: Path) -> None:
    """Refuse to replace a folder that holds anything concerted did not write there."""
    if not out.is_dir():
        return
    try:
        present = {p.name for p in out.iterdir()}
        listed = (
            set(json.loads((out / MANIFEST).read_text("utf-8"))["files"])
            if (MANIFEST in present)
            else set()
        )
    except (OSError, ValueError, KeyError, TypeError):
        listed = set()
    foreign = sorted(present - listed - {MANIFEST})
    if foreign:
        shown = ", ".join(foreign[:3]) + (
            f" and {len(foreign) - 3} more" if len(foreign) > 3 else ""
        )
        raise OutputError(
            f"{out} already holds files concerted did not write ({shown}); replacing the folder "
            "would delete them. Choose another --out, or empty that folder first."
        )


def _write_manifest(folder: Path) -> None:
    files = sorted(p.name for p in folder.iterdir() if p.name != MANIFEST)
    manifest = {"tool": "concerted", "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")


def _write_all(result: Result, folder: Path) -> None:
    write_csv(result.actors, folder / "actors.csv")
    write_csv(result.groups, folder / "groups.csv")
    write_csv(result.edges, folder / "edges.csv")
    write_csv(result.evidence, folder / "evidence.csv")
    _write_graphml(result, folder / "graph.graphml")
    (folder / "summary.json").write_text(
        json.dumps(json_safe(result.summary), indent=2, ensure_ascii=False) + "\n", "utf-8"
    )
    (folder / "report.html").write_text(render_report(result), "utf-8")


def _swap_into_place(tmp: Path, out: Path) -> None:
    os.chmod(tmp, 0o755)
    if not out.exists():
        os.replace(tmp, out)
        return
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    os.replace(out, old)
    try:
        os.replace(tmp, out)
    except OSError:
        os.replace(old, out)  # put the previous results back
        raise
    shutil.rmtree(old, ignore_errors=True)


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


def _write_graphml(result: Result, path: Path) -> None:
    # The coordination network: edges inside groups. Every pair is in edges.csv; a graph of
    # millions of one-off co-actions would not open in Gephi and would show nothing.
    graph = build_network(result.edges.filter(pc.is_valid(result.edges["group"])))
    group = dict(
        zip(result.actors["actor"].to_pylist(), result.actors["group"].to_pylist(), strict=True)
    )
    score = dict(
        zip(result.actors["actor"].to_pylist(), result.actors["score"].to_pylist(), strict=True)
    )
    names = graph.vs["name"] if graph.vcount() else []
    graph.vs["label"] = [_XML_BAD.sub("\ufffd", n) for n in names]
    graph.vs["name"] = graph.vs["label"]
    graph.vs["group"] = [group.get(n, 0) for n in names]
    graph.vs["score"] = [score.get(n, 0.0) for n in names]
    graph.write_graphml(str(path))


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
