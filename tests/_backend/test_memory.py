"""lucid.memory_allocated & co. on MLX's allocator."""

import pytest

import lucid


def test_allocation_and_peak_follow_a_large_array():
    lucid.empty_cache()
    lucid.reset_peak_memory_stats()
    before = lucid.memory_allocated()
    x = lucid.ones(2048, 1024)  # 8 MiB of float32
    lucid.eval(x)
    assert lucid.memory_allocated() - before >= 8 * 2**20
    assert lucid.max_memory_allocated() >= lucid.memory_allocated()
    del x
    assert lucid.memory_allocated() < before + 8 * 2**20
    assert lucid.max_memory_allocated() >= before + 8 * 2**20  # the peak remembers
    lucid.reset_peak_memory_stats()
    assert lucid.max_memory_allocated() < before + 8 * 2**20
    assert lucid.memory_reserved() >= lucid.memory_allocated()
    lucid.empty_cache()


def test_memory_limit_roundtrip_and_errors():
    old = lucid.set_memory_limit(2**32)
    try:
        assert lucid.get_memory_limit() == 2**32
    finally:
        lucid.set_memory_limit(old)
    with pytest.raises(TypeError):
        lucid.set_memory_limit(1.5)
    with pytest.raises(ValueError):
        lucid.set_memory_limit(-1)
