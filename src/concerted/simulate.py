"""Simulated worlds: organic activity with planted campaigns and a known answer.

A world is an action log in canonical columns plus the truth: which actors belong to which
campaign. The organic part is built to contain the traps a naive co-action detector falls for,
all on the same object namespaces the campaigns use:

* heavy-tailed activity (a few heavy users with hundreds of actions who meet everyone);
* viral cascades (thousands of shares of one URL or post minutes after it appears);
* celebrity fans (a few hundred accounts retweeting every post of a few celebrities within
  seconds to a couple of minutes, post after post, each with an independent delay);
* interest communities (niche links shared by the same group hours apart);
* live events (hundreds posting a match hashtag within seconds of each goal);
* ordinary hashtags used by many people over days, and a few hostile texts.

The planted campaigns follow three real episodes and one stealthy pattern:

==========  ========  =====  ==================================================================
campaign    episode   tempo  what the members do
==========  ========  =====  ==================================================================
c1-signup   signup    human  Tulsa 2020: amplify calls to register, register, delete the calls
c2-hashtag  hashtag   bot    #WhiteLivesMatter 2020: flood the tag with the same fancam media
c3-reports  reports   slow   X July 2024: mass-report the same accounts, target after target
c4-stealth  stealth   human  heavy ordinary users sharing the same links, at low participation
==========  ========  =====  ==================================================================

Each member joins each campaign action with probability ``participation``; every action of a
campaign object falls within the tempo's window (bot 10 s, human 120 s, slow 600 s).

With ``n_campaigns`` (``concerted simulate --family N``) the four are replaced by N campaigns drawn
from a family: kind (sign-up wave, hashtag hijack of one of the most popular organic tags, report
wave, link pushing, stealth among heavy users), tempo, size 10-200 (stealth 10-20), participation
0.4-0.9 and 5-30 objects, so detectors are judged on worlds they were not tuned on.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .errors import OutputError, ParameterError
from .schema import Log, make_log

START = 1_719_792_000.0  # 2024-07-01T00:00:00Z; any fixed instant keeps worlds reproducible
DAY = 86_400.0
HOUR = 3_600.0
TEMPO_WINDOW_SECONDS = {"bot": 10, "human": 120, "slow": 600}
N_ACTORS_RANGE = (1_000, 100_000)
DAYS_RANGE = (1.0, 60.0)

ACTIONS = ("share", "post", "report", "signup", "delete")
SHARE, POST, REPORT, SIGNUP, DELETE = range(len(ACTIONS))

HOSTILE_TEXTS = (
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x","y")',
    "+cmd|' /C calc'!A0",
    "'; DROP TABLE actions; --",
    'she said "hi", then left',
    "two\nlines",
    "\u202eevil override",
    "{{7*7}} ${7*7}",
)
_SAY = np.array(
    ["wow", "read this", "so true", "interesting", "must see", "lol", "thoughts?", "agreed",
     "this!", "important", "can't believe it", "good thread", "new post", "morning all"],
    dtype=object,
)  # fmt: skip
_GOAL = np.array(["GOAAAL", "what a goal", "YES", "unbelievable", "get in"], dtype=object)
_REASONS = np.array(["spam", "harassment", "misleading", "impersonation"], dtype=object)
_TAGS = (
    "news monday weekend music football tech ai climate art books travel food gaming fashion "
    "photography science health fitness movies tv politics economy crypto dogs cats memes kpop "
    "anime summer vote"
).split()
_WLM = "#WhiteLivesMatter"
_MATCHES = ("#ENGvsNED", "#ESPvsFRA")
_RALLY_FORM, _RALLY_URL = "form:rally-tulsa-tickets", "https://rally.example/tickets"

# name, episode, tempo, size range, participation range, object count range, description
_FAMILY_KINDS = ("signup", "hashtag", "reports", "links", "stealth")
_FAMILY_TEXT = {
    "signup": "Amplify calls to register, register on the form, delete the calls.",
    "hashtag": "Flood a popular organic hashtag with the same media.",
    "reports": "Mass-report the same accounts, target after target.",
    "links": "Push the same mid-popularity links together.",
    "stealth": "Heavy ordinary users push the same links, hidden in their organic activity.",
}
_SPECS = (
    ("c1-signup", "signup", "human", (40, 120), (0.5, 0.9), (8, 16),
     "Tulsa 2020: accounts amplify calls to register soon after each call is posted, register "
     "on the ticket form, and the calls are deleted hours later."),
    ("c2-hashtag", "hashtag", "bot", (80, 200), (0.4, 0.8), (12, 30),
     "#WhiteLivesMatter 2020: accounts flood a popular hashtag organic users also use, posting "
     "the same fancam media with the hashtag in bursts."),
    ("c3-reports", "reports", "slow", (20, 60), (0.6, 0.9), (5, 12),
     "X July 2024: accounts mass-report the same target accounts within minutes, target after "
     "target."),
    ("c4-stealth", "stealth", "human", (10, 20), (0.4, 0.6), (6, 10),
     "Stealth: heavy ordinary users share the same mid-popularity links together, at low "
     "participation, hidden among their organic activity."),
)  # fmt: skip

TRUTH_SCHEMA = pa.schema(
    [("actor", pa.string()), ("campaign", pa.string()), ("episode", pa.string()),
     ("tempo", pa.string())]
)  # fmt: skip
CAMPAIGNS_SCHEMA = pa.schema(
    [("campaign", pa.string()), ("episode", pa.string()), ("tempo", pa.string()),
     ("window_seconds", pa.int64()), ("size", pa.int64()), ("participation", pa.float64()),
     ("n_objects", pa.int64()), ("objects", pa.list_(pa.string())), ("description", pa.string())]
)  # fmt: skip


@dataclass(frozen=True)
class World:
    """A simulated action log and the campaigns planted in it.

    Parameters
    ----------
    log
        The canonical action log, sorted by time.
    truth
        One row per campaign member: ``actor, campaign, episode, tempo``.
    campaigns
        One row per campaign: ``campaign, episode, tempo, window_seconds, size, participation,
        n_objects, objects`` (the objects the members act on together) and ``description``.
        The members' coordinated actions on each object fall within ``window_seconds`` of each
        other; members may also act on these objects at other times (organically, or deleting
        the calls they posted).
    roles
        ``actor, role`` for the accounts of a world with a part of their own to play (see
        :func:`concerted.simulate_audiences.simulate_audiences`), else None.
    """

    log: Log
    truth: pa.Table
    campaigns: pa.Table
    roles: pa.Table | None = None


class _Rows:
    """Rows under construction: integer codes per column, turned into strings once at the end."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self.index: dict[str, int] = {}
        self.chunks: list[tuple[np.ndarray, ...]] = []
        self.next_post = 1_000_000

    def objects(self, names: list[str]) -> np.ndarray:
        """Codes of ``names``, registering the new ones."""
        out = np.empty(len(names), np.int64)
        for i, name in enumerate(names):
            code = self.index.get(name)
            if code is None:
                code = self.index[name] = len(self.names)
                self.names.append(name)
            out[i] = code
        return out

    def new_posts(self, k: int) -> np.ndarray:
        """Codes of ``k`` fresh post objects; one counter keeps every source's ids alike."""
        codes = self.objects([f"post:{self.next_post + i}" for i in range(k)])
        self.next_post += k
        return codes

    def add(self, actor, action, obj, time, text) -> None:
        n = len(time)
        if text is None or isinstance(text, str):
            text = np.full(n, text, dtype=object)
        self.chunks.append(
            (
                np.broadcast_to(np.asarray(actor, np.int64), (n,)),
                np.broadcast_to(np.asarray(action, np.int8), (n,)),
                np.broadcast_to(np.asarray(obj, np.int64), (n,)),
                np.asarray(time, np.float64),
                np.asarray(text, dtype=object),
            )
        )

    def table(self, actor_names: pa.Array, start: float, end: float) -> pa.Table:
        actor, action, obj, time, text = (np.concatenate(c) for c in zip(*self.chunks, strict=True))
        keep = (time >= start) & (time < end)
        # Whole milliseconds, so the times written by write_world read back exactly.
        time = np.rint(time[keep] * 1000.0) / 1000.0
        actor, action, obj, text = actor[keep], action[keep], obj[keep], text[keep]
        order = np.lexsort((obj, actor, time))
        return pa.table(
            {
                "actor": actor_names.take(pa.array(actor[order])),
                "action": pa.array(ACTIONS, pa.string()).take(pa.array(action[order])),
                "object": pa.array(self.names, pa.string()).take(pa.array(obj[order])),
                "time": pa.array(time[order], pa.float64()),
                "text": pa.array(text[order], pa.string()),
            }
        )


def _zipf(rng: np.random.Generator, n_items: int, size: int, exponent: float) -> np.ndarray:
    """Ranks 0..n_items-1 drawn with probability proportional to (rank + 1) ** -exponent."""
    p = np.arange(1, n_items + 1, dtype=np.float64) ** -exponent
    return rng.choice(n_items, size=size, p=p / p.sum())


def _pick(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """``k`` distinct indices drawn with probability growing with ``weights`` (Gumbel top-k)."""
    keys = np.log(weights) + rng.gumbel(size=len(weights))
    return np.sort(np.argpartition(-keys, k - 1)[:k])


def _organic(rng: list[np.random.Generator], rows: _Rows, names: pa.Array, days: float) -> dict:
    """Add the organic world to ``rows``; return what the campaigns need to know about it."""
    n, span, end = len(names), days * DAY, START + days * DAY
    r_bg, r_casc, r_celeb, r_comm, r_event, r_tag = rng
    # Pareto activity, capped so the heaviest users have hundreds to a couple thousand actions.
    weight = np.minimum((1.0 - r_bg.random(n)) ** (-1 / 1.6), 60.0)
    # Rates over whole days; the part of the last day past the end is cut off later.
    lam = 3.6 * math.ceil(days) * weight / (1.6 / 0.6)
    bg_actor = np.repeat(np.arange(n), r_bg.poisson(lam))
    m = len(bg_actor)
    hour_w = 1 + 0.7 * np.cos(2 * np.pi * (np.arange(24) - 20) / 24)  # evenings busiest (UTC)
    hour = r_bg.choice(24, m, p=hour_w / hour_w.sum())
    t = START + r_bg.integers(0, math.ceil(days), m) * DAY + hour * HOUR + r_bg.uniform(0, HOUR, m)
    kind = r_bg.choice(5, m, p=[0.52, 0.2, 0.22, 0.03, 0.03])
    say = _SAY[r_bg.integers(0, len(_SAY), m)]

    n_urls = 4 * n
    sites = [f"https://{s}.example" for s in ("news", "daily", "blog", "wire", "times", "post")]
    slug = r_bg.permutation(n_urls)  # popularity rank is not readable from the id
    urls = [f"url:{sites[i % len(sites)]}/a/{slug[i]:06d}" for i in range(n_urls)]
    url_code = rows.objects(urls)
    url_text = np.array([u[4:] for u in urls], dtype=object)
    tags = [f"#{w}" for w in _TAGS[:12]] + [_WLM] + [f"#{w}" for w in _TAGS[12:]] + list(_MATCHES)
    tags += [f"#topic{i}" for i in range(300 - len(tags))]
    tag_code = rows.objects([f"hashtag:{t.lower()}" for t in tags])
    tag_text = np.array(tags, dtype=object)
    report_pool = r_bg.permutation(n)[:200]  # accounts that draw organic reports
    rep_code = rows.objects([f"account:{a}" for a in names.take(pa.array(report_pool)).to_pylist()])
    forms = [_RALLY_FORM] + [f"form:newsletter-{i}" for i in range(19)]
    form_code = rows.objects(forms)

    for k, action in ((0, SHARE), (1, POST), (2, POST), (3, REPORT), (4, SIGNUP)):
        sel = np.flatnonzero(kind == k)
        if k == 0:
            rank = _zipf(r_bg, n_urls, len(sel), 1.1)
            obj, text = url_code[rank], say[sel] + " " + url_text[rank]
        elif k == 1:
            obj, text = rows.new_posts(len(sel)), say[sel]
        elif k == 2:
            rank = _zipf(r_bg, len(tags), len(sel), 1.0)
            obj, text = tag_code[rank], say[sel] + " " + tag_text[rank]
        elif k == 3:
            obj, text = (
                rep_code[_zipf(r_bg, 200, len(sel), 1.0)],
                _REASONS[r_bg.integers(0, 4, len(sel))],
            )
        else:
            obj, text = form_code[_zipf(r_bg, len(forms), len(sel), 0.8)], None
        if k == 1:  # hostile texts come from ordinary posts of ordinary people
            inside = np.flatnonzero(t[sel] < end)
            hostile = r_bg.choice(inside, len(HOSTILE_TEXTS), replace=False)
            text[hostile] = HOSTILE_TEXTS
            hostile_actors = bg_actor[sel[hostile]]
        rows.add(bg_actor[sel], action, obj, t[sel], text)

    # Viral cascades: one creator, then a burst of shares by random, mostly active, actors.
    for _ in range(max(1, round(3 * days))):
        t0, creator = r_casc.uniform(START, end - 2 * HOUR), r_casc.integers(n)
        size = int(np.clip(r_casc.lognormal(math.log(900), 0.6), 200, min(5000, n // 2)))
        who = _pick(r_casc, np.sqrt(weight), size)
        who = who[who != creator]
        obj = rows.new_posts(1)[0] if r_casc.random() < 0.5 else url_code[r_casc.integers(n_urls)]
        text = "breaking: " + _SAY[r_casc.integers(len(_SAY))]
        rows.add(creator, POST, obj, [t0], text)
        rows.add(who, SHARE, obj, t0 + r_casc.lognormal(math.log(240), 1.0, len(who)), "RT " + text)

    # Celebrity fans: every post retweeted by its fans within seconds to a couple of minutes.
    celebs = r_celeb.choice(n, 3, replace=False)
    fans = r_celeb.choice(np.setdiff1d(np.arange(n), celebs), int(np.clip(n // 25, 100, 300)),
                          replace=False)  # fmt: skip
    follows = r_celeb.random((len(fans), 3)) < 0.5
    follows[np.arange(len(fans)), r_celeb.integers(0, 3, len(fans))] = True
    for c, celeb in enumerate(celebs):
        n_posts = r_celeb.poisson(8 * days)
        t0 = np.sort(r_celeb.uniform(START, end, n_posts))
        obj, text = rows.new_posts(n_posts), _SAY[r_celeb.integers(0, len(_SAY), n_posts)]
        rows.add(celeb, POST, obj, t0, text)
        p_i, f_i = np.nonzero(r_celeb.random((n_posts, len(fans))) < 0.6 * follows[:, c])
        delay = np.maximum(1.0, r_celeb.lognormal(math.log(20), 0.9, len(p_i)))
        rows.add(fans[f_i], SHARE, obj[p_i], t0[p_i] + delay, "RT " + text[p_i])

    # Interest communities: the same people share their niche links, hours apart.
    for c in range(max(5, n // 200)):
        members = r_comm.choice(n, r_comm.integers(15, 61), replace=False)
        k = max(1, round(3 * days))
        obj = rows.objects([f"url:https://club{c}.example/t/{i}" for i in range(k)])
        o_i, m_i = np.nonzero(r_comm.random((k, len(members))) < 0.35)
        t0 = r_comm.uniform(START, end, k)
        time = t0[o_i] + r_comm.exponential(4 * HOUR, len(o_i))
        text = _SAY[r_comm.integers(0, len(_SAY), len(o_i))] + f" https://club{c}.example"
        rows.add(members[m_i], SHARE, obj[o_i], time, text)

    # Live events: each goal of a match sends hundreds of its viewers to the tag within seconds.
    for tag in _MATCHES:
        code = rows.objects([f"hashtag:{tag.lower()}"])[0]
        viewers = r_event.choice(n, n // 4, replace=False)
        # 19:00 UTC on some day, late enough in the world for the match to end inside it.
        day = min(math.floor(r_event.uniform(0.1, 0.8) * days), math.floor(days - 0.95))
        kickoff = START + (day + 19 / 24) * DAY
        rows.add(viewers, POST, code, kickoff + r_event.uniform(0, 2 * HOUR, len(viewers)),
                 _SAY[r_event.integers(0, len(_SAY), len(viewers))] + " " + tag)  # fmt: skip
        for goal in np.sort(r_event.uniform(0, 100 * 60, r_event.integers(2, 5))):
            crowd = viewers[r_event.random(len(viewers)) < 0.3]
            time = kickoff + goal + np.maximum(0.5, r_event.lognormal(math.log(8), 0.5, len(crowd)))
            rows.add(crowd, POST, code, time, _GOAL[r_event.integers(0, 5, len(crowd))] + " " + tag)

    # The tag the hashtag campaign floods is also trending organically on its day.
    wlm_day = START + r_tag.uniform(0.3, 0.5) * span
    who = _pick(r_tag, weight, n // 16)
    time = wlm_day + r_tag.uniform(-6 * HOUR, 18 * HOUR, len(who))
    rows.add(
        who, POST, tag_code[12], time, _SAY[r_tag.integers(0, len(_SAY), len(who))] + " " + _WLM
    )
    reserved = np.union1d(celebs, hostile_actors)
    return dict(weight=weight, reserved=reserved, url_code=url_code, url_text=url_text,
                wlm_code=tag_code[12], wlm_day=wlm_day, report_pool=report_pool,
                rep_code=rep_code, tag_code=tag_code, tag_text=tag_text)  # fmt: skip


def _burst(rng, members, onsets, p, window):
    """Members acting on objects together: member j joins object i with probability ``p``.

    Every action falls within ``window`` seconds after the object's onset. Every member joins
    at least one object and every object gets at least two members, so the truth is visible.
    """
    join = rng.random((len(onsets), len(members))) < p
    idle = np.flatnonzero(~join.any(axis=0))
    join[rng.integers(0, len(onsets), len(idle)), idle] = True
    for i in np.flatnonzero(join.sum(axis=1) < 2):
        join[i, rng.choice(len(members), 2, replace=False)] = True
    o_i, m_i = np.nonzero(join)
    # Skewed towards the onset, never past the window: the tempo the campaign table states.
    return members[m_i], o_i, onsets[o_i] + window * rng.beta(1.2, 2.5, len(o_i))


def _family_specs(rng: np.random.Generator, k: int) -> list[tuple]:
    """``k`` campaigns drawn from the family: kind, tempo, size 10-200, participation 0.4-0.9,
    5-30 objects. Hashtag campaigns hijack one of the most popular organic tags."""
    specs = []
    for i in range(k):
        episode = str(rng.choice(_FAMILY_KINDS))
        tempo = "human" if episode == "stealth" else str(rng.choice(["bot", "human", "slow"]))
        size = int(rng.integers(10, 21)) if episode == "stealth" else int(rng.integers(10, 201))
        p = float(rng.uniform(0.4, 0.9))
        n_obj = int(rng.integers(5, 31))
        specs.append((f"c{i + 1:02d}-{episode}-{tempo}", episode, tempo, (size, size), (p, p),
                      (n_obj, n_obj), _FAMILY_TEXT[episode]))  # fmt: skip
    return specs


def _campaigns(rng, rows, n, days, ctx, names, specs=_SPECS):
    """Plant the campaigns; return the truth and campaign tables."""
    span = days * DAY
    heavy = np.argsort(-ctx["weight"], kind="stable")[: max(40, n // 20)]
    free = np.setdiff1d(np.arange(n), np.union1d(ctx["reserved"], heavy))
    pool = rng.permutation(free)  # consecutive slices give disjoint memberships
    truth, table = [], []
    family = specs is not _SPECS
    used: set[int] = set()  # report targets and link ranks taken by a family campaign
    used_links: set[int] = set()
    for camp, episode, tempo, sizes, parts, n_objs, description in specs:
        size = min(int(rng.integers(sizes[0], sizes[1] + 1)), max(10, n // 25))
        if family and episode != "stealth":
            size = min(size, len(pool))  # memberships stay disjoint
            if size < 2:
                raise ParameterError(
                    f"simulate_world: {len(specs)} campaigns do not fit among {n} actors; "
                    "plant fewer or add actors."
                )
        p = round(float(rng.uniform(*parts)), 2)
        k = int(rng.integers(n_objs[0], n_objs[1] + 1))
        window = TEMPO_WINDOW_SECONDS[tempo]
        if episode == "stealth":
            candidates = np.setdiff1d(heavy, ctx["reserved"])
            members = rng.choice(candidates, min(size, len(candidates)), replace=False)
        else:
            members, pool = pool[:size], pool[size:]
        members = np.sort(members)
        if episode == "signup":
            onsets = np.sort(rng.uniform(START + 0.05 * span, START + 0.75 * span, k))
            calls = rows.new_posts(k)
            authors = rng.choice(members, k)
            text = np.array([f"Free rally tickets, register now ({i + 1}) {_RALLY_URL}"
                             for i in range(k)], dtype=object)  # fmt: skip
            rows.add(authors, POST, calls, onsets, text)
            rows.add(authors, DELETE, calls, onsets + rng.uniform(6 * HOUR, 36 * HOUR, k), None)
            # The named episode's form is the rally's; each family campaign has its own.
            form = rows.objects([f"form:{camp}" if family else _RALLY_FORM])
            onsets = np.append(onsets, onsets[0] + window + rng.uniform(60, 600))
            actor, o_i, time = _burst(rng, members, onsets, p, window)
            is_form = o_i == k
            rows.add(actor, np.where(is_form, SIGNUP, SHARE), np.append(calls, form)[o_i], time,
                     np.where(is_form, None, "RT " + text[np.minimum(o_i, k - 1)]))  # fmt: skip
            objects = np.append(calls, form)
        elif episode == "hashtag":
            if not family:  # the #WhiteLivesMatter episode, on the tag's trending day
                day, tag_code, tag = ctx["wlm_day"], ctx["wlm_code"], _WLM
            else:  # a family campaign hijacks one of the most popular organic tags
                rank = int(rng.integers(0, 12))
                tag_code, tag = ctx["tag_code"][rank], ctx["tag_text"][rank]
                day = START + rng.uniform(0.05, 0.7) * span
            onsets = day + np.sort(rng.uniform(0, min(0.25 * span, k * 1200.0), k))
            objects = rows.objects([f"media:fancam-{rng.integers(16**8):08x}" for _ in range(k)])
            text = np.array([f"{s} {tag}" for s in rng.choice(["fancam", "stan", "<3"], k)],
                            dtype=object)  # fmt: skip
            actor, o_i, time = _burst(rng, members, onsets, p, window)
            rows.add(actor, POST, objects[o_i], time, text[o_i])
            rows.add(actor, POST, tag_code, time, text[o_i])
        elif episode == "reports":
            # Targets also draw ordinary reports, so a count of reports alone does not find them.
            # Family campaigns never share a target.
            targets = np.setdiff1d(np.arange(5, 200), list(used)) if family else np.arange(5, 100)
            k = min(k, len(targets))
            if k < 1:
                raise ParameterError(
                    f"simulate_world: too many report campaigns for the {len(targets)} targets."
                )
            d0 = START + rng.uniform(0.5, 0.7) * span
            onsets = d0 + np.sort(rng.uniform(0, min(0.15 * span, k * 1200.0), k))
            pick = rng.choice(targets, k, replace=False)
            if family:
                used.update(pick.tolist())
            objects = ctx["rep_code"][pick]
            actor, o_i, time = _burst(rng, members, onsets, p, window)
            rows.add(actor, REPORT, objects[o_i], time, "impersonation")
        else:
            onsets = np.sort(rng.uniform(START + 0.05 * span, START + 0.9 * span, k))
            ranks = np.arange(50, 2000)
            if family:  # family campaigns never push the same link
                ranks = np.setdiff1d(ranks, list(used_links))
            rank = rng.choice(ranks, k, replace=False)
            if family:
                used_links.update(rank.tolist())
            objects = ctx["url_code"][rank]
            actor, o_i, time = _burst(rng, members, onsets, p, window)
            text = _SAY[rng.integers(0, len(_SAY), len(o_i))] + " " + ctx["url_text"][rank][o_i]
            rows.add(actor, SHARE, objects[o_i], time, text)
        for a in names.take(pa.array(members)).to_pylist():
            truth.append({"actor": a, "campaign": camp, "episode": episode, "tempo": tempo})
        table.append({"campaign": camp, "episode": episode, "tempo": tempo,
                      "window_seconds": window, "size": size, "participation": p,
                      "n_objects": len(objects), "objects": [rows.names[o] for o in objects],
                      "description": description})  # fmt: skip
    return (pa.Table.from_pylist(truth, TRUTH_SCHEMA),
            pa.Table.from_pylist(table, CAMPAIGNS_SCHEMA))  # fmt: skip


def _actor_names(n: int) -> pa.Array:
    width = max(5, len(str(n - 1)))
    return pa.array([f"u{i:0{width}d}" for i in range(n)], pa.string())


def _check(seed, n_actors, days, campaigns) -> None:
    def is_int(x):
        return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))

    if not is_int(seed) or seed < 0:
        raise ParameterError(f"simulate_world: seed must be an integer >= 0. Got {seed!r}.")
    lo, hi = N_ACTORS_RANGE
    if not is_int(n_actors) or not lo <= n_actors <= hi:
        raise ParameterError(
            f"simulate_world: n_actors must be an integer from {lo} to {hi}. Got {n_actors!r}."
        )
    lo, hi = DAYS_RANGE
    ok = isinstance(days, (int, float, np.integer, np.floating)) and not isinstance(days, bool)
    if not ok or not lo <= days <= hi:  # NaN fails the range test too
        raise ParameterError(
            f"simulate_world: days must be a number from {lo:g} to {hi:g}. Got {days!r}."
        )
    if not isinstance(campaigns, (bool, np.bool_)):
        raise ParameterError(f"simulate_world: campaigns must be True or False. Got {campaigns!r}.")


def simulate_world(
    *,
    seed: int = 0,
    n_actors: int = 5000,
    days: float = 7.0,
    campaigns: bool = True,
    n_campaigns: int | None = None,
) -> World:
    """Simulate organic activity with planted coordinated campaigns.

    Parameters
    ----------
    seed
        Seed of the random generator (integer >= 0); the same seed gives the same world.
    n_actors
        Number of accounts, 1000 to 100000. The default world has about 200k actions.
    days
        Length of the world in days, 1 to 60, from 2024-07-01T00:00:00Z.
    campaigns
        Plant the four campaigns. With False the truth is empty and the organic world is the
        same one (each part of the world draws from its own random stream).
    n_campaigns
        Instead of the four named campaigns, plant this many (1 to 30) drawn from the family:
        kind (sign-up wave, hashtag hijack, report wave, link pushing, stealth), tempo (bot,
        human, slow), size 10-200 (stealth: 10-20 heavy users), participation 0.4-0.9,
        5-30 objects. Named ``c01-<kind>-<tempo>``...

    Returns
    -------
    World
        The log, the truth (one row per member) and the campaigns (one row per campaign).

    Example
    -------
    >>> world = simulate_world(seed=1, n_actors=1000, days=1)
    >>> world.campaigns["campaign"].to_pylist()
    ['c1-signup', 'c2-hashtag', 'c3-reports', 'c4-stealth']
    >>> set(world.truth["actor"].to_pylist()) <= set(world.log.table["actor"].to_pylist())
    True
    """
    _check(seed, n_actors, days, campaigns)
    ok = n_campaigns is None or (
        isinstance(n_campaigns, (int, np.integer))
        and not isinstance(n_campaigns, bool)
        and 1 <= n_campaigns <= 30
    )
    if not ok:
        raise ParameterError(
            f"simulate_world: n_campaigns must be an integer from 1 to 30. Got {n_campaigns!r}."
        )
    if n_campaigns is not None and not campaigns:
        raise ParameterError(
            "simulate_world: n_campaigns asks for campaigns, campaigns=False for none; drop one."
        )
    n, days = int(n_actors), float(days)
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(int(seed)).spawn(7)]
    rows, names = _Rows(), _actor_names(n)
    ctx = _organic(streams[:6], rows, names, days)
    if campaigns:
        specs = _SPECS if n_campaigns is None else _family_specs(streams[6], int(n_campaigns))
        truth, table = _campaigns(streams[6], rows, n, days, ctx, names, specs)
    else:
        truth, table = TRUTH_SCHEMA.empty_table(), CAMPAIGNS_SCHEMA.empty_table()
    log = make_log(
        rows.table(names, START, START + days * DAY),
        source=f"simulate_world(seed={seed}, n_actors={n}, days={days:g}, campaigns={campaigns}"
        + (f", n_campaigns={n_campaigns})" if n_campaigns is not None else ")"),
    )
    return World(log=log, truth=truth, campaigns=table)


def write_world(world: World, out_dir: str | Path) -> dict[str, Path]:
    """Write a world as ``actions.csv``, ``truth.csv`` and ``campaigns.csv`` in ``out_dir``.

    ``actions.csv`` has the columns ``actor, action, object, time, text`` (and ``source`` when
    the log names the authors of the objects), with ``time`` in Unix
    epoch seconds with three decimals; ``campaigns.csv`` joins each campaign's objects with
    spaces. Existing files of these names are overwritten.

    Returns
    -------
    dict
        ``{"actions": path, "truth": path, "campaigns": path}`` (and ``"roles"`` when the world
        has them).
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"write_world: cannot create the folder {str(out)!r}: {exc}") from None
    columns = ["actor", "action", "object", "time", "text"]
    actions = world.log.table.select(columns + (["source"] if world.log.has("source") else []))
    # Fixed three decimals from integer milliseconds: exact, and no exponent notation.
    ms = pc.cast(pc.round(pc.multiply(actions["time"], 1000.0)), pa.int64())
    sec = pc.cast(pc.floor(pc.divide(pc.cast(ms, pa.float64()), 1000.0)), pa.int64())
    frac = pc.utf8_lpad(pc.cast(pc.subtract(ms, pc.multiply(sec, 1000)), pa.string()), 3, "0")
    time = pc.binary_join_element_wise(pc.cast(sec, pa.string()), frac, ".")
    actions = actions.set_column(3, "time", time)
    campaigns = world.campaigns.set_column(
        world.campaigns.schema.get_field_index("objects"),
        "objects",
        pc.binary_join(world.campaigns["objects"], " "),
    )
    tables = {"actions": actions, "truth": world.truth, "campaigns": campaigns}
    if world.roles is not None:
        tables["roles"] = world.roles
    paths = {name: out / f"{name}.csv" for name in tables}
    try:
        for name, table in tables.items():
            pacsv.write_csv(table, paths[name])
    except OSError as exc:
        raise OutputError(f"write_world: cannot write into {str(out)!r}: {exc}") from None
    return paths
