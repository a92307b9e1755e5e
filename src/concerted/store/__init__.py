"""The evidence store: keep every collected action, when it vanished, and prove it was there.

::

    from concerted import ingest, verify_store
    ingest("monday.csv", "project/", snapshot_time=1_763_283_600)
    ingest("tuesday.csv", "project/", snapshot_time=1_763_370_000)
    assert verify_store("project/").ok
"""

from .ingest import IngestResult, ingest
from .pack import PackReport, export_evidence, verify_pack
from .runs import detect_store, list_runs, load_store_log, mark_deleted, record_run
from .store import StoreError, StoreLocked, content_hash, list_snapshots, open_store
from .verify import StoreReport, verify_store

__all__ = [
    "IngestResult",
    "PackReport",
    "StoreError",
    "StoreLocked",
    "StoreReport",
    "content_hash",
    "detect_store",
    "export_evidence",
    "list_runs",
    "list_snapshots",
    "load_store_log",
    "mark_deleted",
    "record_run",
    "ingest",
    "open_store",
    "verify_pack",
    "verify_store",
]
