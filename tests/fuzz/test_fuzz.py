"""Property-based fuzzing of the public API, each property in a child process.

A case must return a correct result or raise a Python exception. The child
writes each case's inputs to a file before running it, so a crash (death by a
signal) or a hang (past ``LUCID_FUZZ_TIMEOUT`` seconds) is reported here as a
failed test with the inputs that caused it, and the rest of the run goes on.

Budget: ``LUCID_FUZZ_EXAMPLES`` cases per property (default 20, derandomized:
the same cases every run); ``make fuzz`` runs many more with random seeds
(``LUCID_FUZZ_RANDOM=1``).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from properties import PROPERTIES  # noqa: E402

TIMEOUT = float(os.environ.get("LUCID_FUZZ_TIMEOUT", "300"))


def _signal_name(code: int) -> str:
    try:
        return signal.Signals(-code).name
    except ValueError:
        return f"signal {-code}"


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_fuzz(name, tmp_path):
    case_file = tmp_path / "case.txt"
    env = dict(os.environ, LUCID_FUZZ_CASE_FILE=str(case_file), PYTHONPATH=ROOT + os.pathsep
               + os.environ.get("PYTHONPATH", ""), PYTHONFAULTHANDLER="1")
    cmd = [sys.executable, os.path.join(HERE, "_child.py"), name]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        last = case_file.read_text() if case_file.exists() else "(no case started)"
        pytest.fail(f"fuzz property {name!r} hung (no result after {TIMEOUT:.0f} s) on the case\n{last}\n"
                    f"stderr tail:\n{(exc.stderr or b'')[-3000:]!r}", pytrace=False)
    if proc.returncode < 0:
        last = case_file.read_text() if case_file.exists() else "(no case started)"
        pytest.fail(f"fuzz property {name!r} CRASHED ({_signal_name(proc.returncode)}) on the case\n{last}\n"
                    f"stderr tail:\n{proc.stderr[-3000:]}", pytrace=False)
    if proc.returncode != 0:
        pytest.fail(f"fuzz property {name!r} found a failing case:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}",
                    pytrace=False)
