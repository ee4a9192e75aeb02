"""The speed layer (``minigrad.speed``) against the reference core, bit for bit.

Each program is built as data, then run twice in this process: once with the speed layer
installed, once inside ``speed.reference_core()``, which runs the reference core alone (as
``MINIGRAD_REFERENCE=1`` does; CI also runs the whole suite that way). Every value, every
gradient after one and after two ``backward()`` calls, the type of every ``.grad``, and the
recorded graph (ops, which inputs are kept as floats) must be the same bits.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import speed
from minigrad.backprop import backward_order, on_floats, walk
from minigrad.op import FLOATS
from minigrad.ops import ADD, MUL, POW_CONST, REGISTRY, SUB
from minigrad.testing import OPERATIONS

EDGE = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, -2.5, math.inf, -math.inf, math.nan, 1e-300, 1e300]
any_float = st.floats(allow_nan=True, allow_infinity=True, width=64)
ordinary = st.floats(-3.0, 3.0)  # numbers whose sums round: the order of a sum shows
edge_or_any = st.one_of(ordinary, ordinary, st.sampled_from(EDGE), any_float)
constants = st.one_of(ordinary, st.sampled_from([*EDGE, 2, 3, -1, 0, True]), any_float)

pytestmark = pytest.mark.skipif(not speed.INSTALLED, reason="MINIGRAD_REFERENCE=1: no layer")


def bits(x: object) -> object:
    """A number compared as IEEE does not: -0.0 differs from 0.0, and nan equals nan."""
    if isinstance(x, mg.Value):
        return ("Value", bits(x.data), x.requires_grad)
    if isinstance(x, float):
        return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))
    return (type(x).__name__, x)


@st.composite
def programs(draw: st.DrawFn) -> tuple[list[tuple[str, float]], list[tuple[Any, ...]], float]:
    """A random program as data: leaves, then steps over every registry op and operator.

    Steps take earlier nodes (so nodes are shared and fan out), constants on either side
    (floats, ints, bools), and some run under no_grad; the output sometimes reuses an earlier
    node, and the nodes it does not use are made and dropped (consumers outside the graph).
    """
    kinds = st.sampled_from(["Value", "Parameter", "constant Value"])
    leaves = [(draw(kinds), draw(edge_or_any)) for _ in range(draw(st.integers(1, 3)))]
    steps = []
    for _ in range(draw(st.integers(1, 16))):
        name = draw(st.sampled_from(sorted(REGISTRY)))
        args: list[tuple[str, Any]] = []
        for position in range(REGISTRY[name].arity):
            value_only = (name == "pow" and position == 1) or (
                name == "pow_const" and position == 0
            )
            constant = (name == "pow_const" and position == 1) or (
                not value_only and draw(st.integers(0, 3)) == 0
            )
            if constant:
                args.append(("constant", draw(constants)))
            else:
                args.append(("node", draw(st.integers(0, 5))))
        if all(kind == "constant" for kind, _ in args):  # at least one operand is a Value
            args[0] = ("node", draw(st.integers(0, 5)))
        steps.append((name, args, draw(st.integers(0, 9)) == 0))  # no_grad for some steps
    seed = draw(st.sampled_from([1.0, -0.5, 0.0, -0.0, math.inf, math.nan, 3]))
    return leaves, steps, seed


def run(program: tuple[list[tuple[str, float]], list[tuple[Any, ...]], float]) -> list[Any]:
    """Build the program's graph, call backward twice; every number and structure seen."""
    leaves, steps, seed = program
    make = {
        "Value": mg.Value,
        "Parameter": mg.Parameter,
        "constant Value": lambda x: mg.Value(x, requires_grad=False),
    }
    nodes: list[Any] = [make[kind](x) for kind, x in leaves]
    for name, args, quiet in steps:
        operands = [x if kind == "constant" else nodes[-1 - x % len(nodes)] for kind, x in args]
        if quiet:
            with mg.no_grad():
                nodes.append(OPERATIONS[name](*operands))
        else:
            nodes.append(OPERATIONS[name](*operands))
    out = nodes[-1]
    for node in nodes[-5:-1]:  # later uses of earlier nodes: shared nodes, fan-out
        if out.requires_grad and node.requires_grad and len(steps) % 3:
            out = out + node * 0.75
    if not out.requires_grad:
        out = out + nodes[0] if nodes[0].requires_grad else out + mg.Value(1.0)
    seen: list[Any] = []
    for node in [*nodes, out]:
        seen.append((bits(node.data), node.requires_grad, node.op and node.op.name))
        seen.append(tuple(bits(x) if x.__class__ is float else "node" for x in node.inputs))
    for _ in range(2):
        out.backward(seed)
        seen.append([bits(node.grad) for node in [*nodes, out]])
    return seen


@settings(max_examples=400, deadline=None)
@given(programs())
def test_random_programs_give_the_references_bits(program):
    fast = run(program)
    with speed.reference_core():
        assert not speed.INSTALLED
        reference = run(program)
    assert fast == reference


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_op_at_every_edge_point_gives_the_references_bits(name):
    arity = REGISTRY[name].arity
    points = EDGE if arity == 1 else [0.0, -0.0, 1.0, -2.5, math.inf, -math.inf, math.nan]
    grids = [[p] for p in points]
    for _ in range(arity - 1):
        grids = [[*g, p] for g in grids for p in points]
    for grid in grids:
        leaves = [("Value", x) for x in grid]
        args = [("node", arity - 1 - i) for i in range(arity)]
        if name == "pow_const":
            args[1] = ("constant", grid[1])
        program = (leaves, [(name, args, False)], 1.0)
        fast = run(program)
        with speed.reference_core():
            reference = run(program)
        assert fast == reference, grid


def test_the_layer_is_installed_unless_minigrad_reference_is_set():
    code = "import minigrad as mg; print(mg.speed.INSTALLED, mg.Value.__mul__.__module__)"
    for env, expected in (
        ({}, "True minigrad.speed"),
        ({"MINIGRAD_REFERENCE": "1"}, "False minigrad.value"),
    ):
        done = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "MINIGRAD_REFERENCE": "0", **env},
        )
        assert done.stdout.split() == expected.split()


# --- the formulas the layer writes out, against the registry's -------------------------------


@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
@given(a=any_float, b=any_float, g=any_float)
def test_rules_written_out_match_the_registry_bit_for_bit(rule, a, b, g):
    x, y = mg.Value(a), mg.Value(b)
    out = OPERATIONS[rule.name](x, y)
    assert out.op is rule
    x.grad = y.grad = -0.0
    out.backward(g)
    expected = rule.backward(FLOATS, g, out.data, a, b)
    assert (bits(x.grad), bits(y.grad)) == (bits(expected[0]), bits(expected[1]))


@given(a=any_float, g=any_float)
def test_the_square_written_out_matches_the_registry_bit_for_bit(a, g):
    x = mg.Value(a)
    out = x**2
    assert out.op is POW_CONST
    x.grad = -0.0
    out.backward(g)
    assert bits(x.grad) == bits(POW_CONST.backward(FLOATS, g, out.data, a, 2.0)[0])


@pytest.mark.parametrize("make", [mg.Value, mg.Parameter])
@pytest.mark.parametrize("rule", [ADD, MUL, SUB], ids=lambda r: r.name)
@given(a=any_float, b=any_float)
def test_operators_compute_the_registrys_forward_bit_for_bit(make, rule, a, b):
    op = OPERATIONS[rule.name]
    expected = bits(rule.forward(a, b))
    assert bits(op(make(a), b).data) == expected
    assert bits(op(a, make(b)).data) == expected
    assert bits(op(make(a), make(b)).data) == expected


# --- the order: newest first, found without sorting --------------------------------------------


def test_a_wide_graph_uses_the_heap_and_keeps_the_references_order():
    # Shared nodes whose consumers are made in an order unlike a depth-first search's.
    x = mg.Value(0.7)
    hs = [mg.tanh(x * float(i)) for i in range(1, 6)]
    total = hs[0]
    for i, h in enumerate(hs[1:], 2):
        total = total + h * hs[-i] + hs[i % 5]
    expected = walk(total, 1.0, on_floats)
    assert [n.sequence for n in backward_order(total)] == sorted(
        (n.sequence for n in expected), reverse=True
    )
    total.backward()
    for node, g in expected.items():  # inner nodes' .grad starts at 0.0, leaves' at None
        assert bits(node.grad) == bits(g if node.op is None else 0.0 + g)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["mix", "one", "three", "add", "mul"]),
            st.lists(st.integers(0, 15), min_size=3, max_size=3),
        ),
        min_size=1,
        max_size=40,
    ),
    st.integers(1, 3),
)
def test_the_layer_visits_nodes_in_the_references_order(steps, n_leaves):
    # Ops whose backward writes down which node it is at: the order of visits shows, whatever
    # the numbers. The reference visits newest first (`backward_order`); so must the layer.
    visits: list[float] = []

    def log(out: float) -> None:
        visits.append(out)

    ops = {
        "mix": mg.Op(
            "mix", lambda a, b: a + 2.0 * b, lambda m, g, out, a, b: (log(out), g, 2.0 * g)[1:]
        ),
        "one": mg.Op("one", lambda a: 3.0 * a + 1.0, lambda m, g, out, a: (log(out), 3.0 * g)[1:]),
        "three": mg.Op(
            "three",
            lambda a, b, c: a - b + 0.5 * c,
            lambda m, g, out, a, b, c: (log(out), g, -g, 0.5 * g)[1:],
        ),
        "add": lambda a, b: a + b,
        "mul": lambda a, b: a * 0.5 * b,
    }
    nodes = [mg.Value(float(i) + 0.1) for i in range(n_leaves)]
    for name, picks in steps:
        arity = {"mix": 2, "one": 1, "three": 3, "add": 2, "mul": 2}[name]
        nodes.append(ops[name](*[nodes[-1 - p % len(nodes)] for p in picks[:arity]]))
    out = nodes[-1]
    for node in nodes[n_leaves:-1:3]:  # more consumers for earlier nodes
        out = ops["mix"](out, node)
    numbers = [n.data for n in nodes]
    if len(set(numbers)) < len(numbers):  # two nodes with one number: the log cannot tell
        return
    logged = [n.data for n in backward_order(out) if n.op is not None and n.op.check]
    out.backward()
    fast = list(visits)
    visits.clear()
    with speed.reference_core():
        out.backward()
    assert visits == logged
    assert fast == logged
