"""Reddit dumps: submissions and comments, one JSON object per line.

Pushshift's monthly dumps (``RS_YYYY-MM`` submissions, ``RC_YYYY-MM`` comments, and the
academic torrents and Arctic Shift files that continue them) write each thing as the Reddit API
does: a submission has ``id, name`` (``t3_<id>``), ``author, created_utc, subreddit, title,
selftext, url, is_self`` and, when it is a crosspost, ``crosspost_parent`` (``t3_...``) with the
parent itself in ``crosspost_parent_list``; a comment has ``id, name`` (``t1_<id>``), ``author,
created_utc, body``, the submission it is under (``link_id``) and the thing it answers
(``parent_id``: a ``t1_`` comment or the ``t3_`` submission). A page of the API
(``{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {...}}]}}``) is read too,
its children one level deep (a comment tree's nested ``replies`` are not followed). The dumps'
``.zst`` files are compressed with a 2 GB window (``zstd --long=31``), more than the zstd
readers accept by default: decompress them first (``zstd -d --long=31 RC_2019-03.zst``).

=============  =================================================================================
canonical      from (Reddit API fields)
=============  =================================================================================
actor          ``author`` (a username); things whose author is ``[deleted]`` are skipped: the
               name stands for every removed account, not for one
action         ``post`` (a submission), ``crosspost`` (one with ``crosspost_parent``),
               ``comment``
object         a submission's own fullname (``name``, or ``t3_`` + ``id`` where older dumps
               leave ``name`` out); a crosspost's ``crosspost_parent``; a comment's
               ``parent_id``: co-replies to one comment or submission are the signal; and the
               link a link submission carries (``url``, typed ``url:``; not a crosspost's,
               which is its parent's, nor links to Reddit)
source         a submission's ``author``; a crosspost's parent's author
               (``crosspost_parent_list[0].author``); a comment's parent's author when the
               file holds the parent; NULL otherwise, or where that author is ``[deleted]``
time           ``created_utc`` (epoch seconds, a number or a string)
text           a submission's ``title`` and ``selftext`` (a line apart); a comment's ``body``
language       none (Reddit does not record one)
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_THING = {
    "id": "VARCHAR",
    "name": "VARCHAR",
    "author": "VARCHAR",
    "created_utc": "VARCHAR",
    "title": "VARCHAR",
    "selftext": "VARCHAR",
    "url": "VARCHAR",
    "is_self": "BOOLEAN",
    "crosspost_parent": "VARCHAR",
    "crosspost_parent_list": "STRUCT(author VARCHAR)[]",
    "body": "VARCHAR",
    "parent_id": "VARCHAR",
    "link_id": "VARCHAR",
}
_THING_TYPE = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _THING.items()) + ")"
# The author Reddit shows for a removed account (or a removed post's): many accounts, not one.
_DELETED = "[deleted]"
# Links to Reddit itself are a self post's permalink or a crosspost's parent: not a link out.
_REDDIT_LINK = r"^(/|https?://([^/]*\.)?(reddit\.com|redd\.it)(/|$))"


def _recognise(sample: Sample) -> bool:
    record = sample.record or {}
    if record.get("kind") == "Listing" and isinstance(record.get("data"), dict):
        children = record["data"].get("children") or [{}]
        return isinstance(children[0], dict) and children[0].get("kind") in ("t1", "t3")
    keys = set(record)
    if not {"author", "created_utc", "subreddit"} <= keys:
        return False
    return {"title", "is_self"} <= keys or {"body", "parent_id", "link_id"} <= keys


REDDIT = Importer(
    name="reddit",
    description="Reddit submissions and comments (JSON lines as Pushshift and Arctic Shift "
    "dump them: RS_/RC_ files, or API listings)",
    container="jsonl",
    recognise=_recognise,
    fields={
        "kind": "VARCHAR",
        "data": f"STRUCT(children STRUCT(kind VARCHAR, data {_THING_TYPE})[])",
        **_THING,
    },
    select=f"""
        WITH things AS (
            SELECT __row, c.data AS t
            FROM (SELECT __row, unnest(data.children) AS c FROM raw WHERE kind = 'Listing')
            WHERE c.kind IN ('t1', 't3')
            UNION ALL
            SELECT __row, struct_pack({", ".join(f"{k} := {k}" for k in _THING)})::{_THING_TYPE}
            FROM raw WHERE kind IS DISTINCT FROM 'Listing'
        ),
        typed AS (  -- a comment answers something; a submission does not
            SELECT __row, t.*, t.parent_id IS NOT NULL OR t.body IS NOT NULL AS is_comment
            FROM things
        ),
        named AS (
            SELECT *, coalesce(name, CASE WHEN is_comment THEN 't1_' ELSE 't3_' END || id)
                      AS fullname,
                   nullif(author, '{_DELETED}') AS account
            FROM typed
        ),
        authors AS (  -- who wrote each thing the file holds
            SELECT fullname AS parent, any_value(account) AS parent_author
            FROM named WHERE fullname IS NOT NULL GROUP BY fullname
        ),
        acts AS (
            SELECT * FROM named WHERE author IS DISTINCT FROM '{_DELETED}'
        )
        SELECT
            author AS actor,
            CASE WHEN is_comment THEN 'comment' WHEN crosspost_parent IS NOT NULL
                 THEN 'crosspost' ELSE 'post' END AS action,
            CASE WHEN is_comment THEN parent_id ELSE coalesce(crosspost_parent, fullname) END
                AS object,
            NULL AS url, created_utc AS time,
            CASE WHEN is_comment THEN body
                 ELSE concat_ws(chr(10), title, nullif(selftext, '')) END AS text,
            CASE WHEN is_comment THEN parent_author
                 WHEN crosspost_parent IS NOT NULL
                     THEN nullif(crosspost_parent_list[1].author, '{_DELETED}')
                 ELSE author END AS source,
            NULL AS language, __row
        FROM acts LEFT JOIN authors ON is_comment AND parent = parent_id
        UNION ALL
        SELECT author, 'post', NULL, url, created_utc,
               concat_ws(chr(10), title, nullif(selftext, '')), NULL, NULL, __row
        FROM acts  -- a crosspost's link is its parent's, as a retweet's links are the tweet's
        WHERE NOT is_comment AND crosspost_parent IS NULL AND is_self IS NOT TRUE
              AND url IS NOT NULL
              AND NOT regexp_matches(url, '{_REDDIT_LINK}')
        ORDER BY __row, url NULLS FIRST
    """,
    required={"actor": "author", "time": "created_utc", "object": "parent_id or id"},
)
