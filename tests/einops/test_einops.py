"""einops on Lucid Tensors: the einops package's own functions and ``lucid.einops``, with gradients."""

import subprocess
import sys

import numpy as np
import pytest

einops = pytest.importorskip("einops")

import lucid  # noqa: E402
import lucid.nn as nn  # noqa: E402
from lucid import einops as le  # noqa: E402
from tests.helpers import check_grad, rand  # noqa: E402

X = rand(2, 3, 4, 6, seed=1)


def test_importing_lucid_is_enough_for_einops():
    code = ("import einops, lucid; t = lucid.ones(2, 3, 4, 5, requires_grad=True); "
            "y = einops.rearrange(t, 'b c h w -> b (h w) c'); assert y.shape == (2, 20, 3); "
            "y.sum().backward(); assert t.grad.shape == (2, 3, 4, 5); "
            "assert type(einops._backends.get_backend(t)).__name__ == 'LucidBackend'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_lucid_is_reported_as_the_backend():
    backend = einops._backends.get_backend(lucid.ones(1))
    assert backend.framework_name == "lucid" and "lucid" in repr(backend)


@pytest.mark.parametrize("pattern,kw", [
    ("b c h w -> b (h w) c", {}), ("b c h w -> (b c) h w", {}), ("b c (h h2) w -> b c h h2 w", {"h2": 2}),
    ("b c h w -> w h c b", {}), ("b ... w -> b w ...", {}),
])
@pytest.mark.parametrize("fn", [einops.rearrange, le.rearrange], ids=["einops", "lucid.einops"])
def test_rearrange_matches_numpy_and_differentiates(fn, pattern, kw):
    got = fn(lucid.tensor(X), pattern, **kw)
    np.testing.assert_allclose(got.numpy(), einops.rearrange(X, pattern, **kw))
    check_grad(lambda t: fn(t, pattern, **kw), [X])


@pytest.mark.parametrize("reduction", ["sum", "mean", "max", "min", "prod"])
@pytest.mark.parametrize("fn", [einops.reduce, le.reduce], ids=["einops", "lucid.einops"])
def test_reduce(fn, reduction):
    pattern = "b c (h 2) (w 3) -> b c h w"
    got = fn(lucid.tensor(X), pattern, reduction)
    np.testing.assert_allclose(got.numpy(), einops.reduce(X, pattern, reduction), rtol=1e-6)
    check_grad(lambda t: fn(t, pattern, reduction), [X])


def test_repeat_and_gradient():
    got = le.repeat(lucid.tensor(X[0, 0]), "h w -> (r h) w c", r=2, c=3)
    np.testing.assert_allclose(got.numpy(), einops.repeat(X[0, 0], "h w -> (r h) w c", r=2, c=3))
    check_grad(lambda t: einops.repeat(t, "h w -> h w c", c=3), [X[0, 0]])


def test_einsum_pack_unpack():
    a, b = rand(2, 3, seed=2), rand(3, 4, seed=3)
    np.testing.assert_allclose(le.einsum(lucid.tensor(a), lucid.tensor(b), "i k, k j -> i j").numpy(), a @ b)
    check_grad(lambda s, t: le.einsum(s, t, "i k, k j -> i j"), [a, b])
    packed, shapes = le.pack([lucid.tensor(a), lucid.tensor(rand(2, seed=4))], "i *")
    assert packed.shape == (2, 4) and shapes == [(3,), ()]
    first, second = le.unpack(packed, shapes, "i *")
    np.testing.assert_allclose(first.numpy(), a)
    assert second.shape == (2,)


def test_list_input_is_stacked():
    parts = [lucid.tensor(X[i]) for i in range(2)]
    np.testing.assert_allclose(le.rearrange(parts, "b c h w -> b c (h w)").numpy(), X.reshape(2, 3, 24))


def test_layers_in_a_model():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.Reduce("b c (h 2) (w 2) -> b c h w", "max"),
                          nn.Rearrange("b c h w -> b (c h w)"), nn.Linear(4 * 2 * 3, 1))
    assert nn.Rearrange is le.Rearrange and nn.Reduce is le.Reduce
    x = lucid.tensor(X.astype(np.float32))
    out = model(x)
    assert out.shape == (2, 1)
    out.sum().backward()
    assert model[0].weight.grad is not None
    assert repr(model[2]) == "Rearrange('b c h w -> b (c h w)')"


def test_bad_pattern_raises_einops_error():
    with pytest.raises(einops.EinopsError):
        le.rearrange(lucid.ones(2, 3), "a b c -> a b c")
