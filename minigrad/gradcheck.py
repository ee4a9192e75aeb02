"""`gradcheck`: compare backward's gradients with central finite differences."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from minigrad import modes
from minigrad.numbers import as_float
from minigrad.value import Value

__all__ = ["GradcheckError", "gradcheck"]


class GradcheckError(AssertionError):
    """Backward's gradient and the finite-difference estimate disagree."""


def _evaluate(f: Callable[..., Any], point: Sequence[float]) -> float:
    with modes.no_grad():
        out = f(*[Value(x, requires_grad=False) for x in point])
    return float(out)


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check the gradients of ``f`` at `inputs` against central differences.

    For each input xᵢ the numeric estimate is (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, with
    h = eps, or h = 1e-6·max(1, |xᵢ|) when eps is None (a step scaled to the input's size).
    Input i passes when |analytic − numeric| ≤ atol + rtol·|numeric|.

    Args:
        f: Takes one Value per input and returns a single Value.
        inputs: The point: one number per argument of ``f``.
        eps: A fixed finite-difference step, or None for a step scaled to each input.
        atol: Absolute tolerance.
        rtol: Relative tolerance.

    Returns:
        True when every gradient matches.

    Raises:
        GradcheckError: A gradient does not match (or is NaN); the message names the input
            index, the point, both values and the error.
        TypeError: ``f`` does not return a Value.

    Example:
        >>> import minigrad as mg
        >>> mg.gradcheck(lambda x, y: x * mg.sin(y), [2.0, 0.5])
        True
    """
    point = [as_float(x, "gradcheck input") for x in inputs]
    leaves = [Value(x) for x in point]
    with modes.enable_grad():
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value; got {type(out).__name__}")
    if out.requires_grad:
        out.backward()
    for i, x in enumerate(point):
        h = eps if eps is not None else 1e-6 * max(1.0, abs(x))
        plus = [*point[:i], x + h, *point[i + 1 :]]
        minus = [*point[:i], x - h, *point[i + 1 :]]
        numeric = (_evaluate(f, plus) - _evaluate(f, minus)) / (2.0 * h)
        analytic = float(leaves[i].grad)
        error = abs(analytic - numeric)
        if not error <= atol + rtol * abs(numeric):  # `not <=` also catches NaN
            raise GradcheckError(
                f"gradient of input {i} does not match at point {point}: "
                f"analytic {analytic!r}, numeric {numeric!r}, error {error:.3g} "
                f"(allowed {atol + rtol * abs(numeric):.3g} = atol {atol} + rtol {rtol}·|numeric|)"
            )
    return True
