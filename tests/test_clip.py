"""mg.clip_grad_norm_ and mg.clip_grad_value_ against PyTorch 2.13, bit for bit.

The inputs are made here (from a seeded random.Random and ldexp only, so the same on every
machine); torch's outputs for them are recorded in tests/sched_expectations.json by
tests/gen_sched_expectations.py. With torch installed, random cases are also checked against it.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

import minigrad as mg
from minigrad.clip import GRAIN_SIZE, get_total_norm, vector_norm

EXPECTATIONS = Path(__file__).with_name("sched_expectations.json")
ORDERS = [2.0, 1.0, math.inf, -math.inf, 0.0, 3.0, 0.5, 1.5, 2.5, 4.0, 7.0, -1.0, -2.5]
SPECIAL = [0.0, -0.0, math.inf, -math.inf, math.nan, 1e-300, 1e300, 5e-324, 1e155, 1e-160]
MAX_NORMS = [1.0, 0.5, 10.0, 1e-3, 1e3, math.inf, 0.0, 3.7]
LISTED = 12  # cases with more grads than this are recorded as a digest of the clipped grads
SPLIT_ORDERS = [1.0, 3.0]

Grads = list[Any]  # floats, or None for a parameter without a gradient

# Inputs whose 2-norm depends on the order of the additions (also among the recorded cases).
TINY = math.ldexp(1.0, -27)  # its square, 2^-54, is a quarter of an ulp of 1
LANE_CASE = [TINY, TINY, TINY, 1.0, TINY, TINY, TINY, 0.0]
FMA_CASE = [1.0, float.fromhex("0x1.deeea11683f49p-26")]  # its square ≈ 7·2^-53, a tie


def number(rng: random.Random) -> float:
    """A random float of either sign spread over about 12 decades."""
    return math.ldexp(rng.random() - 0.5, int(rng.random() * 40) - 20)


def edge_cases() -> list[tuple[Grads, float, float]]:
    """Hand-picked (grads, max_norm, norm_type): ties, zeros, overflow, nan, missing grads."""
    inf, nan = math.inf, math.nan
    cases: list[tuple[Grads, float, float]] = [
        ([3.0, 4.0], 1.0, 2.0),
        ([3.0, 4.0], 5.0, 2.0),  # N + 1e-6 > 5: coef just below 1
        ([3.0, 4.0], inf, 2.0),
        ([3.0, 4.0], 0.0, 2.0),
        ([0.0, -0.0], 1.0, 2.0),
        ([-0.0], 0.0, 2.0),
        ([1e200, 1e200], 1.0, 2.0),  # squares overflow: N = inf, grads × 0
        ([1e200], 1.0, 2.0),  # one number: |x|, no overflow
        ([1e-200] * 5, 1.0, 2.0),  # squares underflow: N = 0
        ([3.0, inf], 1.0, 2.0),
        ([3.0, nan], 1.0, 2.0),
        ([3.0, inf], inf, 2.0),  # 0 × inf = nan
        ([3.0, nan, inf], 1.0, inf),
        ([3.0, inf, nan], 1.0, inf),
        ([3.0, 0.0, nan], 1.0, -inf),
        ([3.0, 0.0, nan], 1.0, 0.0),
        ([nan], 1.0, 0.0),
        ([3.0, 0.0], 1.0, -1.0),  # a zero makes a negative-order norm 0
        ([1e300, 1e300], 1.0, 3.0),  # x³ overflows
        ([None, 3.0, None, 4.0], 1.0, 2.0),
        ([None, None], 1.0, 2.0),
        ([], 1.0, 2.0),
    ]
    cases += [(LANE_CASE, inf, 2.0), (FMA_CASE, inf, 2.0)]
    for p in ORDERS:
        cases.append(([0.5, -0.25, 1.0 / 3, 2.0, -7.0, 0.125, 3.0], 1.0, p))
    return cases


def norm_cases() -> list[dict[str, Any]]:
    """Every recorded clip_grad_norm_ case: the edge cases, then 40 random ones per order."""
    cases = [{"grads": g, "max_norm": m, "norm_type": p} for g, m, p in edge_cases()]
    rng = random.Random(20240613)
    for p in ORDERS:
        for i in range(32):
            n = rng.randint(1, 12) if i < 24 else rng.randint(13, 200)
            grads: Grads = [number(rng) for _ in range(n)]
            if rng.random() < 0.2:
                for _ in range(rng.randint(1, 3)):
                    grads[rng.randrange(n)] = rng.choice(SPECIAL) * rng.choice([1, -1])
            cases.append({"grads": grads, "max_norm": rng.choice(MAX_NORMS), "norm_type": p})
    return cases


def value_cases() -> list[tuple[list[float], float]]:
    """clip_grad_value_ cases: signed zeros, ±inf and nan at each bound."""
    grads = [0.0, -0.0, math.nan, math.inf, -math.inf, 5.0, -5.0, 0.3, -0.3, 1.0, -1.0, 1e-300]
    return [(grads, c) for c in [0.0, -0.0, 1.0, 0.3, math.inf, 1e-300, 2.0]]


def long_vector() -> list[float]:
    """More numbers than GRAIN_SIZE: PyTorch splits their sum between its threads."""
    rng = random.Random(7)
    return [number(rng) for _ in range(GRAIN_SIZE + 7233)]


def digest(grads: Grads) -> str:
    """A fingerprint of clipped grads, bit for bit (the sign of zero, nan)."""
    text = ",".join("None" if g is None else float(g).hex() for g in grads)
    return hashlib.sha256(text.encode()).hexdigest()


def same(a: float | None, b: float | None) -> bool:
    """Bit-for-bit equality of floats: the sign of zero counts, nan equals nan."""
    if a is None or b is None:
        return a is b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def params_with(grads: Grads) -> list[mg.Value]:
    params = []
    for g in grads:
        p = mg.Parameter(0.0)
        p.grad = g  # type: ignore[assignment]  # None: no backward pass reached it
        params.append(p)
    return params


def clip_norm(grads: Grads, max_norm: float, norm_type: float) -> tuple[float, Grads]:
    params = params_with(grads)
    total = mg.clip_grad_norm_(params, max_norm, norm_type)
    return total, [p.grad for p in params]


def recorded() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(EXPECTATIONS.read_text(encoding="utf-8"))["clip"]
    return data


def test_the_recording_has_every_case() -> None:
    data = recorded()
    assert len(data["norm"]) == len(norm_cases())
    assert len(data["value"]) == len(value_cases())
    assert set(data["split"]) == {f"{t}:{p}" for t in (2, 3) for p in SPLIT_ORDERS}


@pytest.mark.parametrize("p", ORDERS)
def test_clip_grad_norm_is_pytorchs_bit_for_bit(p: float) -> None:
    cases = [
        (i, case, torch)
        for i, (case, torch) in enumerate(zip(norm_cases(), recorded()["norm"], strict=True))
        if same(case["norm_type"], p)
    ]
    assert len(cases) >= 32
    for i, case, torch in cases:
        total, grads = clip_norm(case["grads"], case["max_norm"], p)
        where = f"case {i} (p={p}, {len(grads)} grads, max_norm={case['max_norm']})"
        assert same(total, torch["total"]), f"{where}: total {total!r}, torch's {torch['total']!r}"
        if "grads" in torch:
            pairs = zip(grads, torch["grads"], strict=True)
            bad = [j for j, (a, b) in enumerate(pairs) if not same(a, b)]
            assert not bad, f"{where}: grads {bad} differ: {grads} != torch's {torch['grads']}"
        else:
            assert digest(grads) == torch["digest"], f"{where}: clipped grads differ from torch's"


def test_clip_grad_value_is_pytorchs_bit_for_bit() -> None:
    for (grads, c), torchs in zip(value_cases(), recorded()["value"], strict=True):
        params = params_with(grads)
        assert mg.clip_grad_value_(params, c) is None
        mine = [p.grad for p in params]
        assert all(same(a, b) for a, b in zip(mine, torchs, strict=True)), (c, mine, torchs)


@pytest.mark.parametrize("threads", [2, 3])
@pytest.mark.parametrize("p", SPLIT_ORDERS)
def test_a_long_sum_split_as_pytorch_splits_it(threads: int, p: float) -> None:
    xs = long_vector()
    assert same(vector_norm(xs, p, threads=threads), recorded()["split"][f"{threads}:{p}"])


def test_the_2_norm_adds_in_four_lanes() -> None:
    # Lanes 0-2 hold 2·2^-54 each, exactly; lane 3 holds 1. Added in lane order:
    # 3·2^-53 + 1 = 1 + 1.5 ulp, which rounds to 1 + 2 ulp (= 1 + 2^-51).
    assert vector_norm(LANE_CASE) == math.sqrt(1.0 + math.ldexp(1.0, -51))
    # From left to right instead: 3·2^-54 + 1 → 1 + 2^-52, then each 2^-54 is lost.
    in_order = 0.0
    for x in LANE_CASE:
        in_order += x * x
    assert math.sqrt(in_order) != vector_norm(LANE_CASE)


def test_the_2_norm_tail_rounds_each_square_once() -> None:
    # Fewer than 4 numbers are all tail: acc + x² with one rounding (a fused multiply-add).
    x = FMA_CASE[1]
    plain = 1.0 + x * x
    fused = float.fromhex("0x1.0000000000003p+0")  # 1 + x² rounded once (exact by hand)
    assert plain != fused and math.sqrt(plain) != math.sqrt(fused)
    assert vector_norm(FMA_CASE) == math.sqrt(fused)


def test_parameters_without_a_gradient_are_skipped() -> None:
    a, b, c = params_with([None, 3.0, 4.0])
    assert mg.clip_grad_norm_([a, b, c], 1.0) == 5.0
    assert a.grad is None and same(b.grad, 3.0 * ((1 / (5.0 + 1e-6)) * 1.0))
    mg.clip_grad_value_([a, b], 0.1)
    assert a.grad is None and b.grad == 0.1


def test_no_gradient_at_all_gives_zero_and_changes_nothing() -> None:
    assert mg.clip_grad_norm_([], 1.0) == 0.0
    (p,) = params_with([None])
    assert mg.clip_grad_norm_(p, 1.0, error_if_nonfinite=True) == 0.0
    assert p.grad is None


def test_a_single_value_and_a_generator_are_accepted() -> None:
    (p,) = params_with([-3.0])
    assert mg.clip_grad_norm_(p, 1.5, norm_type="inf") == 3.0  # type: ignore[arg-type]
    assert same(p.grad, -3.0 * ((1 / (3.0 + 1e-6)) * 1.5))
    q, r = params_with([2.0, -2.0])
    assert mg.clip_grad_norm_((x for x in [q, r]), 10.0, norm_type=1) == 4.0
    assert (q.grad, r.grad) == (2.0, -2.0)  # multiplied by 1.0


def test_clipping_after_a_backward_pass() -> None:
    w = mg.Parameter(1.0)
    b = mg.Parameter(-2.0)
    loss = (3 * w + b - 10) ** 2
    loss.backward()
    total = mg.clip_grad_norm_([w, b], max_norm=1.0)
    assert total == math.hypot(-54.0, -18.0)
    assert math.isclose(math.hypot(w.grad, b.grad), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_error_if_nonfinite_raises_and_leaves_the_grads(bad: float) -> None:
    params = params_with([1.0, bad])
    with pytest.raises(RuntimeError, match="non-finite, so it cannot be clipped"):
        mg.clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    assert params[0].grad == 1.0 and same(params[1].grad, bad)
    with pytest.raises(RuntimeError, match="order inf"):
        get_total_norm([bad], math.inf, error_if_nonfinite=True)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda ps: mg.clip_grad_norm_(ps, -1.0), ValueError, "max_norm must be a number >= 0"),
        (lambda ps: mg.clip_grad_norm_(ps, math.nan), ValueError, "max_norm must be"),
        (lambda ps: mg.clip_grad_norm_(ps, "1"), TypeError, "max_norm must be a real number"),
        (lambda ps: mg.clip_grad_norm_(ps, 1.0, math.nan), ValueError, "norm_type must be"),
        (lambda ps: mg.clip_grad_norm_(ps, 1.0, "two"), TypeError, "norm_type must be a real"),
        (lambda ps: mg.clip_grad_norm_(ps, 1.0, 2.0, 1), TypeError, "error_if_nonfinite must"),
        (lambda ps: mg.clip_grad_norm_(ps, 1.0, foreach="yes"), TypeError, "foreach must be"),
        (lambda ps: mg.clip_grad_norm_(3.0, 1.0), TypeError, "parameters must be a Value or"),
        (lambda ps: mg.clip_grad_norm_([*ps, 2.0], 1.0), TypeError, "parameter 2 is float"),
        (lambda ps: mg.clip_grad_value_(ps, -0.5), ValueError, "clip_value must be a number >="),
        (lambda ps: mg.clip_grad_value_(ps, None), TypeError, "clip_value must be a real"),
        (lambda ps: mg.clip_grad_value_([ps], 1.0), TypeError, "parameter 0 is list"),
        (lambda ps: vector_norm([1.0, 2.0], 1.0, threads=0), ValueError, "threads must be"),
        (lambda ps: vector_norm([1.0, 2.0], 1.0, threads=2.0), TypeError, "threads must be an"),
    ],
)
def test_bad_arguments_say_what_is_accepted(call: Any, error: type, message: str) -> None:
    params = params_with([3.0, 4.0])
    with pytest.raises(error, match=message):
        call(params)
    assert [p.grad for p in params] == [3.0, 4.0]


# --- against torch itself, where it is installed ---------------------------------------------


@pytest.mark.parametrize("p", ORDERS)
def test_random_cases_against_torch(p: float) -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(hash(p) % 1000)
    for _ in range(60):
        n = rng.randint(1, 300)
        grads = [number(rng) * rng.choice([1.0, 1e100, 1e-100]) for _ in range(n)]
        if rng.random() < 0.2:
            grads[rng.randrange(n)] = rng.choice(SPECIAL)
        max_norm = rng.choice(MAX_NORMS)
        tparams = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in grads]
        for t, g in zip(tparams, grads, strict=True):
            t.grad = torch.tensor(g, dtype=torch.float64)
        expected = float(torch.nn.utils.clip_grad_norm_(tparams, max_norm, p))
        total, clipped = clip_norm(grads, max_norm, p)
        assert same(total, expected), (p, n, total, expected)
        assert all(same(a, t.grad.item()) for a, t in zip(clipped, tparams, strict=True))
        c = rng.choice([0.0, 1e-3, 0.5, math.inf])
        tparams_v = [torch.tensor(0.0, dtype=torch.float64, requires_grad=True) for _ in grads]
        for t, g in zip(tparams_v, grads, strict=True):
            t.grad = torch.tensor(g, dtype=torch.float64)
        torch.nn.utils.clip_grad_value_(tparams_v, c)
        params = params_with(grads)
        mg.clip_grad_value_(params, c)
        assert all(same(a.grad, t.grad.item()) for a, t in zip(params, tparams_v, strict=True))
