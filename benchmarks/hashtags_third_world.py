"""A third hashtag world, written by someone who never read concerted's code (from the issue and
the data contract only): a slow-boil takeover, a night raid on a small tag, a brand hijack,
crypto spam that opens with the tag's own words; organic spikes made mostly by newcomers (a
match, a celebrity's death in seven languages, a game launch, an earthquake); 20 ordinary tags.
Used by bench_hashtags.py; run alone: python benchmarks/hashtags_third_world.py --seed 1
--posts 60000 --out DIR."""

# ruff: noqa: E731, B007, B905, F841  (kept as its author wrote it: an outsider's generator)
import argparse
import csv
import datetime as dt
import os

import numpy as np

T0 = dt.datetime(2021, 3, 9, 0, 0, tzinfo=dt.timezone.utc)  # Tuesday
DAYS = 7
SPAN = DAYS * 86400
STOP = {
    "en": "the a to and of in is it for on this that with my so just i you we be at".split(),
    "es": "el la de que y en los un por con para es lo mi muy pero".split(),
    "fr": "le la de et les des un une est pour pas que dans mon très".split(),
    "de": "der die und das ist nicht ein mit für auf ich sehr heute".split(),
    "pt": "o a de que e do da em um para com não muito meu".split(),
    "ja": "の に は を が と で も".split(),
}
EMO = "😂 ❤️ 🔥 🙏 😍 👏 💯 😭 ✨ 👀 🙌 😅".split()
ORGANIC = {  # tag: (topic words, langs, tz offset)
    "gardening": (
        "tomatoes seedlings soil compost garden raised beds mulch seeds spring planting roses",
        "en",
        -5,
    ),
    "python": (
        "code pandas numpy function bug release library script django pip typing async",
        "en",
        0,
    ),
    "coffee": ("espresso beans roast latte morning brew grinder pourover cup barista", "en", -5),
    "bookclub": (
        "chapter novel author reading ending plot characters review library pages",
        "en",
        -6,
    ),
    "photography": ("lens shot light sunset camera portrait film exposure edit golden", "en", 1),
    "knittingcircle": ("yarn wool pattern stitch needles sweater scarf knit purl cast", "en", 1),
    "mondaymotivation": (
        "goals week grind mindset success hustle focus start believe work",
        "en",
        -5,
    ),
    "elclasico": ("madrid barca benzema messi bernabeu camp nou liga derby lineup", "es", 1),
    "jamesharlan": (
        "film role director scene actor premiere interview movie classic career",
        "en",
        -8,
    ),
    "starfallgame": ("patch beta raid guild server quest loot update trailer devs", "en", -5),
    "lisboa": ("tram alfama miradouro bairro tejo pastel rua cidade sol fado", "pt", 0),
    "patriotsrally": (
        "rally freedom county march flag veterans speech turnout sheriff council",
        "en",
        -6,
    ),
    "stanloona": ("loona comeback stream vote mv teaser chuu olivia orbit album", "en", 9),
    "vegan": ("recipe tofu plant based dairy lentils curry protein oatmilk vegan", "en", 0),
    "fútbol": ("partido gol equipo liga jugador entrenador árbitro afición", "es", -3),
    "cuisine": ("recette fromage pain beurre vin dîner marché tarte sauce", "fr", 1),
    "techno": ("set dj berlin club vinyl rave track bpm lineup warehouse", "de", 1),
    "anime": ("episode season manga opening arc studio character cosplay", "en", 9),
    "running": ("miles pace marathon training shoes tempo long run splits", "en", -5),
    "climate": ("emissions carbon policy warming report solar renewables heat", "en", 0),
    "wordle": ("green yellow guess tries streak letters puzzle today", "en", -5),
    "nba": ("lakers celtics points rebounds playoffs dunk trade game", "en", -5),
    "astronomy": ("telescope nebula galaxy jupiter moon stars orbit eclipse", "en", 0),
    "cats": ("kitten meow purr nap paws whiskers fluffy cat", "en", 0),
}
LANGMIX = {
    "en": {"en": 0.85, "es": 0.05, "fr": 0.05, "de": 0.05},
    "es": {"es": 0.7, "en": 0.25, "pt": 0.05},
    "pt": {"pt": 0.75, "en": 0.2, "es": 0.05},
    "fr": {"fr": 0.8, "en": 0.2},
    "de": {"de": 0.7, "en": 0.3},
}
EPOCH = lambda s: T0 + dt.timedelta(seconds=float(s))
ISO = lambda s: EPOCH(s).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--posts", type=int, default=100000)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    os.makedirs(a.out, exist_ok=True)
    S = a.posts / 100000.0
    used = set()
    syl = "ka ri mo na lu te so vi ra ne zo pa li do mi ju be ta ko sa".split()

    def handle():
        while True:
            h = (
                "".join(rng.choice(syl, rng.integers(2, 4)))
                + rng.choice(["", "_", "."])
                + str(rng.integers(0, 999))
            )
            if h not in used:
                used.add(h)
                return h

    def pseudo(n):
        return [
            "".join(rng.choice(syl, rng.integers(2, 4))) + rng.choice(["", "s", "er", "ing"])
            for _ in range(n)
        ]

    posts = []  # (t, actor, text)

    def rhythm_times(n, tz, lo=0, hi=SPAN, amp=0.75, weekday_w=None):
        out = []
        while len(out) < n:
            t = rng.uniform(lo, hi, size=2 * n + 10)
            lh = (t / 3600 + tz) % 24
            p = (1 + amp * np.cos(2 * np.pi * (lh - 20) / 24)) / (1 + amp)
            if weekday_w is not None:
                wd = ((t // 86400).astype(int) + 1) % 7  # 0=Mon (T0 is Tuesday)
                p = p * np.array([weekday_w[d] for d in wd])
            out.extend(t[rng.random(t.size) < p].tolist())
        return np.array(out[:n])

    # vocab
    vocab = {}
    for tag, (w, lang, tz) in ORGANIC.items():
        vv = w.split() + pseudo(40)
        z = 1 / np.arange(1, len(vv) + 1) ** 1.1
        vocab[tag] = (vv, z / z.sum())

    def topical(tag, lang, k=None):
        vv, p = vocab[tag]
        k = k or rng.integers(3, 8)
        words = list(rng.choice(vv, k, p=p))
        st = STOP[lang]
        words += list(rng.choice(st, rng.integers(2, 6)))
        rng.shuffle(words)
        return words

    # communities
    comm = {}
    allcomm = []
    weights = rng.lognormal(0, 0.8, len(ORGANIC))
    base_total = 0.70 * a.posts
    rates = {}
    for i, tag in enumerate(ORGANIC):
        rates[tag] = base_total * weights[i] / weights.sum()
    rates["knittingcircle"] = 18 * DAYS  # small tag: ~18/day, fixed
    rates["patriotsrally"] = max(rates["patriotsrally"], 300 * DAYS * S)
    for tag in ORGANIC:
        n = int(np.clip(rates[tag] / 25, 12, 3000))
        members = [handle() for _ in range(n)]
        # some overlap with other communities
        if allcomm:
            k = min(len(allcomm), n // 5)
            members += list(rng.choice(allcomm, k, replace=False))
        comm[tag] = members
        allcomm += members[:n]
    lang_of = {}

    def lang(actor, tag):
        if (actor, tag) not in lang_of:
            mix = LANGMIX[ORGANIC[tag][1]]
            lang_of[(actor, tag)] = rng.choice(list(mix), p=list(mix.values()))
        return lang_of[(actor, tag)]

    tagnames = list(ORGANIC)

    def community_posts(tag, n, lo=0, hi=SPAN, amp=0.75, weekday_w=None, extra=None):
        mem = comm[tag]
        w = rng.pareto(1.3, len(mem)) + 1
        w /= w.sum()
        ts = rhythm_times(n, ORGANIC[tag][2], lo, hi, amp, weekday_w)
        acts = rng.choice(len(mem), n, p=w)
        for t, ai in zip(ts, acts):
            act = mem[ai]
            L = lang(act, tag)
            words = topical(tag, L)
            if extra and rng.random() < extra[1]:
                words += list(rng.choice(extra[0], rng.integers(1, 3)))
            pos = rng.integers(0, len(words) + 1)
            words.insert(pos, "#" + (tag if rng.random() < 0.8 else tag.capitalize()))
            r = rng.random()
            if r < 0.15:
                words.append("#" + rng.choice(tagnames))
            if rng.random() < 0.2:
                words.append(rng.choice(EMO))
            if rng.random() < 0.1:
                words.append("https://t.co/" + "".join(rng.choice(list("abcdefghijkXYZ0123"), 10)))
            if rng.random() < 0.1:
                words.insert(0, "@" + rng.choice(mem))
            posts.append((t, act, " ".join(words)))

    truth = []
    tfl = []
    for tag in ORGANIC:
        if tag == "mondaymotivation":
            community_posts(tag, int(rates[tag]), weekday_w=[6, 1, 1, 0.8, 1, 0.5, 0.6])
        else:
            community_posts(tag, int(rates[tag]))
    day = lambda d, h=0, m=0: (d * 24 + h) * 3600 + m * 60
    # ---- (a) slow-boil takeover of #patriotsrally by k-pop fans (stanloona community + new accounts)
    tA = day(3, 17, rng.integers(0, 50))
    nA = int(260 * S) + 40
    flA = list(rng.choice(comm["stanloona"], min(len(comm["stanloona"]), nA // 2), replace=False))
    flA += [handle() for _ in range(nA - len(flA))]
    memes = [
        "fancam of chuu because this tag needs it 💜 https://pic.twitter.com/{}",
        "olivia hye doing the hand thing >>> {} https://pic.twitter.com/{}",
        "no thoughts just orbit 🌙 https://pic.twitter.com/{}",
    ]
    join = tA + np.sort(rng.uniform(0, rng.uniform(6, 12) * 3600, nA))
    join[0] = tA
    top = vocab["patriotsrally"][0][:6]
    for act, j in zip(flA, join):
        k = rng.integers(2, 6)
        t = j
        myimg = "".join(rng.choice(list("abcdefXYZ019"), 10))
        for _ in range(k):
            m = rng.integers(0, 3)
            txt = memes[m].format(myimg, myimg) if m == 1 else memes[m].format(myimg)
            if rng.random() < 0.35:
                txt = " ".join(rng.choice(top, 2)) + " " + txt
            tags = " #PatriotsRally" + (" #stanloona" if rng.random() < 0.3 else "")
            posts.append((t, act, txt + tags))
            t += rng.uniform(300, 3600)
        tfl.append((act, "#patriotsrally"))
    truth.append(("#patriotsrally", "takeover", ISO(tA)))
    # stanloona community itself gets a bump (its own members): organic
    # ---- (b) night takeover of small #knittingcircle (community tz +1), 02:10 UTC day 4
    tB = day(4, 2, 10 + rng.integers(0, 20))
    nB = int(rng.integers(30, 51))
    flB = [handle() for _ in range(nB)]
    trolls = [
        "this tag is ours now 🤡",
        "lmao knitting? not anymore",
        "ratio + yarn fell off",
        "we own this hashtag now",
        "who even uses this tag 💀",
        "grandma tag got raided",
        "new management 😎",
    ]
    first = None
    for i, act in enumerate(flB):
        for j in range(rng.integers(1, 3)):
            t = tB + (0 if i == 0 and j == 0 else rng.uniform(0, 50 * 60))
            txt = (
                rng.choice(trolls)
                + " #knittingcircle"
                + (" #raidnight" if rng.random() < 0.5 else "")
            )
            posts.append((t, act, txt))
        tfl.append((act, "#knittingcircle"))
    truth.append(("#knittingcircle", "takeover", ISO(tB)))
    # ---- (c) brand hijack of #mondaymotivation, Monday day 6 (2021-03-15) 13:00 UTC, ~3h
    tC = day(6, 13, rng.integers(0, 30))
    nC = int(120 * S) + 30
    flC = [handle() for _ in range(nC)]
    ads = [
        "Start your week strong 💪 FitFuel protein bars 20% off today only ➡️ https://fitfuel.co/mm?c=MM21",
        "Start your week strong 💪 FitFuel protein bars 20% off today only ➡️ https://fitfuel.co/mm?c=MM21 #ad",
    ]
    for i, act in enumerate(flC):
        for j in range(rng.integers(1, 4)):
            t = tC + (0 if i == 0 and j == 0 else rng.uniform(0, 3 * 3600))
            posts.append((t, act, ads[rng.integers(0, 2)] + " #MondayMotivation #fitfuel"))
        tfl.append((act, "#mondaymotivation"))
    truth.append(("#mondaymotivation", "takeover", ISO(tC)))
    # ---- (a2) crypto spam bots on #python mimicking top words, day 5 09:00, ~4h
    tD = day(5, 9, rng.integers(0, 40))
    nD = int(50 * S) + 20
    flD = [handle() for _ in range(nD)]
    topP = vocab["python"][0][:8]
    for i, act in enumerate(flD):
        for j in range(rng.integers(4, 10)):
            t = tD + (0 if i == 0 and j == 0 else rng.uniform(0, 4 * 3600))
            w = " ".join(rng.choice(topP, 3))
            posts.append(
                (
                    t,
                    act,
                    f"{w} 🚀 earn passive income with AI trading bot, devs are making $5k/week https://cryptoquant-ai.io/r/{rng.integers(100, 999)} #python #crypto",
                )
            )
        tfl.append((act, "#python"))
    truth.append(("#python", "takeover", ISO(tD)))

    # ---- spikes (organic)
    def newcomer_burst(tag, t0, n, dur, texts_fn, frac_new=0.7, lang_choices=None):
        newc = [handle() for _ in range(int(n * frac_new / 1.3))]
        others = list(rng.choice(allcomm, int(n * (1 - frac_new) / 1.3)))
        pool = newc + others + comm[tag]
        w = np.r_[np.ones(len(newc) + len(others)), 2 * np.ones(len(comm[tag]))]
        w /= w.sum()
        ts = t0 + rng.gamma(1.5, dur / 3, n)
        for t in ts:
            act = pool[rng.choice(len(pool), p=w)]
            posts.append((t, act, texts_fn(act)))

    # (d1) el clasico match day 5 20:00-22:00
    tE = day(5, 20, 0)

    def match_txt(act):
        L = rng.choice(["es", "en", "pt", "fr"], p=[0.5, 0.35, 0.1, 0.05])
        bits = list(
            rng.choice(
                "Madrid Barça Benzema Messi Vinicius Pedri Courtois Ter Stegen Bernabéu VAR penalty goal gol GOOOOL árbitro".split(),
                rng.integers(2, 5),
            )
        )
        bits += list(rng.choice(STOP[L], rng.integers(1, 4))) + list(
            rng.choice(EMO + ["⚽", "🔥", "😱"], rng.integers(1, 4))
        )
        rng.shuffle(bits)
        return (
            " ".join(bits)
            + " #ElClasico"
            + (" #HalaMadrid" if rng.random() < 0.2 else "")
            + (" #ViscaBarça" if rng.random() < 0.2 else "")
        )

    newcomer_burst("elclasico", tE, int(5000 * S), 2.5 * 3600, match_txt)
    truth.append(("#elclasico", "spike", ISO(tE)))
    # (d2) celebrity death day 4 14:30: condolences in several languages, new words
    tF = day(4, 14, 30)
    cond = [
        "rest in peace James, a true legend 🕊️",
        "RIP to a legend, my childhood 💔",
        "descansa en paz James Harlan 🙏",
        "repose en paix, quelle tristesse 💔",
        "ruhe in Frieden, du warst großartig",
        "descanse em paz, lenda 🕊️",
        "riposa in pace maestro",
        "安らかに眠ってください 🙏",
        "can't believe he's gone. thank you for everything",
        "heartbroken. sending love to his family",
        "just heard the news… devastated",
        "RIP 🙏🙏",
    ]
    newcomer_burst(
        "jamesharlan",
        tF,
        int(7000 * S),
        8 * 3600,
        lambda act: (
            rng.choice(cond)
            + (" " + rng.choice(EMO) if rng.random() < 0.5 else "")
            + " #JamesHarlan"
            + (" #RIPJamesHarlan" if rng.random() < 0.5 else "")
        ),
        frac_new=0.85,
    )
    truth.append(("#jamesharlan", "spike", ISO(tF)))
    # (d3) game launch day 3 16:00 newcomers with screenshots
    tG = day(3, 16, 0)
    gl = [
        "finally got in!! https://pic.twitter.com/{}",
        "servers down again 😭",
        "queue is 4000 people lmao",
        "first boss down 🔥 https://pic.twitter.com/{}",
        "this game is gorgeous https://pic.twitter.com/{}",
        "refund? nah this slaps",
    ]
    newcomer_burst(
        "starfallgame",
        tG,
        int(4000 * S),
        10 * 3600,
        lambda act: (
            rng.choice(gl).format("".join(rng.choice(list("abcXYZ019"), 10))) + " #StarfallGame"
        ),
        frac_new=0.75,
    )
    truth.append(("#starfallgame", "spike", ISO(tG)))
    # (d4) earthquake felt in Lisbon day 2 22:40
    tH = day(2, 22, 40)
    eq = [
        "sentiram o sismo? 😱",
        "tremor de terra agora em Lisboa",
        "just felt an earthquake in Lisbon!!",
        "magnitude 4.9 segundo o IPMA https://t.co/ipma{}",
        "tudo bem com vocês? a casa tremeu",
        "terremoto en Lisboa, se sintió fuerte",
    ]
    newcomer_burst(
        "lisboa",
        tH,
        int(1500 * S),
        1.5 * 3600,
        lambda act: rng.choice(eq).format(rng.integers(10, 99)) + " #Lisboa",
        frac_new=0.6,
    )
    truth.append(("#lisboa", "spike", ISO(tH)))
    # stanloona: its own fans' bump during (a) is tags attached to flood -> organic
    for tag in ORGANIC:
        if not any(t[0] == "#" + tag for t in truth):
            truth.append(("#" + tag, "organic", ""))
    for extra in [
        "#halamadrid",
        "#viscabarça",
        "#ripjamesharlan",
        "#fitfuel",
        "#crypto",
        "#raidnight",
    ]:
        pass  # secondary tags: not scored
    posts.sort(key=lambda p: p[0])
    with open(os.path.join(a.out, "posts.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["actor", "time", "text"])
        for t, act, txt in posts:
            if 0 <= t < SPAN + 86400:
                w.writerow([act, ISO(t), txt])
    with open(os.path.join(a.out, "truth_hashtags.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["hashtag", "kind", "start"])
        w.writerows(truth)
    with open(os.path.join(a.out, "truth_flooders.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["actor", "hashtag"])
        w.writerows(sorted(set(tfl)))
    print(len(posts), "posts")


if __name__ == "__main__":
    main()
