"""jvp, vjp, jacfwd, jacrev, hessian, hvp: against finite differences, against each other
(forward and reverse mode are different walks over the same registry formulas), composed with
grad, and their errors."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.testing import programs, smooth_floats, tangents


def close(a, b, rel=1e-12, abs_=1e-12):
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def central(f, point, direction, h=1e-6):
    plus = [x + h * t for x, t in zip(point, direction, strict=True)]
    minus = [x - h * t for x, t in zip(point, direction, strict=True)]
    with mg.no_grad():
        return (float(f(*plus)) - float(f(*minus))) / (2 * h)


@settings(max_examples=150, deadline=None)
@given(programs(), tangents(3))
def test_jvp_is_the_directional_derivative(case, direction):
    program, point = case
    direction = direction[: len(point)]
    value, tangent = mg.jvp(program, point, direction)
    assert value == mg.value_and_grad(program, tuple(range(len(point))))(*point)[0]
    # Forward mode against reverse mode: J·t = ∇f·t, two walks over the same formulas.
    gradient = mg.grad(program, argnums=tuple(range(len(point))))(*point)
    dot = math.fsum(g * t for g, t in zip(gradient, direction, strict=True))
    assert close(tangent, dot, rel=1e-11, abs_=1e-11), (tangent, dot)
    # And against central differences.
    numeric = central(program, point, direction)
    assert abs(tangent - numeric) <= 1e-4 + 1e-3 * abs(numeric), (tangent, numeric)


@settings(max_examples=100, deadline=None)
@given(programs(max_inputs=3))
def test_jacfwd_equals_jacrev_for_several_outputs(case):
    program, point = case

    def two_outputs(*xs):
        y = program(*xs)
        return y, mg.sin(y) * xs[-1]

    argnums = tuple(range(len(point)))
    forward = mg.jacfwd(two_outputs, argnums)(*point)
    reverse = mg.jacrev(two_outputs, argnums)(*point)
    for row_f, row_r in zip(forward, reverse, strict=True):
        for a, b in zip(row_f, row_r, strict=True):
            assert close(a, b, rel=1e-11, abs_=1e-11), (forward, reverse)


def rosenbrock(a, b):
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2


def test_hessian_of_rosenbrock_by_hand():
    a, b = 0.5, -1.5
    expected = ((2 - 400 * (b - a * a) + 800 * a * a, -400 * a), (-400 * a, 200.0))
    got = mg.hessian(rosenbrock, argnums=(0, 1))(a, b)
    for row, want in zip(got, expected, strict=True):
        assert row == pytest.approx(want, rel=1e-14)


@settings(max_examples=80, deadline=None)
@given(programs(max_inputs=2))
def test_hessian_is_symmetric_and_equals_reverse_over_reverse(case):
    program, point = case
    n = len(point)
    argnums = tuple(range(n))
    h = mg.hessian(program, argnums)(*point)  # forward over reverse
    rr = mg.jacrev(mg.grad(program, argnums), argnums)(*point)  # reverse over reverse
    for i in range(n):
        for j in range(n):
            assert close(h[i][j], rr[i][j], rel=1e-10, abs_=1e-10), (i, j, h, rr)
            assert close(h[i][j], h[j][i], rel=1e-10, abs_=1e-10)


@settings(max_examples=60, deadline=None)
@given(programs(max_inputs=3), st.data())
def test_hvp_is_the_hessian_times_the_vector(case, data):
    program, point = case
    v = [data.draw(smooth_floats(-1.0, 1.0)) for _ in point]
    h = mg.hessian(program, tuple(range(len(point))))(*point)
    product = mg.hvp(program, point, v)
    for row, got in zip(h, product, strict=True):
        want = math.fsum(a * b for a, b in zip(row, v, strict=True))
        assert close(got, want, rel=1e-10, abs_=1e-10), (got, want)


def test_one_output_and_one_argument_give_plain_numbers():
    f = lambda x: x**3  # noqa: E731
    assert mg.jacfwd(f)(2.0) == mg.jacrev(f)(2.0) == mg.jacobian(f)(2.0) == 12.0
    assert mg.hessian(f)(2.0) == 12.0
    assert mg.jvp(f, (2.0,), (1.0,)) == (8.0, 12.0)
    assert mg.jacrev(lambda x, y: x * y, argnums=(0, 1))(2.0, 3.0) == (3.0, 2.0)
    assert mg.jacrev(lambda x: (x, x * x))(3.0) == (1.0, 6.0)


def test_vjp_of_several_outputs_and_its_reuse():
    value, pullback = mg.vjp(lambda x, y: (x * y, mg.sin(x) + y), 2.0, 3.0)
    assert value == (6.0, math.sin(2.0) + 3.0)
    assert pullback((1.0, 0.0)) == (3.0, 2.0)
    assert pullback((0.0, 1.0)) == (math.cos(2.0), 1.0)
    assert pullback((2.0, 1.0)) == (6.0 + math.cos(2.0), 5.0)
    single, pullback = mg.vjp(lambda x: x * x, 3.0)
    assert (single, pullback(1.0), pullback(0.5)) == (9.0, (6.0,), (3.0,))


def test_constant_outputs_and_unreached_arguments_have_zero_derivatives():
    assert mg.jvp(lambda x, y: (x * 2.0, 5.0), (1.0, 2.0), (1.0, 1.0)) == ((2.0, 5.0), (2.0, 0.0))
    assert mg.jacfwd(lambda x, y: x, argnums=(0, 1))(1.0, 2.0) == (1.0, 0.0)
    assert mg.hessian(lambda x: x * 3.0)(1.0) == 0.0


def test_non_finite_tangents_propagate_as_ieee_numbers():
    value, tangent = mg.jvp(lambda x: x * 2.0, (1.0,), (math.inf,))
    assert (value, tangent) == (2.0, math.inf)
    assert math.isnan(mg.jvp(lambda x: x * 2.0, (1.0,), (math.nan,))[1])
    # A zero partial times an infinite tangent is nan, as in IEEE (and PyTorch's forward AD).
    assert math.isnan(mg.jvp(lambda x: mg.relu(x), (-1.0,), (math.inf,))[1])


# --- composition ---------------------------------------------------------------------------------


def test_forward_over_reverse_and_reverse_over_forward_agree():
    f = lambda x: mg.sin(x) * x**3  # noqa: E731
    x = 0.7
    second = -math.sin(x) * x**3 + 6 * math.cos(x) * x**2 + 6 * math.sin(x) * x
    assert close(mg.jacfwd(mg.grad(f))(x), second)
    assert close(mg.grad(lambda t: mg.jvp(f, (t,), (1.0,))[1])(x), second)
    assert close(mg.jacrev(mg.jacrev(f))(x), second)
    assert close(mg.jacfwd(mg.jacfwd(f))(x), second)
    assert close(mg.grad(mg.grad(f))(x), second)


def test_transforms_work_on_user_ops():
    class Cube(mg.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_values
            return grad * 3.0 * x * x

    softplus = mg.Op(
        "softplus_transforms",
        lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
        lambda m, g, out, x: (g * m.sigmoid(x),),
    )
    assert mg.jvp(Cube.apply, (2.0,), (1.0,)) == (8.0, 12.0)
    assert mg.hessian(Cube.apply)(2.0) == 12.0
    s = 1 / (1 + math.exp(-0.3))
    assert close(mg.jvp(softplus, (0.3,), (2.0,))[1], 2 * s)
    assert close(mg.hessian(softplus)(0.3), s * (1 - s))


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mg.jvp(3.0, (1.0,), (1.0,)), TypeError, "f must be a function"),
        (lambda: mg.jvp(lambda x: x, 1.0, (1.0,)), TypeError, "primals must be a tuple or list"),
        (lambda: mg.jvp(lambda x: x, (1.0,), 1.0), TypeError, "tangents must be a tuple or list"),
        (lambda: mg.jvp(lambda x: x, (1.0, 2.0), (1.0,)), ValueError, "2 primal.*1 tangent"),
        (lambda: mg.jvp(lambda: 1.0, (), ()), ValueError, "primals is empty"),
        (lambda: mg.jvp(lambda x: x, (1.0,), ("a",)), TypeError, "tangent 0 must be a real"),
        (lambda: mg.jvp(lambda x: x, ("a",), (1.0,)), TypeError, "argument 0 must be a real"),
        (lambda: mg.jvp(lambda x: "no", (1.0,), (1.0,)), TypeError, "must return Values or num"),
        (lambda: mg.jvp(lambda x: (), (1.0,), (1.0,)), TypeError, "returned an empty tuple"),
        (lambda: mg.jvp(lambda x, y: x, (1.0,), (1.0,)), TypeError, "missing 1 required"),
        (lambda: mg.vjp(lambda x: x), ValueError, "give the point"),
        (lambda: mg.vjp(lambda x: (x, x), 1.0)[1]((1.0,)), ValueError, "2 output.*has 1"),
        (lambda: mg.vjp(lambda x: x, 1.0)[1]("a"), TypeError, "cotangent 0 must be a real"),
        (lambda: mg.jacrev(lambda x: x, argnums="0"), TypeError, "argnums must be"),
        (lambda: mg.jacfwd(lambda x: x, argnums=(0, 0)), ValueError, "must not repeat"),
        (lambda: mg.jacfwd(lambda x: x, argnums=3)(1.0), ValueError, "asks for argument 3"),
        (lambda: mg.hessian(lambda x: (x, x))(1.0), TypeError, "single Value"),
        (lambda: mg.jacrev(lambda x: [x, None])(1.0), TypeError, "got NoneType None"),
    ],
)
def test_errors_say_what_was_given(call, error, message):
    with pytest.raises(error, match=message):
        call()
