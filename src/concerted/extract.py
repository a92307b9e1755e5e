"""Objects from text: hashtags, URLs and mentions, normalised so that variants meet.

Coordinated posts rarely share an object id; they share a hashtag typed in different cases or a
link dressed with different tracking parameters. Normalising first is what lets co-action see them.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qsl, urlencode, urlsplit

KINDS = ("hashtags", "urls", "mentions")

PATTERNS = {
    "hashtags": r"(?<![\w&])#[^\s#@.,;:!?()\[\]{}<>\"'`´’“”…/\\|]+",
    "urls": r"(?i)(?:https?://|www\.)[^\s<>\"'`]+",
    "mentions": r"(?<![\w.@])@[A-Za-z0-9_]{1,50}",
}
PREFIX = {"hashtags": "hashtag", "urls": "url", "mentions": "mention"}

# Query parameters that identify the click, not the page.
_TRACKING = re.compile(
    r"^(utm_.*|fbclid|gclid|dclid|msclkid|mc_[a-z]+|igshid|igsh|si|ref|ref_src|ref_url|"
    r"s_cid|cmpid|spm|share|from|feature|_ga|_gl|yclid|twclid|ttclid)$",
    re.IGNORECASE,
)
_TRAILING_PUNCT = ".,;:!?)]}'\"…"


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
