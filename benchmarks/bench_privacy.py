"""Speed and false positives of the pseudonymisation of texts (:mod:`concerted.privacy`).

Prints:

* the time :func:`~concerted.privacy.pseudonymise_column` takes on a column of 1,000,000 short,
  distinct posts (mentions, hashtags, links; 1% with a time, a price or a year, 0.1% with an
  e-mail address, a phone number or an IP address), and on 100,000 posts that all hold digits;
* on the real data of ``/work/shared/data`` (or ``--data``): every value of every column, read as
  text, and sentences built from each row (ids, Unix and ISO times, prices, dates, version
  strings, URLs), with how many values the pseudonymisation changed and the first of them, so a
  person can check that none is ordinary data.

Run with ``.venv/bin/python benchmarks/bench_privacy.py [--rows 1000000]``.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import random
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from concerted.privacy import new_key, pseudonymise_column

ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


def posts(n: int, seed: int = 1) -> list[str]:
    """``n`` distinct short posts, most without any digits, a few with personal data."""
    rng = random.Random(seed)
    words = "rally today vote now share this truth media they lie join us tonight".split()
    out = []
    for i in range(n):
        link = "".join(rng.choices(ALNUM, k=10))  # t.co links are ten base-62 characters
        text = (
            f"RT @user{rng.randrange(50_000)}: {' '.join(rng.choices(words, k=6))} "
            f"#tag{rng.randrange(300)} https://t.co/{link} {i:x}"
        )
        r = rng.random()
        if r < 0.001:
            text += rng.choice(
                [" mail jo.doe@example.com", " call (918) 450-5767", " from 192.0.2.44"]
            )
        elif r < 0.011:
            text += rng.choice(
                [" at 10:30", " only $12.99", " since 2021", " on 2021-01-17", " 1623881091"]
            )
        out.append(text)
    return out


def timed(column: pa.Array, key: bytes) -> tuple[float, int]:
    started = time.perf_counter()
    out = pseudonymise_column(column, key)
    seconds = time.perf_counter() - started
    return seconds, pc.sum(pc.not_equal(column, out).cast(pa.int64())).as_py() or 0


def speed(rows: int, key: bytes) -> None:
    column = pa.array(posts(rows), pa.string())
    seconds, changed = timed(column, key)
    print(
        f"{rows:,} short posts: {seconds:.2f} s ({seconds / rows * 1e6:.2f} µs a post), "
        f"{changed:,} changed"
    )
    rng = random.Random(2)
    digits = pa.array(
        [
            f"post {rng.randrange(10**18, 10**19)} at {rng.randrange(10**9, 2 * 10**9)} "
            f"for {rng.randrange(10**6)}.99 call 0{rng.randrange(10**9, 10**10)}"
            for _ in range(rows // 10)
        ]
    )
    seconds, changed = timed(digits, key)
    print(
        f"{len(digits):,} posts that all hold an id, a time, a price and a phone-like number: {seconds:.2f} s "
        f"({seconds / len(digits) * 1e6:.0f} µs a post), {changed:,} changed"
    )


def real_data(folder: Path, key: bytes) -> None:
    for path in sorted(folder.glob("*.csv.gz")):
        names = pacsv.read_csv(path).column_names
        table = pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string())),
        )
        for name in names:
            column = pc.drop_null(table[name]).combine_chunks()
            seconds, changed = timed(column, key)
            print(
                f"{path.name} {name}: {len(column):,} values, {changed} changed ({seconds:.2f} s)"
            )
        column = pa.array([_sentence(row) for row in table.to_pylist()], pa.string())
        out = pseudonymise_column(column, key)
        changed = pc.not_equal(column, out)
        n = pc.sum(changed.cast(pa.int64())).as_py() or 0
        print(f"{path.name} sentences: {len(column):,}, {n} changed, e.g. {column[0]}")
        for before in column.filter(changed).to_pylist()[:10]:
            print("   changed:", before)


def _sentence(row: dict) -> str:
    """A post built from one row's ids and time, the way ordinary data sits in texts."""
    values = [v for v in row.values() if v]
    ts = next((float(v) for v in values if "." in v), 1629589836.0)
    when = datetime.datetime.fromtimestamp(ts, datetime.timezone.utc)
    first = values[0]
    number = int(hashlib.sha256(first.encode()).hexdigest()[:6], 16)
    return (
        f"{' '.join(values)} at {when:%Y-%m-%d %H:%M:%S} ({ts}, {int(ts * 1000)} ms, {when:%d.%m.%Y}) "
        f"https://example.com/{first}/status/{number * 10**13} for {number / 100:.2f} EUR, "
        f"v{number % 9}.{number % 7}.{number % 13}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=Path("/work/shared/data"))
    args = parser.parse_args()
    key = new_key()
    speed(args.rows, key)
    if args.data.is_dir():
        real_data(args.data, key)


if __name__ == "__main__":
    main()
