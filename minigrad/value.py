"""`Value`, one float64 number in the graph, and `Parameter`, a trainable leaf.

An op on Values computes its forward on floats (the op's ``forward``, `minigrad.ops`) and,
when some input requires grad and grad mode is on, records a node: its op and its inputs (the
fields of `minigrad.graph.Node`). Nothing else is stored on a node: no closure, so no reference
cycle, so a graph is freed by reference counting as soon as its output is dropped.

A plain number in an op is a constant: it is kept as a float among the node's inputs, never
wrapped in a Value.
"""

from __future__ import annotations

import sys

from minigrad import anomaly, hooks, modes, op, serialize
from minigrad.backprop import on_floats, on_values, walk
from minigrad.fastpath import backward_floats
from minigrad.graph import Node
from minigrad.interop import numpy_ufunc
from minigrad.numbers import ACCEPTED, as_float, describe, is_array
from minigrad.op import Op
from minigrad.ops import ABS, ADD, DIV, MUL, NEG, POW_CONST, REGISTRY, SUB, power

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

__all__ = ["GradientLostWarning", "Parameter", "Value", "apply"]

if TYPE_CHECKING:
    Operand: TypeAlias = "Value | float"
    """What an op accepts: a Value or a real number (int, float, bool, numpy real scalar)."""

_state = modes.state
_new = object.__new__


def _tracing_error(what: str) -> modes.TracingError:
    return modes.TracingError(
        f"mg.compile: data-dependent control flow: {what} inside the traced function. compile "
        "traces the function once and replays the same straight-line code for every input, "
        "so a branch chosen by this input's numbers cannot be recorded. Write it with ops "
        "that choose per input instead: mg.maximum / mg.minimum instead of max() / min() or "
        "`if a > b`, mg.relu, mg.clamp, mg.abs, mg.sign, and mg.exp / mg.log ... instead of "
        "math.*; or call the function without compile (mg.value_and_grad)."
    )


class GradientLostWarning(UserWarning):
    """``float()`` of a Value that requires grad: the number leaves the graph.

    No gradient flows through what is computed from it: ``math.sin(x)`` is one such call, where
    ``mg.sin(x)`` keeps the gradient. Shown once per line of code (Python's default).
    """


def _warn_gradient_lost(value: Value) -> None:
    """Warn (once per line, Python's default) that ``float(value)`` drops its gradient."""
    import linecache  # here, not at import: linecache, re and warnings cost more than the core
    import re
    import warnings

    frame = sys._getframe(2)  # the line that called float(), math.sin(), ...
    line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
    match = re.search(r"\bmath\.(\w+)\s*\(", line)
    if match and match[1] in REGISTRY:
        instead = f"Use mg.{match[1]}(x) instead of math.{match[1]}(x) to keep it"
    else:
        instead = "Use the minigrad function of the same name (mg.sin, mg.exp, ...) to keep it"
    warnings.warn(
        f"float() of a Value that requires grad gives a plain number: no gradient flows "
        f"through it, so the gradient is lost. {instead}; x.item() reads the number without "
        "this warning.",
        GradientLostWarning,
        stacklevel=3,
    )


def _get_data(value: Value) -> float:
    """``value.data``: the number; TracingError while `mg.compile` traces (it would be baked in)."""
    if modes.special_threads and _state.tracing:
        _guard_constant(
            "`.data` read inside the traced function (use the Value itself, `x * p` rather "
            "than `x * p.data`: the compiled code reads a Parameter's number at each call)"
        )
    return value.number


def _set_data(value: Value, number: object) -> None:
    """``value.data = number``: checked now (TypeError/ValueError), stored as a float."""
    if number.__class__ is not float:  # a Value gives its number: PyTorch's `p.data = tensor`
        number = _number_of(number, f"{type(value).__name__}.data")
    value.number = number


def _guard(what: str) -> None:
    """Raise TracingError if this thread is tracing (`mg.compile`): `what` reads the number."""
    if modes.special_threads and _state.tracing:
        raise _tracing_error(what)


class Value(Node):
    """One float64 number in the graph, with the gradient a backward pass gives it.

    Args:
        data: The number: an int, float, bool, or a numpy real scalar or 0-d array.
        requires_grad: Whether backward passes compute a gradient for it.

    Attributes:
        data: The number (a float). Assignable, as ``p.data -= lr * p.grad``: it takes a real
            number or a Value (its number, as PyTorch's ``p.data = tensor``), and raises
            TypeError at once for anything else (a str, a list, an n-d array, None).
        grad: The sum of the gradients that backward passes sent here. On a leaf (a Value
            made by the constructor, e.g. a Parameter) it is None until the first backward
            pass reaches it, and again after ``zero_grad()``, as in PyTorch: so an optimizer
            can tell "no gradient" from a gradient of 0.0. A Value computed from others
            starts at 0.0.
            A Value after ``backward(create_graph=True)``.
        requires_grad: Whether gradients flow to this Value.
        op: The `minigrad.Op` that computed this Value; None for a leaf.
        inputs: The op's inputs; an input that needs no gradient is kept as its float.

    Operators ``+ - * / **`` take a Value or a number on either side; ``< <= > >=`` compare
    ``.data`` and return a bool; ``==`` is identity, so a Value can be a dict key. Each op
    with a method name in the registry is also a method: ``x.exp()``, ``x.relu()``, ...

    Example:
        >>> import minigrad as mg
        >>> a, b = mg.Value(2.0), mg.Value(-3.0)
        >>> y = a * b + b ** 2
        >>> y.backward()
        >>> a.grad, b.grad
        (-3.0, -4.0)
    """

    __slots__ = ("__weakref__", "grad", "inputs", "number", "op", "requires_grad", "uses")

    # `.data` is the user's name for the number, checked when assigned (and refused while
    # mg.compile traces, as .item()); the engine reads and writes the field `number` (the same
    # float) directly, as a read through the property costs about 0.6k instructions and an
    # assignment 0.8k more than the field's (callgrind, Python 3.11).
    if TYPE_CHECKING:

        @property
        def data(self) -> float:
            """The number, a float.

            Assigning it takes a real number, or a Value's number (as PyTorch's
            ``p.data = tensor``), and raises TypeError at once for anything else (a str, a list,
            an n-d array, None). Inside a function `mg.compile` traces, reading it raises
            `TracingError`: its number would be baked into the compiled code.
            """

        @data.setter
        def data(self, number: float | Value) -> None: ...

    else:
        data = property(
            _get_data,
            _set_data,
            # The same text as the docstring above, which the API pages read (a test holds them
            # equal).
            doc="The number, a float.\n\n"
            "Assigning it takes a real number, or a Value's number (as PyTorch's\n"
            "``p.data = tensor``), and raises TypeError at once for anything else (a str, a list,\n"
            "an n-d array, None). Inside a function `mg.compile` traces, reading it raises\n"
            "`TracingError`: its number would be baked into the compiled code.",
        )

    def __init__(self, data: float, requires_grad: bool = True) -> None:
        if requires_grad is not True and requires_grad is not False:
            raise TypeError(f"requires_grad must be a bool; got {describe(requires_grad)}")
        self.number = as_float(data, f"{type(self).__name__}() data")
        self.grad = None
        self.requires_grad = requires_grad
        self.op = None
        self.inputs = ()
        self.uses = 0
        if modes.special_threads and _state.tracing:
            _state.made_in_trace.add(self)

    if TYPE_CHECKING:  # the methods made from the registry (x.exp(), x.relu(), ...)

        def __getattr__(self, name: str) -> Callable[[], Value]: ...

    # --- what a user reads ----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Value(data={self.number!r}, grad={_show(self.grad)})"

    def __format__(self, spec: str) -> str:
        return format(self.number, spec) if spec else repr(self)

    def __float__(self) -> float:
        _guard("reading a traced Value's number (float(), math.<fn>())")
        if self.requires_grad and _state.grad_enabled:
            _warn_gradient_lost(self)
        return self.number

    def __bool__(self) -> bool:
        """True unless the number is 0 (nan is true), as PyTorch's ``bool(tensor)``."""
        _guard("`if`, `while`, `and`/`or` or `not` on a traced Value")
        return self.number != 0.0

    def item(self) -> float:
        """Return the number as a Python float.

        >>> import minigrad as mg
        >>> mg.Value(2).item()
        2.0
        """
        _guard("reading a traced Value's number (.item())")
        return self.number

    def detach(self) -> Value:
        """Return a new Value with the same number, cut from the graph (no grad).

        >>> import minigrad as mg
        >>> mg.Value(2.0).detach().requires_grad
        False
        """
        if modes.special_threads and _state.tracing:
            if self.requires_grad:
                _guard_constant("`.detach()` of a traced Value")
            _as_constant(self)  # a Value made outside the traced function: raises
        return Value(self.number, requires_grad=False)

    def register_hook(self, hook: Callable[[Any], Any]) -> hooks.RemovableHandle:
        """Call ``hook(grad)`` with the gradient flowing into this Value in each backward pass.

        As ``torch.Tensor.register_hook``: the hook runs once this Value's gradient is
        complete; if it returns something other than None, that replaces the gradient, which
        then flows on to the Values this one was computed from and into ``.grad``. It runs in
        ``backward()`` and ``mg.grad``; not in code written by ``mg.compile``.

        Args:
            hook: A function of the gradient (a float; a Value under ``create_graph``).

        Returns:
            A handle whose ``.remove()`` takes the hook off.

        Raises:
            TypeError: `hook` is not callable.
            RuntimeError: This Value does not require grad.

        Example:
            >>> import minigrad as mg
            >>> x = mg.Value(3.0)
            >>> y = x * x
            >>> handle = y.register_hook(lambda g: g * 10)  # scale what flows back through y
            >>> y.backward()
            >>> y.grad, x.grad  # dy/dy = 1 became 10; dx = 10 · 2x
            (10.0, 60.0)
            >>> handle.remove()
        """
        if modes.special_threads and _state.tracing:
            raise modes.TracingError(
                "mg.compile: register_hook inside the traced function: hooks run in backward() "
                "and mg.grad, not in compiled code"
            )
        return hooks.register(self, hook)

    def retain_grad(self) -> None:
        """Do nothing: minigrad already fills ``.grad`` on every Value, leaves or not.

        PyTorch keeps the ``.grad`` of leaves only, unless ``retain_grad()`` asks for it; so
        that code written for PyTorch runs unchanged, minigrad accepts the call. (Under
        ``create_graph`` an intermediate's ``.grad`` records no graph: see `backward`.)
        """

    @property
    def retains_grad(self) -> bool:
        """True for every Value that requires grad: its ``.grad`` is filled by backward."""
        return self.requires_grad

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by the user rather than by an op that records a graph."""
        return self.op is None

    # --- backward -------------------------------------------------------------------------

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Add d(self)/d(v) · grad into ``v.grad`` for every Value ``v`` this one depends on.

        Every Value in the graph that requires grad receives its gradient, leaves and
        intermediates alike. Each call adds its own gradients: calling it twice gives twice
        the gradients, so zero them between training steps (``opt.zero_grad()``).

        Args:
            grad: The upstream gradient dL/d(self); 1.0 for a loss.
            create_graph: Record the backward pass as a graph so that the leaves' gradients
                are Values that can be differentiated again (higher-order derivatives).
                Intermediates get their gradient as a Value that records nothing: its graph
                would refer back to the node itself. A leaf's gradient refers back to the
                leaf, so set ``.grad`` to 0.0 when done (``opt.zero_grad()``) to free the
                graph at once.

        Raises:
            RuntimeError: This Value does not require grad.

        Example:
            >>> import minigrad as mg
            >>> x = mg.Value(3.0)
            >>> (x * x * x).backward()
            >>> x.grad
            27.0
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward() on a Value that does not require grad: no input it was computed "
                "from requires grad, or it was computed under no_grad() or from .detach(). "
                "Create the inputs with requires_grad=True (the default, or mg.Parameter)."
            )
        if create_graph:
            seed: Any = grad if isinstance(grad, Value) else Value(grad, requires_grad=False)
            with modes.enable_grad():
                totals = walk(self, seed, on_values)
            for node, total in totals.items():
                if node.op is not None or not isinstance(total, Value):
                    # An inner node's gradient graph refers back to the node itself (d/dt of
                    # t·t is 2·t): kept, it would be a reference cycle. So inner nodes get the
                    # number, as a Value that records nothing; leaves get the graph.
                    total = Value(total if total.__class__ is float else total.number, False)
                node.grad = total if node.grad is None else node.grad + total
        elif hooks.table:  # some Value has a hook: the reference walk runs them, the fast path not
            seed = grad if grad.__class__ is float else as_float(grad, "grad")
            for node, total in walk(self, seed, on_floats).items():
                node.grad = total if node.grad is None else node.grad + total
        else:
            backward_floats(self, grad if grad.__class__ is float else as_float(grad, "grad"))

    # --- arithmetic -----------------------------------------------------------------------

    # Value (+ - *) float or Value is the hottest path of a training loop: it computes the
    # forward inline (the same expression as the op's forward; tests/test_fastpath.py holds
    # them equal) and skips _binary's checks: about 100 ns (30%) faster per op with a float;
    # with a Value, 6.7k -> 5.0k instructions (callgrind). Everything else goes through _binary.

    def __add__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(ADD, self.number + other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(ADD, self.number + other.number, self, other)
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(ADD, other + self.number, self, (other, self))
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(SUB, self.number - other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(SUB, self.number - other.number, self, other)
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(SUB, other - self.number, self, (other, self))
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(MUL, self.number * other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(MUL, self.number * other.number, self, other)
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(MUL, other * self.number, self, (other, self))
        return _binary(MUL, other, self)

    # In-place operators, as in PyTorch where a learner's habit comes from: under no_grad(),
    # `p -= lr * p.grad` changes the leaf p itself; with grad on, on a Parameter it raises (the
    # update would record a graph that grows every step); a plain Value (`total += loss`) and
    # an inner node get the result as a new Value, as `total = total + loss` would.

    def __iadd__(self, other: Operand) -> Value:
        return _in_place(ADD, self, other)

    def __isub__(self, other: Operand) -> Value:
        return _in_place(SUB, self, other)

    def __imul__(self, other: Operand) -> Value:
        return _in_place(MUL, self, other)

    def __itruediv__(self, other: Operand) -> Value:
        return _in_place(DIV, self, other)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if other.__class__ is int or other.__class__ is float:  # x ** 2: the squared error
            try:
                c = float(other)
            except OverflowError:  # 10**400: as_float's ValueError, as on every route
                c = as_float(other, "pow: exponent")
            x = self.number
            # x * x is POW_CONST's forward for c = 2, without the call (about 10% of an op).
            return _link(POW_CONST, x * x if c == 2.0 else POW_CONST.forward(x, c), self, (self, c))
        return power(self, other)  # type: ignore[no-any-return]

    def __rpow__(self, other: Operand) -> Value:
        return power(other, self)  # type: ignore[no-any-return]

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    # --- comparisons: on .data, returning bool ---------------------------------------------

    def __lt__(self, other: Operand) -> bool:
        _guard("comparing a traced Value (<, max(), min(), sorted())")
        return self.number < _number_of(other, "comparison operand")

    def __le__(self, other: Operand) -> bool:
        _guard("comparing a traced Value (<=)")
        return self.number <= _number_of(other, "comparison operand")

    def __gt__(self, other: Operand) -> bool:
        _guard("comparing a traced Value (>, max(), min())")
        return self.number > _number_of(other, "comparison operand")

    def __ge__(self, other: Operand) -> bool:
        _guard("comparing a traced Value (>=)")
        return self.number >= _number_of(other, "comparison operand")

    # No __eq__: == stays identity, so the inherited C-level hash is kept and a Value is a
    # fast dict key (the backward walks key their dicts by node).

    # --- copy and pickle: flat, at any depth (minigrad.serialize) ---------------------------

    def __reduce_ex__(self, protocol: Any) -> tuple[Any, ...]:
        """For ``pickle`` and ``copy.deepcopy``: the graph written flat (no recursion)."""
        return serialize.reduce_value(self)

    def __setstate__(self, state: Any) -> None:
        """The ``.grad`` Values of the graph, set once its nodes exist."""
        serialize.set_grads(state)

    # --- numpy ----------------------------------------------------------------------------

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Let numpy ufuncs and numpy scalars on the left of an operator give Values."""
        return numpy_ufunc(ufunc, method, inputs, kwargs)


def _method(rule: Op) -> Callable[[Value], Value]:
    def method(self: Value) -> Value:
        return _unary(rule, self)

    method.__name__ = method.__qualname__ = rule.method  # type: ignore[assignment]
    method.__doc__ = (
        f"{rule.formula}, with derivative {rule.derivative}. See `minigrad.{rule.name}`."
    )
    return method


for _op in REGISTRY.values():  # x.exp(), x.relu(), ...: one method per op that names one
    if _op.method is not None:
        setattr(Value, _op.method, _method(_op))


class Parameter(Value):
    """A trainable leaf: a Value that always requires grad, with an optional name.

    Args:
        data: The initial number.
        name: A label shown in its repr, in graph drawings and in error messages.

    Example:
        >>> import minigrad as mg
        >>> mg.Parameter(-2.0, name="a")
        Parameter(name='a', data=-2.0, grad=None)
    """

    __slots__ = ("name",)

    name: str | None

    def __init__(self, data: float, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Parameter name must be a str or None; got {describe(name)}")
        super().__init__(data, requires_grad=True)
        self.name = name

    def __repr__(self) -> str:
        label = "" if self.name is None else f"name={self.name!r}, "
        return f"Parameter({label}data={self.number!r}, grad={_show(self.grad)})"


def _in_place(rule: Op, value: Value, other: object) -> Value:
    """``value <op>= other``: see the comment above Value's in-place operators."""
    if not _state.grad_enabled and value.op is None:
        value.number = rule.forward(value.number, _number_of(other, f"{rule.name}="))
        return value
    if _state.grad_enabled and isinstance(value, Parameter):
        symbol = {"add": "+=", "sub": "-=", "mul": "*=", "div": "/="}[rule.name]
        raise RuntimeError(
            f"in-place {symbol} on a Parameter while grad mode is on: it would record a graph "
            f"that grows with every update. Update the number inside `with mg.no_grad():` (as "
            f"in PyTorch), or write to .data (p.data -= lr * p.grad), or use an optimizer."
        )
    return _binary(rule, value, other)


def _show(grad: Any) -> str:
    return f"Value({grad.number!r})" if isinstance(grad, Value) else repr(grad)


def _number_of(x: object, what: str) -> float:
    """A Value's number, or `x` as a float (`as_float`, whose errors name `what`)."""
    return x.number if isinstance(x, Value) else as_float(x, what)


# --- recording nodes ---------------------------------------------------------------------------
# The hot path of the whole library: every op on Values ends in _link (one Value input),
# _link2 (two), _binary (two operands of any kind) or apply (any number); all fall back to
# _record for everything but "grad on, no anomaly, no trace".


def _guard_constant(what: str) -> None:
    """While tracing, `what` would turn a traced Value into a number baked into the code."""
    if modes.special_threads and _state.tracing:
        raise modes.TracingError(
            f"mg.compile: {what}: its number at trace time would be baked into the compiled "
            "code, so later calls would silently reuse it. Compute it from the arguments with "
            "ops that record a graph, or call the function without compile "
            "(mg.value_and_grad)."
        )


def _as_constant(x: Value) -> float:
    """A Value that needs no grad, kept as its float among a node's inputs."""
    if modes.special_threads and _state.tracing and x not in _state.made_in_trace:
        raise modes.TracingError(
            f"mg.compile: the traced function uses {x!r}, a Value that requires no grad and "
            "was made outside it: its number at trace time would be baked into the compiled "
            "code, so a later change of its .data would be silently ignored. Pass it as an "
            "argument, or make it a Parameter (requires_grad=True), whose number the compiled "
            "code reads at each call."
        )
    return x.number


def _node(rule: Op, data: float, args: tuple[Any, ...]) -> Value:
    """A new node of the graph: `rule` applied to `args` gave `data`."""
    out = _new(Value)
    out.number = data
    out.grad = 0.0
    out.requires_grad = True
    out.op = rule
    out.inputs = args
    out.uses = 0
    for arg in args:
        if arg.__class__ is not float:
            arg.uses += 1
    return out


def _constant(data: float) -> Value:
    """A result that records no graph (no input requires grad, or grad mode is off)."""
    out = _new(Value)
    out.number = data
    out.grad = 0.0
    out.requires_grad = False
    out.op = None
    out.inputs = ()
    out.uses = 0
    return out


def _record(
    rule: Op, data: float, args: tuple[Any, ...] | None, inputs: tuple[float, ...]
) -> Value:
    """The output of `rule`: a node when `args` needs grad and grad mode is on. Checks anomalies."""
    if args is not None and _state.grad_enabled:
        out = _node(rule, data, args)
    else:
        if args is not None and _state.tracing:  # grad mode is off: no_grad() inside f
            _guard_constant(f"`{rule.name}` computed under no_grad() from a traced Value")
        out = _constant(data)
        if _state.tracing:
            _state.made_in_trace.add(out)
    if _state.anomaly:
        anomaly.check_forward(out, inputs)
    return out


# _link, _link2 and _binary repeat _node's few lines rather than call it: a call costs about as
# much as the rest of an op here (measured with callgrind). _state.plain is "grad on, no
# anomaly, no trace", read only while some thread has switched a mode (modes.special_threads).


def _link(rule: Op, data: float, value: Value, args: tuple[Any, ...]) -> Value:
    """The output of an op whose only Value input is `value`, its forward already computed."""
    if value.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.number = data
        out.grad = 0.0
        out.requires_grad = True
        out.op = rule
        out.inputs = args
        out.uses = 0
        value.uses += 1
        return out
    if not value.requires_grad:
        args = tuple(a if a.__class__ is float else _as_constant(a) for a in args)
        return _record(rule, data, None, args)
    inputs = tuple(a if a.__class__ is float else a.number for a in args)
    return _record(rule, data, args, inputs)


def _link2(rule: Op, data: float, a: Value, b: Value) -> Value:
    """The output of an op on two Values, its forward already computed."""
    if a.requires_grad and b.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.number = data
        out.grad = 0.0
        out.requires_grad = True
        out.op = rule
        out.inputs = (a, b)
        out.uses = 0
        a.uses += 1
        b.uses += 1
        return out
    # An input that needs no gradient is kept as its float, as in _binary; `data` is reused.
    if not b.requires_grad:
        return _link(rule, data, a, (a, _as_constant(b)))
    if not a.requires_grad:
        return _link(rule, data, b, (_as_constant(a), b))
    return _record(rule, data, (a, b), (a.number, b.number))  # grad off, anomaly or trace


def _unary(rule: Op, x: Any) -> Value:
    """Apply a one-input op to a Value or a number."""
    if x.__class__ is Value or isinstance(x, Value):
        return _link(rule, rule.forward(x.number), x, (x,))
    xd = as_float(x, f"{rule.name}: operand")
    return _record(rule, rule.forward(xd), None, (xd,))


def _binary(rule: Op, a: Any, b: Any) -> Value:
    """Apply a two-input op. NotImplemented for an n-d numpy array, which numpy broadcasts."""
    # An input that needs no gradient is stored as its float: the walk skips floats.
    grad = False
    if a.__class__ is Value or isinstance(a, Value):
        ad = a.number
        if a.requires_grad:
            grad = True
        else:
            a = ad = _as_constant(a)
    elif a.__class__ is float:
        ad = a
    else:
        if is_array(a):
            return NotImplemented  # type: ignore[no-any-return]  # numpy broadcasts it
        a = ad = as_float(a, f"{rule.name}: operand")
    if b.__class__ is Value or isinstance(b, Value):
        bd = b.number
        if b.requires_grad:
            grad = True
        else:
            b = bd = _as_constant(b)
    elif b.__class__ is float:
        bd = b
    else:
        if is_array(b):
            return NotImplemented  # type: ignore[no-any-return]
        b = bd = as_float(b, f"{rule.name}: operand")
    if grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.number = rule.forward(ad, bd)
        out.grad = 0.0
        out.requires_grad = True
        out.op = rule
        out.inputs = (a, b)
        out.uses = 0
        if a.__class__ is not float:
            a.uses += 1
        if b.__class__ is not float:
            b.uses += 1
        return out
    return _record(rule, rule.forward(ad, bd), (a, b) if grad else None, (ad, bd))


def apply(rule: Op, xs: tuple[object, ...]) -> Value:
    """``rule(*xs)``: compute the forward on floats and record a node (the reference path).

    Every input is a Value or a real number; an input that needs no gradient is kept as its
    float. The result requires grad when an input does and grad mode is on.

    Raises:
        TypeError: An input is not a Value or a real number (an n-d array among them).
        ValueError: A number is too large for a float64.
    """
    grad = False
    args: list[Any] = []
    inputs: list[float] = []
    for x in xs:
        if isinstance(x, Value):
            inputs.append(x.number)
            if x.requires_grad:
                grad = True
                args.append(x)
            else:
                args.append(_as_constant(x))
        else:
            if is_array(x):
                raise TypeError(f"{rule.name}: operands must be Values or {ACCEPTED}, not arrays")
            number = as_float(x, f"{rule.name}: operand")
            inputs.append(number)
            args.append(number)
    data = rule.call_forward(*inputs)
    return _record(rule, data, tuple(args) if grad else None, tuple(inputs))


def apply_one(rule: Op, x: object) -> Value:
    """``rule(x)`` for an op of one input: `apply`, with the built-ins on the hot path."""
    if rule.check:  # a user's op: its forward's result is checked
        return apply(rule, (x,))
    if x.__class__ is Value:  # _unary's first case, without the call
        return _link(rule, rule.forward(x.number), x, (x,))
    return _unary(rule, x)


op.set_recorder(apply, apply_one)
