"""Mastodon statuses as its REST API gives them: a JSON array of Status entities, or one per line.

``GET /api/v1/timelines/public``, ``/api/v1/timelines/tag/:hashtag``,
``/api/v1/accounts/:id/statuses`` answer an array of Status entities (docs.joinmastodon.org/
entities/Status); collectors often write them one per line. A boost is a status of its own whose
``reblog`` holds the boosted status, with its own ``account``. Pleroma, Akkoma and other servers
speaking the same API give the same entity.

Identifiers, so that files from several instances join:

- An account is ``user@domain``: ``account.acct`` where it has a domain (a remote account), else
  ``acct`` + ``@`` + the host of ``account.url`` (a local account: ``acct`` is bare on its own
  instance). The host is the instance's web domain, which a few instances serve apart from the
  domain in their handles (``LOCAL_DOMAIN`` != ``WEB_DOMAIN``): their local accounts then get
  another name than other instances give them.
- A status is its ``uri`` (its ActivityPub id, the same on every instance that holds a copy),
  never its ``id``, which each instance numbers on its own.
- A reply names what it answers only by the instance's own ids (``in_reply_to_id``,
  ``in_reply_to_account_id``). The answered status is the status of the file with that ``id``
  (its ``uri``), else ``https://{instance}/api/v1/statuses/{in_reply_to_id}``, where the instance
  is the host of the file's local accounts (those with a bare ``acct``; ``unknown-instance``
  when the file has none: then all such ids are assumed from one instance). Its author is the
  account of the file (or of a status's ``mentions``) with that ``id``, else NULL.

=============  =================================================================================
canonical      from (Mastodon Status entity)
=============  =================================================================================
actor          ``account.acct`` (with the domain of ``account.url`` where bare, as above)
action         ``reblog`` (``reblog`` not null), ``reply`` (``in_reply_to_id``), ``quote``
               (``quote.quoted_status`` or ``quote.quoted_status_id``, Mastodon 4.5), else
               ``post``
object         ``reblog.uri``; the replied-to status (as above); ``quote.quoted_status.uri``; a
               post's own ``uri``; and a post's link preview ``card.url``, typed ``url:`` (not a
               boost's)
source         ``reblog.account``, ``quote.quoted_status.account``, the replied-to account (as
               above); a post's own ``account``
time           ``created_at`` (a boost's: when it was boosted)
text           ``content`` (a boost's: the boosted status's), HTML tags removed and ``&amp;
               &lt; &gt; &quot; &#39;`` unescaped
language       ``language`` (a boost's: the boosted status's)
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_ACCOUNT = "STRUCT(id VARCHAR, acct VARCHAR, url VARCHAR)"
_STATUS = {
    "id": "VARCHAR",
    "uri": "VARCHAR",
    "created_at": "VARCHAR",
    "content": "VARCHAR",
    "language": "VARCHAR",
    "account": _ACCOUNT,
}
_STATUS_TYPE = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _STATUS.items()) + ")"
_UNESCAPE = (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'), ("&#39;", "'"), ("&amp;", "&"))


def _recognise(sample: Sample) -> bool:
    return {"id", "uri", "account", "content", "visibility", "created_at"} <= sample.columns


def _host(url: str) -> str:
    """SQL: the lower-cased host of a URL."""
    return f"lower(nullif(regexp_extract({url}, '^[a-zA-Z]+://([^/:@]+)', 1), ''))"


def _who(account: str) -> str:
    """SQL: the ``user@domain`` of an Account struct."""
    return (
        f"CASE WHEN {account}.acct LIKE '%@%' THEN {account}.acct "
        f"ELSE {account}.acct || '@' || {_host(f'{account}.url')} END"
    )


def _text(html: str) -> str:
    """SQL: the text of a status's HTML ``content``: paragraphs and line breaks as newlines."""
    text = f"regexp_replace({html}, '<br\\s*/?>|</p>\\s*<p>', chr(10), 'gi')"
    text = f"regexp_replace({text}, '<[^>]*>', '', 'g')"
    for entity, char in _UNESCAPE:  # &amp; last: "&amp;lt;" is the text "&lt;"
        text = f"replace({text}, '{entity}', '{char.replace(chr(39), chr(39) * 2)}')"
    return f"nullif(trim({text}), '')"


MASTODON = Importer(
    name="mastodon",
    description="Mastodon API statuses (a JSON array of Status entities, or one per line)",
    container="jsonl",
    recognise=_recognise,
    fields={
        **_STATUS,
        "in_reply_to_id": "VARCHAR",
        "in_reply_to_account_id": "VARCHAR",
        "reblog": _STATUS_TYPE,
        "quote": f"STRUCT(state VARCHAR, quoted_status {_STATUS_TYPE}, quoted_status_id VARCHAR)",
        "mentions": f"{_ACCOUNT}[]",
        "card": "STRUCT(url VARCHAR)",
    },
    select=f"""
        WITH accounts AS (  -- the instance's account ids, as far as the file shows them
            SELECT a.id AS account_id, any_value({_who("a")}) AS who, any_value(a) AS a
            FROM (
                SELECT account AS a FROM raw
                UNION ALL SELECT reblog.account FROM raw
                UNION ALL SELECT quote.quoted_status.account FROM raw
                UNION ALL SELECT unnest(mentions) FROM raw
            )
            WHERE a.id IS NOT NULL
            GROUP BY a.id
        ),
        home AS (  -- the instance the file comes from: where its bare accounts live
            SELECT coalesce(any_value({_host("a.url")}) FILTER (a.acct NOT LIKE '%@%'),
                            'unknown-instance') AS instance
            FROM accounts
        ),
        statuses AS (  -- the instance's status ids: the statuses in the file, boosted too
            SELECT id AS status_id, any_value(uri) AS status_uri,
                   any_value(account_id) AS status_author
            FROM (
                SELECT id, uri, account.id AS account_id FROM raw
                UNION ALL SELECT reblog.id, reblog.uri, reblog.account.id FROM raw
                UNION ALL SELECT quote.quoted_status.id, quote.quoted_status.uri,
                                 quote.quoted_status.account.id FROM raw
            )
            WHERE id IS NOT NULL
            GROUP BY id
        ),
        acts AS (
            SELECT raw.*, {_who("account")} AS actor,
                   CASE WHEN reblog IS NOT NULL THEN 'reblog'
                        WHEN in_reply_to_id IS NOT NULL THEN 'reply'
                        WHEN quote.quoted_status.uri IS NOT NULL
                             OR quote.quoted_status_id IS NOT NULL THEN 'quote'
                        ELSE 'post' END AS action,
                   coalesce(in_reply_to_id, quote.quoted_status_id) AS local_id,
                   coalesce(in_reply_to_account_id,
                            CASE WHEN in_reply_to_id IS NULL THEN quote.quoted_status.account.id
                            END) AS local_account
            FROM raw
        )
        SELECT actor, action,
               CASE action WHEN 'reblog' THEN reblog.uri WHEN 'post' THEN uri
                    ELSE coalesce(CASE WHEN action = 'quote' THEN quote.quoted_status.uri END,
                                  status_uri,
                                  'https://' || instance || '/api/v1/statuses/' || local_id)
               END AS object,
               NULL AS url, created_at AS time,
               {_text("coalesce(reblog.content, content)")} AS text,
               coalesce(language, reblog.language) AS language,
               CASE action WHEN 'reblog' THEN {_who("reblog.account")} WHEN 'post' THEN actor
                    ELSE coalesce(CASE WHEN action = 'quote'
                                       THEN {_who("quote.quoted_status.account")} END,
                                  replied.who, author.who) END AS source,
               __row
        FROM acts CROSS JOIN home
        LEFT JOIN statuses ON status_id = local_id
        LEFT JOIN accounts AS replied ON replied.account_id = local_account
        LEFT JOIN accounts AS author ON author.account_id = status_author
        UNION ALL
        SELECT actor, action, NULL, card.url, created_at,
               {_text("content")}, language, NULL, __row
        FROM acts WHERE action <> 'reblog' AND card.url IS NOT NULL
        ORDER BY __row, url NULLS FIRST
    """,
    required={"actor": "account.acct", "time": "created_at", "object": "uri"},
)
