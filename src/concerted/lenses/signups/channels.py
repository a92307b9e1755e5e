"""Where a registration came from (the referrer's channel) and on what (the user agent's device).

One function per question, used by the batch lens (once per distinct value) and the live service
(cached), so both always agree.

Referrers are matched by host, on whole labels: ``mail.google.com`` is e-mail, not search;
``dropbox.com`` is not ``x.com``. A referrer that is a bare word (``tiktok``, ``news``) is matched
by word. User agents of bots are recognised by CrawlerDetect's maintained list (a phone called
"Cubot" is not a bot); in-app browsers by their tokens.
"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...extras import require
from .vocab import CHANNELS, DEVICES, MOBILE_UA, OTHER_INAPP_UA, SHORT_VIDEO_UA

# Checked in order; a host matches a suffix when it equals it or ends with "." + it. A name
# (no dot) matches any label of the host: "google" matches google.com and google.co.uk.
_HOSTS = (
    ("email", ("mail.google.com", "outlook.live.com", "outlook.office.com", "outlook.office365.com",
               "mail.yahoo.com", "mail.aol.com", "campaign-archive.com", "list-manage.com",
               "sendgrid.net", "mailchi.mp", "substack.com", "mail")),
    ("short_video", ("tiktok.com", "instagram.com", "snapchat.com", "youtube.com", "youtu.be",
                     "likee.video", "triller.co", "kwai.com", "tiktok", "instagram", "snapchat",
                     "youtube")),
    ("social", ("facebook.com", "fb.com", "fb.me", "twitter.com", "t.co", "x.com", "reddit.com",
                "linkedin.com", "lnkd.in", "threads.net", "bsky.app", "facebook", "twitter",
                "reddit")),
    ("news", ("news.google.com", "news.yahoo.com", "apnews.com", "reuters.com", "politico.com",
              "axios.com", "bloomberg.com", "npr.org", "cnn.com", "nytimes.com",
              "washingtonpost.com", "tulsaworld.com", "kjrh.com", "kotv.com", "ktul.com")),
    ("search", ("google", "bing", "duckduckgo", "yahoo", "ecosia", "baidu", "yandex")),
)  # fmt: skip
# Parts of a news site's own name (nbcnews, foxnews, chicagotribune...).
_NEWS_IN_NAME = re.compile(r"news|tribune|herald|gazette|journal|times")
# A referrer given as words rather than a URL.
_WORDS = {
    "short_video": {"tiktok", "instagram", "snapchat", "youtube", "reels", "likee", "kwai"},
    "social": {"facebook", "twitter", "x", "reddit", "linkedin", "threads", "bluesky", "social"},
    "search": {"google", "bing", "duckduckgo", "yahoo", "search"},
    "news": {"news", "newspaper", "press", "tv", "radio"},
    "email": {"email", "e-mail", "mail", "newsletter"},
}
_HOSTLIKE = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")

_SHORT_VIDEO = re.compile(SHORT_VIDEO_UA)
_OTHER_INAPP = re.compile(OTHER_INAPP_UA)
_MOBILE = re.compile(MOBILE_UA)
_DESKTOP = re.compile(r"Windows|Macintosh|X11|Linux|CrOS")


@lru_cache(maxsize=65_536)
def referrer_channel(referrer: str | None) -> int:
    """The channel (index in ``CHANNELS``) of a referrer: a URL, a host or a word."""
    text = (referrer or "").strip().lower()
    if not text:
        return CHANNELS.index("direct")
    host = _host(text)
    if host is None:
        words = set(re.findall(r"[a-z0-9-]+", text))
        for family, vocabulary in _WORDS.items():
            if words & vocabulary:
                return CHANNELS.index(family)
        return CHANNELS.index("other")
    labels = host.split(".")
    for family, suffixes in _HOSTS:
        for s in suffixes:
            if host == s or host.endswith("." + s) or ("." not in s and s in labels):
                return CHANNELS.index(family)
    # The site's own name: the label before the public suffix (one or two labels long).
    names = labels[-3:-1] if len(labels) >= 3 and len(labels[-1]) == 2 else labels[-2:-1]
    if any(_NEWS_IN_NAME.search(n) for n in names):
        return CHANNELS.index("news")
    return CHANNELS.index("other")


def _host(text: str) -> str | None:
    if "://" in text:
        try:
            host = urlsplit(text).hostname
        except ValueError:
            return None
    else:
        host = text.split("/", 1)[0].split(":", 1)[0]
    if not host or not _HOSTLIKE.match(host):
        return None
    return host.removeprefix("www.").removeprefix("m.")


@lru_cache(maxsize=1)
def _crawlers():
    """CrawlerDetect's matcher (the [signups] extra)."""
    return require("crawlerdetect", what="The sign-up lens").CrawlerDetect()


@lru_cache(maxsize=65_536)
def user_agent_device(agent: str | None) -> int:
    """The device (index in ``DEVICES``) of a user agent; an empty one is ``bot_or_unknown``
    (unknown: see :func:`is_bot` for the reason given)."""
    ua = (agent or "").strip()
    if not ua:
        return DEVICES.index("bot_or_unknown")
    if _SHORT_VIDEO.search(ua):
        return DEVICES.index("inapp_short_video")
    if _OTHER_INAPP.search(ua):
        return DEVICES.index("inapp_other")
    if _crawlers().isCrawler(ua):
        return DEVICES.index("bot_or_unknown")
    if _MOBILE.search(ua):
        return DEVICES.index("mobile")
    if _DESKTOP.search(ua) or ua.startswith("Mozilla/"):
        return DEVICES.index("desktop")
    return DEVICES.index("bot_or_unknown")


def per_value(values: pa.Array | pa.ChunkedArray, classify) -> np.ndarray:
    """``classify`` applied to every value, computed once per distinct value."""
    encoded = pc.dictionary_encode(values)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = np.array([classify(v) for v in encoded.dictionary.to_pylist()] + [classify(None)],
                     np.int8)  # fmt: skip
    index = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
    return codes[index]
