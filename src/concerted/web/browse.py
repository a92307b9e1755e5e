"""What the web app's pages read from a project and its runs' results: a page of a table with
its count, labels carried over from earlier runs, a search across a run, an ingest's snapshots,
a comparison of two finished detect runs. Each reads through :func:`concerted.results.open_results`
and the library (:func:`concerted.evaluate.compare_runs`, :func:`concerted.store.list_snapshots`);
:mod:`.app` renders what they return."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlencode

from ..errors import ConcertedError, ParameterError
from ..evaluate import compare_runs
from ..report import fmt_time
from ..results import Results
from ..store.store import STORE_FILE, list_snapshots
from .project import Project

PAGE_ROWS = 100  # rows of a table on one page
CORE_NODES = 50  # a group page draws a larger group's core of this many members first
ALL_NODES = 2000  # and this many when asked for all of them


def table_rows(results: Results, name: str, **query) -> list[dict]:
    """Rows of a results table (see :meth:`Results.rows`), times shown as text."""
    return [
        {
            k: v.strftime("%Y-%m-%d %H:%M:%S UTC") if isinstance(v, datetime) else v
            for k, v in r.items()
        }
        for r in results.rows(name, **query)
    ]


CARRY_JACCARD = 0.5  # a label carries over to a group sharing at least this share of members
CARRY_RUNS = 5  # the most recent labelled runs looked at


def carried_labels(project: Project, run: str) -> dict[int, dict]:
    """Labels of earlier detect runs that carry over to this run's unlabelled groups: for each,
    the label of the best-matching labelled group (:func:`compare_runs`, at least
    :data:`CARRY_JACCARD` of members in common), with the run and group it comes from."""
    mine = project.labels(run)
    carried: dict[int, dict] = {}
    earlier = [
        r
        for r in project.runs()
        if r["id"] != run and r["command"] == "detect" and r["status"] == "done"
        and project.labels(r["id"])
    ][:CARRY_RUNS]  # fmt: skip
    for other in earlier:
        labels = project.labels(other["id"])
        diff = compare_runs(project.results_dir(run), project.results_dir(other["id"]))
        for g in diff["groups_a"]:
            group, match = int(g["group"]), g["match"]
            if group in mine or group in carried or match is None:
                continue
            if int(match) in labels and g["jaccard"] >= CARRY_JACCARD:
                carried[group] = {
                    **labels[int(match)],
                    "from_run": other["id"],
                    "from_group": int(match),
                    "jaccard": g["jaccard"],
                }
    return carried


def object_groups(results: Results, obj: str) -> list[dict]:
    """The groups whose members acted on ``obj``: how many members, actions, first and last."""
    by_group: dict[int, dict] = {}
    for r in results.rows("group_actions", where={"object": obj}, order=("group", "time")):
        g = by_group.setdefault(
            r["group"],
            {"group": r["group"], "members": r["members"], "actions": 0, "first": r["time"]},
        )
        g["actions"] += 1
        g["last"] = r["time"]
    return [
        {**g, "first": fmt_time(g["first"].timestamp()), "last": fmt_time(g["last"].timestamp())}
        for g in by_group.values()
    ]


def failure_message(log: str) -> str:
    """What a failed run said last: its error (``Error: ...``), else its last line."""
    lines = [line for line in log.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("Error")]
    return (errors or lines or [""])[-1]


def store_snapshots(project: Project) -> list[dict]:
    """The snapshots of the project's evidence store (none if it has none, or is busy)."""
    if not (project.root / STORE_FILE).is_file():
        return []
    try:
        return list_snapshots(project.root)
    except ConcertedError:  # being written by a run: the log says what happens
        return []


# The members table sorts by these (name in the page: order), strongest or largest first.
MEMBER_SORTS = {
    "score": ("score DESC", "actor"),
    "actor": ("actor",),
    "links": ("degree DESC", "actor"),
    "actions": ("actions DESC", "actor"),
    "p-value": ("p_value", "actor"),
    "deleted": ("deleted_actions DESC", "actor"),
}


def member_order(sort: str) -> tuple[str, ...]:
    return MEMBER_SORTS.get(sort, MEMBER_SORTS["score"])


def is_stored(results: Results) -> bool:
    """Whether the run read an evidence store (its tables say what was deleted upstream)."""
    return bool((results.summary or {}).get("store"))


def paged(
    results: Results,
    name: str,
    where: dict,
    order: tuple[str, ...],
    pages: dict[str, int],
    key: str,
    sort: str = "",
    keep: dict[str, str] | None = None,
) -> dict:
    """One page of table ``name`` (:data:`PAGE_ROWS` rows) for the pager ``key`` of a page with
    several: its rows, its number and how many there are, and the query of each other page (the
    other pagers' pages kept, and the parameters ``keep``)."""
    total = results.count(name, where=where)
    count = max(1, -(-total // PAGE_ROWS))
    page = min(max(pages[key], 1), count)
    rows = table_rows(
        results, name, where=where, order=order, limit=PAGE_ROWS, offset=(page - 1) * PAGE_ROWS
    )

    def link(n: int) -> str:
        kept = {k: v for k, v in pages.items() if v > 1}
        return "?" + urlencode({**kept, key: n, **({"sort": sort} if sort else {}), **(keep or {})})

    return {
        "rows": rows,
        "page": page,
        "pages": count,
        "total": total,
        "first": (page - 1) * PAGE_ROWS + 1 if total else 0,
        "last": (page - 1) * PAGE_ROWS + len(rows),
        "previous": link(page - 1) if page > 1 else None,
        "next": link(page + 1) if page < count else None,
        "key": key,
    }


def compare_done_runs(project: Project, a: str, b: str) -> dict:
    for run in (a, b):
        info = project.run(run)
        if info["command"] != "detect":
            raise ParameterError(
                f"Run {run} is a {info['command']} run: only detect runs (their groups and "
                "actors) can be compared."
            )
        if info["status"] != "done":
            raise ParameterError(f"Run {run} has no results to compare (it did not finish).")
    return compare_runs(project.results_dir(a), project.results_dir(b))
