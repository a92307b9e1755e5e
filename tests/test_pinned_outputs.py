"""Refactors keep results byte for byte: every file a detection run writes, pinned.

Each case runs the default pipeline (load, detect, write every format) on a fixed input and
compares a digest of each output file with ``tests/data/pinned_outputs.json``. The run's clock
(the report's "generated" line and run time, ``summary.json``'s ``seconds``) and the input's path
are left out; everything else, tables, network, report and Parquet contents, is pinned.

A change that is *meant* to alter results re-pins them, and says why in its commit::

    .venv/bin/python tests/test_pinned_outputs.py --update
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import concerted
from concerted.simulate import simulate_world
from concerted.simulate_audiences import simulate_audiences

if __package__:
    from .conftest import GERMAN, RUSSIAN
else:  # run as a script to re-pin
    sys.path.insert(0, str(Path(__file__).parent))
    from conftest import GERMAN, RUSSIAN

PINS = Path(__file__).parent / "data" / "pinned_outputs.json"
FORMATS = ("csv", "parquet", "json", "graphml", "gexf")


def _world_log():
    return simulate_world(seed=3).log


def _audiences_log():
    return simulate_audiences(seed=5).log


def _russian_log():
    return concerted.load_log(RUSSIAN)


def _german_log():
    return concerted.load_log(GERMAN, object_columns=["url_id", "hashtag_id"])


CASES = {
    "world": (_world_log, {}),
    "world-classic": (
        _world_log,
        {"detector": concerted.CoAction(window_seconds=60, significance=False)},
    ),
    "audiences": (_audiences_log, {}),
    "russian": (_russian_log, {}),
    "german": (_german_log, {}),
}
REAL = {"russian", "german"}


def _digest(path: Path) -> str:
    if path.suffix == ".parquet":
        # The contents, not the bytes: the writer's version is in the file's metadata.
        table = pq.read_table(path)
        data = json.dumps([str(table.schema), table.to_pylist()], default=str).encode()
    elif path.name == "summary.json":
        summary = json.loads(path.read_text())
        summary.pop("seconds", None)
        summary.pop("input", None)
        data = json.dumps(summary, sort_keys=True).encode()
    elif path.name == "report.html":
        text = path.read_text()
        text = re.sub(r"generated [0-9-]+ [0-9:]+ UTC", "generated", text)
        text = re.sub(r"<td>[0-9.]+ s</td>", "<td>s</td>", text)
        data = text.encode()
    else:
        data = path.read_bytes()
    # The real data sets' folder is wherever the checkout is.
    data = data.replace(str(RUSSIAN.parent).encode(), b"DATA")
    return hashlib.sha256(data).hexdigest()[:16]


def run_case(name: str, out: Path) -> dict[str, str]:
    """The digest of each file the run of case ``name`` writes into ``out``."""
    make_log, options = CASES[name]
    result = concerted.detect(make_log(), **options)
    files = concerted.write_results(result, out, formats=FORMATS)
    return {file: _digest(path) for file, path in sorted(files.items())}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_outputs_pinned(name, tmp_path):
    if name in REAL and not RUSSIAN.exists():
        pytest.skip("../shared/data is not beside the project")
    pinned = json.loads(PINS.read_text())[name]
    got = run_case(name, tmp_path / name)
    changed = sorted(f for f in set(pinned) | set(got) if pinned.get(f) != got.get(f))
    assert not changed, (
        f"{name}: {changed} differ from the pinned outputs. If the change is meant, re-pin with "
        "'python tests/test_pinned_outputs.py --update' and say why in the commit."
    )


if __name__ == "__main__":
    import tempfile

    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_pinned_outputs.py --update")
    pins = {}
    with tempfile.TemporaryDirectory() as tmp:
        for case in sorted(CASES):
            print(f"running {case}", file=sys.stderr)
            pins[case] = run_case(case, Path(tmp) / case)
    PINS.parent.mkdir(exist_ok=True)
    PINS.write_text(json.dumps(pins, indent=1, sort_keys=True) + "\n")
    print(f"pinned {sum(map(len, pins.values()))} files of {len(pins)} runs in {PINS}")
