"""What a post says, as tokens the hashtag lens compares with a hashtag's baseline.

A post's tokens are its words (letters only, three or more, lower-cased, common function words
left out), the other hashtags it carries and the links it holds (normalised as the core
normalises them, so a media link repeated with different tracking parameters is one token). A
fancam flood is then visible twice: its words are not the community's, and its repeated media
links are tokens the baseline never had.

>>> post_tokens("Look at HER dance!! #Loona #WhiteLivesMatter https://vid.example/fc1?utm_source=x",
...             exclude="#whitelivesmatter")
('look', 'dance', '#loona', 'url:vid.example/fc1')
"""

from __future__ import annotations

import re

from ...extract import PATTERNS, normalize_url

# Function words of English that say nothing of a topic (a post is judged by its other words).
STOPWORDS = frozenset(
    """the and for are but not you all any can had has have her was one our out his him she
    they them their there then than this that these those with from into onto over under what
    when where which who whom why how its it's just also very more most some such only own same
    too will would could should about after before again once here each both few other nor off
    your yours mine ours were been being does did doing don't cant can't won't via amp rt""".split()
)
_URL = re.compile(PATTERNS["urls"])
_TAG = re.compile(PATTERNS["hashtags"])
# Letters only (any script), three or more: numbers and one-letter noise are not a topic.
_WORD = re.compile(r"[^\W\d_]{3,}")
# Chinese and Japanese are written without spaces: a run of their characters is read as its
# character pairs (a whole run would be a "word" no other post repeats, and every post of a
# Japanese community would look off-topic).
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def post_tokens(text: str | None, *, exclude: str | None = None) -> tuple[str, ...]:
    """The tokens of one post's text, in order of appearance, each once: words, then other
    hashtags (``#tag``, case-folded), then links (``url:host/path``). ``exclude`` is the hashtag
    being studied (``#tag``), which every post of it carries and so says nothing.

    >>> post_tokens("東京の雨 rain")
    ('rain', '東京', '京の', 'の雨')
    """
    if not text:
        return ()
    links = [f"url:{normalize_url(m.group())}" for m in _URL.finditer(text)]
    rest = _URL.sub(" ", text) if links else text
    tags = [m.group().casefold() for m in _TAG.finditer(rest)]
    rest = _TAG.sub(" ", rest) if tags else rest
    runs = _CJK.findall(rest)
    pairs = [r[i : i + 2] for r in runs for i in range(max(len(r) - 1, 1))]
    rest = _CJK.sub(" ", rest) if runs else rest
    words = [w for w in (m.group().casefold() for m in _WORD.finditer(rest)) if w not in STOPWORDS]
    words += pairs
    found = dict.fromkeys([*words, *(t for t in tags if t != exclude), *links])
    return tuple(found)


def text_key(text: str | None) -> str:
    """A post's text as the lens compares repeats: case-folded, links and spacing kept apart,
    so that the same caption pasted by many accounts is one key.

    >>> text_key("  Stan   LOONA  ")
    'stan loona'
    """
    return " ".join((text or "").casefold().split())
