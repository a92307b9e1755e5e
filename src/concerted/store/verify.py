"""verify_store(): recompute everything the store records and report every mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .pack_check import merkle_root, run_digest
from .runs import group_commitments, run_rows
from .store import (
    EARLIEST_TIME,
    GENESIS,
    LATEST_TIME,
    TIME_RANGE,
    chain_of,
    content_hash_sql,
    meta,
    open_store,
    out_of_range_times,
    set_root,
    snapshot_digest,
    snapshot_rows,
)

_SHOWN = 5


@dataclass
class StoreReport:
    """The outcome of :func:`verify_store`.

    Attributes
    ----------
    ok
        True when every check passed.
    problems
        One sentence per inconsistency found (what, where).
    counts
        ``actions, deleted, snapshots, collections, sightings, runs``.
    chain
        The chain head: the chain of the last link, snapshot or run (64 zeros for an empty
        store).
    anchored
        With a published chain head: whether the store's chain passes through it (``None``
        when none was given).
    """

    ok: bool
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    chain: str = GENESIS
    pseudonymised: bool = False
    anchored: bool | None = None

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            **self.counts,
            "chain": self.chain,
            "pseudonymised": self.pseudonymised,
            "anchored": self.anchored,
            "problems": self.problems,
        }


def verify_store(store_dir: str | Path, *, published_head: str | None = None) -> StoreReport:
    """Check that the store in ``store_dir`` is consistent.

    Recomputes each action's content hash from its fields, each snapshot's digest from its
    recorded facts and the actions it held, each detection run's group commitments from its
    members and the actions behind them, each run's digest, the hash chain over snapshots and
    runs, every action's first and last sighting and deletion window (from the sightings and the
    snapshots' time spans), checks that identifiers are unique, references resolve and times
    lie in the years 1970-2099 (older versions stored any).

    Every table is covered, but a store is only consistent *with itself*: removing the last
    links whole (a snapshot with its actions and deletion marks) leaves a shorter consistent
    store. ``published_head`` catches that: a chain head printed earlier (by ingest or detect)
    must be in the store's chain.

    Parameters
    ----------
    store_dir
        The project folder holding ``store.duckdb``.
    published_head
        A chain head printed earlier; the store must still hold it.

    Returns
    -------
    StoreReport
        ``ok`` false with one line per problem when anything does not match.

    Example
    -------
    ::

        report = verify_store("project/")
        assert report.ok, report.problems
    """
    with open_store(store_dir, read_only=True) as con:
        problems: list[str] = []
        _check_unique(con, problems)
        _check_hashes(con, problems)
        _check_references(con, problems)
        _check_sightings(con, problems)
        _check_deletions(con, problems)
        _check_times(con, problems)
        _check_runs(con, problems)
        chain, chains = _check_chain(con, problems)
        anchored = None
        if published_head is not None:
            anchored = published_head.strip().lower() in chains
            if not anchored:
                problems.append(
                    f"the chain head {published_head} is not in the store's chain: the store was "
                    "truncated (its last snapshots or runs removed) or rebuilt since that head "
                    "was printed"
                )
        counts = {
            "actions": _one(con, "SELECT count(*) FROM actions"),
            "deleted": _one(con, "SELECT count(*) FROM actions WHERE deleted_before IS NOT NULL"),
            "snapshots": _one(con, "SELECT count(*) FROM snapshots"),
            "collections": _one(con, "SELECT count(DISTINCT collection) FROM snapshots"),
            "sightings": _one(con, "SELECT count(*) FROM sightings"),
            "runs": _one(con, "SELECT count(*) FROM runs"),
        }
        pseudonymised = "salt_fingerprint" in meta(con)
    return StoreReport(not problems, problems, counts, chain, pseudonymised, anchored)


def _one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchall()[0][0]


def _report(con, problems: list[str], sql: str, message: str) -> None:
    """Append ``message`` (formatted with ``n`` and ``shown``) when ``sql`` returns rows."""
    rows = con.execute(sql).fetchall()
    if rows:
        n = _one(con, f"SELECT count(*) FROM ({sql})")
        shown = ", ".join(str(r[0]) for r in rows[:_SHOWN])
        problems.append(message.format(n=n, shown=shown))


def _check_unique(con, problems: list[str]) -> None:
    _report(
        con,
        problems,
        "SELECT id FROM actions GROUP BY id HAVING count(*) > 1",
        "actions: {n} id(s) used more than once (ids {shown})",
    )
    _report(
        con,
        problems,
        "SELECT min(id) FROM actions GROUP BY collection, hash, occurrence HAVING count(*) > 1",
        "actions: {n} action(s) stored more than once in one collection (ids {shown})",
    )
    _report(
        con,
        problems,
        "SELECT snapshot FROM sightings GROUP BY snapshot, id HAVING count(*) > 1",
        "sightings: {n} sighting(s) recorded twice (snapshots {shown})",
    )


def _check_hashes(con, problems: list[str]) -> None:
    _report(
        con,
        problems,
        f"SELECT id FROM actions WHERE hash IS DISTINCT FROM {content_hash_sql()} ORDER BY id",
        "actions: {n} action(s) whose fields no longer match their content hash (ids {shown})",
    )


def _check_references(con, problems: list[str]) -> None:
    _report(
        con,
        problems,
        "SELECT DISTINCT s.snapshot FROM sightings s ANTI JOIN actions a USING (id) ORDER BY 1",
        "sightings: {n} snapshot(s) name actions missing from the actions table (snapshots {shown})",
    )
    _report(
        con,
        problems,
        "SELECT DISTINCT s.snapshot FROM sightings s ANTI JOIN snapshots p USING (snapshot) ORDER BY 1",
        "sightings: {n} sighting(s) of snapshots that do not exist ({shown})",
    )
    _report(
        con,
        problems,
        """SELECT a.id FROM actions a JOIN sightings s USING (id)
           JOIN snapshots p ON p.snapshot = s.snapshot
           WHERE p.collection IS DISTINCT FROM a.collection ORDER BY 1""",
        "actions: {n} action(s) seen in a snapshot of another collection (ids {shown})",
    )


def _check_sightings(con, problems: list[str]) -> None:
    _report(
        con,
        problems,
        """SELECT a.id FROM actions a LEFT JOIN
               (SELECT id, min(snapshot) AS lo, max(snapshot) AS hi FROM sightings GROUP BY id) s
               USING (id)
           WHERE a.first_snapshot IS DISTINCT FROM s.lo OR a.last_snapshot IS DISTINCT FROM s.hi
           ORDER BY 1""",
        "actions: {n} action(s) whose first or last snapshot disagrees with the sightings (ids {shown})",
    )
    _report(
        con,
        problems,
        """SELECT p.snapshot FROM snapshots p
           LEFT JOIN (SELECT snapshot, count(*) AS n FROM sightings GROUP BY snapshot) s USING (snapshot)
           LEFT JOIN (SELECT first_snapshot AS snapshot, count(*) AS k FROM actions GROUP BY 1) f
               USING (snapshot)
           WHERE p.actions IS DISTINCT FROM coalesce(s.n, 0) OR p.new IS DISTINCT FROM coalesce(f.k, 0)
           ORDER BY 1""",
        "snapshots: {n} snapshot(s) whose action counts disagree with the sightings (snapshots {shown})",
    )


def _check_deletions(con, problems: list[str]) -> None:
    # The first later snapshot of the action's collection whose time span covers the action.
    _report(
        con,
        problems,
        """WITH expected AS (
               SELECT a.id, a.deleted_after, a.deleted_before,
                      (SELECT p.time FROM snapshots p WHERE p.snapshot = a.last_snapshot) AS after,
                      (SELECT min(p.time) FROM snapshots p
                       WHERE p.collection = a.collection AND p.snapshot > a.last_snapshot
                         AND a.time BETWEEN p.first_time AND p.last_time) AS before
               FROM actions a)
           SELECT id FROM expected
           WHERE deleted_before IS DISTINCT FROM before
              OR deleted_after IS DISTINCT FROM CASE WHEN before IS NULL THEN NULL ELSE after END
           ORDER BY 1""",
        "actions: {n} action(s) whose deletion window disagrees with the snapshots (ids {shown})",
    )


def _check_times(con, problems: list[str]) -> None:
    n, shown = out_of_range_times(con)
    if n:
        problems.append(
            f"actions: {n} action(s) with a time outside the years {TIME_RANGE} (ids {shown}); "
            "detection cannot run on them: ingest the original files into a new store"
        )
    _report(
        con,
        problems,
        f"""SELECT snapshot FROM snapshots
           WHERE NOT (time >= {EARLIEST_TIME!r} AND time < {LATEST_TIME!r}) OR time IS NULL
           ORDER BY 1""",
        "snapshots: {n} snapshot(s) with a time outside the years " + TIME_RANGE + " ({shown})",
    )


def _check_runs(con, problems: list[str]) -> None:
    """Runs, their groups and members: ids unique, references resolve, and each group's
    commitment recomputed from its members and the actions behind them."""
    _report(
        con,
        problems,
        "SELECT run FROM runs GROUP BY run HAVING count(*) > 1",
        "runs: {n} run id(s) used more than once ({shown})",
    )
    for table in ("run_groups", "run_members"):
        _report(
            con,
            problems,
            f"SELECT DISTINCT t.run FROM {table} t ANTI JOIN runs r USING (run) ORDER BY 1",
            table + ": {n} run(s) that do not exist ({shown})",
        )
    _report(
        con,
        problems,
        """SELECT run FROM run_members GROUP BY run, "group", actor HAVING count(*) > 1""",
        "run_members: {n} member(s) recorded twice (runs {shown})",
    )
    for run in run_rows(con):
        name = run["run"]
        members = 'SELECT "group", actor FROM run_members WHERE run = $run'
        expected = group_commitments(con, members, run["snapshot"] or 0, {"run": name})
        stored = con.execute(
            """SELECT "group", members, actions, actions_root, digest FROM run_groups
               WHERE run = ? ORDER BY "group" """,
            [name],
        ).fetchall()
        recomputed = [
            (c["group"], len(c["members"]), c["actions"], c["actions_root"], c["digest"])
            for c in expected
        ]
        if stored != recomputed:
            changed = sorted(
                {r[0] for r in set(stored) ^ set(recomputed)}, key=lambda g: (g is None, g)
            )
            problems.append(
                f"{name}: the commitments of group(s) {changed[:_SHOWN]} do not match their "
                "members and the actions behind them"
            )
        actors = _one(con, "SELECT count(*) FROM run_members WHERE run = ?", [name])
        if (run["groups"], run["actors"]) != (len(stored), actors):
            problems.append(
                f"{name}: it records {run['groups']} groups and {run['actors']} actors, its "
                f"tables hold {len(stored)} and {actors}"
            )
        if merkle_root([r[4] for r in stored]) != run["groups_root"]:
            problems.append(f"{name}: its groups' digests do not match its groups root")


def _check_chain(con, problems: list[str]) -> tuple[str, set[str]]:
    """The hash chain through snapshots and runs in link order; returns the head and every
    chain value (to look a published head up)."""
    snapshots = snapshot_rows(con)
    links = sorted(
        [("snapshot", r) for r in snapshots] + [("run", r) for r in run_rows(con)],
        key=lambda kind_row: (kind_row[1]["link"] is None, kind_row[1]["link"] or 0),
    )
    previous, chains, seen_snapshots, runs = GENESIS, set(), 0, 0
    for number, (kind, row) in enumerate(links, start=1):
        name = f"snapshot {row['snapshot']}" if kind == "snapshot" else row["run"]
        if row["link"] != number:
            problems.append(
                f"{name}: expected link {number} of the chain, found {row['link']} "
                "(a snapshot or run is missing or repeated)"
            )
        if kind == "snapshot":
            seen_snapshots += 1
            if row["snapshot"] != seen_snapshots:
                problems.append(
                    f"snapshots: expected snapshot {seen_snapshots}, found {row['snapshot']} "
                    "(a snapshot is missing or repeated)"
                )
            if set_root(con, row["snapshot"]) != row["set_root"]:
                problems.append(f"{name}: the actions it held do not match its Merkle root")
            digest = snapshot_digest(row)
        else:
            runs += 1
            if row["run"] != f"run-{runs}":
                problems.append(f"runs: expected run-{runs}, found {row['run']}")
            if row["snapshot"] != seen_snapshots:
                problems.append(
                    f"{name}: it names snapshot {row['snapshot']} but follows snapshot "
                    f"{seen_snapshots} in the chain"
                )
            digest = run_digest(row)
        if digest != row["digest"]:
            problems.append(f"{name}: its recorded facts do not match its digest")
        expected = chain_of(previous, row["digest"] or "")
        if expected != row["chain"]:
            problems.append(f"{name}: the hash chain is broken here")
        previous = row["chain"] or ""
        chains.add(previous)
    return previous, chains
