"""Neural networks: ``Module``, ``Parameter``, layers, ``functional``, ``init`` and ``util`` (alias ``utils``)."""

from lucid.nn import functional, init, util
from lucid.nn.modules import *  # noqa: F401,F403

utils = util
