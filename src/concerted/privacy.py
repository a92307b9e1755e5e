"""Pseudonymise personal data in what concerted writes: e-mail addresses, phone numbers and IP
addresses become stable pseudonyms (``<email:3f9a1c0b2e>``).

The pseudonym is a keyed hash (HMAC-SHA-256): the same address gets the same pseudonym everywhere
in one run's outputs, so groups and evidence still read, but the address cannot be recovered
without the key, and by default the key is random and never written, so two runs cannot be linked.
Account names and ids are left as they are: they are what an analyst acts on.

How each kind is found, and why:

- **E-mail addresses**: a pattern that takes internationalised addresses (``jörg@exämple.de``)
  and wants a top-level domain of letters, so ``lodash@4.17.21`` (a package pin) and
  ``logo@2x.png`` (an image name) stay as they are.
- **IP addresses**: candidates (dotted quads; groups of hex digits and colons) are kept only if
  :mod:`ipaddress` parses them, so ``2001:db8::7``, ``::ffff:192.0.2.1`` and ``ip:192.0.2.44``
  are found and ``12:30:45`` or ``std::vector`` are not. A dotted quad that is a valid IPv4 address
  is an IP address even when it was meant as a version number. Loopback, unspecified, multicast
  and reserved addresses (``127.0.0.1``, ``0.0.0.0``, ``255.255.255.0``) name no one and are kept.
- **Phone numbers**: Google's libphonenumber matcher (:mod:`phonenumbers`): the number must be
  a real, assigned number of its country (leniency ``VALID``). A number written with its country
  code (``+33 6 12 34 56 78``) is found anywhere. A number written the national way has no
  country, so it is tried in each of :data:`PHONE_REGIONS`, and kept only if it is written the way
  that country writes numbers: North-American numbers in their layouts (``9184505767``,
  ``(918)4505767``, ``918-450-5767``); the others with their trunk prefix, at least
  :data:`MIN_NATIONAL_DIGITS` digits and the country's own grouping (leniency
  ``EXACT_GROUPING``: ``020 7946 0958``, ``06 12 34 56 78``, ``8 918 450-57-67``; the date
  ``03 2019 -0700`` is not a French number). These rules keep Unix times (``1623881091``), decimals
  (``1629589836.0``, ``0.0582564069663``) and prices from reading as Brazilian, Indian or German
  numbers. Inside a URL, and in a value that is nothing but digits in an id column (actors,
  objects), only numbers with a country code count: there, digits are post and account ids.

Known costs: a bare ten-digit number that is a valid North-American number is a phone number in a
text (``2147483647`` is one); national numbers of countries outside the list, or without a trunk
prefix (Italy, Spain), are found only with their country code.

The text goes through cheap filters first: Arrow's RE2 over the whole column keeps only values with
an ``@``, a dotted quad, two colons, or digits laid out as a number of a listed country (the
"gates"); then the matcher runs only for the countries whose gate the text passes. The common case
(a post with none of these) never reaches Python; 1,000,000 short posts take about a second.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import re
import secrets

import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from .errors import ParameterError

# Regions whose national number formats are recognised, in order of preference when a number is
# valid in several (the first wins, which decides its pseudonym). North America first (its numbers
# are written without a prefix), then large countries whose numbers start with a trunk prefix.
# Numbers of any country are found when written with their country code.
PHONE_REGIONS = ("US", "GB", "FR", "DE", "IN", "BR", "RU")

# Digits (with the trunk prefix) a number written the national way needs, outside North America.
MIN_NATIONAL_DIGITS = 10

_EMAIL = re.compile(
    r"(?<![\w.+-])[\w.+-]+@"
    # Domain labels of letters and digits (any script), then a top-level domain of letters.
    r"(?!\d+x\.)(?:[^\W_](?:[\w-]*[^\W_])?\.)+(?:[^\W\d_]{2,}|xn--[a-zA-Z0-9-]+)(?![\w-])"
)
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\w|\.\d)", re.ASCII)
# Hex groups and colons (at least two), maybe an IPv4 tail: checked by ipaddress.
_IPV6 = re.compile(
    r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?![\w:])", re.ASCII
)
_URL = re.compile(r"(?:https?|ftp)://\S+|www\.\S+", re.IGNORECASE)
# Pseudonyms already written (by this module, or the store's actors): never pseudonymised twice.
_PSEUDONYM = re.compile(r"<[a-z]+:[0-9a-f]{10}>|(?<![\w:])p:[0-9a-f]{20}(?!\w)")
_DIGITS_ONLY = re.compile(r"\d+")
_DECIMAL = re.compile(r"\d+[.,]\d+")
_LONGER_NUMBER = re.compile(r"[.,]?\d")

# Where a phone number may stand, and how it must be written for the matcher to be worth running
# (both Python's re and Arrow's RE2 read these). No letter, digit, dot or comma just before it:
# "x9184505767", "1.9184505767" and hex hashes hold no phone number.
_BEFORE = r"(?:^|[^\w.,])"
# North-American layouts: 9184505767, (918)4505767, (918) 450-5767, 918.450.5767, 1-918-450-5767.
# Area code and exchange start with 2-9, so Unix times (1xxxxxxxxx until 2033) never fit.
_NANP = r"(?:\+1[ .-]?|1[ .-])?(?:\([2-9]\d{2}\) ?|[2-9]\d{2}[ .-]?)[2-9]\d{2}[ .-]?\d{4}"
_NANP_LAYOUT = re.compile(_NANP, re.ASCII)
# ... not followed by a letter, a digit or a decimal part; or the North-American IDD (011 33 ...).
_NANP_GATE = _BEFORE + _NANP + r"(?:$|[^\w.,]|[.,](?:$|\W))|" + _BEFORE + r"011\W{0,2}[1-9]"
# A number written with its country code: found in any text.
_INTERNATIONAL = re.compile(r"[+\uff0b]\W{0,2}\d")
_INTERNATIONAL_RE2 = r"[+\x{ff0b}]\W{0,2}\pN"


def _trunk_gate(prefix: str) -> str:
    """A number written with the national trunk ``prefix`` and at least six more digits."""
    return _BEFORE + r"\(?" + re.escape(prefix) + r"(?:\W{0,3}\d){6}"


@functools.lru_cache(maxsize=64)
def _gates(regions: tuple[str, ...]) -> tuple[tuple[str, re.Pattern], ...]:
    """``(region, pattern)`` pairs: the matcher runs for a region only on a text where the
    region's pattern is found."""
    gates = []
    for region in regions:
        metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if metadata is None:
            raise ParameterError(
                f"Unknown phone region {region!r}. Give two-letter country codes, e.g. US, GB, FR."
            )
        if metadata.country_code == 1:
            gates.append((region, re.compile(_NANP_GATE)))
        elif metadata.national_prefix:
            gates.append((region, re.compile(_trunk_gate(metadata.national_prefix))))
        # A region with neither (Italy, Spain...) is left out: its national numbers cannot be
        # told from other numbers. Its numbers written with their country code are found.
    return tuple(gates)


@functools.lru_cache(maxsize=64)
def _maybe(regions: tuple[str, ...]) -> str:
    """A quick filter in RE2 (run by Arrow over whole columns): values that cannot hold an
    address or a number are skipped without Python. Its phone part is the union of the gates."""
    phone = sorted({gate.pattern for _, gate in _gates(regions)})
    return "|".join(
        [
            r"[^\s@]@[^\s@]+\.",
            r"\d\.\d{1,3}\.\d{1,3}\.\d",
            r"[0-9A-Fa-f]?:[0-9A-Fa-f]{0,4}:",
            _INTERNATIONAL_RE2,
            *phone,
        ]
    )


def new_key() -> bytes:
    """A random key for one run."""
    return secrets.token_bytes(32)


def pseudonym(kind: str, value: str, key: bytes) -> str:
    """``<kind:hex>``: the first 10 hex digits of HMAC-SHA-256(key, value) (trimmed,
    lower-cased)."""
    digest = hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"<{kind}:{digest[:10]}>"


def find_personal_data(
    text: str, *, regions: tuple[str, ...] = PHONE_REGIONS, ids: bool = False
) -> list[tuple[int, int, str, str]]:
    """The e-mail addresses, phone numbers and IP addresses in ``text``, as ``(start, end,
    kind, canonical)`` spans that do not overlap, in order. ``canonical`` is what the pseudonym
    hashes: the address lower-cased, the phone number in E.164 (``+19184505767``), the IP address
    in its short form (an IPv4-mapped IPv6 address as its IPv4), so one person written two ways
    gets one pseudonym.

    ``regions`` are the countries whose national formats are recognised; with ``ids`` the text
    is an identifier, and a value made only of digits is an id, not a phone number.

    Example
    -------
    >>> find_personal_data("ip:192.0.2.44, call (918)4505767")
    [(3, 13, 'ip', '192.0.2.44'), (20, 32, 'phone', '+19184505767')]
    """
    found: list[tuple[int, int, int, str, str]] = []  # start, -end, priority, kind, canonical
    taken = [(m.start(), m.end()) for m in _PSEUDONYM.finditer(text)]
    found += [(s, -e, 0, "", "") for s, e in taken]
    if "@" in text:
        for m in _EMAIL.finditer(text):
            found.append((m.start(), -m.end(), 1, "email", m.group().lower()))
    if "." in text or ":" in text:
        for pattern in (_IPV6, _IPV4):
            for m in pattern.finditer(text):
                canonical = _ip(m.group())
                if canonical:
                    found.append((m.start(), -m.end(), 2, "ip", canonical))
    if not (ids and _DIGITS_ONLY.fullmatch(text)):
        for start, end, e164 in _phones(text, tuple(regions)):
            found.append((start, -end, 3, "phone", e164))
    spans = []
    last_end = 0
    for start, neg_end, _priority, kind, canonical in sorted(found):
        if start >= last_end:
            if kind:
                spans.append((start, -neg_end, kind, canonical))
            last_end = -neg_end
    return spans


def _ip(candidate: str) -> str | None:
    """The short form of an IP address, or None if ``candidate`` is not one."""
    if ":" in candidate and (candidate.strip(":") == "" or not re.search(r"\d", candidate)):
        return None  # "::" and "dead::beef" read as words, not addresses
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    address = getattr(address, "ipv4_mapped", None) or address
    if address.is_loopback or address.is_unspecified or address.is_multicast or address.is_reserved:
        return None  # 127.0.0.1, 0.0.0.0, 255.255.255.0 name no one
    return str(address)


def _phones(text: str, regions: tuple[str, ...]):
    """``(start, end, E.164)`` of each phone number the matcher finds in ``text`` and the rules
    of the module's notes accept.

    The matcher runs only where a region's gate is found, and only on a window from there to the
    first space after :data:`_WINDOW` characters (whole words, so no number is cut): the matcher
    tries every run of digits it sees, and a post full of ids and times would cost it
    milliseconds per region."""
    windows: dict[tuple[int, str | None], int] = {}
    for region, gate in _gates(regions):
        for m in gate.finditer(text):
            windows.setdefault((m.start(), region), _window_end(text, m.start()))
    for m in _INTERNATIONAL.finditer(text):  # numbers with a country code need no region
        start = max(m.start() - 1, 0)
        windows.setdefault((start, None), _window_end(text, start))
    if not windows:
        return
    urls = [m.span() for m in _URL.finditer(text)]
    seen: set[tuple[int, int]] = set()
    for (offset, region), end in windows.items():
        # Trunk-prefixed numbers must be grouped as their country groups them ("03 2019 -0700",
        # a date, is not 03 20 19 07 00); North-American ones are checked against their layouts.
        exact = region is not None and phonenumbers.country_code_for_region(region) != 1
        leniency = phonenumbers.Leniency.EXACT_GROUPING if exact else phonenumbers.Leniency.VALID
        for match in phonenumbers.PhoneNumberMatcher(text[offset:end], region, leniency=leniency):
            start, stop = offset + match.start, offset + match.end
            if (start, stop) in seen:
                continue
            raw = match.raw_string
            if not raw.lstrip("(").startswith(("+", "\uff0b")):
                # Without a +, the number stands alone: not inside a URL or a longer number
                # ("0.0582564069663"), not a decimal, and written the national way or with an
                # international call prefix (0033 6 12 34 56 78).
                if (
                    any(s <= start < e for s, e in urls)
                    or _LONGER_NUMBER.match(text[stop:])
                    or (start and text[start - 1] in ".,")
                    or "," in raw
                    or _DECIMAL.fullmatch(raw)
                ):
                    continue
                by_idd = (
                    region is not None
                    and match.number.country_code != phonenumbers.country_code_for_region(region)
                )
                if not by_idd and not _written_nationally(raw, region):
                    continue
            seen.add((start, stop))
            yield (
                start,
                stop,
                phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164),
            )


# Characters a written phone number (with its country code and spaces) fits in.
_WINDOW = 32


def _window_end(text: str, start: int) -> int:
    """Where the matcher's window from ``start`` ends: the first space after ``_WINDOW``
    characters, or the end of the text."""
    space = re.compile(r"\s").search(text, start + _WINDOW)
    return space.start() if space else len(text)


def _written_nationally(raw: str, region: str | None) -> bool:
    """Whether ``raw`` is written the way ``region`` writes its national numbers."""
    if region is None:
        return False
    if phonenumbers.country_code_for_region(region) == 1:
        return _NANP_LAYOUT.fullmatch(raw) is not None
    prefix = phonenumbers.PhoneMetadata.metadata_for_region(region).national_prefix
    digits = phonenumbers.normalize_digits_only(raw)
    # Ten digits at least: shorter ones (German numbers run from six) are too often something else.
    return bool(prefix) and digits.startswith(prefix) and len(digits) >= MIN_NATIONAL_DIGITS


def pseudonymise_text(
    text: str | None,
    key: bytes,
    *,
    regions: tuple[str, ...] = PHONE_REGIONS,
    ids: bool = False,
) -> str | None:
    """Replace every e-mail address, phone number and IP address in ``text`` by its pseudonym
    (see :func:`find_personal_data` for ``regions`` and ``ids``).

    Example
    -------
    >>> key = b"k" * 32
    >>> pseudonymise_text("mail Jo.Doe@example.com or call +1 918 555 0134", key)
    'mail <email:81e40f1793> or call <phone:1d1950746a>'
    >>> pseudonymise_text("call (918) 555-0134 at 2021-01-17 10:30, v1.2.3", key)
    'call <phone:1d1950746a> at 2021-01-17 10:30, v1.2.3'
    """
    if not text:
        return text
    spans = find_personal_data(text, regions=regions, ids=ids)
    if not spans:
        return text
    parts = []
    last = 0
    for start, end, kind, canonical in spans:
        parts += [text[last:start], pseudonym(kind, canonical, key)]
        last = end
    parts.append(text[last:])
    return "".join(parts)


def pseudonymise_column(
    column: pa.ChunkedArray | pa.Array,
    key: bytes,
    *,
    regions: tuple[str, ...] = PHONE_REGIONS,
    ids: bool = False,
) -> pa.Array:
    """:func:`pseudonymise_text` over a string column. RE2 (in Arrow) picks the values that may
    hold personal data; only those reach Python, each distinct one once."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if pa.types.is_dictionary(column.type):
        column = column.cast(column.type.value_type)
    if len(column) == 0:
        return column
    maybe = pc.fill_null(pc.match_substring_regex(column, _maybe(tuple(regions))), False)
    if not pc.any(maybe).as_py():
        return column
    done: dict[str, str] = {}
    replaced = []
    for value in column.filter(maybe).to_pylist():
        if value not in done:
            done[value] = pseudonymise_text(value, key, regions=regions, ids=ids)
        replaced.append(done[value])
    return pc.replace_with_mask(column, maybe, pa.array(replaced, column.type))


def pseudonymise_values(column: pa.ChunkedArray | pa.Array, kind: str, key: bytes) -> pa.Array:
    """Every non-empty value of a string column replaced whole by its pseudonym (a name is
    personal data however it looks); each distinct value is hashed once."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    names = [pseudonym(kind, v, key) if v else v for v in encoded.dictionary.to_pylist()]
    return pa.array(names, pa.string()).take(encoded.indices)


def pseudonymise_table(
    table: pa.Table,
    columns: tuple[str, ...],
    key: bytes,
    *,
    id_columns: tuple[str, ...] = (),
    regions: tuple[str, ...] = PHONE_REGIONS,
) -> pa.Table:
    """The table with the named string columns pseudonymised (columns it lacks are skipped).
    In ``id_columns`` a value made only of digits is an id and kept (see
    :func:`find_personal_data`)."""
    for name in columns:
        if name in table.column_names:
            i = table.column_names.index(name)
            column = pseudonymise_column(table[name], key, regions=regions, ids=name in id_columns)
            table = table.set_column(i, name, column)
    return table


# Columns holding account and object ids in a run's tables.
ID_COLUMNS = ("actor", "actor_y", "object", "top_source")


def pseudonymise_result(result, key: bytes | None = None):
    """A copy of a :class:`~concerted.pipeline.Result` with personal data pseudonymised in every
    table that is written or shown (actors, objects, texts)."""
    from dataclasses import replace

    key = key or new_key()

    def table(t: pa.Table, columns: tuple[str, ...]) -> pa.Table:
        return pseudonymise_table(t, columns, key, id_columns=ID_COLUMNS)

    return replace(
        result,
        edges=table(result.edges, ("actor", "actor_y")),
        evidence=table(result.evidence, ("actor", "actor_y", "object", "text", "text_y")),
        actors=table(result.actors, ("actor",)),
        groups=table(result.groups, ("top_source",)),
        group_actions=table(result.group_actions, ("actor", "object", "text")),
    )
