"""The results contract: every table a detection run writes, declared once, and a reader of results
folders.

A run (:func:`concerted.detect`) produces five tables that :func:`concerted.write_results` writes
as ``edges``, ``evidence``, ``groups``, ``actors`` and ``group_actions`` (``.csv``, ``.parquet``,
``.json``): the last holds what every group did, so that a group no pair proves (found by the
group test) still shows its objects and timeline wherever it is read. Each has one :class:`pyarrow.Schema` here
(:data:`SCHEMAS`), each column with its docstring (the field's ``doc`` metadata, see
:func:`describe`). The pipeline builds its tables through :func:`conform`, so every column is
always present, in this order and of this type; a column that does not apply to a run is present
and null.

In memory, times are epoch seconds (``float64``, :data:`TIME_COLUMNS`); Parquet and JSON files
hold them as UTC timestamps, CSV files as ISO 8601 text (:func:`file_schema`).

One exception keeps the files as they have always been: some columns only some runs fill, and
the other runs leave them out of their *files*: those only a test against a null model fills
(:data:`TESTED_ONLY`, empty in classic mode), those only a run on an evidence store fills
(:data:`STORE_ONLY`, what was deleted upstream) and those only a peer's reproduction fills
(:data:`PEER_ONLY`: ``--peer qut``'s directed weights, ``--peer coortweet``'s columns);
:func:`file_columns` names the columns a file holds. The reader puts them back (null), so
whoever reads a folder sees every column of the
contract.

Readers (the web app, :mod:`concerted.evaluate`) go through :func:`open_results`: the tables of a
results folder, its summary and its manifest, and rows queried by column name with the values
bound, never SQL of their own.

Example
-------
>>> [f.name for f in SCHEMAS["evidence"]]
['actor', 'actor_y', 'object', 'time', 'time_y', 'group', 'layer', 'text', 'text_y', 'deleted', 'deleted_y']
>>> file_columns("evidence")  # in evidence.csv of a run that read no evidence store
['actor', 'actor_y', 'object', 'time', 'time_y', 'group']
>>> describe("evidence")["time_y"]
'When ``actor_y`` acted on ``object`` (the closest of its actions to ``time``).'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .errors import SchemaError
from .sql import connect, identifier, literal

TIME = "epoch seconds (float64) in memory; a UTC timestamp in Parquet and JSON, ISO 8601 in CSV"
_WHEN = f"Times are {TIME}."


def table_schema(doc: str, *columns: tuple[str, pa.DataType, str]) -> pa.Schema:
    """A table declared once: its docstring and each column's ``(name, type, docstring)``.
    The detector's tables are declared with it below; a lens declares its own the same way
    (:data:`concerted.lenses.signups.lens.REGISTRATIONS`) and checks them with
    :func:`check_declared`."""
    return pa.schema(
        [pa.field(name, kind, metadata={"doc": text}) for name, kind, text in columns],
        metadata={"doc": doc},
    )


EDGES = table_schema(
    "The coordinated pairs, one row per unordered pair of actors (``actor < actor_y``), strongest "
    "first. " + _WHEN,
    ("actor", pa.string(), "One actor of the pair (the smaller name)."),
    ("actor_y", pa.string(), "The other actor of the pair."),
    (
        "weight",
        pa.int64(),
        "Distinct objects both acted on within ``window_seconds``; with ``--peer qut``, the "
        "larger of ``weight_ab`` and ``weight_ba``.",
    ),
    (
        "sources",
        pa.int64(),
        "Distinct sources of those objects (an object's author when the log names it, else "
        "whoever acted on it first): objects of one source count once.",
    ),
    ("co_actions", pa.int64(), "Pairs of their actions within the window, over all objects."),
    (
        "median_delay_seconds",
        pa.float64(),
        "Median, over the objects, of the closest gap between the two actors' actions.",
    ),
    ("first_time", pa.float64(), "The pair's first co-action."),
    ("last_time", pa.float64(), "The pair's last co-action."),
    ("window_seconds", pa.float64(), "The window the pair was judged at (its best one)."),
    (
        "weight_ab",
        pa.int64(),
        "How many of ``actor``'s actions met one of ``actor_y``'s on the same object within the "
        "window: coordination-network-toolkit's directed weight ``actor -> actor_y``. "
        "``--peer qut`` runs only.",
    ),
    ("weight_ba", pa.int64(), "The same from ``actor_y``'s side. ``--peer qut`` runs only."),
    (
        "observed",
        pa.int64(),
        "What the test that judged the pair counted (distinct sources, or reactions to an "
        "audience's posts). Tested runs only.",
    ),
    ("expected", pa.float64(), "What chance predicts for ``observed``. Tested runs only."),
    (
        "p_value",
        pa.float64(),
        "The test's p-value (Bonferroni over the windows). Tested runs only.",
    ),
    ("q_value", pa.float64(), "Benjamini-Hochberg q-value over every pair. Tested runs only."),
    (
        "strength",
        pa.float64(),
        "How much the pair weighs in the network: -log10 p_value in a tested run, else ``weight``.",
    ),
    (
        "test",
        pa.string(),
        "The test that judged the pair: ``sources`` or ``audience``. Tested runs only.",
    ),
    ("group", pa.int64(), "The group both actors belong to; null when they are not in one."),
    (
        "layers",
        pa.string(),
        "The layers the pair co-acted in, joined by ``+``: ``co-action`` (the log's objects), "
        "``text`` (near-duplicate texts, ``--text``). Runs with a text layer only.",
    ),
    (
        "weight_threshold",
        pa.int64(),
        "1 when ``weight`` is above the ``edge_weight_quantile`` quantile of the weights, else 0. "
        "``--peer coortweet`` only.",
    ),
    ("avg_time_delta", pa.float64(), "Mean gap of the pair's content pairs. ``--peer coortweet`` only."),
    ("n_content_id", pa.int64(), "Distinct older shares among them. ``--peer coortweet`` only."),
    ("n_content_id_y", pa.int64(), "Distinct newer shares among them. ``--peer coortweet`` only."),
    (
        "edge_symmetry_score",
        pa.float64(),
        "``min / max`` of ``n_content_id`` and ``n_content_id_y``. ``--peer coortweet`` only.",
    ),
    (
        "weight_fast",
        pa.int64(),
        "Content pairs within ``fast_window_seconds``; null when none. ``--peer coortweet`` with a "
        "fast window only.",
    ),
    (
        "weight_threshold_fast",
        pa.int64(),
        "``weight_threshold`` of the fast network (its own quantile). ``--peer coortweet`` with a "
        "fast window only.",
    ),
)  # fmt: skip

EVIDENCE = table_schema(
    "The co-actions behind each edge (a few per pair), ordered by pair and time. " + _WHEN,
    ("actor", pa.string(), "One actor of the pair."),
    ("actor_y", pa.string(), "The other actor of the pair."),
    ("object", pa.string(), "The object both acted on."),
    ("time", pa.float64(), "When ``actor`` acted on ``object``."),
    ("time_y", pa.float64(), "When ``actor_y`` acted on ``object`` (the closest of its actions to ``time``)."),
    ("group", pa.int64(), "The group both actors belong to; null when they are not in one."),
    (
        "layer",
        pa.string(),
        "The layer of ``object``: ``text`` for a cluster of near-duplicate texts "
        "(``text:<cluster>``), else ``co-action``. Runs with a text layer only.",
    ),
    ("text", pa.string(), "``actor``'s text in that action. Runs with a text layer only."),
    ("text_y", pa.string(), "``actor_y``'s text in its action. Runs with a text layer only."),
    ("deleted", pa.bool_(), "Whether ``actor``'s action was deleted upstream. Store runs only."),
    ("deleted_y", pa.bool_(), "Whether ``actor_y``'s action was deleted upstream. Store runs only."),
)  # fmt: skip

GROUPS = table_schema(
    "One row per coordinated group, numbered from 1. " + _WHEN,
    ("group", pa.int64(), "The group's number."),
    ("size", pa.int64(), "Its members."),
    ("edges", pa.int64(), "Coordinated pairs inside it."),
    ("density", pa.float64(), "``edges`` over the pairs its members could form."),
    ("objects", pa.int64(), "Distinct objects two or more members acted on."),
    ("actions", pa.int64(), "The members' actions on those objects."),
    ("first_time", pa.float64(), "Its first co-action (or shared action)."),
    ("last_time", pa.float64(), "Its last co-action (or shared action)."),
    ("median_delay_seconds", pa.float64(), "Approximate median of its pairs' median delays."),
    (
        "observed",
        pa.int64(),
        "Summed over its pairs, what their tests counted (``sources`` in an untested run); "
        "for a group no pair proves, summed over its members' group tests.",
    ),
    ("expected", pa.float64(), "What chance predicts for ``observed``; null in an untested run."),
    (
        "score",
        pa.float64(),
        "The sum of its pairs' (and group-test-only members') strengths: how far it is from an "
        "organic crowd.",
    ),
    ("joined_by_group_test", pa.int64(), "Members admitted by the group test, not by any pair."),
    (
        "top_source",
        pa.string(),
        "The account whose objects draw most of the group's actions; null when none stands out.",
    ),
    ("top_source_share", pa.float64(), "The share of the group's actions on ``top_source``'s objects."),
    (
        "layers",
        pa.string(),
        "The layers its pairs co-acted in (``co-action``, ``text``, ``co-action+text``). Runs "
        "with a text layer only.",
    ),
    ("deleted_actions", pa.int64(), "How many of its shared actions were deleted upstream. Store runs only."),
)  # fmt: skip

ACTORS = table_schema(
    "One row per actor in a group, by group then decreasing strength.",
    ("actor", pa.string(), "The actor."),
    ("group", pa.int64(), "Its group."),
    ("score", pa.float64(), "Its strength over the strongest member's: 1.0 for the most central."),
    ("degree", pa.int64(), "Its coordinated pairs inside the group."),
    ("strength", pa.float64(), "The summed strength of those pairs."),
    ("actions", pa.int64(), "Its actions in the whole log."),
    (
        "evidence",
        pa.string(),
        "Why it is in the group: ``pairs`` (a core member), ``group`` (admitted by the group "
        "test) or ``pairs+group``. Tested runs only.",
    ),
    ("observed", pa.int64(), "The group's objects it acted on in step (its group test). Tested runs only."),
    ("expected", pa.float64(), "What its activity predicts for ``observed``. Tested runs only."),
    ("p_value", pa.float64(), "The p-value of its group test. Tested runs only."),
    (
        "delay_after_source_seconds",
        pa.float64(),
        "Its median delay after the posts it reacted to; null when unknown.",
    ),
    (
        "deleted_actions",
        pa.int64(),
        "How many of its actions in the log were deleted upstream. Store runs only.",
    ),
)  # fmt: skip

GROUP_ACTIONS = table_schema(
    "The members' actions on the objects their group shares (the timelines, objects and "
    "members' actions of the report and the web app), by group and time. " + _WHEN,
    ("group", pa.int64(), "The group."),
    ("actor", pa.string(), "The member who acted."),
    ("action", pa.string(), "The kind of action, as in the log."),
    ("object", pa.string(), "The object acted on."),
    ("time", pa.float64(), "When it acted."),
    ("text", pa.string(), "The action's text, when the log has one."),
    ("row", pa.int64(), "The action's row in the log."),
    ("members", pa.int64(), "How many members of the group acted on the object."),
    (
        "deleted_after",
        pa.float64(),
        "The last snapshot time the action was seen at, if it was deleted upstream (``row`` is "
        "then its id in the store). Store runs only.",
    ),
    (
        "deleted_before",
        pa.float64(),
        "The first snapshot time it was missing from, if it was deleted upstream. Store runs only.",
    ),
)

SCHEMAS: dict[str, pa.Schema] = {
    "edges": EDGES,
    "evidence": EVIDENCE,
    "groups": GROUPS,
    "actors": ACTORS,
    "group_actions": GROUP_ACTIONS,
}
# The tables written to a results folder (the order in which the files are listed).
TABLES = ("actors", "groups", "edges", "evidence", "group_actions")
# Columns holding times (epoch seconds in memory).
TIME_COLUMNS = ("time", "time_y", "first_time", "last_time")
# Columns only a test against a null model fills: a run that tested nothing leaves them out of
# its files (as it always has), and the reader puts them back, null.
TESTED_ONLY: dict[str, tuple[str, ...]] = {
    "edges": ("observed", "expected", "p_value", "q_value", "test"),
    "actors": ("evidence", "observed", "expected", "p_value"),
}
# Columns only a run on an evidence store fills (concerted.store.mark_deleted): the other runs
# leave them out of their files, and the reader puts them back, null.
STORE_ONLY: dict[str, tuple[str, ...]] = {
    "evidence": ("deleted", "deleted_y"),
    "groups": ("deleted_actions",),
    "actors": ("deleted_actions",),
    "group_actions": ("deleted_after", "deleted_before"),
}
# Columns only a run with layers besides the log's own objects fills (``--text``:
# concerted.layers): the other runs leave them out of their files, and the reader puts them back,
# null.
LAYERED_ONLY: dict[str, tuple[str, ...]] = {
    "edges": ("layers",),
    "evidence": ("layer", "text", "text_y"),
    "groups": ("layers",),
}
# Columns only a peer's reproduction fills (``--peer NAME``: concerted.detectors.qut and
# .coortweet), by peer: the other runs leave them out of their files, and the reader puts them
# back, null.
PEER_ONLY: dict[str, dict[str, tuple[str, ...]]] = {
    "qut": {"edges": ("weight_ab", "weight_ba")},
    "coortweet": {
        "edges": (
            "weight_threshold",
            "avg_time_delta",
            "n_content_id",
            "n_content_id_y",
            "edge_symmetry_score",
            "weight_fast",
            "weight_threshold_fast",
        ),
    },
}
_DUCKDB_TYPES = {
    pa.string(): "VARCHAR",
    pa.int64(): "BIGINT",
    pa.float64(): "DOUBLE",
    pa.bool_(): "BOOLEAN",
    pa.timestamp("us", tz="UTC"): "TIMESTAMPTZ",
}
# A CSV cell that starts with one of these has ``'`` put before it (outputs.guard_cell).
_GUARDED = r"^'[=+\-@\t\r]"


@dataclass(frozen=True)
class Range:
    """A condition of a query's ``where``: the column lies between ``low`` and ``high``, both
    included (None leaves that end open). Times are given as UTC datetimes."""

    low: Any = None
    high: Any = None


def _plain(schema: pa.Schema) -> pa.Schema:
    """``schema`` without its docs (so that tables and files carry none)."""
    return pa.schema([f.remove_metadata() for f in schema])


def describe(name: str) -> dict[str, str]:
    """The docstring of each column of table ``name``, by column."""
    return {f.name: f.metadata[b"doc"].decode() for f in _table_schema(name)}


def empty(name: str) -> pa.Table:
    """Table ``name`` with no rows."""
    return _plain(_table_schema(name)).empty_table()


def conform(name: str, table: pa.Table) -> pa.Table:
    """``table`` as the contract declares table ``name``: every column, in order, of its type;
    the columns ``table`` lacks are added, null. A column the contract does not declare is an
    error (declare it here first).

    >>> import pyarrow as pa
    >>> t = conform("actors", pa.table({"group": [1], "actor": ["a1"]}))
    >>> t.column_names[:3], t["score"].to_pylist()
    (['actor', 'group', 'score'], [None])
    """
    schema = _plain(_table_schema(name))
    extra = [c for c in table.column_names if c not in schema.names]
    if extra:
        raise SchemaError(
            f"The {name} table has column(s) the results contract does not declare: "
            f"{', '.join(extra)}. Declare them in concerted.results.{name.upper()}."
        )
    columns = [
        table[f.name].cast(f.type)
        if f.name in table.column_names
        else pa.nulls(table.num_rows, f.type)
        for f in schema
    ]
    return pa.Table.from_arrays(columns, schema=schema)


def file_columns(
    name: str,
    *,
    tested: bool = True,
    stored: bool = False,
    peer: str | bool | None = None,
    layered: bool = False,
) -> list[str]:
    """The columns a results file of table ``name`` holds: all of them, but those of
    :data:`TESTED_ONLY` when the run tested nothing, those of :data:`STORE_ONLY` when it
    did not read an evidence store (``stored``), those of :data:`PEER_ONLY` but the ones
    of ``peer`` (the registry key of the peer a run reproduced; ``True``: every peer's), and
    those of :data:`LAYERED_ONLY` when the run had no layer besides the log's objects."""
    left_out = set() if tested else set(TESTED_ONLY.get(name, ()))
    if not layered:
        left_out |= set(LAYERED_ONLY.get(name, ()))
    if not stored:
        left_out |= set(STORE_ONLY.get(name, ()))
    for key, tables in PEER_ONLY.items():
        if peer is not True and key != peer:
            left_out |= set(tables.get(name, ()))
    return [c for c in _table_schema(name).names if c not in left_out]


def file_schema(
    name: str,
    *,
    tested: bool = True,
    stored: bool = False,
    peer: str | bool | None = None,
    layered: bool = False,
) -> pa.Schema:
    """The schema of ``name``.parquet: :func:`file_columns`, times as UTC timestamps."""
    schema = _plain(_table_schema(name))
    return pa.schema(
        [
            pa.field(c, pa.timestamp("us", tz="UTC")) if c in TIME_COLUMNS else schema.field(c)
            for c in file_columns(name, tested=tested, stored=stored, peer=peer, layered=layered)
        ]
    )


def for_file(
    name: str,
    table: pa.Table,
    *,
    tested: bool = True,
    stored: bool = False,
    peer: str | bool | None = None,
    layered: bool = False,
) -> pa.Table:
    """``table`` (conforming to the contract) with the columns its file holds."""
    return table.select(
        file_columns(name, tested=tested, stored=stored, peer=peer, layered=layered)
    )


def check_declared(schema: pa.Schema, table: pa.Table, what: str) -> pa.Table:
    """``table`` unchanged if each of its columns is one ``schema`` declares, of the declared
    type and in the declared order (a table may leave out the columns its input lacked);
    otherwise :class:`~concerted.errors.SchemaError` names the columns that are not.

    >>> import pyarrow as pa
    >>> s = table_schema("t", ("a", pa.string(), "A."), ("b", pa.int64(), "B."))
    >>> check_declared(s, pa.table({"b": pa.array([1])}), "t").column_names
    ['b']
    >>> check_declared(s, pa.table({"b": [1], "a": ["x"]}), "t")
    Traceback (most recent call last):
    ...
    concerted.errors.SchemaError: The t table does not follow its declaration: b where a is declared.
    """
    problems = [c for c in table.column_names if c not in schema.names]
    problems += [
        f"{f.name} is {table.schema.field(f.name).type}, declared {f.type}"
        for f in schema
        if f.name in table.column_names and table.schema.field(f.name).type != f.type
    ]
    order = [c for c in schema.names if c in table.column_names]
    if not problems and order != table.column_names:
        problems = [
            f"{a} where {b} is declared"
            for a, b in zip(table.column_names, order, strict=True)
            if a != b
        ][:1]
    if problems:
        raise SchemaError(
            f"The {what} table does not follow its declaration: {'; '.join(problems)}."
        )
    return table


def _table_schema(name: str) -> pa.Schema:
    try:
        return SCHEMAS[name]
    except KeyError:
        raise SchemaError(
            f"No results table {name!r}. The tables are: {', '.join(SCHEMAS)}."
        ) from None


# The reader -------------------------------------------------------------------------------------


@dataclass
class Results:
    """A results folder, as :func:`open_results` opens it.

    Attributes
    ----------
    folder
        Where it is.
    summary
        ``summary.json`` (None when it is missing or unreadable).
    files
        The files the run wrote, from the folder's manifest (``.concerted``); empty without one.
    """

    folder: Path
    summary: dict[str, Any] | None = None
    files: list[str] = field(default_factory=list)

    def path(self, name: str) -> Path | None:
        """The file holding table ``name``: ``name``.parquet, else ``name``.csv, else None."""
        _table_schema(name)
        for suffix in ("parquet", "csv"):
            path = self.folder / f"{name}.{suffix}"
            if path.is_file():
                return path
        return None

    @property
    def tested(self) -> bool:
        """Whether the run tested its findings against a null model: its actors file holds the
        columns only a test fills (:data:`TESTED_ONLY`)."""
        path = self.path("actors")
        if path is None:
            return False
        con = connect()
        try:
            present, _ = _source(con, path, _plain(file_schema("actors", stored=True, peer=True)))
        finally:
            con.close()
        return set(TESTED_ONLY["actors"]) <= present

    def columns(self, name: str) -> list[str]:
        """The columns of the contract that the folder's file of table ``name`` holds (a run
        leaves out those it does not fill, see :func:`file_columns`); none if it lacks the file."""
        path = self.path(name)
        if path is None:
            return []
        schema = _plain(file_schema(name, stored=True, peer=True))
        con = connect()
        try:
            present, _ = _source(con, path, schema)
        finally:
            con.close()
        return [c for c in schema.names if c in present]

    def has(self, name: str) -> bool:
        """Whether the folder holds table ``name``."""
        return self.path(name) is not None

    def table(self, name: str, columns: Sequence[str] | None = None) -> pa.Table:
        """Table ``name`` (every column of the contract, or ``columns``), times as UTC
        timestamps. Names are as the run found them: the ``'`` a CSV puts before a text a
        spreadsheet would run is taken off again. :class:`SchemaError` if the folder lacks it."""
        return self._query(name, columns=columns)

    def rows(
        self,
        name: str,
        *,
        where: Mapping[str, Any] | None = None,
        order: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
        search: str | None = None,
    ) -> list[dict[str, Any]]:
        """Rows of table ``name`` as dicts (times as UTC datetimes); none if the folder lacks it.

        ``where`` keeps the rows whose columns equal the given values, equal one of a list of
        them, or lie in a :class:`Range` (bound, never pasted into SQL); ``search`` keeps those with the text, in
        any case, in one of their text columns; ``order`` lists columns, each optionally followed
        by `` DESC``; ``limit`` and ``offset`` page. Column names are checked against the contract.
        """
        if not self.has(name):
            return []
        return self._query(
            name, where=where, order=order, limit=limit, offset=offset, search=search
        ).to_pylist()

    def count(
        self, name: str, *, where: Mapping[str, Any] | None = None, search: str | None = None
    ) -> int:
        """How many rows of table ``name`` match ``where`` and ``search`` (as in :meth:`rows`); 0
        if the folder lacks it."""
        return self._aggregate(name, "count(*)", where, search)[0][0] if self.has(name) else 0

    def facet(
        self,
        name: str,
        column: str,
        *,
        where: Mapping[str, Any] | None = None,
        search: str | None = None,
        limit: int = 10,
    ) -> list[tuple[Any, int]]:
        """The ``limit`` commonest values of ``column`` among the rows matching ``where`` and
        ``search`` (as in :meth:`rows`), each with its count: most rows first, then by value."""
        if not self.has(name):
            return []
        q = identifier(self._column(name, column))
        return [
            (v, n)
            for v, n in self._aggregate(
                name, f"{q}, count(*) AS n", where, search,
                f"GROUP BY {q} ORDER BY n DESC, {q} NULLS LAST LIMIT {int(limit)}",
            )
        ]  # fmt: skip

    def time_counts(
        self,
        name: str,
        column: str,
        start: float,
        end: float,
        bins: int,
        *,
        where: Mapping[str, Any] | None = None,
        search: str | None = None,
    ) -> list[int]:
        """How many rows matching ``where`` and ``search`` fall in each of ``bins`` equal spans of
        time from ``start`` to ``end`` (epoch seconds, both included) in the time column
        ``column``."""
        counts = [0] * bins
        if not self.has(name):
            return counts
        q = identifier(self._column(name, column))
        width = max(end - start, 1e-9) / bins
        span = f"(epoch({q}) - {float(start)!r}) / {width!r}"
        rows = self._aggregate(
            name, f"least({bins - 1}, CAST(floor({span}) AS BIGINT)) AS b, count(*)", where, search,
            "GROUP BY b", f"epoch({q}) BETWEEN {float(start)!r} AND {float(end)!r}",
        )  # fmt: skip
        for b, n in rows:
            counts[b] += n
        return counts

    def _column(self, name: str, column: str) -> str:
        if column not in _plain(file_schema(name, stored=True, peer=True)).names:
            raise SchemaError(f"The {name} table has no column {column!r}.")
        return column

    def _aggregate(self, name, what, where, search, tail="", condition="") -> list[tuple]:
        """``SELECT what`` over the rows of ``name`` matching ``where``, ``search`` and the
        ``condition`` (SQL of constants), then ``tail`` (grouping): values are bound."""
        path = self.path(name)
        schema = _plain(file_schema(name, stored=True, peer=True))
        _check_columns(name, schema, list(where or {}))
        con = connect()
        try:
            source, params = _filtered(con, path, schema, where or {}, search)
            if condition:
                source = f"(SELECT * FROM {source} WHERE {condition})"
            return con.sql(f"SELECT {what} FROM {source} {tail}", params=params).fetchall()
        finally:
            con.close()

    def select(
        self,
        name: str,
        *,
        where: Mapping[str, Any] | None = None,
        order: Sequence[str] = (),
        limit: int | None = None,
    ) -> pa.Table:
        """Rows of table ``name`` as :func:`concerted.detect` holds them in memory (times in epoch
        seconds, every column of the contract), so that what a run computes in memory (the
        report's views) can be computed again from its folder. Empty if the folder lacks it."""
        if not self.has(name):
            return empty(name)
        table = self._query(name, where=where, order=order, limit=limit)
        schema = _plain(_table_schema(name))
        columns = [  # by name: a column the folder's file leaves out (a layer's) is all null
            pa.nulls(table.num_rows, f.type)
            if f.name not in table.column_names
            else pc.divide(
                pc.cast(pc.cast(table[f.name], pa.timestamp("us", tz="UTC")), pa.int64()), 1e6
            )
            if f.name in TIME_COLUMNS
            else table[f.name]
            for f in schema
        ]
        return pa.Table.from_arrays(columns, schema=schema)

    def _query(
        self,
        name: str,
        *,
        columns: Sequence[str] | None = None,
        where: Mapping[str, Any] | None = None,
        order: Sequence[str] = (),
        limit: int | None = None,
        offset: int = 0,
        search: str | None = None,
    ) -> pa.Table:
        path = self.path(name)
        if path is None:
            raise SchemaError(
                f"{self.folder} has no {name}.parquet or {name}.csv: it is not a results folder "
                "of concerted, or the run wrote other formats."
            )
        schema = _plain(file_schema(name, stored=True, peer=True))
        wanted = list(columns) if columns is not None else schema.names
        keys = list(where or {})
        sorting = [(o.removesuffix(" DESC"), o.endswith(" DESC")) for o in order]
        _check_columns(name, schema, [*wanted, *keys, *(c for c, _ in sorting)])
        con = connect()
        try:
            source, params = _filtered(con, path, schema, where or {}, search)
            sql = f"SELECT {', '.join(identifier(c) for c in wanted)} FROM {source}"
            if sorting:
                sql += " ORDER BY " + ", ".join(
                    identifier(c) + (" DESC" if desc else "") for c, desc in sorting
                )
            if limit is not None:
                sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
            return con.sql(sql, params=params).to_arrow_table()
        finally:
            con.close()


def _check_columns(name: str, schema: pa.Schema, columns: Sequence[str]) -> None:
    unknown = [c for c in columns if c not in schema.names]
    if unknown:
        raise SchemaError(
            f"The {name} table has no column(s) {', '.join(map(repr, unknown))}. "
            f"Its columns are: {', '.join(schema.names)}."
        )


def _filtered(con, path: Path, schema: pa.Schema, where: Mapping[str, Any], search: str | None):
    """The SQL of the rows of the file at ``path`` that match ``where`` and ``search``, every
    column of ``schema`` as the contract has it (a column the file leaves out is null; the ``'``
    a CSV puts before a text a spreadsheet would run is taken off), and its bound parameters."""
    present, source = _source(con, path, schema)
    select = []
    for f in schema:
        q = identifier(f.name)
        if f.name not in present:
            select.append(f"CAST(NULL AS {_DUCKDB_TYPES[f.type]}) AS {q}")
        elif path.suffix == ".csv" and f.type == pa.string():
            select.append(f"CASE WHEN regexp_matches({q}, {literal(_GUARDED)}) THEN {q}[2:] ELSE {q} END AS {q}")  # fmt: skip
        else:
            select.append(q)
    conditions, params = [], []
    for column, value in where.items():
        q = identifier(column)
        if isinstance(value, Range):
            for bound, op in ((value.low, ">="), (value.high, "<=")):
                if bound is not None:
                    conditions.append(f"{q} {op} ?")
                    params.append(bound)
        elif isinstance(value, list | tuple | frozenset | set):  # one of these values
            values = sorted(value)
            conditions.append(f"{q} IN ({', '.join('?' * len(values))})" if values else "FALSE")
            params += values
        else:
            conditions.append(f"{q} = ?")
            params.append(value)
    texts = [f.name for f in schema if f.type == pa.string() and f.name in present]
    if search and texts:  # in any case; no pattern characters to escape
        conditions.append(
            "(" + " OR ".join(f"contains(lower({identifier(c)}), ?)" for c in texts) + ")"
        )
        params += [search.lower()] * len(texts)
    elif search:
        conditions.append("FALSE")
    sql = f"(SELECT * FROM (SELECT {', '.join(select)} FROM {source})"
    if conditions:
        sql += " WHERE " + " AND ".join(conditions)
    return sql + ")", params


def _source(con, path: Path, schema: pa.Schema) -> tuple[set[str], str]:
    """The columns the file at ``path`` holds and the SQL that reads it (text columns of a CSV
    read as text, whatever they look like)."""
    if path.suffix == ".parquet":
        source = f"read_parquet({literal(str(path))})"
        return set(con.sql(f"SELECT * FROM {source} LIMIT 0").columns), source
    header = con.sql(f"SELECT * FROM read_csv({literal(str(path))}) LIMIT 0").columns
    text = [c for c in header if c in schema.names and schema.field(c).type == pa.string()]
    types = ", ".join(f"{literal(c)}: 'VARCHAR'" for c in text)
    return set(header), f"read_csv({literal(str(path))}" + (
        f", types={{{types}}})" if text else ")"
    )


def open_results(folder: str | Path) -> Results:
    """The results folder ``folder`` (as :func:`concerted.write_results` writes it), to read.

    >>> results = open_results("no/such/folder")
    >>> results.summary, results.files, results.rows("groups")
    (None, [], [])
    """
    folder = Path(folder)
    try:
        summary = json.loads((folder / "summary.json").read_text("utf-8"))
    except (OSError, ValueError):
        summary = None
    try:
        files = json.loads((folder / ".concerted").read_text("utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        files = []
    return Results(folder, summary, files)
