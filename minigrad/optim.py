"""Optimizers: they read ``p.grad`` and update ``p.data`` for each parameter ``p``.

The update rules are PyTorch's (``torch.optim``, its single-tensor CPU path, float64), operation
for operation and rounding for rounding: where a PyTorch kernel computes a·b + c with one
rounding (``add_(alpha=)``, ``lerp_``, ``addcmul_``), so does `minigrad.rounding.fma` here.
So a run here and a run in PyTorch give the same iterates, bit for bit, for `SGD`, and for
`Adam`, `AdamW`, `RMSprop` and `Adagrad` wherever PyTorch's square root is correctly rounded:
torch 2.13's CPU ``sqrt`` (Intel MKL's) is off by one unit in the last place for about 1.3 % of
inputs, where this module uses the correctly rounded ``math.sqrt`` (measured on 20,000 random
inputs; ``tests/test_optim_torch.py`` holds the recorded trajectories and says how often they
part).

As in PyTorch: parameters come in groups (``param_groups``, each with its own options),
``state`` is keyed by the parameter, ``step(closure)`` returns the closure's loss, and a
parameter whose ``.grad`` is None (no backward pass reached it since ``zero_grad()``) is skipped:
no weight decay, no momentum, no step count.
"""

from __future__ import annotations

import math
from _collections_abc import Iterable, Mapping  # collections.abc without the collections package

from minigrad.modes import enable_grad
from minigrad.numbers import as_float, data_of, describe
from minigrad.op import FLOATS
from minigrad.rounding import EPS, NATIVE_FMA, TINY, fma
from minigrad.value import Value

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Group: TypeAlias = dict[str, Any]

__all__ = ["SGD", "Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop"]

Buffers = dict[str, float]


# --- checking what the user passed -------------------------------------------------------------


def _number(name: str, x: object, *, low: float = 0.0) -> float:
    """A hyper-parameter that must be a real number ≥ `low` (nan is refused)."""
    number = as_float(x, name)
    if not number >= low:
        raise ValueError(f"Invalid {name}: {x!r} (must be >= {low})")
    return number


def _below_one(name: str, x: object) -> float:
    number = _number(name, x)
    if not number < 1.0:
        raise ValueError(f"Invalid {name}: {x!r} (must be in [0, 1))")
    return number


def _flag(name: str, x: object) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"{name} must be a bool; got {describe(x)}")
    return x


def _params_of(params: object, where: str) -> list[Value]:
    """The parameter list of a group: Values that require grad, each once, in order."""
    if isinstance(params, Value):
        return [params]
    if isinstance(params, set | frozenset):
        raise TypeError(
            f"{where}: parameters must be an ordered collection (a list or tuple), not a set: "
            "the order of a set changes from run to run, and with it the saved state"
        )
    if isinstance(params, str | bytes) or not isinstance(params, Iterable):
        raise TypeError(
            f"{where}: params must be an iterable of Values (e.g. a list, or "
            f"model.parameters()); got {describe(params)}"
        )
    found = list(params)
    seen: set[int] = set()
    for i, p in enumerate(found):
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameter {i} is {describe(p)}, not a Value")
        if not p.requires_grad:
            raise ValueError(
                f"{where}: parameter {i} is a Value that does not require grad; an optimizer "
                "updates Values that do (e.g. mg.Parameter)"
            )
        if p.op is not None:
            raise ValueError(
                f"{where}: parameter {i} was computed from other Values (op {p.op.name!r}); "
                "an optimizer updates leaves (e.g. mg.Parameter), as PyTorch's can't optimize "
                "a non-leaf tensor"
            )
        if id(p) in seen:
            raise ValueError(f"{where}: parameter {i} appears more than once in the list")
        seen.add(id(p))
    return found


# The registry's forwards on floats: IEEE's answers where Python's operators raise (x / 0 is
# ±inf or nan, √ of a negative is nan, maximum propagates nan), as torch's tensors give them.
_sqrt = FLOATS.sqrt  # a module global: tests swap in torch's (not correctly rounded) sqrt
_divide = FLOATS.div
_maximum = FLOATS.maximum


def _lerp(start: float, end: float, weight: float) -> float:
    """torch.lerp on floats: start + weight·(end − start), each branch one FMA.

    For |weight| < 0.5 it is fma(weight, end − start, start), else
    fma(−(end − start), 1 − weight, end): exact at weight 0 and at weight 1.
    """
    diff = end - start
    if abs(weight) < 0.5:
        return fma(weight, diff, start)
    return fma(-diff, 1.0 - weight, end)


# --- the base class ----------------------------------------------------------------------------


class Optimizer:
    """What every optimizer shares: parameter groups, state, zero_grad, state_dict.

    A subclass names its options (`defaults`) and checks them (`_check_options`), names the
    buffers it keeps per parameter (`_buffer_names`) and updates one group (`_update_group`).

    Args:
        params: The Values to optimize (leaves that require grad), e.g.
            ``model.parameters()``; or a list of dicts, one per parameter group, each with
            ``"params"`` and any options that differ from the defaults, as in PyTorch:
            ``[{"params": model.parameters()}, {"params": [b], "lr": 0.1}]``.
        defaults: Every option's value for groups that do not set it, already checked.

    Attributes:
        param_groups: One dict per group: ``"params"`` and every option. Changing an option
            changes the next step (``opt.param_groups[0]["lr"] = 0.01``), as in PyTorch.
        state: Per-parameter buffers (momentum, running averages, the step count), keyed by
            the parameter itself.
        defaults: The options given to the constructor.
    """

    def __init__(self, params: Iterable[Value] | Iterable[Mapping[str, Any]], defaults: Group):
        self.defaults = dict(defaults)
        self.state: dict[Value, Buffers] = {}
        self.param_groups: list[Group] = []
        if isinstance(params, Value | str | bytes):
            raise TypeError(
                "params must be an iterable of Values (e.g. a list, or model.parameters()) or "
                f"of parameter-group dicts; got {describe(params)}"
            )
        if isinstance(params, set | frozenset) or not isinstance(params, Iterable):
            _params_of(params, "optimizer")  # raises the error that says why
        groups: list[Any] = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], Mapping):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in group.items() if k != "params"]
        return "\n".join([*lines, ")"])

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """Add a group of parameters with its own options (the rest from the defaults).

        Raises:
            TypeError: Not a dict, or ``"params"`` is not Values.
            ValueError: No ``"params"``; a parameter already in another group, or twice in
                this one; an invalid option.
        """
        if not isinstance(param_group, Mapping):
            raise TypeError(f"a parameter group must be a dict; got {describe(param_group)}")
        where = f"parameter group {len(self.param_groups)}"
        if "params" not in param_group:
            raise ValueError(f'{where} has no "params"')
        params = _params_of(param_group["params"], where)
        taken = {id(p) for group in self.param_groups for p in group["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError(f"{where}: some parameters appear in more than one parameter group")
        options = {k: v for k, v in param_group.items() if k != "params"}
        merged = {**self.defaults, **options}
        checked = self._check_options(merged)
        extra = {k: v for k, v in merged.items() if k not in checked}
        self.param_groups.append({"params": params, **checked, **extra})

    # --- the subclass's part ---

    def _check_options(self, options: Mapping[str, Any]) -> Group:
        """The options this optimizer knows, checked (others pass through unchanged)."""
        raise NotImplementedError

    def _buffer_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        """The buffers a parameter of `group` has in ``state`` once it has been stepped."""
        raise NotImplementedError

    def _update_group(self, group: Group) -> None:
        raise NotImplementedError

    # Buffers that are running sums of squares: a loaded state with one below 0 is refused.
    _squares: tuple[str, ...] = ()

    def _check_buffers(self, buffers: Buffers, where: str) -> None:
        """Checks of loaded buffers: a whole step count, squares ≥ 0; raises ValueError."""
        step = buffers.get("step")
        if step is not None and not (math.isfinite(step) and step >= 0 and step.is_integer()):
            raise ValueError(f"{where} step must be a whole number >= 0; got {step!r}")
        for name in self._squares:
            number = buffers.get(name)
            if number is not None and not number >= 0.0:
                raise ValueError(
                    f"{where} {name} is {number!r}: a running sum of squares cannot be negative"
                )

    # --- what a user calls ---

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient once; return ``closure()``'s loss.

        Args:
            closure: A function that clears the gradients, computes the loss, calls
                ``backward()`` and returns the loss (run with grad mode on), as in PyTorch;
                optional.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._update_group(group)
        return loss

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every parameter's ``.grad``: to None (the default, as PyTorch), or to 0.0.

        With None, `step` skips a parameter that no backward pass reaches before it.
        """
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad = 0.0

    def state_dict(self) -> dict[str, Any]:
        """The options and buffers as plain data (copies) that ``json.dumps`` accepts.

        PyTorch's layout: ``{"state": {index: {buffer: number}}, "param_groups": [{option:
        value, ..., "params": [index, ...]}]}``, parameters numbered across groups in order.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            numbers = []
            for p in group["params"]:
                index[id(p)] = len(index)
                numbers.append(index[id(p)])
            saved = {k: (list(v) if isinstance(v, tuple) else v) for k, v in group.items()}
            saved["params"] = numbers
            groups.append(saved)
        state = {index[id(p)]: dict(buffers) for p, buffers in self.state.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore what `state_dict` returned (also after a JSON round trip).

        Everything is checked before anything changes: a malformed state raises and leaves
        the optimizer as it was.

        Raises:
            ValueError: The state does not fit this optimizer; the message says what is
                wrong (keys, the number of groups or parameters, an invalid option, a buffer
                that is not a number, is missing, or is negative where it cannot be).
        """
        try:
            groups, state = self._parse_state(state_dict)
        except (TypeError, ValueError, KeyError) as error:
            raise ValueError(f"invalid optimizer state: {error}") from None
        self.param_groups = groups
        self.state = state

    def _parse_state(self, sd: Mapping[str, Any]) -> tuple[list[Group], dict[Value, Buffers]]:
        if not isinstance(sd, Mapping) or set(sd) != {"state", "param_groups"}:
            raise ValueError("expected a mapping with exactly the keys 'state' and 'param_groups'")
        saved_groups = sd["param_groups"]
        if not isinstance(saved_groups, list | tuple) or len(saved_groups) != len(
            self.param_groups
        ):
            raise ValueError(
                f"expected 'param_groups' to be a list of {len(self.param_groups)} group(s)"
            )
        groups: list[Group] = []
        params: list[tuple[Value, Group]] = []
        for i, (saved, current) in enumerate(zip(saved_groups, self.param_groups, strict=True)):
            if not isinstance(saved, Mapping):
                raise ValueError(f"parameter group {i} must be a mapping")
            missing = set(current) - set(saved)
            if missing:
                raise ValueError(f"parameter group {i} lacks {sorted(missing)}")
            numbers = saved["params"]
            if not isinstance(numbers, list | tuple) or len(numbers) != len(current["params"]):
                count = len(numbers) if isinstance(numbers, list | tuple) else numbers
                raise ValueError(
                    f"parameter group {i} of the state is for {count} parameters; "
                    f"this optimizer's has {len(current['params'])}"
                )
            options = {k: v for k, v in saved.items() if k != "params"}
            for key, value in options.items():
                if not isinstance(key, str) or not (
                    value is None or isinstance(value, bool | int | float | str | list | tuple)
                ):
                    raise ValueError(f"parameter group {i} option {key!r} is {describe(value)}")
            checked = self._check_options(options)
            extra = {k: v for k, v in options.items() if k not in checked}
            group = {"params": current["params"], **checked, **extra}
            groups.append(group)
            params += [(p, group) for p in current["params"]]
        raw_state = sd["state"]
        if not isinstance(raw_state, Mapping):
            raise ValueError("'state' must be a mapping from parameter index to buffers")
        state: dict[Value, Buffers] = {}
        for key, buffers in raw_state.items():
            # JSON turns int keys into strings: "3" is fine, "3.0", True or 10**400 are not.
            if isinstance(key, bool) or not isinstance(key, int | str):
                raise ValueError(f"state key {key!r} is not a parameter index")
            text = str(key)
            if not text.isdigit() or len(text) > 9 or int(text) >= len(params):
                raise ValueError(
                    f"state key {key!r} is not a parameter index (0 to {len(params) - 1})"
                )
            p, group = params[int(text)]
            names = self._buffer_names(group)
            where = f"state {key!r}"
            if not isinstance(buffers, Mapping) or set(buffers) != set(names):
                got = sorted(buffers) if isinstance(buffers, Mapping) else describe(buffers)
                raise ValueError(f"{where} must hold exactly {list(names)}; got {got}")
            parsed: Buffers = {}
            for name in names:
                number = buffers[name]
                if isinstance(number, bool) or not isinstance(number, int | float):
                    raise ValueError(f"{where} {name} must be a number; got {describe(number)}")
                parsed[name] = as_float(number, f"{where} {name}")
            self._check_buffers(parsed, where)
            state[p] = parsed
        return groups, state


def _grad(p: Value, maximize: bool) -> float:
    g = data_of(p.grad)
    return -g if maximize else g


# --- the optimizers ----------------------------------------------------------------------------


class SGD(Optimizer):
    """Stochastic gradient descent, with PyTorch's momentum, dampening, Nesterov and decay.

    For each parameter p with gradient ∇ (all options off it is p ← p − lr·∇, the notes'
    x := x − f'(x) with a learning rate):

    ```text
    g = −∇ if maximize else ∇
    g = g + λ·p                               (weight_decay λ)
    b = g on the first step, else μ·b + (1 − τ)·g   (momentum μ, dampening τ)
    g = g + μ·b if nesterov else b            (only when μ ≠ 0)
    p = p − lr·g
    ```

    Each ``x + a·y`` is rounded once, as PyTorch's ``add_(y, alpha=a)`` (a fused multiply-add);
    so every configuration gives PyTorch 2.13's float64 iterates bit for bit (checked over 300
    steps against recorded PyTorch runs in ``tests/test_optim_torch.py``).

    Args:
        params: The Values to optimize, e.g. ``[a, b]`` or ``model.parameters()``, or a list of
            parameter groups (dicts).
        lr: Learning rate (≥ 0).
        momentum: Momentum factor μ (≥ 0).
        dampening: Dampening τ for momentum.
        weight_decay: L2 penalty λ (≥ 0).
        nesterov: Use Nesterov momentum (needs momentum > 0 and dampening 0).
        maximize: Ascend instead of descend.

    Raises:
        ValueError: A negative lr, momentum or weight_decay; nesterov without momentum or with
            dampening; an empty parameter list; a parameter that is not a leaf Value requiring
            grad.

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

    def __init__(
        self,
        params: Iterable[Value] | Iterable[Mapping[str, Any]],
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, self._check_options(defaults))

    def _check_options(self, options: Mapping[str, Any]) -> Group:
        checked = {
            "lr": _number("learning rate", options["lr"]),
            "momentum": _number("momentum value", options["momentum"]),
            "dampening": _number("dampening", options["dampening"], low=-math.inf),
            "weight_decay": _number("weight_decay value", options["weight_decay"]),
            "nesterov": _flag("nesterov", options["nesterov"]),
            "maximize": _flag("maximize", options["maximize"]),
        }
        if checked["nesterov"] and (checked["momentum"] <= 0 or checked["dampening"] != 0):
            raise ValueError(
                "Nesterov momentum requires a momentum > 0 and zero dampening; got "
                f"momentum={checked['momentum']}, dampening={checked['dampening']}"
            )
        return checked

    def _buffer_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return ("momentum_buffer",) if group["momentum"] != 0 else ()

    def _update_group(self, group: Group) -> None:
        lr = group["lr"]
        momentum = group["momentum"]
        weight_decay = group["weight_decay"]
        maximize = group["maximize"]
        if not (momentum or weight_decay or maximize):
            self._plain_descent(group["params"], -lr)
            return
        dampening = group["dampening"]
        nesterov = group["nesterov"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = _grad(p, maximize)
            if weight_decay != 0:
                g = fma(weight_decay, p.number, g)
            if momentum != 0:
                buffers = self.state.setdefault(p, {})
                buf = buffers.get("momentum_buffer")
                buf = g if buf is None else fma(1 - dampening, g, buf * momentum)
                buffers["momentum_buffer"] = buf
                g = fma(momentum, buf, g) if nesterov else buf
            p.number = fma(-lr, g, p.number)

    @staticmethod
    def _plain_descent(params: list[Value], a: float) -> None:
        """p ← fma(a, ∇, p) for each p with a gradient: the seed's update, a = −lr.

        The README's loop, so a fast path: without ``math.fma`` (Python < 3.13), the first
        step of `minigrad.rounding.fma` (the bracket, which settles nearly every small step) is
        written out here and `fma` is called only where it does not settle. Measured with
        callgrind, the README's line-fit step (2 parameters: forward, zero_grad, backward,
        step) on Python 3.11: 37.7k instructions rounding twice (minigrad before it matched
        PyTorch), 48.5k with Dekker's product for every update, 43.4k with the bracket (today's
        optimizer rounding twice: 40.9k, its parameter groups and None gradients cost 3.2k).
        ``tests/test_rounding.py`` holds these lines to `fma`.
        """
        if NATIVE_FMA:
            for p in params:
                g = p.grad
                if g is not None:
                    p.number = fma(a, g if g.__class__ is float else data_of(g), p.number)
            return
        for p in params:
            g = p.grad
            if g is None:
                continue
            if g.__class__ is not float:
                g = data_of(g)
            c = p.number
            ph = a * g
            if ph > TINY or ph < -TINY:
                t = ph * EPS
                lo = c + (ph - t)
                if lo == c + (ph + t):
                    p.number = lo
                    continue
            p.number = fma(a, g, c)


class Adam(Optimizer):
    """Adam: steps scaled by running averages of the gradient and of its square (PyTorch's).

    For each parameter p with gradient ∇, at its step t = 1, 2, … (m = v = 0 before the first):

    ```text
    g = −∇ if maximize else ∇
    g = g + λ·p                  (weight_decay λ: an L2 penalty; AdamW instead
                                  decays p ← p·(1 − lr·λ) first)
    m = m + (1 − β₁)·(g − m)     (torch.lerp: β₁·m + (1 − β₁)·g)
    v = β₂·v + (1 − β₂)·g²
    v̂ = max(v̂, v) if amsgrad else v
    p = p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
    ```

    m/(1 − β₁ᵗ) and v/(1 − β₂ᵗ) undo the pull towards 0 of averages that start at 0 (bias
    correction). The operations and roundings are torch.optim.Adam's (CPU, float64): the lerp
    and v's update each rounded once. The one difference is √: torch 2.13's CPU sqrt is not
    always correctly rounded (see `minigrad.optim`), so where it is off, the step here and the
    one in PyTorch part by one rounding; measured in ``tests/test_optim_torch.py``.

    Args:
        params: The Values to optimize, or a list of parameter groups (dicts).
        lr: Learning rate (≥ 0): about the largest change of a parameter per step.
        betas: (β₁, β₂), each in [0, 1): how slowly the averages of g and g² forget.
        eps: ε (≥ 0), added to the denominator so it is never 0.
        weight_decay: L2 penalty λ (≥ 0), added to the gradient (`AdamW` decouples it).
        amsgrad: Divide by the largest v so far (AMSGrad).
        maximize: Ascend instead of descend.

    Raises:
        ValueError: A negative lr, eps or weight_decay; a beta outside [0, 1); an empty
            parameter list; a parameter that is not a leaf Value requiring grad.
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

    _decoupled = False
    _squares = ("exp_avg_sq", "max_exp_avg_sq")

    def __init__(
        self,
        params: Iterable[Value] | Iterable[Mapping[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
        }
        super().__init__(params, self._check_options(defaults))

    def _check_options(self, options: Mapping[str, Any]) -> Group:
        betas = options["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise TypeError(f"betas must be a pair of numbers (beta1, beta2); got {betas!r}")
        beta1 = _below_one("beta parameter at index 0", betas[0])
        beta2 = _below_one("beta parameter at index 1", betas[1])
        return {
            "lr": _number("learning rate", options["lr"]),
            "betas": (beta1, beta2),
            "eps": _number("epsilon value", options["eps"]),
            "weight_decay": _number("weight_decay value", options["weight_decay"]),
            "amsgrad": _flag("amsgrad", options["amsgrad"]),
            "maximize": _flag("maximize", options["maximize"]),
        }

    def _buffer_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        names = ("step", "exp_avg", "exp_avg_sq")
        return (*names, "max_exp_avg_sq") if group["amsgrad"] else names

    def _update_group(self, group: Group) -> None:
        lr = group["lr"]
        beta1, beta2 = group["betas"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        amsgrad = group["amsgrad"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = _grad(p, maximize)
            buffers = self.state.get(p)
            if buffers is None:
                buffers = self.state[p] = dict.fromkeys(self._buffer_names(group), 0.0)
            t = buffers["step"] + 1.0
            buffers["step"] = t
            if weight_decay != 0:
                if self._decoupled:
                    p.number = p.number * (1 - lr * weight_decay)
                else:
                    g = fma(weight_decay, p.number, g)
            m = buffers["exp_avg"] = _lerp(buffers["exp_avg"], g, 1 - beta1)
            v = buffers["exp_avg_sq"] = fma((1 - beta2) * g, g, buffers["exp_avg_sq"] * beta2)
            if amsgrad:
                v = buffers["max_exp_avg_sq"] = _maximum(buffers["max_exp_avg_sq"], v)
            step_size = lr / (1 - beta1**t)
            denom = _sqrt(v) / (1 - beta2**t) ** 0.5 + eps
            p.number = p.number + _divide(-step_size * m, denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter), as torch.optim.AdamW.

    The rule is `Adam`'s, except that weight decay shrinks the parameter before the step,
    p ← p·(1 − lr·λ), instead of adding λ·p to the gradient; so the decay is not rescaled by
    the running averages. The default λ is 0.01, as PyTorch's.

    Args:
        params: The Values to optimize, or a list of parameter groups (dicts).
        lr: Learning rate (≥ 0).
        betas: (β₁, β₂), each in [0, 1).
        eps: ε (≥ 0).
        weight_decay: Decoupled decay λ (≥ 0).
        amsgrad: Divide by the largest v so far (AMSGrad).
        maximize: Ascend instead of descend.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Parameter(10.0)
        >>> opt = mg.AdamW([x], lr=0.1, weight_decay=0.5)
        >>> (x * 0.0).backward()  # a zero gradient: only the decay moves x
        >>> opt.step()
        >>> x.data  # 10·(1 − 0.1·0.5)
        9.5
    """

    _decoupled = True

    def __init__(
        self,
        params: Iterable[Value] | Iterable[Mapping[str, Any]],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize)


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running root mean square of the gradient (PyTorch's).

    For each parameter p with gradient ∇ (v = 0, ḡ = 0, b = 0 before the first step):

    ```text
    g = −∇ if maximize else ∇
    g = g + λ·p                          (weight_decay λ)
    v = α·v + (1 − α)·g²
    ḡ = ḡ + (1 − α)·(g − ḡ)              (centered only)
    s = √(v − ḡ²) + ε if centered else √v + ε
    b = μ·b + g/s;  p = p − lr·b         (momentum μ > 0)
    p = p − lr·g/s                       (otherwise)
    ```

    Roundings as PyTorch's CPU kernels; the same caveat on √ as `Adam`.

    Args:
        params: The Values to optimize, or a list of parameter groups (dicts).
        lr: Learning rate (≥ 0).
        alpha: Smoothing constant α (≥ 0).
        eps: ε (≥ 0).
        weight_decay: L2 penalty λ (≥ 0).
        momentum: Momentum factor μ (≥ 0).
        centered: Divide by an estimate of the gradient's variance instead of its second
            moment.
        maximize: Ascend instead of descend.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Parameter(1.0)
        >>> opt = mg.RMSprop([x], lr=0.01)
        >>> (x * 3.0).backward()
        >>> opt.step()  # v = 0.01·9, so the step is lr·3/(√0.09 + ε) ≈ 0.1
        >>> round(x.data, 6)
        0.9
    """

    _squares = ("square_avg",)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[Mapping[str, Any]],
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, self._check_options(defaults))

    def _check_options(self, options: Mapping[str, Any]) -> Group:
        return {
            "lr": _number("learning rate", options["lr"]),
            "alpha": _number("alpha value", options["alpha"]),
            "eps": _number("epsilon value", options["eps"]),
            "weight_decay": _number("weight_decay value", options["weight_decay"]),
            "momentum": _number("momentum value", options["momentum"]),
            "centered": _flag("centered", options["centered"]),
            "maximize": _flag("maximize", options["maximize"]),
        }

    def _buffer_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        names: tuple[str, ...] = ("step", "square_avg")
        if group["momentum"] > 0:
            names += ("momentum_buffer",)
        if group["centered"]:
            names += ("grad_avg",)
        return names

    def _update_group(self, group: Group) -> None:
        lr = group["lr"]
        alpha = group["alpha"]
        eps = group["eps"]
        weight_decay = group["weight_decay"]
        momentum = group["momentum"]
        centered = group["centered"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = _grad(p, maximize)
            buffers = self.state.get(p)
            if buffers is None:
                buffers = self.state[p] = dict.fromkeys(self._buffer_names(group), 0.0)
            buffers["step"] += 1.0
            if weight_decay != 0:
                g = fma(weight_decay, p.number, g)
            v = buffers["square_avg"] = fma((1 - alpha) * g, g, buffers["square_avg"] * alpha)
            if centered:
                mean = buffers["grad_avg"] = _lerp(buffers["grad_avg"], g, 1 - alpha)
                s = _sqrt(fma(-mean, mean, v)) + eps
            else:
                s = _sqrt(v) + eps
            if momentum > 0:
                b = buffers["momentum_buffer"] = buffers["momentum_buffer"] * momentum + _divide(
                    g, s
                )
                p.number = fma(-lr, b, p.number)
            else:
                p.number = p.number + _divide(-lr * g, s)


class Adagrad(Optimizer):
    """Adagrad: each parameter's steps divided by the root of its summed squared gradients.

    For each parameter p with gradient ∇, at its step t = 1, 2, … (S starts at
    ``initial_accumulator_value``):

    ```text
    g = −∇ if maximize else ∇
    g = g + λ·p                          (weight_decay λ)
    η = lr / (1 + (t − 1)·lr_decay)
    S = S + g²
    p = p − η·g / (√S + ε)
    ```

    Roundings as PyTorch's CPU kernels; the same caveat on √ as `Adam`. As in PyTorch, every
    parameter has its state (t = 0, S) from the start.

    Args:
        params: The Values to optimize, or a list of parameter groups (dicts).
        lr: Learning rate (≥ 0).
        lr_decay: Learning-rate decay (≥ 0).
        weight_decay: L2 penalty λ (≥ 0).
        initial_accumulator_value: S's start (≥ 0).
        eps: ε (≥ 0).
        maximize: Ascend instead of descend.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Parameter(1.0)
        >>> opt = mg.Adagrad([x], lr=0.5)
        >>> (x * 4.0).backward()
        >>> opt.step()  # S = 16: the step is 0.5·4/(4 + ε)
        >>> round(x.data, 9)
        0.5
    """

    _squares = ("sum",)

    def __init__(
        self,
        params: Iterable[Value] | Iterable[Mapping[str, Any]],
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, self._check_options(defaults))

    def add_param_group(self, param_group: Mapping[str, Any]) -> None:
        """As `Optimizer.add_param_group`; the new parameters get their state at once."""
        super().add_param_group(param_group)
        group = self.param_groups[-1]
        for p in group["params"]:
            self.state[p] = {"step": 0.0, "sum": group["initial_accumulator_value"]}

    def _check_options(self, options: Mapping[str, Any]) -> Group:
        return {
            "lr": _number("learning rate", options["lr"]),
            "lr_decay": _number("lr_decay value", options["lr_decay"]),
            "weight_decay": _number("weight_decay value", options["weight_decay"]),
            "initial_accumulator_value": _number(
                "initial_accumulator_value", options["initial_accumulator_value"]
            ),
            "eps": _number("epsilon value", options["eps"]),
            "maximize": _flag("maximize", options["maximize"]),
        }

    def _buffer_names(self, group: Mapping[str, Any]) -> tuple[str, ...]:
        return ("step", "sum")

    def _update_group(self, group: Group) -> None:
        lr = group["lr"]
        lr_decay = group["lr_decay"]
        weight_decay = group["weight_decay"]
        eps = group["eps"]
        maximize = group["maximize"]
        for p in group["params"]:
            if p.grad is None:
                continue
            g = _grad(p, maximize)
            buffers = self.state[p]
            t = buffers["step"] = buffers["step"] + 1.0
            if weight_decay != 0:
                g = fma(weight_decay, p.number, g)
            clr = lr / (1 + (t - 1) * lr_decay)
            s = buffers["sum"] = fma(g, g, buffers["sum"])
            p.number = p.number + _divide(-clr * g, _sqrt(s) + eps)
