"""minigrad.rounding.fma: a·b + c rounded once, against exact rational arithmetic."""

import math
import sys
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

import minigrad as mg
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


# fma's first step brackets c + a·b between c + fl(ph − t) and c + fl(ph + t); it must give up
# whenever a rounding boundary of c's floats lies between them. These put c + a·b within a few
# units of 2**-50 ulp of a midpoint (a tie), of a float, or of a power of two (where the floats'
# spacing halves below), on both sides and at every sign.
@st.composite
def near_boundaries(draw):
    c = draw(st.floats(-8.0, 8.0, allow_subnormal=False).filter(lambda v: v != 0.0))
    if draw(st.booleans()):  # c next to a power of two: the spacing changes there
        c = math.copysign(2.0 ** draw(st.integers(-30, 30)), c)
        c = c * (1.0 + draw(st.integers(-2, 2)) * 2.0**-52)
    u = math.ulp(c)
    a = draw(st.floats(1.0, 2.0)) * draw(st.sampled_from([1.0, -1.0]))
    steps = draw(st.integers(-6, 6)) / 4  # a tie at odd multiples of 1/2, floats at integers
    nudge = draw(st.integers(-4, 4)) * 2.0**-50
    b = (steps + nudge) * u / a
    return a, b, c


@given(near_boundaries())
def test_fma_near_rounding_boundaries(abc):
    a, b, c = abc
    assert same(fma(a, b, c), exact(a, b, c))


@given(near_boundaries() | st.tuples(scaled, scaled, scaled))
def test_sgds_written_out_update_is_fma(abc):
    """SGD's plain update writes fma's first step out (a fast path): the same float, always."""
    a, b, c = abc
    p = mg.Parameter(c)
    p.grad = b
    mg.SGD([p], lr=1.0)._plain_descent([p], a)  # a = −lr·(...), any float here
    assert same(p.data, fma(a, b, c))


def test_the_cases_that_separate_one_rounding_from_two():
    assert 0.1 * 10.0 - 1.0 == 0.0
    assert fma(0.1, 10.0, -1.0) == 5.551115123125783e-17
    # A product that rounds down to a power of two (1.0) from 2**-53 above it, added to a c
    # whose sum with 1 is a tie: the tiny excess decides. A bracket of half a unit (t = ph·2**-53
    # rounds ph + t back to 1.0 at the tie) would miss it.
    a, b = 1 + 2.0**-52, 1 - 2.0**-53
    assert a * b == 1.0 and a * b + 2.0**53 == 2.0**53
    assert fma(a, b, 2.0**53) == 2.0**53 + 2
    p = mg.Parameter(2.0**53)
    p.grad = b
    mg.SGD([p], lr=1.0)._plain_descent([p], a)
    assert p.data == 2.0**53 + 2
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
