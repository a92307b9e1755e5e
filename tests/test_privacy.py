"""Pseudonymisation of personal data: what is found (and what is not), in every output and in
the store."""

from __future__ import annotations

import html
import json

import phonenumbers
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from concerted import CoAction, detect, make_log
from concerted.errors import ParameterError
from concerted.outputs import FORMATS, write_results
from concerted.privacy import (
    find_personal_data,
    pseudonym,
    pseudonymise_column,
    pseudonymise_text,
)
from concerted.store import detect_store, export_evidence, ingest, load_store_log

KEY = b"k" * 32

# text -> the (kind, canonical form) found in it. The canonical form is what is hashed: the same
# person written two ways gets one pseudonym.
PERSONAL = [
    ("2001:db8::7", [("ip", "2001:db8::7")]),
    ("from 2001:DB8:0:0:0:0:0:7 again", [("ip", "2001:db8::7")]),
    ("via ::ffff:192.0.2.1 today", [("ip", "192.0.2.1")]),
    ("ip:192.0.2.44", [("ip", "192.0.2.44")]),
    ("10.1.2.3", [("ip", "10.1.2.3")]),
    ("[2001:db8::1]:443", [("ip", "2001:db8::1")]),
    ("http://192.0.2.1:8080/admin", [("ip", "192.0.2.1")]),
    ("a dotted quad is an address: 1.2.3.4", [("ip", "1.2.3.4")]),
    ("9184505767", [("phone", "+19184505767")]),
    ("(918)4505767", [("phone", "+19184505767")]),
    ("call (918) 450-5767.", [("phone", "+19184505767")]),
    ("918.450.5767", [("phone", "+19184505767")]),
    ("1-918-450-5767", [("phone", "+19184505767")]),
    ("+1 918 450 5767", [("phone", "+19184505767")]),
    ("020 7946 0958", [("phone", "+442079460958")]),
    ("+44 20 7946 0958", [("phone", "+442079460958")]),
    ("06 12 34 56 78", [("phone", "+33612345678")]),
    ("06.12.34.56.78", [("phone", "+33612345678")]),
    ("0033 6 12 34 56 78", [("phone", "+33612345678")]),
    ("call 011 33 6 12 34 56 78", [("phone", "+33612345678")]),
    ("8 918 450-57-67", [("phone", "+79184505767")]),
    ("Tel. 030 1234567", [("phone", "+49301234567")]),
    ("+49 151 12345678", [("phone", "+4915112345678")]),
    ("+91 98765 43210", [("phone", "+919876543210")]),
    ("tel:+33612345678", [("phone", "+33612345678")]),
    ("user@exämple.com", [("email", "user@exämple.com")]),
    ("Jörg.Müller@Exämple.de", [("email", "jörg.müller@exämple.de")]),
    (
        "mailto:jo.doe+tag@mail.example.co.uk?subject=x",
        [("email", "jo.doe+tag@mail.example.co.uk")],
    ),
    ("ask 用户@例子.中国 now", [("email", "用户@例子.中国")]),
    (
        "mail a@b.org, call +1 918 450 5767 from 2001:db8::7",
        [("email", "a@b.org"), ("phone", "+19184505767"), ("ip", "2001:db8::7")],
    ),
    ("9184505767@txt.att.net", [("email", "9184505767@txt.att.net")]),
    (  # numbers far apart, one after a long word: each is read in a window of its own
        "call 020 7946 0958 " + "x" * 80 + " or 06 12 34 56 78 or (918)4505767",
        [("phone", "+442079460958"), ("phone", "+33612345678"), ("phone", "+19184505767")],
    ),
]

# Ordinary data that must come out exactly as it went in.
ORDINARY = [
    "1356312345678901234",  # a tweet id
    "post 1356312345678901234 retweeted",
    "https://twitter.com/someone/status/1356312345678901234",
    "https://www.facebook.com/groups/9184505767/posts/2125551234",  # ids in a URL path
    "https://example.com/?id=9184505767",
    "1623881091",  # Unix times
    "at 1623881091 and 1629589836.0",
    "1629589836123 ms",
    "2021-01-17T10:30:45Z",
    "2021-01-17 10:30:45 +0100",
    "Tue, 03 Mar 2019 14:02:11 -0700",
    "17.01.2021",
    "12:30:45",
    "2021",
    "in 2020, 2021 and 2022",
    "$1,299.99",
    "€ 1.299,99",
    "1 000 000",
    "1,234,567,890",
    "0.1234567890",
    "p = 0.0582564069663",  # a decimal whose digits read as a number dialled with 00 58
    "0.0232839774828",
    "v1.2.3.4",
    "version 10.0.19041.1",
    "1.2.3.4.5",
    "#2021 #vote",
    "RT @user123: hello",
    "@someone hi",
    "lodash@4.17.21",
    "logo@2x.png",
    "ISBN 978-3-16-148410-0",
    "MA 02110-1301",
    "std::vector and Foo::Bar",
    "dead::beef",
    "::",
    "127.0.0.1 and 0.0.0.0 and ::1",  # loopback and unspecified name no one
    "255.255.255.0",
    "0fb4232d1b7b37069c13ee17579bd10e",  # a hashed id
    "fb_12670",
    "x9184505767",
    "9184505767y",
    "<phone:9184505767>",  # a pseudonym whose digest is all digits
    "<email:1234567890>",
    "p:12345678901234567890",  # the store's actor pseudonym
    "p:6664a42048c6d6d7fe36",
    "0612345",  # too short to be a number without its country code
]


@pytest.mark.parametrize(("text", "expected"), PERSONAL)
def test_find_personal_data_finds_each_kind_as_written(text, expected):
    found = find_personal_data(text)
    assert [(kind, canonical) for _, _, kind, canonical in found] == expected
    hidden = pseudonymise_text(text, KEY)
    for start, end, kind, canonical in found:
        assert text[start:end] not in hidden
        assert pseudonym(kind, canonical, KEY) in hidden


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_data_is_left_as_it_is(text):
    assert find_personal_data(text) == []
    assert pseudonymise_text(text, KEY) == text
    assert pseudonymise_column(pa.array([text]), KEY).to_pylist() == [text]


def test_one_person_written_two_ways_gets_one_pseudonym():
    same = [
        ("(918) 450-5767", "+1 918 450 5767", "9184505767"),
        ("06 12 34 56 78", "+33 6 12 34 56 78", "0033612345678"),
        ("192.0.2.1", "::ffff:192.0.2.1"),
        ("2001:db8::7", "2001:DB8:0:0:0:0:0:7"),
        ("Jo.Doe@Example.com", "jo.doe@example.com"),
    ]
    for writings in same:
        assert len({pseudonymise_text(w, KEY) for w in writings}) == 1, writings
    assert pseudonymise_text("9184505767", KEY) != pseudonymise_text("9184505768", KEY)
    assert pseudonymise_text("9184505767", KEY) != pseudonymise_text("9184505767", b"j" * 32)


def test_pseudonymising_twice_changes_nothing_more():
    text = "mail a@b.org, call 020 7946 0958 or +1 918 450 5767 from 192.0.2.1 and 2001:db8::7"
    once = pseudonymise_text(text, KEY)
    assert pseudonymise_text(once, KEY) == once
    assert once.count("<") == 5


def test_a_bare_number_is_an_id_in_an_id_column_and_a_phone_in_a_text():
    assert pseudonymise_text("9184505767", KEY, ids=True) == "9184505767"
    assert pseudonymise_text("9184505767", KEY) == pseudonym("phone", "+19184505767", KEY)
    # Written as a phone number, it is one wherever it is.
    assert pseudonymise_text("(918) 450-5767", KEY, ids=True) == pseudonymise_text(
        "(918) 450-5767", KEY
    )


def test_phone_regions_decide_the_national_formats_recognised():
    assert pseudonymise_text("06 12 34 56 78", KEY, regions=("US",)) == "06 12 34 56 78"
    assert pseudonymise_text("+33 6 12 34 56 78", KEY, regions=("US",)) != "+33 6 12 34 56 78"
    # Valid in Germany too, but not grouped the German way: French, whatever the order.
    assert find_personal_data("06 12 34 56 78", regions=("DE",)) == []
    assert find_personal_data("06 12 34 56 78", regions=("DE", "FR")) == [
        (0, 14, "phone", "+33612345678")
    ]
    with pytest.raises(ParameterError, match="Unknown phone region 'XX'"):
        pseudonymise_text("06 12 34 56 78", KEY, regions=("XX",))


def test_pseudonymise_column_matches_the_text_function_and_keeps_its_input():
    values = [t for t, _ in PERSONAL] + ORDINARY + [None, ""]
    column = pa.chunked_array([values[:10], values[10:]], pa.string())
    before = column.to_pylist()
    out = pseudonymise_column(column, KEY)
    assert out.to_pylist() == [pseudonymise_text(v, KEY) for v in values]
    assert column.to_pylist() == before
    large = pseudonymise_column(pa.array(values, pa.large_string()), KEY)
    assert large.type == pa.large_string() and large.to_pylist() == out.to_pylist()
    dictionary = pseudonymise_column(pa.array(values).dictionary_encode(), KEY)
    assert dictionary.to_pylist() == out.to_pylist()
    assert pseudonymise_column(pa.array([], pa.string()), KEY).to_pylist() == []


def test_the_phone_matcher_never_runs_on_ordinary_posts(monkeypatch):
    """The cheap filters keep the common case out of libphonenumber (what keeps a 1M-row log
    fast: benchmarks/bench_privacy.py)."""
    calls = []
    real = phonenumbers.PhoneNumberMatcher

    def counting(*args, **kwargs):
        calls.append(args[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(phonenumbers, "PhoneNumberMatcher", counting)
    posts = [
        f"RT @user{i}: vote now #tag{i % 7} https://t.co/aB3dE{i:05d} at 10:{i % 60:02d} "
        f"in 2021, {i}.99 $, id 1356312345678{i:06d}, time {1623881091 + i}"
        for i in range(5000)
    ]
    out = pseudonymise_column(pa.array(posts), KEY)
    assert out.to_pylist() == posts
    assert calls == []
    pseudonymise_column(pa.array(["call (918) 450-5767"]), KEY)
    assert calls == [" (918) 450-5767"]  # the US matcher, on the number's window only


# Every kind of the issue, in actors, in objects and in texts.
ACTORS = ("jo.doe@example.com", "2001:db8::7", "+44 20 7946 0958", "plain")
SECRETS = (
    "jo.doe@example.com",
    "2001:db8::7",
    "7946 0958",
    "user@exämple.com",
    "ffff:192.0.2.1",
    "9184505767",
    "4505767",
    "12 34 56 78",
    "192.0.2.44",
)


def personal_rows():
    objects = (
        "mailto:user@exämple.com",
        "https://example.com/status/1356312345678901234",
        "#vote2021",
    )
    return [
        {
            "actor": a,
            "object": o,
            "time": float(t + d),
            "text": f"call 9184505767 or (918)4505767 or 06 12 34 56 78, ip:192.0.2.44, "
            f"::ffff:192.0.2.1 #vote2021 at 1623881091 for $12.99 on {o}",
        }
        for o, t in zip(objects, (0, 900, 1800), strict=True)
        for a, d in zip(ACTORS, (0, 2, 4, 6), strict=True)
    ]


def test_no_personal_datum_reaches_any_output_format(tmp_path):
    result = detect(
        make_log(personal_rows()), detector=CoAction(window_seconds=10, significance=False)
    )
    assert result.actors.num_rows == 4  # everyone is in the group: every table holds them all
    hidden = write_results(result, tmp_path / "hidden", formats=FORMATS)
    assert set(FORMATS) <= {p.suffix.lstrip(".") for p in hidden.values()}
    every_file = {
        name: p.read_text("utf-8")
        if p.suffix != ".parquet"
        else json.dumps(pq.read_table(p).to_pylist(), default=str, ensure_ascii=False)
        for name, p in hidden.items()
    }
    for name, content in every_file.items():
        for secret in SECRETS:
            assert secret not in content, (name, secret)
    # Ordinary data in the same cells survives, and the same person reads the same everywhere.
    for kept in ("1356312345678901234", "#vote2021", "1623881091", "$12.99", "plain"):
        assert kept in every_file["evidence.json"] + every_file["report.html"], kept
    actors = pq.read_table(hidden["actors.parquet"])["actor"].to_pylist()
    email = next(a for a in actors if a.startswith("<email:"))  # the run's key is random
    for name in ("edges.csv", "evidence.json", "graph.graphml", "graph.gexf", "report.html"):
        assert html.escape(email) in every_file[name] or email in every_file[name], name
    shown = write_results(result, tmp_path / "shown", reveal=True, formats=("csv",))
    assert "user@exämple.com" in shown["evidence.csv"].read_text("utf-8")
    assert "2001:db8::7" in shown["actors.csv"].read_text("utf-8")


def write_personal_log(path):
    rows = personal_rows()
    lines = ["actor,object,time,text"]
    lines += [f'"{r["actor"]}","{r["object"]}",{r["time"]},"{r["text"]}"' for r in rows]
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_store_pseudonymises_texts_objects_and_actors_with_its_salt(tmp_path):
    folder, salt = tmp_path / "project", tmp_path / "salt"
    log = write_personal_log(tmp_path / "log.csv")
    ingest(log, folder, snapshot_time=5000, pseudonymise=True, salt_file=salt)
    stored = load_store_log(folder).table
    everything = json.dumps(stored.to_pylist(), ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in everything, secret
    key = salt.read_bytes().strip()
    # The store's pseudonyms are those of concerted.privacy with the salt as key.
    original = {r["text"] for r in personal_rows()}
    assert set(stored["text"].to_pylist()) == {pseudonymise_text(t, key) for t in original}
    assert f"mailto:{pseudonym('email', 'user@exämple.com', key)}" in stored["object"].to_pylist()
    assert "#vote2021" in stored["object"].to_pylist()
    # Evidence packs are taken verbatim from the store: they hold the pseudonyms too.
    detect_store(folder, detector=CoAction(window_seconds=10, significance=False))
    pack = export_evidence(folder, 1, tmp_path / "pack")
    packed = "".join(p.read_text("utf-8", errors="replace") for p in pack.rglob("*") if p.is_file())
    assert pseudonym("phone", "+19184505767", key) in packed
    for secret in SECRETS:
        assert secret not in packed, secret


def test_store_without_pseudonymise_keeps_texts_as_written(tmp_path):
    log = write_personal_log(tmp_path / "log.csv")
    ingest(log, tmp_path / "project", snapshot_time=5000)
    texts = load_store_log(tmp_path / "project").table["text"].to_pylist()
    assert all("9184505767" in t for t in texts)
