"""The backward pass: every node's gradient, by the chain rule, from the output back.

Two steps, the whole algorithm:

1. **Order.** Every Value knows when it was made (``Value.sequence`` grows by one with each
   Value). An op's output is made after its inputs, so with the newest Value first, every node
   comes after all the nodes that used it (PyTorch's engine orders its work the same way). By
   the time a node's turn comes, every part of its gradient has arrived.
2. **One loop** over that order. A node's gradient ``g`` = ∂root/∂node is complete; its op's
   backward formula gives ``g · ∂node/∂xᵢ`` for each input ``xᵢ`` (the chain rule), and each
   part is added to what ``xᵢ`` has received so far. A node used twice (``x * x``) receives
   two parts, which is why gradients are summed, never assigned.

The same loop serves every caller: ``backward()`` (on floats), ``backward(create_graph=True)``
and ``mg.grad`` of ``mg.grad`` (on Values, so that the gradient is a graph too), and
``mg.compile`` (on symbols, writing the chain rule as code). Each pass computes its own
totals, and the caller adds them into ``.grad``: so a second ``backward()`` adds exactly the
same amounts again.
"""

from __future__ import annotations

from minigrad import anomaly, hooks, modes
from minigrad.graph import Node
from minigrad.op import FLOATS, VALUES, Op

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any, TypeAlias

    Local: TypeAlias = Callable[[Node, Any], Sequence[Any]]
    """``local(node, g)``: the parts of ``g`` that go to each of ``node.inputs`` (None: no part)."""
    Add: TypeAlias = Callable[[Node, Any, Any], Any]
    """``add(node, total, part)``: the sum of two parts of ``node``'s gradient."""

__all__ = ["backward_order", "on_floats", "on_values", "plus", "topological_order", "walk"]


def on_floats(node: Node, g: Any) -> Sequence[Any]:
    """The op's backward formula on floats: ``g`` times each local derivative."""
    numbers = [x if x.__class__ is float else x.number for x in node.inputs]
    op: Op = node.op  # type: ignore[assignment]  # only nodes with an op are asked
    return op.backward(FLOATS, g, node.number, *numbers)  # type: ignore[no-any-return]


def on_values(node: Node, g: Any) -> Sequence[Any]:
    """The same formula on Values: it records a graph, which can be differentiated again."""
    op: Op = node.op  # type: ignore[assignment]
    return op.backward(VALUES, g, node, *node.inputs)  # type: ignore[no-any-return]


def plus(node: Node, total: Any, part: Any) -> Any:
    """Add a part to a node's gradient so far: ``total + part``."""
    return total + part


def sequence_of(node: Node) -> int:
    """When `node` was made (the sort key of `backward_order`)."""
    return node.sequence


def backward_order(root: Node) -> list[Node]:
    """Every Value `root` depends on, itself included, newest first.

    A depth-first search with an explicit stack (no recursion, so a chain of a million nodes
    is fine) finds them; sorting by ``sequence`` puts each after every node that used it.
    """
    reached = {root}
    stack = [root]
    while stack:
        for x in stack.pop().inputs:
            if x.__class__ is not float and x not in reached:  # a float is a constant
                reached.add(x)
                stack.append(x)
    return sorted(reached, key=sequence_of, reverse=True)


def walk(
    root: Node, seed: Any, local: Local = on_floats, add: Add = plus, *, run_hooks: bool = True
) -> dict[Node, Any]:
    """Every node's gradient ∂root/∂node · seed: the chain rule in `backward_order`.

    Args:
        root: The output to differentiate.
        seed: The gradient of the loss with respect to `root` (1.0 for the loss itself).
        local: What a node does with its gradient (`on_floats`, `on_values`, or code).
        add: How a node's parts are summed (`plus`, or a line of code).
        run_hooks: Run each node's hooks (``Value.register_hook``) on its gradient once it is
            complete, before it flows on; the compiler, which writes code, does not.

    Returns:
        Each node reached and its total gradient. ``.grad`` is left untouched: the caller
        decides where the totals go.
    """
    grads: dict[Node, Any] = {root: seed}
    hooked = run_hooks and hooks.active()
    check = modes.state.anomaly
    for node in backward_order(root):
        g = grads.get(node)  # complete now: every node that used this one came before it
        if g is None:  # no gradient reaches it (only the compiler's `local` sends None)
            continue
        if hooked:
            g = grads[node] = hooks.run(node, g)
        if node.op is None:  # a leaf: nothing to pass on
            continue
        parts = local(node, g)
        if len(parts) != len(node.inputs):
            raise TypeError(
                f"the backward of op {node.op.name!r} returned {len(parts)} gradient(s) "
                f"for {len(node.inputs)} input(s)"
            )
        if check:
            anomaly.check_backward(node, parts)
        for x, part in zip(node.inputs, parts):  # noqa: B905 (lengths checked above)
            if x.__class__ is float or part is None:  # a constant needs no gradient
                continue
            total = grads.get(x)
            grads[x] = part if total is None else add(x, total, part)
    return grads


def topological_order(root: Node) -> list[Node]:
    """Every Value `root` depends on, each after its inputs (`backward_order` reversed)."""
    return backward_order(root)[::-1]
