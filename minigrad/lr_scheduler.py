"""Learning-rate schedulers: they change ``group["lr"]`` of an optimizer's parameter groups.

As in ``torch.optim.lr_scheduler`` (PyTorch 2.13), a scheduler is stepped once per epoch (or per
iteration), after ``optimizer.step()``:

```text
scheduler = mg.lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
for epoch in range(100):
    ...                    # forward, backward, opt.step()
    scheduler.step()
```

Each scheduler computes the same sequence of learning rates as PyTorch's, bit for bit: the
same recursive ("chainable") formulas, the same floating-point operations in the same order, on
Python floats. Creating a scheduler sets ``group["initial_lr"]`` (when absent) and applies the
schedule's epoch 0, as PyTorch does.

The optimizer can be any object whose ``param_groups`` is a list of dicts with an ``"lr"`` (a
minigrad optimizer, or a stand-in); there is one learning rate per group.

Differences from PyTorch: ``step()`` takes no ``epoch`` (deprecated in PyTorch); no warning is
given when ``scheduler.step()`` comes before ``optimizer.step()``; ``state_dict()`` is plain
JSON-able data (``json.dumps``/``json.loads`` round-trip it; ReduceLROnPlateau's ``best`` can
be ±inf, which Python's json writes as ``Infinity``), and LambdaLR saves no functions.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from minigrad.numbers import as_float, describe
from minigrad.value import Value

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
]

# Keys of a PyTorch scheduler's state_dict that hold bookkeeping with no effect on the
# sequence: accepted by load_state_dict (so a state saved by PyTorch loads) and ignored.
_TORCH_BOOKKEEPING = frozenset(
    {"_step_count", "_is_initial", "_get_lr_called_within_step", "verbose", "lr_lambdas"}
)


def _groups(optimizer: object) -> list[dict[str, Any]]:
    """The optimizer's parameter groups, checked: a non-empty list of dicts with an "lr"."""
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not groups or not all(isinstance(g, dict) for g in groups):
        raise TypeError(
            "optimizer must have param_groups, a non-empty list of dicts (e.g. mg.SGD(...)); "
            f"got {describe(optimizer)}"
        )
    for i, group in enumerate(groups):
        if "lr" not in group:
            raise KeyError(f"param_groups[{i}] has no 'lr'")
        as_float(group["lr"], f"param_groups[{i}]['lr']")
    return groups


def _integer(name: str, x: object, low: int) -> int:
    """An int argument (not a bool) that must be ≥ `low`."""
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"{name} must be an int; got {describe(x)}")
    if x < low:
        raise ValueError(f"{name} must be an int >= {low}; got {x}")
    return x


def _real(name: str, x: object, low: float = -math.inf, high: float = math.inf) -> float:
    """A finite real-number argument in [low, high]."""
    number = as_float(x, name)
    if not (low <= number <= high and math.isfinite(number)):
        raise ValueError(f"{name} must be a finite number in [{low}, {high}]; got {x!r}")
    return number


def _per_group(name: str, x: object, n: int) -> list[float] | None:
    """A list/tuple given for `name` as one float per group; None if `x` is a single value."""
    if not isinstance(x, list | tuple):
        return None
    if len(x) != n:
        raise ValueError(
            f"{name} must have one value per parameter group: {n} groups, {len(x)} values"
        )
    return [as_float(v, f"{name}[{i}]") for i, v in enumerate(x)]


class LRScheduler:
    """What the epoch-driven schedulers share: ``step``, ``get_last_lr``, ``state_dict``.

    A subclass defines `get_lr`, the learning rates of the epoch being entered; ``step()``
    adds one to `last_epoch`, calls it and writes the result into ``group["lr"]``.

    Args:
        optimizer: An object with ``param_groups`` (a list of dicts with ``"lr"``).
        last_epoch: The index of the last epoch; -1 (the default) starts a new schedule.
            Another value resumes one: every group must then have ``"initial_lr"``.

    Attributes:
        optimizer: The optimizer whose learning rates this scheduler sets.
        base_lrs: Each group's ``"initial_lr"``.
        last_epoch: The number of ``step()`` calls since the schedule started at epoch 0.

    Raises:
        TypeError: `optimizer` has no list of groups; `last_epoch` is not an int.
        ValueError: `last_epoch` < -1.
        KeyError: Resuming (``last_epoch >= 0``) with a group that has no ``"initial_lr"``.
    """

    #: The hyper-parameters a subclass saves in its state_dict (besides the epoch and lrs).
    _hyper: tuple[str, ...] = ()

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        groups = _groups(optimizer)
        last_epoch = _integer("last_epoch", last_epoch, -1)
        if last_epoch == -1:
            for group in groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"param_groups[{i}] has no 'initial_lr', needed to resume a schedule "
                        f"(last_epoch={last_epoch}): load the optimizer's state first, or "
                        "start with last_epoch=-1"
                    )
        self.optimizer = optimizer
        self.base_lrs: list[float] = [
            as_float(g["initial_lr"], f"param_groups[{i}]['initial_lr']")
            for i, g in enumerate(groups)
        ]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        # The first step, taken here, enters epoch 0 (or resumes); some schedules treat it
        # apart (PyTorch's `_is_initial`).
        self._initial = True
        try:
            self.step()
        finally:
            self._initial = False

    def _lrs(self) -> list[float]:
        """The current ``group["lr"]`` of every group, as floats."""
        return [
            as_float(g["lr"], f"param_groups[{i}]['lr']")
            for i, g in enumerate(self.optimizer.param_groups)
        ]

    def get_lr(self) -> list[float]:
        """Return the learning rate of each group for the epoch `last_epoch` being entered.

        Called by `step`; to read the current learning rates use `get_last_lr`.
        """
        raise NotImplementedError

    def step(self) -> None:
        """Enter the next epoch: ``last_epoch += 1``, then set each group's lr from `get_lr`."""
        self.last_epoch += 1
        lrs = self.get_lr()
        groups = self.optimizer.param_groups
        if len(lrs) != len(groups):
            raise RuntimeError(
                f"get_lr returned {len(lrs)} learning rates for {len(groups)} parameter groups"
            )
        for group, lr in zip(groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = self._lrs()

    def get_last_lr(self) -> list[float]:
        """Return the learning rates the last `step` set, one per group (a copy)."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Return the scheduler's state as plain data (JSON-able), PyTorch's keys.

        The hyper-parameters, ``base_lrs``, ``last_epoch`` and ``_last_lr``; not the
        optimizer (save and load its state too).
        """
        state: dict[str, Any] = {name: _plain(getattr(self, name)) for name in self._hyper}
        state["base_lrs"] = list(self.base_lrs)
        state["last_epoch"] = self.last_epoch
        state["_last_lr"] = list(self._last_lr)
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict` returned (also PyTorch's); a malformed state changes nothing.

        Raises:
            ValueError: Missing or unknown keys, or values that do not fit (the message says
                which).
        """
        if not isinstance(state_dict, Mapping):
            raise ValueError(f"state_dict must be a mapping; got {describe(state_dict)}")
        expected = {*self._hyper, "base_lrs", "last_epoch", "_last_lr"}
        given = set(state_dict) - _TORCH_BOOKKEEPING
        if given != expected:
            missing, unknown = sorted(expected - given), sorted(given - expected)
            raise ValueError(
                f"invalid {type(self).__name__} state: missing keys {missing}, "
                f"unknown keys {unknown}"
            )
        n = len(self.optimizer.param_groups)
        try:
            hyper = self._check_state({k: state_dict[k] for k in self._hyper})
            base_lrs = _per_group("base_lrs", state_dict["base_lrs"], n)
            last_lr = _per_group("_last_lr", state_dict["_last_lr"], n)
            if base_lrs is None or last_lr is None:
                raise ValueError("base_lrs and _last_lr must be lists")
            last_epoch = _integer("last_epoch", state_dict["last_epoch"], -1)
        except (TypeError, ValueError) as error:
            raise ValueError(f"invalid {type(self).__name__} state: {error}") from None
        for name, value in hyper.items():
            setattr(self, name, value)
        self.base_lrs, self._last_lr, self.last_epoch = base_lrs, last_lr, last_epoch

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        """Check the saved hyper-parameters (as __init__ does); return them as attributes."""
        return hyper


def _plain(x: object) -> object:
    """A hyper-parameter as JSON-able data (MultiStepLR's Counter becomes a sorted list)."""
    if isinstance(x, Counter):
        return sorted(x.elements())
    return x


class StepLR(LRScheduler):
    """Multiply each group's lr by γ every `step_size` epochs.

    At epoch t (``last_epoch``), from the group's current lr:

    ```text
    lr_t = γ · lr_{t−1}   if t > 0 and t mod step_size = 0
    lr_t = lr_{t−1}       otherwise
    ```

    so that, with no outside change, lr_t = base_lr · γ^⌊t / step_size⌋.

    Args:
        optimizer: An optimizer (``param_groups``).
        step_size: The period of the decay, in epochs (an int ≥ 1).
        gamma: The factor γ (default 0.1).
        last_epoch: -1 to start; see `LRScheduler`.

    Raises:
        TypeError: `step_size` is not an int, or `gamma` not a number.
        ValueError: `step_size` < 1, or `gamma` negative or not finite.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
        >>> lrs = []
        >>> for epoch in range(6):
        ...     lrs.append(scheduler.get_last_lr()[0])
        ...     opt.step()
        ...     scheduler.step()
        >>> lrs
        [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    _hyper = ("step_size", "gamma")

    def __init__(
        self, optimizer: Any, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        checked = self._check_state({"step_size": step_size, "gamma": gamma})
        self.step_size: int = checked["step_size"]
        self.gamma: float = checked["gamma"]
        super().__init__(optimizer, last_epoch)

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return {
            "step_size": _integer("step_size", hyper["step_size"], 1),
            "gamma": _real("gamma", hyper["gamma"], 0.0, math.inf),
        }

    def get_lr(self) -> list[float]:
        """Return γ·lr at a positive multiple of `step_size`, else the current lr."""
        lrs = self._lrs()
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return lrs
        return [lr * self.gamma for lr in lrs]


class MultiStepLR(LRScheduler):
    """Multiply each group's lr by γ when the epoch reaches one of the `milestones`.

    At epoch t, with c(t) the number of times t appears in `milestones`:

    ```text
    lr_t = lr_{t−1} · γ^c(t)
    ```

    so that, with no outside change, lr_t = base_lr · γ^(number of milestones ≤ t).

    Args:
        optimizer: An optimizer (``param_groups``).
        milestones: Epoch indices (ints ≥ 0), e.g. ``[30, 80]``; a repeated one counts
            each time, as in PyTorch.
        gamma: The factor γ (default 0.1).
        last_epoch: -1 to start; see `LRScheduler`.

    Raises:
        TypeError: `milestones` is not an iterable of ints, or `gamma` not a number.
        ValueError: A negative milestone, or a `gamma` negative or not finite.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
        >>> for epoch in range(4):
        ...     opt.step()
        ...     scheduler.step()
        ...     print(scheduler.last_epoch, scheduler.get_last_lr())
        1 [0.5]
        2 [0.5]
        3 [0.25]
        4 [0.25]
    """

    _hyper = ("milestones", "gamma")

    def __init__(
        self,
        optimizer: Any,
        milestones: Iterable[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        checked = self._check_state({"milestones": milestones, "gamma": gamma})
        self.milestones: Counter[int] = checked["milestones"]
        self.gamma: float = checked["gamma"]
        super().__init__(optimizer, last_epoch)

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        milestones = hyper["milestones"]
        if isinstance(milestones, Mapping):  # PyTorch saves a Counter {epoch: count}
            milestones = [
                int(k)
                for k, count in milestones.items()
                for _ in range(_integer("count", count, 0))
            ]
        if isinstance(milestones, str | bytes) or not isinstance(milestones, Iterable):
            raise TypeError(f"milestones must be an iterable of ints; got {describe(milestones)}")
        return {
            "milestones": Counter(_integer("a milestone", m, 0) for m in milestones),
            "gamma": _real("gamma", hyper["gamma"], 0.0, math.inf),
        }

    def get_lr(self) -> list[float]:
        """Return lr·γ^c at a milestone (c its multiplicity), else the current lr."""
        lrs = self._lrs()
        if self.last_epoch not in self.milestones:
            return lrs
        return [lr * self.gamma ** self.milestones[self.last_epoch] for lr in lrs]


class ExponentialLR(LRScheduler):
    """Multiply each group's lr by γ every epoch.

    ```text
    lr_0 = lr (the group's lr when the scheduler is created)
    lr_t = γ · lr_{t−1}    for t ≥ 1
    ```

    Args:
        optimizer: An optimizer (``param_groups``).
        gamma: The factor γ.
        last_epoch: -1 to start; see `LRScheduler`.

    Raises:
        TypeError: `gamma` is not a number.
        ValueError: `gamma` is negative or not finite.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        >>> opt.step(); scheduler.step(); opt.step(); scheduler.step()
        >>> scheduler.get_last_lr()
        [0.25]
    """

    _hyper = ("gamma",)

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma: float = self._check_state({"gamma": gamma})["gamma"]
        super().__init__(optimizer, last_epoch)

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return {"gamma": _real("gamma", hyper["gamma"], 0.0, math.inf)}

    def get_lr(self) -> list[float]:
        """Return γ·lr (the current lr at creation)."""
        lrs = self._lrs()
        if self._initial:
            return lrs
        return [lr * self.gamma for lr in lrs]


class CosineAnnealingLR(LRScheduler):
    """Anneal each group's lr from its base lr to η_min along half a cosine over `T_max` epochs.

    The lr follows, approximately, the closed form (SGDR without restarts)

    ```text
    lr_t ≈ η_min + (base_lr − η_min) · (1 + cos(π·t / T_max)) / 2
    ```

    but it is computed, as in PyTorch, recursively from the current lr, so that a change made
    from outside carries on:

    ```text
    lr_t = lr_{t−1} + (base_lr − η_min) · (1 − cos(π / T_max)) / 2
                if (t − 1 − T_max) mod 2·T_max = 0     (the bottom: 1 + cos = 0 below)
    lr_t = (1 + cos(π·t / T_max)) / (1 + cos(π·(t − 1) / T_max)) · (lr_{t−1} − η_min) + η_min
                otherwise
    ```

    with lr_0 = lr. Past `T_max` the lr climbs back up (the cosine goes on). The result can
    differ from the closed form by a few ulps, and equals PyTorch's recursion bit for bit.

    Args:
        optimizer: An optimizer (``param_groups``).
        T_max: The number of epochs of the half cosine (an int ≥ 1).
        eta_min: The lowest learning rate η_min (default 0.0).
        last_epoch: -1 to start; see `LRScheduler`.

    Raises:
        TypeError: `T_max` is not an int, or `eta_min` not a number.
        ValueError: `T_max` < 1, or `eta_min` is not finite.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.CosineAnnealingLR(opt, T_max=2)
        >>> lrs = [scheduler.get_last_lr()[0]]
        >>> for epoch in range(4):
        ...     opt.step()
        ...     scheduler.step()
        ...     lrs.append(scheduler.get_last_lr()[0])
        >>> [round(lr, 12) for lr in lrs]
        [1.0, 0.5, 0.0, 0.5, 1.0]
    """

    _hyper = ("T_max", "eta_min")

    def __init__(
        self,
        optimizer: Any,
        T_max: int,  # noqa: N803 - PyTorch's name, so that code carries over
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        checked = self._check_state({"T_max": T_max, "eta_min": eta_min})
        self.T_max: int = checked["T_max"]
        self.eta_min: float = checked["eta_min"]
        super().__init__(optimizer, last_epoch)

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        return {
            "T_max": _integer("T_max", hyper["T_max"], 1),
            "eta_min": _real("eta_min", hyper["eta_min"], -math.inf, math.inf),
        }

    def get_lr(self) -> list[float]:
        """Return the next lr of the recursion in the class docstring."""
        lrs = self._lrs()
        if self._initial:
            return lrs
        t, t_max, eta_min = self.last_epoch, self.T_max, self.eta_min
        if (t - 1 - t_max) % (2 * t_max) == 0:
            return [
                lr + (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
                for lr, base_lr in zip(lrs, self.base_lrs, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / t_max)) / (1 + math.cos(math.pi * (t - 1) / t_max))
        return [ratio * (lr - eta_min) + eta_min for lr in lrs]


class LinearLR(LRScheduler):
    """Scale each group's lr by a factor going linearly from `start_factor` to `end_factor`.

    With s = start_factor, e = end_factor, N = total_iters, the factor at epoch t is
    s + (e − s)·min(t, N)/N. PyTorch (and so this class) applies it recursively, from the
    current lr:

    ```text
    lr_0 = s · lr
    lr_t = lr_{t−1} · (1 + (e − s) / (N·s + (t − 1)·(e − s)))    for 1 ≤ t ≤ N
    lr_t = lr_{t−1}                                               for t > N
    ```

    Args:
        optimizer: An optimizer (``param_groups``).
        start_factor: s, in (0, 1] (default 1/3).
        end_factor: e, in [0, 1] (default 1.0).
        total_iters: N, the number of epochs of the ramp (an int ≥ 1; default 5).
        last_epoch: -1 to start; see `LRScheduler`.

    Raises:
        TypeError: A factor is not a number, or `total_iters` not an int.
        ValueError: A factor out of its range, or `total_iters` < 1.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.LinearLR(opt, start_factor=0.25, total_iters=3)
        >>> lrs = [scheduler.get_last_lr()[0]]
        >>> for epoch in range(4):
        ...     opt.step()
        ...     scheduler.step()
        ...     lrs.append(scheduler.get_last_lr()[0])
        >>> lrs
        [0.25, 0.5, 0.75, 1.0, 1.0]
    """

    _hyper = ("start_factor", "end_factor", "total_iters")

    def __init__(
        self,
        optimizer: Any,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ) -> None:
        checked = self._check_state(
            {"start_factor": start_factor, "end_factor": end_factor, "total_iters": total_iters}
        )
        self.start_factor: float = checked["start_factor"]
        self.end_factor: float = checked["end_factor"]
        self.total_iters: int = checked["total_iters"]
        super().__init__(optimizer, last_epoch)

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        start = as_float(hyper["start_factor"], "start_factor")
        if not 0 < start <= 1:
            raise ValueError(
                f"start_factor must be greater than 0 and at most 1; got {hyper['start_factor']!r}"
            )
        return {
            "start_factor": start,
            "end_factor": _real("end_factor", hyper["end_factor"], 0.0, 1.0),
            "total_iters": _integer("total_iters", hyper["total_iters"], 1),
        }

    def get_lr(self) -> list[float]:
        """Return the next lr of the recursion in the class docstring."""
        lrs = self._lrs()
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * start for lr in lrs]
        if self._initial or t > self.total_iters:
            return lrs
        factor = 1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start))
        return [lr * factor for lr in lrs]


class LambdaLR(LRScheduler):
    """Set each group's lr to its base lr times a function of the epoch.

    ```text
    lr_t = base_lr · λ(t)
    ```

    Args:
        optimizer: An optimizer (``param_groups``).
        lr_lambda: A function of the epoch t (an int) returning a number, or a list of them,
            one per parameter group.
        last_epoch: -1 to start; see `LRScheduler`.

    The state_dict holds no functions: after `load_state_dict` the scheduler keeps the
    functions it was created with.

    Raises:
        TypeError: `lr_lambda` (or an item) is not callable; it returns a non-number.
        ValueError: A list of `lr_lambda` whose length is not the number of groups.

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=0.5)
        >>> scheduler = mg.lr_scheduler.LambdaLR(opt, lambda epoch: 1 / (epoch + 1))
        >>> opt.step(); scheduler.step()
        >>> scheduler.get_last_lr()
        [0.25]
    """

    def __init__(
        self,
        optimizer: Any,
        lr_lambda: Callable[[int], float] | Sequence[Callable[[int], float]],
        last_epoch: int = -1,
    ) -> None:
        n = len(_groups(optimizer))
        if isinstance(lr_lambda, list | tuple):
            if len(lr_lambda) != n:
                raise ValueError(
                    f"lr_lambda must be one function or {n} (one per parameter group); "
                    f"got {len(lr_lambda)}"
                )
            lambdas = list(lr_lambda)
        else:
            lambdas = [lr_lambda] * n
        for i, fn in enumerate(lambdas):
            if not callable(fn):
                raise TypeError(
                    f"lr_lambda must be a function of the epoch (or a list of them); "
                    f"item {i} is {describe(fn)}"
                )
        self.lr_lambdas: list[Callable[[int], float]] = lambdas
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """Return base_lr · λ(last_epoch) for each group."""
        return [
            base_lr * as_float(fn(self.last_epoch), f"lr_lambda({self.last_epoch})")
            for fn, base_lr in zip(self.lr_lambdas, self.base_lrs, strict=True)
        ]


class ReduceLROnPlateau(LRScheduler):
    """Multiply each group's lr by `factor` when a metric has stopped improving.

    ``step(metric)`` is called once per epoch with the metric (e.g. a validation loss). With
    mode "min", τ = threshold and ``best`` the best metric so far (+inf at first):

    ```text
    better(m) = m < best·(1 − τ)     (threshold_mode "rel")
                m < best − τ         (threshold_mode "abs")
    ("max" mode: m > best·(1 + τ), m > best + τ)

    if better(m):  best = m, bad = 0      else: bad = bad + 1
    if cooling down: cooldown_counter −= 1, bad = 0
    if bad > patience:
        for each group: new = max(lr·factor, min_lr); if lr − new > eps: lr = new
        cooldown_counter = cooldown, bad = 0
    ```

    Args:
        optimizer: An optimizer (``param_groups``).
        mode: "min" (the metric should go down) or "max".
        factor: The factor of a reduction, in [0, 1) (default 0.1).
        patience: The number of epochs without improvement tolerated (an int ≥ 0; default
            10): the lr is reduced at the (patience + 1)-th bad epoch in a row.
        threshold: τ ≥ 0, how much better a metric must be to count (default 1e-4).
        threshold_mode: "rel" or "abs" (see above).
        cooldown: Epochs to wait after a reduction before counting bad epochs again (an int
            ≥ 0; default 0).
        min_lr: The lowest lr, one for all groups or a list with one per group (default 0).
        eps: A reduction smaller than this is skipped (≥ 0; default 1e-8).

    Raises:
        TypeError: An argument of the wrong type (a str mode, an int patience, numbers).
        ValueError: An argument out of its range (the message says which and why).

    Example:
        >>> import minigrad as mg
        >>> opt = mg.SGD([mg.Parameter(0.0)], lr=1.0)
        >>> scheduler = mg.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=1)
        >>> for loss in [3.0, 2.0, 2.0, 2.0, 1.0]:
        ...     scheduler.step(loss)
        ...     print(scheduler.num_bad_epochs, scheduler.get_last_lr())
        0 [1.0]
        0 [1.0]
        1 [1.0]
        0 [0.5]
        0 [0.5]
    """

    _hyper = (
        "mode",
        "factor",
        "patience",
        "threshold",
        "threshold_mode",
        "cooldown",
        "min_lrs",
        "default_min_lr",
        "eps",
        "best",
        "num_bad_epochs",
        "cooldown_counter",
    )
    mode: str
    factor: float
    patience: int
    threshold: float
    threshold_mode: str
    cooldown: int
    min_lrs: list[float]
    default_min_lr: float | None
    eps: float
    best: float
    num_bad_epochs: int
    cooldown_counter: int

    def __init__(
        self,
        optimizer: Any,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        groups = _groups(optimizer)
        min_lrs = _per_group("min_lr", min_lr, len(groups))
        default_min_lr = None if min_lrs is not None else as_float(min_lr, "min_lr")
        checked = self._check_state(
            {
                "mode": mode,
                "factor": factor,
                "patience": patience,
                "threshold": threshold,
                "threshold_mode": threshold_mode,
                "cooldown": cooldown,
                "min_lrs": min_lrs if min_lrs is not None else [default_min_lr] * len(groups),
                "default_min_lr": default_min_lr,
                "eps": eps,
                "best": math.inf if mode == "min" else -math.inf,
                "num_bad_epochs": 0,
                "cooldown_counter": 0,
            }
        )
        for name, value in checked.items():
            setattr(self, name, value)
        self.optimizer = optimizer
        self.base_lrs = [as_float(g["lr"], "lr") for g in groups]
        self.last_epoch = 0
        self._last_lr = self._lrs()
        self._initial = False

    def _check_state(self, hyper: dict[str, Any]) -> dict[str, Any]:
        for name, accepted in (("mode", ("min", "max")), ("threshold_mode", ("rel", "abs"))):
            if hyper[name] not in accepted:
                raise ValueError(f"{name} must be one of {accepted}; got {hyper[name]!r}")
        factor = as_float(hyper["factor"], "factor")
        if not 0 <= factor < 1:
            raise ValueError(f"factor must be in [0, 1) (lr ← lr·factor); got {hyper['factor']!r}")
        min_lrs = _per_group("min_lrs", hyper["min_lrs"], len(hyper["min_lrs"]))
        if min_lrs is None:
            raise TypeError(f"min_lrs must be a list; got {describe(hyper['min_lrs'])}")
        for i, m in enumerate(min_lrs):
            _real(f"min_lr[{i}]", m, 0.0)
        default = hyper["default_min_lr"]
        return {
            "mode": hyper["mode"],
            "factor": factor,
            "patience": _integer("patience", hyper["patience"], 0),
            "threshold": _real("threshold", hyper["threshold"], 0.0),
            "threshold_mode": hyper["threshold_mode"],
            "cooldown": _integer("cooldown", hyper["cooldown"], 0),
            "min_lrs": min_lrs,
            "default_min_lr": None if default is None else _real("min_lr", default, 0.0),
            "eps": _real("eps", hyper["eps"], 0.0),
            "best": as_float(hyper["best"], "best"),
            "num_bad_epochs": _integer("num_bad_epochs", hyper["num_bad_epochs"], 0),
            "cooldown_counter": _integer("cooldown_counter", hyper["cooldown_counter"], 0),
        }

    def get_lr(self) -> list[float]:
        """Return the current learning rates: this scheduler changes them only in `step`."""
        return self._lrs()

    def is_better(self, metric: float) -> bool:
        """Whether `metric` improves on `best` by more than the threshold (class docstring)."""
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return metric < self.best * (1.0 - self.threshold)
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (self.threshold + 1.0)
        return metric > self.best + self.threshold

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is in the cooldown after a reduction."""
        return self.cooldown_counter > 0

    def step(self, metrics: float | Value | None = None) -> None:
        """Count the epoch with its metric and reduce the lrs after too many bad epochs.

        Args:
            metrics: The metric of this epoch (a number, or a Value: its ``.data``).

        Raises:
            TypeError: `metrics` is missing or not a number.
        """
        if metrics is None:
            raise TypeError("ReduceLROnPlateau.step needs the metric: scheduler.step(val_loss)")
        current = metrics.number if isinstance(metrics, Value) else as_float(metrics, "metrics")
        self.last_epoch += 1
        if self.is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown are not counted
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._lrs()

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"the optimizer has {len(groups)} parameter groups, but min_lr was given "
                    f"for {len(self.min_lrs)}: set scheduler.min_lrs to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for i, (group, old_lr) in enumerate(zip(groups, self._lrs(), strict=True)):
            new_lr = max(old_lr * self.factor, self.min_lrs[i])
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict` returned (also PyTorch's); a malformed state changes nothing.

        Raises:
            ValueError: Missing or unknown keys, or values that do not fit.
        """
        if isinstance(state_dict, Mapping):
            # PyTorch also saves `mode_worse` (±inf, implied by mode): not needed here.
            state_dict = {k: v for k, v in state_dict.items() if k != "mode_worse"}
            state_dict.setdefault("base_lrs", self.base_lrs)
        super().load_state_dict(state_dict)
