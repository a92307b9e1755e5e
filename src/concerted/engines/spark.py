"""The Spark engine: the DuckDB engine's bucketed, bounded joins in Spark SQL, for a cluster.

Every method of :class:`~.base.Engine` runs here as it does in :mod:`.duckdb`, stage by stage (the
SQL is in :mod:`.spark_stages`, a stage for each of :mod:`.duckdb_stages`), so both engines give the
same pairs, counts, crowds, groups and hence p-values. Inputs and outputs cross at the Arrow
boundary: the log, already loaded and validated by :func:`concerted.load_log`, has its actors and
objects coded to integers on the driver (names sort as codes do), goes to Spark as an Arrow table,
and each result comes back as one; everything downstream (the significance test, groups, outputs)
is unchanged. Each stage is materialised once (``localCheckpoint``) and read by name by the later
ones, in a session of its own (``newSession``: its own temporary views, the cluster shared).

PySpark (the ``spark`` extra) and Java 17 or later are needed; :func:`check_spark` says which one
is missing. PySpark is imported only when the engine first runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import EngineUnavailable
from ..schema import Log
from . import spark_stages as stages
from .base import CoActionCounts, CoActionTables, Engine, GroupCoActionTables, Selector
from .duckdb_stages import sorted_codes

# Spark settings the engine starts a session with unless told otherwise: no web UI, no
# progress bars on the terminal (concerted reports its own progress), Arrow at the boundary.
DEFAULT_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
    "spark.sql.session.timeZone": "UTC",
}
MIN_JAVA = 17
_CHECKED: list[str] = []  # the java found in this process's environment, once checked

_NO_EVIDENCE = pa.schema(
    [("actor", pa.string()), ("actor_y", pa.string()), ("object", pa.string()),
     ("time", pa.float64()), ("time_y", pa.float64())]
).empty_table()  # fmt: skip

_NO_COUNTS = pa.schema(
    [("actor", pa.string()), ("actor_y", pa.string()), ("weight", pa.int64()),
     ("sources", pa.int64()), ("audience", pa.int64()), ("other_sources", pa.int64())]
).empty_table()  # fmt: skip


def java_version(java: str) -> int | None:
    """The major version of the ``java`` executable, or None when it does not answer."""
    try:
        done = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    found = re.search(r'version "(\d+)(?:\.(\d+))?', done.stderr + done.stdout)
    if not found:
        return None
    major = int(found.group(1))
    return int(found.group(2) or 0) if major == 1 else major  # "1.8.0" is Java 8


def find_java(environ: Mapping[str, str] | None = None) -> str | None:
    """The ``java`` Spark will start: ``$JAVA_HOME/bin/java`` when JAVA_HOME is set, else the
    first on PATH (as Spark's launcher looks)."""
    environ = os.environ if environ is None else environ
    home = environ.get("JAVA_HOME")
    if home:
        java = os.path.join(home, "bin", "java")
        return java if os.access(java, os.X_OK) else None
    return shutil.which("java", path=environ.get("PATH", ""))


def check_spark(environ: Mapping[str, str] | None = None) -> None:
    """Raise :class:`~concerted.errors.MissingExtra` (no PySpark) or
    :class:`~concerted.errors.EngineUnavailable` (PySpark older than 4, no Java 17 or later),
    saying what to install (``environ``: the environment to look for Java in).

    >>> check_spark({"PATH": "/nowhere"})
    Traceback (most recent call last):
    ...
    concerted.errors.EngineUnavailable: The Spark engine needs Java 17 or later, and no java was found on PATH (JAVA_HOME is not set). Install a JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME to one, or use --engine duckdb.
    """
    from ..extras import require

    pyspark = require("pyspark", what="The Spark engine (--engine spark)")
    if int(pyspark.__version__.split(".")[0]) < 4:
        raise EngineUnavailable(
            f"The Spark engine needs PySpark 4 or later; found {pyspark.__version__}. "
            "Upgrade it with pip install -U 'concerted[spark]'."
        )
    if environ is None and _CHECKED:
        return
    environ = os.environ if environ is None else environ
    java = find_java(environ)
    where = (
        f"JAVA_HOME={environ['JAVA_HOME']}"
        if environ.get("JAVA_HOME")
        else "PATH (JAVA_HOME is not set)"
    )
    fix = (
        "Install a JDK (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME to one, "
        "or use --engine duckdb."
    )
    if java is None:
        raise EngineUnavailable(
            f"The Spark engine needs Java {MIN_JAVA} or later, and no java was found on {where}. "
            + fix
        )
    version = java_version(java)
    if version is None or version < MIN_JAVA:
        got = "did not say its version" if version is None else f"is Java {version}"
        raise EngineUnavailable(
            f"The Spark engine needs Java {MIN_JAVA} or later; {java} {got}. " + fix
        )
    if environ is os.environ:
        _CHECKED.append(java)


def parse_spark_conf(items: list[str] | tuple[str, ...]) -> dict[str, str]:
    """``key=value`` strings (``--spark-conf``) as a dict.

    >>> parse_spark_conf(["spark.executor.memory=8g", "spark.sql.shuffle.partitions=400"])
    {'spark.executor.memory': '8g', 'spark.sql.shuffle.partitions': '400'}
    >>> parse_spark_conf(["spark.executor.memory"])
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: --spark-conf takes key=value (a Spark setting such as spark.executor.memory=8g); got 'spark.executor.memory'.
    """
    from ..errors import ParameterError

    conf = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ParameterError(
                "--spark-conf takes key=value (a Spark setting such as "
                f"spark.executor.memory=8g); got {item!r}."
            )
        conf[key.strip()] = value.strip()
    return conf


class SparkEngine(Engine):
    """Runs the detectors' joins on Spark: a cluster, or local mode on this machine.

    Parameters
    ----------
    master
        Spark's master URL: ``local[*]`` (every core of this machine, the default),
        ``spark://host:7077``, ``yarn``, ``k8s://...``. Ignored when a session is running already
        (``spark-submit`` starts one; the engine joins it).
    conf
        Spark settings, e.g. ``{"spark.executor.memory": "8g"}``, over :data:`DEFAULT_CONF`.
    """

    name = "spark"

    def __init__(self, *, master: str | None = None, conf: Mapping[str, str] | None = None):
        self.master = master
        self.conf = dict(conf or {})

    def session(self):
        """The Spark session the engine runs in (started on first use)."""
        check_spark()
        from pyspark.sql import SparkSession

        builder = SparkSession.builder.appName("concerted")
        if self.master:
            builder = builder.master(self.master)
        elif not (SparkSession.getActiveSession() or "PYSPARK_GATEWAY_PORT" in os.environ):
            # Under spark-submit (which starts the JVM and sets the gateway port) its --master
            # holds; otherwise local mode.
            builder = builder.master("local[*]")
        for key, value in {**DEFAULT_CONF, **self.conf}.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel(self.conf.get("concerted.log_level", "ERROR"))
        return spark

    def _run(self) -> _Run:
        return _Run(self.session().newSession())

    # ---- co-action -------------------------------------------------------------------------

    def co_action(
        self,
        log: Log,
        *,
        window_seconds: float,
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
    ) -> CoActionTables:
        return self.co_action_windows(
            log,
            windows=[window_seconds],
            max_bucket_events=max_bucket_events,
            evidence_per_pair=evidence_per_pair,
            min_weight=min_weight,
        )[0]

    def count_co_actions(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        min_weight: int = 1,
        crowd_partners: int | None = None,
    ) -> CoActionCounts:
        """As :meth:`DuckDBEngine.count_co_actions <concerted.engines.duckdb.DuckDBEngine.
        count_co_actions>`: one join at the widest window, crowds joined narrower."""
        run = self._run()
        n = len(windows)
        state = _prepare(run, log, windows, max_bucket_events, crowd_partners if n > 1 else None)
        run.stage("pair_objects", stages.PAIR_OBJECTS)
        run.stage("pairs_closest", stages.PAIRS_CLOSEST)
        candidates = run.candidates(n, "pairs_closest", "p.delay <= w.window_seconds")
        run.stage("pair_windows", stages.PAIR_WINDOWS, min_weight=int(min_weight))
        run.drop("pairs_closest", "pair_objects")
        counts = _by_window(run.query(stages.PAIR_COUNTS, min_weight=int(min_weight)), n)
        return CoActionCounts(_counted(run, state, candidates, counts), state)

    def describe_pairs(
        self, counts: CoActionCounts, chosen: list[pa.Table], *, evidence_per_pair: int
    ) -> list[CoActionTables]:
        """The chosen pairs described from the actions of their actors alone (few)."""
        state: _Open = counts.state
        run, names = state.run, state.actors.dictionary
        keys = {
            "actor": pc.index_in(
                pa.chunked_array([k["actor"] for k in chosen], pa.string()), value_set=names
            ),
            "actor_y": pc.index_in(
                pa.chunked_array([k["actor_y"] for k in chosen], pa.string()), value_set=names
            ),
            "window_id": pa.array(
                np.repeat(np.arange(len(chosen)), [k.num_rows for k in chosen]), pa.int32()
            ),
        }
        run.register("chosen_pairs", pa.table(keys))
        run.stage("chosen_actions", stages.CHOSEN_ACTIONS)
        run.stage(
            "pair_object_windows",
            stages.describe_pair_objects_sql(
                "chosen_actions", "(SELECT DISTINCT actor, actor_y FROM chosen_pairs)"
            ),
        )
        run.stage("kept_pair_objects", stages.KEPT_CHOSEN_PAIRS)
        return _described(state, counts.tables, evidence_per_pair)

    def co_action_windows(
        self,
        log: Log,
        *,
        windows: list[float],
        max_bucket_events: int,
        evidence_per_pair: int,
        min_weight: int = 1,
        select: Selector | None = None,
        crowd_partners: int | None = None,
    ) -> list[CoActionTables]:
        """With ``select``, :meth:`count_co_actions` then :meth:`describe_pairs`; without it
        every counted pair is described from one join."""
        if select is not None:
            return super().co_action_windows(
                log,
                windows=windows,
                max_bucket_events=max_bucket_events,
                evidence_per_pair=evidence_per_pair,
                min_weight=min_weight,
                select=select,
                crowd_partners=crowd_partners,
            )
        run = self._run()
        n = len(windows)
        state = _prepare(run, log, windows, max_bucket_events, crowd_partners if n > 1 else None)
        run.stage("pair_object_windows", stages.describe_pair_objects_sql())
        run.stage("pair_windows", stages.DESCRIBED_PAIR_WINDOWS)
        candidates = run.candidates(n, "pair_windows", "p.window_id = w.window_id")
        empty = [None] * n
        counted = _counted(run, state, candidates, empty)
        if min_weight <= 1:
            run.alias("kept_pair_objects", "pair_object_windows")
        else:
            run.stage("kept_pair_objects", stages.KEPT_REPEATED_PAIRS, min_weight=int(min_weight))
        return _described(state, counted, evidence_per_pair)

    # ---- groups ------------------------------------------------------------------------------

    def group_co_action(
        self, log: Log, members: pa.Table, *, window_seconds: float, max_bucket_events: int
    ) -> GroupCoActionTables:
        run = self._run()
        window = float(window_seconds)
        actors, object_codes = _load_actions(run, log, window)
        codes = pc.index_in(members["actor"], value_set=actors.dictionary)
        run.register(
            "members_in",
            pa.table({"actor": pc.cast(codes, pa.int32()), "group_id": members["group"]}).filter(
                pc.is_valid(codes)
            ),
        )
        for name, sql in stages.GROUP_STAGES:
            run.stage(name, sql, window=window, cap=int(max_bucket_events))
        hits = run.query(stages.GROUP_HITS)
        objects = run.query(stages.GROUP_OBJECTS)
        run.close()
        names, object_names = actors.dictionary, object_codes.dictionary
        return GroupCoActionTables(
            hits=pa.table(
                {
                    "group": pc.cast(hits["group_id"], pa.int64()),
                    "actor": names.take(hits["actor"]),
                    "object": object_names.take(hits["object"]),
                    "source": names.take(hits["source"]),
                }
            ),
            objects=pa.table(
                {
                    "group": pc.cast(objects["group_id"], pa.int64()),
                    "object": object_names.take(objects["object"]),
                    "members": pc.cast(objects["members"], pa.int64()),
                    "actor": names.take(objects["member"]),
                    "in_step": pc.cast(objects["in_step"], pa.float64()),
                    "member_actions": pc.cast(objects["member_actions"], pa.int64()),
                }
            ),
        )

    def recurring_bursts(
        self,
        log: Log,
        *,
        window_seconds: float,
        min_actors: int,
        max_actors: int,
        min_shared: int,
        min_recurrences: int,
    ) -> pa.Table:
        run = self._run()
        actors, _ = _load_actions(run, log, float(window_seconds))
        out = run.query(
            stages.RECURRING_BURSTS,
            window=float(window_seconds),
            min_actors=int(min_actors),
            max_actors=int(max_actors),
            min_shared=int(min_shared),
            min_recurrences=int(min_recurrences),
        )
        run.close()
        return pa.table(
            {
                "burst": pc.cast(out["burst"], pa.int64()),
                "actor": actors.dictionary.take(out["actor"]),
            }
        )

    def group_actions(self, log: Log, members: pa.Table) -> pa.Table:
        run = self._run()
        columns = ["actor", "action", "object", "time", "text", "row"]
        run.register("log", log.table.select(columns))
        run.register("members", members)
        out = run.query(stages.GROUP_ACTIONS)
        run.close()
        schema = pa.schema(
            [("group", members.schema.field("group").type)]
            + [log.table.schema.field(c) for c in columns]
            + [("members", pa.int64())]
        )
        return out.cast(schema)


# ---- Running stages -------------------------------------------------------------------------


class _Run:
    """One computation's Spark session: its stages, each materialised once, by name."""

    def __init__(self, spark) -> None:
        self.spark = spark
        self.frames: dict[str, Any] = {}

    def register(self, name: str, table: pa.Table) -> None:
        """An Arrow table as the view ``name``."""
        frame = self.spark.createDataFrame(table)
        frame.createOrReplaceTempView(name)
        self.frames[name] = frame

    def stage(self, name: str, sql: str, **params) -> None:
        """The view ``name``: ``sql``'s result, computed now and kept (its lineage cut, so later
        stages read it rather than recompute it)."""
        frame = self.spark.sql(stages.render(sql, **params)).localCheckpoint()
        frame.createOrReplaceTempView(name)
        self.frames[name] = frame

    def alias(self, name: str, of: str) -> None:
        """The view ``name``: the stage ``of`` under another name."""
        self.frames[of].createOrReplaceTempView(name)
        self.frames[name] = self.frames[of]

    def query(self, sql: str, **params) -> pa.Table:
        """A query's result as an Arrow table, in the order of its ``ORDER BY``."""
        return self.spark.sql(stages.render(sql, **params)).toArrow()

    def candidates(self, n: int, pairs: str, within: str) -> list[int]:
        """The number of candidate pairs at each of ``n`` windows."""
        rows = self.spark.sql(stages.CANDIDATES.format(pairs=pairs, within=within)).collect()
        found = {r["window_id"]: r["pairs"] for r in rows}
        return [int(found.get(k, 0)) for k in range(n)]

    def drop(self, *names: str) -> None:
        """Free the stages ``names`` (read by nothing later)."""
        for name in names:
            self.spark.catalog.dropTempView(name)
            self.frames.pop(name).unpersist()

    def close(self) -> None:
        for name in list(self.frames):
            self.drop(name)


@dataclass(frozen=True)
class _Open:
    """An open co-action computation: its run and the codes of actors and objects."""

    run: _Run
    actors: pa.DictionaryArray
    objects: pa.DictionaryArray
    windows: int


def _load_actions(run: _Run, log: Log, reach: float):
    """Views ``actions_in``, ``object_sources`` and ``actions`` (bucketed at ``reach``); returns
    the actor and object codes (see duckdb_stages.load_actions, whose coding this is)."""
    has_source = log.has("source")
    actors = sorted_codes(log.table["actor"], log.table["source"] if has_source else None)
    objects = sorted_codes(log.table["object"])
    columns = {
        "action_id": pa.array(np.arange(len(log), dtype=np.int64)),
        "actor": actors.indices.slice(0, len(log)),
        "object": objects.indices,
        "time": pc.cast(log.table["time"], pa.float64()),
    }
    if has_source:
        columns["named_source"] = actors.indices.slice(len(log))
    run.register("actions_in", pa.table(columns))
    run.stage("object_sources", stages.object_sources_sql(has_source))
    run.stage("actions", stages.ACTIONS, reach=float(reach))
    if has_source:
        actors = pa.DictionaryArray.from_arrays(
            actors.indices.slice(0, len(log)), actors.dictionary
        )
    return actors, objects


def _prepare(
    run: _Run, log: Log, windows: list[float], max_bucket_events: int, crowd: int | None
) -> _Open:
    """The stages up to ``actions_sampled``."""
    actors, objects = _load_actions(run, log, float(max(windows)))
    run.register(
        "windows",
        pa.table(
            {
                "window_id": pa.array(range(len(windows)), pa.int32()),
                "window_seconds": pa.array(windows, pa.float64()),
            }
        ),
    )
    run.stage("object_windows", stages.object_windows_sql([float(w) for w in windows]))
    run.stage("objects", stages.OBJECTS, crowd=None if crowd is None else int(crowd))
    if crowd:
        run.stage("actions_counted", stages.ACTIONS_COUNTED)
    else:
        run.alias("actions_counted", "actions")
    cap = int(max_bucket_events)
    run.stage("busy_buckets", stages.BUSY_BUCKETS, cap=cap)
    if run.frames["busy_buckets"].isEmpty():
        run.alias("actions_sampled", "actions_counted")
    else:
        run.stage("actions_sampled", stages.ACTIONS_SAMPLED, cap=cap)
    return _Open(run, actors, objects, len(windows))


def _counted(
    run: _Run, state: _Open, candidates: list[int], counts: list[pa.Table | None]
) -> list[CoActionTables]:
    """Each window's tables before any pair is described (see duckdb._counted)."""
    names = state.actors.dictionary
    stats = run.query(stages.ACTOR_STATS)
    actors = pa.table(
        {
            "actor": names.take(stats["actor"]),
            "actions": pc.cast(stats["actions"], pa.int64()),
            "objects": pc.cast(stats["objects"], pa.int64()),
        }
    )
    objects = [
        pa.table(
            {
                "object": state.objects.dictionary.take(t["object"]),
                "actions": pc.cast(t["actions"], pa.int64()),
                "actors": pc.cast(t["actors"], pa.int64()),
                "close_pairs": pc.cast(t["close_pairs"], pa.int64()),
                "capped": pc.cast(t["capped"], pa.bool_()),
                "crowd": pc.cast(t["crowd"], pa.bool_()),
                "source": names.take(t["source"]),
                "audience": pc.cast(t["has_audience"], pa.bool_()),
            }
        )
        for t in _by_window(run.query(stages.OBJECT_STATS), state.windows)
    ]
    out = []
    for k, c in enumerate(counts):
        pairs = (
            _NO_COUNTS
            if c is None
            else pa.table(
                {
                    "actor": names.take(c["actor"]),
                    "actor_y": names.take(c["actor_y"]),
                    "weight": pc.cast(c["weight"], pa.int64()),
                    "sources": pc.cast(c["sources"], pa.int64()),
                    "audience": pc.cast(c["audience"], pa.int64()),
                    "other_sources": pc.cast(c["other_sources"], pa.int64()),
                }
            )
        )
        out.append(CoActionTables(candidates[k], pairs, _NO_EVIDENCE, actors, objects[k]))
    return out


def _described(
    state: _Open, counted: list[CoActionTables], evidence_per_pair: int
) -> list[CoActionTables]:
    """The pairs of ``kept_pair_objects`` described, with their evidence, at each window; ends
    the run."""
    run, n = state.run, state.windows
    pairs = _by_window(run.query(stages.DESCRIBED_PAIRS), n)
    evidence = _by_window(run.query(stages.EVIDENCE, per_pair=int(evidence_per_pair)), n)
    run.close()
    names = state.actors.dictionary
    return [
        CoActionTables(
            candidate_pairs=tables.candidate_pairs,
            pairs=pa.table(
                {
                    "actor": names.take(pairs[k]["actor"]),
                    "actor_y": names.take(pairs[k]["actor_y"]),
                    "weight": pc.cast(pairs[k]["weight"], pa.int64()),
                    "sources": pc.cast(pairs[k]["sources"], pa.int64()),
                    "co_actions": pc.cast(pairs[k]["co_actions"], pa.int64()),
                    "median_delay_seconds": pc.cast(pairs[k]["median_delay_seconds"], pa.float64()),
                    "first_time": pairs[k]["first_time"],
                    "last_time": pairs[k]["last_time"],
                }
            ),
            evidence=pa.table(
                {
                    "actor": names.take(evidence[k]["actor"]),
                    "actor_y": names.take(evidence[k]["actor_y"]),
                    "object": state.objects.dictionary.take(evidence[k]["object"]),
                    "time": evidence[k]["time"],
                    "time_y": evidence[k]["time_y"],
                }
            ),
            actors=tables.actors,
            objects=tables.objects,
        )
        for k, tables in enumerate(counted)
    ]


def _by_window(table: pa.Table, n: int) -> list[pa.Table]:
    """A table ordered by ``window_id`` as one table per window."""
    ids = table["window_id"].to_numpy()
    if len(ids) > 1 and (np.diff(ids) < 0).any():
        raise RuntimeError("concerted: a query's rows came back out of window order (a bug).")
    bounds = np.searchsorted(ids, np.arange(n + 1))
    return [table.slice(bounds[k], bounds[k + 1] - bounds[k]) for k in range(n)]
