"""mg.lr_scheduler against PyTorch 2.13's learning-rate sequences, bit for bit.

The sequences recorded with torch by tests/gen_sched_expectations.py (tests/sched_expectations.json)
are checked without torch; with torch installed, random configurations are checked against it
directly. Then: state_dict round trips through JSON, several parameter groups, mg.SGD, errors.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path
from typing import Any

import pytest

import minigrad as mg
from minigrad import lr_scheduler

EXPECTATIONS = Path(__file__).with_name("sched_expectations.json")
STEPS = 320  # every recorded sequence: the lrs at epochs 0 .. STEPS

# The functions of LambdaLR's configurations, by name (JSON cannot hold functions).
LAMBDAS = {
    "power": lambda epoch: 0.95**epoch,
    "inverse": lambda epoch: 1.0 / (1.0 + 0.07 * epoch),
    "warmup": lambda epoch: min(1.0, (epoch + 1) / 25) * 0.5 ** (epoch // 90),
}


def plateau_metrics(seed: int, n: int = STEPS) -> list[float]:
    """A loss in phases: improving, flat (exact repeats: ties with `best`) and noisy.

    ReduceLROnPlateau's input; built from random() and ldexp only, so that it is the same on
    every machine.
    """
    rng = random.Random(seed)
    level, phase, out = 4.0, "improve", []
    for _ in range(n):
        if rng.random() < 0.08:
            phase = rng.choice(["improve", "flat", "noisy"])
        if phase == "improve":
            level = level - math.ldexp(rng.random(), -5)
        elif phase == "noisy":
            level = level + math.ldexp(rng.random() - 0.5, -6)
        out.append(level)
    return out


# name: (scheduler, kwargs, initial lrs of the groups, metric seed for ReduceLROnPlateau)
CONFIGS: dict[str, tuple[str, dict[str, Any], list[float], int | None]] = {
    "step-7": ("StepLR", {"step_size": 7, "gamma": 0.3}, [0.1, 0.037], None),
    "step-1": ("StepLR", {"step_size": 1, "gamma": 0.99}, [1.0], None),
    "step-50": ("StepLR", {"step_size": 50}, [0.5, 3e-4, 1.0], None),
    "multistep": ("MultiStepLR", {"milestones": [3, 50, 120], "gamma": 0.7}, [0.1, 0.03], None),
    "multistep-repeat": ("MultiStepLR", {"milestones": [200, 5, 5, 0]}, [1.0], None),
    "multistep-many": (
        "MultiStepLR",
        {"milestones": list(range(1, 300, 3)), "gamma": 0.97},
        [0.3],
        None,
    ),
    "exp-0.97": ("ExponentialLR", {"gamma": 0.97}, [0.1, 0.0123], None),
    "exp-0.5": ("ExponentialLR", {"gamma": 0.5}, [1.0], None),
    "exp-1.01": ("ExponentialLR", {"gamma": 1.01}, [1e-3], None),
    "cos-1": ("CosineAnnealingLR", {"T_max": 1}, [0.1], None),
    "cos-7": ("CosineAnnealingLR", {"T_max": 7, "eta_min": 0.001}, [0.1, 0.5], None),
    "cos-100": ("CosineAnnealingLR", {"T_max": 100, "eta_min": 1e-5}, [0.05], None),
    "cos-333": ("CosineAnnealingLR", {"T_max": 333}, [0.3], None),
    "linear-warmup": ("LinearLR", {"start_factor": 0.1, "total_iters": 37}, [0.1, 0.02], None),
    "linear-decay": (
        "LinearLR",
        {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 300},
        [0.7],
        None,
    ),
    "linear-default": ("LinearLR", {}, [0.05], None),
    "lambda-power": ("LambdaLR", {"lr_lambda": "power"}, [0.2], None),
    "lambda-inverse": ("LambdaLR", {"lr_lambda": "inverse"}, [0.3], None),
    "lambda-per-group": ("LambdaLR", {"lr_lambda": ["warmup", "power"]}, [0.1, 0.01], None),
    "plateau-min-rel": (
        "ReduceLROnPlateau",
        {"factor": 0.5, "patience": 3, "cooldown": 2, "min_lr": [0.0, 1e-3]},
        [0.1, 0.05],
        1,
    ),
    "plateau-min-abs": (
        "ReduceLROnPlateau",
        {"threshold": 1e-3, "threshold_mode": "abs", "patience": 0, "factor": 0.9},
        [1.0],
        2,
    ),
    "plateau-max-rel": (
        "ReduceLROnPlateau",
        {"mode": "max", "patience": 2, "factor": 0.7, "threshold": 0.0, "eps": 1e-3},
        [0.1, 1.0],
        3,
    ),
    "plateau-max-abs": (
        "ReduceLROnPlateau",
        {"mode": "max", "threshold_mode": "abs", "threshold": 5e-3, "patience": 1, "cooldown": 5},
        [0.3],
        4,
    ),
    "plateau-defaults": ("ReduceLROnPlateau", {}, [0.1], 5),
}


class StubOptimizer:
    """The least an optimizer must have for a scheduler: param_groups with "lr"."""

    def __init__(self, lrs: list[float]) -> None:
        self.param_groups: list[dict[str, Any]] = [{"lr": lr, "params": []} for lr in lrs]

    def step(self) -> None:
        pass


def make(name: str, optimizer: Any) -> Any:
    """The scheduler of configuration `name` on `optimizer` (minigrad's)."""
    kind, kwargs, _, _ = CONFIGS[name]
    return getattr(lr_scheduler, kind)(optimizer, **resolve(kwargs))


def resolve(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The kwargs with LambdaLR's lambda names replaced by the functions."""
    out = dict(kwargs)
    fn = out.get("lr_lambda")
    if isinstance(fn, str):
        out["lr_lambda"] = LAMBDAS[fn]
    elif isinstance(fn, list):
        out["lr_lambda"] = [LAMBDAS[f] for f in fn]
    return out


def metrics_of(name: str) -> list[float] | None:
    seed = CONFIGS[name][3]
    metrics = None if seed is None else plateau_metrics(seed)
    if metrics is not None and CONFIGS[name][1].get("mode") == "max":
        metrics = [-m for m in metrics]
    return metrics


def drive(scheduler: Any, optimizer: Any, metrics: list[float] | None, steps: int) -> list:
    """The lrs of the groups after creation and after each of `steps` epochs."""
    lrs = [scheduler.get_last_lr()]
    for epoch in range(steps):
        optimizer.step()
        if metrics is None:
            scheduler.step()
        else:
            scheduler.step(metrics[epoch])
        lrs.append(scheduler.get_last_lr())
        assert lrs[-1] == [g["lr"] for g in optimizer.param_groups]
    return lrs


def expand(changes: list[list[Any]]) -> list[list[float]]:
    """The recorded [[epoch, lrs], ...] (one row where the lrs change) as one row per epoch."""
    rows: list[list[float]] = []
    for (epoch, lrs), following in zip(changes, [*changes[1:], [STEPS + 1, None]], strict=True):
        rows.extend([lrs] * (following[0] - epoch))
    return rows


def recorded() -> dict[str, Any]:
    return json.loads(EXPECTATIONS.read_text(encoding="utf-8"))


def test_the_recording_covers_every_configuration() -> None:
    data = recorded()["schedulers"]
    assert set(data) == set(CONFIGS)
    assert all(len(expand(data[name])) == STEPS + 1 for name in CONFIGS)
    # The plateau sequences are not trivial: each reduces the lr several times.
    for name in CONFIGS:
        if name.startswith("plateau"):
            assert len(data[name]) >= 3, name


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_the_lrs_are_pytorchs_bit_for_bit(name: str) -> None:
    expected = expand(recorded()["schedulers"][name])
    optimizer = StubOptimizer(CONFIGS[name][2])
    got = drive(make(name, optimizer), optimizer, metrics_of(name), STEPS)
    for epoch, (mine, torchs) in enumerate(zip(got, expected, strict=True)):
        assert mine == torchs, f"{name}: epoch {epoch}: {mine} != torch's {torchs}"


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_a_state_dict_through_json_resumes_the_same_sequence(name: str) -> None:
    lrs = CONFIGS[name][2]
    metrics = metrics_of(name)
    optimizer = StubOptimizer(lrs)
    whole = drive(make(name, optimizer), optimizer, metrics, STEPS)

    first = StubOptimizer(lrs)
    scheduler = make(name, first)
    drive(scheduler, first, metrics, 133)
    saved = json.dumps({"scheduler": scheduler.state_dict(), "groups": first.param_groups})
    loaded = json.loads(saved)

    # As in PyTorch: a new optimizer and scheduler, then the optimizer's state, then the
    # scheduler's.
    second = StubOptimizer(lrs)
    resumed = make(name, second)
    for group, saved_group in zip(second.param_groups, loaded["groups"], strict=True):
        group.update(saved_group)
    resumed.load_state_dict(loaded["scheduler"])
    assert resumed.get_last_lr() == whole[133]
    rest = drive(resumed, second, None if metrics is None else metrics[133:], STEPS - 133)
    assert rest == whole[133:]


def test_the_state_dict_is_plain_data_with_pytorchs_keys() -> None:
    scheduler = lr_scheduler.MultiStepLR(StubOptimizer([0.1]), milestones=[5, 2, 5])
    assert scheduler.state_dict() == {
        "milestones": [2, 5, 5],
        "gamma": 0.1,
        "base_lrs": [0.1],
        "last_epoch": 0,
        "_last_lr": [0.1],
    }
    plateau = lr_scheduler.ReduceLROnPlateau(StubOptimizer([0.1]))
    state = json.loads(json.dumps(plateau.state_dict()))
    assert state["best"] == math.inf and state["num_bad_epochs"] == 0


def test_lambda_lr_saves_no_function_and_keeps_its_own() -> None:
    optimizer = StubOptimizer([1.0])
    scheduler = lr_scheduler.LambdaLR(optimizer, lambda epoch: 0.5**epoch)
    scheduler.step()
    state = scheduler.state_dict()
    assert "lr_lambdas" not in state and all(not callable(v) for v in state.values())
    other = lr_scheduler.LambdaLR(StubOptimizer([1.0]), lambda epoch: 2.0**epoch)
    other.load_state_dict(json.loads(json.dumps(state)))
    other.step()
    assert other.last_epoch == 2 and other.get_last_lr() == [4.0]


def test_a_scheduler_sets_the_lr_mg_sgd_uses() -> None:
    x = mg.Parameter(0.0)
    opt = mg.SGD([x], lr=1.0)
    scheduler = lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    assert opt.param_groups[0]["initial_lr"] == 1.0
    moves = []
    for _ in range(3):
        opt.zero_grad()
        (2 * x).backward()  # gradient 2
        before = x.data
        opt.step()
        moves.append(before - x.data)
        scheduler.step()
    assert moves == [2.0, 1.0, 0.5]


def test_creation_applies_epoch_zero_and_keeps_initial_lr() -> None:
    optimizer = StubOptimizer([0.2, 0.4])
    optimizer.param_groups[1]["initial_lr"] = 1.0  # already there: kept, as in PyTorch
    scheduler = lr_scheduler.LinearLR(optimizer, start_factor=0.5, total_iters=2)
    assert scheduler.last_epoch == 0
    assert scheduler.get_last_lr() == [0.1, 0.2]
    assert scheduler.base_lrs == [0.2, 1.0]


def test_resuming_with_last_epoch_needs_initial_lr() -> None:
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.ExponentialLR(StubOptimizer([0.1]), gamma=0.9, last_epoch=4)
    optimizer = StubOptimizer([0.1])
    optimizer.param_groups[0]["initial_lr"] = 1.0
    scheduler = lr_scheduler.ExponentialLR(optimizer, gamma=0.9, last_epoch=4)
    assert scheduler.last_epoch == 5 and scheduler.get_last_lr() == [0.1]  # as PyTorch


def test_plateau_takes_a_value_and_counts_nan_as_bad() -> None:
    optimizer = StubOptimizer([1.0])
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=1, factor=0.5)
    scheduler.step(mg.Value(1.0))
    scheduler.step(math.nan)
    assert scheduler.num_bad_epochs == 1 and scheduler.best == 1.0
    scheduler.step(math.nan)
    assert scheduler.get_last_lr() == [0.5]
    with pytest.raises(TypeError, match="needs the metric"):
        scheduler.step()
    with pytest.raises(TypeError, match="metrics must be a real number"):
        scheduler.step("0.5")  # type: ignore[arg-type]


def test_plateau_eps_skips_a_tiny_reduction_and_min_lr_is_a_floor() -> None:
    optimizer = StubOptimizer([1e-8, 1.0, 0.1])
    scheduler = lr_scheduler.ReduceLROnPlateau(
        optimizer, patience=0, factor=0.5, min_lr=[0.0, 0.0, 0.08]
    )
    scheduler.step(1.0)
    scheduler.step(2.0)
    assert scheduler.get_last_lr() == [1e-8, 0.5, 0.08]
    # A reduction of exactly eps is skipped too (lr − new > eps is needed).
    tie = StubOptimizer([1.0])
    at_eps = lr_scheduler.ReduceLROnPlateau(tie, patience=0, factor=0.5, eps=0.5)
    at_eps.step(1.0)
    at_eps.step(2.0)
    assert at_eps.get_last_lr() == [1.0]


def test_plateau_with_a_group_added_later() -> None:
    optimizer = StubOptimizer([1.0])
    scheduler = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=0.01)
    optimizer.param_groups.append({"lr": 0.05, "params": []})
    scheduler.step(1.0)
    scheduler.step(2.0)
    assert scheduler.get_last_lr() == [0.1, 0.01]
    per_group = lr_scheduler.ReduceLROnPlateau(optimizer, patience=0, min_lr=[0.0, 0.0])
    optimizer.param_groups.append({"lr": 0.05, "params": []})
    per_group.step(1.0)
    with pytest.raises(RuntimeError, match="min_lr was given for 2"):
        per_group.step(2.0)


def test_a_custom_scheduler_defines_get_lr() -> None:
    class Halving(lr_scheduler.LRScheduler):
        def get_lr(self) -> list[float]:
            return [lr / 2**self.last_epoch for lr in self.base_lrs]

    scheduler = Halving(StubOptimizer([1.0]))
    scheduler.step()
    scheduler.step()
    assert scheduler.get_last_lr() == [0.25]

    class Wrong(lr_scheduler.LRScheduler):
        def get_lr(self) -> list[float]:
            return []

    with pytest.raises(RuntimeError, match="0 learning rates for 1 parameter groups"):
        Wrong(StubOptimizer([1.0]))


BAD_ARGUMENTS = [
    (lr_scheduler.StepLR, {"step_size": 0}, ValueError, "step_size must be an int >= 1; got 0"),
    (lr_scheduler.StepLR, {"step_size": 2.0}, TypeError, "step_size must be an int; got float"),
    (lr_scheduler.StepLR, {"step_size": True}, TypeError, "step_size must be an int; got bool"),
    (lr_scheduler.StepLR, {"step_size": 2, "gamma": -0.1}, ValueError, "gamma must be"),
    (lr_scheduler.StepLR, {"step_size": 2, "gamma": math.nan}, ValueError, "gamma must be"),
    (lr_scheduler.StepLR, {"step_size": 2, "gamma": "0.1"}, TypeError, "gamma must be a real"),
    (lr_scheduler.StepLR, {"step_size": 2, "last_epoch": -2}, ValueError, "last_epoch must"),
    (lr_scheduler.MultiStepLR, {"milestones": 5}, TypeError, "milestones must be an iterable"),
    (lr_scheduler.MultiStepLR, {"milestones": "35"}, TypeError, "milestones must be an iterable"),
    (lr_scheduler.MultiStepLR, {"milestones": [3, -1]}, ValueError, "a milestone must be"),
    (lr_scheduler.MultiStepLR, {"milestones": [3.5]}, TypeError, "a milestone must be an int"),
    (lr_scheduler.ExponentialLR, {"gamma": math.inf}, ValueError, "gamma must be a finite"),
    (lr_scheduler.CosineAnnealingLR, {"T_max": 0}, ValueError, "T_max must be an int >= 1"),
    (lr_scheduler.CosineAnnealingLR, {"T_max": 5, "eta_min": None}, TypeError, "eta_min"),
    (lr_scheduler.LinearLR, {"start_factor": 0.0}, ValueError, "start_factor must be greater"),
    (lr_scheduler.LinearLR, {"start_factor": 1.5}, ValueError, "start_factor must be greater"),
    (lr_scheduler.LinearLR, {"end_factor": -0.5}, ValueError, "end_factor must be a finite number"),
    (lr_scheduler.LinearLR, {"total_iters": 0}, ValueError, "total_iters must be an int >= 1"),
    (lr_scheduler.LambdaLR, {"lr_lambda": 0.5}, TypeError, "lr_lambda must be a function"),
    (lr_scheduler.LambdaLR, {"lr_lambda": [abs, abs]}, ValueError, "one function or 1"),
    (lr_scheduler.ReduceLROnPlateau, {"mode": "minimum"}, ValueError, "mode must be one of"),
    (lr_scheduler.ReduceLROnPlateau, {"threshold_mode": "x"}, ValueError, "threshold_mode must"),
    (lr_scheduler.ReduceLROnPlateau, {"factor": 1.0}, ValueError, r"factor must be in \[0, 1\)"),
    (lr_scheduler.ReduceLROnPlateau, {"patience": -1}, ValueError, "patience must be an int >="),
    (lr_scheduler.ReduceLROnPlateau, {"cooldown": 0.5}, TypeError, "cooldown must be an int"),
    (lr_scheduler.ReduceLROnPlateau, {"threshold": -1e-4}, ValueError, "threshold must be"),
    (lr_scheduler.ReduceLROnPlateau, {"eps": math.nan}, ValueError, "eps must be a finite number"),
    (lr_scheduler.ReduceLROnPlateau, {"min_lr": [0.0, 0.1]}, ValueError, "one value per"),
    (lr_scheduler.ReduceLROnPlateau, {"min_lr": -1.0}, ValueError, "min_lr"),
]


@pytest.mark.parametrize(("cls", "kwargs", "error", "message"), BAD_ARGUMENTS)
def test_bad_arguments_say_what_is_accepted(
    cls: type, kwargs: dict[str, Any], error: type[Exception], message: str
) -> None:
    optimizer = StubOptimizer([0.1])
    with pytest.raises(error, match=message):
        cls(optimizer, **kwargs)
    assert optimizer.param_groups == [{"lr": 0.1, "params": []}]  # untouched


@pytest.mark.parametrize("optimizer", [None, [0.1], StubOptimizer([])])
def test_something_that_is_not_an_optimizer(optimizer: Any) -> None:
    with pytest.raises(TypeError, match="optimizer must have param_groups"):
        lr_scheduler.StepLR(optimizer, step_size=3)


def test_a_group_without_lr() -> None:
    optimizer = StubOptimizer([0.1])
    del optimizer.param_groups[0]["lr"]
    with pytest.raises(KeyError, match="has no 'lr'"):
        lr_scheduler.ExponentialLR(optimizer, gamma=0.5)


def test_lambda_returning_a_non_number() -> None:
    with pytest.raises(TypeError, match=r"lr_lambda\(0\) must be a real number"):
        lr_scheduler.LambdaLR(StubOptimizer([0.1]), lambda epoch: "fast")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("gamma"), r"missing keys \['gamma'\]"),
        (lambda s: s.update(extra=1), r"unknown keys \['extra'\]"),
        (lambda s: s.update(step_size=0), "step_size must be an int >= 1"),
        (lambda s: s.update(base_lrs=[0.1, 0.2]), "one value per parameter group"),
        (lambda s: s.update(last_epoch="3"), "last_epoch must be an int"),
        (lambda s: s.update(_last_lr=0.1), "must be lists"),
    ],
)
def test_a_malformed_state_changes_nothing(change: Any, message: str) -> None:
    scheduler = lr_scheduler.StepLR(StubOptimizer([0.1]), step_size=3)
    state = scheduler.state_dict()
    change(state)
    before = scheduler.state_dict()
    with pytest.raises(ValueError, match=message):
        scheduler.load_state_dict(state)
    assert scheduler.state_dict() == before
    with pytest.raises(ValueError, match="must be a mapping"):
        scheduler.load_state_dict([1, 2])  # type: ignore[arg-type]


# --- against torch itself, where it is installed ---------------------------------------------


def random_config(rng: random.Random) -> tuple[str, dict[str, Any]]:
    kind = rng.choice(
        [
            "StepLR",
            "MultiStepLR",
            "ExponentialLR",
            "CosineAnnealingLR",
            "LinearLR",
            "LambdaLR",
            "ReduceLROnPlateau",
        ]
    )
    gamma = rng.choice([0.1, 0.5, 0.9, 0.99, rng.random(), 1.0 + rng.random() / 50])
    if kind == "StepLR":
        return kind, {"step_size": rng.randint(1, 40), "gamma": gamma}
    if kind == "MultiStepLR":
        return kind, {"milestones": [rng.randint(0, 300) for _ in range(6)], "gamma": gamma}
    if kind == "ExponentialLR":
        return kind, {"gamma": gamma}
    if kind == "CosineAnnealingLR":
        eta_min = rng.choice([0.0, 1e-4 * rng.random()])
        return kind, {"T_max": rng.randint(1, 400), "eta_min": eta_min}
    if kind == "LinearLR":
        return kind, {
            "start_factor": rng.choice([1.0, 1 / 3, 1 - rng.random()]),
            "end_factor": rng.choice([1.0, 0.0, rng.random()]),
            "total_iters": rng.randint(1, 350),
        }
    if kind == "LambdaLR":
        return kind, {"lr_lambda": rng.choice(sorted(LAMBDAS))}
    return kind, {
        "mode": rng.choice(["min", "max"]),
        "factor": rng.choice([0.1, 0.5, rng.random()]),
        "patience": rng.randint(0, 12),
        "threshold": rng.choice([0.0, 1e-4, 1e-2 * rng.random()]),
        "threshold_mode": rng.choice(["rel", "abs"]),
        "cooldown": rng.randint(0, 5),
        "min_lr": rng.choice([0.0, 1e-3]),
        "eps": rng.choice([1e-8, 0.0, 1e-4]),
    }


@pytest.mark.parametrize("seed", range(40))
def test_random_configurations_against_torch(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = random.Random(seed)
    kind, kwargs = random_config(rng)
    lrs = [rng.choice([0.1, 1.0, rng.random()]) for _ in range(rng.randint(1, 3))]
    metrics = plateau_metrics(seed + 100)
    if kwargs.get("mode") == "max":
        metrics = [-m for m in metrics]
    params = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in lrs]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)]
    torch_opt = torch.optim.SGD(groups)
    torch_sched = getattr(torch.optim.lr_scheduler, kind)(torch_opt, **resolve(kwargs))
    optimizer = StubOptimizer(lrs)
    scheduler = getattr(lr_scheduler, kind)(optimizer, **resolve(kwargs))
    plateau = kind == "ReduceLROnPlateau"
    for epoch in range(STEPS):
        assert scheduler.get_last_lr() == [float(x) for x in torch_sched.get_last_lr()], (
            f"{kind}({kwargs}) epoch {epoch}"
        )
        torch_opt.step()
        if plateau:
            torch_sched.step(metrics[epoch])
            scheduler.step(metrics[epoch])
        else:
            torch_sched.step()
            scheduler.step()
        if epoch == 150:
            # PyTorch's own state loads here too (its bookkeeping keys are ignored).
            scheduler.load_state_dict(torch_sched.state_dict())
