"""``concerted evaluate``: score results against an answer key (:mod:`concerted.evaluate`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from .options import friendly_errors, json_option


def register(cli: click.Group) -> None:
    """Add ``evaluate`` to the ``concerted`` group."""
    cli.add_command(evaluate)


@click.command()
@click.argument("results_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--truth",
    "truth_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV with actor,campaign: the answer key.",
)
@json_option("Print the figures as JSON.")
@friendly_errors
def evaluate(results_dir, truth_path, as_json):
    """Score the results in RESULTS_DIR against an answer key.

    \b
    Example:
      concerted evaluate results/ --truth world/truth.csv
    """
    from ..evaluate import evaluate as score

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
