"""Near-duplicate text at scale: four ways to find copy-paste families, side by side.

Each method runs in its own process on the posts of ``text_other_world.py`` (a generator the
tests never use) and is judged on pairs of posts: recall = share of the pairs of one planted
family (campaign copies with edits, boilerplate variants) that land in one cluster; precision =
share of the pairs put in one cluster that are of one family. Time is wall-clock of the
clustering only (the world is generated before); memory is the process's peak RSS
(``ru_maxrss``), world included (the peak after generating the world is printed beside it).

Methods (all on the same normalised texts and word shingles, 64 hashes, 16 bands of 4, linked
at an estimated Jaccard >= ``neardup.DEFAULT_THRESHOLD`` (0.7), clusters = connected components):

* ``numpy``: :func:`concerted.neardup.cluster_texts` (vectorised MinHash and banding).
* ``rensa``: rensa's Rust MinHash over the same flat shingle hashes, then the same banding.
* ``duckdb``: MinHash and banding in DuckDB SQL (``min(hash(shingle + k))``, GROUP BY band).
* ``datasketch``: datasketch's MinHash and MinHashLSH, one object per distinct text
  (``--datasketch-posts`` posts only: it is slow).

Usage::

    .venv/bin/python benchmarks/bench_text.py --posts 1000000
    .venv/bin/python benchmarks/bench_text.py --posts 10000000 --methods numpy
    .venv/bin/python benchmarks/bench_text.py --posts 1000000 --methods "" --detect
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

sys.path.insert(0, str(Path(__file__).parent))
from concerted import neardup  # noqa: E402
from text_other_world import generate  # noqa: E402

T = neardup.DEFAULT_THRESHOLD


def _components(n: int, pairs: np.ndarray) -> np.ndarray:
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    g = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(g, directed=False)[1]


def _distinct(texts: pa.ChunkedArray):
    """Normalised distinct texts and each post's index among them."""
    encoded = pc.dictionary_encode(neardup.normalize_texts(texts))
    return encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False)


def _labels(of_post: np.ndarray, component: np.ndarray) -> np.ndarray:
    label = component[of_post]
    _, counts = np.unique(label, return_counts=True)
    sizes = np.zeros(label.max() + 1, np.int64)
    sizes[np.unique(label)] = counts
    return np.where(sizes[label] >= 2, label, -1)


def run_numpy(texts):
    return neardup.cluster_texts(texts)


def run_rensa(texts):
    import rensa

    distinct, of_post = _distinct(texts)
    sig = np.empty((len(distinct), 64), np.uint32)
    for start in range(0, len(distinct), neardup.CHUNK_TEXTS):
        part = distinct.slice(start, neardup.CHUNK_TEXTS)
        h, off = neardup.shingle_hashes(part)
        m = rensa.RMinHash.digest_matrix_from_flat_token_hashes(h, off.astype(np.uint64), 64, 42)
        sig[start : start + len(part)] = np.array(m.to_rows(), np.uint32)
    empty = np.diff(off) == 0 if len(distinct) <= neardup.CHUNK_TEXTS else None
    if empty is not None:
        sig[empty] = np.iinfo(np.uint32).max
    pairs = neardup.similar_pairs(sig)
    return _labels(of_post, _components(len(distinct), pairs))


def run_duckdb(texts):
    import duckdb

    distinct, of_post = _distinct(texts)
    h, off = neardup.shingle_hashes(distinct)
    doc = np.repeat(np.arange(len(distinct)), np.diff(off))
    con = duckdb.connect()
    con.register("sh", pa.table({"doc": doc, "h": h}))
    sig = con.sql(
        """
        WITH mh AS (
          SELECT doc, k, min(hash(h + k)) AS v FROM sh, range(64) t(k) GROUP BY doc, k
        ), bands AS (
          SELECT doc, k // 4 AS band, hash(list(v ORDER BY k)) AS key FROM mh GROUP BY doc, band
        ), buckets AS (
          SELECT band, key, min(doc) AS leader, list(doc) AS docs FROM bands
          GROUP BY band, key HAVING count(*) > 1
        ), cand AS (
          SELECT DISTINCT leader AS a, unnest(docs) AS b FROM buckets
        ), agree AS (
          SELECT c.a, c.b, avg((x.v = y.v)::INT) AS s FROM cand c
          JOIN mh x ON x.doc = c.a JOIN mh y ON y.doc = c.b AND y.k = x.k
          WHERE c.a <> c.b GROUP BY c.a, c.b
        )
        SELECT a, b FROM agree WHERE s >= $t
        """,
        params={"t": T},
    ).fetchnumpy()
    pairs = np.stack([sig["a"], sig["b"]], axis=1).astype(np.int64)
    return _labels(of_post, _components(len(distinct), pairs))


def run_datasketch(texts):
    from datasketch import MinHash, MinHashLSH

    distinct, of_post = _distinct(texts)
    lsh = MinHashLSH(threshold=T, num_perm=64)
    hashes = []
    for i, t in enumerate(distinct.to_pylist()):
        words = t.split()
        shingles = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
        m = MinHash(num_perm=64)
        m.update_batch([s.encode() for s in shingles])
        lsh.insert(i, m)
        hashes.append(m)
    pairs = [
        (i, j)
        for i, m in enumerate(hashes)
        for j in lsh.query(m)
        if j != i and m.jaccard(hashes[j]) >= T  # verified, as the others are
    ]
    pairs = np.array(pairs, np.int64).reshape(-1, 2)
    return _labels(of_post, _components(len(distinct), pairs))


METHODS = {
    "numpy": run_numpy,
    "rensa": run_rensa,
    "duckdb": run_duckdb,
    "datasketch": run_datasketch,
}


def pair_scores(family: np.ndarray, cluster: np.ndarray) -> tuple[float, float]:
    """Pair recall and precision of ``cluster`` against ``family`` (-1: alone in both)."""
    n = len(family)
    fam = np.where(family >= 0, family, -(np.arange(n) + 1))
    clu = np.where(cluster >= 0, cluster, -(np.arange(n) + 1))

    def pairs(*keys):
        _, counts = np.unique(np.stack(keys, axis=1), axis=0, return_counts=True)
        return float((counts * (counts - 1) // 2).sum())

    both, truth, found = pairs(fam, clu), pairs(fam), pairs(clu)
    return both / truth if truth else 1.0, both / found if found else 1.0


def _child(method: str, posts: int, seed: int, queue) -> None:
    world = generate(posts, seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    labels = METHODS[method](world["text"])
    seconds = time.perf_counter() - started
    recall, precision = pair_scores(world["family"].to_numpy(), np.asarray(labels))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put((seconds, peak, recall, precision, before))


def _detect_child(posts: int, seed: int, queue) -> None:
    """``concerted detect --text`` on the world: who is flagged, against the planted answer."""
    from concerted import detect, make_log
    from concerted.layers import TextLayer

    world = generate(posts, seed)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = world.num_rows
    table = world.select(["actor", "time", "text"]).append_column(
        "object", pc.binary_join_element_wise("row:", pc.cast(world["id"], pa.string()), "")
    )
    started = time.perf_counter()
    result = detect(make_log(table), layers=[TextLayer()])
    seconds = time.perf_counter() - started
    flagged = set(result.actors["actor"].to_pylist())
    kind = world["kind"].to_pylist()
    actors = world["actor"].to_pylist()
    planted = {a for a, k in zip(actors, kind, strict=True) if k == "campaign"}
    boiler = {a for a, k in zip(actors, kind, strict=True) if k == "boilerplate"} - planted
    campaigns = {a.split("_")[0] for a in planted}
    found = {a.split("_")[0] for a in flagged & planted}
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put(
        f"detect --text on {n:,} posts: {seconds:.1f} s, peak {peak:.0f} MB "
        f"(world alone {before:.0f} MB); "
        f"{len(flagged & planted)} of {len(planted)} campaign accounts flagged "
        f"({len(found)} of {len(campaigns)} campaigns), {len(flagged - planted)} other accounts "
        f"flagged, of them {len(flagged & boiler)} of the {len(boiler):,} boilerplate posters; "
        f"{result.groups.num_rows} groups"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=1_000_000)
    ap.add_argument("--datasketch-posts", type=int, default=100_000)
    ap.add_argument("--methods", default="numpy,rensa,duckdb,datasketch")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--detect", action="store_true", help="Also run detect --text on the world.")
    a = ap.parse_args()
    ctx = mp.get_context("spawn")
    if a.detect:
        q = ctx.Queue()
        p = ctx.Process(target=_detect_child, args=(a.posts, a.seed, q))
        p.start()
        print(q.get(), flush=True)
        p.join()
    print(
        f"{'method':<11} {'posts':>10} {'seconds':>8} {'peak MB':>8} {'recall':>7} {'precision':>9}"
    )
    for method in filter(None, a.methods.split(",")):
        n = a.datasketch_posts if method == "datasketch" else a.posts
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(method, n, a.seed, q))
        p.start()
        seconds, peak, recall, precision, before = q.get()
        p.join()
        print(f"{method:<11} {n:>10,} {seconds:>8.1f} {peak:>8.0f} {recall:>7.3f} {precision:>9.3f}"
              f"   (world alone: {before:.0f} MB)", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
