"""mg.Adam against a hand-written formula loop, its options, resuming, and bad input."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg

Loss = Callable[[list[Any]], Any]


def quadratic(xs: list[Any]) -> Any:
    """A smooth test function of three parameters (works on floats and Values)."""
    a, b, c = xs
    return (a - 1) ** 2 + 3 * (b + 2) ** 2 + 0.5 * (a + c) ** 2 + 0.1 * a * b


def gradient(xs: list[float]) -> list[float]:
    a, b, c = xs
    return [2 * (a - 1) + (a + c) + 0.1 * b, 6 * (b + 2) + 0.1 * a, a + c]


def reference_adam(
    start: list[float],
    steps: int,
    lr: float = 1e-3,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
    maximize: bool = False,
) -> list[list[float]]:
    """Adam written out from its textbook formula, one parameter at a time."""
    beta1, beta2 = betas
    p = list(start)
    m = [0.0] * len(p)
    v = [0.0] * len(p)
    iterates = []
    for t in range(1, steps + 1):
        grads = gradient(p)
        for i, g in enumerate(grads):
            if maximize:
                g = -g
            g = g + weight_decay * p[i]
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g * g
            m_hat = m[i] / (1 - beta1**t)
            v_hat = v[i] / (1 - beta2**t)
            p[i] = p[i] - lr * m_hat / (math.sqrt(v_hat) + eps)
        iterates.append(list(p))
    return iterates


def run_adam(start: list[float], steps: int, **options: Any) -> list[list[float]]:
    params = [mg.Parameter(x) for x in start]
    opt = mg.Adam(params, **options)
    iterates = []
    for _ in range(steps):
        opt.zero_grad()
        quadratic(params).backward()
        opt.step()
        iterates.append([p.data for p in params])
    return iterates


OPTIONS = [
    {},
    {"lr": 0.1},
    {"lr": 0.05, "betas": (0.5, 0.9)},
    {"lr": 0.05, "betas": (0.0, 0.0)},
    {"lr": 0.02, "betas": (0.99, 0.9999)},
    {"lr": 0.05, "eps": 0.1},
    {"lr": 0.05, "eps": 0.0},
    {"lr": 0.05, "weight_decay": 0.3},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.03, "betas": (0.8, 0.95), "eps": 1e-4, "weight_decay": 0.1},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_iterates_match_the_formula_loop(options: dict[str, Any]) -> None:
    start = [3.0, -0.5, 1.5]
    got = run_adam(start, 60, **options)
    expected = reference_adam(start, 60, **options)
    # minigrad follows torch's operation order (m via lerp: m + (1 − β₁)(g − m), the bias
    # corrections applied to the step size and to √v): the same math, so the iterates agree
    # to within a few rounding errors of the parameters' size.
    for step, (a, b) in enumerate(zip(got, expected, strict=True)):
        for x, y in zip(a, b, strict=True):
            assert x == pytest.approx(y, rel=1e-13, abs=1e-13), f"step {step + 1}"
    assert got[-1] != start


def test_default_options_are_pytorchs() -> None:
    opt = mg.Adam([mg.Parameter(1.0)])
    group = {k: v for k, v in opt.param_groups[0].items() if k != "params"}
    assert group == {
        "lr": 1e-3,
        "betas": (0.9, 0.999),
        "eps": 1e-8,
        "weight_decay": 0.0,
        "amsgrad": False,
        "maximize": False,
    }


@settings(max_examples=50, deadline=None)
@given(
    g=st.floats(1e-3, 1e3) | st.floats(-1e3, -1e-3),
    lr=st.floats(1e-4, 1.0),
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.999),
)
def test_first_step_moves_by_lr_against_the_gradient(
    g: float, lr: float, beta1: float, beta2: float
) -> None:
    # Bias correction: after one step m̂ = g and v̂ = g², so the step is lr·g/(|g| + ε).
    p = mg.Parameter(0.0)
    opt = mg.Adam([p], lr=lr, betas=(beta1, beta2))
    p.grad = g
    opt.step()
    assert p.data == pytest.approx(-lr * g / (abs(g) + 1e-8), rel=1e-12)


def test_a_parameter_without_gradient_stays_put_and_eps_zero_gives_nan_not_an_error() -> None:
    p = mg.Parameter(2.0)
    opt = mg.Adam([p], lr=0.1)
    opt.step()
    assert p.data == 2.0
    q = mg.Parameter(2.0)
    q.grad = 0.0
    mg.Adam([q], lr=0.1, eps=0.0).step()  # 0/0, as in torch: nan, no ZeroDivisionError
    assert math.isnan(q.data)


def test_learning_rate_change_in_param_groups_takes_effect() -> None:
    p = mg.Parameter(0.0)
    opt = mg.Adam([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    opt.param_groups[0]["lr"] = 0.0
    before = p.data
    opt.step()
    assert p.data == before


def test_state_dict_resume_is_bit_identical() -> None:
    start = [3.0, -0.5, 1.5]
    options: dict[str, Any] = {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.01}
    straight = run_adam(start, 40, **options)[-1]

    params = [mg.Parameter(x) for x in start]
    opt = mg.Adam(params, **options)
    for _ in range(17):
        opt.zero_grad()
        quadratic(params).backward()
        opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))  # through JSON, as a checkpoint would go
    saved_params = [p.data for p in params]

    resumed = [mg.Parameter(x) for x in saved_params]
    opt2 = mg.Adam(resumed, lr=1.0)  # hyper-parameters come from the state too
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["betas"] == (0.8, 0.99)
    for _ in range(40 - 17):
        opt2.zero_grad()
        quadratic(resumed).backward()
        opt2.step()
    assert [p.data for p in resumed] == straight


def test_state_dict_shape() -> None:
    p = mg.Parameter(1.0)
    opt = mg.Adam([p], lr=0.1)
    p.grad = 2.0
    opt.step()
    state = opt.state_dict()
    assert state["state"] == {
        0: {"step": 1.0, "exp_avg": pytest.approx(0.2), "exp_avg_sq": pytest.approx(0.004)}
    }
    assert state["param_groups"][0]["params"] == [0]


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"lr": -0.1}, ValueError, r"Invalid learning rate: -0.1"),
        ({"lr": math.nan}, ValueError, r"Invalid learning rate: nan"),
        ({"lr": "0.1"}, TypeError, r"learning rate must be a real number .*; got str"),
        ({"eps": -1e-8}, ValueError, r"Invalid epsilon value: -1e-08"),
        ({"weight_decay": -1.0}, ValueError, r"Invalid weight_decay value: -1.0"),
        ({"betas": (1.0, 0.999)}, ValueError, r"Invalid beta parameter at index 0: 1.0"),
        ({"betas": (0.9, -0.1)}, ValueError, r"Invalid beta parameter at index 1: -0.1"),
        ({"betas": (0.9, 1.5)}, ValueError, r"Invalid beta parameter at index 1: 1.5"),
        ({"betas": 0.9}, TypeError, r"betas must be a pair of numbers"),
        ({"betas": (0.9,)}, TypeError, r"betas must be a pair of numbers"),
        ({"betas": (0.9, "x")}, TypeError, r"beta parameter at index 1 must be a real number"),
        ({"maximize": 1}, TypeError, r"maximize must be a bool"),
    ],
)
def test_bad_hyper_parameters(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        mg.Adam([mg.Parameter(1.0)], **options)


def test_bad_parameter_lists() -> None:
    with pytest.raises(ValueError, match="empty parameter list"):
        mg.Adam([])
    with pytest.raises(ValueError, match="parameter 0 is a Value that does not require grad"):
        mg.Adam([mg.Value(1.0, requires_grad=False)])


def _stepped() -> mg.Adam:
    p = mg.Parameter(1.0)
    opt = mg.Adam([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    return opt


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s["state"][0].pop("exp_avg_sq"), "must hold exactly"),
        (lambda s: s["state"][0].update(step=1.5), "step must be a whole number"),
        (lambda s: s["state"][0].update(step=-1.0), "step must be a whole number"),
        (lambda s: s["state"][0].update(exp_avg="0.1"), "exp_avg must be a number"),
        (lambda s: s["state"][0].update(momentum_buffer=0.1), "must hold exactly"),
        (lambda s: s["param_groups"][0].update(betas=(0.9, 1.0)), "Invalid beta parameter"),
        (lambda s: s["param_groups"][0].update(params=[0, 1]), "is for 2 parameters"),
        (lambda s: s["param_groups"][0].pop("eps"), r"lacks \['eps'\]"),
        (lambda s: s["state"][0].update(exp_avg_sq=-1e-3), "cannot be negative"),
        (lambda s: s["state"][0].update(step=10**400), "step"),
        (lambda s: s["state"].update({"0.0": s["state"][0]}), "not a parameter index"),
        (lambda s: s["state"].update({1: s["state"][0]}), "not a parameter index"),
        (lambda s: s.update(param_groups=[]), "list of 1 group"),
    ],
)
def test_load_state_dict_rejects_bad_states_and_changes_nothing(
    change: Callable[[dict[str, Any]], Any], message: str
) -> None:
    opt = _stepped()
    before = json.dumps(opt.state_dict())
    bad = json.loads(before)
    bad["state"] = {int(k): v for k, v in bad["state"].items()}
    change(bad)
    with pytest.raises(ValueError, match=message):
        opt.load_state_dict(bad)
    assert json.dumps(opt.state_dict()) == before


def test_adam_trains_an_mlp() -> None:
    model = mg.nn.MLP(1, [8, 1], rng=0)
    data = [(x / 10, (x / 10) ** 2) for x in range(-10, 11)]
    opt = mg.Adam(model.parameters(), lr=0.02)

    def loss() -> Any:
        return mg.mse_loss([model(x) for x, _ in data], [y for _, y in data])

    first = loss().item()
    for _ in range(100):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < first / 10
