"""Importers: the files researchers and platforms have, read as the canonical log.

An export is not a tidy ``actor, object, time`` table: which field is the object depends on the
kind of each record (a retweet acts on the retweeted post, an original on itself), and the
field the null model needs most, who authored what was reshared, has a name of its own in each
format. An importer knows one format: it recognises a file from its first bytes and turns each
record into ``actor, action, object, time, text, source, language`` (see
:class:`~concerted.importers.base.Importer`), which :func:`concerted.load_log` then checks and
parses as it does any file (times, messages naming the row).

To add a format: write a module here with one :class:`Importer` (its fields, from the
platform's documentation, in the module's docstring), list it in :data:`IMPORTERS`, and add a
hand-written sample to ``tests/data/importers/`` with a test of its exact rows
(``docs/importers.md`` walks through it).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ParameterError
from .base import Importer, Sample, read_sample
from .bluesky import BLUESKY
from .mastodon import MASTODON
from .twitter_io import TWITTER_IO
from .twitter_v2 import TWITTER_V2

IMPORTERS: tuple[Importer, ...] = (TWITTER_IO, TWITTER_V2, BLUESKY, MASTODON)


def find_importer(sample: Sample | str | Path) -> Importer | None:
    """The importer whose format a file is in (given its :class:`Sample`, or its path), if any.

    >>> from concerted.importers.base import Sample
    >>> columns = {"tweetid", "userid", "tweet_time", "is_retweet", "retweet_tweetid"}
    >>> find_importer(Sample("csv", frozenset(columns))).name
    'twitter-io'
    >>> find_importer(Sample("csv", frozenset({"actor", "object", "time"}))) is None
    True
    """
    if not isinstance(sample, Sample):
        sample = read_sample(sample)
    for importer in IMPORTERS:
        if importer.container == sample.container and importer.recognise(sample):
            return importer
    return None


def get_importer(name: str) -> Importer:
    """The importer ``--format NAME`` names."""
    for importer in IMPORTERS:
        if importer.name == name:
            return importer
    raise ParameterError(
        f"Unknown format {name!r}. Choose from: csv, jsonl, parquet, "
        f"{', '.join(i.name for i in IMPORTERS)}."
    )


__all__ = ["IMPORTERS", "Importer", "Sample", "find_importer", "get_importer", "read_sample"]
