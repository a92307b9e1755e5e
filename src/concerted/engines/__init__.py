"""Engines: where the joins of a detection run. Detectors talk to an :class:`~.base.Engine`
(the interface, :mod:`.base`); :mod:`.duckdb` is the embedded default, loaded when first asked for.
"""

from __future__ import annotations

from .base import Engine


def default_engine() -> Engine:
    """The embedded DuckDB engine."""
    from .duckdb import DuckDBEngine

    return DuckDBEngine()


def get_engine(name: str | None) -> Engine:
    """An engine by name: ``duckdb`` (default) or ``spark``."""
    from ..errors import EngineUnavailable, ParameterError

    if name in (None, "duckdb"):
        return default_engine()
    if name == "spark":
        raise EngineUnavailable(
            "The Spark engine is not available in this version yet. Use --engine duckdb."
        )
    raise ParameterError(f"engine must be 'duckdb' or 'spark'; got {name!r}.")


__all__ = ["Engine", "default_engine", "get_engine"]
