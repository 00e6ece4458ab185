"""The fuzz properties, one per op family. ``test_fuzz.py`` runs each in a child process.

Each property is a Hypothesis test over the public API. A case must return
what NumPy returns (where a reference is cheap) or raise a Python exception;
where NumPy raises (an index out of range, shapes that do not broadcast),
Lucid must raise too, never return garbage.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from harness import agree, assert_close, no_crash, outcome, recorded
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from strategies import (
    dtypes,
    finite_arrays,
    float_arrays,
    floats32,
    garbage,
    index_arrays,
    shapes,
)

import lucid
import lucid.nn as nn
import lucid.nn.functional as F

PROPERTIES = {}


def prop(fn):
    PROPERTIES[fn.__name__] = fn
    return fn


def T(a, dtype=None):
    return lucid.tensor(a) if dtype is None else lucid.tensor(a, dtype=getattr(lucid, dtype))


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


UNARY = {
    "exp": np.exp, "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "neg": np.negative, "tanh": np.tanh,
    "sigmoid": _sigmoid, "sin": np.sin, "floor": np.floor, "ceil": np.ceil, "square": np.square,
    "sign": np.sign, "log1p": np.log1p, "expm1": np.expm1, "reciprocal": np.reciprocal,
}
BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "maximum": np.maximum,
    "minimum": np.minimum,
}
REDUCE = {
    "sum": np.sum, "mean": np.mean, "amax": np.amax, "amin": np.amin, "prod": np.prod,
}


@prop
@given(op=st.sampled_from(sorted(UNARY)), x=float_arrays())
@recorded
def elementwise_unary(op, x):
    agree(lambda: getattr(lucid, op)(T(x)), lambda: UNARY[op](x), rtol=2e-5, atol=1e-5, what=op)


@st.composite
def _binary_args(draw):
    s = draw(st.one_of(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=4).map(lambda s: s.input_shapes),
        st.tuples(shapes, shapes)))
    x = draw(float_arrays(st.just(s[0])))
    y = draw(st.one_of(float_arrays(st.just(s[1])), floats32.map(float)))
    return x, y


@prop
@given(op=st.sampled_from(sorted(BINARY)), xy=_binary_args())
@recorded
def elementwise_binary(op, xy):
    x, y = xy
    yy = T(y) if isinstance(y, np.ndarray) else y
    agree(lambda: getattr(lucid, op)(T(x), yy), lambda: BINARY[op](x, np.float32(y) if isinstance(y, float) else y),
          rtol=2e-5, atol=1e-5, what=op)


def _scalar_dims(x, *dims):
    """PyTorch's rule for 0-d tensors: dim 0 and -1 name their one (virtual) dimension; NumPy has none."""
    if x.ndim == 0 and all(d in (0, -1) for d in dims):
        return x.reshape(1), True
    return x, False


@prop
@given(op=st.sampled_from(sorted(REDUCE) + ["argmax", "argmin", "logsumexp"]), x=finite_arrays(),
       dim=st.one_of(st.none(), st.integers(-6, 5)), keepdim=st.booleans())
@recorded
def reductions(op, x, dim, keepdim):
    if dim is not None:
        xr, scalar = _scalar_dims(x, dim)
        if scalar:  # reduce the 1-element view; the result is 0-d again
            ref = {"argmax": np.argmax, "argmin": np.argmin}.get(op) or REDUCE.get(op) or (
                lambda a, axis, keepdims: np.log(np.sum(np.exp(a.astype(np.float64)), axis=axis, keepdims=keepdims)))
            agree(lambda: getattr(lucid, op)(lucid.tensor(x), dim=dim, keepdim=keepdim),
                   lambda: np.reshape(ref(xr, axis=0, keepdims=keepdim), ()), rtol=1e-4, atol=1e-3, what=op)
            return
    if op in ("argmax", "argmin"):
        ref = getattr(np, op)
        agree(lambda: getattr(lucid, op)(T(x), dim=dim, keepdim=keepdim),
              lambda: ref(x, axis=dim, keepdims=keepdim), what=op)
        return
    if op == "logsumexp":
        def ref(x, axis, keepdims):
            x64 = x.astype(np.float64)
            return np.log(np.sum(np.exp(x64), axis=axis, keepdims=keepdims))
    else:
        ref = REDUCE[op]
    if op == "prod" and np.prod(np.abs(x[x != 0]).astype(np.float64)) > np.finfo(np.float32).max / 1e3:
        # An intermediate product may overflow, and whether inf * 0 (NaN) happens depends on the order of the
        # multiplications: only the shape is well defined.
        ok, got = outcome(lambda: lucid.prod(T(x), dim=dim, keepdim=keepdim))
        _, want = outcome(lambda: np.prod(x, axis=dim, keepdims=keepdim))
        if ok:
            assert np.shape(got) == np.shape(want)
        return
    agree(lambda: getattr(lucid, op)(T(x), dim=dim, keepdim=keepdim),
          lambda: np.asarray(ref(x.astype(np.float64), axis=dim, keepdims=keepdim)).astype(np.float32),
          rtol=1e-4, atol=1e-3, what=op)  # float64 for accuracy, float32 for where it overflows


@prop
@given(x=finite_arrays(), op=st.sampled_from(["reshape", "permute", "squeeze", "unsqueeze", "flip", "transpose",
                                               "expand", "cat", "stack"]),
       ints=st.lists(st.integers(-5, 5), max_size=5))
@recorded
def shape_ops(x, op, ints):
    t = T(x)
    if op == "reshape":
        agree(lambda: lucid.reshape(t, *ints), lambda: np.reshape(x, ints), what=op)
    elif op == "permute":
        bad = sorted(i % max(x.ndim, 1) for i in ints) != list(range(x.ndim)) or len(ints) != x.ndim
        agree(lambda: lucid.permute(t, *ints), lambda: np.transpose(x, ints), what=op, must_raise=bad or None)
    elif op == "squeeze":
        d = ints[0] if ints else None
        agree(lambda: lucid.squeeze(t, d), lambda: _torch_squeeze(x, d), what=op)
    elif op == "unsqueeze":
        d = ints[0] if ints else 0
        agree(lambda: lucid.unsqueeze(t, d), lambda: np.expand_dims(x, d), what=op)
    elif op == "flip":
        agree(lambda: lucid.flip(t, ints), lambda: np.flip(x, ints) if len(set(ints)) == len(ints) else 1 / 0,
              what=op, must_raise=None)
    elif op == "transpose":
        d0, d1 = (ints + [0, 0])[:2]
        scalar = _scalar_dims(x, d0, d1)[1]
        agree(lambda: lucid.transpose(t, d0, d1), lambda: x if scalar else np.swapaxes(x, d0, d1), what=op)
    elif op == "expand":
        no_crash(lambda: lucid.expand(t, *ints))
    else:
        d = ints[0] if ints else 0
        fn, ref = (lucid.cat, np.concatenate) if op == "cat" else (lucid.stack, np.stack)
        agree(lambda: fn([t, t], dim=d), lambda: ref([x, x], axis=d), what=op)


def _torch_squeeze(x, d):
    if d is None:
        return np.squeeze(x)
    if x.ndim == 0:
        if d not in (0, -1):
            raise IndexError(d)
        return x
    if not -x.ndim <= d < x.ndim:
        raise IndexError(d)
    return np.squeeze(x, d) if x.shape[d] == 1 else x


_key_item = st.one_of(
    st.integers(-6, 6),
    st.builds(slice, st.none() | st.integers(-6, 6), st.none() | st.integers(-6, 6),
              st.none() | st.integers(-3, 3).filter(lambda s: s != 0)),
    st.none(), st.just(Ellipsis))


@prop
@given(x=finite_arrays(), key=st.one_of(_key_item, st.lists(_key_item, max_size=4).map(tuple)))
@recorded
def basic_indexing(x, key):
    if isinstance(key, tuple) and sum(k is Ellipsis for k in key) > 1:
        key = tuple(k for k in key if k is not Ellipsis)
    agree(lambda: T(x)[key], lambda: x[key], what="getitem")


@st.composite
def _array_and_index(draw, min_dims=1):
    x = draw(finite_arrays(hnp.array_shapes(min_dims=min_dims, max_dims=3, min_side=0, max_side=4)))
    dim = draw(st.integers(0, x.ndim - 1))
    idx = draw(index_arrays(x.shape[dim]))
    return x, dim, idx


def _out_of_range(idx, n):
    return bool(np.any((idx < -n) | (idx >= n)))


@prop
@given(case=_array_and_index(), setvalue=st.one_of(st.none(), st.floats(-10, 10, width=32)))
@recorded
def tensor_indexing(case, setvalue):
    x, _, idx = case
    n = x.shape[0]
    bad = _out_of_range(idx, n) or None
    if setvalue is None:
        agree(lambda: T(x)[T(idx)], lambda: x[idx], what="x[idx]", must_raise=bad)
    else:
        def lucid_set():
            t = T(x)
            t[T(idx)] = setvalue
            return t

        def numpy_set():
            y = x.copy()
            y[idx] = setvalue
            return y

        agree(lucid_set, numpy_set, what="x[idx] = v", must_raise=bad)


@prop
@given(case=_array_and_index(), op=st.sampled_from(["gather", "take", "index_select", "take_along_dim", "scatter",
                                                    "scatter_add"]))
@recorded
def gather_scatter(case, op):
    x, dim, idx = case
    n = x.shape[dim]
    if op == "index_select":
        idx = idx.reshape(-1)
        agree(lambda: lucid.index_select(T(x), dim, T(idx)), lambda: np.take(x, idx, axis=dim), what=op,
              must_raise=_out_of_range(idx, n) or None)
    elif op == "take":
        agree(lambda: lucid.take(T(x), T(idx)), lambda: np.take(x.reshape(-1), idx), what=op,
              must_raise=_out_of_range(idx, x.size) or None)
    else:
        # an index shaped like x except along dim (PyTorch's rule for gather/scatter)
        k = idx.size % 5
        shape = list(x.shape)
        shape[dim] = k
        full = np.resize(idx, shape) if idx.size else np.zeros(shape, np.int64)
        bad = _out_of_range(full, n) or None
        if op in ("gather", "take_along_dim"):
            fn = (lambda: lucid.gather(T(x), dim, T(full))) if op == "gather" else \
                (lambda: lucid.take_along_dim(T(x), T(full), dim))
            agree(fn, lambda: np.take_along_axis(x, full, axis=dim), what=op, must_raise=bad)
        else:
            src = np.ones(shape, np.float32)
            fn = lucid.scatter if op == "scatter" else lucid.scatter_add
            ok, _ = outcome(lambda: fn(T(x), dim, T(full), T(src)))
            if bad:
                assert not ok, f"{op} with an index out of range returned a result"


@prop
@given(n_classes=st.integers(1, 5), target=hnp.arrays(np.int64, hnp.array_shapes(max_dims=2, min_side=0, max_side=4),
                                                      elements=st.integers(-4, 8)),
       op=st.sampled_from(["embedding", "one_hot", "cross_entropy", "nll_loss"]))
@recorded
def class_indices(n_classes, target, op):
    bad_range = bool(np.any((target < 0) | (target >= n_classes)))
    if op == "embedding":
        w = np.arange(n_classes * 3, dtype=np.float32).reshape(n_classes, 3)
        agree(lambda: F.embedding(T(target), T(w)), lambda: w[target], what=op, must_raise=bad_range or None)
    elif op == "one_hot":
        agree(lambda: F.one_hot(T(target), n_classes), lambda: np.eye(n_classes, dtype=np.int64)[target], what=op,
              must_raise=bad_range or None)
    else:
        t = target.reshape(-1)
        logits = np.linspace(-2, 2, t.size * n_classes, dtype=np.float32).reshape(t.size, n_classes)
        bad = bool(np.any(((t < 0) | (t >= n_classes)) & (t != -100)))
        logp = logits - np.log(np.exp(logits.astype(np.float64)).sum(1, keepdims=True))

        def ref():
            if t.size == 0:
                return np.float64("nan")
            return -np.mean(logp[np.arange(t.size), t])

        fn = F.cross_entropy if op == "cross_entropy" else F.nll_loss
        inp = logits if op == "cross_entropy" else logp.astype(np.float32)
        agree(lambda: fn(T(inp), T(t)), ref, rtol=1e-4, atol=1e-5, what=op, must_raise=bad or None)


@prop
@given(layer=st.sampled_from(["linear", "conv1d", "conv2d", "maxpool2d", "avgpool2d", "batchnorm2d", "layernorm",
                              "groupnorm", "dropout"]),
       shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
       a=st.integers(-1, 4), b=st.integers(-1, 4), k=st.integers(-1, 4), p=st.floats(-0.5, 1.5))
@recorded
def nn_layers(layer, shape, a, b, k, p):
    x = T(np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape))
    ok, mod = outcome(lambda: {
        "linear": lambda: nn.Linear(a, b),
        "conv1d": lambda: nn.Conv1d(a, b, k),
        "conv2d": lambda: nn.Conv2d(a, b, k, padding=max(k // 2, 0)),
        "maxpool2d": lambda: nn.MaxPool2d(k),
        "avgpool2d": lambda: nn.AvgPool2d(k),
        "batchnorm2d": lambda: nn.BatchNorm2d(a),
        "layernorm": lambda: nn.LayerNorm(a),
        "groupnorm": lambda: nn.GroupNorm(b, a),
        "dropout": lambda: nn.Dropout(p),
    }[layer]())
    if not ok:
        return
    ok, y = outcome(lambda: mod(x))
    if ok and layer == "linear":
        assert y.shape == tuple(shape[:-1]) + (b,)
    if ok and layer in ("batchnorm2d", "layernorm", "groupnorm", "dropout"):
        assert y.shape == tuple(shape)
    if ok and x.numel() and layer != "dropout":
        # backward must not crash either
        outcome(lambda: _backward(mod, x))


def _backward(mod, x):
    x = x.detach().requires_grad_()
    mod(x).sum().backward()
    return x.grad


@prop
@given(x=finite_arrays(), op=st.sampled_from(["topk", "sort", "cumsum", "roll", "tile", "repeat_interleave", "narrow",
                                               "clamp", "flatten", "chunk", "split", "softmax", "log_softmax"]),
       ints=st.lists(st.integers(-5, 6), min_size=3, max_size=3))
@recorded
def more_ops(x, op, ints):
    t = T(x)
    a, b, c = ints
    if op == "topk":
        n = x.shape[b] if x.ndim and -x.ndim <= b < x.ndim else (1 if x.ndim == 0 and b in (0, -1) else None)
        ok, out = outcome(lambda: lucid.topk(t, a, dim=b))
        if ok:
            assert n is not None and 0 <= a <= n, f"topk(k={a}, dim={b}) of shape {x.shape} returned"
            np.testing.assert_allclose(out[0], -np.sort(-x.reshape(x.shape or (1,)), axis=b)[
                (slice(None),) * (b % max(x.ndim, 1)) + (slice(0, a),)].reshape(out[0].shape))
    elif op == "sort":
        scalar = _scalar_dims(x, a)[1]
        agree(lambda: lucid.sort(t, dim=a)[0], lambda: x if scalar else np.sort(x, axis=a), what=op)
    elif op == "cumsum":
        xs, scalar = _scalar_dims(x, a)
        agree(lambda: lucid.cumsum(t, dim=a), lambda: np.cumsum(xs, axis=0 if scalar else a).reshape(x.shape),
              rtol=1e-4, atol=1e-3, what=op)
    elif op == "roll":
        agree(lambda: lucid.roll(t, a, dims=b), lambda: np.roll(x, a, axis=b) if x.ndim else x, what=op)
    elif op == "tile":
        agree(lambda: lucid.tile(t, (a, b)), lambda: np.tile(x, (a, b)) if min(a, b) >= 0 else 1 / 0, what=op)
    elif op == "repeat_interleave":
        ok, out = outcome(lambda: lucid.repeat_interleave(t, a, dim=b if x.ndim else None))
        if a < 0:
            assert not ok, "repeat_interleave with negative repeats returned"
    elif op == "narrow":
        no_crash(lambda: lucid.narrow(t, a, b, c))
    elif op == "clamp":
        agree(lambda: lucid.clamp(t, min(a, b), max(a, b)), lambda: np.clip(x, min(a, b), max(a, b)), what=op)
    elif op == "flatten":
        no_crash(lambda: lucid.flatten(t, a, b))
    elif op in ("chunk", "split"):
        no_crash(lambda: getattr(lucid, op)(t, a, b))
    else:
        no_crash(lambda: getattr(F, op)(t, dim=a))


@prop
@given(fn=st.sampled_from(["conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d",
                           "pad", "interpolate", "mse_loss", "binary_cross_entropy"]),
       shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=6),
       k=st.integers(-1, 4), stride=st.integers(-1, 3), padding=st.integers(-1, 3), dilation=st.integers(0, 2),
       ret=st.booleans())
@recorded
def nn_functional(fn, shape, k, stride, padding, dilation, ret):
    x = T(np.linspace(0.01, 0.99, int(np.prod(shape)), dtype=np.float32).reshape(shape))
    if fn in ("conv1d", "conv2d"):
        nd = 1 if fn == "conv1d" else 2
        cin = shape[-nd - 1] if len(shape) > nd else 1
        k = max(k, 0)
        w = lucid.ones(2, cin, *([k] * nd))
        ok, y = outcome(lambda: getattr(F, fn)(x, w, stride=stride, padding=padding, dilation=dilation))
        if ok:
            # NOTE: a kernel of size 0 is accepted (output length grows by one); PyTorch's rule there is unclear.
            assert len(shape) in (nd + 1, nd + 2) and stride >= 1 and padding >= 0 and dilation >= 1 and k >= 0
            expect = [(s + 2 * padding - dilation * (k - 1) - 1) // stride + 1 for s in shape[-nd:]]
            batch = shape[:1] if len(shape) == nd + 2 else ()  # (C, *spatial) is an unbatched input
            assert y.shape == (*batch, 2, *expect), (y.shape, expect)
    elif fn in ("max_pool1d", "max_pool2d"):
        ok, y = outcome(lambda: getattr(F, fn)(x, k, stride=stride or None, padding=padding,
                                               dilation=max(dilation, 1), return_indices=ret))
        if ok and ret:
            vals, idx = y
            assert vals.shape == idx.shape
    elif fn == "avg_pool2d":
        no_crash(lambda: F.avg_pool2d(x, k, stride=stride or None, padding=padding))
    elif fn == "adaptive_avg_pool2d":
        no_crash(lambda: F.adaptive_avg_pool2d(x, (k, stride)))
    elif fn == "pad":
        if min(k, stride) >= 0:
            agree(lambda: F.pad(x, (k, stride)),
                  lambda: np.pad(x.numpy(), [(0, 0)] * (len(shape) - 1) + [(k, stride)]), what="pad")
        else:  # negative padding crops, as in PyTorch
            no_crash(lambda: F.pad(x, (k, stride)))
    elif fn == "interpolate":
        no_crash(lambda: F.interpolate(x, size=k if k >= 0 else None, scale_factor=stride if k < 0 else None,
                                       mode="nearest"))
    else:
        other = T(np.full(shape[::-1] if ret else shape, 0.5, np.float32))
        ok, y = outcome(lambda: getattr(F, fn)(x, other))
        if ok and fn == "binary_cross_entropy":  # PyTorch requires equal shapes here
            assert x.shape == other.shape, f"{fn} of shapes {x.shape} and {other.shape} returned"
        elif ok:  # mse_loss broadcasts (PyTorch warns)
            np.broadcast_shapes(x.shape, other.shape)


_matrices = st.one_of(
    hnp.arrays(np.float32, hnp.array_shapes(min_dims=2, max_dims=4, min_side=0, max_side=4).map(
        lambda s: s[:-1] + (s[-2],)), elements=st.one_of(st.floats(-4, 4, width=32), st.sampled_from([0.0, 1.0]))),
    hnp.arrays(np.float32, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4), elements=floats32),
)


@prop
@given(A=_matrices, op=st.sampled_from(["cholesky", "inv", "solve", "det", "slogdet", "qr", "svd", "eigh", "pinv",
                                        "matrix_power", "cholesky_ex", "inv_ex", "solve_ex", "solve_triangular",
                                        "matrix_rank", "norm"]),
       f64=st.booleans())
@recorded
def linalg(A, op, f64):
    L = lucid.linalg
    t = T(A, "float64" if f64 else None)
    b = lucid.ones(*A.shape[:-1], dtype=t.dtype) if A.ndim else lucid.ones(1)
    fn = {
        "cholesky": lambda: L.cholesky(t), "inv": lambda: L.inv(t), "solve": lambda: L.solve(t, b),
        "det": lambda: L.det(t), "slogdet": lambda: L.slogdet(t), "qr": lambda: L.qr(t), "svd": lambda: L.svd(t),
        "eigh": lambda: L.eigh(t), "pinv": lambda: L.pinv(t), "matrix_power": lambda: L.matrix_power(t, -2),
        "cholesky_ex": lambda: L.cholesky_ex(t), "inv_ex": lambda: L.inv_ex(t), "solve_ex": lambda: L.solve_ex(t, b),
        "solve_triangular": lambda: L.solve_triangular(t, b[..., None], upper=True),
        "matrix_rank": lambda: L.matrix_rank(t), "norm": lambda: L.norm(t),
    }[op]
    ok, out = outcome(fn)
    if ok and op == "inv_ex" and np.isfinite(A).all():
        inv, info = out
        assert info.shape == A.shape[:-2] and info.dtype == np.int32
        assert np.isnan(inv[info != 0]).all()  # a singular matrix's inverse is NaN, never garbage


@prop
@given(op=st.sampled_from(["zeros", "ones", "full", "arange", "eye", "linspace", "empty", "rand", "randn"]),
       args=st.lists(st.one_of(st.integers(-3, 6), st.floats(-3, 6, allow_nan=False)), min_size=0, max_size=3),
       dtype=st.one_of(st.none(), dtypes))
@recorded
def creation(op, args, dtype):
    kw = {} if dtype is None else {"dtype": getattr(lucid, dtype) if dtype != "bool" else lucid.bool_}
    if op == "full":
        fn = lambda: lucid.full(tuple(args[:-1]), args[-1] if args else 0, **kw)  # noqa: E731
    else:
        fn = lambda: getattr(lucid, op)(*args, **kw)  # noqa: E731
    ok, out = outcome(fn)
    if ok and op in ("zeros", "ones", "empty", "rand", "randn") and all(isinstance(a, int) for a in args):
        assert out.shape == tuple(args)
    if ok and op == "arange" and dtype is None and all(isinstance(a, int) for a in args) and args:
        assert_close(out, np.arange(*args[:3]), what="arange")


@prop
@given(values=st.dictionaries(st.text(min_size=1, max_size=8), st.tuples(shapes, dtypes), max_size=4),
       name=st.sampled_from(["m.pt", "m.pth", "m.ckpt", "m", "m.lucid", "m.npz", "m.safetensors"]),
       junk=st.binary(max_size=64))
@recorded
def serialization(values, name, junk):
    state = {}
    for i, (key, (shape, dtype)) in enumerate(values.items()):
        arr = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) - i
        state[key] = T(arr, dtype if dtype != "bool" else "bool_")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name)
        lucid.save(state, path)
        back = lucid.load(path)
        assert set(back) == set(state)
        for key, t in state.items():
            assert back[key].dtype == t.dtype and back[key].shape == t.shape
            assert_close(back[key].float().numpy(), t.float().numpy(), what=key)
        with open(path, "wb") as f:
            f.write(junk)
        no_crash(lambda: lucid.load(path))
        with open(path, "r+b") as f:  # the real file cut short
            f.truncate(len(junk) // 2)
        no_crash(lambda: lucid.load(path))


_FUNCTIONS = [
    "exp", "sum", "mean", "amax", "argmax", "reshape", "permute", "cat", "stack", "gather", "take", "index_select",
    "scatter", "matmul", "where", "clamp", "tensor", "zeros", "full", "arange", "eye", "flip", "squeeze", "unsqueeze",
    "transpose", "expand", "add", "mul", "div", "maximum", "sort", "topk", "cumsum", "roll", "tile",
]
_NN = ["embedding", "one_hot", "cross_entropy", "nll_loss", "softmax", "log_softmax", "dropout", "linear", "conv2d",
       "max_pool2d", "avg_pool2d", "layer_norm", "pad", "interpolate"]
_LINALG = ["inv", "solve", "cholesky", "det", "qr", "svd", "norm", "inv_ex", "cholesky_ex", "solve_ex"]


@prop
@given(fn=st.sampled_from([("lucid", n) for n in _FUNCTIONS] + [("F", n) for n in _NN] +
                          [("linalg", n) for n in _LINALG]),
       args=st.lists(st.one_of(garbage, st.sampled_from(["T2", "Ti", "T0"])), max_size=3))
@recorded
def wrong_argument_types(fn, args):
    space, name = fn
    f = getattr({"lucid": lucid, "F": F, "linalg": lucid.linalg}[space], name)
    real = {"T2": lucid.ones(2, 3), "Ti": lucid.tensor([0, 1]), "T0": lucid.tensor(1.0)}
    args = [real[a] if isinstance(a, str) and a in real else a for a in args]
    no_crash(lambda: f(*args))


# -- self-tests of the harness: a crash and a hang must be reported with their inputs ------------------------------
SELFTEST = {}


@given(n=st.integers(0, 3))
@recorded
def selftest_crash(n):
    if n == 3:
        import signal

        os.kill(os.getpid(), signal.SIGSEGV)


@given(n=st.integers(0, 3))
@recorded
def selftest_hang(n):
    if n == 3:
        import time

        time.sleep(600)


SELFTEST.update(selftest_crash=selftest_crash, selftest_hang=selftest_hang)
