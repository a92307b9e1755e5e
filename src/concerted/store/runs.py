"""Detection on the store: its actions as a log, deletions marked in the results, runs recorded.

``detect_store()`` runs :func:`concerted.detect` on the store's actions, says in every output
which evidence was deleted upstream, and records the run (its parameters, the snapshot it saw,
its groups) so that ``concerted evidence export --group G`` can find the actions behind group G.

**What a run commits to.** For each group, the run records a commitment: the group's members
and the count and Merkle root of the sorted content hashes of *the actions behind the group* —
its members' actions, in the store as of the run's snapshot, on the objects at least two members
acted on (:func:`group_actions_sql`). The Merkle root of the groups' digests enters the run's
digest, and the run is a link of the store's hash chain, after the snapshot it saw. An evidence
pack carries its group's commitment and the proof that the run holds it, so a pack missing any
of the group's actions no longer matches, and rewriting the commitment breaks the chain.
"""

from __future__ import annotations

import json
import time as _time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pyarrow as pa

from .. import results
from ..errors import ParameterError
from ..pipeline import Result, check_min_group_size, detect
from ..progress import READ, report
from ..schema import Log, make_log
from .pack_check import chain_of, group_digest, merkle_root, run_digest
from .store import TIME_RANGE, StoreError, head, last_link, open_store, out_of_range_times

_HOUR = 3600.0


def load_store_log(store_dir: str | Path, *, deleted_within_hours: float | None = None) -> Log:
    """The store's actions as a :class:`~concerted.Log` (``row`` = the action's id in the store).

    An action kept in several collections (the same post collected by two queries) is one
    action (the lowest id); it counts as deleted if any collection saw it vanish. Identical
    actions of one file stay as many actions.

    Parameters
    ----------
    store_dir
        The project folder holding ``store.duckdb``.
    deleted_within_hours
        Keep only actions posted then deleted within this many hours: whose deletion was
        observed (``deleted_before``, the first snapshot without them) at most this long after
        their time. Deletion is only known to the precision of the snapshots: an action deleted
        quickly but first missed by a snapshot taken later is not kept.

    Example
    -------
    ::

        log = load_store_log("project/", deleted_within_hours=48)
        result = concerted.detect(log)
    """
    where = ""
    if deleted_within_hours is not None:
        if not deleted_within_hours > 0:
            raise ParameterError(
                f"deleted_within_hours must be a number of hours > 0. Got {deleted_within_hours}."
            )
        where = f"WHERE deleted_before - time <= {float(deleted_within_hours) * _HOUR!r}"
    with open_store(store_dir, read_only=True) as con:
        bad, shown = out_of_range_times(con)
        if bad:
            raise StoreError(
                f"The store in {store_dir} holds {bad:,} action(s) with a time outside the years "
                f"{TIME_RANGE} (ids {shown}), written by an older version of concerted; "
                "detection cannot run on it. Ingest the original files into a new store "
                "(they are checked now); concerted verify --store lists them."
            )
        table = con.sql(
            f"""SELECT * FROM (
                SELECT actor, action, object, time, text, min(id) AS "row",
                       min(deleted_before) AS deleted_before
                FROM actions GROUP BY actor, action, object, time, text, occurrence) {where}
            ORDER BY time, "row" """
        ).to_arrow_table()
    source = str(store_path_name(store_dir))
    if table.num_rows == 0:
        what = "no actions" if deleted_within_hours is None else "no action deleted that fast"
        raise StoreError(
            f"The store in {store_dir} holds {what}. "
            + (
                "Ingest a file first: concerted ingest FILE --store DIR."
                if deleted_within_hours is None
                else "Try a larger --deleted-within-hours, or ingest snapshots taken more often."
            )
        )
    notes = []
    if deleted_within_hours is not None:
        notes.append(f"only actions posted then deleted within {deleted_within_hours:g} hours")
    return make_log(table.drop(["deleted_before"]), source, notes)


def store_path_name(store_dir: str | Path) -> str:
    return f"{Path(store_dir)}/store.duckdb"


def detect_store(
    store_dir: str | Path,
    *,
    deleted_within_hours: float | None = None,
    progress: Callable[[str], None] | None = None,
    record: bool = True,
    **detect_options: Any,
) -> tuple[Result, str | None]:
    """Run :func:`concerted.detect` on the store's actions, mark what was deleted upstream in
    the results (:func:`mark_deleted`), and record the run in the store.

    Parameters
    ----------
    store_dir
        The project folder holding ``store.duckdb``.
    deleted_within_hours
        Detect coordination on the actions posted then deleted within this many hours only
        (see :func:`load_store_log`).
    record
        Record the run and its groups in the store (the default).
    **detect_options
        Passed to :func:`concerted.detect` (``detector``, ``engine``, ``min_group_size``).

    Returns
    -------
    (Result, str or None)
        The result and the run's id (``None`` when not recorded).
    """
    check_min_group_size(detect_options.get("min_group_size"))  # before reading the store
    report(progress, f"reading the store in {store_dir}", READ)
    log = load_store_log(store_dir, deleted_within_hours=deleted_within_hours)
    result = detect(log, progress=progress, **detect_options)
    result = mark_deleted(result, store_dir)
    result.summary["store"] = {"deleted_within_hours": deleted_within_hours}
    if deleted_within_hours is not None and getattr(result.findings, "params", {}).get(
        "significance"
    ):
        result.summary["notes"].append(
            "the significance test compares pairs with organic activity, which a log of deleted "
            "actions barely holds: if nothing is found, try --no-significance (every pair at "
            "--min-repeat)"
        )
    run = None
    if record:
        run = record_run(store_dir, result, {"deleted_within_hours": deleted_within_hours})
        result.summary["store"]["run"] = run
        with open_store(store_dir, read_only=True) as con:
            # The head to publish: it commits to this run and every snapshot before it.
            result.summary["store"]["chain"] = last_link(con)[1]
    return result, run


def mark_deleted(result: Result, store_dir: str | Path) -> Result:
    """The result with what was deleted upstream said in every table.

    ``evidence`` gains ``deleted`` and ``deleted_y`` (each side's action was deleted upstream),
    ``group_actions`` gains ``deleted_after`` and ``deleted_before`` (its ``row`` is the store
    id), ``actors`` gains ``deleted_actions`` (how many of the actor's actions in the log were
    deleted) and ``groups`` gains ``deleted_actions`` (how many of its shared actions were)."""
    with open_store(store_dir, read_only=True) as con:
        con.register("lg", result.log.table.select(["actor", "row"]))
        con.execute(
            """CREATE TEMP TABLE gone AS SELECT actor, object, time FROM actions
            WHERE deleted_before IS NOT NULL GROUP BY ALL"""
        )
        evidence = _extend(
            con,
            "evidence",
            result.evidence,
            """SELECT t.*,
                EXISTS (SELECT 1 FROM gone g WHERE g.actor = t.actor AND g.object = t.object
                        AND g.time = t.time) AS deleted,
                EXISTS (SELECT 1 FROM gone g WHERE g.actor = t.actor_y AND g.object = t.object
                        AND g.time = t.time_y) AS deleted_y
            FROM t""",
        )
        group_actions = _extend(
            con,
            "group_actions",
            result.group_actions,
            """SELECT t.*, a.deleted_after, a.deleted_before
            FROM t LEFT JOIN actions a ON a.id = t."row" """,
        )
        con.register("ga", result.group_actions)
        actors = _extend(
            con,
            "actors",
            result.actors,
            """SELECT t.*, coalesce(d.n, 0) AS deleted_actions FROM t LEFT JOIN (
                SELECT lg.actor, count(*) AS n FROM lg JOIN actions a ON a.id = lg."row"
                WHERE a.deleted_before IS NOT NULL GROUP BY 1) d USING (actor)""",
        )
        groups = _extend(
            con,
            "groups",
            result.groups,
            """SELECT t.*, coalesce(d.n, 0) AS deleted_actions FROM t LEFT JOIN (
                SELECT "group", count(*) AS n FROM ga JOIN actions a ON a.id = ga."row"
                WHERE a.deleted_before IS NOT NULL GROUP BY 1) d USING ("group")""",
        )
    summary = dict(result.summary)
    summary["deleted_upstream_in_groups"] = int(sum(groups["deleted_actions"].to_pylist()))
    # The notes reach every reader of the run: summary.json, the report, the web app.
    hit = [
        g
        for g in groups.select(["group", "actions", "deleted_actions"]).to_pylist()
        if g["deleted_actions"]
    ]
    summary["notes"] = list(summary.get("notes", [])) + [
        f"group {g['group']}: {g['deleted_actions']} of its {g['actions']} shared actions were "
        "deleted upstream (evidence.csv: deleted, deleted_y)"
        for g in hit[:20]
    ]
    return replace(
        result,
        evidence=evidence,
        group_actions=group_actions,
        actors=actors,
        groups=groups,
        summary=summary,
    )


def _extend(con, name: str, table: pa.Table, sql: str) -> pa.Table:
    """``sql`` run over results table ``name`` (as ``t``, without the columns of
    :data:`~concerted.results.STORE_ONLY` that ``sql`` fills), rows kept in the table's order."""
    table = table.drop_columns(list(results.STORE_ONLY[name]))
    con.register("t", table.append_column("__i", pa.array(range(table.num_rows), pa.int64())))
    out = con.sql(f"SELECT * FROM ({sql}) ORDER BY __i").to_arrow_table()
    con.unregister("t")
    return results.conform(name, out.drop(["__i"]))


def group_actions_sql(members: str) -> str:
    """SQL for the actions behind each group of a run: each member's actions in the store as of
    snapshot ``$snapshot`` (first seen then or before), on the objects at least two members of
    the group acted on, with the group's number in ``"group"``. ``members`` is a query giving
    ``"group", actor``.

    One definition for recording a run, verifying the store, exporting and checking a pack."""
    return f"""WITH m AS ({members}),
        acts AS (SELECT m."group", a.* FROM actions a JOIN m USING (actor)
                 WHERE a.first_snapshot <= $snapshot),
        shared AS (SELECT "group", object FROM acts GROUP BY "group", object
                   HAVING count(DISTINCT actor) >= 2)
        SELECT acts.* FROM acts JOIN shared USING ("group", object)"""


def group_commitments(con, members: str, snapshot: int, params: dict | None = None) -> list[dict]:
    """Each group's commitment, in group order: ``group, members`` (sorted), ``actions`` (how
    many are behind it), ``actions_root`` (the Merkle root of their sorted content hashes) and
    ``digest`` (:func:`~concerted.store.pack_check.group_digest`). ``members`` is a query giving
    ``"group", actor`` (it may use ``$``-parameters given in ``params``)."""
    bound = {**(params or {}), "snapshot": snapshot}
    names: dict[int, list[str]] = {}
    for group, actor in con.execute(
        f'SELECT "group", actor FROM ({members}) ORDER BY 1, 2', params or {}
    ).fetchall():
        names.setdefault(group, []).append(actor)
    hashes: dict[int, list[str]] = {g: [] for g in names}
    table = con.sql(
        f'SELECT "group", hash FROM ({group_actions_sql(members)}) ORDER BY "group", hash',
        params=bound,
    ).to_arrow_table()
    for group, h in zip(table["group"].to_pylist(), table["hash"].to_pylist(), strict=True):
        hashes[group].append(h)
    out = []
    for group in sorted(names):
        root = merkle_root(hashes[group])
        n = len(hashes[group])
        out.append(
            {
                "group": group,
                "members": sorted(names[group]),
                "actions": n,
                "actions_root": root,
                "digest": group_digest(group, names[group], n, root),
            }
        )
    return out


def record_run(store_dir: str | Path, result: Result, params: dict[str, Any]) -> str:
    """Record a detection run on the store, its group memberships and each group's commitment
    (see the module's notes), as the next link of the store's hash chain; returns the run's id
    (``run-1``, ``run-2``...)."""
    with open_store(store_dir) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            n = con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
            run = f"run-{n + 1}"
            snapshot = head(con)[0]
            link, previous = last_link(con)
            settings = {
                "detector": result.summary.get("detector"),
                "params": result.summary.get("params"),
                **params,
            }
            con.register("members", result.actors.select(["group", "actor"]))
            commitments = group_commitments(
                con, 'SELECT CAST("group" AS INTEGER) AS "group", actor FROM members', snapshot
            )
            row = {
                "run": run,
                "time": round(_time.time(), 3),
                "snapshot": snapshot,
                "params": json.dumps(settings, default=str, sort_keys=True),
                "groups": len(commitments),
                "actors": result.actors.num_rows,
                "groups_root": merkle_root([c["digest"] for c in commitments]),
            }
            digest = run_digest(row)
            con.execute(
                "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row.values(), link + 1, digest, chain_of(previous, digest)],
            )
            if commitments:  # executemany refuses an empty list
                con.executemany(
                    "INSERT INTO run_groups VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        [
                            run,
                            c["group"],
                            len(c["members"]),
                            c["actions"],
                            c["actions_root"],
                            c["digest"],
                        ]
                        for c in commitments
                    ],
                )
            con.execute('INSERT INTO run_members SELECT ?, "group", actor FROM members', [run])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return run


RUN_COLUMNS = (
    "run",
    "time",
    "snapshot",
    "params",
    "groups",
    "actors",
    "groups_root",
    "link",
    "digest",
    "chain",
)


def run_rows(con) -> list[dict[str, Any]]:
    """Every run as a dict of :data:`RUN_COLUMNS` (``params`` as the JSON text the run's digest
    covers), in chain order."""
    cols = ", ".join(f'"{c}"' for c in RUN_COLUMNS)
    rows = con.execute(f"SELECT {cols} FROM runs ORDER BY link").fetchall()
    return [dict(zip(RUN_COLUMNS, r, strict=True)) for r in rows]


def list_runs(store_dir: str | Path) -> list[dict[str, Any]]:
    """Every detection run recorded in the store, oldest first: ``run, time, snapshot`` (the
    last snapshot it saw), ``params`` (a dict), ``groups, actors, groups_root, link, digest`` and
    ``chain`` (the chain head just after it: publish it to anchor the run's evidence packs)."""
    with open_store(store_dir, read_only=True) as con:
        runs = run_rows(con)
    for r in runs:
        r["params"] = json.loads(r["params"])
    return runs
