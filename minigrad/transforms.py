"""The function transforms: `grad` and `value_and_grad` turn a function into its derivative.

``df = mg.grad(f)`` replaces a hand-written ``def df(x): ...``: ``df`` takes plain numbers and
returns float gradients. Called with Values that require grad (as when one `grad` is nested in
another) it returns Values instead, computed with ``create_graph``, so ``mg.grad(mg.grad(f))`` is
the second derivative.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

from minigrad import modes
from minigrad.backprop import on_floats, on_values, walk
from minigrad.numbers import as_float
from minigrad.value import Value

__all__ = ["grad", "value_and_grad"]

Argnums = int | Sequence[int]


def check_argnums(argnums: Argnums) -> tuple[int, ...]:
    """`argnums` as a tuple of ints, or TypeError / ValueError saying what is wrong."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    if (
        isinstance(argnums, Sequence)
        and argnums
        and all(isinstance(i, int) and not isinstance(i, bool) for i in argnums)
    ):
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums must not repeat an argument; got {tuple(argnums)!r}")
        return tuple(argnums)
    raise TypeError(f"argnums must be an int or a non-empty tuple of ints; got {argnums!r}")


def resolve_argnums(argnums: Argnums, arity: int, name: str) -> tuple[int, ...]:
    """The checked `argnums` as positions 0 … arity−1, for a call with `arity` arguments.

    Raises:
        ValueError: A position is out of range, or two name the same argument (``(0, -2)``
            with two arguments).
    """
    positions = check_argnums(argnums)
    for i in positions:
        if not -arity <= i < arity:
            raise ValueError(
                f"{name}: argnums {argnums!r} asks for argument {i}, but the function "
                f"was called with {arity} positional argument(s)"
            )
    resolved = tuple(i % arity for i in positions)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{name}: argnums {argnums!r} names the same argument twice")
    return resolved


def _differentiate(
    f: Callable[..., Any], argnums: Argnums, name: str
) -> Callable[..., tuple[Any, Any]]:
    check_argnums(argnums)  # a bad argnums fails at once, not at the first call
    single = isinstance(argnums, int)

    @functools.wraps(f)
    def value_and_gradients(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        positions = resolve_argnums(argnums, len(args), name)
        # Called with Values that require grad (from an enclosing grad, say): differentiate on
        # Values with create_graph, so that the result can be differentiated again.
        nested = any(isinstance(a, Value) and a.requires_grad for a in (*args, *kwargs.values()))
        call_args = list(args)
        inputs = []
        for i in positions:
            given = args[i]
            if isinstance(given, Value) and given.requires_grad:
                inputs.append(given)
            else:
                number = given.data if isinstance(given, Value) else given
                inputs.append(Value(as_float(number, f"{name}: argument {i}")))
            call_args[i] = inputs[-1]
        with modes.enable_grad():
            out = f(*call_args, **kwargs)
        if not isinstance(out, Value):
            raise TypeError(
                f"{name}: the function must return a single Value (a scalar, e.g. a loss); "
                f"got {type(out).__name__}. Build the result from the arguments with minigrad "
                "ops; to differentiate several outputs, sum them or take one at a time."
            )
        found: dict[Any, Any] = {}
        if out.requires_grad:
            if nested:
                with modes.enable_grad():
                    found = walk(out, Value(1.0, requires_grad=False), on_values)
            else:
                found = walk(out, 1.0, on_floats)
        grads: list[Any] = []
        for v in inputs:
            g = found.get(v, 0.0)
            if nested:
                grads.append(g if isinstance(g, Value) else Value(g, requires_grad=False))
            else:
                grads.append(float(g))
        value = out if nested else out.data
        return value, (grads[0] if single else tuple(grads))

    return value_and_gradients


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """Return a function that computes ``f`` and its gradient in one pass.

    Args:
        f: Takes numbers (they arrive as Values) and returns a single Value.
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with ``f``'s arguments returning ``(value, gradient)``: floats for number
        arguments, the gradient a tuple when `argnums` is a tuple.

    Raises:
        TypeError: `argnums` is not an int or tuple of ints; ``f`` returns something other
            than a Value (when called).

    Example:
        >>> import minigrad as mg
        >>> f = lambda x: (x - 1) ** 2 / 10
        >>> mg.value_and_grad(f)(10.0)
        (8.1, 1.8)
    """
    return _differentiate(f, argnums, "value_and_grad")


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """Return the function that computes the gradient of ``f``.

    ``df = mg.grad(f)`` is what the hand-written ``def df(x): return 1/5*(x-1)`` was for
    f(x) = (x−1)²/10. It nests: ``mg.grad(mg.grad(f))`` is f''.

    Args:
        f: Takes numbers (they arrive as Values) and returns a single Value.
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with ``f``'s arguments returning the gradient: a float (a tuple of floats
        when `argnums` is a tuple). Arguments that ``f`` does not depend on get 0.0.

    Example:
        >>> import minigrad as mg
        >>> df = mg.grad(lambda x: (x - 1) ** 2 / 10)
        >>> df(10.0)
        1.8
        >>> mg.grad(lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
        (3.0, 2.0)
    """
    value_and_gradients = _differentiate(f, argnums, "grad")

    @functools.wraps(f)
    def gradients(*args: Any, **kwargs: Any) -> Any:
        return value_and_gradients(*args, **kwargs)[1]

    return gradients
