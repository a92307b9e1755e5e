"""People, not rows: one spelling for each e-mail address, phone number and name, and one person
for the registrations that share an address, or a name and a number.

Everything is vectorised over Arrow arrays: a million registrations normalise in seconds. Phone
numbers go through Google's libphonenumber (``phonenumbers``) once per number *range* (the number
without its last four digits): validity, region and line type depend on the range, not on the
subscriber digits, and a log holds far fewer ranges than numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

# Providers that ignore dots in the local part; every large provider ignores a +tag.
DOTLESS_DOMAINS = {"gmail.com": "gmail.com", "googlemail.com": "gmail.com"}
# Countries that share +1 and ten-digit national numbers.
NANP = {"US", "CA", "PR", "GU", "VI", "AS", "MP"}
_EMAIL_SHAPE = r"^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$"
# Line types that are not a person's own phone.
NON_PERSONAL = {"TOLL_FREE", "PREMIUM_RATE", "SHARED_COST", "VOIP", "PAGER", "UAN", "VOICEMAIL"}


@dataclass
class Phones:
    """Normalised phone numbers: E.164 (null where none could be read), validity, region
    (ISO country code, null if unknown) and line type name (``MOBILE``, ``VOIP``, ...)."""

    e164: pa.Array
    valid: np.ndarray
    region: pa.Array
    line_type: pa.Array


def normalise_emails(emails: pa.Array) -> tuple[pa.Array, pa.Array, np.ndarray]:
    """``(address, domain, well_formed)``: lower case, ``+tag`` dropped, Gmail dots dropped and
    ``googlemail.com`` read as ``gmail.com``; null where there is no well-formed address.

    Example
    -------
    >>> a, d, ok = normalise_emails(pa.array([" Jo.Doe+rally@GoogleMail.com", "x@", None]))
    >>> a.to_pylist(), d.to_pylist(), ok.tolist()
    (['jodoe@gmail.com', None, None], ['gmail.com', None, None], [True, False, False])
    """
    e = pc.utf8_lower(pc.utf8_trim_whitespace(_strings(emails)))
    ok = pc.fill_null(pc.match_substring_regex(e, _EMAIL_SHAPE), False)
    parts = pc.extract_regex(
        pc.if_else(ok, e, pa.scalar(None, pa.string())), r"^(?P<l>[^@]+)@(?P<d>.+)$"
    )
    local = pc.struct_field(parts, "l")
    domain = pc.struct_field(parts, "d")
    local = pc.replace_substring_regex(local, r"\+.*$", "")
    dotless = pc.is_in(domain, pa.array(list(DOTLESS_DOMAINS)))
    local = pc.if_else(dotless, pc.replace_substring(local, ".", ""), local)
    domain = pc.if_else(dotless, pa.scalar("gmail.com"), domain)
    address = pc.binary_join_element_wise(local, domain, "@")
    ok = ok.to_numpy(zero_copy_only=False) & pc.fill_null(
        pc.greater(pc.utf8_length(local), 0), False
    ).to_numpy(zero_copy_only=False)
    null = pa.scalar(None, pa.string())
    return (
        pc.if_else(pa.array(ok), address, null),
        pc.if_else(pa.array(ok), domain, null),
        ok,
    )


def normalise_names(names: pa.Array) -> pa.Array:
    """Lower case, Unicode-compatible forms folded (NFKC), anything but letters, spaces, hyphens
    and apostrophes removed, spaces collapsed; null when nothing is left.

    Example
    -------
    >>> normalise_names(pa.array(["  JOHN   smith ", "Zoë O'Neil", "!!!", None])).to_pylist()
    ['john smith', "zoë o'neil", None, None]
    """
    n = pc.utf8_lower(pc.utf8_normalize(_strings(names), "NFKC"))
    n = pc.replace_substring_regex(n, r"[^\p{L}\s'-]+", " ")
    n = pc.utf8_trim_whitespace(pc.replace_substring_regex(n, r"\s+", " "))
    return pc.if_else(
        pc.fill_null(pc.greater(pc.utf8_length(n), 0), False), n, pa.scalar(None, pa.string())
    )


def normalise_phones(phones: pa.Array, country: str = "US") -> Phones:
    """Phone numbers in E.164 (``+19185550134``), read as numbers of ``country`` when they carry
    no country code, with libphonenumber's validity, region and line type.

    Example
    -------
    >>> p = normalise_phones(pa.array(["(918) 596-0134", "+44 20 7946 0958", "12", None]))
    >>> p.e164.to_pylist(), p.valid.tolist(), p.region.to_pylist()
    (['+19185960134', '+442079460958', None, None], [True, True, False, False], ['US', 'GB', None, None])
    """
    import phonenumbers

    raw = pc.utf8_trim_whitespace(_strings(phones))
    digits = pc.replace_substring_regex(raw, r"[^0-9]", "")
    n_digits = pc.fill_null(pc.utf8_length(digits), 0)
    plus = pc.fill_null(pc.starts_with(raw, "+"), False)
    intl = pc.and_(pc.invert(plus), pc.fill_null(pc.starts_with(digits, "00"), False))
    null = pa.scalar(None, pa.string())
    cand = pc.if_else(plus, pc.binary_join_element_wise("+", digits, ""), null)
    cand = pc.if_else(
        intl, pc.binary_join_element_wise("+", pc.utf8_slice_codeunits(digits, 2), ""), cand
    )
    if country.upper() in NANP:
        plain = pc.and_(pc.invert(plus), pc.invert(intl))
        ten = pc.and_(plain, pc.equal(n_digits, 10))
        eleven = pc.and_(
            plain, pc.and_(pc.equal(n_digits, 11), pc.fill_null(pc.starts_with(digits, "1"), False))
        )
        cand = pc.if_else(ten, pc.binary_join_element_wise("+1", digits, ""), cand)
        cand = pc.if_else(eleven, pc.binary_join_element_wise("+", digits, ""), cand)
    # Whatever the fast path could not read goes through libphonenumber, once per distinct text.
    slow = pc.and_(pc.is_null(cand), pc.greater_equal(n_digits, 5))
    if pc.any(slow).as_py():
        cand = _parse_slow(raw, cand, slow, country)
    cand = pc.if_else(pc.fill_null(pc.greater_equal(pc.utf8_length(cand), 8), False), cand, null)
    # Validity, region and type, once per range.
    ranges = pc.utf8_slice_codeunits(cand, 0, -4)
    key = pc.binary_join_element_wise(ranges, pc.cast(pc.utf8_length(cand), pa.string()), ":")
    encoded = pc.dictionary_encode(key)
    reps = pc.take(cand, _first_index(encoded.indices, len(encoded.dictionary)))
    info = []
    for number in reps.to_pylist():
        try:
            parsed = phonenumbers.parse(number, None)
            ok = phonenumbers.is_valid_number(parsed)
            region = phonenumbers.region_code_for_number(parsed) if ok else None
            kind = phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(parsed))
        except phonenumbers.NumberParseException:
            ok, region, kind = False, None, None
        info.append((ok, region, kind))
    idx = encoded.indices
    valid = np.array([i[0] for i in info] + [False], bool)
    region = pa.array([i[1] for i in info] + [None], pa.string())
    kind = pa.array([i[2] for i in info] + [None], pa.string())
    where = pc.fill_null(idx, len(info)).to_numpy(zero_copy_only=False)
    return Phones(cand, valid[where], region.take(pa.array(where)), kind.take(pa.array(where)))


def _parse_slow(raw: pa.Array, cand: pa.Array, slow: pa.Array, country: str) -> pa.Array:
    import phonenumbers

    texts = pc.filter(raw, slow)
    encoded = pc.dictionary_encode(texts)
    parsed = []
    for text in encoded.dictionary.to_pylist():
        try:
            number = phonenumbers.parse(text, country.upper())
            parsed.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        except phonenumbers.NumberParseException:
            parsed.append(None)
    values = pa.array(parsed, pa.string()).take(encoded.indices)
    positions = np.flatnonzero(slow.to_numpy(zero_copy_only=False))
    out = cand.to_pylist() if len(cand) < 64 else None
    if out is not None:
        for pos, v in zip(positions, values.to_pylist(), strict=True):
            out[pos] = v
        return pa.array(out, pa.string())
    # Large arrays: scatter with a take over [cand, values].
    index = np.arange(len(cand))
    index[positions] = len(cand) + np.arange(len(positions))
    return pa.concat_arrays([_plain(cand), _plain(values)]).take(pa.array(index))


def merge_people(*keys: pa.Array) -> np.ndarray:
    """One person id per row: rows sharing any non-null key (a normalised address, or a name and
    a number joined) are one person, transitively. Ids are numbered in row order from 0.

    Example
    -------
    >>> merge_people(pa.array(["a", "b", None, "a"]), pa.array([None, "k", "k", None])).tolist()
    [0, 1, 1, 0]
    """
    n = len(keys[0])
    rows, cols = [np.arange(n)], [np.arange(n)]
    for key in keys:
        encoded = pc.dictionary_encode(key)
        codes = encoded.indices.to_numpy(zero_copy_only=False)
        present = np.flatnonzero(pc.is_valid(encoded.indices).to_numpy(zero_copy_only=False))
        if present.size == 0:
            continue
        c = codes[present].astype(np.int64)
        first = np.zeros(len(encoded.dictionary), np.int64)
        first[c[::-1]] = present[::-1]  # the last write wins: each key's first row
        rows.append(present)
        cols.append(first[c])
    r, q = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(r.size, np.int8), (r, q)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Renumber by first row so that ids read in order.
    _, first_row, inverse = np.unique(labels, return_index=True, return_inverse=True)
    rank = np.empty(first_row.size, np.int64)
    rank[np.argsort(first_row)] = np.arange(first_row.size)
    return rank[inverse]


def _first_index(indices: pa.Array, size: int) -> pa.Array:
    codes = pc.fill_null(indices, -1).to_numpy(zero_copy_only=False)
    first = np.zeros(size, np.int64)
    seen = codes >= 0
    pos = np.flatnonzero(seen)
    c = codes[seen]
    first[c[::-1]] = pos[::-1]
    return pa.array(first)


def _strings(values) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.string())
    if not pa.types.is_string(values.type):
        values = pc.cast(values, pa.string())
    return values


def _plain(a: pa.Array) -> pa.Array:
    return a.combine_chunks() if isinstance(a, pa.ChunkedArray) else a
