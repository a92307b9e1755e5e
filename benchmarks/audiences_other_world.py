"""Audiences: an independent world of reshares where fan bases are innocent and amplification
networks are not. Written apart from concerted's own simulator (which this file never imports), so
a detector cannot be tuned to it.

What the world holds, over ``days`` days (default 5) of a platform like Twitter:

* **Background.** ``n_actors`` ordinary accounts (default 20,000) with heavy-tailed activity
  (lognormal weights: most reshare a few posts a day, a few hundred a day). A fifth of them also
  author posts, with Zipf-like popularity; accounts sit in ~40 interest communities and reshare
  mostly their own community's authors, at delays from about a minute to many hours. About 0.2 %
  of posts go viral (300-3,000 reshares, most within the hour) and draw on the heaviest users of
  the whole platform. *Trap:* heavy users meet in every big cascade and in their own community
  again and again; a detector that counts co-occurrences without a null model flags them.
* **Fan bases.** 5-8 popular accounts (news outlets, entertainers, politicians) post 5-30 times
  a day; each has 150-800 fans drawn from the ordinary accounts (a few "super-fans" follow several
  of them). Every fan has its own habits: a Beta-distributed chance of resharing a post (0.05-0.9,
  scaled by how appealing each post is), its own median delay (log-uniform 20 s - 30 min, spread
  lognormally post by post), and a time zone it sleeps in. About 6 % are notification-driven and
  fast (median 10-40 s). *Trap:* fans of one account act on the same posts, post after post,
  often within a minute of each other; reacting to one account repeatedly is following it, not
  coordination. Fast fans are the hardest case: they meet within seconds on dozens of posts.
* **Amplification networks** (the answer key, ``truth.csv``). 1-3 networks of 20-50 automated
  accounts, each amplifying one politician (5-20 posts a day, who also has an organic fan base of
  200-500 and ordinary reshares, so the network hides among real people on the same posts).
  Shapes, one per network (drawn without repetition):

  - ``triggered``: the network fires on 70-95 % of posts; every member reshares 2-15 s after the
    post, each from its own narrow delay distribution (a few members miss a post now and then);
  - ``scheduled``: a controller waits 1-20 minutes after each post (random, per post), then the
    members reshare within a few seconds of each other; it fires on 75-95 % of posts;
  - ``partial``: each member joins each push with its own probability 0.5-0.8, all within
    seconds of each other, 3-40 s after the post; any two members share fewer posts.

  Members also reshare a few popular posts a day at human delays and sleep like people, to look
  human. They do not sleep when amplifying. *Trap, the other way:* a detector that discounts
  every repeated reaction to one account as fandom misses them; one that only looks at pairs
  misses the partial network's weak pairs.

Posts start half a day before the collection window and reshares after its end are dropped, so
the log, like a real collection, holds reshares of posts it does not contain. A reshare never
repeats (one per account and post) and nobody reshares their own post.

Output (``--format``): ``tweets.csv`` in the shape of a Twitter export, with columns
``tweet_id, user_screen_name, created_at, retweeted_status_id, retweeted_user_screen_name, text``.
``created_at`` is ISO 8601 UTC to the second (``2024-03-01T12:00:05Z``). For a reshare,
``retweeted_status_id`` is the original post's id, ``retweeted_user_screen_name`` its author and
``text`` ``"RT @author: ..."``. For an original post row (only with ``--originals yes``),
``retweeted_status_id`` and ``retweeted_user_screen_name`` are empty and the post's id is the
row's own ``tweet_id``: **the object of an original is its tweet_id, the object of a reshare is
its retweeted_status_id.** With ``--author-column no`` the ``retweeted_user_screen_name`` column
is absent (the text still says "RT @author:", as exports do). Ids are Twitter-style snowflakes
(time-ordered) and identical across output variants of one seed.

``actions.csv`` is the same rows flattened for concerted: ``actor, object, time, source, action``
with ``object`` the post id for both kinds of row, ``time`` epoch seconds with 3 decimals (the
Twitter file is truncated to whole seconds, as exports are), ``source`` the post's author (for a
post row, the author itself; empty with ``--author-column no``) and ``action`` ``post|repost``.

``truth.csv`` (``actor, campaign, kind``) lists every network member; ``accounts.csv``
(``actor, role``) gives every account one role, the first that applies of ``network``,
``amplified``, ``celebrity``, ``fan``, ``background`` (fans of the amplified politician are fans),
so false positives among fans can be counted apart from background ones.

Usage::

    python benchmarks/audiences_other_world.py --out DIR --seed 1 [--actors 20000] [--days 5]
        [--originals yes|no] [--author-column yes|no] [--format twitter|flat|both]

Or, without files: ``generate(seed, n_actors, days, originals, author_column)`` returns a dict of
column arrays (see its docstring).
"""

from __future__ import annotations

import argparse
import csv
import os
import time

import numpy as np

START = 1_709_251_200.0  # 2024-03-01T00:00:00Z
TWITTER_EPOCH_MS = 1_288_834_974_657
HOUR, DAY = 3600.0, 86400.0
WARMUP = 0.5 * DAY

# Share of an account's waking activity by local hour (1.0 = peak), people sleep 1-7 am.
ACT24 = np.array(
    [0.35, 0.18, 0.09, 0.05, 0.04, 0.05, 0.10, 0.28, 0.50, 0.62, 0.66, 0.70,
     0.78, 0.74, 0.70, 0.70, 0.74, 0.80, 0.88, 0.95, 1.00, 0.98, 0.85, 0.60]
)  # fmt: skip
TZ_OFFSETS = np.array([-5, -6, -7, -8, 0, 1, 2, 3, 5.5, 8, 9])
TZ_P = np.array([0.25, 0.10, 0.05, 0.15, 0.12, 0.15, 0.05, 0.03, 0.04, 0.03, 0.03])
KINDS = ("triggered", "scheduled", "partial")

FIRST = (
    "maria", "james", "sofia", "liam", "olivia", "noah", "emma", "lucas", "ava", "mateo", "mia",
    "ethan", "zoe", "leo", "nina", "omar", "sara", "jack", "lena", "ali", "chloe", "dan", "ivy",
    "sam", "kate", "tom", "ana", "ben", "grace", "max", "ella", "ryan", "jade", "luis", "amy",
    "kim", "joe", "rosa", "eli", "tess", "hugo", "nora", "raj", "lily", "owen", "ruth", "abby",
)  # fmt: skip
LAST = (
    "smith", "garcia", "kowalski", "nguyen", "brown", "muller", "rossi", "khan", "silva", "lee",
    "martin", "dubois", "jensen", "walsh", "novak", "cohen", "patel", "reyes", "fischer", "moore",
    "bianchi", "ward", "costa", "hughes", "berg", "lopez", "ortiz", "fox", "hale", "stone", "park",
)  # fmt: skip
WORDS = (
    "sunny", "coffee", "pixel", "river", "wild", "urban", "retro", "lucky", "silent", "cosmic",
    "happy", "tiny", "golden", "north", "blue", "night", "little", "real", "just", "the", "fan",
    "life", "daily", "vibes", "girl", "guy", "dad", "mom", "cat", "dog", "wolf", "fox", "moon",
    "star", "rain", "snow", "jazz", "soccer", "hoops", "chef", "nerd", "poet", "geek", "queen",
)  # fmt: skip
TEXT_WORDS = (
    "the", "a", "we", "this", "today", "new", "big", "vote", "news", "thanks", "everyone", "great",
    "report", "breaking", "watch", "live", "tonight", "people", "city", "plan", "jobs", "school",
    "music", "game", "win", "season", "video", "read", "story", "years", "team", "love", "can't",
    "believe", "what", "happened", "here", "is", "why", "it", "matters", "join", "us", "at", "for",
    "our", "future", "together", "more", "than", "ever", "tax", "health", "care", "rally", "show",
    "tour", "album", "update", "weather", "storm", "traffic", "market", "prices", "housing", "now",
)  # fmt: skip
CELEBRITY_NAMES = (
    "TheCourierNews", "MarlaVance", "SenDanaPruitt", "KaiRiversMusic", "NightDeskNews",
    "CoachTerryHale", "GovLindaOrtiz", "StarlingPod",
)  # fmt: skip
CELEBRITY_KIND = ("news", "star", "politician", "star", "news", "star", "politician", "star")
AMPLIFIED_NAMES = ("RepJohnCaldera", "MayorKessler", "SenEvaRidley")


def _activity(t: np.ndarray, tz: np.ndarray) -> np.ndarray:
    """Activity level (0-1) of accounts in time zones ``tz`` (hours) at window times ``t`` (s)."""
    h = np.mod((START + t) / HOUR + tz, 24.0)
    i = np.floor(h).astype(np.int64) % 24
    f = h - np.floor(h)
    return ACT24[i] * (1.0 - f) + ACT24[(i + 1) % 24] * f


def _screen_names(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct handles of the same mix for every role (a name is never a tell)."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        k = n - len(names) + 64
        pat = rng.choice(5, size=k, p=[0.25, 0.2, 0.25, 0.15, 0.15])
        f = rng.integers(len(FIRST), size=k)
        la = rng.integers(len(LAST), size=k)
        w1 = rng.integers(len(WORDS), size=k)
        w2 = rng.integers(len(WORDS), size=k)
        d = rng.integers(0, 10**8, size=k)
        cut = rng.integers(1, 4, size=k)
        cap = rng.random(k) < 0.3
        for j in range(k):
            first, last = FIRST[f[j]], LAST[la[j]]
            if cap[j]:
                first, last = first.capitalize(), last.capitalize()
            p = pat[j]
            if p == 0:
                s = first + last
            elif p == 1:
                s = f"{first}_{last[: cut[j]]}"
            elif p == 2:
                s = f"{first}{last}{d[j] % 10 ** (cut[j] + 1)}"
            elif p == 3:
                s = f"{WORDS[w1[j]]}{WORDS[w2[j]]}{d[j] % 100}"
            else:
                s = f"{first.capitalize()}{d[j]:08d}"
            s = s[:15]
            if s not in seen:
                seen.add(s)
                names.append(s)
                if len(names) == n:
                    break
    return names


def _post_times(rng, n_accounts_rate, tz, span_end, diurnal):
    """Post times for accounts with daily ``n_accounts_rate``; returns (account, time)."""
    span = span_end + WARMUP
    n = rng.poisson(n_accounts_rate * span / DAY / 0.55)
    who = np.repeat(np.arange(len(n_accounts_rate)), n)
    t = rng.uniform(-WARMUP, span_end, size=who.size)
    keep = rng.random(who.size) < np.where(diurnal[who], _activity(t, tz[who]), 0.55)
    return who[keep], t[keep]


def _fan_reshares(rng, post_idx, post_t, fans, tz_fans):
    """Reshares by one account's fans of its posts: (actor, post, time) arrays."""
    f, p = fans.size, post_idx.size
    prob = np.clip(rng.beta(1.2, 2.4, size=f), 0.05, 0.9)
    fast = rng.random(f) < 0.06
    med = np.where(fast, rng.uniform(10, 40, f), np.exp(rng.uniform(np.log(20), np.log(1800), f)))
    spread = np.where(fast, rng.uniform(0.2, 0.5, f), rng.uniform(0.4, 1.0, f))
    appeal = rng.lognormal(0.0, 0.5, size=p)  # some posts get more of every fan
    p_eff = 1.0 - (1.0 - prob[:, None]) ** appeal[None, :]
    hit = rng.random((f, p)) < p_eff
    fi, pj = np.nonzero(hit)
    delay = np.maximum(med[fi] * np.exp(spread[fi] * rng.standard_normal(fi.size)), 3.0)
    t = post_t[pj] + delay
    awake = rng.random(fi.size) < _activity(t, tz_fans[fi])  # asleep fans miss posts
    return fans[fi[awake]], post_idx[pj[awake]], t[awake]


def _network_reshares(rng, kind, post_idx, post_t, members):
    """The network's pushes of the amplified account's posts: (actor, post, time) arrays."""
    m, p = members.size, post_idx.size
    if kind == "triggered":
        fires = rng.random(p) < rng.uniform(0.70, 0.95)
        mu, sd = rng.uniform(3.0, 12.0, m), rng.uniform(0.3, 1.5, m)
        hit = fires[None, :] & (rng.random((m, p)) < 0.97)
        mi, pj = np.nonzero(hit)
        delay = np.clip(mu[mi] + sd[mi] * rng.standard_normal(mi.size), 2.0, 15.0)
    elif kind == "scheduled":
        fires = rng.random(p) < rng.uniform(0.75, 0.95)
        wait = rng.uniform(60.0, 1200.0, p)
        lag = rng.uniform(0.0, 3.0, m)
        hit = fires[None, :] & (rng.random((m, p)) < 0.97)
        mi, pj = np.nonzero(hit)
        delay = wait[pj] + lag[mi] + np.abs(rng.normal(0.0, 0.7, mi.size))
    else:
        fires = rng.random(p) < 0.92
        join = rng.uniform(0.5, 0.8, m)
        base = rng.uniform(3.0, 40.0, p)
        hit = fires[None, :] & (rng.random((m, p)) < join[:, None])
        mi, pj = np.nonzero(hit)
        delay = base[pj] + rng.uniform(0.0, 5.0, mi.size)
    return members[mi], post_idx[pj], post_t[pj] + delay


def _draw_weighted(rng, cum, order, lo, hi, k):
    """``k`` accounts drawn by weight between cumulative bounds ``lo``/``hi`` (arrays of k)."""
    u = lo + rng.random(k) * (hi - lo)
    j = np.minimum(np.searchsorted(cum, u, side="right"), cum.size - 1)
    return order[j]


def generate(
    seed: int,
    n_actors: int = 20_000,
    days: float = 5.0,
    originals: bool = False,
    author_column: bool = True,
) -> dict:
    """Build the world and return it as columns.

    Keys: ``tweet_id`` (int64), ``actor`` (str), ``time`` (float64 epoch s, ms precision),
    ``object`` (int64 post id), ``retweeted_status_id`` (int64, 0 for an original), ``source``
    (str author, "" with ``author_column=False``), ``author`` (str, always), ``action``
    ("post"|"repost"), ``text`` (object) -- one entry per row, sorted by time; ``truth`` and
    ``accounts`` (dicts of column lists as in the CSV files); ``summary`` (counts).
    """
    rng = np.random.default_rng([seed, 20_240_301])
    end = days * DAY
    n = int(n_actors)

    # --- accounts -------------------------------------------------------------------------
    n_celeb = int(rng.integers(5, 9))
    n_net = int(rng.integers(1, 4))
    net_sizes = rng.integers(20, 51, size=n_net)
    net_kinds = [KINDS[i] for i in rng.permutation(3)[:n_net]]
    celeb0, amp0, mem0 = n, n + n_celeb, n + n_celeb + n_net
    n_acc = mem0 + int(net_sizes.sum())
    tz = rng.choice(TZ_OFFSETS, size=n_acc, p=TZ_P)
    weight = np.minimum(rng.lognormal(0.0, 1.3, size=n), 150.0)  # heavy-tailed activity
    n_comm = 40
    comm_p = 1.0 / np.arange(1, n_comm + 1) ** 0.8
    comm = rng.choice(n_comm, size=n, p=comm_p / comm_p.sum())

    # --- posts ----------------------------------------------------------------------------
    n_auth = max(50, n // 5)
    authors = rng.choice(n, size=n_auth, replace=False)
    auth_rank = rng.permutation(n_auth) + 1
    auth_rate = np.minimum(rng.lognormal(np.log(1.2), 0.9, n_auth), 40.0)
    auth_lam = 8.0 * rng.lognormal(0.0, 0.6, n_auth) + 1200.0 * auth_rank**-0.9
    celeb_rate = rng.uniform(5, 30, n_celeb)
    amp_rate = rng.uniform(5, 20, n_net)
    rates = np.concatenate([auth_rate, celeb_rate, amp_rate])
    poster = np.concatenate([authors, np.arange(celeb0, mem0)])
    diurnal = np.ones(rates.size, bool)
    diurnal[n_auth:][:n_celeb] = [CELEBRITY_KIND[i] != "news" for i in range(n_celeb)]
    who, post_t = _post_times(rng, rates, tz[poster], end, diurnal)
    post_author = poster[who]
    lam = np.concatenate([auth_lam, rng.uniform(30, 90, n_celeb), rng.uniform(10, 25, n_net)])[
        who
    ] * rng.lognormal(0.0, 0.8, who.size)
    n_posts = post_t.size
    is_ordinary = who < n_auth

    # --- background reshares (community cascades + viral ones) -----------------------------
    order = np.argsort(comm, kind="stable")
    cum = np.cumsum(weight[order])
    cstart = np.searchsorted(comm[order], np.arange(n_comm), side="left")
    cend = np.searchsorted(comm[order], np.arange(n_comm), side="right")
    clo = np.where(cstart > 0, cum[np.maximum(cstart - 1, 0)], 0.0)
    chi = cum[np.maximum(cend - 1, 0)]
    k = rng.poisson(lam / 0.6)
    pi = np.repeat(np.arange(n_posts), k)
    own = is_ordinary[pi] & (rng.random(pi.size) < 0.75)
    acomm = np.zeros(n_acc, np.int64)
    acomm[:n] = comm
    pc = acomm[post_author[pi]]
    lo = np.where(own, clo[pc], 0.0)
    hi = np.where(own, chi[pc], cum[-1])
    ba = _draw_weighted(rng, cum, order, lo, hi, pi.size)
    fastmix = rng.random(pi.size) < 0.15
    bd = np.where(
        fastmix, rng.lognormal(np.log(90), 0.8, pi.size), rng.lognormal(np.log(1500), 1.3, pi.size)
    )
    top = np.concatenate([auth_rank < 200, np.zeros(n_celeb + n_net, bool)])[who]
    viral = is_ordinary & (rng.random(n_posts) < 0.002 * (1 + top))
    vk = np.exp(rng.uniform(np.log(300), np.log(3000), int(viral.sum()))).astype(np.int64)
    vk = np.minimum(vk, n // 4)
    vpi = np.repeat(np.flatnonzero(viral), vk)
    va = _draw_weighted(rng, cum, order, np.zeros(vpi.size), np.full(vpi.size, cum[-1]), vpi.size)
    vd = rng.lognormal(np.log(480), 0.9, vpi.size)
    b_actor = np.concatenate([ba, va])
    b_post = np.concatenate([pi, vpi])
    b_t = post_t[b_post] + np.minimum(np.concatenate([bd, vd]), 2 * DAY)
    awake = rng.random(b_t.size) < _activity(b_t, tz[b_actor])
    parts = [(b_actor[awake], b_post[awake], b_t[awake])]

    # --- fan bases ------------------------------------------------------------------------
    fan_w = np.where(rng.random(n) < 0.04, 10.0, 1.0)  # super-fans follow several accounts
    is_fan = np.zeros(n_acc, bool)
    for star in range(celeb0, mem0):
        size = int(rng.integers(150, 801) if star < amp0 else rng.integers(200, 501))
        fans = rng.choice(n, size=min(size, n), replace=False, p=fan_w / fan_w.sum())
        is_fan[fans] = True
        mine = np.flatnonzero(post_author == star)
        parts.append(_fan_reshares(rng, mine, post_t[mine], fans, tz[fans]))

    # --- amplification networks -----------------------------------------------------------
    member_net = np.repeat(np.arange(n_net), net_sizes)
    members_all = mem0 + np.arange(member_net.size)
    for j in range(n_net):
        members = members_all[member_net == j]
        mine = np.flatnonzero(post_author == amp0 + j)
        parts.append(_network_reshares(rng, net_kinds[j], mine, post_t[mine], members))
    # a little human-looking activity: popular posts, human delays, asleep at night
    pop = np.bincount(b_post, minlength=n_posts).astype(float) * is_ordinary
    mk = rng.poisson(rng.uniform(0.5, 5.0, members_all.size) * (days + 0.5) / 0.55)
    ma = np.repeat(members_all, mk)
    mp = rng.choice(n_posts, size=ma.size, p=pop / pop.sum())
    mt = post_t[mp] + rng.lognormal(np.log(1200), 1.2, ma.size)
    awake = rng.random(ma.size) < _activity(mt, tz[ma])
    parts.append((ma[awake], mp[awake], mt[awake]))

    # --- assemble: one reshare per (account, post), none of one's own, inside the window ---
    r_actor = np.concatenate([p[0] for p in parts]).astype(np.int64)
    r_post = np.concatenate([p[1] for p in parts]).astype(np.int64)
    r_t = np.concatenate([p[2] for p in parts])
    keep = r_actor != post_author[r_post]
    r_actor, r_post, r_t = r_actor[keep], r_post[keep], r_t[keep]
    o = np.lexsort((r_t, r_actor, r_post))
    r_actor, r_post, r_t = r_actor[o], r_post[o], r_t[o]
    first = np.ones(r_t.size, bool)
    first[1:] = (r_post[1:] != r_post[:-1]) | (r_actor[1:] != r_actor[:-1])
    r_actor, r_post, r_t = r_actor[first], r_post[first], r_t[first]
    r_t = r_t[(r_ok := (r_t >= 0) & (r_t < end))]
    r_actor, r_post = r_actor[r_ok], r_post[r_ok]

    # ids over the whole world (posts before the window included), so variants share them
    all_t = np.round(np.concatenate([post_t, r_t]) * 1000.0) / 1000.0
    ms = np.round((START + all_t) * 1000.0).astype(np.int64)
    o = np.argsort(ms, kind="stable")
    ids = np.empty(ms.size, np.int64)
    ids[o] = ((ms[o] - TWITTER_EPOCH_MS) << 22) | (np.arange(ms.size) & 0x3FFFFF)
    post_id, r_id = ids[:n_posts], ids[n_posts:]
    post_t, r_t = all_t[:n_posts], all_t[n_posts:]

    if originals:
        sel = np.flatnonzero(post_t >= 0)
        row_actor = np.concatenate([post_author[sel], r_actor])
        row_post = np.concatenate([sel, r_post])
        row_t = np.concatenate([post_t[sel], r_t])
        row_id = np.concatenate([post_id[sel], r_id])
        is_post = np.concatenate([np.ones(sel.size, bool), np.zeros(r_t.size, bool)])
    else:
        row_actor, row_post, row_t, row_id = r_actor, r_post, r_t, r_id
        is_post = np.zeros(r_t.size, bool)
    o = np.lexsort((row_id, row_t))
    row_actor, row_post, row_t, row_id, is_post = (
        a[o] for a in (row_actor, row_post, row_t, row_id, is_post)
    )

    # --- names and text -------------------------------------------------------------------
    handles = _screen_names(rng, n + member_net.size)
    hperm = rng.permutation(len(handles))
    names = np.empty(n_acc, dtype="<U15")
    names[:n] = [handles[i] for i in hperm[:n]]
    names[mem0:] = [handles[i] for i in hperm[n:]]
    names[celeb0:amp0] = [CELEBRITY_NAMES[i] for i in range(n_celeb)]
    names[amp0:mem0] = [AMPLIFIED_NAMES[i] for i in range(n_net)]
    nw = rng.integers(5, 13, n_posts)
    wi = rng.integers(len(TEXT_WORDS), size=(n_posts, 12))
    post_text = np.array(
        [" ".join(TEXT_WORDS[x] for x in wi[i, : nw[i]]) for i in range(n_posts)], dtype=object
    )
    rt_text = np.array(
        [f"RT @{names[post_author[i]]}: {post_text[i]}" for i in range(n_posts)], dtype=object
    )
    author = names[post_author[row_post]]
    text = np.where(is_post, post_text[row_post], rt_text[row_post])

    role = np.full(n_acc, "background", dtype="<U10")
    role[is_fan] = "fan"
    role[celeb0:amp0] = "celebrity"
    role[amp0:mem0] = "amplified"
    role[mem0:] = "network"
    truth = {
        "actor": names[mem0:].tolist(),
        "campaign": [f"net{j + 1}_{names[amp0 + j]}" for j in member_net],
        "kind": [net_kinds[j] for j in member_net],
    }
    summary = {
        "rows": int(row_t.size),
        "originals": int(is_post.sum()),
        "reshares": int((~is_post).sum()),
        "accounts": n_acc,
        "active_accounts": int(np.unique(row_actor).size),
        "fans": int((role == "fan").sum()),
        "celebrities": n_celeb,
        "networks": ", ".join(
            f"{k}:{s}" for k, s in zip(net_kinds, net_sizes.tolist(), strict=True)
        ),
        "network_members": int(member_net.size),
        "network_reshares": int(np.isin(row_actor, members_all).sum()),
        "posts_in_window": int((post_t >= 0).sum()),
    }
    return {
        "tweet_id": row_id,
        "actor": names[row_actor],
        "time": START + row_t,
        "object": post_id[row_post],
        "retweeted_status_id": np.where(is_post, 0, post_id[row_post]),
        "source": author if author_column else np.full(row_t.size, "", dtype="<U1"),
        "author": author,
        "action": np.where(is_post, "post", "repost"),
        "text": text,
        "truth": truth,
        "accounts": {"actor": names.tolist(), "role": role.tolist()},
        "summary": summary,
    }


def write(world: dict, out: str, fmt: str = "both", author_column: bool = True) -> None:
    """Write ``tweets.csv`` and/or ``actions.csv``, plus ``truth.csv`` and ``accounts.csv``."""
    os.makedirs(out, exist_ok=True)
    is_post = world["action"] == "post"
    if fmt in ("twitter", "both"):
        created = np.char.add(
            np.datetime_as_string(np.floor(world["time"]).astype("datetime64[s]"), unit="s"), "Z"
        )
        rsid = np.where(is_post, "", world["retweeted_status_id"].astype(str))
        cols = [
            world["tweet_id"].tolist(),
            world["actor"].tolist(),
            created.tolist(),
            rsid.tolist(),
        ]
        header = ["tweet_id", "user_screen_name", "created_at", "retweeted_status_id"]
        if author_column:
            cols.append(np.where(is_post, "", world["author"]).tolist())
            header.append("retweeted_user_screen_name")
        cols.append(world["text"].tolist())
        header.append("text")
        with open(os.path.join(out, "tweets.csv"), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(header)
            w.writerows(zip(*cols, strict=True))
    if fmt in ("flat", "both"):
        times = np.char.mod("%.3f", world["time"])
        with open(os.path.join(out, "actions.csv"), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["actor", "object", "time", "source", "action"])
            w.writerows(
                zip(
                    world["actor"].tolist(),
                    world["object"].tolist(),
                    times.tolist(),
                    world["source"].tolist(),
                    world["action"].tolist(),
                    strict=True,
                )
            )
    for name, table in (("truth.csv", world["truth"]), ("accounts.csv", world["accounts"])):
        with open(os.path.join(out, name), "w", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(list(table))
            w.writerows(zip(*table.values(), strict=True))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--actors", type=int, default=20_000)
    ap.add_argument("--days", type=float, default=5.0)
    ap.add_argument("--originals", choices=("yes", "no"), default="no")
    ap.add_argument("--author-column", choices=("yes", "no"), default="yes")
    ap.add_argument("--format", choices=("twitter", "flat", "both"), default="both")
    a = ap.parse_args(argv)
    t0 = time.perf_counter()
    author_column = a.author_column == "yes"
    world = generate(a.seed, a.actors, a.days, a.originals == "yes", author_column)
    t1 = time.perf_counter()
    write(world, a.out, a.format, author_column)
    s = world["summary"]
    print(
        f"{s['rows']:,} rows ({s['originals']:,} originals), {s['accounts']:,} accounts "
        f"({s['active_accounts']:,} active), {s['fans']:,} fans of {s['celebrities']} celebrities "
        f"+ amplified, {s['network_members']} network members [{s['networks']}] with "
        f"{s['network_reshares']:,} rows; generated {t1 - t0:.1f}s, written "
        f"{time.perf_counter() - t1:.1f}s -> {a.out}"
    )


if __name__ == "__main__":
    main()
