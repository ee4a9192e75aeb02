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


# --- second order and forward mode ---------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from minigrad.ops import REGISTRY  # noqa: E402
from minigrad.testing import OPERATIONS, programs, rule_inputs  # noqa: E402


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=10, deadline=None)
@given(data=st.data())
def test_second_order_and_forward_mode_pass_on_every_built_in_op(name, data):
    op = REGISTRY[name]
    point = data.draw(rule_inputs(op, low=-2.0, high=2.0))
    if name == "pow_const":  # the exponent is a constant
        exponent = point[1]

        def f(x):
            return x**exponent

        point = point[:1]
    else:
        f = OPERATIONS[name]
    assert mg.gradcheck(f, point, order=2, mode="both", atol=1e-4)


@settings(max_examples=40, deadline=None)
@given(programs(max_steps=4))
def test_second_order_passes_on_random_programs(case):
    program, point = case
    assert mg.gradcheck(program, point, order=2, mode="both", atol=1e-4)


def _cube_with_a_backward_that_only_works_on_numbers():
    # Right on floats: 3x². But it computes with m.data (a number) instead of m.<op>, so under
    # create_graph its result is a constant and the second derivative comes out 0 (not 6x).
    return mg.Op(
        "cube_numbers_only", lambda x: x**3, lambda m, g, out, x: (g * 3.0 * m.data(x) ** 2,)
    )


@pytest.mark.parametrize("mode", ["rev", "fwd", "both"])
def test_second_order_catches_a_wrong_second_derivative(mode):
    cube = _cube_with_a_backward_that_only_works_on_numbers()
    assert mg.gradcheck(cube, [0.7], mode=mode)  # first order is right
    with pytest.raises(mg.GradcheckError, match=r"second derivative ∂²f/∂x0∂x0.*analytic 0\.0"):
        mg.gradcheck(cube, [0.7], order=2, mode=mode)


def test_forward_mode_reports_its_own_mismatch():
    wrong = mg.Op("wrong_slope", lambda x: 2.0 * x, lambda m, g, out, x: (3.0 * g,))
    with pytest.raises(mg.GradcheckError, match="forward-mode derivative of input 0"):
        mg.gradcheck(wrong, [1.0], mode="fwd")
    with pytest.raises(mg.GradcheckError, match="gradient of input 0"):
        mg.gradcheck(wrong, [1.0], mode="both")


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"order": 3}, ValueError, "order must be 1 or 2; got 3"),
        ({"order": "2"}, TypeError, "order must be 1 or 2"),
        ({"order": True}, TypeError, "order must be 1 or 2"),
        ({"mode": "forward"}, ValueError, "mode must be one of rev, fwd, both; got 'forward'"),
    ],
)
def test_bad_order_or_mode(kwargs, error, message):
    with pytest.raises(error, match=message):
        mg.gradcheck(lambda x: x * x, [1.0], **kwargs)
