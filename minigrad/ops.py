"""The derivative rules: one table, each op's forward and local derivative side by side.

Every differentiable operation in minigrad is one `Rule` in this file. A rule has

* ``forward(*xs)``: the value on plain floats, following IEEE 754 the way PyTorch (float64) does:
  it returns ``inf``/``nan`` where Python's ``math`` would raise;
* ``backward(m, g, out, *xs)``: the vector-Jacobian product, one gradient per input, given the
  upstream gradient ``g``, the op's output ``out`` and its inputs ``xs``.

``backward`` is written once and runs on two kinds of numbers. On the fast path ``g``, ``out`` and
``xs`` are floats and ``m`` is `FLOAT_MATH` (the forwards below). With ``create_graph=True`` they
are Values and ``m`` is the Value namespace, so the very same formula records a graph that can be
differentiated again. Only ``+ - *``, unary ``-``, ordering comparisons and ``m.<op>`` may appear
in a backward, which is what makes it work on both.

Adding an op means: one `Rule` here, one method or function in `minigrad.value` /
`minigrad.functional`, one row in the test table (``tests/test_ops.py``); the docs' derivative
table is generated from `RULES`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["FLOAT_MATH", "RULES", "Math", "Rule"]

INF = math.inf
NAN = math.nan


class Math(Protocol):
    """The functions a backward formula may call, on floats or on Values."""

    def div(self, a: Any, b: Any, /) -> Any: ...  # noqa: D102 (named by the rules below)
    def pow(self, a: Any, b: Any, /) -> Any: ...  # noqa: D102
    def pow_const(self, a: Any, c: float, /) -> Any: ...  # noqa: D102
    def exp(self, x: Any, /) -> Any: ...  # noqa: D102
    def log(self, x: Any, /) -> Any: ...  # noqa: D102
    def sin(self, x: Any, /) -> Any: ...  # noqa: D102
    def cos(self, x: Any, /) -> Any: ...  # noqa: D102
    def sign(self, x: Any, /) -> Any: ...  # noqa: D102


def _always(*xs: float) -> bool:
    return True


@dataclass(frozen=True, eq=False)
class Rule:
    """One row of the derivative table.

    Attributes:
        name: The op's name, as shown in graphs, errors and docs.
        arity: The number of inputs.
        forward: The op on floats (IEEE: never raises).
        backward: ``(m, g, out, *xs) -> tuple`` of one gradient per input.
        formula: ``f`` in words a reader checks against the code.
        derivative: The partial derivatives, as math.
        edges: The conventions at edge points (kinks, poles, overflow), matching PyTorch.
        smooth: True where the op is smooth in a neighbourhood of ``xs`` (away from kinks,
            poles and domain edges); gradient-checking strategies sample there.
    """

    name: str
    arity: int
    forward: Callable[..., float]
    backward: Callable[..., tuple[Any, ...]]
    formula: str
    derivative: str
    edges: str = ""
    smooth: Callable[..., bool] = _always

    def __repr__(self) -> str:
        return f"<rule {self.name}>"


# --- IEEE-safe float functions ---------------------------------------------------------------
# Python's math raises where IEEE 754 (and PyTorch) return inf or nan; these never raise.


def _div(a: float, b: float) -> float:
    try:
        return a / b
    except ZeroDivisionError:
        if a == 0.0 or a != a:  # 0/0 and nan/0
            return NAN
        return math.copysign(INF, a) * math.copysign(1.0, b)


def _is_odd_integer(y: float) -> bool:
    return y.is_integer() and y % 2.0 == 1.0


def _pow(x: float, y: float) -> float:
    try:
        return math.pow(x, y)
    except OverflowError:
        return -INF if x < 0.0 and _is_odd_integer(y) else INF
    except ValueError:  # 0 ** negative, or negative ** non-integer
        if x == 0.0:
            return math.copysign(INF, x) if _is_odd_integer(y) else INF
        return NAN


def _pow_const(x: float, c: float) -> float:
    # PyTorch computes x**2 and x**3 as products: exactly rounded, where libm's pow is
    # sometimes one ulp off; and a product is much cheaper than a call.
    if c == 2.0:
        return x * x
    if c == 3.0:
        return x * x * x
    return _pow(x, c)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return INF


def _log(x: float) -> float:
    try:
        return math.log(x)
    except ValueError:
        return -INF if x == 0.0 else NAN


def _sqrt(x: float) -> float:
    try:
        return math.sqrt(x)
    except ValueError:
        return NAN


def _sin(x: float) -> float:
    try:
        return math.sin(x)
    except ValueError:  # sin(±inf)
        return NAN


def _cos(x: float) -> float:
    try:
        return math.cos(x)
    except ValueError:
        return NAN


def _sigmoid(x: float) -> float:
    # Two branches so that exp never overflows: sigmoid(±1000) is exactly 1 or 0.
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    e = _exp(x)  # nan lands here too
    return e / (1.0 + e)


def _sign(x: float) -> float:
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return x  # ±0 keeps its sign, nan stays nan (as torch.sign)


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # nan propagates


def _maximum(a: float, b: float) -> float:
    if a > b or a == b:
        return a
    if a < b:
        return b
    return NAN  # one of them is nan


def _minimum(a: float, b: float) -> float:
    if a < b or a == b:
        return a
    if a > b:
        return b
    return NAN


def _clamp(x: float, lo: float, hi: float) -> float:
    if x != x:
        return x
    if x < lo:
        x = lo
    return hi if x > hi else x  # lo > hi gives hi, as torch.clamp


def _away_from(point: float, margin: float = 1e-2) -> Callable[[float], bool]:
    return lambda x: abs(x - point) > margin


# --- the table -------------------------------------------------------------------------------
# backward(m, g, out, *xs): `g` is dL/d(out); return dL/d(x) for each input x, in order.

ADD = Rule(
    "add",
    2,
    lambda a, b: a + b,
    lambda m, g, out, a, b: (g, g),
    formula="a + b",
    derivative="∂a = 1, ∂b = 1",
)
SUB = Rule(
    "sub",
    2,
    lambda a, b: a - b,
    lambda m, g, out, a, b: (g, -g),
    formula="a − b",
    derivative="∂a = 1, ∂b = −1",
)
MUL = Rule(
    "mul",
    2,
    lambda a, b: a * b,
    lambda m, g, out, a, b: (g * b, g * a),
    formula="a · b",
    derivative="∂a = b, ∂b = a",
)
DIV = Rule(
    "div",
    2,
    _div,
    # -g·(out/b) is PyTorch's form of -g·a/b² and saves a division.
    lambda m, g, out, a, b: (m.div(g, b), -g * m.div(out, b)),
    formula="a / b",
    derivative="∂a = 1/b, ∂b = −a/b²",
    edges="1/0 = inf, 0/0 = nan (IEEE); ∂b at b = 0 is ∓inf or nan",
    smooth=lambda a, b: abs(b) > 0.1,
)
NEG = Rule(
    "neg",
    1,
    lambda x: -x,
    lambda m, g, out, x: (-g,),
    formula="−x",
    derivative="∂x = −1",
)


def _pow_const_backward(m: Math, g: Any, out: Any, x: Any, c: float) -> tuple[Any, float]:
    # The exponent is a constant: no gradient for it (0.0 in its slot is never used).
    if c == 2.0:  # the squared error: 2·x, as PyTorch computes it (x**1 = x exactly)
        return g * (2.0 * x), 0.0
    if c == 0.0:
        return 0.0, 0.0
    return g * (c * m.pow_const(x, c - 1.0)), 0.0


POW_CONST = Rule(
    "pow_const",
    2,
    _pow_const,
    _pow_const_backward,
    formula="x ** c  (c a number)",
    derivative="∂x = c·x^(c−1), and 0 when c = 0",
    edges="x**0 = 1 with ∂x = 0 (also at x = 0); (−8)**(1/3) = nan; 0**−1 = inf; "
    "x**2 = x·x and x**3 = x·x·x (as PyTorch)",
    smooth=lambda x, c: x > 0.1,
)
POW = Rule(
    "pow",
    2,
    _pow,
    lambda m, g, out, x, y: (
        0.0 if y == 0.0 else g * (y * m.pow(x, y - 1.0)),
        0.0 if x == 0.0 and y >= 0.0 else g * (out * m.log(x)),
    ),
    formula="x ** y",
    derivative="∂x = y·x^(y−1), ∂y = x^y·log x",
    edges="∂x = 0 where y = 0; ∂y = 0 where x = 0 and y ≥ 0; ∂y = nan for x < 0",
    smooth=lambda x, y: x > 0.1,
)
EXP = Rule(
    "exp",
    1,
    _exp,
    lambda m, g, out, x: (g * out,),
    formula="e^x",
    derivative="∂x = e^x (the output itself)",
    edges="exp(1000) = inf (no OverflowError)",
    smooth=lambda x: x < 20.0,
)
LOG = Rule(
    "log",
    1,
    _log,
    lambda m, g, out, x: (m.div(g, x),),
    formula="ln x",
    derivative="∂x = 1/x",
    edges="log 0 = −inf with ∂x = inf; log x = nan for x < 0",
    smooth=lambda x: x > 0.1,
)
SQRT = Rule(
    "sqrt",
    1,
    _sqrt,
    lambda m, g, out, x: (m.div(g, 2.0 * out),),
    formula="√x",
    derivative="∂x = 1/(2√x)",
    edges="sqrt 0 = 0 with ∂x = inf; sqrt x = nan for x < 0",
    smooth=lambda x: x > 0.1,
)
SIN = Rule(
    "sin",
    1,
    _sin,
    lambda m, g, out, x: (g * m.cos(x),),
    formula="sin x",
    derivative="∂x = cos x",
    edges="sin(±inf) = nan",
)
COS = Rule(
    "cos",
    1,
    _cos,
    lambda m, g, out, x: (g * -m.sin(x),),
    formula="cos x",
    derivative="∂x = −sin x",
    edges="cos(±inf) = nan",
)
TANH = Rule(
    "tanh",
    1,
    math.tanh,
    lambda m, g, out, x: (g * (1.0 - out * out),),
    formula="tanh x",
    derivative="∂x = 1 − tanh² x (from the output)",
    edges="tanh(±1000) = ±1 with ∂x = 0",
)
SIGMOID = Rule(
    "sigmoid",
    1,
    _sigmoid,
    lambda m, g, out, x: (g * (1.0 - out) * out,),
    formula="σ(x) = 1 / (1 + e^−x)",
    derivative="∂x = σ(x)·(1 − σ(x)) (from the output)",
    edges="σ(1000) = 1, σ(−1000) = 0, both with ∂x = 0",
)
RELU = Rule(
    "relu",
    1,
    _relu,
    lambda m, g, out, x: (0.0 if out <= 0.0 else g,),
    formula="max(x, 0)",
    derivative="∂x = 1 for x > 0, else 0",
    edges="relu'(0) = 0",
    smooth=_away_from(0.0),
)
ABS = Rule(
    "abs",
    1,
    abs,
    lambda m, g, out, x: (g * m.sign(x),),
    formula="|x|",
    derivative="∂x = sgn x",
    edges="|x|'(0) = 0",
    smooth=_away_from(0.0),
)
SIGN = Rule(
    "sign",
    1,
    _sign,
    lambda m, g, out, x: (0.0,),
    formula="sgn x ∈ {−1, 0, 1}",
    derivative="∂x = 0",
    edges="sgn 0 = 0; the gradient is 0 everywhere",
    smooth=_away_from(0.0),
)
MAXIMUM = Rule(
    "maximum",
    2,
    _maximum,
    lambda m, g, out, a, b: (
        (g, 0.0) if a > b else (0.0, g) if a < b else (0.5 * g, 0.5 * g) if a == b else (g, g)
    ),
    formula="max(a, b)",
    derivative="∂a = 1 where a > b, ∂b = 1 where b > a",
    edges="a tie splits the gradient ½ / ½",
    smooth=lambda a, b: abs(a - b) > 1e-2,
)
MINIMUM = Rule(
    "minimum",
    2,
    _minimum,
    lambda m, g, out, a, b: (
        (g, 0.0) if a < b else (0.0, g) if a > b else (0.5 * g, 0.5 * g) if a == b else (g, g)
    ),
    formula="min(a, b)",
    derivative="∂a = 1 where a < b, ∂b = 1 where b < a",
    edges="a tie splits the gradient ½ / ½",
    smooth=lambda a, b: abs(a - b) > 1e-2,
)
CLAMP = Rule(
    "clamp",
    3,
    _clamp,
    lambda m, g, out, x, lo, hi: (
        g if lo <= x <= hi else 0.0,
        g if x < lo < hi else 0.0,
        g if x > hi or hi < lo else 0.0,
    ),
    formula="min(max(x, lo), hi)",
    derivative="∂x = 1 for lo ≤ x ≤ hi; ∂lo = 1 for x < lo; ∂hi = 1 for x > hi",
    edges="the bounds are inclusive for x (as torch.clamp); lo > hi gives hi",
    smooth=lambda x, lo, hi: min(abs(x - lo), abs(x - hi), abs(lo - hi)) > 1e-2,
)

RULES: dict[str, Rule] = {
    rule.name: rule
    for rule in (
        ADD,
        SUB,
        MUL,
        DIV,
        NEG,
        POW_CONST,
        POW,
        EXP,
        LOG,
        SQRT,
        SIN,
        COS,
        TANH,
        SIGMOID,
        RELU,
        ABS,
        SIGN,
        MAXIMUM,
        MINIMUM,
        CLAMP,
    )
}
"""Every rule by name: the single source for the engine, the tests and the docs' table."""


class _FloatMath:
    """The backward formulas' functions on floats: the IEEE forwards themselves."""

    div = staticmethod(_div)
    pow = staticmethod(_pow)
    pow_const = staticmethod(_pow_const)
    exp = staticmethod(_exp)
    log = staticmethod(_log)
    sin = staticmethod(_sin)
    cos = staticmethod(_cos)
    sign = staticmethod(_sign)


FLOAT_MATH: Math = _FloatMath()
