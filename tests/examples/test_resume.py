"""A model and optimizer saved mid-training and loaded in a new process continue with bit-identical losses."""

import json
import subprocess
import sys
import textwrap

import numpy as np

import lucid
import lucid.nn.functional as F
from lucid import optim
from lucid.models import MLP

SCRIPT = textwrap.dedent('''
    import json, sys
    import lucid, lucid.nn.functional as F
    from lucid import optim
    from lucid.models import MLP

    ckpt = lucid.load(sys.argv[1])
    model = MLP((6, 16, 3))
    model.load_state_dict(ckpt["model"])
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
    opt.load_state_dict(ckpt["optimizer"])
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    sched.load_state_dict(ckpt["scheduler"])
    losses = []
    for x, y in zip(ckpt["xs"], ckpt["ys"]):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad(); loss.backward(); lucid.nn.util.clip_grad_value(model.parameters(), 0.5)
        opt.step(); sched.step()
        losses.append(loss.numpy().tobytes().hex())
    print(json.dumps(losses))
''')


def _step(model, opt, sched, x, y):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    lucid.nn.util.clip_grad_value(model.parameters(), 0.5)
    opt.step()
    sched.step()
    return loss


def test_resume_in_new_process_is_bit_identical(tmp_path):
    lucid.random.seed(0)
    rng = np.random.default_rng(0)
    xs = [lucid.tensor(rng.normal(size=(8, 6)).astype(np.float32)) for _ in range(6)]
    ys = [lucid.tensor(rng.integers(0, 3, size=8)) for _ in range(6)]
    model = MLP((6, 16, 3))
    opt = optim.Adam(model.parameters(), lr=1e-2, weight_decay=1e-3)
    sched = optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    for x, y in zip(xs[:3], ys[:3]):
        _step(model, opt, sched, x, y)
    path = tmp_path / "mid.safetensors"
    lucid.save({"model": model.state_dict(), "optimizer": opt.state_dict(), "scheduler": sched.state_dict(),
                "xs": xs[3:], "ys": ys[3:]}, path)
    expected = [_step(model, opt, sched, x, y).numpy().tobytes().hex() for x, y in zip(xs[3:], ys[3:])]

    out = subprocess.run([sys.executable, "-c", SCRIPT, str(path)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == expected
