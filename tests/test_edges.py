"""IEEE edge points: value and gradients as PyTorch (float64) gives them, never an exception.

The table is PyTorch 2.13's behaviour; tests/crosscheck_torch.py re-derives every row from
PyTorch where it is installed (it is not a dependency).
"""

import math
import types

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg

inf, nan = math.inf, math.nan

MG = types.SimpleNamespace(
    relu=mg.relu, abs=mg.abs, sqrt=mg.sqrt, log=mg.log, exp=mg.exp, tanh=mg.tanh,
    sigmoid=mg.sigmoid, sin=mg.sin, cos=mg.cos, sign=mg.sign, maximum=mg.maximum,
    minimum=mg.minimum, clamp=mg.clamp,
)  # fmt: skip

# (label, f(ns, *xs), inputs, value, gradients)
EDGES = [
    ("relu'(0) = 0", lambda ns, x: ns.relu(x), [0.0], 0.0, [0.0]),
    ("relu(-0.0)", lambda ns, x: ns.relu(x), [-0.0], -0.0, [0.0]),
    ("|x|'(0) = 0", lambda ns, x: ns.abs(x), [0.0], 0.0, [0.0]),
    ("sign'(0) = 0", lambda ns, x: ns.sign(x), [0.0], 0.0, [0.0]),
    ("sign(-0.0) = 0", lambda ns, x: ns.sign(x), [-0.0], 0.0, [0.0]),
    ("sign(nan) = 0", lambda ns, x: ns.sign(x), [nan], 0.0, [0.0]),
    ("|x|'(nan) = 0", lambda ns, x: ns.abs(x), [nan], nan, [0.0]),
    ("sqrt(0)", lambda ns, x: ns.sqrt(x), [0.0], 0.0, [inf]),
    ("sqrt(-1)", lambda ns, x: ns.sqrt(x), [-1.0], nan, [nan]),
    ("log(0)", lambda ns, x: ns.log(x), [0.0], -inf, [inf]),
    ("log(-1)", lambda ns, x: ns.log(x), [-1.0], nan, [-1.0]),
    ("1/0", lambda ns, a, b: a / b, [1.0, 0.0], inf, [inf, -inf]),
    ("0/0", lambda ns, a, b: a / b, [0.0, 0.0], nan, [inf, nan]),
    ("-1/0", lambda ns, a, b: a / b, [-1.0, 0.0], -inf, [inf, inf]),
    ("x**0 at 0", lambda ns, x: x**0, [0.0], 1.0, [0.0]),
    ("x**0.5 at 0", lambda ns, x: x**0.5, [0.0], 0.0, [inf]),
    # PyTorch computes x**0.5 as sqrt and x**-0.5 as 1/sqrt: signed zeros and -inf follow them
    ("x**0.5 at -0.0", lambda ns, x: x**0.5, [-0.0], -0.0, [-inf]),
    ("x**0.5 at -inf", lambda ns, x: x**0.5, [-inf], nan, [nan]),
    ("x**-0.5 at -0.0", lambda ns, x: x**-0.5, [-0.0], -inf, [-inf]),
    ("x**-0.5 at inf", lambda ns, x: x**-0.5, [inf], 0.0, [-0.0]),
    ("x**1.5 at -inf", lambda ns, x: x**1.5, [-inf], inf, [nan]),
    ("x**-2 at 0", lambda ns, x: x**-2, [0.0], inf, [-inf]),
    ("x**-1 at -inf", lambda ns, x: x**-1, [-inf], -0.0, [-0.0]),
    ("x**-1 at 0", lambda ns, x: x**-1, [0.0], inf, [-inf]),
    ("x**-1 at -0.0", lambda ns, x: x**-1, [-0.0], -inf, [-inf]),
    ("(-8)**(1/3)", lambda ns, x: x ** (1 / 3), [-8.0], nan, [nan]),
    ("x**3 at -2", lambda ns, x: x**3, [-2.0], -8.0, [12.0]),
    ("x**y at (0, 2)", lambda ns, x, y: x**y, [0.0, 2.0], 0.0, [0.0, 0.0]),
    ("x**y at (-2, 2)", lambda ns, x, y: x**y, [-2.0, 2.0], 4.0, [-4.0, nan]),
    ("x**y at (0, 0)", lambda ns, x, y: x**y, [0.0, 0.0], 1.0, [0.0, 0.0]),
    ("x**y at (0, -1)", lambda ns, x, y: x**y, [0.0, -1.0], inf, [-inf, -inf]),
    ("2**y at 2000", lambda ns, y: 2.0**y, [2000.0], inf, [inf]),
    ("x**2 at 1e200", lambda ns, x: x**2, [1e200], inf, [2e200]),
    # PyTorch squares and cubes by multiplying; libm's pow is one ulp off at 9.072
    ("x**2 at 9.072", lambda ns, x: x**2, [9.072], 82.30118399999999, [18.144]),
    ("x**3 at 9.072", lambda ns, x: x**3, [9.072], 746.6363412479999, [246.903552]),
    ("tanh(1000)", lambda ns, x: ns.tanh(x), [1000.0], 1.0, [0.0]),
    ("tanh(-1000)", lambda ns, x: ns.tanh(x), [-1000.0], -1.0, [0.0]),
    ("sigmoid(1000)", lambda ns, x: ns.sigmoid(x), [1000.0], 1.0, [0.0]),
    ("sigmoid(-1000)", lambda ns, x: ns.sigmoid(x), [-1000.0], 0.0, [0.0]),
    ("exp(1000)", lambda ns, x: ns.exp(x), [1000.0], inf, [inf]),
    ("exp(-1000)", lambda ns, x: ns.exp(x), [-1000.0], 0.0, [0.0]),
    ("sin(inf)", lambda ns, x: ns.sin(x), [inf], nan, [nan]),
    ("cos(inf)", lambda ns, x: ns.cos(x), [inf], nan, [nan]),
    ("0·inf", lambda ns, a, b: a * b, [0.0, inf], nan, [inf, 0.0]),
    ("maximum tie", lambda ns, a, b: ns.maximum(a, b), [1.0, 1.0], 1.0, [0.5, 0.5]),
    ("minimum tie", lambda ns, a, b: ns.minimum(a, b), [1.0, 1.0], 1.0, [0.5, 0.5]),
    ("maximum", lambda ns, a, b: ns.maximum(a, b), [1.0, 2.0], 2.0, [0.0, 1.0]),
    ("maximum with nan", lambda ns, a, b: ns.maximum(a, b), [nan, 2.0], nan, [1.0, 1.0]),
    ("clamp at lo", lambda ns, x: ns.clamp(x, 1.0, 2.0), [1.0], 1.0, [1.0]),
    ("clamp at hi", lambda ns, x: ns.clamp(x, 1.0, 2.0), [2.0], 2.0, [1.0]),
    ("clamp below", lambda ns, x: ns.clamp(x, 1.0, 2.0), [0.5], 1.0, [0.0]),
    ("clamp lo > hi", lambda ns, x: ns.clamp(x, 2.0, 1.0), [1.5], 1.0, [0.0]),
    ("clamp nan", lambda ns, x: ns.clamp(x, 1.0, 2.0), [nan], nan, [0.0]),
    (
        "clamp with a nan bound",
        lambda ns, x, lo, hi: ns.clamp(x, lo, hi),
        [5.0, 0.0, nan],
        nan,
        [0.0, 0.0, 0.0],
    ),
    ("clamp lo = inf", lambda ns, x, lo: ns.clamp(x, lo), [1.0, inf], inf, [0.0, 1.0]),
    ("clamp hi = -inf", lambda ns, x, hi: ns.clamp(x, None, hi), [1.0, -inf], -inf, [0.0, 1.0]),
    ("clamp lo tie", lambda ns, x, lo: ns.clamp(x, lo), [0.5, 0.5], 0.5, [1.0, 0.0]),
    ("clamp hi tie", lambda ns, x, hi: ns.clamp(x, None, hi), [0.5, 0.5], 0.5, [1.0, 0.0]),
]


def same(a, b):
    if math.isnan(b):
        return math.isnan(a)
    return a == pytest.approx(b, rel=1e-15, abs=0.0) and math.copysign(1, a) == math.copysign(1, b)


@pytest.mark.parametrize(
    ("label", "f", "inputs", "value", "grads"), EDGES, ids=[e[0] for e in EDGES]
)
def test_edge_points_match_pytorch(label, f, inputs, value, grads):
    xs = [mg.Value(x) for x in inputs]
    out = f(MG, *xs)
    for x in xs:
        # .grad starts at 0.0 and 0.0 + (−0.0) is 0.0; PyTorch's starts empty. From −0.0, .grad
        # shows this pass's own gradient, signed zeros included, as PyTorch's .grad does.
        x.grad = -0.0
    out.backward()
    assert same(out.data, value), f"{label}: value {out.data}, expected {value}"
    for i, (x, g) in enumerate(zip(xs, grads, strict=True)):
        assert same(x.grad, g), f"{label}: gradient {i} is {x.grad}, expected {g}"


@pytest.mark.parametrize(
    ("label", "f", "inputs", "value", "grads"), EDGES, ids=[e[0] for e in EDGES]
)
def test_edge_points_raise_nothing_in_grad_either(label, f, inputs, value, grads):
    argnums = tuple(range(len(inputs)))
    got_value, got_grads = mg.value_and_grad(lambda *xs: f(MG, *xs), argnums=argnums)(*inputs)
    assert same(got_value, value)
    assert all(same(a, b) for a, b in zip(got_grads, grads, strict=True))


@given(st.floats(allow_nan=False, allow_infinity=False, width=64))
def test_square_and_cube_are_products_bit_for_bit_as_in_pytorch(x):
    # libm's pow(x, 2) is one ulp off x·x for some x (9.072 among them); PyTorch multiplies.
    for exponent, value, grad in [(2, x * x, 2.0 * x), (3, x * x * x, 3.0 * (x * x))]:
        v = mg.Value(x)
        out = v**exponent
        out.backward()
        assert (out.data, v.grad) == (value, grad) or math.isnan(value) or math.isnan(grad)
        compiled = mg.compile(lambda t, c=exponent: t**c)
        assert compiled(x) == (out.data, v.grad) or math.isnan(value) or math.isnan(grad)


def test_square_is_exact_where_libm_pow_is_not():
    x = 9.072
    assert math.pow(x, 2.0) != x * x  # the point is one where the two differ
    v = mg.Value(x)
    (v**2).backward()
    assert (v**2).data == x * x
    assert v.grad == 2 * x
