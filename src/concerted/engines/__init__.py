"""Engines: where the joins of a detection run. Detectors talk to an :class:`~.base.Engine`
(the interface, :mod:`.base`); :mod:`.duckdb` is the embedded default, :mod:`.spark` runs the same
stages on Apache Spark; each is loaded when first asked for.
"""

from __future__ import annotations

from collections.abc import Mapping

from .base import Engine


def default_engine() -> Engine:
    """The embedded DuckDB engine."""
    from .duckdb import DuckDBEngine

    return DuckDBEngine()


def get_engine(
    name: str | None, *, master: str | None = None, conf: Mapping[str, str] | None = None
) -> Engine:
    """An engine by name: ``duckdb`` (default) or ``spark``.

    Parameters
    ----------
    name
        ``duckdb`` or ``spark``.
    master, conf
        For ``spark``: the master URL (``local[*]`` by default, ``yarn``, ``spark://host:7077``)
        and Spark settings (see :class:`~concerted.engines.spark.SparkEngine`). PySpark and
        Java are checked here, before any work (:func:`~concerted.engines.spark.check_spark`).

    Example
    -------
    >>> get_engine("spark", master="local[2]").master
    'local[2]'
    >>> get_engine("duckdb", master="yarn")
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: --spark-master and --spark-conf apply with --engine spark only.
    """
    from ..errors import ParameterError

    if name == "spark":
        from .spark import SparkEngine, check_spark

        check_spark()
        return SparkEngine(master=master, conf=conf)
    if name in (None, "duckdb"):
        if master or conf:
            raise ParameterError("--spark-master and --spark-conf apply with --engine spark only.")
        return default_engine()
    raise ParameterError(f"engine must be 'duckdb' or 'spark'; got {name!r}.")


__all__ = ["Engine", "default_engine", "get_engine"]
