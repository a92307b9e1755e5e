import pytest

from concerted.extract import extract_objects, normalize_url


@pytest.mark.parametrize(
    "url, expected",
    [
        ("HTTPS://www.Example.com/a/?utm_source=x&b=2&a=1#top", "example.com/a?a=1&b=2"),
        ("http://example.com/", "example.com"),
        ("www.example.com/path?fbclid=abc", "example.com/path"),
        ("https://example.com:8080/x", "example.com:8080/x"),
        ("https://example.com/x).", "example.com/x"),
    ],
)
def test_normalize_url(url, expected):
    assert normalize_url(url) == expected


def test_extract_objects_kinds_and_case_folding():
    text = "Go #Tulsa #TULSA https://www.x.com/r?utm_source=tt#frag @Bob mail a@b.com #日本"
    assert extract_objects(text) == [
        "hashtag:#tulsa",
        "hashtag:#tulsa",
        "url:x.com/r",
        "mention:@bob",
        "hashtag:#日本",
    ]
    assert extract_objects(text, ("mentions",)) == ["mention:@bob"]
    assert extract_objects(None) == []


def test_objects_table_finds_what_extract_objects_finds():
    # DuckDB's RE2 finds the matches for a whole log; it must agree with the Python patterns
    # on every text, however hostile: random texts from pieces that sit on the patterns' edges.
    import random

    import duckdb
    import pyarrow as pa

    from concerted.extract import objects_table

    pieces = [
        "#Tulsa", "#TULSA", "#Straße", "#日本", "#a#b", "café#x", "C#", "&#39;", "#", "##x",
        "@Bob", "a@b.com", "@x.y", "(@Alice)", "@_", "x@", "https://www.x.com/r?utm_source=tt#frag",
        "http://u@h.com/#x", "www.Ex.com/a/?b=2&a=1", "https://x.com/a)", "HTTPS://X.COM",
        "\u00a0#nbsp", "#tab\there", "«#q»", "#end.", "#1", "#_", "—@dash", " ", "\n", "word",
    ]  # fmt: skip
    rng = random.Random(7)
    texts = ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) for _ in range(5000)]
    con = duckdb.connect()
    con.register("t", pa.table({"row": list(range(len(texts))), "text": texts}))
    found = objects_table(con, "t")
    got = {}
    for row, obj in zip(found["row"].to_pylist(), found["object"].to_pylist(), strict=True):
        got.setdefault(row, set()).add(obj)
    for i, text in enumerate(texts):
        assert got.get(i, set()) == set(extract_objects(text)), text
    assert found.num_rows == sum(len(set(extract_objects(t))) for t in texts)


def test_normalize_url_shortcut_gives_what_urlsplit_gives():
    # Plain links take a shortcut past urlsplit: it must give the same answer on every link.
    import random

    from concerted.extract import _SIMPLE_URL, _split_url

    parts = [
        "http://", "https://", "HTTPS://", "www.", "WWW.", "x", "X", "-", ".", "com", "/", "//",
        "a", "%20", "é", "?", "#", "@", ":", "80", ";", "_", "~", "\x01", "'", ")",
    ]  # fmt: skip
    rng = random.Random(3)
    checked = 0
    for _ in range(20000):
        url = "".join(rng.choice(parts) for _ in range(rng.randint(1, 7))).strip()
        url = url.rstrip(".,;:!?)]}'\"…")
        if url and _SIMPLE_URL.match(url):
            checked += 1
            assert normalize_url(url) == _split_url(url), url
    assert checked > 500
