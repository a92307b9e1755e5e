"""Control characters in adversaries' strings, kept out of result files and the terminal.

The accounts concerted investigates choose their names and texts. A NUL, an escape sequence
(``ESC [ 2 J`` clears a terminal, ``ESC ] 8`` plants a link) or a bidi override (which makes
``exe.txt`` read ``txt.exe``) would reach a spreadsheet, a report or the terminal of the person
reading the results. Two rules, one list of characters (:data:`CONTROLS`):

* **Result files** (every table of a results folder, whatever its format, and the report):
  each such character becomes U+FFFD (the replacement character), as GraphML and GEXF already
  needed for XML. The same name is then the same string in every file of a run. Tab, line feed
  and carriage return are text and stay (CSV quotes them). The original is still in the input
  file and in the evidence store.
* **The terminal**: anything echoed from user data is shown with those characters escaped
  (``\\x1b``), tab and line breaks included, so a message stays one honest line.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

# C0 controls but tab, line feed and carriage return; DEL and the C1 controls; the bidi
# embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069). Written for both Python's
# re and RE2 (Arrow's regular expressions).
CONTROLS = r"\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\x{202a}-\x{202e}\x{2066}-\x{2069}"
_RE2_CONTROLS = f"[{CONTROLS}]"
_PY_CONTROLS = re.compile(
    "[" + CONTROLS.replace(r"\x{", r"\u").replace("}", "") + "]"
)  # Python spells \x{202a} as \u202a
_PY_TERMINAL = re.compile(r"[\t\n\r" + _PY_CONTROLS.pattern[1:])
REPLACEMENT = "\ufffd"


def clean_text(text: str | None) -> str | None:
    """``text`` with each control character replaced by U+FFFD (tab and line breaks kept)."""
    return text if text is None else _PY_CONTROLS.sub(REPLACEMENT, text)


def clean_table(table: pa.Table) -> pa.Table:
    """The table with :func:`clean_text` applied to every string column (vectorised)."""
    for i, field in enumerate(table.schema):
        if pa.types.is_string(field.type) or pa.types.is_large_string(field.type):
            column = table.column(i)
            if pc.any(pc.match_substring_regex(column, _RE2_CONTROLS)).as_py():
                cleaned = pc.replace_substring_regex(column, _RE2_CONTROLS, REPLACEMENT)
                table = table.set_column(i, field, cleaned)
    return table


def clean_value(value):
    """:func:`clean_text` on every string inside ``value`` (dicts, lists, tuples)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(clean_value(v) for v in value)
    return value


def printable(text: str) -> str:
    """``text`` as the terminal may show it: control characters, tab and line breaks escaped
    (``\\x1b``, ``\\n``, ``\\u202e``)."""
    return _PY_TERMINAL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
