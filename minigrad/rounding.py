"""Arithmetic rounded once: the fused multiply-add that PyTorch's optimizer kernels compute.

PyTorch's CPU kernels for ``x.add_(y, alpha=a)``, ``lerp_``, ``addcmul_`` compute a·b + c with
one rounding (a fused multiply-add, FMA); Python's ``a * b + c`` rounds twice, and the two
differ in the last bit about one time in five (measured on torch 2.13, float64, 20,000 random
``add(alpha=)`` calls: FMA matched 20,000, two roundings 16,071). Over hundreds of optimizer
steps those bits grow apart, so the optimizers in `minigrad.optim` use `fma`.

`fma` is ``math.fma`` where Python has it (3.13 and later). Elsewhere it is computed exactly in
Python: a·b is split into a sum of two floats ph + pl with no error (Veltkamp's split and
Dekker's product), and ``math.fsum``, which rounds a sum of floats once and correctly, adds c.
Inputs too large, too small or not finite for the split take an exact route through fractions.
"""

from __future__ import annotations

import math
import sys

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

__all__ = [
    "BIG",
    "EPS",
    "LANES",
    "NATIVE_FMA",
    "SPLIT",
    "TINY",
    "ceil_log2",
    "fma",
    "lane_sum",
    "torch_sum",
]

SPLIT = 134217729.0
"""2**27 + 1, Veltkamp's constant: ``t = SPLIT * a; hi = t - (t - a); lo = a - hi`` splits a
float into two halves of 26 bits whose products with another split are exact."""
BIG = 2.0**995
"""Dekker's product a·b = ph + pl is exact when |a|, |b|, |a·b| (and the c added to it) are below
BIG, so SPLIT·a is finite and the sums stay finite, ..."""
TINY = 2.0**-960
"""... and |a·b| is 0 or above TINY, so the product's lowest bit (near 2**-1065) is a float's."""
EPS = 2.0**-52
"""|x|·EPS is at least the spacing of the floats at a normal x (one unit in its last place)."""


def _fma_exact(a: float, b: float, c: float) -> float:
    """a·b + c rounded once, for any floats, through exact rational arithmetic (slow)."""
    if not (math.isfinite(a) and math.isfinite(b)):
        return a * b + c  # ±inf or nan from the product: IEEE's a·b is exact here
    if not math.isfinite(c):
        return c  # a finite a·b plus ±inf or nan is c
    from fractions import Fraction  # rare (huge, tiny or infinite inputs); it imports decimal

    product = Fraction(a) * Fraction(b)
    total = product + Fraction(c)
    if total == 0:
        # An exact zero: −0 only when both terms are zeros and both negative (IEEE 754 §6.3).
        return a * b + c if product == 0 else 0.0
    try:
        return float(total)  # int / int: correctly rounded
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def fma(a: float, b: float, c: float) -> float:
    """a·b + c with one rounding (IEEE 754 fusedMultiplyAdd), on floats.

    ``math.fma`` on Python 3.13 and later. Before, this, in two steps:

    1. **Bracket.** With ph = fl(a·b) a normal float, a·b lies strictly between the floats next
       to ph, so between ph − t and ph + t for t = ph·2⁻⁵² (at least one unit in ph's last
       place; exact). Rounding is monotone: if c + fl(ph − t) and c + fl(ph + t) round to the
       same float, c + a·b rounds to it too, and that float is the answer. Five operations; it
       fails only when a rounding boundary falls between the two, about 2·|a·b|/|c| of calls
       (an optimizer's small step on a larger parameter passes nearly always).
    2. **Exact.** Otherwise pl = a·b − ph, exact by Dekker's product of Veltkamp halves, and
       ``math.fsum((c, ph, pl))`` is the float nearest to c + a·b (fsum rounds its exact sum
       once); huge, tiny or non-finite inputs take exact fractions.

    Measured with callgrind on Python 3.11, beyond the call itself: about 1.5k instructions
    through the bracket, 4.9k through Dekker's product (``a * b + c``: about 0.3k).

    Example:
        >>> from minigrad.rounding import fma
        >>> 0.1 * 10.0 - 1.0, fma(0.1, 10.0, -1.0)  # the product's rounding error, kept
        (0.0, 5.551115123125783e-17)
    """
    ph = a * b
    if ph > TINY or ph < -TINY:  # a normal product, or ±inf (whose bracket is nan: no match)
        t = ph * EPS
        lo = c + (ph - t)
        if lo == c + (ph + t):
            return lo  # 1. the bracket rounds to one float (overflow included: monotone too)
        if -BIG < ph < BIG and -BIG < a < BIG and -BIG < b < BIG and -BIG < c < BIG:
            if c == 0.0:
                return ph  # a·b rounded once; c = ±0 cannot change a non-zero product
            t = SPLIT * a  # 2. Dekker's exact product ph + pl, and one rounding by fsum
            ah = t - (t - a)
            al = a - ah
            t = SPLIT * b
            bh = t - (t - b)
            bl = b - bh
            pl = ((ah * bh - ph) + ah * bl + al * bh) + al * bl
            return math.fsum((c, ph, pl))
    elif ph == 0.0 and (a == 0.0 or b == 0.0):
        return ph + c  # an exact ±0 product: one rounding, IEEE's signed zeros
    return _fma_exact(a, b, c)  # a huge, tiny (underflowing), infinite or nan term


NATIVE_FMA = sys.version_info >= (3, 13)
"""Whether `fma` is Python's own ``math.fma`` (a C function) rather than the emulation."""

if sys.version_info >= (3, 13):
    fma = math.fma  # the C function, where Python has it


# --- the order of PyTorch's CPU sums -----------------------------------------------------------
# Floating-point addition is not associative, so to give PyTorch's last bit a sum must add in
# PyTorch's order: its vectorised kernels add in SIMD lanes, torch.sum in a cascade.

LANES = 4
"""float64 numbers in one of PyTorch's SIMD vectors (``Vectorized<double>::size()`` on AVX2)."""


def lane_sum(xs: Sequence[Any]) -> Any:
    """Σ xs in the order of PyTorch's ``vec::reduce_all`` (its softmax kernels' sums).

    Lane k of a `LANES`-wide vector adds x_k, x_{k+4}, x_{k+8}, ...; then the lanes are added
    in order. Fewer than `LANES` terms are added left to right. Works on floats and on Values.

    Example:
        >>> lane_sum([1.0, 2.0, 3.0, 4.0, 5.0])  # ((1 + 5) + 2) + 3) + 4
        15.0
    """
    n = len(xs)
    if n < LANES:
        total = xs[0]
        for x in xs[1:]:
            total = total + x
        return total
    lanes = list(xs[:LANES])
    start = LANES
    while start + LANES <= n:
        for k in range(LANES):
            lanes[k] = lanes[k] + xs[start + k]
        start += LANES
    for k in range(n - start):
        lanes[k] = lanes[k] + xs[start + k]
    total = lanes[0]
    for lane in lanes[1:]:
        total = total + lane
    return total


def ceil_log2(n: int) -> int:
    """⌈log₂ n⌉ for n ≥ 2 (1 for n ≤ 2): the depth of PyTorch's cascade sums."""
    return 1 if n <= 2 else (n - 1).bit_length()


def _multi_row_sum(rows: list[list[Any]], zero: Any) -> list[Any]:
    """PyTorch's ``multi_row_sum``: a cascade over rows that keeps partial sums of like size."""
    levels, size = 4, len(rows)
    power = max(4, ceil_log2(size) // levels) if size else 4
    step, mask = 1 << power, (1 << power) - 1
    width = len(rows[0]) if rows else 4
    acc = [[zero] * width for _ in range(levels)]

    def add(a: list[Any], b: list[Any]) -> list[Any]:
        return [x + y for x, y in zip(a, b, strict=True)]

    i = 0
    while i + step <= size:
        for _ in range(step):
            acc[0] = add(acc[0], rows[i])
            i += 1
        for j in range(1, levels):
            acc[j] = add(acc[j], acc[j - 1])
            acc[j - 1] = [zero] * width
            if i & (mask << (j * power)):
                break
    while i < size:
        acc[0] = add(acc[0], rows[i])
        i += 1
    for j in range(1, levels):
        acc[0] = add(acc[0], acc[j])
    return acc[0]


def _row_sum(items: list[Any], zero: Any) -> Any:
    """PyTorch's ``row_sum``: four interleaved partial sums, each a cascade."""
    rows = len(items) // 4
    partial = _multi_row_sum([items[4 * r : 4 * r + 4] for r in range(rows)], zero)
    for item in items[4 * rows :]:
        partial[0] = partial[0] + item
    for k in range(1, 4):
        partial[0] = partial[0] + partial[k]
    return partial[0]


def torch_sum(xs: Sequence[float]) -> float:
    """Σ xs in the order of ``torch.sum`` of a contiguous float64 CPU tensor (its cascade sum).

    Checked bit for bit against torch 2.13 for every length up to 70 and some up to 20,000 (a
    longer tensor is split between threads, in an order not repeated here).

    Example:
        >>> torch_sum([0.1] * 10)  # a plain left-to-right sum gives 0.9999999999999999
        1.0
    """
    n = len(xs)
    if n >= LANES:
        vectors = n // LANES
        lanes = [list(xs[LANES * v : LANES * v + LANES]) for v in range(vectors)]

        def vadd(a: list[float], b: list[float]) -> list[float]:
            return [x + y for x, y in zip(a, b, strict=True)]

        total = _vector_row_sum(lanes, vadd)
        acc = 0.0
        for x in xs[vectors * LANES :]:
            acc += x
        for lane in total:
            acc += lane
    else:
        acc = _row_sum(list(xs), 0.0)
    return 0.0 + acc  # the output starts at 0.0 (so a sum of −0.0 is 0.0, as in PyTorch)


def _vector_row_sum(vectors: list[list[float]], vadd: Callable[..., list[float]]) -> list[float]:
    """`_row_sum` over SIMD vectors: the same cascade, lane by lane."""
    zero = [0.0] * LANES
    rows = len(vectors) // 4
    levels_in = [vectors[4 * r : 4 * r + 4] for r in range(rows)]
    partial = _multi_row_sum([[_Lanes(v) for v in row] for row in levels_in], _Lanes(zero))
    out = [p.lanes for p in partial] if rows else [zero] * 4
    for v in vectors[4 * rows :]:
        out[0] = vadd(out[0], v)
    for k in range(1, 4):
        out[0] = vadd(out[0], out[k])
    return out[0]


class _Lanes:
    """A SIMD vector of float64 lanes: ``+`` adds lane by lane (for `_multi_row_sum`)."""

    __slots__ = ("lanes",)

    def __init__(self, lanes: list[float]) -> None:
        self.lanes = lanes

    def __add__(self, other: _Lanes) -> _Lanes:
        return _Lanes([x + y for x, y in zip(self.lanes, other.lanes, strict=True)])
