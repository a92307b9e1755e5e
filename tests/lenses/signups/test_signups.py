"""The sign-up lens on hand-made logs with known answers, and on a seeded simulated log."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import rankdata

from concerted.errors import ParameterError, SchemaError
from concerted.lenses.signups import load_registrations, score_signups, simulate_signups
from concerted.lenses.signups.lens import REGISTRATIONS
from concerted.lenses.signups.normalize import (
    merge_people,
    normalise_emails,
    normalise_names,
    normalise_phones,
)
from concerted.lenses.signups.signals import compute_signals
from concerted.lenses.signups.surge import measure_surges
from concerted.lenses.signups.vocab import CHANNELS, DEVICES
from concerted.results import check_declared

TIKTOK_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 musical_ly_16.1.0 JsSdk/2.0"
INSTAGRAM_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) Mobile/15E148 Instagram 146.0.0.27.125"
)
FB_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 13_5 like Mac OS X) Mobile/15E148 [FBAN/FBIOS;FBAV/272.0]"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/83.0 Safari/537.36"
)
MOBILE_UA = (
    "Mozilla/5.0 (Linux; Android 10; SM-G973U) AppleWebKit/537.36 Chrome/83.0 Mobile Safari/537.36"
)


def auc(score, label):
    r = rankdata(score)
    n1 = label.sum()
    n0 = label.size - n1
    return (r[label == 1].sum() - n1 * (n1 + 1) / 2) / (n1 * n0)


# -- normalisation -------------------------------------------------------------------------------


def test_normalise_emails_folds_case_gmail_dots_and_tags():
    emails = pa.array(
        [
            "Jo.Doe@Gmail.com",
            "jodoe+rally@gmail.com",
            "j.o.d.o.e@googlemail.com",
            "Jo.Doe+x@Yahoo.com",
            "no-at-sign",
            "",
            None,
        ]
    )
    address, domain, ok = normalise_emails(emails)
    assert address.to_pylist() == [
        "jodoe@gmail.com",
        "jodoe@gmail.com",
        "jodoe@gmail.com",
        "jo.doe@yahoo.com",
        None,
        None,
        None,
    ]
    assert domain.to_pylist()[3] == "yahoo.com"
    assert ok.tolist() == [True, True, True, True, False, False, False]


def test_normalise_phones_to_e164_in_every_format():
    phones = normalise_phones(
        pa.array(
            ["(918) 596-0134", "918-596-0134", "918.596.0134", "+1 918 596 0134", "19185960134"]
        )
    )
    assert set(phones.e164.to_pylist()) == {"+19185960134"}
    assert phones.valid.all()
    assert phones.region.to_pylist() == ["US"] * 5


def test_normalise_phones_flags_foreign_invalid_and_toll_free():
    p = normalise_phones(
        pa.array(["+33 9 12 34 56 78", "123", "1-800-273-8255", "0044 20 7946 0958"])
    )
    assert p.region.to_pylist()[0] == "FR" and p.line_type.to_pylist()[0] == "VOIP"
    assert p.e164.to_pylist()[1] is None and not p.valid[1]
    assert p.line_type.to_pylist()[2] == "TOLL_FREE"
    assert p.e164.to_pylist()[3] == "+442079460958" and p.region.to_pylist()[3] == "GB"


def test_normalise_names_folds_case_spaces_and_symbols():
    assert normalise_names(
        pa.array(["  ANNA   Lee ", "Anna lee", "ＡＮＮＡ Lee", "<b>Anna</b> Lee"])
    ).to_pylist() == [
        "anna lee",
        "anna lee",
        "anna lee",
        "b anna b lee",
    ]


def test_merge_people_joins_transitively_and_numbers_in_row_order():
    emails = pa.array(["a@x.com", None, "b@x.com", "a@x.com", None])
    name_phone = pa.array([None, "bo|+1", "bo|+1", None, "cy|+2"])
    assert merge_people(emails, name_phone).tolist() == [0, 1, 1, 0, 2]


# -- signals -------------------------------------------------------------------------------------

HAND = [
    # id, name, email, phone, postcode, ip, user_agent, referrer
    ("g1", "Mary Johnson", "mary.johnson@gmail.com", "(918) 596-0134", "74103", "68.1.2.3", DESKTOP_UA, "https://www.google.com/"),
    ("g1b", "MARY JOHNSON", "Mary.Johnson+rally@gmail.com", "918-596-0134", "74103", "68.1.2.3", MOBILE_UA, ""),
    ("d1", "Donald Duck", "quack@mailinator.com", "+44 20 7946 0958", "90210", "104.1.1.1", TIKTOK_UA, "https://www.tiktok.com/"),
    ("r1", "Xkqzt Brrwlp", "xkqzt@yahoo.com", "555", "SW1A 1AA", "104.1.1.2", INSTAGRAM_UA, "instagram"),
    ("f1", "Lisa Brown", "lisa.b@cox.net", "1-800-273-8255", "73301", "", FB_UA, "https://l.facebook.com/"),
    ("e1", "Tom", "not an email", "", "", "70.9.9.9", "curl/7.68.0", "https://www.tulsaworld.com/news"),
]  # fmt: skip


def hand_table():
    cols = ("id", "name", "email", "phone", "postcode", "ip", "user_agent", "referrer")
    return pa.table({c: [r[i] for r in HAND] for i, c in enumerate(cols)})


def test_signals_on_a_hand_made_log():
    s = compute_signals(hand_table(), venue_postcode="74103")
    f = s.features
    assert f["email"].tolist() == [0, 0, 3, 0, 0, 2]
    assert f["name"].tolist() == [0, 0, 2, 3, 0, 3]
    assert f["phone"].tolist() == [0, 0, 3, 2, 4, 1]
    assert f["postcode"].tolist() == [0, 0, 2, 3, 2, 4]
    assert f["ip"].tolist() == [0, 0, 1, 1, 4, 0]  # 104.1.1.x holds two people; g1 and g1b are one
    assert s.person.tolist() == [0, 0, 1, 2, 3, 4]
    assert s.first.tolist() == [True, False, True, True, True, True]
    assert [CHANNELS[c] for c in s.channel] == [
        "search",
        "direct",
        "short_video",
        "short_video",
        "social",
        "news",
    ]
    assert [DEVICES[d] for d in s.device] == [
        "desktop",
        "mobile",
        "inapp_short_video",
        "inapp_short_video",
        "inapp_other",
        "bot_or_unknown",
    ]


@pytest.mark.parametrize(
    ("referrer", "channel"),
    [
        ("https://mail.google.com/mail/u/0/", "email"),
        ("https://www.google.co.uk/search?q=rally", "search"),
        ("https://news.google.com/articles/x", "news"),
        ("https://www.dropbox.com/s/abc/flyer.pdf", "other"),  # not x.com
        ("https://x.com/someone/status/1", "social"),
        ("https://t.co/abc", "social"),
        ("https://m.facebook.com/", "social"),
        ("https://www.tiktok.com/@fan/video/1", "short_video"),
        ("https://www.nbcnews.com/politics", "news"),
        ("https://postman.com/", "other"),
        ("tiktok", "short_video"),
        ("a friend told me", "other"),
        ("", "direct"),
        (None, "direct"),
    ],
)
def test_referrers_match_hosts_on_whole_labels(referrer, channel):
    from concerted.lenses.signups.channels import referrer_channel

    assert CHANNELS[referrer_channel(referrer)] == channel
    t = pa.table({"referrer": pa.array([referrer], pa.string())})
    assert CHANNELS[compute_signals(t).channel[0]] == channel  # the batch agrees


@pytest.mark.parametrize(
    ("agent", "device", "bot_reason"),
    [
        ("Mozilla/5.0 (Linux; Android 10; Cubot X30) AppleWebKit/537.36 Chrome/83.0 Mobile Safari/537.36", "mobile", False),
        ("curl/7.68.0", "bot_or_unknown", True),
        ("python-requests/2.25.1", "bot_or_unknown", True),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "bot_or_unknown", True),
        (TIKTOK_UA, "inapp_short_video", False),
        (DESKTOP_UA, "desktop", False),
        ("", "bot_or_unknown", False),  # unknown, not a bot
        (None, "bot_or_unknown", False),
    ],
)  # fmt: skip
def test_user_agents_bots_by_a_maintained_list_and_blank_is_not_a_bot(agent, device, bot_reason):
    from concerted.lenses.signups.live import identify, reasons_of

    t = pa.table({"user_agent": pa.array([agent] * 2, pa.string()), "name": ["A Bc", "D Ef"]})
    r = score_signups(t, bootstrap=0)
    assert r.registrations["device"][0].as_py() == device
    assert ("device_bot" in r.registrations["reasons"][0].as_py()) == bot_reason
    who = identify({"user_agent": agent})
    assert DEVICES[who.device] == device
    live = reasons_of({}, surge=0, channel=0, device=who.device, duplicate=False,
                      agent_given=who.agent_given)  # fmt: skip
    assert ("device_bot" in live) == bot_reason


def test_signals_flag_a_number_given_by_several_people():
    t = pa.table(
        {
            "name": ["Ann Lee", "Bob Ray", "Cy Fox", "Ann Lee"],
            "email": ["a@x.com", "b@x.com", "c@x.com", "a@x.com"],
            "phone": ["918 596 0134", "(918) 596-0134", "918 596 0135", "918 596 0134"],
        }
    )
    s = compute_signals(t)
    assert s.features["phone_reused"].tolist() == [1, 1, 0, 1]
    assert s.person.tolist() == [0, 1, 2, 0]


def test_signals_use_what_is_there():
    s = compute_signals(pa.table({"email": ["a@mailinator.com", "b@gmail.com"]}))
    assert s.features["email"].tolist() == [3, 0]
    assert s.features["name"].tolist() == [1, 1]
    assert s.features["phone"].tolist() == [1, 1]
    assert [CHANNELS[c] for c in s.channel] == ["direct", "direct"]


def test_signals_do_not_modify_the_input():
    t = hand_table()
    before = t.to_pylist()
    compute_signals(t, venue_postcode="74103")
    assert t.to_pylist() == before


# -- surges --------------------------------------------------------------------------------------


def test_surge_marks_a_wave_and_not_a_steady_channel():
    rng = np.random.default_rng(1)
    steady = rng.uniform(0, 5 * 86400, 3000)
    wave = 3 * 86400 + rng.exponential(1800, 400)
    times = np.r_[steady, wave]
    cells = np.r_[np.zeros(3000, int), np.ones(400, int)]
    # The wave's cell also has a trickle of organic registrations.
    trickle = rng.uniform(0, 5 * 86400, 100)
    times = np.r_[times, trickle]
    cells = np.r_[cells, np.ones(100, int)]
    s = measure_surges(times, cells, 2)
    assert s.ratio[:3000].mean() < 0.05
    assert s.ratio[3000:3400].mean() > 0.85
    assert np.median(s.ratio[3400:]) == 0


def test_surge_weights_count_registrations_as_if_repeated():
    # The bootstrap counts each registration a random number of times; a weight of k must be
    # the same as the registration k times over.
    rng = np.random.default_rng(1)
    times = np.r_[rng.uniform(0, 4 * 86400, 1500), 2 * 86400 + rng.uniform(0, 3600, 200)]
    cells = rng.integers(0, 3, times.size)
    w = rng.poisson(1.0, times.size)
    w[[times.argmin(), times.argmax()]] = 1  # the same span either way
    weighted = measure_surges(times, cells, 3, weights=w.astype(float))
    repeated = measure_surges(np.repeat(times, w), np.repeat(cells, w), 3)
    assert np.array_equal(weighted.counts, repeated.counts)
    assert np.allclose(weighted.ratio[w > 0], repeated.ratio[np.cumsum(w)[w > 0] - 1])


# -- the model on a simulated log ----------------------------------------------------------------


@pytest.fixture(scope="module")
def world():
    return simulate_signups(seed=11, genuine=3000, fakes=3000, days=8)


@pytest.fixture(scope="module")
def scored(world):
    return score_signups(world.registrations, venue_postcode="74103", bootstrap=10)


def test_fakes_rank_above_genuine_people(world, scored):
    fake = np.array(world.truth["fake"].to_pylist())
    kind = np.array(world.truth["kind"].to_pylist())
    risk = scored.risk
    assert auc(risk, fake) > 0.98
    careful = (kind == "careful") | (fake == 0)
    assert auc(risk[careful], fake[careful]) > 0.97
    assert np.median(risk[kind == "genuine"]) < 0.05
    assert np.median(risk[kind == "careful"]) > 0.9


def test_risk_is_calibrated(world, scored):
    fake = np.array(world.truth["fake"].to_pylist(), dtype=float)
    risk = scored.risk
    slot = np.minimum((risk * 10).astype(int), 9)
    gaps = np.abs(np.bincount(slot, risk, 10) - np.bincount(slot, fake, 10))
    assert gaps.sum() / risk.size < 0.02  # expected calibration error over 10 bins
    # The uncertain ones: as many fakes among them as their risks add up to, within the spread
    # of a sum of Bernoulli draws with those risks.
    mid = (risk > 0.1) & (risk < 0.9)
    assert mid.sum() >= 30
    z = (fake[mid].sum() - risk[mid].sum()) / np.sqrt((risk[mid] * (1 - risk[mid])).sum())
    assert abs(z) < 3


def test_duplicates_of_genuine_people_are_marked_duplicate(world, scored):
    kind = np.array(world.truth["kind"].to_pylist())
    verdict = np.array(scored.registrations["verdict"].to_pylist())
    assert (verdict[kind == "duplicate"] == "duplicate").mean() > 0.95
    assert (verdict[kind == "genuine"] == "genuine").mean() > 0.95


def test_genuine_estimate_is_close_and_its_interval_holds_the_truth(world, scored):
    fake = np.array(world.truth["fake"].to_pylist())
    truth = len(set(scored.signals.person[fake == 0].tolist()))
    s = scored.summary
    assert abs(s["genuine_estimate"] - truth) / truth < 0.05
    assert s["genuine_low"] <= truth <= s["genuine_high"]
    assert s["turnout_low"] < s["turnout_estimate"] < s["turnout_high"]
    assert s["turnout_estimate"] == pytest.approx(0.5 * s["genuine_estimate"], abs=0.2)


@pytest.mark.parametrize(
    ("seed", "size"),
    [(21, {"genuine": 1500, "fakes": 4500, "days": 5}), (22, {"genuine": 5000, "fakes": 1000})],
)
def test_genuine_interval_holds_the_truth_off_the_default_world(seed, size):
    # Other sizes and fake shares than the module's world: the interval must widen with what
    # is estimated there, not only hold on the world it was tuned on.
    world = simulate_signups(seed=seed, **size)
    r = score_signups(world.registrations, venue_postcode="74103", bootstrap=10, seed=seed)
    fake = np.array(world.truth["fake"].to_pylist())
    truth = len(set(r.signals.person[fake == 0].tolist()))
    s = r.summary
    assert abs(s["genuine_estimate"] - truth) / truth < 0.05
    assert s["genuine_low"] <= truth <= s["genuine_high"], (
        s["genuine_low"],
        truth,
        s["genuine_high"],
    )


def test_surges_are_found_where_the_calls_were(world, scored):
    starts = [w["start"] for w in scored.summary["surges"]]
    for call in world.calls:
        assert any(call - 3600 <= s <= call + 3 * 3600 for s in starts), (call, starts)


def test_show_rate_is_checked_and_used(world):
    with pytest.raises(ParameterError, match="show_rate"):
        score_signups(world.registrations.slice(0, 50), show_rate=1.5, bootstrap=0)
    r = score_signups(world.registrations.slice(0, 500), show_rate=0.3, bootstrap=0)
    s = r.summary
    assert s["turnout_estimate"] == pytest.approx(0.3 * s["genuine_estimate"], abs=0.2)
    assert s["show_rate_low"] == s["show_rate_high"] == 0.3


def test_a_registration_dated_far_away_is_left_out_of_timing(world, scored):
    # One registration typed as the year 2100: the timeline must not stretch to it (it used to
    # allocate 80 years of 15-minute bins and fail), and every other score stays the same.
    t = world.registrations
    times = t["time"].to_numpy().copy()
    times[-1] = 4_102_444_800.0  # 2100-01-01
    r = score_signups(t.set_column(t.column_names.index("time"), "time", pa.array(times)),
                      venue_postcode="74103", bootstrap=10)  # fmt: skip
    notes = " ".join(r.summary["notes"])
    assert "1 registration(s) dated far outside the others" in notes
    assert f"(row {t.num_rows})" in notes  # no file rows: its position
    assert r.summary["last_time"] == pytest.approx(times[:-1].max())
    assert r.timeline["by_channel"].shape[1] <= scored.timeline["by_channel"].shape[1]
    # The others are scored as if it were not there.
    without = score_signups(t.slice(0, t.num_rows - 1), venue_postcode="74103", bootstrap=0)
    assert (np.abs(r.risk[:-1] - without.risk) > 0.05).mean() < 0.001
    keys = ("start", "end", "registrations")
    assert [[w[k] for k in keys] for w in r.summary["surges"]] == [
        [w[k] for k in keys] for w in without.summary["surges"]
    ]


def test_many_registrations_dated_1970_are_left_out_of_timing(world, scored):
    # 3 % of the rows with a blank date read as 1970 and one typed as year 9999: more than the
    # 1 % the robust span allows for, so the span alone would stretch over 8,000 years of bins.
    t = world.registrations
    times = t["time"].to_numpy().copy()
    wrong = np.arange(0, t.num_rows, 33)
    times[wrong] = 0.0
    times[1] = 253_402_300_000.0
    r = score_signups(t.set_column(t.column_names.index("time"), "time", pa.array(times)),
                      venue_postcode="74103", bootstrap=0)  # fmt: skip
    notes = " ".join(r.summary["notes"])
    assert f"{wrong.size + 1:,} registration(s) dated far outside the others" in notes
    assert r.summary["first_time"] > 1e9
    assert r.timeline["by_channel"].shape[1] <= scored.timeline["by_channel"].shape[1]
    fake = np.array(world.truth["fake"].to_pylist())
    assert auc(r.risk, fake) > 0.98


def test_a_log_without_time_is_scored_from_identity_alone(world):
    # Six registrations, no time: too few for the model to learn anything, yet the obvious
    # fakes (Donald Duck on a disposable address; a random name with an invalid number; an
    # invalid address from a script) are suspect, and Mary is genuine (they used to be all
    # genuine).
    r = score_signups(hand_table(), bootstrap=0)
    assert "no time column" in " ".join(r.summary["notes"])
    ids, verdicts = r.registrations["id"].to_pylist(), r.registrations["verdict"].to_pylist()
    verdict = dict(zip(ids, verdicts, strict=True))
    assert verdict == {"g1": "genuine", "g1b": "duplicate", "d1": "suspect", "r1": "suspect",
                       "f1": "genuine", "e1": "suspect"}  # fmt: skip
    # A whole log without its time column still tells fakes from genuine people by identity,
    # channel and device.
    r = score_signups(world.registrations.drop_columns(["time"]), bootstrap=0)
    fake = np.array(world.truth["fake"].to_pylist())
    kind = np.array(world.truth["kind"].to_pylist())
    verdict = np.array(r.registrations["verdict"].to_pylist())
    assert auc(r.risk, fake) > 0.99
    assert (verdict[kind == "obvious"] == "suspect").mean() > 0.95
    assert (verdict[kind == "genuine"] == "suspect").mean() < 0.05


def test_simulated_log_is_reproducible():
    a = simulate_signups(seed=5, genuine=200, fakes=100, days=3)
    b = simulate_signups(seed=5, genuine=200, fakes=100, days=3)
    assert a.registrations.equals(b.registrations) and a.truth.equals(b.truth)
    kinds = set(a.truth["kind"].to_pylist())
    assert kinds == {"genuine", "duplicate", "obvious", "careful"}


def test_simulate_rejects_bad_parameters():
    with pytest.raises(ParameterError, match="days"):
        simulate_signups(days=0)
    with pytest.raises(ParameterError, match="unknown parameter"):
        simulate_signups(people=3)


# -- loading -------------------------------------------------------------------------------------


def test_load_registrations_maps_known_names_and_sorts_by_time(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text(
        "registration_id,created_at,First_Name,Last_Name,Email_Address,mobile,zip\n"
        "b,2020-06-10T12:00:05Z,Ann,Lee,ann@x.com,9185960134,74103\n"
        "a,1591790400,Bob,Ray,bob@x.com,9185960135,74104\n"
    )
    t = load_registrations(path)
    assert t["id"].to_pylist() == ["a", "b"]
    assert t["time"].to_pylist() == [1591790400.0, 1591790405.0]
    assert t["name"].to_pylist() == ["Bob Ray", "Ann Lee"]
    assert t["phone"].to_pylist() == ["9185960135", "9185960134"]
    assert "referrer" not in t.column_names


def test_load_registrations_explicit_map(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("when,who\n2020-06-10T12:00:00Z,a@x.com\n")
    t = load_registrations(path, mapping={"time": "when", "email": "who"})
    assert t["email"].to_pylist() == ["a@x.com"] and t["id"].to_pylist() == ["1"]


def test_load_registrations_bad_time_names_row_and_column(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("id,time,email\n1,2020-06-10T12:00:00Z,a@x.com\n2,tomorrow,b@x.com\n")
    with pytest.raises(
        SchemaError,
        match=r"column 'time' has 1 value\(s\) that are not a time \(row 2: 'tomorrow'\)",
    ):
        load_registrations(path)


def test_load_registrations_no_usable_column(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("foo,bar\n1,2\n")
    with pytest.raises(SchemaError, match="none of the columns the sign-up lens reads.*--map"):
        load_registrations(path)


def test_load_registrations_map_to_missing_column(tmp_path):
    path = tmp_path / "form.csv"
    path.write_text("time,email\n1591790400,a@x.com\n")
    with pytest.raises(SchemaError, match="no column 'mail'.*--map email=mail"):
        load_registrations(path, mapping={"email": "mail"})
    with pytest.raises(ParameterError, match="not a registration column"):
        load_registrations(path, mapping={"actor": "email"})


def test_load_registrations_uses_any_part_of_a_split_name(tmp_path):
    first_only = tmp_path / "first.csv"
    first_only.write_text(
        "id,first_name,email\n1,Mary,mary@gmail.com\n2,,x@gmail.com\n3,Xkqzt,q@gmail.com\n"
    )
    t = load_registrations(first_only)
    assert t["name"].to_pylist() == ["Mary", None, "Xkqzt"]  # used to be dropped
    # A one-word name is what the form asked for, not a tell; a random string still is.
    assert compute_signals(t).features["name"].tolist() == [0, 1, 3]
    both = tmp_path / "both.csv"
    both.write_text("id,First_Name,Surname\n1,Mary,Smith\n2,,Jones\n3,Ann,\n4,,\n")
    t = load_registrations(both)
    assert t["name"].to_pylist() == ["Mary Smith", "Jones", "Ann", None]
    assert compute_signals(t).features["name"].tolist() == [0, 3, 3, 1]


def test_bad_show_rate_and_bootstrap_are_refused_before_any_work(monkeypatch):
    # On a million rows the refusal used to come after a minute of scoring.
    from concerted.lenses.signups import lens

    def no_work(*args, **kwargs):
        raise AssertionError("scored before checking the parameters")

    monkeypatch.setattr(lens, "compute_signals", no_work)
    with pytest.raises(ParameterError, match=r"show_rate \(--show-rate\) must be in \(0, 1\]"):
        score_signups(hand_table(), show_rate=0)
    with pytest.raises(ParameterError, match=r"bootstrap \(--bootstrap\) must be >= 0"):
        score_signups(hand_table(), bootstrap=-1)


def test_registrations_follow_the_lens_declaration(scored):
    # The lens declares its table once (concerted.results.table_schema), as the detector does.
    declared = REGISTRATIONS.names
    assert scored.registrations.column_names == declared  # the simulated log has every column
    assert all(f.metadata[b"doc"] for f in REGISTRATIONS)
    bare = score_signups(pa.table({"time": [0.0, 60.0, 120.0]}), bootstrap=0)
    assert bare.registrations.column_names == [
        "id", "risk", "verdict", "reasons", "person", "time", "channel", "device"
    ]  # fmt: skip
    with pytest.raises(SchemaError, match="registrations table does not follow"):
        check_declared(REGISTRATIONS, bare.registrations.select(["risk", "id"]), "registrations")
