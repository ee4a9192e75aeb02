"""mg.compile on numpy arrays: each element equals the float call of the same compiled function.

Bit for bit for every op built from + − × ÷, √, powers and comparisons; within a few ulp where
numpy computes a transcendental function itself (tanh) or may (exp, log... on other builds).
"""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.compiler.vectorize import NUMPY
from minigrad.ops import REGISTRY
from minigrad.testing import OPERATIONS, programs, smooth_floats

EDGES = [-math.inf, -2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0, 3.0, math.inf, math.nan]
# Exponents pow_const treats apart (x·x, √x, 1/x...) and a few it hands to C's pow.
EXPONENTS = [2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 0.0, 1.0, 2.5, -1.5, 1.0 / 3.0]
# numpy's own float64 functions: equal to math's within this many ulp (measured: 3 for tanh on
# numpy 2.4 with AVX2, 0 for the others, which are the C library's there). A gradient from
# such a value differs by at most this many ulp of 1 (|out| ≤ 1 where a formula cancels).
TRANSCENDENTAL = {"exp": 1, "log": 1, "sin": 1, "cos": 1, "atan": 1, "sigmoid": 2, "tanh": 4}
ULP = 2.0**-52


def same(x: float, y: float) -> bool:
    """Equal as float64, sign of zero included; nan equals nan."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def ulps(x: float, y: float) -> int:
    """How many float64s lie between x and y (finite, same sign)."""
    a, b = np.array([x, y]).view(np.int64)
    return abs(int(a) - int(b))


def near(bound: int) -> Callable[[float, float], bool]:
    def agree(x: float, y: float) -> bool:
        if same(x, y):
            return True
        if not (math.isfinite(x) and math.isfinite(y)):
            return False
        sign = math.copysign(1.0, x) == math.copysign(1.0, y)
        return (sign and ulps(x, y) <= bound) or abs(x - y) <= bound * ULP

    return agree


def flat(result: tuple[Any, Any]) -> list[Any]:
    value, grads = result
    return [value, *(grads if isinstance(grads, tuple) else (grads,))]


def check_elementwise(
    compiled: Callable[..., Any],
    args: list[Any],
    agree: Callable[[float, float], bool] = same,
) -> None:
    """The array call against the float call at every element of the broadcast shape."""
    arrays = flat(compiled(*args))
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    for got in arrays:
        assert isinstance(got, np.ndarray) and got.dtype == np.float64 and got.shape == shape
    for index in np.ndindex(shape):
        point = [float(np.broadcast_to(a, shape)[index]) for a in args]
        want = flat(compiled(*point))
        for k, (g, w) in enumerate(zip(arrays, want, strict=True)):
            assert agree(float(g[index]), w), (point, k, float(g[index]), w)


def grid(arity: int) -> list[Any]:
    """Every combination of the edge points, one array per input."""
    rows = list(itertools.product(EDGES, repeat=arity))
    return [np.array([r[i] for r in rows]) for i in range(arity)]


def test_every_op_has_a_numpy_form() -> None:
    for name in REGISTRY:
        assert callable(NUMPY[name]) and callable(NUMPY[f"{name}_backward"])


@pytest.mark.parametrize("name", sorted(set(REGISTRY) - {"pow_const"}))
def test_every_op_at_its_edge_points(name: str) -> None:
    op, arity = OPERATIONS[name], REGISTRY[name].arity
    agree = near(TRANSCENDENTAL[name]) if name in TRANSCENDENTAL else same
    compiled = mg.compile(lambda *xs: op(*xs) * xs[0], argnums=tuple(range(arity)))
    check_elementwise(compiled, grid(arity), agree)
    # The first input shared by every sample (a number), the others arrays.
    if arity > 1:
        shared = mg.compile(lambda *xs: op(*xs), argnums=tuple(range(arity)))
        for first in (-1.0, -0.0, 2.0, math.nan):
            check_elementwise(shared, [first, *grid(arity - 1)], agree)


def test_pow_with_an_array_of_exponents() -> None:
    compiled = mg.compile(lambda x, y: x**y, argnums=(0, 1))
    xs, ys = np.meshgrid(np.array([*EDGES, 4.0, 0.25]), np.array(EXPONENTS + EDGES))
    check_elementwise(compiled, [xs.ravel(), ys.ravel()])


@pytest.mark.parametrize("c", [*EXPONENTS, -math.inf, math.inf, math.nan])
def test_pow_const_at_its_edge_points(c: float) -> None:
    compiled = mg.compile(lambda x, g: x**c * g, argnums=(0, 1))
    check_elementwise(compiled, [np.array([*EDGES, 4.0, 0.25]), -1.5])


EXACT = [op for op in REGISTRY.values() if op.name not in TRANSCENDENTAL]


@settings(max_examples=60, deadline=None)
@given(
    case=programs(rules=EXACT, max_inputs=3, max_steps=8),
    samples=st.lists(
        st.lists(st.sampled_from(EDGES) | st.floats(-10, 10), min_size=5, max_size=5),
        min_size=3,
        max_size=3,
    ),
)
def test_random_programs_bit_for_bit(case: Any, samples: list[list[float]]) -> None:
    program, point = case
    n = len(point)
    compiled = mg.compile(lambda *xs: program(*xs), argnums=tuple(range(n)))
    args: list[Any] = [np.array(s) for s in samples[:n]]
    if n > 1:
        args[0] = point[0]  # a number shared by every sample, broadcast
    names = {name for name, _ in program.steps}
    if names & {*TRANSCENDENTAL, "pow", "pow_const"}:  # numpy's own functions: a few ulp
        check_elementwise(compiled, args, close)
    else:
        check_elementwise(compiled, args)


def close(x: float, y: float) -> bool:
    """Equal, or within 1e-9 relative (an ulp of a transcendental, carried through)."""
    return same(x, y) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=40, deadline=None)
@given(case=programs(max_inputs=3, max_steps=6))
def test_random_programs_with_every_op_near_their_point(case: Any) -> None:
    program, point = case
    # Points within 1e-12 of one where every step is smooth: no kink between them.
    args = [np.array([x * (1.0 + k * 1e-12) for k in range(4)]) for x in point]
    compiled = mg.compile(lambda *xs: program(*xs), argnums=tuple(range(len(point))))

    def agree(x: float, y: float) -> bool:
        return same(x, y) or math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12)

    check_elementwise(compiled, args, agree)


def line_loss(a: Any, b: Any, x: Any, y: Any) -> Any:
    return (a * x + b - y) ** 2


def test_full_batch_gradient_equals_the_hand_written_numpy() -> None:
    rng = np.random.default_rng(0)
    xs = rng.normal(size=1001)
    ys = 2.0 * xs + 1.0 + 0.3 * rng.normal(size=1001)
    a, b = -2.0, -1.0
    r = a * xs + b - ys
    loss, (da, db) = mg.compile(line_loss, argnums=(0, 1), reduce="mean")(a, b, xs, ys)
    assert (loss, da, db) == ((r * r).mean(), (2 * r * xs).mean(), (2 * r).mean())
    assert all(type(v) is float for v in (loss, da, db))
    total, (sa, sb) = mg.compile(line_loss, argnums=(0, 1), reduce="sum")(a, b, xs, ys)
    assert (total, sa, sb) == ((r * r).sum(), (2 * r * xs).sum(), (2 * r).sum())


def test_reduce_of_a_gradient_that_no_sample_changes() -> None:
    # d/da (a·a + x) = 2a in every sample: the sum is over the n samples, not one.
    step = mg.compile(lambda a, x: a * a + x, argnums=0, reduce="sum")
    assert step(3.0, np.ones(4)) == (40.0, 24.0)  # Σ (9 + 1), Σ 6


def test_reduce_on_numbers_is_the_one_sample() -> None:
    step = mg.compile(line_loss, argnums=(0, 1), reduce="mean")
    plain = mg.compile(line_loss, argnums=(0, 1))
    assert step(-2.0, -1.0, 0.5, 2) == plain(-2.0, -1.0, 0.5, 2.0)


def test_reduce_over_no_samples() -> None:
    empty = np.array([])
    assert mg.compile(line_loss, argnums=0, reduce="sum")(1.0, 2.0, empty, empty) == (0.0, 0.0)
    loss, grad = mg.compile(line_loss, argnums=0, reduce="mean")(1.0, 2.0, empty, empty)
    assert math.isnan(loss) and math.isnan(grad)


def test_arrays_of_two_dimensions_and_ints() -> None:
    step = mg.compile(line_loss, argnums=(0, 1))
    xs = np.arange(6).reshape(2, 3)
    ys = np.array([1.0, 2.0, 3.0])
    check_elementwise(step, [np.array([[1.0], [-2.0]]), 0.5, xs, ys])


def test_results_never_share_memory_with_the_arguments() -> None:
    xs = np.array([1.0, 2.0, -0.0])
    kept = xs.copy()
    value, grad = mg.compile(lambda a, x: a * x + a * x * x, argnums=1)(2.0, xs)
    g2 = mg.compile(lambda a, x: a * x, argnums=0)(2.0, xs)[1]
    assert not np.shares_memory(g2, xs)
    g2[:] = 7.0
    grad[:] = 7.0
    value[:] = 7.0
    assert np.array_equal(xs, kept) and math.copysign(1.0, xs[2]) == -1.0


def test_a_gradient_summed_from_two_paths_leaves_other_names_alone() -> None:
    # g_x = t (a name), then g_x += ...: on arrays that must not write into t.
    def f(x: Any, y: Any) -> Any:
        t = x * y
        return t * x + mg.exp(t) + x * x

    check_elementwise(mg.compile(f, argnums=(0, 1)), [np.linspace(-2, 2, 7), 0.5], near(1))


def test_parameters_read_at_each_call() -> None:
    w = mg.Parameter(2.0)
    step = mg.compile(lambda x: w * x * x, argnums=0)
    xs = np.array([1.0, -3.0])
    assert np.array_equal(step(xs)[1], 2.0 * 2.0 * xs)
    w.data = -1.0
    assert np.array_equal(step(xs)[1], -1.0 * 2.0 * xs)


def test_a_users_op_runs_element_by_element() -> None:
    softplus = mg.Op(
        "softplus_vec",
        forward=lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
        backward=lambda m, g, out, x: (g * m.sigmoid(x),),
    )
    step = mg.compile(lambda w, x: softplus(w * x), argnums=(0, 1))
    check_elementwise(step, [0.5, np.array([-3.0, -0.0, 0.0, 1.0, 40.0])])


def test_a_function_is_refused_on_arrays() -> None:
    class Square(mg.Function):
        @staticmethod
        def forward(ctx: Any, x: float) -> float:
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx: Any, g: float) -> tuple[float]:
            (x,) = ctx.saved_values
            return (2.0 * x * g,)

    step = mg.compile(lambda x: Square.apply(x), argnums=0)
    assert step(3.0) == (9.0, 6.0)
    with pytest.raises(TypeError, match=r"Square.*numpy arrays"):
        step(np.array([3.0]))


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        ((np.array([1.0, 2.0]), 1.0, np.ones(2), np.ones(2)), ValueError, "argument 0 is diff"),
        ((1.0, 1.0, np.ones(2), np.ones(3)), ValueError, r"broadcast.*\(2,\).*\(3,\)"),
        ((1.0, 1.0, np.array(["a"]), 1.0), TypeError, "argument 2 is an array of dtype <U1"),
        ((1.0, 1.0, np.array([1j]), 1.0), TypeError, "dtype complex128"),
        ((1.0, 1.0, np.ones(2), "y"), TypeError, "argument 3"),
        ((1.0, 1.0, np.ones(2), mg.Value(1.0)), TypeError, "argument 3 is a Value"),
    ],
)
def test_bad_arrays_are_refused(args: tuple[Any, ...], error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        mg.compile(line_loss, argnums=(0, 1), reduce="mean")(*args)


def test_reduce_accepts_none_sum_or_mean() -> None:
    with pytest.raises(ValueError, match=r"reduce must be None.*'max'"):
        mg.compile(line_loss, reduce="max")


def test_numpy_is_imported_only_on_the_numpy_path() -> None:
    code = (
        "import sys\n"
        "sys.modules['numpy'] = None  # as if not installed\n"
        "import minigrad as mg\n"
        "step = mg.compile(lambda a, x: (a * x) ** 2)\n"
        "assert step(2.0, 3.0) == (36.0, 36.0)\n"
        "try:\n"
        "    mg.compile(lambda a, x: a * x, reduce='mean')\n"
        "except ModuleNotFoundError as error:\n"
        "    assert error.name == 'numpy', error.name\n"
        "    print(error)\n"
        "else:\n"
        "    raise AssertionError('no error')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "needs numpy" in done.stdout and "pip install numpy" in done.stdout


def test_a_float_call_does_not_import_numpy() -> None:
    code = (
        "import sys, minigrad as mg\n"
        "step = mg.compile(lambda a, x: (a * x) ** 2)\n"
        "step(2.0, 3)\n"
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@settings(max_examples=20, deadline=None)
@given(a=smooth_floats(), b=smooth_floats())
def test_per_sample_gradients_sum_to_the_full_batch_one(a: float, b: float) -> None:
    xs = np.linspace(-1.0, 1.0, 9)
    ys = 2.0 * xs + 1.0
    losses, (da, db) = mg.compile(line_loss, argnums=(0, 1))(a, b, xs, ys)
    mean = mg.compile(line_loss, argnums=(0, 1), reduce="mean")(a, b, xs, ys)
    assert mean == (losses.mean(), (da.mean(), db.mean()))


@settings(max_examples=40, deadline=None)
@given(
    case=programs(max_inputs=3, max_steps=8),
    how=st.sampled_from(["sum", "mean"]),
    samples=st.lists(st.lists(st.floats(-3, 3), min_size=6, max_size=6), min_size=2, max_size=2),
)
def test_random_programs_reduced_as_their_per_sample_results(
    case: Any, how: str, samples: list[list[float]]
) -> None:
    # The reduced code reduces each result as soon as it is final and frees the rest early.
    program, point = case
    n = len(point)
    args = [point[0], *(np.array(s) for s in samples[: n - 1])]
    per = flat(mg.compile(lambda *xs: program(*xs), argnums=0)(*args))
    got = flat(mg.compile(lambda *xs: program(*xs), argnums=0, reduce=how)(*args))
    shape = np.broadcast_shapes(*(np.shape(a) for a in args))
    for g, p in zip(got, per, strict=True):
        want = float(getattr(np.broadcast_to(p, shape), how)()) if shape != () else p
        assert type(g) is float and same(g, want), (g, want)
