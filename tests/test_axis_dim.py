"""Every public function and Tensor method that takes ``dim=`` also takes ``axis=`` (DESIGN.md section 4).

The suite walks the public surface (``lucid``, ``lucid.linalg``,
``lucid.nn.functional``, ``lucid.random`` and the methods of ``lucid.Tensor``)
instead of listing functions by hand, so a new op that forgets the NumPy
spelling fails here. Each callable is checked by its signature and, where a
sample call is possible, by calling it both ways: the two spellings must give
the same result, and passing both must be a TypeError.

Calls: a callable named in ``SAMPLES`` is called with the arguments given
there; any other one is tried as ``f(x, dim=1)`` on a (2, 3, 4) tensor and,
if that call fails, checked by signature only. A callable that accepts
``axis`` only through ``**kwargs`` must be checked by a call.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import NamedTuple

import numpy as np
import pytest

import lucid
import lucid.linalg
import lucid.nn.functional as F
import lucid.random

MODULES = {"lucid": lucid, "lucid.linalg": lucid.linalg, "lucid.nn.functional": F, "lucid.random": lucid.random}


def _x() -> lucid.Tensor:
    """A fresh (2, 3, 4) float32 tensor of distinct positive values (fresh: in-place methods change it)."""
    return lucid.tensor(np.random.default_rng(0).permutation(24).reshape(2, 3, 4).astype(np.float32) + 1.0)


def _idx() -> lucid.Tensor:
    """A (2, 3, 4) int64 index tensor, a permutation of 0..2 along dim 1 (no repeats: scatter is deterministic)."""
    return lucid.tensor(np.argsort(np.random.default_rng(1).random((2, 3, 4)), axis=1).astype(np.int64))


class Sample(NamedTuple):
    """How to call a function: ``f(*args(), **kwargs(), dim=dim)``."""

    args: Callable[[], tuple]
    kwargs: Callable[[], dict] = dict
    dim: object = 1


# Keyed by the short name: the same call fits ``lucid.name``, ``lucid.linalg.name``,
# ``F.name`` and ``Tensor.name`` (the tensor is the first argument of each).
SAMPLES: dict[str, Sample] = {
    "cat": Sample(lambda: ([_x(), _x()],)),
    "concatenate": Sample(lambda: ([_x(), _x()],)),
    "stack": Sample(lambda: ([_x(), _x()],)),
    "split": Sample(lambda: (_x(), 2)),
    "chunk": Sample(lambda: (_x(), 2)),
    "topk": Sample(lambda: (_x(), 2)),
    "repeat_interleave": Sample(lambda: (_x(), 2)),
    "squeeze": Sample(lambda: (lucid.ones(2, 1, 4),)),
    "unflatten": Sample(lambda: (lucid.zeros(2, 6, 4),), lambda: {"sizes": (2, 3)}),
    "narrow": Sample(lambda: (_x(),), lambda: {"start": 1, "length": 2}),
    "gather": Sample(lambda: (_x(),), lambda: {"index": _idx()}),
    "take_along_dim": Sample(lambda: (_x(), _idx())),
    "index_select": Sample(lambda: (_x(),), lambda: {"index": lucid.tensor([2, 0])}),
    "scatter": Sample(lambda: (_x(),), lambda: {"index": _idx(), "src": _x() * 10}),
    "scatter_": Sample(lambda: (_x(),), lambda: {"index": _idx(), "src": _x() * 10}),
    "scatter_add": Sample(lambda: (_x(),), lambda: {"index": _idx(), "src": _x()}),
    "scatter_add_": Sample(lambda: (_x(),), lambda: {"index": _idx(), "src": _x()}),
    "cross": Sample(lambda: (_x(), _x() * _x())),
    "vecdot": Sample(lambda: (_x(), _x())),
    "matrix_norm": Sample(lambda: (_x(),), dim=(0, 2)),
}


def _public_callables():
    """(qualified name, short name, callable) for every public function and Tensor method."""
    out = []
    for mod_name, mod in MODULES.items():
        for name in sorted(dir(mod)):
            if name.startswith("_"):
                continue
            obj = getattr(mod, name)
            if callable(obj) and not isinstance(obj, type) and not inspect.ismodule(obj):
                out.append((f"{mod_name}.{name}", name, obj))
    for name in sorted(dir(lucid.Tensor)):
        if name.startswith("_") or isinstance(inspect.getattr_static(lucid.Tensor, name), property):
            continue
        obj = getattr(lucid.Tensor, name)
        if callable(obj) and not isinstance(obj, type):
            out.append((f"Tensor.{name}", name, obj))
    return out


def _params(fn):
    try:
        return inspect.signature(fn).parameters
    except (TypeError, ValueError):  # builtins without a signature
        return None


def _dim_callables():
    """The public callables whose signature has ``dim`` or ``keepdim``."""
    out = []
    for qual, short, fn in _public_callables():
        params = _params(fn)
        if params is not None and ("dim" in params or "keepdim" in params):
            out.append((qual, short, fn, params))
    return out


DIM_CALLABLES = _dim_callables()


def _takes_kwargs(params) -> bool:
    return any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def _values(out):
    """A result as nested lists of NumPy arrays and plain values, for comparison."""
    if isinstance(out, lucid.Tensor):
        return out.numpy()
    if isinstance(out, (tuple, list)):
        return [_values(o) for o in out]
    return out


def _same(a, b) -> bool:
    if isinstance(a, list) or isinstance(b, list):
        return isinstance(a, list) and isinstance(b, list) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=True)
    return a == b


def _call(fn, sample: Sample, spelling: dict):
    lucid.random.seed(0)
    return fn(*sample.args(), **sample.kwargs(), **spelling)


def _spellings(params, d):
    """(PyTorch spelling, NumPy spelling) of the keyword arguments to pass."""
    torch_kw, numpy_kw = {}, {}
    if "dim" in params:
        torch_kw["dim"], numpy_kw["axis"] = d, d
    if "keepdim" in params:
        torch_kw["keepdim"], numpy_kw["keepdims"] = True, True
    return torch_kw, numpy_kw


def test_the_walk_finds_the_dim_taking_functions():
    # A broken walk would make the tests below pass vacuously.
    names = {qual for qual, *_ in DIM_CALLABLES}
    for expected in ("lucid.sum", "lucid.split", "lucid.linalg.norm", "lucid.nn.functional.softmax",
                     "Tensor.argsort", "Tensor.size"):
        assert expected in names
    assert len(names) > 60


def test_every_sample_names_a_dim_taking_callable():
    shorts = {short for _, short, *_ in DIM_CALLABLES}
    stale = sorted(set(SAMPLES) - shorts)
    assert not stale, f"SAMPLES rows for names that no longer take dim=: {stale}; remove them"


def test_signatures_accept_axis_and_keepdims():
    bad = []
    for qual, _, fn, params in DIM_CALLABLES:
        if _takes_kwargs(params):
            continue  # verified by a call in test_calls_accept_axis_and_keepdims
        missing = [numpy for torch, numpy in (("dim", "axis"), ("keepdim", "keepdims"))
                   if torch in params and numpy not in params]
        if missing:
            bad.append(f"{qual}{inspect.signature(fn)} lacks {', '.join(missing)}")
    assert not bad, ("these public callables take PyTorch's dim=/keepdim= but not NumPy's axis=/keepdims= "
                     "(use lucid.ops._util.reduce_axis_arg / reduce_keepdims_arg):\n  " + "\n  ".join(bad))


def _check_calls(qual, fn, params, sample: Sample, generic: bool, bad: list) -> bool:
    """Call ``fn`` with each spelling; False when no generic sample call fits it."""
    torch_kw, numpy_kw = _spellings(params, sample.dim)
    try:
        ref = _values(_call(fn, sample, torch_kw))
    except Exception as exc:
        if generic and not _takes_kwargs(params):
            return False  # no sample call fits: the signature test covers it
        bad.append(f"{qual}: the sample call with {torch_kw} failed ({type(exc).__name__}: {exc}); "
                   "add or fix its row in SAMPLES")
        return True
    try:
        alt = _values(_call(fn, sample, numpy_kw))
    except Exception as exc:
        bad.append(f"{qual}: {numpy_kw} raised {type(exc).__name__}: {exc}")
        return True
    if not _same(ref, alt):
        bad.append(f"{qual}: {numpy_kw} gives a different result from {torch_kw}")
    return True


def test_calls_accept_axis_and_keepdims():
    bad = []
    checked = 0
    for qual, short, fn, params in DIM_CALLABLES:
        if short in SAMPLES:
            checked += _check_calls(qual, fn, params, SAMPLES[short], False, bad)
        else:
            # Two dims: one of them differs from the default, so an ignored axis= cannot pass unnoticed.
            fits = [_check_calls(qual, fn, params, Sample(lambda: (_x(),), dim=d), True, bad) for d in (1, 2)]
            checked += any(fits)
    assert not bad, "NumPy's axis=/keepdims= spellings are not accepted as PyTorch's are:\n  " + "\n  ".join(bad)
    assert checked > 40  # most dim-taking callables are checked by a real call


def test_passing_both_dim_and_axis_is_a_type_error():
    bad = []
    for qual, short, fn, params in DIM_CALLABLES:
        if "dim" not in params:
            continue
        sample = SAMPLES.get(short) or Sample(lambda: (_x(),))
        try:
            _call(fn, sample, {"dim": sample.dim})
        except Exception:
            continue  # no sample call fits
        try:
            _call(fn, sample, {"dim": sample.dim, "axis": sample.dim})
        except TypeError:
            continue
        except Exception as exc:
            bad.append(f"{qual}: {type(exc).__name__} instead of TypeError ({exc})")
        else:
            bad.append(f"{qual}: no error")
    assert not bad, "passing both dim= and axis= must be a TypeError:\n  " + "\n  ".join(bad)


@pytest.mark.parametrize("call", [
    lambda: lucid.split(_x(), 2, axis=2),
    lambda: lucid.chunk(_x(), 2, axis=2),
    lambda: lucid.argsort(_x(), axis=0),
    lambda: lucid.repeat_interleave(_x(), 2, axis=1),
    lambda: lucid.linalg.norm(_x(), axis=1, keepdims=True),
    lambda: lucid.linalg.vector_norm(_x(), axis=(0, 2)),
])
def test_numpy_spellings_of_the_issue(call):
    # The calls from the issue report, each a TypeError before axis= was accepted.
    call()


def test_defaults_hold_when_neither_spelling_is_given():
    x = _x()
    assert [p.shape for p in lucid.split(x, 1)] == [(1, 3, 4)] * 2  # dim 0
    assert lucid.argsort(x).tolist() == lucid.argsort(x, axis=-1).tolist()
    assert lucid.linalg.matrix_norm(x).shape == (2,)  # dims (-2, -1)
    assert F.normalize(x).tolist() == F.normalize(x, axis=1).tolist()


def test_required_dim_is_still_required():
    with pytest.raises(TypeError, match="dim"):
        lucid.gather(_x(), index=_idx())
    with pytest.raises(TypeError, match="index"):
        lucid.gather(_x(), axis=1)
    with pytest.raises(TypeError, match="dim"):
        lucid.unsqueeze(_x())
