"""TikTok Research API video query results: the videos ``POST /v2/research/video/query/`` finds.

A response is ``{"data": {"videos": [video, ...], "cursor", "has_more", "search_id"},
"error": {...}}``; collections save one response per line (or one per file, pretty-printed), or
the video objects themselves, as JSON lines or an array. All of these are read.

TikTok has no reshare in these results: each video is its creator's ``post``, acting on itself.
A video also uses a sound (``music_id``); accounts run by one operator often reuse one sound, so
the sound is an object too, typed ``music:`` so that its id never meets a video's. Its source
is whoever used it first in the file: a group that always follows one account's sounds is then
judged against that account's audience, as reshares of its posts are. Hashtags
(``hashtag_names``) are in the description's text: ``--objects-from-text hashtags`` reads them.

=============  =================================================================================
canonical      from (Research API video fields)
=============  =================================================================================
actor          ``username``
action         ``post`` (both rows)
object         the video's own ``id``; and ``music:`` + ``music_id``, on a row of its own
source         the video's ``username`` (its own author); for the sound, the ``username`` of
               the first video in the file that uses it (the API does not name a sound's
               author; an "original sound" is its first video's)
time           ``create_time`` (Unix seconds, UTC)
text           ``video_description``
language       none: TikTok gives no language per video (``region_code`` is where the account
               was registered, not a language)
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, Sample

_VIDEO = {
    "id": "VARCHAR",
    "username": "VARCHAR",
    "create_time": "VARCHAR",
    "video_description": "VARCHAR",
    "music_id": "VARCHAR",
}
_VIDEO_TYPE = "STRUCT(" + ", ".join(f"{k} {v}" for k, v in _VIDEO.items()) + ")"
# Fields only a Research API video has; ``id`` and ``username`` alone could be anything.
_VIDEO_KEYS = {"video_description", "music_id", "region_code", "hashtag_names", "voice_to_text"}


def _is_video(record: object) -> bool:
    return (
        isinstance(record, dict)
        and {"id", "username", "create_time"} <= set(record)
        and bool(_VIDEO_KEYS & set(record))
    )


def _recognise(sample: Sample) -> bool:
    record = sample.record or {}
    data = record.get("data")
    if isinstance(data, dict) and isinstance(data.get("videos"), list):  # a response
        videos = data["videos"]
        return not videos or _is_video(videos[0])
    return _is_video(record)


TIKTOK = Importer(
    name="tiktok",
    description="TikTok Research API video query JSON (responses of /v2/research/video/query/, "
    "or their videos one per line)",
    container="jsonl",
    recognise=_recognise,
    fields={"data": f"STRUCT(videos {_VIDEO_TYPE}[])", **_VIDEO},
    select=f"""
        WITH videos AS (
            SELECT __row, unnest(data.videos, recursive := true) FROM raw
            WHERE data IS NOT NULL AND data.videos IS NOT NULL
            UNION ALL
            SELECT __row, {", ".join(_VIDEO)} FROM raw WHERE data IS NULL AND id IS NOT NULL
        )
        SELECT username AS actor, 'post' AS action, id AS object, create_time AS time,
               video_description AS text, username AS source, __row
        FROM videos
        UNION ALL
        SELECT username, 'post', 'music:' || music_id, create_time, video_description,
               arg_min(username, TRY_CAST(create_time AS DOUBLE)) OVER (PARTITION BY music_id), __row
        FROM videos WHERE music_id IS NOT NULL AND trim(music_id) <> ''
    """,
    required={"actor": "username", "time": "create_time", "object": "id"},
)
