"""Run one web-app run and record how it ended, so that a server restarted meanwhile can tell.

Started by :func:`concerted.web.runner.spawn` as a script (it imports nothing of concerted, to
start fast)::

    python _wrap.py EXIT_FILE LOCK_FILE -- COMMAND...

It locks LOCK_FILE for as long as COMMAND runs (a live run holds the lock, whatever its process
id), runs COMMAND in a process of its own, writes its exit code to EXIT_FILE (negative: killed by
that signal) and exits with it. An interrupt (Ctrl-C on the server's terminal) reaches COMMAND,
which stops; the wrapper waits for it and records how it ended. A SIGTERM (the app's cancel)
is passed on to COMMAND the same way.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def main(argv: list[str]) -> int:
    exit_file, lock_file, dash, *command = argv
    if dash != "--" or not command:
        print("usage: _wrap.py EXIT_FILE LOCK_FILE -- COMMAND...", file=sys.stderr)
        return 2
    lock = open(lock_file, "wb")  # noqa: SIM115 (held until the process ends)
    try:
        import fcntl

        fcntl.flock(lock, fcntl.LOCK_EX)
    except ImportError:  # pragma: no cover - Windows: no lock, a restarted server cannot tell
        pass
    # A handler, not SIG_IGN: the command must still receive the interrupt (handlers are reset
    # in the new process, an ignored signal would stay ignored).
    signal.signal(signal.SIGINT, lambda *_: None)
    started: list[subprocess.Popen] = []

    def stop(*_) -> None:  # a cancel (SIGTERM from the server) stops the command too
        for process in started:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        process = subprocess.Popen(command)
        started.append(process)
    except OSError as exc:
        print(f"Cannot start the run: {exc}", flush=True)
        code = 127
    else:
        code = process.wait()
    tmp = f"{exit_file}.tmp"
    with open(tmp, "w", encoding="ascii") as f:
        f.write(f"{code}\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, exit_file)
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
