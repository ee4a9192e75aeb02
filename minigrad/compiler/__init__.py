"""`mg.compile`: trace a function once, then run its forward and backward pass as plain Python.

``mg.value_and_grad(f)`` rebuilds the graph on every call: one `Value` per operation, then a
walk over it. ``mg.compile(f)`` calls ``f`` once with Values (tracing), reads the graph it
recorded and writes it out as straight-line Python: one line per operation for the forward
pass, then the chain rule from the output back to the inputs. For the seed's line fit the
generated code is the hand derivation itself:

```python
t3 = t2 * t2               # (ŷ − y)²
g_t2 = 2.0 * t2            # 2·(ŷ − y)
g_a = g_t2 * x             # dL/da = 2·(ŷ − y)·x
```

Its text is kept in ``.source``: a reader sees the derivatives a graph computes.

Three parts, each its own module:

* tracing (here): ``f`` runs once in this thread's tracing mode (`minigrad.modes`), in which
  Python control flow on a Value, and any number that the compiled code would bake in, raise
  `TracingError`;
* symbolic algebra (`minigrad.compiler.symbolic`): formulas run on symbolic numbers;
* code generation (`minigrad.compiler.codegen`): the reference walk writes the chain rule.

What compiles exactly as ``value_and_grad`` computes it: every op, built-in or a user's (called
at run time), with the arguments' numbers at each call; Values ``f`` uses without taking them
as arguments that require grad (a model's Parameters, or a node computed before ``f`` was
called), whose ``.data`` is read at each call and which get no gradient. What raises
`TracingError` instead of baking a number in: ``if``/comparisons/``float()``/``.item()`` on a
traced Value, ``.detach()`` of one, ops under ``no_grad()`` on one, and a Value made outside
``f`` that requires no grad. Reading ``.data`` of a traced Value cannot be seen: it is a
constant in the compiled code. Anomaly mode does not apply to the compiled code.
"""

from __future__ import annotations

import builtins
import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol, cast

from minigrad import modes
from minigrad.compiler.codegen import Writer, function_name, input_names, namespace
from minigrad.modes import TracingError
from minigrad.numbers import as_float
from minigrad.transforms import Argnums, check_argnums, resolve_argnums
from minigrad.value import Value

__all__ = ["CompiledFunction", "TracingError", "compile"]


class CompiledFunction(Protocol):
    """What `compile` returns: ``f``'s value and gradient, computed by generated code.

    Attributes:
        source: The generated Python of the most recent trace (None before the first call).
        sources: The generated Python for each number of arguments traced so far.
    """

    source: str | None
    sources: dict[int, str]

    def __call__(self, *args: Any, **kwargs: Any) -> tuple[float, Any]: ...  # noqa: D102


@contextmanager
def tracing() -> Iterator[None]:
    """This thread's tracing mode, for the duration of one trace (nestable)."""
    state = modes.state
    saved = state.tracing, state.made_in_trace
    state.made_in_trace = set()
    state.set(tracing=True)
    try:
        yield
    finally:
        state.set(tracing=saved[0])
        state.made_in_trace = saved[1]


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


def _parameters(f: Callable[..., Any]) -> list[inspect.Parameter] | None:
    try:
        return list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        return None


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _positional(
    f: Callable[..., Any],
    params: list[inspect.Parameter] | None,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> tuple[Any, ...]:
    """The call's arguments in order, keyword arguments moved to their positions."""
    if not kwargs:
        return args
    if params is None:
        raise TypeError(
            f"mg.compile: cannot read the parameters of {f!r}, so keyword arguments "
            f"{sorted(kwargs)} cannot be placed; pass them by position"
        )
    try:
        bound = inspect.Signature(params).bind(*args, **kwargs)
    except TypeError as error:
        raise TypeError(f"mg.compile: {error}") from None
    if bound.kwargs:
        raise TypeError(
            f"mg.compile: arguments {sorted(bound.kwargs)} cannot be given by position (a "
            "keyword-only parameter, or one after a parameter left to its default); compile "
            "takes positional parameters, each a number"
        )
    return bound.args


def _trace(
    f: Callable[..., Any],
    params: list[inspect.Parameter] | None,
    args: tuple[Any, ...],
    argnums: Argnums,
    single: bool,
) -> tuple[Callable[..., tuple[float, Any]], str]:
    """Call ``f`` on Values once; return the generated function and its source."""
    arity = len(args)
    resolved = resolve_argnums(argnums, arity, "mg.compile")
    numbers = _as_floats(*args)
    with tracing(), modes.enable_grad():
        inputs = [Value(x) for x in numbers]
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
    space = namespace()
    space["as_floats"] = _as_floats
    positional = [p.name if p.kind in _POSITIONAL else None for p in params or []]
    names = input_names(positional, arity, space)
    fname = function_name(f, space)
    writer = Writer(out, list(inputs), names, resolved, space)
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
    formula taken from the op registry. Later calls run only that code: no graph is built.

    Every argument becomes an input of the generated code, differentiated or not (the sample
    ``x, y`` of a loss, say); literal numbers in ``f`` are constants. Arguments may be given
    by keyword; they are placed by ``f``'s signature.

    Args:
        f: Takes numbers (they arrive as Values while tracing) and returns one Value. Its
            Python control flow must not depend on the numbers (see `TracingError`).
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function of ``f``'s arguments returning ``(value, gradient)``, with attributes
        ``source`` (the generated code of the latest trace) and ``sources`` (by number of
        arguments).

    Raises:
        TypeError: `f` is not callable or `argnums` is not an int or a tuple of ints. When
            called: an argument is not a real number (a Value, a str...), or ``f`` does not
            return a Value; `TracingError` (a TypeError) for Python control flow on a traced
            value or a number that would be baked in.
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
    check_argnums(argnums)
    single = isinstance(argnums, int)
    params = _parameters(f)
    by_arity: dict[int, Callable[..., tuple[float, Any]]] = {}

    def first_call(*args: Any) -> Callable[..., tuple[float, Any]]:
        fn, text = _trace(f, params, args, argnums, single)
        by_arity[len(args)] = fn
        compiled.sources[len(args)] = text
        compiled.source = text
        return fn

    names = _plain_parameters(params)
    if names is not None:  # f(a, b, x, y): the same signature, so keywords bind as for f
        compiled_function = _with_signature(names, by_arity, first_call)
    else:  # defaults, *args, keyword-only...: arguments placed at each call

        def compiled_function(*args: Any, **kwargs: Any) -> tuple[float, Any]:
            if kwargs:
                args = _positional(f, params, args, kwargs)
            fn = by_arity.get(len(args))
            if fn is None:
                fn = first_call(*args)
            return fn(*args)

    compiled = cast(CompiledFunction, functools.wraps(f)(compiled_function))
    compiled.source = None
    compiled.sources = {}
    return compiled


def _plain_parameters(params: list[inspect.Parameter] | None) -> list[str] | None:
    """``f``'s parameter names when each is positional-or-keyword without a default."""
    if params is None:
        return None
    names = [p.name for p in params]
    plain = all(p.kind in _POSITIONAL and p.default is p.empty for p in params)
    if not plain or any(n.startswith("_mg_") for n in names):
        return None
    return names


def _with_signature(
    names: list[str],
    by_arity: dict[int, Callable[..., tuple[float, Any]]],
    first_call: Callable[..., Callable[..., tuple[float, Any]]],
) -> Callable[..., tuple[float, Any]]:
    """The compiled function with ``f``'s own parameters: no ``*args``/``**kwargs`` to pack.

    Python binds keyword arguments itself, and a call costs no tuple and no dict for them
    (about 230 instructions a call, 5% of a compiled line-fit step).
    """
    arguments = ", ".join(names)
    text = (
        f"def compiled_function({arguments}):\n"
        f"    _mg_fn = _mg_by_arity.get({len(names)})\n"
        "    if _mg_fn is None:\n"
        f"        _mg_fn = _mg_first_call({arguments})\n"
        f"    return _mg_fn({arguments})\n"
    )
    space: dict[str, Any] = {"_mg_by_arity": by_arity, "_mg_first_call": first_call}
    exec(builtins.compile(text, "<mg.compile wrapper>", "exec"), space)
    return cast(Callable[..., tuple[float, Any]], space["compiled_function"])
