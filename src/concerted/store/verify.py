"""verify_store(): recompute everything the store records and report every mismatch."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .store import (
    GENESIS,
    SNAPSHOT_FACTS,
    chain_of,
    content_hash_sql,
    meta,
    open_store,
    set_root,
    snapshot_digest,
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
        The chain head recorded by the last snapshot (64 zeros for an empty store).
    """

    ok: bool
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    chain: str = GENESIS
    pseudonymised: bool = False

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            **self.counts,
            "chain": self.chain,
            "pseudonymised": self.pseudonymised,
            "problems": self.problems,
        }


def verify_store(store_dir: str | Path) -> StoreReport:
    """Check that the store in ``store_dir`` is consistent.

    Recomputes each action's content hash from its fields, each snapshot's digest from its
    recorded facts and the actions it held, the hash chain over the snapshots, every action's
    first and last sighting and deletion window (from the sightings and the snapshots' time
    spans), and checks that identifiers are unique and references resolve.

    Parameters
    ----------
    store_dir
        The project folder holding ``store.duckdb``.

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
        chain = _check_chain(con, problems)
        counts = {
            "actions": _one(con, "SELECT count(*) FROM actions"),
            "deleted": _one(con, "SELECT count(*) FROM actions WHERE deleted_before IS NOT NULL"),
            "snapshots": _one(con, "SELECT count(*) FROM snapshots"),
            "collections": _one(con, "SELECT count(DISTINCT collection) FROM snapshots"),
            "sightings": _one(con, "SELECT count(*) FROM sightings"),
            "runs": _one(con, "SELECT count(*) FROM runs"),
        }
        pseudonymised = "salt_fingerprint" in meta(con)
    return StoreReport(not problems, problems, counts, chain, pseudonymised)


def _one(con, sql: str, params=None):
    return con.execute(sql, params or []).fetchone()[0]


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
        "SELECT min(id) FROM actions GROUP BY collection, hash HAVING count(*) > 1",
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


def _check_chain(con, problems: list[str]) -> str:
    names = (*SNAPSHOT_FACTS, "set_root", "digest", "chain")
    cols = ", ".join(f'"{c}"' for c in names)
    rows = con.execute(f"SELECT {cols} FROM snapshots ORDER BY snapshot").fetchall()
    previous = GENESIS
    for i, values in enumerate(rows, start=1):
        row = dict(zip(names, values, strict=True))
        if row["snapshot"] != i:
            problems.append(
                f"snapshots: expected snapshot {i}, found {row['snapshot']} (a snapshot is missing or repeated)"
            )
        if set_root(con, row["snapshot"]) != row["set_root"]:
            problems.append(
                f"snapshot {row['snapshot']}: the actions it held do not match its Merkle root"
            )
        digest = snapshot_digest(row)
        if digest != row["digest"]:
            problems.append(
                f"snapshot {row['snapshot']}: its recorded facts do not match its digest"
            )
        expected = chain_of(previous, row["digest"] or "")
        if expected != row["chain"]:
            problems.append(f"snapshot {row['snapshot']}: the hash chain is broken here")
        previous = row["chain"] or ""
    return previous
