"""`gradcheck`: compare derivatives with central finite differences, to first or second order."""

from __future__ import annotations

import math

from minigrad import modes
from minigrad.numbers import as_float
from minigrad.transforms import grad, hessian, jacrev, jvp
from minigrad.value import Value

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = ["GradcheckError", "gradcheck"]

MODES = ("rev", "fwd", "both")


class GradcheckError(AssertionError):
    """An analytic derivative and its finite-difference estimate disagree."""


def _positive(name: str, x: object, *, zero_ok: bool) -> float:
    """A step or tolerance: a finite real number, > 0 (or ≥ 0 when `zero_ok`)."""
    if isinstance(x, bool):
        raise TypeError(f"gradcheck: {name} must be a real number; got bool {x!r}")
    number = as_float(x, f"gradcheck: {name}")
    if not (math.isfinite(number) and (number >= 0.0 if zero_ok else number > 0.0)):
        bound = "finite and >= 0" if zero_ok else "finite and > 0"
        raise ValueError(f"gradcheck: {name} must be {bound}; got {x!r}")
    return number


def _evaluate(f: Callable[..., Any], point: Sequence[float]) -> float:
    with modes.no_grad():
        out = f(*[Value(x, requires_grad=False) for x in point])
    return float(out)


def _step(eps: float | None, x: float) -> float:
    return eps if eps is not None else 1e-6 * max(1.0, abs(x))


def _shifted(point: list[float], i: int, h: float) -> tuple[list[float], list[float]]:
    plus = [*point[:i], point[i] + h, *point[i + 1 :]]
    minus = [*point[:i], point[i] - h, *point[i + 1 :]]
    if plus[i] == minus[i]:  # the difference quotient would be 0/0 or 0
        raise ValueError(
            f"gradcheck: the step {h!r} is too small to move input {i} = {point[i]!r} "
            "(x + h == x - h in float64); pass a larger eps"
        )
    return plus, minus


def _compare(what: str, point: list[float], analytic: float, numeric: float, tol: Any) -> None:
    atol, rtol = tol
    error = abs(analytic - numeric)
    if not error <= atol + rtol * abs(numeric):  # `not <=` also catches NaN
        raise GradcheckError(
            f"{what} does not match at point {point}: analytic {analytic!r}, numeric "
            f"{numeric!r}, error {error:.3g} (allowed {atol + rtol * abs(numeric):.3g} = atol "
            f"{atol} + rtol {rtol}·|numeric|)"
        )


def gradcheck(
    f: Callable[..., Any],
    inputs: Sequence[float],
    *,
    eps: float | None = None,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
    mode: str = "rev",
) -> bool:
    """Check the derivatives of ``f`` at `inputs` against central differences.

    First order: for each input xᵢ the numeric estimate of ∂f/∂xᵢ is
    (f(x + h·eᵢ) − f(x − h·eᵢ)) / 2h, with h = eps, or h = 1e-6·max(1, |xᵢ|) when eps is None
    (a step scaled to the input's size). The analytic one comes from ``backward()``
    (``mode="rev"``), from forward mode, `jvp` along eᵢ (``mode="fwd"``), or both. A pair passes
    when |analytic − numeric| ≤ atol + rtol·|numeric|.

    Second order (``order=2``, as PyTorch's ``gradgradcheck``) also checks every ∂²f/∂xᵢ∂xⱼ:
    the analytic Hessian (reverse over reverse for "rev", forward over reverse for "fwd")
    against central differences of the gradient. It catches an op whose backward is right on
    numbers but whose own derivative is wrong (a backward that computes with ``math`` instead of
    ``m.<op>``).

    Args:
        f: Takes one Value per input and returns a single Value.
        inputs: The point: one number per argument of ``f``.
        eps: A fixed finite-difference step, or None for a step scaled to each input.
        atol: Absolute tolerance.
        rtol: Relative tolerance.
        order: 1 (first derivatives) or 2 (also second derivatives).
        mode: ``"rev"``, ``"fwd"`` or ``"both"``: which mode computes the analytic derivatives.

    Returns:
        True when every derivative matches.

    Raises:
        GradcheckError: A derivative does not match (or is NaN); the message names it, the
            point, both values and the error.
        TypeError: ``f`` does not return a Value, an input, `eps`, `atol` or `rtol` is not a
            real number (a bool is refused), or `order` is not an int.
        ValueError: `order` is not 1 or 2, `mode` is not one of "rev", "fwd", "both", `eps`
            is not finite and > 0, `atol`/`rtol` are not finite and >= 0 (nan included), or
            a step is too small to move an input (x + h == x − h in float64).

    Example:
        >>> import minigrad as mg
        >>> mg.gradcheck(lambda x, y: x * mg.sin(y), [2.0, 0.5])
        True
        >>> mg.gradcheck(lambda x, y: x * mg.sin(y), [2.0, 0.5], order=2, mode="both")
        True
    """
    if not isinstance(order, int) or isinstance(order, bool):
        raise TypeError(f"gradcheck: order must be 1 or 2; got {order!r}")
    if order not in (1, 2):
        raise ValueError(f"gradcheck: order must be 1 or 2; got {order}")
    if mode not in MODES:
        raise ValueError(f"gradcheck: mode must be one of {', '.join(MODES)}; got {mode!r}")
    if eps is not None:
        eps = _positive("eps", eps, zero_ok=False)
    atol = _positive("atol", atol, zero_ok=True)
    rtol = _positive("rtol", rtol, zero_ok=True)
    point = [as_float(x, "gradcheck input") for x in inputs]
    n = len(point)
    tol = (atol, rtol)
    leaves = [Value(x) for x in point]
    with modes.enable_grad():
        out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"gradcheck: f must return a Value; got {type(out).__name__}")
    if out.requires_grad:
        out.backward()
    for i, x in enumerate(point):
        h = _step(eps, x)
        plus, minus = _shifted(point, i, h)
        numeric = (_evaluate(f, plus) - _evaluate(f, minus)) / (2.0 * h)
        if mode in ("rev", "both"):
            reached = leaves[i].grad  # None: no path from the output to this input
            analytic = 0.0 if reached is None else float(reached)
            _compare(f"gradient of input {i}", point, analytic, numeric, tol)
        if mode in ("fwd", "both"):
            basis = [1.0 if k == i else 0.0 for k in range(n)]
            tangent = jvp(f, point, basis)[1]
            _compare(f"forward-mode derivative of input {i}", point, tangent, numeric, tol)
    if order == 2:
        _check_second_order(f, point, eps, tol, mode)
    return True


def _check_second_order(
    f: Callable[..., Any], point: list[float], eps: float | None, tol: Any, mode: str
) -> None:
    argnums = tuple(range(len(point)))
    gradient = grad(f, argnums)
    hessians = []
    if mode in ("rev", "both"):
        hessians.append(("reverse over reverse", jacrev(gradient, argnums)(*point)))
    if mode in ("fwd", "both"):
        hessians.append(("forward over reverse", hessian(f, argnums)(*point)))
    for j, x in enumerate(point):
        h = _step(eps, x)
        plus, minus = _shifted(point, j, h)
        up, down = gradient(*plus), gradient(*minus)
        for i in range(len(point)):
            numeric = (up[i] - down[i]) / (2.0 * h)
            for how, matrix in hessians:
                what = f"second derivative ∂²f/∂x{i}∂x{j} ({how})"
                _compare(what, point, matrix[i][j], numeric, tol)
