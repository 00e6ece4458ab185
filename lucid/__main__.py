"""The ``lucid`` command: ``python -m lucid info`` and ``python -m lucid train``."""

from __future__ import annotations

import argparse
import platform
import sys


def info_text() -> str:
    """What a bug report needs: versions, backend, devices and (on Linux) the BLAS in use.

    Examples:
        >>> from lucid.__main__ import info_text
        >>> "MLX" in info_text()
        True
    """
    import mlx.core as mx
    import numpy as np

    import lucid

    if mx.metal.is_available():
        backend = "Metal (Apple GPU)"
    elif mx.cuda.is_available():
        backend = "CUDA"
    else:
        backend = "CPU only"
    devices = ["cpu"] + (["gpu"] if lucid.gpu_available() else [])
    lines = [
        f"Lucid:          {lucid.__version__}",
        f"MLX:            {mx.__version__}",
        f"NumPy:          {np.__version__}",
        f"Python:         {platform.python_version()} ({sys.executable})",
        f"Platform:       {platform.platform()}",
        f"MLX backend:    {backend}",
        f"Devices:        {', '.join(devices)}",
        f"Default device: {lucid.get_default_device()}",
    ]
    if sys.platform.startswith("linux"):
        lines.append(f"BLAS:           {lucid.blas_info()}")
        hint = lucid.blas_hint()
        if hint:
            lines.append(hint)
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="lucid", description="Lucid: PyTorch-style deep learning on MLX")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("info", help="print versions, backend, devices and BLAS (for bug reports)")
    sub.add_parser("train", help="train the example CNN (see `python -m lucid.examples.train --help`)",
                   add_help=False)
    args, rest = parser.parse_known_args(argv)
    if args.command == "info":
        print(info_text())
        return 0
    if args.command == "train":
        from lucid.examples.train import main as train_main

        return train_main(rest)
    parser.print_help()
    return 1


if __name__ == "__main__":
    sys.exit(main())
