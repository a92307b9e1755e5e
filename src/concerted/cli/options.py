"""What every command module shares: options, error handling, progress, value parsing.

A command module (the core's in :mod:`concerted.cli`, a lens's in its own package) builds its
commands from these public names and imports nothing else of the CLI, so there is no import cycle
and a new lens copies nothing::

    from concerted.cli.options import friendly_errors, input_options, quiet_option

Shared option blocks are decorators (as in sqlite-utils): ``@input_options`` adds the options
that say how to read a log, ``@quiet_option`` the ``-q/--quiet`` flag, and so on. Their help texts
are those of ``docs/cli.md``.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import click

from ..errors import ConcertedError, ParameterError
from ..io import FORMATS
from ..safetext import printable


def friendly_errors(command: Callable) -> Callable:
    """Turn the library's errors into a message a person can act on: ``Error: ...`` on stderr
    and exit code 1. Any other exception is a bug and keeps its traceback."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except ConcertedError as exc:
            # The message may quote the input (a column name, a value): its control characters
            # are shown escaped, never sent to the terminal.
            click.secho(f"Error: {printable(str(exc))}", fg="red", err=True)
            sys.exit(1)

    return wrapper


class Progress:
    """Timed progress lines on stderr (none with ``quiet``); pass it as ``progress=``. A stage
    that knows the share of the work done (:func:`concerted.progress.report`) prints it too:
    ``[   3.1s  40%] message``; the share only grows (a pipeline run inside another restarts
    its own count)."""

    takes_share = True

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.start = time.perf_counter()
        self.share: float | None = None

    def __call__(self, message: str, share: float | None = None) -> None:
        if share is not None:
            self.share = max(share, self.share or 0.0)
        if not self.quiet:
            shown = printable(message)  # it may name a file or quote the input
            done = "" if share is None else f" {round(100 * self.share):3d}%"
            click.echo(f"[{time.perf_counter() - self.start:6.1f}s{done}] {shown}", err=True)


def parse_map(values: tuple[str, ...], example: str = "actor=account_id") -> dict[str, str]:
    """``--map CANONICAL=COLUMN`` values as a mapping.

    >>> parse_map(("actor=account_id", " time = created_at "))
    {'actor': 'account_id', 'time': 'created_at'}
    """
    mapping = {}
    for value in values:
        key, sep, column = value.partition("=")
        if not sep or not key.strip() or not column.strip():
            raise ParameterError(
                f"--map takes CANONICAL=COLUMN, e.g. --map {example}. Got {value!r}."
            )
        mapping[key.strip()] = column.strip()
    return mapping


def split_list(value: str | None) -> list[str]:
    """A comma-separated option as a list, blanks dropped.

    >>> split_list("csv, parquet,,"), split_list(None)
    (['csv', 'parquet'], [])
    """
    return [v.strip() for v in value.split(",") if v.strip()] if value else []


# --- a missing extra -------------------------------------------------------------------------


# --- shared options ---------------------------------------------------------------------------


def _max_input_gb(ctx: click.Context, param: click.Parameter, value: float | None) -> None:
    """--max-input-gb: sets CONCERTED_MAX_INPUT_BYTES, which every loader reads (see
    concerted.inputs.max_input_bytes), for this command only."""
    if value is None:
        return
    if not 0.001 <= value <= 1e6:  # also refuses nan and inf
        raise click.BadParameter(f"must be a number of GB from 0.001 to 1000000. Got {value!r}.")
    from ..io import MAX_INPUT_ENV

    before = os.environ.get(MAX_INPUT_ENV)
    os.environ[MAX_INPUT_ENV] = str(int(value * 1e9))

    def restore() -> None:
        if before is None:
            os.environ.pop(MAX_INPUT_ENV, None)
        else:
            os.environ[MAX_INPUT_ENV] = before

    ctx.call_on_close(restore)


max_input_option = click.option(
    "--max-input-gb",
    type=float,
    expose_value=False,
    callback=_max_input_gb,
    help="Refuse an input holding more than this many GB of text once decompressed. Default: "
    "an eighth of the machine's memory, or CONCERTED_MAX_INPUT_BYTES.",
)

format_option = click.option(
    "--format",
    "file_format",
    type=click.Choice(FORMATS),
    help="Input format: an export format (twitter-v2, ...: see the README's table) or csv, "
    "jsonl, parquet; recognised from the content when omitted.",
)

quiet_option = click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")

port_option = click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="TCP port."
)

host_option = click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on."
)

venue_postcode_option = click.option(
    "--venue-postcode", help="The venue's US ZIP code; distance from it becomes a signal."
)


def map_option(canonical: str = "actor, action, object, time, text") -> Callable:
    """``--map CANONICAL=COLUMN`` (repeatable), naming the canonical columns of the log read."""
    return click.option(
        "--map",
        "mapping",
        multiple=True,
        metavar="CANONICAL=COLUMN",
        help=f"Map a column to a canonical one ({canonical}). Repeatable.",
    )


def out_option(default: str, help: str) -> Callable:
    """``--out DIR``, the folder a command writes (the parameter ``out_dir``)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path(default),
        show_default=True,
        help=help,
    )


def json_option(help: str) -> Callable:
    """``--json``: print the figures as JSON (the parameter ``as_json``)."""
    return click.option("--json", "as_json", is_flag=True, help=help)


def reveal_option(what: str) -> Callable:
    """``--reveal``: write personal data as it is (pseudonymised by default)."""
    return click.option(
        "--reveal",
        is_flag=True,
        help=f"Write {what} as they are (pseudonymised by default).",
    )


def store_option(help: str, *, required: bool = False) -> Callable:
    """``--store DIR``, the project folder holding the evidence store (``store_dir``)."""
    return click.option(
        "--store",
        "store_dir",
        required=required,
        type=click.Path(file_okay=False, path_type=Path),
        help=help,
    )


def chain_head_option(help: str) -> Callable:
    """``--chain-head HEX``, a chain head published earlier (``published_head``)."""
    return click.option("--chain-head", "published_head", metavar="HEX", help=help)


def input_options(command: Callable) -> Callable:
    """The options that say how to read a log, shared by every command that reads one:
    ``mapping``, ``object_columns``, ``objects_from_text``, ``file_format`` (and
    ``--max-input-gb``, which sets a limit and passes nothing)."""
    for option in reversed(
        [
            map_option(),
            click.option(
                "--object-columns",
                metavar="COL,COL",
                help="Several object columns: one action per non-empty value, typed by its column.",
            ),
            click.option(
                "--objects-from-text",
                metavar="KINDS",
                help="Extract objects from the text: any of hashtags,urls,mentions.",
            ),
            format_option,
            max_input_option,
        ]
    ):
        command = option(command)
    return command
