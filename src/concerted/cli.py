"""The ``concerted`` command: a thin layer over the library's public functions.

Progress goes to stderr; results go to files or stdout. A :class:`ConcertedError` becomes one
clean message and exit code 1; anything else is a bug and keeps its traceback.
"""

from __future__ import annotations

import functools
import json
import sys
import time
from pathlib import Path

import click

from . import __version__
from .cli_options import max_input_option
from .detectors import CoAction
from .engines.base import get_engine
from .errors import ConcertedError, ParameterError
from .safetext import printable


def _friendly(command):
    """Turn the library's errors into a message a person can act on."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConcertedError as exc:
            # The message may quote the input (a column name, a value): its control characters
            # are shown escaped, never sent to the terminal.
            click.secho(f"Error: {printable(str(exc))}", fg="red", err=True)
            sys.exit(1)

    return wrapper


class _Progress:
    """Timed progress lines on stderr."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()

    def __call__(self, message: str) -> None:
        if not self.quiet:
            shown = printable(message)  # it may name a file or quote the input
            click.echo(f"[{time.perf_counter() - self.start:6.1f}s] {shown}", err=True)


def _parse_map(values: tuple[str, ...], example: str = "actor=account_id") -> dict[str, str]:
    mapping = {}
    for value in values:
        key, sep, column = value.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise ParameterError(
                f"--map takes CANONICAL=COLUMN, e.g. --map {example}. Got {value!r}."
            )
        mapping[key.strip()] = column.strip()
    return mapping


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


def input_options(command):
    """The options that say how to read a log, shared by every command that reads one."""
    for option in reversed(
        [
            click.option(
                "--map",
                "mapping",
                multiple=True,
                metavar="CANONICAL=COLUMN",
                help="Map a column to a canonical one (actor, action, object, time, text). Repeatable.",
            ),
            click.option(
                "--object-columns",
                metavar="COL,COL",
                help="Several object columns: one action per non-empty value, typed by its column.",
            ),
            click.option(
                "--objects-from-text",
                metavar="KINDS",
                help="Extract objects from the text: any of hashtags,urls,mentions.",
            ),
            click.option(
                "--format",
                "file_format",
                type=click.Choice(["csv", "jsonl", "parquet"]),
                help="Input format; guessed when omitted.",
            ),
            max_input_option,
        ]
    ):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="concerted")
def main() -> None:
    """Find coordinated campaigns - many accounts acting in concert - in activity logs.

    \b
    Example:
      concerted simulate --out world/
      concerted detect world/actions.csv --out results/
      concerted evaluate results/ --truth world/truth.csv
    """


@main.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("results"),
    show_default=True,
    help="Folder for the results (created, or replaced whole).",
)
@input_options
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Instead of FILE, detect on the actions of the evidence store in this folder; the run "
    "is recorded there and the results say which evidence was deleted upstream.",
)
@click.option(
    "--deleted-within-hours",
    type=float,
    help="With --store: detect on the actions posted then deleted within this many hours only.",
)
@click.option(
    "--window-seconds",
    type=float,
    help="Largest gap between two actions that counts as acting together (inclusive). Default 60.",
)
@click.option(
    "--min-repeat",
    type=int,
    help="Least number of distinct objects a pair must co-act on. Default 2.",
)
@click.option(
    "--significance/--no-significance",
    default=True,
    help="Test pairs against a null model of organic activity (default), or keep every pair at --min-repeat (classic mode, as the peer tools do).",
)
@click.option(
    "--alpha", type=float, help="False discovery rate of the significance test. Default 0.01."
)
@click.option(
    "--max-bucket-events",
    type=int,
    help="Cap on one object's actions within one window; busier windows are sampled. Default 2000.",
)
@click.option(
    "--crowd-partners",
    type=int,
    help="With significance on: an object whose actions have more than this many others each "
    "within a window is a crowd there, and co-actions on it count there only within a narrower "
    "window. Default 100.",
)
@click.option(
    "--min-group-size",
    type=int,
    help="Smallest group reported. Default 3 with significance on (a lone significant pair stays "
    "in edges.csv), 2 without.",
)
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
)
@click.option(
    "--reveal",
    is_flag=True,
    help="Write e-mail addresses, phone numbers and IP addresses as they are (pseudonymised by default).",
)
@click.option(
    "--formats",
    default="csv,parquet,graphml",
    show_default=True,
    help="Files to write besides summary.json and report.html, comma-separated: csv, parquet, "
    "json (the four tables), graphml, gexf (the network).",
)
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_friendly
def detect(
    file,
    out_dir,
    mapping,
    object_columns,
    objects_from_text,
    file_format,
    store_dir,
    deleted_within_hours,
    window_seconds,
    min_repeat,
    significance,
    alpha,
    max_bucket_events,
    crowd_partners,
    min_group_size,
    engine_name,
    reveal,
    formats,
    quiet,
):
    """Find coordinated groups in FILE (CSV, JSONL or Parquet, gzip or not), or in an evidence
    store (--store).

    \b
    Examples:
      concerted detect actions.csv --out results/
      concerted detect tweets.csv.gz --map actor=account_id --map time=timestamp_share
      concerted detect posts.csv --object-columns url_id,hashtag_id --window-seconds 30
      concerted detect tweets.csv --window-seconds 60 --min-repeat 1 --no-significance
      concerted detect --store project/ --deleted-within-hours 48
    """
    from .io import load_log
    from .outputs import check_formats, check_out_folder, write_results
    from .pipeline import detect as run

    check_formats(_split(formats))
    check_out_folder(out_dir)  # a bad --out is refused now, not after the whole run
    if min_group_size is not None and min_group_size < 2:
        raise ParameterError(f"--min-group-size must be at least 2. Got {min_group_size}.")
    if (file is None) == (store_dir is None):
        raise ParameterError("Give either FILE or --store DIR (one of them).")
    if deleted_within_hours is not None and store_dir is None:
        raise ParameterError(
            "--deleted-within-hours needs --store DIR (deletions are known there)."
        )
    say = _Progress(quiet)
    detector = CoAction(
        window_seconds=window_seconds,
        min_repeat=min_repeat,
        significance=significance,
        alpha=alpha,
        max_bucket_events=max_bucket_events,
        crowd_partners=crowd_partners,
    )
    detector.check_params()  # before reading the log, not after
    options = dict(detector=detector, engine=get_engine(engine_name), min_group_size=min_group_size)
    if store_dir is not None:
        from .store import detect_store

        if mapping or object_columns or objects_from_text or file_format:
            raise ParameterError(
                "--map, --object-columns, --objects-from-text and --format apply when reading "
                "FILE; with --store, give them to concerted ingest."
            )
        result, run_id = detect_store(
            store_dir, deleted_within_hours=deleted_within_hours, progress=say, **options
        )
        say(f"recorded as {run_id} in {store_dir}")
    else:
        say(f"reading {file}")
        log = load_log(
            file,
            mapping=_parse_map(mapping),
            object_columns=_split(object_columns),
            objects_from_text=_split(objects_from_text),
            format=file_format,
        )
        for note in log.notes:
            say(f"note: {note}")
        result = run(log, progress=say, **options)
    say(f"writing {out_dir}/")
    write_results(result, out_dir, reveal=reveal, formats=_split(formats))
    s = result.summary
    click.echo(
        f"{s['groups']:,} coordinated groups, {s['coordinated_actors']:,} actors, "
        f"{s['coordinated_pairs']:,} pairs (of {s['actors']:,} actors, {s['actions']:,} actions)."
    )
    for g in result.groups.slice(0, 10).to_pylist():
        delay = g["median_delay_seconds"]
        timing = (
            f"median delay {delay:.0f} s"
            if delay is not None
            else "no pair alone, found as a group"
        )
        click.echo(
            f"  group {g['group']:>3}: {g['size']:>4} actors, {g['objects']:>4} shared objects, "
            f"{timing}, score {g['score']:.1f}"
        )
    for note in s["notes"]:  # the run's own notes (the input's were shown while reading)
        if note not in result.log.notes:
            click.echo(f"Note: {printable(note)}")
    click.echo(f"Results in {out_dir}/ (open report.html)")
    if store_dir is not None:
        click.echo(
            f"Recorded as {run_id}; {s['deleted_upstream_in_groups']:,} of the groups' actions were "
            f"deleted upstream. Chain head {s['store']['chain']}."
            + (
                f" Evidence: concerted evidence export --store {store_dir} --group 1 --out pack/"
                if s["groups"]
                else ""
            )
        )


@main.command()
@click.argument(
    "kind",
    required=False,
    default="actions",
    type=click.Choice(["actions", "audiences", "signups"]),
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("world"),
    show_default=True,
    help="Folder for actions.csv, truth.csv and campaigns.csv (signups: registrations.csv and truth.csv).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--actors",
    "n_actors",
    type=int,
    default=5000,
    show_default=True,
    help="Organic actors in the world.",
)
@click.option("--days", type=float, default=7.0, show_default=True)
@click.option(
    "--campaigns/--no-campaigns",
    default=True,
    help="Plant campaigns (default) or make a world with none.",
)
@click.option(
    "--family",
    "n_campaigns",
    type=int,
    default=None,
    help="Instead of the four named campaigns, plant N (1-30) drawn from the family: kind, "
    "tempo, size 10-200, participation 0.4-0.9.",
)
@click.option(
    "--originals/--no-originals",
    default=True,
    help="audiences: keep the reshared posts themselves in the log (default), or write a "
    "reshare-only collection.",
)
@click.option(
    "--source-column/--no-source-column",
    default=True,
    help="audiences: name the author of each reshared post in a source column (default).",
)
@_friendly
def simulate(kind, out_dir, seed, n_actors, days, campaigns, n_campaigns, originals, source_column):
    """Write a world of organic activity with planted campaigns, and its answer key; with KIND
    audiences, the same world with fan bases (not campaigns) and an amplification network (the
    answer key) added; with KIND signups, a registration log with a fake wave and its truth.

    \b
    Example:
      concerted simulate --out world/ --seed 7
      concerted simulate --out family/ --actors 20000 --family 9
      concerted detect world/actions.csv --out results/
      concerted evaluate results/ --truth world/truth.csv
      concerted simulate audiences --out fans/ --no-originals
      concerted simulate signups --out rally/ --seed 7
    """
    if kind == "signups":
        from .lenses.signups.cli import simulate_signups_command

        return simulate_signups_command(out_dir, seed, days)
    from .simulate import simulate_world, write_world

    if kind == "audiences":
        from .simulate_audiences import simulate_audiences

        if n_campaigns is not None:
            raise ParameterError("--family applies to the actions world only; drop it.")
        world = simulate_audiences(
            seed=seed,
            n_actors=n_actors,
            days=days,
            originals=originals,
            source_column=source_column,
            campaigns=False,
        )
    else:
        world = simulate_world(
            seed=seed, n_actors=n_actors, days=days, campaigns=campaigns, n_campaigns=n_campaigns
        )
    paths = write_world(world, out_dir)
    click.echo(
        f"{len(world.log):,} actions by {len(set(world.log.table['actor'].to_pylist())):,} actors, "
        f"{world.campaigns.num_rows} planted campaigns ({world.truth.num_rows} members)."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")


@main.command()
@click.argument("results_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--truth",
    "truth_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with actor,campaign: the answer key.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
@_friendly
def evaluate(results_dir, truth_path, as_json):
    """Score the results in RESULTS_DIR against an answer key.

    \b
    Example:
      concerted evaluate results/ --truth world/truth.csv
    """
    from .evaluate import evaluate as score

    r = score(results_dir, truth_path)
    if as_json:
        click.echo(json.dumps(r, indent=2))
        return
    click.echo(
        f"actors: precision {r['precision']:.3f}  recall {r['recall']:.3f}  F1 {r['f1']:.3f}  "
        f"({r['true_positives']} of {r['actors_planted']} planted found, {r['false_positives']} innocent flagged)"
    )
    click.echo(
        f"groups: precision {r['group_precision']:.3f}  recall {r['group_recall']:.3f}  "
        f"F1 {r['group_f1']:.3f}  ({r['campaigns_found']} of {r['campaigns']} campaigns found, "
        f"{r['groups_found']} groups reported)"
    )
    for c in r["per_campaign"]:
        mark = "found " if c["found"] else "missed"
        click.echo(
            f"  {mark} {c['campaign']:<24} size {c['size']:>4}  recall {c['recall']:.2f}  best group {c['best_group']}"
        )


@main.group(invoke_without_command=True)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--project",
    "project_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("concerted-project"),
    show_default=True,
    help="Folder the app keeps its uploads, runs and labels in (created if missing).",
)
@click.option(
    "--token",
    envvar="CONCERTED_TOKEN",
    help="Require this secret (16 characters or more) on every request (also read from "
    "CONCERTED_TOKEN). Needed to listen on anything but a loopback address.",
)
@click.option(
    "--max-upload-mb",
    default=1024,
    show_default=True,
    type=click.IntRange(1),
    help="Largest upload accepted.",
)
@click.option(
    "--allow-dir",
    "allow_dirs",
    multiple=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder whose files runs may read, besides the project's uploads. Repeatable; none "
    "by default.",
)
@click.pass_context
@_friendly
def serve(ctx, host, port, project_dir, token, max_upload_mb, allow_dirs) -> None:
    """The web app (with no subcommand), or a service over the library.

    \b
    Examples:
      concerted serve                       # http://127.0.0.1:8000, project in ./concerted-project
      concerted serve --project rally/ --port 8080 --allow-dir /data/exports
      CONCERTED_TOKEN=$(openssl rand -hex 16) concerted serve --host 0.0.0.0
      concerted serve signups --state rally.db
    """
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from .web import create_app

    app = create_app(
        project_dir,
        host=host,
        token=token,
        allow_dirs=allow_dirs,
        max_upload_bytes=max_upload_mb << 20,
    )
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/" + ("login?token=" + token if token else "")
    click.echo(f"concerted web app on {url}  (project {project_dir}; Ctrl-C to stop)", err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


# Lenses bring their own commands (imported here, after the helpers they use are defined).
from .lenses.signups.cli import serve_signups, signups  # noqa: E402

main.add_command(signups)
if __name__ != "__main__":  # run as a script, the block at the end imports this module properly
    from .store.cli import evidence, ingest, verify

    main.add_command(ingest)
    main.add_command(verify)
    main.add_command(evidence)
serve.add_command(serve_signups)


if __name__ == "__main__":
    # The store's commands import their shared options from concerted.cli: run that module, not
    # this copy of it, so there is one.
    from concerted.cli import main as _main

    _main()
