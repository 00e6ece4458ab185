"""The top-level Tensor queries (numel, detach, is_floating_point, is_complex) reject non-Tensors alike."""

import pytest

import lucid


@pytest.mark.parametrize("name", ["numel", "detach", "is_floating_point", "is_complex"])
def test_non_tensor_is_a_type_error_naming_the_function(name):
    with pytest.raises(TypeError, match=rf"^{name} expects a Tensor, got list$"):
        getattr(lucid, name)([1.0])


@pytest.mark.parametrize("name", ["numel", "detach", "is_floating_point", "is_complex"])
def test_tensor_gives_the_method_result(name):
    x = lucid.ones(2, 3)
    got, want = getattr(lucid, name)(x), getattr(x, name)()
    if name == "detach":
        assert got.tolist() == want.tolist()
    else:
        assert got == want
