"""A world of hashtags with a takeover, organic spikes and a tag that grows, and its answer key.

June 2020 in miniature: when a hashtag started to trend, K-pop fans flooded it with fancams and
unrelated posts until its original content was drowned. The world holds:

* **organic posting** on about twenty hashtags, each with its own community: accounts that post
  on it at their own rates, with the tag's own vocabulary and general chatter, some of them in
  several communities, on a daily rhythm in their own time zones; links to pages on the topic.
* **a takeover** (truth ``takeover``): from a start time, several hundred accounts new to the tag
  (most of them fans who post on a fandom tag, some brand new) flood it with fancam links and
  fandom words, in bursts; a third of them in groups that post one shared text and link within
  a minute or two of each other. After the start the flood makes most of the tag's posts.
* **organic spikes** (truth ``spike``): a breaking story or a match multiplies a tag's volume ten
  to fifty times within an hour; the posts come mostly from the tag's community, some from
  newcomers, all on the tag's topic (with shared news links and copied headlines, as real
  spikes have).
* **a tag that grows** (truth ``organic``): over the days more and more accounts discover it,
  every one new to the tag, all on its topic.

``posts.csv`` holds ``actor, time, text`` (ISO 8601 UTC); ``truth_hashtags.csv`` ``hashtag, kind,
start`` for every tag (``#tag`` lower-case; ``start`` empty for ``organic``);
``truth_flooders.csv`` ``actor, hashtag`` for every account that posted in a takeover's flood.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ...errors import OutputError, ParameterError

START = 1_590_969_600.0  # 2020-06-01T00:00:00Z
HOUR = 3_600.0
DAY = 86_400.0

# Each tag as it is typed (case varies in the posts; the truth is case-folded) and its vocabulary,
# the most common words first.
TAGS: dict[str, str] = {
    "#Gardening": "garden soil compost tomatoes seedlings mulch roses harvest beds pruning watering greenhouse perennials weeds bulbs sunflowers allotment planting herbs shed",
    "#PremierLeague": "goal striker keeper midfield penalty derby fixtures table relegation manager transfer tackle offside referee var stadium kickoff assist sheet season",
    "#NBA": "dunk rebound playoffs triple double guard buzzer beater court pointer assist draft mvp overtime bench coach rookie layup finals",
    "#Climate": "emissions carbon warming policy renewables solar wind fossil fuels heatwave drought targets adaptation ice sea science report methane zero",
    "#Bookstagram": "novel chapter author reading shelf paperback hardcover review plot characters library tbr fantasy mystery memoir bookmark reread ending",
    "#Photography": "lens aperture shutter exposure portrait landscape golden hour tripod raw edit composition bokeh sunset camera prime iso film",
    "#Python": "pandas numpy function library package release bug refactor typing tests pip virtualenv script async django flask jupyter notebook",
    "#Vegan": "tofu lentils chickpeas recipe plant based oat milk tempeh curry salad protein cashew cheese smoothie seitan dairy",
    "#Crypto": "bitcoin ethereum wallet token blockchain mining exchange price chart bull bear altcoin defi ledger hodl stablecoin pump",
    "#Weather": "rain forecast storm wind temperature humidity thunder clouds sunshine front pressure gusts radar showers frost fog warning",
    "#Marathon": "training miles pace run splits tempo intervals race finish line personal best taper shoes hydration recovery",
    "#Recipes": "oven bake dough garlic onion simmer sauce pasta roast spices butter flour dinner lunch dessert whisk",
    "#F1": "qualifying pole lap grid pit stop tyres overtake podium chicane safety car radio constructors championship drs",
    "#Astronomy": "telescope nebula galaxy planets jupiter saturn moon eclipse meteor stars orbit comet observatory light years",
    "#Jazz": "saxophone trumpet improvisation quartet album vinyl bebop swing standards bassist drummer solo live set club",
    "#Knitting": "yarn needles stitch purl wool pattern sweater scarf cable knit skein gauge cast mittens socks",
    "#Hiking": "trail summit ridge boots backpack trailhead elevation switchbacks campsite views waterfall map forest",
    "#Coffee": "espresso latte beans roast grinder pour barista crema arabica brew cappuccino aeropress",
    "#Election": "ballot polls voters candidate debate turnout campaign district results recount primary mail",
    "#Gaming": "console patch update boss level quest multiplayer controller stream speedrun dlc graphics",
    "#Cats": "kitten purr whiskers paws meow litter nap tabby adopt rescue treats",
    # Fandom tags: where the flooders post in ordinary times; never a takeover's target.
    "#Lumina": "lumina comeback stan bias fancam streaming mv vlive lightstick album photocard concert idol dance practice",
    "#StanTwt": "stan bias moots fancam queen slay ate iconic era stream vote mama",
}
FANDOM = ("#Lumina", "#StanTwt")
CHATTER = "today really think lol love new people time good just so much great day week got know see want feel thanks".split()  # fmt: skip
STORY = "breaking live just happening now update omg wow watching unbelievable".split()
FLOOD_WORDS = (
    "fancam stream vote comeback bias queen slay ate iconic lightstick mv era stan".split()
)
MEMBERS = ("haneul", "jiwoo", "seora", "yuri", "dain", "minseo")
HEARTS = ("💜", "✨", "🥺", "😭", "💖", "")
SONGS = ("Starlight", "Afterglow", "Blue Hour", "Paper Moon", "Firefly")
NEWS = ("bbc.co.uk/news", "apnews.com/article", "reuters.com/world", "theguardian.com/live")

WORLD_SCHEMA = pa.schema([("actor", pa.string()), ("time", pa.float64()), ("text", pa.string())])
TRUTH_TAGS_SCHEMA = pa.schema(
    [("hashtag", pa.string()), ("kind", pa.string()), ("start", pa.float64())]
)
TRUTH_FLOODERS_SCHEMA = pa.schema([("actor", pa.string()), ("hashtag", pa.string())])


@dataclass
class HashtagWorld:
    """A simulated post log and its answer key.

    ``posts`` has ``actor, time, text`` (time in seconds since the epoch, UTC), sorted by time;
    ``truth_hashtags`` ``hashtag, kind, start`` (start in seconds, null for ``organic``);
    ``truth_flooders`` ``actor, hashtag``.
    """

    posts: pa.Table
    truth_hashtags: pa.Table
    truth_flooders: pa.Table
    groups: dict[str, list[str]] = field(default_factory=dict)  # coordinated flooders by group
    growing: list[str] = field(default_factory=list)  # the tags that grow (truth: organic)


@dataclass
class HashtagParams:
    """How a simulated hashtag world is made; every field can be changed to make another world."""

    posts: int = 100_000  # organic posts (the planted ones come on top)
    days: float = 4.0
    posts_per_actor: float = 15.0
    takeovers: int = 1
    spikes: int = 2
    growing: int = 1
    flooders: int | None = None  # per takeover; None: 0.4% of posts, at least 200
    flood_ratio: float = 3.0  # flood posts per organic post on the tag after the start
    coordinated_share: float = 0.35  # flooders in copy-paste groups
    spike_factor: tuple[float, float] = (10.0, 50.0)  # first-hour volume over the hourly average
    spike_newcomer_share: float = 0.2
    growth: float = 10.0  # the growing tag's volume, last day over first


def simulate_hashtags(
    seed: int = 0, *, params: HashtagParams | None = None, **overrides
) -> HashtagWorld:
    """A hashtag world with a planted takeover, organic spikes and a growing tag, and its truth.

    Parameters
    ----------
    seed
        Random seed; the same seed gives the same world.
    params
        A :class:`HashtagParams`; keyword ``overrides`` change single fields
        (``simulate_hashtags(3, posts=20_000)``).

    Example
    -------
    >>> world = simulate_hashtags(1, posts=5_000, days=3)
    >>> sorted(set(world.truth_hashtags["kind"].to_pylist()))
    ['organic', 'spike', 'takeover']
    >>> world.truth_flooders.num_rows >= 200
    True
    """
    p = params or HashtagParams()
    for key, value in overrides.items():
        if not hasattr(p, key):
            raise ParameterError(f"simulate_hashtags: unknown parameter {key!r}.")
        setattr(p, key, value)
    _check(p)
    rng = np.random.default_rng(seed)
    return _World(rng, p).build()


def write_hashtags_world(world: HashtagWorld, out_dir: str | Path) -> dict[str, Path]:
    """Write ``posts.csv``, ``truth_hashtags.csv`` and ``truth_flooders.csv`` into ``out_dir``.

    Times are written in ISO 8601 UTC (``2020-06-02T18:04:31Z``).
    """
    out = Path(out_dir)
    paths = {
        "posts": out / "posts.csv",
        "truth_hashtags": out / "truth_hashtags.csv",
        "truth_flooders": out / "truth_flooders.csv",
    }
    try:
        out.mkdir(parents=True, exist_ok=True)
        posts = world.posts.set_column(1, "time", _iso(world.posts["time"]))
        pacsv.write_csv(posts, paths["posts"])
        tags = world.truth_hashtags
        tags = tags.set_column(2, "start", _iso(tags["start"]))
        pacsv.write_csv(tags, paths["truth_hashtags"])
        pacsv.write_csv(world.truth_flooders, paths["truth_flooders"])
    except OSError as exc:
        raise OutputError(f"Cannot write the simulated hashtags to {out}: {exc}.") from None
    return paths


def _iso(seconds: pa.ChunkedArray) -> pa.Array:
    """Seconds since the epoch as ISO 8601 UTC text; null stays null (written as empty)."""
    whole = pc.cast(pc.floor(seconds), pa.int64())
    stamps = pc.cast(whole, pa.timestamp("s", tz="UTC"))
    return pc.strftime(stamps, format="%Y-%m-%dT%H:%M:%SZ")


def _check(p: HashtagParams) -> None:
    if p.posts < 2_000:
        raise ParameterError(f"simulate_hashtags: posts must be >= 2000. Got {p.posts}.")
    if not 2 <= p.days <= 60:
        raise ParameterError(f"simulate_hashtags: days must be between 2 and 60. Got {p.days}.")
    others = len(TAGS) - len(FANDOM)
    if min(p.takeovers, p.spikes, p.growing) < 0 or p.takeovers + p.spikes + p.growing > others:
        raise ParameterError(
            f"simulate_hashtags: takeovers, spikes and growing must be >= 0 and together at most "
            f"{others}. Got {p.takeovers}, {p.spikes}, {p.growing}."
        )
    if p.flood_ratio <= 1:
        raise ParameterError(
            f"simulate_hashtags: flood_ratio must be > 1 (the flood outnumbers the tag's own "
            f"posts). Got {p.flood_ratio}."
        )
    if not 0 <= p.coordinated_share <= 1 or not 0 <= p.spike_newcomer_share < 0.5:
        raise ParameterError(
            "simulate_hashtags: coordinated_share must be in [0, 1] and spike_newcomer_share in "
            "[0, 0.5)."
        )


class _World:
    """The world under construction: accounts, their communities and the posts so far."""

    def __init__(self, rng: np.random.Generator, p: HashtagParams) -> None:
        self.rng = rng
        self.p = p
        self.span = p.days * DAY
        self.names = list(TAGS)
        self.vocab = {tag: TAGS[tag].split() for tag in self.names}
        self.chunks: list[tuple[np.ndarray, np.ndarray, list[str]]] = []  # (actor, time, text)
        self.truth: list[tuple[str, str, float | None]] = []
        self.flooders: list[tuple[int, str]] = []
        self.groups: dict[str, list[int]] = {}
        self.growing: list[str] = []

    # -- accounts ---------------------------------------------------------------------------

    def _accounts(self) -> None:
        rng, p = self.rng, self.p
        n_tags = len(self.names)
        self.n_actors = max(200, int(p.posts / p.posts_per_actor))
        # Tag popularity: a few big tags, a long tail; the fandom tags are busy.
        popularity = 1.0 / np.arange(1, n_tags + 1) ** 0.7
        popularity = popularity[rng.permutation(n_tags)]
        for tag in FANDOM:
            popularity[self.names.index(tag)] = popularity.max()
        self.popularity = popularity / popularity.sum()
        # Each account: one to three communities, a rate of its own, a time zone.
        n_comm = 1 + np.minimum(rng.geometric(0.55, self.n_actors) - 1, 2)
        self.communities = np.full((self.n_actors, 3), -1, np.int64)
        for k in range(3):
            self.communities[:, k] = rng.choice(n_tags, self.n_actors, p=self.popularity)
        self.n_comm = n_comm
        self.rate = rng.lognormal(0.0, 1.1, self.n_actors)
        self.tz = rng.choice([-7, -5, -4, 0, 1, 2, 9], self.n_actors, p=[0.1, 0.2, 0.2, 0.15, 0.15, 0.05, 0.15])  # fmt: skip
        # Only an account's first n_comm communities count.
        self.communities[np.arange(3)[None, :] >= n_comm[:, None]] = -1
        self.members = [np.flatnonzero((self.communities == g).any(1)) for g in range(n_tags)]
        # Anonymous, shuffled handles: nothing in a name says who is who.
        ids = rng.permutation(10 * self.n_actors + 100_000)[: self.n_actors + 50_000]
        self.handles = np.array([f"user{i:07d}" for i in ids])
        self.next_fresh = self.n_actors  # brand-new accounts are taken from here

    def _fresh(self, n: int) -> np.ndarray:
        """``n`` accounts that never posted before."""
        if self.next_fresh + n > len(self.handles):
            extra = len(self.handles) + np.arange(n + 1000)
            self.handles = np.concatenate([self.handles, [f"new{i:08d}" for i in extra]])
        out = np.arange(self.next_fresh, self.next_fresh + n)
        self.next_fresh += n
        return out

    # -- time -------------------------------------------------------------------------------

    def _daily(self, n: int, tz: np.ndarray) -> np.ndarray:
        """``n`` times on a daily rhythm (quiet at night, busiest in the evening), local to ``tz``."""
        rng = self.rng
        hours = np.arange(24)
        profile = 0.15 + np.exp(-((hours - 20) ** 2) / 18) + 0.6 * np.exp(-((hours - 12) ** 2) / 8)
        profile[:6] *= 0.3
        hour = rng.choice(24, n, p=profile / profile.sum()) + rng.random(n)
        day = rng.integers(0, int(np.ceil(self.p.days)), n)
        t = (day * 24 + hour - tz) * HOUR
        # Keep inside the world by folding over whole days.
        t = np.mod(t, np.ceil(self.p.days) * DAY)
        bad = t >= self.span
        t[bad] = rng.random(bad.sum()) * self.span
        return START + t

    def _daytime(self, lo_day: float, hi_day: float) -> float:
        """An instant between two days, in the afternoon or evening (UTC)."""
        day = int(self.rng.integers(int(lo_day), max(int(lo_day) + 1, int(hi_day))))
        return START + day * DAY + float(self.rng.uniform(13, 21)) * HOUR

    # -- texts ------------------------------------------------------------------------------

    def _topic_words(self, tag: str, n: int, k: int) -> np.ndarray:
        """``n`` x ``k`` words of a tag's vocabulary, common words more often (Zipf-like)."""
        words = np.array(self.vocab[tag])
        idx = (len(words) * self.rng.random((n, k)) ** 1.7).astype(np.int64)
        return words[idx]

    def _spelling(self, tag: str, n: int) -> np.ndarray:
        """How people type the tag: as written, lower-case or upper-case."""
        forms = np.array([tag, tag.lower(), tag.upper()])
        return forms[self.rng.choice(3, n, p=[0.6, 0.3, 0.1])]

    def _organic_texts(self, tag: str, n: int, extra: list[str] | None = None) -> list[str]:
        rng = self.rng
        topic = self._topic_words(tag, n, 5)
        n_topic = rng.integers(2, 6, n)
        chatter = np.array(CHATTER)[rng.integers(0, len(CHATTER), (n, 4))]
        n_chat = rng.integers(0, 5, n)
        spelled = self._spelling(tag, n)
        link = rng.random(n) < 0.15
        path = rng.integers(0, 10**9, n)
        site = tag.lstrip("#").lower()
        extra_words = np.array(extra) if extra else None
        extra_pick = (
            extra_words[rng.integers(0, len(extra_words), (n, 2))] if extra else None
        )  # story words
        texts = []
        for i in range(n):
            words = list(topic[i, : n_topic[i]]) + list(chatter[i, : n_chat[i]])
            if extra_pick is not None:
                words += list(extra_pick[i])
            rng_pos = (i * 7919) % (len(words) + 1)  # the tag anywhere in the sentence
            words.insert(rng_pos, spelled[i])
            if link[i]:
                words.append(f"https://{site}.example.org/p/{path[i]}")
            texts.append(" ".join(words))
        return texts

    def _add(self, actors: np.ndarray, times: np.ndarray, texts: list[str]) -> None:
        self.chunks.append((np.asarray(actors), np.asarray(times, float), texts))

    # -- the world --------------------------------------------------------------------------

    def build(self) -> HashtagWorld:
        rng, p = self.rng, self.p
        self._accounts()
        n_tags = len(self.names)
        candidates = [g for g in range(n_tags) if self.names[g] not in FANDOM]
        # The planted tags are mid-sized: big enough for a baseline, small enough to drown.
        by_size = sorted(candidates, key=lambda g: -self.popularity[g])
        pool = by_size[2:] if len(by_size) > p.takeovers + p.spikes + p.growing + 2 else by_size
        chosen = list(rng.choice(pool, p.takeovers + p.spikes + p.growing, replace=False))
        takeover_tags = chosen[: p.takeovers]
        spike_tags = chosen[p.takeovers : p.takeovers + p.spikes]
        growing_tags = chosen[p.takeovers + p.spikes :]

        # Organic posts: an account by its rate, one of its communities, a time of its day.
        n = p.posts
        actor = rng.choice(self.n_actors, n, p=self.rate / self.rate.sum())
        which = (rng.random(n) * self.n_comm[actor]).astype(np.int64)
        tag_of = self.communities[actor, which]
        # The growing tag has no standing community: its posts are made below.
        self.usual = np.bincount(tag_of, minlength=n_tags)
        for g in growing_tags:
            moved = tag_of == g
            tag_of[moved] = self.communities[actor[moved], 0]
            still = tag_of == g
            tag_of[still] = self.names.index(FANDOM[1]) if g != self.names.index(FANDOM[1]) else 0
        times = self._daily(n, self.tz[actor])
        for g in range(n_tags):
            rows = np.flatnonzero(tag_of == g)
            if len(rows):
                self._add(actor[rows], times[rows], self._organic_texts(self.names[g], len(rows)))
        self.tag_of, self.org_actor, self.org_time = tag_of, actor, times

        for g in growing_tags:
            self._grow(g)
        for g in spike_tags:
            self._spike(g)
        for g in takeover_tags:
            self._takeover(g)
        for g in range(n_tags):
            if g not in chosen:
                self.truth.append((self.names[g].lower(), "organic", None))
        return self._world()

    def _baseline_hourly(self, g: int) -> float:
        return max(1.0, float((self.tag_of == g).sum()) / (self.span / HOUR))

    def _grow(self, g: int) -> None:
        """A tag that more and more accounts discover, every one on its topic."""
        rng, p = self.rng, self.p
        tag = self.names[g]
        n_posts = int(self.usual[g]) + 100  # as many posts as it would have had, back-loaded
        rate = np.log(p.growth) / (self.span - DAY)
        # Times with density growing as exp(rate * t): inverse of the cumulative.
        u = rng.random(n_posts)
        t = np.log1p(u * np.expm1(rate * self.span)) / rate
        n_joiners = max(30, n_posts // 6)
        others = np.flatnonzero(~(self.communities == g).any(1))
        joiners = rng.choice(others, n_joiners, replace=False)
        joined = np.sort(np.log1p(rng.random(n_joiners) * np.expm1(rate * self.span)) / rate)
        # Each post by one of the accounts that have joined by then (the first ones post most).
        known = np.maximum(np.searchsorted(joined, t, side="right"), 1)
        who = joiners[(known * rng.random(n_posts) ** 1.5).astype(np.int64)]
        self._add(who, START + t, self._organic_texts(tag, n_posts))
        self.truth.append((tag.lower(), "organic", None))
        self.growing.append(tag.lower())

    def _spike(self, g: int) -> None:
        """A breaking story or a match: ten to fifty times the volume within an hour, on topic."""
        rng, p = self.rng, self.p
        tag = self.names[g]
        start = self._daytime(1, p.days - 1)
        factor = float(rng.uniform(*p.spike_factor))
        tau = float(rng.uniform(1.5, 4.0)) * HOUR
        base = self._baseline_hourly(g)
        # A rate that rises within minutes and decays over hours, factor x base in the first hour:
        # with rate A exp(-t / tau), the first hour holds A tau (1 - exp(-1 h / tau)) posts.
        n_posts = int(factor * base / (1 - np.exp(-HOUR / tau)))
        offset = rng.uniform(0, 600, n_posts) + rng.exponential(tau, n_posts)
        times = np.minimum(start + offset, START + self.span - 1)
        members = np.unique(self.org_actor[self.tag_of == g])
        if len(members) == 0:
            members = self.members[g]
        newcomer = rng.random(n_posts) < p.spike_newcomer_share
        weights = self.rate[members] / self.rate[members].sum()
        who = rng.choice(members, n_posts, p=weights)
        outsiders = np.setdiff1d(np.arange(self.n_actors), members)
        n_new = int(newcomer.sum())
        fresh = self._fresh(max(1, n_new // 4))
        who[newcomer] = np.where(
            rng.random(n_new) < 0.75,
            rng.choice(outsiders, n_new),
            rng.choice(fresh, n_new),
        )
        texts = self._organic_texts(tag, n_posts, extra=STORY)
        # Real spikes share the news: a few links, and a headline copied by many.
        links = [f"https://{NEWS[k % len(NEWS)]}/{int(rng.integers(10**6, 10**7))}" for k in range(3)]  # fmt: skip
        headline = " ".join(self._topic_words(tag, 1, 5)[0])
        for i in np.flatnonzero(rng.random(n_posts) < 0.3):
            texts[i] = f"{texts[i]} {links[int(rng.integers(0, 3))]}"
        for i in np.flatnonzero(rng.random(n_posts) < 0.08):
            texts[i] = f"RT @newsdesk: {STORY[0]} {headline} {tag} {links[0]}"
        self._add(who, times, texts)
        self.truth.append((tag.lower(), "spike", start))

    def _takeover(self, g: int) -> None:
        """Fans new to the tag flood it with fancams until its own content is a minority."""
        rng, p = self.rng, self.p
        tag = self.names[g]
        start = self._daytime(max(1, p.days / 2 - 1), max(2, p.days / 2 + 0.5))
        own_after = int(((self.tag_of == g) & (self.org_time >= start)).sum())
        n_flood = max(int(p.flood_ratio * max(own_after, 1)), 300)
        n_flooders = p.flooders or max(200, int(0.004 * p.posts))
        on_tag = set(self.org_actor[self.tag_of == g].tolist())
        fans = np.concatenate([self.members[self.names.index(t)] for t in FANDOM])
        fans = np.array(sorted(set(fans.tolist()) - on_tag), np.int64)
        n_from_fans = min(len(fans), int(0.8 * n_flooders))
        flooders = np.concatenate(
            [rng.choice(fans, n_from_fans, replace=False), self._fresh(n_flooders - n_from_fans)]
        )
        rng.shuffle(flooders)
        # Posts per flooder: heavy-tailed, at least one each.
        weight = rng.pareto(1.5, n_flooders) + 1
        counts = 1 + rng.multinomial(max(0, n_flood - n_flooders), weight / weight.sum())
        n_coord = int(p.coordinated_share * n_flooders)
        coord = flooders[:n_coord]  # the rest post on their own only
        end = START + self.span - 1
        fancams = [
            f"https://twitter.com/luminaarchive/status/{int(rng.integers(10**17, 10**18))}/video/1"
            for _ in range(40)
        ] + [f"https://youtu.be/{_token(rng, 11)}" for _ in range(20)]
        actors, times, texts = [], [], []

        # Copy-paste groups: at each call, most members post the group's text within two minutes.
        n_groups = max(1, n_coord // 25)
        for k, members in enumerate(np.array_split(coord, n_groups)):
            if len(members) == 0:
                continue
            self.groups[f"{tag.lower()}-g{k + 1}"] = list(members)
            n_calls = int(rng.integers(4, 9))
            calls = start + np.sort(
                np.concatenate([[rng.uniform(0, 900)], rng.exponential(6 * HOUR, n_calls - 1)])
            )
            calls = calls[calls < end - 300]
            member = np.array(MEMBERS)[rng.integers(0, len(MEMBERS))]
            song = SONGS[int(rng.integers(0, len(SONGS)))]
            for call in calls:
                link = fancams[int(rng.integers(0, len(fancams)))]
                text = f"{member} fancam {HEARTS[k % len(HEARTS)]} stream {song} {tag} {link}"
                present = members[rng.random(len(members)) < 0.75]
                actors += list(present)
                times += list(np.minimum(call + rng.exponential(40, len(present)), end))
                texts += [text] * len(present)
            # Between calls, the group's members post on their own like the rest.
        # Everyone posts in bursts of fancams and fandom words from the start on.
        bursts_rng = rng.exponential(5 * HOUR, n_flooders)
        ramp = rng.uniform(0, 45 * 60, n_flooders)
        first = start + np.where(rng.random(n_flooders) < 0.4, ramp, ramp + bursts_rng)
        for i, who in enumerate(flooders):
            c = int(counts[i])
            gaps = rng.exponential(45, c)
            # A new burst now and then: a long pause before some posts.
            gaps[rng.random(c) < 0.2] += rng.exponential(3 * HOUR, 1)
            gaps[0] = 0
            t = first[i] + np.cumsum(gaps)
            late = t > end  # past the world's end: somewhere in the flood instead
            t[late] = rng.uniform(start, end, int(late.sum()))
            words = np.array(FLOOD_WORDS)[rng.integers(0, len(FLOOD_WORDS), (c, 3))]
            for j in range(c):
                parts = [
                    *words[j, : int(rng.integers(1, 4))],
                    MEMBERS[int(rng.integers(0, len(MEMBERS)))],
                    HEARTS[int(rng.integers(0, len(HEARTS)))],
                    tag if rng.random() < 0.6 else tag.lower(),
                ]
                if rng.random() < 0.3:
                    parts.append(FANDOM[int(rng.integers(0, 2))])
                if rng.random() < 0.8:
                    parts.append(fancams[int(len(fancams) * rng.random() ** 2)])
                texts.append(" ".join(x for x in parts if x))
            actors += [who] * c
            times += list(t)
        self._add(np.array(actors), np.array(times), texts)
        self.truth.append((tag.lower(), "takeover", start))
        self.flooders += [(int(a), tag.lower()) for a in flooders]

    def _world(self) -> HashtagWorld:
        actor = np.concatenate([c[0] for c in self.chunks])
        time = np.floor(np.concatenate([c[1] for c in self.chunks]))  # whole seconds, as written
        text = [t for c in self.chunks for t in c[2]]
        order = np.lexsort((actor, time))
        posts = pa.table(
            {
                "actor": pa.array(self.handles[actor[order]]),
                "time": pa.array(time[order]),
                "text": pa.array(text).take(pa.array(order)),
            },
            schema=WORLD_SCHEMA,
        )
        truth = sorted(self.truth)
        truth_tags = pa.table(
            {
                "hashtag": [t[0] for t in truth],
                "kind": [t[1] for t in truth],
                "start": [None if t[2] is None else float(np.floor(t[2])) for t in truth],
            },
            schema=TRUTH_TAGS_SCHEMA,
        )
        flooders = sorted({(str(self.handles[a]), tag) for a, tag in self.flooders})
        truth_flooders = pa.table(
            {"actor": [f[0] for f in flooders], "hashtag": [f[1] for f in flooders]},
            schema=TRUTH_FLOODERS_SCHEMA,
        )
        groups = {k: sorted(str(self.handles[a]) for a in v) for k, v in self.groups.items()}
        return HashtagWorld(posts, truth_tags, truth_flooders, groups, sorted(self.growing))


def _token(rng: np.random.Generator, n: int) -> str:
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    return "".join(alphabet[int(i)] for i in rng.integers(0, len(alphabet), n))
