"""Functional forms of every layer: ``lucid.nn.functional`` (conventionally ``F``)."""

from lucid.nn.functional.activation import *
from lucid.nn.functional.attention import *
from lucid.nn.functional.conv import *
from lucid.nn.functional.distance import *
from lucid.nn.functional.dropout import *
from lucid.nn.functional.embedding_bag import *
from lucid.nn.functional.linear import *
from lucid.nn.functional.loss import *
from lucid.nn.functional.normalization import *
from lucid.nn.functional.pooling import *
from lucid.nn.functional.rope import *
from lucid.nn.functional.sparse import *
from lucid.nn.functional.vision import *


def __getattr__(name: str):
    # multi_head_attention_forward runs MultiheadAttention's own forward (lucid.nn.modules sits above this
    # package), so it is imported on first use.
    if name == "multi_head_attention_forward":
        from lucid.nn.modules.attention import multi_head_attention_forward

        return multi_head_attention_forward
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
