"""What the narratives lens reads in a text before embedding it: its language
(:func:`identify_languages`, py3langid), its segments (:func:`split_segments`: an article's
paragraphs, a long paragraph's sentences) and its anchors (:func:`anchors`: numbers, web
addresses and names in Latin letters, which cross scripts unchanged).

>>> split_segments("Police arrested 12 protesters.\\n\\nAll 12 were released on Sunday.")
['Police arrested 12 protesters.', 'All 12 were released on Sunday.']
>>> sorted(anchors("Seuls 6 000 des 19 000 sièges, selon https://www.lindmark.example/x"))
['#19000', '#6000', 'lindmark.example']
>>> sorted(anchors("רק כ-6,000 מתוך 19,000 המושבים בעצרת של Keller"))
['#19000', '#6000', '@keller']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ...extras import require

UNDETERMINED = "und"  # BCP 47's code for a text without a language (no letters)
# Paragraphs longer than this are split into sentences: the model reads 512 tokens at most, and
# a long paragraph's one vector blurs what each of its sentences says.
MAX_SEGMENT_CHARS = 400
MIN_SEGMENT_CHARS = 25  # a shorter piece (a dateline, "Photo: AFP") joins the one before

_PARAGRAPH = re.compile(r"\s*\n\s*")
_SENTENCE = re.compile(r"(?<=[.!?؟。])\s+")
# 19,000 / 19 000 / 19.000 / 19'000 are one number; digits of any script (٦٠٠٠) count.
_NUMBER = re.compile(r"\d{1,3}(?:[ ,.\u00a0\u202f'’]\d{3})+(?!\d)|\d+")
_WHOLE_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_URL = re.compile(r"(?:https?://|www\.)([^\s/?#]+)", re.IGNORECASE)
_LATIN_NAME = re.compile(r"\b[A-Z][a-z]{2,}(?:[-'][A-Z]?[a-z]+)*\b")
_LETTER = re.compile(r"[^\W\d_]")


def identify_languages(texts: Sequence[str | None]) -> list[str]:
    """The language of each text (an ISO 639-1 code from py3langid, ``und`` for a text without
    letters or a null one), each distinct text classified once.

    >>> identify_languages(["La police a interpellé 12 manifestants", "1234", None])
    ['fr', 'und', 'und']
    """
    langid = require("py3langid", what="The narratives lens (language identification)")
    found: dict[str, str] = {}
    out = []
    for t in texts:
        if t is None or not _LETTER.search(t):
            out.append(UNDETERMINED)
            continue
        if t not in found:
            found[t] = langid.classify(t)[0]
        out.append(found[t])
    return out


def split_segments(text: str) -> list[str]:
    """The text's paragraphs without their links, a paragraph over :data:`MAX_SEGMENT_CHARS`
    split into sentences, and a piece under :data:`MIN_SEGMENT_CHARS` joined to the one before (a
    short post is one segment).

    >>> split_segments("Twelve arrested https://t.example/1\\n\\nhttps://news.example/2")
    ['Twelve arrested']
    """
    pieces: list[str] = []
    # Links say nothing a model can read (and a link alone is no paragraph).
    text = _WHOLE_URL.sub(" ", text)
    for para in _PARAGRAPH.split(text.strip()):
        para = para.strip()
        if not para:
            continue
        pieces.extend(_SENTENCE.split(para) if len(para) > MAX_SEGMENT_CHARS else [para])
    out: list[str] = []
    for p in pieces:
        if out and (len(p) < MIN_SEGMENT_CHARS or len(out[-1]) < MIN_SEGMENT_CHARS):
            out[-1] = f"{out[-1]} {p}"
        else:
            out.append(p)
    return out or [text.strip() or "-"]


def _digits(s: str) -> str:
    return "".join(str(unicodedata.digit(c)) for c in s if c.isdigit())


def anchors(text: str) -> frozenset[str]:
    """What a text says that reads the same in any language and script: its numbers (``#6000``,
    thousands separators and digit scripts normalised), the sites it links to
    (``lindmark.example``) and the names it writes in Latin letters (``@keller``)."""
    found = {f"#{int(_digits(m.group()))}" for m in _NUMBER.finditer(text) if _digits(m.group())}
    found |= {
        m.group(1).lower().removeprefix("www.").rstrip(".,;:!?)") for m in _URL.finditer(text)
    }
    without_urls = _WHOLE_URL.sub(" ", text)
    for m in _LATIN_NAME.finditer(without_urls):
        before = without_urls[: m.start()].rstrip()
        # A capital that opens a sentence names nothing.
        if before and before[-1] not in '.!?:;"«»“”—-':
            found.add("@" + m.group().lower())
    return frozenset(found)


def is_latin(text: str) -> bool:
    """Whether most of the text's letters are Latin.

    >>> is_latin("Keller"), is_latin("מריה קלר Keller")
    (True, False)
    """
    letters = _LETTER.findall(text)
    latin = sum(1 for c in letters if "LATIN" in unicodedata.name(c, ""))
    return bool(letters) and latin * 2 >= len(letters)
