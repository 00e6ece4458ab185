"""What every example does the same way: start a run from its arguments, write a checkpoint."""

from __future__ import annotations

import os

import lucid

__all__ = ["start", "save"]


def start(args) -> None:
    """Use ``args.device`` (when given) and ``args.seed``, and print what the run runs on.

    On the CPU, also print the hint about a faster BLAS when there is one.

    Examples:
        >>> import argparse
        >>> from lucid.examples._common import start
        >>> start(argparse.Namespace(device=None, seed=0))  # doctest: +ELLIPSIS
        Lucid ... on ...
    """
    if args.device:
        lucid.set_default_device(args.device)
    lucid.random.seed(args.seed)
    print(f"Lucid {lucid.__version__} on {lucid.get_default_device()} ({lucid.blas_info()})")
    hint = lucid.blas_hint()
    if hint and lucid.get_default_device() == "cpu":
        print(hint)


def save(state: dict, path: str) -> None:
    """``lucid.save(state, path)``, creating the folder of ``path`` first.

    Examples:
        >>> import os, tempfile
        >>> from lucid.examples._common import save
        >>> path = os.path.join(tempfile.mkdtemp(), "runs", "x.safetensors")
        >>> save({"step": 1}, path); os.path.exists(path)
        True
    """
    folder = os.path.dirname(path)
    if folder:
        os.makedirs(folder, exist_ok=True)
    lucid.save(state, path)
