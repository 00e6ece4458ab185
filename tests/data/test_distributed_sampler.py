"""``lucid.data.DistributedSampler``: disjoint equal shares, padding or dropping, epochs."""

import pytest

import lucid
from lucid.data import DistributedSampler


def shares(n, world, **kw):
    return [list(DistributedSampler(range(n), num_replicas=world, rank=r, **kw)) for r in range(world)]


def test_shares_cover_the_dataset_with_padding():
    s = shares(10, 3, shuffle=False)
    assert s == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]  # padded from the start, as PyTorch does
    assert len(DistributedSampler(range(10), num_replicas=3, rank=0)) == 4


def test_drop_last_cuts_the_tail():
    s = shares(10, 3, shuffle=False, drop_last=True)
    assert s == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]


def test_shuffle_is_the_same_permutation_on_every_rank_and_changes_per_epoch():
    s = shares(12, 2, seed=7)
    assert sorted(s[0] + s[1]) == list(range(12)) and s[0] != list(range(0, 12, 2))
    assert s == shares(12, 2, seed=7)
    a = DistributedSampler(range(12), num_replicas=2, rank=0, seed=7)
    first = list(a)
    a.set_epoch(1)
    b = DistributedSampler(range(12), num_replicas=2, rank=1, seed=7)
    b.set_epoch(1)
    assert list(a) != first and sorted(list(a) + list(b)) == list(range(12))


def test_small_dataset_more_ranks_than_items():
    assert shares(2, 4, shuffle=False) == [[0], [1], [0], [1]]


def test_works_in_a_dataloader():
    ds = lucid.data.TensorDataset(lucid.arange(8).float())
    loader = lucid.data.DataLoader(ds, batch_size=2, sampler=DistributedSampler(ds, 2, 1, shuffle=False))
    assert [b[0].tolist() for b in loader] == [[1.0, 3.0], [5.0, 7.0]]


@pytest.mark.parametrize("kw, exc", [
    (dict(num_replicas=2, rank=2), ValueError), (dict(num_replicas=0, rank=0), ValueError),
    (dict(num_replicas=2.0, rank=0), TypeError), (dict(num_replicas=2, rank=0, seed=-1), ValueError),
])
def test_bad_arguments(kw, exc):
    with pytest.raises(exc):
        DistributedSampler(range(4), **kw)
