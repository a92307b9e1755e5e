"""``concerted simulate``: worlds with planted campaigns and their answer key
(:mod:`concerted.simulate`), fan bases (:mod:`concerted.simulate_audiences`), sign-ups, hashtags."""

from __future__ import annotations

import click

from ..errors import ParameterError
from ..extras import requires_extra
from .options import friendly_errors, out_option


def register(cli: click.Group) -> None:
    """Add ``simulate`` to the ``concerted`` group."""
    cli.add_command(simulate)


@click.command()
@click.argument(
    "kind",
    required=False,
    default="actions",
    type=click.Choice(
        ["actions", "audiences", "signups", "hashtags", "posts", "reports", "narratives"]
    ),
)
@out_option(
    "world",
    "Folder for actions.csv, truth.csv and campaigns.csv (signups: registrations.csv and truth.csv; "
    "hashtags: posts.csv, truth_hashtags.csv and truth_flooders.csv; posts: posts.csv, "
    "truth.csv and families.csv; reports: reports.csv, truth_targets.csv and "
    "truth_reporters.csv; narratives: posts.csv, stories.csv and truth.csv).",
)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option(
    "--actors",
    "n_actors",
    type=int,
    default=5000,
    show_default=True,
    help="Organic actors in the world (hashtags: one per 15 posts unless given; reports: one "
    "reporter per 8 reports unless given).",
)
@click.option(
    "--days",
    type=float,
    default=7.0,
    show_default=True,
    help="hashtags: 4 unless given; reports: 14 unless given.",
)
@click.option(
    "--posts",
    "n_posts",
    type=int,
    default=None,
    help="hashtags, posts: about N organic posts (100,000 by default); reports: about N "
    "organic reports (200,000 by default); the planted ones come on top.",
)
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
    "tempo, size 10-200, participation 0.4-0.9. posts: N copy-paste campaigns (4 by default).",
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
@friendly_errors
@click.pass_context
def simulate(
    ctx,
    kind,
    out_dir,
    seed,
    n_actors,
    days,
    n_posts,
    campaigns,
    n_campaigns,
    originals,
    source_column,
):
    """Write a world of organic activity with planted campaigns, and its answer key; with KIND
    audiences, the same world with fan bases (not campaigns) and an amplification network (the
    answer key) added; with KIND signups, a registration log with a fake wave and its truth;
    with KIND hashtags, posts on about twenty hashtags with a takeover, organic spikes and a
    growing tag, and the truth; with KIND posts, short posts with copy-paste campaigns (each copy
    lightly edited) and boilerplate everybody posts, and the truth; with KIND reports, user
    reports with brigades (that also file ordinary reports), spammers and hot organic targets,
    and the truth; with KIND narratives, posts and articles telling six stories of one rally in
    seven languages and four scripts, one story pushed by a campaign, and each post's story.

    \b
    Example:
      concerted simulate --out world/ --seed 7
      concerted simulate --out family/ --actors 20000 --family 9
      concerted detect world/actions.csv --out results/
      concerted evaluate results/ --truth world/truth.csv
      concerted simulate audiences --out fans/ --no-originals
      concerted simulate signups --out rally/ --seed 7
      concerted simulate hashtags --out tags/ --seed 7 --posts 200000
      concerted simulate posts --out copies/ --seed 7
      concerted detect copies/posts.csv --text --out copies-results/
      concerted simulate reports --out flags/ --seed 7
      concerted simulate narratives --out stories/ --seed 7
      concerted narratives stories/posts.csv --out stories-results/
    """
    if kind in ("hashtags", "reports"):
        given = {
            name: value
            for name, value in (("days", days), ("n_actors", n_actors))
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
        }
        if kind == "reports":
            return _simulate_reports(out_dir, seed, n_posts, **given)
        return _simulate_hashtags(out_dir, seed, n_posts, **given)
    if kind == "posts":
        return _simulate_posts(out_dir, seed, n_posts, n_campaigns, days)
    if kind == "narratives":
        return _simulate_narratives(out_dir, seed)
    if n_posts is not None:
        raise ParameterError(
            "--posts applies to the hashtags, posts and reports worlds only; drop it."
        )
    if kind == "signups":
        with requires_extra("signups", "concerted simulate signups"):
            from ..lenses.signups.cli import simulate_signups_command

        return simulate_signups_command(out_dir, seed, days)
    from ..simulate import simulate_world, write_world

    if kind == "audiences":
        from ..simulate_audiences import simulate_audiences

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


def _simulate_hashtags(out_dir, seed: int, n_posts: int | None, **given) -> None:
    """``concerted simulate hashtags``: write a hashtag world and its truth."""
    from ..lenses.hashtags.simulate import simulate_hashtags, write_hashtags_world

    overrides = {"posts": n_posts} if n_posts is not None else {}
    if "days" in given:
        overrides["days"] = given["days"]
    if "n_actors" in given:
        posts = overrides.get("posts", 100_000)
        overrides["posts_per_actor"] = posts / max(1, given["n_actors"])
    world = simulate_hashtags(seed, **overrides)
    paths = write_hashtags_world(world, out_dir)
    kinds = world.truth_hashtags["kind"].to_pylist()
    click.echo(
        f"{world.posts.num_rows:,} posts on {len(kinds)} hashtags: {kinds.count('takeover')} "
        f"takeover(s) by {world.truth_flooders.num_rows:,} flooders, {kinds.count('spike')} "
        f"organic spike(s)."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")


def _simulate_posts(out_dir, seed: int, n_posts: int | None, n_campaigns: int | None, days) -> None:
    """``concerted simulate posts``: write a world of posts with copy-paste campaigns."""
    from ..simulate_text import simulate_posts, write_posts_world

    world = simulate_posts(
        seed=seed, n_posts=n_posts or 100_000, n_campaigns=n_campaigns or 4, days=days
    )
    paths = write_posts_world(world, out_dir)
    click.echo(
        f"{world.posts.num_rows:,} posts, {len(set(world.truth['campaign'].to_pylist()))} "
        f"copy-paste campaigns ({world.truth.num_rows} members)."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")


def _simulate_narratives(out_dir, seed: int) -> None:
    """``concerted simulate narratives``: write multilingual stories and their truth."""
    from ..lenses.narratives.simulate import simulate_narratives, write_narratives_world

    world = simulate_narratives(seed=seed)
    paths = write_narratives_world(world, out_dir)
    stories = world.stories
    click.echo(
        f"{world.posts.num_rows:,} posts telling {len(set(stories['story'].to_pylist()))} stories "
        f"in {len(set(stories['language'].to_pylist()))} languages; a campaign of "
        f"{world.truth.num_rows} accounts."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")


def _simulate_reports(out_dir, seed: int, n_reports: int | None, **given) -> None:
    """``concerted simulate reports``: write a world of user reports and its truth."""
    from ..lenses.reports.simulate import simulate_reports, write_reports_world

    overrides = {"n_reports": n_reports} if n_reports is not None else {}
    if "days" in given:
        overrides["days"] = given["days"]
    if "n_actors" in given:
        overrides["n_reporters"] = given["n_actors"]
    world = simulate_reports(seed, **overrides)
    paths = write_reports_world(world, out_dir)
    kinds = world.truth_targets["kind"].to_pylist()
    click.echo(
        f"{world.reports.num_rows:,} reports: {kinds.count('brigaded')} brigaded target(s) by "
        f"{world.truth_reporters.num_rows:,} brigaders, {kinds.count('spammer')} spammer(s), "
        f"{kinds.count('hot')} hot organic target(s)."
    )
    for name, path in paths.items():
        click.echo(f"  {name}: {path}")
