"""Downloading pretrained weights into the cache and loading them into a model.

Weight files are safetensors files of a model's ``state_dict``, published
with their SHA-256. They are downloaded once into
``$LUCID_HOME/weights`` (``LUCID_HOME`` defaults to ``~/.cache/lucid``) by
:func:`lucid.datasets.utils.download_url`: resumable, retried, checked against
the SHA-256 and renamed into place only when intact, with a progress bar on a
terminal. Without a network, the error names the URL, the path to place the
file at and its SHA-256.
"""

from __future__ import annotations

import os

__all__ = ["weights_cache_dir", "weights_path", "download_weights"]


def weights_cache_dir() -> str:
    """The folder pretrained weights are cached in: ``$LUCID_HOME/weights`` (default ``~/.cache/lucid/weights``).

    Examples:
        >>> import os
        >>> from lucid.models import weights_cache_dir
        >>> os.path.basename(weights_cache_dir())
        'weights'
    """
    home = os.environ.get("LUCID_HOME") or os.path.join("~", ".cache", "lucid")
    return os.path.join(os.path.expanduser(home), "weights")


def weights_path(weights) -> str:
    """Where the file of ``weights`` (a :class:`~lucid.models.Weights`) lives in the cache.

    Examples:
        >>> import os
        >>> from lucid.models import Weights, weights_path
        >>> os.path.basename(weights_path(Weights("https://example.org/w/net-1a2b.safetensors?dl=1", "0" * 64)))
        'net-1a2b.safetensors'
    """
    name = os.path.basename(weights.url.split("?")[0].split("#")[0].rstrip("/"))
    return os.path.join(weights_cache_dir(), name)


def download_weights(weights, model_name: str = "model", progress: bool | None = None) -> str:
    """Download ``weights`` into the cache unless an intact copy is there; return its path.

    Args:
        weights: a :class:`~lucid.models.Weights` entry (URL and SHA-256).
        model_name: the model's name, for error messages.
        progress: show a progress bar; ``None`` shows it only on a terminal.

    Raises:
        lucid.datasets.DownloadError: the file could not be downloaded (offline, or the server failed);
            the message names the URL, the path to place the file at and its SHA-256.
        lucid.datasets.CorruptFileError: the downloaded file failed its SHA-256 check (nothing is
            left in the cache).

    Examples:
        >>> import hashlib, os, pathlib, tempfile, lucid
        >>> from lucid.models import Weights, download_weights
        >>> d = tempfile.mkdtemp(); os.environ["LUCID_HOME"] = d
        >>> src = pathlib.Path(d, "w.safetensors")
        >>> lucid.save_safetensors({"w": lucid.ones(2)}, src)
        >>> w = Weights(src.as_uri(), hashlib.sha256(src.read_bytes()).hexdigest())
        >>> os.path.relpath(download_weights(w), d)
        'weights/w.safetensors'
        >>> del os.environ["LUCID_HOME"]
    """
    from lucid.datasets.utils import DownloadError, download_url

    path = weights_path(weights)
    try:
        return download_url(weights.url, os.path.dirname(path), os.path.basename(path), sha256=weights.sha256,
                            progress=progress)
    except DownloadError as exc:
        raise DownloadError(
            f"cannot download the pretrained weights of {model_name!r} from {weights.url} ({exc}). "
            f"Without a network, download that file elsewhere and place it at {path} "
            f"(its SHA-256 must be {weights.sha256}); set LUCID_HOME to use another cache folder"
        ) from None
