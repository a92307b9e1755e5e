"""Was a hashtag taken over? :func:`find_takeovers` tells a flood of outsiders posting something
else from an organic spike, says when it started, how much of the volume it made and who did it.

The method, per hashtag (each step is a figure in ``hashtags.csv``):

1. **Bins.** The hashtag's posts are counted in bins of ``bin_seconds`` (10 minutes), aligned on
   the clock.
2. **Baseline.** For a bin, the baseline is everything the hashtag had before a time T,
   ``baseline_lag_bins`` bins before the bin (an hour), so that a flood's first trickle is not
   part of it: who had used it (its community) and what they said (its vocabulary: the tokens of
   :mod:`.content` that at least ``vocab_min_actors`` of its accounts had used).
3. **A flooded bin** is judged against that baseline: at least ``min_bin_posts`` posts; a volume
   of at least ``min_volume_ratio`` times the baseline's posts per bin; and at least
   ``flooded_share`` of its posts *flood posts*, posts by accounts new to the hashtag (first
   use at or after T) that are off-topic (under ``on_topic_share`` of their tokens in the
   baseline's vocabulary, or a message new to the hashtag pasted by at least
   ``min_copy_accounts`` accounts and by none of its community; and not a reshare of a
   baseline account's post: the export's ``source``, or a text starting ``RT @name:``).
4. **A takeover** is the first run of ``min_run_bins`` flooded bins, each within
   ``max_gap_bins`` bins of the one before (a crowd that floods in waves, quiet between, is
   still one flood), all judged against the baseline before the run's first bin (so the flood
   never becomes its own baseline). The run goes on while flooded bins follow (the same gaps),
   and starts earlier if the bins just before it already held a rising flood (at least two
   flood posts and half the flooded share: a flood that swells slowly). A run during which the
   hashtag's own community, in the run's busiest hour, posts at ``community_lift`` times its
   rate of the day before or more is an organic spike, not a takeover: an event drew the tag's
   community along with the newcomers (``community_lift`` in ``hashtags.csv``).
5. **Flooders** are the newcomers whose posts in the takeover are mostly off-topic; the start is
   refined to the first flooder's first post. The core engine (:func:`concerted.detect`, with
   its significance test) then looks for coordinated groups among the newcomers, on the links
   and identical texts they share.

An organic spike fails step 3 or 4 however large and fast it is: its posts come from the
community, or are on the hashtag's topic, or the community rises with it. Confidence (0-1) is 0.5 and more for a takeover, rising with how
far the flood share passes the threshold, how long the flood lasts, and how many flooders the
core finds coordinated; under 0.5 (how close the busiest bin came) otherwise.

Known limits: a hashtag needs ``min_baseline_posts`` posts before a flood to have a baseline (a
hashtag born in a flood is not judged); a flood whose posts each mix the community's words
differently (spam opening with three of its top words) is on topic by this measure; a community
that answers a flood at three times its usual rate makes the flood look organic; a flood whose
posts hold no word, tag or link (the bare hashtag) has no content to judge and is not counted as
off-topic.
"""

from __future__ import annotations

import math
import time as _time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ... import __version__
from ...schema import Log
from ...sql import connect
from ..params import check_lens_params
from .content import text_key, tokens_table
from .coordination import coordinated_groups
from .tables import FLOODERS, HASHTAGS

EXAMPLES = 3  # example posts before and after, per hashtag
_BATCH_USES = 1_000_000  # uses of hashtags whose tokens are read at once
_EXAMPLE_SCAN = 20_000  # posts read for examples before a period (the latest ones)
# What varies between copies of one message: links, hashtags, mentions, a reshare's "RT".
_COPY_NOISE = r"(?i)(?:https?://|www\.)\S+|#\S+|@\w+|^rt\b"


@dataclass(frozen=True)
class HashtagResult:
    """What :func:`find_takeovers` found.

    Attributes
    ----------
    hashtags
        One row per hashtag judged (:data:`.tables.HASHTAGS`), takeovers first, then by posts.
    flooders
        One row per flooder and hashtag (:data:`.tables.FLOODERS`).
    details
        Per hashtag (same order): its timeline (``start``, ``step``, ``posts`` and ``flood``
        per bin, ``baseline_end``, ``takeover_start``), example ``before`` and ``after`` posts
        (``actor``, ``time``, ``text``, ``repeats``) and its coordinated ``groups``.
    summary
        Headline figures and the parameters, as written to ``summary.json``.
    """

    hashtags: pa.Table
    flooders: pa.Table
    details: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)


PARAMS = {  # name: (default, lowest allowed, highest allowed)
    "bin_seconds": (600.0, 1.0, 86400.0 * 31),
    "min_posts": (20, 1, None),
    "min_baseline_posts": (30, 1, None),
    "min_bin_posts": (5, 1, None),
    "min_volume_ratio": (2.0, 0.0, None),
    "flooded_share": (0.5, 0.0, 1.0),
    "on_topic_share": (1 / 3, 0.0, 1.0),
    "vocab_min_actors": (2, 1, None),
    "min_run_bins": (3, 1, None),
    "max_gap_bins": (12, 0, None),
    "baseline_lag_bins": (6, 0, None),
    "spike_ratio": (5.0, 0.0, None),
    "community_lift": (3.0, 0.0, None),
    "min_copy_accounts": (5, 2, None),
    "max_coordination_posts": (200_000, 0, None),
}


def load_posts(
    path,
    *,
    mapping: dict[str, str] | None = None,
    object_columns: list[str] | None = None,
    objects_from_text: list[str] | None = None,
    format: str | None = None,
) -> Log:
    """Posts for :func:`find_takeovers`: :func:`concerted.load_log`, the hashtags taken from
    the text (``objects_from_text=["hashtags"]``) unless an object column is named, mapped or
    asked for otherwise."""
    from ...io import load_log

    mapping = dict(mapping or {})
    kinds = list(objects_from_text or [])
    if not kinds and not object_columns and "object" not in mapping:
        kinds = ["hashtags"]  # posts: the hashtags are in their text
    return load_log(
        path,
        mapping=mapping,
        object_columns=object_columns,
        objects_from_text=kinds,
        format=format,
    )


def check_params(**params) -> dict:
    """The lens's parameters with defaults filled in, or :class:`ParameterError` naming a bad
    one.

    >>> check_params(bin_seconds=300)["bin_seconds"]
    300
    >>> check_params(flooded_share=2)
    Traceback (most recent call last):
    ...
    concerted.errors.ParameterError: flooded_share must be a number from 0.0 to 1.0. Got 2.
    """
    return check_lens_params(PARAMS, params)


def find_takeovers(
    log: Log,
    *,
    bin_seconds: float | None = None,
    min_posts: int | None = None,
    min_baseline_posts: int | None = None,
    min_bin_posts: int | None = None,
    min_volume_ratio: float | None = None,
    flooded_share: float | None = None,
    on_topic_share: float | None = None,
    vocab_min_actors: int | None = None,
    min_run_bins: int | None = None,
    max_gap_bins: int | None = None,
    baseline_lag_bins: int | None = None,
    spike_ratio: float | None = None,
    community_lift: float | None = None,
    min_copy_accounts: int | None = None,
    max_coordination_posts: int | None = None,
    coordination: bool = True,
    progress: Callable[[str], None] | None = None,
) -> HashtagResult:
    """Judge every hashtag of ``log``: taken over, an organic spike, or steady.

    Parameters
    ----------
    log
        Posts (:func:`concerted.load_log`): ``actor``, ``time``, ``text`` and an ``object`` per
        hashtag. Objects ``hashtag:#tag`` (``--objects-from-text hashtags``) are the hashtags;
        a log with none has its objects read as hashtags (an explicit hashtag column).
    bin_seconds
        Width of a bin of the timeline (default 600).
    min_posts
        Hashtags with fewer posts are not judged (default 20).
    min_baseline_posts
        Posts a hashtag needs before a bin for that bin to be judged (default 30).
    min_bin_posts
        Posts a bin needs to be flooded (default 5).
    min_volume_ratio
        Least posts in a flooded bin, as a multiple of the baseline's posts per bin (default 2).
    flooded_share
        Least share of a flooded bin's posts that are newcomers' off-topic posts (default 0.5).
    on_topic_share
        A post is on topic when at least this share of its tokens is in the baseline's
        vocabulary (default 1/3).
    vocab_min_actors
        Accounts that must have used a token before for it to be in the vocabulary (default 2).
    min_run_bins
        Flooded bins that make a takeover (default 3: half an hour of 10-min bins).
    max_gap_bins
        Bins not flooded between two flooded bins of one takeover (default 12: a crowd that
        floods in waves up to two hours apart is one flood).
    baseline_lag_bins
        A bin is judged against the baseline that ended this many bins before it (default 6:
        an hour of 10-min bins), so a flood's vanguard, trickling in before the flood swells,
        does not make the flood's words and accounts part of the baseline.
    spike_ratio
        A hashtag that is not taken over but whose busiest bin reaches this multiple of its
        baseline, in a spell of at least ``min_posts`` posts, is called a spike (default 5).
    community_lift
        A run of flooded bins in which the hashtag's own community (its accounts before the
        run) posts at least this many times its rate of the day before is an organic spike,
        not a takeover: an event drew the tag's community along with the newcomers (default 3).
    min_copy_accounts
        A newcomer's post is off-topic, whatever its words, when its message (its text without
        links, tags and mentions) is new to the hashtag, posted by at least this many accounts
        and by none that had used the hashtag before it (default 5): a flood's copies.
    max_coordination_posts
        Coordination is looked for among a takeover's newcomers when they posted at most this
        many posts in it (default 200,000: the core engine on a flood of millions of posts
        needs more memory than the lens); above, a note says so.
    coordination
        Look for coordinated groups among each takeover's newcomers with the core engine.
    progress
        Called with a short message at each step.

    Returns
    -------
    HashtagResult

    Example
    -------
    >>> from concerted import make_log
    >>> rows = [{"actor": f"c{i % 10}", "object": "hashtag:#garden", "time": 3600.0 * i,
    ...          "text": "tomato seedlings compost garden #garden"} for i in range(40)]
    >>> rows += [{"actor": f"n{i}", "object": "hashtag:#garden", "time": 3600.0 * 40 + 40 * i,
    ...           "text": "stan her fancam https://v.example/1 #garden"} for i in range(60)]
    >>> result = find_takeovers(make_log(rows))
    >>> result.hashtags.select(["hashtag", "takeover", "flooders"]).to_pylist()
    [{'hashtag': '#garden', 'takeover': True, 'flooders': 60}]
    """
    p = check_params(
        bin_seconds=bin_seconds,
        min_posts=min_posts,
        min_baseline_posts=min_baseline_posts,
        min_bin_posts=min_bin_posts,
        min_volume_ratio=min_volume_ratio,
        flooded_share=flooded_share,
        on_topic_share=on_topic_share,
        vocab_min_actors=vocab_min_actors,
        min_run_bins=min_run_bins,
        max_gap_bins=max_gap_bins,
        baseline_lag_bins=baseline_lag_bins,
        spike_ratio=spike_ratio,
        community_lift=community_lift,
        min_copy_accounts=min_copy_accounts,
        max_coordination_posts=max_coordination_posts,
    )
    say = progress or (lambda _message: None)
    started = _time.perf_counter()
    posts = hashtag_posts(log)
    say(f"{posts.num_rows:,} uses of hashtags")
    rows, flooders, details = [], [], []
    for batch in _batches(_by_hashtag(posts, p["min_posts"])):
        # Whole hashtags, about a million uses at a time: memory stays bounded by the batch.
        lo = batch[0][1]
        hi = batch[-1][1] + batch[-1][2].num_rows
        uses, token_ids = _use_tokens(posts.slice(lo, hi - lo), p["min_posts"])
        uses += lo
        for tag, start, part in batch:
            a, b = np.searchsorted(uses, (start, start + part.num_rows))
            tokens = (uses[a:b] - start, token_ids[a:b])
            row, tag_flooders, detail = _judge(tag, part, p, tokens, coordination)
            rows.append(row)
            flooders += tag_flooders
            details.append(detail)
        say(f"{len(rows):,} hashtags judged")
    order = sorted(range(len(rows)), key=lambda i: (not rows[i]["takeover"], -rows[i]["posts"]))
    rows = [rows[i] for i in order]
    details = [details[i] for i in order]
    taken = [r for r in rows if r["takeover"]]
    say(f"{len(rows):,} hashtags judged, {len(taken):,} taken over")
    summary = {
        "concerted_version": __version__,
        "input": log.source,
        "posts": int(len(set(posts["row"].to_pylist()))) if posts.num_rows else 0,
        "hashtag_uses": posts.num_rows,
        "hashtags": int(pa.compute.count_distinct(posts["hashtag"]).as_py())
        if posts.num_rows
        else 0,
        "hashtags_judged": len(rows),
        "takeovers": len(taken),
        "spikes": sum(r["verdict"] == "spike" for r in rows),
        "flooders": len(flooders),
        "taken_over": [
            {
                "hashtag": r["hashtag"],
                "start": r["takeover_start"],
                "confidence": r["confidence"],
                "share_flooded": r["share_flooded"],
                "flooders": r["flooders"],
            }
            for r in taken
        ],
        "params": {**p, "coordination": coordination},
        "notes": list(log.notes) + [d["note"] for d in details if "note" in d],
        "seconds": round(_time.perf_counter() - started, 2),
    }
    return HashtagResult(
        hashtags=pa.Table.from_pylist(rows, schema=HASHTAGS),
        flooders=pa.Table.from_pylist(flooders, schema=FLOODERS),
        details=details,
        summary=summary,
    )


def hashtag_posts(log: Log) -> pa.Table:
    """One row per post and hashtag it carries: ``hashtag`` (``#tag``), ``actor``, ``time``,
    ``text``, ``copy_key`` (the text as copies of one message share it, hashed: 0 when too
    short), ``source`` (the account whose post it reshares, if any), ``row``, sorted by hashtag
    and time.

    >>> from concerted import make_log
    >>> log = make_log([{"actor": "a", "object": "hashtag:#Tag", "time": 1.0, "text": "x"},
    ...                 {"actor": "a", "object": "url:x.org", "time": 1.0, "text": "x"}])
    >>> hashtag_posts(log).to_pylist()
    [{'hashtag': '#tag', 'actor': 'a', 'time': 1.0, 'text': 'x', 'copy_key': 0, 'source': None, 'row': 1}]
    """
    con = connect()
    con.register("raw_log", log.table.select(["actor", "object", "time", "text", "source", "row"]))
    con.sql(
        f"""
        CREATE TEMP VIEW log AS SELECT *, trim(regexp_replace(lower(regexp_replace(
            coalesce(text, ''), '{_COPY_NOISE}', ' ', 'g')), '\\s+', ' ', 'g')) AS copy
        FROM raw_log
        """
    )
    tagged = con.sql("SELECT count(*) FROM log WHERE starts_with(object, 'hashtag:')").fetchall()[
        0
    ][0]
    # Objects ``hashtag:#tag`` where there are any; else the objects are the hashtags (a
    # column of them), typed or not (``hashtag_id:tag``, ``#Tag``, ``tag``).
    where = "WHERE starts_with(object, 'hashtag:')" if tagged else ""
    bare = "regexp_replace(object, '^[a-z_]+:', '')" if not tagged else "object[9:]"
    table = con.sql(
        f"""
        SELECT '#' || lower(ltrim({bare}, '#')) AS hashtag, any_value(actor) AS actor,
               min(time) AS time, any_value(text) AS text,
               -- the text as copies share it: links, tags and mentions out, case and spacing
               -- folded; a hash, or 0 for a text too short to tell a copy from a coincidence
               coalesce(CASE WHEN length(any_value(copy)) >= 8 THEN hash(any_value(copy)) END,
                        0::UBIGINT) AS copy_key,
               -- whose post this one reshares: the export's source, else "RT @name:"
               coalesce(nullif(any_value(source), any_value(actor)),
                        nullif(regexp_extract(any_value(text), '^RT @([A-Za-z0-9_]+):', 1), ''))
                 AS source, row
        FROM log {where}
        GROUP BY hashtag, row
        HAVING hashtag <> '#'
        ORDER BY hashtag, time, row
        """
    ).to_arrow_table()
    con.close()
    return table


def _batches(tags, size: int = _BATCH_USES):
    """Consecutive (hashtag, start, posts) in lists of about ``size`` uses (a hashtag is never
    split)."""
    batch, n = [], 0
    for item in tags:
        batch.append(item)
        n += item[2].num_rows
        if n >= size:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _use_tokens(posts: pa.Table, min_posts: int) -> tuple[np.ndarray, np.ndarray]:
    """The tokens of each use of a hashtag with at least ``min_posts`` posts: the use's index
    in ``posts`` and a token id, one pair per use and token, sorted by index (the hashtag of
    the use itself is left out: every post of it carries it)."""
    con = connect()
    try:
        counts = pc.value_counts(posts["hashtag"])
        judged = pc.filter(
            counts.field("values"), pc.greater_equal(counts.field("counts"), min_posts)
        )
        mask = pc.is_in(posts["hashtag"], value_set=judged)
        index = pc.filter(pa.array(np.arange(posts.num_rows, dtype=np.int64)), mask)
        # Each use read apart (a post with two judged hashtags is read twice): cheaper than
        # gathering every distinct post's text first.
        con.register(
            "uses",
            pa.table(
                {
                    "row": index,
                    "hashtag": posts["hashtag"].filter(mask),
                    "text": posts["text"].filter(mask),
                }
            ),
        )
        con.register("tokens", tokens_table(con, "uses"))
        found = con.sql(
            """
            WITH ids AS (SELECT token, row_number() OVER (ORDER BY token) - 1 AS id
                         FROM (SELECT DISTINCT token FROM tokens))
            SELECT t.row AS i, ids.id FROM tokens t JOIN uses u ON u.row = t.row
            JOIN ids ON ids.token = t.token
            WHERE t.token <> u.hashtag
            ORDER BY t.row, ids.id
            """
        ).fetchnumpy()
    finally:
        con.close()
    return np.asarray(found["i"], np.int64), np.asarray(found["id"], np.int64)


def _by_hashtag(posts: pa.Table, min_posts: int):
    """(hashtag, index of its first post, its posts) for each hashtag with enough posts."""
    if posts.num_rows == 0:
        return
    tags = posts["hashtag"].to_numpy(zero_copy_only=False)
    bounds = np.flatnonzero(tags[1:] != tags[:-1]) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(tags)]])
    for s, e in zip(starts, ends, strict=True):
        if e - s >= min_posts:
            yield str(tags[s]), int(s), posts.slice(s, e - s)


class _Tag:
    """One hashtag's posts, with what judging a bin against a baseline needs precomputed."""

    def __init__(self, tag: str, part: pa.Table, p: dict, tokens: tuple) -> None:
        self.tag = tag
        self.p = p
        self.times = part["time"].to_numpy().astype(float)
        self.actor_names = part["actor"].to_pylist()
        self.texts = part["text"].to_pylist()
        encoded = part["actor"].combine_chunks().dictionary_encode()
        self.actor = encoded.indices.to_numpy().astype(np.int64)
        names = self.names = encoded.dictionary.to_numpy(zero_copy_only=False)
        # A reshare of the community's own post says what the community said: the account
        # reshared, as an index of names (-1: none, or an account that never used the tag).
        reshared = pc.index_in(part["source"], value_set=encoded.dictionary)
        self.reshared = reshared.fill_null(-1).to_numpy().astype(np.int64)
        first = np.full(len(names), np.inf)
        np.minimum.at(first, self.actor, self.times)
        self.first_use = first  # per account: its first post with the tag
        # Copies: per post, when its message (copy_key) was first posted on the tag, and by
        # how many accounts new to the tag then, if no account of its community pasted it too
        # (0: no message, or one the community shares).
        keys = part["copy_key"].to_numpy()
        uniq, key = np.unique(keys, return_inverse=True)
        key_first = np.full(len(uniq), np.inf)
        np.minimum.at(key_first, key, self.times)
        pairs = np.unique(key.astype(np.int64) * len(names) + self.actor)
        pair_key, pair_actor = pairs // len(names), pairs % len(names)
        accounts = np.bincount(pair_key, minlength=len(uniq))
        shared = np.bincount(
            pair_key, weights=first[pair_actor] < key_first[pair_key], minlength=len(uniq)
        )
        accounts[(uniq == 0) | (shared > 0)] = 0
        self.copy_first = key_first[key]
        self.copy_accounts = accounts[key]
        # Tokens, flat: post index and token id (this hashtag's own) per (post, token).
        self.post_of = tokens[0]
        vocab, self.token_of = np.unique(tokens[1], return_inverse=True)
        self.n_tokens = np.bincount(self.post_of, minlength=len(self.times))
        self.established = self._established(len(vocab), p["vocab_min_actors"])
        step = p["bin_seconds"]
        self.bin0 = math.floor(self.times[0] / step)
        self.bins = (np.floor(self.times / step) - self.bin0).astype(np.int64)
        self.n_bins = int(self.bins[-1]) + 1
        self.counts = np.bincount(self.bins, minlength=self.n_bins)
        self.bin_start = np.searchsorted(self.bins, np.arange(self.n_bins + 1))

    def _established(self, n_vocab: int, k: int) -> np.ndarray:
        """Per token: when the k-th distinct account first used it (inf if fewer did)."""
        out = np.full(n_vocab, np.inf)
        if not len(self.token_of):
            return out
        tok, act, tm = self.token_of, self.actor[self.post_of], self.times[self.post_of]
        order = np.lexsort((tm, act, tok))
        tok, act, tm = tok[order], act[order], tm[order]
        firsts = np.ones(len(tok), bool)
        firsts[1:] = (tok[1:] != tok[:-1]) | (act[1:] != act[:-1])
        tok, tm = tok[firsts], tm[firsts]
        order = np.lexsort((tm, tok))
        tok, tm = tok[order], tm[order]
        group_start = np.searchsorted(tok, tok)  # tok sorted: first index of each token
        rank = np.arange(len(tok)) - group_start
        kth = rank == k - 1
        out[tok[kth]] = tm[kth]
        return out

    def time_of(self, b: int) -> float:
        return (self.bin0 + b) * self.p["bin_seconds"]

    def flags(self, lo: int, hi: int, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        """For posts lo..hi-1 against the baseline before ``threshold``: newcomer, off-topic."""
        newcomer = self.first_use[self.actor[lo:hi]] >= threshold
        # post_of is sorted: the tokens of posts lo..hi-1 are one slice of it.
        a, b = np.searchsorted(self.post_of, (lo, hi))
        on = self.established[self.token_of[a:b]] < threshold
        on_count = np.bincount(self.post_of[a:b] - lo, weights=on, minlength=hi - lo)
        n = self.n_tokens[lo:hi]
        off = (n > 0) & (on_count < self.p["on_topic_share"] * n)
        # A message new to the tag pasted by many newcomers and by none of its community is a
        # flood's, whatever its words (a brand's ad that opens with the tag's own slogan).
        off |= (self.copy_first[lo:hi] >= threshold) & (
            self.copy_accounts[lo:hi] >= self.p["min_copy_accounts"]
        )
        shared = self.reshared[lo:hi]
        from_community = shared >= 0
        from_community[from_community] = self.first_use[shared[from_community]] < threshold
        off &= ~from_community
        return newcomer, off

    def baseline_rate(self, b: int) -> tuple[int, float]:
        """Posts before bin b, and their posts per bin."""
        before = int(self.bin_start[b])
        return before, before / max(b, 1)

    def bin_stats(self, b: int, threshold: float, rate: float) -> dict:
        lo, hi = int(self.bin_start[b]), int(self.bin_start[b + 1])
        newcomer, off = self.flags(lo, hi, threshold)
        n = hi - lo
        return {
            "posts": n,
            "ratio": n / rate if rate > 0 else math.inf,
            "flood": float((newcomer & off).sum() / n) if n else 0.0,
        }

    def flooded(self, b: int, threshold: float, rate: float) -> tuple[bool, dict]:
        s = self.bin_stats(b, threshold, rate)
        ok = (
            s["posts"] >= self.p["min_bin_posts"]
            and s["ratio"] >= self.p["min_volume_ratio"]
            and s["flood"] >= self.p["flooded_share"]
        )
        return ok, s


def _judge(tag: str, part: pa.Table, p: dict, tokens: tuple, coordination: bool):
    """One hashtag's row of hashtags.csv, its flooders and its details; ``tokens`` are its
    posts' tokens (post index, token id), sorted by post."""
    t = _Tag(tag, part, p, tokens)
    run = p["min_run_bins"]
    found = None  # (first bin, last bin, threshold, rate, mean flood share)
    peak = None  # (ratio, bin) of the busiest bin judged
    judged_any = False
    # Only bins with enough posts, after enough history, are judged (most bins of a long
    # timeline are neither: skipped without a Python step each).
    lag = p["baseline_lag_bins"]
    base_bin = np.maximum(np.arange(t.n_bins) - lag, 0)  # a bin's baseline ends lag bins before
    judged = (t.bin_start[base_bin] >= p["min_baseline_posts"]) & (t.counts >= p["min_bin_posts"])
    organic = None  # (first bin, last bin, threshold, community lift) of a run not taken
    skip_to = -1  # bins up to here belong to a run already judged
    for b in np.flatnonzero(judged).tolist():
        _, rate = t.baseline_rate(int(base_bin[b]))
        judged_any = True
        threshold = t.time_of(int(base_bin[b]))
        ok, s = t.flooded(b, threshold, rate)
        if peak is None or s["ratio"] > peak[0]:
            peak = (s["ratio"], b)
        if not ok or b <= skip_to:
            continue
        # The flood goes on while flooded bins follow each other within max_gap_bins: a crowd
        # that posts in waves (an hour apart, quiet between) floods the tag as surely as one
        # that posts without a pause. Every bin is judged against the baseline before the first.
        shares, last, gap, c = [s["flood"]], b, 0, b + 1
        while c < t.n_bins and gap < p["max_gap_bins"] + 1:
            ok_c, s_c = t.flooded(c, threshold, rate)
            if ok_c:
                last, gap = c, 0
                shares.append(s_c["flood"])
            else:
                gap += 1
            c += 1
        if len(shares) < run:
            continue
        skip_to = last
        first, threshold = _ramp(t, b)
        lift = _community_lift(t, first, last, threshold)
        if lift >= p["community_lift"]:
            # The tag's own community rose with the newcomers: an event that drew everyone
            # who cares about the tag, not outsiders drowning it out.
            organic = organic or (first, last, threshold, lift)
            continue
        if _flooders(t, first, last, threshold)[0]:
            found = (first, last, threshold, rate, float(np.mean(shares)), lift)
            break
    baseline_end = found[2] if found else (t.time_of(peak[1]) if peak else None)
    base_n = int(np.searchsorted(t.times, baseline_end)) if baseline_end is not None else 0
    row = {
        "hashtag": tag,
        "takeover": False,
        "takeover_start": None,
        "takeover_end": None,
        "confidence": 0.0,
        "verdict": "steady" if judged_any else "no baseline",
        "share_flooded": None,
        "newcomer_share": None,
        "drift": None,
        "volume_ratio": None,
        "community_lift": None,
        "posts": len(t.times),
        "actors": len(t.names),
        "baseline_posts": base_n,
        "baseline_actors": int(len(np.unique(t.actor[:base_n]))),
        "period_posts": 0,
        "flooders": 0,
        "coordinated_flooders": 0,
        "groups": 0,
        "first_time": float(t.times[0]),
        "last_time": float(t.times[-1]),
    }
    timeline = {
        "start": t.time_of(0),
        "step": p["bin_seconds"],
        "posts": t.counts.tolist(),
        "flood": [0] * t.n_bins,
        "baseline_end": baseline_end,
        "takeover_start": None,
    }
    detail = {"hashtag": tag, "timeline": timeline, "before": [], "after": [], "groups": []}
    if baseline_end is not None:
        detail["before"] = _examples(t, np.arange(base_n)[::-1], repeats=False)
    if found is None:
        if organic is not None:  # the first run the community rose with: the spike described
            first, last, base_end, lift = organic
        elif peak is not None:
            first, last = _spike_bins(t, peak[1])
            base_end, lift = t.time_of(first), None
        else:
            return row, [], detail
        lo, hi = int(t.bin_start[first]), int(t.bin_start[last + 1])
        before = int(np.searchsorted(t.times, base_end))
        rate = before / max((base_end - t.time_of(0)) / p["bin_seconds"], 1)
        _period_figures(row, t, lo, hi, base_end, rate, last - first + 1, hi - lo)
        row["baseline_posts"] = before
        row["baseline_actors"] = int(len(np.unique(t.actor[:before])))
        timeline["baseline_end"] = base_end
        detail["before"] = _examples(t, np.arange(before)[::-1], repeats=False)
        flood_share = row["share_flooded"]
        row["share_flooded"] = 0.0  # no flooders: the flood-like posts, in confidence
        if lift is not None:
            row["community_lift"] = round(lift, 2)
            # Under 0.5: how far the community's rise passed the limit.
            row["confidence"] = round(0.49 * min(1.0, p["community_lift"] / lift), 3)
            row["verdict"] = "spike"
        else:
            row["confidence"] = round(0.5 * min(1.0, flood_share / p["flooded_share"]) * 0.99, 3)
            # A spike is a spell of posts, not one busy bin of a quiet hashtag.
            spike = peak[0] >= p["spike_ratio"] and hi - lo >= p["min_posts"]
            row["verdict"] = "spike" if spike else "steady"
        detail["after"] = _examples(t, np.arange(lo, hi), repeats=True)
        return row, [], detail
    first, last, threshold, rate, mean_share, lift = found
    lo, hi = int(t.bin_start[first]), int(t.bin_start[last + 1])
    chosen, newcomer, off = _flooders(t, first, last, threshold)
    flooder_posts = np.zeros(hi - lo, bool)
    for idx in chosen.values():
        flooder_posts[idx] = True
    groups: dict[str, int] = {}
    searched = coordination and 0 < int(newcomer.sum()) <= p["max_coordination_posts"]
    if coordination and not searched and newcomer.any():
        detail["note"] = (
            f"{tag}: coordination among its newcomers not searched: {int(newcomer.sum()):,} "
            f"posts, over the limit of {p['max_coordination_posts']:,} (run concerted detect on "
            "the flooders' posts)"
        )
    if searched:
        newcomer_idx = lo + np.flatnonzero(newcomer)
        groups = coordinated_groups(
            [t.actor_names[i] for i in newcomer_idx],
            t.times[newcomer_idx].tolist(),
            [t.texts[i] for i in newcomer_idx],
        )
    start = float(min(t.times[lo + idx[0]] for idx in chosen.values())) if chosen else threshold
    end = t.time_of(last + 1)
    _period_figures(row, t, lo, hi, threshold, rate, last - first + 1, hi - lo)
    row["community_lift"] = round(lift, 2)
    flooders = []
    for a, idx in sorted(chosen.items(), key=lambda kv: (t.times[lo + kv[1][0]], t.names[kv[0]])):
        name = str(t.names[a])
        n_off = int(off[idx].sum())
        group = groups.get(name)
        flooders.append(
            {
                "actor": name,
                "hashtag": tag,
                "posts": len(idx),
                "off_topic_posts": n_off,
                "group": group,
                "first_time": float(t.times[lo + idx[0]]),
                "evidence": (
                    f"new to {tag}; {n_off} of {len(idx)} posts in the takeover off the "
                    f"hashtag's baseline vocabulary"
                    + (f"; coordinated group {group} (core engine)" if group else "")
                ),
            }
        )
    coordinated = sum(1 for f in flooders if f["group"] is not None)
    sustain = min(1.0, (last - first + 1) / (2 * run))
    strength = (mean_share - p["flooded_share"]) / max(1e-9, 1 - p["flooded_share"])
    coord = coordinated / len(flooders) if flooders else 0.0
    row.update(
        takeover=True,
        verdict="takeover",
        takeover_start=start,
        takeover_end=end,
        share_flooded=round(float(flooder_posts.mean()), 4),
        flooders=len(flooders),
        coordinated_flooders=coordinated,
        groups=len({f["group"] for f in flooders if f["group"] is not None}),
        confidence=round(0.5 + 0.5 * (min(1.0, strength) + sustain + coord) / 3, 3),
    )
    flood_bins = np.bincount(t.bins[lo:hi][flooder_posts], minlength=t.n_bins)
    timeline.update(flood=flood_bins.tolist(), takeover_start=start)
    detail["after"] = _examples(t, lo + np.flatnonzero(flooder_posts), repeats=True)
    detail["groups"] = _group_lists(flooders)
    return row, flooders, detail


def _ramp(t: _Tag, first: int) -> tuple[int, float]:
    """The takeover's first bin moved back over the bins just before it where the flood was
    already rising (at least 2 flood posts, half the flooded share, judged each against the
    baseline before it), so that the first flooders count as newcomers, not as the baseline.
    Returns the first bin and the end of its baseline (``baseline_lag_bins`` before it, as every
    bin is judged: the flood's vanguard is not the baseline)."""
    while first > 0:
        b = first - 1
        lo, hi = int(t.bin_start[b]), int(t.bin_start[b + 1])
        base = max(b - t.p["baseline_lag_bins"], 0)
        if t.bin_start[base] < t.p["min_baseline_posts"] or hi == lo:
            break
        newcomer, off = t.flags(lo, hi, t.time_of(base))
        flood = int((newcomer & off).sum())
        if flood < 2 or flood < 0.5 * t.p["flooded_share"] * (hi - lo):
            break
        first = b
    return first, t.time_of(max(first - t.p["baseline_lag_bins"], 0))


def _community_lift(t: _Tag, first: int, last: int, threshold: float) -> float:
    """How many times its usual rate the hashtag's community (accounts that used it before
    ``threshold``) posted in the busiest hour of bins first..last (where an event that drew the
    community draws it most): against its posts per bin over the day before ``threshold`` (a
    day, so that the hour of the day evens out), both counts plus one (a quiet community's
    single post is no rise)."""
    width = max(1, round(3600.0 / t.p["bin_seconds"]))
    totals = t.counts[first : last + 1]
    sums = np.convolve(totals, np.ones(min(width, len(totals)), int), mode="valid")
    a = first + int(np.argmax(sums))
    b = min(a + width, last + 1)
    lo, hi = int(t.bin_start[a]), int(t.bin_start[b])
    observed = int((t.first_use[t.actor[lo:hi]] < threshold).sum())
    since = max(threshold - 86400.0, float(t.times[0]))
    usual = np.searchsorted(t.times, threshold) - np.searchsorted(t.times, since)
    per_bin = usual / max((threshold - since) / t.p["bin_seconds"], 1.0)
    return (observed + 1) / (per_bin * (b - a) + 1)


def _flooders(
    t: _Tag, first: int, last: int, threshold: float
) -> tuple[dict, np.ndarray, np.ndarray]:
    """The flooders of bins first..last: account -> indices (from the first bin's first post)
    of its posts there, for newcomers whose posts there are mostly off-topic; and, per post
    there, whether it is by a newcomer and whether it is off-topic."""
    lo, hi = int(t.bin_start[first]), int(t.bin_start[last + 1])
    newcomer, off = t.flags(lo, hi, threshold)
    by_actor: dict[int, list[int]] = {}
    for i in np.flatnonzero(newcomer):
        by_actor.setdefault(int(t.actor[lo + i]), []).append(int(i))
    chosen = {
        a: idx
        for a, idx in by_actor.items()
        if off[idx].sum() >= 1 and 2 * off[idx].sum() >= len(idx)
    }
    return chosen, newcomer, off


def _spike_bins(t: _Tag, peak: int) -> tuple[int, int]:
    """The bins around the busiest one that stay at ``min_volume_ratio`` times the baseline
    before the busiest (the spike the figures of a hashtag not taken over describe)."""
    _, rate = t.baseline_rate(peak)
    floor = max(t.p["min_bin_posts"], t.p["min_volume_ratio"] * rate)
    first, last = peak, peak
    while first > 0 and t.counts[first - 1] >= floor:
        first -= 1
    while last + 1 < t.n_bins and t.counts[last + 1] >= floor:
        last += 1
    return first, last


def _period_figures(row, t: _Tag, lo, hi, threshold, rate, n_bins, n) -> None:
    """newcomer_share, drift, share_flooded (newcomers' off-topic posts) and volume_ratio of
    posts lo..hi-1 against the baseline before ``threshold``."""
    newcomer, off = t.flags(lo, hi, threshold)
    worded = t.n_tokens[lo:hi] > 0
    row.update(
        period_posts=n,
        newcomer_share=round(float(newcomer.mean()), 4) if n else None,
        drift=round(float(off.sum() / worded.sum()), 4) if worded.any() else None,
        share_flooded=round(float((newcomer & off).mean()), 4) if n else None,
        volume_ratio=round(float(n / n_bins / rate), 2) if rate > 0 else None,
    )


def _examples(t: _Tag, indices: np.ndarray, *, repeats: bool) -> list[dict]:
    """Up to :data:`EXAMPLES` posts among ``indices``: the most repeated texts first (with
    their count) when ``repeats``, else the first distinct texts in the order given."""
    if not repeats:  # the latest posts before a period: enough to show what it was like
        indices = indices[:_EXAMPLE_SCAN]
    counts = Counter(text_key(t.texts[i]) for i in indices)
    seen, out = set(), []
    ranked = sorted(indices, key=lambda i: -counts[text_key(t.texts[i])]) if repeats else indices
    for i in ranked:
        key = text_key(t.texts[i])
        if key in seen or not key:
            continue
        seen.add(key)
        out.append(
            {
                "actor": t.actor_names[i],
                "time": float(t.times[i]),
                "text": t.texts[i],
                "repeats": counts[key],
            }
        )
        if len(out) == EXAMPLES:
            break
    return out


def _group_lists(flooders: list[dict]) -> list[dict]:
    groups: dict[int, list[str]] = {}
    for f in flooders:
        if f["group"] is not None:
            groups.setdefault(f["group"], []).append(f["actor"])
    return [{"group": g, "size": len(a), "actors": a} for g, a in sorted(groups.items())]
