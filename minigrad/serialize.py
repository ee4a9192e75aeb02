"""Copying and pickling graphs: ``copy.deepcopy`` and ``pickle`` of Values, at any depth.

A Value refers to the Values it was computed from (``inputs``), and through them to the whole
graph behind it. Python's ``pickle`` and ``copy.deepcopy`` follow such references by recursion,
one call per node, so a chain of a few thousand ops used to raise ``RecursionError``. Here a
Value is written *flat*:

* `reduce_value` (``Value.__reduce_ex__``) lists every node the Value depends on, leaves first
  (`minigrad.graph.topological_order`, an iterative walk), and writes that list before the
  Value itself. Each listed node is written in its short form: its fields, with its inputs as
  references to nodes already written. So pickling a 100,000-node chain uses a constant depth
  of the C stack and time linear in the graph, and so does ``copy.deepcopy``.
* A ``.grad`` that is a Value (after ``backward(create_graph=True)``; its graph may refer back
  to the node itself) is set after the nodes exist (``Value.__setstate__``, `set_grads`).
* Shared nodes stay shared: the pickler's (or deepcopy's) memo maps each node to one copy, so
  ``copy.deepcopy((model, optimizer))`` gives an optimizer whose ``param_groups`` and
  ``state`` keys are the copied model's parameters, as with torch.

What is kept: every field of every node (``data``, ``grad``, ``requires_grad``, ``op``,
``inputs``, ``uses``, a Parameter's ``name``, the attributes of a subclass). What is not:
gradient hooks (``register_hook``), which are functions attached from outside, as PyTorch
drops them on pickle too.

Ops are definitions, not data. A built-in op is pickled by its name in
`minigrad.ops.REGISTRY`; a user's `minigrad.Op` by the module-level name it is bound to
(``softplus = mg.Op("softplus", ...)`` in an importable module), or else *by value* when its
forward, backward and smooth are module-level functions or ``functools.partial`` objects of
them (as the ops the losses make per call: `rebuild_op` reads such an op back, a new op of
the same functions and options); a ``mg.Function`` call by its class's qualified name, with
its ctx. Anything else (a lambda or closure not bound to a module-level name) raises
`pickle.PicklingError` saying so. ``copy.deepcopy`` shares an Op (as it shares a function)
and copies a Function call's ctx.
"""

from __future__ import annotations

import copyreg
import sys
from _thread import get_ident  # built in, always loaded (threading is not)

from minigrad.backprop import topological_order
from minigrad.function import FunctionOp
from minigrad.graph import SEQUENCE, Node
from minigrad.op import Op
from minigrad.ops import REGISTRY

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
# functools.partial is _functools.partial (built in; functools itself imports collections).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from functools import partial
    from typing import Any
else:
    from _functools import partial

__all__ = [
    "builtin_op",
    "function_op",
    "rebuild_op",
    "reduce_function_op",
    "reduce_op",
    "reduce_value",
    "restore_value",
    "set_grads",
    "user_op",
]

# The fields every node has (minigrad.graph.Node); a subclass's other attributes are "extra".
CORE = frozenset({"grad", "inputs", "number", "op", "requires_grad", "uses"})
SKIPPED = frozenset({"__weakref__", "__dict__"})

# (thread, id(node)) -> the token of the batch that listed the node. A listed node is written
# in its short form (its inputs are already written: they come before it in the list). A
# batch unmarks what it marked once its list is written, or when it is dropped unwritten.
marks: dict[tuple[int, int], int] = {}
tokens = iter(range(1, sys.maxsize))


class Batch:
    """The end of a flat list of nodes: written or copied, it removes the list's marks."""

    __slots__ = ("keys", "token")

    def __init__(self, keys: list[tuple[int, int]], token: int) -> None:
        self.keys = keys
        self.token = token

    def release(self) -> None:
        """Unmark the nodes this batch marked and that were not written in short form."""
        token, keys = self.token, self.keys
        self.keys = []
        for key in keys:
            if marks.get(key) == token:
                del marks[key]

    def __reduce__(self) -> tuple[Any, ...]:
        self.release()
        return (restore_nothing, ())

    def __deepcopy__(self, memo: dict[int, Any]) -> None:
        self.release()

    def __del__(self) -> None:  # a pickle that failed half way: no stale marks
        self.release()


def restore_nothing() -> None:
    """What a `Batch` becomes when read back: nothing (a None in the list)."""


def extra_fields(node: Node) -> dict[str, Any] | None:
    """The attributes of `node` beyond a Node's fields (a Parameter's ``name``), or None."""
    found: dict[str, Any] = {}
    for cls in type(node).__mro__:
        slots = cls.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            if slot not in CORE and slot not in SKIPPED and hasattr(node, slot):
                found[slot] = getattr(node, slot)
    found.update(getattr(node, "__dict__", {}))
    return found or None


def fields(node: Node) -> tuple[Any, ...]:
    """`restore_value`'s arguments after the list: a ``.grad`` that is a Value is left out."""
    grad = node.grad
    return (
        type(node),
        node.number,
        node.requires_grad,
        node.op,
        node.inputs,
        grad if _plain(grad) else None,
        extra_fields(node),
    )


def reduce_value(node: Node) -> tuple[Any, ...]:
    """``Value.__reduce_ex__``: the Value written flat (see the module docs).

    Returns:
        ``(restore_value, (listed, *fields))`` and, when some listed node's ``.grad`` is a
        Value, the ``(node, grad)`` pairs as the state `set_grads` applies.
    """
    thread = get_ident()
    if marks.pop((thread, id(node)), None) is not None:  # listed: its inputs are written
        return (restore_value, (None, *fields(node)))
    order: list[Any] = topological_order(node)
    order.pop()  # `node` itself, written last
    token = next(tokens)
    keys = [(thread, id(n)) for n in order]
    for key in keys:
        marks[key] = token
    pairs = [(n, n.grad) for n in (*order, node) if not _plain(n.grad)]
    order.append(Batch(keys, token))
    reduced = (restore_value, (order, *fields(node)))
    return (*reduced, pairs) if pairs else reduced


def _plain(grad: Any) -> bool:
    return grad is None or grad.__class__ is float


def restore_value(
    listed: list[Any] | None,
    cls: type[Node],
    data: float,
    requires_grad: bool,
    op: Op | None,
    inputs: tuple[Any, ...],
    grad: float | None,
    extra: dict[str, Any] | None,
) -> Node:
    """Make a node from its fields (`reduce_value`'s inverse); `listed` is already restored."""
    node: Any = object.__new__(cls)
    node.number = data
    node.grad = grad
    node.requires_grad = requires_grad
    node.op = op
    node.inputs = tuple(inputs)
    node.sequence = next(SEQUENCE)  # made after its inputs, as the original was
    if extra:
        for name, value in extra.items():
            setattr(node, name, value)
    restored: Node = node
    return restored


def set_grads(pairs: list[tuple[Node, Any]]) -> None:
    """``Value.__setstate__``: give each node its ``.grad`` (a Value), once all nodes exist."""
    for node, grad in pairs:
        node.grad = grad


# --- ops ---------------------------------------------------------------------------------------


def _importable(obj: Any) -> bool:
    """Whether `obj` is what its module.qualname leads to (so pickle can write it by name)."""
    import importlib

    module_name = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not isinstance(module_name, str) or not isinstance(qualname, str):
        return False
    if "<locals>" in qualname:
        return False
    try:
        found: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return False
    return found is obj


def _by_value(fn: Any) -> bool:
    """Whether pickle can write `fn` itself: an importable function, or a partial of one.

    A partial's arguments are written by pickle as they are (one that cannot be pickled
    raises pickle's own error).
    """
    while isinstance(fn, partial):
        fn = fn.func
    return _importable(fn)


def _picklable(obj: Any, what: str) -> tuple[str, str]:
    """The (module, qualified name) under which `obj` is importable; PicklingError if none."""
    import pickle

    module_name = getattr(obj, "__module__", None)
    qualname = getattr(obj, "__qualname__", None)
    if not _importable(obj):
        raise pickle.PicklingError(
            f"cannot pickle {what}: pickle stores it by its importable name (module.qualname), "
            f"and {module_name}.{qualname} does not lead to it (a class or op defined inside a "
            "function, or redefined since). Define it at the top level of a module; "
            "copy.deepcopy works without that."
        )
    return module_name, qualname  # type: ignore[return-value]  # both checked to be str


def reduce_op(op: Op) -> tuple[Any, ...]:
    """How pickle writes an Op: a built-in by its name, a user's op by where it is defined.

    A user's op bound to no module-level name is written by value (`rebuild_op`) when its
    forward, backward and smooth are importable functions or ``functools.partial`` objects of
    them: the ops `minigrad.losses` makes per call are.

    Raises:
        pickle.PicklingError: A user's op that is bound to no module-level name and whose
            functions are not importable (a lambda, a closure).
    """
    if REGISTRY.get(op.name) is op:
        return (builtin_op, (op.name,))
    for fn in (op.forward, op.user_backward):
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        if module is None:
            continue
        if getattr(module, op.name, None) is op:
            return (user_op, (module.__name__, op.name))
        for name, value in vars(module).items():
            if value is op:
                return (user_op, (module.__name__, name))
    functions = (op.forward, op.user_backward, op.smooth)
    if op.method is None and not op.ufunc and all(_by_value(fn) for fn in functions):
        options = {
            "arity": op.arity,
            "formula": op.formula,
            "derivative": op.derivative,
            "edges": op.edges,
            "smooth": op.smooth,
            "check": op.check,
        }
        return (rebuild_op, (op.name, op.forward, op.user_backward, options))
    import pickle

    raise pickle.PicklingError(
        f"cannot pickle the op {op.name!r}: a user's mg.Op is stored by the name it is bound to "
        f"at the top level of an importable module (e.g. `{op.name} = mg.Op({op.name!r}, ...)` "
        "in mymodule.py), or by value when its forward, backward and smooth are module-level "
        "functions or functools.partial objects of them; it is neither (a lambda or a "
        "closure?). Define it so, or use copy.deepcopy, which shares ops."
    )


def rebuild_op(
    name: str, forward: Callable[..., float], backward: Callable[..., Any], options: dict[str, Any]
) -> Op:
    """An op written by value read back (`reduce_op`): a new op of the same functions.

    `options` are the constructor's keywords (``arity``, ``formula``, ``derivative``,
    ``edges``, ``smooth``, ``check``); the op is not registered as ``m.<name>``.
    """
    return Op(name, forward, backward, **options)


def builtin_op(name: str) -> Op:
    """The built-in op `name` (`minigrad.ops.REGISTRY`): how a pickled one is read back."""
    op = REGISTRY.get(name)
    if op is None:
        raise ValueError(
            f"the pickle refers to a built-in op {name!r} that this minigrad does not have "
            f"(it was written by another version); the built-in ops are {sorted(REGISTRY)}"
        )
    return op


def user_op(module: str, name: str) -> Op:
    """The op bound to `name` in `module`: how a pickled user's op is read back."""
    import importlib

    op = getattr(importlib.import_module(module), name, None)
    if not isinstance(op, Op):
        raise ValueError(f"the pickle refers to an op {module}.{name}, which is {op!r} now")
    return op


def reduce_function_op(op: FunctionOp) -> tuple[Any, ...]:
    """How pickle writes one ``mg.Function`` call: its class by name, its ctx, what it saw.

    A saved value that is an input or the output of ``forward`` is written as that (its
    position), since `minigrad.function` matches them by identity, which floats lose in a
    pickle.

    Raises:
        pickle.PicklingError: The Function class is not importable by its qualified name.
    """
    call = op.call
    _picklable(call.function, f"a Value computed by the Function {call.function.__qualname__}")
    saved: list[tuple[str, Any]] = []
    for value in call.ctx.saved_values:
        index = next((i for i, x in enumerate(call.forward_inputs) if x is value), None)
        if index is not None:
            saved.append(("input", index))
        elif value is call.forward_output:
            saved.append(("output", None))
        else:
            saved.append(("value", value))
    extra = {k: v for k, v in vars(call.ctx).items() if k not in ("_saved", "_view")}
    return (
        function_op,
        (call.function, op.arity, saved, call.forward_inputs, call.forward_output, extra),
    )


def function_op(
    function: Any,
    arity: int,
    saved: list[tuple[str, Any]],
    forward_inputs: tuple[float, ...],
    forward_output: Any,
    extra: dict[str, Any],
) -> FunctionOp:
    """A Function call read back from a pickle (`reduce_function_op`'s inverse)."""
    op = FunctionOp(function, arity)
    call = op.call
    call.forward_inputs = tuple(x * 1.0 for x in forward_inputs)  # one float object each
    call.forward_output = forward_output
    for name, value in extra.items():
        setattr(call.ctx, name, value)
    restored = []
    for kind, value in saved:
        if kind == "input":
            value = call.forward_inputs[value]
        elif kind == "output":
            value = forward_output
        restored.append(value)
    call.ctx.save_for_backward(*restored)
    return op


copyreg.pickle(Op, reduce_op)
copyreg.pickle(FunctionOp, reduce_function_op)
