"""``concerted detect``: find coordinated groups in a log or in the evidence store
(:func:`concerted.jobs.run_detect`)."""

from __future__ import annotations

from pathlib import Path

import click

from ..detectors import get_detector
from ..errors import ParameterError
from ..layers import NarrativeLayer, TextLayer
from ..safetext import printable
from .options import (
    Progress,
    friendly_errors,
    input_options,
    out_option,
    parse_map,
    quiet_option,
    reveal_option,
    split_list,
    store_option,
)


def register(cli: click.Group) -> None:
    """Add ``detect`` to the ``concerted`` group."""
    cli.add_command(detect)


@click.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@out_option("results", "Folder for the results (created, or replaced whole).")
@input_options
@store_option(
    "Instead of FILE, detect on the actions of the evidence store in this folder; the run "
    "is recorded there and the results say which evidence was deleted upstream."
)
@click.option(
    "--deleted-within-hours",
    type=float,
    help="With --store: detect on the actions posted then deleted within this many hours only.",
)
@click.option(
    "--window-seconds",
    type=float,
    help="Largest gap between two actions that counts as acting together (inclusive). Default: "
    "3, 10, 60 and 600 s, each pair judged at its best (60 s with --no-significance).",
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
    "--peer",
    type=click.Choice(["qut", "coortweet"]),
    help="Reproduce a peer tool's network exactly (classic, no test): qut = "
    "coordination-network-toolkit's directed weights (--window-seconds, --min-repeat as its "
    "--min_edge_weight), coortweet = CooRTweet's detect_groups and generate_coordinated_network "
    "(--window-seconds, --min-participation, --edge-weight-quantile, --subgraph). Defaults are "
    "the peer's. See docs/peers/.",
)
@click.option(
    "--min-participation",
    type=int,
    help="--peer coortweet: least coordinated shares an account needs (CooRTweet's default 2).",
)
@click.option(
    "--edge-weight-quantile",
    type=float,
    help="--peer coortweet: edges above this quantile of weight are marked (default 0.5).",
)
@click.option(
    "--subgraph",
    type=click.IntRange(0, 3),
    help="--peer coortweet: 0 every edge (default), 1 the marked edges, 2 the marked edges of "
    "the fast network, 3 those and their neighbours (2 and 3 need --fast-window-seconds).",
)
@click.option(
    "--fast-window-seconds",
    type=float,
    help="--peer coortweet: the faster window of CooRTweet's flag_speed_share.",
)
@click.option(
    "--text",
    "text",
    is_flag=True,
    help="Add near-duplicate texts as objects: posts that say the same thing with small edits "
    "(links, emoji, mentions, figures, a word or two) become one object each, tested with the "
    "rest. Edges and groups then say their layers (co-action, text); evidence shows both texts. "
    "FILE then needs no object column.",
)
@click.option(
    "--text-threshold",
    type=float,
    help="With --text: the least estimated Jaccard similarity of two texts' word shingles for "
    "them to be near-duplicates. Default 0.7.",
)
@click.option(
    "--narratives",
    "narratives",
    is_flag=True,
    help="Add narratives as objects: posts that tell the same story in any language (the "
    "narratives lens, concerted narratives) become one object each, tested with the rest; edges "
    "and groups say their layers (co-action, text, narrative). Needs the narratives extra. FILE "
    "then needs no object column.",
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
    help="Where the joins run: DuckDB on this machine, or Apache Spark (a cluster, or local "
    "mode), which gives the same results. Spark needs the spark extra "
    "(pip install 'concerted[spark]') and Java 17 or later.",
)
@click.option(
    "--spark-master",
    help="With --engine spark: Spark's master URL (yarn, spark://host:7077, k8s://...). "
    "Default: the session spark-submit started, else local[*] (every core here).",
)
@click.option(
    "--spark-conf",
    multiple=True,
    metavar="KEY=VALUE",
    help="With --engine spark: a Spark setting, e.g. --spark-conf spark.executor.memory=8g "
    "(repeat for more).",
)
@reveal_option("e-mail addresses, phone numbers and IP addresses")
@click.option(
    "--formats",
    default="csv,parquet,graphml",
    show_default=True,
    help="Files to write besides summary.json and report.html, comma-separated: csv, parquet, "
    "json (the four tables), graphml, gexf (the network).",
)
@quiet_option
@friendly_errors
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
    peer,
    min_participation,
    edge_weight_quantile,
    subgraph,
    fast_window_seconds,
    text,
    text_threshold,
    narratives,
    min_group_size,
    engine_name,
    spark_master,
    spark_conf,
    reveal,
    formats,
    quiet,
):
    """Find coordinated groups in FILE, or in an evidence store (--store).

    FILE is a platform's export (X/Twitter API v2 or v1.1, Twitter's information operations
    archives, CrowdTangle, Meta Content Library, TikTok, Telegram, Bluesky, Mastodon, Reddit:
    recognised from its content) or any CSV, JSONL or Parquet file with one action per row;
    plain, gzip, zstd, or a zip of such files.

    \b
    Examples:
      concerted detect actions.csv --out results/
      concerted detect twarc2_search.jsonl.gz
      concerted detect tweets.csv.gz --map actor=account_id --map time=timestamp_share
      concerted detect posts.csv --object-columns url_id,hashtag_id --window-seconds 30
      concerted detect tweets.csv --window-seconds 60 --min-repeat 1 --no-significance
      concerted detect tweets.csv --peer coortweet --min-participation 2
      concerted detect posts.csv --text --out results/
      concerted detect posts.csv --narratives --out results/
      concerted detect --store project/ --deleted-within-hours 48
      concerted detect actions.parquet --engine spark --spark-master yarn
    """
    from ..engines import get_engine
    from ..engines.spark import parse_spark_conf
    from ..jobs import run_detect

    given = {  # the options given: the detector refuses those it does not take
        "window_seconds": window_seconds,
        "min_repeat": min_repeat,
        "alpha": alpha,
        "max_bucket_events": max_bucket_events,
        "crowd_partners": crowd_partners,
        "min_participation": min_participation,
        "edge_weight_quantile": edge_weight_quantile,
        "subgraph": subgraph,
        "fast_window_seconds": fast_window_seconds,
    }
    given = {k: v for k, v in given.items() if v is not None}
    for option in ("min_participation", "edge_weight_quantile", "subgraph", "fast_window_seconds"):
        if option in given and peer != "coortweet":
            raise ParameterError(
                f"--{option.replace('_', '-')} applies with --peer coortweet only."
            )
    if text_threshold is not None and not text:
        raise ParameterError("--text-threshold applies with --text only.")
    layers = []
    if text:
        layers.append(TextLayer() if text_threshold is None else TextLayer(text_threshold))
    if narratives:
        layers.append(NarrativeLayer())
    if peer is None:
        detector = get_detector("co_action", significance=significance, **given)
    else:
        detector = get_detector(peer, **given)
    result, run_id = run_detect(
        file,
        out_dir,
        store_dir=store_dir,
        mapping=parse_map(mapping),
        object_columns=split_list(object_columns),
        objects_from_text=split_list(objects_from_text),
        format=file_format,
        deleted_within_hours=deleted_within_hours,
        detector=detector,
        engine=get_engine(engine_name, master=spark_master, conf=parse_spark_conf(spark_conf)),
        min_group_size=min_group_size,
        reveal=reveal,
        formats=split_list(formats),
        progress=Progress(quiet),
        layers=layers,
    )
    print_summary(result, out_dir)
    if store_dir is not None:
        s = result.summary
        click.echo(
            f"Recorded as {run_id}; {s['deleted_upstream_in_groups']:,} of the groups' actions were "
            f"deleted upstream. Chain head {s['store']['chain']}."
            + (
                f" Evidence: concerted evidence export --store {store_dir} --group 1 --out pack/"
                if s["groups"]
                else ""
            )
        )


def print_summary(result, out_dir: Path) -> None:
    """The headline figures, the ten strongest groups and the run's notes, on stdout."""
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
            + (f", layers {g['layers']}" if g.get("layers") else "")
        )
    for note in s["notes"]:  # the run's own notes (the input's were shown while reading)
        if note not in result.log.notes:
            click.echo(f"Note: {printable(note)}")
    click.echo(f"Results in {out_dir}/ (open report.html)")
