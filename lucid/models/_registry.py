"""The model registry: ``register_model``, ``create_model``, ``list_models``, ``get_model_info``.

A factory registers itself by name with the facts a user asks about before
building anything: its parameter count (checked by a test that rebuilds every
model), its input size and its source paper. Each entry carries a table of
pretrained weights (URL and SHA-256 per weight set), empty until weights are
published for it; asking for ``pretrained=True`` where the table is empty is a
clear error. Where there are weights, ``pretrained=True`` downloads the file
into the cache (see :mod:`lucid.models._weights`) and loads it with
``model.load_state_dict(lucid.load_safetensors(path))``.
"""

from __future__ import annotations

import difflib
import fnmatch
import functools
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

__all__ = ["Weights", "ModelInfo", "register_model", "create_model", "list_models", "get_model_info"]


@dataclass(frozen=True)
class Weights:
    """One set of pretrained weights: where to download it and the SHA-256 of the file.

    Args:
        url: address of a safetensors file with the model's ``state_dict``.
        sha256: hex digest of that file, checked after the download.
        num_classes: number of classes the weights were trained for (default 1000).

    Examples:
        >>> from lucid.models import Weights
        >>> Weights("https://example.org/resnet18.safetensors", "0" * 64).num_classes
        1000
    """

    url: str
    sha256: str
    num_classes: int = 1000


@dataclass(frozen=True)
class ModelInfo:
    """What the registry knows about a model without building it.

    Attributes:
        name: the registered name (``create_model``'s first argument).
        num_params: number of parameters with the default arguments.
        input_size: ``(C, H, W)`` the model is designed for.
        paper: the source paper (title and year).
        weights: pretrained weight sets by tag (e.g. ``"IMAGENET1K_V1"``); empty when none exist yet.

    Examples:
        >>> import lucid.models as models
        >>> info = models.get_model_info("resnet18")
        >>> info.num_params, info.input_size
        (11689512, (3, 224, 224))
    """

    name: str
    factory: Callable = field(repr=False)
    num_params: int
    input_size: tuple
    paper: str
    weights: Mapping[str, Weights] = field(default_factory=dict)


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(name: str, *, num_params: int, paper: str, input_size: tuple = (3, 224, 224),
                   weights: Mapping[str, Weights] | None = None) -> Callable[[Callable], Callable]:
    """Register a model factory under ``name`` (a decorator).

    The decorated factory also accepts ``pretrained=False``. ``pretrained=True``
    (the first weight set) or ``pretrained="TAG"`` downloads the weights into
    the cache, checks their SHA-256 and loads them into the built model; it
    raises an error naming the model when no weights are registered for it.
    The factory's ``num_classes`` defaults to the weights' and must match them.

    Args:
        name: the name ``create_model`` takes; must be unused.
        num_params: parameter count with the default arguments (a test rebuilds the model to check it).
        paper: the source paper.
        input_size: ``(C, H, W)`` of the intended input (default ``(3, 224, 224)``).
        weights: pretrained weight sets by tag, if any.

    Raises:
        ValueError: ``name`` is already registered.

    Examples:
        >>> import lucid.nn as nn
        >>> from lucid.models import register_model, create_model
        >>> @register_model("doc_tiny", num_params=10, paper="none", input_size=(4,))
        ... def doc_tiny(num_classes=2):
        ...     return nn.Linear(4, num_classes)
        >>> create_model("doc_tiny", num_classes=2)
        Linear(in_features=4, out_features=2, bias=True)
        >>> from lucid.models._registry import _REGISTRY
        >>> _ = _REGISTRY.pop("doc_tiny")  # keep the doctest from leaving an entry behind
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"register_model: name must be a non-empty string, got {name!r}")

    def decorate(factory: Callable) -> Callable:
        if name in _REGISTRY:
            raise ValueError(f"register_model: a model named {name!r} is already registered")

        @functools.wraps(factory)
        def build(*args, pretrained: bool | str = False, **kwargs):
            if not pretrained:
                return factory(*args, **kwargs)
            from lucid.models._weights import download_weights
            from lucid.serialization import load_safetensors

            weights = _pretrained_weights(_REGISTRY[name], pretrained)
            if "num_classes" in kwargs:
                if kwargs["num_classes"] != weights.num_classes:
                    raise ValueError(f"{name}: the pretrained weights are for num_classes={weights.num_classes}, "
                                     f"got num_classes={kwargs['num_classes']}; build with pretrained=False and "
                                     "load the weights with strict=False to replace the classifier")
            elif "num_classes" in inspect.signature(factory).parameters:
                kwargs["num_classes"] = weights.num_classes
            path = download_weights(weights, name)
            model = factory(*args, **kwargs)
            model.load_state_dict(load_safetensors(path))
            return model

        _REGISTRY[name] = ModelInfo(name, build, int(num_params), tuple(input_size), paper,
                                    MappingProxyType(dict(weights or {})))
        return build

    return decorate


def _pretrained_weights(info: ModelInfo, pretrained) -> Weights:
    if not isinstance(pretrained, (bool, str)):
        raise TypeError(f"{info.name}: pretrained must be a bool or a weight tag, got {pretrained!r}")
    if not info.weights:
        with_weights = [n for n, i in _REGISTRY.items() if i.weights]
        hint = f"models with weights: {with_weights}" if with_weights else "no model has weights yet"
        raise ValueError(f"no pretrained weights are available for {info.name!r} ({hint}); "
                         "build it with pretrained=False and load a state_dict yourself")
    if pretrained is True:
        return next(iter(info.weights.values()))
    if pretrained not in info.weights:
        raise ValueError(f"{info.name}: no weights tagged {pretrained!r}; available: {list(info.weights)}")
    return info.weights[pretrained]


def _entry(name: str, fn: str) -> ModelInfo:
    if not isinstance(name, str):
        raise TypeError(f"{fn}: the model name must be a string, got {type(name).__name__}")
    if name not in _REGISTRY:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=5, cutoff=0.5)
        hint = f"did you mean one of {close}?" if close else "see lucid.models.list_models()"
        raise ValueError(f"{fn}: unknown model {name!r}; {hint}")
    return _REGISTRY[name]


def create_model(name: str, pretrained: bool = False, **kwargs):
    """Build the registered model ``name`` with the factory's keyword arguments.

    Construction evaluates nothing: the weights are lazy MLX arrays until first
    used, so building even the largest model to inspect it is cheap.

    Args:
        name: a registered name (see :func:`list_models`).
        pretrained: ``True`` (the first weight set) or a weight tag: download, check and load
            pretrained weights (an error while no weights are registered for ``name``).
        **kwargs: passed to the factory, e.g. ``num_classes``.

    Raises:
        ValueError: unknown name (the message lists the closest names), or no pretrained weights.
        TypeError: ``name`` is not a string.

    Examples:
        >>> import lucid, lucid.models as models
        >>> net = models.create_model("resnet18", num_classes=10)
        >>> net.fc.out_features
        10
        >>> models.create_model("resnet19")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        ValueError: create_model: unknown model 'resnet19'; did you mean one of ['resnet18', ...]?
    """
    return _entry(name, "create_model").factory(pretrained=pretrained, **kwargs)


def list_models(filter: str | Iterable[str] | None = None, pretrained: bool = False) -> list[str]:
    """Sorted names of the registered models, optionally those matching glob patterns.

    Args:
        filter: a glob pattern (``"resnet*"``) or several; a name is kept if it matches any.
        pretrained: only models with registered pretrained weights.

    Examples:
        >>> import lucid.models as models
        >>> models.list_models("vgg1[16]")
        ['vgg11', 'vgg16']
        >>> models.list_models(["alexnet", "*_bn"])[:2]
        ['alexnet', 'vgg11_bn']
    """
    if filter is None:
        patterns = ["*"]
    elif isinstance(filter, str):
        patterns = [filter]
    else:
        patterns = list(filter)
        if not all(isinstance(p, str) for p in patterns):
            raise TypeError(f"list_models: filter must be a string or strings, got {filter!r}")
    names = [n for n in _REGISTRY if any(fnmatch.fnmatchcase(n, p) for p in patterns)]
    if pretrained:
        names = [n for n in names if _REGISTRY[n].weights]
    return sorted(names)


def get_model_info(name: str) -> ModelInfo:
    """The registry entry of ``name``: parameter count, input size, paper and weights.

    Examples:
        >>> import lucid.models as models
        >>> models.get_model_info("alexnet").num_params
        61100840
    """
    return _entry(name, "get_model_info")
