"""``optim.Adam.step`` over a ResNet-50-sized parameter set against ``mlx.optimizers.Adam``.

Both update the same 161 parameters (25.6M values) from fixed gradients and
evaluate parameters and state once per step. Goal: Lucid at most 1.1x MLX.
"""

from __future__ import annotations

import mlx.core as mx
import mlx.optimizers as mlx_optim

import lucid  # first: it may load an optimized BLAS before mlx.core
import lucid.nn as nn
from benchmarks import print_table
from benchmarks._resnet50 import resnet50_shapes
from benchmarks._timing import interleaved_ms, median_ms, torch_or_none


def run() -> list[dict]:
    shapes = resnet50_shapes()
    lucid.random.seed(0)
    params = [nn.Parameter(lucid.random.randn(*s) * 0.02) for s in shapes]
    for p in params:
        p.grad = lucid.random.randn(*p.shape) * 0.01
    lucid.eval(params)
    opt = lucid.optim.Adam(params, lr=1e-3)

    mlx_params = {str(i): p._data for i, p in enumerate(params)}
    mlx_grads = {str(i): p.grad._data for i, p in enumerate(params)}
    # bias_correction=True: the same rule as PyTorch and Lucid (MLX skips it by default).
    mlx_opt = mlx_optim.Adam(learning_rate=1e-3, bias_correction=True)
    mlx_opt.init(mlx_params)

    def mlx_step():
        nonlocal mlx_params
        mlx_params = mlx_opt.apply_gradients(mlx_grads, mlx_params)
        mx.eval(mlx_params, mlx_opt.state)

    fns = {"lucid": opt.step, "mlx": mlx_step}
    torch = torch_or_none()
    if torch is not None:
        tparams = [torch.nn.Parameter(torch.randn(s) * 0.02) for s in shapes]
        for tp in tparams:
            tp.grad = torch.randn(tp.shape) * 0.01
        topt = torch.optim.Adam(tparams, lr=1e-3)
    times = interleaved_ms(fns, warmup=2, repeat=7)
    if torch is not None:
        # Timed on its own, after the others: PyTorch's OpenMP threads keep
        # spinning after a call and would slow whatever ran next.
        times["torch_cpu"] = median_ms(topt.step, warmup=2, repeat=7)
    return [{"name": f"adam_step/{k}", "ms": v, "ratio_vs_mlx": v / times["mlx"]} for k, v in times.items()]


if __name__ == "__main__":
    print_table("Adam.step, ResNet-50-sized (161 tensors, 25.6M values)", run())
