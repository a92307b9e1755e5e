"""Telegram Desktop chat exports: the ``result.json`` of "Export chat history" in JSON.

The file is one document, ``{"name", "type", "id", "messages": [message, ...]}``, for one
channel, group or personal chat. A message (``"type": "message"``; ``service`` messages, such as
joins and pins, are skipped) is written by ``from`` (``from_id``: ``user123`` or
``channel123``) at ``date``; it may forward another channel's post (``forwarded_from``, its
name; ``forwarded_from_id`` in recent exports) or answer a message of the chat
(``reply_to_message_id``). Its ``text`` is a string, or a list of strings and entities
(``{"type": "link", "text": "..."}``, ``{"type": "text_link", "text": "...", "href": "..."}``).

A forward does not say which message it forwards: the export keeps the original's channel, not
its id. Two forwards meet when they forward the same channel's same content: the object is
``forward:<channel name>:<hash>``, the hash of the text (its parts joined), else, for media
without a caption, of the media's type, size and dimensions; a forward with neither acts on
itself (it could be any of that channel's posts, and must not meet them all). The channel's *name* is in every export;
its id only in recent ones, so forwards collected in old and new exports still meet.

=============  =================================================================================
canonical      from (Telegram Desktop JSON export fields)
=============  =================================================================================
actor          ``from_id``, else ``from``
action         ``forward`` (``forwarded_from``), ``reply`` (``reply_to_message_id``), else
               ``post``
object         a forward: ``forward:<forwarded_from>:<hash>`` (above); a reply: the message
               answered, ``<chat id>/<reply_to_message_id>``; a post: ``<chat id>/<id>``; and
               each link a post or reply carries (``text`` entities ``link``, ``text_link``'s
               ``href``), typed ``url:``
source         a forward: ``forwarded_from_id``, else ``forwarded_from`` (the original channel);
               a reply: the answered message's author, when the export holds it; a post: its own
               author
time           ``date_unixtime`` (Unix seconds), else ``date`` (local time with no zone, read as
               UTC)
text           ``text``, its parts joined
language       none: Telegram gives no language
=============  =================================================================================

Messages are numbered by their ``id`` in error messages ("record 15" is ``"id": 15``).
"""

from __future__ import annotations

from .base import Importer, matches

_MESSAGE = {
    "id": "BIGINT",
    "type": "VARCHAR",
    "date": "VARCHAR",
    "date_unixtime": "VARCHAR",
    '"from"': "VARCHAR",
    "from_id": "VARCHAR",
    "forwarded_from": "VARCHAR",
    "forwarded_from_id": "VARCHAR",
    "reply_to_message_id": "VARCHAR",
    "text": "JSON",
    "media_type": "VARCHAR",
    "mime_type": "VARCHAR",
    "file_size": "VARCHAR",
    "photo_file_size": "VARCHAR",
    "width": "VARCHAR",
    "height": "VARCHAR",
    "duration_seconds": "VARCHAR",
}
_MESSAGE_TYPE = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _MESSAGE.items()) + ")"
# A chat export starts with its name, type and id (Telegram Desktop writes them in this order);
# a whole-account export starts otherwise ("about", "personal_information", "chats").
_CHAT_TYPES = (
    "personal_chat|bot_chat|private_group|private_supergroup|public_supergroup|"
    "private_channel|public_channel|saved_messages|replies"
)
_START = (
    r'\A\ufeff?\s*\{\s*(?:"name":\s*(?:"(?:[^"\\]|\\.)*"|null),\s*)?'
    rf'"type":\s*"(?:{_CHAT_TYPES})",\s*"id":\s*-?\d+,\s*"messages":\s*\['
)
# A text part: a string, or an entity whose ``text`` is what it shows.
_PART = "CASE WHEN json_type(p) = 'VARCHAR' THEN p ->> '$' ELSE p ->> '$.text' END"
_LINK = (
    "CASE WHEN p ->> '$.type' = 'text_link' THEN p ->> '$.href' "
    "WHEN p ->> '$.type' = 'link' THEN p ->> '$.text' END"
)

TELEGRAM = Importer(
    name="telegram",
    description="Telegram Desktop chat export JSON (result.json of a channel, group or chat)",
    container="jsonl",
    recognise=matches(_START),
    fields={"id": "VARCHAR", "messages": f"{_MESSAGE_TYPE}[]"},
    select=f"""
        WITH messages AS (
            SELECT id AS chat, unnest(messages, recursive := true) FROM raw
        ),
        parts AS (  -- text as a list of parts, whichever way the export writes it
            SELECT *,
                   CASE json_type(text) WHEN 'ARRAY' THEN json_extract(text, '$[*]')
                        WHEN 'VARCHAR' THEN [text] ELSE [] END AS parts
            FROM messages WHERE type IS DISTINCT FROM 'service'
        ),
        kept AS (
            SELECT chat, id, coalesce(from_id, "from") AS author,
                   coalesce(date_unixtime, date) AS time, forwarded_from,
                   coalesce(forwarded_from_id, forwarded_from) AS forwarded_by,
                   reply_to_message_id AS reply_to,
                   array_to_string(list_transform(parts, lambda p: {_PART}), '') AS text,
                   list_filter(list_transform(parts, lambda p: {_LINK}), lambda u: u <> '')
                       AS links,
                   -- what two forwards of one original share: its text, else its media
                   coalesce(nullif(array_to_string(list_transform(parts, lambda p: {_PART}),
                       ''), ''), nullif(concat_ws('|', media_type, mime_type, file_size,
                       photo_file_size, width, height, duration_seconds), '')) AS content
            FROM parts
        ),
        authors AS (
            SELECT chat, id, any_value(author) AS author FROM kept GROUP BY chat, id
        ),
        acts AS (
            SELECT kept.*,
                   CASE WHEN forwarded_from IS NOT NULL THEN 'forward'
                        WHEN reply_to IS NOT NULL THEN 'reply' ELSE 'post' END AS action
            FROM kept
        )
        SELECT acts.author AS actor, action,
               CASE action
                   WHEN 'forward' THEN coalesce(
                       'forward:' || forwarded_from || ':' || left(md5(content), 16),
                       acts.chat || '/' || acts.id)
                   WHEN 'reply' THEN acts.chat || '/' || reply_to
                   ELSE acts.chat || '/' || acts.id END AS object,
               NULL AS url, time, text,
               CASE action WHEN 'forward' THEN forwarded_by
                   WHEN 'reply' THEN answered.author ELSE acts.author END AS source,
               acts.id AS __row
        FROM acts LEFT JOIN authors AS answered
            ON action = 'reply' AND answered.chat = acts.chat
               AND answered.id = TRY_CAST(reply_to AS BIGINT)
        UNION ALL
        SELECT author, action, NULL, link, time, text, NULL, id
        FROM (SELECT *, unnest(links) AS link FROM acts WHERE action <> 'forward')
    """,
    required={"actor": "from_id", "time": "date", "object": "id"},
)
