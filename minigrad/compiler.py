"""`mg.compile`: trace a function once, then run its forward and backward pass as plain Python.

``mg.value_and_grad(f)`` rebuilds the graph on every call: one `Value` per operation, then a
walk over it. ``mg.compile(f)`` calls ``f`` once with Values, reads the graph it recorded (each
node's ``_rule`` and ``_args``) and writes it out as straight-line Python: one line per
operation for the forward pass, then the chain rule from the output back to the inputs. The
result is compiled with `compile` and returns what ``value_and_grad`` returns, without
building a graph. For the seed's line fit the generated code is the hand derivation itself::

    t3 = t2 * t2               # (ŷ − y)²
    g_t2 = 2.0 * t2            # 2·(ŷ − y)
    g_a = g_t2 * x             # dL/da = 2·(ŷ − y)·x

Its text is kept in ``.source``: a reader sees the derivatives a graph computes.

The math comes from one place, the rule table `minigrad.ops.RULES`:

* a forward that only uses ``+ - *`` becomes an inline expression, any other forward a call to
  the rule's own IEEE float function (``log(0)`` is ``-inf``, never an exception);
* each rule's ``backward`` is run once on symbolic numbers whose operators write expressions,
  with ``m.div``/``m.pow``/... written out the same way as a forward, or as calls to the IEEE
  helpers of `minigrad.ops.FLOAT_MATH`;
* a backward that branches on the numbers (``relu``, ``maximum``, ``clamp``, ``pow`` at 0...)
  cannot be written out once for all inputs: the generated code calls that rule's backward at
  run time, so both sides of every kink stay right.

Limits: ``f`` is traced once per number of arguments, so Python control flow on a traced value
(``if a > 0:``, ``max(a, b)``, ``float(a)``) raises `TracingError` (use ``mg.maximum``,
``mg.relu``, ``mg.clamp``...). Literal numbers in ``f`` are constants; so is anything ``f``
computes under ``no_grad()`` or reads through ``.data``. Values that ``f`` uses without taking
them as arguments (e.g. a model's Parameters) are read afresh at each call but get no gradient,
as with ``value_and_grad``. Anomaly mode does not apply to the compiled code.
"""

from __future__ import annotations

import builtins
import functools
import inspect
import keyword
import math
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from minigrad import modes
from minigrad.autograd import Argnums, _check_argnums, resolve_argnums
from minigrad.backprop import topological_order
from minigrad.ops import FLOAT_MATH, RULES
from minigrad.value import Value, as_float

__all__ = ["CompiledFunction", "TracingError", "compile"]


class TracingError(TypeError):
    """Python control flow on a traced Value: `compile` cannot follow a data-dependent branch."""


class CompiledFunction(Protocol):
    """What `compile` returns: ``f``'s value and gradient, computed by generated code.

    Attributes:
        source: The generated Python of the most recent trace (None before the first call).
        sources: The generated Python for each number of arguments traced so far.
    """

    source: str | None
    sources: dict[int, str]

    def __call__(self, *args: Any) -> tuple[float, Any]: ...  # noqa: D102 (see compile)


# --- symbolic numbers: run a rule's formula once to write it out as Python -------------------

_SUM, _PRODUCT, _NEGATION, _ATOM = 1, 2, 3, 4  # operator precedence, loosest first


class _BranchError(Exception):
    """A formula asked for the truth value of a symbolic number: it branches on the data."""


class _Sym:
    """A number known only by the Python expression that computes it.

    ``+ - *`` and unary ``-`` give new expressions; anything that needs the number itself (a
    comparison, ``bool``, ``/`` or ``math.*``) raises, which tells the caller that this formula
    cannot be written out once for all inputs. The rewrites below are exact in IEEE arithmetic
    (``1·x = x``, ``−(−x) = x``): the generated code computes bit for bit what the rule
    computes.
    """

    __slots__ = ("negated", "precedence", "text")

    def __init__(self, text: str, precedence: int = _ATOM, negated: _Sym | None = None) -> None:
        self.text = text
        self.precedence = precedence
        self.negated = negated  # for -x: x itself

    @property
    def is_name(self) -> bool:
        return self.text.isidentifier()

    def __add__(self, other: object) -> Any:
        return _binop(self, "+", other)

    def __radd__(self, other: object) -> Any:
        return _binop(other, "+", self)

    def __sub__(self, other: object) -> Any:
        return _binop(self, "-", other)

    def __rsub__(self, other: object) -> Any:
        return _binop(other, "-", self)

    def __mul__(self, other: object) -> Any:
        return _binop(self, "*", other)

    def __rmul__(self, other: object) -> Any:
        return _binop(other, "*", self)

    def __neg__(self) -> _Sym:
        if self.negated is not None:
            return self.negated
        return _Sym("-" + _wrap(self, _NEGATION), _NEGATION, negated=self)

    def __pos__(self) -> _Sym:
        return self

    def _branch(self, *args: object) -> bool:
        raise _BranchError

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = _branch
    __hash__ = None  # type: ignore[assignment]


def _literal(c: float) -> _Sym:
    """A float constant as Python source (``inf`` and ``nan`` are names in the namespace)."""
    if c != c:
        return _Sym("nan")
    if c in (math.inf, -math.inf):
        return _Sym("inf") if c > 0 else _Sym("-inf", _NEGATION, negated=_Sym("inf"))
    text = repr(float(c))
    return _Sym(text, _NEGATION) if text.startswith("-") else _Sym(text)


def _sym(x: object) -> _Sym:
    if isinstance(x, _Sym):
        return x
    if isinstance(x, int | float):
        return _literal(float(x))
    raise TypeError(f"cannot write {type(x).__name__} {x!r} as an expression")


def _wrap(x: _Sym, precedence: int, right: bool = False) -> str:
    # Floats are not associative, so a right operand at the same level keeps its parentheses.
    if x.precedence < precedence or (right and x.precedence == precedence):
        return f"({x.text})"
    return x.text


def _binop(left: object, op: str, right: object) -> Any:
    if op == "*":
        if not isinstance(left, _Sym) and left == 1.0:
            return right
        if not isinstance(right, _Sym) and right == 1.0:
            return left
        if not isinstance(left, _Sym) and left == -1.0:
            return -_sym(right)
        if not isinstance(right, _Sym) and right == -1.0:
            return -_sym(left)
    precedence = _PRODUCT if op == "*" else _SUM
    a, b = _sym(left), _sym(right)
    return _Sym(f"{_wrap(a, precedence)} {op} {_wrap(b, precedence, right=True)}", precedence)


class _SymMath:
    """``m`` for symbolic numbers: ``m.div(a, b)`` writes ``div(a, b)``, a FLOAT_MATH call.

    As for a rule's forward, a function that needs no number is written out instead (its
    ``x * x`` for ``pow_const(x, 2.0)``), and one of constants only is folded now.
    """

    def __getattr__(self, name: str) -> Callable[..., Any]:
        if name.startswith("_") or not callable(getattr(FLOAT_MATH, name, None)):
            raise AttributeError(name)

        def call(*xs: object) -> Any:
            inline = _symbolic(getattr(FLOAT_MATH, name), *xs)
            if inline is not None:
                return inline
            return _Sym(f"{name}({', '.join(_sym(x).text for x in xs)})")

        return call


_SYM_MATH = _SymMath()


def _symbolic(formula: Callable[..., Any], *args: object) -> Any:
    """The formula written out as expressions, or None where it branches on the data."""
    try:
        return formula(*args)
    except (_BranchError, TypeError, AttributeError):
        return None


# --- the namespace the generated code runs in ------------------------------------------------


def _math_names() -> dict[str, Callable[..., float]]:
    names: dict[str, Callable[..., float]] = {}
    for name in dir(FLOAT_MATH):
        fn = getattr(FLOAT_MATH, name)
        if not name.startswith("_") and callable(fn):
            names[name] = fn
    return names


def _namespace() -> tuple[dict[str, Any], dict[str, str], dict[str, str]]:
    """Globals for generated code, plus each rule's forward and backward name in them."""
    space: dict[str, Any] = {"inf": math.inf, "nan": math.nan, "FLOAT_MATH": FLOAT_MATH}
    space.update(_math_names())
    by_function = {id(fn): name for name, fn in _math_names().items()}
    forward_names, backward_names = {}, {}
    for rule in RULES.values():
        name = by_function.get(id(rule.forward))
        if name is None:
            name = rule.name if rule.name not in space else f"{rule.name}_forward"
            space[name] = rule.forward
            by_function[id(rule.forward)] = name
        forward_names[rule.name] = name
        backward_names[rule.name] = f"{rule.name}_backward"
        space[f"{rule.name}_backward"] = rule.backward
    return space, forward_names, backward_names


# --- tracing ---------------------------------------------------------------------------------

_GUARDED = {
    "__bool__": "`if`, `while`, `and`/`or` or `not` on a traced Value",
    "__lt__": "comparing a traced Value (<, max(), min(), sorted())",
    "__le__": "comparing a traced Value (<=)",
    "__gt__": "comparing a traced Value (>, max(), min())",
    "__ge__": "comparing a traced Value (>=)",
    "__float__": "reading a traced Value's number (float(), math.<fn>())",
    "item": "reading a traced Value's number (.item())",
}
_MISSING = object()
_patch_lock = threading.Lock()
_originals: dict[str, object] = {}  # what the guards replaced, while any thread traces
_tracers = 0  # threads tracing right now
_thread = threading.local()  # .depth: how many traces this thread is inside


def _control_flow_error(what: str) -> TracingError:
    return TracingError(
        f"mg.compile: data-dependent control flow: {what} inside the traced function. compile "
        "traces the function once and replays the same straight-line code for every input, "
        "so a branch chosen by this input's numbers cannot be recorded. Write it with ops "
        "that choose per input instead: mg.maximum / mg.minimum instead of max() / min() or "
        "`if a > b`, mg.relu, mg.clamp, mg.abs, mg.sign, and mg.exp / mg.log ... instead of "
        "math.*; or call the function without compile (mg.value_and_grad)."
    )


def _guard(name: str, inherited: object) -> Callable[..., Any]:
    def guarded(self: Value, *args: Any) -> Any:
        if getattr(_thread, "depth", 0):
            raise _control_flow_error(_GUARDED[name])
        if inherited is _MISSING:
            return True  # no __bool__ anywhere: an object is true
        return cast(Callable[..., Any], inherited)(self, *args)

    guarded.__name__ = name
    return guarded


@contextmanager
def _tracing() -> Iterator[None]:
    """Make Python control flow on Values raise in this thread while ``f`` is traced.

    The guards sit on `Value` only while some thread traces, and raise only in a thread that
    traces: in other threads they do what the methods they replace do.
    """
    global _tracers
    with _patch_lock:
        if _tracers == 0:
            for name in _GUARDED:
                _originals[name] = Value.__dict__.get(name, _MISSING)  # to put back
                setattr(Value, name, _guard(name, getattr(Value, name, _MISSING)))
        _tracers += 1
    _thread.depth = getattr(_thread, "depth", 0) + 1
    try:
        yield
    finally:
        _thread.depth -= 1
        with _patch_lock:
            _tracers -= 1
            if _tracers == 0:
                for name, original in _originals.items():
                    if original is _MISSING:
                        delattr(Value, name)  # inherited again, as before
                    else:
                        setattr(Value, name, original)
                _originals.clear()


def _as_floats(*args: object) -> tuple[float, ...]:
    """The arguments as floats, or a TypeError naming the one that is not a number."""
    numbers = []
    for i, x in enumerate(args):
        if isinstance(x, Value):
            raise TypeError(
                f"mg.compile: argument {i} is a Value; a compiled function takes plain numbers "
                "(pass .data, or use mg.value_and_grad to differentiate through Values)"
            )
        numbers.append(as_float(x, f"mg.compile: argument {i}"))
    return tuple(numbers)


# --- code generation -------------------------------------------------------------------------

_RESERVED = re.compile(r"^(t\d+|p\d+|d\d+_\d+|g_.*|_.*|float|as_floats)$")


def _input_names(f: Callable[..., Any], arity: int, space: dict[str, Any]) -> list[str]:
    """Names for the inputs: ``f``'s parameter names where they are free to use, else ``xI``."""
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names: list[str] = []
    for i in range(arity):
        name = f"x{i}"
        if i < len(params) and params[i].kind in (
            inspect.Parameter.POSITIONAL_ONLY,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
        ):
            name = params[i].name
        if (
            not name.isidentifier()
            or keyword.iskeyword(name)
            or _RESERVED.match(name)
            or name in space
            or name in names
            or (name != f"x{i}" and re.fullmatch(r"x\d+", name))
        ):
            name = f"x{i}"
        names.append(name)
    return names


class _Writer:
    """Writes the generated function for one traced graph."""

    def __init__(
        self,
        out: Value,
        inputs: list[Value],
        names: list[str],
        positions: tuple[int, ...],
        space: dict[str, Any],
        forward_names: dict[str, str],
        backward_names: dict[str, str],
    ) -> None:
        self.space, self.forward_names, self.backward_names = space, forward_names, backward_names
        self.out = out
        self.inputs = inputs
        self.positions = positions
        self.lines: list[str] = []
        self.expr: dict[Value, _Sym] = dict(zip(inputs, (_Sym(n) for n in names), strict=True))
        self.names = names
        self.free: list[Value] = []

    def emit(self, line: str) -> None:
        self.lines.append("    " + line)

    def arg(self, x: Any) -> Any:
        return x if x.__class__ is float else self.expr[x]

    def forward(self, order: list[Value]) -> None:
        self.emit("# forward: one line per operation, in the order f computed them")
        for node in order:
            if node in self.expr:
                continue
            rule = node._rule
            if rule is None:  # a Value f uses without taking it as an argument
                name = f"p{len(self.free)}"
                self.space[name + "_value"] = node
                self.free.append(node)
                self.emit(f"{name} = {name}_value.data  # {node!r}, read at each call")
                self.expr[node] = _Sym(name)
                continue
            name = f"t{len(self.expr) - len(self.inputs) - len(self.free)}"
            args = [self.arg(a) for a in node._args]
            inline = _symbolic(rule.forward, *args)
            if isinstance(inline, _Sym):
                self.emit(f"{name} = {inline.text}")
            else:
                call = ", ".join(_sym(a).text for a in args)
                self.emit(f"{name} = {self.forward_names[rule.name]}({call})  # {rule.formula}")
            self.expr[node] = _Sym(name)

    def backward(self, order: list[Value]) -> dict[Value, Any]:
        """Write the chain rule in the order `minigrad.backprop.run_backward` applies it.

        Same order, same sums: the compiled gradients equal the engine's bit for bit. So a
        shared node is released as the engine releases it: after ``_uses`` parts, or, when
        ``f`` also computed values its result does not use (so that some of those parts never
        come), once nothing else is ready, in the order its first part arrived.
        """
        wanted = {self.inputs[i] for i in self.positions}
        needs = set()
        for node in order:  # parents first
            if node in wanted or any(a.__class__ is not float and a in needs for a in node._args):
                needs.add(node)
        grads: dict[Value, Any] = {}
        if self.out not in needs:
            return grads
        consumers = {self.out: 0}
        for node in order:
            if node in needs:
                for parent in node._args:
                    if parent.__class__ is not float and parent in needs:
                        consumers[parent] = consumers.get(parent, 0) + 1
        total = dict(consumers)
        self.emit(f"# backward: g_v = d{self.expr[self.out].text}/dv, from the output back")
        pending: dict[Value, Any] = {self.out: 1.0}
        ready = [self.out]
        waiting: dict[Value, int] = {}  # shared inner nodes: parts received so far
        counted = False  # whether the engine would have counted the consumers in the graph
        locals_written = 0
        while ready or waiting:
            if not ready:  # as backprop._release_stuck
                counted = True
                for node, received in list(waiting.items()):
                    if received == total[node]:
                        del waiting[node]
                        ready.append(node)
            node = ready.pop()
            g = pending.pop(node)
            grads[node] = g
            rule = node._rule
            if rule is None:
                continue
            args = node._args
            xs = [self.arg(a) for a in args]
            out = self.expr[node]
            local = _symbolic(rule.backward, _SYM_MATH, g, out, *xs)
            first = len(self.lines)
            if local is None:  # branches on the numbers: call the rule at run time
                targets = []
                for i, parent in enumerate(args):
                    if parent.__class__ is not float and parent in needs:
                        targets.append(f"d{locals_written}_{i}")
                    else:
                        targets.append("_")
                call = ", ".join(_sym(v).text for v in (g, out, *xs))
                self.emit(
                    f"{_targets(targets)} = {self.backward_names[rule.name]}(FLOAT_MATH, {call})"
                )
                local = [_Sym(t) for t in targets]
                locals_written += 1
            for parent, contribution in zip(args, local, strict=True):
                if parent.__class__ is float or parent not in needs:
                    continue
                if parent in pending:
                    name = _sym(pending[parent]).text
                    self.emit(f"{name} += {_sym(contribution).text}")
                elif (
                    total[parent] == 1
                    and parent not in wanted
                    and (not isinstance(contribution, _Sym) or contribution.is_name)
                ):
                    pending[parent] = contribution  # nothing to add: reuse the name or number
                else:
                    name = f"g_{self.expr[parent].text}"
                    self.emit(f"{name} = {_sym(contribution).text}")
                    pending[parent] = _Sym(name)
                if parent._rule is None:  # a leaf: its sum is complete when all have sent
                    consumers[parent] -= 1
                    if not consumers[parent]:
                        ready.append(parent)
                    continue
                received = waiting.get(parent, 0) + 1
                if received == (total[parent] if counted else parent._uses):
                    waiting.pop(parent, None)
                    ready.append(parent)
                else:
                    waiting[parent] = received  # keeps its place: the order of first parts
            if len(self.lines) > first:
                self.lines[first] += f"  # {rule.name}: {rule.derivative}"
        return grads

    def source(self, fname: str, single: bool) -> str:
        order = topological_order(self.out)
        head = f"def {fname}({', '.join(self.names)}):"
        if self.names:
            checks = [f"{n}.__class__ is not float" for n in self.names]
            if len(checks) > 2:
                self.emit("if (")
                for i, check in enumerate(checks):
                    self.emit(f"    {check}" if i == 0 else f"    or {check}")
                self.emit("):  # an int, a numpy scalar... becomes a float; a str is a TypeError")
            else:
                self.emit(f"if {' or '.join(checks)}:  # ints, numpy scalars become floats")
            self.emit(f"    {_targets(self.names)} = as_floats({', '.join(self.names)})")
        if self.out.requires_grad:
            self.forward(order)
            grads = self.backward(order)
            value = self.expr[self.out].text
        else:  # nothing in f needs a gradient: the output is a constant
            grads = {}
            value = _literal(self.out.data).text
        results = [_sym(grads.get(self.inputs[i], 0.0)).text for i in self.positions]
        returned = results[0] if single else f"({_targets(results)})"
        self.emit(f"return {value}, {returned}")
        return "\n".join([head, *self.lines]) + "\n"


def _targets(names: list[str]) -> str:
    """``a, b`` for several names, ``(a,)`` for one: a tuple in Python source."""
    return f"({names[0]},)" if len(names) == 1 else ", ".join(names)


def _function_name(f: Callable[..., Any], space: dict[str, Any]) -> str:
    """``f``'s name for the generated ``def``, unless that would hide a name the code uses."""
    name = getattr(f, "__name__", "")
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name in space
        or _RESERVED.match(name)
    ):
        return "compiled"
    return name


def _trace(
    f: Callable[..., Any], args: tuple[Any, ...], argnums: Argnums, single: bool
) -> tuple[Callable[..., tuple[float, Any]], str]:
    """Call ``f`` on Values once; return the generated function and its source."""
    arity = len(args)
    resolved = resolve_argnums(argnums, arity, "mg.compile")
    inputs = [Value(x) for x in _as_floats(*args)]
    with _tracing(), modes.enable_grad():
        try:
            out = f(*inputs)
        except TypeError as error:
            if isinstance(error, TracingError):
                raise
            raise TypeError(
                f"mg.compile: tracing {getattr(f, '__name__', f)!s} failed: {error}. While "
                "tracing, every argument is a Value (also those not differentiated): use them "
                "only with minigrad ops."
            ) from error
    if not isinstance(out, Value):
        raise TypeError(
            "mg.compile: the function must return a single Value (a scalar, e.g. a loss); "
            f"got {type(out).__name__}. Build the result from the arguments with minigrad "
            "ops; to differentiate several outputs, sum them or take one at a time."
        )
    space, forward_names, backward_names = _namespace()
    space["as_floats"] = _as_floats
    names = _input_names(f, arity, space)
    fname = _function_name(f, space)
    writer = _Writer(out, inputs, names, resolved, space, forward_names, backward_names)
    text = writer.source(fname, single)
    exec(builtins.compile(text, f"<mg.compile {fname}/{arity}>", "exec"), space)
    return cast(Callable[..., tuple[float, Any]], space[fname]), text


def compile(f: Callable[..., Value], argnums: Argnums = 0) -> CompiledFunction:
    """Trace ``f`` once and generate straight-line Python for its value and gradient.

    ``mg.compile(f, argnums)(*xs)`` returns what ``mg.value_and_grad(f, argnums)(*xs)`` returns
    for numbers ``xs``: ``(f(xs), ∂f/∂xs[argnums])`` as floats, the gradient a tuple when
    `argnums` is a tuple. On the first call with a given number of arguments, ``f`` is called
    once with Values; the graph it records becomes Python source (kept in ``.source``):
    forward lines ``t = a * x``, then the chain rule ``g_v = ∂out/∂v`` node by node, each
    formula taken from the rule table. Later calls run only that code: no graph is built.

    Every argument becomes an input of the generated code, differentiated or not (the sample
    ``x, y`` of a loss, say); literal numbers in ``f`` are constants.

    Args:
        f: Takes numbers (they arrive as Values while tracing) and returns one Value. Its
            Python control flow must not depend on the numbers (see `TracingError`).
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function of ``f``'s positional arguments returning ``(value, gradient)``, with
        attributes ``source`` (the generated code of the latest trace) and ``sources`` (by
        number of arguments).

    Raises:
        TypeError: `f` is not callable or `argnums` is not an int or a tuple of ints. When
            called: an argument is not a real number (a Value, a str...), or ``f`` does not
            return a Value; `TracingError` (a TypeError) for Python control flow on a traced
            value.
        ValueError: When called: `argnums` names an argument that was not given, or names
            one argument twice.

    Example:
        >>> import minigrad as mg
        >>> def loss(a, b, x, y):
        ...     return (a * x + b - y) ** 2
        >>> step = mg.compile(loss, argnums=(0, 1))
        >>> step(-2.0, -1.0, 0.5, 2.0)  # (ŷ − y)², (2·x·(ŷ − y), 2·(ŷ − y))
        (16.0, (-4.0, -8.0))
        >>> print(step.source)  # doctest: +ELLIPSIS
        def loss(a, b, x, y):
        ...
            t0 = a * x
            t1 = t0 + b
            t2 = t1 - y
            t3 = t2 * t2
            # backward: g_v = dt3/dv, from the output back
            g_t2 = 2.0 * t2  # pow_const: ...
            g_b = g_t2  # add: ∂a = 1, ∂b = 1
            g_a = g_t2 * x  # mul: ∂a = b, ∂b = a
            return t3, (g_a, g_b)
        <BLANKLINE>
    """
    if not callable(f):
        raise TypeError(f"mg.compile: f must be a function; got {type(f).__name__} {f!r}")
    _check_argnums(argnums)
    single = isinstance(argnums, int)
    by_arity: dict[int, Callable[..., tuple[float, Any]]] = {}

    @functools.wraps(f)
    def compiled_function(*args: Any) -> tuple[float, Any]:
        fn = by_arity.get(len(args))
        if fn is None:
            fn, text = _trace(f, args, argnums, single)
            by_arity[len(args)] = fn
            compiled.sources[len(args)] = text
            compiled.source = text
        return fn(*args)

    compiled = cast(CompiledFunction, compiled_function)
    compiled.source = None
    compiled.sources = {}
    return compiled
