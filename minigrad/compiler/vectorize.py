"""The compiled code on numpy arrays: every sample's value and gradient in one call.

``mg.compile(f)`` writes ``f``'s forward and chain rule as straight-line Python on floats
(`minigrad.compiler.codegen`). The same lines run on numpy arrays when each name they call is
a numpy function that computes, element by element, what the op computes on one float. This
module builds those functions from the op registry, one per op:

* an op whose forward or backward only compares its inputs and adds, subtracts or multiplies
  them (``relu``, ``sign``, ``maximum``, ``clamp``, their backward formulas...) is run once per
  branch on symbolic numbers: every ``if`` it takes becomes a ``numpy.where``, so the rule is
  the one written in `minigrad.ops`, not a second copy;
* ``pow``/``pow_const`` and ``sigmoid`` have numpy twins below, which choose per element what
  their forward chooses (``x·x`` for the exponent 2, ``√x`` for 0.5, the two branches of σ);
* any other op is its numpy ufunc (`minigrad.op.Op.ufunc`: ``numpy.exp`` for ``exp``...);
* a user's op is called element by element (its own Python code, at Python speed); a
  `minigrad.Function` is refused, since its ctx holds one call's state.

What is equal to the scalar compiled function, element by element: everything built from
``+ − × ÷``, ``√``, comparisons and the exponents above is bit for bit (IEEE arithmetic is
the same in numpy). Where a transcendental function of numpy differs from Python's ``math``
(that is, from the C library), the result differs by what they differ: measured on numpy 2.4
(x86-64, AVX2), ``exp``, ``log``, ``sin``, ``cos``, ``arctan`` and ``power`` give the C
library's numbers bit for bit and ``tanh`` differs by up to 3 ulp (numpy computes it itself).
A gradient computed from such a value inherits the difference, amplified where the formula
cancels (``1 − tanh² x`` near ±1). numpy builds with AVX-512 use their own ``exp``/``log``
and may differ from the C library by 1 ulp.

This module imports numpy; nothing else in minigrad does.
"""

from __future__ import annotations

import ast
import builtins
import math
import operator
from collections.abc import Callable
from typing import Any

from minigrad.compiler.codegen import Traced, as_argument
from minigrad.compiler.symbolic import Sym, sym
from minigrad.function import FunctionOp
from minigrad.op import FLOATS, Op
from minigrad.ops import REGISTRY

try:
    import numpy as np
except ImportError as error:  # pragma: no cover - numpy is installed where the tests run
    raise ModuleNotFoundError(
        "mg.compile on numpy arrays (and mg.compile(..., reduce=...)) needs numpy, which is "
        "not installed; install it with `pip install numpy`. The compiled function still "
        "works on floats without it.",
        name="numpy",
    ) from error

__all__ = [
    "NUMPY",
    "REDUCTIONS",
    "NotVectorizableError",
    "PerElement",
    "Vectorized",
    "branches",
    "free_early",
    "numpy_namespace",
    "reuse_arrays",
    "vector_backward",
    "vector_forward",
]

REDUCTIONS = (None, "sum", "mean")
"""What ``mg.compile(..., reduce=)`` accepts: per-sample results, or their sum or mean."""


# --- formulas run once per branch --------------------------------------------------------------


class NotVectorizableError(Exception):
    """A formula that cannot be written out with ``numpy.where`` (it calls ``math``, say)."""


class _Decide(BaseException):
    """Stops a run at a comparison not decided yet (BaseException: no formula catches it)."""

    def __init__(self, condition: str) -> None:
        self.condition = condition


class _Run:
    """One run of a formula: each comparison answered from ``decisions``, in order."""

    def __init__(self, decisions: list[bool]) -> None:
        self.decisions = decisions
        self.decided: dict[str, bool] = {}

    def decide(self, condition: str) -> bool:
        known = self.decided.get(condition)
        if known is not None:  # the same comparison again (``a > b or a == b`` then ``if``)
            return known
        if len(self.decided) == len(self.decisions):
            raise _Decide(condition)
        answer = self.decided[condition] = self.decisions[len(self.decided)]
        return answer


class _Condition:
    """A comparison of symbolic numbers: true or false as the run decides."""

    __slots__ = ("run", "text")

    def __init__(self, run: _Run, text: str) -> None:
        self.run = run
        self.text = text

    def __bool__(self) -> bool:
        return self.run.decide(self.text)


class _Number(Sym):
    """An input of a formula: a Sym whose comparisons are conditions of the run."""

    __slots__ = ("run",)

    def __init__(self, text: str, run: _Run) -> None:
        super().__init__(text)
        self.run = run

    def _compare(self, op: str, other: object) -> object:
        if not isinstance(other, Sym | int | float):
            return NotImplemented
        return _Condition(self.run, f"{self.text} {op} {sym(other).text}")

    def __lt__(self, *other: object) -> Any:
        return self._compare("<", *other)

    def __le__(self, *other: object) -> Any:
        return self._compare("<=", *other)

    def __gt__(self, *other: object) -> Any:
        return self._compare(">", *other)

    def __ge__(self, *other: object) -> Any:
        return self._compare(">=", *other)

    def __eq__(self, *other: object) -> Any:
        return self._compare("==", *other)

    def __ne__(self, *other: object) -> Any:
        return self._compare("!=", *other)

    __hash__ = None


class _Calls:
    """``m`` for a formula run on symbolic numbers: ``m.div(a, b)`` writes ``div(a, b)``."""

    @staticmethod
    def data(x: object) -> object:
        return x  # a _Number compares as its number; a constant is a float

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = FLOATS.__dict__.get(name)
        if name.startswith("_") or not callable(function):
            raise AttributeError(name)

        def call(*xs: object) -> Any:
            if not any(isinstance(x, Sym) for x in xs):
                return function(*xs)  # constants only: the number itself
            return Sym(f"{name}({', '.join(sym(x).text for x in xs)})")

        return call


_CALLS = _Calls()
_LIMIT = 256  # runs of one formula; the built-in ops need at most 16


Tree = tuple[str, Any, Any] | tuple[str, Any]
"""``("if", condition, (then, else))`` or ``("leaf", result)``."""


def branches(formula: Callable[..., Any], names: list[str], with_m: bool) -> Tree:
    """Run ``formula`` on symbolic inputs once per branch: the tree of its comparisons.

    Args:
        formula: A forward (``formula(*xs)``) or a backward (``formula(m, *xs)``).
        names: The inputs' names in the code to write.
        with_m: Pass ``m`` first (a backward formula).

    Returns:
        ``("leaf", result)`` where no comparison is left to decide, else ``("if", condition,
        (tree where true, tree where false))``.

    Raises:
        NotVectorizableError: The formula needs a number (it calls ``math``, divides...), or
            branches more than 256 ways.
    """
    count = [0]

    def grow(decisions: list[bool]) -> Tree:
        count[0] += 1
        if count[0] > _LIMIT:
            raise NotVectorizableError(f"more than {_LIMIT} branches")
        run = _Run(decisions)
        inputs = [_Number(n, run) for n in names]
        try:
            result = formula(_CALLS, *inputs) if with_m else formula(*inputs)
        except _Decide as stop:
            return ("if", stop.condition, (grow([*decisions, True]), grow([*decisions, False])))
        except Exception as error:  # BranchError, TypeError from math.exp(Sym)...
            raise NotVectorizableError(f"{type(error).__name__}: {error}") from None
        for x in result if isinstance(result, tuple | list) else (result,):
            if not isinstance(x, Sym | int | float) or isinstance(x, _Condition | bool):
                raise NotVectorizableError(f"a result is {type(x).__name__}, not a number")
        return ("leaf", result)

    return grow([])


def _expression(tree: Tree, pick: Callable[[Any], Any]) -> str:
    """The tree as one expression: nested ``where(condition, then, else)``."""
    if tree[0] == "leaf":
        return sym(pick(tree[1])).text
    _, condition, (yes, no) = tree  # type: ignore[misc]
    then, otherwise = _expression(yes, pick), _expression(no, pick)
    if then == otherwise:  # the comparison does not matter for this result
        return then
    return f"where({condition}, {then}, {otherwise})"


def _define(name: str, params: list[str], body: str, space: dict[str, Any]) -> Any:
    text = f"def {name}({', '.join(params)}):\n    return {body}\n"
    exec(builtins.compile(text, f"<mg.compile numpy {name}>", "exec"), space)
    function = space[name]
    function.source = text
    return function


def _formula_space() -> dict[str, Any]:
    return {"where": np.where, "inf": math.inf, "nan": math.nan}


# --- numpy twins: per element, what the forward chooses ---------------------------------------


def _power(x: Any, c: Any) -> Any:
    """`minigrad.ops`'s ``x ** c`` per element: the same special exponents, else C's pow."""
    x = np.float64(x) if x.__class__ is float else x  # 1/0 is inf here, not ZeroDivisionError
    if isinstance(c, float):
        if c == 2.0:
            return x * x
        if c == 3.0:
            return x * x * x
        if c == 0.5:
            return np.sqrt(x)
        if c == -0.5:
            return 1.0 / np.sqrt(x)
        if c == -1.0:
            return 1.0 / x
        if c == -2.0:
            return 1.0 / (x * x)
        return np.power(x, c)
    root = np.sqrt(x)
    return np.select(
        [c == 2.0, c == 3.0, c == 0.5, c == -0.5, c == -1.0, c == -2.0],
        [x * x, x * x * x, root, 1.0 / root, 1.0 / x, 1.0 / (x * x)],
        np.power(x, c),
    )


def _sigmoid(x: Any) -> Any:
    """`minigrad.ops`'s σ per element: ``1/(1 + e^−x)`` for x ≥ 0, else ``eˣ/(1 + eˣ)``."""
    e = np.exp(x)
    return np.where(x >= 0.0, 1.0 / (1.0 + np.exp(-x)), e / (1.0 + e))


TWINS: dict[str, Callable[..., Any]] = {"pow_const": _power, "pow": _power, "sigmoid": _sigmoid}
"""The ops whose forward calls ``math`` and chooses by its inputs: written for numpy here."""


def vector_forward(op: Op, space: dict[str, Any]) -> Callable[..., Any]:
    """The op's forward on numpy arrays: a twin, its branches as ``where``, or its ufunc.

    Raises:
        NotVectorizableError: None of the three applies.
    """
    twin = TWINS.get(op.name)
    if twin is not None:
        return twin
    names = [f"x{i}" for i in range(op.arity)]
    try:
        tree = branches(op.forward, names, with_m=False)
    except NotVectorizableError:
        if op.ufunc:
            return getattr(np, op.ufunc[0])  # type: ignore[no-any-return]
        raise
    return _define(op.name, names, _expression(tree, lambda r: r), space)  # type: ignore[no-any-return]


def vector_backward(op: Op, space: dict[str, Any]) -> Callable[..., Any]:
    """The op's backward formula on numpy arrays, each branch a ``where``.

    Raises:
        NotVectorizableError: The formula calls something other than ``m.<op>``, ``+ − ×``.
    """
    names = ["g", "out", *(f"x{i}" for i in range(op.arity))]
    tree = branches(op.backward, names, with_m=True)
    parts = [_expression(tree, operator.itemgetter(i)) for i in range(op.arity)]
    body = f"({parts[0]},)" if op.arity == 1 else ", ".join(parts)
    return _define(f"{op.name}_backward", ["m", *names], body, space)  # type: ignore[no-any-return]


def _build() -> dict[str, Any]:
    space = _formula_space()
    forwards: dict[str, Any] = {}
    for op in REGISTRY.values():
        forwards[op.name] = vector_forward(op, dict(space))
    space.update(forwards)  # a backward's m.exp(...) is the vectorised exp
    table = dict(forwards)
    for op in REGISTRY.values():
        table[f"{op.name}_backward"] = vector_backward(op, dict(space))
    return table


NUMPY: dict[str, Any] = _build()
"""Each built-in op's forward and backward on numpy arrays, by the names generated code uses."""


def numpy_namespace(space: dict[str, Any]) -> dict[str, Any]:
    """The generated code's globals with every op on numpy arrays (user ops element by element).

    Raises:
        TypeError: The code calls a `minigrad.Function`.
    """
    vector = dict(space)
    vector.update(NUMPY)
    vector["FLOATS"] = None  # the vectorised backward formulas take no m
    vector.update(_into=_into, _add=np.add, _subtract=np.subtract, _multiply=np.multiply)
    for handle, x in space.items():
        if isinstance(x, FunctionOp):
            raise TypeError(
                f"mg.compile: {x.name} is a mg.Function, whose ctx keeps one call's state; the "
                "compiled code cannot run it on numpy arrays. Call the compiled function with "
                "floats, one sample at a time, or write the op as mg.Op"
            )
        if isinstance(x, Op) and handle.startswith("_op"):
            vector[handle] = PerElement(x)
    return vector


class PerElement:
    """A user's op on numpy arrays: its forward and backward called once per element."""

    def __init__(self, op: Op) -> None:
        self.op = op

    def call_forward(self, *xs: Any) -> Any:
        """The forward of each element, as a float64 array of the broadcast shape."""
        shape, rows = _rows(xs)
        out = [self.op.call_forward(*row) for row in rows]
        return np.array(out, dtype=np.float64).reshape(shape)

    def backward(self, m: object, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        """Each input's gradient, element by element, from the op's own backward."""
        shape, rows = _rows((g, out, *xs))
        parts = [self.op.backward(FLOATS, *row) for row in rows]
        table = np.array(parts, dtype=np.float64).reshape((*shape, len(xs)))
        return tuple(table[..., i] for i in range(len(xs)))


def _rows(xs: tuple[Any, ...]) -> tuple[tuple[int, ...], list[tuple[float, ...]]]:
    shape = np.broadcast_shapes(*(np.shape(x) for x in xs))
    columns = [np.broadcast_to(x, shape).ravel().tolist() for x in xs]
    return shape, list(zip(*columns, strict=True))


# --- arrays reused: a dead temporary takes the result of + − × ---------------------------------

_UFUNCS = {ast.Add: "_add", ast.Sub: "_subtract", ast.Mult: "_multiply"}


def _into(ufunc: Any, a: Any, b: Any, out: Any) -> Any:
    """``ufunc(a, b)`` written into ``out`` (a dead temporary) when it has the result's shape."""
    if out.__class__ is np.ndarray and out.shape == np.broadcast_shapes(np.shape(a), np.shape(b)):
        return ufunc(a, b, out=out)
    return ufunc(a, b)


def reuse_arrays(text: str) -> str:
    """The generated function with ``t = a + b`` written into ``a``'s array where ``a`` is dead.

    On 10⁶ samples most of the time goes to allocating arrays (the pages of each new 8 MB
    array are touched for the first time); numpy avoids that in ``a*x + b - y`` by writing
    into a temporary nothing else holds, and a line per operation hides that from it. Here,
    for each line ``t = l ∘ r`` (``∘`` one of + − ×), where ``l`` or ``r`` names an array made
    by an earlier line of arithmetic that no name reads later, the result is written into that
    array: ``t = _into(_add, l, r, l)``. The same ufunc computes the same numbers; only where
    they go changes. Arguments, the results of calls (which may return an input) and names
    read later are never written into.
    """
    module = ast.parse(text)
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    body = function.body
    reads = [
        {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for s in body
    ]
    writes = [
        {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        for s in body
    ]

    def unused_after(name: str, k: int) -> bool:
        """Whether the array ``name`` holds at line k is read by ``name`` after line k."""
        if name in writes[k]:
            return True
        for j in range(k + 1, len(body)):
            if name in reads[j]:
                return False
            if name in writes[j]:
                return True
        return True

    holder: dict[str, int] = {}  # name -> the array it holds (a number per array)
    owned: set[int] = set()  # arrays made by arithmetic here: never an argument's
    made = 0
    lines = text.split("\n")
    for k, statement in enumerate(body):
        if not isinstance(statement, ast.Assign) or not isinstance(statement.targets[0], ast.Name):
            for name in writes[k]:  # unpacked call results: not ours
                holder.pop(name, None)
            continue
        target, value = statement.targets[0], statement.value
        if isinstance(value, ast.Name) and value.id in holder:  # g_b = g_t2: one array
            holder[target.id] = holder[value.id]
            continue
        made += 1
        array = made
        if isinstance(value, ast.BinOp | ast.UnaryOp):
            owned.add(array)
        if isinstance(value, ast.BinOp) and type(value.op) in _UFUNCS:
            into = None
            for side in (value.left, value.right):
                if (
                    isinstance(side, ast.Name)
                    and holder.get(side.id) in owned
                    and all(unused_after(n, k) for n, a in holder.items() if a == holder[side.id])
                ):
                    into = side.id
                    break
            if into is not None:
                array = holder[into]
                left, right = ast.unparse(value.left), ast.unparse(value.right)
                line = lines[statement.lineno - 1]
                call = f"_into({_UFUNCS[type(value.op)]}, {left}, {right}, {into})"
                indent = line[: statement.col_offset]
                lines[statement.lineno - 1] = (
                    f"{indent}{target.id} = {call}{line[statement.end_col_offset or 0 :]}"
                )
        holder[target.id] = array
    return "\n".join(lines)


def free_early(text: str, reduce: bool) -> str:
    """The generated function with each array let go after the last line that reads it.

    A name no later line reads gets ``del name``; with `reduce`, a result gets reduced as soon
    as it is final (``_r_g_a = _reduce(g_a, _shape)``; the function takes the samples' shape
    as a last argument ``_shape``), so that no more arrays are alive at once than the
    arithmetic needs: fewer new pages for the allocator to map on every call. The numbers
    are not touched.
    """
    module = ast.parse(text)
    function = module.body[0]
    assert isinstance(function, ast.FunctionDef)
    *body, last = function.body
    assert isinstance(last, ast.Return) and last.value is not None
    params = {a.arg for a in function.args.args}
    returned = {n.id for n in ast.walk(last) if isinstance(n, ast.Name)}
    local = {
        n.id
        for statement in body
        for n in ast.walk(statement)
        if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store) and n.id not in params
    }
    local.discard("_")
    final: dict[str, int] = {}  # name -> the last line it occurs on
    for k, statement in enumerate(body):
        for n in ast.walk(statement):
            if isinstance(n, ast.Name) and n.id in local:
                final[n.id] = k
    after: dict[int, list[str]] = {}
    for name, k in final.items():
        if name in returned and reduce:
            after.setdefault(k, []).append(f"    _r_{name} = _reduce({name}, _shape)")
            after[k].append(f"    del {name}")
        elif name not in returned:
            after.setdefault(k, []).append(f"    del {name}")
    lines = text.split("\n")
    out = lines[: body[0].lineno - 1] if body else lines[: last.lineno - 1]
    for k, statement in enumerate(body):
        out.extend(lines[statement.lineno - 1 : (statement.end_lineno or statement.lineno)])
        out.extend(after.get(k, []))
    if reduce:

        class Reduced(ast.NodeTransformer):
            def visit_Tuple(self, node: ast.Tuple) -> Any:
                node.elts = [self.visit(e) for e in node.elts]
                return node

            def generic_visit(self, node: ast.AST) -> Any:
                if isinstance(node, ast.Name) and node.id in final:
                    return ast.Name(f"_r_{node.id}", ast.Load())
                return ast.parse(f"_reduce({ast.unparse(node)}, _shape)", mode="eval").body

        value = Reduced().visit(last.value)
        out.append(f"    return {ast.unparse(value)}")
        header = lines[function.lineno - 1]
        out[function.lineno - 1] = header.replace("):", ", _shape):" if params else "_shape):")
    else:
        out.extend(lines[last.lineno - 1 : (last.end_lineno or last.lineno)])
    return "\n".join(out) + "\n"


def _reducer(how: str) -> Callable[[Any, tuple[int, ...]], float]:
    def reduce(x: Any, shape: tuple[int, ...]) -> float:
        full = np.broadcast_to(np.asarray(x, dtype=np.float64), shape)
        if how == "sum":
            return float(full.sum())
        if full.size == 0:
            return math.nan  # the mean of no samples
        return float(full.mean())

    return reduce


# --- the vectorised compiled function ----------------------------------------------------------


class Vectorized:
    """A compiled function's generated code, run on numpy arrays.

    Args:
        traced: What the scalar code was made from (`minigrad.compiler.codegen.Traced`).
        reduce: None for per-sample results, ``"sum"`` or ``"mean"`` for their sum or mean.
    """

    def __init__(self, traced: Traced, reduce: str | None) -> None:
        text = free_early(reuse_arrays(traced.text), reduce is not None)
        fname, space = traced.fname, traced.space
        self.source = text
        self.positions = traced.positions
        self.single = traced.single
        self.reduce = reduce
        vector = numpy_namespace(space)
        if reduce is not None:
            vector["_reduce"] = _reducer(reduce)
        exec(builtins.compile(text, f"<mg.compile numpy {fname}>", "exec"), vector)
        self.function: Callable[..., tuple[Any, Any]] = vector[fname]

    def __call__(self, *args: Any) -> tuple[Any, Any]:
        """Every sample's value and gradient: arrays of the broadcast shape, or their reduction."""
        arrays = [_as_array(x, i) for i, x in enumerate(args)]
        try:
            shape = np.broadcast_shapes(*(np.shape(a) for a in arrays))
        except ValueError:
            shapes = ", ".join(f"argument {i}: {np.shape(a)}" for i, a in enumerate(arrays))
            raise ValueError(
                f"mg.compile: the arrays do not broadcast to one shape ({shapes})"
            ) from None
        if self.reduce is not None:
            for i in self.positions:
                if np.ndim(arrays[i]):
                    raise ValueError(
                        f"mg.compile(reduce={self.reduce!r}): argument {i} is differentiated "
                        f"and is an array of shape {np.shape(arrays[i])}; the sum or mean over "
                        "the samples is taken for differentiated arguments that are numbers, "
                        "shared by every sample. Pass a number, or reduce=None for per-sample "
                        "gradients"
                    )
        with np.errstate(all="ignore"):  # inf and nan, as the scalar code returns them
            if self.reduce is not None:  # reduced by the generated code
                return self.function(*arrays, shape)
            value, grads = self.function(*arrays)
            finish = self._per_sample
            value = finish(value, shape, arrays)
            if self.single:
                return value, finish(grads, shape, arrays)
            return value, tuple(finish(g, shape, arrays) for g in grads)

    def _per_sample(self, x: Any, shape: tuple[int, ...], arrays: list[Any]) -> Any:
        out = np.asarray(x, dtype=np.float64)
        if out.shape != shape or any(out is a for a in arrays):  # never an argument's array
            return np.array(np.broadcast_to(out, shape), dtype=np.float64)
        return out


def _as_array(x: Any, i: int) -> Any:
    """An argument as a float64 array, or a float; a clear error for anything else."""
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "biuf":
            raise TypeError(
                f"mg.compile: argument {i} is an array of dtype {x.dtype}; a compiled function "
                "takes arrays of real numbers (bool, int or float), computed in float64"
            )
        return x.astype(np.float64, copy=False) if x.ndim else float(x)
    return as_argument(x, i)
