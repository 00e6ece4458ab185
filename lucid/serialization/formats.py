"""Telling a file that is not a Lucid checkpoint apart, by its content rather than its name.

``lucid.load`` reads any file ``lucid.save`` wrote, whatever its name, because
it looks at the bytes: a safetensors file begins with an 8-byte little-endian
header length followed by a JSON object. When that test fails,
:func:`describe` names what the file is instead (a PyTorch checkpoint, a
pickle, a NumPy archive, HDF5, GGUF, an empty or truncated file) and what to
do about it. Nothing here unpickles: a zip archive is identified from its
table of contents, a pickle from its first bytes.

Examples:
    >>> import os, pickle, tempfile
    >>> from lucid.serialization.formats import describe
    >>> path = os.path.join(tempfile.mkdtemp(), "model.pkl")
    >>> with open(path, "wb") as f:
    ...     pickle.dump({"w": [1.0]}, f)
    >>> describe(path).split(";")[0]
    'a Python pickle (pickle.dump, or torch.save with _use_new_zipfile_serialization=False)'
"""

from __future__ import annotations

import os
import zipfile

__all__ = ["describe", "foreign_file_message"]

_CONVERT_TORCH = (
    "Lucid never unpickles files (unpickling can run arbitrary code). Convert it once where PyTorch is installed: "
    "`import torch, safetensors.torch; safetensors.torch.save_file(torch.load(path, weights_only=True), "
    "'model.safetensors')` (for a state dict of tensors; save_file needs contiguous tensors), "
    "then lucid.load('model.safetensors')"
)


def _zip_kind(path: str) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        return f"a zip archive that cannot be read ({exc}); it may be truncated"
    if any(n == "data.pkl" or n.endswith("/data.pkl") for n in names):
        return ("a PyTorch checkpoint (torch.save's zip format, which holds a pickle); " + _CONVERT_TORCH)
    if names and all(n.endswith(".npy") for n in names):
        return ("a NumPy .npz archive; load it with NumPy and convert the arrays: "
                "`arrays = numpy.load(path); state = {k: lucid.tensor(arrays[k]) for k in arrays.files}`, "
                "then lucid.save(state, new_path) to make it a Lucid checkpoint")
    shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
    return f"a zip archive holding {len(names)} file(s) ({shown or 'none'}), not a format Lucid reads"


def describe(path: str) -> str:
    """Say what kind of file ``path`` is when it is not safetensors, and what to do with it.

    Args:
        path: an existing file.

    Returns:
        A phrase such as ``"a NumPy .npz archive; load it with NumPy ..."``.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(16)
    if size == 0:
        return ("an empty file (0 bytes): nothing was ever written to it; lucid.save writes atomically, so this "
                "did not come from an interrupted lucid.save")
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_kind(path)
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return ("a Python pickle (pickle.dump, or torch.save with _use_new_zipfile_serialization=False); "
                + _CONVERT_TORCH)
    if head.startswith(b"\x93NUMPY"):
        return ("a NumPy .npy array; load it with `lucid.tensor(numpy.load(path))` "
                "and lucid.save it to make a Lucid checkpoint")
    if head.startswith(b"\x89HDF\r\n\x1a\n"):
        return ("an HDF5 file (e.g. a Keras .h5 model); read its datasets with h5py, convert them with "
                "lucid.tensor, and lucid.save the resulting dict")
    if head.startswith(b"GGUF"):
        return ("a GGUF file (llama.cpp's format); `mlx.core.load(path, format='gguf')` reads it into a dict of "
                "MLX arrays, which lucid.Tensor can wrap")
    if size < 8:
        return f"a {size}-byte file, too short for a checkpoint header (8 bytes at least); it is truncated"
    return (f"not a format Lucid recognises (first bytes {head[:8]!r}); it may be truncated, corrupt, "
            "or of another format")


def foreign_file_message(path: str, reason: str) -> str:
    """The full error message for a file that failed the safetensors check for ``reason``."""
    return f"{path}: not a safetensors file, so not a Lucid checkpoint ({reason}); it is {describe(path)}"
