"""What a post says, as tokens the hashtag lens compares with a hashtag's baseline.

A post's tokens are its words (letters only, three or more, lower-cased, common function words
left out), the hashtags it carries and the links it holds (the objects the core extracts from
text, :func:`concerted.extract.objects_table`: a media link repeated with different tracking
parameters is one token). A fancam flood is then visible twice: its words are not the
community's, and its repeated media links are tokens the baseline never had.

DuckDB reads every post's tokens at once (a log of ten million posts is read in SQL, not one
post at a time in Python).

>>> post_tokens("Look at HER dance!! #Loona #WhiteLivesMatter https://vid.example/fc1?utm_source=x")
['#loona', '#whitelivesmatter', 'dance', 'look', 'url:vid.example/fc1']
"""

from __future__ import annotations

import pyarrow as pa

from ...extract import SQL_PATTERNS, objects_table, spaced_hashtags_sql
from ...sql import connect, literal

# Function words of English that say nothing of a topic (a post is judged by its other words).
STOPWORDS = frozenset(
    """the and for are but not you all any can had has have her was one our out his him she
    they them their there then than this that these those with from into onto over under what
    when where which who whom why how its it's just also very more most some such only own same
    too will would could should about after before again once here each both few other nor off
    your yours mine ours were been being does did doing don't cant can't won't via amp rt""".split()
)
# Letters only (any script), three or more: numbers and one-letter noise are not a topic.
_WORD = r"[\p{L}\p{Nl}\p{No}]{3,}"
# Chinese and Japanese are written without spaces: a run of their characters is read as its
# character pairs (a whole run would be a "word" no other post repeats, and every post of a
# Japanese community would look off-topic).
_CJK = r"[\x{3040}-\x{30ff}\x{3400}-\x{4dbf}\x{4e00}-\x{9fff}\x{f900}-\x{faff}]+"


def tokens_table(con, relation: str) -> pa.Table:
    """The tokens of every post of ``relation`` (a table or view on ``con`` with ``row`` and
    ``text``, one row per post): one row per post and distinct token, columns ``row`` and
    ``token`` (``#tag``, ``url:host/path`` or a word)."""
    objects = objects_table(con, relation, ("hashtags", "urls"))
    con.register("__objects", objects.select(["row", "object"]))
    con.register("__stop", pa.table({"word": sorted(STOPWORDS)}))
    links = literal(SQL_PATTERNS["urls"])
    tags = literal(SQL_PATTERNS["hashtags"])
    spaced = spaced_hashtags_sql(f"regexp_replace(coalesce(text, ''), {links}, ' ', 'g')")
    try:
        return con.sql(
            f"""
            WITH bare AS (  -- the text without its links and hashtags, lower-cased
                SELECT row, lower(regexp_replace({spaced}, {tags}, ' ', 'g')) AS text
                FROM {relation}),
            words AS (
                SELECT row, unnest(regexp_extract_all(regexp_replace(text, {literal(_CJK)},
                    ' ', 'g'), {literal(_WORD)})) AS token
                FROM bare),
            runs AS (SELECT row, unnest(regexp_extract_all(text, {literal(_CJK)})) AS run
                     FROM bare),
            pairs AS (
                SELECT row, substring(run, i, 2) AS token
                FROM runs, range(1, greatest(length(run), 2)) AS r(i))
            SELECT DISTINCT row, token FROM (
                SELECT row, token FROM words WHERE token NOT IN (SELECT word FROM __stop)
                UNION ALL SELECT row, token FROM pairs
                UNION ALL SELECT row, CASE WHEN starts_with(object, 'hashtag:')
                                           THEN object[9:] ELSE object END FROM __objects)
            """
        ).to_arrow_table()
    finally:
        con.unregister("__objects")
        con.unregister("__stop")


def post_tokens(text: str | None) -> list[str]:
    """The tokens of one text, sorted (:func:`tokens_table` for one post).

    >>> post_tokens("東京の雨 rain")
    ['rain', 'の雨', '京の', '東京']
    """
    con = connect()
    try:
        con.register("__one", pa.table({"row": [1], "text": [text]}))
        return sorted(tokens_table(con, "__one")["token"].to_pylist())
    finally:
        con.close()


def text_key(text: str | None) -> str:
    """A post's text as the lens compares repeats: case-folded, links and spacing kept apart,
    so that the same caption pasted by many accounts is one key.

    >>> text_key("  Stan   LOONA  ")
    'stan loona'
    """
    return " ".join((text or "").casefold().split())
