"""A second registration-log generator, written apart from concerted's own simulator and
parameterised differently, so the sign-up benchmark is not scored on the world the lens was built
against ("no tuning to your own simulator").

Differences from ``concerted.lenses.signups.simulate``:

* six calls instead of three, with three surge shapes: an instant spike (most registrations in the
  first half hour), a slow build over half a day, and a two-humped wave (the call re-shared);
  some calls in the daytime;
* genuine people also come from TikTok, Instagram and YouTube (14 %), often in the apps' browsers,
  and a campaign-free Facebook share makes an organic spike of its own beside two news mentions;
* careful fakes are the majority of the wave (55 %), and half of them come from residential IPs
  (one person per /24, as a residential proxy network gives), so neither identity nor IP betrays
  them: only timing, channel and device;
* obvious fakes have fewer tells each (one, mostly), some only a far postcode;
* 8 % of genuine people register twice; a different mix of providers, area codes and formats.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from concerted.lenses.signups import geo
from concerted.lenses.signups.vocab import FIRST_NAMES, JOKE_NAMES, LAST_NAMES

START = 1_622_505_600.0  # 2021-06-01
HOUR, DAY = 3600.0, 86400.0

UA_DESKTOP = (
    "Mozilla/5.0 (X11; Linux x86_64; rv:89.0) Gecko/20100101 Firefox/89.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 11_4) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Safari/537.36",
)
UA_MOBILE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/14.1.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/91.0.4472.77 Mobile Safari/537.36",
    "Mozilla/5.0 (Linux; Android 11; SAMSUNG SM-G991U) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/14.2 Chrome/87.0.4280.141 Mobile Safari/537.36",
)
UA_TIKTOK = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_19.9.0 JsSdk/2.0 NetType/4G Channel/App Store ByteLocale/en",
    "Mozilla/5.0 (Linux; Android 11; SM-A515U; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/91.0 Mobile Safari/537.36 trill_190904 BytedanceWebview/d8a21c6",
)
UA_INSTAGRAM = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 192.0.0.28.118",
)
UA_FACEBOOK = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 14_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/321.0]",
)
REF = {
    "direct": "",
    "google": "https://www.google.com/search",
    "facebook": "https://m.facebook.com/story.php",
    "twitter": "https://t.co/Zx9",
    "news": "https://www.newson6.com/story/rally",
    "email": "https://mail.yahoo.com/",
    "tiktok": "https://www.tiktok.com/@someone/video/1",
    "instagram": "https://l.instagram.com/?u=rally",
    "youtube": "https://www.youtube.com/watch?v=abc",
}
DOMAINS = (
    "gmail.com",
    "yahoo.com",
    "hotmail.com",
    "outlook.com",
    "icloud.com",
    "cox.net",
    "me.com",
    "live.com",
    "utulsa.edu",
)
DOMAIN_P = (0.45, 0.12, 0.1, 0.06, 0.1, 0.07, 0.03, 0.04, 0.03)
THROWAWAY = ("yopmail.com", "mailinator.com", "guerrillamailblock.com", "temp-mail.org", "maildrop.cc", "throwawaymail.com")  # fmt: skip
AREAS_LOCAL = ("918", "539")
AREAS_OTHER = ("405", "580", "214", "817", "713", "479", "316", "913", "501", "870")


def make_other_world(seed: int, *, genuine: int = 30_000, fakes: int = 25_000, days: float = 18.0):
    """(registrations table, truth table) of the other world."""
    rng = np.random.default_rng(10_000 + seed)
    span = days * DAY
    local = geo.zips_within("74103", 0, 50)
    state = geo.zips_within("74103", 50, 350)
    rows, kinds = [], []

    # Genuine: two daily peaks (lunch, late evening), linear growth, organic spikes.
    n_spike = int(genuine * 0.1)
    t = _rhythm_times(rng, genuine - n_spike, span)
    ch = rng.choice(
        list(REF),
        genuine - n_spike,
        p=[0.22, 0.2, 0.2, 0.05, 0.03, 0.16, 0.08, 0.04, 0.02],
    )
    spikes = [rng.uniform(2, days - 2) * DAY for _ in range(3)]
    spike_ch = ["news", "news", "facebook"]
    which = rng.integers(0, 3, n_spike)
    t = np.r_[t, np.array(spikes)[which] + rng.gamma(1.2, 2 * HOUR, n_spike)]
    ch = np.r_[ch, np.array(spike_ch)[which]]
    people = []
    for ti, c in zip(np.minimum(t, span - 1), ch, strict=True):
        who = _identity(rng, local, state)
        people.append(who)
        rows.append({**who, **_arrive(rng, c, ti, wave=False), "ip": _home_ip(rng)})
        kinds.append("genuine")
    for i in rng.choice(len(people), int(genuine * 0.08), replace=False):
        first = rows[i]
        again = dict(first)
        again["time"] = min(first["time"] + rng.uniform(60, 5 * DAY), span - 1)
        e = first["email"]
        again["email"] = e.upper() if rng.random() < 0.4 else e.replace("@", "+again@", 1)
        digits = "".join(x for x in first["phone"] if x.isdigit())[-10:]
        again["phone"] = (
            f"+1{digits}" if rng.random() < 0.5 else f"{digits[:3]} {digits[3:6]} {digits[6:]}"
        )
        again.update(
            _arrive(rng, rng.choice(["direct", "google", "email"]), again["time"], wave=False)
        )
        rows.append(again)
        kinds.append("duplicate")

    # The wave: six calls, three shapes.
    calls = sorted(rng.uniform(1.5, days - 1.5, 6) * DAY)
    weights = rng.dirichlet(np.full(6, 2.0))
    shape = rng.permutation(["spike", "spike", "build", "build", "twin", "twin"])
    proxies = [
        f"{rng.choice([185, 45, 91])}.{rng.integers(256)}.{rng.integers(256)}" for _ in range(300)
    ]
    reused = [
        f"{rng.choice(AREAS_OTHER)}{rng.integers(200, 999)}{rng.integers(10000):04d}"
        for _ in range(40)
    ]
    for k in rng.choice(6, fakes, p=weights):
        if shape[k] == "spike":
            delay = rng.exponential(0.6 * HOUR)
        elif shape[k] == "build":
            delay = rng.gamma(3.0, 2.5 * HOUR)
        else:
            delay = rng.exponential(HOUR) + (0 if rng.random() < 0.5 else 7 * HOUR)
        ti = min(calls[k] + delay, span - 1)
        c = rng.choice(
            ["tiktok", "instagram", "youtube", "direct", "twitter"], p=[0.5, 0.2, 0.08, 0.17, 0.05]
        )
        if rng.random() < 0.55:
            who = _identity(rng, local, state)
            ip = (
                f"{proxies[rng.integers(len(proxies))]}.{rng.integers(1, 255)}"
                if rng.random() < 0.5
                else _home_ip(rng)
            )
            kinds.append("careful")
        else:
            who = _obvious(rng, reused, local)
            ip = (
                _home_ip(rng)
                if rng.random() < 0.8
                else f"{proxies[rng.integers(len(proxies))]}.{rng.integers(1, 255)}"
            )
            kinds.append("obvious")
        rows.append({**who, **_arrive(rng, c, ti, wave=True), "ip": ip})

    order = np.argsort([r["time"] for r in rows], kind="stable")
    ids = [f"o{i:06d}" for i in range(len(rows))]
    cols = ("time", "name", "email", "phone", "postcode", "ip", "user_agent", "referrer")
    data = {"id": ids}
    for col in cols:
        vals = [rows[j][col] for j in order]
        data[col] = [START + v for v in vals] if col == "time" else vals
    kinds = [kinds[j] for j in order]
    truth = pa.table(
        {"id": ids, "fake": [int(k in ("obvious", "careful")) for k in kinds], "kind": kinds}
    )
    return pa.table(data), truth


def _rhythm_times(rng, n, span):
    out = np.empty(0)
    while out.size < n:
        t = rng.uniform(0, span, 2 * n + 10)
        local_h = (t / HOUR - 5) % 24
        w = (
            0.1
            + 0.6 * np.exp(-0.5 * ((local_h - 12.5) / 1.5) ** 2)
            + np.exp(-0.5 * ((local_h - 21) / 2.0) ** 2)
        )
        keep = rng.random(t.size) < w * (0.5 + t / span) / 1.8
        out = np.r_[out, t[keep]]
    return out[:n]


def _home_ip(rng):
    return f"{rng.choice([98, 68, 184, 107, 174])}.{rng.integers(256)}.{rng.integers(256)}.{rng.integers(1, 255)}"


def _phone(rng, area):
    d = f"{area}{rng.integers(200, 999)}{rng.integers(10000):04d}"
    while d[3:6] in ("555", "911", "411"):
        d = f"{area}{rng.integers(200, 999)}{rng.integers(10000):04d}"
    style = rng.integers(3)
    return (f"{d[:3]}-{d[3:6]}-{d[6:]}", f"({d[:3]}){d[3:6]}-{d[6:]}", f"+1{d}")[style]


def _identity(rng, local, state):
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    domain = rng.choice(DOMAINS, p=DOMAIN_P)
    user = (
        f"{first}{last[0]}{rng.integers(100, 9999)}",
        f"{first[0]}.{last}{rng.integers(10, 9999)}",
        f"{last}{first}{rng.integers(1, 99999)}",
    )[rng.integers(3)]
    area = rng.choice(AREAS_LOCAL) if rng.random() < 0.7 else rng.choice(AREAS_OTHER)
    postcode = rng.choice(local) if rng.random() < 0.65 else rng.choice(state)
    return {
        "name": f"{first.title()} {last.title()}",
        "email": f"{user}@{domain}",
        "phone": _phone(rng, area),
        "postcode": str(postcode),
    }


def _obvious(rng, reused, local):
    who = _identity(rng, local, local)
    tell = rng.choice(
        ["throwaway", "joke", "keyboard", "abroad", "reused", "far", "bad"],
        p=[0.25, 0.15, 0.1, 0.15, 0.15, 0.1, 0.1],
    )
    if tell == "throwaway" or rng.random() < 0.15:
        who["email"] = who["email"].split("@")[0] + "@" + rng.choice(THROWAWAY)
    if tell == "joke":
        who["name"] = rng.choice(sorted(JOKE_NAMES)).title()
    if tell == "keyboard":
        who["name"] = rng.choice(
            ["Asdf Ghjk", "Qwerty Uiop", "Xxxx Yyyy", "Zzzzz", "Bbbbb Nnnnn", "Lkjh Gfds"]
        )
    if tell == "abroad":
        who["phone"] = (
            rng.choice(["+82 10-", "+44 7700 ", "+63 917 ", "+1 800 "])
            + f"{rng.integers(1000000, 9999999)}"
        )
    if tell == "reused":
        d = reused[rng.integers(len(reused))]
        who["phone"] = f"{d[:3]}-{d[3:6]}-{d[6:]}"
    if tell == "far":
        who["postcode"] = rng.choice(
            ["10013", "90028", "60614", "98109", "02115", "33139", "94110"]
        )
    if tell == "bad":
        who["phone"] = rng.choice(["000-000-0000", "123-4567", "999-999-9999", "1234567890"])
    return who


def _arrive(rng, channel, t, *, wave):
    if channel == "tiktok":
        ua = (
            rng.choice(UA_TIKTOK)
            if rng.random() < (0.65 if wave else 0.5)
            else rng.choice(UA_MOBILE)
        )
    elif channel == "instagram":
        ua = rng.choice(UA_INSTAGRAM) if rng.random() < 0.6 else rng.choice(UA_MOBILE)
    elif channel == "facebook":
        ua = rng.choice(UA_FACEBOOK) if rng.random() < 0.4 else rng.choice(UA_MOBILE + UA_DESKTOP)
    elif wave:
        ua = rng.choice(UA_MOBILE) if rng.random() < 0.8 else rng.choice(UA_DESKTOP)
    else:
        ua = rng.choice(UA_MOBILE) if rng.random() < 0.5 else rng.choice(UA_DESKTOP)
    return {"time": float(t), "user_agent": ua, "referrer": REF[channel]}
