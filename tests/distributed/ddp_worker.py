"""Run by test_ddp.py on two ranks through ``python -m lucid.distributed.run``: every check prints ``OK name``.

Each rank also computes the single-process reference on the whole batch, so the
comparison needs no third process. Any failure raises (non-zero exit).
"""

import sys

import mlx.core as mx
import numpy as np

import lucid
import lucid.distributed as dist
import lucid.nn as nn
import lucid.nn.functional as F
from lucid.nn.parallel import DistributedDataParallel as DDP


def close(a, b, what, atol=2e-5):
    a, b = np.asarray(a), np.asarray(b)
    if not np.allclose(a, b, atol=atol, rtol=1e-4):
        raise AssertionError(f"{what}: max difference {np.abs(a - b).max()}")


def gather(t):
    out = [lucid.zeros_like(t) for _ in range(dist.get_world_size())]
    dist.all_gather(out, t)
    return [o.numpy() for o in out]


def expect(exc, fn, match):
    try:
        fn()
    except exc as e:
        if match not in str(e):
            raise AssertionError(f"expected {match!r} in {e}") from e
        return
    raise AssertionError(f"expected {exc.__name__}")


def mlp(seed):
    lucid.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 1))


def cnn(seed):
    lucid.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(1, 3, 3), nn.BatchNorm2d(3), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 4 * 4, 2))


def check_collectives(rank, world):
    t = lucid.tensor([1.0, 2.0]) * (rank + 1)
    dist.all_reduce(t)
    close(t.numpy(), [3.0, 6.0], "all_reduce sum")
    for op, want in (("mean", [1.5, 3.0]), ("max", [2.0, 4.0]), ("min", [1.0, 2.0])):
        t = lucid.tensor([1.0, 2.0]) * (rank + 1)
        dist.all_reduce(t, op=op)
        close(t.numpy(), want, f"all_reduce {op}")
    got = gather(lucid.tensor([[1.0, 2.0]]) * (rank + 1))
    close(np.stack(got), [[[1.0, 2.0]], [[2.0, 4.0]]], "all_gather")
    b = lucid.tensor([rank, 10 + rank])
    dist.broadcast(b, src=1)
    close(b.numpy(), [1, 11], "broadcast")
    o = lucid.zeros(2)
    dist.reduce_scatter(o, lucid.arange(4).float() * (rank + 1))
    close(o.numpy(), [0.0, 3.0] if rank == 0 else [6.0, 9.0], "reduce_scatter")
    if rank == 0:
        dist.send(lucid.tensor([5.0, 6.0]), 1)
        expect(ValueError, lambda: dist.send(lucid.tensor([5.0, 6.0]), 1), "different shape")
    else:
        x = lucid.zeros(2)
        dist.recv(x, 0)
        close(x.numpy(), [5.0, 6.0], "send/recv")
        expect(ValueError, lambda: dist.recv(lucid.zeros(3), 0), "sends shape (2,)")
    expect(ValueError, lambda: dist.all_reduce(lucid.zeros(2 + rank)), "rank 1: shape (3,)")
    expect(ValueError, lambda: dist.broadcast(lucid.zeros(2, dtype=lucid.float32 if rank else lucid.int32)),
           "disagree on shapes or dtypes")
    expect(ValueError, lambda: DDP(nn.Linear(2, 2 + rank)), "disagree on shapes or dtypes")
    # MLX runs collectives inside mx.compile: one traced graph holding the all_sum.
    step = mx.compile(lambda a: (mx.distributed.all_sum(a * 2), mx.distributed.all_gather(a),
                                 mx.distributed.all_max(a), mx.distributed.all_min(a)))
    got = [np.asarray(v) for v in step(mx.array([float(rank)]))]
    close(np.concatenate(got), [2.0, 0.0, 1.0, 1.0, 0.0], "collectives inside mx.compile")
    dist.barrier()
    print("OK collectives", flush=True)


def check_mlp(rank, world):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((16, 4)).astype(np.float32)
    Y = rng.standard_normal((16, 1)).astype(np.float32)
    half = slice(rank * 8, rank * 8 + 8)
    model = DDP(mlp(100 + rank), bucket_cap_mb=0.0001)  # tiny buckets: several collectives
    assert len(model._buckets) > 1
    ref = mlp(100)  # rank 0's initialisation, which DDP broadcast
    opt = lucid.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = lucid.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
    for step in range(4):
        opt.zero_grad()
        F.mse_loss(model(lucid.tensor(X[half])), lucid.tensor(Y[half])).backward()
        ref_opt.zero_grad()
        F.mse_loss(ref(lucid.tensor(X)), lucid.tensor(Y)).backward()
        if step == 0:
            for p, q in zip(model.module.parameters(), ref.parameters()):
                close(p.grad.numpy(), q.grad.numpy(), "MLP gradient")
        opt.step()
        ref_opt.step()
    for p, q in zip(model.module.parameters(), ref.parameters()):
        close(p.numpy(), q.numpy(), "MLP parameters after 4 steps")
    print("OK mlp", flush=True)

    # no_sync: two micro-batches per rank, averaged once at the second backward.
    opt.zero_grad()
    ref_opt.zero_grad()
    for i, quarter in enumerate((slice(rank * 8, rank * 8 + 4), slice(rank * 8 + 4, rank * 8 + 8))):
        if i == 0:
            with model.no_sync():
                (F.mse_loss(model(lucid.tensor(X[quarter])), lucid.tensor(Y[quarter])) / 2).backward()
            w = gather(model.module[0].weight.grad)
            assert not np.allclose(w[0], w[1]), "no_sync still averaged the gradients"
        else:
            (F.mse_loss(model(lucid.tensor(X[quarter])), lucid.tensor(Y[quarter])) / 2).backward()
    F.mse_loss(ref(lucid.tensor(X)), lucid.tensor(Y)).backward()
    for p, q in zip(model.module.parameters(), ref.parameters()):
        close(p.grad.numpy(), q.grad.numpy(), "no_sync accumulated gradient")
    print("OK no_sync", flush=True)

    # Ranks that evaluate at different moments: rank 0 reads one gradient (running
    # only its bucket's collective) before an eager all_reduce; rank 1 does not.
    opt.zero_grad()
    loss = F.mse_loss(model(lucid.tensor(X[half])), lucid.tensor(Y[half]))
    loss.backward()
    if rank == 0:
        model.module[2].bias.grad.item()
    dist.all_reduce(loss, op="mean")
    opt.step()
    w = gather(model.module[0].weight)
    close(w[0], w[1], "parameters after uneven evaluation")
    print("OK ordering", flush=True)


def check_cnn(rank, world):
    rng = np.random.default_rng(1)
    X = rng.standard_normal((8, 1, 6, 6)).astype(np.float32)
    T = rng.integers(0, 2, 8)
    model = DDP(cnn(200 + rank))
    ref = cnn(200)
    opt = lucid.optim.Adam(model.parameters(), lr=0.01)
    ref_opt = lucid.optim.Adam(ref.parameters(), lr=0.01)
    halves = (slice(0, 4), slice(4, 8))
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(model(lucid.tensor(X[halves[rank]])), lucid.tensor(T[halves[rank]])).backward()
        # The reference: BatchNorm sees each half on its own, as each rank does.
        ref_opt.zero_grad()
        sum(F.cross_entropy(ref(lucid.tensor(X[h])), lucid.tensor(T[h])) for h in halves).__truediv__(2).backward()
        opt.step()
        ref_opt.step()
    for p, q in zip(model.module.parameters(), ref.parameters()):
        close(p.numpy(), q.numpy(), "CNN+BatchNorm parameters after 3 steps", atol=1e-4)
    print("OK cnn", flush=True)


class TwoBranches(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(2, 1)
        self.b = nn.Linear(2, 1)

    def forward(self, x, use_b):
        return self.a(x) + self.b(x) if use_b else self.a(x)


def check_unused_and_checkpoint(rank, world, folder):
    lucid.manual_seed(3)
    model = DDP(TwoBranches())
    model(lucid.ones(1, 2), use_b=rank == 0).sum().backward()
    assert model.module.b.weight.grad is not None
    grads = gather(model.module.b.weight.grad)
    close(grads[0], grads[1], "unused parameter's gradient")
    close(grads[0], [[0.5, 0.5]], "unused parameter's gradient")
    print("OK unused", flush=True)

    path = f"{folder}/ckpt.lucid"
    dist.save(model.state_dict(), path)
    state = dist.load(path)
    assert sorted(state) == sorted(model.state_dict())
    close(state["module.a.weight"].numpy(), model.module.a.weight.numpy(), "checkpoint")
    print("OK checkpoint", flush=True)

    sampler = lucid.data.DistributedSampler(range(11), seed=5)
    mine = lucid.tensor(list(sampler))
    every = np.concatenate(gather(mine))
    assert len(sampler) == 6 and sorted(set(every.tolist())) == list(range(11)), every
    print("OK sampler", flush=True)


def check_compiled(rank, world):
    """A DDP training step under lucid.compile equals one process on the whole batch, eagerly."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((16, 4)).astype(np.float32)
    Y = rng.standard_normal((16, 1)).astype(np.float32)
    half = slice(rank * 8, rank * 8 + 8)
    model = DDP(mlp(200 + rank))
    ref = mlp(200)
    opt = lucid.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    ref_opt = lucid.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)

    @lucid.compile(state=[model, opt])
    def step(x, y):
        opt.zero_grad()
        loss = F.mse_loss(model(x), y)
        loss.backward()
        opt.step()
        return loss

    for _ in range(3):
        step(lucid.tensor(X[half]), lucid.tensor(Y[half]))
        ref_opt.zero_grad()
        F.mse_loss(ref(lucid.tensor(X)), lucid.tensor(Y)).backward()
        ref_opt.step()
    for p, q in zip(model.module.parameters(), ref.parameters()):
        close(p.numpy(), q.numpy(), "parameters after 3 compiled DDP steps")
    print("OK compiled", flush=True)


def main():
    expect(RuntimeError, lambda: dist.get_rank(), "init_process_group")
    expect(RuntimeError, lambda: dist.all_reduce(lucid.ones(1)), "init_process_group")
    dist.init_process_group()
    rank, world = dist.get_rank(), dist.get_world_size()
    assert world == 2, world
    check_collectives(rank, world)
    check_mlp(rank, world)
    check_cnn(rank, world)
    check_unused_and_checkpoint(rank, world, sys.argv[1])
    check_compiled(rank, world)
    print("ALL OK", flush=True)


if __name__ == "__main__":
    main()
