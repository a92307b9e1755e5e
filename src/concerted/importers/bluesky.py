"""Bluesky Jetstream events: the AT Protocol firehose as JSON, one event per line.

Jetstream (``wss://jetstream2.us-east.bsky.network/subscribe``, ``github.com/bluesky-social/
jetstream``) writes each repository change as ``{"did", "time_us", "kind": "commit", "commit":
{"rev", "operation", "collection", "rkey", "record", "cid"}}``; ``record`` is the record as its
lexicon defines it: a post (``app.bsky.feed.post``: ``text``, ``createdAt``, ``langs``,
``reply.parent``, ``embed``, ``facets``), a repost or a like (``app.bsky.feed.repost``,
``app.bsky.feed.like``: ``subject.uri``, the post acted on). Records are read as JSON and their
fields taken by path, since each collection gives them other shapes (a follow's ``subject`` is a
DID, a repost's a reference).

Read: ``kind: commit`` events that ``create`` a post, a repost or a like. Skipped: ``identity``
and ``account`` events, ``update`` and ``delete`` operations (a delete names no subject, only
the record's key) and every other collection (follows, blocks, profiles, lists: not actions on
posts).

=============  =================================================================================
canonical      from (Jetstream event, ``record`` = ``commit.record``)
=============  =================================================================================
actor          ``did``
action         ``repost`` or ``like`` (``commit.collection``); a post is a ``reply`` if it has
               ``record.reply``, else a ``quote`` if it embeds a post (``embed.record.uri``, or
               ``embed.record.record.uri`` with media), else ``post``
object         the post acted on, as an at:// URI: ``record.subject.uri`` (repost, like),
               ``record.reply.parent.uri`` (reply), the embedded post's URI (quote); a post's
               own URI ``at://{did}/{collection}/{rkey}``; and each link a post carries
               (``embed.external.uri``, ``embed.media.external.uri``, facet features of
               ``$type`` ``app.bsky.richtext.facet#link``), typed ``url:``
source         the DID in the object's URI (``at://did:plc:xyz/...`` -> ``did:plc:xyz``); a
               post's own ``did``
time           ``time_us`` (microseconds) as seconds: the relay's clock, not ``createdAt``,
               which the client sets and can backdate
text           ``record.text``
language       the first of ``record.langs``
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_POST = "app.bsky.feed.post"
_KINDS = {_POST: "post", "app.bsky.feed.repost": "repost", "app.bsky.feed.like": "like"}
_LINK = "app.bsky.richtext.facet#link"
# The repository (a DID) an at:// URI names; NULL for a handle-named or malformed URI.
_DID = r"^at://(did:[a-z0-9]+:[^/]+)"


def _recognise(sample: Sample) -> bool:
    return {"did", "time_us", "kind"} <= sample.columns


def _get(path: str) -> str:
    """SQL: the text at a JSONPath of the event's record (NULL where absent)."""
    return f"json_extract_string(record, '{path}')"


_CASES = " ".join(f"WHEN '{c}' THEN '{k}'" for c, k in _KINDS.items())
# A quote embeds a post (alone, or with images: recordWithMedia nests it one level deeper);
# an embedded list or feed generator is not a post acted on.
_QUOTED = (
    f"CASE WHEN {_get('$.embed.record.uri')} LIKE 'at://%/{_POST}/%' "
    f"THEN {_get('$.embed.record.uri')} "
    f"WHEN {_get('$.embed.record.record.uri')} LIKE 'at://%/{_POST}/%' "
    f"THEN {_get('$.embed.record.record.uri')} END"
)

BLUESKY = Importer(
    name="bluesky",
    description="Bluesky Jetstream events (JSON lines of AT Protocol commits: posts, reposts, "
    "likes)",
    container="jsonl",
    recognise=_recognise,
    fields={
        "did": "VARCHAR",
        "time_us": "BIGINT",
        "kind": "VARCHAR",
        "commit": "STRUCT(operation VARCHAR, collection VARCHAR, rkey VARCHAR, record JSON)",
    },
    select=f"""
        WITH commits AS (
            SELECT __row, did, time_us, commit.collection AS collection, commit.rkey AS rkey,
                   commit.record AS record
            FROM raw
            WHERE kind = 'commit' AND commit.operation = 'create'
              AND commit.collection IN ({", ".join(f"'{c}'" for c in _KINDS)})
        ),
        events AS (
            SELECT __row, did, time_us / 1e6 AS time, collection, rkey, record,
                   CASE collection {_CASES} END AS kind,
                   {_get("$.subject.uri")} AS subject, {_get("$.reply.parent.uri")} AS parent,
                   {_QUOTED} AS quoted,
                   {_get("$.text")} AS text, {_get("$.langs[0]")} AS language
            FROM commits
        ),
        acts AS (
            SELECT *,
                   CASE WHEN kind <> 'post' THEN kind WHEN parent IS NOT NULL THEN 'reply'
                        WHEN quoted IS NOT NULL THEN 'quote' ELSE 'post' END AS action,
                   CASE WHEN kind <> 'post' THEN subject
                        ELSE coalesce(parent, quoted,
                                      'at://' || did || '/' || collection || '/' || rkey)
                   END AS target
            FROM events
        ),
        links AS (  -- a card's link is often in the text too: each link once per post
            SELECT DISTINCT __row, link FROM (
                SELECT __row, {_get("$.embed.external.uri")} AS link FROM acts
                WHERE kind = 'post'
                UNION ALL
                SELECT __row, {_get("$.embed.media.external.uri")} FROM acts WHERE kind = 'post'
                UNION ALL
                SELECT __row, json_extract_string(feature, '$.uri') FROM (
                    SELECT __row, unnest(json_extract(record, '$.facets[*].features[*]'))
                        AS feature
                    FROM acts WHERE kind = 'post'
                ) WHERE json_extract_string(feature, '$."$type"') = '{_LINK}'
            ) WHERE link IS NOT NULL
        )
        SELECT did AS actor, action, target AS object, NULL AS url, time, text, language,
               CASE WHEN action = 'post' THEN did
                    ELSE nullif(regexp_extract(target, '{_DID}', 1), '') END AS source,
               __row
        FROM acts
        UNION ALL
        SELECT did, action, NULL, link, time, text, language, NULL, __row
        FROM acts JOIN links USING (__row)
        ORDER BY __row, url NULLS FIRST
    """,
    required={"actor": "did", "time": "time_us", "object": "commit.rkey"},
)
