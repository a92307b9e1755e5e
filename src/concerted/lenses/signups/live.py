"""One registration at a time: the batch lens's signals for a live form, and the durable state
(people seen, numbers and networks shared, velocity per channel x device) they need.

The identity signals are the same functions of the same inputs as :mod:`.signals`, written for one
row (a test holds the two to the same answers). What depends on the crowd is read from the state:
a person seen before (duplicate), a number or a /24 shared with others, and the surge ratio of
the registration's cell, which live is one-sided (the last 45 minutes against the cell's median
3-hour rate over the previous three days): the first minutes of a wave score lower than the batch
run, which sees the whole wave, will later.

The state is a SQLite file in WAL mode. It holds keyed hashes of registration ids, addresses,
numbers and networks, never the values, plus each registration's features, risk and verdict, and
per-bin counts. The key is not in the file: it lives in a file of its own beside it (``STATE.key``,
readable by its owner only), so that the state can be handed over for analysis without it. Every accepted registration is committed before it is answered:
with ``synchronous="normal"`` the commit is in the OS's hands (safe across a crash or restart of
the service), with ``"full"`` on the disk (safe across a power loss too).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import os
import re
import secrets
import sqlite3
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ...errors import ParameterError
from ...extras import require
from . import geo
from .channels import referrer_channel, user_agent_device
from .normalize import DOTLESS_DOMAINS, NANP, NON_PERSONAL
from .signals import FEATURES, JOKE_NAMES, LOCAL_KM, RANDOM_NAME, REASONS, REGIONAL_KM, token_regex
from .surge import BIN_SECONDS, BLOCK_BINS, WINDOW_HOURS
from .vocab import CHANNELS, DEVICES, JOKE_TOKENS

_EMAIL = re.compile(r"^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)*\.[a-z]{2,}$")
_RANDOM = re.compile(RANDOM_NAME)
_JOKE_TOKEN = re.compile(token_regex(JOKE_TOKENS))
_US_ZIP = re.compile(r"^\d{5}(-?\d{4})?$")
_IPV4 = re.compile(r"^(\d{1,3}\.\d{1,3}\.\d{1,3})\.\d{1,3}$")
_IPV6 = re.compile(r"^([0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}:[0-9a-fA-F]{1,4}):")


@dataclass
class Identity:
    """The identity signals of one registration."""

    features: dict[str, int]  # email, name, phone, postcode (reuse and ip come from the state)
    email: str | None  # normalised
    phone: str | None  # E.164, valid numbers only
    name: str | None  # normalised
    block: str | None  # /24 (or IPv6 /48)
    channel: int
    device: int
    agent_given: bool


def identify(reg: dict, *, venue_postcode: str | None = None, country: str = "US") -> Identity:
    """Identity signals of one registration (a dict with any of the canonical columns)."""
    email = _email(reg.get("email"))
    raw_email = (reg.get("email") or "").strip()
    email_cat = 1 if not raw_email else 0 if email else 2
    if email and email.split("@", 1)[1] in _disposable():
        email_cat = 3
    name = _name(reg.get("name"))
    if name is None:
        name_cat = 1
    elif name in JOKE_NAMES or _JOKE_TOKEN.search(name):
        name_cat = 2
    elif " " not in name or _RANDOM.search(name):
        name_cat = 3
    else:
        name_cat = 0
    phone, phone_cat = _phone((reg.get("phone") or "").strip(), country)
    features = {
        "email": email_cat,
        "name": name_cat,
        "phone": phone_cat,
        "postcode": _postcode((reg.get("postcode") or "").strip(), venue_postcode),
    }
    ip = (reg.get("ip") or "").strip()
    m = _IPV4.match(ip) or _IPV6.match(ip)
    return Identity(
        features,
        email,
        phone if phone_cat in (0, 3, 4) else None,
        name,
        m.group(1) if m else None,
        referrer_channel(reg.get("referrer")),
        user_agent_device(reg.get("user_agent")),
        bool((reg.get("user_agent") or "").strip()),
    )


def _email(value) -> str | None:
    e = (value or "").strip().lower()
    if not _EMAIL.match(e):
        return None
    local, domain = e.split("@", 1)
    local = local.split("+", 1)[0]
    if domain in DOTLESS_DOMAINS:
        local, domain = local.replace(".", ""), DOTLESS_DOMAINS[domain]
    return f"{local}@{domain}" if local else None


def _name(value) -> str | None:
    n = unicodedata.normalize("NFKC", value or "").lower()
    n = "".join(ch if ch.isalpha() or ch in "'-" or ch.isspace() else " " for ch in n)
    n = " ".join(n.split())
    return n or None


@lru_cache(maxsize=1)
def _disposable() -> frozenset[str]:
    domains = require("disposable_email_domains", what="The sign-up service")
    return frozenset(domains.blocklist)


def _phone(raw: str, country: str) -> tuple[str | None, int]:
    if not raw:
        return None, 1
    digits = re.sub(r"[^0-9]", "", raw)
    cand = None
    if raw.startswith("+"):
        cand = "+" + digits
    elif digits.startswith("00"):
        cand = "+" + digits[2:]
    elif country.upper() in NANP and len(digits) == 10:
        cand = "+1" + digits
    elif country.upper() in NANP and len(digits) == 11 and digits.startswith("1"):
        cand = "+" + digits
    elif len(digits) >= 5:
        cand = _parse_national(raw, country.upper())
    if cand is None or len(cand) < 8:
        return None, 2
    key = (cand[:-4], len(cand))
    info = _RANGES.get(key)
    if info is None:
        info = _RANGES[key] = _range_info(cand)
    valid, region, kind = info
    if not valid:
        return cand, 2
    if region != country.upper():
        return cand, 3
    return cand, 4 if kind in NON_PERSONAL else 0


@lru_cache(maxsize=65536)
def _parse_national(raw: str, country: str) -> str | None:
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, country)
    except phonenumbers.NumberParseException:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Validity, region and line type per number range (the number less its last four digits), as
# in the batch lens: libphonenumber once per range, not once per number.
_RANGES: dict[tuple[str, int], tuple[bool, str | None, str | None]] = {}


def _range_info(example: str) -> tuple[bool, str | None, str | None]:
    import phonenumbers

    try:
        parsed = phonenumbers.parse(example, None)
    except phonenumbers.NumberParseException:
        return False, None, None
    ok = phonenumbers.is_valid_number(parsed)
    region = phonenumbers.region_code_for_number(parsed) if ok else None
    return ok, region, phonenumbers.PhoneNumberType.to_string(phonenumbers.number_type(parsed))


def _postcode(p: str, venue: str | None) -> int:
    if not p:
        return 4
    index, lat, lon, _, _ = geo.zip_table()
    i = index.get(p[:5]) if _US_ZIP.match(p) else None
    if i is None:
        return 3
    at = geo.locate(venue) if venue else None
    if at is None:
        return 0
    d = float(geo.distance_km(at[0], at[1], lat[i], lon[i]))
    return 0 if d < LOCAL_KM else 1 if d < REGIONAL_KM else 2


def ip_category(people_in_block: int) -> int:
    """The ``ip`` feature from the number of distinct people in the /24 (0 = no IP)."""
    if people_in_block == 0:
        return 4
    return (
        0
        if people_in_block == 1
        else 1
        if people_in_block <= 3
        else 2
        if people_in_block <= 9
        else 3
    )


def reasons_of(
    features: dict[str, int],
    *,
    surge: float,
    channel: int,
    device: int,
    duplicate: bool,
    agent_given: bool = True,
) -> list[str]:
    out = [reason for (feature, code), reason in REASONS.items() if features.get(feature) == code]
    if surge >= 0.5:
        out.append("surge")
    if channel == CHANNELS.index("short_video"):
        out.append("referrer_short_video")
    if device == DEVICES.index("inapp_short_video"):
        out.append("inapp_short_video")
    if device == DEVICES.index("bot_or_unknown") and agent_given:
        out.append("device_bot")
    if duplicate:
        out.append("duplicate")
    return out


SYNCHRONOUS = {"full": "FULL", "normal": "NORMAL"}
LATEST_TIME = 4_102_444_800.0  # 2100-01-01: later (or negative) times are typing errors
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS registrations (
    seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    time REAL NOT NULL,
    person INTEGER NOT NULL,
    email_key TEXT, name_phone_key TEXT, phone_key TEXT, block_key TEXT,
    cell INTEGER NOT NULL, surge REAL NOT NULL,
    email INTEGER, name INTEGER, phone INTEGER, phone_reused INTEGER, postcode INTEGER, ip INTEGER,
    risk REAL NOT NULL, verdict TEXT NOT NULL, reasons TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS velocity (cell INTEGER, bin INTEGER, n INTEGER NOT NULL, PRIMARY KEY (cell, bin));
"""
COLUMNS = (
    "id", "time", "person", "email_key", "name_phone_key", "phone_key", "block_key", "cell",
    "surge", "email", "name", "phone", "phone_reused", "postcode", "ip", "risk", "verdict", "reasons",
)  # fmt: skip


class LiveState:
    """People, shared numbers and networks, and velocity, kept in memory and in SQLite.

    The in-memory maps are rebuilt from the file when it is opened, so a restart resumes the
    counts exactly. Writes go through :meth:`commit` (the service batches them)."""

    def __init__(self, path: str | Path, *, synchronous: str = "normal") -> None:
        if synchronous not in SYNCHRONOUS:
            raise ParameterError(
                f"synchronous must be one of {', '.join(SYNCHRONOUS)}. Got {synchronous!r}."
            )
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlite3.DatabaseError as exc:
            self.db.close()
            raise ParameterError(
                f"{self.path} is not a sign-up state ({exc}): --state takes the SQLite file a "
                "previous `concerted serve signups` kept, or a new path to start one."
            ) from None
        # full: a commit reaches the disk (fsync) before the registration is answered, so it
        # survives a power loss; normal: it reaches the OS, so it survives the service's crash
        # or restart but not the machine's, and commits cost no fsync.
        self.db.execute(f"PRAGMA synchronous={SYNCHRONOUS[synchronous]}")
        # Checkpoints are run by checkpoint() on a connection of their own, so that copying the
        # log into the database never holds up a commit (and so an answer).
        self.db.execute("PRAGMA wal_autocheckpoint=0")
        self.db.executescript(SCHEMA)
        self.key_path = self.path.with_name(self.path.name + ".key")
        self.key = self._key()
        self._reset()
        self._load()

    def _key(self) -> bytes:
        """The hashing key, from the key file; created with the state. A state written before
        the key moved out of the database gets its key file and its ids hashed, once."""
        old = self.db.execute("SELECT value FROM meta WHERE key = 'key'").fetchone()
        if self.key_path.exists():
            key = bytes.fromhex(self.key_path.read_text().strip())
        elif old is not None:
            key = bytes.fromhex(old[0])
        elif self.db.execute("SELECT 1 FROM registrations LIMIT 1").fetchone():
            raise ParameterError(
                f"{self.path}: its key file {self.key_path} is missing, so the registrations "
                "in it cannot be recognised again. Restore the key file, or start a new state "
                "with another --state."
            )
        else:
            key = secrets.token_bytes(32)
        if not self.key_path.exists():
            tmp = self.key_path.with_name(self.key_path.name + ".tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(key.hex())
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.key_path)
        if old is not None:  # hash the raw ids of an older state and drop the key from it
            ids = [r[0] for r in self.db.execute("SELECT id FROM registrations")]
            self.db.execute("BEGIN IMMEDIATE")
            self.db.executemany(
                "UPDATE registrations SET id = ? WHERE id = ?",
                [(_keyed(key, "id", i), i) for i in ids],
            )
            self.db.execute("DELETE FROM meta WHERE key = 'key'")
            self.db.execute("COMMIT")
        return key

    def _reset(self) -> None:
        self.by_id: dict[str, dict] = {}
        self.person_of: dict[str, int] = {}  # email / name+phone key -> person
        self.phone_people: dict[str, set[int]] = {}
        self.block_people: dict[str, set[int]] = {}
        self.velocity: dict[int, dict[int, int]] = {}
        self.people = 0
        self._baseline: dict[tuple[int, int], tuple[float, float]] = {}

    def reload(self) -> None:
        """Forget what is in memory and read the state back from the file: after a failed
        commit, the registrations taken into memory but never stored are gone again."""
        self._reset()
        self._load()

    def _load(self) -> None:
        for row in self.db.execute(f"SELECT {', '.join(COLUMNS)} FROM registrations ORDER BY seq"):
            rec = dict(zip(COLUMNS, row, strict=True))
            self._remember(rec)
        for cell, b, n in self.db.execute("SELECT cell, bin, n FROM velocity"):
            self.velocity.setdefault(cell, {})[b] = n

    def hash(self, kind: str, value: str | None) -> str | None:
        if not value:
            return None
        return _keyed(self.key, kind, value)

    def _remember(self, rec: dict) -> None:
        self.by_id[rec["id"]] = {
            k: rec[k] for k in ("id", "person", "risk", "verdict", "reasons", "surge")
        }
        p = rec["person"]
        self.people = max(self.people, p + 1)
        for key in (rec["email_key"], rec["name_phone_key"]):
            if key:
                self.person_of.setdefault(key, p)
        if rec["phone_key"]:
            self.phone_people.setdefault(rec["phone_key"], set()).add(p)
        if rec["block_key"]:
            self.block_people.setdefault(rec["block_key"], set()).add(p)

    def person(self, email_key: str | None, name_phone_key: str | None) -> tuple[int, bool]:
        """(person id, seen before)."""
        for key in (email_key, name_phone_key):
            if key and key in self.person_of:
                return self.person_of[key], True
        return self.people, False

    def shared(self, table: dict[str, set[int]], key: str | None, person: int) -> int:
        """How many distinct people, this one included, share the key."""
        if not key:
            return 0
        people = table.get(key)
        if people is None:
            return 1
        return len(people) + (person not in people)

    def surge(self, cell: int, t: float) -> float:
        """The cell's surge ratio now, counting this registration (one-sided, see the module)."""
        b = int(t // BIN_SECONDS)
        counts = self.velocity.get(cell, {})
        n3 = counts.get(b, 0) + counts.get(b - 1, 0) + counts.get(b - 2, 0) + 1
        block = b // BLOCK_BINS
        cached = self._baseline.get((cell, block))
        if cached is None:
            cached = self._baseline[(cell, block)] = self._threshold(counts, block)
        b3, threshold = cached
        if n3 <= threshold:
            return 0.0
        return max(0.0, (n3 - b3) / n3)

    def _threshold(self, counts: dict[int, int], block: int) -> tuple[float, float]:
        from scipy import stats

        n_blocks = int(WINDOW_HOURS * 3600 / BIN_SECONDS / BLOCK_BINS)
        sums = [
            sum(counts.get(k * BLOCK_BINS + j, 0) for j in range(BLOCK_BINS))
            for k in range(block - n_blocks, block)
        ]
        level = max(float(np.median(sums)) / BLOCK_BINS, BIN_SECONDS / 86400)  # >= 1 a day
        b3 = 3 * level
        # The count above which the last 45 minutes are beyond Poisson noise (p < 0.001).
        return b3, float(stats.poisson.isf(1e-3, b3))

    def record(self, rec: dict) -> None:
        """Take an accepted registration into memory (call :meth:`commit` to make it durable)."""
        self._remember(rec)
        b = int(rec["time"] // BIN_SECONDS)
        cell = self.velocity.setdefault(rec["cell"], {})
        cell[b] = cell.get(b, 0) + 1

    def commit(self, recs: list[dict]) -> None:
        """Write registrations and their velocity counts in one transaction."""
        if not recs:
            return
        marks = ", ".join("?" for _ in COLUMNS)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.executemany(
                f"INSERT INTO registrations ({', '.join(COLUMNS)}) VALUES ({marks})",
                [tuple(r[c] for c in COLUMNS) for r in recs],
            )
            self.db.executemany(
                "INSERT INTO velocity VALUES (?, ?, 1) ON CONFLICT (cell, bin) DO UPDATE SET n = n + 1",
                [(r["cell"], int(r["time"] // BIN_SECONDS)) for r in recs],
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def checkpoint(self) -> None:
        """Copy the write-ahead log into the database without blocking writers (PASSIVE)."""
        with sqlite3.connect(self.path) as db:
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def rows(self) -> dict[str, np.ndarray]:
        """Every stored registration's features, for refitting the model (read on a connection
        of its own, so that it can run beside the writer)."""
        return read_rows(self.path)

    def close(self) -> None:
        self.db.close()


def _keyed(key: bytes, kind: str, value: str) -> str:
    return hmac.new(key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]


def read_rows(path: str | Path) -> dict[str, np.ndarray]:
    """The stored registrations' features (``cell, surge``, the features, ``person, risk``)."""
    cols = ("cell", "surge", *FEATURES, "person", "risk")
    db = sqlite3.connect(path)
    try:
        data = db.execute(f"SELECT {', '.join(cols)} FROM registrations ORDER BY seq").fetchall()
    finally:
        db.close()
    arr = np.array(data, dtype=float).reshape(-1, len(cols))
    return {c: arr[:, i] for i, c in enumerate(cols)}


def parse_time(value, now: float) -> float:
    """Epoch seconds from an ISO 8601 text (no zone = UTC) or a number of seconds or
    milliseconds; ``now`` when absent. Raises ValueError for anything else, or a time outside
    1970-2100."""
    from datetime import datetime, timezone

    if value is None or value == "":
        return now
    try:
        t = float(value.strip() if isinstance(value, str) else value)
        t = t / 1000.0 if abs(t) >= 1e11 else t  # milliseconds
    except ValueError:
        try:
            d = datetime.fromisoformat(value.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"time {value[:40]!r} is not a time: use ISO 8601 (2020-06-20T18:00:00Z) or Unix "
                "seconds"
            ) from None
        t = (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).timestamp()
    if not math.isfinite(t):
        raise ValueError("time is not finite")
    if not 0 <= t <= LATEST_TIME:
        raise ValueError(
            f"time {str(value)[:40]!r} is not between 1970 and 2100: send ISO 8601 "
            "(2020-06-20T18:00:00Z) or Unix seconds or milliseconds"
        )
    return t
