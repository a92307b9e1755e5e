"""A simulated world of multilingual posts and articles with a known answer: which story each
post tells, and which accounts pushed one story in concert.

Each story of a bank (default :data:`.stories.STORIES`: six stories of one rally, seven
languages) is posted by organic accounts in each of its languages, as short posts (its first
paragraph) and as articles (its paragraphs), spread over a day, each copy lightly edited (a
``BREAKING:`` or a dateline in front, a link, an emoji or a hashtag after, an article's last
paragraph left out). A campaign also pushes the stories: a few accounts that post a story in
several languages within a minute of each other, a story a round, a few hours apart. ``concerted narratives
posts.csv`` should put each story in one narrative, whatever the language, and keep the stories
apart; ``concerted detect posts.csv --narratives`` should find the campaign.

Example
-------
>>> world = simulate_narratives(seed=1, copies=1)
>>> world.posts.column_names
['id', 'actor', 'time', 'text']
>>> sorted(set(world.stories["story"].to_pylist()))[:2]
['arrests', 'counter_rally']
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import OutputError, ParameterError
from ...simulate import START
from .stories import STORIES

_EMOJI = ("🔥", "‼️", "👇", "😡", "📢")
_PREFIX = ("BREAKING: ", "⚡ ", "", "", "")
_SITES = ("https://news.example/", "https://t.example/", "https://dailywire.example/")
DAY = 86_400.0


@dataclass
class NarrativesWorld:
    """Posts (``id, actor, time, text``), each post's story (``id, story, language, kind``:
    ``post`` or ``article``) and the campaign's accounts (``actor, campaign``)."""

    posts: pa.Table
    stories: pa.Table
    truth: pa.Table


def _edit(rng: np.random.Generator, text: str) -> str:
    """A light edit of a post: something in front, a link, an emoji or a hashtag after."""
    out = str(rng.choice(_PREFIX)) + text
    if rng.random() < 0.5:
        out += f" {rng.choice(_SITES)}{int(rng.integers(1000, 9999))}"
    if rng.random() < 0.5:
        out += f" {rng.choice(_EMOJI)}"
    return out


def _article(rng: np.random.Generator, paragraphs: tuple[str, ...]) -> str:
    """An article: the paragraphs, the last one now and then left out, a link at the end."""
    kept = list(paragraphs)
    if len(kept) > 2 and rng.random() < 0.3:
        kept = kept[:-1]
    text = "\n\n".join(kept)
    if rng.random() < 0.5:
        text += f"\n\n{rng.choice(_SITES)}{int(rng.integers(1000, 9999))}"
    return text


def simulate_narratives(
    *,
    seed: int = 0,
    stories: dict[str, dict[str, tuple[str, ...]]] | None = None,
    copies: int = 3,
    articles: int = 1,
    campaign_accounts: int = 6,
    campaign_rounds: int = 12,
    n_actors: int = 400,
) -> NarrativesWorld:
    """Posts telling the stories of ``stories`` in their languages, with the answer.

    Parameters
    ----------
    seed
        Seed of the random generator (the same seed gives the same world).
    stories
        story -> language -> paragraphs (default :data:`.stories.STORIES`).
    copies
        Short posts per story and language, by organic accounts.
    articles
        Articles per story and language, by organic accounts.
    campaign_accounts, campaign_rounds
        The campaign: this many accounts post a story (the stories in turn), each in a language
        of its own, within a minute, in this many rounds a few hours apart (0 for no
        campaign).
    n_actors
        Organic accounts.
    """
    for name, value, low in (
        ("copies", copies, 0),
        ("articles", articles, 0),
        ("campaign_accounts", campaign_accounts, 0),
        ("campaign_rounds", campaign_rounds, 0),
        ("n_actors", n_actors, 1),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ParameterError(f"{name} must be an integer from {low} or more. Got {value!r}.")
    bank = stories or STORIES
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, float, str, str, str, str]] = []  # actor, time, text, story, lang, kind
    for story, versions in bank.items():
        for lang, paragraphs in versions.items():
            for _ in range(copies):
                actor = f"user{int(rng.integers(0, n_actors))}"
                rows.append((actor, float(rng.uniform(0, DAY)), _edit(rng, paragraphs[0]), story,
                             lang, "post"))  # fmt: skip
            for _ in range(articles):
                actor = f"site{int(rng.integers(0, max(1, n_actors // 10)))}"
                rows.append((actor, float(rng.uniform(0, DAY)), _article(rng, paragraphs), story,
                             lang, "article"))  # fmt: skip
    truth = []
    if campaign_accounts and campaign_rounds and bank:
        members = [f"push{i}" for i in range(campaign_accounts)]
        truth = [(m, "campaign") for m in members]
        names = list(bank)
        for r in range(campaign_rounds):
            story = names[r % len(names)]
            langs = list(bank[story])
            start = DAY * 0.05 + r * DAY * 0.075
            for i, m in enumerate(members):
                lang = langs[i % len(langs)]
                when = start + float(rng.uniform(0, 60))
                rows.append((m, when, _edit(rng, bank[story][lang][0]), story, lang, "post"))
    order = sorted(range(len(rows)), key=lambda i: rows[i][1])
    ids = [f"p{i + 1}" for i in range(len(order))]
    posts = pa.table(
        {
            "id": ids,
            "actor": [rows[i][0] for i in order],
            "time": pa.array([round(START + rows[i][1], 3) for i in order], pa.float64()),
            "text": [rows[i][2] for i in order],
        }
    )
    story_table = pa.table(
        {
            "id": ids,
            "story": [rows[i][3] for i in order],
            "language": [rows[i][4] for i in order],
            "kind": [rows[i][5] for i in order],
        }
    )
    truth_table = pa.table(
        {"actor": [a for a, _ in truth], "campaign": [c for _, c in truth]},
        schema=pa.schema([("actor", pa.string()), ("campaign", pa.string())]),
    )
    return NarrativesWorld(posts, story_table, truth_table)


def write_narratives_world(world: NarrativesWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write ``posts.csv``, ``stories.csv`` (``id, story, language, kind``) and ``truth.csv``
    (``actor, campaign``) in ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        paths = {}
        for name, table in (("posts", world.posts), ("stories", world.stories),
                            ("truth", world.truth)):  # fmt: skip
            paths[name] = out / f"{name}.csv"
            pacsv.write_csv(table, paths[name])
    except OSError as exc:
        raise OutputError(f"write_narratives_world: cannot write in {str(out)!r}: {exc}") from None
    return paths
