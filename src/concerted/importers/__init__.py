"""Importers: the files researchers and platforms have, read as the canonical log.

An export is not a tidy ``actor, object, time`` table: which field is the object depends on the
kind of each row (a retweet's object is the retweeted post, an original's is itself), and the
field the null model needs most, who authored what was reshared, has a name of its own in each
format. An importer knows one format: it recognises the file by its columns and turns each row
into ``actor, action, object, time, text, source`` (text columns, still as in the file), which
:func:`concerted.load_log` then checks and parses as it does any file (times, sizes, messages
naming the row).

A format is one :class:`Importer` in :data:`IMPORTERS`: its name, the columns that identify it,
and one SQL ``SELECT`` over the file's columns (``raw``). To add a format, write its select from
the platform's documentation, list it here, and add a hand-written sample to the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from ..sql import connect


@dataclass(frozen=True)
class Importer:
    """One export format: ``columns`` identify it (all present), ``select`` reads it; the
    ``optional`` columns it reads are null where a file leaves them out."""

    name: str
    description: str
    columns: frozenset[str]
    select: str
    optional: tuple[str, ...] = ()

    def matches(self, columns: list[str]) -> bool:
        return self.columns <= {c.lower() for c in columns}

    def read(self, raw: pa.Table) -> pa.Table:
        """The canonical columns of ``raw`` (the file's columns as text, and ``__row``)."""
        raw = raw.rename_columns([c.lower() for c in raw.column_names])
        for column in self.optional:
            if column not in raw.column_names:
                raw = raw.append_column(column, pa.nulls(raw.num_rows, pa.string()))
        con = connect()
        con.register("raw", raw)
        return con.sql(self.select).to_arrow_table()


def _blank(column: str) -> str:
    return f"coalesce(trim({column}), '') = ''"


# Twitter's archives of state-backed information operations (transparency.twitter.com, 2018-
# 2021): one row per tweet, with the retweeted tweet and its author, the tweet replied to and its
# author, and the quoted tweet. A retweet acts on the retweeted tweet, by its author; a reply or
# a quote is a post of its own (its object is itself) whose source is the account answered or
# quoted where the file says; an original's source is its own author.
TWITTER_IO = Importer(
    name="twitter-io",
    description="Twitter information operations archive (CSV: tweetid, userid, tweet_time, "
    "is_retweet, retweet_tweetid, retweet_userid, ...)",
    columns=frozenset({"tweetid", "userid", "tweet_time", "is_retweet", "retweet_tweetid"}),
    select=f"""
        SELECT
            userid AS actor,
            CASE
                WHEN lower(trim(is_retweet)) IN ('true', '1', 't', 'yes') THEN 'retweet'
                WHEN NOT {_blank("in_reply_to_tweetid")} THEN 'reply'
                WHEN NOT {_blank("quoted_tweet_tweetid")} THEN 'quote'
                ELSE 'post'
            END AS action,
            CASE
                WHEN lower(trim(is_retweet)) IN ('true', '1', 't', 'yes')
                     AND NOT {_blank("retweet_tweetid")} THEN retweet_tweetid
                ELSE tweetid
            END AS object,
            tweet_time AS time,
            tweet_text AS text,
            CASE
                WHEN lower(trim(is_retweet)) IN ('true', '1', 't', 'yes')
                    THEN nullif(trim(retweet_userid), '')
                WHEN NOT {_blank("in_reply_to_userid")} THEN trim(in_reply_to_userid)
                ELSE userid
            END AS source,
            __row
        FROM raw ORDER BY __row
    """,
    optional=(
        "tweet_text",
        "in_reply_to_tweetid",
        "in_reply_to_userid",
        "quoted_tweet_tweetid",
        "retweet_userid",
    ),  # fmt: skip
)

IMPORTERS: tuple[Importer, ...] = (TWITTER_IO,)


def find_importer(columns: list[str]) -> Importer | None:
    """The importer whose format a file with these ``columns`` is in, if any.

    >>> find_importer(["tweetid", "userid", "tweet_time", "is_retweet", "retweet_tweetid"]).name
    'twitter-io'
    >>> find_importer(["actor", "object", "time"]) is None
    True
    """
    for importer in IMPORTERS:
        if importer.matches(columns):
            return importer
    return None


__all__ = ["IMPORTERS", "Importer", "TWITTER_IO", "find_importer"]
