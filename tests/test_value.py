"""Value and Parameter: construction, operands, what a user reads, backward semantics, memory."""

import gc
import math
import threading
import weakref
from fractions import Fraction

import numpy as np
import pytest

import minigrad as mg

# --- construction and operands ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (2, 2.0),
        (2.5, 2.5),
        (True, 1.0),
        (np.float32(1.5), 1.5),
        (np.float64(-2.0), -2.0),
        (np.int64(7), 7.0),
        (np.bool_(True), 1.0),
        (np.array(3.25), 3.25),
        (Fraction(1, 4), 0.25),
        (math.inf, math.inf),
    ],
)
def test_accepted_numbers_become_python_floats(given, expected):
    v = mg.Value(given)
    assert v.data == expected and type(v.data) is float
    assert (mg.Value(1.0) + given).data == 1.0 + expected


BAD = ["2.0", None, [1.0], (1.0,), 1 + 2j, np.complex128(1), np.array([1.0, 2.0]), object(), {}]


@pytest.mark.parametrize("bad", BAD, ids=lambda b: type(b).__name__)
def test_bad_data_raises_type_error_naming_what_was_given_and_accepted(bad):
    with pytest.raises(TypeError, match=r"must be a real number .*got " + type(bad).__name__):
        mg.Value(bad)


@pytest.mark.parametrize("bad", [b for b in BAD if not isinstance(b, np.ndarray)], ids=repr)
@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**", "r+", "r*", "r-"])
def test_bad_operands_raise_type_error_saying_what_is_accepted(bad, op):
    v = mg.Value(2.0)
    with pytest.raises(TypeError, match=r"Value or|real number"):
        {
            "+": lambda: v + bad,
            "-": lambda: v - bad,
            "*": lambda: v * bad,
            "/": lambda: v / bad,
            "**": lambda: v**bad,
            "r+": lambda: bad + v,
            "r*": lambda: bad * v,
            "r-": lambda: bad - v,
        }[op]()


@pytest.mark.parametrize("func", [mg.exp, mg.log, mg.relu, mg.sign, mg.sigmoid])
def test_functions_reject_non_numbers(func):
    with pytest.raises(TypeError, match="real number"):
        func("3")


def test_value_of_a_value_is_rejected_with_a_hint():
    with pytest.raises(TypeError, match=r"\.data"):
        mg.Value(mg.Value(1.0))


def test_huge_int_is_a_clear_value_error():
    with pytest.raises(ValueError, match="too large"):
        mg.Value(10**400)


def test_requires_grad_must_be_bool():
    with pytest.raises(TypeError, match="requires_grad"):
        mg.Value(1.0, requires_grad="yes")


def test_parameter_name_must_be_str():
    with pytest.raises(TypeError, match="name"):
        mg.Parameter(1.0, name=3)


def test_functions_accept_plain_numbers_and_return_values():
    out = mg.exp(0)
    assert isinstance(out, mg.Value) and out.data == 1.0 and not out.requires_grad


# --- what a user reads ---------------------------------------------------------------------------


def test_repr_item_float_format():
    v = mg.Value(2.0)
    assert repr(v) == "Value(data=2.0, grad=None)"  # no gradient yet, as PyTorch
    assert repr(mg.Parameter(-2.0, name="a")) == "Parameter(name='a', data=-2.0, grad=None)"
    assert repr(mg.Parameter(1.0)) == "Parameter(data=1.0, grad=None)"
    assert v.item() == 2.0
    with pytest.warns(mg.GradientLostWarning):
        assert float(v) == 2.0
    assert f"{v:.3f}" == "2.000"
    assert f"{v}" == repr(v)


def test_comparisons_use_data_and_equality_is_identity():
    a, b = mg.Value(1.0), mg.Value(2.0)
    assert a < b and a <= b and b > a and b >= a and a < 1.5 and b >= 2
    assert a != mg.Value(1.0)  # identity
    assert {a: "a", b: "b"}[a] == "a"
    assert sorted([b, a]) == [a, b]
    with pytest.raises(TypeError):
        assert a < "x"


def test_detach_and_parameter():
    p = mg.Parameter(3.0, name="w")
    assert p.requires_grad and isinstance(p, mg.Value) and p.name == "w"
    d = (p * 2).detach()
    assert d.data == 6.0 and not d.requires_grad and d.is_leaf


# --- backward semantics -----------------------------------------------------------------------


def test_backward_twice_gives_exactly_twice_the_gradients():
    # micrograd gets 72 here: it re-propagates stale intermediate gradients.
    x = mg.Value(3.0)
    y = x * x * x
    y.backward()
    y.backward()
    assert x.grad == 54.0


def test_intermediates_receive_their_gradients_too():
    x = mg.Value(3.0)
    h = x * 2
    y = h * h
    y.backward()
    assert h.grad == 12.0 and x.grad == 24.0 and y.grad == 1.0


def test_backward_with_upstream_gradient_and_shared_subexpression():
    x = mg.Value(2.0)
    h = x * x
    y = h + h * 3  # h used twice
    y.backward(0.5)
    assert x.grad == pytest.approx(0.5 * 4 * 2 * 2)


def test_backward_on_a_value_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.Value(1.0, requires_grad=False).backward()
    with mg.no_grad():
        y = mg.Value(1.0) * 2
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_constants_and_non_grad_inputs_get_no_gradient():
    c = mg.Value(5.0, requires_grad=False)
    x = mg.Value(2.0)
    (x * c + 3).backward()
    assert x.grad == 5.0 and c.grad is None


def test_a_chain_of_a_million_nodes():
    x = mg.Value(1.0)
    y = x
    for _ in range(1_000_000):
        y = y + 1.0
    y.backward()
    assert x.grad == 1.0 and y.data == 1_000_001.0
    del y  # freeing the chain must not recurse either


def test_graph_is_freed_by_reference_counting_alone():
    gc.disable()
    try:
        x = mg.Parameter(2.0)
        y = mg.tanh(x * x + mg.exp(x) / 3)
        y.backward()
        ref = weakref.ref(y)
        inner = weakref.ref(y.inputs[0])
        del y
        assert ref() is None and inner() is None
    finally:
        gc.enable()


def test_values_are_not_in_reference_cycles():
    gc.collect()
    gc.disable()
    try:
        x = mg.Value(1.5)
        loss = (x * 3 - 1) ** 2
        loss.backward(create_graph=True)
        x.grad = 0.0
        del loss
        assert gc.collect() == 0
    finally:
        gc.enable()


def test_ops_record_no_graph_under_no_grad_in_this_thread_only():
    x = mg.Value(1.0)
    seen = {}
    entered, release = threading.Event(), threading.Event()

    def other_thread():
        entered.wait()
        seen["other"] = (x * 2).requires_grad
        release.set()

    t = threading.Thread(target=other_thread)
    t.start()
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        entered.set()
        release.wait()
        seen["here"] = (x * 2).requires_grad
    t.join()
    assert seen == {"other": True, "here": False}
    assert (x * 2).requires_grad


def test_no_grad_nests_and_decorates():
    @mg.no_grad()
    def f(v):
        return v * 2

    x = mg.Value(1.0)
    with mg.no_grad():
        with mg.no_grad():
            assert not (x + 1).requires_grad
        assert not (x + 1).requires_grad
        with mg.enable_grad():
            assert (x + 1).requires_grad
    assert (x + 1).requires_grad
    assert not f(x).requires_grad
    assert f.__name__ == "f"


def test_the_bare_decorators_work_as_in_pytorch():
    # Issue 20, item 11: `@mg.no_grad` without parentheses was a TypeError.
    @mg.no_grad
    def off(v):
        return v * 2

    @mg.enable_grad
    def on(v):
        return v * 2

    @mg.detect_anomaly
    def checked(v):
        return mg.log(v)

    x = mg.Value(1.0)
    assert not off(x).requires_grad
    assert off.__name__ == "off"
    with mg.no_grad():
        assert on(x).requires_grad
    with pytest.raises(FloatingPointError):
        checked(mg.Value(0.0))
    assert mg.log(mg.Value(0.0)).data == -math.inf  # only inside the decorated call
    assert (x * 2).requires_grad


@pytest.mark.parametrize("switch", [mg.no_grad, mg.enable_grad, mg.detect_anomaly])
def test_a_switch_given_something_else_says_what_it_takes(switch):
    with pytest.raises(TypeError, match=r"takes no argument, or the function it decorates"):
        switch(3)


# --- numpy ---------------------------------------------------------------------------------------


def test_numpy_scalar_on_either_side_gives_a_value():
    x = mg.Value(2.0)
    for out in [np.float64(3) * x, x * np.float32(3), np.int64(3) * x, np.float64(8) / x]:
        assert type(out) is mg.Value
    out = np.float64(3.0) * x + np.float64(1.0)
    out.backward()
    assert out.data == 7.0 and x.grad == 3.0
    assert type(np.float64(2.0) ** x) is mg.Value
    assert np.float64(1.0) < x and not np.float64(5.0) < x


@pytest.mark.parametrize(
    ("ufunc", "mg_func"),
    [(np.exp, mg.exp), (np.log, mg.log), (np.sqrt, mg.sqrt), (np.sin, mg.sin), (np.cos, mg.cos),
     (np.tanh, mg.tanh), (np.abs, mg.abs), (np.negative, lambda v: -v)],
)  # fmt: skip
def test_numpy_unary_ufuncs_return_values_with_gradients(ufunc, mg_func):
    x, y = mg.Value(0.7), mg.Value(0.7)
    out = ufunc(x)
    assert type(out) is mg.Value
    out.backward()
    expected = mg_func(y)
    expected.backward()
    assert (out.data, x.grad) == (expected.data, y.grad)


@pytest.mark.parametrize(
    "ufunc",
    [np.add, np.subtract, np.multiply, np.divide, np.power, np.maximum, np.minimum],
)
def test_numpy_binary_ufuncs(ufunc):
    a, b = mg.Value(1.5), mg.Value(0.5)
    out = ufunc(a, b)
    assert type(out) is mg.Value
    assert out.data == pytest.approx(float(ufunc(1.5, 0.5)))
    out.backward()
    assert mg.gradcheck(lambda p, q: ufunc(p, q), [1.5, 0.5])


def test_unsupported_ufunc_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"arcsin is not supported.*supported ufuncs"):
        np.arcsin(mg.Value(1.0))


def test_object_arrays_of_values_matmul_sum_and_broadcast():
    w = np.array([[mg.Value(1.0), mg.Value(2.0)], [mg.Value(3.0), mg.Value(4.0)]], dtype=object)
    x = np.array([0.5, -1.0])
    y = w @ x
    assert y.dtype == object and [v.data for v in y] == [-1.5, -2.5]
    total = np.sum(y * y)
    assert type(total) is mg.Value
    total.backward()
    # d/dw_ij of Σ_i (w_i·x)² = 2 (w_i·x) x_j
    assert w[0, 1].grad == 2 * -1.5 * -1.0 and w[1, 0].grad == 2 * -2.5 * 0.5
    v = mg.Value(2.0)
    broadcast = v * np.array([1.0, 2.0, 3.0])
    assert broadcast.dtype == object and [e.data for e in broadcast] == [2.0, 4.0, 6.0]
    assert [e.data for e in np.exp(np.array([v, v]))] == [math.exp(2.0)] * 2


def test_import_minigrad_imports_nothing_beyond_the_standard_library():
    import subprocess
    import sys

    heavy = "('numpy', 'matplotlib', 'hypothesis')"
    code = f"import sys, minigrad; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- nodes used more than once, inside and outside the graph ---------------------------------


def test_intermediate_also_used_outside_the_graph_being_differentiated():
    x = mg.Value(2.0)
    h = x * x  # used by out1 twice and by out2, which is never differentiated
    out1 = h * h + h
    out2 = h * 5
    out1.backward()
    assert h.grad == 2 * 4 + 1
    assert x.grad == (2 * 4 + 1) * 2 * 2
    del out2


def test_consumer_that_was_dropped_does_not_hold_gradients_back():
    x = mg.Value(3.0)
    h = mg.exp(x)
    for _ in range(3):
        h * 2  # made and dropped: h counts these uses, the graph below does not contain them
    y = h + h
    y.backward()
    assert x.grad == pytest.approx(2 * math.exp(3.0))


def test_multi_use_nodes_at_several_depths_match_finite_differences():
    def f(a, b):
        h = a * b
        k = h + a  # a used twice, h used three times below
        m = k * h - h / (1 + k * k)
        side = m * 3  # an unrelated consumer of m, never differentiated
        del side
        return m * m + k

    assert mg.gradcheck(f, [0.7, -1.3])
    # and once more after grads exist: a second pass adds the same amounts
    a, b = mg.Value(0.7), mg.Value(-1.3)
    out = f(a, b)
    out.backward()
    first = (a.grad, b.grad)
    out.backward()
    assert (a.grad, b.grad) == (2 * first[0], 2 * first[1])


# --- the rest of the surface -------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs"]
)
def test_methods_are_the_functions(name):
    x, y = mg.Value(0.7), mg.Value(0.7)
    by_method = getattr(x, name)()
    by_function = getattr(mg, name)(y)
    by_method.backward()
    by_function.backward()
    assert by_method.op is by_function.op
    assert (by_method.data, x.grad) == (by_function.data, y.grad)


def test_unary_plus_and_leaf_backward():
    x = mg.Value(3.0)
    assert +x is x
    x.backward(2.0)  # a leaf's gradient with respect to itself
    assert x.grad == 2.0


def test_number_to_the_power_of_a_value():
    y = mg.Value(3.0)
    out = 2.0**y
    out.backward()
    assert out.data == 8.0 and y.grad == pytest.approx(8.0 * math.log(2.0))
    assert not (2.0 ** mg.Value(3.0, requires_grad=False)).requires_grad


def test_clamp_needs_a_bound_and_binary_functions_refuse_arrays():
    with pytest.raises(ValueError, match="at least one bound"):
        mg.clamp(mg.Value(1.0))
    with pytest.raises(TypeError, match="not arrays"):
        mg.maximum(np.array([1.0, 2.0]), mg.Value(1.0))


def test_long_reprs_in_error_messages_are_cut():
    with pytest.raises(TypeError, match=r"got str 'x+\.\.\.$"):
        mg.Value("x" * 200)
