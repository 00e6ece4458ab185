"""Atomic file writes shared by ``lucid.save``, ``lucid.save_safetensors`` and ``lucid.save_sharded``.

Data goes to a new temporary file in the target's folder, which is renamed
over the target only once complete, so a crash mid-write leaves the previous
file intact and no temporary behind.
"""

from __future__ import annotations

import os
import secrets
import stat
import threading

__all__ = ["write_atomic"]


def _replace(tmp: str, path: str) -> None:
    """Atomically rename ``tmp`` over ``path``, releasing the old file's blocks off the caller's thread.

    Freeing a large replaced file's blocks can take as long as writing it
    (measured: ~60 ms for 100 MB). Holding the old file open across the rename
    keeps that work out of the rename; the last close, which does it, runs on a
    background thread.
    """
    try:
        old = os.open(path, os.O_RDONLY)
    except OSError:
        old = None
    os.replace(tmp, path)
    if old is not None:
        threading.Thread(target=os.close, args=(old,), daemon=True).start()


def _open_temporary(path: str, folder: str) -> tuple[int, str]:
    """Create a new temporary file beside ``path`` with the permissions an ordinary new file would get.

    ``tempfile.mkstemp`` creates files readable by their owner only (``0600``),
    which would then replace ``path``. Creating the file with mode ``0666`` lets
    the umask decide, as for any file a program writes; overwriting an existing
    checkpoint keeps that file's permissions, as writing into it would.
    """
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        mode = None
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(folder, f"{os.path.basename(path)}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        if mode is not None:
            os.chmod(tmp, mode)
        return fd, tmp
    raise FileExistsError(f"cannot create a temporary file beside {path}: every name tried exists")


def write_atomic(path: str, write, fsync: bool = True) -> None:
    """Call ``write(fileobj)`` on a temporary file beside ``path`` and rename it over ``path`` when done.

    Args:
        path: the file to (re)place.
        write: a callable given the open binary temporary file.
        fsync: flush the file to disk before the rename.

    Raises:
        FileNotFoundError: the folder of ``path`` does not exist.

    Examples:
        >>> import os, tempfile
        >>> from lucid.serialization._files import write_atomic
        >>> path = os.path.join(tempfile.mkdtemp(), "f.bin")
        >>> write_atomic(path, lambda f: f.write(b"abc"))
        >>> open(path, "rb").read()
        b'abc'
    """
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot save to {path}: folder {folder} does not exist")
    fd, tmp = _open_temporary(path, folder)
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if fsync:
                os.fsync(f.fileno())
        _replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
