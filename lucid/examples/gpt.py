"""Train a tiny GPT on text that every machine has: ``python -m lucid.examples.gpt``.

By default the corpus is the Python standard library's own source (found
through ``sysconfig``; no network), tokenized as UTF-8 bytes. The script
trains a small GPT with AdamW, a warm-up/cosine schedule and gradient-norm
clipping under a progress bar, compares the validation loss with the unigram
baseline (the loss of predicting every token from its training-set frequency
alone), saves a checkpoint, reloads it into a fresh model, checks that it
gives the same validation loss, and prints text generated with the key/value
cache.

Examples::

    python -m lucid.examples.gpt                          # bytes of the stdlib, at most about 4 minutes
    python -m lucid.examples.gpt --tokenizer bpe          # byte-level BPE (pip install 'lucid[text]')
    python -m lucid.examples.gpt --corpus shakespeare --root ~/data --download
    python -m lucid.examples.gpt --steps 2000 --n-layer 6 --n-embd 384 --block-size 256   # on a GPU
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time

import numpy as np

import lucid
import lucid.nn as nn
import lucid.nn.functional as F
from lucid import data, datasets, optim
from lucid._progress import progress
from lucid.examples import _common
from lucid.models import GPT, GPTConfig
from lucid.text import BPETokenizer, ByteTokenizer


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m lucid.examples.gpt", description=__doc__.split("\n")[0])
    p.add_argument("--corpus", choices=["stdlib", "shakespeare"], default="stdlib")
    p.add_argument("--root", default="data", help="folder holding (or receiving) Tiny Shakespeare")
    p.add_argument("--download", action="store_true", help="download Tiny Shakespeare into --root if missing")
    p.add_argument("--max-bytes", type=int, default=2_000_000, help="how much of the stdlib corpus to use")
    p.add_argument("--tokenizer", choices=["byte", "bpe"], default="byte")
    p.add_argument("--bpe-vocab", type=int, default=1024, help="BPE vocabulary size (with --tokenizer bpe)")
    p.add_argument("--n-layer", type=int, default=2)
    p.add_argument("--n-embd", type=int, default=128)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--block-size", type=int, default=64, help="tokens of context (n_positions)")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--steps", type=int, default=1000)
    p.add_argument("--time-limit", type=float, default=200.0,
                   help="stop training after this many seconds even if --steps are not done (0: no limit)")
    p.add_argument("--lr", type=float, default=3e-3, help="peak learning rate")
    p.add_argument("--eval-batches", type=int, default=20, help="validation batches per evaluation")
    p.add_argument("--prompt", default=None, help="text to continue (default: a line typical of the corpus)")
    p.add_argument("--sample-tokens", type=int, default=200)
    p.add_argument("--temperature", type=float, default=0.8)
    p.add_argument("--top-k", type=int, default=40)
    p.add_argument("--device", default=None, help="cpu or gpu (default: the GPU where there is one)")
    p.add_argument("--checkpoint", default=os.path.join("runs", "gpt.safetensors"))
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("steps", "batch_size", "block_size", "n_layer", "n_embd", "n_head", "eval_batches"):
        if getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.n_embd % args.n_head:
        p.error("--n-head must divide --n-embd")
    return args


def load_text(args) -> str:
    if args.corpus == "shakespeare":
        return datasets.tiny_shakespeare(args.root, download=args.download)
    return datasets.python_stdlib_corpus(max_bytes=args.max_bytes)


def make_tokenizer(args, train_text: str):
    if args.tokenizer == "byte":
        return ByteTokenizer()
    return BPETokenizer.train([train_text], vocab_size=args.bpe_vocab)


def unigram_loss(train: np.ndarray, val: np.ndarray, vocab_size: int) -> tuple[float, float]:
    """(entropy of the training tokens' frequencies, cross-entropy of those frequencies on ``val``), in nats.

    The frequencies are add-one smoothed so that a token unseen in training
    does not make the validation loss infinite.
    """
    counts = np.bincount(train, minlength=vocab_size).astype(np.float64) + 1.0
    p = counts / counts.sum()
    entropy = float(-(p * np.log(p)).sum())
    return entropy, float(-np.log(p[val]).mean())


def evaluate(model, loader, max_batches: int) -> float:
    """Mean cross-entropy (nats per token) over the first ``max_batches`` batches of ``loader``."""
    was_training = model.training
    model.eval()
    total, n = 0.0, 0
    with lucid.no_grad():
        for i, (x, y) in enumerate(loader):
            if i == max_batches:
                break
            logits = model(x)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
            n += 1
    model.train(was_training)
    return total / max(n, 1)


def lr_at(done: float, peak: float, warmup: float = 0.05) -> float:
    """Linear warm-up over the first 5% of training, then cosine decay to 10% of the peak.

    ``done`` is the fraction of the budget used: of the steps, or of the time
    limit when that runs out first, so a slow machine still gets the decay.
    """
    if done < warmup:
        return peak * max(done, 0.01) / warmup
    t = min((done - warmup) / (1 - warmup), 1.0)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * t)))


def save_checkpoint(path, model: GPT, args, step: int, val_loss: float) -> None:
    _common.save({"model": model.state_dict(), "config": model.config.to_dict(), "tokenizer": args.tokenizer,
                  "step": step, "val_loss": val_loss}, path)


def main(argv=None) -> int:
    args = parse_args(argv)
    _common.start(args)
    t0 = time.perf_counter()

    text = load_text(args)
    cut = int(len(text) * 0.9)
    tokenizer = make_tokenizer(args, text[:cut])
    train_ids, val_ids = tokenizer.encode_array(text[:cut]), tokenizer.encode_array(text[cut:])
    vocab = tokenizer.vocab_size
    entropy, baseline = unigram_loss(train_ids, val_ids, vocab)
    train_set = datasets.TokenBlocks(train_ids, args.block_size)
    val_set = datasets.TokenBlocks(val_ids, args.block_size)
    train_loader = data.DataLoader(train_set, batch_size=args.batch_size, shuffle=True, drop_last=True,
                                   generator=args.seed)
    val_loader = data.DataLoader(val_set, batch_size=args.batch_size)
    print(f"data: {args.corpus}, {len(text):,} characters -> {len(train_ids):,} train / {len(val_ids):,} val "
          f"{args.tokenizer} tokens (vocabulary {vocab}), {time.perf_counter() - t0:.1f}s to prepare")
    print(f"unigram baseline: entropy {entropy:.3f} nats, validation loss {baseline:.3f} nats/token")

    config = GPTConfig(vocab_size=vocab, n_positions=args.block_size, n_embd=args.n_embd, n_layer=args.n_layer,
                       n_head=args.n_head, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0)
    model = GPT(config)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: GPT {args.n_layer} layers x {args.n_embd} wide, {args.n_head} heads, context "
          f"{args.block_size}, {n_params:,} parameters")
    decay = [p for n, p in model.named_parameters() if p.ndim >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.ndim < 2]
    optimizer = optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))

    start = time.perf_counter()
    step, running, history = 0, None, []
    bar = progress(total=args.steps, desc="training", unit="step")
    while step < args.steps:
        for x, y in train_loader:
            done = step / args.steps
            if args.time_limit:
                done = max(done, (time.perf_counter() - start) / args.time_limit)
            for group in optimizer.param_groups:
                group["lr"] = lr_at(done, args.lr)
            logits = model(x)
            loss = F.cross_entropy(logits.reshape(-1, vocab), y.reshape(-1))
            optimizer.zero_grad()
            loss.backward()
            nn.util.clip_grad_norm(model.parameters(), 1.0)
            optimizer.step()
            step += 1
            bar.update(1)
            if step % 10 == 0 or step == args.steps:
                value = loss.item()
                running = value if running is None else 0.9 * running + 0.1 * value
                history.append((step, value))
                elapsed = time.perf_counter() - start
                bar.set_postfix(loss=f"{running:.3f}", tok_per_s=f"{step * x.numel() / elapsed:.0f}")
            out_of_time = args.time_limit and time.perf_counter() - start > args.time_limit
            if step == args.steps or out_of_time:
                break
        if args.time_limit and time.perf_counter() - start > args.time_limit:
            break
    bar.close()
    train_time = time.perf_counter() - start
    if step < args.steps:
        print(f"stopped after {step} of {args.steps} steps: --time-limit {args.time_limit:.0f}s reached")
    train_loss = evaluate(model, data.DataLoader(train_set, batch_size=args.batch_size), args.eval_batches)
    val_loss = evaluate(model, val_loader, args.eval_batches)
    print(f"trained {step} steps in {train_time:.1f}s: train loss {train_loss:.3f}, validation loss {val_loss:.3f} "
          f"nats/token (unigram baseline {baseline:.3f})")

    save_checkpoint(args.checkpoint, model, args, step, val_loss)
    if args.tokenizer == "bpe":
        tokenizer.save(args.checkpoint + ".tokenizer.json")
    state = lucid.load(args.checkpoint)
    restored = GPT(GPTConfig(**state["config"]))
    restored.load_state_dict(state["model"])
    if state["tokenizer"] == "bpe":
        tokenizer = BPETokenizer.load(args.checkpoint + ".tokenizer.json")
    again = evaluate(restored, val_loader, args.eval_batches)
    print(f"checkpoint: {args.checkpoint} (reloaded: validation loss {again:.3f})")

    prompt = args.prompt if args.prompt is not None else (
        "First Citizen:\n" if args.corpus == "shakespeare" else "    def __init__(self")
    ids = tokenizer.encode(prompt)[-args.block_size:]
    n_new = args.sample_tokens
    # The key/value cache holds at most n_positions tokens; a longer sample slides the context window
    # instead (each token then re-runs the last n_positions tokens).
    use_cache = len(ids) + n_new - 1 <= args.block_size
    sample = restored.generate(lucid.tensor([ids]), n_new, temperature=args.temperature, top_k=args.top_k,
                               use_cache=use_cache)
    how = "with the KV cache" if use_cache else f"sliding a {args.block_size}-token window"
    print(f"sample ({n_new} tokens {how}, temperature {args.temperature}, top-k {args.top_k}):")
    print("-" * 60)
    print(tokenizer.decode(sample[0].tolist()))
    print("-" * 60)
    print(f"total time {time.perf_counter() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
