"""``nn.util.clip_grad_value`` over a ResNet-50-sized parameter set.

Compares, side by side in one run: Lucid; the raw-MLX reference (a list of
``mx.clip`` results and one ``mx.eval``); a loop that evaluates each gradient
separately; PyTorch's ``clip_grad_value_`` when installed. Also reports the
peak-memory increase during clipping. Goal: Lucid at most 1.05x raw MLX.
"""

from __future__ import annotations

import mlx.core as mx

import lucid  # first: it may load an optimized BLAS before mlx.core
import lucid.nn as nn
from benchmarks import print_table
from benchmarks._resnet50 import resnet50_shapes
from benchmarks._timing import interleaved_ms, median_ms, torch_or_none

CLIP = 0.01


def _lucid_params():
    lucid.random.seed(0)
    params = []
    for shape in resnet50_shapes():
        p = nn.Parameter(lucid.zeros(*shape))
        p.grad = lucid.random.randn(*shape) * 0.05
        params.append(p)
    lucid.eval(params)
    return params


def _peak_increase(fn) -> int:
    mx.synchronize()
    base = mx.get_active_memory()
    mx.reset_peak_memory()
    fn()
    return max(0, mx.get_peak_memory() - base)


def run() -> list[dict]:
    params = _lucid_params()
    raw = [p.grad._data for p in params]
    total_bytes = sum(a.nbytes for a in raw)

    def lucid_clip():
        nn.util.clip_grad_value(params, CLIP)

    def mlx_reference():
        nonlocal raw
        raw = [mx.clip(g, -CLIP, CLIP) for g in raw]
        mx.eval(raw)

    def per_parameter_eval():
        nonlocal raw
        out = []
        for g in raw:
            c = mx.clip(g, -CLIP, CLIP)
            mx.eval(c)
            out.append(c)
        raw = out

    fns = {"lucid": lucid_clip, "mlx_reference": mlx_reference, "per_param_eval": per_parameter_eval}
    torch = torch_or_none()
    if torch is not None:
        torch.manual_seed(0)
        tparams = [torch.nn.Parameter(torch.zeros(s)) for s in resnet50_shapes()]
        for tp in tparams:
            tp.grad = torch.randn(tp.shape) * 0.05
    times = interleaved_ms(fns, warmup=2, repeat=9)
    if torch is not None:
        # Timed on its own, after the others: PyTorch's OpenMP threads keep
        # spinning after a call and would slow whatever ran next.
        times["torch_cpu"] = median_ms(lambda: torch.nn.utils.clip_grad_value_(tparams, CLIP), warmup=2, repeat=9)
    ref = times["mlx_reference"]
    rows = [{"name": f"clip_grad_value/{k}", "ms": v, "ratio_vs_mlx": v / ref} for k, v in times.items()]
    peak = _peak_increase(lucid_clip)
    rows.append({"name": "clip_grad_value/peak_memory_increase_MB", "ms": None,
                 "ratio_vs_mlx": None, "value": peak / 2**20,
                 "note": f"gradients total {total_bytes / 2**20:.1f} MB, eval budget "
                         f"{lucid.get_eval_budget() / 2**20:.0f} MB"})
    return rows


if __name__ == "__main__":
    print_table("clip_grad_value, ResNet-50-sized (161 tensors, 25.6M values)", run())
