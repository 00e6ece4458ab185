"""The training example (the README's main job) runs end to end, saves, reloads and resumes."""

import lucid
from lucid.examples import train


def test_train_example_small_run_and_resume(tmp_path, capsys):
    ckpt = tmp_path / "run.safetensors"
    args = ["--train-size", "1024", "--test-size", "256", "--batch-size", "64", "--checkpoint", str(ckpt)]
    assert train.main(args + ["--epochs", "1"]) == 0
    out = capsys.readouterr().out
    assert "epoch 1:" in out and "final test accuracy:" in out
    first = lucid.load(ckpt)
    assert first["epoch"] == 1 and set(first) >= {"model", "optimizer", "scheduler", "history"}

    assert train.main(args + ["--epochs", "2", "--resume", str(ckpt)]) == 0
    out = capsys.readouterr().out
    assert "resumed from" in out and "epoch 2:" in out and "epoch 1:" not in out
    assert lucid.load(ckpt)["epoch"] == 2


def test_info_command(capsys):
    from lucid.__main__ import main

    assert main(["info"]) == 0
    out = capsys.readouterr().out
    for field in ("Lucid:", "MLX:", "NumPy:", "Python:", "Default device:"):
        assert field in out

