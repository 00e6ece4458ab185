"""Transfer learning helpers: freeze and unfreeze parameters by name pattern.

``freeze(model, "features")`` turns off ``requires_grad`` for every parameter
under ``features`` and puts the BatchNorm layers that are now entirely frozen in
evaluation mode, so fine-tuning neither changes their weights nor their running
statistics. A pattern that matches nothing is an error, so a typo cannot leave
a model silently trainable.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable

import lucid.nn as nn

__all__ = ["freeze", "unfreeze"]

_BATCHNORMS = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)


def _patterns(value, fn: str, arg: str) -> list[str]:
    if value is None:
        return []
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, Iterable) else None
    if items is None or not all(isinstance(p, str) and p for p in items):
        raise TypeError(f"{fn}: {arg} must be a glob pattern or an iterable of them, got {value!r}")
    return items


def _matches(name: str, pattern: str) -> bool:
    # A pattern names a parameter ("fc.weight", "*.bias") or everything under a module prefix ("layer4").
    return fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(name, pattern + ".*")


def _select(model: nn.Module, patterns, exclude, fn: str) -> list[tuple[str, nn.Parameter]]:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{fn}: expected an nn.Module, got {type(model).__name__}")
    include = _patterns(patterns, fn, "patterns")
    skip = _patterns(exclude, fn, "exclude")
    named = list(model.named_parameters())
    for pattern in include + skip:
        if not any(_matches(n, pattern) for n, _ in named):
            sample = ", ".join(n for n, _ in named[:6]) + (", ..." if len(named) > 6 else "")
            raise ValueError(f"{fn}: pattern {pattern!r} matches no parameter of {type(model).__name__} "
                             f"(names look like: {sample})")
    return [(n, p) for n, p in named
            if (not include or any(_matches(n, q) for q in include)) and not any(_matches(n, q) for q in skip)]


def _batchnorms(model: nn.Module):
    for m in model.modules():
        params = list(m.parameters(recurse=False))
        if isinstance(m, _BATCHNORMS) and params:
            yield m, params


def freeze(model: nn.Module, patterns: str | Iterable[str] | None = None, *,
           exclude: str | Iterable[str] | None = None, batchnorm_eval: bool = True) -> list[str]:
    """Set ``requires_grad=False`` on the parameters whose names match, in place.

    A pattern is a glob over ``model.named_parameters()`` names (``"*.bias"``,
    ``"layer[12].*"``) or a module prefix (``"features"`` matches
    ``"features.0.weight"``). With ``batchnorm_eval`` (the default), every
    BatchNorm layer whose weight and bias are now both frozen is put in
    evaluation mode, so its running statistics stop changing too.

    Note:
        ``model.train()`` puts every module, frozen BatchNorm layers included, back in
        training mode: call ``freeze`` again after it (it is idempotent), or keep the
        model in ``eval()`` and call ``train()`` on the trainable head only.

    Args:
        model: the module to change.
        patterns: one pattern or several; ``None`` (default) selects every parameter.
        exclude: patterns of parameters to leave alone (e.g. freeze all but the head with
            ``exclude="fc"``).
        batchnorm_eval: put wholly frozen BatchNorm layers in evaluation mode (default ``True``).

    Returns:
        The names of the parameters selected, in ``named_parameters`` order.

    Raises:
        TypeError: ``model`` is not a module, or a pattern is not a string.
        ValueError: a pattern (in ``patterns`` or ``exclude``) matches no parameter.

    Examples:
        >>> import lucid.models as models
        >>> net = models.resnet18(num_classes=5)
        >>> frozen = models.freeze(net, exclude="fc")
        >>> len(frozen), net.fc.weight.requires_grad, net.conv1.weight.requires_grad
        (60, True, False)
        >>> net.bn1.training, net.fc.training
        (False, True)
    """
    chosen = _select(model, patterns, exclude, "freeze")
    for _, p in chosen:
        p.requires_grad_(False)
    if batchnorm_eval:
        for m, params in _batchnorms(model):
            if not any(p.requires_grad for p in params):
                m.eval()
    return [n for n, _ in chosen]


def unfreeze(model: nn.Module, patterns: str | Iterable[str] | None = None, *,
             exclude: str | Iterable[str] | None = None) -> list[str]:
    """Set ``requires_grad=True`` on the parameters whose names match, in place (the inverse of :func:`freeze`).

    Patterns work as in :func:`freeze`. A BatchNorm layer with a selected
    parameter follows the model's mode again (training if ``model.training``).

    Returns:
        The names of the parameters selected.

    Raises:
        TypeError: ``model`` is not a module, or a pattern is not a string.
        ValueError: a pattern matches no parameter.

    Examples:
        >>> import lucid.models as models
        >>> net = models.resnet18(num_classes=5)
        >>> _ = models.freeze(net)
        >>> models.unfreeze(net, ["layer4", "fc"])[-2:]
        ['fc.weight', 'fc.bias']
        >>> net.layer4[1].bn2.training, net.layer3[1].bn2.training
        (True, False)
    """
    chosen = _select(model, patterns, exclude, "unfreeze")
    for _, p in chosen:
        p.requires_grad_(True)
    thawed = {id(p) for _, p in chosen}
    for m, params in _batchnorms(model):
        if any(id(p) in thawed for p in params):
            m.train(model.training)
    return [n for n, _ in chosen]
