"""The model zoo: registry, torchvision parameter counts and key names, lazy construction, forward passes."""

from __future__ import annotations

import mlx.core as mx
import numpy as np
import pytest

import lucid
import lucid.models as models
import lucid.nn as nn
from lucid.models._registry import _REGISTRY

# torchvision's parameter counts (torchvision.models.<name>().parameters(), default arguments).
TORCHVISION_COUNTS = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336, "vgg11_bn": 132_868_840, "vgg13": 133_047_848, "vgg13_bn": 133_053_736,
    "vgg16": 138_357_544, "vgg16_bn": 138_365_992, "vgg19": 143_667_240, "vgg19_bn": 143_678_248,
    "resnet18": 11_689_512, "resnet34": 21_797_672, "resnet50": 25_557_032, "resnet101": 44_549_160,
    "resnet152": 60_192_808, "resnext50_32x4d": 25_028_904, "wide_resnet50_2": 68_883_240,
    "mobilenet_v2": 3_504_872, "mobilenet_v3_small": 2_542_856, "mobilenet_v3_large": 5_483_032,
    "efficientnet_b0": 5_288_548, "convnext_tiny": 28_589_128, "densenet121": 7_978_856,
    "vit_b_16": 86_567_656, "swin_t": 28_288_354,
    "gpt2": 124_439_808,  # not in torchvision: Hugging Face's GPT2LMHeadModel (lm_head tied to wte)
    "bert-base-uncased": 109_482_240,  # not in torchvision: Hugging Face's BertModel (with the pooler)
    "lenet5": 61_706,  # not in torchvision: LeNet-5 for 1x28x28 inputs
    "small_cnn": 207_018,  # not in torchvision: SmallCNN for 1x28x28 inputs
    # Generative models and U-Net (not in torchvision): counted by layer in tests/models/test_generative.py.
    "vae": 652_824, "dcgan_generator": 3_576_704, "dcgan_discriminator": 2_765_568, "unet": 31_037_633,
}

# Samples of torchvision's state_dict keys for each architecture.
TORCHVISION_KEYS = {
    "resnet18": ["conv1.weight", "bn1.running_mean", "bn1.num_batches_tracked", "layer1.0.conv1.weight",
                 "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_var", "layer4.1.bn2.bias",
                 "fc.weight", "fc.bias"],
    "resnet50": ["layer1.0.conv3.weight", "layer1.0.bn3.weight", "layer1.0.downsample.0.weight",
                 "layer3.5.conv2.weight", "layer4.2.bn3.running_var"],
    "alexnet": ["features.0.weight", "features.3.weight", "features.10.bias", "classifier.1.weight",
                "classifier.4.weight", "classifier.6.bias"],
    "vgg16": ["features.0.weight", "features.28.weight", "classifier.0.weight", "classifier.3.weight",
              "classifier.6.bias"],
    "vgg16_bn": ["features.1.running_mean", "features.40.weight", "features.41.weight", "classifier.6.weight"],
    "mobilenet_v2": ["features.0.0.weight", "features.0.1.weight", "features.1.conv.0.0.weight",
                     "features.1.conv.1.weight", "features.1.conv.2.running_mean", "features.2.conv.0.0.weight",
                     "features.2.conv.1.0.weight", "features.2.conv.3.running_var", "features.18.0.weight",
                     "classifier.1.weight"],
    "mobilenet_v3_large": ["features.0.0.weight", "features.1.block.0.0.weight", "features.4.block.2.fc1.weight",
                           "features.4.block.2.fc2.bias", "features.4.block.3.1.running_var",
                           "features.16.0.weight", "classifier.0.weight", "classifier.3.weight"],
    "mobilenet_v3_small": ["features.1.block.1.fc1.weight", "features.12.1.weight", "classifier.3.bias"],
    "efficientnet_b0": ["features.0.0.weight", "features.1.0.block.0.0.weight", "features.1.0.block.1.fc1.weight",
                        "features.2.0.block.0.0.weight", "features.2.0.block.3.1.running_mean",
                        "features.7.0.block.3.0.weight", "features.8.0.weight", "classifier.1.weight"],
    "convnext_tiny": ["features.0.0.weight", "features.0.1.weight", "features.1.0.block.0.weight",
                      "features.1.0.block.2.weight", "features.1.0.block.3.weight", "features.1.0.block.5.bias",
                      "features.1.0.layer_scale", "features.2.0.weight", "features.2.1.weight",
                      "features.5.8.layer_scale", "classifier.0.weight", "classifier.2.weight"],
    "densenet121": ["features.conv0.weight", "features.norm0.running_mean",
                    "features.denseblock1.denselayer1.norm1.weight",
                    "features.denseblock1.denselayer1.conv1.weight", "features.denseblock1.denselayer6.conv2.weight",
                    "features.transition1.norm.weight", "features.transition1.conv.weight",
                    "features.denseblock4.denselayer16.conv2.weight", "features.norm5.bias", "classifier.weight"],
    "vit_b_16": ["class_token", "conv_proj.weight", "conv_proj.bias", "encoder.pos_embedding",
                 "encoder.layers.encoder_layer_0.ln_1.weight",
                 "encoder.layers.encoder_layer_0.self_attention.in_proj_weight",
                 "encoder.layers.encoder_layer_0.self_attention.in_proj_bias",
                 "encoder.layers.encoder_layer_0.self_attention.out_proj.weight",
                 "encoder.layers.encoder_layer_11.ln_2.bias", "encoder.layers.encoder_layer_11.mlp.0.weight",
                 "encoder.layers.encoder_layer_11.mlp.3.bias", "encoder.ln.weight", "heads.head.weight"],
    "swin_t": ["features.0.0.weight", "features.0.2.weight", "features.1.0.norm1.weight",
               "features.1.0.attn.qkv.weight", "features.1.0.attn.proj.bias",
               "features.1.0.attn.relative_position_bias_table", "features.1.0.attn.relative_position_index",
               "features.1.1.mlp.0.weight", "features.1.1.mlp.3.weight", "features.1.1.norm2.bias",
               "features.2.reduction.weight", "features.2.norm.weight", "features.5.5.attn.qkv.bias",
               "features.7.1.mlp.3.bias", "norm.weight", "head.weight"],
}


def count(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("name", sorted(_REGISTRY))
def test_every_model_has_torchvisions_parameter_count(name):
    if name not in TORCHVISION_COUNTS:
        pytest.fail(f"{name} is registered but has no expected count in TORCHVISION_COUNTS")
    model = models.create_model(name)
    assert count(model) == TORCHVISION_COUNTS[name]
    assert models.get_model_info(name).num_params == TORCHVISION_COUNTS[name]


def test_every_architecture_of_the_issue_is_registered():
    assert set(TORCHVISION_COUNTS) <= set(models.list_models())


@pytest.mark.parametrize("name", sorted(TORCHVISION_KEYS))
def test_state_dict_keys_are_torchvisions(name):
    if name not in _REGISTRY:
        pytest.skip(f"{name} is not registered yet")
    keys = set(models.create_model(name).state_dict())
    missing = [k for k in TORCHVISION_KEYS[name] if k not in keys]
    assert not missing, f"{name} lacks torchvision keys {missing}"


@pytest.mark.parametrize("name", ["vgg16", "vit_b_16", "swin_t", "convnext_tiny"])
def test_construction_evaluates_no_weights(name):
    # vgg16's 138M float32 parameters are 553 MB once evaluated; lazily they are small graphs.
    before = mx.get_active_memory()
    model = models.create_model(name)
    grown = mx.get_active_memory() - before
    assert count(model) == TORCHVISION_COUNTS[name]
    assert grown < 4 * 2**20, f"building {name} allocated {grown / 2**20:.0f} MiB: weights were evaluated"


def test_state_dict_loads_by_name_across_instances():
    a, b = models.resnet18(num_classes=4), models.resnet18(num_classes=4)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(a.layer3[1].conv2.weight.numpy(), b.layer3[1].conv2.weight.numpy())


# ----------------------------------------------------------------------------- forward passes

SMALL_INPUTS = {  # name -> input shape at which the forward pass is cheap on the CPU
    "lenet5": (2, 1, 28, 28),
    "resnet18": (2, 3, 32, 32),
    "mobilenet_v2": (2, 3, 32, 32),
    "mobilenet_v3_small": (2, 3, 32, 32),
    "mobilenet_v3_large": (1, 3, 32, 32),
    "efficientnet_b0": (1, 3, 32, 32),
    "densenet121": (1, 3, 32, 32),
}


@pytest.mark.parametrize("name", sorted(SMALL_INPUTS))
def test_forward_on_a_small_input(name):
    if name not in _REGISTRY:
        pytest.skip(f"{name} is not registered yet")
    model = models.create_model(name, num_classes=7).eval()
    out = model(lucid.randn(*SMALL_INPUTS[name]))
    assert out.shape == (SMALL_INPUTS[name][0], 7)
    assert np.isfinite(out.numpy()).all()


def test_resnet_training_step_reaches_every_parameter():
    model = models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=3)
    loss = nn.functional.cross_entropy(model(lucid.randn(2, 3, 32, 32)), lucid.tensor([0, 2]))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert np.isfinite(loss.item())


def test_vgg_and_alexnet_features_shapes():
    # The classifiers alone hold ~100M weights: check the feature extractors and the classifier sizes.
    vgg = models.vgg11_bn(num_classes=5)
    assert vgg.eval().features(lucid.zeros(1, 3, 32, 32)).shape == (1, 512, 1, 1)
    assert vgg.classifier[0].in_features == 512 * 7 * 7 and vgg.classifier[-1].out_features == 5
    alex = models.alexnet(num_classes=5)
    assert alex.features(lucid.zeros(1, 3, 224, 224)).shape == (1, 256, 6, 6)


def test_resnet_zero_init_residual_and_variants():
    net = models.resnet18(zero_init_residual=True)
    assert not net.layer1[0].bn2.weight.numpy().any()
    assert models.resnext50_32x4d().layer2[0].conv2.groups == 32
    assert models.wide_resnet50_2().layer1[0].conv1.out_channels == 128
    dilated = models.resnet50(replace_stride_with_dilation=[False, True, True]).eval()
    assert dilated.layer4[0].conv2.dilation == (2, 2) and dilated.layer4[1].conv2.dilation == (4, 4)
    with pytest.raises(ValueError, match="groups=1"):
        models.ResNet(models.BasicBlock, [1, 1, 1, 1], groups=2)


def test_resnet_init_is_kaiming_normal_fan_out():
    w = models.resnet18().layer3[0].conv1.weight.numpy()  # 256 outputs x 3 x 3: std = sqrt(2 / (256 * 9))
    assert abs(w.std() / np.sqrt(2 / (256 * 9)) - 1) < 0.05


def test_mobilenet_width_multiplier_scales_channels():
    assert models.mobilenet_v2(width_mult=0.5).features[0][0].out_channels == 16
    assert models.mobilenet_v3_small(reduced_tail=True).features[-1][0].out_channels == 288


# ----------------------------------------------------------------------------- registry

def test_list_models_globs():
    assert models.list_models("resnet*") == ["resnet101", "resnet152", "resnet18", "resnet34", "resnet50"]
    assert models.list_models(["vgg1[19]", "alex*"]) == ["alexnet", "vgg11", "vgg19"]
    assert models.list_models("nothing*") == []
    assert models.list_models() == sorted(_REGISTRY)
    assert models.list_models(pretrained=True) == []
    with pytest.raises(TypeError, match="filter"):
        models.list_models([1])


def test_get_model_info():
    info = models.get_model_info("resnet50")
    assert info.num_params == 25_557_032 and info.input_size == (3, 224, 224)
    assert "Residual" in info.paper and info.weights == {}
    assert models.get_model_info("lenet5").input_size == (1, 28, 28)


def test_unknown_names_list_the_closest_matches():
    with pytest.raises(ValueError, match=r"unknown model 'resnet19'.*'resnet18'"):
        models.create_model("resnet19")
    with pytest.raises(ValueError, match=r"'vgg16_bn'"):
        models.get_model_info("vgg16bn")
    with pytest.raises(ValueError, match="list_models"):
        models.create_model("zzzzzz")
    with pytest.raises(TypeError, match="string"):
        models.create_model(18)


def test_pretrained_without_weights_is_a_clear_error():
    with pytest.raises(ValueError, match="no pretrained weights are available for 'resnet18'"):
        models.create_model("resnet18", pretrained=True)
    with pytest.raises(ValueError, match="no pretrained weights"):
        models.resnet18(pretrained=True)


def test_register_model_decorator():
    try:
        @models.register_model("test_tiny", num_params=6, paper="none", input_size=(2,))
        def tiny(num_classes: int = 2):
            return nn.Linear(2, num_classes)

        assert "test_tiny" in models.list_models("test_*")
        assert isinstance(tiny(), nn.Linear) and tiny.__name__ == "tiny"
        assert models.create_model("test_tiny", num_classes=3).out_features == 3
        with pytest.raises(ValueError, match="already registered"):
            models.register_model("test_tiny", num_params=6, paper="none")(tiny)
    finally:
        _REGISTRY.pop("test_tiny", None)


def test_factories_forward_their_keyword_arguments():
    assert models.create_model("resnet34", num_classes=10).fc.out_features == 10
    with pytest.raises(TypeError):
        models.create_model("resnet18", not_an_argument=1)


# ----------------------------------------------------------------------------- reduced transformers and ConvNeXt

def test_reduced_convnext_forward_and_backward():
    net = models.ConvNeXt([models.CNBlockConfig(8, 16, 2), models.CNBlockConfig(16, None, 1)],
                          stochastic_depth_prob=0.1, num_classes=4)
    out = net(lucid.randn(2, 3, 16, 16))
    assert out.shape == (2, 4)
    out.sum().backward()
    assert net.features[1][0].layer_scale.grad is not None
    assert net.features[1][0].layer_scale.shape == (8, 1, 1)


def test_reduced_vit_forward_and_input_check():
    vit = models.VisionTransformer(32, 16, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32, num_classes=5)
    out = vit(lucid.randn(2, 3, 32, 32))
    assert out.shape == (2, 5)
    assert not out.numpy().any()  # torchvision zero-initialises the head
    with pytest.raises(ValueError, match="32, 32"):
        vit(lucid.randn(1, 3, 48, 48))
    with pytest.raises(ValueError, match="divisible"):
        models.VisionTransformer(30, 16, 1, 1, 8, 8)
    pre = models.VisionTransformer(32, 16, 1, 2, 16, 32, representation_size=8)
    assert pre.heads.pre_logits.out_features == 8


def test_vit_b_16_layout():
    vit = models.vit_b_16()
    assert vit.conv_proj.kernel_size == (16, 16) and vit.class_token.shape == (1, 1, 768)
    assert len(vit.encoder.layers) == 12
    assert vit.encoder.layers.encoder_layer_0.self_attention.in_proj_weight.shape == (2304, 768)


def test_reduced_swin_forward_and_backward():
    net = models.SwinTransformer([4, 4], 8, [2, 2, 2], [2, 2, 4], [2, 2], num_classes=3)
    out = net(lucid.randn(2, 3, 32, 32))  # 8x8, 4x4, 2x2 maps: shifted windows in the first two stages
    assert out.shape == (2, 3) and np.isfinite(out.numpy()).all()
    out.sum().backward()
    assert net.features[1][1].attn.relative_position_bias_table.grad is not None
    odd = net(lucid.randn(1, 3, 20, 28))  # 5x7 map: padded to whole windows, then cropped
    assert odd.shape == (1, 3)


def _window_attention_reference(x, qkv_w, qkv_b, proj_w, proj_b, table, index, window, shift, heads):
    """Shifted-window attention window by window in NumPy: roll, attend within each window, roll back."""
    b, h, w, c = x.shape
    wh, ww = window
    n = wh * ww
    bias = table[index].reshape(n, n, heads).transpose(2, 0, 1)
    xs = np.roll(x, (-shift[0], -shift[1]), axis=(1, 2))
    # region labels of the shifted map: positions from different regions must not attend to each other
    label = np.zeros((h, w))
    for i, hs in enumerate(((0, h - wh), (h - wh, h - shift[0]), (h - shift[0], h))):
        for j, ws in enumerate(((0, w - ww), (w - ww, w - shift[1]), (w - shift[1], w))):
            label[hs[0]:hs[1], ws[0]:ws[1]] = 3 * i + j
    out = np.zeros_like(xs)
    d = c // heads
    for bi in range(b):
        for r in range(0, h, wh):
            for s in range(0, w, ww):
                tokens = xs[bi, r:r + wh, s:s + ww].reshape(n, c)
                lab = label[r:r + wh, s:s + ww].reshape(n)
                mask = np.where(lab[:, None] != lab[None, :], -100.0, 0.0) if any(shift) else 0.0
                q, k, v = np.split(tokens @ qkv_w.T + qkv_b, 3, axis=-1)
                res = np.zeros((n, c))
                for hd in range(heads):
                    sl = slice(hd * d, (hd + 1) * d)
                    scores = q[:, sl] @ k[:, sl].T / np.sqrt(d) + bias[hd] + mask
                    p = np.exp(scores - scores.max(-1, keepdims=True))
                    res[:, sl] = (p / p.sum(-1, keepdims=True)) @ v[:, sl]
                out[bi, r:r + wh, s:s + ww] = (res @ proj_w.T + proj_b).reshape(wh, ww, c)
    return np.roll(out, shift, axis=(1, 2))


@pytest.mark.parametrize("shift", [(0, 0), (1, 1)])
def test_shifted_window_attention_matches_a_per_window_reference(shift):
    from lucid.models.swin_transformer import ShiftedWindowAttention

    attn = ShiftedWindowAttention(8, [2, 2], list(shift), num_heads=2)
    nn.init.normal_(attn.relative_position_bias_table, std=0.5)
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 8)).astype(np.float32)
    got = attn(lucid.tensor(x)).numpy()
    want = _window_attention_reference(
        x.astype(np.float64), attn.qkv.weight.numpy(), attn.qkv.bias.numpy(), attn.proj.weight.numpy(),
        attn.proj.bias.numpy(), attn.relative_position_bias_table.numpy(), attn.relative_position_index.numpy(),
        (2, 2), shift, 2)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


def test_relative_position_index_of_a_7x7_window():
    from lucid.models.swin_transformer import _relative_position_index

    index = _relative_position_index((7, 7))
    assert index.shape == (49 * 49,) and index.min() == 0 and index.max() == 13 * 13 - 1
    assert index[0] == 6 * 13 + 6  # a position with itself: offset (0, 0), the middle of the table
