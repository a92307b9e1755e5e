"""The cli package: commands registered in one place, ``python -m concerted``, a missing extra,
and no command module taking another's private names."""

import ast
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import concerted
from concerted.cli import COMMAND_GROUPS, ENTRY_POINTS, CommandGroup, main, register_commands

SRC = Path(concerted.__file__).parent
COMMANDS = [
    "detect",
    "evaluate",
    "evidence",
    "hashtags",
    "ingest",
    "narratives",
    "reports",
    "serve",
    "signups",
    "simulate",
    "sor",
    "verify",
]


def test_cli_registers_every_command_group():
    assert sorted(main.commands) == COMMANDS
    assert sorted(main.commands["serve"].commands) == ["signups"]
    assert sorted(main.commands["evidence"].commands) == ["export", "verify"]
    for group in COMMAND_GROUPS:
        module = __import__(group.module, fromlist=["register"])
        assert callable(module.register), group.module


@pytest.mark.parametrize("module", ["concerted", "concerted.cli"])
def test_cli_runs_as_a_module(module):
    done = subprocess.run(
        [sys.executable, "-m", module, "--version"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "concerted, version 0.1.0\n"


def test_cli_module_with_a_missing_dependency_stands_in(tmp_path, monkeypatch):
    (tmp_path / "lens_needing_more.py").write_text("import a_package_not_installed\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    cli = click.Group("concerted")
    cli.add_command(click.Group("serve"))
    register_commands(
        cli,
        (CommandGroup("lens_needing_more", extra="more", commands=("more", "serve more")),),
    )
    runner = CliRunner()
    listing = runner.invoke(cli, ["--help"])
    assert listing.exit_code == 0, listing.output
    assert "more   Needs the more extra: pip install 'concerted[more]'." in listing.output
    for args in (["more", "x.csv", "--out", "r/"], ["serve", "more", "--port", "1"]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, result.output
        shown = " ".join(args[: args.index("more") + 1])
        assert result.output == (
            f"Error: concerted {shown} needs the more extra: pip install 'concerted[more]'\n"
        )


def test_cli_import_error_of_concerted_itself_is_a_bug(tmp_path, monkeypatch):
    (tmp_path / "lens_with_a_bug.py").write_text("import concerted.no_such_module\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="concerted.no_such_module"):
        register_commands(click.Group("concerted"), (CommandGroup("lens_with_a_bug", "more"),))


def test_cli_help_works_without_the_signups_extra(tmp_path):
    # crawlerdetect is needed by the sign-up lens only: without it, --help still lists every
    # command, and running the lens says which extra to install.
    code = "\n".join(
        [
            "import sys",
            "sys.modules['crawlerdetect'] = None",
            "from concerted.cli import main",
            "main()",
        ]
    )
    run = lambda *args: subprocess.run(  # noqa: E731
        [sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120
    )
    listing = run("--help")
    assert listing.returncode == 0, listing.stderr
    # (the column of descriptions is as wide as the longest command's name)
    assert re.search(r"\n  signups +How many registrations", listing.stdout)
    assert re.search(r"\n  detect +Find coordinated groups", listing.stdout)
    world = tmp_path / "rally"
    made = subprocess.run(
        [sys.executable, "-m", "concerted", "simulate", "signups", "--out", str(world)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    result = run("signups", str(world / "registrations.csv"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "Error: The sign-up lens needs the 'crawlerdetect' package, which is not installed. "
        "Install it with: pip install 'concerted[signups]'."
    )
    assert not (tmp_path / "out").exists()


def _private_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and (node.level or "concerted" in (node.module or "")):
            private = [a.name for a in node.names if a.name.startswith("_")]
            found += [f"{path.name}: {n}" for n in private if not n.endswith("__")]
    return found


def test_cli_modules_take_no_private_names():
    modules = [*SRC.glob("cli/*.py"), *SRC.glob("lenses/*/cli.py"), SRC / "web" / "runner.py"]
    assert [m for path in modules for m in _private_imports(path)] == []


def test_cli_adds_the_commands_of_an_installed_lens(tmp_path, monkeypatch, capsys):
    # A lens packaged apart registers its commands through an entry point; one whose module is
    # broken is skipped with a warning, and the other commands still work.
    (tmp_path / "outside_lens.py").write_text(
        "import click\n"
        "from concerted.cli.options import friendly_errors\n"
        "def register(cli):\n"
        "    @cli.command('hashtags')\n"
        "    @click.argument('tag')\n"
        "    @friendly_errors\n"
        "    def hashtags(tag):\n"
        "        '''Was TAG taken over?'''\n"
        "        click.echo(f'looked at {tag}')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = [
        metadata.EntryPoint("hashtags", "outside_lens:register", ENTRY_POINTS),
        metadata.EntryPoint("broken", "no_such_lens:register", ENTRY_POINTS),
    ]
    monkeypatch.setattr(
        metadata, "entry_points", lambda group: found if group == ENTRY_POINTS else []
    )
    cli = click.Group("concerted")
    register_commands(cli, ())
    warning = capsys.readouterr().err
    assert "'no_such_lens:register' (entry point 'broken' of concerted.commands)" in warning
    result = CliRunner().invoke(cli, ["hashtags", "#tulsa"])
    assert result.exit_code == 0, result.output
    assert result.output == "looked at #tulsa\n"
    assert sorted(cli.commands) == ["hashtags"]
