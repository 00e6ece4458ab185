"""DataLoader throughput: does loading hide behind compute?

One training epoch of the MLP 784-512-512-10 (Adam, batch 128) on the
embedded ``SyntheticDigits``, fed three ways, side by side in one run:
``DataLoader`` with the default collate and one background thread,
the same without background workers, and pre-batched arrays (the floor).
Goal: the DataLoader epoch at most 1.05x the pre-batched one.

The images are scaled by a NumPy function wrapped in
``transforms.Lambda(..., batched=True)``, as the Data tutorial recommends,
so the dataset's ``__getitems__`` runs it once per batch; the per-image form
(a plain function) is timed too, as ``dataloader_per_image_transform``.
"""

from __future__ import annotations

import numpy as np

import lucid  # first: it may load an optimized BLAS before mlx.core
import lucid.nn.functional as F
from benchmarks import print_table
from benchmarks._timing import interleaved_ms
from lucid import data, datasets, optim, transforms
from lucid.models import MLP

N_IMAGES = 6144
BATCH = 128


def _to_input(image):
    return (np.asarray(image, dtype=np.float32) / 255.0 - 0.5) / 0.5


def run() -> list[dict]:
    lucid.random.seed(0)
    ds = datasets.SyntheticDigits(train=True, size=N_IMAGES, seed=0,
                                  transform=transforms.Lambda(_to_input, batched=True))
    per_image = datasets.SyntheticDigits(train=True, size=N_IMAGES, seed=0, transform=_to_input)
    model = MLP((784, 512, 512, 10))
    opt = optim.Adam(model.parameters(), lr=1e-3)

    def train_on(batches):
        for x, y in batches:
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

    images = np.stack([ds[i][0] for i in range(len(ds))])
    labels = np.array([ds[i][1] for i in range(len(ds))], dtype=np.int64)
    prebatched = [(lucid.tensor(images[i:i + BATCH]), lucid.tensor(labels[i:i + BATCH]))
                  for i in range(0, len(ds) - BATCH + 1, BATCH)]
    lucid.eval(prebatched)
    threaded = data.DataLoader(ds, batch_size=BATCH, shuffle=True, drop_last=True, generator=0, num_workers=1)
    inline = data.DataLoader(ds, batch_size=BATCH, shuffle=True, drop_last=True, generator=0)
    slow = data.DataLoader(per_image, batch_size=BATCH, shuffle=True, drop_last=True, generator=0, num_workers=1)
    times = interleaved_ms({
        "prebatched": lambda: train_on(prebatched),
        "dataloader_prefetch": lambda: train_on(threaded),
        "dataloader_no_workers": lambda: train_on(inline),
        "dataloader_per_image_transform": lambda: train_on(slow),
    }, warmup=2, repeat=15)
    base = times["prebatched"]
    return [{"name": f"epoch/{k}", "ms": v, "ratio_vs_prebatched": v / base} for k, v in times.items()]


if __name__ == "__main__":
    print_table(f"DataLoader: one epoch of {N_IMAGES} synthetic digits, MLP 784-512-512-10", run())
