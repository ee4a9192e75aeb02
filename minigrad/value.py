"""`Value`, one float64 number in the graph, and `Parameter`, a trainable leaf.

An op on Values computes its forward on floats (the rule's ``forward`` from `minigrad.ops`)
and, when some input requires grad and grad mode is on, records a node: its rule and its
inputs. Nothing else is stored on a node: no closure, so no reference cycle, so a graph is
freed by reference counting as soon as its output is dropped.

A plain number in an op is a constant: it is kept as a float among the node's inputs, never
wrapped in a Value.
"""

from __future__ import annotations

import numbers
import sys
from collections.abc import Callable
from typing import Any, Union

from minigrad import anomaly, modes
from minigrad.backprop import backward_floats, run_backward
from minigrad.ops import (
    ABS,
    ADD,
    CLAMP,
    COS,
    DIV,
    EXP,
    LOG,
    MAXIMUM,
    MINIMUM,
    MUL,
    NEG,
    POW,
    POW_CONST,
    RELU,
    SIGMOID,
    SIGN,
    SIN,
    SQRT,
    SUB,
    TANH,
    Rule,
)

__all__ = ["Operand", "Parameter", "Value", "as_float"]

Operand = Union["Value", float]
"""What an op accepts: a Value or a real number (int, float, bool, numpy real scalar)."""

ACCEPTED = "a real number (int, float, bool, or a numpy real scalar or 0-d array)"

_state = modes.state
_new = object.__new__


def _describe(x: object) -> str:
    text = repr(x)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(x).__name__} {text}"


def _numpy_number(x: object) -> float | None:
    """A numpy real scalar or 0-d array as a float; None if `x` is not one."""
    np = sys.modules.get("numpy")  # never import numpy ourselves: it is not a dependency
    if np is None:
        return None
    if isinstance(x, np.ndarray):
        if x.ndim == 0 and x.dtype.kind in "biuf":
            return float(x)
        return None
    if isinstance(x, np.generic) and x.dtype.kind in "biuf":
        return float(x)
    return None


def as_float(x: object, what: str = "value") -> float:
    """Convert a real number to a Python float, or raise TypeError saying what is accepted.

    Args:
        x: An int, float, bool, numpy real scalar or 0-d numpy array.
        what: How the error message names `x`.

    Returns:
        `x` as a float.

    Raises:
        TypeError: `x` is not a real number (a str, None, a list, a complex number, an n-d
            array, a Value...).
        ValueError: `x` is an int too large for a float.

    Example:
        >>> as_float(3)
        3.0
    """
    cls = x.__class__
    if cls is float:
        return x  # type: ignore[return-value]  # checked just above
    if cls is int or cls is bool or isinstance(x, numbers.Real):
        try:
            return float(x)  # type: ignore[arg-type]  # a numbers.Real
        except OverflowError:
            raise ValueError(f"{what} {x!r} is too large for a float64") from None
    converted = _numpy_number(x)
    if converted is not None:
        return converted
    hint = ""
    if isinstance(x, Value):
        hint = " (use .data for its number, or pass the Value itself to an op)"
    elif isinstance(x, complex | numbers.Complex):
        hint = " (complex numbers are not supported)"
    raise TypeError(f"{what} must be {ACCEPTED}; got {_describe(x)}{hint}")


class Value:
    """One float64 number in the graph, with the gradient a backward pass gives it.

    Args:
        data: The number: an int, float, bool, or a numpy real scalar or 0-d array.
        requires_grad: Whether backward passes compute a gradient for it.

    Attributes:
        data: The number (a float; writable, e.g. by an optimizer).
        grad: The sum of the gradients that backward passes sent here; 0.0 before the first.
            A Value after ``backward(create_graph=True)``.
        requires_grad: Whether gradients flow to this Value.

    Operators ``+ - * / **`` take a Value or a number on either side; ``< <= > >=`` compare
    ``.data`` and return a bool; ``==`` is identity, so a Value can be a dict key.

    Example:
        >>> import minigrad as mg
        >>> a, b = mg.Value(2.0), mg.Value(-3.0)
        >>> y = a * b + b ** 2
        >>> y.backward()
        >>> a.grad, b.grad
        (-3.0, -4.0)
    """

    __slots__ = ("__weakref__", "_args", "_rule", "_uses", "data", "grad", "requires_grad")

    data: float
    grad: Any
    requires_grad: bool
    _rule: Rule | None  # None for a leaf
    _args: tuple[Any, ...]  # the inputs: Values that require grad, floats for the rest
    _uses: int  # how many nodes have taken this Value as an input (see backprop.py)

    def __init__(self, data: float, requires_grad: bool = True) -> None:
        if requires_grad is not True and requires_grad is not False:
            raise TypeError(f"requires_grad must be a bool; got {_describe(requires_grad)}")
        self.data = as_float(data, f"{type(self).__name__}() data")
        self.grad = 0.0
        self.requires_grad = requires_grad
        self._rule = None
        self._args = ()
        self._uses = 0

    # --- what a user reads ----------------------------------------------------------------

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={_show(self.grad)})"

    def __format__(self, spec: str) -> str:
        return format(self.data, spec) if spec else repr(self)

    def __float__(self) -> float:
        return self.data

    def item(self) -> float:
        """Return the number as a Python float.

        >>> import minigrad as mg
        >>> mg.Value(2).item()
        2.0
        """
        return self.data

    def detach(self) -> Value:
        """Return a new Value with the same number, cut from the graph (no grad).

        >>> import minigrad as mg
        >>> mg.Value(2.0).detach().requires_grad
        False
        """
        return Value(self.data, requires_grad=False)

    @property
    def is_leaf(self) -> bool:
        """True for a Value made by the user rather than by an op that records a graph."""
        return self._rule is None

    # --- backward -------------------------------------------------------------------------

    def backward(self, grad: float = 1.0, *, create_graph: bool = False) -> None:
        """Add d(self)/d(v) · grad into ``v.grad`` for every Value ``v`` this one depends on.

        Every Value in the graph that requires grad receives its gradient, leaves and
        intermediates alike. Each call adds its own gradients: calling it twice gives twice
        the gradients, so zero them between training steps (``opt.zero_grad()``).

        Args:
            grad: The upstream gradient dL/d(self); 1.0 for a loss.
            create_graph: Record the backward pass as a graph so that the gradients are
                Values that can be differentiated again (higher-order derivatives). As in
                PyTorch, only leaves then receive ``.grad``; and a leaf's ``.grad`` refers
                back to the leaf, so set it to 0.0 when done to free the graph at once.

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
                run_backward(self, seed, VALUE_MATH)
        else:
            backward_floats(self, grad if grad.__class__ is float else as_float(grad, "grad"))

    # --- arithmetic -----------------------------------------------------------------------

    # Value (+ - *) float or Value is the hottest path of a training loop: it computes the
    # forward inline (the same expression as the rule's forward) and skips _binary's checks:
    # about 100 ns (30%) faster per op with a float; with a Value, 6.7k -> 5.0k instructions
    # (callgrind). Everything else (ints, numpy scalars, ...) goes through _binary.

    def __add__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(ADD, self.data + other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(ADD, self.data + other.data, self, other)
        return _binary(ADD, self, other)

    def __radd__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(ADD, other + self.data, self, (other, self))
        return _binary(ADD, other, self)

    def __sub__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(SUB, self.data - other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(SUB, self.data - other.data, self, other)
        return _binary(SUB, self, other)

    def __rsub__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(SUB, other - self.data, self, (other, self))
        return _binary(SUB, other, self)

    def __mul__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(MUL, self.data * other, self, (self, other))
        if other.__class__ is Value or other.__class__ is Parameter:
            return _link2(MUL, self.data * other.data, self, other)
        return _binary(MUL, self, other)

    def __rmul__(self, other: Operand) -> Value:
        if other.__class__ is float:
            return _link(MUL, other * self.data, self, (other, self))
        return _binary(MUL, other, self)

    def __truediv__(self, other: Operand) -> Value:
        return _binary(DIV, self, other)

    def __rtruediv__(self, other: Operand) -> Value:
        return _binary(DIV, other, self)

    def __pow__(self, other: Operand) -> Value:
        if other.__class__ is int or other.__class__ is float:  # x ** 2: the squared error
            c = float(other)
            x = self.data
            # x * x is POW_CONST's forward for c = 2, without the call (about 10% of an op).
            return _link(POW_CONST, x * x if c == 2.0 else POW_CONST.forward(x, c), self, (self, c))
        return power(self, other)

    def __rpow__(self, other: Operand) -> Value:
        return power(other, self)

    def __neg__(self) -> Value:
        return _unary(NEG, self)

    def __pos__(self) -> Value:
        return self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    # --- comparisons: on .data, returning bool ---------------------------------------------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _compare_key(other)

    def __le__(self, other: Operand) -> bool:
        return self.data <= _compare_key(other)

    def __gt__(self, other: Operand) -> bool:
        return self.data > _compare_key(other)

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _compare_key(other)

    # No __eq__: == stays identity, so the inherited C-level hash is kept and a Value is a
    # fast dict key (the backward pass keys its dicts by node).

    # --- methods --------------------------------------------------------------------------

    def exp(self) -> Value:
        """e^x. See `minigrad.exp`."""
        return _unary(EXP, self)

    def log(self) -> Value:
        """Natural logarithm. See `minigrad.log`."""
        return _unary(LOG, self)

    def sqrt(self) -> Value:
        """Square root. See `minigrad.sqrt`."""
        return _unary(SQRT, self)

    def sin(self) -> Value:
        """Sine. See `minigrad.sin`."""
        return _unary(SIN, self)

    def cos(self) -> Value:
        """Cosine. See `minigrad.cos`."""
        return _unary(COS, self)

    def tanh(self) -> Value:
        """Hyperbolic tangent. See `minigrad.tanh`."""
        return _unary(TANH, self)

    def sigmoid(self) -> Value:
        """Logistic sigmoid 1 / (1 + e^−x). See `minigrad.sigmoid`."""
        return _unary(SIGMOID, self)

    def relu(self) -> Value:
        """max(x, 0). See `minigrad.relu`."""
        return _unary(RELU, self)

    def abs(self) -> Value:
        """|x|. See `minigrad.abs`."""
        return _unary(ABS, self)

    # --- numpy ----------------------------------------------------------------------------

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        """Let numpy ufuncs and numpy scalars on the left of an operator give Values."""
        return _numpy_ufunc(ufunc, method, inputs, kwargs)


class Parameter(Value):
    """A trainable leaf: a Value that always requires grad, with an optional name.

    Args:
        data: The initial number.
        name: A label shown in its repr, in graph drawings and in error messages.

    Example:
        >>> import minigrad as mg
        >>> mg.Parameter(-2.0, name="a")
        Parameter(name='a', data=-2.0, grad=0.0)
    """

    __slots__ = ("name",)

    name: str | None

    def __init__(self, data: float, name: str | None = None) -> None:
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Parameter name must be a str or None; got {_describe(name)}")
        super().__init__(data, requires_grad=True)
        self.name = name

    def __repr__(self) -> str:
        label = "" if self.name is None else f"name={self.name!r}, "
        return f"Parameter({label}data={self.data!r}, grad={_show(self.grad)})"


def _show(grad: Any) -> str:
    return f"Value({grad.data!r})" if isinstance(grad, Value) else repr(grad)


def _compare_key(other: object) -> float:
    if isinstance(other, Value):
        return other.data
    return as_float(other, "comparison operand")


# --- recording nodes ---------------------------------------------------------------------------
# The hot path of the whole library: every op on Values ends in _link (one Value input) or
# _binary (two); both fall back to _record for everything but "grad on, no anomaly".


def _operand(rule: Rule, x: object) -> float:
    return as_float(x, f"{rule.name}: operand")


def _node(rule: Rule, data: float, args: tuple[Any, ...]) -> Value:
    """A new node of the graph: `rule` applied to `args` gave `data`."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.requires_grad = True
    out._rule = rule
    out._args = args
    out._uses = 0
    for arg in args:
        if arg.__class__ is not float:
            arg._uses += 1
    return out


def _constant(data: float) -> Value:
    """A result that records no graph (no input requires grad, or grad mode is off)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.requires_grad = False
    out._rule = None
    out._args = ()
    out._uses = 0
    return out


def _record(
    rule: Rule, data: float, args: tuple[Any, ...] | None, inputs: tuple[float, ...]
) -> Value:
    """The output of `rule`: a node when `args` needs grad and grad mode is on. Checks anomalies."""
    out = _node(rule, data, args) if args is not None and _state.grad_enabled else _constant(data)
    if _state.anomaly:
        anomaly.check_forward(out, rule, inputs)
    return out


# _link, _link2 and _binary repeat _node's few lines rather than call it: a call costs about as
# much as the rest of an op here (measured with callgrind). _state.plain is "grad on, no
# anomaly", read only while some thread has switched a mode (modes.special_threads).


def _link(rule: Rule, data: float, value: Value, args: tuple[Any, ...]) -> Value:
    """The output of an op whose only Value input is `value`, its forward already computed."""
    if value.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.requires_grad = True
        out._rule = rule
        out._args = args
        out._uses = 0
        value._uses += 1
        return out
    inputs = tuple(a if a.__class__ is float else a.data for a in args)
    return _record(rule, data, args if value.requires_grad else None, inputs)


def _link2(rule: Rule, data: float, a: Value, b: Value) -> Value:
    """The output of an op on two Values, its forward already computed."""
    if a.requires_grad and b.requires_grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.data = data
        out.grad = 0.0
        out.requires_grad = True
        out._rule = rule
        out._args = (a, b)
        out._uses = 0
        a._uses += 1
        b._uses += 1
        return out
    # An input that needs no gradient is kept as its float, as in _binary; `data` is reused.
    if not b.requires_grad:
        return _link(rule, data, a, (a, b.data))
    if not a.requires_grad:
        return _link(rule, data, b, (a.data, b))
    return _record(rule, data, (a, b), (a.data, b.data))  # grad mode off, or anomaly mode


def _unary(rule: Rule, x: Any) -> Value:
    """Apply a one-input rule to a Value or a number."""
    if x.__class__ is Value or isinstance(x, Value):
        return _link(rule, rule.forward(x.data), x, (x,))
    xd = _operand(rule, x)
    return _record(rule, rule.forward(xd), None, (xd,))


def _binary(rule: Rule, a: Any, b: Any) -> Value:
    """Apply a two-input rule. NotImplemented for an n-d numpy array, which numpy broadcasts."""
    # An input that needs no gradient is stored as its float: the walk skips floats.
    grad = False
    if a.__class__ is Value or isinstance(a, Value):
        ad = a.data
        if a.requires_grad:
            grad = True
        else:
            a = ad
    elif a.__class__ is float:
        ad = a
    else:
        converted = _array_or_number(rule, a)
        if converted is None:
            return NotImplemented  # type: ignore[no-any-return]  # numpy broadcasts it
        a = ad = converted
    if b.__class__ is Value or isinstance(b, Value):
        bd = b.data
        if b.requires_grad:
            grad = True
        else:
            b = bd
    elif b.__class__ is float:
        bd = b
    else:
        converted = _array_or_number(rule, b)
        if converted is None:
            return NotImplemented  # type: ignore[no-any-return]
        b = bd = converted
    if grad and (modes.special_threads == 0 or _state.plain):
        out = _new(Value)
        out.data = rule.forward(ad, bd)
        out.grad = 0.0
        out.requires_grad = True
        out._rule = rule
        out._args = (a, b)
        out._uses = 0
        if a.__class__ is not float:
            a._uses += 1
        if b.__class__ is not float:
            b._uses += 1
        return out
    return _record(rule, rule.forward(ad, bd), (a, b) if grad else None, (ad, bd))


def _array_or_number(rule: Rule, x: object) -> float | None:
    """`x` as a float; None for an n-d numpy array; TypeError for anything else."""
    if x.__class__ is int:
        return float(x)
    np = sys.modules.get("numpy")
    if np is not None and isinstance(x, np.ndarray) and x.ndim > 0:
        return None
    return _operand(rule, x)


def _nary(rule: Rule, *xs: object) -> Value:
    grad = False
    args: list[Any] = []
    inputs: list[float] = []
    for x in xs:
        if isinstance(x, Value):
            inputs.append(x.data)
            if x.requires_grad:
                grad = True
                args.append(x)
            else:
                args.append(x.data)
        else:
            number = _operand(rule, x)
            inputs.append(number)
            args.append(number)
    return _record(rule, rule.forward(*inputs), tuple(args) if grad else None, tuple(inputs))


def power(base: object, exponent: object) -> Value:
    """base ** exponent, with a constant-exponent rule when the exponent needs no gradient."""
    if isinstance(exponent, Value) and exponent.requires_grad:
        return _binary(POW, base, exponent)
    if isinstance(base, Value):
        return _binary(POW_CONST, base, exponent)
    return _binary(POW, base, exponent)


def binary(rule: Rule) -> Callable[[object, object], Value]:
    """The function that applies a two-input rule to Values or numbers (no arrays)."""

    def apply(a: object, b: object) -> Value:
        out = _binary(rule, a, b)
        if out is NotImplemented:
            raise TypeError(f"{rule.name}: operands must be Values or {ACCEPTED}, not arrays")
        return out

    apply.__name__ = rule.name
    return apply


maximum = binary(MAXIMUM)
minimum = binary(MINIMUM)


def clamp(x: object, lo: object = None, hi: object = None) -> Value:
    """x limited to [lo, hi]; see `minigrad.clamp`."""
    if lo is None and hi is None:
        raise ValueError("clamp() needs at least one bound: lo or hi (got None for both)")
    return _nary(CLAMP, x, -float("inf") if lo is None else lo, float("inf") if hi is None else hi)


def unary(rule: Rule) -> Callable[[object], Value]:
    """The function that applies a one-input rule to a Value or a number."""

    def apply(x: object) -> Value:
        return _unary(rule, x)

    apply.__name__ = rule.name
    return apply


class _ValueMath:
    """The backward formulas' functions on Values: ``create_graph=True`` runs rules on these."""

    div = staticmethod(binary(DIV))
    pow = staticmethod(power)
    pow_const = staticmethod(binary(POW_CONST))
    exp = staticmethod(unary(EXP))
    log = staticmethod(unary(LOG))
    sin = staticmethod(unary(SIN))
    cos = staticmethod(unary(COS))
    sign = staticmethod(unary(SIGN))


VALUE_MATH = _ValueMath()


# --- numpy interop -----------------------------------------------------------------------------

_UFUNCS: dict[str, Callable[..., Any]] = {
    "exp": unary(EXP),
    "log": unary(LOG),
    "sqrt": unary(SQRT),
    "sin": unary(SIN),
    "cos": unary(COS),
    "tanh": unary(TANH),
    "absolute": unary(ABS),
    "negative": unary(NEG),
    "sign": unary(SIGN),
    "add": binary(ADD),
    "subtract": binary(SUB),
    "multiply": binary(MUL),
    "divide": binary(DIV),
    "true_divide": binary(DIV),
    "power": power,
    "maximum": maximum,
    "minimum": minimum,
    "less": lambda a, b: _compare_key(a) < _compare_key(b),
    "less_equal": lambda a, b: _compare_key(a) <= _compare_key(b),
    "greater": lambda a, b: _compare_key(a) > _compare_key(b),
    "greater_equal": lambda a, b: _compare_key(a) >= _compare_key(b),
}


def _numpy_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    impl = _UFUNCS.get(ufunc.__name__)
    if method != "__call__" or impl is None or kwargs:
        raise TypeError(
            f"numpy.{ufunc.__name__}{'' if method == '__call__' else '.' + method} with "
            f"keyword arguments {sorted(kwargs)} is not supported on minigrad Values"
            if kwargs and impl is not None and method == "__call__"
            else f"numpy.{ufunc.__name__}"
            f"{'' if method == '__call__' else '.' + method} is not supported on minigrad "
            f"Values; supported ufuncs: {', '.join(sorted(_UFUNCS))}"
        )
    np = sys.modules["numpy"]
    if any(isinstance(x, np.ndarray) and x.ndim > 0 for x in inputs):
        # Broadcast as numpy does, element by element, into an object array of Values.
        # Values go in as 0-d object arrays, so numpy does not hand the call back to us.
        wrapped = [np.array(x, dtype=object) if isinstance(x, Value) else x for x in inputs]
        return np.frompyfunc(impl, len(inputs), 1)(*wrapped)
    return impl(*inputs)
