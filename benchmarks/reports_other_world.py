"""A second world of user reports, shaped differently from ``concerted simulate reports``, for
``bench_reports.py``: the lens must not only work on the world it was written beside.

What differs from :mod:`concerted.lenses.reports.simulate`:

* every account is an opaque id (``acct_5f2c19``): nothing in a name gives the answer away;
* **vigilantes**: a few hundred organic reporters who hunt spam, each reporting dozens of the
  same pool of spam accounts, at their own times over the weeks (they share many targets, never
  in step);
* **spammers**: ten, reported for 2 to 10 days, half of them with a wave (fifty or so reports
  within two hours, from unrelated people, when a spam run goes out);
* **hot organic targets**: bursts of 100 to 1500 reports in two or three waves (the news, then
  the follow-ups) over 2 to 12 hours, people chosen by their habits;
* **brigades** of 5 to 150 accounts, 2 to 12 targets each, members joining each call with a
  probability of 0.4 to 0.9, in one of three tempos: *fast* (all within 90 s), *slow* (spread
  over 20 to 45 minutes), *shifts* (three shifts 15 minutes apart); reasons either all the same
  or each member's pick of three; members are heavy ordinary reporters too (20 to 60 reports of
  their own), and some victims are already reported organically for days.

``generate(seed, n_reports)`` returns ``(reports, truth_targets, truth_reporters)`` as in the
lens's simulator: ``reporter, target, time, reason``; ``target, kind`` (``brigaded``,
``spammer``, ``hot``); ``reporter, brigade`` for the members who answered at least one call.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

START = 1_735_689_600.0  # 2025-01-01T00:00:00Z
HOUR, DAY = 3600.0, 86400.0
REASONS = np.array(
    ["spam", "hate_speech", "bullying", "violent_threat", "fake_account", "scam", "adult",
     "false_information", "self_harm", "ip"],
    object,
)  # fmt: skip


def generate(seed: int, n_reports: int = 300_000, days: float = 28.0):
    rng = np.random.default_rng(seed)
    span = days * DAY
    n_people = max(500, n_reports // 10)
    n_accounts = max(500, n_reports // 2)
    ids = rng.choice(16**8, n_people + n_accounts + 20_000, replace=False)
    names = np.array([f"acct_{i:08x}" for i in ids], object)
    people, accounts, spare = (
        names[:n_people],
        names[n_people : n_people + n_accounts],
        list(names[n_people + n_accounts :]),
    )
    habit = rng.pareto(1.5, n_people) + 1.0
    habit /= habit.sum()
    pop = rng.pareto(1.2, n_accounts) + 1.0
    pop /= pop.sum()
    acc_reason = rng.integers(0, len(REASONS), n_accounts)
    cols: dict[str, list] = {"reporter": [], "target": [], "time": [], "reason": []}

    def add(who, what, when, why):
        cols["reporter"].append(np.asarray(who, object))
        cols["target"].append(np.asarray(what, object))
        cols["time"].append(np.asarray(when, float))
        cols["reason"].append(np.asarray(why, object))

    # Organic reports, with a weekly and a daily rhythm.
    n = int(n_reports * 0.8)
    who = rng.choice(n_people, n, p=habit)
    what = rng.choice(n_accounts, n, p=pop)
    when = rng.uniform(0, span, n)
    why = np.where(rng.random(n) < 0.6, acc_reason[what], rng.integers(0, len(REASONS), n))
    add(people[who], accounts[what], when, REASONS[why])

    truth_t: list[tuple[str, str]] = []
    # Vigilantes against a pool of spam accounts.
    pool = rng.choice(n_accounts, 80, replace=False)
    vigilantes = rng.choice(n_people, 300, replace=False)
    for v in vigilantes:
        k = int(rng.integers(10, 50))
        add(
            [people[v]] * k,
            accounts[rng.choice(pool, k)],
            rng.uniform(0, span, k),
            ["spam"] * k,
        )

    # Spammers.
    for s in range(10):
        name = spare.pop()
        length = rng.uniform(2, 10) * DAY
        begin = rng.uniform(0, span - length)
        k = int(rng.integers(60, 500))
        when = begin + rng.uniform(0, length, k)
        if s % 2 == 0:
            wave = int(rng.integers(30, 80))
            when = np.concatenate([when, begin + length / 2 + rng.uniform(0, 2 * HOUR, wave)])
        who = rng.choice(n_people, len(when), replace=False, p=habit)
        add(
            people[who],
            [name] * len(when),
            when,
            np.where(rng.random(len(when)) < 0.8, "spam", "scam"),
        )
        truth_t.append((name, "spammer"))

    # Hot organic targets, in waves.
    for _ in range(12):
        name = spare.pop()
        k = int(rng.integers(100, 1500))
        t0 = rng.uniform(DAY, span - DAY)
        waves = rng.integers(2, 4)
        offsets = np.sort(rng.uniform(0, rng.uniform(2, 12) * HOUR, waves))
        wave = rng.integers(0, waves, k)
        when = t0 + offsets[wave] + rng.gamma(1.5, rng.uniform(300, 1800), k)
        who = rng.choice(n_people, k, replace=False, p=habit)
        main = rng.integers(0, len(REASONS), 2)
        why = np.where(
            rng.random(k) < 0.8, REASONS[main[wave % 2]], REASONS[rng.integers(0, 10, k)]
        )
        add(people[who], [name] * k, when, why)
        truth_t.append((name, "hot"))

    # Brigades.
    truth_r: list[tuple[str, int]] = []
    for b in range(6):
        size = int(rng.choice([5, 12, 30, 60, 150])) if b else 5
        members = [spare.pop() for _ in range(size)]
        diligence = rng.uniform(0.4, 0.9, size)
        tempo = ("fast", "slow", "shifts")[b % 3]
        same_reason = b % 2 == 0
        picks = rng.integers(0, len(REASONS), (size, 3))
        n_victims = int(rng.integers(2, 13))
        answered = np.zeros(size, bool)
        for _ in range(n_victims):
            victim = spare.pop()
            call = rng.uniform(DAY, span - DAY)
            go = rng.random(size) < diligence
            go[rng.integers(size)] = True
            answered |= go
            k = int(go.sum())
            if tempo == "fast":
                delay = rng.uniform(0, 90, k)
            elif tempo == "slow":
                delay = rng.uniform(0, rng.uniform(20, 45) * 60, k)
            else:
                delay = rng.integers(0, 3, k) * 900 + rng.uniform(0, 120, k)
            why = (
                np.full(k, REASONS[picks[0, 0]])
                if same_reason
                else REASONS[picks[go, rng.integers(0, 3, k)]]
            )
            add(np.array(members, object)[go], [victim] * k, call + delay, why)
            truth_t.append((victim, "brigaded"))
            if rng.random() < 0.4:  # already reported organically, for days
                m = int(rng.integers(5, 30))
                add(
                    people[rng.choice(n_people, m, p=habit)],
                    [victim] * m,
                    rng.uniform(max(0, call - 10 * DAY), call + 2 * DAY, m),
                    REASONS[rng.integers(0, 10, m)],
                )
        for m in members:  # heavy ordinary reporters too
            k = int(rng.integers(20, 61))
            what = rng.choice(n_accounts, k, p=pop)
            add([m] * k, accounts[what], rng.uniform(0, span, k), REASONS[acc_reason[what]])
        truth_r += [(m, b) for m, a in zip(members, answered, strict=True) if a]

    time = np.concatenate(cols["time"])
    order = np.argsort(time, kind="stable")
    reports = pa.table(
        {
            "reporter": pa.array(np.concatenate(cols["reporter"])[order], pa.string()),
            "target": pa.array(np.concatenate(cols["target"])[order], pa.string()),
            "time": pa.array(START + np.round(time[order]), pa.float64()),
            "reason": pa.array(np.concatenate(cols["reason"])[order], pa.string()),
        }
    )
    truth_targets = pa.table({"target": [t for t, _ in truth_t], "kind": [k for _, k in truth_t]})
    truth_reporters = pa.table(
        {
            "reporter": [r for r, _ in truth_r],
            "brigade": pa.array([b for _, b in truth_r], pa.int64()),
        }
    )
    return reports, truth_targets, truth_reporters
