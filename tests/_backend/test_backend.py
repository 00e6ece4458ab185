"""The backend layer: BLAS loading, devices, dtype table, batched evaluation."""

import os
import subprocess
import sys

import mlx.core as mx
import numpy as np
import pytest

import lucid
from lucid._backend import blas, dtypes, evaluation
from lucid._backend.device import mx_device, normalize_device, run_on

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_blas_info_describes_the_state():
    info = lucid.blas_info()
    assert isinstance(info, str) and info
    if sys.platform.startswith("linux"):
        assert info.startswith("OpenBLAS") or "reference BLAS" in info


def test_load_blas_runs_once():
    before = dict(blas._state)
    blas.load_blas()
    assert blas._state == before


def test_blas_off_in_a_fresh_process():
    code = "import lucid; print(lucid.blas_info())"
    env = dict(os.environ, LUCID_BLAS="off", PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "disabled by LUCID_BLAS" in out.stdout


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the BLAS choice exists on Linux only")
@pytest.mark.parametrize(("setting", "hinted"), [("/nonexistent/libblas.so", True), ("off", False)])
def test_blas_hint_in_a_fresh_process(setting, hinted):
    code = "import lucid; print(lucid.blas_hint())"
    env = dict(os.environ, LUCID_BLAS=setting, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if hinted:
        assert out.stdout.startswith("hint:") and "libopenblas0-pthread" in out.stdout
    else:
        assert out.stdout.strip() == "None"


def test_blas_hint_is_silent_when_openblas_is_loaded(monkeypatch):
    monkeypatch.setitem(blas._state, "library", "/some/libopenblas.so.0")
    assert lucid.blas_hint() is None


def test_blas_after_mlx_reports_why():
    code = "import mlx.core, lucid; print(lucid.blas_info())"
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("LUCID_BLAS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    if sys.platform.startswith("linux"):
        assert "import lucid first" in out.stdout or "reference BLAS" in out.stdout


def test_blas_info_warns_about_torch_imported_later(monkeypatch):
    import types

    monkeypatch.setitem(blas._state, "library", "/some/libopenblas.so.0")
    monkeypatch.setitem(blas._state, "torch_before", False)
    monkeypatch.setitem(sys.modules, "torch", types.ModuleType("torch"))
    assert "import torch first" in lucid.blas_info()
    monkeypatch.setitem(blas._state, "torch_before", True)
    assert lucid.blas_info() == "OpenBLAS (/some/libopenblas.so.0)"


def test_matmul_is_right_with_whatever_blas():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((64, 48)).astype(np.float32)
    b = rng.standard_normal((48, 32)).astype(np.float32)
    np.testing.assert_allclose(np.array(mx.array(a) @ mx.array(b)), a @ b, rtol=1e-4, atol=1e-4)


# -- devices ------------------------------------------------------------------------------------
def test_normalize_device():
    assert normalize_device("cpu") == "cpu"
    assert normalize_device("CPU:0") == "cpu"
    assert normalize_device(mx.Device(mx.cpu)) == "cpu"
    assert normalize_device(mx.cpu) == "cpu"
    assert normalize_device(None) == lucid.get_default_device()
    with pytest.raises(ValueError, match="unknown device"):
        normalize_device("npu")
    with pytest.raises(TypeError, match="device"):
        normalize_device(0)
    if not lucid.gpu_available():
        with pytest.raises(RuntimeError, match="pip install"):
            normalize_device("cuda")


def test_mx_device_and_run_on():
    assert mx_device("cpu") == mx.Device(mx.cpu)
    with run_on("cpu"):
        assert (mx.ones(2) + 1).tolist() == [2.0, 2.0]


def test_gpu_available_matches_mlx():
    assert lucid.gpu_available() == bool(mx.metal.is_available() or mx.cuda.is_available())
    if not lucid.gpu_available():
        assert lucid.get_default_device() == "cpu"


# -- dtypes -------------------------------------------------------------------------------------
def test_dtype_table_round_trips():
    for d in dtypes.ALL_DTYPES:
        assert dtypes.from_mx_dtype(d.mx) is d
        assert dtypes.to_mx_dtype(d) == d.mx
        assert dtypes.to_mx_dtype(d.name) == d.mx
        assert dtypes.to_mx_dtype(d.mx) == d.mx
        if d.numpy is not None:
            assert dtypes.to_mx_dtype(d.numpy) == d.mx
        assert d.itemsize == d.mx.size


def test_dtype_properties_and_pickling():
    import pickle

    assert lucid.float32.is_floating_point and not lucid.int32.is_floating_point
    assert lucid.complex64.is_complex and lucid.uint8.is_signed is False
    assert pickle.loads(pickle.dumps(lucid.float16)) is lucid.float16
    assert dtypes.is_floating(mx.bfloat16) and not dtypes.is_floating(mx.int64)


def test_python_types_and_aliases():
    assert dtypes.to_mx_dtype(float) == mx.float32
    assert dtypes.to_mx_dtype(int) == mx.int64
    assert dtypes.to_mx_dtype(bool) == mx.bool_
    assert dtypes.to_mx_dtype(complex) == mx.complex64
    assert dtypes.to_mx_dtype("double") == mx.float64 and dtypes.to_mx_dtype("half") == mx.float16


def test_bad_dtypes():
    with pytest.raises(TypeError, match="unknown dtype name"):
        dtypes.to_mx_dtype("float128")
    with pytest.raises(TypeError, match="expected a dtype"):
        dtypes.to_mx_dtype(object())
    with pytest.raises(TypeError, match="expected a dtype"):
        dtypes.to_mx_dtype(np.longdouble)


# -- batched evaluation -------------------------------------------------------------------------
def test_eval_arrays_batches_by_bytes(monkeypatch):
    calls = []
    real = mx.eval
    monkeypatch.setattr(mx, "eval", lambda arrs: (calls.append(len(arrs)), real(arrs)))
    arrays = [mx.ones((256,)) * i for i in range(10)]  # 1 KiB each
    evaluation.eval_arrays(arrays, budget=3 * 1024)
    assert calls == [3, 3, 3, 1]
    calls.clear()
    evaluation.eval_arrays([mx.ones((1024,))], budget=16)  # larger than the budget: a batch of its own
    assert calls == [1]
    calls.clear()
    evaluation.eval_arrays([])
    assert calls == []


def test_eval_budget_setting():
    before = lucid.get_eval_budget()
    try:
        lucid.set_eval_budget(1024)
        assert lucid.get_eval_budget() == 1024
        with pytest.raises(ValueError):
            lucid.set_eval_budget(0)
        with pytest.raises(TypeError):
            lucid.set_eval_budget(1.5)
        with pytest.raises(TypeError):
            lucid.set_eval_budget(True)
    finally:
        lucid.set_eval_budget(before)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the BLAS choice exists on Linux only")
def test_the_benchmarks_package_imports_lucid_before_mlx():
    # A reordered import once made every benchmark run on MLX's reference BLAS (about 15x slower).
    code = "import benchmarks, lucid; print(lucid.blas_info())"
    env = dict(os.environ, PYTHONPATH=ROOT)
    env.pop("LUCID_BLAS", None)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120,
                         cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert "import lucid first" not in out.stdout, out.stdout
