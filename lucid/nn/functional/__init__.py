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
