"""Every op, at every edge point, through every path: the same derivative, bit for bit.

The paths: plain ``backward()`` (the float fast path), ``backward(create_graph=True)`` (the
reference walk on Values), ``mg.grad`` called with numbers (the reference walk on floats) and
with Values (on Values), and ``mg.compile`` (the reference walk writing code); for second
derivatives, nested ``mg.grad``, ``create_graph`` then ``backward`` of the gradient, and
``mg.compile(mg.grad(f))``. They must agree with each other bit for bit (signed zeros, nan).
Where an op's backward formula branches on a number (relu's kink, a tie of maximum), compile
cannot trace a gradient once for every input: ``mg.compile(mg.grad(f))`` must raise
TracingError there, and agree everywhere else.
That the numbers are PyTorch's is checked by tests/test_edges.py (first order) and the
examples from the issues below (second order); ``tests/crosscheck_torch.py`` re-derives those
from PyTorch where it is installed.

And the rule behind it: a backward formula decides its branches on numbers (``m.data``),
never on ``==`` or ``bool()`` of what it is given, which on Values means "the same object".
"""

import itertools
import math

import pytest

import minigrad as mg
from minigrad.backprop import topological_order
from minigrad.compiler.symbolic import SYMBOLS, Sym, symbolic
from minigrad.op import FLOATS
from minigrad.ops import REGISTRY
from minigrad.testing import OPERATIONS

inf, nan = math.inf, math.nan
# Each side of every kink, pole and domain edge, ties, signed zeros, infinities and nan.
EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, -2.5, inf, -inf, nan, 1e-300, 1e300]
SMALL = [0.0, -0.0, 1.0, -1.0, 2.0, inf, nan]  # for ops of two and three inputs


def bits(x):
    x = x.data if isinstance(x, mg.Value) else x
    return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))


def cases():
    """(name, f, point): every registry op at every edge point (pairs and triples of them)."""
    for name, op in sorted(REGISTRY.items()):
        if name == "pow_const":  # the exponent is a constant: one function per exponent
            for c in [*EDGE, 3.0, -1.0, 1 / 3]:
                for x in EDGE:
                    yield name, (lambda v, c=c: v**c), (x,)
            continue
        points = EDGE if op.arity == 1 else SMALL if op.arity == 2 else SMALL[:5]
        for point in itertools.product(points, repeat=op.arity):
            yield name, OPERATIONS[name], point


CASES = list(cases())
IDS = [f"{name}{point}" for name, _, point in CASES]


def first_order(f, point):
    """(value, gradients) by each path, as bits."""
    n = len(point)
    argnums = tuple(range(n))
    paths = {}

    xs = [mg.Value(x) for x in point]
    out = f(*xs)
    for x in xs:
        x.grad = -0.0  # -0.0 + g is g exactly: .grad shows the pass's own sum
    out.backward()
    paths["backward"] = (bits(out), [bits(x.grad) for x in xs])

    xs = [mg.Value(x) for x in point]
    out = f(*xs)
    for x in xs:
        x.grad = -0.0
    out.backward(create_graph=True)
    paths["create_graph"] = (bits(out), [bits(x.grad) for x in xs])

    value, grads = mg.value_and_grad(f, argnums)(*point)
    paths["grad(numbers)"] = (bits(value), [bits(g) for g in grads])

    value, grads = mg.value_and_grad(f, argnums)(*[mg.Value(x) for x in point])
    paths["grad(Values)"] = (bits(value), [bits(g) for g in grads])

    value, grads = mg.compile(f, argnums)(*point)
    paths["compile"] = (bits(value), [bits(g) for g in grads])
    return paths


@pytest.mark.parametrize(("name", "f", "point"), CASES, ids=IDS)
def test_first_derivatives_agree_on_every_path(name, f, point):
    paths = first_order(f, point)
    reference = paths["grad(numbers)"]
    for path, result in paths.items():
        assert result == reference, f"{name}{point}: {path} gives {result}, grad gives {reference}"


def branches(name):
    """Whether the op's backward formula reads a number (m.data): it cannot be written once."""
    op = REGISTRY[name]
    xs = [Sym(f"x{k}") for k in range(op.arity)]
    if name == "pow_const":
        xs = [Sym("x0"), 2.0]  # the exponent is a float constant in the node
    return symbolic(op.backward, SYMBOLS, Sym("g"), Sym("out"), *xs) is None


BRANCHING = {name for name in REGISTRY if branches(name)}


def test_the_branching_formulas_are_the_piecewise_ops():
    piecewise = {"clamp", "clamp_max", "clamp_min", "maximum", "minimum", "pow", "relu"}
    assert piecewise == BRANCHING


def second_order(f, point, i, j, name):
    """d/dx_j of ∂f/∂x_i by each path, as bits."""
    paths = {}
    df = mg.grad(f, argnums=i)
    paths["grad(grad)"] = bits(mg.grad(df, argnums=j)(*point))

    xs = [mg.Value(x) for x in point]
    f(*xs).backward(create_graph=True)
    g = xs[i].grad
    for x in xs:
        x.grad = -0.0
    if g.requires_grad and xs[j] in topological_order(g):
        g.backward()
        paths["create_graph"] = bits(xs[j].grad)
    else:  # the gradient does not depend on x_j: mg.grad's 0.0
        paths["create_graph"] = bits(0.0)

    if name in BRANCHING:
        with pytest.raises(mg.TracingError, match=r"backward formula .* chooses its branch"):
            mg.compile(df, argnums=j)(*point)
    else:
        paths["compile(grad)"] = bits(mg.compile(df, argnums=j)(*point)[1])
    return paths


SECOND = [
    (name, f, point, i, j)
    for name, f, point in CASES
    for i in range(len(point))
    for j in range(len(point))
]


@pytest.mark.parametrize(
    ("name", "f", "point", "i", "j"), SECOND, ids=[f"{s[0]}{s[2]}d{s[3]}d{s[4]}" for s in SECOND]
)
def test_second_derivatives_agree_on_every_path(name, f, point, i, j):
    paths = second_order(f, point, i, j, name)
    reference = paths["grad(grad)"]
    for path, result in paths.items():
        assert result == reference, f"{name}{point} d{i}d{j}: {path} {result} vs {reference}"


# --- the examples that went wrong before, with PyTorch 2.13's float64 numbers ------------------


def test_a_tie_in_maximum_splits_under_create_graph_as_pytorch():
    a, b = mg.Value(1.0), mg.Value(1.0)
    mg.maximum(a, b).backward(create_graph=True)
    assert (a.grad.data, b.grad.data) == (0.5, 0.5)


@pytest.mark.parametrize(("x", "y", "expected"), [(0.0, 2.0, (0.0, 0.0)), (0.0, 0.0, (0.0, 0.0))])
def test_pow_at_zero_under_create_graph_as_pytorch(x, y, expected):
    xv, yv = mg.Value(x), mg.Value(y)
    (xv**yv).backward(create_graph=True)
    assert (xv.grad.data, yv.grad.data) == expected


def test_second_derivative_at_a_tie_as_pytorch():
    assert mg.grad(mg.grad(lambda x: mg.maximum(x, 1.0) ** 2))(1.0) == 0.5


def test_grad_of_numbers_and_of_values_agree_at_a_tie():
    df = mg.grad(lambda a: mg.maximum(a, 1.0))
    assert df(1.0) == 0.5
    assert df(mg.Value(1.0)).data == 0.5


# --- rules decide on numbers, never on object identity -----------------------------------------


class Refusing:
    """A number that refuses ==, bool() and comparisons: only m.data may read it."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def _refuse(self, *args):
        raise AssertionError("a backward formula branched on ==, bool() or a comparison")

    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __bool__ = __float__ = _refuse
    __hash__ = None

    def __add__(self, other):
        return Refusing(self.value + _number(other))

    def __radd__(self, other):
        return Refusing(_number(other) + self.value)

    def __sub__(self, other):
        return Refusing(self.value - _number(other))

    def __rsub__(self, other):
        return Refusing(_number(other) - self.value)

    def __mul__(self, other):
        return Refusing(self.value * _number(other))

    def __rmul__(self, other):
        return Refusing(_number(other) * self.value)

    def __neg__(self):
        return Refusing(-self.value)


def _number(x):
    return x.value if isinstance(x, Refusing) else x


class RefusingNamespace:
    """m for Refusing numbers: each op's float forward; data reads the number."""

    @staticmethod
    def data(x):
        return x.value if isinstance(x, Refusing) else x

    def __getattr__(self, name):
        forward = getattr(FLOATS, name)
        return lambda *xs: Refusing(forward(*[self.data(x) for x in xs]))


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_rule_decides_on_numbers_only(name):
    op = REGISTRY[name]
    m = RefusingNamespace()
    points = EDGE if op.arity == 1 else SMALL if op.arity == 2 else SMALL[:5]
    for point in itertools.product(points, repeat=op.arity):
        out = op.forward(*point)
        for g in (1.0, -0.0, nan):
            expected = op.backward(FLOATS, g, out, *point)
            got = op.backward(m, Refusing(g), Refusing(out), *[Refusing(x) for x in point])
            assert [bits(m.data(x)) for x in got] == [bits(x) for x in expected], (name, point)


def test_the_refusing_number_catches_a_branch_on_equality():
    branching = lambda m, g, out, a, b: (g, 0.0) if a == b else (0.0, g)  # noqa: E731
    with pytest.raises(AssertionError, match="branched"):
        branching(RefusingNamespace(), Refusing(1.0), Refusing(1.0), Refusing(1.0), Refusing(1.0))
