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


def run_property(name: str, case_file, timeout: float = TIMEOUT, examples: str | None = None) -> str | None:
    """Run one property in a child process: ``None`` if every case passed, else the failure report."""
    env = dict(os.environ, LUCID_FUZZ_CASE_FILE=str(case_file), PYTHONFAULTHANDLER="1",
               PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if examples is not None:
        env["LUCID_FUZZ_EXAMPLES"] = examples
    cmd = [sys.executable, os.path.join(HERE, "_child.py"), name]

    def last_case():
        return case_file.read_text() if case_file.exists() else "(no case started)"

    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        err = exc.stderr.decode(errors="replace") if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        return (f"fuzz property {name!r} HUNG (no result after {timeout:.0f} s) on the case\n{last_case()}\n"
                f"stderr tail:\n{err[-3000:]}")
    if proc.returncode < 0:
        return (f"fuzz property {name!r} CRASHED ({_signal_name(proc.returncode)}) on the case\n{last_case()}\n"
                f"stderr tail:\n{proc.stderr[-3000:]}")
    if proc.returncode != 0:
        return f"fuzz property {name!r} found a failing case:\n{proc.stdout[-6000:]}\n{proc.stderr[-6000:]}"
    return None


@pytest.mark.parametrize("name", sorted(PROPERTIES))
def test_fuzz(name, tmp_path):
    report = run_property(name, tmp_path / "case.txt")
    if report:
        pytest.fail(report, pytrace=False)


def test_a_crash_is_reported_with_its_inputs(tmp_path):
    report = run_property("selftest_crash", tmp_path / "case.txt", examples="50")
    assert report is not None and "CRASHED (SIGSEGV)" in report
    assert "selftest_crash(\nn = 3\n)" in report


def test_a_hang_is_reported_with_its_inputs(tmp_path):
    report = run_property("selftest_hang", tmp_path / "case.txt", timeout=15, examples="50")
    assert report is not None and "HUNG" in report and "n = 3" in report
