"""``ImageFolder`` / ``DatasetFolder`` over a tiny class-folder tree."""

import numpy as np
import pytest

import lucid
from lucid.datasets import DatasetFolder, ImageFolder

Image = pytest.importorskip("PIL.Image")


@pytest.fixture
def tree(tmp_path):
    rng = np.random.default_rng(0)
    for cls, n in (("dog", 2), ("cat", 3)):
        (tmp_path / cls).mkdir()
        for i in range(n):
            Image.fromarray(rng.integers(0, 255, (6, 5, 3), dtype=np.uint8)).save(tmp_path / cls / f"{i}.png")
    (tmp_path / "cat" / "notes.txt").write_text("not an image")
    (tmp_path / "cat" / "sub").mkdir()
    Image.fromarray(np.full((6, 5), 9, np.uint8)).save(tmp_path / "cat" / "sub" / "gray.PNG")
    (tmp_path / ".hidden").mkdir()
    return tmp_path


def test_classes_samples_and_items(tree):
    ds = ImageFolder(tree)
    assert ds.classes == ["cat", "dog"] and ds.class_to_idx == {"cat": 0, "dog": 1}
    assert len(ds) == 6 and ds.targets == [0, 0, 0, 0, 1, 1] and ds.imgs is ds.samples
    names = [p.relative_to(tree).as_posix() for p in map(type(tree), (s for s, _ in ds.samples))]
    assert names == ["cat/0.png", "cat/1.png", "cat/2.png", "cat/sub/gray.PNG", "dog/0.png", "dog/1.png"]
    img, label = ds[3]
    assert img.mode == "RGB" and img.size == (5, 6) and label == 0
    assert np.asarray(img)[0, 0].tolist() == [9, 9, 9]


def test_transforms_and_loader(tree):
    ds = ImageFolder(tree, transform=lucid.transforms.ToTensor(), target_transform=lambda t: t * 10)
    x, y = ds[5]
    assert isinstance(x, lucid.Tensor) and x.shape == (3, 6, 5) and y == 10
    loader = lucid.data.DataLoader(ds, batch_size=4, shuffle=False)
    xb, yb = next(iter(loader))
    assert xb.shape == (4, 3, 6, 5) and yb.tolist() == [0, 0, 0, 0]


def test_is_valid_file_and_custom_loader(tree):
    ds = DatasetFolder(tree, loader=lambda p: p.rsplit("/", 1)[-1], is_valid_file=lambda p: p.endswith(".txt"),
                       allow_empty=True)
    assert [ds[i] for i in range(len(ds))] == [("notes.txt", 0)]
    with pytest.raises(FileNotFoundError, match="dog"):
        DatasetFolder(tree, loader=str, extensions=".txt")
    with pytest.raises(ValueError, match="exactly one"):
        DatasetFolder(tree, loader=str)


def test_empty_root_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="no class folders"):
        ImageFolder(tmp_path)
