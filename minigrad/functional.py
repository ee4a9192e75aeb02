"""Functions of a Value or a plain number: ``mg.exp(x)`` is ``x.exp()`` that also takes numbers.

Each returns a Value (one that requires no grad when no input does). The math of each, with
its derivative and its edge points, is the rule of the same name in `minigrad.ops`.
"""

from __future__ import annotations

from minigrad import value as _value
from minigrad.ops import ABS, COS, EXP, LOG, RELU, SIGMOID, SIGN, SIN, SQRT, TANH
from minigrad.value import Value

__all__ = [
    "abs",
    "clamp",
    "cos",
    "exp",
    "log",
    "maximum",
    "minimum",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "tanh",
]

_exp, _log, _sqrt = _value.unary(EXP), _value.unary(LOG), _value.unary(SQRT)
_sin, _cos, _tanh = _value.unary(SIN), _value.unary(COS), _value.unary(TANH)
_sigmoid, _relu = _value.unary(SIGMOID), _value.unary(RELU)
_abs, _sign = _value.unary(ABS), _value.unary(SIGN)


def exp(x: Value | float) -> Value:
    """e^x, with derivative e^x.

    Overflow gives inf, never OverflowError.

    >>> import minigrad as mg
    >>> mg.exp(0.0)
    Value(data=1.0, grad=0.0)
    """
    return _exp(x)


def log(x: Value | float) -> Value:
    """Natural logarithm ln x, with derivative 1/x.

    log 0 = −inf (gradient inf) and log of a negative number is nan, as in PyTorch.

    >>> import minigrad as mg
    >>> mg.log(1.0).item()
    0.0
    """
    return _log(x)


def sqrt(x: Value | float) -> Value:
    """√x, with derivative 1/(2√x); sqrt 0 = 0 with gradient inf, negative → nan.

    >>> import minigrad as mg
    >>> mg.sqrt(9).item()
    3.0
    """
    return _sqrt(x)


def sin(x: Value | float) -> Value:
    """sin x, with derivative cos x.

    >>> import minigrad as mg
    >>> mg.sin(0.0).item()
    0.0
    """
    return _sin(x)


def cos(x: Value | float) -> Value:
    """cos x, with derivative −sin x.

    >>> import minigrad as mg
    >>> mg.cos(0.0).item()
    1.0
    """
    return _cos(x)


def tanh(x: Value | float) -> Value:
    """tanh x, with derivative 1 − tanh² x; tanh(±1000) = ±1 with gradient 0.

    >>> import minigrad as mg
    >>> mg.tanh(0.0).item()
    0.0
    """
    return _tanh(x)


def sigmoid(x: Value | float) -> Value:
    """σ(x) = 1 / (1 + e^−x), with derivative σ(x)(1 − σ(x)); exact 0 and 1 far out.

    >>> import minigrad as mg
    >>> mg.sigmoid(0.0).item()
    0.5
    """
    return _sigmoid(x)


def relu(x: Value | float) -> Value:
    """max(x, 0), with derivative 1 for x > 0 and 0 otherwise (0 at x = 0).

    >>> import minigrad as mg
    >>> mg.relu(-2.0).item(), mg.relu(3.0).item()
    (0.0, 3.0)
    """
    return _relu(x)


def abs(x: Value | float) -> Value:  # mg.abs mirrors torch.abs (shadows the builtin here only)
    """|x|, with derivative sgn x (0 at x = 0).

    >>> import minigrad as mg
    >>> mg.abs(-2.5).item()
    2.5
    """
    return _abs(x)


def sign(x: Value | float) -> Value:
    """sgn x ∈ {−1, 0, 1}; its gradient is 0 everywhere.

    >>> import minigrad as mg
    >>> mg.sign(-3.0).item()
    -1.0
    """
    return _sign(x)


def maximum(a: Value | float, b: Value | float) -> Value:
    """max(a, b); the gradient goes to the larger input, split ½/½ on a tie.

    >>> import minigrad as mg
    >>> a, b = mg.Value(1.0), mg.Value(1.0)
    >>> mg.maximum(a, b).backward()
    >>> a.grad, b.grad
    (0.5, 0.5)
    """
    return _value.maximum(a, b)


def minimum(a: Value | float, b: Value | float) -> Value:
    """min(a, b); the gradient goes to the smaller input, split ½/½ on a tie.

    >>> import minigrad as mg
    >>> mg.minimum(2.0, 3.0).item()
    2.0
    """
    return _value.minimum(a, b)


def clamp(
    x: Value | float, lo: Value | float | None = None, hi: Value | float | None = None
) -> Value:
    """x limited to [lo, hi] (either bound may be None), as ``torch.clamp``.

    The gradient reaches x where lo ≤ x ≤ hi (bounds inclusive), lo where x < lo, hi where
    x > hi. With lo > hi the result is hi.

    Raises:
        ValueError: Both bounds are None.

    >>> import minigrad as mg
    >>> mg.clamp(5.0, 0.0, 1.0).item(), mg.clamp(-5.0, lo=0.0).item()
    (1.0, 0.0)
    """
    return _value.clamp(x, lo, hi)
