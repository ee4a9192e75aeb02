"""minigrad.rounding.fma: a·b + c rounded once, against exact rational arithmetic."""

import math
import sys
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from minigrad.rounding import fma

any_float = st.floats(allow_nan=True, allow_infinity=True)
# Products near the edges of the exact split (2**±960, 2**995) and plain ones.
scaled = st.builds(lambda m, e: math.ldexp(m, e), st.floats(-1.0, 1.0), st.integers(-1074, 1023))


def exact(a, b, c):
    """The IEEE 754 answer, from the definition: round the exact a·b + c once."""
    if not all(map(math.isfinite, (a, b, c))):
        if math.isfinite(a) and math.isfinite(b):
            return c
        return a * b + c
    total = Fraction(a) * Fraction(b) + Fraction(c)
    if total == 0:
        return a * b + c if a == 0 or b == 0 else 0.0
    try:
        return float(total)
    except OverflowError:
        return math.inf if total > 0 else -math.inf


def same(x, y):
    return (math.isnan(x) and math.isnan(y)) or (
        x == y and math.copysign(1, x) == math.copysign(1, y)
    )


@given(a=scaled | any_float, b=scaled | any_float, c=scaled | any_float)
def test_fma_is_the_exact_sum_rounded_once(a, b, c):
    assert same(fma(a, b, c), exact(a, b, c))


@given(a=st.floats(-4, 4), b=st.floats(-4, 4), c=st.floats(-4, 4))
def test_fma_on_ordinary_numbers(a, b, c):
    assert same(fma(a, b, c), exact(a, b, c))


def test_the_cases_that_separate_one_rounding_from_two():
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert fma(0.1, 10.0, -1.0) == 5.551115123125783e-17
    # A product below the smallest float keeps its sign, and still counts at a tie:
    # 2**-1074 + 2**-1075·(1 + 2**-52) is just above the tie, so it rounds up.
    assert same(fma(-(2.0**-600), 2.0**-600, -0.0), -0.0)
    assert fma(2.0**-538, 2.0**-537 * (1 + 2.0**-52), 2.0**-1074) == 2.0**-1073
    # A product that overflows and c brings back: exact here, inf with two roundings.
    assert math.inf == 2.0 * 2.0**1023 - 2.0**1023
    assert fma(2.0, 2.0**1023, -(2.0**1023)) == 2.0**1023
    # Signed zeros: −0 only when both terms are −0.
    assert same(fma(-0.0, 1.0, -0.0), -0.0)
    assert same(fma(0.0, -1.0, 0.0), 0.0)
    assert same(fma(1.0, 1.0, -1.0), 0.0)
    # Infinities and nan.
    assert fma(1e300, 1e300, -math.inf) == -math.inf
    assert math.isnan(fma(math.inf, 0.0, 1.0))
    assert math.isnan(fma(math.inf, 1.0, -math.inf))


def test_python_313_uses_the_c_function():
    if sys.version_info >= (3, 13):
        assert fma is math.fma
    else:
        assert fma.__module__ == "minigrad.rounding"
