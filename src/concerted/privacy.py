"""Pseudonymise personal data in what concerted writes: e-mail addresses, phone numbers and IP
addresses become stable pseudonyms (``<email:3f9a1c0b2e>``).

The pseudonym is a keyed hash (HMAC-SHA-256): the same address gets the same pseudonym everywhere
in one run's outputs, so groups and evidence still read, but the address cannot be recovered
without the key, and by default the key is random and never written, so two runs cannot be linked.
Account names and ids are left as they are: they are what an analyst acts on.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

import pyarrow as pa
import pyarrow.compute as pc

PATTERNS = {
    "email": re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"),
    # International numbers (+33 6 12 34 56 78) and North-American ones ((918) 555-0134).
    "phone": re.compile(
        r"(?<![\w+])(?:\+\d[\d ().-]{6,}\d|\(?\d{3}\)?[ .-]\d{3}[ .-]\d{4})(?![\w])"
    ),
    "ip": re.compile(
        r"(?<![\w.:])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])"
        r"|(?<![\w:])(?:[0-9a-fA-F]{1,4}:){7}[0-9a-fA-F]{1,4}(?![\w:])"
    ),
}


# A quick filter in RE2 (run by Arrow over whole columns): values that cannot hold any of the
# patterns above are skipped without a Python regex.
_MAYBE = (
    r"@|\d[\d ().-]{6,}\d|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:"
)


def new_key() -> bytes:
    """A random key for one run."""
    return secrets.token_bytes(32)


def pseudonym(kind: str, value: str, key: bytes) -> str:
    digest = hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()
    return f"<{kind}:{digest[:10]}>"


def pseudonymise_text(text: str | None, key: bytes) -> str | None:
    """Replace every e-mail address, phone number and IP address in ``text``.

    Example
    -------
    >>> key = b"k" * 32
    >>> pseudonymise_text("mail Jo.Doe@example.com or call +1 918 555 0134", key)
    'mail <email:81e40f1793> or call <phone:6bec07bc94>'
    """
    if not text:
        return text
    for kind, pattern in PATTERNS.items():
        text = pattern.sub(lambda m, kind=kind: pseudonym(kind, m.group(), key), text)
    return text


def pseudonymise_column(column: pa.ChunkedArray | pa.Array, key: bytes) -> pa.Array:
    """:func:`pseudonymise_text` over a string column; each distinct value is treated once."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    if len(column) == 0:
        return column
    encoded = pc.dictionary_encode(column)
    dictionary = encoded.dictionary
    maybe = pc.fill_null(pc.match_substring_regex(dictionary, _MAYBE), False)
    if not pc.any(maybe).as_py():
        return column
    values = dictionary.to_pylist()
    flags = maybe.to_pylist()
    replaced = [pseudonymise_text(v, key) if f else v for v, f in zip(values, flags, strict=True)]
    return pa.array(replaced, pa.string()).take(encoded.indices)


def pseudonymise_values(column: pa.ChunkedArray | pa.Array, kind: str, key: bytes) -> pa.Array:
    """Every non-empty value of a string column replaced whole by its pseudonym (a name is
    personal data however it looks); each distinct value is hashed once."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = pc.dictionary_encode(column)
    names = [pseudonym(kind, v, key) if v else v for v in encoded.dictionary.to_pylist()]
    return pa.array(names, pa.string()).take(encoded.indices)


def pseudonymise_table(table: pa.Table, columns: tuple[str, ...], key: bytes) -> pa.Table:
    """The table with the named string columns pseudonymised (columns it lacks are skipped)."""
    for name in columns:
        if name in table.column_names:
            i = table.column_names.index(name)
            table = table.set_column(i, name, pseudonymise_column(table[name], key))
    return table


def pseudonymise_result(result, key: bytes | None = None):
    """A copy of a :class:`~concerted.pipeline.Result` with personal data pseudonymised in every
    table that is written or shown (actors, objects, texts)."""
    from dataclasses import replace

    key = key or new_key()
    return replace(
        result,
        edges=pseudonymise_table(result.edges, ("actor", "actor_y"), key),
        evidence=pseudonymise_table(result.evidence, ("actor", "actor_y", "object"), key),
        actors=pseudonymise_table(result.actors, ("actor",), key),
        group_actions=pseudonymise_table(result.group_actions, ("actor", "object", "text"), key),
    )
