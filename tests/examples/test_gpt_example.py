"""The GPT example runs end to end: trains, evaluates against the unigram baseline, saves, reloads, samples."""

import pytest

import lucid


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
    pytest.importorskip("tokenizers")
    from lucid.examples import gpt

    ckpt = tmp_path / "gpt.safetensors"
    assert gpt.main(["--tokenizer", "bpe", "--bpe-vocab", "300", "--max-bytes", "60000", "--steps", "2",
                     "--batch-size", "2", "--block-size", "16", "--n-embd", "32", "--eval-batches", "1",
                     "--sample-tokens", "8", "--checkpoint", str(ckpt)]) == 0
    assert "(vocabulary 300)" in capsys.readouterr().out
    assert (tmp_path / "gpt.safetensors.tokenizer.json").exists()
