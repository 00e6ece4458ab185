"""Two ranks on this machine through ``python -m lucid.distributed.run`` (127.0.0.1 only, every run bounded)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).resolve().parent / "ddp_worker.py"


def launch(args: list, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the launcher; past ``timeout`` stop its whole job and fail the test with what it printed."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.Popen([sys.executable, "-m", "lucid.distributed.run", *args], cwd=REPO, env=env,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGTERM)  # the launcher stops its ranks on SIGTERM
        try:
            out, err = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, err = proc.communicate()
        pytest.fail(f"the job hung past {timeout} s:\n{out.decode()}\n{err.decode()}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out.decode(), err.decode())


def test_two_ranks_match_one_process(tmp_path):
    # Collectives, mismatch errors, DDP on an MLP and a CNN with BatchNorm, no_sync,
    # unused parameters, checkpoints and the sampler: see ddp_worker.py.
    r = launch(["-n", "2", "--timeout", "100", str(WORKER), str(tmp_path)])
    assert r.returncode == 0, r.stdout + r.stderr
    for rank in (0, 1):
        for check in ("collectives", "mlp", "no_sync", "ordering", "cnn", "unused", "checkpoint", "sampler",
                      "compiled"):
            assert f"[rank {rank}] OK {check}" in r.stdout, r.stdout + r.stderr
        assert f"[rank {rank}] ALL OK" in r.stdout


def test_a_failing_rank_fails_the_job(tmp_path):
    script = tmp_path / "fail.py"
    script.write_text(textwrap.dedent("""
        import os, time
        if os.environ["MLX_RANK"] == "1":
            raise ValueError("rank one broke")
        time.sleep(60)  # rank 0 waits, as it would in a collective; the launcher must stop it
    """))
    start = time.monotonic()
    r = launch(["-n", "2", "--timeout", "90", str(script)])
    assert r.returncode == 1, r.stdout + r.stderr
    assert time.monotonic() - start < 50, "the other rank was not stopped"
    assert "[rank 1] Traceback" in r.stderr and "[rank 1] ValueError: rank one broke" in r.stderr
    assert "rank 1 exited with code 1" in r.stderr and "rank 0 was stopped" in r.stderr


def test_a_hanging_rank_is_stopped_by_the_timeout(tmp_path):
    script = tmp_path / "hang.py"
    script.write_text(textwrap.dedent(f"""
        import os, sys, time
        print("started", flush=True)
        if os.environ["MLX_RANK"] == "1":
            open({str(tmp_path / 'pid')!r}, "w").write(str(os.getpid()))
            time.sleep(600)
    """))
    r = launch(["-n", "2", "--timeout", "8", str(script)], timeout=60)
    assert r.returncode == 124, r.stdout + r.stderr
    assert "[rank 0] started" in r.stdout and "[rank 1] started" in r.stdout
    assert "--timeout" in r.stderr
    pid = int((tmp_path / "pid").read_text())
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the hanging rank outlived the launcher")


def test_arguments_reach_the_script_and_success_is_zero(tmp_path):
    script = tmp_path / "args.py"
    script.write_text("import os, sys\nprint('args', os.environ['MLX_RANK'], sys.argv[1:])\n")
    r = launch(["-n", "2", "--timeout", "60", str(script), "--lr", "0.1", "-n", "3"])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[rank 1] args 1 ['--lr', '0.1', '-n', '3']" in r.stdout


def test_the_tutorial_script_on_two_ranks(tmp_path):
    page = (REPO / "docs" / "tutorials" / "distributed.md").read_text(encoding="utf-8")
    script = tmp_path / "train_ddp.py"
    script.write_text(page.split("```python\n", 1)[1].split("```", 1)[0])
    r = launch(["-n", "2", "--timeout", "100", "--cwd", str(tmp_path), str(script)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[rank 0] epoch 1: loss" in r.stdout and "[rank 1] epoch" not in r.stdout
    assert (tmp_path / "checkpoint.lucid").exists()


def test_one_process_through_the_launcher(tmp_path):
    script = tmp_path / "one.py"
    script.write_text("import lucid.distributed as dist\ndist.init_process_group()\n"
                      "print('world', dist.get_world_size(), dist.get_rank())\n")
    r = launch(["-n", "1", "--timeout", "60", str(script)])
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[rank 0] world 1 0" in r.stdout
