"""Read a registration log: any CSV, JSONL or Parquet file, columns mapped once, here.

Canonical columns: ``id, time, name, email, phone, postcode, ip, user_agent, referrer``. Any may
be missing and the lens uses what is there; a file with none of them is refused with a message
that says how to map one.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...columns import check_mapping, find_column, resolve_columns, shown_columns
from ...errors import SchemaError
from ...inputs import read_text_table
from ...io import parse_times

COLUMNS = ("id", "time", "name", "email", "phone", "postcode", "ip", "user_agent", "referrer")
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("id", "registration_id", "request_id", "ticket_id", "rsvp_id", "signup_id", "order_id"),
    "time": ("time", "timestamp", "created_at", "registered_at", "submitted_at", "signup_time", "created", "date", "datetime"),
    "name": ("name", "full_name", "fullname", "attendee_name", "registrant_name"),
    "email": ("email", "email_address", "e_mail", "mail", "e-mail"),
    "phone": ("phone", "phone_number", "mobile", "mobile_number", "cell", "telephone", "tel", "msisdn"),
    "postcode": ("postcode", "postal_code", "zip", "zip_code", "zipcode", "post_code"),
    "ip": ("ip", "ip_address", "remote_addr", "client_ip", "ipaddress"),
    "user_agent": ("user_agent", "useragent", "ua", "http_user_agent", "browser"),
    "referrer": ("referrer", "referer", "http_referer", "source", "utm_source", "channel"),
}  # fmt: skip
FIRST = ("first_name", "firstname", "given_name")
LAST = ("last_name", "lastname", "surname", "family_name")
# Schema metadata of a table whose names come from one part only (a first or a last name).
NAME_PARTS_KEY = b"concerted.signups.name_parts"


def load_registrations(
    path: str | Path, *, mapping: Mapping[str, str] | None = None, format: str | None = None
) -> pa.Table:
    """Read registrations into the canonical columns, sorted by time.

    Parameters
    ----------
    path
        CSV (comma or tab), JSONL or Parquet, gzip or not.
    mapping
        Canonical name -> column in the file, e.g. ``{"time": "submitted", "phone": "mobile_no"}``.
        Columns with a known name (``created_at``, ``zip``, ``referer``, ...) are found without one.
    format
        ``csv``, ``jsonl`` or ``parquet``; guessed when omitted.

    Returns
    -------
    pyarrow.Table
        ``id`` (the file's, or the row number), ``time`` (epoch seconds, float; absent if the
        file has no time), ``row`` (1-based row in the file) and the text columns present.
    """
    mapping = dict(mapping or {})
    check_mapping(mapping, COLUMNS, kind="a registration column")
    raw = read_text_table(path, format=format)
    name = str(path)
    source = _resolve(raw.column_names, mapping, name)
    out: dict[str, pa.Array] = {}
    rows = raw["__row"]
    if "id" in source:
        ids = pc.utf8_trim_whitespace(raw[source["id"]])
        missing = pc.fill_null(pc.equal(ids, ""), True)
        if pc.any(missing).as_py():
            first = int(pc.index(missing, True).as_py()) + 1
            raise SchemaError(
                f"{name}: column {source['id']!r} is empty in row {first}. Give every registration "
                "an id, or map no id column (rows are then numbered)."
            )
        out["id"] = ids
    else:
        out["id"] = pc.cast(rows, pa.string())
    if "time" in source:
        out["time"] = pa.array(parse_times(raw[source["time"]], column=source["time"], name=name))
    out["row"] = rows
    for col in COLUMNS[2:]:
        if col in source:
            out[col] = pc.utf8_trim_whitespace(raw[source[col]])
    metadata = None
    if "name" not in source:
        parts = [c for c in (find_column(raw.column_names, n) for n in (FIRST, LAST)) if c]
        if parts:
            texts = [pc.fill_null(pc.utf8_trim_whitespace(raw[c]), "") for c in parts]
            joined = pc.utf8_trim_whitespace(pc.binary_join_element_wise(*texts, " "))
            out["name"] = pc.if_else(pc.equal(joined, ""), pa.scalar(None, pa.string()), joined)
            if len(parts) == 1:  # a one-word name is then the form's, not the registrant's
                metadata = {NAME_PARTS_KEY: b"one"}
    table = pa.table(out, metadata=metadata)
    if "time" in table.column_names:
        table = table.sort_by([("time", "ascending"), ("row", "ascending")])
    return table


def _resolve(columns: list[str], mapping: dict[str, str], name: str) -> dict[str, str]:
    source = resolve_columns(
        columns, canonical=COLUMNS, aliases=ALIASES, mapping=mapping, name=name
    )
    useful = [c for c in COLUMNS[1:] if c in source]
    has_split_name = find_column(columns, FIRST + LAST) is not None
    if not useful and not has_split_name:
        raise SchemaError(
            f"{name} has none of the columns the sign-up lens reads ({', '.join(COLUMNS[1:])}). "
            f"Map them, e.g. --map time=submitted --map email=email_addr "
            f"(its columns are: {shown_columns(columns)})."
        )
    return source


def column_or_nulls(table: pa.Table, column: str) -> pa.Array:
    """A text column of the table, or nulls if it has none."""
    if column in table.column_names:
        c = table[column]
        return c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
    return pa.nulls(table.num_rows, pa.string())


def times_or_none(table: pa.Table) -> np.ndarray | None:
    return table["time"].to_numpy() if "time" in table.column_names else None
