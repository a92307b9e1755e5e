"""A registration log with a fake wave and its answer key (Tulsa, June 2020, in miniature).

Genuine registrants live near the venue mostly, have ordinary names, e-mail addresses at a mix of
providers and working phone numbers, and arrive through search, social media, e-mail, direct visits
and the news, on a daily rhythm that grows as the event nears, with organic spikes after news
mentions. A few register twice (e-mail in another case, Gmail dots or a ``+tag``, the phone in
another format).

The fake wave follows calls posted on short-video apps at a few instants: registrations surge
through TikTok and Instagram links, mostly in the apps' own browsers, in the hours after each call.
*Obvious* fakes carry tells (disposable addresses, joke or random names, foreign, virtual, invalid
or reused numbers, far or foreign postcodes); *careful* fakes draw their identity from the same
generator as genuine people, so only timing, channel, device and IP (a few proxy /24 blocks)
betray them.

``truth.csv`` holds ``id, fake, kind`` with kind in ``genuine, duplicate, obvious, careful``
(a duplicate is a genuine person's second registration: ``fake`` is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from ...errors import OutputError, ParameterError
from . import geo
from .vocab import FIRST_NAMES, JOKE_NAMES, LAST_NAMES

START = 1_591_401_600.0  # 2020-06-06T00:00:00Z
HOUR = 3_600.0
DAY = 86_400.0
UTC_OFFSET_HOURS = -5  # Tulsa in June (CDT)

PROVIDERS = (
    ("gmail.com", 0.38),
    ("yahoo.com", 0.14),
    ("outlook.com", 0.08),
    ("hotmail.com", 0.08),
    ("icloud.com", 0.08),
    ("aol.com", 0.04),
    ("cox.net", 0.08),
    ("att.net", 0.05),
    ("sbcglobal.net", 0.04),
    ("ou.edu", 0.03),
)
DISPOSABLE = ("mailinator.com", "guerrillamail.com", "yopmail.com", "10minutemail.com", "sharklasers.com", "trashmail.com", "getnada.com", "dispostable.com")  # fmt: skip
OTHER_AREA_CODES = ("212", "310", "312", "405", "469", "512", "602", "713", "816", "214", "404", "615", "303", "206", "580", "479", "417", "316")  # fmt: skip
FOREIGN_NUMBERS = (
    "+44 7{} {}",  # UK mobile
    "+44 56 {} {}",  # UK VoIP
    "+33 9 {} {}",  # France VoIP
    "+82 10 {} {}",  # South Korea
    "+61 4{} {}",  # Australia
    "+52 1{} {}",  # Mexico
)
FAR_POSTCODES = ("90210", "10001", "02139", "98101", "33101", "60601", "94103", "77001", "SW1A 1AA", "100-0001", "75008", "04524", "M5V 2T6", "2000")  # fmt: skip

UA = {
    "desktop": (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.97 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:77.0) Gecko/20100101 Firefox/77.0",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.97 Safari/537.36 Edg/83.0.478.45",
    ),
    "mobile": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/13.1.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 10; SM-G973U) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.101 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 9; moto g(7) power) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.101 Mobile Safari/537.36",
    ),
    "inapp_short_video": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_16.1.0 JsSdk/2.0 NetType/WIFI Channel/App Store ByteLocale/en Region/US",
        "Mozilla/5.0 (Linux; Android 10; SM-A505U Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.101 Mobile Safari/537.36 trill_2021600040 JsSdk/1.0 NetType/MOBILE Channel/googleplay AppName/trill app_version/16.0.4 ByteLocale/en BytedanceWebview/d8a21c6",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 146.0.0.27.125 (iPhone11,8; iOS 13_5; en_US; en-US; scale=2.00; 828x1792; 220223664)",
        "Mozilla/5.0 (Linux; Android 10; Pixel 3 Build/QQ3A.200605.001; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.101 Mobile Safari/537.36 Instagram 146.0.0.27.125 Android",
    ),
    "inapp_other": (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBDV/iPhone11,8;FBMD/iPhone;FBSN/iOS;FBSV/13.5;FBSS/2;FBID/phone;FBLC/en_US;FBOP/5]",
        "Mozilla/5.0 (Linux; Android 10; SM-G960U Build/QP1A.190711.020; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/83.0.4103.101 Mobile Safari/537.36 [FB_IAB/FB4A;FBAV/272.0.0.49.120;]",
    ),
}
REFERRERS = {
    "direct": ("",),
    "search": ("https://www.google.com/", "https://www.bing.com/", "https://duckduckgo.com/"),
    "facebook": ("https://www.facebook.com/", "https://m.facebook.com/", "https://l.facebook.com/"),
    "twitter": ("https://t.co/x8Kq2", "https://twitter.com/"),
    "news": (
        "https://www.tulsaworld.com/news/rally",
        "https://www.kjrh.com/news/local-news",
        "news",
    ),
    "email": ("https://mail.google.com/", "https://outlook.live.com/"),
    "tiktok": ("https://www.tiktok.com/", "https://vm.tiktok.com/ZMJx1a/", "tiktok"),
    "instagram": ("https://l.instagram.com/", "https://www.instagram.com/", "instagram"),
}


@dataclass
class SignupWorld:
    """A simulated registration log and its answer key."""

    registrations: pa.Table
    truth: pa.Table
    calls: list[float] = field(default_factory=list)
    news: list[float] = field(default_factory=list)


@dataclass
class SignupParams:
    """How a simulated sign-up log is made; every field can be changed to make another world."""

    genuine: int = 20_000
    fakes: int = 20_000
    careful_share: float = 0.4
    duplicate_share: float = 0.05
    days: float = 14.0
    calls: int = 3
    news_spikes: int = 2
    news_share: float = 0.06
    venue_postcode: str = "74103"
    # Genuine channel mix and the wave's.
    genuine_channels: dict = field(
        default_factory=lambda: {
            "direct": 0.28,
            "search": 0.22,
            "facebook": 0.22,
            "twitter": 0.06,
            "email": 0.12,
            "news": 0.04,
            "tiktok": 0.04,
            "instagram": 0.02,
        }
    )
    wave_channels: dict = field(
        default_factory=lambda: {"tiktok": 0.62, "instagram": 0.28, "direct": 0.06, "twitter": 0.04}
    )
    wave_inapp: float = (
        0.72  # share of wave registrations from short-video links in in-app browsers
    )
    wave_delay_median_hours: float = 2.0
    wave_delay_sigma: float = 1.0
    proxy_blocks: int = 60  # /24 blocks the careful fakes register from


def simulate_signups(
    *, seed: int = 0, params: SignupParams | None = None, **overrides
) -> SignupWorld:
    """A registration log with a planted fake wave, and its truth.

    Parameters
    ----------
    seed
        Random seed; the same seed gives the same world.
    params
        A :class:`SignupParams`; keyword ``overrides`` change single fields
        (``simulate_signups(genuine=2000, fakes=2000)``).

    Example
    -------
    >>> world = simulate_signups(seed=1, genuine=300, fakes=300, days=5)
    >>> world.registrations.num_rows == world.truth.num_rows
    True
    """
    p = params or SignupParams()
    for key, value in overrides.items():
        if not hasattr(p, key):
            raise ParameterError(f"simulate_signups: unknown parameter {key!r}.")
        setattr(p, key, value)
    _check(p)
    rng = np.random.default_rng(seed)
    local = geo.zips_within(p.venue_postcode, 0, 40) or [p.venue_postcode]
    regional = geo.zips_within(p.venue_postcode, 40, 300) or local
    span = p.days * DAY

    rows: list[dict] = []
    kinds: list[str] = []

    # Genuine people: time on a daily rhythm that grows towards the event, plus news spikes.
    n_news = int(round(p.genuine * p.news_share)) if p.news_spikes else 0
    times = _organic_times(rng, p.genuine - n_news, span)
    news = sorted(_daytime_instants(rng, p.news_spikes, span))
    channels = _choice(rng, p.genuine_channels, p.genuine - n_news)
    if n_news:
        spike = rng.integers(0, len(news), n_news)
        news_times = np.array(news)[spike] + rng.exponential(1.5 * HOUR, n_news)
        times = np.concatenate([times, np.minimum(news_times, span - 1)])
        channels = np.concatenate(
            [channels, rng.choice(["news", "search", "direct"], n_news, p=[0.7, 0.2, 0.1])]
        )
    people = []
    for t, ch in zip(times, channels, strict=True):
        person = _person(rng, local, regional)
        people.append(person)
        rows.append({**person, **_arrival(rng, ch, t, p, wave=False)})
        kinds.append("genuine")
    # Genuine people who register twice, later, with the same identity written differently.
    n_dup = int(round(p.genuine * p.duplicate_share))
    for i in rng.choice(len(people), n_dup, replace=False):
        first = rows[i]
        t = min(first["time"] + rng.exponential(2 * DAY), span - 1)
        ch = _choice(rng, p.genuine_channels, 1)[0]
        again = {**_arrival(rng, ch, t, p, wave=False), **_restyle(rng, people[i])}
        if rng.random() < 0.6:
            again["ip"] = first["ip"]
        rows.append(again)
        kinds.append("duplicate")

    # The wave: calls on short-video apps; registrations in the hours after each.
    calls = sorted(_evening_instants(rng, p.calls, span))
    if p.fakes:
        weights = rng.dirichlet(np.full(len(calls), 3.0))
        call_of = rng.choice(len(calls), p.fakes, p=weights)
        delay = rng.lognormal(np.log(p.wave_delay_median_hours * HOUR), p.wave_delay_sigma, p.fakes)
        wave_times = np.minimum(np.array(calls)[call_of] + delay, span - 1)
        wave_channels = _choice(rng, p.wave_channels, p.fakes)
        careful = rng.random(p.fakes) < p.careful_share
        blocks = [_random_block(rng) for _ in range(max(p.proxy_blocks, 1))]
        reused = [_us_number(rng, rng.choice(OTHER_AREA_CODES)) for _ in range(25)]
        for t, ch, is_careful in zip(wave_times, wave_channels, careful, strict=True):
            if is_careful:
                person = _person(rng, local, regional)
                person["ip"] = f"{blocks[rng.integers(len(blocks))]}.{rng.integers(1, 255)}"
            else:
                person = _obvious(rng, reused)
            rows.append({**person, **_arrival(rng, ch, t, p, wave=True)})
            kinds.append("careful" if is_careful else "obvious")

    order = np.argsort([r["time"] for r in rows], kind="stable")
    ids = [f"r{i + 1:07d}" for i in range(len(rows))]
    columns = ("time", "name", "email", "phone", "postcode", "ip", "user_agent", "referrer")
    data = {"id": ids}
    for c in columns:
        values = [rows[j][c] for j in order]
        data[c] = [START + v for v in values] if c == "time" else values
    registrations = pa.table(data)
    kind_sorted = [kinds[j] for j in order]
    truth = pa.table(
        {
            "id": ids,
            "fake": [int(k in ("obvious", "careful")) for k in kind_sorted],
            "kind": kind_sorted,
        }
    )
    return SignupWorld(registrations, truth, [START + c for c in calls], [START + n for n in news])


def write_signups_world(world: SignupWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write ``registrations.csv`` (times in ISO 8601) and ``truth.csv`` into ``out_dir``."""
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        reg = world.registrations
        iso = [_iso(t) for t in reg["time"].to_pylist()]
        reg = reg.set_column(reg.column_names.index("time"), "time", pa.array(iso))
        paths = {"registrations": out / "registrations.csv", "truth": out / "truth.csv"}
        pacsv.write_csv(reg, paths["registrations"])
        pacsv.write_csv(world.truth, paths["truth"])
    except OSError as exc:
        raise OutputError(f"Cannot write the simulated log to {out}: {exc}.") from None
    return paths


def _iso(t: float) -> str:
    from datetime import datetime, timezone

    return datetime.fromtimestamp(t, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _check(p: SignupParams) -> None:
    if p.genuine < 10 or p.fakes < 0:
        raise ParameterError(
            f"simulate_signups: genuine must be >= 10 and fakes >= 0. Got {p.genuine}, {p.fakes}."
        )
    if not 0.5 <= p.days <= 120:
        raise ParameterError(f"simulate_signups: days must be between 0.5 and 120. Got {p.days}.")
    if p.fakes and p.calls < 1:
        raise ParameterError("simulate_signups: a wave needs at least one call (calls >= 1).")
    for name in ("careful_share", "duplicate_share", "news_share", "wave_inapp"):
        if not 0 <= getattr(p, name) <= 1:
            raise ParameterError(f"simulate_signups: {name} must be in [0, 1].")


def _choice(rng, weights: dict, n: int) -> np.ndarray:
    keys = list(weights)
    w = np.array([weights[k] for k in keys], float)
    return np.array(keys)[rng.choice(len(keys), n, p=w / w.sum())]


def _rhythm(hours_utc: np.ndarray) -> np.ndarray:
    """Registrations by local hour: quiet at night, busiest in the evening."""
    local = (hours_utc + UTC_OFFSET_HOURS) % 24
    return (
        0.08
        + 0.92 * np.exp(-0.5 * ((local - 19.0) / 4.0) ** 2)
        + 0.35 * np.exp(-0.5 * ((local - 12.5) / 2.0) ** 2)
    )


def _organic_times(rng, n: int, span: float) -> np.ndarray:
    out = np.empty(0)
    while out.size < n:
        t = rng.uniform(0, span, 2 * n + 100)
        keep = rng.random(t.size) < _rhythm(t / HOUR % 24) * (1 + 2 * t / span) / 3.4
        out = np.concatenate([out, t[keep]])
    return out[:n]


def _daytime_instants(rng, n: int, span: float) -> list[float]:
    days = max(int(span // DAY), 1)
    return [
        float(min(d * DAY + (rng.uniform(11, 19) - UTC_OFFSET_HOURS) * HOUR, span - HOUR))
        for d in rng.choice(days, n, replace=n > days)
    ]


def _evening_instants(rng, n: int, span: float) -> list[float]:
    days = max(int(span // DAY), 1)
    first = min(1, days - 1)
    pool = np.arange(first, max(days - 1, first + 1))
    return [
        float(min(d * DAY + (rng.uniform(16, 23) - UTC_OFFSET_HOURS) * HOUR, span - 6 * HOUR))
        for d in rng.choice(pool, n, replace=n > pool.size)
    ]


def _us_number(rng, area: str) -> str:
    exchange = int(rng.integers(200, 999))
    while exchange % 100 == 11 or exchange == 555:
        exchange = int(rng.integers(200, 999))
    return f"{area}{exchange}{int(rng.integers(0, 10000)):04d}"


def _format_phone(rng, digits: str) -> str:
    a, b, c = digits[:3], digits[3:6], digits[6:]
    style = rng.integers(5)
    return (f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", f"{a}{b}{c}")[
        style
    ]


def _person(rng, local: list[str], regional: list[str]) -> dict:
    first = FIRST_NAMES[rng.integers(len(FIRST_NAMES))]
    last = LAST_NAMES[rng.integers(len(LAST_NAMES))]
    domain = _choice(rng, dict(PROVIDERS), 1)[0]
    style = rng.integers(6)
    n = int(rng.integers(1, 999))
    local_part = (
        f"{first}.{last}{n}",
        f"{first}{last}{n}",
        f"{first}_{last}{n % 100}",
        f"{first[0]}{last}{n}",
        f"{first}{n:03d}",
        f"{last}.{first}{n}",
    )[style]
    if rng.random() < 0.1:
        local_part = local_part.capitalize()
    r = rng.random()
    area = "918" if r < 0.62 else "539" if r < 0.72 else rng.choice(OTHER_AREA_CODES)
    postcode = (
        local[rng.integers(len(local))]
        if rng.random() < 0.72
        else regional[rng.integers(len(regional))]
        if rng.random() < 0.8
        else rng.choice(FAR_POSTCODES[:8])
    )
    name = f"{first.capitalize()} {last.capitalize()}"
    if rng.random() < 0.05:
        name = name.upper() if rng.random() < 0.5 else name.lower()
    return {
        "name": name,
        "email": f"{local_part}@{domain}",
        "phone": _format_phone(rng, _us_number(rng, area)),
        "postcode": str(postcode),
        "ip": f"{_random_block(rng, residential=True)}.{rng.integers(1, 255)}",
    }


def _restyle(rng, person: dict) -> dict:
    """The same person typing their details again."""
    email = person["email"]
    local_part, _, domain = email.partition("@")
    r = rng.random()
    if r < 0.3:
        email = email.upper() if rng.random() < 0.3 else local_part.capitalize() + "@" + domain
    elif r < 0.55 and domain == "gmail.com":
        email = f"{local_part}+rally@{domain}"
    elif r < 0.75 and domain == "gmail.com" and len(local_part) > 3:
        email = f"{local_part[:2]}.{local_part[2:]}@{domain}"
    digits = "".join(ch for ch in person["phone"] if ch.isdigit())[-10:]
    name = person["name"]
    if rng.random() < 0.3:
        name = f"  {name.lower()} "
    return {
        "name": name,
        "email": email,
        "phone": _format_phone(rng, digits),
        "postcode": person["postcode"],
        "ip": person["ip"],
    }


def _random_block(rng, residential: bool = False) -> str:
    if residential:  # local ISPs' address space: many /24 blocks
        a = rng.choice([68, 70, 72, 98, 174, 24, 76, 99, 107, 166])
    else:  # hosting and VPN ranges
        a = rng.choice([104, 45, 185, 193, 146, 157, 167, 138])
    return f"{a}.{rng.integers(0, 256)}.{rng.integers(0, 256)}"


def _random_string(rng, lo: int, hi: int) -> str:
    letters = "bcdfghjklmnpqrstvwxzaeiouy"
    n = int(rng.integers(lo, hi))
    weights = np.array([1.0] * 20 + [0.35] * 6)
    return "".join(rng.choice(list(letters), n, p=weights / weights.sum()))


def _obvious(rng, reused: list[str]) -> dict:
    """A fake with at least one tell."""
    tells = rng.random(6) < (0.45, 0.32, 0.22, 0.35, 0.25, 0.55)
    if not tells.any():
        tells[rng.integers(6)] = True
    disposable, joke, random_name, foreign, reuse, far = tells
    if joke:
        name = " ".join(
            w.capitalize() for w in sorted(JOKE_NAMES)[rng.integers(len(JOKE_NAMES))].split()
        )
    elif random_name:
        name = f"{_random_string(rng, 4, 9).capitalize()} {_random_string(rng, 5, 10).capitalize()}"
    else:
        name = f"{FIRST_NAMES[rng.integers(len(FIRST_NAMES))].capitalize()} {LAST_NAMES[rng.integers(len(LAST_NAMES))].capitalize()}"
    handle = (
        _random_string(rng, 6, 12)
        if random_name or rng.random() < 0.5
        else name.lower().replace(" ", "") + str(rng.integers(10, 99))
    )
    domain = (
        DISPOSABLE[rng.integers(len(DISPOSABLE))]
        if disposable
        else _choice(rng, dict(PROVIDERS[:5]), 1)[0]
    )
    if reuse:
        phone = _format_phone(rng, reused[rng.integers(len(reused))])
    elif foreign:
        template = FOREIGN_NUMBERS[rng.integers(len(FOREIGN_NUMBERS))]
        phone = template.format(rng.integers(100, 999), rng.integers(100000, 999999))
    elif rng.random() < 0.3:
        phone = rng.choice(["(918) 555-0100", "000-000-0000", "123-456-7890", "1-800-273-8255"])
    else:
        phone = _format_phone(rng, _us_number(rng, rng.choice(OTHER_AREA_CODES)))
    postcode = (
        rng.choice(FAR_POSTCODES)
        if far
        else rng.choice(["74103", "74104", "74105", "74119", "74120"])
    )
    ip = f"{_random_block(rng, residential=rng.random() < 0.7)}.{rng.integers(1, 255)}"
    return {
        "name": name,
        "email": f"{handle}@{domain}",
        "phone": phone,
        "postcode": str(postcode),
        "ip": ip,
    }


def _arrival(rng, channel: str, t: float, p: SignupParams, *, wave: bool) -> dict:
    """When, from where and on what device someone arrives."""
    if channel in ("tiktok", "instagram"):
        inapp = p.wave_inapp if wave else 0.6
        device = "inapp_short_video" if rng.random() < inapp else "mobile"
    elif channel == "facebook":
        device = rng.choice(["inapp_other", "mobile", "desktop"], p=[0.5, 0.3, 0.2])
    elif wave:
        device = rng.choice(["mobile", "desktop"], p=[0.85, 0.15])
    else:
        device = rng.choice(["mobile", "desktop"], p=[0.55, 0.45])
    agents = UA[device]
    if device == "inapp_short_video":  # the user agent matches the app the link came from
        agents = agents[2:] if channel == "instagram" else agents[:2]
    refs = REFERRERS[channel]
    return {
        "time": float(t),
        "user_agent": agents[rng.integers(len(agents))],
        "referrer": refs[rng.integers(len(refs))],
    }
