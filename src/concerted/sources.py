"""Sources: who authored what the actors acted on, and whom a group reacts to.

An object's source is the author the log's ``source`` column names (the reshared post's author),
else, when the log holds the originals (:func:`with_origin_sources`), the author of the
original, else whoever acted on it first (see
:meth:`concerted.engines.base.Engine.count_co_actions`).
In a collection of reshares without the originals, the first actor is a random fan: this module
says so when a log looks like one, and describes each group by the account it reacts to most.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .schema import Log
from .sql import connect

# Actions that reshare someone else's post, as exports name them ("share" is left out: it is
# as often a link shared as a post reshared).
RESHARE_ACTIONS = ("retweet", "retweeted", "repost", "reposted", "reshare", "rt", "quote")
# A log whose actions are at least this share of reshares of posts it lacks needs their authors.
RESHARE_SHARE = 0.05


# A kind of action is an object's origin (a post, to its reshares) when at least this share of
# the actions of that kind are the first action on their object, on at least ORIGIN_OBJECTS
# objects.
ORIGIN_SHARE = 0.95
ORIGIN_OBJECTS = 10


def origin_action(log: Log) -> str | None:
    """The kind of action that starts objects in ``log``, if one does: the log then holds the
    originals (the posts that the other actions reshare, quote or answer), and each object's
    first actor is its author, not a random fan. A kind that recurs on its objects (a hashtag
    *posted* by many) is no origin.

    >>> from concerted.schema import make_log
    >>> rows = [{"actor": f"u{p}", "action": "post", "object": f"p{p}", "time": 10.0 * p}
    ...         for p in range(25)]
    >>> rows += [{"actor": f"f{i}", "action": "repost", "object": f"p{p}", "time": 10.0 * p + i}
    ...          for p in range(25) for i in (1, 2)]
    >>> origin_action(make_log(rows))
    'post'
    >>> origin_action(make_log([r for r in rows if r["action"] == "repost"])) is None
    True
    """
    if not log.has("action"):
        return None
    return _origin(log.table, _first_actions(log.table))


def _first_actions(table: pa.Table) -> pa.Table:
    """Each object's first action: ``object, author`` (its actor), ``action`` (its kind)."""
    con = connect()
    con.register("log", table.select(["actor", "action", "object", "time"]))
    return con.sql(
        "SELECT object, arg_min(actor, time) AS author, arg_min(action, time) AS action "
        "FROM log GROUP BY object"
    ).to_arrow_table()


def _origin(table: pa.Table, firsts: pa.Table) -> str | None:
    """The kind of action that starts objects (see :func:`origin_action`), given the firsts."""
    started = firsts.group_by("action").aggregate([("object", "count")])
    done = table.group_by("action").aggregate([("object", "count")])
    counts = dict(zip(done["action"].to_pylist(), done["object_count"].to_pylist(), strict=True))
    kinds = sorted(
        zip(started["action"].to_pylist(), started["object_count"].to_pylist(), strict=True),
        key=lambda k: (-k[1], str(k[0])),
    )
    for action, objects in kinds:
        if action is not None and objects >= ORIGIN_OBJECTS:
            if objects >= ORIGIN_SHARE * counts[action]:
                return action
    return None


# A reshare's text as Twitter writes it: "RT @author: ..." (a handle is 1-15 letters, digits or _).
RESHARE_TEXT = r"^RT @(?P<author>[A-Za-z0-9_]{1,15}):"


def infer_sources(log: Log) -> tuple[Log, str]:
    """``log`` with its objects' sources filled in where the log says who they are without a
    ``source`` column, and how they were found:

    * ``"column"``: the log has a ``source`` column; it is left as it is;
    * ``"author of the 'post'"`` (the kind of action): the log holds the originals
      (:func:`origin_action`), and each object they start has its original's actor as source;
    * ``"'RT @author:' of texts"``: at least :data:`RESHARE_SHARE` of the actions are reshares
      whose text names the author as Twitter writes it (:data:`RESHARE_TEXT`);
    * both, joined by ``", else "``, the originals first;
    * ``"first actor"``: none of these; the engine takes whoever acted on an object first.

    >>> from concerted.schema import make_log
    >>> rows = [{"actor": f"a{i}", "object": "p", "time": float(i), "text": "RT @x_1: hi"}
    ...         for i in range(3)]
    >>> log, how = infer_sources(make_log(rows))
    >>> how, log.table["source"].to_pylist()
    ("'RT @author:' of texts", ['x_1', 'x_1', 'x_1'])
    """
    if log.has("source"):
        return log, "column"
    table, found = log.table, []
    source = pa.nulls(len(log), pa.string())
    if log.has("action"):
        firsts = _first_actions(table)
        action = _origin(table, firsts)
        if action is not None:
            authors = firsts.filter(pc.equal(firsts["action"], action))
            index = pc.index_in(table["object"], value_set=authors["object"])
            source = pc.cast(pc.take(authors["author"], index), pa.string())
            found.append(f"author of the '{action}'")
    if len(log) and table["text"].null_count < len(log):
        matched = pc.extract_regex(table["text"], RESHARE_TEXT)  # null where the text is not
        named = pc.if_else(pc.is_valid(matched), pc.struct_field(matched, "author"), None)
        if named.null_count <= (1 - RESHARE_SHARE) * len(log):
            source = pc.coalesce(source, named)
            found.append("'RT @author:' of texts")
    if not found:
        return log, "first actor"
    column = table.column_names.index("source")
    return replace(log, table=table.set_column(column, "source", source)), ", else ".join(found)


def missing_source_note(log: Log, how: str | None = None) -> list[str]:
    """A note when the log names no object's author (:func:`infer_sources` finds none) but many
    actions look like reshares (an ``action`` such as ``retweet``) of posts it does not hold (the
    first action on them is a reshare too): the first actor on such a post is a random fan, and
    the user should map the author column.

    >>> from concerted.schema import make_log
    >>> rows = [{"actor": f"a{i}", "object": "p", "time": float(i), "action": "retweet"}
    ...         for i in range(5)]
    >>> missing_source_note(make_log(rows))[0][:40]
    '5 of 5 actions (100 %) look like reshare'

    Reshares whose text names the author (``RT @x: ...``) need no note: :func:`infer_sources`
    reads it there. ``how`` is what :func:`infer_sources` said of ``log`` if it ran already (a
    detector's ``object_sources``): it is not run again.
    """
    n = len(log)
    if how is None:
        _, how = infer_sources(log)
    if not n or how != "first actor":
        return []
    table = log.table
    looks = pc.fill_null(pc.is_in(pc.utf8_lower(table["action"]), pa.array(RESHARE_ACTIONS)), False)
    looks = pc.or_(looks, pc.fill_null(pc.starts_with(table["text"], "RT @"), False))
    # Only where the log lacks the original: the first action on the object is a reshare.
    objects = pc.dictionary_encode(table["object"]).combine_chunks().indices.to_numpy()
    order = np.lexsort((table["time"].to_numpy(), objects))
    first = np.ones(n, dtype=bool)
    first[1:] = objects[order][1:] != objects[order][:-1]
    orphan = np.zeros(int(objects.max()) + 1, dtype=bool)
    orphan[objects[order][first]] = looks.to_numpy(zero_copy_only=False)[order][first]
    count = int((orphan[objects] & looks.to_numpy(zero_copy_only=False)).sum())
    if count < RESHARE_SHARE * n:
        return []
    return [
        f"{count:,} of {n:,} actions ({100 * count / n:.0f} %) look like reshares of posts the "
        "log does not hold, and it does not name their authors: each object's source was taken to be "
        "whoever acted on it first, which in a collection of reshares is a random fan, so the "
        "fans of one account may look coordinated. Map the author's column with "
        "--map source=COLUMN (e.g. retweeted_user_screen_name)"
    ]


def describe_sources(
    log: Log, objects: pa.Table, group_actions: pa.Table
) -> tuple[dict[int, tuple[str | None, float]], dict[tuple[int, str], float]]:
    """Whom each group reacts to, and how fast each member does.

    Returns ``{group: (top_source, share)}`` (the source of most of the group's actions on its
    shared objects, the members' own posts aside, and that share of them) and ``{(group,
    actor): delay}`` (the member's median delay, in seconds, after the first action on the
    objects it reacted to: the post itself when the log holds it).
    """
    if not group_actions.num_rows or "source" not in objects.column_names:
        return {}, {}
    first = log.table.group_by("object").aggregate([("time", "min")])
    at = pc.index_in(group_actions["object"], value_set=first["object"])
    start = first["time_min"].take(at).to_numpy(zero_copy_only=False)
    source = objects["source"].take(
        pc.index_in(group_actions["object"], value_set=objects["object"])
    )
    reaction = pc.fill_null(pc.not_equal(source, group_actions["actor"]), True).to_numpy(
        zero_copy_only=False
    )
    groups = group_actions["group"].to_numpy()
    actors = group_actions["actor"].to_pylist()
    sources = source.to_pylist()
    delay = group_actions["time"].to_numpy() - start
    top: dict[int, tuple[str | None, float]] = {}
    for g in np.unique(groups).tolist():
        mine = np.flatnonzero((groups == g) & reaction)
        if not len(mine):
            top[g] = (None, 0.0)
            continue
        names, counts = np.unique(np.array([sources[i] or "" for i in mine]), return_counts=True)
        best = int(np.argmax(counts))
        top[g] = (names[best] or None, round(float(counts[best] / len(mine)), 4))
    delays: dict[tuple[int, str], list[float]] = {}
    for i in np.flatnonzero(reaction & (delay > 0)).tolist():
        delays.setdefault((int(groups[i]), actors[i]), []).append(float(delay[i]))
    return top, {k: round(float(np.median(v)), 3) for k, v in delays.items()}
