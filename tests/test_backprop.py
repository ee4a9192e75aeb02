"""The backward walks: the float fast path (``Value.backward``) against the rule table and
against the general walk that ``mg.grad`` uses."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
from minigrad.ops import ADD, FLOAT_MATH, MUL, SUB
from minigrad.testing import OPERATIONS, programs

any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)


def bits(x):
    """x compared as IEEE does not: -0.0 differs from 0.0, and nan equals nan."""
    return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))


@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
@given(a=any_float, b=any_float, g=any_float)
def test_rules_written_out_in_the_fast_path_match_the_table_bit_for_bit(rule, a, b, g):
    x, y = mg.Value(a), mg.Value(b)
    out = OPERATIONS[rule.name](x, y)
    assert out._rule is rule
    x.grad = y.grad = -0.0  # -0.0 + part == part exactly, signed zeros included
    out.backward(g)
    expected = rule.backward(FLOAT_MATH, g, out.data, a, b)
    assert (bits(x.grad), bits(y.grad)) == (bits(expected[0]), bits(expected[1]))


@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
def test_fast_path_rules_with_a_constant_on_either_side(rule):
    x = mg.Value(3.0)
    op = OPERATIONS[rule.name]
    left, right = op(x, 2.0), op(2.0, x)
    left.backward(5.0)
    assert x.grad == rule.backward(FLOAT_MATH, 5.0, left.data, 3.0, 2.0)[0]
    x.grad = 0.0
    right.backward(5.0)
    assert x.grad == rule.backward(FLOAT_MATH, 5.0, right.data, 2.0, 3.0)[1]


@given(programs())
def test_float_walk_equals_the_general_walk_bit_for_bit(case):
    program, point = case
    xs = [mg.Value(p) for p in point]
    out = program(*xs)
    out.backward()
    general = mg.grad(program, argnums=tuple(range(len(point))))(*point)
    # == rather than bits: an input the output does not reach keeps .grad 0.0 (any zero is
    # fine there); the rule tests above check signed zeros.
    for x, g in zip(xs, general, strict=True):
        assert x.grad == g or (math.isnan(x.grad) and math.isnan(g))


def test_shared_nodes_wait_for_every_consumer_on_the_direct_path():
    # u is used by v and w; v's input is followed directly, so u must still wait for w.
    x = mg.Value(2.0)
    u = x * x
    v = u * 3.0
    w = u + 1.0
    (v * w).backward()
    # d/dx of 3u(u + 1) = (6u + 3)·2x with u = 4
    assert x.grad == 27.0 * 4.0
    assert u.grad == 27.0


def test_grad_of_a_function_that_returns_an_input_unchanged():
    assert mg.grad(lambda x: x)(3.0) == 1.0
    assert mg.value_and_grad(lambda x, y: y, argnums=(0, 1))(1.0, 2.0) == (2.0, (0.0, 1.0))


@pytest.mark.parametrize("walk", ["backward", "grad"])
def test_anomaly_mode_stops_both_walks_at_an_infinite_gradient(walk):
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt backward returned inf"):
        if walk == "grad":
            mg.grad(mg.sqrt)(0.0)
        else:
            mg.sqrt(mg.Value(0.0)).backward()


@pytest.mark.parametrize(
    "op",
    [
        lambda u, v: u + 2.0,
        lambda u, v: 2.0 * u,
        lambda u, v: u - v,
        lambda u, v: u * v,
        lambda u, v: v + u,
        lambda u, v: u * 2,
        lambda u, v: u / v,
        lambda u, v: u**2,
        lambda u, v: mg.maximum(u, v),
        lambda u, v: mg.exp(u),
        lambda u, v: mg.clamp(u, 0.0, 1.0),
    ],
)
@pytest.mark.parametrize("make", [mg.Value, mg.Parameter])
def test_every_way_of_recording_a_node_counts_its_use(op, make):
    # _uses tells the walk when a node's gradient is complete; an under-count would release a
    # shared node before all its parts arrived.
    x = make(0.5)
    u = x * 1.5  # an inner node, so the count matters to the walk
    v = make(2.0)
    before = u._uses
    out = op(u, v)
    assert u._uses == before + 1
    assert out._args.count(u) == 1


@pytest.mark.parametrize("mode", ["plain", "no_grad", "anomaly"])
@pytest.mark.parametrize(("left_grad", "right_grad"), [(True, True), (True, False), (False, True)])
def test_value_op_value_keeps_an_input_without_grad_as_its_float(mode, left_grad, right_grad):
    a, b = mg.Value(3.0, requires_grad=left_grad), mg.Value(5.0, requires_grad=right_grad)
    modes = {"plain": mg.enable_grad, "no_grad": mg.no_grad, "anomaly": mg.detect_anomaly}
    with modes[mode]():
        out = a * b - a
    assert out.data == 12.0
    if mode == "no_grad":
        assert not out.requires_grad and out._args == ()
        return
    product = out._args[0]
    assert product._args == (a if left_grad else 3.0, b if right_grad else 5.0)
    out.backward()
    assert (a.grad, b.grad) == (4.0 if left_grad else 0.0, 3.0 if right_grad else 0.0)
