"""The function transforms: `grad`, `value_and_grad`, `jvp`, `vjp`, Jacobians and Hessians.

``df = mg.grad(f)`` replaces a hand-written ``def df(x): ...``: ``df`` takes plain numbers and
returns float gradients.

Nested, a transform works on Values (``create_graph``), so that its result can be
differentiated again: ``mg.grad(mg.grad(f))`` is the second derivative. It is nested when it is
called with Values that require grad, or from inside the function of another transform (or of
a trace of `mg.compile`), even with plain numbers: ``f`` may use the outer function's Values
without taking them as arguments (``lambda w: mg.grad(lambda x: w * x * x)(3.0)`` depends on
``w``), as torch.func and HIPS autograd allow.

Each call differentiates with respect to its own arguments: every argument becomes a new node
of this call (for a Value, ``x · 1``, which is ``x`` exactly), and the walk runs over the nodes
between the output and those arguments only. So the same outer Value passed twice (``f(x, x)``),
or passed and closed over (``mg.grad(lambda a: a * x)(x)``), gets each partial derivative
apart, as in torch.func: no "perturbation confusion", and no hook of the outer graph runs.
"""

from __future__ import annotations

from _collections_abc import Sequence  # collections.abc without the collections package

from minigrad import hooks, modes
from minigrad.backprop import on_floats, on_values, topological_order, walk
from minigrad.graph import Node
from minigrad.numbers import as_float
from minigrad.value import Value

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Linearization: TypeAlias = list[tuple[Any, Sequence[Any]]]


def _wraps(f: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """functools.wraps, imported on first use rather than by `import minigrad`.

    functools imports the collections package, which costs more than the rest of the import.
    """
    import functools

    return functools.wraps(f)


__all__ = [
    "grad",
    "hessian",
    "hvp",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "value_and_grad",
    "vjp",
]

Argnums = int | Sequence[int]


def check_argnums(argnums: Argnums) -> tuple[int, ...]:
    """`argnums` as a tuple of ints, or TypeError / ValueError saying what is wrong."""
    if isinstance(argnums, int) and not isinstance(argnums, bool):
        return (argnums,)
    if (
        isinstance(argnums, Sequence)
        and argnums
        and all(isinstance(i, int) and not isinstance(i, bool) for i in argnums)
    ):
        if len(set(argnums)) != len(argnums):
            raise ValueError(f"argnums must not repeat an argument; got {tuple(argnums)!r}")
        return tuple(argnums)
    raise TypeError(f"argnums must be an int or a non-empty tuple of ints; got {argnums!r}")


def resolve_argnums(argnums: Argnums, arity: int, name: str) -> tuple[int, ...]:
    """The checked `argnums` as positions 0 … arity−1, for a call with `arity` arguments.

    Raises:
        ValueError: A position is out of range, or two name the same argument (``(0, -2)``
            with two arguments).
    """
    positions = check_argnums(argnums)
    for i in positions:
        if not -arity <= i < arity:
            raise ValueError(
                f"{name}: argnums {argnums!r} asks for argument {i}, but the function "
                f"was called with {arity} positional argument(s)"
            )
    resolved = tuple(i % arity for i in positions)
    if len(set(resolved)) != len(resolved):
        raise ValueError(f"{name}: argnums {argnums!r} names the same argument twice")
    return resolved


def _record(
    f: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    positions: tuple[int, ...],
    name: str,
    several: bool,
) -> tuple[list[Value], list[Any], bool, bool]:
    """Call ``f`` with Values at `positions`; return (inputs, outputs, single output, nested).

    Called with Values that require grad (from an enclosing transform, say), the transform
    works on Values (``create_graph``), so that its result can be differentiated again: that
    is "nested". Every output is a Value or a number; with `several`, ``f`` may return a tuple
    or list of them.
    """
    if not callable(f):
        raise TypeError(f"{name}: f must be a function; got {type(f).__name__} {f!r}")
    state = modes.state
    nested = (
        state.transforms > 0
        or state.trace is not None
        or any(isinstance(a, Value) and a.requires_grad for a in (*args, *kwargs.values()))
    )
    call_args = list(args)
    inputs = []
    with modes.enable_grad():
        for i in positions:
            given = args[i]
            if isinstance(given, Value) and given.requires_grad:
                inputs.append(given * 1.0)  # this call's own node (see the module docs)
            else:
                number = given.number if isinstance(given, Value) else given
                inputs.append(Value(as_float(number, f"{name}: argument {i}")))
            call_args[i] = inputs[-1]
        state.transforms += 1
        try:
            out = f(*call_args, **kwargs)
        finally:
            state.transforms -= 1
    single = not (several and isinstance(out, tuple | list))
    outputs = [out] if single else list(out)
    for k, o in enumerate(outputs):
        if isinstance(o, Value):
            continue
        if several and isinstance(o, int | float) and not isinstance(o, bool):
            outputs[k] = float(o)  # a constant output: its derivatives are 0
            continue
        if several:
            raise TypeError(
                f"{name}: the function must return Values or numbers, or a tuple or list of "
                f"them; got {type(o).__name__} {o!r}"
            )
        raise TypeError(
            f"{name}: the function must return a single Value (a scalar, e.g. a loss); "
            f"got {type(out).__name__}. Build the result from the arguments with minigrad "
            "ops; to differentiate several outputs, sum them or take one at a time "
            "(or use mg.jacobian)."
        )
    if several and not outputs:
        raise TypeError(f"{name}: the function returned an empty {type(out).__name__}")
    return inputs, outputs, single, nested


def _number(x: Any, nested: bool) -> Any:
    """A result as the caller gets it: a float, or, nested, a Value."""
    if nested:
        return x if isinstance(x, Value) else Value(x, requires_grad=False)
    return x.number if isinstance(x, Value) else float(x)


def _between(outputs: list[Any], inputs: list[Value]) -> list[Node]:
    """The nodes on a path from one of `inputs` to an output, each after its own inputs."""
    found: set[Node] = set(inputs)
    order: list[Node] = []
    seen: set[Node] = set()
    for out in outputs:
        if not isinstance(out, Value):
            continue
        for node in topological_order(out):  # parents first
            if node in seen:
                continue
            seen.add(node)
            if node in found or any(x.__class__ is not float and x in found for x in node.inputs):
                found.add(node)
                order.append(node)
    return order


def _reverse(output: Any, seed: Any, nested: bool, inputs: list[Value]) -> dict[Any, Any]:
    """d(output)/d(x)·seed for the nodes x between `inputs` and `output`: the reference walk.

    On floats, or on Values when nested. Parts of a gradient that would flow past `inputs`
    (into the graph of an enclosing transform, or of the user's model) are not sent.
    """
    if not isinstance(output, Value) or not output.requires_grad:
        return {}
    chain_rule = on_values if nested else on_floats
    if not nested and not hooks.active():
        # The inputs are new leaves, and no hook can see a part sent past them: the whole
        # graph's walk gives them the same gradients, without finding the nodes between.
        return walk(output, seed, chain_rule)
    between = set(_between([output], inputs))
    starts = set(inputs)

    hooked = hooks.active()

    def local(node: Any, g: Any) -> Sequence[Any]:
        if node in starts or node not in between:  # the walk goes no further this way
            return (None,) * len(node.inputs)
        parts = chain_rule(node, g)
        if not hooked:
            return parts
        return [  # a node outside gets no part, so its hooks do not run
            part if x.__class__ is not float and x in between else None
            for x, part in zip(node.inputs, parts)  # noqa: B905 (the walk checks the length)
        ]

    if nested:
        with modes.enable_grad():
            seed = seed if isinstance(seed, Value) else Value(seed, requires_grad=False)
            return walk(output, seed, local)
    return walk(output, seed, local)


def _linearize(outputs: list[Any], nested: bool, inputs: list[Value]) -> Linearization:
    """The local partials of every node the outputs depend on, in topological order.

    The partials come from the op's own backward formula run with g = 1 (for a scalar op, its
    vector-Jacobian product with 1 is the row of partials): the registry's one definition
    serves forward mode too. Nested, they are Values (recorded, so they can be differentiated).
    Computed once, they serve every direction (`jacfwd` pushes one per argument).
    """
    one: Any = Value(1.0, requires_grad=False) if nested else 1.0
    starts = set(inputs)
    with modes.enable_grad():
        return [
            (node, on_values(node, one) if nested else on_floats(node, one))
            for node in _between(outputs, inputs)
            if node.op is not None and node not in starts
        ]


def _forward(
    linearization: Linearization, outputs: list[Any], tangents: dict[Any, Any]
) -> list[Any]:
    """Forward mode: each output's tangent, from the inputs' `tangents` (node -> tangent).

    Every node's tangent is the sum over its inputs of the local partial derivative times the
    input's tangent (Values when the partials are).
    """
    with modes.enable_grad():
        for node, partials in linearization:
            if node in tangents:
                continue
            tangent: Any = None
            for x, partial in zip(node.inputs, partials, strict=True):
                given = None if x.__class__ is float else tangents.get(x)
                if given is None:
                    continue  # a constant, or a node that does not depend on an input
                term = partial * given
                tangent = term if tangent is None else tangent + term
            if tangent is not None:
                tangents[node] = tangent
    return [tangents.get(out, 0.0) if isinstance(out, Value) else 0.0 for out in outputs]


def _differentiate(
    f: Callable[..., Any], argnums: Argnums, name: str
) -> Callable[..., tuple[Any, Any]]:
    check_argnums(argnums)  # a bad argnums fails at once, not at the first call
    single = isinstance(argnums, int)

    @_wraps(f)
    def value_and_gradients(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        positions = resolve_argnums(argnums, len(args), name)
        inputs, (out,), _, nested = _record(f, args, kwargs, positions, name, several=False)
        found = _reverse(out, 1.0, nested, inputs)
        grads = [_number(found.get(v, 0.0), nested) for v in inputs]
        return _number(out, nested), (grads[0] if single else tuple(grads))

    return value_and_gradients


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """Return a function that computes ``f`` and its gradient in one pass.

    Args:
        f: Takes numbers (they arrive as Values) and returns a single Value.
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with ``f``'s arguments returning ``(value, gradient)``: floats for number
        arguments, the gradient a tuple when `argnums` is a tuple.

    Raises:
        TypeError: `argnums` is not an int or tuple of ints; ``f`` returns something other
            than a Value (when called).

    Example:
        >>> import minigrad as mg
        >>> f = lambda x: (x - 1) ** 2 / 10
        >>> mg.value_and_grad(f)(10.0)
        (8.1, 1.8)
    """
    return _differentiate(f, argnums, "value_and_grad")


def grad(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """Return the function that computes the gradient of ``f``.

    ``df = mg.grad(f)`` is what the hand-written ``def df(x): return 1/5*(x-1)`` was for
    f(x) = (x−1)²/10. It nests: ``mg.grad(mg.grad(f))`` is f''.

    Args:
        f: Takes numbers (they arrive as Values) and returns a single Value.
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with ``f``'s arguments returning the gradient: a float (a tuple of floats
        when `argnums` is a tuple). Arguments that ``f`` does not depend on get 0.0.

    Example:
        >>> import minigrad as mg
        >>> df = mg.grad(lambda x: (x - 1) ** 2 / 10)
        >>> df(10.0)
        1.8
        >>> mg.grad(lambda a, b: a * b, argnums=(0, 1))(2.0, 3.0)
        (3.0, 2.0)
    """
    value_and_gradients = _differentiate(f, argnums, "grad")

    @_wraps(f)
    def gradients(*args: Any, **kwargs: Any) -> Any:
        return value_and_gradients(*args, **kwargs)[1]

    return gradients


# --- beyond the gradient: forward mode, Jacobians, Hessians ------------------------------------


def _sequence(x: Any, what: str, name: str) -> tuple[Any, ...]:
    if not isinstance(x, tuple | list):
        raise TypeError(f"{name}: {what} must be a tuple or list of numbers; got {x!r}")
    return tuple(x)


def jvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, Any]:
    """Forward mode: ``f``'s value and its directional derivative along `tangents`.

    For f: ℝⁿ → ℝ (or ℝᵐ), returns f(x) and J(x)·t = Σᵢ ∂f/∂xᵢ · tᵢ, in one forward walk over
    the graph ``f`` records. Each node's tangent is the sum of its local partial derivatives
    times its inputs' tangents; the partials come from the same registry formulas the backward
    pass uses (no second copy of any derivative). Non-finite tangents propagate as IEEE
    numbers.

    Args:
        f: Takes one argument per primal; returns a Value or number, or a tuple or list of
            them.
        primals: The point x: one number per argument of ``f``.
        tangents: The direction t: one number per primal.

    Returns:
        ``(value, tangent)``: floats, or tuples of floats where ``f`` returns a tuple. Called
        with Values that require grad (inside ``mg.grad``), Values.

    Raises:
        TypeError: ``f`` is not callable, `primals` or `tangents` is not a tuple or list, or
            ``f`` returns something other than Values and numbers.
        ValueError: `primals` and `tangents` differ in length, or are empty.

    Example:
        >>> import minigrad as mg
        >>> mg.jvp(lambda x, y: x * y + mg.sin(x), (2.0, 3.0), (1.0, 0.0))  # ∂/∂x
        (6.909297426825682, 2.5838531634528574)
    """
    primals = _sequence(primals, "primals", "jvp")
    tangents = _sequence(tangents, "tangents", "jvp")
    if len(primals) != len(tangents):
        raise ValueError(
            f"jvp: {len(primals)} primal(s) but {len(tangents)} tangent(s): give one tangent "
            "per primal"
        )
    if not primals:
        raise ValueError("jvp: primals is empty; give one number per argument of f")
    positions = tuple(range(len(primals)))
    nested = any(isinstance(t, Value) and t.requires_grad for t in tangents)
    inputs, outputs, single, nested_call = _record(f, primals, {}, positions, "jvp", True)
    nested = nested or nested_call
    given: dict[Any, Any] = {}
    for i, (x, t) in enumerate(zip(inputs, tangents, strict=True)):
        if isinstance(t, Value) and (nested or t.requires_grad):
            given[x] = t
        else:
            number = as_float(t.number if isinstance(t, Value) else t, f"jvp: tangent {i}")
            given[x] = Value(number, requires_grad=False) if nested else number
    out_tangents = _forward(_linearize(outputs, nested, inputs), outputs, given)
    values = [_number(o, nested) for o in outputs]
    results = [_number(t, nested) for t in out_tangents]
    if single:
        return values[0], results[0]
    return tuple(values), tuple(results)


def vjp(f: Callable[..., Any], *primals: Any) -> tuple[Any, Callable[..., tuple[Any, ...]]]:
    """Reverse mode for a function of several outputs: its value, and the function vᵀ·J.

    Args:
        f: Takes one argument per primal; returns a Value or number, or a tuple or list of
            them.
        *primals: The point: one number per argument of ``f``.

    Returns:
        ``(value, vjp_fn)``. ``vjp_fn(cotangent)`` (one number per output of ``f``: a number
        for a single output, a tuple for a tuple) returns Σₖ cₖ·∂outₖ/∂xᵢ for each primal, as
        a tuple. It may be called many times: the graph is recorded once.

    Example:
        >>> import minigrad as mg
        >>> value, pullback = mg.vjp(lambda x, y: (x * y, x + y), 2.0, 3.0)
        >>> value, pullback((1.0, 0.0)), pullback((0.0, 1.0))
        ((6.0, 5.0), (3.0, 2.0), (1.0, 1.0))
    """
    if not primals:
        raise ValueError("vjp: give the point, one number per argument of f")
    positions = tuple(range(len(primals)))
    inputs, outputs, single, nested = _record(f, primals, {}, positions, "vjp", True)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        cotangents = (cotangent,) if single else _sequence(cotangent, "cotangent", "vjp")
        if len(cotangents) != len(outputs):
            raise ValueError(
                f"vjp: f has {len(outputs)} output(s) but the cotangent has {len(cotangents)}"
            )
        totals: list[Any] = [0.0] * len(inputs)
        for k, (out, c) in enumerate(zip(outputs, cotangents, strict=True)):
            if not (isinstance(c, Value) and nested):
                c = as_float(c.number if isinstance(c, Value) else c, f"vjp: cotangent {k}")
            found = _reverse(out, c, nested, inputs)
            for i, x in enumerate(inputs):
                part = found.get(x)
                if part is not None:
                    totals[i] = part if k == 0 or totals[i] is None else totals[i] + part
        return tuple(_number(t, nested) for t in totals)

    values = [_number(o, nested) for o in outputs]
    return (values[0] if single else tuple(values)), vjp_fn


def _shape(rows: list[list[Any]], single_output: bool, single_argnum: bool) -> Any:
    """J[i][j] = ∂outᵢ/∂xⱼ as nested tuples, a level dropped for one output or one argnum."""
    shaped = [row[0] if single_argnum else tuple(row) for row in rows]
    return shaped[0] if single_output else tuple(shaped)


def jacrev(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` by reverse mode: one backward walk per output.

    Args:
        f: Returns a Value or number, or a tuple or list of them.
        argnums: Which positional argument(s) to differentiate: an int or a tuple of ints.

    Returns:
        A function with ``f``'s arguments returning ``J[i][j]`` = ∂outᵢ/∂xⱼ as nested tuples of
        floats: a level is dropped where ``f`` returns a single value or `argnums` is an int
        (so for one output and one argument, the derivative itself).

    Example:
        >>> import minigrad as mg
        >>> mg.jacrev(lambda x, y: (x * y, x + y), argnums=(0, 1))(2.0, 3.0)
        ((3.0, 2.0), (1.0, 1.0))
    """
    check_argnums(argnums)

    @_wraps(f)
    def jacobian_rows(*args: Any, **kwargs: Any) -> Any:
        positions = resolve_argnums(argnums, len(args), "jacrev")
        inputs, outputs, single, nested = _record(f, args, kwargs, positions, "jacrev", True)
        rows = []
        for out in outputs:
            found = _reverse(out, 1.0, nested, inputs)
            rows.append([_number(found.get(x, 0.0), nested) for x in inputs])
        return _shape(rows, single, isinstance(argnums, int))

    return jacobian_rows


jacobian = jacrev
"""The Jacobian of ``f`` (reverse mode: `jacrev`)."""


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Jacobian of ``f`` by forward mode: one forward walk per argument.

    The same result as `jacrev`, cheaper when ``f`` has more outputs than arguments. It
    composes with reverse mode: ``mg.jacfwd(mg.grad(f))`` is f'' (that is `hessian`).

    Example:
        >>> import minigrad as mg
        >>> mg.jacfwd(mg.grad(lambda x: x ** 3))(2.0)  # d²/dx² x³ = 6x
        12.0
    """
    check_argnums(argnums)

    @_wraps(f)
    def jacobian_columns(*args: Any, **kwargs: Any) -> Any:
        positions = resolve_argnums(argnums, len(args), "jacfwd")
        inputs, outputs, single, nested = _record(f, args, kwargs, positions, "jacfwd", True)
        linearization = _linearize(outputs, nested, inputs)
        seed: Any = Value(1.0, requires_grad=False) if nested else 1.0
        columns = []
        for x in inputs:
            tangents = _forward(linearization, outputs, {x: seed})
            columns.append([_number(t, nested) for t in tangents])
        rows = [[column[i] for column in columns] for i in range(len(outputs))]
        return _shape(rows, single, isinstance(argnums, int))

    return jacobian_columns


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The Hessian of a scalar ``f``: ``H[i][j]`` = ∂²f/∂xᵢ∂xⱼ, forward mode over reverse mode.

    ``mg.jacfwd(mg.grad(f, argnums), argnums)``: a float for one argument, a tuple of tuples
    for a tuple of argnums.

    Example:
        >>> import minigrad as mg
        >>> rosenbrock = lambda a, b: (1 - a) ** 2 + 100 * (b - a * a) ** 2
        >>> mg.hessian(rosenbrock, argnums=(0, 1))(1.0, 1.0)
        ((802.0, -400.0), (-400.0, 200.0))
    """
    return jacfwd(grad(f, argnums), argnums)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> Any:
    """The Hessian of a scalar ``f`` at `primals` times the vector `tangents`, without forming it.

    One forward walk over ``f``'s gradient: jvp(grad f, primals, tangents). Returns a tuple of
    floats, one per primal.

    Example:
        >>> import minigrad as mg
        >>> mg.hvp(lambda a, b: a * a * b, (1.0, 2.0), (1.0, 0.0))  # H = ((2b, 2a), (2a, 0))
        (4.0, 2.0)
    """
    primals = _sequence(primals, "primals", "hvp")
    return jvp(grad(f, argnums=tuple(range(len(primals)))), primals, tangents)[1]
