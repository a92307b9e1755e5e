"""Objects from text: hashtags, URLs and mentions, normalised so that variants meet.

Coordinated posts rarely share an object id; they share a hashtag typed in different cases or a
link dressed with different tracking parameters. Normalising first is what lets co-action see them.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

KINDS = ("hashtags", "urls", "mentions")

PATTERNS = {
    "hashtags": r"(?<![\w&])#[^\s#@.,;:!?()\[\]{}<>\"'`´’“”…/\\|]+",
    "urls": r"(?i)(?:https?://|www\.)[^\s<>\"'`]+",
    "mentions": r"(?<![\w.@])@[A-Za-z0-9_]{1,50}",
}
PREFIX = {"hashtags": "hashtag", "urls": "url", "mentions": "mention"}

# The same patterns in RE2, the dialect of DuckDB's regular expressions, which reads a whole
# column at once. RE2 has no look-behind, so the character before a hashtag or a mention is
# matched apart (the value is group 1); its \w and \s are ASCII, so Python's Unicode classes
# are written out.
_W = r"\p{L}\p{N}_"
_S = r"\s\x{0b}\x{1c}-\x{1f}\x{85}\p{Z}"
SQL_PATTERNS = {
    "hashtags": rf"(?:^|[^{_W}&])(#[^{_S}#@.,;:!?()\[\]{{}}<>\"'`´’“”…/\\|]+)",
    "urls": rf"(?i)((?:https?://|www\.)[^{_S}<>\"'`]+)",
    "mentions": rf"(?:^|[^{_W}.@])(@[A-Za-z0-9_]{{1,50}})",
}
_SEP = "\x1f"  # between a match's kind and its text, in the column of raw matches

# Query parameters that identify the click, not the page.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_[a-z]+|igshid|igsh|si|ref|ref_src|ref_url|"
    r"s_cid|cmpid|spm|share|from|feature|_ga|_gl|yclid|twclid|ttclid)$",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?)]}'\"…"


# A link with a lower-case host and nothing but a path: what urlsplit would make of it is plain.
_SIMPLE_URL = re.compile(r"(?i:https?://)?(?:www\.)?([a-z0-9-]+(?:\.[a-z0-9-]+)*)(/[^?#@:\s]*)?\Z")


@functools.lru_cache(maxsize=1 << 16)  # links repeat (a flood's media, a story's link)
def normalize_url(url: str) -> str:
    """Normalise a URL so that trivially different links to one page compare equal.

    Drops the scheme, ``www.``, the fragment, tracking parameters (``utm_*``, ``fbclid``...) and a
    trailing slash; lower-cases the host; sorts the remaining query parameters.

    Example
    -------
    >>> normalize_url("HTTPS://www.Example.com/a/?utm_source=x&b=2&a=1#top")
    'example.com/a?a=1&b=2'
    """
    url = url.strip().rstrip(_TRAILING_PUNCT)
    simple = _SIMPLE_URL.match(url)
    if simple:  # most links: no query, fragment, port or user; the same answer, sooner
        host, path = simple.groups()
        return host + (path or "").rstrip("/")
    return _split_url(url)


def _split_url(url: str) -> str:
    """:func:`normalize_url` of any link (stripped), by :func:`urllib.parse.urlsplit`."""
    if not re.match(r"(?i)^[a-z][a-z0-9+.-]*://", url):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        port = f":{parts.port}" if parts.port and parts.port not in (80, 443) else ""
    except ValueError:  # an adversarial or broken URL: keep it verbatim rather than fail
        return url.lower()
    if host.startswith("www."):
        host = host[4:]
    path = parts.path.rstrip("/")
    query = [
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _TRACKING.match(k)
    ]
    q = urlencode(sorted(query))
    return f"{host}{port}{path}" + (f"?{q}" if q else "")


def normalize(kind: str, value: str) -> str:
    """The object id for one extracted value, typed by its kind (``hashtag:#tulsa``)."""
    if kind == "urls":
        return f"url:{normalize_url(value)}"
    return f"{PREFIX[kind]}:{value.casefold()}"


def extract_objects(text: str | None, kinds: tuple[str, ...] = KINDS) -> list[str]:
    """Every object of the given kinds in one text, normalised, in order of appearance.

    Example
    -------
    >>> extract_objects("Go #Tulsa #TULSA https://www.x.com/r?utm_source=tt @Bob")
    ['hashtag:#tulsa', 'hashtag:#tulsa', 'url:x.com/r', 'mention:@bob']
    """
    if not text:
        return []
    found = []
    for kind in kinds:
        found += [
            (m.start(), normalize(kind, m.group())) for m in re.finditer(PATTERNS[kind], text)
        ]
    # A URL's fragment (#top) or user part (@host) is not a hashtag or a mention.
    spans = [m.span() for m in re.finditer(PATTERNS["urls"], text)] if "urls" in kinds else []
    found = [
        (p, o) for p, o in found if o.startswith("url:") or not any(a <= p < b for a, b in spans)
    ]
    return [o for _, o in sorted(found, key=lambda x: x[0])]


def spaced_hashtags_sql(expr: str) -> str:
    """SQL: the text ``expr`` with a space before each "#" that may start a hashtag, so that
    :data:`SQL_PATTERNS` finds every hashtag Python's look-behind finds (a hashtag that ends on
    "«" must not use up the "«" that lets the next one start: ``#a«#b``)."""
    return rf"regexp_replace({expr}, '([^{_W}&])#', '\1 #', 'g')"


def objects_table(con, relation: str, kinds: tuple[str, ...] = KINDS) -> pa.Table:
    """:func:`extract_objects` for a whole table: every row of ``relation`` (a table or view on
    ``con`` with a ``text`` column) once per distinct object in its text, in a new column
    ``object``.

    DuckDB finds the matches, all rows at once; each distinct match is then normalised once, by
    :func:`normalize` (a log of millions of posts holds far fewer distinct hashtags and links).

    >>> import duckdb
    >>> con = duckdb.connect()
    >>> _ = con.sql("CREATE TABLE t AS SELECT 1 AS row, 'Go #Tulsa #TULSA x.com www.x.com/r?fbclid=1' AS text")
    >>> objects_table(con, "t")["object"].to_pylist()
    ['hashtag:#tulsa', 'url:x.com/r']
    """
    from .sql import literal

    lists = []
    for kind in kinds:
        pattern = literal(SQL_PATTERNS[kind])
        # A URL's fragment (#top) or user part (@host) is not a hashtag or a mention.
        source = "text" if kind == "urls" or "urls" not in kinds else "__bare"
        if kind == "hashtags":
            source = spaced_hashtags_sql(source)
        lists.append(
            f"list_transform(regexp_extract_all({source}, {pattern}, 1), "
            f"lambda m: {literal(kind + _SEP)} || m)"
        )
    # Each link becomes its first word ("http", "www") and a space: a hashtag or mention that
    # starts inside a link is gone, one that runs into it still ends where Python's ends.
    rest = rf"[^{_S}<>\"'`]+"
    scheme, www = literal("(?i)(https?)://" + rest), literal(r"(?i)(www)\." + rest)
    bare = rf"regexp_replace(regexp_replace(text, {scheme}, '\1 ', 'g'), {www}, '\1 ', 'g')"
    # The rows once, in an order of their own; the matches come back as (position, match)
    # alone, so that the texts are not copied once per object by the query.
    table = con.sql(f"SELECT * FROM {relation}").to_arrow_table()
    con.register("__rows", pa.table({"__pos": np.arange(table.num_rows), "text": table["text"]}))
    try:
        found = con.sql(
            f"""
            SELECT __pos, unnest(__found) AS __raw FROM (
                SELECT __pos, list_distinct(list_concat({", ".join(lists)})) AS __found
                FROM (SELECT __pos, text, {bare} AS __bare FROM __rows))
            """
        ).to_arrow_table()
    finally:
        con.unregister("__rows")
    raw = found["__raw"]
    distinct = pc.unique(raw)
    normal = pa.array(
        [normalize(*value.split(_SEP, 1)) for value in distinct.to_pylist()], pa.string()
    )
    objects = pc.take(normal, pc.index_in(raw, value_set=distinct))
    # In order of position and object, each object once a row (#Tulsa and #TULSA are one).
    keys = pa.table({"pos": found["__pos"], "object": objects})
    order = pc.sort_indices(keys, sort_keys=[("pos", "ascending"), ("object", "ascending")])
    pos, objs = pc.take(keys["pos"], order), pc.take(objects, order)
    keep = np.ones(len(order), bool)
    keep[1:] = ~(
        pc.equal(pos[1:], pos[:-1]).to_numpy(zero_copy_only=False)
        & pc.equal(objs[1:], objs[:-1]).fill_null(False).to_numpy(zero_copy_only=False)
    )
    keep = pa.array(keep)
    return table.take(pc.filter(pos, keep)).append_column("object", pc.filter(objs, keep))
