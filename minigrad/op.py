"""`Op`: an operation defined once — its forward on floats and its local derivative.

This is the mechanism every built-in operation uses (`minigrad.ops` is a list of `Op`
definitions) and the one a user has for an operation of their own:

```python
softplus = mg.Op(
    "softplus",  # log(1 + eˣ), written so that it never overflows
    forward=lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
    backward=lambda m, g, out, x: (g * m.sigmoid(x),),
)
softplus(mg.Value(0.5)).backward()
```

An `Op` is called like a function on Values or numbers and returns a `Value`. From its one
definition the engine, `mg.compile`, `gradcheck`, `detect_anomaly`, graph drawings and the docs'
derivative table all work.

The backward formula
--------------------
``backward(m, g, out, *xs)`` returns one gradient per input: the upstream gradient ``g``
(∂L/∂out) times the local partial derivative ∂out/∂xᵢ. It is written once and runs on two kinds
of numbers:

* on a plain ``backward()``, ``g``, ``out`` and ``xs`` are floats and ``m`` is `FLOATS`, whose
  functions compute floats;
* under ``backward(create_graph=True)`` or a nested ``mg.grad`` they are Values and ``m`` is
  `VALUES`, whose functions record a graph, so the same formula can be differentiated again.

So a formula uses only ``+ - *``, unary ``-`` and ``m.<op>(...)`` (``m.div``, ``m.exp``,
``m.pow_const``, … one for every built-in op). Where it must choose a branch (a kink, a tie, a
zero), it decides on numbers: ``m.data(x)`` is the float of ``x`` on both kinds, while ``==``
on Values means "the same object". A test runs every built-in rule with numbers that refuse
``==`` and ``bool()``, so a branch on anything but ``m.data`` fails.
"""

from __future__ import annotations

from minigrad import modes
from minigrad.numbers import ACCEPTED, as_float, data_of

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["FLOATS", "VALUES", "Namespace", "Op", "always_smooth"]


def always_smooth(*xs: float) -> bool:
    """The default `Op.smooth`: the op is smooth everywhere."""
    return True


class Namespace:
    """The functions a backward formula calls as ``m.<name>``: one per registered op.

    `FLOATS` maps each name to the op's forward on floats; `VALUES` to the op itself, which
    records a node. ``m.data(x)`` is ``x``'s float on both.
    """

    def __init__(self, kind: str, data: Callable[[Any], float]) -> None:
        self.kind = kind
        self.data = data

    def __repr__(self) -> str:
        return f"<minigrad.op.{self.kind.upper()}>"

    # No __getattr__ at run time (for a kinder error on a missing name): a class with one loses
    # CPython's fast attribute lookup, and every m.<op> in a backward formula would pay for it.
    if TYPE_CHECKING:  # for mypy: m.<op> is one of the registered ops

        def __getattr__(self, name: str) -> Callable[..., Any]: ...


FLOATS = Namespace("floats", float)
"""``m`` on a plain backward: each op's forward on floats."""


def _value_data(x: Any) -> float:
    """``m.data(x)`` on Values: the number (refused while `mg.compile` traces a gradient)."""
    if modes.special_threads and modes.state.trace is not None and x.__class__ is not float:
        return modes.state.trace.formula_data(x)  # type: ignore[no-any-return]
    return data_of(x)


VALUES = Namespace("values", _value_data)
"""``m`` under ``create_graph``: each op itself, recording a node."""

_RESERVED = frozenset({"data", "kind"})


class Op:
    """An operation on Values: its forward on floats and its local derivative, defined once.

    Args:
        name: A Python identifier, shown in graphs, errors and the docs.
        forward: ``forward(*xs) -> float`` on floats. It should follow IEEE 754 the way
            PyTorch (float64) does: return ``inf``/``nan`` rather than raise.
        backward: ``backward(m, g, out, *xs) -> tuple``: one gradient per input, ``g`` times
            the local derivative ∂out/∂xᵢ (see the module docs for ``m``).
        arity: The number of inputs; by default, from ``forward``'s signature.
        formula: ``f`` in words a reader checks against the code ("log(1 + eˣ)").
        derivative: The partial derivatives as math ("∂x = σ(x)").
        edges: The conventions at edge points (kinks, poles, overflow).
        smooth: ``smooth(*xs) -> bool``, True where the op is smooth near ``xs`` (away from
            kinks and poles): `minigrad.testing` samples gradient checks there.
        method: Also make the op a method of `Value` under this name (``x.exp()``). Only for
            the built-in ops, which minigrad reads when it is imported.
        ufunc: The numpy ufunc(s) whose call on a Value applies this op (``"exp"``). Only for
            the built-in ops, as ``method``.
        register: Make the op reachable as ``m.<name>`` in every backward formula (the
            built-in ops are). Registering a name again replaces the user op registered
            under it (as re-running a notebook cell does); a built-in's name is refused.
        check: Check what ``backward`` returns (one real number or Value per input) and name
            the op in any error it raises. The built-in ops, which the test suite holds to
            their formulas, skip it for speed.

    Raises:
        TypeError: ``name`` is not a str, ``forward``/``backward``/``smooth`` are not callable,
            or ``arity`` is not an int.
        ValueError: ``name`` is not an identifier, ``arity`` < 1, ``register=True`` with the
            name of a built-in op (or ``data``/``kind``, which ``m`` has itself), or
            ``method``/``ufunc`` for an op defined after minigrad was imported.

    Example:
        >>> import math, minigrad as mg
        >>> softplus = mg.Op(
        ...     "softplus",  # log(1 + eˣ), written so that it never overflows
        ...     forward=lambda x: max(x, 0.0) + math.log1p(math.exp(-abs(x))),
        ...     backward=lambda m, g, out, x: (g * m.sigmoid(x),),
        ... )
        >>> x = mg.Value(0.0)
        >>> softplus(x).backward()
        >>> x.grad
        0.5
    """

    __slots__ = (
        "arity",
        "backward",
        "check",
        "derivative",
        "edges",
        "formula",
        "forward",
        "method",
        "name",
        "smooth",
        "ufunc",
        "user_backward",
    )

    name: str
    arity: int
    forward: Callable[..., float]
    backward: Callable[..., Any]
    user_backward: Callable[..., Any]
    formula: str
    derivative: str
    edges: str
    smooth: Callable[..., bool]
    method: str | None
    ufunc: tuple[str, ...]
    check: bool

    def __init__(
        self,
        name: str,
        forward: Callable[..., float],
        backward: Callable[..., Any],
        *,
        arity: int | None = None,
        formula: str = "",
        derivative: str = "",
        edges: str = "",
        smooth: Callable[..., bool] = always_smooth,
        method: str | None = None,
        ufunc: str | tuple[str, ...] = (),
        register: bool = False,
        check: bool = True,
    ) -> None:
        if not isinstance(name, str):
            raise TypeError(f"Op name must be a str; got {type(name).__name__} {name!r}")
        if not name.isidentifier():
            raise ValueError(f"Op name must be a Python identifier; got {name!r}")
        for label, fn in (("forward", forward), ("backward", backward), ("smooth", smooth)):
            if not callable(fn):
                raise TypeError(f"Op {name!r}: {label} must be callable; got {fn!r}")
        if arity is None:
            arity = _arity_of(name, forward)
        if not isinstance(arity, int) or isinstance(arity, bool):
            raise TypeError(f"Op {name!r}: arity must be an int; got {arity!r}")
        if arity < 1:
            raise ValueError(f"Op {name!r}: arity must be at least 1; got {arity}")
        self.name = name
        self.arity = arity
        self.forward = forward
        self.user_backward = backward
        self.backward = _checked(self, backward) if check else backward
        self.check = check
        self.formula = formula
        self.derivative = derivative
        self.edges = edges
        self.smooth = smooth
        self.method = method
        self.ufunc = (ufunc,) if isinstance(ufunc, str) else tuple(ufunc)
        if (method is not None or ufunc) and _record is not _no_recorder:
            raise ValueError(
                f"Op {name!r}: method= and ufunc= name the Value method and numpy ufunc of a "
                "built-in op (minigrad/ops.py), read once when minigrad is imported; an op "
                f"defined later is called as a function: {name}(x)"
            )
        if register:
            taken = getattr(VALUES, name, None) if name in VALUES.__dict__ else None
            if name in _RESERVED or (taken is not None and not taken.check):
                raise ValueError(f"Op {name!r}: the name is taken by a built-in op or by m")
            setattr(FLOATS, name, forward)
            setattr(VALUES, name, self)

    def __call__(self, *xs: object) -> Any:
        """Apply the op to Values or numbers; the Value requires grad when an input does."""
        if len(xs) != self.arity:
            raise TypeError(f"{self.name}() takes {self.arity} input(s); got {len(xs)}")
        out = _record(self, *xs)
        if out is NotImplemented:  # an n-d array: only an operator lets numpy broadcast it
            raise TypeError(f"{self.name}: operands must be Values or {ACCEPTED}, not arrays")
        return out

    def call_forward(self, *xs: float) -> float:
        """The forward on floats, its result a float; an error it raises names the op.

        How every call of an op computes its value: `minigrad.value.record` and the code
        `mg.compile` writes for a user's op.
        """
        try:
            data = self.forward(*xs)
        except Exception as error:
            if hasattr(error, "add_note"):  # Python 3.11+
                error.add_note(f"(raised by the forward of op {self.name!r})")
            raise
        if data.__class__ is float:
            return data
        return as_float(data, f"the forward of op {self.name!r} returned a value that")

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __deepcopy__(self, memo: dict[int, Any]) -> Op:
        """An op is a definition, as a function is: a deep copy of a graph shares it."""
        return self


def _arity_of(name: str, forward: Callable[..., float]) -> int:
    code = getattr(forward, "__code__", None)
    bound = hasattr(forward, "__self__")
    if code is not None and not bound and not code.co_flags & 0x04:  # a function, no *args
        return int(code.co_argcount) - len(getattr(forward, "__defaults__", None) or ())
    import inspect  # builtins and callables: only then, so `import minigrad` stays light

    try:
        params = inspect.signature(forward).parameters.values()
    except (TypeError, ValueError):
        raise TypeError(f"Op {name!r}: cannot read forward's arguments; pass arity=") from None
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    count = sum(1 for p in params if p.kind in kinds and p.default is p.empty)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in params):
        raise TypeError(f"Op {name!r}: forward takes *args; pass arity=")
    return count


def _checked(op: Op, backward: Callable[..., Any]) -> Callable[..., Any]:
    """``backward`` with what it returns checked, and the op named in any error it raises."""
    name, arity = op.name, op.arity

    def checked_backward(m: Namespace, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        try:
            grads = backward(m, g, out, *xs)
        except Exception as error:
            add_note = getattr(error, "add_note", None)  # Python 3.11+
            if add_note is not None:
                add_note(f"(raised by the backward of op {name!r})")
                if isinstance(error, AttributeError) and getattr(error, "obj", None) is m:
                    add_note(
                        f"m.{error.name} is not a registered op: a backward formula can call "
                        "m.<op> for the built-in ops (minigrad.ops.REGISTRY) and the ops made "
                        "with Op(register=True)"
                    )
            raise
        if not isinstance(grads, tuple | list) or len(grads) != arity:
            raise TypeError(
                f"the backward of op {name!r} must return a tuple of {arity} gradient(s), one "
                f"per input; it returned {_short(grads)}"
            )
        return tuple(_gradient(name, i, x, m) for i, x in enumerate(grads))

    return checked_backward


def _gradient(name: str, index: int, x: Any, m: Namespace) -> Any:
    cls = x.__class__
    if cls is float:
        return x
    if hasattr(x, "requires_grad") and hasattr(x, "number"):  # a Value
        return x.number if m is FLOATS else x
    try:
        return as_float(x, f"the gradient of input {index}")
    except (TypeError, ValueError) as error:  # the same error, naming the op
        raise type(error)(f"the backward of op {name!r}: {error}") from None


def _short(x: object) -> str:
    text = repr(x)
    return f"{type(x).__name__} {text[:57] + '...' if len(text) > 60 else text}"


def _no_recorder(op: Op, *xs: object) -> Any:  # pragma: no cover - import order
    raise RuntimeError("minigrad.value is not imported: import minigrad first")


_record: Callable[..., Any] = _no_recorder


def set_recorder(record: Callable[..., Any]) -> None:
    """How an op call makes its Value: `minigrad.value.record`, handed over at its import.

    `Op` sits below `Value` (Value's operators are built-in ops), so the function that makes
    Values is handed to it here rather than imported, which would be an import circle.
    """
    global _record
    _record = record
