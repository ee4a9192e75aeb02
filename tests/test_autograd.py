"""grad, value_and_grad, and higher-order derivatives (create_graph and nested grad)."""

import math

import pytest

import minigrad as mg


def f_seed(x):
    return (x - 1) ** 2 / 10


def test_grad_replaces_the_seeds_hand_written_derivative():
    df = mg.grad(f_seed)
    for x in [10.0, 3.5, 1.0, -2.0]:
        assert df(x) == pytest.approx(1 / 5 * (x - 1), rel=1e-15)
        assert type(df(x)) is float


def test_value_and_grad_returns_floats():
    value, gradient = mg.value_and_grad(f_seed)(10)
    assert (value, gradient) == (pytest.approx(8.1), pytest.approx(1.8))
    assert type(value) is float and type(gradient) is float


def test_argnums_tuple_and_negative_and_untouched_arguments():
    def f(a, b, x):
        return a * x + b

    assert mg.grad(f, argnums=(0, 1))(2.0, 3.0, 5.0) == (5.0, 1.0)
    assert mg.grad(f, argnums=-1)(2.0, 3.0, 5.0) == 2.0
    assert mg.grad(f, argnums=(2,))(2.0, 3.0, 5.0) == (2.0,)


def test_argument_the_function_ignores_gets_zero():
    assert mg.grad(lambda a, b: a * 2, argnums=(0, 1))(1.0, 1.0) == (2.0, 0.0)
    assert mg.grad(lambda a: mg.Value(3.0, requires_grad=False))(1.0) == 0.0


def test_grad_leaves_dot_grad_untouched():
    w = mg.Value(2.0)
    mg.grad(lambda x: x * w)(3.0)
    assert w.grad is None


def test_grad_works_inside_no_grad():
    with mg.no_grad():
        assert mg.grad(lambda x: x * x)(3.0) == 6.0


@pytest.mark.parametrize("bad", [None, "x", [1.0], (mg.Value(1.0), mg.Value(2.0))])
def test_non_value_return_raises_type_error_saying_what_to_return(bad):
    with pytest.raises(TypeError, match="must return a single Value"):
        mg.grad(lambda x: bad)(1.0)


@pytest.mark.parametrize("argnums", [1.5, "0", (), True, [0, "1"]])
def test_bad_argnums(argnums):
    with pytest.raises(TypeError, match="argnums"):
        mg.grad(f_seed, argnums=argnums)


def test_repeated_argnums_are_rejected():
    with pytest.raises(ValueError, match="repeat"):
        mg.value_and_grad(lambda a: a * a, argnums=(0, 0))
    # 0 and -2 are the same argument of a two-argument call
    with pytest.raises(ValueError, match="same argument twice"):
        mg.grad(lambda a, b: a * b, argnums=(0, -2))(3.0, 4.0)


def test_argnums_out_of_range():
    with pytest.raises(ValueError, match="argument 3"):
        mg.grad(f_seed, argnums=3)(1.0)


def test_bad_argument_value():
    with pytest.raises(TypeError, match="argument 0"):
        mg.grad(f_seed)("1.0")


# --- higher order -------------------------------------------------------------------------------


def test_create_graph_makes_grad_a_differentiable_value():
    x = mg.Value(2.0)
    y = x**3
    y.backward(create_graph=True)
    assert isinstance(x.grad, mg.Value)
    assert x.grad.data == 12.0  # 3x²
    g = x.grad
    x.grad = 0.0
    g.backward()
    assert x.grad == 12.0  # 6x


def test_create_graph_accumulates_like_pytorch():
    x = mg.Value(2.0)
    (x * x).backward(create_graph=True)
    (x * x).backward(create_graph=True)
    assert x.grad.data == 8.0


@pytest.mark.parametrize(
    ("f", "derivatives"),
    [
        (lambda x: x**3, lambda x: (3 * x**2, 6 * x, 6.0)),
        (mg.exp, lambda x: (math.exp(x),) * 3),
        (mg.sin, lambda x: (math.cos(x), -math.sin(x), -math.cos(x))),
        (mg.log, lambda x: (1 / x, -1 / x**2, 2 / x**3)),
        (mg.sqrt, lambda x: (0.5 * x**-0.5, -0.25 * x**-1.5, 0.375 * x**-2.5)),
        (
            mg.tanh,
            lambda x: (
                1 - math.tanh(x) ** 2,
                -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
                (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2),
            ),
        ),
        (lambda x: 1 / x, lambda x: (-(x**-2), 2 * x**-3, -6 * x**-4)),
        (lambda x: 2**x, lambda x: tuple(2**x * math.log(2) ** k for k in (1, 2, 3))),
    ],
)
def test_nested_grad_three_levels_matches_hand_derivatives(f, derivatives):
    d1 = mg.grad(f)
    d2 = mg.grad(d1)
    d3 = mg.grad(d2)
    for x in [0.7, 1.3, 2.1]:
        expected = derivatives(x)
        assert d1(x) == pytest.approx(expected[0], rel=1e-9)
        assert d2(x) == pytest.approx(expected[1], rel=1e-9)
        assert d3(x) == pytest.approx(expected[2], rel=1e-9)


def test_nested_grad_with_two_variables_mixed_partial():
    # f = x²y³: ∂²f/∂x∂y = 6xy²
    def f(x, y):
        return x**2 * y**3

    def dfdx(x, y):
        return mg.grad(f, argnums=0)(x, y)

    d2 = mg.grad(dfdx, argnums=1)
    assert d2(1.5, 2.0) == pytest.approx(6 * 1.5 * 2.0**2, rel=1e-12)


def test_hessian_vector_style_double_backward():
    # g(x) = sum of x_i² * x_j, with gradient as Values, then backward through the gradient norm.
    a, b = mg.Value(1.0), mg.Value(2.0)
    loss = a * a * b
    loss.backward(create_graph=True)
    ga, gb = a.grad, b.grad  # 2ab, a²
    a.grad = b.grad = 0.0
    (ga * ga + gb * gb).backward()
    # d/da (4a²b² + a⁴) = 8ab² + 4a³; d/db = 8a²b
    assert a.grad == pytest.approx(8 * 1 * 4 + 4)
    assert b.grad == pytest.approx(8 * 1 * 2)
