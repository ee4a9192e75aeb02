"""Every rule in the table: value and derivative against formulas written out here by hand,
then gradients against finite differences on random inputs and random programs."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.op import FLOATS as FLOAT_MATH
from minigrad.ops import REGISTRY
from minigrad.testing import OPERATIONS, programs, rule_inputs


def _sgn(x):
    return (x > 0) - (x < 0)


def _sig(x):
    return 1 / (1 + math.exp(-x))


# name -> (f, gradient of f as a tuple, points). Written independently of minigrad/ops.py.
CASES = {
    "add": (lambda a, b: a + b, lambda a, b: (1, 1), [(1.5, -2.0), (0.0, 3.0)]),
    "sub": (lambda a, b: a - b, lambda a, b: (1, -1), [(1.5, -2.0), (4.0, 4.0)]),
    "mul": (lambda a, b: a * b, lambda a, b: (b, a), [(1.5, -2.0), (0.0, 3.0)]),
    "div": (lambda a, b: a / b, lambda a, b: (1 / b, -a / b**2), [(1.5, -2.0), (3.0, 0.5)]),
    "neg": (lambda x: -x, lambda x: (-1,), [(2.0,), (-0.5,)]),
    "pow_const": (lambda x, c: x**c, lambda x, c: (c * x ** (c - 1), 0), [(1.5, 3.0), (2.0, -0.5)]),
    "pow": (
        lambda x, y: x**y,
        lambda x, y: (y * x ** (y - 1), x**y * math.log(x)),
        [(1.5, 3.0), (2.0, -0.5)],
    ),
    "exp": (math.exp, lambda x: (math.exp(x),), [(0.0,), (-1.5,), (2.0,)]),
    "log": (math.log, lambda x: (1 / x,), [(0.5,), (3.0,)]),
    "sqrt": (math.sqrt, lambda x: (0.5 / math.sqrt(x),), [(0.25,), (4.0,)]),
    "sin": (math.sin, lambda x: (math.cos(x),), [(0.3,), (-2.0,)]),
    "cos": (math.cos, lambda x: (-math.sin(x),), [(0.3,), (-2.0,)]),
    "tanh": (math.tanh, lambda x: (1 - math.tanh(x) ** 2,), [(0.3,), (-2.0,)]),
    "atan": (math.atan, lambda x: (1 / (1 + x * x),), [(0.3,), (-2.0,), (10.0,)]),
    "sigmoid": (_sig, lambda x: (_sig(x) * (1 - _sig(x)),), [(0.3,), (-2.0,)]),
    "relu": (lambda x: max(x, 0.0), lambda x: (float(x > 0),), [(0.3,), (-2.0,)]),
    "abs": (abs, lambda x: (_sgn(x),), [(0.3,), (-2.0,)]),
    "sign": (lambda x: float(_sgn(x)), lambda x: (0,), [(0.3,), (-2.0,)]),
    "maximum": (max, lambda a, b: (float(a > b), float(b > a)), [(1.0, 2.0), (3.0, -1.0)]),
    "minimum": (min, lambda a, b: (float(a < b), float(b < a)), [(1.0, 2.0), (3.0, -1.0)]),
    "clamp": (
        lambda x, lo, hi: min(max(x, lo), hi),
        lambda x, lo, hi: (float(lo < x < hi), float(x < lo), float(x > hi)),
        [(0.5, 0.0, 1.0), (-1.0, 0.0, 1.0), (2.0, 0.0, 1.0)],
    ),
    "clamp_min": (max, lambda x, lo: (float(x >= lo), float(x < lo)), [(0.5, 0.0), (-1.0, 0.0)]),
    "clamp_max": (min, lambda x, hi: (float(x <= hi), float(x > hi)), [(0.5, 1.0), (2.0, 1.0)]),
}


def test_every_rule_has_a_case_and_an_operation():
    assert set(CASES) == set(REGISTRY)
    assert set(OPERATIONS) == set(REGISTRY)


def _constant_positions(name, arity):
    # pow_const takes its exponent as a plain number; every other input is a Value.
    return {1} if name == "pow_const" else set()


@pytest.mark.parametrize("name", sorted(CASES))
def test_value_and_gradient_match_the_formula(name):
    f, df, points = CASES[name]
    for point in points:
        constants = _constant_positions(name, len(point))
        args = [x if i in constants else mg.Value(x) for i, x in enumerate(point)]
        out = OPERATIONS[name](*args)
        assert out.op is REGISTRY[name], "the operation reaches its own rule"
        assert out.data == pytest.approx(f(*point), rel=1e-12)
        out.backward()
        for i, expected in enumerate(df(*point)):
            if i not in constants:
                assert args[i].grad == pytest.approx(expected, rel=1e-12, abs=1e-15), (name, i)


@pytest.mark.parametrize("name", sorted(CASES))
def test_backward_returns_one_gradient_per_input(name):
    # The backward walk indexes the gradients by input position; it trusts this length.
    rule = REGISTRY[name]
    for point in CASES[name][2]:
        grads = rule.backward(FLOAT_MATH, 1.0, rule.forward(*point), *point)
        assert isinstance(grads, tuple) and len(grads) == rule.arity


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_agrees_with_the_rule_on_floats(name):
    f, _, points = CASES[name]
    for point in points:
        assert REGISTRY[name].forward(*point) == pytest.approx(f(*point), rel=1e-12)


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_gradients_match_finite_differences(name, data):
    rule = REGISTRY[name]
    point = data.draw(rule_inputs(rule))
    constants = _constant_positions(name, rule.arity)

    def f(*values):
        args = [point[i] if i in constants else v for i, v in enumerate(values)]
        return OPERATIONS[name](*args)

    assert mg.gradcheck(f, point)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_random_programs_match_finite_differences(case):
    program, point = case
    assert mg.gradcheck(program, point)


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_second_derivatives_match_finite_differences_of_grad(name, data):
    """create_graph runs the same backward formulas on Values: check d/dx of each gradient."""
    rule = REGISTRY[name]
    point = data.draw(rule_inputs(rule, low=-2.0, high=2.0))
    constants = _constant_positions(name, rule.arity)
    variable = [i for i in range(rule.arity) if i not in constants]

    for i in variable:

        def h(u, i=i):
            return OPERATIONS[name](*[u if j == i else x for j, x in enumerate(point)])

        # mg.grad(h) called with a Value differentiates on Values; gradcheck differentiates again.
        assert mg.gradcheck(mg.grad(h), [point[i]], atol=1e-4, rtol=1e-3)
