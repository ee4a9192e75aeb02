"""THE registry: every built-in operation, each defined once as an `Op`.

Each definition below holds an op's forward on floats (IEEE 754 the way PyTorch float64 does
it: ``inf``/``nan`` where Python's ``math`` would raise), its local derivative as a backward
formula (see `minigrad.op` for how one formula runs on floats and on Values), the words the
docs' derivative table shows, where it is smooth (for the gradient-checking strategies), and
its method on `Value` and its numpy ufunc where it has them. From that one definition come
``mg.<name>``, ``x.<method>()``, ``numpy.<ufunc>(x)``, ``m.<name>`` in every backward formula,
the compiler's code, the hypothesis strategies and the docs' table.

Adding a built-in op touches three places (the recipe is in docs/design.md): its definition
here, its row of expected derivatives in tests/test_ops.py, and its export in
``minigrad/__init__.py``.
"""

from __future__ import annotations

import math

from minigrad.graph import Node
from minigrad.op import Namespace, Op

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = [
    "ABS",
    "ADD",
    "ATAN",
    "CLAMP",
    "CLAMP_MAX",
    "CLAMP_MIN",
    "COS",
    "DIV",
    "EXP",
    "LOG",
    "MAXIMUM",
    "MINIMUM",
    "MUL",
    "NEG",
    "POW",
    "POW_CONST",
    "REGISTRY",
    "RELU",
    "SIGMOID",
    "SIGN",
    "SIN",
    "SQRT",
    "SUB",
    "TANH",
    "clamp",
    "power",
]

INF = math.inf
NAN = math.nan


REGISTRY: dict[str, Op] = {}
"""Every built-in op by name, in the order defined below: the one source for the engine, the
compiler, the tests and the docs."""


def _define(
    name: str, forward: Callable[..., float], backward: Callable[..., Any], **kw: Any
) -> Op:
    """A built-in op, added to `REGISTRY` and made ``m.<name>`` in every backward formula.

    Its backward is trusted (``check=False``): the test suite holds it to its math.
    """
    if "arity" not in kw:  # math.tanh and friends say it; from a lambda, no inspect needed
        kw["arity"] = forward.__code__.co_argcount
    op = REGISTRY[name] = Op(name, forward, backward, register=True, check=False, **kw)
    return op


def _away_from(point: float, margin: float = 1e-2) -> Callable[[float], bool]:
    return lambda x: abs(x - point) > margin


# --- IEEE-safe float functions: Python's math raises where IEEE 754 (and PyTorch) do not -------


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


def _power(x: float, c: float) -> float:
    # The forward of both pow_const and pow: one function, so that x ** y gives the same number
    # whether y is a constant or a Value (and so mg.compile, which traces every argument as a
    # Value, gives what value_and_grad gives). PyTorch computes these exponents its own way,
    # and so do we, to give its numbers at the edges: x**2 and x**3 as products (exactly
    # rounded, where libm's pow is sometimes one ulp off, and much cheaper than a call);
    # x**0.5 as sqrt and x**-0.5 as 1/sqrt (so that (−0.0)**0.5 = −0.0 and (−inf)**0.5 = nan,
    # and the gradients follow); x**-1 and x**-2 as reciprocals.
    if c == 2.0:
        return x * x
    if c == 3.0:
        return x * x * x
    if c == 0.5:
        return _sqrt(x)
    if c == -0.5:
        return _div(1.0, _sqrt(x))
    if c == -1.0:
        return _div(1.0, x)
    if c == -2.0:
        return _div(1.0, x * x)
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
    return 0.0  # ±0 and nan give 0.0, as torch.sign (2.13)


def _relu(x: float) -> float:
    return 0.0 if x < 0.0 else x  # nan propagates; relu(−0.0) = −0.0, as torch.relu


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
    if x != x or lo != lo or hi != hi:  # a nan input or bound gives nan, as torch.clamp
        return NAN
    if x < lo:
        x = lo
    return hi if x > hi else x  # lo > hi gives hi, as torch.clamp


def _clamp_min(x: float, lo: float) -> float:
    if x != x or lo != lo:
        return NAN
    return lo if x < lo else x


def _clamp_max(x: float, hi: float) -> float:
    if x != x or hi != hi:
        return NAN
    return hi if x > hi else x


# --- the registry ------------------------------------------------------------------------------
# backward(m, g, out, *xs): `g` is dL/d(out); return dL/d(x) for each input x, in order.
# Branches decide on m.data(x), the float of x, never on == between Values.

ADD = _define(
    "add",
    lambda a, b: a + b,
    lambda m, g, out, a, b: (g, g),
    formula="a + b",
    derivative="∂a = 1, ∂b = 1",
    ufunc="add",
)
SUB = _define(
    "sub",
    lambda a, b: a - b,
    lambda m, g, out, a, b: (g, -g),
    formula="a − b",
    derivative="∂a = 1, ∂b = −1",
    ufunc="subtract",
)
MUL = _define(
    "mul",
    lambda a, b: a * b,
    lambda m, g, out, a, b: (g * b, g * a),
    formula="a · b",
    derivative="∂a = b, ∂b = a",
    ufunc="multiply",
)
DIV = _define(
    "div",
    _div,
    # -g·(out/b) is PyTorch's form of -g·a/b² and saves a division.
    lambda m, g, out, a, b: (m.div(g, b), -g * m.div(out, b)),
    formula="a / b",
    derivative="∂a = 1/b, ∂b = −a/b²",
    edges="1/0 = inf, 0/0 = nan (IEEE); ∂b at b = 0 is ∓inf or nan",
    smooth=lambda a, b: abs(b) > 0.1,
    ufunc=("divide", "true_divide"),
)
NEG = _define(
    "neg",
    lambda x: -x,
    lambda m, g, out, x: (-g,),
    formula="−x",
    derivative="∂x = −1",
    ufunc="negative",
)


def _pow_const_backward(m: Namespace, g: Any, out: Any, x: Any, c: Any) -> tuple[Any, float]:
    # The exponent is a constant: no gradient for it (0.0 in its slot is never used).
    exponent = c if c.__class__ is float else m.data(c)  # (the squared error's hot path)
    if exponent == 2.0:  # the squared error: 2·x, as PyTorch computes it (x**1 = x exactly)
        return g * (2.0 * x), 0.0
    if exponent == 0.0:
        return 0.0, 0.0
    return g * (c * m.pow_const(x, c - 1.0)), 0.0


POW_CONST = _define(
    "pow_const",
    _power,
    _pow_const_backward,
    formula="x ** c  (c a number)",
    derivative="∂x = c·x^(c−1), and 0 when c = 0",
    edges="x**0 = 1 with ∂x = 0 (also at x = 0); (−8)**(1/3) = nan; 0**−1 = inf; "
    "as PyTorch: x**2 = x·x, x**3 = x·x·x, x**0.5 = √x, x**−0.5 = 1/√x, x**−1 = 1/x, "
    "x**−2 = 1/(x·x)",
    smooth=lambda x, c: x > 0.1,
)


def _pow_backward(m: Namespace, g: Any, out: Any, x: Any, y: Any) -> tuple[Any, Any]:
    xd, yd = m.data(x), m.data(y)
    return (
        0.0 if yd == 0.0 else g * (y * m.pow(x, y - 1.0)),
        0.0 if xd == 0.0 and yd >= 0.0 else g * (out * m.log(x)),
    )


POW = _define(
    "pow",
    _power,
    _pow_backward,
    formula="x ** y",
    derivative="∂x = y·x^(y−1), ∂y = x^y·log x",
    edges="∂x = 0 where y = 0; ∂y = 0 where x = 0 and y ≥ 0; ∂y = nan for x < 0 (as PyTorch; "
    "so at y = 0 the mixed second derivative ∂²/∂x∂y is 0, as in PyTorch, not x^(y−1)); the "
    "value as pow_const's (x·x for y = 2, √x for y = 0.5, ...), where PyTorch's tensor-to-"
    "tensor pow calls the C library's pow",
    # Away from y = 0 too: there the convention above makes the mixed second derivative 0.
    smooth=lambda x, y: x > 0.1 and abs(y) > 1e-2,
)
EXP = _define(
    "exp",
    _exp,
    lambda m, g, out, x: (g * out,),
    formula="e^x",
    derivative="∂x = e^x (the output itself)",
    edges="exp(1000) = inf (no OverflowError)",
    smooth=lambda x: x < 20.0,
    method="exp",
    ufunc="exp",
)
LOG = _define(
    "log",
    _log,
    lambda m, g, out, x: (m.div(g, x),),
    formula="ln x",
    derivative="∂x = 1/x",
    edges="log 0 = −inf with ∂x = inf; log x = nan for x < 0",
    smooth=lambda x: x > 0.1,
    method="log",
    ufunc="log",
)
SQRT = _define(
    "sqrt",
    _sqrt,
    lambda m, g, out, x: (m.div(g, 2.0 * out),),
    formula="√x",
    derivative="∂x = 1/(2√x)",
    edges="sqrt 0 = 0 with ∂x = inf; sqrt x = nan for x < 0",
    smooth=lambda x: x > 0.1,
    method="sqrt",
    ufunc="sqrt",
)
SIN = _define(
    "sin",
    _sin,
    lambda m, g, out, x: (g * m.cos(x),),
    formula="sin x",
    derivative="∂x = cos x",
    edges="sin(±inf) = nan",
    method="sin",
    ufunc="sin",
)
COS = _define(
    "cos",
    _cos,
    lambda m, g, out, x: (g * -m.sin(x),),
    formula="cos x",
    derivative="∂x = −sin x",
    edges="cos(±inf) = nan",
    method="cos",
    ufunc="cos",
)
TANH = _define(
    "tanh",
    math.tanh,
    lambda m, g, out, x: (g * (1.0 - out * out),),
    formula="tanh x",
    derivative="∂x = 1 − tanh² x (from the output)",
    edges="tanh(±1000) = ±1 with ∂x = 0",
    method="tanh",
    ufunc="tanh",
    arity=1,
)
ATAN = _define(
    "atan",
    math.atan,  # never raises: atan(±inf) = ±π/2
    # PyTorch's form: grad / (x·x + 1)
    lambda m, g, out, x: (m.div(g, x * x + 1.0),),
    formula="arctan x",
    derivative="∂x = 1/(1 + x²)",
    edges="atan(±inf) = ±π/2 with ∂x = 0",
    method="atan",
    ufunc="arctan",
    arity=1,
)
SIGMOID = _define(
    "sigmoid",
    _sigmoid,
    lambda m, g, out, x: (g * (1.0 - out) * out,),
    formula="σ(x) = 1 / (1 + e^−x)",
    derivative="∂x = σ(x)·(1 − σ(x)) (from the output)",
    edges="σ(1000) = 1, σ(−1000) = 0, both with ∂x = 0",
    method="sigmoid",
)
RELU = _define(
    "relu",
    _relu,
    lambda m, g, out, x: (0.0 if m.data(out) <= 0.0 else g,),
    formula="max(x, 0)",
    derivative="∂x = 1 for x > 0, else 0",
    edges="relu'(0) = 0",
    smooth=_away_from(0.0),
    method="relu",
)
ABS = _define(
    "abs",
    abs,
    lambda m, g, out, x: (g * m.sign(x),),
    formula="|x|",
    derivative="∂x = sgn x",
    edges="|x|'(0) = 0",
    smooth=_away_from(0.0),
    method="abs",
    ufunc="absolute",
    arity=1,
)
SIGN = _define(
    "sign",
    _sign,
    lambda m, g, out, x: (0.0,),
    formula="sgn x ∈ {−1, 0, 1}",
    derivative="∂x = 0",
    edges="sgn(±0) = 0 and sgn(nan) = 0 (as PyTorch 2.13); the gradient is 0 everywhere",
    smooth=_away_from(0.0),
    ufunc="sign",
)


def _tie_split(g: Any, first: bool, second: bool, tie: bool) -> tuple[Any, Any]:
    """The gradient goes to the chosen input; a tie splits it ½ / ½; with a nan, to both."""
    if first:
        return g, 0.0
    if second:
        return 0.0, g
    if tie:
        return 0.5 * g, 0.5 * g
    return g, g


def _maximum_backward(m: Namespace, g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    ad, bd = m.data(a), m.data(b)
    return _tie_split(g, ad > bd, ad < bd, ad == bd)


def _minimum_backward(m: Namespace, g: Any, out: Any, a: Any, b: Any) -> tuple[Any, Any]:
    ad, bd = m.data(a), m.data(b)
    return _tie_split(g, ad < bd, ad > bd, ad == bd)


MAXIMUM = _define(
    "maximum",
    _maximum,
    _maximum_backward,
    formula="max(a, b)",
    derivative="∂a = 1 where a > b, ∂b = 1 where b > a",
    edges="a tie splits the gradient ½ / ½",
    smooth=lambda a, b: abs(a - b) > 1e-2,
    ufunc="maximum",
)
MINIMUM = _define(
    "minimum",
    _minimum,
    _minimum_backward,
    formula="min(a, b)",
    derivative="∂a = 1 where a < b, ∂b = 1 where b < a",
    edges="a tie splits the gradient ½ / ½",
    smooth=lambda a, b: abs(a - b) > 1e-2,
    ufunc="minimum",
)


def _clamp_backward(m: Namespace, g: Any, out: Any, x: Any, lo: Any, hi: Any) -> tuple[Any, ...]:
    xd, lod, hid = m.data(x), m.data(lo), m.data(hi)
    return (
        g if lod <= xd <= hid else 0.0,
        g if xd < lod < hid else 0.0,
        g if xd > hid or hid < lod else 0.0,
    )


CLAMP = _define(
    "clamp",
    _clamp,
    _clamp_backward,
    formula="min(max(x, lo), hi)",
    derivative="∂x = 1 for lo ≤ x ≤ hi; ∂lo = 1 for x < lo; ∂hi = 1 for x > hi",
    edges="the bounds are inclusive for x (as torch.clamp); lo > hi gives hi; a nan input "
    "or bound gives nan, with gradient 0 to all three",
    smooth=lambda x, lo, hi: min(abs(x - lo), abs(x - hi), abs(lo - hi)) > 1e-2,
)


def _clamp_min_backward(m: Namespace, g: Any, out: Any, x: Any, lo: Any) -> tuple[Any, Any]:
    xd, lod = m.data(x), m.data(lo)
    return (g if xd >= lod else 0.0, g if xd < lod else 0.0)


def _clamp_max_backward(m: Namespace, g: Any, out: Any, x: Any, hi: Any) -> tuple[Any, Any]:
    xd, hid = m.data(x), m.data(hi)
    return (g if xd <= hid else 0.0, g if xd > hid else 0.0)


CLAMP_MIN = _define(
    "clamp_min",
    _clamp_min,
    _clamp_min_backward,
    formula="max(x, lo)  (mg.clamp with hi=None)",
    derivative="∂x = 1 for x ≥ lo; ∂lo = 1 for x < lo",
    edges="a tie goes to x (as torch.clamp_min); lo = inf gives inf with ∂lo = 1; nan gives nan",
    smooth=lambda x, lo: abs(x - lo) > 1e-2,
)
CLAMP_MAX = _define(
    "clamp_max",
    _clamp_max,
    _clamp_max_backward,
    formula="min(x, hi)  (mg.clamp with lo=None)",
    derivative="∂x = 1 for x ≤ hi; ∂hi = 1 for x > hi",
    edges="a tie goes to x (as torch.clamp_max); hi = −inf gives −inf with ∂hi = 1; nan gives nan",
    smooth=lambda x, hi: abs(x - hi) > 1e-2,
)


# --- two functions in front of ops: choosing pow or pow_const, filling in clamp's bounds ---


def power(base: object, exponent: object) -> Any:
    """base ** exponent: `POW_CONST` when the exponent needs no gradient, else `POW`."""
    if isinstance(exponent, Node) and exponent.requires_grad:
        return POW(base, exponent)
    if isinstance(base, Node):
        return POW_CONST(base, exponent)
    return POW(base, exponent)


def clamp(x: object, lo: object = None, hi: object = None) -> Any:
    """x limited to [lo, hi] (either bound may be None), as ``torch.clamp``.

    The gradient reaches x where lo ≤ x ≤ hi (bounds inclusive), lo where x < lo, hi where
    x > hi. With lo > hi the result is hi; a nan input or bound gives nan. With one bound it
    is the op ``clamp_min`` (``hi=None``) or ``clamp_max`` (``lo=None``), as torch.clamp.

    Raises:
        ValueError: Both bounds are None.

    Example:
        >>> import minigrad as mg
        >>> mg.clamp(5.0, 0.0, 1.0).item(), mg.clamp(-5.0, lo=0.0).item()
        (1.0, 0.0)
    """
    if lo is None and hi is None:
        raise ValueError("clamp() needs at least one bound: lo or hi (got None for both)")
    if hi is None:  # as torch.clamp(x, min=lo): its own rule, not CLAMP with hi = inf
        return CLAMP_MIN(x, lo)
    if lo is None:
        return CLAMP_MAX(x, hi)
    return CLAMP(x, lo, hi)
