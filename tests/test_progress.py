"""Progress lines: each stage of a run with the share of the work done, as the web app's bar
reads them."""

from __future__ import annotations

from concerted import CoAction
from concerted.cli.options import Progress
from concerted.jobs import run_detect
from concerted.progress import last_share


def test_progress_lines_carry_the_share_done_in_order(tmp_path, capsys):
    log = tmp_path / "log.csv"
    log.write_text(
        "actor,object,time\n"
        + "".join(f"{a},{o},{t + d}\n" for o, t in (("x", 0), ("y", 900), ("z", 1800))
                  for a, d in (("a1", 0), ("a2", 3), ("a3", 6)))
    )  # fmt: skip
    said = []
    run_detect(log, tmp_path / "out", detector=CoAction(significance=False), progress=said.append)
    # A callable that takes no share gets the messages alone, as before.
    assert said[0] == f"reading {log}" and said[-1] == f"writing {tmp_path / 'out'}/"
    run_detect(
        log, tmp_path / "again", detector=CoAction(significance=False), progress=Progress(False)
    )
    lines = capsys.readouterr().err.splitlines()
    shares = [last_share(line) for line in lines]
    assert [s for s in shares if s is not None] == [0.0, 0.03, 0.75, 0.8, 0.8]
    assert lines[0].endswith(f"  0%] reading {log}")
    assert last_share("\n".join(lines)) == 0.8


def test_progress_share_never_goes_back(capsys):
    say = Progress(False)
    say("one", share=0.5)
    say("a step inside, counting from its own start", share=0.1)
    say("no share")
    assert [last_share(x) for x in capsys.readouterr().err.splitlines()] == [0.5, 0.5, None]
