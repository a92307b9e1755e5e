"""What each registration shows: reason codes, and the categorical features the risk model reads.

Each feature is a small integer code per registration (a column of a NumPy array), computed over
whole Arrow columns at once. Codes and their reasons:

==============  ======================================================================
feature         codes (0 is the ordinary case)
==============  ======================================================================
email           ok, missing, invalid (``email_invalid``), disposable (``email_disposable``)
name            ok, missing, joke or celebrity (``name_joke``), random string or one word
                (``name_random``)
phone           ok, missing, invalid (``phone_invalid``), foreign for a local event
                (``phone_foreign``), not a personal line: toll-free, premium, VoIP, pager
                (``phone_nonpersonal``)
phone_reused    0, 1: the same number given by several people (``phone_reused``)
postcode        local (< 80 km of the venue), regional (< 400 km), far (``postcode_far``),
                not a known postcode (``postcode_unknown``), missing
ip              alone in its /24, 2-3 people, 4-9 (``ip_shared``), 10 or more (``ip_crowded``),
                missing
channel         where the registration came from (the referrer's family)
device          desktop, mobile, in-app browser of a short-video app (``inapp_short_video``),
                in-app browser of another app, bot or unknown (``device_bot`` when a user
                agent was given)
==============  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from ...extras import require
from . import geo
from .channels import per_value, referrer_channel, user_agent_device
from .load import NAME_PARTS_KEY
from .normalize import (
    NON_PERSONAL,
    merge_people,
    normalise_emails,
    normalise_names,
    normalise_phones,
)
from .vocab import JOKE_NAMES, JOKE_TOKENS

FEATURES = {
    "email": ("ok", "missing", "invalid", "disposable"),
    "name": ("ok", "missing", "joke", "random"),
    "phone": ("ok", "missing", "invalid", "foreign", "nonpersonal"),
    "phone_reused": ("no", "yes"),
    "postcode": ("local", "regional", "far", "unknown", "missing"),
    "ip": ("alone", "2-3", "4-9", "10+", "missing"),
}
REASONS = {
    ("email", 2): "email_invalid",
    ("email", 3): "email_disposable",
    ("name", 2): "name_joke",
    ("name", 3): "name_random",
    ("phone", 2): "phone_invalid",
    ("phone", 3): "phone_foreign",
    ("phone", 4): "phone_nonpersonal",
    ("phone_reused", 1): "phone_reused",
    ("postcode", 2): "postcode_far",
    ("postcode", 3): "postcode_unknown",
    ("ip", 2): "ip_shared",
    ("ip", 3): "ip_crowded",
}
LOCAL_KM, REGIONAL_KM = 80.0, 400.0
# Names that are no one's: 5 consonants in a row, a 4-letter word without a vowel, keyboard rows.
RANDOM_NAME = (
    r"[bcdfghjklmnpqrstvwxz]{5,}|(^|\s)[^aeiouy\s'-]{4,}(\s|$)|asdf|qwer|zxcv|hjkl|sdfg|wert|xcvb"
)


@dataclass
class Signals:
    """Per-registration normalised identity, person, features and channel/device."""

    person: np.ndarray
    first: np.ndarray  # the person's first registration (by time)
    features: dict[str, np.ndarray]
    channel: np.ndarray  # index into CHANNELS
    device: np.ndarray  # index into DEVICES
    email: pa.Array
    phone: pa.Array
    name: pa.Array
    notes: list[str] = field(default_factory=list)
    agent_given: np.ndarray | None = None  # a user agent was given (not blank)

    @property
    def people(self) -> int:
        return int(self.person.max()) + 1 if self.person.size else 0


def compute_signals(
    table: pa.Table, *, venue_postcode: str | None = None, country: str = "US"
) -> Signals:
    """The signals of every registration in ``table`` (canonical columns; any may be absent,
    rows sorted by time).

    Example
    -------
    >>> t = pa.table({"email": ["a@mailinator.com", "Bob.Smith@gmail.com"], "name": ["Donald Duck", "Bob Smith"]})
    >>> s = compute_signals(t)
    >>> s.features["email"].tolist(), s.features["name"].tolist()
    ([3, 0], [2, 0])
    """
    n = table.num_rows
    col = _column_getter(table)
    notes = []
    email, domain, email_ok = normalise_emails(col("email"))
    raw_email = col("email")
    email_cat = np.where(pc.is_valid(raw_email).to_numpy(zero_copy_only=False), 2, 1).astype(
        np.int8
    )
    email_cat[
        pc.fill_null(pc.equal(pc.utf8_trim_whitespace(raw_email), ""), True).to_numpy(
            zero_copy_only=False
        )
    ] = 1
    email_cat[email_ok] = 0
    email_cat[
        pc.fill_null(pc.is_in(domain, _disposable_domains()), False).to_numpy(zero_copy_only=False)
    ] = 3

    name = normalise_names(col("name"))
    name_cat = np.where(pc.is_valid(name).to_numpy(zero_copy_only=False), 0, 1).astype(np.int8)
    single = pc.fill_null(pc.invert(pc.match_substring(name, " ")), False)
    if (table.schema.metadata or {}).get(NAME_PARTS_KEY) == b"one":
        single = pa.array(np.zeros(n, bool))  # the form asked for one part of the name only
    rnd = pc.fill_null(pc.match_substring_regex(name, RANDOM_NAME), False)
    name_cat[pc.or_(single, rnd).to_numpy(zero_copy_only=False)] = 3
    joke = pc.or_(
        pc.fill_null(pc.is_in(name, pa.array(sorted(JOKE_NAMES))), False),
        pc.fill_null(pc.match_substring_regex(name, token_regex(JOKE_TOKENS)), False),
    )
    name_cat[joke.to_numpy(zero_copy_only=False)] = 2

    phones = normalise_phones(col("phone"), country)
    raw_phone = pc.utf8_trim_whitespace(col("phone"))
    given = pc.fill_null(pc.greater(pc.utf8_length(raw_phone), 0), False).to_numpy(
        zero_copy_only=False
    )
    phone_cat = np.where(given, 2, 1).astype(np.int8)
    phone_cat[phones.valid] = 0
    foreign = phones.valid & ~pc.fill_null(
        pc.equal(phones.region, country.upper()), False
    ).to_numpy(zero_copy_only=False)
    phone_cat[foreign] = 3
    nonpersonal = pc.fill_null(
        pc.is_in(phones.line_type, pa.array(sorted(NON_PERSONAL))), False
    ).to_numpy(zero_copy_only=False)
    phone_cat[phones.valid & nonpersonal] = 4

    # People: the same address, or the same name and number.
    phone_valid = pc.if_else(pa.array(phones.valid), phones.e164, pa.scalar(None, pa.string()))
    name_phone = pc.binary_join_element_wise(name, phone_valid, "|")
    person = merge_people(email, name_phone)
    first = np.zeros(n, bool)
    if n:
        _, first_rows = np.unique(person, return_index=True)
        first[first_rows] = True

    # A number given by more than one person.
    reused = np.zeros(n, np.int8)
    if n:
        reused[_distinct_per_key(phone_valid, person) > 1] = 1

    postcode_cat = _postcodes(col("postcode"), venue_postcode, notes)
    ip_cat = _ips(col("ip"), person)
    channel = per_value(col("referrer"), referrer_channel)
    device = per_value(col("user_agent"), user_agent_device)
    agent_given = pc.fill_null(
        pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(col("user_agent"))), 0), False
    ).to_numpy(zero_copy_only=False)
    features = {
        "email": email_cat,
        "name": name_cat,
        "phone": phone_cat,
        "phone_reused": reused,
        "postcode": postcode_cat,
        "ip": ip_cat,
    }
    return Signals(
        person, first, features, channel, device, email, phone_valid, name, notes, agent_given
    )


def reason_codes(signals: Signals) -> list[list[str]]:
    """The identity reasons of each registration (surge and device reasons are added by the
    model, which knows the timing)."""
    n = signals.person.size
    out: list[list[str]] = [[] for _ in range(n)]
    for (feature, code), reason in REASONS.items():
        for i in np.flatnonzero(signals.features[feature] == code):
            out[i].append(reason)
    return out


def _column_getter(table: pa.Table):
    def get(name: str) -> pa.Array:
        if name in table.column_names:
            c = table[name]
            c = c.combine_chunks() if isinstance(c, pa.ChunkedArray) else c
            return c if pa.types.is_string(c.type) else pc.cast(c, pa.string())
        return pa.nulls(table.num_rows, pa.string())

    return get


_DISPOSABLE: pa.Array | None = None


def _disposable_domains() -> pa.Array:
    global _DISPOSABLE
    if _DISPOSABLE is None:
        domains = require("disposable_email_domains", what="The sign-up lens")
        _DISPOSABLE = pa.array(sorted(domains.blocklist), pa.string())
    return _DISPOSABLE


def token_regex(tokens) -> str:
    return r"(^|[\s'-])(" + "|".join(sorted(tokens)) + r")([\s'-]|$)"


def _distinct_per_key(key: pa.Array, person: np.ndarray) -> np.ndarray:
    """For each row, how many distinct people share its (non-null) key; 0 where the key is null."""
    encoded = pc.dictionary_encode(key)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    out = np.zeros(codes.size, np.int64)
    have = codes >= 0
    if not have.any():
        return out
    pairs = np.unique(np.stack([codes[have], person[have]]), axis=1)
    per_key = np.bincount(pairs[0], minlength=len(encoded.dictionary))
    out[have] = per_key[codes[have]]
    return out


def _postcodes(postcodes: pa.Array, venue: str | None, notes: list[str]) -> np.ndarray:
    p = pc.utf8_trim_whitespace(postcodes)
    given = pc.fill_null(pc.greater(pc.utf8_length(p), 0), False).to_numpy(zero_copy_only=False)
    out = np.where(given, 3, 4).astype(np.int8)
    if not given.any():
        return out
    index, lat, lon, _, _ = geo.zip_table()
    five = pc.utf8_slice_codeunits(p, 0, 5)
    us = pc.fill_null(pc.match_substring_regex(p, r"^\d{5}(-?\d{4})?$"), False)
    encoded = pc.dictionary_encode(pc.if_else(us, five, pa.scalar(None, pa.string())))
    known = np.array([index.get(z, -1) for z in encoded.dictionary.to_pylist()] + [-1])
    where = known[pc.fill_null(encoded.indices, len(known) - 1).to_numpy(zero_copy_only=False)]
    found = where >= 0
    if venue is None:
        out[found] = 0
        return out
    at = geo.locate(venue)
    if at is None:
        notes.append(f"venue postcode {venue!r} is not a known US ZIP code: distances not used")
        out[found] = 0
        return out
    d = geo.distance_km(at[0], at[1], lat[where[found]], lon[where[found]])
    out[found] = np.where(d < LOCAL_KM, 0, np.where(d < REGIONAL_KM, 1, 2))
    return out


def _ips(ips: pa.Array, person: np.ndarray) -> np.ndarray:
    ip = pc.utf8_trim_whitespace(ips)
    block = pc.extract_regex(ip, r"^(?P<b>\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$")
    block = pc.struct_field(block, "b")
    # IPv6: the /48 stands in for the /24.
    v6 = pc.extract_regex(ip, r"^(?P<b>[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}):")
    block = pc.coalesce(block, pc.struct_field(v6, "b"))
    count = _distinct_per_key(block, person)
    out = np.select([count == 0, count == 1, count <= 3, count <= 9], [4, 0, 1, 2], 3).astype(
        np.int8
    )
    return out
