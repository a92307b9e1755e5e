"""The checks every registered detector must pass (scikit-learn's common tests are the model)."""

import pyarrow as pa
import pytest

from concerted import Findings, make_log, registry
from concerted.engines.base import PAIR_COLUMNS

DETECTORS = sorted(registry().items())


@pytest.mark.parametrize("name, cls", DETECTORS)
def test_detector_contract(name, cls, tiny_log):
    detector = cls()
    assert cls.name == name
    assert set(cls.requires) <= {"actor", "action", "object", "time", "text"}
    params_before = detector.get_params()
    before = tiny_log.table.to_pylist()
    findings = detector.detect(tiny_log)
    assert isinstance(findings, Findings)
    assert findings.detector == name
    assert set(PAIR_COLUMNS) | {"strength"} <= set(findings.pairs.column_names)
    for row in findings.pairs.to_pylist():
        assert row["actor"] < row["actor_y"]
    assert tiny_log.table.to_pylist() == before  # the input is not modified
    assert detector.get_params() == params_before  # parameters are stored, not transformed
    assert isinstance(findings.params, dict)


@pytest.mark.parametrize("name, cls", DETECTORS)
def test_detector_contract_empty_log(name, cls):
    empty = make_log(
        pa.table(
            {
                c: pa.array([], t)
                for c, t in (
                    ("actor", pa.string()),
                    ("object", pa.string()),
                    ("time", pa.float64()),
                )
            }
        )
    )
    findings = cls().detect(empty)
    assert findings.pairs.num_rows == 0


@pytest.mark.parametrize("name, cls", DETECTORS)
def test_detector_contract_is_deterministic(name, cls, tiny_log):
    assert cls().detect(tiny_log).pairs.equals(cls().detect(tiny_log).pairs)
