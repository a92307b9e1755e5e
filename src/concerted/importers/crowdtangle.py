"""CrowdTangle's CSV of Facebook posts (the dashboard's download and the Historical Data export).

CrowdTangle (Meta, closed in August 2024) exported one row per post of a public page, group or
verified profile: the account (``Page Name, User Name, Facebook Id, Page Category, ...``), the
post's time in the dashboard's zone (``Post Created``: ``2020-06-15 14:05:00 EDT``, also split
into ``Post Created Date`` and ``Post Created Time``), its ``Type`` (``Link``, ``Photo``,
``Status``, ``Native Video``, ...), its interactions (``Total Interactions, Likes, Comments,
Shares, ...``), its own address (``URL``), its text (``Message``), and the link it carries:
``Link`` as posted and ``Final Link`` after redirects, with the preview's ``Link Text``
(``This is a re-share of a post`` on a reshare of another post, whose address is ``Link``).

This is the co-link-sharing case CooRnet studies: accounts that post the same link within
seconds of each other. A post that carries a link acts on the link (the expanded one); a post
without one acts on itself.

=============  =================================================================================
canonical      from
=============  =================================================================================
actor          ``Facebook Id`` (the page's or group's id)
action         ``share`` (``Link Text`` is ``This is a re-share of a post``), else ``post``
object         a reshare: the reshared post (``Link``); a post with a link: the link
               (``Final Link``, else ``Link``), as ``url:``; a post without: its own ``URL``
source         a post without link: its own ``Facebook Id``; NULL otherwise (the export does
               not say who posted a link first, or who wrote a reshared post)
time           ``Post Created``, its zone abbreviation (``EDT``, ``CET``, ...) read as its
               offset from UTC (:data:`ZONES`); a value without one is UTC
text           ``Message``
=============  =================================================================================

The export has no language column. A reshare acts on the reshared post's address; when that
post is in the file and carries a link, its own row acts on the link instead, so the two are not
joined (the export gives no post id to join them by).
"""

from __future__ import annotations

from .base import Importer, has_keys

# The zone abbreviations CrowdTangle's dashboards wrote after ``Post Created``, as UTC offsets.
# An abbreviation not listed here (or an ambiguous one, like IST) is left as written, so the
# time is reported as not a time, naming its row, instead of being read in the wrong zone.
ZONES = {
    "UTC": "+00:00",
    "GMT": "+00:00",
    "WET": "+00:00",
    "WEST": "+01:00",
    "BST": "+01:00",
    "CET": "+01:00",
    "CEST": "+02:00",
    "EET": "+02:00",
    "EEST": "+03:00",
    "MSK": "+03:00",
    "EST": "-05:00",
    "EDT": "-04:00",
    "CST": "-06:00",
    "CDT": "-05:00",
    "MST": "-07:00",
    "MDT": "-06:00",
    "PST": "-08:00",
    "PDT": "-07:00",
    "AKST": "-09:00",
    "AKDT": "-08:00",
    "HST": "-10:00",
    "BRT": "-03:00",
    "ART": "-03:00",
    "WIB": "+07:00",
    "SGT": "+08:00",
    "HKT": "+08:00",
    "AWST": "+08:00",
    "JST": "+09:00",
    "KST": "+09:00",
    "ACST": "+09:30",
    "AEST": "+10:00",
    "AEDT": "+11:00",
    "NZST": "+12:00",
    "NZDT": "+13:00",
}
RESHARE_TEXT = "This is a re-share of a post"
_ZONE_ROWS = ", ".join(f"('{abbr}', '{offset}')" for abbr, offset in ZONES.items())


CROWDTANGLE = Importer(
    name="crowdtangle",
    description="CrowdTangle CSV of Facebook posts (Page Name, User Name, Facebook Id, "
    "Post Created, Total Interactions, URL, Message, Link, Final Link, ...)",
    container="csv",
    recognise=has_keys(
        "user name", "facebook id", "post created", "total interactions", "url", "link"
    ),
    select=f"""
        WITH zones(abbreviation, utc_offset) AS (VALUES {_ZONE_ROWS}),
        posts AS (
            SELECT
                *,
                trim("post created") AS created,
                regexp_extract(trim("post created"), '\\s([A-Za-z]{{2,5}})$', 1) AS zone,
                coalesce(trim("link text"), '') = '{RESHARE_TEXT}' AS reshare,
                CASE
                    WHEN coalesce(trim("link text"), '') = '{RESHARE_TEXT}'
                        THEN nullif(trim(link), '')
                    ELSE coalesce(nullif(trim("final link"), ''), nullif(trim(link), ''))
                END AS link_acted_on
            FROM raw
        )
        SELECT
            "facebook id" AS actor,
            CASE WHEN reshare THEN 'share' ELSE 'post' END AS action,
            coalesce(link_acted_on, nullif(trim(posts.url), '')) AS url,
            CASE
                WHEN zones.utc_offset IS NULL THEN created
                -- "2020-06-15 14:05:00 EDT" -> "2020-06-15 14:05:00-04:00", which the loader reads
                ELSE regexp_replace(created, '\\s+[A-Za-z]{{2,5}}$', '') || zones.utc_offset
            END AS time,
            message AS text,
            CASE WHEN link_acted_on IS NULL THEN "facebook id" END AS source,
            __row
        FROM posts LEFT JOIN zones ON zones.abbreviation = upper(posts.zone)
        ORDER BY __row
    """,
    optional=("message", "final link", "link text"),
    required={"actor": "Facebook Id", "time": "Post Created", "object": "URL"},
)
