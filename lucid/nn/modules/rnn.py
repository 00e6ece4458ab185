"""Recurrent layers: ``RNN``, ``LSTM``, ``GRU`` and their one-step cells, with PyTorch's parameters.

Parameter names, shapes, gate order and initialisation follow PyTorch, so a
converted PyTorch checkpoint loads by name: ``weight_ih_l{k}`` ``(G*H, in)``,
``weight_hh_l{k}`` ``(G*H, H_out)``, ``bias_ih_l{k}``, ``bias_hh_l{k}``
``(G*H,)`` and, for an LSTM with ``proj_size``, ``weight_hr_l{k}``
``(proj_size, H)``, with a ``_reverse`` suffix for the backward direction;
``G`` is 1 (RNN), 4 (LSTM: i, f, g, o) or 3 (GRU: r, z, n). Every parameter
starts as ``U(-1/sqrt(H), 1/sqrt(H))``.

The time loop runs in :class:`lucid.nn.functional.rnn.Recurrence`: the input
projection of all steps is one matmul per layer and direction, and each step
costs one ``h @ W_hh^T`` matmul plus the gate maths.
"""

from __future__ import annotations

import math
import numbers
import warnings

from lucid._tensor import Tensor
from lucid.nn import init
from lucid.nn.functional._kernels import is_int
from lucid.nn.functional.dropout import dropout as _dropout
from lucid.nn.functional.linear import linear
from lucid.nn.functional.rnn import Recurrence
from lucid.nn.module import Module
from lucid.nn.parameter import Parameter
from lucid.nn.util.rnn import PackedSequence
from lucid.ops.creation import empty
from lucid.ops.indexing import index_select
from lucid.ops.shape import cat, stack

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}
_MODE = {"RNN_TANH": "rnn_tanh", "RNN_RELU": "rnn_relu", "LSTM": "lstm", "GRU": "gru"}


def _int(value, name: str, owner: str, minimum: int) -> int:
    if not is_int(value):
        raise TypeError(f"{owner}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{owner}: {name} must be at least {minimum}, got {value}")
    return int(value)


def _nonlinearity_mode(nonlinearity, owner: str) -> str:
    if nonlinearity == "tanh":
        return "RNN_TANH"
    if nonlinearity == "relu":
        return "RNN_RELU"
    raise ValueError(f"{owner}: unknown nonlinearity {nonlinearity!r}; expected 'tanh' or 'relu'")


def _shape_error(owner: str, what: str, expected, got) -> ValueError:
    return ValueError(f"{owner}: expected {what} of shape {tuple(expected)}, got {tuple(got)}")


class RNNBase(Module):
    """The shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU` (PyTorch's ``RNNBase``).

    Args:
        mode: ``"RNN_TANH"``, ``"RNN_RELU"``, ``"LSTM"`` or ``"GRU"``.
        input_size: see :class:`LSTM`, as are ``hidden_size``, ``num_layers``, ``bias``,
            ``batch_first``, ``dropout``, ``bidirectional``, ``proj_size``, ``device`` and ``dtype``.

    Examples:
        >>> import lucid
        >>> lucid.nn.RNNBase("GRU", 4, 8).weight_hh_l0.shape
        (24, 8)
    """

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__()
        if mode not in _GATES:
            raise ValueError(f"RNNBase: unknown mode {mode!r}; expected one of {sorted(_GATES)}")
        owner = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        self._owner = owner
        self.mode = mode
        self.input_size = _int(input_size, "input_size", owner, 1)
        self.hidden_size = _int(hidden_size, "hidden_size", owner, 1)
        self.num_layers = _int(num_layers, "num_layers", owner, 1)
        self.proj_size = _int(proj_size, "proj_size", owner, 0)
        if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) or not 0 <= dropout <= 1:
            raise ValueError(f"{owner}: dropout must be a probability in [0, 1], got {dropout!r}")
        if self.proj_size and mode != "LSTM":
            raise ValueError(f"{owner}: proj_size is only supported by LSTM, got proj_size={proj_size}")
        if self.proj_size >= self.hidden_size:
            raise ValueError(f"{owner}: proj_size ({proj_size}) must be smaller than hidden_size ({hidden_size})")
        if dropout > 0 and self.num_layers == 1:
            warnings.warn(f"{owner}: dropout={dropout} has no effect with num_layers=1: dropout acts between "
                          "layers (after every layer but the last)", stacklevel=2)
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        directions = 2 if self.bidirectional else 1
        gate_size = _GATES[mode] * self.hidden_size
        real_hidden = self.proj_size or self.hidden_size
        kw = dict(device=device, dtype=dtype)
        self._flat_weights_names: list[str] = []
        for layer in range(self.num_layers):
            layer_input = self.input_size if layer == 0 else real_hidden * directions
            for direction in range(directions):
                suffix = f"_l{layer}" + ("_reverse" if direction else "")
                params = [("weight_ih" + suffix, (gate_size, layer_input)),
                          ("weight_hh" + suffix, (gate_size, real_hidden))]
                if self.bias:
                    params += [("bias_ih" + suffix, (gate_size,)), ("bias_hh" + suffix, (gate_size,))]
                if self.proj_size:
                    params.append(("weight_hr" + suffix, (self.proj_size, self.hidden_size)))
                for name, shape in params:
                    setattr(self, name, Parameter(empty(*shape, **kw)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` (PyTorch's default)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for name in self._flat_weights_names:
            init.uniform_(getattr(self, name), -bound, bound)

    def flatten_parameters(self) -> None:
        """Does nothing (PyTorch compacts cuDNN weights here; MLX needs no such layout)."""

    @property
    def _flat_weights(self) -> list:
        return [getattr(self, name) for name in self._flat_weights_names]

    @property
    def all_weights(self) -> list:
        """The parameters grouped per layer and direction, in state_dict order (PyTorch's attribute)."""
        per = len(self._flat_weights_names) // (self.num_layers * (2 if self.bidirectional else 1))
        flat = self._flat_weights
        return [flat[i:i + per] for i in range(0, len(flat), per)]

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.mode == "RNN_RELU":
            s += ", nonlinearity='relu'"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s

    # -- forward -----------------------------------------------------------
    def _layer_weights(self, layer: int, direction: int) -> tuple:
        suffix = f"_l{layer}" + ("_reverse" if direction else "")
        get = self._parameters.get
        return (get("weight_ih" + suffix), get("weight_hh" + suffix), get("bias_ih" + suffix),
                get("bias_hh" + suffix), get("weight_hr" + suffix))

    def _check_state(self, state, name: str, expected: tuple, batched: bool) -> Tensor:
        if not isinstance(state, Tensor):
            raise TypeError(f"{self._owner}: {name} must be a lucid.Tensor, got {type(state).__name__}")
        want = expected if batched else (expected[0], expected[2])
        if tuple(state.shape) != want:
            raise _shape_error(self._owner, name, want, state.shape)
        return state if batched else state.unsqueeze(1)

    def forward(self, input, hx=None):
        """Run the layer over a sequence; see the class docstring for shapes."""
        owner = self._owner
        lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            x, batch_sizes_t, sorted_indices, unsorted_indices = input
            batch_sizes = tuple(int(b) for b in batch_sizes_t.tolist())
            if x.ndim != 2 or x.shape[1] != self.input_size:
                raise ValueError(f"{owner}: the packed data must have shape (sum(lengths), "
                                 f"input_size={self.input_size}), got {x.shape}")
            n = batch_sizes[0]
            batched = True
        else:
            if not isinstance(input, Tensor):
                raise TypeError(f"{owner}: input must be a lucid.Tensor or a PackedSequence, got "
                                f"{type(input).__name__}")
            if input.ndim not in (2, 3):
                raise ValueError(f"{owner}: expected a 2-D (unbatched (L, H_in)) or 3-D input, got shape {input.shape}")
            if input.shape[-1] != self.input_size:
                raise ValueError(f"{owner}: input.size(-1) must be equal to input_size={self.input_size}, got input "
                                 f"of shape {input.shape}")
            batched = input.ndim == 3
            if not batched:
                input = input.unsqueeze(1)
            elif self.batch_first:
                input = input.transpose(0, 1)
            steps, n = input.shape[0], input.shape[1]
            if steps == 0:
                raise ValueError(f"{owner}: the input has no time steps (shape {input.shape})")
            batch_sizes = (n,) * steps
            x = input.reshape(steps * n, self.input_size)
            sorted_indices = unsorted_indices = None

        directions = 2 if self.bidirectional else 1
        h_out = self.proj_size or self.hidden_size
        layers = self.num_layers * directions
        h0 = c0 = None
        if hx is not None:
            if lstm:
                if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                    raise TypeError(f"{owner}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
                h0 = self._check_state(hx[0], "h_0", (layers, n, h_out), batched)
                c0 = self._check_state(hx[1], "c_0", (layers, n, self.hidden_size), batched)
            else:
                h0 = self._check_state(hx, "h_0", (layers, n, h_out), batched)
            if sorted_indices is not None:
                h0 = index_select(h0, 1, sorted_indices)
                c0 = None if c0 is None else index_select(c0, 1, sorted_indices)

        mode = _MODE[self.mode]
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._layer_weights(layer, direction)
                k = layer * directions + direction
                res = Recurrence.apply(linear(x, w_ih, b_ih), None if h0 is None else h0[k],
                                       None if c0 is None else c0[k], w_hh, b_hh, w_hr,
                                       mode=mode, batch_sizes=batch_sizes, reverse=bool(direction))
                outs.append(res[0])
                h_n.append(res[1])
                if lstm:
                    c_n.append(res[2])
            x = outs[0] if directions == 1 else cat(outs, 1)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = _dropout(x, self.dropout, True)

        h_n = stack(h_n, 0)
        c_n = stack(c_n, 0) if lstm else None
        if packed:
            if unsorted_indices is not None:
                h_n = index_select(h_n, 1, unsorted_indices)
                c_n = None if c_n is None else index_select(c_n, 1, unsorted_indices)
            output = PackedSequence(x, batch_sizes_t, sorted_indices, unsorted_indices)
        else:
            output = x.reshape(steps, n, directions * h_out)
            if not batched:
                output = output.squeeze(1)
                h_n = h_n.squeeze(1)
                c_n = None if c_n is None else c_n.squeeze(1)
            elif self.batch_first:
                output = output.transpose(0, 1)
        return (output, (h_n, c_n)) if lstm else (output, h_n)


class RNN(RNNBase):
    r"""Elman recurrent layer: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)`` (PyTorch's ``nn.RNN``).

    ``act`` is ``tanh`` or ``relu`` (``nonlinearity=``). Other arguments as
    :class:`LSTM` (without ``proj_size``).

    Forward:
        ``forward(input, h_0=None)`` with ``input`` ``(L, N, H_in)`` (``(N, L, H_in)`` with
        ``batch_first``), ``(L, H_in)`` unbatched, or a :class:`~lucid.nn.utils.rnn.PackedSequence`;
        ``h_0`` ``(D * num_layers, N, H)`` (zeros by default). Returns ``(output, h_n)``:
        ``output`` ``(L, N, D * H)`` (packed if the input was), ``h_n`` ``(D * num_layers, N, H)``.

    Examples:
        >>> import lucid
        >>> rnn = lucid.nn.RNN(4, 8, num_layers=2, nonlinearity="relu")
        >>> out, h_n = rnn(lucid.randn(5, 3, 4))
        >>> out.shape, h_n.shape
        ((5, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device=None, dtype=None) -> None:
        super().__init__(_nonlinearity_mode(nonlinearity, "RNN"), input_size, hidden_size, num_layers, bias,
                         batch_first, dropout, bidirectional, 0, device, dtype)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    r"""Long short-term memory layer (PyTorch's ``nn.LSTM``, gate order i, f, g, o).

    .. math::

        i, f, g, o &= \sigma(\cdot), \sigma(\cdot), \tanh(\cdot), \sigma(\cdot)
            \text{ of } x_t W_{ih}^T + b_{ih} + h_{t-1} W_{hh}^T + b_{hh} \\
        c_t &= f \odot c_{t-1} + i \odot g, \qquad h_t = o \odot \tanh(c_t)

    With ``proj_size > 0``, ``h_t`` is then projected: ``h_t \leftarrow h_t W_{hr}^T``
    (``H_out = proj_size``, else ``H_out = hidden_size``).

    Args:
        input_size: features ``H_in`` of each step of the input.
        hidden_size: features ``H`` of the hidden state.
        num_layers: stacked layers; layer ``k + 1`` reads the output of layer ``k`` (default 1).
        bias: learn ``bias_ih``/``bias_hh`` (default ``True``).
        batch_first: input and output are ``(N, L, *)`` instead of ``(L, N, *)``
            (the states ``h_0``/``h_n`` stay ``(D * num_layers, N, *)``).
        dropout: dropout on the outputs of every layer but the last, while training (default 0).
        bidirectional: also run each layer from the last step to the first and
            concatenate both directions' outputs (``D = 2``).
        proj_size: size of the projected hidden state (0: no projection; must be
            smaller than ``hidden_size``).
        device, dtype: where and how to create the parameters.

    Forward:
        ``forward(input, (h_0, c_0)=None)`` with ``input`` ``(L, N, H_in)`` (``(N, L, H_in)`` with
        ``batch_first``), ``(L, H_in)`` unbatched, or a :class:`~lucid.nn.utils.rnn.PackedSequence`;
        ``h_0`` ``(D * num_layers, N, H_out)`` and ``c_0`` ``(D * num_layers, N, H)`` (zeros by
        default). Returns ``(output, (h_n, c_n))`` with ``output`` ``(L, N, D * H_out)`` (packed if
        the input was).

    Raises:
        ValueError: for an input whose last dim is not ``input_size``, states of the wrong
            shape, or bad constructor arguments.

    Examples:
        >>> import lucid
        >>> lstm = lucid.nn.LSTM(4, 8, batch_first=True, bidirectional=True)
        >>> out, (h_n, c_n) = lstm(lucid.randn(3, 5, 4))
        >>> out.shape, h_n.shape, c_n.shape
        ((3, 5, 16), (2, 3, 8), (2, 3, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 proj_size: int = 0, device=None, dtype=None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device, dtype)


class GRU(RNNBase):
    r"""Gated recurrent unit layer (PyTorch's ``nn.GRU``, gate order r, z, n).

    .. math::

        r &= \sigma(x W_{ir}^T + b_{ir} + h W_{hr}^T + b_{hr}), \quad
        z = \sigma(x W_{iz}^T + b_{iz} + h W_{hz}^T + b_{hz}) \\
        n &= \tanh(x W_{in}^T + b_{in} + r \odot (h W_{hn}^T + b_{hn})), \quad
        h' = (1 - z) \odot n + z \odot h

    Arguments as :class:`LSTM` (without ``proj_size``).

    Forward:
        As :class:`RNN`: ``forward(input, h_0=None)`` returns ``(output, h_n)``.

    Examples:
        >>> import lucid
        >>> gru = lucid.nn.GRU(4, 8, num_layers=2, dropout=0.1)
        >>> out, h_n = gru(lucid.randn(5, 4))  # unbatched
        >>> out.shape, h_n.shape
        ((5, 8), (2, 8))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype)


# -- cells ----------------------------------------------------------------------------------------
class RNNCellBase(Module):
    """The shared parameters of the one-step cells: ``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``.

    Examples:
        >>> import lucid
        >>> lucid.nn.LSTMCell(3, 5).weight_ih.shape
        (20, 3)
    """

    _mode = "rnn_tanh"

    def __init__(self, input_size: int, hidden_size: int, bias: bool, num_chunks: int, device=None,
                 dtype=None) -> None:
        super().__init__()
        owner = type(self).__name__
        self.input_size = _int(input_size, "input_size", owner, 1)
        self.hidden_size = _int(hidden_size, "hidden_size", owner, 1)
        self.bias = bool(bias)
        kw = dict(device=device, dtype=dtype)
        self.weight_ih = Parameter(empty(num_chunks * self.hidden_size, self.input_size, **kw))
        self.weight_hh = Parameter(empty(num_chunks * self.hidden_size, self.hidden_size, **kw))
        if self.bias:
            self.bias_ih = Parameter(empty(num_chunks * self.hidden_size, **kw))
            self.bias_hh = Parameter(empty(num_chunks * self.hidden_size, **kw))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw every parameter from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))`` (PyTorch's default)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -bound, bound)

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if not self.bias:
            s += ", bias=False"
        if getattr(self, "nonlinearity", "tanh") != "tanh":
            s += f", nonlinearity={self.nonlinearity!r}"
        return s

    def _step(self, input, hx, lstm: bool):
        owner = type(self).__name__
        if not isinstance(input, Tensor):
            raise TypeError(f"{owner}: input must be a lucid.Tensor, got {type(input).__name__}")
        if input.ndim not in (1, 2) or input.shape[-1] != self.input_size:
            raise ValueError(f"{owner}: expected input of shape (N, {self.input_size}) or ({self.input_size},), "
                             f"got {input.shape}")
        batched = input.ndim == 2
        x = input if batched else input.unsqueeze(0)
        n = x.shape[0]
        want = (n, self.hidden_size) if batched else (self.hidden_size,)
        h0 = c0 = None
        if hx is not None:
            states = hx if lstm else (hx,)
            if lstm and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
                raise TypeError(f"{owner}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
            for name, s in zip(("h_0", "c_0"), states):
                if not isinstance(s, Tensor):
                    raise TypeError(f"{owner}: {name} must be a lucid.Tensor, got {type(s).__name__}")
                if tuple(s.shape) != want:
                    raise _shape_error(owner, name, want, s.shape)
            h0 = states[0] if batched else states[0].unsqueeze(0)
            if lstm:
                c0 = states[1] if batched else states[1].unsqueeze(0)
        res = Recurrence.apply(linear(x, self.weight_ih, self.bias_ih), h0, c0, self.weight_hh, self.bias_hh,
                               None, mode=self._mode, batch_sizes=(n,))
        h1 = res[1] if batched else res[1].squeeze(0)
        if not lstm:
            return h1
        return h1, (res[2] if batched else res[2].squeeze(0))


class RNNCell(RNNCellBase):
    """One step of :class:`RNN`: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Args:
        input_size, hidden_size: feature sizes.
        bias: learn the biases (default ``True``).
        nonlinearity: ``"tanh"`` (default) or ``"relu"``.

    Forward:
        ``forward(input, hx=None)``: ``input`` ``(N, H_in)`` or ``(H_in,)``, ``hx`` ``(N, H)`` or
        ``(H,)`` (zeros by default); returns ``h'`` of ``hx``'s shape.

    Examples:
        >>> import lucid
        >>> lucid.nn.RNNCell(3, 5)(lucid.randn(2, 3)).shape
        (2, 5)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None) -> None:
        mode = _MODE[_nonlinearity_mode(nonlinearity, "RNNCell")]
        super().__init__(input_size, hidden_size, bias, 1, device, dtype)
        self._mode = mode
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx, False)


class LSTMCell(RNNCellBase):
    """One step of :class:`LSTM` (gates i, f, g, o).

    Forward:
        ``forward(input, hx=None)`` with ``hx = (h, c)``, each ``(N, H)`` or ``(H,)`` (zeros by
        default); returns ``(h', c')``.

    Examples:
        >>> import lucid
        >>> h, c = lucid.nn.LSTMCell(3, 5)(lucid.randn(2, 3))
        >>> h.shape, c.shape
        ((2, 5), (2, 5))
    """

    _mode = "lstm"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 4, device, dtype)

    def forward(self, input: Tensor, hx=None):
        return self._step(input, hx, True)


class GRUCell(RNNCellBase):
    """One step of :class:`GRU` (gates r, z, n; PyTorch's ``n = tanh(x_n + r * (h W_hn^T + b_hn))``).

    Forward:
        ``forward(input, hx=None)``: as :class:`RNNCell`.

    Examples:
        >>> import lucid
        >>> lucid.nn.GRUCell(3, 5)(lucid.randn(3)).shape
        (5,)
    """

    _mode = "gru"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__(input_size, hidden_size, bias, 3, device, dtype)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:
        return self._step(input, hx, False)
