"""The ``concerted`` command: a thin layer over the library's public functions.

Each command group lives in a module of its own that exposes ``register(cli)``, the way
datasette's ``register_commands`` hook lets a plugin add commands: the core's in this package
(:mod:`.detect`, :mod:`.simulate`, :mod:`.evaluate`, :mod:`.serve`, :mod:`.store`), a lens's in
the lens (:mod:`concerted.lenses.signups.cli`). :data:`COMMAND_GROUPS` lists them, in one place;
what they share (options, error handling, progress) is public in :mod:`.options`. A lens
installed as a package of its own adds its commands the same way, through an entry point in the
``concerted.commands`` group that names its ``register`` function::

    [project.entry-points."concerted.commands"]
    hashtags = "concerted_hashtags.cli:register"

Progress goes to stderr; results go to files or stdout. A :class:`ConcertedError` becomes one
clean message and exit code 1; anything else is a bug and keeps its traceback.

A group that needs an extra (``pip install 'concerted[signups]'``) and cannot be imported without
it leaves ``concerted --help`` working: its commands are listed and say which extra to install.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from importlib import metadata

import click

from .. import __version__
from ..extras import extra_message, is_missing_dependency


@dataclass(frozen=True)
class CommandGroup:
    """A module of commands: ``module.register(cli)`` adds them to the ``concerted`` group.

    ``extra`` names the extra the module needs, if any; ``commands`` the commands it adds
    (``"serve signups"`` for a subcommand), which stand in for it, saying which extra to
    install, when it cannot be imported without it.
    """

    module: str
    extra: str | None = None
    commands: tuple[str, ...] = ()


# Every command of concerted, in one place. A new lens adds its module here. A module that adds
# subcommands to another's group (``serve signups``) comes after it.
COMMAND_GROUPS: tuple[CommandGroup, ...] = (
    CommandGroup("concerted.cli.detect"),
    CommandGroup("concerted.cli.simulate"),
    CommandGroup("concerted.cli.evaluate"),
    CommandGroup("concerted.cli.serve"),
    CommandGroup("concerted.cli.store"),
    CommandGroup("concerted.lenses.hashtags.cli"),
    CommandGroup("concerted.lenses.reports.cli"),
    CommandGroup("concerted.lenses.narratives.cli"),
    CommandGroup(
        "concerted.lenses.signups.cli", extra="signups", commands=("signups", "serve signups")
    ),
)


def register_commands(cli: click.Group, groups: tuple[CommandGroup, ...] = COMMAND_GROUPS) -> None:
    """Import each group's module and let it add its commands to ``cli``.

    A module that needs an extra and fails to import for a missing third-party package is
    replaced by commands that say which extra to install; any other import error is a bug and
    is raised.
    """
    for group in groups:
        try:
            module = importlib.import_module(group.module)
        except ImportError as exc:
            if group.extra is None or not is_missing_dependency(exc):
                raise
            for path in group.commands:
                _stand_in(cli, path, group.extra)
            continue
        module.register(cli)
    for entry in metadata.entry_points(group=ENTRY_POINTS):
        try:
            register = entry.load()
            register(cli)
        except Exception as exc:  # another package's bug must not take the command down
            click.echo(
                f"Warning: the commands of {entry.value!r} (entry point {entry.name!r} of "
                f"{ENTRY_POINTS}) could not be added: {exc}",
                err=True,
            )


# Where packages other than concerted register command groups (see the module docstring).
ENTRY_POINTS = "concerted.commands"


def _stand_in(cli: click.Group, path: str, extra: str) -> None:
    """Add a command at ``path`` (``"serve signups"``) that only says which extra to install."""
    *parents, name = path.split()
    parent: click.Command | None = cli
    for part in parents:
        parent = parent.commands.get(part) if isinstance(parent, click.Group) else None
    if not isinstance(parent, click.Group):
        return
    message = extra_message(f"concerted {path}", extra)

    @click.command(
        name,
        help=f"Needs the {extra} extra: pip install 'concerted[{extra}]'.",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
        add_help_option=False,
    )
    def stand_in() -> None:
        click.secho(f"Error: {message}", fg="red", err=True)
        raise SystemExit(1)

    parent.add_command(stand_in)


class ConcertedGroup(click.Group):
    """The ``concerted`` group: its commands are registered (:func:`register_commands`) the
    first time anything asks for them, so that a command module can import
    :mod:`concerted.cli.options` (and so this package) without an import cycle."""

    _registered = False

    @property
    def commands(self) -> dict[str, click.Command]:
        if not self._registered:
            self._registered = True
            register_commands(self)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value


@click.group(cls=ConcertedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="concerted")
def main() -> None:
    """Find coordinated campaigns - many accounts acting in concert - in activity logs.

    \b
    Example:
      concerted simulate --out world/
      concerted detect world/actions.csv --out results/
      concerted evaluate results/ --truth world/truth.csv
    """


__all__ = [
    "COMMAND_GROUPS",
    "ENTRY_POINTS",
    "CommandGroup",
    "ConcertedGroup",
    "main",
    "register_commands",
]
