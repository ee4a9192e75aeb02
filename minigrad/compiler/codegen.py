"""Write a traced graph out as one Python function: forward lines, then the chain rule.

The forward is one line per node, in the order ``f`` computed them: an op whose forward only
uses ``+ - *`` becomes an inline expression, any other a call to its forward. The backward is
the reference walk itself (`minigrad.backprop.walk`) run on symbolic numbers: at each node the
op's backward formula is written out (`minigrad.compiler.symbolic`), or, where it branches on
the numbers (``relu``, ``maximum``, a user's op...), called at run time; where two parts of a
gradient meet, the walk's sum becomes a ``+=`` line. Same walk, same order, same sums: the
compiled gradients equal the engine's bit for bit.

The same lines also serve the vectorised code (`minigrad.compiler.vectorize`), run on numpy
arrays: without the prologue that makes every argument a float, and with ``g = g + part`` for
each ``g += part`` (on an array, ``+=`` would write into an array another name still holds).
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from minigrad.backprop import topological_order, walk
from minigrad.compiler.symbolic import SYMBOLS, Sym, literal, sym, symbolic
from minigrad.function import FunctionOp
from minigrad.graph import Node
from minigrad.numbers import as_float
from minigrad.op import FLOATS, Op
from minigrad.ops import REGISTRY
from minigrad.tracing import Trace

__all__ = [
    "RESERVED",
    "Traced",
    "Writer",
    "as_argument",
    "as_floats",
    "function_name",
    "input_names",
    "namespace",
]

RESERVED = re.compile(
    r"^(t\d+|p\d+|d\d+_\d+|g_.*|_.*|x\d+|float|as_floats|other_arguments|FLOATS|inf|nan)$"
)
"""Names the generated code uses for itself; an argument or function named so is renamed."""

_BUILTIN = {id(op) for op in REGISTRY.values()}


def as_argument(x: object, i: int) -> float:
    """Argument ``i`` of a compiled function as a float, or a TypeError saying what it is.

    Example:
        >>> as_argument(1, 0)
        1.0
    """
    if isinstance(x, Node):
        raise TypeError(
            f"mg.compile: argument {i} is a Value; a compiled function takes plain numbers "
            "(pass .data, or use mg.value_and_grad to differentiate through Values)"
        )
    return as_float(x, f"mg.compile: argument {i}")


def as_floats(*args: object) -> tuple[float, ...]:
    """The arguments of a compiled function as floats (see `as_argument`)."""
    return tuple(as_argument(x, i) for i, x in enumerate(args))


def namespace() -> dict[str, Any]:
    """Globals for generated code: each built-in op's forward and backward, by name."""
    space: dict[str, Any] = {"inf": math.inf, "nan": math.nan, "FLOATS": FLOATS}
    for op in REGISTRY.values():
        space[op.name] = op.forward
        space[f"{op.name}_backward"] = op.backward
    return space


def input_names(params: Sequence[str | None], arity: int, space: dict[str, Any]) -> list[str]:
    """Names for the inputs: ``f``'s parameter names where they are free to use, else ``xI``."""
    names: list[str] = []
    for i in range(arity):
        name = params[i] if i < len(params) and params[i] is not None else f"x{i}"
        assert name is not None
        if name != f"x{i}" and (
            not name.isidentifier()
            or keyword.iskeyword(name)
            or RESERVED.match(name)
            or name in space
            or name in names
        ):
            name = f"x{i}"
        names.append(name)
    return names


def function_name(f: Callable[..., Any], space: dict[str, Any]) -> str:
    """``f``'s name for the generated ``def``, unless that would hide a name the code uses."""
    name = getattr(f, "__name__", "")
    if (
        not isinstance(name, str)
        or not name.isidentifier()
        or keyword.iskeyword(name)
        or name in space
        or RESERVED.match(name)
    ):
        return "compiled"
    return name


def _targets(names: list[str]) -> str:
    """``a, b`` for several names, ``(a,)`` for one: a tuple in Python source."""
    return f"({names[0]},)" if len(names) == 1 else ", ".join(names)


class Writer:
    """Writes the generated function for one traced graph.

    Args:
        out: The traced output.
        inputs: The traced arguments, one Value each.
        names: Their names in the generated code.
        positions: Which of them to differentiate.
        space: The generated code's globals; the writer adds the user ops and the Values
            ``f`` reads without taking them as arguments (``_free``).
        trace: The trace `out` was recorded in (`minigrad.tracing.Trace`): every node it made
            gets a line of the forward, also one computed from free Values only (``p * 2``
            of a Parameter ``p``), so that nothing computed in the trace is frozen.
    """

    def __init__(
        self,
        out: Node,
        inputs: list[Node],
        names: list[str],
        positions: tuple[int, ...],
        space: dict[str, Any],
        trace: Trace,
    ) -> None:
        self.out = out
        self.trace = trace
        self.inputs = inputs
        self.names = names
        self.positions = positions
        self.space = space
        self.lines: list[str] = []
        self.expr: dict[Node, Sym] = dict(zip(inputs, (Sym(n) for n in names), strict=True))
        self.free: list[Node] = []
        space["_free"] = self.free
        self.user_ops: dict[Node, str] = {}  # node of a user op -> the name of its op at run time
        self.temporaries = 0
        self.calls = 0
        self.head = ""
        self.prologue = 0  # how many lines at the top check and convert the arguments
        self.sums: dict[int, str] = {}  # line index of each `g += part` -> `g = g + part`

    def emit(self, line: str) -> None:
        """Add one line to the function's body."""
        self.lines.append("    " + line)

    def arg(self, x: Any) -> Any:
        """An input of a node as an expression: a name, or a constant float."""
        if x.__class__ is float:
            return x
        found = self.expr.get(x)
        if found is None:  # a Value f reads without taking it as an argument: read at each call
            name = f"p{len(self.free)}"
            self.free.append(x)
            self.emit(f"{name} = _free[{len(self.free) - 1}].number  # {x!r}, read at each call")
            found = self.expr[x] = Sym(name)
        return found

    # --- forward ---------------------------------------------------------------------------

    def forward(self, depends: set[Node], order: list[Node]) -> None:
        """One line per node that depends on an argument, in the order f computed them."""
        self.emit("# forward: one line per operation, in the order f computed them")
        for node in order:
            if node in self.expr or node not in depends:
                continue
            op: Op = node.op  # type: ignore[assignment]  # inputs are in expr; others have ops
            args = [self.arg(a) for a in node.inputs]
            name = f"t{self.temporaries}"
            self.temporaries += 1
            text = ", ".join(sym(a).text for a in args)
            if id(op) in _BUILTIN:
                inline = symbolic(op.forward, *args)
                if isinstance(inline, Sym):
                    self.emit(f"{name} = {inline.text}")
                else:
                    self.emit(f"{name} = {op.name}({text})  # {op.formula}")
            else:  # a user's op: its own code, called at run time
                handle = f"_op{len(self.user_ops)}"
                self.space[handle] = op
                if isinstance(op, FunctionOp):  # a Function: a fresh ctx per call
                    self.emit(f"{handle}_call = {handle}.renew()  # {op.name}: a Function")
                    handle = f"{handle}_call"
                self.user_ops[node] = handle
                self.emit(f"{name} = {handle}.call_forward({text})  # {op.name}")
            self.expr[node] = Sym(name)

    # --- backward --------------------------------------------------------------------------

    def backward(self, depends: set[Node]) -> dict[Node, Any]:
        """The chain rule, written by the reference walk itself; returns each node's gradient."""
        wanted = {self.inputs[i] for i in self.positions}
        needs: set[Node] = set()
        for node in topological_order(self.out):  # parents first
            if node in wanted or (
                node in depends
                and any(a.__class__ is not float and a in needs for a in node.inputs)
            ):
                needs.add(node)
        if self.out not in needs:
            return {}
        consumers: dict[Node, int] = {}  # edges into each node from nodes that need it
        for node in needs:
            for parent in node.inputs:
                if parent.__class__ is not float and parent in needs:
                    consumers[parent] = consumers.get(parent, 0) + 1
        received: set[Node] = set()
        self.emit(f"# backward: g_v = d{self.expr[self.out].text}/dv, from the output back")

        def local(node: Node, g: Any) -> Sequence[Any]:
            inputs = node.inputs
            if node not in needs:
                return (None,) * len(inputs)
            op: Op = node.op  # type: ignore[assignment]  # only inner nodes are visited
            xs = [self.arg(a) for a in inputs]
            out = self.expr[node]
            first = len(self.lines)
            parts = symbolic(op.backward, SYMBOLS, g, out, *xs) if id(op) in _BUILTIN else None
            if parts is None:  # branches on the numbers, or a user's op: call it at run time
                targets = [
                    f"d{self.calls}_{i}" if a.__class__ is not float and a in needs else "_"
                    for i, a in enumerate(inputs)
                ]
                handle = self.user_ops.get(node)
                function = f"{op.name}_backward" if handle is None else f"{handle}.backward"
                call = ", ".join(sym(v).text for v in (g, out, *xs))
                self.emit(f"{_targets(targets)} = {function}(FLOATS, {call})")
                parts = [None if t == "_" else Sym(t) for t in targets]
                self.calls += 1
            result: list[Any] = []
            for parent, part in zip(inputs, parts, strict=True):
                if parent.__class__ is float or parent not in needs:
                    result.append(None)
                elif parent in received:  # the walk adds it to the first part: `+=`
                    result.append(part)
                else:
                    received.add(parent)
                    reusable = not isinstance(part, Sym) or part.is_name
                    if consumers[parent] == 1 and parent not in wanted and reusable:
                        result.append(part)  # nothing to add: reuse the name or number
                    else:
                        name = f"g_{self.expr[parent].text}"
                        self.emit(f"{name} = {sym(part).text}")
                        result.append(Sym(name))
            if len(self.lines) > first:
                about = op.derivative or "its own backward"
                self.lines[first] += f"  # {op.name}: {about}"
            return result

        def add(node: Node, total: Any, part: Any) -> Any:
            name = sym(total)
            self.sums[len(self.lines)] = f"    {name.text} = {sym(name + part).text}"
            self.emit(f"{name.text} += {sym(part).text}")
            return total

        return walk(self.out, 1.0, local, add, run_hooks=False)

    def source(self, fname: str, single: bool) -> str:
        """The generated function's source."""
        order = topological_order(self.out)
        # What the forward computes: the inputs, and every node made in the trace (a Value made
        # before it, a model's Parameter say, is read at each call: `arg`).
        depends = {
            n for n in order if n in self.expr or (n.op is not None and self.trace.made_here(n))
        }
        head = f"def {fname}({', '.join(self.names)}):"
        if self.names:
            checks = [f"{n}.__class__ is not float" for n in self.names]
            if len(checks) > 2:
                self.emit("if (")
                for i, check in enumerate(checks):
                    self.emit(f"    {check}" if i == 0 else f"    or {check}")
                self.emit("):  # an int, a numpy number or array: converted, or run by numpy")
            else:
                self.emit(f"if {' or '.join(checks)}:  # ints, numpy numbers and arrays")
            self.emit(f"    return other_arguments({', '.join(self.names)})")
        self.prologue = len(self.lines)
        if self.out.requires_grad:
            self.forward(depends, order)
            value = self.arg(self.out).text
            grads = self.backward(depends)
        else:  # nothing in f needs a gradient: the output is a constant
            grads = {}
            value = literal(self.out.number).text
        results = []
        for i in self.positions:
            total = grads.get(self.inputs[i])
            results.append(sym(0.0 if total is None else total).text)
        returned = results[0] if single else f"({_targets(results)})"
        self.emit(f"return {value}, {returned}")
        self.head = head
        return "\n".join([head, *self.lines]) + "\n"

    def unchecked_source(self) -> str:
        """The same function for arguments that need no check: numpy arrays, say.

        Called after `source`: its lines without the prologue that makes each argument a
        float, and each ``g += part`` written ``g = g + part`` (the same sum, in a new array).
        """
        lines = [self.sums.get(i, line) for i, line in enumerate(self.lines)]
        return "\n".join([self.head, *lines[self.prologue :]]) + "\n"


class Traced:
    """What the numpy form of one trace is made from, when it is first called on arrays.

    Attributes:
        text: The generated code without its float checks (`Writer.unchecked_source`).
        fname: The generated function's name.
        space: The scalar code's globals (user ops, the Values read at each call).
        positions: The differentiated arguments.
        single: `argnums` is an int: one gradient, not a tuple.
    """

    __slots__ = ("fname", "positions", "single", "space", "text")

    def __init__(
        self,
        text: str,
        fname: str,
        space: dict[str, Any],
        positions: tuple[int, ...],
        single: bool,
    ) -> None:
        self.text = text
        self.fname = fname
        self.space = space
        self.positions = positions
        self.single = single
