"""The reference walk: visit the graph from the output back to the leaves, applying the chain rule.

This is the one implementation of the backward ordering. ``backward(create_graph=True)``,
``mg.grad``/``mg.value_and_grad`` and ``mg.compile`` all run it, each deciding what happens at
a node (`Local`: the op's backward on floats, on Values, or written out as code) and how two
parts of a gradient are summed (`Add`). The float fast path of a plain ``backward()``
(`minigrad.fastpath`) is this same walk written out for speed, and a test holds it to this
one bit for bit.

Order. A node may run its op's backward once its gradient is complete, i.e. once every
consumer in the graph has sent its part (Kahn's algorithm in reverse topological order, with
an explicit stack: no recursion, so a chain of a million nodes is fine). Most nodes are used
exactly once (``node.uses == 1``), and then the one part that arrives is the whole gradient:
such a node is ready at once. A node used more than once waits for ``uses`` parts. If some
never come (a consumer outside this graph: made and dropped, or used elsewhere), the ready
stack runs dry with nodes still waiting; only then are the consumers inside this graph counted
(`minigrad.graph.count_consumers`) and the complete nodes released, in the order their first
part arrived.

Sums. Parts are summed in the order they arrive, and every caller gets each node's total once:
so a second ``backward()`` adds exactly the same amounts again, and every path gives the same
bits.
"""

from __future__ import annotations

from minigrad import anomaly, hooks, modes
from minigrad.graph import Node, count_consumers
from minigrad.op import FLOATS, VALUES, Op

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TypeAlias

    Local: TypeAlias = Callable[[Node, Any], Sequence[Any]]
    """``local(node, g)``: the parts of ``g`` that go to each of ``node.inputs`` (None: no part)."""
    Add: TypeAlias = Callable[[Node, Any, Any], Any]
    """``add(node, total, part)``: the sum of two parts of ``node``'s gradient."""

__all__ = ["on_floats", "on_values", "plus", "release_stuck", "walk"]


def on_floats(node: Node, g: Any) -> Sequence[Any]:
    """The op's backward on floats (``mg.grad`` of numbers)."""
    xs = [x if x.__class__ is float else x.number for x in node.inputs]
    op: Op = node.op  # type: ignore[assignment]  # only inner nodes are visited
    return op.backward(FLOATS, g, node.number, *xs)  # type: ignore[no-any-return]


def on_values(node: Node, g: Any) -> Sequence[Any]:
    """The op's backward on Values: records the gradient's graph (``create_graph``)."""
    op: Op = node.op  # type: ignore[assignment]  # only inner nodes are visited
    return op.backward(VALUES, g, node, *node.inputs)  # type: ignore[no-any-return]


def plus(node: Node, total: Any, part: Any) -> Any:
    """Sum two parts with ``+`` (floats or Values)."""
    return total + part


def walk(
    root: Node, seed: Any, local: Local, add: Add = plus, *, run_hooks: bool = True
) -> dict[Node, Any]:
    """Every node's gradient d(root)/d(node)·seed, found in the backward order.

    Args:
        root: The output to differentiate.
        seed: The gradient of the loss with respect to `root`.
        local: What happens at a node (see `Local`).
        add: How two parts are summed (see `Add`).
        run_hooks: Run each node's hooks (`minigrad.hooks`) on its gradient once it is
            complete, before it flows on; the compiler, which writes code, does not.

    Returns:
        Each node reached (inner nodes in the order they were visited, then the leaves) and its
        total gradient. ``.grad`` is left untouched: the caller decides where totals go.
    """
    totals: dict[Node, Any] = {}
    leaves: dict[Node, Any] = {}  # leaves sum their parts until the end of the walk
    waiting: dict[Node, list[Any]] = {}  # nodes used more than once: [sum, parts received]
    consumers: dict[Node, int] | None = None  # counted only when the walk gets stuck
    ready: list[tuple[Node, Any]] = []  # complete nodes not yet visited: a stack
    if root.op is None:
        leaves[root] = seed
    else:
        ready.append((root, seed))
    check = modes.special_threads != 0 and modes.state.anomaly
    hooked = run_hooks and bool(hooks.table)
    while True:
        while ready:
            node, g = ready.pop()
            if hooked:
                g = hooks.run(node, g)
            totals[node] = g
            inputs = node.inputs
            if g is None:  # only the compiler sends None: no gradient reaches this node
                parts: Sequence[Any] = (None,) * len(inputs)
            else:
                parts = local(node, g)
            if len(parts) != len(inputs):
                raise TypeError(
                    f"the backward of op {node.op.name!r} returned {len(parts)} gradient(s) "  # type: ignore[union-attr]
                    f"for {len(inputs)} input(s)"
                )
            if check and g is not None:
                anomaly.check_backward(node, parts)
            for parent, part in zip(inputs, parts):  # noqa: B905 (lengths checked above)
                if parent.__class__ is float:
                    continue
                if parent.op is None:  # a leaf
                    if part is not None:
                        previous = leaves.get(parent)
                        leaves[parent] = part if previous is None else add(parent, previous, part)
                    continue
                if parent.uses == 1:
                    ready.append((parent, part))
                    continue
                entry = waiting.get(parent)
                if entry is None:
                    entry = waiting[parent] = [part, 1]
                else:
                    if part is not None:
                        entry[0] = part if entry[0] is None else add(parent, entry[0], part)
                    entry[1] += 1
                if entry[1] == (parent.uses if consumers is None else consumers[parent]):
                    del waiting[parent]
                    ready.append((parent, entry[0]))
        if not waiting:
            break
        consumers = release_stuck(root, waiting, consumers, ready)
    if hooked:
        leaves = {leaf: hooks.run(leaf, total) for leaf, total in leaves.items()}
    totals.update(leaves)
    return totals


def release_stuck(
    root: Node,
    waiting: dict[Node, list[Any]],
    consumers: dict[Node, int] | None,
    ready: list[tuple[Node, Any]],
) -> dict[Node, int]:
    """Nodes still wait, so some consumers lie outside this graph: count those inside, release.

    Returns the counts, which decide for the rest of the walk when a shared node is complete.
    """
    if consumers is None:
        consumers = count_consumers(root)
    for node, (part, received) in list(waiting.items()):
        if received == consumers[node]:
            del waiting[node]
            ready.append((node, part))
    if not ready:  # pragma: no cover - would be a bug in the counting
        raise RuntimeError("backward: gradients are stuck; please report this")
    return consumers
