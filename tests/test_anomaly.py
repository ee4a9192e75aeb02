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
