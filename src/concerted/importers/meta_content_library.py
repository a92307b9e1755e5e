"""Meta Content Library's CSV of Facebook posts (the Content Library download and the API's
posts, flattened).

Meta's data dictionary (developers.facebook.com/docs/content-library-and-api) names each post's
fields, nested fields joined by dots as the CSV heads its columns: ``id``, ``creation_time``
(UTC), ``text``, ``lang``, the posting account ``post_owner.id, post_owner.name,
post_owner.type, post_owner.username``, the page, group or event it was posted to
(``surface.id, surface.name, surface.type``), ``shared_post_id`` (the original, on a reshare),
the link it carries (``link_attachment.link, link_attachment.name, link_attachment.caption``),
``multimedia``, ``is_branded_content``, ``mcl_url`` and ``statistics.*`` counts.

A reshare names the post it shares but not that post's author: the author is read from the
shared post's own row when the file holds it.

=============  =================================================================================
canonical      from
=============  =================================================================================
actor          ``post_owner.id`` (the account that posted, not the surface it posted to)
action         ``share`` (``shared_post_id`` given), else ``post``
object         a reshare: ``shared_post_id``; a post with a link: ``link_attachment.link``, as
               ``url:``; a post without: its own ``id``
source         a reshare: the ``post_owner.id`` of the shared post's row, NULL when the file
               does not hold it; a post without link: its own ``post_owner.id``; a link: NULL
               (the export does not say who posted it first)
time, text     ``creation_time``, ``text``
language       ``lang``
=============  =================================================================================
"""

from __future__ import annotations

from .base import Importer, given, has_keys

META_CONTENT_LIBRARY = Importer(
    name="meta-content-library",
    description="Meta Content Library CSV of Facebook posts (id, creation_time, text, "
    "post_owner.id, post_owner.type, shared_post_id, link_attachment.link, ...)",
    container="csv",
    recognise=has_keys("id", "creation_time", "post_owner.id", "post_owner.type"),
    select=f"""
        WITH posts AS (
            SELECT
                *,
                nullif(trim(shared_post_id), '') AS shared,
                CASE
                    WHEN NOT {given("shared_post_id")}
                        THEN nullif(trim("link_attachment.link"), '')
                END AS link
            FROM raw
        ),
        authors AS (  -- who wrote each post the file holds, for the reshares of it
            SELECT trim(id) AS post, any_value("post_owner.id") AS author
            FROM raw
            WHERE {given("id")}
            GROUP BY trim(id)
        )
        SELECT
            "post_owner.id" AS actor,
            CASE WHEN shared IS NOT NULL THEN 'share' ELSE 'post' END AS action,
            CASE
                WHEN shared IS NOT NULL THEN shared
                WHEN link IS NULL THEN nullif(trim(id), '')
            END AS object,
            link AS url,
            creation_time AS time,
            text,
            CASE
                WHEN shared IS NOT NULL THEN nullif(trim(authors.author), '')
                WHEN link IS NULL THEN "post_owner.id"
            END AS source,
            nullif(trim(lang), '') AS language,
            __row
        FROM posts LEFT JOIN authors ON authors.post = posts.shared
        ORDER BY __row
    """,
    optional=("text", "lang", "shared_post_id", "link_attachment.link"),
    required={"actor": "post_owner.id", "time": "creation_time", "object": "id"},
)
