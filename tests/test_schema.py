from concerted import make_log


def test_make_log_keeps_columns_missing_from_the_first_row():
    log = make_log(
        [
            {"actor": "A", "object": "p1", "time": 0.0},
            {"actor": "b", "object": "p1", "time": 5.0, "source": "A", "text": "RT @A"},
        ]
    )
    assert log.table["source"].to_pylist() == [None, "A"]
    assert log.table["text"].to_pylist() == [None, "RT @A"]
