"""``concerted reports``: were a target's reports organic, or a brigade? Thin: parse options, read
the reports as ``detect`` reads a log, call :func:`~concerted.lenses.reports.lens.find_brigades`,
write the files."""

from __future__ import annotations

from pathlib import Path

import click

from ...cli.options import (
    Progress,
    format_option,
    friendly_errors,
    map_option,
    max_input_option,
    out_option,
    parse_map,
    quiet_option,
    reveal_option,
)


def register(cli: click.Group) -> None:
    """Add ``reports`` to the ``concerted`` group."""
    cli.add_command(reports)


@click.command("reports")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@out_option(
    "reports-results",
    "Folder for targets.csv, reporters.csv, groups.csv, summary.json and report.html (created, "
    "or replaced whole).",
)
@map_option("reporter, target, time, reason")
@format_option
@max_input_option
@click.option(
    "--window-seconds", type=float, help="Width of the window a burst is counted in. Default 3600."
)
@click.option(
    "--min-coordinated-reporters",
    type=int,
    help="Least reporters of one group with coordinated reports on a brigaded target. Default 3.",
)
@click.option(
    "--min-share",
    type=float,
    help="Least share of a brigaded target's reports that are coordinated. Default 0.25.",
)
@reveal_option("e-mail addresses, phone numbers and IP addresses")
@quiet_option
@friendly_errors
def reports(
    file,
    out_dir,
    mapping,
    file_format,
    window_seconds,
    min_coordinated_reporters,
    min_share,
    reveal,
    quiet,
):
    """Were a target's reports organic, or a brigade? Per target in FILE: brigaded or not, the
    share of its reports from a coordinated group of reporters, its burst against its own history
    and the platform's, and the reasons given; per coordinated reporter, its group and the share
    of its reports that were part of brigades.

    FILE holds one user report a row: reporter, target, time and (optionally) reason, read as
    `concerted detect` reads a log; other column names are mapped with --map.

    \b
    Examples:
      concerted reports reports.csv --out brigades/
      concerted reports flags.jsonl --map reporter=flagger_id --map target=account --out brigades/
    """
    from ...outputs import check_out_folder
    from ...safetext import printable
    from .lens import check_params, find_brigades
    from .load import load_reports
    from .outputs import write_reports

    params = dict(
        window_seconds=window_seconds,
        min_coordinated_reporters=min_coordinated_reporters,
        min_share=min_share,
    )
    check_params(**params)  # a bad option is refused now, not after reading the file
    check_out_folder(out_dir)
    say = Progress(quiet)
    say(f"reading {file}")
    log = load_reports(file, mapping=parse_map(mapping, "reporter=flagger_id"), format=file_format)
    for note in log.notes:
        say(f"note: {note}")
    result = find_brigades(log, progress=say, **params)
    say(f"writing {out_dir}/")
    write_reports(result, out_dir, reveal=reveal)
    s = result.summary
    click.echo(
        f"{s['reports']:,} reports on {s['targets']:,} targets: {s['brigaded_targets']:,} "
        f"brigaded, by {s['brigaders']:,} reporters in {s['groups']:,} coordinated group(s)."
    )
    for r in result.targets.filter(result.targets["brigaded"]).slice(0, 10).to_pylist():
        click.echo(
            f"  {printable(r['target'])}: {r['coordinated_reports']:,} of {r['reports']:,} "
            f"reports coordinated ({100 * r['coordinated_share']:.0f}%)"
        )
    click.echo(f"Results in {out_dir}/ (open report.html)")
