"""Data-parallel training on two ranks of this machine (started through ``lucid.distributed.run``).

- ``ddp_allreduce_resnet50``: averaging ResNet-50-sized gradients (161 tensors,
  25.6M float32 values) with ``DistributedDataParallel`` (buckets of 25 MB:
  concatenate, one ``all_sum`` per bucket, scale, split back; a gradient of
  1.56 MB or more is a bucket of its own, with no copy) against a raw
  ``mx.distributed.all_sum`` of one ready-made flat buffer of the same size.
  The ratio is what Lucid's bucketing costs on top of the transport.
- ``ddp_scaling_*``: samples per second of an MLP training step (forward,
  backward, averaging, Adam) on one process and on two. On a 2-core machine
  the two ranks share the cores, so this measures overhead, not speed-up.

``python -m benchmarks.ddp`` launches itself on two ranks; rank 0 prints the
rows as JSON, which ``run()`` reads back.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import lucid  # before mlx.core anywhere in this process: it may load an optimized BLAS

_REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _worker() -> None:
    import statistics

    import mlx.core as mx

    import lucid.distributed as dist
    import lucid.nn as nn
    import lucid.nn.functional as F
    from benchmarks._resnet50 import resnet50_shapes
    from benchmarks._timing import sample_ms
    from lucid._backend.evaluation import eval_arrays

    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    rows = []

    if world > 1:
        # -- gradient averaging --------------------------------------------------------------
        shapes = resnet50_shapes()

        class Holder(nn.Module):
            def __init__(self):
                super().__init__()
                self.ps = nn.ParameterList([nn.Parameter(lucid.zeros(*s)) for s in shapes])

        holder = Holder()
        ddp = nn.parallel.DistributedDataParallel(holder)
        params = list(holder.parameters())
        grads = [mx.random.normal(p.shape) for p in params]
        flat = mx.random.normal((sum(g.size for g in grads),))
        mx.eval(grads, flat)
        n_values = flat.size

        def raw():
            mx.eval(mx.distributed.all_sum(flat) * (1.0 / world))

        def lucid_ddp():
            for p, g in zip(params, grads):
                p._grad = lucid.Tensor._make(g, p._device)
            ddp.average_gradients()
            eval_arrays([p._grad._data for p in params])

        # Interleaved rounds (the same order on both ranks, as collectives must be); the
        # machine is shared, so the least disturbed round (min) is reported beside the median.
        t = sample_ms({"raw": raw, "ddp": lucid_ddp}, rounds=15, warmup=2)
        raw_ms, ddp_ms = statistics.median(t["raw"]), statistics.median(t["ddp"])
        rows.append({"name": f"ddp_allreduce_resnet50 ({len(shapes)} tensors, {n_values / 1e6:.1f}M, "
                             f"{len(ddp._buckets)} buckets, {world} ranks)",
                     "lucid_ms": round(ddp_ms, 2), "mlx_ms": round(raw_ms, 2), "ratio": round(ddp_ms / raw_ms, 3),
                     "lucid_min_ms": round(min(t["ddp"]), 2), "mlx_min_ms": round(min(t["raw"]), 2),
                     "ratio_min": round(min(t["ddp"]) / min(t["raw"]), 3)})
        del holder, ddp, params, grads, flat

    # -- scaling: the same global batch on one rank and on two -----------------------------
    batch = 256
    mx.random.seed(0)
    x_all = lucid.randn(batch, 784)
    y_all = lucid.randint(0, 10, (batch,))

    def make():
        lucid.manual_seed(0)
        return nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))

    def stepper(model, x, y):
        opt = lucid.optim.Adam(model.parameters(), lr=1e-3)

        def step():
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()
        return step

    step_ms = {}
    share = slice(rank * batch // world, (rank + 1) * batch // world)
    model = nn.parallel.DistributedDataParallel(make())
    step_ms["strong"] = statistics.median(
        sample_ms({"s": stepper(model, x_all[share], y_all[share])}, rounds=9, warmup=2)["s"])
    if world > 1:  # weak scaling: every rank on the whole batch (world times the samples per step)
        step_ms["weak"] = statistics.median(sample_ms({"w": stepper(model, x_all, y_all)}, rounds=9, warmup=2)["w"])
    if rank == 0:
        print("DDP_ROWS " + json.dumps({"world": world, "batch": batch, "step_ms": step_ms, "rows": rows}), flush=True)


def _launch(n: int) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = _REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    proc = subprocess.run([sys.executable, "-m", "lucid.distributed.run", "-n", str(n), "--timeout", "500",
                           os.path.abspath(__file__), "--worker"], cwd=_REPO, env=env,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=560)
    for line in proc.stdout.splitlines():
        if "DDP_ROWS " in line:
            return json.loads(line.split("DDP_ROWS ", 1)[1])
    raise RuntimeError(f"the {n}-rank benchmark failed (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def run() -> list[dict]:
    # One process alone first (no other rank sharing the cores), then two.
    one, two = _launch(1), _launch(2)
    b, w = one["batch"], two["world"]
    one_ms, strong_ms, weak_ms = one["step_ms"]["strong"], two["step_ms"]["strong"], two["step_ms"]["weak"]
    return two["rows"] + [
        {"name": f"ddp_scaling_mlp_1rank (batch {b})", "lucid_ms": round(one_ms, 2),
         "samples_per_s": round(b / one_ms * 1000, 1)},
        {"name": f"ddp_scaling_mlp_{w}ranks (batch {b // w} each)", "lucid_ms": round(strong_ms, 2),
         "samples_per_s": round(b / strong_ms * 1000, 1), "ratio": round(one_ms / strong_ms, 3)},
        {"name": f"ddp_scaling_mlp_{w}ranks_weak (batch {b} each)", "lucid_ms": round(weak_ms, 2),
         "samples_per_s": round(w * b / weak_ms * 1000, 1), "ratio": round(w * one_ms / weak_ms, 3)},
    ]


if __name__ == "__main__":
    if "--worker" in sys.argv:
        sys.path.insert(0, _REPO)
        _worker()
    else:
        for row in run():
            print(row)
