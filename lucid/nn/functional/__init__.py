"""Functional forms of every layer: ``lucid.nn.functional`` (conventionally ``F``)."""

from lucid.nn.functional.activation import *  # noqa: F403
from lucid.nn.functional.conv import *  # noqa: F403
from lucid.nn.functional.dropout import *  # noqa: F403
from lucid.nn.functional.linear import *  # noqa: F403
from lucid.nn.functional.loss import *  # noqa: F403
from lucid.nn.functional.normalization import *  # noqa: F403
from lucid.nn.functional.pooling import *  # noqa: F403
from lucid.nn.functional.sparse import *  # noqa: F403
from lucid.nn.functional.vision import *  # noqa: F403
