"""Layers: one file per family."""

from lucid.nn.modules.activation import *
from lucid.nn.modules.attention import *
from lucid.nn.modules.conv import *
from lucid.nn.modules.distance import *
from lucid.nn.modules.dropout import *
from lucid.nn.modules.kv_cache import *
from lucid.nn.modules.lazy import *
from lucid.nn.modules.linear import *
from lucid.nn.modules.loss import *
from lucid.nn.modules.normalization import *
from lucid.nn.modules.padding import *
from lucid.nn.modules.pooling import *
from lucid.nn.modules.rnn import *
from lucid.nn.modules.rope import *
from lucid.nn.modules.sparse import *
from lucid.nn.modules.transformer import *
from lucid.nn.modules.vision import *
