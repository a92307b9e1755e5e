"""X / Twitter API v2 JSON: response pages, and the tweets twarc2 writes one per line.

A page (``/2/tweets/search/all``, a timeline, twarc2's ``search`` output: one page per line) is
``{"data": [tweet, ...], "includes": {"users": [...], "tweets": [...]}, "meta": {...}}``; a
tweet's ``referenced_tweets`` name the tweets it retweets, quotes or replies to, whose authors
are in ``includes.tweets``. twarc2's ``flatten`` (and many collections) write one tweet per
line instead, each reference expanded in place with its ``author_id``. Both are read; a
pretty-printed page saved as a ``.json`` file too.

=============  =================================================================================
canonical      from (API v2 tweet fields)
=============  =================================================================================
actor          ``author_id``
action         ``retweet``, ``quote`` or ``reply`` (``referenced_tweets[].type`` ``retweeted``,
               ``quoted``, ``replied_to``), else ``post``
object         the tweet acted on (``referenced_tweets[].id``), a post's own ``id``; and each
               link a post, reply or quote carries (``entities.urls[].expanded_url``, typed
               ``url:``; not a retweet's, which are the original's, nor links to tweets)
source         the referenced tweet's ``author_id`` (from the reference, or ``includes.tweets``
               of any page; a reply's ``in_reply_to_user_id``); a post's own ``author_id``
time, text     ``created_at``, ``text``
language       ``lang``
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_REFERENCE = "STRUCT(type VARCHAR, id VARCHAR, author_id VARCHAR)[]"
_TWEET = {
    "id": "VARCHAR",
    "author_id": "VARCHAR",
    "created_at": "VARCHAR",
    "text": "VARCHAR",
    "lang": "VARCHAR",
    "in_reply_to_user_id": "VARCHAR",
    "referenced_tweets": _REFERENCE,
    "entities": "STRUCT(urls STRUCT(expanded_url VARCHAR)[])",
}
_TWEET_TYPE = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _TWEET.items()) + ")"
# Links to tweets are how a quote shows what it quotes: the quote is its object already.
_TWEET_LINK = r"^https?://(www\.|mobile\.)?(twitter|x)\.com/[^/]+/status"


def _recognise(sample: Sample) -> bool:
    record = sample.record or {}
    data = record.get("data")
    if isinstance(data, list):  # a page
        first = data[0] if data and isinstance(data[0], dict) else {}
        return "author_id" in first or ("id" in first and "text" in first)
    # One tweet per line: v2 names the author ``author_id``; v1.1 nests a ``user``.
    return {"id", "text", "author_id"} <= set(record) and "user" not in record


_REF = "list_filter(t.referenced_tweets, lambda r: r.type = '{}')[1]"

TWITTER_V2 = Importer(
    name="twitter-v2",
    description="X/Twitter API v2 JSON (pages with data and includes, or one tweet per line "
    "as twarc2 writes)",
    container="jsonl",
    recognise=_recognise,
    fields={
        "data": f"{_TWEET_TYPE}[]",
        "includes": "STRUCT(tweets STRUCT(id VARCHAR, author_id VARCHAR)[])",
        **_TWEET,
    },
    select=f"""
        WITH tweets AS (
            SELECT __row, unnest(data) AS t FROM raw WHERE data IS NOT NULL
            UNION ALL
            SELECT __row, struct_pack({", ".join(f"{k} := {k}" for k in _TWEET)})::{_TWEET_TYPE}
            FROM raw WHERE data IS NULL AND id IS NOT NULL
        ),
        authors AS (  -- who wrote each tweet referred to, from every page's includes
            SELECT r.id AS ref_id, any_value(r.author_id) AS ref_author
            FROM (SELECT unnest(includes.tweets) AS r FROM raw WHERE includes IS NOT NULL)
            GROUP BY r.id
        ),
        posts AS (
            SELECT __row, t.*, {_REF.format("retweeted")} AS rt, {_REF.format("quoted")} AS qt,
                   {_REF.format("replied_to")} AS rp
            FROM tweets
        ),
        acts AS (
            SELECT *, coalesce(rt, rp, qt) AS target FROM posts
        )
        SELECT
            author_id AS actor,
            CASE WHEN rt IS NOT NULL THEN 'retweet' WHEN rp IS NOT NULL THEN 'reply'
                 WHEN qt IS NOT NULL THEN 'quote' ELSE 'post' END AS action,
            coalesce(target.id, acts.id) AS object, NULL AS url,
            created_at AS time, text, lang AS language,
            CASE WHEN target IS NULL THEN author_id
                 WHEN rp IS NOT NULL AND rt IS NULL
                     THEN coalesce(in_reply_to_user_id, target.author_id, ref_author)
                 ELSE coalesce(target.author_id, ref_author) END AS source,
            __row
        FROM acts LEFT JOIN authors ON ref_id = target.id
        UNION ALL
        SELECT author_id, CASE WHEN rp IS NOT NULL THEN 'reply' WHEN qt IS NOT NULL
                               THEN 'quote' ELSE 'post' END,
               NULL, link, created_at, text, lang, NULL, __row
        FROM (SELECT *, unnest(entities.urls).expanded_url AS link FROM acts WHERE rt IS NULL)
        WHERE link IS NOT NULL AND NOT regexp_matches(link, '{_TWEET_LINK}')
    """,
    required={"actor": "author_id", "time": "created_at", "object": "id"},
)
