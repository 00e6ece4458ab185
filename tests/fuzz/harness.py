"""What a fuzz case must satisfy, and how its inputs are recorded before it runs.

A case either returns a correct result or raises a Python exception. A crash
(the process dies from a signal) or a hang is a failure; the parent test finds
the inputs of the case that was running in the file this module writes before
every case (see ``test_fuzz.py``).
"""

from __future__ import annotations

import functools
import os
import sys
import warnings

import numpy as np

import lucid
from lucid._backend import checks

np.set_printoptions(threshold=sys.maxsize, linewidth=200)

#: set by the child process: the file that holds the inputs of the case about to run
CASE_FILE = os.environ.get("LUCID_FUZZ_CASE_FILE")


def recorded(fn):
    """Write ``fn``'s keyword arguments to the case file before every call (the parent reports them on a crash)."""

    @functools.wraps(fn)
    def run(**kwargs):
        if CASE_FILE:
            text = "\n".join(f"{k} = {v!r}" for k, v in kwargs.items())
            with open(CASE_FILE, "w") as f:
                f.write(f"{fn.__name__}(\n{text}\n)\n")
        checks._state.checks = []  # a previous case's unreported checks must not fail this one
        try:
            return fn(**kwargs)
        finally:
            checks._state.checks = []

    return run


def to_numpy(out):
    """Evaluate a result (a sync point: deferred errors are raised here) as NumPy values."""
    if isinstance(out, lucid.Tensor):
        return out.numpy()
    if isinstance(out, (tuple, list)):
        return type(out)(to_numpy(o) for o in out)
    return out


def outcome(fn):
    """``(True, value)`` if ``fn()`` returned (evaluated, no deferred error); ``(False, exception)`` if it raised."""
    try:
        value = to_numpy(fn())
        lucid.eval()  # any deferred error of this call is raised here
        return True, value
    except Exception as exc:  # any Python exception is an acceptable outcome; a crash is not
        return False, exc


def reference(fn):
    """``(True, value)`` or ``(False, exception)`` for a NumPy reference, warnings silenced."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return True, fn()
        except Exception as exc:
            return False, exc


def assert_close(got, expected, rtol=1e-5, atol=1e-6, what=""):
    got, expected = np.asarray(got), np.asarray(expected)
    assert got.shape == expected.shape, f"{what}: shape {got.shape}, NumPy gives {expected.shape}"
    if got.dtype == np.bool_ or expected.dtype == np.bool_ or np.issubdtype(expected.dtype, np.integer):
        np.testing.assert_array_equal(got, expected, err_msg=what)
    else:
        np.testing.assert_allclose(got.astype(np.float64), expected.astype(np.float64), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=what)


def agree(lucid_fn, numpy_fn, rtol=1e-5, atol=1e-6, what="", must_raise=None):
    """Lucid either raises, or returns what NumPy returns; where NumPy raises, Lucid must raise too.

    Args:
        must_raise: force the "must raise" verdict (e.g. an index out of range that NumPy would wrap).
    """
    ok, got = outcome(lucid_fn)
    np_ok, expected = reference(numpy_fn)
    if must_raise or (must_raise is None and not np_ok):
        assert not ok, f"{what}: Lucid returned {got!r} where it must raise ({expected!r})"
        return
    if ok:
        assert_close(got, expected, rtol, atol, what)


def no_crash(fn):
    """Only that ``fn`` returns (evaluated) or raises a Python exception: a crash would kill the child."""
    return outcome(fn)
