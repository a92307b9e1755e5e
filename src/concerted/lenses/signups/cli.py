"""The sign-up lens's commands: ``concerted signups``, ``concerted serve signups`` and the
``signups`` kind of ``concerted simulate``. Thin: parse options, call the library, say where the
results are."""

from __future__ import annotations

import gc
import json
from pathlib import Path

import click

from ...cli.options import (
    Progress,
    format_option,
    friendly_errors,
    host_option,
    map_option,
    max_input_option,
    out_option,
    parse_map,
    port_option,
    reveal_option,
    venue_postcode_option,
)
from ...errors import ParameterError
from ...extras import requires_extra


def register(cli: click.Group) -> None:
    """Add ``signups`` to the ``concerted`` group and ``signups`` to its ``serve`` group."""
    cli.add_command(signups)
    cli.commands["serve"].add_command(serve_signups)


@click.command("signups")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@out_option(
    "signups-results",
    "Folder for registrations.csv, summary.json, report.html and model.json (created, or replaced whole).",
)
@map_option("id, time, name, email, phone, postcode, ip, user_agent, referrer")
@format_option
@max_input_option
@venue_postcode_option
@click.option(
    "--country",
    default="US",
    show_default=True,
    help="The event's country (ISO code); other countries' numbers are foreign.",
)
@click.option(
    "--show-rate",
    type=float,
    help="Share of genuine registrants expected to come. Default 0.5, shown as a 0.4-0.6 range.",
)
@click.option(
    "--bootstrap",
    type=int,
    default=40,
    show_default=True,
    help="Refits of the model for the interval of the genuine estimate.",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the bootstrap.")
@reveal_option("names, e-mail addresses, phone numbers and IP addresses")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr (notes are still shown).")
@friendly_errors
def signups(
    file,
    out_dir,
    mapping,
    file_format,
    venue_postcode,
    country,
    show_rate,
    bootstrap,
    seed,
    reveal,
    quiet,
):
    """How many registrations in FILE are real? Risk, verdict and reasons per registration,
    genuine people and turnout with intervals, and a report.

    \b
    Examples:
      concerted signups registrations.csv --out results/ --venue-postcode 74103
      concerted signups form.jsonl --map time=submitted --map phone=mobile_no --show-rate 0.45
    """
    from ...outputs import check_out_folder
    from ...safetext import printable
    from .estimate import check_estimate_params
    from .lens import score_signups
    from .load import load_registrations
    from .outputs import write_signups

    # A bad --out or option is refused now, not after the whole run.
    check_out_folder(out_dir)
    check_estimate_params(show_rate, bootstrap)
    say = Progress(quiet)
    say(f"reading {file}")
    table = load_registrations(
        file, mapping=parse_map(mapping, "email=email_address"), format=file_format
    )
    result = score_signups(
        table,
        venue_postcode=venue_postcode,
        country=country,
        show_rate=show_rate,
        bootstrap=bootstrap,
        seed=seed,
        source=str(file),
        progress=say,
    )
    for note in result.summary["notes"]:  # shown even with --quiet: they change the answer
        click.echo(f"note: {printable(note)}", err=True)
    say(f"writing {out_dir}/")
    write_signups(result, out_dir, reveal=reveal)
    s = result.summary
    click.echo(
        f"{s['registrations']:,} registrations, {s['unique_people_estimate']:,} distinct people, "
        f"{s['verdicts']['suspect']:,} suspect, {s['verdicts']['duplicate']:,} duplicates."
    )
    click.echo(
        f"Genuine people: {s['genuine_estimate']:,.0f} (95% interval {s['genuine_low']:,.0f}-{s['genuine_high']:,.0f}); "
        f"expected to come: {s['turnout_estimate']:,.0f} ({s['turnout_low']:,.0f}-{s['turnout_high']:,.0f})."
    )
    for w in s["surges"][:5]:
        click.echo(
            f"  surge from {_when(w['start'])}: {w['registrations']:,} registrations, "
            f"~{w['fake_estimate']:,.0f} fake, mostly {w['top_channel']} / {w['top_device']}"
        )
    click.echo(f"Results in {out_dir}/ (open report.html)")


@click.command("signups")
@host_option
@port_option
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("signups-state.db"),
    show_default=True,
    help="SQLite file holding every accepted registration and the velocity counts; a restart resumes from it.",
)
@click.option(
    "--model",
    "model_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="model.json from a `concerted signups` run; by default the service fits its own from what it has seen.",
)
@venue_postcode_option
@click.option("--country", default="US", show_default=True, help="The event's country (ISO code).")
@click.option(
    "--synchronous",
    type=click.Choice(["normal", "full"]),
    default="normal",
    show_default=True,
    help="normal: each registration is committed (handed to the OS) before it is answered, safe across a crash or restart of the service; full: also on disk (fsync), safe across a power loss, slower.",
)
@friendly_errors
def serve_signups(host, port, state_path, model_path, venue_postcode, country, synchronous):
    """Score registrations as a live form receives them (POST /v1/registrations).

    \b
    Example:
      concerted serve signups --state rally.db --venue-postcode 74103
      curl -s localhost:8000/v1/registrations -H 'content-type: application/json' \\
           -d '{"id": "r1", "email": "a@mailinator.com", "referrer": "tiktok"}'
    """
    with requires_extra("web", "concerted serve signups"):
        import uvicorn

        from ...httpguard import listen
        from .service import create_app

    sock = listen(host, port)  # a port in use fails here, before a URL is shown
    model = None
    if model_path is not None:
        try:
            model = json.loads(Path(model_path).read_text("utf-8"))
        except (OSError, ValueError) as exc:
            raise ParameterError(f"--model {model_path}: cannot read it as JSON ({exc}).") from None
    app = create_app(
        state_path,
        venue_postcode=venue_postcode,
        country=country,
        model=model,
        synchronous=synchronous,
        host=host,
    )
    # What was loaded (the state, the model) lives as long as the process: keep it out of the
    # garbage collector's full passes, and make those rarer, so that they do not stall answers.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)
    click.echo(
        f"Scoring sign-ups on http://{host}:{port}/v1/registrations (state in {state_path})",
        err=True,
    )
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False)).run(sockets=[sock])


def simulate_signups_command(out_dir: Path, seed: int, days: float) -> None:
    """``concerted simulate signups``: write a registration log with a fake wave, and its truth."""
    from .simulate import simulate_signups, write_signups_world

    world = simulate_signups(seed=seed, days=days)
    paths = write_signups_world(world, out_dir)
    kinds = world.truth["kind"].to_pylist()
    click.echo(
        f"{len(kinds):,} registrations: {kinds.count('genuine'):,} genuine people, "
        f"{kinds.count('duplicate'):,} second registrations, {kinds.count('obvious'):,} obvious "
        f"and {kinds.count('careful'):,} careful fakes after {len(world.calls)} calls."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")


def _when(seconds: float) -> str:
    from ...report import fmt_time

    return fmt_time(seconds)
