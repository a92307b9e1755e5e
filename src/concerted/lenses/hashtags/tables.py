"""The hashtag lens's two tables, declared once: what ``hashtags.csv`` and ``flooders.csv`` hold.

``time`` columns are epoch seconds (UTC) in memory and ISO 8601 in the CSV files (the core's
:func:`concerted.outputs.write_csv` writes every column named in its time columns so).
"""

from __future__ import annotations

import pyarrow as pa

HASHTAGS = pa.schema(
    [
        ("hashtag", pa.string()),  # '#tag', case-folded
        ("takeover", pa.bool_()),
        ("takeover_start", pa.float64()),  # the first flooder's first post; null if none
        ("takeover_end", pa.float64()),  # end of the last flooded bin
        ("confidence", pa.float64()),  # 0-1 that this is a takeover
        ("verdict", pa.string()),  # takeover | spike | steady | no baseline
        ("share_flooded", pa.float64()),  # flooders' posts / all posts, takeover (or peak) period
        ("newcomer_share", pa.float64()),  # posts by accounts new to the tag / all posts, same
        ("drift", pa.float64()),  # posts off the baseline's vocabulary / posts with words, same
        ("volume_ratio", pa.float64()),  # posts per bin in the period / the baseline's rate
        # the community's posts per bin in the period / its rate the day before (organic: >= 3)
        ("community_lift", pa.float64()),
        ("posts", pa.int64()),
        ("actors", pa.int64()),
        ("baseline_posts", pa.int64()),
        ("baseline_actors", pa.int64()),
        ("period_posts", pa.int64()),
        ("flooders", pa.int64()),
        ("coordinated_flooders", pa.int64()),  # flooders in a group the core found
        ("groups", pa.int64()),
        ("first_time", pa.float64()),
        ("last_time", pa.float64()),
    ]
)

FLOODERS = pa.schema(
    [
        ("actor", pa.string()),
        ("hashtag", pa.string()),
        ("posts", pa.int64()),  # posts in the takeover period
        ("off_topic_posts", pa.int64()),
        ("group", pa.int64()),  # the core's coordinated group among the tag's newcomers, or null
        ("first_time", pa.float64()),
        ("evidence", pa.string()),
    ]
)

# Columns written as ISO 8601 times (the core's write_csv formats those it knows by name).
TIME_COLUMNS = ("takeover_start", "takeover_end", "first_time", "last_time")
