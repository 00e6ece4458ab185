"""Reading and writing the safetensors format.

The layout: an 8-byte little-endian header length, a JSON header mapping each
tensor name to ``{"dtype", "shape", "data_offsets": [begin, end]}`` (plus an
optional ``"__metadata__"`` dict of strings), then the raw little-endian bytes.
MLX's own writer has no float64, so Lucid writes the format itself and reads
with ``mx.load`` (whatever the file's name) after checking the header against the file's size (a
truncated file is reported, never loaded).
"""

from __future__ import annotations

import json
import os
import struct

import mlx.core as mx

from lucid.serialization.formats import foreign_file_message

__all__ = ["write_safetensors", "read_header", "read_safetensors", "CheckpointError"]

_CODES = {
    mx.bool_: "BOOL", mx.uint8: "U8", mx.int8: "I8", mx.int16: "I16", mx.uint16: "U16", mx.int32: "I32",
    mx.uint32: "U32", mx.int64: "I64", mx.uint64: "U64", mx.float16: "F16", mx.bfloat16: "BF16",
    mx.float32: "F32", mx.float64: "F64", mx.complex64: "C64",
}
_DTYPES = {code: dt for dt, code in _CODES.items()}
_MAX_HEADER = 100 * 1024 * 1024


class CheckpointError(ValueError):
    """A file is missing parts, is not safetensors, or was not written by ``lucid.save``."""


def _raw_bytes(arr: mx.array) -> memoryview:
    if arr.dtype == mx.bfloat16:
        arr = arr.view(mx.uint16)
    if arr.dtype == mx.bool_:
        arr = arr.astype(mx.uint8)
    # mx arrays export the buffer protocol: write their memory directly when it
    # is row-major already, and make a contiguous copy only when it is not.
    view = memoryview(arr)
    if not view.c_contiguous:
        view = memoryview(mx.contiguous(arr))
    return view.cast("B")


def write_safetensors(fileobj, arrays: dict, metadata: dict | None = None) -> None:
    """Write ``arrays`` (name -> evaluated ``mx.array``) to the open binary file ``fileobj``."""
    header: dict = {}
    offset = 0
    for name, arr in arrays.items():
        code = _CODES.get(arr.dtype)
        if code is None:
            raise TypeError(f"cannot save a tensor of dtype {arr.dtype} ({name!r})")
        n = arr.nbytes
        header[name] = {"dtype": code, "shape": list(arr.shape), "data_offsets": [offset, offset + n]}
        offset += n
    if metadata:
        header["__metadata__"] = metadata
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)  # align the data section to 8 bytes
    fileobj.write(struct.pack("<Q", len(blob)))
    fileobj.write(blob)
    for arr in arrays.values():
        if arr.nbytes:
            fileobj.write(_raw_bytes(arr))


def read_header(path: str) -> tuple[dict, dict]:
    """Parse and validate the header of ``path``: ``(tensor entries, metadata)``.

    Raises:
        CheckpointError: the file is not safetensors, or is shorter than its header says.
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise CheckpointError(foreign_file_message(path, f"{size} bytes, no room for a header"))
        (n,) = struct.unpack("<Q", head)
        if n > min(_MAX_HEADER, size - 8):
            raise CheckpointError(foreign_file_message(
                path, f"header length {n} does not fit in a {size}-byte file"))
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CheckpointError(foreign_file_message(path, f"unreadable header: {exc}")) from None
    if not isinstance(header, dict):
        raise CheckpointError(foreign_file_message(path, "its header is not a JSON object"))
    metadata = header.pop("__metadata__", None) or {}
    data_size = size - 8 - n
    for name, entry in header.items():
        try:
            begin, end = entry["data_offsets"]
            dtype = _DTYPES[entry["dtype"]]
            count = 1
            for s in entry["shape"]:
                count *= int(s)
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{path}: malformed header entry for {name!r}") from None
        if end - begin != count * dtype.size or end > data_size or begin < 0:
            raise CheckpointError(
                f"{path}: tensor {name!r} needs bytes {begin}..{end} but the data section has {data_size} bytes; "
                "the file is truncated or corrupt"
            )
    return header, metadata


_NUMPY = {"BOOL": "u1", "U8": "u1", "I8": "i1", "I16": "<i2", "U16": "<u2", "I32": "<i4", "U32": "<u4",
          "I64": "<i8", "U64": "<u8", "F16": "<f2", "BF16": "<u2", "F32": "<f4", "F64": "<f8", "C64": "<c8"}


def _read_with_numpy(path: str, header: dict) -> dict:
    import numpy as np

    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        base = 8 + n
        out = {}
        for name, entry in header.items():
            begin, end = entry["data_offsets"]
            f.seek(base + begin)
            code = entry["dtype"]
            values = np.frombuffer(f.read(end - begin), dtype=_NUMPY[code]).reshape(entry["shape"])
            arr = mx.array(values, dtype=mx.float64) if code == "F64" else mx.array(values)
            if code == "BF16":
                arr = arr.view(mx.bfloat16)
            elif code == "BOOL":
                arr = arr.astype(mx.bool_)
            out[name] = arr
    return out


def read_safetensors(path: str) -> tuple[dict, dict]:
    """Load all tensors of a validated safetensors file: ``(name -> mx.array, metadata)``."""
    header, metadata = read_header(path)
    if not header:
        return {}, metadata
    if any(entry["dtype"] == "F64" for entry in header.values()):
        # MLX's reader has no float64: read this file through NumPy instead.
        return _read_with_numpy(path, header), metadata
    # The format is named: MLX would otherwise pick its reader from the file's extension.
    return mx.load(path, format="safetensors"), metadata
