"""Hand-made posts with a known answer for the text layer's tests."""

from __future__ import annotations

import random

from concerted import make_log
from concerted.schema import Log

MESSAGES = [
    "The mayor lied about the budget, share this before they delete it",
    "Stop the new tax on farmers now and call your representative today",
    "Our town deserves better than this corrupt council so vote them out in May",
    "They are hiding the truth about the water plant, ask them why at the meeting",
    "Schools closed again while the council pays itself a bonus, this is a scandal",
    "Share if you think the police chief must resign after last night",
    "The hospital wing was promised three years ago and still nothing has been built",
    "Remember who voted for the park to be sold to developers next spring",
]
# Light edits, one per campaign account: the same message with another link, emoji, mention,
# figure, case, or a word swapped.
EDITS = [
    lambda s: s + " https://t.co/a1",
    lambda s: s.upper() + " 🔥🔥",
    lambda s: "@bob " + s.replace("the", "this", 1),
    lambda s: s + " 100% https://t.co/zz 🙏",
    lambda s: s.replace(" now", " right now") + " #truth",
]
CAMPAIGN = [f"camp{i}" for i in range(len(EDITS))]
WORDS = (
    "sun cake party love joy fun sea hill road town farm lake bread song dance walk film".split()
)
BOILERPLATE = ["RT if you agree", "Good morning everyone, have a nice day"]


def copy_paste_world(seed: int = 3) -> tuple[Log, list[dict]]:
    """Five accounts post eight messages, each with its own light edit, within a minute of each
    other (in a different order each time); 120 strangers post their own texts, boilerplate
    (each of the two sentences about 100 times over a week, some within a minute of each other
    by chance) and 200 everyday phrases (eight words) five times each, at random moments."""
    r = random.Random(seed)
    week = 7 * 86400.0
    rows: list[dict] = []
    for k, message in enumerate(MESSAGES):
        t0 = 20_000.0 + k * 100_000.0
        order = r.sample(range(len(EDITS)), len(EDITS))
        for slot, i in enumerate(order):
            rows.append({"actor": CAMPAIGN[i], "time": t0 + 9.0 * slot, "text": EDITS[i](message)})
    strangers = [f"user{j}" for j in range(120)]
    for b in BOILERPLATE:
        for _ in range(100):
            tail = r.choice(["", " 🙏", " https://t.co/" + str(r.randrange(10**6))])
            rows.append(
                {"actor": r.choice(strangers), "time": r.uniform(0, week), "text": b + tail}
            )
    for _ in range(200):
        phrase = " ".join(r.choice(WORDS) for _ in range(8))
        for _ in range(5):
            rows.append({"actor": r.choice(strangers), "time": r.uniform(0, week), "text": phrase})
    for a in strangers:
        for _ in range(5):
            words = (
                "".join(r.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(5)) for _ in range(7)
            )
            rows.append({"actor": a, "time": r.uniform(0, week), "text": " ".join(words)})
    rows.sort(key=lambda x: x["time"])
    for n, x in enumerate(rows, 1):
        x["object"] = f"row:{n}"
    return make_log(rows), rows
