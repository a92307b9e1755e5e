"""Twitter's archives of state-backed information operations (CSV).

Twitter published them from 2018 to 2021 (transparency.twitter.com): one row per tweet, with
``tweetid, userid, tweet_time, tweet_text, tweet_language``, the retweeted tweet and its author
(``is_retweet, retweet_tweetid, retweet_userid``), the tweet replied to and its author
(``in_reply_to_tweetid, in_reply_to_userid``) and the quoted tweet (``quoted_tweet_tweetid``).

=============  =================================================================================
canonical      from
=============  =================================================================================
actor          ``userid``
action         ``retweet`` (``is_retweet`` true), ``reply``, ``quote``, else ``post``
object         the tweet acted on: the retweeted, replied-to or quoted tweet; a post's own id
source         that tweet's author: ``retweet_userid``, ``in_reply_to_userid``; a post's
               ``userid`` (the archive does not name a quoted tweet's author)
time, text     ``tweet_time``, ``tweet_text``
language       ``tweet_language``
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, given, has_keys

_RETWEET = "lower(trim(is_retweet)) IN ('true', '1', 't', 'yes')"


TWITTER_IO = Importer(
    name="twitter-io",
    description="Twitter information operations archive (CSV: tweetid, userid, tweet_time, "
    "is_retweet, retweet_tweetid, retweet_userid, ...)",
    container="csv",
    recognise=has_keys("tweetid", "userid", "tweet_time", "is_retweet", "retweet_tweetid"),
    select=f"""
        SELECT
            userid AS actor,
            CASE
                WHEN {_RETWEET} THEN 'retweet'
                WHEN {given("in_reply_to_tweetid")} THEN 'reply'
                WHEN {given("quoted_tweet_tweetid")} THEN 'quote'
                ELSE 'post'
            END AS action,
            CASE
                WHEN {_RETWEET} AND {given("retweet_tweetid")} THEN trim(retweet_tweetid)
                WHEN {given("in_reply_to_tweetid")} THEN trim(in_reply_to_tweetid)
                WHEN {given("quoted_tweet_tweetid")} THEN trim(quoted_tweet_tweetid)
                ELSE tweetid
            END AS object,
            tweet_time AS time,
            tweet_text AS text,
            CASE
                WHEN {_RETWEET} THEN nullif(trim(retweet_userid), '')
                WHEN {given("in_reply_to_tweetid")} THEN nullif(trim(in_reply_to_userid), '')
                WHEN {given("quoted_tweet_tweetid")} THEN NULL
                ELSE userid
            END AS source,
            tweet_language AS language,
            __row
        FROM raw
    """,
    optional=(
        "tweet_text",
        "tweet_language",
        "in_reply_to_tweetid",
        "in_reply_to_userid",
        "quoted_tweet_tweetid",
        "retweet_userid",
    ),
    required={"actor": "userid", "time": "tweet_time", "object": "tweetid"},
)
