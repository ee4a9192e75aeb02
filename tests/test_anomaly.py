"""detect_anomaly: the first NaN/inf raises FloatingPointError naming op, inputs and line."""

import math

import pytest

import minigrad as mg


def test_forward_anomaly_names_op_inputs_and_the_users_line():
    x = mg.Value(-1.0)
    with pytest.raises(FloatingPointError) as info, mg.detect_anomaly():
        y = mg.sqrt(x)  # the line the message must point at
        del y
    message = str(info.value)
    assert "sqrt returned nan in its forward pass" in message
    assert "(-1.0)" in message
    assert "test_anomaly.py" in message and "y = mg.sqrt(x)" in message


def test_backward_anomaly_names_the_op_that_made_the_first_inf():
    x = mg.Value(0.0)
    with mg.detect_anomaly():
        y = mg.sqrt(x) * 2.0  # forward is finite (0); sqrt's backward gives 2/0 = inf
        with pytest.raises(FloatingPointError) as info:
            y.backward()
    message = str(info.value)
    assert "sqrt backward returned inf as the gradient of input 0" in message
    assert "y = mg.sqrt(x) * 2.0" in message


def test_outside_the_block_nan_flows_silently_and_mode_is_restored():
    with mg.detect_anomaly():
        assert mg.is_anomaly_enabled()
    assert not mg.is_anomaly_enabled()
    assert math.isnan(mg.log(mg.Value(-1.0)).data)


def test_node_made_outside_the_block_says_so():
    x = mg.Value(0.0)
    y = mg.sqrt(x) * 0.0
    with (
        mg.detect_anomaly(),
        pytest.raises(FloatingPointError, match="made outside detect_anomaly"),
    ):
        y.backward()


def test_finite_computation_runs_unchanged_under_anomaly_mode():
    x = mg.Value(2.0)
    with mg.detect_anomaly():
        (x * x + mg.exp(x)).backward()
    assert x.grad == pytest.approx(4 + math.exp(2))


def test_detect_anomaly_works_as_a_decorator_and_nests():
    @mg.detect_anomaly()
    def risky(v):
        with mg.detect_anomaly():
            pass  # an inner block must not switch the outer one off
        return mg.log(v)

    with pytest.raises(FloatingPointError, match="log returned -inf"):
        risky(mg.Value(0.0))
    assert not mg.is_anomaly_enabled()


@pytest.mark.parametrize(("base", "x"), [(0.0, 0.5), (2.0, 1023.5)])
def test_gradients_that_go_to_a_constant_are_not_checked(base, x):
    # Finite value and gradient; only the constant base's gradient (which reaches nothing)
    # would be inf or nan.
    v = mg.Value(x)
    with mg.detect_anomaly():
        out = base**v
        out.backward()
    assert math.isfinite(out.data) and math.isfinite(v.grad)
    with mg.detect_anomaly():
        assert math.isfinite(mg.grad(lambda t: base**t)(x))


def test_an_infinite_gradient_for_an_input_that_needs_one_still_raises_and_names_the_line():
    v = mg.Value(-1.0)
    with mg.detect_anomaly():
        out = mg.sqrt(v * 1.0 + 1.0)  # the line below is reported
        with pytest.raises(FloatingPointError, match=r"sqrt backward returned inf(.|\n)*mg\.sqrt"):
            out.backward()
