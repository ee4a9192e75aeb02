"""mg.compile: generated code gives what mg.value_and_grad gives, bit for bit, for every rule."""

from __future__ import annotations

import itertools
import math
import sys
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad.compiler import TracingError
from minigrad.ops import REGISTRY
from minigrad.testing import OPERATIONS

# How to reach each rule through the public API (shared with the engine's own tests).
OPS = OPERATIONS
# Argument slots that must be literal numbers for the rule to be recorded.
CONSTANT_SLOTS = {"pow_const": {1}}
# Both sides of every kink, pole and domain edge: 0, ±0, negatives, ties, integers.
SPECIAL = [-2.5, -1.0, -0.0, 0.0, 0.5, 1.0, 2.0]


def same(x: float, y: float) -> bool:
    """Equal as float64 numbers, sign of zero included; nan equals nan."""
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def assert_same(
    got: tuple[float, Any], want: tuple[float, Any], equal: Callable[[float, float], bool] = same
) -> None:
    gv, gg = got
    wv, wg = want
    assert type(gv) is float
    assert equal(gv, wv), (got, want)
    if isinstance(wg, tuple):
        assert isinstance(gg, tuple) and len(gg) == len(wg)
        for a, b in zip(gg, wg, strict=True):
            assert type(a) is float
            assert equal(a, b), (got, want)
    else:
        assert type(gg) is float
        assert equal(gg, wg), (got, want)


def reference(f: Callable[..., Any], argnums: Any, args: tuple[float, ...]) -> Any:
    """mg.value_and_grad(f) with the arguments it does not differentiate as constant Values.

    (As plain floats, ``operator.truediv(1.0, 0.0)`` would raise: Python's arithmetic, not
    minigrad's.)
    """
    wanted = {argnums % len(args)} if isinstance(argnums, int) else {i % len(args) for i in argnums}
    given = [x if i in wanted else mg.Value(x, requires_grad=False) for i, x in enumerate(args)]
    return mg.value_and_grad(f, argnums)(*given)


def test_every_rule_has_a_case() -> None:
    missing = set(REGISTRY) - set(OPS)
    assert not missing, f"add a case for the new rule(s) {sorted(missing)} to OPS above"
    assert set(OPS) <= set(REGISTRY)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_case_records_its_rule(name: str) -> None:
    rule = REGISTRY[name]
    args = [
        mg.Value(1.5) if i not in CONSTANT_SLOTS.get(name, ()) else 2.0 for i in range(rule.arity)
    ]
    assert OPS[name](*args).op is rule


def slot_patterns(name: str) -> list[tuple[str, ...]]:
    """Each slot: 'd' differentiated input, 'i' input not differentiated, 'c' a literal."""
    arity = REGISTRY[name].arity
    fixed = CONSTANT_SLOTS.get(name, set())
    kinds = [("c",) if i in fixed else ("d", "i", "c") for i in range(arity)]
    return [p for p in itertools.product(*kinds) if "d" in p]


def build(name: str, pattern: tuple[str, ...], constants: tuple[float, ...], scaled: bool):
    """f(inputs...) applying the rule, with its literal slots filled from `constants`."""
    op = OPS[name]
    n_inputs = sum(k != "c" for k in pattern)

    def f(*xs: Any) -> Any:
        args, it, cs = [], iter(xs), iter(constants)
        for k in pattern:
            args.append(next(cs) if k == "c" else next(it))
        out = op(*args)
        return out * xs[-1] if scaled else out  # scaled: the upstream gradient is an input

    argnums = tuple(i for i, k in enumerate(k for k in pattern if k != "c") if k == "d")
    return f, n_inputs + (1 if scaled else 0), argnums


@pytest.mark.parametrize("scaled", [False, True])
@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_every_rule_on_both_sides_of_its_kinks(name: str, scaled: bool) -> None:
    # One trace per pattern, then every point of the grid: the branch seen while tracing must
    # not leak into the other points.
    arity = REGISTRY[name].arity
    for pattern in slot_patterns(name):
        n_const = pattern.count("c")
        for constants in itertools.product(SPECIAL[::3], repeat=n_const):
            f, n_inputs, argnums = build(name, pattern, constants, scaled)
            compiled = mg.compile(f, argnums=argnums)
            for xs in itertools.product(SPECIAL, repeat=n_inputs - scaled):
                args = (*xs, -1.5) if scaled else xs
                assert_same(compiled(*args), reference(f, argnums, args))
        assert arity == len(pattern)


@settings(max_examples=50, deadline=None)
@given(
    name=st.sampled_from(sorted(REGISTRY)),
    xs=st.lists(st.floats(-1e3, 1e3), min_size=3, max_size=3),
)
def test_every_rule_on_random_inputs(name: str, xs: list[float]) -> None:
    arity = REGISTRY[name].arity
    pattern = tuple("c" if i in CONSTANT_SLOTS.get(name, ()) else "d" for i in range(arity))
    constants = tuple(xs[i] for i, k in enumerate(pattern) if k == "c")
    f, _, argnums = build(name, pattern, constants, scaled=True)
    args = (*[x for x, k in zip(xs, pattern, strict=False) if k != "c"], 0.75)
    assert_same(mg.compile(f, argnums)(*args), reference(f, argnums, args))


UNARY = ["neg", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs", "sign"]
BINARY = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_random_graphs_with_shared_nodes(data: st.DataObject) -> None:
    # A random DAG over three inputs: nodes are reused, so gradients are sums of several
    # contributions. Some nodes feed only values the result never uses, so the engine learns
    # late that a shared node is complete; the compiled code adds the parts in the same order
    # all the same, bit for bit (with tiny inputs an order off by one part gave -1.0 for 0.0).
    steps = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(UNARY + BINARY + ["const"]),
                st.integers(0, 100),
                st.integers(0, 100),
                st.floats(-3, 3),
            ),
            min_size=1,
            max_size=12,
        )
    )

    def f(a: Any, b: Any, c: Any) -> Any:
        nodes = [a, b, c]
        for name, i, j, k in steps:
            x, y = nodes[i % len(nodes)], nodes[j % len(nodes)]
            if name == "const":
                nodes.append(x * k + y)
            elif name in UNARY:
                nodes.append(OPS[name](x))
            else:
                nodes.append(OPS[name](x, y))
        return nodes[-1] + nodes[-2] * nodes[-3]

    xs = data.draw(st.lists(st.floats(-4, 4), min_size=3, max_size=3))
    argnums = data.draw(st.sampled_from([0, (0, 1), (2, 0), (0, 1, 2)]))
    compiled = mg.compile(f, argnums)
    assert_same(compiled(*xs), reference(f, argnums, tuple(xs)))
    ys = data.draw(st.lists(st.floats(-4, 4), min_size=3, max_size=3))
    assert_same(compiled(*ys), reference(f, argnums, tuple(ys)))


def line_fit_loss(a: Any, b: Any, x: Any, y: Any) -> Any:
    return (a * x + b - y) ** 2


@given(st.lists(st.floats(-100, 100), min_size=4, max_size=4))
def test_line_fit_matches_the_hand_derivation(v: list[float]) -> None:
    a, b, x, y = v
    step = mg.compile(line_fit_loss, argnums=(0, 1))
    loss, (da, db) = step(a, b, x, y)
    assert_same((loss, (da, db)), mg.value_and_grad(line_fit_loss, (0, 1))(a, b, x, y))
    y_pred = a * x + b
    assert loss == pytest.approx((y_pred - y) ** 2, rel=1e-12, abs=1e-12)
    assert da == pytest.approx(2 * x * (y_pred - y), rel=1e-12, abs=1e-9)
    assert db == pytest.approx(2 * (y_pred - y), rel=1e-12, abs=1e-12)


def test_line_fit_source_reads_like_the_derivation() -> None:
    step = mg.compile(line_fit_loss, argnums=(0, 1))
    assert step.source is None
    step(-2.0, -1.0, 0.5, 2.0)
    source = step.source
    assert source is not None
    assert source.startswith("def line_fit_loss(a, b, x, y):")
    assert "t0 = a * x" in source
    assert "g_t2 = 2.0 * t2" in source  # 2·(ŷ − y)
    assert "g_a = g_t2 * x" in source  # 2·(ŷ − y)·x
    assert "g_b = g_t2" in source
    assert source.rstrip().endswith("return t3, (g_a, g_b)")
    assert step.sources == {4: source}


def test_arguments_not_differentiated_are_inputs_not_constants() -> None:
    step = mg.compile(line_fit_loss, argnums=(0, 1))
    reference = mg.value_and_grad(line_fit_loss, argnums=(0, 1))
    for x, y in [(0.5, 2.0), (-3.0, 1.0), (7.0, -2.0)]:
        assert_same(step(1.0, 2.0, x, y), reference(1.0, 2.0, x, y))
    assert "0.5" not in (step.source or "")


def test_literal_numbers_are_constants() -> None:
    step = mg.compile(lambda x: x * 3.25 + 0.5)
    assert step(2.0) == (7.0, 3.25)
    assert "3.25" in (step.source or "")


def test_values_from_outside_are_read_at_each_call() -> None:
    w = mg.Parameter(2.0, name="w")

    def f(x: Any) -> Any:
        return w * x * x

    step = mg.compile(f)
    assert step(3.0) == mg.value_and_grad(f)(3.0) == (18.0, 12.0)
    w.data = -1.0
    assert step(3.0) == mg.value_and_grad(f)(3.0) == (-9.0, -6.0)
    assert w.grad is None  # as value_and_grad: no gradient for it


@pytest.mark.parametrize(
    "body",
    [
        lambda a: a if a > 0 else -a,
        lambda a: a if a >= 0 else -a,
        lambda a: a if a < 0 else -a,
        lambda a: a if a <= 0 else -a,
        lambda a: max(a, a * 2),
        lambda a: a * 2 if a else a,
        lambda a: a * math.exp(a),
        lambda a: a * a.item(),
    ],
)
def test_data_dependent_control_flow_is_an_error(body: Callable[[Any], Any]) -> None:
    with pytest.raises(TracingError, match=r"data-dependent control flow.*mg\.maximum"):
        mg.compile(body)(1.0)
    # The guards are gone once the trace ends: comparisons on Values work again.
    assert mg.Value(2.0) > 1.0
    assert float(mg.Value(2.0, requires_grad=False)) == 2.0
    assert bool(mg.Value(2.0)) and not bool(mg.Value(0.0))


def test_reading_data_inside_the_traced_function_is_an_error() -> None:
    """.data would give the number at trace time as a constant in the code, silently stale."""
    p = mg.Parameter(2.0)
    for body in (lambda x: x * x.data, lambda x: x * p.data, lambda x: x * (x * 3.0).data):
        with pytest.raises(TracingError, match=r"`\.data` read inside the traced function"):
            mg.compile(body)(3.0)
    # The Value itself is read at each call, and .data works again once the trace ends.
    step = mg.compile(lambda x: x * p)
    assert step(3.0) == (6.0, 2.0)
    p.data = 5.0
    assert step(3.0) == (15.0, 5.0) and p.data == 5.0


def test_intermediate_values_are_guarded_too() -> None:
    def f(a: Any, b: Any) -> Any:
        d = a * b - 1.0
        return d if d > 0 else d * d

    with pytest.raises(TracingError, match="data-dependent control flow"):
        mg.compile(f)(1.0, 2.0)


def test_other_threads_compare_values_while_one_traces() -> None:
    inside, release = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def slow(a: Any) -> Any:
        inside.set()
        release.wait(5)
        return a * 2

    def trace() -> None:
        try:
            mg.compile(slow)(1.0)
        except BaseException as error:  # reported below
            errors.append(error)

    thread = threading.Thread(target=trace)
    thread.start()
    assert inside.wait(5)
    try:
        assert mg.Value(2.0) > mg.Value(1.0)  # this thread is not tracing
    finally:
        release.set()
        thread.join()
    assert not errors


def test_argnums_forms() -> None:
    f = lambda a, b, c: a * b * b + c  # noqa: E731
    args = (2.0, 3.0, 5.0)
    for argnums in [0, 1, -1, (0,), (2, 0), (0, 1, 2), [1, 2]]:
        assert_same(mg.compile(f, argnums)(*args), mg.value_and_grad(f, argnums)(*args))
    assert mg.compile(f, (1,))(*args)[1] == (12.0,)
    assert mg.compile(f, 1)(*args)[1] == 12.0


@pytest.mark.parametrize("argnums", [True, "0", (), (0, "1"), 1.0, None])
def test_bad_argnums_is_a_type_error(argnums: Any) -> None:
    with pytest.raises(TypeError, match="argnums"):
        mg.compile(lambda a: a, argnums)


@pytest.mark.parametrize("argnums", [3, -4, (0, 5)])
def test_argnums_out_of_range_is_a_value_error(argnums: Any) -> None:
    with pytest.raises(ValueError, match="argument"):
        mg.compile(lambda a, b, c: a * b * c, argnums)(1.0, 2.0, 3.0)


def test_argnums_naming_one_argument_twice_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="twice"):
        mg.compile(lambda a, b: a * b, (0, -2))(1.0, 2.0)


def test_retraces_once_per_number_of_arguments() -> None:
    traces = []

    def total(*xs: Any) -> Any:
        traces.append(len(xs))
        out = xs[0]
        for x in xs[1:]:
            out = out * x
        return out

    step = mg.compile(total, argnums=(0, 1))
    argss = [(2.0, 3.0), (2.0, 3.0, 4.0), (5.0, 7.0), (1.0, 2.0, 3.0)]
    results = [step(*args) for args in argss]
    assert traces == [2, 3]  # one trace per arity
    for args, result in zip(argss, results, strict=True):
        assert_same(result, mg.value_and_grad(total, (0, 1))(*args))
    assert set(step.sources) == {2, 3}
    assert "def total(x0, x1, x2):" in step.sources[3]


def test_numbers_of_other_types_become_floats() -> None:
    step = mg.compile(line_fit_loss, argnums=(0, 1))
    value, (da, db) = step(1, True, np.float64(2.0), np.array(3.0))
    assert (value, da, db) == (0.0, 0.0, 0.0)
    assert all(type(v) is float for v in (value, da, db))
    assert step(np.float32(1.5), 0, 1, 0) == step(1.5, 0.0, 1.0, 0.0)


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1j, mg.Value(1.0)])
def test_bad_inputs_are_type_errors(bad: Any) -> None:
    step = mg.compile(line_fit_loss, argnums=(0, 1))
    with pytest.raises(TypeError, match="argument 2"):
        step(1.0, 2.0, bad, 3.0)  # first call: while tracing
    step(1.0, 2.0, 3.0, 4.0)
    with pytest.raises(TypeError, match="argument 2"):
        step(1.0, 2.0, bad, 3.0)  # traced: in the generated code


def test_value_input_error_points_to_value_and_grad() -> None:
    with pytest.raises(TypeError, match="value_and_grad"):
        mg.compile(lambda a: a * a)(mg.Value(2.0))


def test_f_must_return_a_value() -> None:
    with pytest.raises(TypeError, match="single Value"):
        mg.compile(lambda a: [a, a])(1.0)


def test_f_must_be_callable() -> None:
    with pytest.raises(TypeError, match="must be a function"):
        mg.compile(3.0)  # type: ignore[arg-type]


def test_type_errors_while_tracing_say_arguments_are_values() -> None:
    def f(a: Any, n: Any) -> Any:
        out = a
        for _ in range(n):  # n arrives as a Value while tracing
            out = out * a
        return out

    with pytest.raises(TypeError, match="every argument is a Value"):
        mg.compile(f)(2.0, 3)


def test_keyword_arguments_are_placed_by_the_signature() -> None:
    expected = mg.value_and_grad(line_fit_loss)(1.0, 2.0, 3.0, 4.0)
    assert mg.compile(line_fit_loss)(1.0, 2.0, 3.0, y=4.0) == expected
    assert mg.compile(line_fit_loss)(y=4.0, x=3.0, b=2.0, a=1.0) == expected


def test_keyword_arguments_that_cannot_be_placed_say_why() -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        mg.compile(line_fit_loss)(1.0, 2.0, 3.0, 4.0, z=4.0)

    def with_keyword_only(a, *, scale):
        return a * scale

    with pytest.raises(TypeError, match="cannot be given by position"):
        mg.compile(with_keyword_only)(1.0, scale=2.0)


def test_outputs_that_do_not_depend_on_the_argument() -> None:
    assert mg.compile(lambda a, b: b * 2.0)(1.0, 3.0) == (6.0, 0.0)
    assert mg.compile(lambda a: a)(4.0) == (4.0, 1.0)
    assert mg.compile(lambda a: mg.Value(5.0, requires_grad=False))(1.0) == (5.0, 0.0)


def test_ieee_results_instead_of_exceptions() -> None:
    step = mg.compile(lambda a, b: mg.log(a) + a / b)
    assert step(0.0, 1.0) == (-math.inf, math.inf)
    value, grad = step(1.0, 0.0)
    assert value == math.inf and grad == math.inf


def test_names_that_would_clash_with_the_generated_code() -> None:
    def exp(t0: Any, g_x: Any, pow: Any, x0: Any) -> Any:
        return mg.exp(t0) * g_x + pow * x0

    step = mg.compile(exp, argnums=(0, 1, 2, 3))
    args = (0.5, 2.0, 3.0, 4.0)
    assert_same(step(*args), mg.value_and_grad(exp, (0, 1, 2, 3))(*args))
    assert (step.source or "").startswith("def compiled(x0, x1, x2, x3):")


def test_generated_expressions_keep_the_formulas_grouping() -> None:
    # Floats are not associative: a - (b - c) and a * (b * c) must keep their parentheses.
    from minigrad.compiler.symbolic import Sym as _Sym

    a, b, c = _Sym("a"), _Sym("b"), _Sym("c")
    assert (a - (b - c)).text == "a - (b - c)"
    assert (a - b - c).text == "a - b - c"
    assert (a * (b * c)).text == "a * (b * c)"
    assert (-(a * b)).text == "-(a * b)"
    negated = -a
    assert (-negated).text == "a"
    assert (a * -b).text == "a * -b"
    assert (1.0 * a).text == "a" and (a * -1.0).text == "-a"
    assert eval((a - (b - c) * -a).text, {"a": 0.1, "b": 0.2, "c": 0.3}) == 0.1 - (0.2 - 0.3) * -0.1


def test_compiled_line_fit_example_matches_the_hand_loop(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "examples"
    monkeypatch.syspath_prepend(str(folder))  # the example imports its siblings, as a script
    spec = importlib.util.spec_from_file_location(
        "compiled_line_fit", folder / "compiled_line_fit.py"
    )
    assert spec is not None and spec.loader is not None
    example = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, example)  # its dataclasses look themselves up
    spec.loader.exec_module(example)
    result = example.main(["--epochs", "3", "--seed", "1", "--out", str(tmp_path)])
    x, y = example._common.make_dataset(seed=1)  # line_fit.py's data
    a_path, b_path = example.fit_by_hand(x.tolist(), y.tolist(), 3, 0.001)
    assert result.compiled == result.by_hand == (a_path[-1], b_path[-1])
    out = capsys.readouterr().out
    assert "g_a = g_t2 * x" in out and "dloss_da = 2 * x * (y_pred - y)" in out
    assert "identical to the last bit: True" in out


@pytest.mark.parametrize("loss", [mg.mse_loss, mg.l1_loss, mg.huber_loss])
def test_losses_compile_on_both_sides_of_their_kinks(loss: Callable[..., Any]) -> None:
    def f(a: Any, b: Any, y: Any) -> Any:
        return loss([a * 2.0, b], [y, 0.25])

    step = mg.compile(f, argnums=(0, 1))
    for args in [(0.1, 0.2, 0.3), (3.0, -4.0, 0.5), (-2.0, 0.25, -9.0), (0.5, 1.0, 1.0)]:
        assert_same(step(*args), reference(f, (0, 1), args))


# --- nothing is baked in silently: exact at each call, or TracingError ------------------------


def test_detach_of_a_traced_value_is_a_tracing_error() -> None:
    with pytest.raises(TracingError, match=r"\.detach\(\)"):
        mg.compile(lambda x: x * x.detach())(1.0)


def test_no_grad_inside_the_function_on_a_traced_value_is_a_tracing_error() -> None:
    def f(x: Any) -> Any:
        with mg.no_grad():
            scale = x * 2.0
        return x * scale

    with pytest.raises(TracingError, match=r"no_grad\(\)"):
        mg.compile(f)(1.0)


def test_a_closed_over_value_that_needs_no_grad_is_a_tracing_error() -> None:
    c = mg.Value(3.0, requires_grad=False)
    with pytest.raises(TracingError, match="made outside it"):
        mg.compile(lambda x: x * c)(1.0)
    with pytest.raises(TracingError, match="made outside it"):
        mg.compile(lambda x: x + mg.exp(c))(1.0)
    with pytest.raises(TracingError, match="made outside it"):
        mg.compile(lambda x: x * c.detach())(1.0)


def test_constants_made_inside_the_function_are_fine() -> None:
    def f(x: Any) -> Any:
        c = mg.Value(3.0, requires_grad=False)
        with mg.no_grad():
            d = mg.exp(c) * 2.0  # from constants only: the same at every call
        return x * c + d

    step = mg.compile(f)
    for x in (1.0, -2.0):
        assert step(x) == mg.value_and_grad(f)(x)


def test_a_closed_over_inner_node_keeps_its_number_as_in_eager_code() -> None:
    w = mg.Parameter(2.0)
    w2 = w * w  # computed once, before f is called

    def f(x: Any) -> Any:
        return w2 * x

    step = mg.compile(f)
    assert step(3.0) == mg.value_and_grad(f)(3.0) == (12.0, 4.0)
    w.data = 5.0  # eager code still sees w2 = 4: so must the compiled code
    assert step(3.0) == mg.value_and_grad(f)(3.0) == (12.0, 4.0)
    assert "_free[0].number" in (step.source or "")


def test_tracing_patches_no_class() -> None:
    seen: list[dict[str, Any]] = []
    before = dict(vars(mg.Value))

    def f(x: Any) -> Any:
        seen.append(dict(vars(mg.Value)))
        return x * 2.0

    mg.compile(f)(1.0)
    assert seen == [before]
    assert dict(vars(mg.Value)) == before


def test_any_argument_or_function_name_works() -> None:
    w = mg.Parameter(2.0, name="w")

    def p0_value(p0_value: Any, _free: Any, FLOATS: Any) -> Any:  # noqa: N803
        return w * p0_value + _free * FLOATS

    step = mg.compile(p0_value, argnums=(0, 1, 2))
    args = (3.0, 4.0, 5.0)
    assert_same(step(*args), mg.value_and_grad(p0_value, (0, 1, 2))(*args))


@st.composite
def programs_with_outside_values(draw: st.DrawFn) -> tuple[Callable[..., Any], str]:
    """A random program that also reads Parameters and inner nodes made outside it, and
    sometimes uses a construct that would bake a number in ("detach", "no_grad", "constant")."""
    outside = [mg.Parameter(draw(st.floats(-2, 2))) for _ in range(2)]
    inner = outside[0] * outside[1] + 1.0  # an inner node made before f is called
    hazard = draw(st.sampled_from(["none", "none", "detach", "no_grad", "constant"]))
    constant = mg.Value(draw(st.floats(-2, 2)), requires_grad=False)
    steps = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["add", "mul", "sub", "tanh", "sin", "maximum"]),
                st.integers(0, 50),
                st.integers(0, 50),
            ),
            min_size=1,
            max_size=6,
        )
    )

    def f(a: Any, b: Any) -> Any:
        nodes = [a, b, outside[0], outside[1], inner]
        for name, i, j in steps:
            x, y = nodes[i % len(nodes)], nodes[j % len(nodes)]
            nodes.append(OPS[name](x) if REGISTRY[name].arity == 1 else OPS[name](x, y))
        out = nodes[-1] + a * b
        if hazard == "detach":
            out = out * a.detach()
        elif hazard == "no_grad":
            with mg.no_grad():
                out = out + (a * 2.0)
        elif hazard == "constant":
            out = out * constant
        return out

    return f, hazard, outside


@settings(max_examples=60, deadline=None)
@given(programs_with_outside_values(), st.lists(st.floats(-3, 3), min_size=2, max_size=2))
def test_compiled_equals_uncompiled_or_raises(case: Any, xs: list[float]) -> None:
    f, hazard, outside = case
    step = mg.compile(f, argnums=(0, 1))
    if hazard != "none":
        with pytest.raises(TracingError):
            step(*xs)
        return
    assert_same(step(*xs), mg.value_and_grad(f, (0, 1))(*xs))
    assert_same(step(xs[1], xs[0]), mg.value_and_grad(f, (0, 1))(xs[1], xs[0]))
    # The Parameters change after the trace (an optimizer's step): every node computed from
    # them in f is computed again at each call (the inner node made before f keeps its number).
    for p, x in zip(outside, xs, strict=True):
        p.data = x * 0.75 - 0.5
    assert_same(step(*xs), mg.value_and_grad(f, (0, 1))(*xs))


def test_a_function_with_defaults_compiles_once_per_number_of_arguments() -> None:
    def f(a: Any, b: Any = 2.0) -> Any:
        return a * b

    step = mg.compile(f)
    assert step(3.0) == (6.0, 2.0)
    assert step(3.0, b=5.0) == (15.0, 5.0)
    assert sorted(step.sources) == [1, 2]


def test_the_compiled_function_keeps_the_name_and_the_signature() -> None:
    import inspect

    step = mg.compile(line_fit_loss)
    assert step.__name__ == "line_fit_loss"
    assert list(inspect.signature(step).parameters) == ["a", "b", "x", "y"]
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'y'"):
        step(1.0, 2.0, 3.0)

    def _mg_named(_mg_fn: Any) -> Any:  # a name the fast wrapper uses: the general one instead
        return _mg_fn * 2.0

    assert mg.compile(_mg_named)(_mg_fn=1.5) == (3.0, 2.0)
