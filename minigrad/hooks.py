"""Gradient hooks: ``v.register_hook(fn)`` runs ``fn`` on the gradient flowing into ``v``.

As ``torch.Tensor.register_hook``: during a backward pass, once ``v``'s gradient is complete
(every consumer has sent its part), each hook of ``v`` is called with it, in the order they
were registered; a hook that returns something other than None replaces the gradient, which
then flows on to ``v``'s inputs and into ``v.grad``. Hooks run in ``backward()`` (also with
``create_graph``, where the gradient is a Value) and in ``mg.grad`` / ``value_and_grad``; not in
the code ``mg.compile`` writes (registering one while tracing raises TracingError).

The table is kept here, not on the node (a slot on every node would cost memory for a rare
feature), keyed by the node's id and cleared by a weak reference when the node dies: no
reference cycle, and ``active()`` is one dict check, so ``backward()`` keeps its float fast
path while no hook exists anywhere.
"""

from __future__ import annotations

from _weakref import ref  # weakref.ref itself, without the weakref module

from minigrad.graph import Node
from minigrad.numbers import as_float

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeAlias

    Hook: TypeAlias = Callable[[Any], Any]

__all__ = ["RemovableHandle", "active", "hooks_of", "register", "run", "table"]

# id(node) -> (a weak reference to the node, its hooks in order). The walks read `if table:`
# (not active(), a call) before anything else here: plain backward() pays one dict check.
table: dict[int, tuple[ref[Node], list[Hook]]] = {}


def active() -> bool:
    """True while some live Value has a hook."""
    return bool(table)


def hooks_of(node: Node) -> list[Hook] | None:
    """The hooks of `node`, or None."""
    entry = table.get(id(node))
    if entry is None or entry[0]() is not node:
        return None
    return entry[1]


class RemovableHandle:
    """What `register` returns: ``.remove()`` takes the hook off again (twice is fine)."""

    __slots__ = ("_fn", "_node")

    def __init__(self, node: Node, fn: Hook) -> None:
        self._node = ref(node)
        self._fn = fn

    def remove(self) -> None:
        """Take the hook off its Value; nothing happens if it is gone already."""
        node = self._node()
        hooks = None if node is None else hooks_of(node)
        if hooks is None or node is None:
            return
        for i, fn in enumerate(hooks):
            if fn is self._fn:
                del hooks[i]
                break
        if not hooks:
            table.pop(id(node), None)

    def __repr__(self) -> str:
        return f"<hook {getattr(self._fn, '__name__', self._fn)!s}>"


def register(node: Node, fn: Hook) -> RemovableHandle:
    """Add `fn` to the hooks of `node`; see `minigrad.Value.register_hook`."""
    if not callable(fn):
        raise TypeError(f"register_hook: the hook must be callable; got {type(fn).__name__} {fn!r}")
    if not node.requires_grad:
        raise RuntimeError(
            "register_hook on a Value that does not require grad: no gradient will flow into it"
        )
    key = id(node)
    hooks = hooks_of(node)
    if hooks is None:
        hooks = []
        weak = ref(node, lambda _, key=key: table.pop(key, None))  # type: ignore[misc]
        table[key] = (weak, hooks)
    hooks.append(fn)
    return RemovableHandle(node, fn)


def run(node: Node, grad: Any) -> Any:
    """`grad` after every hook of `node` (each may return a replacement, or None to keep it)."""
    hooks = hooks_of(node)
    if hooks is None:
        return grad
    for fn in list(hooks):
        result = fn(grad)
        if result is not None:
            if result.__class__ is not float and not isinstance(result, Node):
                result = as_float(result, f"the hook {getattr(fn, '__name__', fn)!s} returned")
            grad = result
    return grad
