"""One conversion, one error contract: every route by which a user's number enters minigrad
accepts the same numbers and refuses the rest the same way.

An int too large for a float64 is a ValueError; a non-number is a TypeError whose message says
what was given and what is accepted; a numpy real scalar or 0-d array is taken as the float it
holds, and what comes out is the same as for that float."""

import math

import pytest

import minigrad as mg
from minigrad.ops import REGISTRY

TOO_LARGE = 10**400

NON_NUMBERS = {"str": "2.0", "None": None, "complex": 1 + 2j, "list": [1.0]}


def _v():
    return mg.Value(0.5)


def _backward(number, create_graph=False):
    x = _v()
    (x * 2.0).backward(number, create_graph=create_graph)
    return x.grad


def _softplus():
    return mg.Op(
        "softplus",
        forward=lambda x: math.log1p(math.exp(x)),
        backward=lambda m, g, out, x: (g * m.sigmoid(x),),
    )


def _op_forward_returns(number):
    # A user's op whose forward returns the number.
    returns = mg.Op("returns", forward=lambda x: number, backward=lambda m, g, out, x: (g,))
    return returns(_v())


def _compiled_op_forward_returns(number):
    # The same, in compiled code: traced where the forward returns a float, then run where it
    # returns the number.
    returns = mg.Op(
        "returns",
        forward=lambda x: number if x > 1.0 else x,
        backward=lambda m, g, out, x: (g,),
    )
    compiled = mg.compile(lambda x: returns(x))
    compiled(0.5)
    return compiled(2.0)


def _op_backward_returns(number, create_graph=False):
    # A user's op whose backward returns the number as the gradient.
    returns = mg.Op("returns", forward=lambda x: 2.0 * x, backward=lambda m, g, out, x: (number,))
    x = _v()
    returns(x).backward(create_graph=create_graph)
    return x.grad


def _function_backward_returns(number):
    class Returns(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0 * x

        @staticmethod
        def backward(ctx, grad):
            return number

    x = _v()
    Returns.apply(x).backward()
    return x.grad


def _function_input(number):
    class Double(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0 * x

        @staticmethod
        def backward(ctx, grad):
            return 2.0 * grad

    return Double.apply(number)


def _compile_later(f, *warm_up):
    compiled = mg.compile(f)
    compiled(*warm_up)  # traced: later calls run the generated code, which converts on its own
    return compiled


OPERATORS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def _operator_routes():
    routes = {}
    for symbol, operator in OPERATORS.items():
        routes[f"Value {symbol} number"] = lambda n, op=operator: op(_v(), n)
        routes[f"number {symbol} Value"] = lambda n, op=operator: op(n, _v())
    return routes


def _registry_routes():
    # Each op with the number at each input; the other inputs Values, or plain floats.
    routes = {}
    for name, op in REGISTRY.items():
        for i in range(op.arity):

            def with_values(n, op=op, i=i):
                return op(*[n if j == i else _v() for j in range(op.arity)])

            def with_floats(n, op=op, i=i):
                return op(*[n if j == i else 0.5 for j in range(op.arity)])

            routes[f"{name} input {i}"] = with_values
            routes[f"{name} input {i}, others floats"] = with_floats
    return routes


ROUTES = {
    "Value()": lambda n: mg.Value(n),
    "Value(requires_grad=False)": lambda n: mg.Value(n, requires_grad=False),
    "Parameter()": lambda n: mg.Parameter(n, name="p"),
    **_operator_routes(),
    **_registry_routes(),
    "mg.clamp x": lambda n: mg.clamp(n, 0.0, 1.0),
    "mg.clamp lo": lambda n: mg.clamp(_v(), n, 1.0),
    "mg.clamp hi": lambda n: mg.clamp(_v(), 0.0, n),
    "mg.clamp lo only": lambda n: mg.clamp(_v(), lo=n),
    "mg.clamp hi only": lambda n: mg.clamp(_v(), hi=n),
    "mg.grad argument": lambda n: mg.grad(lambda x: x * x)(n),
    "mg.grad argument, nested": lambda n: mg.grad(mg.grad(lambda x: x * x * x))(n),
    "mg.grad argument not differentiated": lambda n: mg.grad(lambda x, y: x * y)(0.5, n),
    "mg.value_and_grad argument": lambda n: mg.value_and_grad(lambda x: x * x)(n),
    "mg.value_and_grad argnums tuple": (
        lambda n: mg.value_and_grad(lambda x, y: x * y, argnums=(0, 1))(0.5, n)
    ),
    "mg.compile argument, first call": lambda n: mg.compile(lambda x: x * x)(n),
    "mg.compile argument, keyword": lambda n: mg.compile(lambda x, y: x * y)(0.5, y=n),
    "mg.compile argument, later call": lambda n: _compile_later(lambda x: x * x, 1.0)(n),
    "mg.compile argument not differentiated, later call": (
        lambda n: _compile_later(lambda x, y, z: x * y + z, 1.0, 2.0, 3.0)(1.0, 2.0, n)
    ),
    "mg.gradcheck input": lambda n: mg.gradcheck(lambda x: x * x, [n]),
    "mg.gradcheck second input": lambda n: mg.gradcheck(lambda x, y: x * y, [0.5, n]),
    "Value.backward(grad)": _backward,
    "Value.backward(grad, create_graph=True)": lambda n: _backward(n, create_graph=True),
    "user Op input": lambda n: _softplus()(n),
    "user Op input, beside a Value": (
        lambda n: mg.Op("two", lambda a, b: a * b, lambda m, g, out, a, b: (g * b, g * a))(_v(), n)
    ),
    "user Op forward returns": _op_forward_returns,
    "user Op forward returns, compiled": _compiled_op_forward_returns,
    "user Op backward returns": _op_backward_returns,
    "user Op backward returns, create_graph": lambda n: _op_backward_returns(n, True),
    "user Function input": _function_input,
    "user Function backward returns": _function_backward_returns,
    # minigrad/numbers.py names these places too: "an optimizer's hyper-parameter", a loss.
    "mg.SGD lr": lambda n: mg.SGD([mg.Parameter(1.0)], lr=n).param_groups[0]["lr"],
    "mg.Adam lr": lambda n: mg.Adam([mg.Parameter(1.0)], lr=n).param_groups[0]["lr"],
    "mg.mse_loss target": lambda n: mg.mse_loss(_v(), n),
    "mg.huber_loss delta": lambda n: mg.huber_loss(_v(), 0.0, delta=n),
}

# Where a non-number has a meaning of its own, it is not a mistake there.
MEANINGFUL = {
    ("mg.clamp lo", "None"),  # no lower bound
    ("mg.clamp hi", "None"),  # no upper bound
    ("mg.clamp lo only", "None"),  # both None: a ValueError of its own
    ("mg.clamp hi only", "None"),
    ("mg.mse_loss target", "list"),  # a sequence of targets (then pred must be one too)
    ("user Function backward returns", "None"),  # no gradient for that input (as PyTorch)
    ("user Function backward returns", "list"),  # a list of gradients, one per input
}


def test_every_op_of_the_registry_is_a_route():
    for name, op in REGISTRY.items():
        assert all(f"{name} input {i}" in ROUTES for i in range(op.arity))


@pytest.mark.parametrize("route", ROUTES)
def test_an_int_too_large_for_a_float64_is_a_value_error(route):
    with pytest.raises(ValueError, match="too large"):
        ROUTES[route](TOO_LARGE)


def _type_error_problem(route, given):
    """What is wrong with the route's answer to a non-number, or None if it is right."""
    try:
        ROUTES[route](given)
    except TypeError as error:
        message = str(error)
        if type(given).__name__ in message and repr(given) in message:
            if "real number" in message:
                return None
            return f"TypeError not saying what is accepted: {message}"
        return f"TypeError not saying what was given: {message}"
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return "no error"


@pytest.mark.parametrize("route", ROUTES)
def test_a_non_number_is_a_type_error_saying_what_was_given_and_what_is_accepted(route):
    problems = {
        kind: _type_error_problem(route, given)
        for kind, given in NON_NUMBERS.items()
        if (route, kind) not in MEANINGFUL
    }
    problems = {kind: problem for kind, problem in problems.items() if problem is not None}
    assert not problems, "\n".join(f"{kind}: {problem}" for kind, problem in problems.items())


def test_the_message_names_every_kind_of_number_accepted():
    with pytest.raises(TypeError) as info:
        mg.Value("2.0")
    message = str(info.value)
    for accepted in ("int", "float", "bool", "numpy", "0-d array"):
        assert accepted in message, message


def test_a_value_where_a_number_is_expected_hints_at_data():
    with pytest.raises(TypeError, match=r"\.data"):
        mg.Value(mg.Value(1.0))
    with pytest.raises(TypeError, match=r"\.data|Value"):
        mg.compile(lambda x: x * x)(mg.Value(1.0))


# --- numpy ------------------------------------------------------------------------------------

NUMPY_NUMBERS = {
    "float64": lambda np: np.float64(0.25),
    "float32": lambda np: np.float32(0.25),
    "float16": lambda np: np.float16(0.25),
    "int64": lambda np: np.int64(2),
    "uint8": lambda np: np.uint8(2),
    "0-d float array": lambda np: np.array(0.25),
    "0-d int array": lambda np: np.array(2),
}


def _plain(result):
    """A result as plain data with the exact type of every number in it (np.float64 ≠ float)."""
    if isinstance(result, mg.Value):
        return ("Value", _plain(result.data), _plain(result.grad), result.requires_grad)
    if isinstance(result, tuple | list):
        return tuple(_plain(x) for x in result)
    return (type(result).__name__, result)


@pytest.mark.parametrize("route", ROUTES)
def test_ints_count_as_the_float_they_hold(route):
    assert _plain(ROUTES[route](2)) == _plain(ROUTES[route](2.0))


@pytest.mark.parametrize("route", ROUTES)
def test_bools_count_as_the_float_they_hold(route):
    assert _plain(ROUTES[route](True)) == _plain(ROUTES[route](1.0))


def _outcome(route, number):
    try:
        return _plain(ROUTES[route](number))
    except Exception as error:
        return f"{type(error).__name__}: {error}"


@pytest.mark.parametrize("route", ROUTES)
def test_numpy_scalars_and_0d_arrays_count_as_the_float_they_hold(route):
    np = pytest.importorskip("numpy")
    expected = _outcome(route, 0.25), _outcome(route, 2.0)
    problems = []
    for kind, make in NUMPY_NUMBERS.items():
        number = make(np)
        got = _outcome(route, number)
        if got != expected[0 if float(number) == 0.25 else 1]:
            problems.append(f"{kind}: {got}")
    assert not problems, f"as a float: {expected}\n" + "\n".join(problems)


@pytest.mark.parametrize("route", ["Value()", "Value + number", "exp input 0", "mg.grad argument"])
@pytest.mark.parametrize(
    "given",
    [
        lambda np: np.complex128(1 + 2j),
        lambda np: np.array(1 + 2j),
        lambda np: np.str_("2.0"),
        lambda np: np.array([1.0, 2.0]),
    ],
    ids=["complex128", "0-d complex array", "str_", "1-d array"],
)
def test_numpy_non_numbers_are_type_errors(route, given):
    np = pytest.importorskip("numpy")
    bad = given(np)
    if route == "Value + number" and getattr(bad, "ndim", 0) > 0:
        # Not an error: numpy broadcasts an operator over an n-d array, element by element.
        result = ROUTES[route](bad)
        assert isinstance(result, np.ndarray) and result.shape == bad.shape
        assert all(isinstance(v, mg.Value) for v in result)
        return
    with pytest.raises(TypeError, match="real number"):
        ROUTES[route](bad)
