"""Layers: one file per family."""

from lucid.nn.modules.activation import *  # noqa: F403
from lucid.nn.modules.conv import *  # noqa: F403
from lucid.nn.modules.dropout import *  # noqa: F403
from lucid.nn.modules.linear import *  # noqa: F403
from lucid.nn.modules.loss import *  # noqa: F403
from lucid.nn.modules.normalization import *  # noqa: F403
from lucid.nn.modules.pooling import *  # noqa: F403
from lucid.nn.modules.sparse import *  # noqa: F403
from lucid.nn.modules.vision import *  # noqa: F403
