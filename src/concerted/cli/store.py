"""The evidence store's commands: ``concerted ingest``, ``concerted verify``,
``concerted evidence``.

Each parses its options, calls one public function of :mod:`concerted.store` and renders the
result.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import click

from ..errors import ParameterError
from .options import (
    Progress,
    chain_head_option,
    friendly_errors,
    input_options,
    json_option,
    out_option,
    parse_map,
    quiet_option,
    split_list,
    store_option,
)

required_store_option = store_option(
    "The project folder holding the evidence store (store.duckdb).", required=True
)


def register(cli: click.Group) -> None:
    """Add ``ingest``, ``verify`` and ``evidence`` to the ``concerted`` group."""
    for command in (ingest, verify, evidence):
        cli.add_command(command)


def parse_time(value: str | None) -> float | None:
    """ISO 8601 (no zone = UTC) or Unix seconds, as epoch seconds."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ParameterError(
            f"--snapshot-time must be ISO 8601 (2026-11-22T09:00:00Z) or Unix seconds. Got {value!r}."
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed.timestamp()


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@click.command()
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@required_store_option
@click.option(
    "--snapshot-time",
    metavar="TIME",
    help="When the data was collected (ISO 8601 or Unix seconds). Default: now.",
)
@click.option(
    "--collection",
    default="default",
    show_default=True,
    help="The series of snapshots FILE belongs to; deletions are judged within it.",
)
@click.option(
    "--pseudonymise",
    is_flag=True,
    help="Keep actors only as keyed hashes (HMAC-SHA-256 with the salt in --salt-file), and "
    "e-mail addresses, phone numbers and IP addresses in objects and texts as pseudonyms.",
)
@click.option(
    "--salt-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The secret salt for --pseudonymise, outside the store folder (created if missing).",
)
@input_options
@quiet_option
@friendly_errors
def ingest(
    file,
    store_dir,
    snapshot_time,
    collection,
    pseudonymise,
    salt_file,
    mapping,
    object_columns,
    objects_from_text,
    file_format,
    quiet,
):
    """Append FILE to the evidence store as a collection snapshot.

    Actions missing from a later snapshot (within the time span it covers) are marked deleted,
    with the window in which they vanished. Ingesting the same file again changes nothing.

    \b
    Examples:
      concerted ingest monday.csv --store project/ --snapshot-time 2026-11-16T09:00:00Z
      concerted ingest tuesday.csv --store project/ --snapshot-time 2026-11-17T09:00:00Z
      concerted ingest posts.csv --store project/ --pseudonymise --salt-file ~/.concerted-salt
    """
    from ..store.ingest import ingest as run

    r = run(
        file,
        store_dir,
        snapshot_time=parse_time(snapshot_time),
        collection=collection,
        pseudonymise=pseudonymise,
        salt_file=salt_file,
        mapping=parse_map(mapping),
        object_columns=split_list(object_columns),
        objects_from_text=split_list(objects_from_text),
        format=file_format,
        progress=Progress(quiet),
    )
    if r.already:
        click.echo(
            f"{file} is already in the store (snapshot {r.snapshot} of {r.collection!r}); nothing changed."
        )
        return
    click.echo(
        f"snapshot {r.snapshot} of {r.collection!r} at {_iso(r.time)}: {r.actions:,} actions, "
        f"{r.new:,} new, {r.deleted:,} marked deleted. Chain head {r.chain}"
    )


@click.command()
@required_store_option
@chain_head_option(
    "A chain head printed earlier (by concerted ingest or detect --store): the store's "
    "chain must still hold it, or the store was truncated or rebuilt.",
)
@json_option("Print the counts and problems as JSON.")
@friendly_errors
def verify(store_dir, published_head, as_json):
    """Check the evidence store: content hashes, the hash chain through snapshots and detection
    runs, each run's group commitments, sightings, deletion windows and times. Exits 1 on any
    inconsistency.

    \b
    Example:
      concerted verify --store project/
      concerted verify --store project/ --chain-head 5c00a582bcd85bdde3fef78653da720b...
      concerted verify --store project/ --json
    """
    from ..store.verify import verify_store

    report = verify_store(store_dir, published_head=published_head)
    if as_json:
        click.echo(json.dumps(report.to_dict(), indent=2))
    else:
        c = report.counts
        click.echo(
            f"{c['actions']:,} actions ({c['deleted']:,} deleted) in {c['snapshots']:,} "
            f"snapshot(s), {c['runs']:,} detection run(s). Chain head {report.chain}"
        )
        for problem in report.problems:
            click.secho(f"  problem: {problem}", fg="red", err=True)
        anchored = " and holds the chain head given" if report.anchored else ""
        click.echo(
            f"OK: the store is consistent{anchored}."
            if report.ok
            else "FAILED: the store is inconsistent."
        )
    if not report.ok:
        raise SystemExit(1)


@click.group()
def evidence() -> None:
    """Evidence packs: the actions behind a finding, with hashes anyone can check offline.

    \b
    Example:
      concerted detect --store project/ --out results/
      concerted evidence export --store project/ --group 1 --out pack/
      concerted evidence verify pack/
    """


@evidence.command("export")
@required_store_option
@click.option("--group", type=int, required=True, help="The group's number in the run.")
@click.option("--run", "run", help="The detection run (run-3); the latest when omitted.")
@out_option(
    "pack", "Folder for the pack (created, or replaced whole if it holds only a previous pack)."
)
@friendly_errors
def export(store_dir, group, run, out_dir):
    """Write the evidence pack of group G of a detection run on the store: its actions (deleted
    ones included), a manifest of their hashes with a Merkle root, the run's commitment to them
    and the store's chain head, and verify_pack.py to check it offline.

    \b
    Example:
      concerted evidence export --store project/ --group 1 --out pack/
      concerted evidence export --store project/ --group 2 --run run-1 --out pack-2/
    """
    from ..store.pack import export_evidence, verify_pack

    export_evidence(store_dir, group, out_dir, run=run)
    report = verify_pack(out_dir)
    if not report.ok:  # export checks what it takes from the store; this is a last guard
        for problem in report.problems:
            click.secho(f"  problem: {problem}", fg="red", err=True)
        click.echo(f"FAILED: the pack written to {out_dir}/ does not check out.")
        raise SystemExit(1)
    click.echo(
        f"{report.actions:,} actions of group {group} in {out_dir}/; Merkle root "
        f"{report.merkle_root}, store chain head {report.chain_head}. "
        f"Check it with: python3 {out_dir}/verify_pack.py {out_dir}"
    )


@evidence.command("verify")
@click.argument("pack_dir", type=click.Path(file_okay=False, path_type=Path))
@store_option("Also check the pack against this store (its chain and actions).")
@chain_head_option(
    "A chain head published earlier (printed by concerted ingest or detect --store): the "
    "pack's chain must pass through it, and it must cover the run and the snapshots the "
    "actions are proven in.",
)
@friendly_errors
def verify_pack_command(pack_dir, store_dir, published_head):
    """Check an evidence pack: every file's SHA-256, every action's content hash, the Merkle
    root, each action's proof that a snapshot held it, the store's hash chain in its manifest,
    and that the pack is complete (exactly the actions the run committed to for the group).
    Exits 1 on any mismatch.

    \b
    Example:
      concerted evidence verify pack/
      concerted evidence verify pack/ --store project/
      concerted evidence verify pack/ --chain-head 5c00a582bcd85bdde3fef78653da720b...
    """
    from ..store.pack import verify_pack

    report = verify_pack(pack_dir, store_dir=store_dir, published_head=published_head)
    for problem in report.problems:
        click.secho(f"  problem: {problem}", fg="red", err=True)
    if not report.ok:
        click.echo(f"FAILED: {pack_dir} does not check out.")
        raise SystemExit(1)
    also = [
        ("it matches the store", report.against_store),
        ("it is anchored to the published chain head", published_head),
    ]
    shown = "; ".join(text for text, yes in also if yes)
    click.echo(
        f"OK: {report.actions:,} actions, all of group {report.group} of {report.run}; Merkle "
        f"root {report.merkle_root}, chain head "
        f"{report.chain_head}" + (f"; {shown}." if shown else ".")
    )
