import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_cli_reference_is_generated_from_help():
    done = subprocess.run(
        [sys.executable, "docs/gen_cli.py", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_readme_documents_every_command():
    from concerted.cli import main

    readme = (ROOT / "README.md").read_text()
    for name in main.commands:
        assert f"concerted {name}" in readme, name
