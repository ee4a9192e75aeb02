"""A learner's habits that used to fail silently: math.* on a Value, in-place updates, bool(),
no_grad on a generator."""

import math
import warnings

import pytest

import minigrad as mg


def test_math_on_a_value_warns_and_names_the_minigrad_function():
    a = mg.Value(2.0)
    with pytest.warns(mg.GradientLostWarning, match=r"mg\.sin\(x\) instead of math\.sin\(x\)"):
        loss = a * 3.0 + math.sin(a)
    loss.backward()
    assert a.grad == 3.0  # what the warning is about: the sine's gradient is gone
    b = mg.Value(2.0)
    (b * 3.0 + mg.sin(b)).backward()
    assert b.grad == 3.0 + math.cos(2.0)  # 2.584: what the learner meant


def test_float_of_a_value_warns_with_the_item_alternative():
    with pytest.warns(mg.GradientLostWarning, match=r"x\.item\(\) reads the number"):
        float(mg.Value(1.0))


@pytest.mark.parametrize(
    "read",
    [
        lambda v: v.item(),
        lambda v: v.data,
        lambda v: f"{v:.3f} {v}",
        lambda v: float(v.detach()),
        lambda v: math.exp(mg.Value(1.0, requires_grad=False)),
    ],
    ids=["item", "data", "f-string", "detach", "constant"],
)
def test_reading_the_number_does_not_warn(read):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read(mg.Value(1.5))


def test_nothing_warns_under_no_grad():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with mg.no_grad():
            assert math.sin(mg.Value(0.0)) == 0.0


def test_the_warning_is_shown_once_per_line():
    a = mg.Value(1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        for _ in range(3):
            math.exp(a)  # one line: one warning
    assert len([w for w in caught if issubclass(w.category, mg.GradientLostWarning)]) == 1
    assert caught[0].filename == __file__


# --- in-place operators --------------------------------------------------------------------------


def test_the_pytorch_update_under_no_grad_changes_the_parameter_in_place():
    p = mg.Parameter(1.0, name="p")
    keep = p
    (p * p).backward()
    lr = 0.1
    with mg.no_grad():
        p -= lr * p.grad
    assert p is keep and p.data == 0.8 and p.requires_grad and p.is_leaf
    p.grad = 0.0
    (p * p).backward()  # the next step trains it: no "create the inputs with requires_grad"
    assert p.grad == 1.6


@pytest.mark.parametrize(
    ("update", "expected"),
    [
        (lambda p: p.__iadd__(0.5), 2.5),
        (lambda p: p.__isub__(mg.Value(0.5)), 1.5),
        (lambda p: p.__imul__(3), 6.0),
        (lambda p: p.__itruediv__(0.0), math.inf),  # IEEE, as the op
    ],
)
def test_every_in_place_operator_under_no_grad(update, expected):
    p = mg.Parameter(2.0)
    with mg.no_grad():
        result = update(p)
    assert result is p and p.data == expected


def test_an_in_place_update_of_a_parameter_with_grad_on_raises():
    p = mg.Parameter(1.0)
    with pytest.raises(RuntimeError, match=r"in-place -= on a Parameter.*no_grad"):
        p -= 0.05
    assert p.data == 1.0


def test_accumulating_into_a_plain_value_rebinds_as_before():
    total = mg.Value(0.0)
    first = total
    x = mg.Parameter(3.0)
    total += x * x
    total += x
    assert total is not first and total.data == 12.0
    total.backward()
    assert x.grad == 7.0


def test_an_in_place_operator_on_an_inner_node_gives_a_new_value_even_under_no_grad():
    x = mg.Value(1.0)
    y = x * 2.0
    with mg.no_grad():
        y += 1.0  # y was computed by an op: its number stays what the graph recorded
    assert y.data == 3.0 and not y.requires_grad


def test_in_place_operands_follow_the_number_contract():
    p = mg.Parameter(1.0)
    with mg.no_grad(), pytest.raises(TypeError, match=r"sub=.*must be a real number"):
        p -= "0.1"
    with mg.no_grad(), pytest.raises(ValueError, match="too large for a float64"):
        p += 10**400


# --- .data assignment -----------------------------------------------------------------------------


@pytest.mark.parametrize("make", [mg.Value, mg.Parameter])
@pytest.mark.parametrize(
    ("bad", "shown"),
    [("x", "str 'x'"), (None, "NoneType"), ([1.0], "list"), (1j, "complex"), ({}, "dict")],
)
def test_assigning_a_non_number_to_data_raises_at_once_and_keeps_the_number(make, bad, shown):
    v = make(1.5)
    with pytest.raises(TypeError, match=rf"{make.__name__}\.data must be a real number.*{shown}"):
        v.data = bad
    assert v.data == 1.5 and v.data.__class__ is float


def test_assigning_an_array_or_a_huge_int_to_data_raises():
    np = pytest.importorskip("numpy")
    p = mg.Parameter(1.0)
    with pytest.raises(TypeError, match=r"Parameter\.data must be a real number.*ndarray"):
        p.data = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Parameter\.data 1000\.\.\.0 is too large"):
        p.data = 10**400
    assert p.data == 1.0


@pytest.mark.parametrize(
    ("number", "stored"),
    [(2, 2.0), (True, 1.0), (-0.0, -0.0), (math.inf, math.inf), (math.nan, math.nan)],
)
def test_data_takes_every_real_number_as_a_float(number, stored):
    p = mg.Parameter(1.0)
    p.data = number
    assert p.data.__class__ is float
    assert math.copysign(1.0, p.data) == math.copysign(1.0, stored)
    assert p.data == stored or (math.isnan(stored) and math.isnan(p.data))


def test_data_takes_a_numpy_scalar_and_a_values_number():
    np = pytest.importorskip("numpy")
    p = mg.Parameter(1.0)
    p.data = np.float32(0.5)
    assert p.data == 0.5 and p.data.__class__ is float
    p.data = np.array(0.25)  # 0-d
    assert p.data == 0.25
    # PyTorch's `p.data = p - lr * p.grad`: the new number, detached; p stays a trainable leaf
    (p * p).backward()
    p.data = p - 0.1 * p.grad
    assert p.data == 0.25 - 0.1 * 0.5 and p.data.__class__ is float
    assert p.is_leaf and p.requires_grad and p.op is None


def test_the_data_property_documents_itself_as_its_typing_stub_does():
    """help(Value.data) shows the text the API pages show (the stub mypy and griffe read)."""
    import ast
    import inspect
    from pathlib import Path

    source = Path(mg.value.__file__).read_text()
    stubs = [
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "data" and ast.get_docstring(node)
    ]
    assert len(stubs) == 1
    assert mg.Value.data.__doc__ == inspect.cleandoc(ast.get_docstring(stubs[0]))


def test_the_learners_update_through_data_still_works():
    p = mg.Parameter(3.0)
    (p * p).backward()
    p.data -= 0.1 * p.grad
    assert p.data == 3.0 - 0.1 * 6.0


# --- bool ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "truth"), [(0.0, False), (-0.0, False), (1.0, True), (-2.0, True), (math.nan, True)]
)
def test_bool_follows_the_number_as_in_pytorch(x, truth):
    assert bool(mg.Value(x)) is truth


# --- mode decorators on generators ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("block", "read"),
    [
        (mg.no_grad, lambda: not mg.is_grad_enabled()),
        (mg.detect_anomaly, mg.is_anomaly_enabled),
    ],
)
def test_a_mode_decorator_holds_inside_a_generator_step_by_step(block, read):
    @block()
    def steps(n):
        for _ in range(n):
            received = yield read()
            assert received is None or received == "sent"

    seen = []
    gen = steps(3)
    seen.append(next(gen))
    assert not read()  # the caller, between two steps, is outside the block
    seen.append(gen.send("sent"))
    seen.extend(gen)
    assert seen == [True, True, True]
    assert not read()


def test_a_generator_under_no_grad_records_no_graph_and_returns_its_value():
    w = mg.Value(2.0)

    @mg.no_grad()
    def predictions():
        yield w * 3.0
        return "done"

    gen = predictions()
    assert not next(gen).requires_grad
    with pytest.raises(StopIteration) as stop:
        next(gen)
    assert stop.value.value == "done"
