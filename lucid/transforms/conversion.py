"""Conversions: ``ToPILImage`` (a Tensor or array to a PIL image) and ``ConvertImageDtype`` (rescaling dtypes)."""

from __future__ import annotations

import numpy as np

from lucid._tensor import Tensor

__all__ = ["ToPILImage", "ConvertImageDtype"]

_INT_MAX = {"uint8": 255, "int8": 127, "int16": 32767, "int32": 2**31 - 1, "int64": 2**63 - 1}
_MODES_BY_CHANNELS = {1: ("L", "I;16", "I", "F"), 2: ("LA",), 3: ("RGB", "YCbCr", "HSV"), 4: ("RGBA", "CMYK", "RGBX")}


class ToPILImage:
    """Convert a Tensor ``(C, H, W)`` / ``(H, W)`` or a NumPy array ``(H, W, C)`` / ``(H, W)`` to a PIL image.

    A float Tensor is taken to hold values in ``[0, 1]`` and is scaled by 255
    and truncated to uint8 (unless ``mode="F"``), as torchvision does; arrays
    keep their dtype. With no ``mode``, it is inferred: 1 channel gives
    ``"L"`` (uint8), ``"I;16"`` (int16), ``"I"`` (int32) or ``"F"`` (float32);
    2 channels ``"LA"``, 3 ``"RGB"``, 4 ``"RGBA"``. A sync point (the values
    are read to the host). Needs Pillow.

    Args:
        mode: the PIL mode of the result, or None to infer it.

    Raises:
        TypeError: not a Tensor or an array.
        ValueError: a shape that is not an image, or a mode that does not fit the channels or dtype.
        ModuleNotFoundError: Pillow is not installed.

    Examples:
        >>> import lucid
        >>> img = lucid.transforms.ToPILImage()(lucid.ones(3, 4, 5) * 0.5)
        >>> img.mode, img.size, img.getpixel((0, 0))
        ('RGB', (5, 4), (127, 127, 127))
    """

    def __init__(self, mode: str | None = None) -> None:
        if mode is not None and not isinstance(mode, str):
            raise TypeError(f"ToPILImage: mode must be a string or None, got {type(mode).__name__}")
        self.mode = mode

    def __call__(self, pic):
        try:
            from PIL import Image
        except ModuleNotFoundError as err:
            raise ModuleNotFoundError("ToPILImage needs Pillow: pip install pillow") from err
        if isinstance(pic, Tensor):
            if pic.ndim not in (2, 3):
                raise ValueError(f"ToPILImage: expected a (C, H, W) or (H, W) Tensor, got shape {pic.shape}")
            arr = pic.numpy()  # sync point
            if arr.ndim == 3:
                arr = np.transpose(arr, (1, 2, 0))
            if arr.dtype.kind == "f" and self.mode != "F":
                arr = (arr * 255).astype(np.uint8)  # truncation, as torchvision's mul(255).byte()
        elif isinstance(pic, np.ndarray):
            if pic.ndim not in (2, 3):
                raise ValueError(f"ToPILImage: expected an (H, W, C) or (H, W) array, got shape {pic.shape}")
            arr = pic
        else:
            raise TypeError(f"ToPILImage: expected a lucid Tensor or a NumPy array, got {type(pic).__name__}")
        if arr.ndim == 2:
            arr = arr[:, :, None]
        channels = arr.shape[2]
        if channels not in _MODES_BY_CHANNELS:
            raise ValueError(f"ToPILImage: an image has 1 to 4 channels, got {channels} (shape {arr.shape})")
        mode = self.mode
        if channels == 1:
            arr = arr[:, :, 0]
            inferred = {np.dtype(np.uint8): "L", np.dtype(np.int16): "I;16", np.dtype(np.int32): "I",
                        np.dtype(np.float32): "F"}.get(arr.dtype)
            if mode is None:
                if inferred is None:
                    raise ValueError(f"ToPILImage: a 1-channel image of dtype {arr.dtype} has no PIL mode; "
                                     "use uint8, int16, int32 or float32")
                mode = inferred
            elif mode != inferred and not (mode in ("L", "1", "P") and arr.dtype == np.uint8):
                raise ValueError(f"ToPILImage: mode {mode!r} does not fit a 1-channel {arr.dtype} image "
                                 f"(expected {inferred!r})")
        else:
            if mode is None:
                mode = _MODES_BY_CHANNELS[channels][0]
            elif mode not in _MODES_BY_CHANNELS[channels]:
                raise ValueError(f"ToPILImage: mode {mode!r} does not fit {channels} channels; one of "
                                 f"{_MODES_BY_CHANNELS[channels]}")
            if arr.dtype != np.uint8:
                raise ValueError(f"ToPILImage: a {channels}-channel image must be uint8 (or a float Tensor in "
                                 f"[0, 1]), got {arr.dtype}")
        if mode == "I;16":
            return Image.frombytes(mode, (arr.shape[1], arr.shape[0]), np.ascontiguousarray(arr, "<i2").tobytes())
        return Image.fromarray(np.ascontiguousarray(arr), mode=mode)

    def __repr__(self) -> str:
        return f"ToPILImage(mode={self.mode!r})" if self.mode is not None else "ToPILImage()"


class ConvertImageDtype:
    """Convert a Tensor image to ``dtype``, rescaling the values to the new type's range.

    Float images hold ``[0, 1]``; integer ones ``[0, max]`` of their type.
    Integer to float divides by the input's maximum; float to integer
    multiplies by ``max + 1 - 0.001`` and truncates; integer to integer shifts
    by the ratio of the ranges. Lazy (no sync).

    Args:
        dtype: the target ``lucid`` dtype.

    Raises:
        TypeError: not a Tensor, or ``dtype`` is not a lucid dtype.
        RuntimeError: float32 to int32/int64 or float64 to int64 (not exact, as in torchvision).

    Examples:
        >>> import lucid
        >>> to_float = lucid.transforms.ConvertImageDtype(lucid.float32)
        >>> to_float(lucid.tensor([0, 255], dtype=lucid.uint8)).tolist()
        [0.0, 1.0]
        >>> lucid.transforms.ConvertImageDtype(lucid.uint8)(lucid.tensor([0.0, 0.5, 1.0])).tolist()
        [0, 127, 255]
    """

    def __init__(self, dtype) -> None:
        import lucid

        if not isinstance(dtype, lucid.dtype):
            raise TypeError(f"ConvertImageDtype: dtype must be a lucid dtype, got {dtype!r}")
        self.dtype = dtype

    def __call__(self, image):
        if not isinstance(image, Tensor):
            raise TypeError(f"ConvertImageDtype: expected a lucid Tensor, got {type(image).__name__}")
        src, dst = image.dtype, self.dtype
        if src == dst:
            return image
        if src.is_floating_point:
            if dst.is_floating_point:
                return image.to(dst)
            if (src.name, dst.name) in (("float32", "int32"), ("float32", "int64"), ("float64", "int64")):
                raise RuntimeError(f"ConvertImageDtype: converting {src} to {dst} cannot be done exactly")
            return (image * (_INT_MAX[dst.name] + 1.0 - 1e-3)).to(dst)
        if src.name not in _INT_MAX:
            raise TypeError(f"ConvertImageDtype: cannot convert a {src} image (integer or float dtypes only)")
        src_max = _INT_MAX[src.name]
        if dst.is_floating_point:
            return image.to(dst) / src_max
        dst_max = _INT_MAX[dst.name]
        if src_max > dst_max:
            factor = (src_max + 1) // (dst_max + 1)
            return (image // factor).to(dst)
        factor = (dst_max + 1) // (src_max + 1)
        return image.to(dst) * factor

    def __repr__(self) -> str:
        return f"ConvertImageDtype(dtype={self.dtype})"
