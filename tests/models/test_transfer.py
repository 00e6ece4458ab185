"""freeze/unfreeze by name pattern, a replaced head, BatchNorm kept in eval, per-group learning rates."""

from __future__ import annotations

import numpy as np
import pytest

import lucid
import lucid.models as models
import lucid.nn as nn
import lucid.nn.functional as F


def small_resnet(num_classes=3):
    return models.ResNet(models.BasicBlock, [1, 1, 1, 1], num_classes=num_classes)


def trainable(model):
    return [n for n, p in model.named_parameters() if p.requires_grad]


def test_freeze_by_prefix_glob_and_exclude():
    net = small_resnet()
    names = [n for n, _ in net.named_parameters()]
    assert models.freeze(net, "layer1") == [n for n in names if n.startswith("layer1.")]
    assert all(n.startswith("layer1.") is not (n in trainable(net)) for n in names)
    net = small_resnet()
    frozen = models.freeze(net, "*.bias")
    assert frozen and all(n.endswith(".bias") for n in frozen)
    assert "fc.bias" in frozen and "fc.weight" in trainable(net)
    net = small_resnet()
    models.freeze(net, exclude=["fc", "layer4.*.bn2.*"])
    assert trainable(net) == ["layer4.0.bn2.weight", "layer4.0.bn2.bias", "fc.weight", "fc.bias"]
    net = small_resnet()
    assert models.freeze(net, ["conv1.weight", "layer[23]"]) == ["conv1.weight"] + [
        n for n in names if n.startswith(("layer2.", "layer3."))]


def test_freeze_puts_wholly_frozen_batchnorm_in_eval_and_is_idempotent():
    net = small_resnet().train()
    models.freeze(net, exclude=["fc", "layer4.0.bn2.weight"])
    bns = {n: m for n, m in net.named_modules() if isinstance(m, nn.BatchNorm2d)}
    assert not bns["bn1"].training and not bns["layer3.0.bn1"].training
    assert bns["layer4.0.bn2"].training  # its weight is still trainable
    assert net.fc.training and net.training
    net.train()  # train() switches everything back, as in PyTorch ...
    assert bns["bn1"].training
    models.freeze(net, exclude=["fc", "layer4.0.bn2.weight"])  # ... and freezing again restores eval
    assert not bns["bn1"].training and bns["layer4.0.bn2"].training
    net = small_resnet().train()
    models.freeze(net, batchnorm_eval=False)
    assert all(m.training for m in net.modules())


def test_unfreeze_restores_gradients_and_batchnorm_mode():
    net = small_resnet().train()
    models.freeze(net)
    assert trainable(net) == []
    thawed = models.unfreeze(net, "layer4")
    assert thawed == trainable(net) and all(n.startswith("layer4.") for n in thawed)
    assert net.layer4[0].bn1.training and not net.layer3[0].bn1.training
    models.unfreeze(net)
    assert len(trainable(net)) == len(list(net.parameters()))
    assert all(m.training for m in net.modules())


def test_bad_patterns_are_clear_errors():
    net = small_resnet()
    with pytest.raises(ValueError, match=r"'layer5' matches no parameter of ResNet \(names look like: conv1"):
        models.freeze(net, "layer5")
    with pytest.raises(ValueError, match="'fcc'"):
        models.unfreeze(net, exclude="fcc")
    with pytest.raises(TypeError, match="glob pattern"):
        models.freeze(net, [1])
    with pytest.raises(TypeError, match="glob pattern"):
        models.freeze(net, 3)
    with pytest.raises(TypeError, match="nn.Module"):
        models.freeze([net.fc.weight])
    assert trainable(net) == [n for n, _ in net.named_parameters()]  # a failed call changes nothing


def test_fine_tuning_a_frozen_backbone_changes_only_the_new_head():
    lucid.manual_seed(0)
    net = small_resnet(num_classes=10)
    models.freeze(net)
    net.fc = nn.Linear(net.fc.in_features, 4)  # a new head is trainable
    before = {k: v.numpy().copy() for k, v in net.state_dict().items()}
    opt = lucid.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)  # frozen parameters may be passed: no grad
    x, y = lucid.randn(4, 3, 32, 32), lucid.tensor([0, 1, 2, 3])
    for _ in range(2):
        net.train()
        models.freeze(net, exclude="fc")
        loss = F.cross_entropy(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = net.state_dict()
    changed = sorted(k for k in after if not np.array_equal(before[k], after[k].numpy()))
    assert changed == ["fc.bias", "fc.weight"]  # running statistics included: BatchNorm stayed in eval
    assert all(p.grad is None for n, p in net.named_parameters() if not n.startswith("fc."))


def test_per_group_learning_rates_follow_sgd():
    net = small_resnet()
    head = [p for n, p in net.named_parameters() if n.startswith("fc.")]
    body = [p for n, p in net.named_parameters() if not n.startswith("fc.")]
    opt = lucid.optim.SGD([{"params": body, "lr": 1e-3}, {"params": head}], lr=1e-1)
    net.eval()
    F.cross_entropy(net(lucid.randn(2, 3, 32, 32)), lucid.tensor([0, 2])).backward()
    old = [p.numpy().copy() for p in (net.conv1.weight, net.fc.weight)]
    grads = [p.grad.numpy().copy() for p in (net.conv1.weight, net.fc.weight)]
    opt.step()
    np.testing.assert_allclose(net.conv1.weight.numpy(), old[0] - 1e-3 * grads[0], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(net.fc.weight.numpy(), old[1] - 1e-1 * grads[1], rtol=1e-5, atol=1e-8)


def test_replacing_a_head_inside_a_sequential_keeps_the_key():
    net = models.small_cnn(num_classes=10)
    net.classifier[-1] = nn.Linear(128, 3)
    assert net.state_dict()["classifier.4.weight"].shape == (3, 128)
    models.freeze(net, exclude="classifier.4")
    assert trainable(net) == ["classifier.4.weight", "classifier.4.bias"]
    assert not net.features[1].training and net.classifier.training
    out = net(lucid.randn(2, 1, 28, 28))
    assert out.shape == (2, 3)
    out.sum().backward()
    assert net.classifier[-1].weight.grad is not None and net.features[0].weight.grad is None
