"""The float fast path of ``backward()`` against the reference walk (``minigrad.backprop.walk``).

The fast path is a second copy of the walk, written out for speed; these tests hold it to the
reference bit for bit: every node's gradient, in random graphs with shared nodes, unused
branches and IEEE edge values (±0, ±inf, nan, ties), and the formulas and forwards it writes
out inline.
"""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.backprop import on_floats, walk
from minigrad.graph import topological_order
from minigrad.op import FLOATS
from minigrad.ops import ADD, MUL, POW_CONST, REGISTRY, SUB
from minigrad.testing import OPERATIONS

EDGE = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5, math.inf, -math.inf, math.nan, 1e-300, 1e300]
any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
edge_or_any = st.one_of(st.sampled_from(EDGE), any_float)


def bits(x):
    """x compared as IEEE does not: -0.0 differs from 0.0, and nan equals nan."""
    return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))


@st.composite
def graphs(draw):
    """A random DAG over every registry op: inputs, reused nodes, constants, dead branches."""
    n = draw(st.integers(1, 3))
    leaves = [mg.Value(draw(edge_or_any)) for _ in range(n)]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 10))):
        name = draw(st.sampled_from(sorted(REGISTRY)))
        op = REGISTRY[name]
        args = []
        for position in range(op.arity):
            constant = (name == "pow_const" and position == 1) or (
                position > 0 and name != "pow" and draw(st.booleans())
            )
            if constant:
                args.append(draw(st.sampled_from(EDGE)))
            else:
                args.append(nodes[len(nodes) - 1 - draw(st.integers(0, len(nodes) - 1))])
        nodes.append(OPERATIONS[name](*args))
    # The output uses the last node and, sometimes, an earlier one again: shared nodes; the
    # nodes it does not use are made and dropped, so some consumers never send a part.
    out = nodes[-1]
    if draw(st.booleans()) and len(nodes) > 1:
        out = out * nodes[draw(st.integers(0, len(nodes) - 2))]
    if not out.requires_grad:
        out = out + leaves[0]
    return leaves, out


@settings(max_examples=300, deadline=None)
@given(graphs(), st.sampled_from([1.0, -0.5, 0.0, -0.0, math.inf, math.nan]))
def test_every_node_gets_the_reference_walks_gradient_bit_for_bit(graph, seed):
    _, out = graph
    nodes = topological_order(out)
    reference = walk(out, seed, on_floats)
    for node in nodes:
        node.grad = -0.0  # -0.0 + part is part exactly, signed zeros included
    out.backward(seed)
    for node in nodes:
        if node in reference:
            assert bits(node.grad) == bits(reference[node]), (node, out)
        else:  # not reached from the output: the fast path leaves it alone too
            assert bits(node.grad) == bits(-0.0)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_backward_twice_adds_the_same_amounts_again(graph):
    leaves, out = graph
    out.backward()
    first = [x.grad for x in leaves]
    out.backward()
    for x, g in zip(leaves, first, strict=True):
        if g is None:  # not reached (needs no grad): still no gradient
            assert x.grad is None
        else:
            assert bits(x.grad) == bits(g + g)


@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
@given(a=any_float, b=any_float, g=any_float)
def test_rules_written_out_in_the_fast_path_match_the_registry_bit_for_bit(rule, a, b, g):
    x, y = mg.Value(a), mg.Value(b)
    out = OPERATIONS[rule.name](x, y)
    assert out.op is rule
    x.grad = y.grad = -0.0
    out.backward(g)
    expected = rule.backward(FLOATS, g, out.data, a, b)
    assert (bits(x.grad), bits(y.grad)) == (bits(expected[0]), bits(expected[1]))


@given(a=any_float, g=any_float)
def test_the_square_written_out_in_the_fast_path_matches_the_registry_bit_for_bit(a, g):
    x = mg.Value(a)
    out = x**2
    assert out.op is POW_CONST
    x.grad = -0.0
    out.backward(g)
    assert bits(x.grad) == bits(POW_CONST.backward(FLOATS, g, out.data, a, 2.0)[0])


@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
def test_fast_path_rules_with_a_constant_on_either_side(rule):
    x = mg.Value(3.0)
    op = OPERATIONS[rule.name]
    left, right = op(x, 2.0), op(2.0, x)
    left.backward(5.0)
    assert x.grad == rule.backward(FLOATS, 5.0, left.data, 3.0, 2.0)[0]
    x.grad = 0.0
    right.backward(5.0)
    assert x.grad == rule.backward(FLOATS, 5.0, right.data, 2.0, 3.0)[1]


@pytest.mark.parametrize("make", [mg.Value, mg.Parameter])
@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
@given(a=any_float, b=any_float)
def test_operators_compute_the_registrys_forward_inline_bit_for_bit(make, rule, a, b):
    # Value (+ - *) float / Value computes the forward inline rather than calling it.
    op = OPERATIONS[rule.name]
    expected = bits(rule.forward(a, b))
    assert bits(op(make(a), b).data) == expected
    assert bits(op(a, make(b)).data) == expected
    assert bits(op(make(a), make(b)).data) == expected


@given(x=any_float)
def test_square_written_inline_matches_pow_const(x):
    assert bits((mg.Value(x) ** 2).data) == bits(REGISTRY["pow_const"].forward(x, 2.0))
