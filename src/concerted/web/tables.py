"""A run's tables as the web app browses them, the way datasette does: filter by a column's value
or range, facet (the commonest values of a column, each with its count, one click from a filter),
search the text columns, sort by any column, page with a count, a timeline of the rows shown
(drag to select a span of time, zoom, reset) and export what is shown as CSV.

The state of a table is its query string, so every view is a link (datasette's conventions):
``column=value`` keeps the rows where the column equals the value, ``column__gte`` and
``column__lte`` the rows from or up to a value (times in ISO 8601 or epoch seconds), ``_search``
a text, ``_sort`` / ``_sort_desc`` a column, ``_page`` a page, ``_facet`` more columns to count,
``_sure`` the rows of the groups of that strength in words (``strong``: see
:func:`concerted.confidence.describe_strength`), which every table with a ``group`` column
facets by.
The rows are read by :class:`concerted.results.Results` (DuckDB over the run's Parquet or CSV
files, every value bound); :mod:`.app` renders what :func:`table_page` returns.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pyarrow as pa

from ..confidence import LEVELS, describe_strength
from ..errors import ParameterError
from ..outputs import guard_cell
from ..results import SCHEMAS, TIME_COLUMNS, Range, Results
from .browse import PAGE_ROWS

# The tables offered: title, the columns counted unasked (those the file holds), time column.
TABLES = {
    "groups": ("Groups", ("layers", "top_source"), "first_time"),
    "actors": ("Members of groups", ("group", "evidence"), None),
    "edges": ("Links (coordinated pairs)", ("group", "test", "layers"), "first_time"),
    "evidence": ("Evidence (co-actions of linked pairs)", ("group", "layer", "deleted"), "time"),
    "group_actions": ("Actions of the groups", ("group", "action"), "time"),
}
FACET_VALUES = 10  # values listed per facet
TIMELINE_BINS = 60
OPERATORS = {"=": "", ">=": "__gte", "<=": "__lte"}
SURE = "how sure"  # the facet of the groups' strength in words
SURE_WORDS = (*(w for _, w in reversed(LEVELS)), "untested")  # strongest first


@dataclass
class TableQuery:
    """What a person asked of a table: its filters (``column: value`` or ``column:``
    :class:`Range`), search, sort, page and the facets asked beyond the table's own."""

    name: str
    where: dict[str, Any] = field(default_factory=dict)
    search: str = ""
    sort: str = ""
    desc: bool = False
    page: int = 1
    facets: list[str] = field(default_factory=list)
    sure: str = ""

    def params(self) -> list[tuple[str, str]]:
        """The query string's pairs that give this view again."""
        pairs: list[tuple[str, str]] = []
        for column, value in self.where.items():
            if isinstance(value, Range):
                pairs += [
                    (column + suffix, _text(v))
                    for suffix, v in (("__gte", value.low), ("__lte", value.high))
                    if v is not None
                ]
            else:
                pairs.append((column, _text(value)))
        if self.sure:
            pairs.append(("_sure", self.sure))
        if self.search:
            pairs.append(("_search", self.search))
        if self.sort:
            pairs.append(("_sort_desc" if self.desc else "_sort", self.sort))
        pairs += [("_facet", f) for f in self.facets]
        if self.page > 1:
            pairs.append(("_page", str(self.page)))
        return pairs

    def link(self, **changes) -> str:
        """``?query`` of this view with ``changes`` (fields of this class); the page goes back to
        the first unless ``page`` is changed."""
        other = TableQuery(**{**self.__dict__, "where": dict(self.where), "page": 1, **changes})
        return "?" + urlencode(other.params())


def _text(value) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _check_name(name: str) -> None:
    if name not in TABLES:
        raise ParameterError(f"No table {name!r}. The tables are: {', '.join(TABLES)}.")


def parse_value(name: str, column: str, text: str):
    """``text`` as a value of ``column`` of table ``name`` (a number, a time, true or false);
    ParameterError naming the column if it cannot be one.

    >>> parse_value("group_actions", "group", " 3 ")
    3
    >>> parse_value("group_actions", "time", "2024-07-01T00:05:00Z")
    datetime.datetime(2024, 7, 1, 0, 5, tzinfo=datetime.timezone.utc)
    >>> parse_value("groups", "size", "many")
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: groups: size takes a number; got 'many'.
    """
    kind, text = SCHEMAS[name].field(column).type, text.strip()
    try:
        if column in TIME_COLUMNS:
            try:
                return datetime.fromtimestamp(float(text), UTC)
            except ValueError:
                t = datetime.fromisoformat(text)
                return (t if t.tzinfo else t.replace(tzinfo=UTC)).astimezone(UTC)
        if pa.types.is_integer(kind):
            return int(text)
        if pa.types.is_floating(kind):
            value = float(text)
            if not math.isfinite(value):
                raise ValueError(text)
            return value
        if pa.types.is_boolean(kind):
            return {"true": True, "false": False}[text.lower()]
    except (ValueError, KeyError, OverflowError):
        what = (
            "a time (ISO 8601, e.g. 2024-07-01T12:00:00Z, or epoch seconds)"
            if column in TIME_COLUMNS
            else "true or false"
            if pa.types.is_boolean(kind)
            else "a number"
        )
        raise ParameterError(f"{name}: {column} takes {what}; got {text!r}.") from None
    return text


def parse_query(name: str, pairs: Iterable[tuple[str, str]]) -> TableQuery:
    """The :class:`TableQuery` of a table's query string (``pairs`` as the request gives them).
    A filter form's ``_col``, ``_op`` and ``_val`` become one more filter. ParameterError for a
    column the table does not have, or a value its column cannot take.

    >>> q = parse_query("group_actions", [("group", "1"), ("time__gte", "0"), ("_sort_desc", "time")])
    >>> q.where["group"], q.where["time"].low.year, q.sort, q.desc
    (1, 1970, 'time', True)
    >>> q.link(page=2)
    '?group=1&time__gte=1970-01-01T00%3A00%3A00Z&_sort_desc=time&_page=2'
    """
    _check_name(name)
    columns = SCHEMAS[name].names
    query = TableQuery(name)
    pairs = list(pairs)
    form = dict(p for p in pairs if p[0] in ("_col", "_op", "_val"))
    if form.get("_col") and form.get("_val", "").strip():
        op = OPERATORS.get(form.get("_op", "="))
        if op is None:
            raise ParameterError(f"Filter with one of {', '.join(OPERATORS)}.")
        pairs.append((form["_col"] + op, form["_val"]))
    for key, text in pairs:
        if key in ("_col", "_op", "_val"):
            continue
        if key == "_search":
            query.search = text.strip()
        elif key == "_sure":
            if text not in SURE_WORDS or "group" not in columns:
                raise ParameterError(
                    f"_sure takes one of {', '.join(SURE_WORDS)}, in a table with a group "
                    f"column; got {text!r}."
                )
            query.sure = text
        elif key in ("_sort", "_sort_desc"):
            _check_column(name, text, columns)
            query.sort, query.desc = text, key == "_sort_desc"
        elif key == "_page":
            try:
                query.page = max(1, int(text))
            except ValueError:
                raise ParameterError(f"_page takes a page number; got {text!r}.") from None
        elif key == "_facet":
            _check_column(name, text, columns)
            if text not in query.facets:
                query.facets.append(text)
        else:
            column, _, bound = key.partition("__")
            _check_column(name, column, columns)
            if bound not in ("", "gte", "lte"):
                raise ParameterError(
                    f"{key}: filter with {column}, {column}__gte or {column}__lte."
                )
            value = parse_value(name, column, text)
            if not bound:
                query.where[column] = value
                continue
            old = query.where.get(column)
            old = old if isinstance(old, Range) else Range()
            query.where[column] = (
                Range(value, old.high) if bound == "gte" else Range(old.low, value)
            )
    return query


def _check_column(name: str, column: str, columns: list[str]) -> None:
    if column not in columns:
        raise ParameterError(
            f"The {name} table has no column {column!r}. Its columns are: {', '.join(columns)}."
        )


def _order(query: TableQuery, time_column: str | None) -> tuple[str, ...]:
    """The sort asked for; else, in a table with a time column, time order."""
    if query.sort:
        return (f"{query.sort} DESC" if query.desc else query.sort,)
    return (time_column,) if time_column else ()


def _shown(value):
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1e-3 and value else f"{value:,.2f}"
    return value


def _epoch(value) -> float | None:
    return value.timestamp() if isinstance(value, datetime) else None


def _timeline(results: Results, query: TableQuery, where: dict, column: str) -> dict | None:
    """The rows shown counted over time: the span selected (or all of it), and the whole span
    of the rows matching the other filters (what zooming out and resetting go back to)."""
    others = {k: v for k, v in where.items() if k != column}
    search = query.search or None
    first = results.rows(name := query.name, where=others, search=search, order=(column,), limit=1)
    last = results.rows(name, where=others, search=search, order=(f"{column} DESC",), limit=1)
    lo, hi = _epoch(first and first[0][column]), _epoch(last and last[0][column])
    if lo is None or hi is None:
        return None
    chosen = query.where.get(column)
    start, end = lo, hi
    if isinstance(chosen, Range):
        start = _epoch(chosen.low) if chosen.low is not None else lo
        end = _epoch(chosen.high) if chosen.high is not None else hi
    if end <= start:
        end = start + 1.0
    counts = results.time_counts(
        name, column, start, end, TIMELINE_BINS, where=where, search=search
    )
    return {"column": column, "start": start, "end": end, "all_start": lo, "all_end": hi,
            "counts": counts, "selected": isinstance(chosen, Range)}  # fmt: skip


def _strengths(results: Results) -> dict[int, str]:
    """Each group's strength in words (:func:`describe_strength`)."""
    tested = results.tested
    return {
        g["group"]: describe_strength(g["score"], g["size"], tested=tested)[1]
        for g in results.rows("groups")
    }


def _where(results: Results, query: TableQuery) -> dict[str, Any]:
    """The conditions of ``query`` as the reader takes them: ``_sure`` becomes the groups of
    that strength (within any filter of the group column)."""
    if not query.sure:
        return query.where
    groups = {g for g, words in _strengths(results).items() if words == query.sure}
    chosen = query.where.get("group")
    if isinstance(chosen, Range):
        groups = {
            g
            for g in groups
            if (chosen.low is None or g >= chosen.low) and (chosen.high is None or g <= chosen.high)
        }
    elif chosen is not None:
        groups &= {chosen}
    return {**query.where, "group": groups}


def _sure_facet(results: Results, query: TableQuery, where: dict, search: str | None) -> dict:
    """The rows shown counted by their group's strength in words, strongest first."""
    words = _strengths(results)
    counts: dict[str, int] = {}
    for group, n in results.facet(query.name, "group", where=where, search=search, limit=10**9):
        if group in words:
            counts[words[group]] = counts.get(words[group], 0) + n
    return {
        "column": SURE,
        "counts": [
            {
                "value": w,
                "count": counts[w],
                "selected": query.sure == w,
                "link": query.link(sure="" if query.sure == w else w),
            }
            for w in SURE_WORDS
            if w in counts
        ],
    }


def table_page(results: Results, query: TableQuery) -> dict:
    """One page of a table as :func:`parse_query` asked for it: its columns (with a link that
    sorts by each), rows, count and pager, facets (each value's count and the link that filters
    by it), the filters (each with the link that drops it), the timeline and the export link."""
    name = query.name
    title, own_facets, time_column = TABLES[name]
    columns = results.columns(name)
    search = query.search or None
    where = _where(results, query)
    total = results.count(name, where=where, search=search)
    pages = max(1, -(-total // PAGE_ROWS))
    page = min(query.page, pages)
    order = _order(query, time_column if time_column in columns else None)
    rows = results.rows(
        name,
        where=where,
        search=search,
        order=(*order, *columns),  # a total order: pages neither repeat nor skip a row
        limit=PAGE_ROWS,
        offset=(page - 1) * PAGE_ROWS,
    )
    facets = [_sure_facet(results, query, where, search)] if "group" in columns else []
    for column in dict.fromkeys([*own_facets, *query.facets]):
        if column not in columns:
            continue
        chosen = query.where.get(column)
        values = []
        for value, count in results.facet(
            name, column, where=where, search=search, limit=FACET_VALUES
        ):
            if value is None:
                continue
            selected = chosen == value
            asked = {k: v for k, v in query.where.items() if not (k == column and selected)}
            if not selected:
                asked[column] = value
            values.append({"value": _shown(value), "count": count, "selected": selected,
                           "link": query.link(where=asked)})  # fmt: skip
        facets.append({"column": column, "counts": values})
    filters = []
    for column, value in query.where.items():
        rest = {k: v for k, v in query.where.items() if k != column}
        if isinstance(value, Range):
            label = " and ".join(
                f"{column} {op} {_shown(v)}"
                for op, v in ((">=", value.low), ("<=", value.high))
                if v is not None
            )
        else:
            label = f"{column} = {_shown(value)}"
        filters.append({"label": label, "link": query.link(where=rest)})
    if query.sure:
        filters.append({"label": f"{SURE} = {query.sure}", "link": query.link(sure="")})
    timeline = _timeline(results, query, where, time_column) if time_column in columns else None
    return {
        "name": name,
        "title": title,
        "columns": columns,
        "sorts": {
            c: query.link(sort=c, desc=(query.sort == c and not query.desc)) for c in columns
        },
        "rows": [{c: _shown(r[c]) for c in columns} for r in rows],
        "total": total,
        "page": page,
        "pages": pages,
        "first": (page - 1) * PAGE_ROWS + 1 if total else 0,
        "last": (page - 1) * PAGE_ROWS + len(rows),
        "previous": query.link(page=page - 1) if page > 1 else None,
        "next": query.link(page=page + 1) if page < pages else None,
        "facets": facets,
        "filters": filters,
        "timeline": timeline,
        "query": query,
        "export": f"{name}.csv" + query.link(),
    }


def table_csv(results: Results, query: TableQuery) -> str:
    """Every row the view of ``query`` shows, over all its pages and in its order, as CSV
    (times in ISO 8601 UTC, each cell guarded against formula injection as the run's own
    files are)."""
    columns = results.columns(query.name)
    time_column = TABLES[query.name][2]
    order = _order(query, time_column if time_column in columns else None)
    rows = results.rows(
        query.name,
        where=_where(results, query),
        search=query.search or None,
        order=(*order, *columns),
    )
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for r in rows:
        writer.writerow(
            guard_cell(r[c].strftime("%Y-%m-%dT%H:%M:%S.%fZ") if isinstance(r[c], datetime) else r[c])
            for c in columns
        )  # fmt: skip
    return buffer.getvalue()
