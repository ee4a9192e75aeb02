"""Optimizers: they read ``p.grad`` and update ``p.data`` for each parameter ``p``.

The update rules are PyTorch's (``torch.optim``), operation for operation, so a run here and a
run in PyTorch (float64) give the same iterates.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from minigrad.numbers import as_float, data_of
from minigrad.value import Value

__all__ = ["SGD", "Adam", "Optimizer"]

Hyper = float | bool


def _number(name: str, x: object, *, low: float = 0.0) -> float:
    """A hyper-parameter that must be a real number ≥ `low`."""
    number = as_float(x, name)
    if not number >= low:  # also rejects nan
        raise ValueError(f"Invalid {name}: {x!r} (must be >= {low})")
    return number


def _flag(name: str, x: object) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{name} must be a bool; got {type(x).__name__} {x!r}")
    return x


class Optimizer:
    """What every optimizer shares: the parameters, their state, zero_grad and state_dict.

    Subclasses define `step`, the hyper-parameters they accept (`_check_group`) and the
    per-parameter buffers they keep (`_buffers`).

    Args:
        params: The Values to optimize (each must require grad), e.g. ``model.parameters()``.
        defaults: The hyper-parameters, already checked.

    Attributes:
        param_groups: A list with one dict of the hyper-parameters and ``"params"``, as in
            PyTorch: ``opt.param_groups[0]["lr"] = 0.01`` changes the learning rate.
        state: Per-parameter buffers, by the parameter's position.
    """

    _buffers: tuple[str, ...] = ()

    def __init__(self, params: Iterable[Value], defaults: dict[str, Hyper]) -> None:
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(
                "params must be an iterable of Values (e.g. a list, or model.parameters()); "
                f"got {type(params).__name__}"
            )
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        seen: set[int] = set()
        for i, p in enumerate(params):
            if not isinstance(p, Value) or not p.requires_grad:
                what = (
                    "a Value that does not require grad"
                    if isinstance(p, Value)
                    else f"{type(p).__name__} {p!r}"
                )
                raise ValueError(
                    f"optimizer can only optimize Values that require grad "
                    f"(e.g. mg.Parameter); parameter {i} is {what}"
                )
            if id(p) in seen:
                raise ValueError(f"parameter {i} appears more than once in the parameter list")
            seen.add(id(p))
        self.params: list[Value] = params
        self.param_groups: list[dict[str, Any]] = [dict(defaults, params=params)]
        self.state: dict[int, dict[str, float]] = {}

    def _check_group(self, group: Mapping[str, Any]) -> dict[str, Hyper]:
        raise NotImplementedError

    def step(self) -> None:
        """Update every parameter once from its ``.grad``."""
        raise NotImplementedError

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0, ready for the next backward pass."""
        for p in self.params:
            p.grad = 0.0

    def state_dict(self) -> dict[str, Any]:
        """Return the hyper-parameters and buffers as plain data (copies), PyTorch-shaped.

        ``{"state": {index: {buffer: float}}, "param_groups": [{..., "params": [0, 1, ...]}]}``
        """
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        group["params"] = list(range(len(self.params)))
        return {
            "state": {i: dict(buffers) for i, buffers in self.state.items()},
            "param_groups": [group],
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict` returned; a malformed state raises and changes nothing.

        Raises:
            ValueError: The state does not fit this optimizer (other keys, another number of
                parameters, buffers that are not numbers, invalid hyper-parameters).
        """
        try:
            group, state = self._parse_state(state_dict)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"invalid optimizer state: {error}") from None
        self.param_groups[0].update(group)
        self.state = state

    def _parse_state(
        self, sd: Mapping[str, Any]
    ) -> tuple[dict[str, Hyper], dict[int, dict[str, float]]]:
        if not isinstance(sd, Mapping) or set(sd) != {"state", "param_groups"}:
            raise ValueError("expected a mapping with keys 'state' and 'param_groups'")
        groups = sd["param_groups"]
        if not isinstance(groups, list | tuple) or len(groups) != 1:
            raise ValueError("expected 'param_groups' to be a list of one group")
        (group,) = groups
        if not isinstance(group, Mapping):
            raise ValueError("a parameter group must be a mapping")
        expected = set(self.param_groups[0])
        if set(group) != expected:
            raise ValueError(f"group keys {sorted(group)} differ from {sorted(expected)}")
        if list(group["params"]) != list(range(len(self.params))):
            raise ValueError(
                f"the state is for {len(group['params'])} parameters; "
                f"this optimizer has {len(self.params)}"
            )
        hyper = self._check_group({k: v for k, v in group.items() if k != "params"})
        raw_state = sd["state"]
        if not isinstance(raw_state, Mapping):
            raise ValueError("'state' must be a mapping from parameter index to buffers")
        state: dict[int, dict[str, float]] = {}
        for key, buffers in raw_state.items():
            index = int(key)  # JSON turns int keys into strings; both are fine
            if isinstance(key, bool) or str(index) != str(key) or not 0 <= index < len(self.params):
                raise ValueError(f"state key {key!r} is not a parameter index")
            if not isinstance(buffers, Mapping) or set(buffers) - set(self._buffers):
                raise ValueError(f"state {key!r} must hold only {list(self._buffers)}")
            state[index] = {}
            for name, number in buffers.items():
                if isinstance(number, bool) or not isinstance(number, int | float):
                    raise ValueError(f"state {key!r} {name} must be a number; got {number!r}")
                state[index][name] = float(number)
        return hyper, state


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and decay.

    For each parameter p with gradient ∇ (all options off it is p ← p − lr·∇):

    .. code-block:: text

        g = −∇ if maximize else ∇
        g = g + λ·p                               (weight_decay λ)
        b = g on the first step, else μ·b + (1 − τ)·g   (momentum μ, dampening τ)
        g = g + μ·b if nesterov else b            (only when μ ≠ 0)
        p = p − lr·g

    Args:
        params: The Values to optimize, e.g. ``[a, b]`` or ``model.parameters()``.
        lr: Learning rate (≥ 0).
        momentum: Momentum factor μ (≥ 0).
        dampening: Dampening τ for momentum.
        weight_decay: L2 penalty λ (≥ 0).
        nesterov: Use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: Ascend instead of descend.

    Raises:
        ValueError: A negative lr, momentum or weight_decay; nesterov without momentum or with
            dampening; an empty parameter list; a parameter that is not a Value requiring grad.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Parameter(10.0)
        >>> opt = mg.SGD([x], lr=1.0)
        >>> loss = (x - 1) ** 2 / 10
        >>> loss.backward()
        >>> opt.step()
        >>> x.data
        8.2
    """

    _buffers = ("momentum_buffer",)

    def __init__(
        self,
        params: Iterable[Value],
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = self._check_group(
            {
                "lr": lr,
                "momentum": momentum,
                "dampening": dampening,
                "weight_decay": weight_decay,
                "nesterov": nesterov,
                "maximize": maximize,
            }
        )
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> dict[str, Hyper]:
        checked: dict[str, Hyper] = {
            "lr": _number("learning rate", group["lr"]),
            "momentum": _number("momentum value", group["momentum"]),
            "dampening": _number("dampening", group["dampening"], low=-math.inf),
            "weight_decay": _number("weight_decay value", group["weight_decay"]),
            "nesterov": _flag("nesterov", group["nesterov"]),
            "maximize": _flag("maximize", group["maximize"]),
        }
        if checked["nesterov"] and (checked["momentum"] <= 0 or checked["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum > 0 and zero dampening; got "
                f"momentum={checked['momentum']}, dampening={checked['dampening']}"
            )
        return checked

    def step(self) -> None:
        """Update every parameter once: p ← p − lr·g (see the class docstring for g)."""
        group = self.param_groups[0]
        lr = group["lr"]
        momentum = group["momentum"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        if not (momentum or weight_decay or maximize):
            # Plain descent, the seed's update: the common case, kept short.
            for p in self.params:
                g = p.grad
                p.data -= lr * (g if g.__class__ is float else data_of(g))
            return
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        for i, p in enumerate(self.params):
            g = data_of(p.grad)
            if maximize:
                g = -g
            if weight_decay:
                g = g + weight_decay * p.data
            if momentum:
                buffers = self.state.setdefault(i, {})
                previous = buffers.get("momentum_buffer")
                buf = g if previous is None else momentum * previous + (1.0 - dampening) * g
                buffers["momentum_buffer"] = buf
                g = g + momentum * buf if nesterov else buf
            p.data -= lr * g


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square (PyTorch's).

    For each parameter p with gradient ∇, at step t = 1, 2, … (m = v = 0 before the first):

    .. code-block:: text

        g = −∇ if maximize else ∇
        g = g + λ·p                          (weight_decay λ, an L2 penalty)
        m = β₁·m + (1 − β₁)·g                (computed as torch's lerp: m + (1 − β₁)·(g − m))
        v = β₂·v + (1 − β₂)·g²
        step_size = lr / (1 − β₁ᵗ)
        denom = √v / √(1 − β₂ᵗ) + ε
        p = p − step_size·m / denom

    The operations are torch.optim.Adam's (float64, amsgrad off), in the same order. From the
    same state, a step here and in torch 2.13 (CPU) agree bit for bit about 999 times in 1000
    and otherwise by one rounding (≤ 3e-16 relative): torch's kernels fuse the lerp and
    the g² update into fused multiply-adds, and its vectorised sqrt is not always correctly
    rounded; here each operation is rounded once, as IEEE 754 says, on every machine.
    m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ) undo the pull towards 0 of averages that start at 0 (bias
    correction).

    Args:
        params: The Values to optimize, e.g. ``model.parameters()``.
        lr: Learning rate (≥ 0): about the largest change of a parameter per step.
        betas: (β₁, β₂), each in [0, 1): how slowly the averages of g and g² forget.
        eps: ε (≥ 0), added to the denominator so it is never 0.
        weight_decay: L2 penalty λ (≥ 0), added to the gradient (not AdamW's decoupled one).
        maximize: Ascend instead of descend.

    Raises:
        ValueError: A negative lr, eps or weight_decay; a beta outside [0, 1); an empty
            parameter list; a parameter that is not a Value requiring grad.
        TypeError: A hyper-parameter that is not a number (betas not a pair of numbers).

    Example:
        >>> import minigrad as mg
        >>> x = mg.Parameter(10.0)
        >>> opt = mg.Adam([x], lr=0.1)
        >>> loss = (x - 1) ** 2 / 10
        >>> loss.backward()
        >>> opt.step()  # the first step moves by lr (less ε's share), whatever the gradient's size
        >>> round(x.data, 6)
        9.9
    """

    _buffers = ("step", "exp_avg", "exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        maximize: bool = False,
    ) -> None:
        defaults = self._check_group(
            {
                "lr": lr,
                "betas": betas,
                "eps": eps,
                "weight_decay": weight_decay,
                "maximize": maximize,
            }
        )
        super().__init__(params, defaults)

    def _check_group(self, group: Mapping[str, Any]) -> dict[str, Any]:
        # dict[str, Any], not [str, Hyper]: "betas" is a pair of floats.
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2); got {betas!r}")
        checked_betas = []
        for index, beta in enumerate(betas):
            number = _number(f"beta parameter at index {index}", beta)
            if not number < 1.0:
                raise ValueError(
                    f"Invalid beta parameter at index {index}: {beta!r} (must be in [0, 1))"
                )
            checked_betas.append(number)
        return {
            "lr": _number("learning rate", group["lr"]),
            "betas": (checked_betas[0], checked_betas[1]),
            "eps": _number("epsilon value", group["eps"]),
            "weight_decay": _number("weight_decay value", group["weight_decay"]),
            "maximize": _flag("maximize", group["maximize"]),
        }

    def _parse_state(
        self, sd: Mapping[str, Any]
    ) -> tuple[dict[str, Hyper], dict[int, dict[str, float]]]:
        hyper, state = super()._parse_state(sd)
        for index, buffers in state.items():
            if set(buffers) != set(self._buffers):
                raise ValueError(f"state {index} must hold all of {list(self._buffers)}")
            step = buffers["step"]
            if not (math.isfinite(step) and step >= 0 and step.is_integer()):
                raise ValueError(f"state {index} step must be a whole number >= 0; got {step!r}")
        return hyper, state

    def step(self) -> None:
        """Update every parameter once (see the class docstring for the rule)."""
        group = self.param_groups[0]
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        # torch's lerp(m, g, w) = m + w·(g − m) for |w| < 0.5, else g − (g − m)·(1 − w).
        w1 = 1 - beta1
        small_w1 = abs(w1) < 0.5
        w2 = 1 - beta2
        state = self.state
        for i, p in enumerate(self.params):
            g = data_of(p.grad)
            if maximize:
                g = -g
            if weight_decay != 0:
                g = g + weight_decay * p.data
            buffers = state.get(i)
            if buffers is None:
                buffers = state[i] = {"step": 0.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
            t = buffers["step"] + 1.0
            m = buffers["exp_avg"]
            m = m + w1 * (g - m) if small_w1 else g - (g - m) * (1 - w1)
            v = buffers["exp_avg_sq"] * beta2 + w2 * g * g
            buffers["step"] = t
            buffers["exp_avg"] = m
            buffers["exp_avg_sq"] = v
            bias_correction1 = 1 - beta1**t
            bias_correction2 = 1 - beta2**t
            step_size = lr / bias_correction1
            denom = math.sqrt(v) / bias_correction2**0.5 + eps
            update = -step_size * m
            if denom == 0:  # eps = 0 and no gradient yet: IEEE 0/0 = nan as in torch, no raise
                update = math.nan if update == 0 else math.copysign(math.inf, update)
            else:
                update = update / denom
            p.data = p.data + update
