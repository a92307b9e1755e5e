"""Generate docs/cli.md from the commands' --help, so the reference never drifts.

python docs/gen_cli.py          # rewrite docs/cli.md
python docs/gen_cli.py --check  # exit 1 if docs/cli.md is out of date (run by the tests)
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from concerted.cli import main

TARGET = Path(__file__).with_name("cli.md")


def render() -> str:
    parts = [
        "# Command-line reference\n",
        "Generated from `--help` by `docs/gen_cli.py`; do not edit.\n",
    ]
    ctx = click.Context(main, info_name="concerted", terminal_width=100)
    parts.append(f"## concerted\n\n```\n{main.get_help(ctx)}\n```\n")
    _commands(main, ctx, "concerted", parts)
    return "\n".join(parts)


def _commands(group: click.Group, ctx: click.Context, prefix: str, parts: list[str]) -> None:
    """Every command of a group, and of its sub-groups (``concerted serve signups``)."""
    for name in sorted(group.list_commands(ctx)):
        command = group.get_command(ctx, name)
        sub = click.Context(command, info_name=name, parent=ctx, terminal_width=100)
        parts.append(f"## {prefix} {name}\n\n```\n{command.get_help(sub)}\n```\n")
        if isinstance(command, click.Group):
            _commands(command, sub, f"{prefix} {name}", parts)


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        if not TARGET.exists() or TARGET.read_text() != text:
            sys.exit("docs/cli.md is out of date: run python docs/gen_cli.py")
    else:
        TARGET.write_text(text)
