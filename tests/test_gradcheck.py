"""gradcheck passes correct gradients and names what is wrong otherwise."""

import math
import re

import pytest

import minigrad as mg


def test_passes_for_correct_gradients():
    assert mg.gradcheck(lambda x, y: x * mg.exp(y) / (1 + x * x), [0.3, -1.2])
    assert mg.gradcheck(lambda x: x**3, [1e4])  # the step scales with the input


def test_a_wrong_gradient_is_reported_with_index_point_values_and_error():
    # detach() hides one factor from backward: the analytic gradient of x·x becomes x, not 2x.
    def wrong(x, y):
        return x.detach() * x + y

    with pytest.raises(mg.GradcheckError) as info:
        mg.gradcheck(wrong, [3.0, 1.0])
    message = str(info.value)
    assert "input 0" in message and "[3.0, 1.0]" in message
    assert "analytic 3.0" in message and "error 3" in message
    assert re.search(r"numeric (6\.0|5\.9999)", message)


def test_nan_gradient_fails():
    with pytest.raises(mg.GradcheckError, match="analytic nan"):
        mg.gradcheck(lambda x: mg.sqrt(x), [-1.0])


def test_fixed_eps_and_tolerances_are_used():
    # With a huge step the central difference of x³ is off by h²: strict tolerances catch it.
    with pytest.raises(mg.GradcheckError):
        mg.gradcheck(lambda x: x**3, [1.0], eps=0.5, atol=1e-6, rtol=1e-6)
    assert mg.gradcheck(lambda x: x**3, [1.0], eps=0.5, atol=0.5)


def test_f_must_return_a_value():
    with pytest.raises(TypeError, match="must return a Value"):
        mg.gradcheck(lambda x: 3.0, [1.0])


def test_inputs_must_be_numbers():
    with pytest.raises(TypeError, match="gradcheck input"):
        mg.gradcheck(lambda x: x, ["1"])


def test_gradcheck_error_is_an_assertion_error():
    assert issubclass(mg.GradcheckError, AssertionError)
    assert math.isfinite(1.0)
