"""``lucid.save``/``lucid.load`` of a 100 MB state dict against ``mx.save_safetensors``/``mx.load``.

Lucid writes atomically (temporary file + rename) and, by default, fsyncs
before the rename; the ``no_fsync`` row shows what the durability costs.
Loads are timed through evaluation of every array. Goal: at most 1.1x.
"""

from __future__ import annotations

import os
import tempfile

import mlx.core as mx

import lucid  # first: it may load an optimized BLAS before mlx.core
from benchmarks import print_table
from benchmarks._timing import interleaved_ms


def run() -> list[dict]:
    lucid.random.seed(0)
    n_tensors, per = 50, 512 * 1024  # 50 x 2 MB float32 = 100 MB
    state = {f"layer{i}.weight": lucid.random.randn(per) for i in range(n_tensors)}
    lucid.eval(state)
    arrays = {k: v._data for k, v in state.items()}
    folder = tempfile.mkdtemp(prefix="lucid-bench-")
    lucid_path = os.path.join(folder, "lucid.safetensors")
    mlx_path = os.path.join(folder, "mlx.safetensors")

    # Each load starts from an empty MLX buffer cache. Otherwise whichever load
    # runs right after the other finds its 100 MB of freed buffers cached and
    # skips the page faults: measured, that alone made either side 2x slower.
    def lucid_load():
        mx.clear_cache()
        loaded = lucid.load(lucid_path)
        lucid.eval(loaded)

    def mlx_load():
        mx.clear_cache()
        loaded = mx.load(mlx_path)
        mx.eval(loaded)

    saves = interleaved_ms({
        "lucid": lambda: lucid.save(state, lucid_path),
        "lucid_no_fsync": lambda: lucid.save(state, lucid_path, fsync=False),
        "mlx": lambda: mx.save_safetensors(mlx_path, arrays),
    }, warmup=1, repeat=5)
    loads = interleaved_ms({"lucid": lucid_load, "mlx": mlx_load}, warmup=1, repeat=10)
    rows = [{"name": f"save_100MB/{k}", "ms": v, "ratio_vs_mlx": v / saves["mlx"]} for k, v in saves.items()]
    rows += [{"name": f"load_100MB/{k}", "ms": v, "ratio_vs_mlx": v / loads["mlx"]} for k, v in loads.items()]
    for name in os.listdir(folder):
        os.unlink(os.path.join(folder, name))
    os.rmdir(folder)
    return rows


if __name__ == "__main__":
    print_table("Checkpoints: 100 MB state dict", run())
