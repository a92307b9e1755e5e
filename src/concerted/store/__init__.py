"""The evidence store: keep every collected action, when it vanished, and prove it was there.

::

    from concerted import ingest, verify_store
    ingest("monday.csv", "project/", snapshot_time=1_763_283_600)
    ingest("tuesday.csv", "project/", snapshot_time=1_763_370_000)
    assert verify_store("project/").ok
"""

from .ingest import IngestResult, ingest
from .store import StoreError, StoreLocked, content_hash, open_store
from .verify import StoreReport, verify_store

__all__ = [
    "IngestResult",
    "StoreError",
    "StoreLocked",
    "StoreReport",
    "content_hash",
    "ingest",
    "open_store",
    "verify_store",
]
