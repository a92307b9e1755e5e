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
from ...errors import ParameterError


def register(cli: click.Group) -> None:
    """Add ``reports`` and ``sor`` to the ``concerted`` group."""
    cli.add_command(reports)
    cli.add_command(sor)


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
@click.option(
    "--decisions",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="A file of the platform's decisions (target, decision, time, ground, category, "
    "legal_ground, explanation, ...): one DSA statement of reasons is written per decision.",
)
@click.option(
    "--sor",
    "sor_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the statements of reasons (JSON lines). Default: DIR/sor.jsonl "
    "when --decisions is given.",
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
    decisions,
    sor_path,
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
      concerted reports reports.csv --decisions decisions.csv --sor brigades/sor.jsonl
    """
    from ...outputs import check_out_folder
    from ...safetext import printable
    from .lens import check_params, find_brigades
    from .load import load_reports
    from .outputs import write_reports
    from .statements import build_statements, read_decisions

    params = dict(
        window_seconds=window_seconds,
        min_coordinated_reporters=min_coordinated_reporters,
        min_share=min_share,
    )
    check_params(**params)  # a bad option is refused now, not after reading the file
    check_out_folder(out_dir)
    if sor_path is not None and decisions is None:
        raise ParameterError("--sor needs --decisions FILE: the decisions to write statements for.")
    if decisions is not None and sor_path is None:
        sor_path = out_dir / "sor.jsonl"
    say = Progress(quiet)
    say(f"reading {file}")
    log = load_reports(file, mapping=parse_map(mapping, "reporter=flagger_id"), format=file_format)
    for note in log.notes:
        say(f"note: {note}")
    result = find_brigades(log, progress=say, **params)
    statements = None
    if decisions is not None:
        say(f"reading {decisions}")
        statements = build_statements(read_decisions(decisions), result, str(decisions))
    say(f"writing {out_dir}/")
    write_reports(result, out_dir, reveal=reveal, statements=statements, sor_path=sor_path)
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
    if statements is not None:
        click.echo(f"{len(statements):,} statements of reasons written to {sor_path}, all valid.")
    click.echo(f"Results in {out_dir}/ (open report.html)")


@click.group("sor")
def sor():
    """DSA statements of reasons (the EU Transparency Database's format)."""


@sor.command("validate")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@friendly_errors
def validate(file):
    """Check FILE, statements of reasons as JSON lines, against the Transparency Database's own
    rules (fields, required and conditional fields, allowed values, lengths, dates, puid); name
    each bad field and its line. Exit code 1 if any is bad.

    \b
    Example:
      concerted sor validate brigades/sor.jsonl
    """
    from ...safetext import printable
    from .sor import validate_file

    count, problems = validate_file(file)
    for p in problems[:200]:
        click.echo(printable(str(p)))
    if len(problems) > 200:
        click.echo(f"... and {len(problems) - 200:,} more")
    if problems:
        lines = len({p.line for p in problems})
        click.echo(f"{lines:,} of {count:,} statements invalid ({len(problems):,} problems).")
        raise SystemExit(1)
    click.echo(f"{count:,} statements, all valid.")
