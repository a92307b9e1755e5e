"""``concerted hashtags``: was a hashtag taken over? Thin: parse options, read the log as
``detect`` does, call :func:`~concerted.lenses.hashtags.lens.find_takeovers`, write the files."""

from __future__ import annotations

from pathlib import Path

import click

from ...cli.options import (
    Progress,
    friendly_errors,
    input_options,
    out_option,
    parse_map,
    quiet_option,
    reveal_option,
    split_list,
)


def register(cli: click.Group) -> None:
    """Add ``hashtags`` to the ``concerted`` group."""
    cli.add_command(hashtags)


@click.command("hashtags")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@out_option(
    "hashtags-results",
    "Folder for hashtags.csv, flooders.csv, summary.json and report.html (created, or replaced "
    "whole).",
)
@input_options
@click.option(
    "--bin-seconds", type=float, help="Width of a bin of each hashtag's timeline. Default 600."
)
@click.option("--min-posts", type=int, help="Hashtags with fewer posts are not judged. Default 20.")
@click.option(
    "--min-baseline-posts",
    type=int,
    help="Posts a hashtag needs before a bin for the bin to be judged. Default 30.",
)
@click.option(
    "--flooded-share",
    type=float,
    help="Least share of a bin's posts by newcomers off the hashtag's topic for the bin to be "
    "flooded. Default 0.5.",
)
@click.option(
    "--min-volume-ratio",
    type=float,
    help="Least volume of a flooded bin, in multiples of the baseline's. Default 2.",
)
@click.option(
    "--min-run-bins",
    type=int,
    help="Flooded bins (each within two hours of the last) that make a takeover. Default 3.",
)
@click.option(
    "--community-lift",
    type=float,
    help="A flood during which the hashtag's own community posts at this many times its usual "
    "rate or more is an organic spike, not a takeover. Default 3.",
)
@click.option(
    "--min-copy-accounts",
    type=int,
    help="A message new to the hashtag that this many newcomers paste, and none of its "
    "community, is a flood's, whatever its words. Default 5.",
)
@click.option(
    "--coordination/--no-coordination",
    default=True,
    help="Look for coordinated groups among each takeover's newcomers with the core engine "
    "(default).",
)
@reveal_option("e-mail addresses, phone numbers and IP addresses")
@quiet_option
@friendly_errors
def hashtags(
    file,
    out_dir,
    mapping,
    object_columns,
    objects_from_text,
    file_format,
    bin_seconds,
    min_posts,
    min_baseline_posts,
    flooded_share,
    min_volume_ratio,
    min_run_bins,
    community_lift,
    min_copy_accounts,
    coordination,
    reveal,
    quiet,
):
    """Was a hashtag taken over? Per hashtag in FILE: takeover or organic spike, its start,
    the share of the volume the flood made, what it said, and who did it.

    FILE holds posts (actor, time, text), read as `concerted detect` reads a log; the hashtags
    are taken from the text unless --object-columns or --map object=COLUMN names a column of
    them.

    \b
    Examples:
      concerted hashtags posts.csv --out tags/
      concerted hashtags tweets.jsonl.gz --bin-seconds 300 --out tags/
      concerted hashtags posts.csv --map object=hashtag --out tags/
    """
    from ...outputs import check_out_folder
    from ...safetext import printable
    from .lens import check_params, find_takeovers, load_posts
    from .outputs import write_hashtags

    params = dict(
        bin_seconds=bin_seconds,
        min_posts=min_posts,
        min_baseline_posts=min_baseline_posts,
        flooded_share=flooded_share,
        min_volume_ratio=min_volume_ratio,
        min_run_bins=min_run_bins,
        community_lift=community_lift,
        min_copy_accounts=min_copy_accounts,
    )
    check_params(**params)  # a bad option is refused now, not after reading the file
    check_out_folder(out_dir)
    say = Progress(quiet)
    say(f"reading {file}")
    log = load_posts(
        file,
        mapping=parse_map(mapping),
        object_columns=split_list(object_columns),
        objects_from_text=split_list(objects_from_text),
        format=file_format,
    )
    for note in log.notes:
        say(f"note: {note}")
    result = find_takeovers(log, coordination=coordination, progress=say, **params)
    for note in result.summary["notes"][len(log.notes) :]:
        say(f"note: {note}")
    say(f"writing {out_dir}/")
    write_hashtags(result, out_dir, reveal=reveal)
    s = result.summary
    click.echo(
        f"{s['hashtags_judged']:,} hashtags judged: {s['takeovers']:,} taken over, "
        f"{s['spikes']:,} organic spikes, {s['flooders']:,} flooders."
    )
    for r in result.hashtags.filter(result.hashtags["takeover"]).slice(0, 10).to_pylist():
        click.echo(
            f"  {printable(r['hashtag'])}: taken over from {_when(r['takeover_start'])}, "
            f"{r['flooders']:,} flooders made {100 * r['share_flooded']:.0f}% of its posts, "
            f"confidence {r['confidence']:.2f}"
        )
    click.echo(f"Results in {out_dir}/ (open report.html)")


def _when(seconds: float) -> str:
    from ...report import fmt_time

    return fmt_time(seconds)
