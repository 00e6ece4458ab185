"""The model zoo: torchvision's ResNets in Lucid versus the same networks in ``mlx.nn``, and lazy construction.

* ``resnet50-infer``: ResNet-50 inference (eval mode, no grad), batch 2 of 224x224 images;
* ``resnet18-train``: one training step of ResNet-18 (forward, cross-entropy, backward, SGD with momentum
  0.9 and the evaluation of parameters, optimizer state, running statistics and loss), batch 8 of 112x112;
* ``vit_b_16-create``: ``lucid.models.create_model("vit_b_16")``: wall time, MLX memory allocated
  (active and peak) and Python memory (``tracemalloc`` peak). Construction is lazy: the 86.6M weights
  (346 MB in float32) are only graphs until first used.

The ``mlx.nn`` networks have torchvision's structure and attribute names, and start from Lucid's weights
(convolutions transposed to MLX's channels-last layout), so both sides compute the same function;
Lucid runs channels-first (PyTorch's layout), so its column includes the layout handling it needs.
Lucid and MLX calls are interleaved per round; ``ratio`` is ``lucid_ms / mlx_ms`` (medians),
``ratio_min`` the same for the fastest rounds.

Run it with ``python -m benchmarks.zoo`` (or ``python -m benchmarks zoo``) from the repository root.
"""

from __future__ import annotations

import os
import sys
import time
import tracemalloc

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import mlx.core as mx
import mlx.nn as mnn
import mlx.optimizers as mopt
import numpy as np

import lucid
import lucid.models
import lucid.nn.functional as lF
import lucid.optim
from benchmarks import time_interleaved

__all__ = ["run", "extra"]

WARMUP = 1
ROUNDS = 3
_EXTRA: dict = {}


# -- ResNet in mlx.nn, with torchvision's attribute names --------------------------------------------
class _Block(mnn.Module):
    def __init__(self, c_in: int, planes: int, stride: int, bottleneck: bool):
        super().__init__()
        self.bottleneck = bottleneck
        out = planes * (4 if bottleneck else 1)
        if bottleneck:
            self.conv1 = mnn.Conv2d(c_in, planes, 1, bias=False)
            self.conv2 = mnn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
            self.conv3 = mnn.Conv2d(planes, out, 1, bias=False)
            self.bn3 = mnn.BatchNorm(out)
        else:
            self.conv1 = mnn.Conv2d(c_in, planes, 3, stride=stride, padding=1, bias=False)
            self.conv2 = mnn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn1 = mnn.BatchNorm(planes)
        self.bn2 = mnn.BatchNorm(planes)
        if stride != 1 or c_in != out:
            self.downsample = [mnn.Conv2d(c_in, out, 1, stride=stride, bias=False), mnn.BatchNorm(out)]

    def __call__(self, x):
        identity = x
        if "downsample" in self:
            identity = self.downsample[1](self.downsample[0](x))
        out = mnn.relu(self.bn1(self.conv1(x)))
        if self.bottleneck:
            out = mnn.relu(self.bn2(self.conv2(out)))
            out = self.bn3(self.conv3(out))
        else:
            out = self.bn2(self.conv2(out))
        return mnn.relu(out + identity)


class _MlxResNet(mnn.Module):
    def __init__(self, layers: list, bottleneck: bool, num_classes: int = 1000):
        super().__init__()
        self.conv1 = mnn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = mnn.BatchNorm(64)
        self.maxpool = mnn.MaxPool2d(3, stride=2, padding=1)
        c_in = 64
        for i, (planes, n) in enumerate(zip((64, 128, 256, 512), layers)):
            blocks = []
            for b in range(n):
                blocks.append(_Block(c_in, planes, 2 if b == 0 and i > 0 else 1, bottleneck))
                c_in = planes * (4 if bottleneck else 1)
            setattr(self, f"layer{i + 1}", blocks)
        self.fc = mnn.Linear(c_in, num_classes)

    def __call__(self, x):  # x: (N, H, W, C)
        x = self.maxpool(mnn.relu(self.bn1(self.conv1(x))))
        for i in range(1, 5):
            for block in getattr(self, f"layer{i}"):
                x = block(x)
        return self.fc(mx.mean(x, axis=(1, 2)))


def _mlx_twin(model: lucid.nn.Module, layers: list, bottleneck: bool) -> _MlxResNet:
    """The ``mlx.nn`` ResNet with ``model``'s weights (OIHW convolutions become OHWI)."""
    twin = _MlxResNet(layers, bottleneck)
    weights = []
    for name, t in model.state_dict().items():
        if name.endswith("num_batches_tracked"):
            continue
        a = mx.array(t.numpy())
        weights.append((name, a.transpose(0, 2, 3, 1) if a.ndim == 4 else a))
    twin.load_weights(weights, strict=True)
    mx.eval(twin.parameters())
    return twin


def _row(name: str, times: dict, **info) -> dict:
    lu, ml = times["lucid"], times["mlx"]
    return {"name": name, **info, "lucid_ms": lu["median"], "mlx_ms": ml["median"],
            "ratio": lu["median"] / ml["median"], "ratio_min": lu["min"] / ml["min"]}


def _resnet50_inference() -> dict:
    model = lucid.models.resnet50().eval()
    lucid.eval(*model.parameters(), *model.buffers())
    twin = _mlx_twin(model, [3, 4, 6, 3], bottleneck=True)
    twin.eval()
    xn = np.random.default_rng(0).standard_normal((2, 3, 224, 224)).astype(np.float32)
    x, xm = lucid.tensor(xn), mx.array(xn.transpose(0, 2, 3, 1))
    lu, ml = model(x).numpy(), np.array(twin(xm))
    max_diff = float(np.abs(lu - ml).max())

    def lucid_step():
        with lucid.no_grad():
            lucid.eval(model(x))

    def mlx_step():
        mx.eval(twin(xm))

    times = time_interleaved({"lucid": lucid_step, "mlx": mlx_step}, ROUNDS, WARMUP)
    return _row("resnet50-infer", times, batch=2, size=224, max_abs_diff=max_diff)


def _resnet18_train_step() -> dict:
    model = lucid.models.resnet18()
    lucid.eval(*model.parameters(), *model.buffers())
    twin = _mlx_twin(model, [2, 2, 2, 2], bottleneck=False)
    rng = np.random.default_rng(0)
    xn = rng.standard_normal((8, 3, 112, 112)).astype(np.float32)
    yn = rng.integers(0, 1000, 8)
    x, y = lucid.tensor(xn), lucid.tensor(yn)
    xm, ym = mx.array(xn.transpose(0, 2, 3, 1)), mx.array(yn)
    opt = lucid.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    mopt_ = mopt.SGD(learning_rate=0.01, momentum=0.9)

    def lucid_step():
        opt.zero_grad()
        loss = lF.cross_entropy(model(x), y)
        loss.backward()
        opt.step()
        lucid.eval(loss)

    def loss_fn(m, a, b):
        return mnn.losses.cross_entropy(m(a), b, reduction="mean")

    grad_fn = mnn.value_and_grad(twin, loss_fn)

    def mlx_step():
        loss, grads = grad_fn(twin, xm, ym)
        mopt_.update(twin, grads)
        mx.eval(twin.parameters(), mopt_.state, loss)

    times = time_interleaved({"lucid": lucid_step, "mlx": mlx_step}, ROUNDS, WARMUP)
    return _row("resnet18-train", times, batch=8, size=112)


def _vit_creation() -> dict:
    mx.reset_peak_memory()
    active0 = mx.get_active_memory()
    tracemalloc.start()
    t0 = time.perf_counter()
    model = lucid.models.create_model("vit_b_16")
    ms = 1e3 * (time.perf_counter() - t0)
    py_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    n = sum(p.numel() for p in model.parameters())
    return {"name": "vit_b_16-create", "create_ms": ms, "params": n, "weights_mb_if_evaluated": 4 * n / 2**20,
            "mlx_active_mb": (mx.get_active_memory() - active0) / 2**20,
            "mlx_peak_mb": (mx.get_peak_memory() - active0) / 2**20, "python_peak_mb": py_peak / 2**20}


def run() -> list:
    """Rows: ResNet-50 inference and ResNet-18 training (Lucid vs mlx.nn), vit_b_16 construction."""
    rows = []
    for case in (_vit_creation, _resnet18_train_step, _resnet50_inference):
        rows.append(case())
        print(rows[-1], flush=True)
    _EXTRA["rounds"], _EXTRA["warmup"] = ROUNDS, WARMUP
    return rows


def extra() -> dict:
    return dict(_EXTRA)


if __name__ == "__main__":
    from benchmarks import format_table

    result = run()
    print(format_table(result))
