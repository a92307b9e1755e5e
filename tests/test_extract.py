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
