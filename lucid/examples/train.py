"""Train a small CNN: Lucid's main job, runnable with ``python -m lucid.examples.train``.

By default it trains on the built-in synthetic digits (no network, no
download) and reaches about 97% test accuracy in well under two minutes on a
2-core CPU. It shows the whole workflow: a ``DataLoader`` with background
prefetching, an optimizer with a learning-rate schedule, ``clip_grad_value``,
a progress bar with loss and throughput, evaluation after each epoch, and a
checkpoint saved, reloaded in a fresh model and evaluated again.

Examples::

    python -m lucid.examples.train                       # synthetic digits
    python -m lucid.examples.train --epochs 5 --device cpu
    python -m lucid.examples.train --dataset mnist --root ~/data --download
    python -m lucid.examples.train --resume runs/example.safetensors --epochs 6
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid import data, datasets, optim, transforms
from lucid._progress import progress
from lucid.examples import _common
from lucid.models import SmallCNN

DATASETS = {
    "synthetic": (None, 1, 28, (0.5,), (0.5,)),
    "mnist": ("MNIST", 1, 28, (0.1307,), (0.3081,)),
    "fashion-mnist": ("FashionMNIST", 1, 28, (0.2860,), (0.3530,)),
    "cifar10": ("CIFAR10", 3, 32, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
}


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m lucid.examples.train", description=__doc__.split("\n")[0])
    p.add_argument("--dataset", choices=sorted(DATASETS), default="synthetic")
    p.add_argument("--root", default="data", help="folder holding (or receiving) the dataset files")
    p.add_argument("--download", action="store_true", help="download the dataset into --root if missing")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate of the one-cycle schedule")
    p.add_argument("--clip-value", type=float, default=1.0, help="clip_grad_value threshold")
    p.add_argument("--train-size", type=int, default=12000, help="synthetic training images")
    p.add_argument("--test-size", type=int, default=2000, help="synthetic test images")
    p.add_argument("--device", default=None, help="cpu or gpu (default: the GPU where there is one)")
    p.add_argument("--checkpoint", default=os.path.join("runs", "example.safetensors"))
    p.add_argument("--resume", default=None, help="checkpoint to continue from")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=1, help="background threads preparing batches")
    args = p.parse_args(argv)
    if args.epochs < 1:
        p.error("--epochs must be at least 1")
    if args.batch_size < 1:
        p.error("--batch-size must be at least 1")
    return args


def to_input(mean, std, channels: int) -> transforms.Lambda:
    """uint8 images ``(H, W)`` or ``(H, W, C)`` -> normalised float32 ``(C, H, W)`` NumPy arrays.

    Axes are counted from the end, so the same function converts one image or
    a stack ``(N, ...)``: wrapped in ``Lambda(..., batched=True)``, the dataset
    runs it once per batch instead of once per image.
    """
    mean = np.asarray(mean, dtype=np.float32)[:, None, None]
    std = np.asarray(std, dtype=np.float32)[:, None, None]

    def transform(images):
        x = np.asarray(images, dtype=np.float32) / np.float32(255)
        x = x[..., None, :, :] if channels == 1 else np.moveaxis(x, -1, -3)
        return (x - mean) / std

    return transforms.Lambda(transform, batched=True)


def build_datasets(args):
    name, channels, size, mean, std = DATASETS[args.dataset]
    transform = to_input(mean, std, channels)
    if name is None:
        train = datasets.SyntheticDigits(train=True, size=args.train_size, seed=args.seed, transform=transform)
        test = datasets.SyntheticDigits(train=False, size=args.test_size, seed=args.seed, transform=transform)
    else:
        cls = getattr(datasets, name)
        train = cls(args.root, train=True, transform=transform, download=args.download)
        test = cls(args.root, train=False, transform=transform, download=args.download)
    return train, test, channels, size


def evaluate(model, loader) -> float:
    """Accuracy of ``model`` over ``loader`` (one host sync per batch, for the count)."""
    model.eval()
    correct = total = 0
    with lucid.no_grad():
        for x, y in loader:
            pred = model(x).argmax(dim=1)
            correct += int((pred == y).sum().item())
            total += y.shape[0]
    model.train()
    return correct / max(total, 1)


def save_checkpoint(path, model, optimizer, scheduler, epoch: int, history: list) -> None:
    _common.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(),
                  "scheduler": scheduler.state_dict(), "epoch": epoch, "history": history}, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    _common.start(args)

    t0 = time.perf_counter()
    train_set, test_set, channels, size = build_datasets(args)
    train_loader = data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True,
                                   generator=args.seed, num_workers=args.workers)
    test_loader = data.DataLoader(test_set, batch_size=512, num_workers=args.workers)
    print(f"data: {args.dataset}, {len(train_set)} train / {len(test_set)} test images "
          f"({time.perf_counter() - t0:.1f}s to prepare)")

    model = SmallCNN(in_channels=channels, image_size=size)
    optimizer = optim.AdamW(model.parameters(), lr=args.lr, weight_decay=1e-4)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr,
                                              total_steps=args.epochs * len(train_loader))
    start_epoch, history = 0, []
    if args.resume:
        state = lucid.load(args.resume)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        start_epoch, history = int(state["epoch"]), list(state["history"])
        if state["scheduler"].get("total_steps") == args.epochs * len(train_loader):
            scheduler.load_state_dict(state["scheduler"])
        else:
            # A different --epochs than the checkpoint's run: a new one-cycle
            # schedule covers the epochs that are left.
            remaining = max(args.epochs - start_epoch, 1) * len(train_loader)
            scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=remaining)
        print(f"resumed from {args.resume} after epoch {start_epoch}")

    for epoch in range(start_epoch, args.epochs):
        start = time.perf_counter()
        seen = 0
        bar = progress(train_loader, desc=f"epoch {epoch + 1}/{args.epochs}", unit="batch")
        running = None
        for step, (x, y) in enumerate(bar):
            loss = F.cross_entropy(model(x), y)
            optimizer.zero_grad()
            loss.backward()
            nn.util.clip_grad_value(model.parameters(), clip_value=args.clip_value)
            optimizer.step()
            scheduler.step()
            seen += y.shape[0]
            if step % 10 == 0:
                value = loss.item()
                running = value if running is None else 0.8 * running + 0.2 * value
                bar.set_postfix(loss=f"{running:.3f}", img_per_s=f"{seen / (time.perf_counter() - start):.0f}")
        accuracy = evaluate(model, test_loader)
        elapsed = time.perf_counter() - start
        history.append({"epoch": epoch + 1, "loss": running, "accuracy": accuracy})
        print(f"epoch {epoch + 1}: loss {running:.4f}, test accuracy {accuracy:.2%}, "
              f"{seen / elapsed:.0f} images/s, {elapsed:.1f}s")
        save_checkpoint(args.checkpoint, model, optimizer, scheduler, epoch + 1, history)

    # Reload the checkpoint into a fresh model: what was saved is what was trained.
    restored = SmallCNN(in_channels=channels, image_size=size)
    restored.load_state_dict(lucid.load(args.checkpoint)["model"])
    final = evaluate(restored, test_loader)
    print(f"checkpoint: {args.checkpoint} (reloaded into a fresh model)")
    print(f"final test accuracy: {final:.2%} in {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
