"""The losses against PyTorch: recorded expectations (no torch needed) and a live cross-check.

tests/loss_expectations.py holds torch 2.13's float64 CPU values and gradients for random and
edge cases, written by tests/gen_loss_expectations.py, which also makes and runs the cases here.
"""

import math
import random
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from gen_loss_expectations import EXACT, KINDS, random_case, run_minigrad, same
from loss_expectations import CASES


def _equal(field, a, b):
    # Gradients are compared with ==, so 0.0 matches -0.0: minigrad adds each leaf's gradient
    # into 0.0 (the engine's rule, not the loss's), and 0.0 + -0.0 is 0.0.
    if field != "value" and a == 0.0 and b == 0.0:
        return True
    return same(a, b)


def _close(a, b, scale):
    if math.isnan(a) or math.isinf(a) or math.isnan(b) or math.isinf(b):
        return same(a, b) or (math.isnan(a) and math.isnan(b))
    return abs(a - b) <= 2.0**-40 * scale


def _check(case, want, got, counts):
    kind = case["kind"]
    for field in ("value", "grad", "target_grad"):
        expected, actual = want[field] or [], got[field] or []
        assert len(expected) == len(actual), (kind, field)
        # The scale of an error: the largest finite result or upstream gradient of the case (a
        # gradient such as (gᵢ − Σⱼ gⱼ·outⱼ)·outᵢ cancels down from the size of g).
        finite = [abs(x) for x in [*expected, *case["seeds"]] if math.isfinite(x)]
        scale = max(finite, default=0.0) or 1e-300
        for a, b in zip(expected, actual, strict=True):
            exact = _equal(field, a, b)
            counts[kind] = counts.get(kind, (0, 0))
            counts[kind] = (counts[kind][0] + exact, counts[kind][1] + 1)
            if kind in EXACT:
                assert exact, (case, field, a, b)
            else:  # SLEEF's exp/log: a few ulps, more in a cancelling difference
                assert _close(a, b, scale), (case, field, a, b)


def test_recorded_cases_are_reproduced():
    counts = {}
    for case, want in CASES:
        _check(case, want, run_minigrad(case), counts)
    assert set(counts) == set(KINDS)
    for kind, (exact, total) in counts.items():
        floor = 0.999 if kind in EXACT else 0.8 if kind == "softmax" else 0.9  # as measured
        assert exact / total > floor, (kind, exact, total)


def test_the_recorded_data_contains_the_edge_points_of_the_brief():
    huber = {
        (c["args"][0], c["kwargs"]["delta"]): w
        for c, w in CASES
        if c["kind"] == "huber_loss" and not isinstance(c["args"][0], list)
    }
    assert huber[(1e-17, 1.0)]["grad"] == [1e-17]
    assert huber[(0.1, 1.0)]["grad"] == [0.1]
    assert huber[(0.5, 1e16)]["grad"] == [0.5]
    assert huber[(0.5, math.inf)] == {"value": [0.125], "grad": [0.5], "target_grad": [-0.5]}


def test_live_cross_check_against_torch():
    pytest.importorskip("torch")
    from gen_loss_expectations import run_torch

    rng = random.Random()  # new cases every run
    counts = {}
    for kind in KINDS:
        for _ in range(60):
            case = random_case(kind, rng)
            _check(case, run_torch(case), run_minigrad(case), counts)
