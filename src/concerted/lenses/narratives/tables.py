"""The narratives lens's tables, declared once: what ``narratives.csv`` (one row per post) and the
report's list of narratives hold.

``time`` columns are epoch seconds (UTC) in memory and ISO 8601 in the CSV file.
"""

from __future__ import annotations

import pyarrow as pa

POSTS = pa.schema(
    [
        ("id", pa.string()),  # the input's id column, or the row number
        ("narrative", pa.int64()),  # null: the post's story is told by no other post
        ("language", pa.string()),  # ISO 639-1 (py3langid); 'und' without letters
        ("actor", pa.string()),
        ("time", pa.float64()),
        ("text_group", pa.int64()),  # the distinct text (near-duplicates collapsed) it belongs to
        ("segments", pa.int64()),  # 1 for a post, its paragraphs for an article
        ("linked_to", pa.string()),  # id of a post of the text it is linked to most strongly
        ("similarity", pa.float64()),  # of that link (cosine of the aligned segments)
        ("z", pa.float64()),  # of that link: spreads above the language pair's median
        ("anchors", pa.string()),  # numbers, sites, names the two texts share
        ("text", pa.string()),
    ]
)

NARRATIVES = pa.schema(
    [
        ("narrative", pa.int64()),
        ("posts", pa.int64()),
        ("texts", pa.int64()),  # distinct texts (near-duplicates collapsed)
        ("accounts", pa.int64()),
        ("languages", pa.string()),  # codes, most posts first, joined by ' '
        ("n_languages", pa.int64()),
        ("first_time", pa.float64()),
        ("last_time", pa.float64()),
        ("text", pa.string()),  # the representative text in its most frequent language
    ]
)
