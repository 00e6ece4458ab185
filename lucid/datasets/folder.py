"""``ImageFolder`` and ``DatasetFolder``: one subfolder per class, as torchvision lays them out.

``root/cat/1.png``, ``root/dog/a.jpg`` ... become ``(sample, class_index)``
pairs with classes numbered in sorted folder-name order. Images are read with
Pillow (an optional dependency, needed only by the default image loader).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from lucid.datasets.utils import VisionDataset

__all__ = ["DatasetFolder", "ImageFolder", "IMG_EXTENSIONS", "find_classes", "pil_loader"]

#: File name endings ``ImageFolder`` reads (case-insensitive), as torchvision's.
IMG_EXTENSIONS = (".jpg", ".jpeg", ".png", ".ppm", ".bmp", ".pgm", ".tif", ".tiff", ".webp")


def find_classes(directory) -> tuple[list[str], dict[str, int]]:
    """The class folders of ``directory``, sorted, and their indices.

    Raises:
        FileNotFoundError: ``directory`` has no subfolder.

    Examples:
        >>> import os, tempfile
        >>> from lucid.datasets.folder import find_classes
        >>> root = tempfile.mkdtemp()
        >>> for c in ("dog", "cat"):
        ...     os.mkdir(os.path.join(root, c))
        >>> find_classes(root)
        (['cat', 'dog'], {'cat': 0, 'dog': 1})
    """
    classes = sorted(e.name for e in os.scandir(directory) if e.is_dir() and not e.name.startswith("."))
    if not classes:
        raise FileNotFoundError(f"no class folders in {os.fspath(directory)}; expected root/<class>/<file>")
    return classes, {c: i for i, c in enumerate(classes)}


def pil_loader(path: str):
    """Open an image file with Pillow as an RGB ``PIL.Image`` (the file is closed afterwards)."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("ImageFolder reads images with Pillow: pip install pillow "
                          "(or pass loader= a function of your own)") from None
    with open(path, "rb") as f:
        img = Image.open(f)
        return img.convert("RGB")


class DatasetFolder(VisionDataset):
    """Samples in class subfolders, read by ``loader``: the general form of :class:`ImageFolder`.

    Args:
        root: the folder that holds one subfolder per class.
        loader: reads one file (a path) into a sample.
        extensions: the file endings to keep (case-insensitive); give this or ``is_valid_file``.
        transform: applied to each sample.
        target_transform: applied to each class index.
        is_valid_file: ``is_valid_file(path) -> bool`` chooses the files instead of ``extensions``.
        allow_empty: allow class folders without any valid file (an error otherwise).

    Attributes:
        classes: class names (folder names, sorted); ``class_to_idx`` maps them to indices;
        samples: ``(path, class_index)`` pairs, sorted by class then file name; ``targets`` the indices.

    Raises:
        FileNotFoundError: no class folder, or a class folder with no valid file (unless ``allow_empty``).
        ValueError: both or neither of ``extensions`` and ``is_valid_file``.
    """

    def __init__(self, root, loader: Callable, extensions=None, transform: Callable | None = None,
                 target_transform: Callable | None = None, is_valid_file: Callable | None = None,
                 allow_empty: bool = False):
        super().__init__(root, transform=transform, target_transform=target_transform)
        if (extensions is None) == (is_valid_file is None):
            raise ValueError(f"{type(self).__name__}: pass exactly one of extensions and is_valid_file")
        if not callable(loader):
            raise TypeError(f"{type(self).__name__}: loader must be callable, got {type(loader).__name__}")
        if is_valid_file is None:
            ends = tuple(e.lower() for e in ((extensions,) if isinstance(extensions, str) else extensions))

            def is_valid_file(path: str) -> bool:
                return path.lower().endswith(ends)

        self.classes, self.class_to_idx = find_classes(self.root)
        self.samples = []
        for name in self.classes:
            folder = os.path.join(self.root, name)
            found = []
            for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
                dirnames.sort()
                for fname in sorted(filenames):
                    path = os.path.join(dirpath, fname)
                    if is_valid_file(path):
                        found.append((path, self.class_to_idx[name]))
            if not found and not allow_empty:
                raise FileNotFoundError(f"{type(self).__name__}: class folder {folder} has no valid file"
                                        + (f" (extensions {list(ends)})" if extensions is not None else "")
                                        + "; pass allow_empty=True to allow it")
            self.samples.extend(found)
        self.loader = loader
        self.extensions = extensions
        self.targets = [t for _, t in self.samples]

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, index: int):
        path, target = self.samples[index]
        return self._apply(self.loader(path), target)


class ImageFolder(DatasetFolder):
    """Images in class subfolders (``root/<class>/<image>``) as ``(image, class_index)`` pairs.

    The default loader gives RGB ``PIL.Image``s (Pillow needed); put
    ``lucid.transforms.ToTensor()`` in ``transform`` to get Tensors.

    Args:
        root: the folder that holds one subfolder per class.
        transform: applied to each image.
        target_transform: applied to each class index.
        loader: reads one image file; default :func:`pil_loader`.
        is_valid_file: chooses the files instead of :data:`IMG_EXTENSIONS`.
        allow_empty: allow class folders without images.

    Examples:
        >>> import os, tempfile
        >>> import numpy as np
        >>> from PIL import Image
        >>> import lucid
        >>> root = tempfile.mkdtemp()
        >>> for c in ("cat", "dog"):
        ...     os.mkdir(os.path.join(root, c))
        ...     Image.fromarray(np.zeros((4, 5, 3), np.uint8)).save(os.path.join(root, c, "0.png"))
        >>> ds = lucid.datasets.ImageFolder(root, transform=lucid.transforms.ToTensor())
        >>> x, y = ds[1]
        >>> ds.classes, x.shape, y
        (['cat', 'dog'], (3, 4, 5), 1)
    """

    def __init__(self, root, transform: Callable | None = None, target_transform: Callable | None = None,
                 loader: Callable = pil_loader, is_valid_file: Callable | None = None, allow_empty: bool = False):
        super().__init__(root, loader, IMG_EXTENSIONS if is_valid_file is None else None, transform=transform,
                         target_transform=target_transform, is_valid_file=is_valid_file, allow_empty=allow_empty)
        self.imgs = self.samples
