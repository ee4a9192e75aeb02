"""`Value`, one float64 number in the graph, and `Parameter`, a trainable leaf.

Every operator on a Value calls one function, `record`: it computes the op's forward on floats
(the op's ``forward`` in the registry, `minigrad.ops`) and, when some input requires grad and
grad mode is on, remembers how: the output keeps its op and its inputs. That is the whole
graph: no closure is stored on a node, so there is no reference cycle, and a graph is freed by
reference counting as soon as its output is dropped. `Value.backward` then walks it
(`minigrad.backprop`).

A plain number in an op is a constant: it is kept as a float among the node's inputs, never
wrapped in a Value, and the backward pass skips it.

This is the reference core, and it runs as written when ``MINIGRAD_REFERENCE=1`` is set;
otherwise `minigrad.speed` installs faster versions of the operators and of ``backward()``
over it when minigrad is imported, held to these bit for bit by the tests.
"""

from __future__ import annotations

import sys

from minigrad import anomaly, hooks, modes, op, serialize
from minigrad.backprop import on_values, walk
from minigrad.graph import SEQUENCE, Node
from minigrad.interop import numpy_ufunc
from minigrad.numbers import as_float, describe, is_array
from minigrad.op import Op
from minigrad.ops import ABS, ADD, DIV, MUL, NEG, POW, POW_CONST, REGISTRY, SUB

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

__all__ = ["GradientLostWarning", "Parameter", "Value", "record"]

if TYPE_CHECKING:
    Operand: TypeAlias = "Value | float"
    """What an op accepts: a Value or a real number (int, float, bool, numpy real scalar)."""

_state = modes.state


def _branch(what: str) -> None:
    """While `mg.compile` traces (`minigrad.tracing`), `what` would bake a branch in: refused."""
    if modes.special_threads and _state.trace is not None:
        _state.trace.branch(what)


def _read(what: str) -> None:
    """While `mg.compile` traces, `what` would bake a number in: refused."""
    if modes.special_threads and _state.trace is not None:
        _state.trace.read(what)


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
    if modes.special_threads and _state.trace is not None:  # (inline: `p.data -= ...` is hot)
        _state.trace.read(
            "`.data` read inside the traced function (use the Value itself, `x * p` rather "
            "than `x * p.data`: the compiled code reads a Parameter's number at each call)"
        )
    return value.number


def _set_data(value: Value, number: object) -> None:
    """``value.data = number``: checked now (TypeError/ValueError), stored as a float."""
    if number.__class__ is not float:  # a Value gives its number: PyTorch's `p.data = tensor`
        number = _number_of(number, f"{type(value).__name__}.data")
    value.number = number


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

    __slots__ = ("__weakref__", "grad", "inputs", "number", "op", "requires_grad", "sequence")

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
        self.sequence = next(SEQUENCE)

    if TYPE_CHECKING:  # the methods made from the registry (x.exp(), x.relu(), ...)

        def __getattr__(self, name: str) -> Callable[[], Value]: ...

    # --- what a user reads ----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Value(data={self.number!r}, grad={_show(self.grad)})"

    def __format__(self, spec: str) -> str:
        return format(self.number, spec) if spec else repr(self)

    def __float__(self) -> float:
        _branch("reading a traced Value's number (float(), math.<fn>())")
        if self.requires_grad and _state.grad_enabled:
            _warn_gradient_lost(self)
        return self.number

    def __bool__(self) -> bool:
        """True unless the number is 0 (nan is true), as PyTorch's ``bool(tensor)``."""
        _branch("`if`, `while`, `and`/`or` or `not` on a traced Value")
        return self.number != 0.0

    def item(self) -> float:
        """Return the number as a Python float.

        >>> import minigrad as mg
        >>> mg.Value(2).item()
        2.0
        """
        _branch("reading a traced Value's number (.item())")
        return self.number

    def detach(self) -> Value:
        """Return a new Value with the same number, cut from the graph (no grad).

        >>> import minigrad as mg
        >>> mg.Value(2.0).detach().requires_grad
        False
        """
        if self.requires_grad:
            _read("`.detach()` of a traced Value")
        else:
            _constant(self)  # while tracing: refused if made before the trace
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
        _read(
            "register_hook inside the traced function (hooks run in backward() and mg.grad, "
            "not in compiled code)"
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
        else:
            _read(
                "backward() without create_graph=True inside the traced function (it "
                "computes plain numbers; mg.compile writes the gradient itself)"
            )
            seed = grad if grad.__class__ is float else as_float(grad, "grad")
            for node, total in walk(self, seed).items():
                node.grad = total if node.grad is None else node.grad + total

    # --- arithmetic: every operator is `record(op, *inputs)` -------------------------------

    def __add__(self, other: Operand) -> Value:
        return record(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        return record(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        return record(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        return record(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        return record(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        return record(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return record(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return record(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        # A constant exponent (a number, or a Value that needs no grad) has an op of its own,
        # whose backward computes no gradient for it.
        if isinstance(other, Value) and other.requires_grad:
            return record(POW, self, other)
        return record(POW_CONST, self, other)

    def __rpow__(self, other: Operand) -> Value:
        return record(POW, other, self)

    def __neg__(self) -> Value:
        return record(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return record(ABS, self)

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

    # --- comparisons: on .data, returning bool ---------------------------------------------

    def __lt__(self, other: Operand) -> bool:
        _branch("comparing a traced Value (<, max(), min(), sorted())")
        return self.number < _number_of(other, "comparison operand")

    def __le__(self, other: Operand) -> bool:
        _branch("comparing a traced Value (<=)")
        return self.number <= _number_of(other, "comparison operand")

    def __gt__(self, other: Operand) -> bool:
        _branch("comparing a traced Value (>, max(), min())")
        return self.number > _number_of(other, "comparison operand")

    def __ge__(self, other: Operand) -> bool:
        _branch("comparing a traced Value (>=)")
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
        return record(rule, self)

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
    return record(rule, value, other)


def _show(grad: Any) -> str:
    return f"Value({grad.number!r})" if isinstance(grad, Value) else repr(grad)


def _number_of(x: object, what: str) -> float:
    """A Value's number, or `x` as a float (`as_float`, whose errors name `what`)."""
    return x.number if isinstance(x, Value) else as_float(x, what)


def record(rule: Op, *inputs: object) -> Value:
    """``rule(*inputs)``: compute the forward on floats and, if needed, remember how.

    Every input is a Value or a real number. The output records a node (its op and its
    inputs) when some input requires grad and grad mode is on; otherwise it is a Value that
    records nothing. An input that needs no gradient is kept as its float, so the backward
    pass skips it. A computed Value's ``.grad`` starts at 0.0.

    Returns:
        The output; NotImplemented when an input is an n-d numpy array, so that numpy
        broadcasts the operator itself (`minigrad.Op` turns that into a TypeError).

    Raises:
        TypeError: An input is not a Value or a real number.
        ValueError: A number is too large for a float64.
    """
    numbers: list[float] = []  # what the forward computes with
    kept: list[Any] = []  # the node's inputs: a Value that requires grad, or a float
    needs_grad = False
    for x in inputs:
        if isinstance(x, Value):
            numbers.append(x.number)
            if x.requires_grad:
                needs_grad = True
                kept.append(x)
            else:
                kept.append(_constant(x))
        elif is_array(x):
            return NotImplemented  # type: ignore[no-any-return]
        else:
            number = as_float(x, f"{rule.name}: operand")
            numbers.append(number)
            kept.append(number)
    recording = needs_grad and _state.grad_enabled
    if needs_grad and not recording:
        _read(f"`{rule.name}` computed under no_grad() from a traced Value")
    out = Value(rule.call_forward(*numbers), requires_grad=recording)
    out.grad = 0.0
    if recording:
        out.op = rule
        out.inputs = tuple(kept)
    if _state.anomaly:
        anomaly.check_forward(out, numbers)
    return out


op.set_recorder(record)


def _constant(x: Value) -> float:
    """A Value that needs no grad, kept as its float among a node's inputs.

    While `mg.compile` traces, one made before the trace is refused: its number would be frozen.
    """
    if modes.special_threads and _state.trace is not None:
        return _state.trace.constant(x)  # type: ignore[no-any-return]
    return x.number
