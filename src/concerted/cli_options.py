"""Command-line options shared by the commands of the core and of the lenses.

A module of its own, importing nothing of the commands, so that any command module can use them
without an import cycle.
"""

from __future__ import annotations

import os

import click


def _max_input_gb(ctx: click.Context, param: click.Parameter, value: float | None) -> None:
    """--max-input-gb: sets CONCERTED_MAX_INPUT_BYTES, which every loader reads (see
    concerted.io.max_input_bytes), for this command only."""
    if value is None:
        return
    if not 0.001 <= value <= 1e6:  # also refuses nan and inf
        raise click.BadParameter(f"must be a number of GB from 0.001 to 1000000. Got {value!r}.")
    from .io import MAX_INPUT_ENV

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
