"""Tracing is sound: nothing computed at trace time is baked in, and nested transforms keep
their perturbations apart (issue 19's reproductions, with torch.func's answers).

A compiled function must equal ``mg.value_and_grad`` at every later call, also after a
Parameter it reads changed, also at points on the other side of a kink; where it cannot (a
backward formula that branches on a number, traced under ``mg.compile(mg.grad(f))``), it raises
TracingError that says what to do. A transform nested in another differentiates with respect to
its own arguments, whatever the outer function shares with it.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import modes
from minigrad.testing import OPERATIONS

# --- 1. a sub-expression of free Parameters is computed at each call ---------------------------


@pytest.mark.parametrize(
    ("inner", "numbers"),
    [
        (lambda p: p * 2.0, (3.0, 5.0)),
        (lambda p: mg.exp(p), (7.0, 0.0)),
        (lambda p: mg.tanh(p * p) + p, (0.5, -2.0)),
    ],
)
def test_a_parameter_expression_is_read_at_each_call(
    inner: Any, numbers: tuple[float, ...]
) -> None:
    p = mg.Parameter(numbers[0])
    f = lambda x: x * inner(p)  # noqa: E731
    compiled = mg.compile(f)
    assert compiled(1.0) == mg.value_and_grad(f)(1.0)
    for number in numbers[1:]:
        p.data = number
        assert compiled(1.0) == mg.value_and_grad(f)(1.0)
        assert compiled(-3.0) == mg.value_and_grad(f)(-3.0)


def test_issue_19_reproduction_1() -> None:
    p = mg.Parameter(3.0)
    c = mg.compile(lambda x: x * (p * 2.0))
    assert c(1.0) == (6.0, 6.0)
    p.data = 5.0
    assert c(1.0) == (10.0, 10.0)


# --- 2. a gradient's branch is never baked in -------------------------------------------------


def test_issue_19_reproduction_2_is_a_tracing_error_that_says_what_to_do() -> None:
    c = mg.compile(mg.grad(lambda x: mg.relu(x) * x))
    with pytest.raises(mg.TracingError, match=r"Compile f itself: mg\.compile\(f\)"):
        c(1.0)
    # What the message proposes gives the right numbers on both sides of the kink.
    assert mg.value_and_grad(mg.grad(lambda x: mg.relu(x) * x))(-1.0) == (0.0, 0.0)
    assert mg.value_and_grad(mg.grad(lambda x: mg.relu(x) * x))(1.0) == (2.0, 2.0)
    step = mg.compile(lambda x: mg.relu(x) * x)
    assert step(1.0) == (1.0, 2.0)
    assert step(-1.0) == (-0.0, 0.0)


@pytest.mark.parametrize(
    "f",
    [
        lambda x: mg.maximum(x, x * x),
        lambda x: mg.clamp(x, -0.5, 0.5) * x,
        lambda x: x ** mg.Value(2.0) * x,  # pow: a Value exponent
    ],
)
def test_every_branching_formula_refuses_to_be_traced_as_a_gradient(f: Any) -> None:
    with pytest.raises(mg.TracingError, match="backward formula"):
        mg.compile(mg.grad(f))(0.25)


def test_a_user_op_that_branches_in_its_backward_refuses_too() -> None:
    step = mg.Op(
        "heaviside_ramp",
        forward=lambda x: max(x, 0.0),
        backward=lambda m, g, out, x: (g if m.data(x) > 0.0 else 0.0 * g,),
    )
    with pytest.raises(mg.TracingError, match="backward formula"):
        mg.compile(mg.grad(lambda x: step(x) * x))(1.0)
    compiled = mg.compile(lambda x: step(x) * x)  # compile(f) calls the backward at run time
    assert compiled(2.0) == (4.0, 4.0)
    assert compiled(-2.0) == (-0.0, 0.0)


SMOOTH = ["add", "sub", "mul", "div", "sin", "cos", "tanh", "exp", "sigmoid", "atan", "abs"]
KINKED = ["relu", "maximum", "minimum", "clamp_min"]


@st.composite
def programs(draw: st.DrawFn, names: list[str]) -> Any:
    steps = draw(
        st.lists(
            st.tuples(st.sampled_from(names), st.integers(0, 40), st.integers(0, 40)),
            min_size=1,
            max_size=7,
        )
    )

    def f(a: Any, b: Any) -> Any:
        nodes = [a, b, a * b]
        for name, i, j in steps:
            x, y = nodes[i % len(nodes)], nodes[j % len(nodes)]
            op = OPERATIONS[name]
            if name == "clamp_min":
                nodes.append(op(x, 0.25))
            elif name in ("add", "sub", "mul", "div", "maximum", "minimum"):
                nodes.append(op(x, y))
            else:
                nodes.append(op(x))
        return nodes[-1] * a + nodes[-2]

    return f, {name for name, _, _ in steps}


def bits(x: float) -> tuple[Any, ...]:
    return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))


POINT = st.floats(-2, 2)


def assert_agrees_at(compiled: Any, f: Any, xs: list[float]) -> None:
    """compiled(a, b) == mg.value_and_grad(f, (0, 1))(a, b), bit for bit, at each pair of xs."""
    for a, b in zip(xs[::2], xs[1::2], strict=True):
        got, want = compiled(a, b), mg.value_and_grad(f, (0, 1))(a, b)
        assert bits(got[0]) == bits(want[0])
        assert [bits(g) for g in got[1]] == [bits(g) for g in want[1]]


@settings(max_examples=60, deadline=None)
@given(programs(SMOOTH + KINKED), st.lists(POINT, min_size=6, max_size=6))
def test_compile_of_f_traced_once_agrees_at_other_points_kinks_included(
    case: Any, xs: list[float]
) -> None:
    f, _ = case
    assert_agrees_at(mg.compile(f, argnums=(0, 1)), f, xs)


@settings(max_examples=60, deadline=None)
@given(programs(SMOOTH + KINKED), st.lists(POINT, min_size=6, max_size=6))
def test_compile_of_a_gradient_agrees_at_other_points_or_refuses(
    case: Any, xs: list[float]
) -> None:
    f, used = case
    df = mg.grad(f, argnums=0)
    compiled = mg.compile(df, argnums=(0, 1))
    try:
        compiled(xs[0], xs[1])
    except mg.TracingError as error:  # only where a kinked op's backward is on the way
        assert used & set(KINKED), error
        assert "backward formula" in str(error)
        return
    assert_agrees_at(compiled, df, xs)


# --- 3. an inner transform called with numbers keeps the outer Values it closes over ----------


def test_issue_19_reproduction_3() -> None:
    # d/dw [w·0 + ∂/∂x (w·x·x) at x = 3] = d/dw 6w = 6 (torch.func: 6.0)
    assert mg.value_and_grad(lambda w: w * 0 + mg.grad(lambda x: w * x * x)(3.0))(2.0) == (
        12.0,
        6.0,
    )

    def fun(x: Any) -> Any:
        return x * mg.grad(lambda y: x * y)(2.0)  # x · x

    assert mg.grad(fun)(1.0) == 2.0  # torch.func and HIPS autograd: 2.0


def test_an_inner_transform_inside_a_trace_reads_parameters_at_each_call() -> None:
    p = mg.Parameter(2.0)
    f = lambda x: x * mg.grad(lambda y: p * y * y)(3.0)  # noqa: E731  # x · 6p
    compiled = mg.compile(f)
    assert compiled(1.0) == mg.value_and_grad(f)(1.0) == (12.0, 12.0)
    p.data = -1.0
    assert compiled(1.0) == mg.value_and_grad(f)(1.0) == (-6.0, -6.0)


# --- 4. no perturbation confusion -------------------------------------------------------------


def test_issue_19_reproduction_4() -> None:
    # The inner derivative is with respect to a alone: x (torch.func: (3.0, 1.0)).
    assert mg.value_and_grad(lambda x: mg.grad(lambda a: a * x)(x))(3.0) == (3.0, 1.0)
    x = mg.Value(3.0)
    partials = mg.grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)
    assert [p.data for p in partials] == [9.0, 18.0]  # b², 2ab: not d(x³)/dx twice


def test_the_same_value_twice_gives_each_partial_and_stays_differentiable() -> None:
    x = mg.Value(3.0)
    da, db = mg.grad(lambda a, b: a * b * b, argnums=(0, 1))(x, x)
    (da + db).backward()  # d/dx (x² + 2x²) = 6x
    assert x.grad == 18.0


def test_forward_mode_keeps_perturbations_apart() -> None:
    # d/dx of [d/da (a·x) along 1] = d/dx x = 1
    def inner(x: Any) -> Any:
        return mg.jvp(lambda a: a * x, (x,), (1.0,))[1]

    assert mg.jvp(inner, (3.0,), (1.0,)) == (3.0, 1.0)
    assert mg.value_and_grad(inner)(3.0) == (3.0, 1.0)


def test_the_nested_second_derivative_is_unchanged() -> None:
    f = lambda x: x**3  # noqa: E731
    assert mg.grad(mg.grad(f))(2.0) == 12.0
    assert mg.grad(mg.grad(mg.grad(f)))(2.0) == 6.0
    assert mg.hessian(lambda a, b: a * a * b, argnums=(0, 1))(1.0, 2.0) == (
        (4.0, 2.0),
        (2.0, 0.0),
    )


def test_an_inner_transform_runs_no_hook_of_the_outer_graph() -> None:
    seen: list[float] = []
    x = mg.Value(3.0)
    y = x * x
    y.register_hook(lambda g: seen.append(g.data if isinstance(g, mg.Value) else g))
    # ∂/∂a (a·y) = y, a float at the top level: nothing flows into y's graph.
    assert mg.grad(lambda a: a * y)(2.0) == 9.0
    assert seen == []
    # Nested (in value_and_grad over x's number), the same: y's hook is not this walk's.
    assert mg.grad(lambda a: a * y)(mg.Value(2.0)).data == 9.0
    assert seen == []
    (y * 2.0).backward()
    assert seen == [2.0]


def test_the_transform_level_is_restored_after_an_error() -> None:
    def broken(x: Any) -> Any:
        raise ValueError("inside")

    with pytest.raises(ValueError, match="inside"):
        mg.grad(broken)(1.0)
    assert modes.state.transforms == 0
    assert mg.grad(lambda x: x * x)(3.0) == 6.0  # a float again: not nested


# --- 5. keyword arguments whose names the generated code renames ------------------------------


def test_issue_19_reproduction_5() -> None:
    def f(x1: Any, x0: Any) -> Any:
        return x1 * 10.0 + x0

    c = mg.compile(f, argnums=(0, 1))
    assert c(x1=1.0, x0=2.0) == (12.0, (10.0, 1.0))
    assert c(x1=1.0, x0=2.0) == (12.0, (10.0, 1.0))
    assert c(1.0, 2.0) == (12.0, (10.0, 1.0))
    assert c(x0=2.0, x1=1.0) == (12.0, (10.0, 1.0))

    def g(t0: Any, g_a: Any) -> Any:
        return t0 * 10.0 + g_a

    c = mg.compile(g, argnums=(0, 1))
    assert c(t0=1.0, g_a=2.0) == (12.0, (10.0, 1.0))
    assert c(t0=1.0, g_a=2.0) == (12.0, (10.0, 1.0))


# --- what else a trace refuses ------------------------------------------------------------------


def test_a_plain_backward_inside_the_traced_function_is_refused() -> None:
    def f(x: Any) -> Any:
        y = x * x
        y.backward()
        return x * x.grad

    with pytest.raises(mg.TracingError, match="backward"):
        mg.compile(f)(3.0)
    assert mg.value_and_grad(f)(3.0)[0] == 18.0  # without compile it runs


def test_tracing_error_is_the_tracers() -> None:
    from minigrad.compiler import TracingError
    from minigrad.tracing import TracingError as Moved

    assert TracingError is Moved is mg.TracingError
    assert issubclass(mg.TracingError, TypeError)


def test_a_trace_leaves_no_state_behind() -> None:
    with pytest.raises(mg.TracingError):
        mg.compile(lambda x: x if x > 0 else -x)(1.0)
    assert modes.state.trace is None
    assert modes.state.plain
    assert (mg.Value(2.0) * 3.0).item() == 6.0


# --- 6. a loss's target among the traced arguments -------------------------------------------


def test_issue_19_reproduction_6_binary_cross_entropy_with_logits() -> None:
    f = lambda w, x, y: mg.binary_cross_entropy_with_logits(w * x, y)  # noqa: E731
    compiled = mg.compile(f)
    assert compiled(0.5, 2.0, 1.0) == mg.value_and_grad(f)(0.5, 2.0, 1.0)
    assert compiled(-1.5, 0.5, 0.0) == mg.value_and_grad(f)(-1.5, 0.5, 0.0)
    value, grad = compiled(0.5, 2.0, 1.0)
    assert value == pytest.approx(math.log1p(math.exp(-1.0)), rel=1e-15)
    assert grad == pytest.approx((1.0 / (1.0 + math.exp(-1.0)) - 1.0) * 2.0, rel=1e-15)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("pos_weight", [None, [2.0, 0.5, 1.0]])
def test_a_target_that_requires_grad_gets_pytorchs_target_gradient(
    reduction: str, pos_weight: Any
) -> None:
    xs, ys = [0.7, -1.2, 3.0], [0.4, 1.0, 0.0]

    def loss(*v: Any) -> Any:
        out = mg.binary_cross_entropy_with_logits(
            list(v[:3]), list(v[3:]), reduction=reduction, pos_weight=pos_weight
        )
        return sum(out) if reduction == "none" else out

    grads = mg.grad(loss, argnums=(3, 4, 5))(*xs, *ys)
    n = len(xs) if reduction == "mean" else 1
    for i, (x, got) in enumerate(zip(xs, grads, strict=True)):
        w = 1.0 if pos_weight is None else pos_weight[i]
        log_sigmoid = min(x, 0.0) - math.log1p(math.exp(-abs(x)))
        assert got == pytest.approx((-x - (w - 1.0) * log_sigmoid) / n, rel=1e-14)
    assert mg.gradcheck(loss, (*xs, *ys))


def test_a_target_value_that_requires_no_grad_is_a_constant() -> None:
    x = mg.Value(0.5)
    y = mg.Value(1.0, requires_grad=False)
    loss = mg.binary_cross_entropy_with_logits(x, y)
    assert loss.data == mg.binary_cross_entropy_with_logits(0.5, 1.0).data
    loss.backward()
    assert x.grad == 1.0 / (1.0 + math.exp(-0.5)) - 1.0
    assert y.grad is None  # a constant: no gradient reaches it
