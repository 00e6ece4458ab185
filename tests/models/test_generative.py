"""VAE, DCGAN and U-Net: parameter counts by layer arithmetic, key layouts, shapes, losses, training, gradients."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

import lucid
import lucid.models as models
import lucid.nn as nn
import lucid.nn.functional as F

# ----------------------------------------------------------------------------- counts by arithmetic


def linear(i, o):
    return i * o + o


def conv(i, o, k, bias=False):
    return i * o * k * k + (o if bias else 0)


def bn(c):
    return 2 * c


def vae_count(d=784, h=400, z=20):
    return linear(d, h) + 2 * linear(h, z) + linear(z, h) + linear(h, d)


def dcgan_g_count(nz=100, ngf=64, nc=3):
    widths = [nz, 8 * ngf, 4 * ngf, 2 * ngf, ngf]
    return sum(conv(a, b, 4) + bn(b) for a, b in itertools.pairwise(widths)) + conv(ngf, nc, 4)


def dcgan_d_count(nc=3, ndf=64):
    widths = [ndf, 2 * ndf, 4 * ndf, 8 * ndf]
    return conv(nc, ndf, 4) + sum(conv(a, b, 4) + bn(b) for a, b in itertools.pairwise(widths)) + conv(8 * ndf, 1, 4)


def double_conv(i, o, m=None):
    m = o if m is None else m
    return conv(i, m, 3) + bn(m) + conv(m, o, 3) + bn(o)


def unet_count(cin=3, cout=1, base=64, depth=4, bilinear=False):
    f = 2 if bilinear else 1
    ch = [base * 2**i for i in range(depth + 1)]
    total = double_conv(cin, ch[0]) + conv(ch[0], cout, 1, bias=True)
    total += sum(double_conv(ch[i - 1], ch[i] // f if i == depth else ch[i]) for i in range(1, depth + 1))
    for i in range(depth, 0, -1):
        out = ch[i - 1] // f if i > 1 else ch[0]
        if bilinear:
            total += double_conv(ch[i], out, ch[i] // 2)
        else:
            total += conv(ch[i], ch[i] // 2, 2, bias=True) + double_conv(ch[i], out)
    return total


def count(model):
    return sum(p.numel() for p in model.parameters())


def test_registered_counts_match_the_layer_arithmetic():
    # The PyTorch DCGAN example's printed counts, and milesial's U-Net (3 in, 1 out: 31,037,633).
    assert dcgan_g_count() == 3_576_704 and dcgan_d_count() == 2_765_568
    expected = {"vae": vae_count(), "dcgan_generator": dcgan_g_count(), "dcgan_discriminator": dcgan_d_count(),
                "unet": unet_count()}
    for name, n in expected.items():
        assert models.get_model_info(name).num_params == n, name
        assert count(models.create_model(name)) == n, name


@pytest.mark.parametrize("kwargs", [dict(bilinear=True), dict(in_channels=1, out_channels=4, base_channels=8, depth=2),
                                    dict(base_channels=6, depth=3, bilinear=True), dict(depth=1)])
def test_unet_counts_of_other_configurations(kwargs):
    assert count(models.UNet(**kwargs)) == unet_count(kwargs.get("in_channels", 3), kwargs.get("out_channels", 1),
                                                      kwargs.get("base_channels", 64), kwargs.get("depth", 4),
                                                      kwargs.get("bilinear", False))


def test_dcgan_and_vae_counts_of_other_configurations():
    assert count(models.DCGANGenerator(nz=16, ngf=8, nc=1)) == dcgan_g_count(16, 8, 1)
    assert count(models.DCGANDiscriminator(nc=1, ndf=8)) == dcgan_d_count(1, 8)
    assert count(models.VAE(16, 32, 2)) == vae_count(16, 32, 2)


def test_state_dict_keys_follow_the_reference_layouts():
    g = set(models.dcgan_generator().state_dict())
    assert {"main.0.weight", "main.1.running_mean", "main.12.weight"} <= g and "main.0.bias" not in g
    d = set(models.dcgan_discriminator().state_dict())
    assert {"main.0.weight", "main.3.weight", "main.9.running_var", "main.11.weight"} <= d
    u = set(models.unet().state_dict())
    assert {"inc.double_conv.0.weight", "down1.maxpool_conv.1.double_conv.4.running_mean", "down4.maxpool_conv.1"
            ".double_conv.3.weight", "up1.up.weight", "up1.up.bias", "up4.conv.double_conv.0.weight",
            "outc.conv.weight", "outc.conv.bias"} <= u
    assert set(models.vae().state_dict()) == {f"fc{i}.{k}" for i in (1, 21, 22, 3, 4) for k in ("weight", "bias")}


# ----------------------------------------------------------------------------- VAE


def test_vae_shapes_and_sampling():
    model = models.VAE()
    for x in (lucid.rand(3, 1, 28, 28), lucid.rand(3, 784)):
        recon, mu, logvar = model(x)
        assert recon.shape == (3, 784) and mu.shape == logvar.shape == (3, 20)
        r = recon.numpy()
        assert ((r > 0) & (r < 1)).all()
    with lucid.no_grad():
        assert model.sample(5).shape == (5, 784)
    with pytest.raises(ValueError, match="784"):
        model(lucid.rand(2, 1, 32, 32))
    with pytest.raises(ValueError, match="non-negative"):
        model.sample(-1)
    with pytest.raises(ValueError, match="positive"):
        models.VAE(latent=0)


def _np_vae_loss(recon, x, mu, logvar):
    bce = -(x * np.log(recon) + (1 - x) * np.log(1 - recon)).sum()
    kl = -0.5 * (1 + logvar - mu**2 - np.exp(logvar)).sum()
    return bce + kl


def test_vae_loss_matches_numpy():
    rng = np.random.default_rng(0)
    recon = rng.uniform(0.05, 0.95, (4, 784)).astype(np.float32)
    x = (rng.uniform(size=(4, 1, 28, 28)) > 0.6).astype(np.float32)
    x[0, 0, :3, :3] = 0.25  # non-binary targets too
    mu = rng.standard_normal((4, 20)).astype(np.float32)
    logvar = (0.5 * rng.standard_normal((4, 20))).astype(np.float32)
    want = _np_vae_loss(recon.astype(np.float64), x.reshape(4, 784).astype(np.float64), mu.astype(np.float64),
                        logvar.astype(np.float64))
    model = models.VAE()
    args = [lucid.tensor(a) for a in (recon, x, mu, logvar)]
    np.testing.assert_allclose(model.loss(*args).item(), want, rtol=1e-5)
    np.testing.assert_allclose(model.loss(*args, reduction="mean").item(), want / 4, rtol=1e-5)
    with pytest.raises(ValueError, match="reduction"):
        model.loss(*args, reduction="none")


def test_vae_encode_and_decode_match_numpy():
    model = models.VAE(16, 8, 3)
    w = {k: v.numpy().astype(np.float64) for k, v in model.state_dict().items()}
    x = np.random.default_rng(2).uniform(size=(5, 1, 4, 4)).astype(np.float32)
    h = np.maximum(x.reshape(5, 16) @ w["fc1.weight"].T + w["fc1.bias"], 0)
    mu, logvar = model.encode(lucid.tensor(x))
    np.testing.assert_allclose(mu.numpy(), h @ w["fc21.weight"].T + w["fc21.bias"], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(logvar.numpy(), h @ w["fc22.weight"].T + w["fc22.bias"], rtol=1e-5, atol=1e-6)
    z = np.random.default_rng(3).standard_normal((5, 3)).astype(np.float32)
    logits = np.maximum(z @ w["fc3.weight"].T + w["fc3.bias"], 0) @ w["fc4.weight"].T + w["fc4.bias"]
    np.testing.assert_allclose(model.decode(lucid.tensor(z)).numpy(), 1 / (1 + np.exp(-logits)), rtol=1e-5,
                               atol=1e-6)


def test_vae_reparameterize_is_differentiable_in_mu_and_logvar():
    lucid.manual_seed(3)
    mu = lucid.tensor(np.linspace(-1, 1, 6, dtype=np.float32), requires_grad=True)
    logvar = lucid.tensor(np.linspace(-0.5, 0.5, 6, dtype=np.float32), requires_grad=True)
    z = models.VAE().reparameterize(mu, logvar)
    z.sum().backward()
    eps = (z.numpy() - mu.numpy()) / np.exp(0.5 * logvar.numpy())
    np.testing.assert_allclose(mu.grad.numpy(), np.ones(6), rtol=1e-6)
    np.testing.assert_allclose(logvar.grad.numpy(), 0.5 * eps * np.exp(0.5 * logvar.numpy()), rtol=1e-4, atol=1e-6)
    assert np.abs(eps).max() > 1e-3  # a draw, not the mean


def _digits(n, size=28):
    ds = lucid.datasets.SyntheticDigits(train=True, size=n, seed=1)
    images = np.stack([ds[i][0] for i in range(n)]).astype(np.float32) / 255.0
    return images.reshape(n, 1, size, size)


def test_vae_training_lowers_the_loss_and_reaches_every_parameter():
    lucid.manual_seed(0)
    x = lucid.tensor(_digits(64))
    model = models.VAE()
    opt = lucid.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(15):
        recon, mu, logvar = model(x)
        loss = model.loss(recon, x, mu, logvar, reduction="mean")
        opt.zero_grad()
        loss.backward()
        if not losses:
            assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in model.parameters())
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.8 * losses[0], losses


# ----------------------------------------------------------------------------- DCGAN


def test_dcgan_default_shapes():
    g, d = models.dcgan_generator().eval(), models.dcgan_discriminator().eval()
    with lucid.no_grad():
        img = g(lucid.randn(1, 100, 1, 1))
        assert img.shape == (1, 3, 64, 64)
        assert np.abs(img.numpy()).max() <= 1.0
        p = d(img)
    assert p.shape == (1,) and 0 < p.item() < 1
    assert g(lucid.randn(2, 100)).shape == (2, 3, 64, 64)  # (N, nz) is reshaped to (N, nz, 1, 1)


def test_dcgan_shape_errors():
    g, d = models.DCGANGenerator(nz=8, ngf=4, nc=1), models.DCGANDiscriminator(nc=1, ndf=4)
    with pytest.raises(ValueError, match=r"\(N, 8, 1, 1\)"):
        g(lucid.randn(2, 9, 1, 1))
    with pytest.raises(ValueError, match="64, 64"):
        d(lucid.randn(2, 1, 32, 32))
    with pytest.raises(ValueError, match="positive"):
        models.DCGANGenerator(ngf=0)


def test_dcgan_initialisation():
    g = models.dcgan_generator()
    w = g.main[3].weight.numpy()  # 512 x 256 x 4 x 4 transposed conv
    assert abs(w.mean()) < 1e-3 and abs(w.std() / 0.02 - 1) < 0.02
    s = np.concatenate([g.main[i].weight.numpy() for i in (1, 4, 7, 10)])
    assert abs(s.mean() - 1) < 0.005 and abs(s.std() / 0.02 - 1) < 0.15
    assert not np.concatenate([g.main[i].bias.numpy() for i in (1, 4, 7, 10)]).any()
    dw = models.dcgan_discriminator().main[8].weight.numpy()
    assert abs(dw.std() / 0.02 - 1) < 0.02


def test_dcgan_logits_discriminator_drops_the_sigmoid():
    lucid.manual_seed(0)
    d = models.DCGANDiscriminator(nc=1, ndf=4)
    lucid.manual_seed(0)
    raw = models.DCGANDiscriminator(nc=1, ndf=4, logits=True)
    raw.load_state_dict(d.state_dict())
    x = lucid.randn(3, 1, 64, 64)
    np.testing.assert_allclose(d(x).numpy(), 1 / (1 + np.exp(-raw(x).numpy())), rtol=1e-5, atol=1e-6)


def test_dcgan_adversarial_steps_lower_each_players_loss():
    lucid.manual_seed(0)
    g, d = models.DCGANGenerator(nz=8, ngf=4, nc=1), models.DCGANDiscriminator(nc=1, ndf=4)
    real = lucid.tensor(np.tile(np.linspace(-1, 1, 64, dtype=np.float32), (8, 1, 64, 1)))
    z = lucid.randn(8, 8)
    ones, zeros = lucid.ones(8), lucid.zeros(8)
    opt_d = lucid.optim.Adam(d.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_g = lucid.optim.Adam(g.parameters(), lr=2e-3, betas=(0.5, 0.999))
    fake = g(z).detach()
    d_losses = []
    for step in range(6):
        loss = F.binary_cross_entropy(d(real), ones) + F.binary_cross_entropy(d(fake), zeros)
        opt_d.zero_grad()
        loss.backward()
        if step == 0:
            assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in d.parameters())
        opt_d.step()
        d_losses.append(loss.item())
    assert d_losses[-1] < d_losses[0], d_losses
    d.eval().requires_grad_(False)
    g_losses = []
    for step in range(6):
        loss = F.binary_cross_entropy(d(g(z)), ones)
        opt_g.zero_grad()
        loss.backward()
        if step == 0:
            assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in g.parameters())
        opt_g.step()
        g_losses.append(loss.item())
    assert g_losses[-1] < g_losses[0], g_losses


# ----------------------------------------------------------------------------- U-Net


@pytest.mark.parametrize("bilinear", [False, True])
@pytest.mark.parametrize("size", [(16, 16), (13, 18)])
def test_unet_keeps_the_input_size(bilinear, size):
    net = models.UNet(in_channels=2, out_channels=3, base_channels=4, depth=3, bilinear=bilinear).eval()
    assert net(lucid.randn(2, 2, *size)).shape == (2, 3, *size)


def test_unet_errors():
    net = models.UNet(in_channels=1, base_channels=4, depth=1)
    with pytest.raises(ValueError, match=r"\(N, 1, H, W\)"):
        net(lucid.randn(1, 3, 8, 8))
    with pytest.raises(ValueError, match="depth"):
        models.UNet(depth=0)
    with pytest.raises(ValueError, match="even"):
        models.UNet(base_channels=5, bilinear=True)


def test_unet_skip_connections_carry_fine_detail():
    # The target is the sign of each input pixel: a per-pixel task that the 4x4 bottleneck alone cannot solve,
    # but the full-resolution skip connection makes easy. A few steps must halve the loss.
    lucid.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 1, 16, 16)).astype(np.float32)
    target = lucid.tensor((x > 0).astype(np.float32))
    net = models.UNet(in_channels=1, out_channels=1, base_channels=8, depth=2)
    opt = lucid.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for step in range(15):
        loss = F.binary_cross_entropy_with_logits(net(lucid.tensor(x)), target)
        opt.zero_grad()
        loss.backward()
        if step == 0:
            assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in net.parameters())
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0], losses


def test_unet_bilinear_gradients_reach_every_parameter():
    net = models.UNet(in_channels=1, out_channels=2, base_channels=4, depth=2, bilinear=True)
    target = lucid.tensor(np.random.default_rng(1).integers(0, 2, (2, 12, 12)))
    loss = F.cross_entropy(net(lucid.randn(2, 1, 12, 12)), target)
    loss.backward()
    assert all(p.grad is not None and np.abs(p.grad.numpy()).max() > 0 for p in net.parameters())


def test_models_are_plain_modules():
    assert isinstance(models.unet(), nn.Module) and isinstance(models.vae(), nn.Module)
    assert "nz=100" in repr(models.dcgan_generator())
