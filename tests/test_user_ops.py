"""A user-defined op (`mg.Op` or `mg.Function`, defined here, not in the package) works everywhere
a built-in op does: backward, mg.grad, second order, gradcheck, compile, anomaly mode, graph
drawings, no_grad; and its mistakes are reported naming the op."""

import math
import os
import re
import sys
import uuid

import pytest

import minigrad as mg
from minigrad.op import FLOATS, VALUES


def _sig(x):
    return 1 / (1 + math.exp(-x))


def _softplus(x):
    return math.log(1 + math.exp(x))


# softplus log(1 + eˣ), whose derivative is σ(x) and second derivative σ(x)(1 − σ(x)), written
# twice: as an Op and as a Function.

SOFTPLUS_OP = mg.Op(
    "softplus",
    forward=lambda x: math.log1p(math.exp(x)),
    backward=lambda m, g, out, x: (g * m.sigmoid(x),),
)


class Softplus(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return math.log1p(math.exp(x))

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * mg.sigmoid(x)


SOFTPLUS = [
    pytest.param((SOFTPLUS_OP, "softplus"), id="Op"),
    pytest.param((Softplus.apply, "Softplus"), id="Function"),
]

POINTS = [-3.0, -0.5, 0.0, 0.7, 2.5]


@pytest.fixture(params=SOFTPLUS)
def softplus(request):
    return request.param[0]


@pytest.fixture(params=SOFTPLUS)
def softplus_and_name(request):
    return request.param


# Two flavours of the same small op from (forward, backward on the inputs), for the error cases:
# ``backward(g, *xs)`` returns the gradients (or raises, or returns nonsense).


def as_op(name, forward, backward):
    return mg.Op(name, forward=forward, backward=lambda m, g, out, *xs: backward(g, *xs))


def as_function(name, forward, backward):
    def function_forward(ctx, *xs):
        ctx.save_for_backward(*xs)
        return forward(*xs)

    def function_backward(ctx, grad):
        return backward(grad, *ctx.saved_values)

    body = {"forward": staticmethod(function_forward), "backward": staticmethod(function_backward)}
    return type(name, (mg.Function,), body).apply


FLAVOURS = [pytest.param(as_op, id="Op"), pytest.param(as_function, id="Function")]


# --- the derivatives, against the math --------------------------------------------------------


@pytest.mark.parametrize("x0", POINTS)
def test_value_and_backward_match_the_math(softplus, x0):
    x = mg.Value(x0)
    y = softplus(x)
    assert isinstance(y, mg.Value) and y.requires_grad and not y.is_leaf
    assert y.data == pytest.approx(_softplus(x0), rel=1e-12)
    y.backward()
    assert x.grad == pytest.approx(_sig(x0), rel=1e-12)


def test_composed_backward_matches_the_chain_rule(softplus):
    # d/dx softplus(x² + y) = σ(x² + y)·2x, d/dy = σ(x² + y)
    for x0, y0 in [(0.7, -0.3), (-1.2, 0.4), (0.0, 2.0)]:
        x, y = mg.Value(x0), mg.Value(y0)
        softplus(x * x + y).backward()
        s = _sig(x0 * x0 + y0)
        assert x.grad == pytest.approx(2 * x0 * s, rel=1e-12, abs=1e-15)
        assert y.grad == pytest.approx(s, rel=1e-12)


@pytest.mark.parametrize("point", [(0.7, -0.3), (-1.2, 0.4), (0.0, 2.0), (2.0, -5.0)])
def test_gradcheck_passes_composed_with_other_ops(softplus, point):
    assert mg.gradcheck(lambda x, y: softplus(x * x + y) * mg.sin(y), point)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_gradcheck_catches_a_wrong_user_backward(flavour):
    # The same op with a derivative off by a factor 2: gradcheck reads the user's backward.
    wrong = flavour("wrong_softplus", _softplus, lambda g, x: (2.0 * g * _sig(x),))
    with pytest.raises(mg.GradcheckError, match="input 0"):
        mg.gradcheck(lambda x: wrong(x), [0.3])


def test_grad_and_value_and_grad_agree_with_backward_bit_for_bit(softplus):
    def f(x, y):
        return softplus(x * y) * x + softplus(y)

    for x0, y0 in [(0.7, -0.3), (-1.2, 0.4), (3.0, 0.25)]:
        x, y = mg.Value(x0), mg.Value(y0)
        out = f(x, y)
        out.backward()
        assert mg.grad(f, argnums=(0, 1))(x0, y0) == (x.grad, y.grad)
        assert mg.value_and_grad(f, argnums=(0, 1))(x0, y0) == (out.data, (x.grad, y.grad))
        assert mg.grad(softplus)(x0) == pytest.approx(_sig(x0), rel=1e-12)


# --- second order ------------------------------------------------------------------------------


@pytest.mark.parametrize("x0", POINTS)
def test_second_derivative_by_nested_grad_and_by_create_graph(softplus, x0):
    s = _sig(x0)
    nested = mg.grad(mg.grad(softplus))(x0)
    assert nested == pytest.approx(s * (1 - s), rel=1e-12)

    x = mg.Value(x0)
    softplus(x).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, mg.Value) and first.requires_grad
    assert first.data == pytest.approx(s, rel=1e-12)
    x.grad = 0.0
    first.backward()
    assert x.grad == pytest.approx(s * (1 - s), rel=1e-12)
    assert x.grad == nested  # the two routes run the same formulas in the same order


@pytest.mark.parametrize("point", [(0.7, -0.3), (-1.2, 0.4), (0.1, 1.5)])
def test_gradcheck_of_the_gradient(softplus, point):
    def f(x, y):
        return softplus(x * x + y) * y

    assert mg.gradcheck(mg.grad(f), point)
    assert mg.gradcheck(mg.grad(f, argnums=1), point)


# --- compile -----------------------------------------------------------------------------------


def test_compile_returns_what_value_and_grad_returns(softplus_and_name):
    softplus, name = softplus_and_name

    def f(x, y):
        return softplus(x * x + y) * x + softplus(y)

    compiled = mg.compile(f, argnums=(0, 1))
    reference = mg.value_and_grad(f, argnums=(0, 1))
    for _ in range(3):  # several calls: each runs the generated code, the traced one included
        for point in [(0.7, -0.3), (-1.2, 0.4), (0.0, 2.0), (2.5, -4.0)]:
            assert compiled(*point) == reference(*point)
    source = compiled.source
    assert name in source
    assert re.search(r"\w\.call_forward\(", source), source  # the user's forward, at run time
    assert re.search(r"\w\.backward\(", source), source  # and its backward


def test_compile_gives_a_function_a_fresh_ctx_per_call():
    class Square(mg.Function):
        @staticmethod
        def forward(ctx, x):
            if ctx.saved_values or hasattr(ctx, "x"):
                raise AssertionError("forward got a ctx a previous call had used")
            ctx.x = x
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_values
            assert x is ctx.x
            return 2.0 * grad * x

    compiled = mg.compile(lambda x: Square.apply(x) + x)
    for x0 in [1.5, -2.0, 0.25, 1.5]:
        assert compiled(x0) == (x0 * x0 + x0, 2.0 * x0 + 1.0)


def test_compile_of_a_gradient_through_a_user_op(softplus):
    def f(x):
        return softplus(x * x)

    df = mg.grad(f)
    compiled = mg.compile(df)
    for x0 in [0.3, -1.1, 2.0]:
        s = _sig(x0 * x0)
        value, second = compiled(x0)
        assert (value, second) == mg.value_and_grad(df)(x0)
        assert value == pytest.approx(2 * x0 * s, rel=1e-12)
        assert second == pytest.approx(2 * s + 4 * x0 * x0 * s * (1 - s), rel=1e-12)


# --- anomaly mode, drawings, no_grad -----------------------------------------------------------


@pytest.mark.parametrize("bad", [math.inf, math.nan], ids=["inf", "nan"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_detect_anomaly_names_the_user_op_and_the_users_line(flavour, bad):
    blowup = flavour("blowup", lambda x: 2.0 * x, lambda g, x: (g * bad,))
    with mg.detect_anomaly():
        x = mg.Value(1.5)
        y = blowup(x)  # the line the report points to
        loss = y * 3.0
        with pytest.raises(FloatingPointError) as info:
            loss.backward()
    message = str(info.value)
    assert "blowup backward returned" in message and repr(bad) in message, message
    assert os.path.basename(__file__) in message and "y = blowup(x)" in message, message


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_detect_anomaly_names_the_user_op_in_its_forward(flavour):
    overflow = flavour("overflow", lambda x: math.inf, lambda g, x: (g,))
    with mg.detect_anomaly(), pytest.raises(FloatingPointError) as info:
        overflow(mg.Value(1.5))
    message = str(info.value)
    assert "overflow returned inf" in message and os.path.basename(__file__) in message, message


def test_without_anomaly_mode_the_inf_gradient_just_flows():
    blowup = as_op("blowup", lambda x: 2.0 * x, lambda g, x: (g * math.inf,))
    x = mg.Value(1.5)
    blowup(x).backward()
    assert x.grad == math.inf


def test_graph_drawing_shows_the_user_op(softplus_and_name):
    softplus, name = softplus_and_name
    dot = mg.to_dot(softplus(mg.Value(1.0)))
    assert name in dot


def test_no_grad_records_nothing(softplus):
    x = mg.Value(1.0)
    with mg.no_grad():
        y = softplus(x)
    assert not y.requires_grad and y.is_leaf
    assert y.data == pytest.approx(_softplus(1.0), rel=1e-12)
    assert softplus(x).requires_grad  # outside the block, the op records again


def test_plain_numbers_give_a_constant_value(softplus):
    y = softplus(0.5)
    assert isinstance(y, mg.Value) and not y.requires_grad
    assert y.data == pytest.approx(_softplus(0.5), rel=1e-12)


# --- the user's mistakes, reported naming the op ---------------------------------------------


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_backward_returning_the_wrong_number_of_gradients(flavour):
    two = flavour("two_grads", lambda x: 2.0 * x, lambda g, x: (g, g))
    y = two(mg.Value(1.0))
    with pytest.raises(TypeError, match=r"two_grads.*1 gradient.*returned tuple \(1\.0, 1\.0\)"):
        y.backward()


def test_op_backward_returning_a_bare_number_instead_of_a_tuple():
    bare = mg.Op("bare", forward=lambda x: 2.0 * x, backward=lambda m, g, out, x: 2.0 * g)
    with pytest.raises(TypeError, match=r"'bare'.*tuple of 1 gradient.*returned float 2\.0"):
        bare(mg.Value(1.0)).backward()


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_backward_returning_a_non_number(flavour, create_graph):
    stringy = flavour("stringy", lambda x: 2.0 * x, lambda g, x: ("2.0",))
    y = stringy(mg.Value(1.0))
    with pytest.raises(
        TypeError, match=r"'stringy': the gradient of input 0 must be a real number.*got str '2\.0'"
    ):
        y.backward(create_graph=create_graph)


class BoomError(Exception):
    pass


def _explode(*_):
    raise BoomError("from the user's code")


def _explode_forward(x):
    raise BoomError("from the user's code")


@pytest.mark.parametrize("route", ["backward", "create_graph", "grad"])
@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_exception_in_backward_propagates_naming_the_op(flavour, route):
    exploding = flavour("exploding", lambda x: 2.0 * x, _explode)
    with pytest.raises(BoomError, match="from the user's code") as info:
        if route == "grad":
            mg.grad(exploding)(1.0)
        else:
            exploding(mg.Value(1.0)).backward(create_graph=route == "create_graph")
    if sys.version_info >= (3, 11):
        assert any("exploding" in note for note in info.value.__notes__), info.value.__notes__


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_an_exception_in_forward_propagates_naming_the_op(flavour):
    exploding = flavour("exploding_forward", _explode_forward, lambda g, x: (g,))
    with pytest.raises(BoomError) as info:
        exploding(mg.Value(1.0))
    if sys.version_info >= (3, 11):
        assert any("exploding_forward" in note for note in info.value.__notes__)


@pytest.mark.parametrize("flavour", FLAVOURS)
def test_forward_returning_a_non_number(flavour):
    wordy = flavour("wordy", lambda x: "1.0", lambda g, x: (g,))
    with pytest.raises(TypeError, match=r"forward of op 'wordy'.*real number.*got str '1\.0'"):
        wordy(mg.Value(1.0))


def test_calling_a_missing_m_function_names_the_registry():
    missing = mg.Op(
        "uses_missing", forward=lambda x: x, backward=lambda m, g, out, x: (m.no_such_op(x),)
    )
    with pytest.raises(AttributeError, match="no_such_op") as info:
        missing(mg.Value(1.0)).backward()
    if sys.version_info >= (3, 11):
        notes = " ".join(info.value.__notes__)
        assert "uses_missing" in notes
        assert "m.no_such_op is not a registered op" in notes


def test_function_without_forward_or_backward_is_not_implemented():
    class NoForward(mg.Function):
        @staticmethod
        def backward(ctx, grad):
            return grad

    class NoBackward(mg.Function):
        @staticmethod
        def forward(ctx, x):
            return 2.0 * x

    with pytest.raises(NotImplementedError, match="forward") as info:
        NoForward.apply(mg.Value(1.0))
    if sys.version_info >= (3, 11):
        assert any("NoForward" in note for note in info.value.__notes__)
    y = NoBackward.apply(mg.Value(1.0))
    assert y.data == 2.0
    with pytest.raises(NotImplementedError, match="backward") as info:
        y.backward()
    if sys.version_info >= (3, 11):
        assert any("NoBackward" in note for note in info.value.__notes__)


def test_function_apply_needs_a_subclass_and_an_input():
    with pytest.raises(TypeError, match="subclass"):
        mg.Function.apply(mg.Value(1.0))
    with pytest.raises(TypeError, match="subclass"):
        mg.Function.apply()
    with pytest.raises(TypeError, match=r"Softplus\.apply\(\) needs at least one input"):
        Softplus.apply()


def test_function_backward_may_return_none_for_an_input():
    class Scale(mg.Function):  # x·k, with no gradient for k
        @staticmethod
        def forward(ctx, x, k):
            ctx.save_for_backward(k)
            return x * k

        @staticmethod
        def backward(ctx, grad):
            (k,) = ctx.saved_values
            return grad * k, None

    x, k = mg.Value(1.5), mg.Value(-4.0)
    Scale.apply(x, k).backward()
    assert (x.grad, k.grad) == (-4.0, 0.0)


# --- mg.Op checks its arguments ----------------------------------------------------------------


def _forward(x):
    return x


def _backward(m, g, out, x):
    return (g,)


@pytest.mark.parametrize("name", [3, None, b"name"], ids=repr)
def test_op_name_must_be_a_str(name):
    with pytest.raises(TypeError, match="name must be a str"):
        mg.Op(name, _forward, _backward)


@pytest.mark.parametrize("name", ["", "soft plus", "1softplus", "soft-plus"])
def test_op_name_must_be_an_identifier(name):
    with pytest.raises(ValueError, match="identifier"):
        mg.Op(name, _forward, _backward)


@pytest.mark.parametrize("which", ["forward", "backward"])
@pytest.mark.parametrize("bad", [None, 3.0, "lambda x: x"], ids=repr)
def test_op_forward_and_backward_must_be_callable(which, bad):
    functions = {"forward": _forward, "backward": _backward, which: bad}
    with pytest.raises(TypeError, match=f"{which} must be callable"):
        mg.Op("callable_check", **functions)


@pytest.mark.parametrize("arity", [0, -1])
def test_op_arity_must_be_at_least_one(arity):
    with pytest.raises(ValueError, match="at least 1"):
        mg.Op("no_inputs", _forward, _backward, arity=arity)
    with pytest.raises(ValueError, match="at least 1"):
        mg.Op("no_inputs", lambda: 1.0, _backward)  # inferred from forward: none


def test_op_arity_is_inferred_from_forward():
    assert mg.Op("one", lambda x: x, _backward).arity == 1
    assert mg.Op("two", lambda a, b: a * b, _backward).arity == 2
    assert mg.Op("three", lambda a, b, c: a, _backward).arity == 3
    assert mg.Op("defaulted", lambda a, b=2.0: a * b, _backward).arity == 1
    assert mg.Op("builtin", math.atan2, _backward).arity == 2  # read with inspect
    assert mg.Op("told", lambda *xs: sum(xs), _backward, arity=4).arity == 4
    with pytest.raises(TypeError, match="arity="):
        mg.Op("variadic", lambda *xs: sum(xs), _backward)


@pytest.mark.parametrize("inputs", [(), (1.0, 2.0), (1.0, 2.0, 3.0)], ids=len)
def test_calling_an_op_with_the_wrong_number_of_inputs(inputs):
    with pytest.raises(TypeError, match=r"softplus\(\) takes 1 input\(s\); got"):
        SOFTPLUS_OP(*inputs)
    hypot = mg.Op("hypot2", lambda a, b: math.hypot(a, b), lambda m, g, out, a, b: (g, g))
    with pytest.raises(TypeError, match=r"hypot2\(\) takes 2 input"):
        hypot(mg.Value(1.0))


def test_registering_again_replaces_a_user_op_and_a_registered_op_is_in_m():
    name = f"test_user_ops_twice_{uuid.uuid4().hex[:8]}"  # registration is for the process
    triple = mg.Op(name, lambda x: 3.0 * x, lambda m, g, out, x: (3.0 * g,), register=True)
    assert getattr(VALUES, name) is triple
    # Defined again (a notebook cell run twice, corrected): the new definition replaces it.
    double = mg.Op(name, lambda x: 2.0 * x, lambda m, g, out, x: (2.0 * g,), register=True)
    assert getattr(FLOATS, name) is double.forward
    assert getattr(VALUES, name) is double
    for taken in ("exp", "sigmoid", "data", "kind"):  # built-ins, and m's own attributes
        with pytest.raises(ValueError, match="taken by a built-in op"):
            mg.Op(taken, _forward, _backward, register=True)
    assert VALUES.exp is mg.exp  # the refused ones replaced nothing
    assert FLOATS.data(2.5) == 2.5 and VALUES.kind == "values"

    # A formula of another op calls it as m.<name>, on floats and (second order) on Values:
    # d/dx x² = double(g·x), d²/dx² = 2.
    square = mg.Op("square_via_m", lambda x: x * x, lambda m, g, out, x: (getattr(m, name)(g * x),))
    x = mg.Value(1.5)
    square(x).backward()
    assert x.grad == 3.0
    assert mg.grad(mg.grad(square))(1.5) == 2.0
    assert mg.compile(square)(-0.5) == (0.25, -1.0)


# `method=` and `ufunc=` belong to the built-ins, read once at import: for a user's op they are
# refused when the Op is made, never accepted and then ignored (the user's x.<method>() or numpy
# call would fail far from the cause).


def test_method_of_a_user_op_is_refused_when_the_op_is_made():
    with pytest.raises(ValueError, match=r"softplus_m.*called as a function: softplus_m\(x\)"):
        mg.Op("softplus_m", _softplus, _backward, method="softplus_m")
    assert not hasattr(mg.Value, "softplus_m")


def test_ufunc_of_a_user_op_is_refused_when_the_op_is_made():
    with pytest.raises(ValueError, match="method= and ufunc= name the Value method"):
        mg.Op(
            "hypot_u",
            lambda a, b: math.sqrt(a * a + b * b),
            lambda m, g, out, a, b: (g * m.div(a, out), g * m.div(b, out)),
            ufunc="hypot",
        )


# --- an op with two inputs ---------------------------------------------------------------------

HYPOT_OP = mg.Op(
    "hypot",
    forward=lambda a, b: math.sqrt(a * a + b * b),
    backward=lambda m, g, out, a, b: (g * m.div(a, out), g * m.div(b, out)),
)


class Hypot(mg.Function):
    @staticmethod
    def forward(ctx, a, b):
        out = math.sqrt(a * a + b * b)
        ctx.save_for_backward(a, b, out)  # the output too: under create_graph, its Value
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_values
        return grad * a / out, grad * b / out


HYPOT = [pytest.param(HYPOT_OP, id="Op"), pytest.param(Hypot.apply, id="Function")]
HYPOT_POINTS = [(3.0, 4.0), (-1.5, 0.5), (0.2, -2.0)]


@pytest.mark.parametrize("hypot", HYPOT)
def test_two_input_op_gradients(hypot):
    assert HYPOT_OP.arity == 2
    for a0, b0 in HYPOT_POINTS:
        a, b = mg.Value(a0), mg.Value(b0)
        out = hypot(a, b)
        r = math.hypot(a0, b0)
        assert out.data == pytest.approx(r, rel=1e-12)
        out.backward()
        assert a.grad == pytest.approx(a0 / r, rel=1e-12)
        assert b.grad == pytest.approx(b0 / r, rel=1e-12)
        assert mg.gradcheck(lambda a, b: hypot(a * b, b) * a, (a0, b0))
        # second order: ∂²r/∂a² = b²/r³
        assert mg.grad(mg.grad(hypot))(a0, b0) == pytest.approx(b0 * b0 / r**3, rel=1e-12)
        assert mg.gradcheck(mg.grad(hypot, argnums=1), (a0, b0))


@pytest.mark.parametrize("hypot", HYPOT)
def test_two_input_op_compiles(hypot):
    def f(a, b):
        return hypot(a * a, b) + a

    compiled = mg.compile(f, argnums=(0, 1))
    reference = mg.value_and_grad(f, argnums=(0, 1))
    for _ in range(2):
        for point in HYPOT_POINTS:
            assert compiled(*point) == reference(*point)


@pytest.mark.parametrize("hypot", HYPOT)
def test_two_input_op_with_a_constant_input(hypot):
    a = mg.Value(3.0)
    hypot(a, 4.0).backward()
    assert a.grad == pytest.approx(0.6, rel=1e-12)
    out = hypot(mg.Value(3.0, requires_grad=False), 4.0)
    assert not out.requires_grad and out.data == pytest.approx(5.0, rel=1e-12)
