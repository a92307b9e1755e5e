"""concerted: find coordinated online campaigns in activity logs.

::

    import concerted
    log = concerted.load_log("actions.csv")
    result = concerted.detect(log)
    concerted.write_results(result, "results/")
"""

__version__ = "0.1.0"

from .detectors import CoAction, Detector, Findings, get_detector, registry  # noqa: E402
from .engines import Engine, default_engine, get_engine  # noqa: E402
from .errors import (  # noqa: E402
    ConcertedError,
    EngineUnavailable,
    OutputError,
    ParameterError,
    SchemaError,
)
from .io import load_log  # noqa: E402
from .network import build_network, find_groups  # noqa: E402
from .outputs import write_results  # noqa: E402
from .pipeline import Result, detect  # noqa: E402
from .report import render_report  # noqa: E402
from .results import Results, open_results  # noqa: E402
from .schema import Log, make_log  # noqa: E402
from .store import (  # noqa: E402
    StoreError,
    StoreLocked,
    detect_store,
    export_evidence,
    ingest,
    list_runs,
    list_snapshots,
    load_store_log,
    verify_pack,
    verify_store,
)

__all__ = [
    "__version__",
    "CoAction",
    "ConcertedError",
    "Detector",
    "Engine",
    "EngineUnavailable",
    "Findings",
    "Log",
    "OutputError",
    "ParameterError",
    "Result",
    "Results",
    "SchemaError",
    "StoreError",
    "StoreLocked",
    "build_network",
    "default_engine",
    "detect",
    "detect_store",
    "export_evidence",
    "find_groups",
    "get_detector",
    "get_engine",
    "ingest",
    "list_runs",
    "list_snapshots",
    "load_log",
    "load_store_log",
    "make_log",
    "open_results",
    "registry",
    "render_report",
    "verify_pack",
    "verify_store",
    "write_results",
]
