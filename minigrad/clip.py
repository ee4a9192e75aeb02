"""Gradient clipping, as ``torch.nn.utils.clip_grad_norm_`` and ``clip_grad_value_``.

Called between ``loss.backward()`` and ``optimizer.step()``, they rescale or clamp the ``.grad``
of parameters in place:

```text
loss.backward()
mg.clip_grad_norm_(model.parameters(), max_norm=1.0)
opt.step()
```

Each parameter here is one number, so its gradient is what PyTorch would hold in a 0-d float64
tensor. The results are PyTorch 2.13's (CPU) bit for bit, including the order in which its
kernels add: see `vector_norm`. A parameter whose ``.grad`` is None (no backward pass reached
it) is skipped, as in PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from minigrad.numbers import as_float, data_of, describe
from minigrad.rounding import LANES, fma
from minigrad.value import Value

__all__ = [
    "GRAIN_SIZE",
    "clip_grad_norm_",
    "clip_grad_value_",
    "clip_grads_with_norm_",
    "get_total_norm",
    "vector_norm",
]

#: The number of elements below which PyTorch's CPU reductions run on one thread
#: (``at::internal::GRAIN_SIZE``).
GRAIN_SIZE = 32768


def _add_square(acc: float, x: float) -> float:
    """acc + x², rounded once (a fused multiply-add, as PyTorch's compiled scalar loop)."""
    return fma(x, x, acc)


def _pow(x: float, p: float) -> float:
    """x ** p for x ≥ 0 (or nan) as C's pow: 0 ** (negative) is inf, an overflow is inf."""
    try:
        return float(x**p)
    except (ZeroDivisionError, OverflowError):
        return math.inf


def _norm_type(x: object) -> float:
    """The order p of a norm: a number (not nan), or the strings "inf" and "-inf"."""
    if x == "inf" or x == "-inf":
        return float(x)  # one of the two strings
    p = as_float(x, "norm_type")
    if math.isnan(p):
        raise ValueError("norm_type must be a number or ±inf; got nan")
    return p


def vector_norm(xs: Sequence[float], ord: float = 2.0, *, threads: int = 1) -> float:
    """The p-norm of numbers as ``torch.linalg.vector_norm`` of a 1-d float64 CPU tensor.

    ```text
    ‖x‖_p = (Σ |x_i|^p)^(1/p)      ‖x‖_∞ = max |x_i|     ‖x‖_−∞ = min |x_i|
    ‖x‖_0 = number of x_i ≠ 0 (nan counts)
    ```

    Sums are rounded as PyTorch 2.13's CPU kernels round them, so the result is the same bit
    for bit (measured over thousands of random vectors of 1 to 200 numbers for each of
    p = 2, 1, ±inf, 0, 3, 0.5, 1.5, 2.5, 4, 7, −1, −2.5, with 0, ±inf, nan and numbers whose
    squares overflow or underflow among them):

    * one number: |x| (or x ≠ 0 for p = 0), with no rounding;
    * p = 2: the squares are added in `LANES` running sums (x_0, x_4, x_8, … in the first),
      which are then added in order, then the last n mod `LANES` squares one at a time, each
      with a single rounding (a fused multiply-add); the square root of that;
    * p = 1, 0, ±inf and other p: one running sum (or max, min) from the first number to the
      last; pow(sum, 1/p) for other p. Beyond `GRAIN_SIZE` (32768) numbers, PyTorch running
      on T threads (``torch.get_num_threads()``) cuts the numbers into k = min(T, ⌈n/32768⌉)
      chunks of ⌈n/k⌉, sums each chunk, then adds the chunks' sums in order: give
      ``threads=T`` for that (the default, 1, is PyTorch on one thread; the 2-norm is never
      split). Without it, a 1-norm of 40000 to 100000 numbers was 24 to 119 ulps off PyTorch's
      on 2 threads; with it, equal.

    A nan gives nan (except for p = 0); nothing is scaled, so squares can overflow to inf or
    underflow to 0 as they do in PyTorch.

    Args:
        xs: The numbers.
        ord: The order p (a number, ±inf).
        threads: The number of threads T of the PyTorch run to reproduce (an int ≥ 1).

    Returns:
        The norm; 0.0 for no numbers.

    Example:
        >>> vector_norm([3.0, -4.0]), vector_norm([3.0, -4.0], 1), vector_norm([3.0, -4.0], 0)
        (5.0, 7.0, 2.0)
    """
    p = _norm_type(ord)
    if not xs:
        return 0.0
    if len(xs) == 1:
        return float(xs[0] != 0) if p == 0 else abs(xs[0])
    if p == 2:
        lanes = [0.0] * LANES
        whole = len(xs) - len(xs) % LANES
        for start in range(0, whole, LANES):
            for j in range(LANES):
                x = xs[start + j]
                lanes[j] = lanes[j] + x * x
        total = lanes[0]
        for lane in lanes[1:]:
            total = total + lane
        for x in xs[whole:]:
            total = _add_square(total, x)
        return math.sqrt(total)
    if p == 0:
        return float(sum(1 for x in xs if x != 0))  # exact: no order to follow
    if math.isinf(p):
        if any(math.isnan(x) for x in xs):
            return math.nan
        return max(map(abs, xs)) if p > 0 else min(map(abs, xs))
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int; got {describe(threads)}")
    if threads < 1:
        raise ValueError(f"threads must be an int >= 1; got {threads}")
    chunks = min(threads, -(-len(xs) // GRAIN_SIZE))
    size = -(-len(xs) // chunks)
    total = 0.0
    for start in range(0, len(xs), size):
        chunk_sum = 0.0
        for x in xs[start : start + size]:
            chunk_sum = chunk_sum + (abs(x) if p == 1 else _pow(abs(x), p))
        total = total + chunk_sum
    return total if p == 1 else _pow(total, 1.0 / p)


def _parameters(parameters: Value | Iterable[Value]) -> list[Value]:
    """The parameters as a list (a single Value is one parameter), each checked."""
    if isinstance(parameters, Value):
        return [parameters]
    if not isinstance(parameters, Iterable):
        raise TypeError(
            "parameters must be a Value or an iterable of Values (e.g. model.parameters()); "
            f"got {describe(parameters)}"
        )
    params = list(parameters)
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"parameters must be Values; parameter {i} is {describe(p)}")
    return params


def _flag(name: str, x: object, allow_none: bool = False) -> None:
    if not (isinstance(x, bool) or (allow_none and x is None)):
        accepted = "True, False or None" if allow_none else "True or False"
        raise TypeError(f"{name} must be {accepted}; got {describe(x)}")


def _bound(name: str, x: object) -> float:
    """max_norm or clip_value: a number ≥ 0 (inf allowed)."""
    bound = as_float(x, name)
    if not bound >= 0:  # also nan
        raise ValueError(f"{name} must be a number >= 0 (inf allowed); got {x!r}")
    return bound


def get_total_norm(
    grads: Iterable[float], norm_type: float = 2.0, error_if_nonfinite: bool = False
) -> float:
    """The norm of the gradients viewed as one vector, as ``torch.nn.utils.get_total_norm``.

    PyTorch takes the norm of each gradient tensor, then the norm of those norms; a gradient
    here is one number, whose norm is |g| (g ≠ 0 for p = 0). That vector's norm is
    `vector_norm`'s, bit for bit.

    Args:
        grads: The gradients (numbers).
        norm_type: The order p of the norm: a number, or inf / -inf ("inf" also works).
        error_if_nonfinite: Raise if the norm is nan or ±inf.

    Returns:
        The total norm; 0.0 for no gradients.

    Raises:
        RuntimeError: `error_if_nonfinite` and the norm is nan or ±inf.
        TypeError: A gradient or `norm_type` that is not a number.
        ValueError: A nan `norm_type`.

    Example:
        >>> get_total_norm([3.0, 4.0]), get_total_norm([3.0, 4.0], norm_type=float("inf"))
        (5.0, 4.0)
    """
    p = _norm_type(norm_type)
    _flag("error_if_nonfinite", error_if_nonfinite)
    numbers = [as_float(g, "a gradient") for g in grads]
    norms = [float(g != 0) for g in numbers] if p == 0 else [abs(g) for g in numbers]
    total = vector_norm(norms, p)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"The total norm of order {p} for gradients from `parameters` is non-finite, so it "
            "cannot be clipped. To disable this error and scale the gradients by the non-finite "
            "norm anyway, set `error_if_nonfinite=False`"
        )
    return total


def clip_grads_with_norm_(
    parameters: Value | Iterable[Value], max_norm: float, total_norm: float
) -> None:
    """Scale every gradient by min(max_norm / (total_norm + 10⁻⁶), 1), in place.

    As ``torch.nn.utils.clip_grads_with_norm_``, whose operations are, in float64:

    ```text
    coef = (1 / (total_norm + 1e-6)) · max_norm     (PyTorch divides a number by a
                                                    tensor as reciprocal, then product)
    coef = min(coef, 1)                             (nan stays nan)
    g = g · coef                                    (also when coef is 1)
    ```

    Args:
        parameters: A Value or an iterable of Values; those whose ``.grad`` is None are skipped.
        max_norm: The largest norm allowed (≥ 0; inf allowed).
        total_norm: The norm of the gradients (from `get_total_norm`).

    Raises:
        TypeError: A parameter that is not a Value; a bound that is not a number.
        ValueError: A negative or nan `max_norm`.
    """
    params = _parameters(parameters)
    bound = _bound("max_norm", max_norm)
    total = as_float(total_norm, "total_norm")
    coef = (1.0 / (total + 1e-6)) * bound
    if coef > 1.0:
        coef = 1.0
    for p in params:
        if p.grad is not None:
            p.grad = data_of(p.grad) * coef


def clip_grad_norm_(
    parameters: Value | Iterable[Value],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
    foreach: bool | None = None,
) -> float:
    """Scale the gradients down, in place, so that their total norm is at most `max_norm`.

    As ``torch.nn.utils.clip_grad_norm_`` (PyTorch 2.13), bit for bit on float64:

    ```text
    N = ‖(g_1, …, g_n)‖_p                        (`get_total_norm`)
    g_i ← g_i · min(max_norm / (N + 10⁻⁶), 1)    (`clip_grads_with_norm_`)
    ```

    When N is nan or inf the gradients are multiplied all the same (giving nan or 0), unless
    `error_if_nonfinite` asks for an error.

    Args:
        parameters: A Value or an iterable of Values, e.g. ``model.parameters()``; those whose
            ``.grad`` is None are skipped.
        max_norm: The largest total norm allowed (≥ 0; inf allowed).
        norm_type: The order p of the norm (default 2): a number, or inf / -inf.
        error_if_nonfinite: Raise instead of clipping when N is nan or ±inf.
        foreach: Accepted for PyTorch's signature; it has no effect here.

    Returns:
        N, the total norm of the gradients before clipping (a float; 0.0 if none have one).

    Raises:
        RuntimeError: `error_if_nonfinite` and N is nan or ±inf (no gradient is changed).
        TypeError: A parameter that is not a Value; an argument of the wrong type.
        ValueError: A negative or nan `max_norm`; a nan `norm_type`.

    Example:
        >>> import minigrad as mg
        >>> a, b = mg.Parameter(0.0), mg.Parameter(0.0)
        >>> loss = 3 * a + 4 * b
        >>> loss.backward()
        >>> mg.clip_grad_norm_([a, b], max_norm=1.0)
        5.0
        >>> round(a.grad, 6), round(b.grad, 6)
        (0.6, 0.8)
    """
    params = _parameters(parameters)
    bound = _bound("max_norm", max_norm)
    _flag("foreach", foreach, allow_none=True)
    grads = [data_of(p.grad) for p in params if p.grad is not None]
    total = get_total_norm(grads, norm_type, error_if_nonfinite)
    if grads:
        clip_grads_with_norm_(params, bound, total)
    return total


def clip_grad_value_(
    parameters: Value | Iterable[Value], clip_value: float, foreach: bool | None = None
) -> None:
    """Clamp each gradient, in place, to [−clip_value, clip_value].

    As ``torch.nn.utils.clip_grad_value_`` (PyTorch 2.13), which clamps from below, then from
    above:

    ```text
    g ← −c if g < −c else g
    g ← c  if g > c  else g          (c = clip_value; a nan gradient stays nan)
    ```

    Zeros keep their sign (with c = 0, a −0.0 gradient stays −0.0, −5 becomes −0.0).

    Args:
        parameters: A Value or an iterable of Values; those whose ``.grad`` is None are skipped.
        clip_value: c, the largest magnitude allowed (≥ 0; inf allowed).
        foreach: Accepted for PyTorch's signature; it has no effect here.

    Raises:
        TypeError: A parameter that is not a Value; `clip_value` not a number.
        ValueError: A negative or nan `clip_value`.

    Example:
        >>> import minigrad as mg
        >>> a, b = mg.Parameter(0.0), mg.Parameter(0.0)
        >>> (3 * a - 0.5 * b).backward()
        >>> mg.clip_grad_value_([a, b], clip_value=1.0)
        >>> a.grad, b.grad
        (1.0, -0.5)
    """
    params = _parameters(parameters)
    c = _bound("clip_value", clip_value)
    _flag("foreach", foreach, allow_none=True)
    low = -c
    for p in params:
        if p.grad is None:
            continue
        g = data_of(p.grad)
        if g < low:
            g = low
        if g > c:
            g = c
        p.grad = g
