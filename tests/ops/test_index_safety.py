"""Index tensors never read or write outside a tensor; bad ones raise at the next sync point (issue 15)."""

import subprocess
import sys
import textwrap

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid._backend import checks
from lucid.ops._index_guard import safe_index

T = lucid.tensor
BIG = 10**9


@pytest.fixture(autouse=True)
def _clean():
    checks._state.checks = []
    lucid.set_index_checks(True)
    yield
    checks._state.checks = []
    lucid.set_index_checks(True)


def _raises_at_sync(make, match):
    """``make()`` returns without raising; the next sync point raises an IndexError matching ``match``."""
    out = make()
    assert checks.has_pending()
    with pytest.raises(IndexError, match=match):
        out.tolist() if isinstance(out, lucid.Tensor) else lucid.eval(*out)
    assert not checks.has_pending()


# -- the helper ------------------------------------------------------------------
def test_safe_index_clamps_wraps_and_reports_lazily():
    out = safe_index(mx.array([-4, -1, 0, 2, 3, BIG]), 3, "demo", negative=True, dim=1)
    assert out.tolist() == [0, 2, 0, 2, 2, 2]
    with pytest.raises(checks.IndexOutOfRange,
                       match=r"demo: index 1000000000 is out of bounds for dim 1 with size 3: "
                             r"index values span \[-4, 1000000000\], the valid range is \[-3, 2\]"):
        lucid.eval()


def test_safe_index_without_negatives_reports_the_negative():
    assert safe_index(mx.array([-1, 1]), 3, "demo").tolist() == [0, 1]
    with pytest.raises(IndexError, match=r"index -1 is out of bounds.*valid range is \[0, 2\]"):
        lucid.eval()


@pytest.mark.parametrize("dtype", [mx.int8, mx.int16, mx.int32, mx.int64, mx.uint8, mx.uint32])
@pytest.mark.parametrize("negative", [False, True])
def test_safe_index_flags_exactly_the_values_outside_the_range(dtype, negative):
    n = 5
    lo = -n if negative else 0
    signed = dtype in (mx.int8, mx.int16, mx.int32, mx.int64)
    candidates = [n - 1, 0, n, 100] + ([lo, lo - 1, -1, -100] if signed else [])
    if dtype == mx.int64:
        candidates += [-(2**63), 2**63 - 1]
    for v in candidates:
        checks._state.checks = []
        safe = safe_index(mx.array([1, v], dtype=dtype), n, "demo", negative=negative)
        assert min(safe.tolist()) >= 0 and max(safe.tolist()) <= n - 1
        if lo <= v < n:
            lucid.eval()
        else:
            with pytest.raises(IndexError, match="demo: index"):
                lucid.eval()


def test_safe_index_valid_and_empty_record_nothing_that_fails():
    assert safe_index(mx.array([0, 2, -3]), 3, "demo", negative=True).tolist() == [0, 2, 0]
    assert safe_index(mx.zeros((0,), dtype=mx.int64), 0, "demo").size == 0
    lucid.eval()  # nothing raised


def test_safe_index_into_an_empty_dim_raises_at_once():
    with pytest.raises(IndexError, match="demo: cannot index an empty dim 0 of size 0"):
        safe_index(mx.array([0]), 0, "demo", dim=0)


@pytest.mark.parametrize("dtype", [mx.int8, mx.uint8, mx.int16, mx.uint16, mx.int32, mx.uint32, mx.int64])
def test_safe_index_narrow_dtypes_do_not_overflow(dtype):
    out = safe_index(mx.array([0, 100], dtype=dtype), 1000, "demo", negative=True)
    assert out.tolist() == [0, 100]
    assert safe_index(mx.array([5], dtype=dtype), 3, "demo").tolist() == [2]
    with pytest.raises(IndexError):
        lucid.eval()


def test_checks_off_clamps_silently():
    lucid.set_index_checks(False)
    assert safe_index(mx.array([BIG, -BIG]), 3, "demo").tolist() == [2, 0]
    assert not checks.has_pending()


# -- every index-taking op: the call returns, the sync raises naming op, range and size --
X = lambda: lucid.arange(6.0).reshape(2, 3)  # noqa: E731

BAD = [
    ("getitem", lambda: X()[T([-BIG])], r"indexing: index -1000000000 is out of bounds for dim 0 with size 2"),
    ("getitem_dim1", lambda: X()[:, T([0, 3])], r"indexing: index 3 .*dim 1 with size 3.*span \[0, 3\]"),
    ("getitem_2", lambda: X()[T([0]), T([7])], r"indexing: index 7 .*dim 1 with size 3"),
    ("index_select", lambda: X().index_select(1, T([BIG])), r"index_select: index 1000000000 .*dim 1 with size 3"),
    ("index_select_neg", lambda: X().index_select(0, T([-1])), r"index_select: index -1 .*valid range is \[0, 1\]"),
    ("gather", lambda: X().gather(1, T([[0], [5]])), r"gather: index 5 .*dim 1 with size 3"),
    ("gather_neg", lambda: X().gather(1, T([[-1], [0]])), r"gather: index -1 .*valid range is \[0, 2\]"),
    ("take", lambda: lucid.take(X(), T([6])), r"take: index 6 is out of bounds for size 6.*\[-6, 5\]"),
    ("take_neg", lambda: lucid.take(X(), T([-7])), r"take: index -7"),
    ("take_along_dim", lambda: X().take_along_dim(T([[3], [0]]), 1), r"take_along_dim: index 3 .*dim 1 with size 3"),
    ("take_along_dim_flat", lambda: X().take_along_dim(T([BIG])), r"take_along_dim: index 1000000000"),
    ("scatter", lambda: lucid.zeros(3).scatter_(0, T([BIG]), 1.0), r"scatter: index 1000000000 .*size 3"),
    ("scatter_neg", lambda: lucid.zeros(3).scatter(0, T([-1]), 1.0), r"scatter: index -1 .*\[0, 2\]"),
    ("scatter_add", lambda: lucid.zeros(3).scatter_add(0, T([0, 4]), lucid.ones(2)), r"scatter_add: index 4"),
    ("scatter_multiply", lambda: lucid.ones(3).scatter(0, T([4]), 2.0, reduce="multiply"), r"scatter: index 4"),
]


def _setitem_bad():
    x = lucid.zeros(3)
    x[T([BIG])] = 1.0
    return x


BAD.append(("setitem", _setitem_bad, r"indexing: index 1000000000 .*size 3"))


@pytest.mark.parametrize("make, match", [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_tensor_indices_raise_at_the_next_sync(make, match):
    _raises_at_sync(make, match)


@pytest.mark.parametrize("make", [b[1] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_tensor_indices_with_checks_off_neither_raise_nor_crash(make):
    lucid.set_index_checks(False)
    out = make()
    assert not checks.has_pending()
    out.tolist()


def test_index_out_of_range_is_a_runtime_error_too():
    y = lucid.zeros(3).scatter(0, T([BIG]), 1.0)
    with pytest.raises(RuntimeError, match="scatter"):
        y.tolist()


def test_the_error_surfaces_at_an_optimizer_step():
    w = lucid.nn.Parameter(lucid.ones(3))
    opt = lucid.optim.SGD([w], lr=0.1)
    loss = w[T([0, 5])].sum()
    loss.backward()  # the gradient is a clamped scatter-add: no crash
    with pytest.raises(IndexError, match="indexing: index 5"):
        opt.step()


# -- negative indices follow PyTorch op by op --------------------------------------
def test_negative_indices_where_pytorch_accepts_them():
    x = X()
    assert x[T([-1])].tolist() == [[3.0, 4.0, 5.0]]
    assert x[:, T([-3, -1])].tolist() == [[0.0, 2.0], [3.0, 5.0]]
    assert lucid.take(x, T([-1, -6])).tolist() == [5.0, 0.0]
    assert x.take_along_dim(T([[-1], [-3]]), 1).tolist() == [[2.0], [3.0]]
    assert x.take_along_dim(T([-1])).tolist() == [5.0]
    y = lucid.zeros(3)
    y[T([-1])] = 7.0
    assert y.tolist() == [0.0, 0.0, 7.0]
    assert not checks.has_pending() or lucid.eval() is None


def test_host_indices_are_checked_at_once():
    x = X()
    with pytest.raises(IndexError, match="index_select: index -1 is out of range for dim 0 with size 2"):
        x.index_select(0, [-1])
    with pytest.raises(IndexError, match="gather: index 3"):
        x.gather(1, [[3], [0]])
    with pytest.raises(IndexError, match="scatter: index -1"):
        x.scatter(1, np.array([[-1], [0]]), 0.0)
    with pytest.raises(IndexError, match="take_along_dim: index 3"):
        x.take_along_dim([[3], [0]], 1)
    with pytest.raises(IndexError, match="out of range"):
        x[[0, 2]]
    assert not checks.has_pending()
    assert x.take_along_dim([[-1], [0]], 1).tolist() == [[2.0], [3.0]]
    assert x.index_select(1, [2, 0]).tolist() == [[2.0, 0.0], [5.0, 3.0]]


# -- values and gradients --------------------------------------------------------
def test_scatter_add_with_a_bad_index_leaves_valid_slots_alone():
    lucid.set_index_checks(False)
    y = lucid.zeros(3).scatter_add(0, T([1, BIG, -5]), T([1.0, 10.0, 100.0]))
    assert y.tolist() == [0.0, 1.0, 0.0]
    y = lucid.ones(3).scatter(0, T([1, BIG]), T([2.0, 10.0]), reduce="multiply")
    assert y.tolist() == [1.0, 2.0, 1.0]


def test_gradients_of_bad_indices_are_safe_and_valid_ones_unchanged():
    lucid.set_index_checks(False)
    x = lucid.ones(2, 3, requires_grad=True)
    (x.gather(1, T([[0, BIG], [2, -BIG]])) * T([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    assert x.grad.tolist() == [[1.0, 0.0, 2.0], [4.0, 0.0, 3.0]]  # clamped: BIG -> 2, -BIG -> 0
    src = lucid.ones(2, requires_grad=True)
    lucid.zeros(3).scatter_add(0, T([1, BIG]), src).sum().backward()
    assert src.grad.tolist() == [1.0, 0.0]  # the dropped update gets no gradient
    x = lucid.ones(3, requires_grad=True)
    x[T([0, 0, 2])].sum().backward()
    assert x.grad.tolist() == [2.0, 0.0, 1.0]


def test_empty_index_tensors_are_fine():
    x = X()
    assert x.index_select(1, T([], dtype=lucid.int64)).shape == (2, 0)
    assert x[T([], dtype=lucid.int64)].shape == (0, 3)
    assert lucid.take(x, T([], dtype=lucid.int64)).shape == (0,)
    assert not checks.has_pending() or lucid.eval() is None


def test_indexing_an_empty_dim_raises_at_once():
    with pytest.raises(IndexError, match="empty dim"):
        lucid.zeros(0, 2)[T([0])]
    with pytest.raises(IndexError, match="empty dim"):
        lucid.zeros(2, 0).index_select(1, T([0]))



# -- repeat_interleave counts ------------------------------------------------------
def test_repeat_interleave_negative_counts_raise_at_once_when_read_back():
    with pytest.raises(ValueError, match="repeat_interleave: repeats must be non-negative, got -1"):
        T([1, 2]).repeat_interleave(T([1, -1]))


@pytest.mark.parametrize("reps, size", [([1, 1], 5), ([3, -1], 2), ([2, 2], 3)])
def test_repeat_interleave_bad_counts_with_output_size_raise_at_the_next_sync(reps, size):
    out = T([1.0, 2.0]).repeat_interleave(T(reps), output_size=size)  # returns: nothing read back
    assert out.shape == (size,)
    with pytest.raises(ValueError, match=f"repeat_interleave: repeats must be non-negative and sum to "
                                         f"output_size={size}"):
        out.tolist()
    lucid.set_index_checks(False)
    assert set(T([1.0, 2.0]).repeat_interleave(T(reps), output_size=size).tolist()) <= {1.0, 2.0}


def test_repeat_interleave_valid_counts_with_output_size():
    assert T([1, 2]).repeat_interleave(T([0, 3]), output_size=3).tolist() == [2, 2, 2]
    with pytest.raises(ValueError, match="empty dim"):
        lucid.zeros(0).repeat_interleave(T([], dtype=lucid.int64), output_size=2)

# -- the issue's table, in a child process: a regression to a crash fails this test, not pytest --
_TABLE = textwrap.dedent("""
    import lucid
    import lucid.nn.functional as F
    from lucid import nn
    rows = [
        ("embedding_big", lambda: nn.Embedding(5, 2)(lucid.tensor([10**9]))),
        ("cross_entropy_big", lambda: F.cross_entropy(lucid.randn(3, 4), lucid.tensor([0, 1, 10**9]))),
        ("getitem_neg_big", lambda: lucid.arange(3.0)[lucid.tensor([-10**9])]),
        ("index_select_big", lambda: lucid.arange(3.0).index_select(0, lucid.tensor([10**9]))),
        ("scatter_big", lambda: lucid.zeros(3).scatter_(0, lucid.tensor([10**9]), 1.0)),
        ("embedding_7", lambda: nn.Embedding(5, 2)(lucid.tensor([7]))),
        ("cross_entropy_7", lambda: F.cross_entropy(lucid.randn(3, 4), lucid.tensor([0, 1, 7]))),
        ("cross_entropy_neg", lambda: F.cross_entropy(lucid.randn(3, 4), lucid.tensor([0, 1, -3]))),
        ("one_hot_big", lambda: F.one_hot(lucid.tensor([0, 10**9]), 3)),
        ("embedding_neg", lambda: nn.Embedding(5, 2)(lucid.tensor([-1]))),
    ]
    for name, make in rows:
        out = make()
        try:
            out.tolist()
            print(name, "no error")
        except IndexError as err:
            print(name, "IndexError" + ("+RuntimeError" if isinstance(err, RuntimeError) else ""))
    print("survived")
""")


def test_the_issue_table_raises_instead_of_crashing():
    proc = subprocess.run([sys.executable, "-c", _TABLE], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"exit code {proc.returncode}: {proc.stderr[-2000:]}"
    lines = proc.stdout.split("\n")
    assert lines[-2] == "survived"
    assert len(lines) == 12 and all(line.split()[1].startswith("IndexError") for line in lines[:10]), proc.stdout
    assert "scatter_big IndexError+RuntimeError" in lines and "one_hot_big IndexError+RuntimeError" in lines


@pytest.mark.parametrize("negative", [False, True])
def test_safe_index_fused_path_matches_the_op_by_op_one(negative):
    from lucid.ops import _index_guard

    n = 7
    raw = np.random.default_rng(0).integers(-12, 12, _index_guard.FUSE_MIN_SIZE + 5)
    wrapped = np.where(raw < 0, raw + n, raw) if negative else raw
    for dtype in (mx.int32, mx.int64):
        checks._state.checks = []
        safe = safe_index(mx.array(raw, dtype=dtype), n, "demo", negative=negative)
        assert safe.dtype == dtype
        np.testing.assert_array_equal(np.array(safe), np.clip(wrapped, 0, n - 1))
        with pytest.raises(IndexError, match=r"demo: index .* span \[-12, 11\]"):
            lucid.eval()
        ok = safe_index(mx.array(np.clip(wrapped, 0, n - 1), dtype=dtype), n, "demo", negative=negative)
        lucid.eval(ok)  # nothing raised
