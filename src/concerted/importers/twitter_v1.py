"""X / Twitter API v1.1 JSON: one tweet per line, as the streaming and search APIs gave them.

The classic tweet object, which twarc (1.x), Hydrator, DocNow and most collections before 2021
write one per line: ``id_str, created_at`` (``Wed Oct 10 20:19:24 +0000 2018``), ``text``
(``full_text`` in extended mode; a long tweet's full text in ``extended_tweet.full_text``),
``lang``, the author nested in ``user`` (``id_str, screen_name``), a retweet's original in full
in ``retweeted_status``, a quote's in ``quoted_status`` (with ``quoted_status_id_str``), a
reply's ``in_reply_to_status_id_str`` and ``in_reply_to_user_id_str``, and the links in
``entities.urls`` (``extended_tweet.entities.urls`` for a long tweet). The semantics are those of
:mod:`~concerted.importers.twitter_v2`.

=============  =================================================================================
canonical      from (API v1.1 tweet fields)
=============  =================================================================================
actor          ``user.id_str``
action         ``retweet`` (``retweeted_status``), ``reply`` (``in_reply_to_status_id_str``),
               ``quote`` (``quoted_status_id_str``), else ``post``
object         the tweet acted on (``retweeted_status.id_str``, ``in_reply_to_status_id_str``,
               ``quoted_status_id_str``), a post's own ``id_str``; and each link a post, reply
               or quote carries (``entities.urls[].expanded_url``, typed ``url:``; not a
               retweet's, which are the original's, nor links to tweets)
source         the author of the tweet acted on: ``retweeted_status.user.id_str``,
               ``in_reply_to_user_id_str``, ``quoted_status.user.id_str`` (or that tweet's
               ``user.id_str`` where the file holds it); a post's own ``user.id_str``
time           ``created_at``
text           ``extended_tweet.full_text``, ``full_text`` or ``text``
language       ``lang``
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_USER = "STRUCT(id_str VARCHAR, screen_name VARCHAR)"
_URLS = "STRUCT(urls STRUCT(expanded_url VARCHAR)[])"
_EMBEDDED = f'STRUCT(id_str VARCHAR, "user" {_USER})'
# Links to tweets are how a quote shows what it quotes: the quote is its object already.
_TWEET_LINK = r"^https?://(www\.|mobile\.)?(twitter|x)\.com/[^/]+/status"


def _recognise(sample: Sample) -> bool:
    # v1.1 nests the author in ``user`` and writes ids as ``id_str``; v2 has neither.
    record = sample.record or {}
    user = record.get("user")
    return (
        {"id_str", "created_at"} <= set(record)
        and ("text" in record or "full_text" in record)
        and isinstance(user, dict)
        and "id_str" in user
    )


TWITTER_V1 = Importer(
    name="twitter-v1",
    description="X/Twitter API v1.1 JSON (one tweet per line, as twarc 1, Hydrator and the "
    "streaming API write)",
    container="jsonl",
    recognise=_recognise,
    fields={
        "id_str": "VARCHAR",
        "created_at": "VARCHAR",
        "text": "VARCHAR",
        "full_text": "VARCHAR",
        "extended_tweet": f"STRUCT(full_text VARCHAR, entities {_URLS})",
        "lang": "VARCHAR",
        "user": _USER,
        "retweeted_status": _EMBEDDED,
        "quoted_status": _EMBEDDED,
        "quoted_status_id_str": "VARCHAR",
        "in_reply_to_status_id_str": "VARCHAR",
        "in_reply_to_user_id_str": "VARCHAR",
        "entities": _URLS,
    },
    select=f"""
        WITH tweets AS (  -- a stream's notices (deletions, limits) are not tweets
            SELECT * FROM raw WHERE id_str IS NOT NULL OR "user" IS NOT NULL
        ),
        authors AS (  -- who wrote each tweet the file holds, in full or embedded
            SELECT tweet, any_value(author) AS ref_author FROM (
                SELECT id_str AS tweet, "user".id_str AS author FROM tweets
                UNION ALL SELECT retweeted_status.id_str, retweeted_status."user".id_str
                FROM tweets
                UNION ALL SELECT quoted_status.id_str, quoted_status."user".id_str FROM tweets
            ) WHERE tweet IS NOT NULL AND author IS NOT NULL GROUP BY tweet
        ),
        acts AS (
            SELECT *, "user".id_str AS actor,
                   CASE WHEN retweeted_status IS NOT NULL THEN 'retweet'
                        WHEN in_reply_to_status_id_str IS NOT NULL THEN 'reply'
                        WHEN quoted_status_id_str IS NOT NULL THEN 'quote'
                        ELSE 'post' END AS action,
                   coalesce(retweeted_status.id_str, in_reply_to_status_id_str,
                            quoted_status_id_str) AS target,
                   coalesce(extended_tweet.full_text, full_text, text) AS body
            FROM tweets
        )
        SELECT
            actor, action, coalesce(target, id_str) AS object, NULL AS url,
            created_at AS time, body AS text, lang AS language,
            CASE action
                WHEN 'post' THEN actor
                WHEN 'retweet' THEN coalesce(retweeted_status."user".id_str, ref_author)
                WHEN 'reply' THEN coalesce(in_reply_to_user_id_str, ref_author)
                ELSE coalesce(quoted_status."user".id_str, ref_author) END AS source,
            __row
        FROM acts LEFT JOIN authors ON tweet = target
        UNION ALL
        SELECT actor, action, NULL, link, created_at, body, lang, NULL, __row
        FROM (
            SELECT *, unnest(coalesce(extended_tweet.entities.urls, entities.urls)).expanded_url
                      AS link
            FROM acts WHERE action <> 'retweet'
        )
        WHERE link IS NOT NULL AND NOT regexp_matches(link, '{_TWEET_LINK}')
        ORDER BY __row, url NULLS FIRST
    """,
    required={"actor": "user.id_str", "time": "created_at", "object": "id_str"},
)
