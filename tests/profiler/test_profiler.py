"""lucid.profiler: per-op and per-region events, the table, the Chrome trace, nothing patched outside."""

import json

import pytest

import lucid
import lucid.nn as nn
from lucid.autograd import function as _function
from lucid.profiler import profile, record_function


def test_ops_regions_and_backward_are_recorded():
    model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 4))
    x = lucid.randn(8, 16)
    with profile(record_shapes=True, profile_memory=True) as prof:
        with record_function("forward"):
            loss = model(x).sum()
        loss.backward()
    avgs = {e.key: e for e in prof.key_averages()}
    assert avgs["LinearFunction"].count == 2
    assert {"forward", "autograd::backward"} <= set(avgs)
    fwd = avgs["forward"]
    inner = sum(e.duration_us for e in prof.events() if e.kind == "op")
    assert fwd.cpu_time_total >= inner * 0.99  # the region contains its ops
    assert fwd.self_cpu_time_total <= fwd.cpu_time_total
    by_shape = prof.key_averages(group_by_input_shape=True)
    assert any(e.key == "LinearFunction" and e.input_shapes[0] == (8, 16) for e in by_shape)
    assert all(e.memory is not None for e in prof.events())
    assert model[0].weight.grad is not None


def test_table_sorted_and_chrome_trace(tmp_path):
    with profile() as prof:
        a = lucid.randn(64, 64)
        for _ in range(3):
            a = a @ a
        b = a + 1
    table = prof.key_averages().table(sort_by="count", row_limit=5)
    lines = [line for line in table.splitlines() if line.startswith(("Matmul", "Add"))]
    assert lines[0].startswith("Matmul") and lines[0].rstrip().endswith("3")
    assert "Self time" in table
    with pytest.raises(ValueError, match="sort_by"):
        prof.key_averages().table(sort_by="nope")
    path = tmp_path / "trace.json"
    prof.export_chrome_trace(path)
    trace = json.loads(path.read_text())["traceEvents"]
    assert [e["name"] for e in trace].count("Matmul") == 3
    assert all(e["ph"] == "X" and e["dur"] >= 0 for e in trace)
    assert b.shape == (64, 64)


def test_nothing_patched_outside_and_restored_on_error():
    apply2 = _function._apply2
    backward = lucid.Tensor.backward
    with pytest.raises(ZeroDivisionError), profile():
        raise ZeroDivisionError
    assert _function._apply2 is apply2 and lucid.Tensor.backward is backward
    with record_function("outside"):  # a no-op without a profile
        lucid.ones(2) * 2


def test_record_function_decorator():
    @record_function("step")
    def step():
        return lucid.ones(4).sum()

    with profile() as prof:
        step()
        step()
    assert {e.key: e.count for e in prof.key_averages()}["step"] == 2
