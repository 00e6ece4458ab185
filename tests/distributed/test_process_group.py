"""``lucid.distributed`` in one process: the world of size 1, errors, and DDP's buckets (with a fake group)."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.distributed as dist
import lucid.nn as nn
from lucid.distributed import _State
from lucid.nn.parallel import DistributedDataParallel as DDP


@pytest.fixture
def no_group():
    saved = (_State.group, _State.backend)
    dist.destroy_process_group()
    yield
    _State.group, _State.backend = saved


@pytest.fixture
def world1():
    dist.init_process_group()
    yield


@pytest.mark.parametrize("call", [
    dist.get_rank, dist.get_world_size, dist.barrier,
    lambda: dist.all_reduce(lucid.ones(2)), lambda: dist.broadcast(lucid.ones(2)),
    lambda: DDP(nn.Linear(2, 2)),
])
def test_before_init_process_group_is_a_clear_error(no_group, call):
    with pytest.raises(RuntimeError, match="init_process_group"):
        call()
    assert not dist.is_initialized()


def test_sampler_without_group_needs_explicit_ranks(no_group):
    with pytest.raises(RuntimeError, match="num_replicas and rank"):
        lucid.data.DistributedSampler(range(4))


def test_a_single_process_is_a_world_of_one(world1):
    assert dist.is_initialized() and dist.get_rank() == 0 and dist.get_world_size() == 1
    t = lucid.tensor([1.0, -2.0])
    v = t._version
    for op in ("sum", "mean", "max", "min"):
        dist.all_reduce(t, op=op)
    assert t.tolist() == [1.0, -2.0] and t._version > v
    out = [lucid.zeros(2, 2)]
    dist.all_gather(out, lucid.ones(2, 2))
    assert out[0].tolist() == [[1.0, 1.0], [1.0, 1.0]]
    dist.barrier()


def test_bad_arguments(world1):
    with pytest.raises(ValueError, match="unknown op"):
        dist.all_reduce(lucid.ones(2), op="prod")
    with pytest.raises(TypeError, match="floating"):
        dist.all_reduce(lucid.tensor([1, 2]), op="mean")
    with pytest.raises(TypeError, match="must be a lucid Tensor"):
        dist.all_reduce(np.ones(2))
    with pytest.raises(ValueError, match="out of range"):
        dist.broadcast(lucid.ones(2), src=1)
    with pytest.raises(ValueError, match="list of 1 Tensors"):
        dist.all_gather([lucid.ones(2)] * 2, lucid.ones(2))
    with pytest.raises(ValueError, match="unknown backend"):
        dist.init_process_group("tcp")
    with pytest.raises(ValueError, match="cannot send to itself"):
        dist.send(lucid.ones(1), 0)


def test_ddp_in_one_process_is_the_module(world1, tmp_path):
    lucid.manual_seed(0)
    inner = nn.Linear(3, 2)
    model = DDP(inner)
    assert model.module is inner
    assert list(model.state_dict()) == ["module.weight", "module.bias"]
    x = lucid.tensor(np.arange(6, dtype=np.float32).reshape(2, 3))
    model(x).sum().backward()
    assert np.allclose(inner.weight.grad.numpy(), np.tile(x.numpy().sum(0), (2, 1)))
    with pytest.raises(TypeError, match="wraps a lucid.nn.Module"):
        DDP(lambda x: x)
    with pytest.raises(ValueError, match="bucket_cap_mb"):
        DDP(nn.Linear(2, 2), bucket_cap_mb=0)


class _FakeGroup:
    """A world of two where rank 1 always sends the same gradients as rank 0."""

    def size(self):
        return 2

    def rank(self):
        return 0


def test_ddp_averages_in_buckets_lazily(world1, monkeypatch):
    lucid.manual_seed(0)
    model = nn.Sequential(*[nn.Linear(16, 16) for _ in range(6)])  # 12 parameters, 1088 bytes per layer
    ddp = DDP(model, bucket_cap_mb=2200 / 2**20)  # two layers per bucket
    ddp.__dict__["_group"] = _FakeGroup()
    assert [len(b.tensors) for b in ddp._buckets] == [4, 4, 4]
    calls, evals = [], []
    monkeypatch.setattr(mx.distributed, "all_sum", lambda x, group=None: calls.append(x.shape) or x * 2)
    real_eval = mx.eval
    monkeypatch.setattr(mx, "eval", lambda *a: evals.append(1) or real_eval(*a))
    x = lucid.ones(4, 16)
    ref = [g.numpy() for g in lucid.autograd.grad(model(x).sum(), list(model.parameters()))]
    evals.clear()
    ddp(x).sum().backward()
    assert calls == [(1088 * 2 // 4,)] * 3  # one flat all_sum per bucket, never one per parameter
    assert evals == []  # nothing evaluated by backward: the optimizer's batched eval does it
    for p, g in zip(model.parameters(), ref):
        assert np.allclose(p.grad.numpy(), g, atol=1e-6)
    # no_sync: no collective at all
    calls.clear()
    with ddp.no_sync():
        ddp(x).sum().backward()
    assert calls == []
    # a forward under no_grad arms nothing
    with lucid.no_grad():
        ddp(x)
    model(x).sum().backward()
    assert calls == []


def test_ddp_buckets_split_by_dtype(world1):
    model = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2).to(dtype=lucid.float16))
    ddp = DDP(model)
    assert sorted(str(b.tensors[0].dtype) for b in ddp._buckets) == ["lucid.float16", "lucid.float32"]


def test_large_gradients_travel_alone_small_ones_are_packed():
    from lucid.nn.parallel.distributed import _buckets

    big = [lucid.zeros(1024, 512) for _ in range(2)]  # 2 MiB each, above 25 MB / 16
    small = [lucid.zeros(1000) for _ in range(30)]  # 4 kB each
    buckets = _buckets(small[:15] + big + small[15:], 25 * 2**20)
    assert sorted(len(b.tensors) for b in buckets) == [1, 1, 30]
    assert [len(b.tensors) for b in _buckets(small, 3 * 4000)] == [3] * 10
