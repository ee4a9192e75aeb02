"""The speed layer: faster operators and ``backward()``, installed over the reference core.

`minigrad.value` (``record``, Value's operators, ``backward()``) and `minigrad.backprop` (the
walk) are the definition of what minigrad computes, written to be read. This module is the one
place where they are replaced by code written for speed: `install`, called once when minigrad
is imported, sets its functions on `minigrad.Value` and hands its recorder to `minigrad.Op`
(as DeZero's ``setup_variable`` installs Variable's operators). With ``MINIGRAD_REFERENCE=1``
in the environment, read once at import, nothing is installed and the reference runs as
written. ``tests/test_speed.py`` runs random programs both ways and requires the same bits:
every value, every gradient, and the type of every ``.grad``.

What the layer does differently (its measurements are in ``benchmarks/instructions.py`` and
the performance guide):

* **Operators.** ``+ - *`` (and ``x ** 2``) compute their forward inline, the same float
  expression as the op's ``forward``, and make the node without `minigrad.value.record`'s
  loop over the inputs. Only "grad on, no anomaly, no trace" takes this path; every other
  case calls the reference ``record``.
* **backward().** The reference walk sorts the nodes, newest first. This one finds the same
  order as it goes: the next node is always the newest of those reached and not yet visited
  (kept in a list sorted by ``sequence``); when an input just reached is newer than everything
  that waits, it is next, and nothing is stored (a chain, such as the line fit's graph, never
  stores a node). ``add``, ``mul``, ``sub`` and ``x ** 2`` have their backward formulas
  written out. Parts are summed in the order they arrive, as in the reference. With a hook
  registered, in anomaly mode, or with ``create_graph=True``, the reference walk runs.
"""

from __future__ import annotations

import os
from bisect import insort

from minigrad import hooks, modes, op
from minigrad.graph import SEQUENCE
from minigrad.numbers import as_float
from minigrad.op import FLOATS, Op
from minigrad.ops import ADD, DIV, MUL, NEG, POW_CONST, REGISTRY, SUB
from minigrad.value import Parameter, Value, record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["INSTALLED", "REFERENCE", "backward_floats", "install", "reference_core"]

REFERENCE = os.environ.get("MINIGRAD_REFERENCE") == "1"
"""True when ``MINIGRAD_REFERENCE=1`` was set at import: the reference core runs alone."""

INSTALLED = False
"""True once `install` has run."""

_state = modes.state
_new = object.__new__
_reference_backward = Value.backward


# --- making nodes -----------------------------------------------------------------------------
# Each function below makes exactly the Value `record` makes (the same fields, the same
# sequence number), for the common case only; anything else goes to `record`.


def _link(rule: Op, data: float, x: Value, args: tuple[Any, ...]) -> Value:
    """``rule(*args)`` whose one Value input is `x`; `data` is its forward."""
    if x.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.number = data
        out.grad = 0.0
        out.requires_grad = True
        out.op = rule
        out.inputs = args
        out.sequence = next(SEQUENCE)
        return out
    if not x.requires_grad or not _state.grad_enabled:
        return _not_recorded(rule, data, args)
    return record(rule, *args)


def _link2(rule: Op, data: float, a: Value, b: Value) -> Value:
    """``rule(a, b)`` on two Values that both require grad; `data` is the forward."""
    if a.requires_grad and b.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.number = data
        out.grad = 0.0
        out.requires_grad = True
        out.op = rule
        out.inputs = (a, b)
        out.sequence = next(SEQUENCE)
        return out
    return _binary(rule, a, b)


def _binary(rule: Op, a: Any, b: Any) -> Value:
    """``rule(a, b)`` for a built-in op of two inputs, Values or floats."""
    ac, bc = a.__class__, b.__class__
    if (ac is Value or ac is Parameter or ac is float) and (
        bc is Value or bc is Parameter or bc is float
    ):
        a_grad = ac is not float and a.requires_grad
        b_grad = bc is not float and b.requires_grad
        ad = a if ac is float else a.number
        bd = b if bc is float else b.number
        if (a_grad or b_grad) and (modes.special_threads == 0 or _state.plain):
            out = _new(Value)
            out.number = rule.forward(ad, bd)
            out.grad = 0.0
            out.requires_grad = True
            out.op = rule
            out.inputs = (a if a_grad else ad, b if b_grad else bd)
            out.sequence = next(SEQUENCE)
            return out
        if not (a_grad or b_grad) or not _state.grad_enabled:
            return _not_recorded(rule, rule.forward(ad, bd), (a, b))
    return record(rule, a, b)


def _not_recorded(rule: Op, data: float, args: tuple[Any, ...]) -> Value:
    """``rule(*args)`` when no input requires grad or grad mode is off: a Value, no node.

    What `record` makes then; in anomaly mode or while tracing, `record` itself runs (it
    checks the result, or refuses a number the compiled code would bake in).
    """
    if modes.special_threads and (_state.anomaly or _state.trace is not None):
        return record(rule, *args)
    out = _new(Value)
    out.number = data
    out.grad = 0.0
    out.requires_grad = False
    out.op = None
    out.inputs = ()
    out.sequence = next(SEQUENCE)
    return out


def _call(rule: Op, *xs: object) -> Any:
    """`minigrad.Op`'s recorder: a built-in op of one or two inputs fast, the rest `record`."""
    if not rule.check:  # a built-in op (a user's op checks its forward's result: `record`)
        if len(xs) == 1:
            x: Any = xs[0]
            if x.__class__ is Value or x.__class__ is Parameter:
                return _link(rule, rule.forward(x.number), x, (x,))
        elif len(xs) == 2:
            return _binary(rule, xs[0], xs[1])
    return record(rule, *xs)


# --- the operators ----------------------------------------------------------------------------
# Value (+ - *) float or Value is the hottest path of a training loop.


def _add(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(ADD, self.number + other, self, (self, other))
    if other.__class__ is Value or other.__class__ is Parameter:
        return _link2(ADD, self.number + other.number, self, other)
    return record(ADD, self, other)


def _radd(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(ADD, other + self.number, self, (other, self))
    return record(ADD, other, self)


def _sub(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(SUB, self.number - other, self, (self, other))
    if other.__class__ is Value or other.__class__ is Parameter:
        return _link2(SUB, self.number - other.number, self, other)
    return record(SUB, self, other)


def _rsub(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(SUB, other - self.number, self, (other, self))
    return record(SUB, other, self)


def _mul(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(MUL, self.number * other, self, (self, other))
    if other.__class__ is Value or other.__class__ is Parameter:
        return _link2(MUL, self.number * other.number, self, other)
    return record(MUL, self, other)


def _rmul(self: Value, other: Any) -> Value:
    if other.__class__ is float:
        return _link(MUL, other * self.number, self, (other, self))
    return record(MUL, other, self)


def _truediv(self: Value, other: Any) -> Value:
    return _binary(DIV, self, other)


def _rtruediv(self: Value, other: Any) -> Value:
    return _binary(DIV, other, self)


def _pow(self: Value, other: Any) -> Value:
    if other.__class__ is float or other.__class__ is int:  # x ** 2: the squared error
        try:
            c = float(other)
        except OverflowError:  # 10**400: record's ValueError
            return record(POW_CONST, self, other)
        x = self.number
        # x * x is POW_CONST's forward for c = 2, without the call.
        data = x * x if c == 2.0 else POW_CONST.forward(x, c)
        return _link(POW_CONST, data, self, (self, c))
    return _reference_pow(self, other)


def _neg(self: Value) -> Value:
    return _link(NEG, -self.number, self, (self,))


def _method(rule: Op) -> Callable[[Value], Value]:
    def method(self: Value) -> Value:
        return _link(rule, rule.forward(self.number), self, (self,))

    method.__name__ = rule.method  # type: ignore[assignment]
    return method


_reference_pow = Value.__pow__


# --- backward() -------------------------------------------------------------------------------


def _backward(self: Value, grad: Any = 1.0, *, create_graph: bool = False) -> None:
    if (
        create_graph
        or hooks.table
        or (modes.special_threads and (_state.anomaly or _state.trace is not None))
        or not self.requires_grad
    ):
        _reference_backward(self, grad, create_graph=create_graph)
        return
    backward_floats(self, grad if grad.__class__ is float else as_float(grad, "grad"))


def backward_floats(root: Value, seed: float) -> None:
    """``root.backward()`` on floats: the reference walk's order and sums (see the module docs).

    The nodes reached and not yet visited wait in order of ``sequence``: the newest in `held`
    (no allocation: in a chain of sums, the older input of each ``+`` is next but one), the
    others in `later`, a list of (sequence, node) sorted oldest first, with their sums in
    `waiting`. Inner nodes get their total added into ``.grad`` when they are visited, leaves
    at the end, as the reference's caller adds every total once the walk is done.
    """
    if root.op is None:
        root.grad = seed if root.grad is None else root.grad + seed
        return
    leaves: dict[Any, float] = {}  # this pass's gradient of each leaf reached
    waiting: dict[Any, float] = {}  # the sums of the nodes in `later`
    later: list[tuple[int, Any]] = []
    held: Any = None  # newer than every node in `later`
    held_g: Any = 0.0
    m = FLOATS
    node: Any = root
    g: Any = seed
    while True:
        node.grad += g
        rule = node.op
        inputs = node.inputs
        after: Any = None  # an input reached for the first time: perhaps the next node
        other: Any = None  # a second one, older than `after`
        if len(inputs) == 2:
            a, b = inputs
            if rule is ADD:
                ga = gb = g
            elif rule is MUL:
                ga = g * (b if b.__class__ is float else b.number)
                gb = g * (a if a.__class__ is float else a.number)
            elif rule is SUB:
                ga = g
                gb = -g
            elif rule is POW_CONST and b == 2.0:  # the squared error: as its formula, g·(2·x)
                ga = g * (2.0 * (a if a.__class__ is float else a.number))
                gb = 0.0
            else:
                ga, gb = rule.backward(
                    m,
                    g,
                    node.number,
                    a if a.__class__ is float else a.number,
                    b if b.__class__ is float else b.number,
                )
            if a.__class__ is not float:
                if a.op is None:
                    leaves[a] = leaves[a] + ga if a in leaves else ga
                elif a is held:
                    held_g += ga
                elif a in waiting:
                    waiting[a] += ga
                else:
                    after, g_after = a, ga
            if b.__class__ is not float:
                if b.op is None:
                    leaves[b] = leaves[b] + gb if b in leaves else gb
                elif b is held:
                    held_g += gb
                elif b in waiting:
                    waiting[b] += gb
                elif b is after:  # x * x: the same input twice
                    g_after += gb
                elif after is None:
                    after, g_after = b, gb
                elif b.sequence > after.sequence:
                    other, g_other = after, g_after
                    after, g_after = b, gb
                else:
                    other, g_other = b, gb
        elif len(inputs) == 1:  # relu, exp, tanh ...: the same, for one input
            (a,) = inputs
            (ga,) = rule.backward(m, g, node.number, a if a.__class__ is float else a.number)
            if a.__class__ is not float:
                if a.op is None:
                    leaves[a] = leaves[a] + ga if a in leaves else ga
                elif a is held:
                    held_g += ga
                elif a in waiting:
                    waiting[a] += ga
                else:
                    after, g_after = a, ga
        else:
            parts = rule.backward(
                m, g, node.number, *[a if a.__class__ is float else a.number for a in inputs]
            )
            for a, ga in zip(inputs, parts):  # noqa: B905 (the ops return one part per input)
                if a.__class__ is float:
                    continue
                if a.op is None:
                    leaves[a] = leaves[a] + ga if a in leaves else ga
                elif a is held:
                    held_g += ga
                elif a in waiting:
                    waiting[a] += ga
                else:
                    if held is not None:  # every new input waits in `later`, held included
                        waiting[held] = held_g
                        _wait(later, held)
                        held = None
                    waiting[a] = ga
                    _wait(later, a)
        if other is not None:  # it waits: in `held` if it is the newest that waits
            if held is None:
                if not later or other.sequence > later[-1][0]:
                    held, held_g = other, g_other
                else:
                    waiting[other] = g_other
                    _wait(later, other)
            elif other.sequence > held.sequence:
                waiting[held] = held_g
                later.append((held.sequence, held))
                held, held_g = other, g_other
            else:
                waiting[other] = g_other
                _wait(later, other)
        if after is not None:
            if held is None:
                if not later or after.sequence > later[-1][0]:  # the newest not yet visited
                    node, g = after, g_after
                    continue
            elif after.sequence > held.sequence:
                node, g = after, g_after
                continue
            waiting[after] = g_after
            _wait(later, after)
        if held is not None:
            node, g = held, held_g
            held = None
        elif later:
            node = later.pop()[1]
            g = waiting.pop(node)
        else:
            break
    for leaf, total in leaves.items():
        # A leaf's .grad is None until a backward pass reaches it (or after zero_grad()).
        g = leaf.grad
        leaf.grad = total if g is None else g + total


def _wait(later: list[tuple[int, Any]], node: Any) -> None:
    """Put `node` among the nodes in `later`, keeping them in the order they were made."""
    entry = (node.sequence, node)
    if not later or entry[0] > later[-1][0]:
        later.append(entry)
    else:
        insort(later, entry)


# --- install ----------------------------------------------------------------------------------


_ORIGINALS: dict[str, Any] = {}  # the reference's functions that `install` replaced


def install() -> None:
    """Set this layer's operators and ``backward()`` on `minigrad.Value` (once)."""
    global INSTALLED
    if INSTALLED:
        return
    replacements: list[tuple[str, Callable[..., Any]]] = [
        ("__add__", _add),
        ("__radd__", _radd),
        ("__sub__", _sub),
        ("__rsub__", _rsub),
        ("__mul__", _mul),
        ("__rmul__", _rmul),
        ("__truediv__", _truediv),
        ("__rtruediv__", _rtruediv),
        ("__pow__", _pow),
        ("__neg__", _neg),
        ("backward", _backward),
    ]
    for rule in REGISTRY.values():
        if rule.method is not None:
            replacements.append((rule.method, _method(rule)))
    for name, fn in replacements:
        reference = Value.__dict__[name]
        _ORIGINALS[name] = reference
        fn.__name__, fn.__qualname__ = reference.__name__, reference.__qualname__
        fn.__doc__ = reference.__doc__
        setattr(Value, name, fn)
    op.set_recorder(_call)
    INSTALLED = True


class reference_core:  # noqa: N801 (a context manager, named as what it gives)
    """Run the reference core alone inside the block, as ``MINIGRAD_REFERENCE=1`` does.

    For the tests that hold this layer to the reference in one process; not thread-safe.
    """

    def __enter__(self) -> None:
        global INSTALLED
        self.installed = INSTALLED
        if self.installed:
            self.saved = {name: Value.__dict__[name] for name in _ORIGINALS}
            for name, reference in _ORIGINALS.items():
                setattr(Value, name, reference)
            op.set_recorder(record)
            INSTALLED = False

    def __exit__(self, *exc_info: object) -> None:
        global INSTALLED
        if self.installed:
            for name, fn in self.saved.items():
                setattr(Value, name, fn)
            op.set_recorder(_call)
            INSTALLED = True
