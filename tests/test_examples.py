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


def test_gpt_example_small_run(tmp_path, capsys):
    from lucid.examples import gpt

    ckpt = tmp_path / "gpt.safetensors"
    args = ["--max-bytes", "60000", "--steps", "4", "--batch-size", "4", "--block-size", "16", "--n-embd", "32",
            "--eval-batches", "2", "--sample-tokens", "20", "--checkpoint", str(ckpt)]
    assert gpt.main(args) == 0
    out = capsys.readouterr().out
    assert "unigram baseline: entropy" in out and "trained 4 steps" in out and "sample (20 tokens" in out
    state = lucid.load(ckpt)
    assert state["step"] == 4 and state["config"]["n_embd"] == 32 and state["tokenizer"] == "byte"
    # The reloaded model gives the same validation loss as the trained one.
    trained = out.split("trained 4 steps")[1].split("validation loss ")[1].split(" ")[0]
    assert f"(reloaded: validation loss {trained})" in out


def test_gpt_example_bpe(tmp_path, capsys):
    import pytest

    pytest.importorskip("tokenizers")
    from lucid.examples import gpt

    ckpt = tmp_path / "gpt.safetensors"
    assert gpt.main(["--tokenizer", "bpe", "--bpe-vocab", "300", "--max-bytes", "60000", "--steps", "2",
                     "--batch-size", "2", "--block-size", "16", "--n-embd", "32", "--eval-batches", "1",
                     "--sample-tokens", "8", "--checkpoint", str(ckpt)]) == 0
    assert "(vocabulary 300)" in capsys.readouterr().out
    assert (tmp_path / "gpt.safetensors.tokenizer.json").exists()
