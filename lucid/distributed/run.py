"""``python -m lucid.distributed.run -n 2 script.py [args]`` (also ``lucid-run``): start a job with ``mlx.launch``.

What this adds to MLX's launcher:

- every line a rank prints is prefixed with ``[rank R]``;
- the exit status is non-zero when any rank fails (``mlx.launch`` itself exits
  0 even when a rank dies), with a summary of which rank failed and how; when
  one rank fails, ``mlx.launch`` stops the others;
- on one machine, free ports are picked for the ring backend, so several jobs
  can run side by side;
- ``--timeout`` stops the whole job after that many seconds (exit code 124).

Each rank runs a small wrapper (passed with ``python -c``, so it needs nothing
installed on remote machines but Python) that starts the script as a child,
prefixes its output and reports its exit code on a tagged line that this
launcher reads back through ``mlx.launch``'s output (which also works over ssh).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid

__all__ = ["main"]

# The per-rank wrapper. argv: tag, then the command to run (after the interpreter).
_WRAPPER = r"""
import os, signal, subprocess, sys, threading
tag, cmd = sys.argv[1], sys.argv[2:]
rank = os.environ.get("MLX_RANK", os.environ.get("OMPI_COMM_WORLD_RANK", "0"))
env = dict(os.environ, PYTHONUNBUFFERED="1")
child = subprocess.Popen([sys.executable, *cmd], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, env=env)
prefix = ("[rank %s] " % rank).encode()
def write(fd, data):
    while data:
        data = data[os.write(fd, data):]
def pump(src, fd):
    for line in iter(src.readline, b""):
        write(fd, prefix + (line if line.endswith(b"\n") else line + b"\n"))
threads = [threading.Thread(target=pump, args=(child.stdout, 1)), threading.Thread(target=pump, args=(child.stderr, 2))]
for t in threads:
    t.start()
def stop(signum, frame):
    child.terminate()
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, stop)
code = child.wait()
for t in threads:
    t.join()
write(2, ("%s %s %d\n" % (tag, rank, code)).encode())
sys.exit(code if code >= 0 else 128 - code)
"""


def _mlx_launch() -> list:
    here = os.path.dirname(sys.executable)
    path = shutil.which("mlx.launch", path=here) or shutil.which("mlx.launch")
    if path:
        return [sys.executable, path]
    return [sys.executable, "-c", "import sys; from mlx._distributed_utils.launch import main; sys.exit(main())"]


def _free_base_port(count: int) -> int:
    """A port ``p`` such that ``p .. p + count - 1`` are free on 127.0.0.1 right now."""
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000 - count)
        socks = []
        try:
            for p in range(base, base + count):
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                socks.append(s)
                s.bind(("127.0.0.1", p))
            return base
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("could not find free ports for the ring backend; pass --starting-port")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m lucid.distributed.run",
        description="Run a Lucid script on several processes (one machine or a hostfile), through mlx.launch.",
    )
    p.add_argument("-n", "--nproc", type=int, default=1, help="processes per host (default 1)")
    p.add_argument("--hosts", default="127.0.0.1", help="comma-separated hosts (default 127.0.0.1)")
    p.add_argument("--hostfile", help="mlx.launch's JSON hostfile, for several machines")
    p.add_argument("--backend", choices=["ring", "mpi", "nccl", "jaccl"], help="default: ring (nccl on CUDA)")
    p.add_argument("--starting-port", type=int, help="first ring port (default: free ports on one machine)")
    p.add_argument("--python", help="interpreter on the hosts (default: this one)")
    p.add_argument("--cwd", help="working directory on the hosts")
    p.add_argument("--env", action="append", default=[], help="KEY=VALUE for every rank (repeatable)")
    p.add_argument("--timeout", type=float, help="stop the job after this many seconds (exit code 124)")
    p.add_argument("--verbose", action="store_true", help="mlx.launch's debug messages")
    p.add_argument("-m", "--module", action="store_true", help="run the script argument as a module (python -m)")
    p.add_argument("script", help="the Python script to run (a module name with -m)")
    p.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    return p


def _world_size(args) -> int:
    if args.hostfile:
        with open(args.hostfile) as f:
            data = json.load(f)
        return len(data["hosts"] if isinstance(data, dict) else data)
    return len(args.hosts.split(",")) * args.nproc


def main(argv: list | None = None) -> int:
    """Launch the job described by ``argv`` (``sys.argv[1:]`` by default); return its exit status.

    Examples:
        >>> from lucid.distributed.run import main
        >>> callable(main)
        True
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = _parser()
    args = parser.parse_args(argv)
    if args.nproc < 1:
        parser.error(f"-n must be at least 1, got {args.nproc}")
    target = ["-m", args.script, *args.args] if args.module else [args.script, *args.args]
    world = _world_size(args)

    tag = f"__lucid_run_{uuid.uuid4().hex}__"
    python = args.python or sys.executable
    cmd = _mlx_launch()
    if args.hostfile:
        cmd += ["--hostfile", args.hostfile]
    else:
        cmd += ["--hosts", args.hosts, "-n", str(args.nproc)]
    if args.backend:
        cmd += ["--backend", args.backend]
    port = args.starting_port
    if port is None and not args.hostfile and set(args.hosts.split(",")) <= {"127.0.0.1"}:
        port = _free_base_port(world)
    if port is not None:
        cmd += ["--starting-port", str(port)]
    if args.cwd:
        cmd += ["--cwd", args.cwd]
    for e in args.env:
        cmd += ["--env", e]
    if args.backend:
        cmd += ["--env", f"LUCID_BACKEND={args.backend}"]
    if args.verbose:
        cmd += ["--verbose"]
    cmd += ["--", python, "-c", _WRAPPER, tag, *target]

    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    codes: dict = {}
    pattern = re.compile(re.escape(tag).encode() + rb" (\S+) (-?\d+)")

    def pump(src, dst):
        for line in iter(src.readline, b""):
            m = pattern.search(line)
            if m:
                codes[m.group(1).decode()] = int(m.group(2))
                line = line[:m.start()] + line[m.end():]
                if not line.strip():
                    continue
            dst.buffer.write(line)
            dst.buffer.flush()

    threads = [threading.Thread(target=pump, args=(proc.stdout, sys.stdout), daemon=True),
               threading.Thread(target=pump, args=(proc.stderr, sys.stderr), daemon=True)]
    for t in threads:
        t.start()

    def kill_job(*_):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)

    old = {s: signal.signal(s, lambda signum, frame: (kill_job(), sys.exit(128 + signum)))
           for s in (signal.SIGTERM, signal.SIGHUP)}
    timed_out = False
    try:
        deadline = None if args.timeout is None else time.monotonic() + args.timeout
        while proc.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                timed_out = True
                kill_job()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
        proc.wait()
    except KeyboardInterrupt:
        kill_job()
        proc.wait()
        return 130
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        for t in threads:
            t.join(5)
    return _summary(codes, world, timed_out, args.timeout)


def _summary(codes: dict, world: int, timed_out: bool, timeout) -> int:
    """Print what went wrong (if anything) and return the job's exit status."""
    if timed_out:
        print(f"lucid.distributed.run: the job ran past --timeout {timeout:g} s and was stopped", file=sys.stderr)
        return 124
    failed = {r: c for r, c in codes.items() if c != 0}
    missing = [str(r) for r in range(world) if str(r) not in codes]
    if not failed and not missing:
        return 0
    parts = []
    for r, c in sorted(failed.items(), key=lambda rc: int(rc[0]) if rc[0].isdigit() else 0):
        parts.append(f"rank {r} " + (f"was stopped by signal {-c}" if c < 0 else f"exited with code {c}"))
    parts += [f"rank {r} did not report (killed or never started)" for r in missing]
    print("lucid.distributed.run: the job failed: " + "; ".join(parts), file=sys.stderr)
    first = [c for c in failed.values() if c > 0]
    return first[0] if first else 1


if __name__ == "__main__":
    sys.exit(main())
