"""Hypothesis strategies for checking gradients, for minigrad's tests and for yours.

Finite differences only agree with backward where a function is smooth, so these strategies
sample away from poles, kinks and domain edges, using each rule's ``smooth`` predicate from
`minigrad.ops`. A new rule in the table is picked up automatically.

- `rule_inputs(rule)`: input tuples where one rule is smooth.
- `programs()`: random straight-line programs built from the whole rule table, with a point
  where every step is smooth; replay one with ``program(*values)``.
- `tangents(n)`: directions for forward mode (`minigrad.jvp`, `minigrad.hvp`).

Needs ``hypothesis`` (installed with minigrad's ``dev`` extra); ``import minigrad`` alone does not
import this module.

Example:
    >>> import minigrad as mg
    >>> from hypothesis import given
    >>> from minigrad.testing import programs
    >>> @given(programs())
    ... def test_gradients(case):
    ...     program, point = case
    ...     assert mg.gradcheck(program, point)
    >>> test_gradients()
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

import minigrad as mg
from minigrad.gradcheck import gradcheck
from minigrad.op import Op
from minigrad.ops import REGISTRY

__all__ = [
    "OPERATIONS",
    "Program",
    "gradcheck",
    "programs",
    "rule_inputs",
    "smooth_floats",
    "tangents",
]

# The ops a user reaches through Python's operators and builtins rather than by name.
_OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "neg": operator.neg,
    "pow_const": operator.pow,  # Value ** number
    "pow": operator.pow,  # Value ** Value, or number ** Value
    "abs": abs,
}

OPERATIONS: dict[str, Callable[..., Any]] = {
    name: _OPERATORS.get(name, mg.clamp if name == "clamp" else op) for name, op in REGISTRY.items()
}
"""How user code reaches each op of `minigrad.ops.REGISTRY`: an operator, a builtin, or the op."""

# Which operand positions must be a constant (a plain number) or a Value for a rule to apply.
_CONSTANT_ONLY = {"pow_const": {1}}
_VALUE_ONLY = {"pow": {1}, "pow_const": {0}}

BOUND = 1e3
"""Programs keep every intermediate within ±BOUND, where finite differences stay accurate."""


def smooth_floats(low: float = -3.0, high: float = 3.0) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], rounded to 6 decimals so failures print readably."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False).map(lambda x: round(x, 6))


def tangents(n: int, low: float = -1.0, high: float = 1.0) -> st.SearchStrategy[list[float]]:
    """Directions for forward mode (`minigrad.jvp`, `minigrad.hvp`): `n` smooth floats.

    Example:
        >>> import minigrad as mg
        >>> from hypothesis import given
        >>> from minigrad.testing import programs, tangents
        >>> @given(programs(max_inputs=2), tangents(2))
        ... def test_jvp_agrees_with_grad(case, t):
        ...     program, point = case
        ...     t = t[: len(point)]
        ...     _, tangent = mg.jvp(program, point, t)
        ...     gradient = mg.grad(program, argnums=tuple(range(len(point))))(*point)
        ...     assert abs(tangent - sum(g * v for g, v in zip(gradient, t))) < 1e-9
        >>> test_jvp_agrees_with_grad()
    """
    return st.lists(smooth_floats(low, high), min_size=n, max_size=n)


def rule_inputs(
    rule: Op, low: float = -3.0, high: float = 3.0
) -> st.SearchStrategy[tuple[float, ...]]:
    """Input tuples for `rule` where it is smooth (``rule.smooth``) and its output finite.

    Args:
        rule: A rule from `minigrad.ops.REGISTRY`.
        low: Smallest input.
        high: Largest input.

    Returns:
        A strategy of tuples of ``rule.arity`` floats.
    """
    return st.tuples(*[smooth_floats(low, high)] * rule.arity).filter(
        lambda xs: rule.smooth(*xs) and math.isfinite(rule.forward(*xs))
    )


Operand = tuple[str, float]
"""``("slot", index)`` (an earlier slot) or ``("const", number)``."""


@dataclass(frozen=True)
class Program:
    """A straight-line program over the rule table: each step applies one rule.

    Slots 0 … n_inputs−1 are the inputs; step k writes slot n_inputs + k. Calling the program
    replays it on Values (or numbers) and returns the last slot.
    """

    n_inputs: int
    steps: tuple[tuple[str, tuple[Operand, ...]], ...]

    def __call__(self, *inputs: Any) -> Any:
        """Replay the program on `inputs` (Values or numbers) and return its last value."""
        if len(inputs) != self.n_inputs:
            raise ValueError(f"program takes {self.n_inputs} inputs; got {len(inputs)}")
        slots = list(inputs)
        for name, operands in self.steps:
            args = [slots[int(ref)] if kind == "slot" else ref for kind, ref in operands]
            slots.append(OPERATIONS[name](*args))
        return slots[-1]

    def __repr__(self) -> str:
        lines = []
        for k, (name, operands) in enumerate(self.steps):
            args = ", ".join(
                f"v{int(ref)}" if kind == "slot" else repr(ref) for kind, ref in operands
            )
            lines.append(f"v{self.n_inputs + k} = {name}({args})")
        return f"Program(inputs={self.n_inputs}: " + "; ".join(lines) + ")"


@st.composite
def programs(
    draw: st.DrawFn,
    rules: Sequence[Op] | None = None,
    max_inputs: int = 3,
    max_steps: int = 6,
) -> tuple[Program, list[float]]:
    """Random programs and a point where every step is smooth and every value within ±BOUND.

    Args:
        draw: Supplied by hypothesis.
        rules: The rules to draw from; all of `minigrad.ops.REGISTRY` by default.
        max_inputs: At most this many inputs.
        max_steps: At most this many steps.

    Returns:
        A strategy of ``(program, point)``; ``program(*point)`` is smooth near ``point``.
    """
    pool = list(REGISTRY.values()) if rules is None else list(rules)
    n_inputs = draw(st.integers(1, max_inputs))
    values = [draw(smooth_floats()) for _ in range(n_inputs)]
    point = list(values)
    steps: list[tuple[str, tuple[Operand, ...]]] = []
    for _ in range(draw(st.integers(1, max_steps))):
        rule = draw(st.sampled_from(pool))
        operands: list[Operand] = []
        for position in range(rule.arity):
            constant = position in _CONSTANT_ONLY.get(rule.name, ())
            if not constant and position not in _VALUE_ONLY.get(rule.name, ()) and position:
                constant = draw(st.booleans())
            if constant:
                operands.append(("const", draw(smooth_floats())))
            else:
                # Prefer recent slots, so that steps chain into deeper programs.
                index = len(values) - 1 - draw(st.integers(0, len(values) - 1))
                operands.append(("slot", index))
        xs = [values[int(ref)] if kind == "slot" else ref for kind, ref in operands]
        if not rule.smooth(*xs):
            continue
        out = rule.forward(*xs)
        if not abs(out) <= BOUND:  # also drops nan
            continue
        steps.append((rule.name, tuple(operands)))
        values.append(out)
    if not steps:  # nothing applied: fall back to the identity-like x + 0
        steps.append(("add", (("slot", 0), ("const", 0.0))))
    return Program(n_inputs, tuple(steps)), point
