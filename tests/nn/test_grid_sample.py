"""grid_sample and affine_grid against per-pixel NumPy references."""

import itertools

import numpy as np
import pytest

import lucid
import lucid.nn.functional as F
from tests.helpers import OpCase, rand, run_case


def _unnorm(g, n, align):
    return (g + 1) / 2 * (n - 1) if align else ((g + 1) * n - 1) / 2


def _reflect(x, lo2, hi2):
    if lo2 == hi2:
        return 0.0
    lo, span = lo2 / 2, (hi2 - lo2) / 2
    d = abs(x - lo)
    flips = np.floor(d / span)
    extra = d - flips * span
    return extra + lo if flips % 2 == 0 else span - extra + lo


def _coord(g, n, pad, align):
    x = _unnorm(g, n, align)
    if pad == "border":
        x = min(max(x, 0), n - 1)
    elif pad == "reflection":
        x = _reflect(x, 0, 2 * (n - 1)) if align else _reflect(x, -1, 2 * n - 1)
        x = min(max(x, 0), n - 1)
    return x


def grid_sample_ref(inp, grid, mode="bilinear", padding_mode="zeros", align_corners=False):
    n, c, h, w = inp.shape
    _, ho, wo, _ = grid.shape
    out = np.zeros((n, c, ho, wo))

    def at(b, yi, xi):
        if 0 <= yi < h and 0 <= xi < w:
            return inp[b, :, yi, xi]
        return np.zeros(c)

    for b, i, j in itertools.product(range(n), range(ho), range(wo)):
        x = _coord(grid[b, i, j, 0], w, padding_mode, align_corners)
        y = _coord(grid[b, i, j, 1], h, padding_mode, align_corners)
        if mode == "nearest":
            out[b, :, i, j] = at(b, int(np.rint(y)), int(np.rint(x)))
            continue
        x0, y0 = int(np.floor(x)), int(np.floor(y))
        fx, fy = x - x0, y - y0
        out[b, :, i, j] = (at(b, y0, x0) * (1 - fx) * (1 - fy) + at(b, y0, x0 + 1) * fx * (1 - fy)
                           + at(b, y0 + 1, x0) * (1 - fx) * fy + at(b, y0 + 1, x0 + 1) * fx * fy)
    return out


def affine_grid_ref(theta, size, align_corners=False):
    n = size[0]
    spatial = size[2:]
    nd = len(spatial)

    def coords(k):
        if align_corners:
            return np.linspace(-1, 1, k) if k > 1 else np.zeros(1)
        return (2 * np.arange(k) + 1) / k - 1

    out = np.zeros((n,) + tuple(spatial) + (nd,))
    for b in range(n):
        for pos in itertools.product(*[range(s) for s in spatial]):
            # x is the last spatial index.
            vec = [coords(spatial[nd - 1 - a])[pos[nd - 1 - a]] for a in range(nd)] + [1.0]
            out[(b,) + pos] = theta[b] @ np.array(vec)
    return out


INP = rand(2, 3, 4, 5, seed=1)
# Grid points spread beyond [-1, 1] (to exercise the padding modes), kept off integer pixel positions
# so that finite differences do not straddle a kink of the bilinear weights.
GRID = rand(2, 3, 4, 2, seed=2, low=-1.6, high=1.6)

CASES = []
for mode, pad, align in itertools.product(("bilinear", "nearest"), ("zeros", "border", "reflection"), (False, True)):
    kw = {"mode": mode, "padding_mode": pad, "align_corners": align}
    CASES.append(OpCase(f"{mode}-{pad}-{align}", F.grid_sample, grid_sample_ref,
                        [INP, GRID], kw, grad_atol=1e-5))


@pytest.mark.parametrize("case", CASES, ids=str)
def test_grid_sample_against_numpy(case):
    run_case(case)


@pytest.mark.parametrize("align", [False, True])
def test_affine_grid_against_numpy(align):
    theta = rand(2, 2, 3, seed=3)
    run_case(OpCase("affine_grid", lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=align),
                    lambda t: affine_grid_ref(t, (2, 1, 3, 4), align), [theta]))
    theta3 = rand(1, 3, 4, seed=4)
    run_case(OpCase("affine_grid3d", lambda t: F.affine_grid(t, (1, 2, 2, 3, 4), align_corners=align),
                    lambda t: affine_grid_ref(t, (1, 2, 2, 3, 4), align), [theta3]))


def test_identity_transform_reproduces_the_input():
    x = lucid.tensor(INP.astype(np.float32))
    theta = lucid.tensor(np.tile(np.array([[1.0, 0, 0], [0, 1.0, 0]], dtype=np.float32), (2, 1, 1)))
    for align in (False, True):
        grid = F.affine_grid(theta, x.shape, align_corners=align)
        np.testing.assert_allclose(F.grid_sample(x, grid, align_corners=align).numpy(), INP, atol=1e-5)


def test_dtype_and_errors():
    x = lucid.ones(1, 1, 2, 2, dtype=lucid.float16)
    g = lucid.zeros(1, 1, 1, 2)
    assert F.grid_sample(x, g).dtype == lucid.float16
    with pytest.raises(ValueError, match="padding_mode"):
        F.grid_sample(x, g, padding_mode="wrap")
    with pytest.raises(NotImplementedError, match="bicubic"):
        F.grid_sample(x, g, mode="bicubic")
    with pytest.raises(NotImplementedError, match="5-D"):
        F.grid_sample(lucid.ones(1, 1, 2, 2, 2), lucid.zeros(1, 1, 1, 1, 3))
    with pytest.raises(ValueError, match="expected input"):
        F.grid_sample(x, lucid.zeros(1, 1, 2))
    with pytest.raises(ValueError, match="theta"):
        F.affine_grid(lucid.zeros(1, 2, 3), (2, 1, 3, 3))
    with pytest.raises(TypeError):
        F.grid_sample(np.ones((1, 1, 2, 2)), g)
    # Non-finite grid points read nothing out of bounds: they give 0 in zeros mode.
    bad = lucid.tensor([[[[float("nan"), 0.0], [1e30, -1e30]]]])
    out = F.grid_sample(lucid.ones(1, 1, 2, 2), bad).numpy()
    assert out[0, 0, 0, 1] == 0.0
