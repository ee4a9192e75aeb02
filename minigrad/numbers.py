"""The one way a user's input becomes a float, with one error contract.

Every place that takes a number from a user (an operand, ``Value(...)``, an argument of
``mg.grad`` or ``mg.compile``, a gradient, an optimizer's hyper-parameter...) calls `as_float`:

* a real number (int, float, bool, `numbers.Real`, a numpy real scalar or 0-d array) becomes a
  Python float;
* an int too large for a float64 raises `ValueError`;
* anything else (a str, None, a complex number, a list, an n-d array...) raises `TypeError`
  saying what was given and what is accepted.
"""

from __future__ import annotations

import sys

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["ACCEPTED", "as_float", "data_of", "describe", "is_array"]

ACCEPTED = "a real number (int, float, bool, or a numpy real scalar or 0-d array)"


def _abc() -> Any:
    """The standard library's `numbers` module, imported on first need (not by ints and floats).

    Its abstract base classes cost about a twentieth of ``import minigrad``.
    """
    import numbers

    return numbers


def describe(x: object) -> str:
    """``x``'s type and a short repr, for error messages."""
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(x).__name__} {text}"


def _numpy_number(x: object) -> float | None:
    """A numpy real scalar or 0-d array as a float; None if `x` is not one."""
    np = sys.modules.get("numpy")  # never import numpy ourselves: it is not a dependency
    if np is None:
        return None
    if isinstance(x, np.ndarray):
        if x.ndim == 0 and x.dtype.kind in "biuf":
            return float(x)
        return None
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return float(x)
    return None


def is_array(x: object) -> bool:
    """True for a numpy array with at least one dimension (numpy broadcasts those itself)."""
    np = sys.modules.get("numpy")
    return np is not None and isinstance(x, np.ndarray) and x.ndim > 0


def data_of(x: Any) -> float:
    """The number of a float or of a Value (its ``.data``), for the engine's own reads.

    A gradient or an input inside the engine is one or the other; unlike ``float(value)`` this
    never warns (`minigrad.GradientLostWarning` is for users' code), and unlike `as_float` it
    checks nothing: it is not for a user's input.
    """
    return x if x.__class__ is float else float(getattr(x, "number", x))


def as_float(x: object, what: str = "value") -> float:
    """Convert a real number to a Python float, or raise saying what is accepted.

    Args:
        x: An int, float, bool, `numbers.Real`, numpy real scalar or 0-d numpy array.
        what: How the error message names `x`.

    Returns:
        `x` as a float.

    Raises:
        TypeError: `x` is not a real number (a str, None, a list, a complex number, an n-d
            array, a Value...).
        ValueError: `x` is too large for a float64 (an int such as ``10**400``).

    Example:
        >>> as_float(3)
        3.0
        >>> as_float(10**400)
        Traceback (most recent call last):
        ...
        ValueError: value 1000...0 is too large for a float64
    """
    cls = x.__class__
    if cls is float:
        return x  # type: ignore[return-value]  # checked just above
    if cls is int or cls is bool or isinstance(x, _abc().Real):
        try:
            return float(x)  # type: ignore[arg-type]  # a numbers.Real
        except OverflowError:
            text = repr(x)
            if len(text) > 20:
                text = text[:4] + "..." + text[-1:]
            raise ValueError(f"{what} {text} is too large for a float64") from None
    converted = _numpy_number(x)
    if converted is not None:
        return converted
    hint = ""
    if hasattr(x, "requires_grad") and hasattr(x, "number"):
        hint = " (use .data for its number, or pass the Value itself to an op)"
    elif isinstance(x, complex | _abc().Complex):
        hint = " (complex numbers are not supported)"
    raise TypeError(f"{what} must be {ACCEPTED}; got {describe(x)}{hint}")
