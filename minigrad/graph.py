"""The node's internal interface, and the orders in which the graph is read.

`Node` holds the fields of a `minigrad.Value` that the engine's modules read: the backward
walks (`minigrad.backprop`, `minigrad.fastpath`), `detect_anomaly`, the compiler and the graph
drawings. `Value` adds the operators and methods a user calls; modules below it in the import
order (so that nothing imports in a circle) see a node as a `Node`.

A node's fields:

* ``number``: its number (a float). A user reads and assigns it as ``.data``, a property of
  `minigrad.Value` that checks what is assigned; the engine reads and writes this field itself,
  with floats it computed, because the property costs a call (about 0.6k instructions a read);
* ``grad``: the gradient backward passes add into it (None on a leaf before the first);
* ``requires_grad``: whether gradients flow to it;
* ``op``: the `minigrad.op.Op` that computed it, or None for a leaf (made by the user);
* ``inputs``: the op's inputs, in order. An input that needs no gradient (a plain number, or a
  Value with ``requires_grad=False``) is kept as its float, so a walk skips it with one class
  check;
* ``uses``: how many recorded nodes have taken this node as an input. A node used once (most
  nodes) has its whole gradient as soon as that one consumer sends it, so the walks need no
  counting pass for a tree-shaped graph (see `minigrad.backprop`). Every place that records a
  node raises it.
"""

from __future__ import annotations

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False


if TYPE_CHECKING:
    from typing import Any

    from minigrad.op import Op

__all__ = ["Node", "count_consumers", "topological_order"]


class Node:
    """The fields of a Value that the engine reads (see the module docs)."""

    __slots__ = ()

    number: float
    grad: Any
    requires_grad: bool
    op: Op | None
    inputs: tuple[Any, ...]
    uses: int


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, each after the nodes it is computed from (`root` last).

    An iterative depth-first walk (no recursion), for the tools that read a whole graph
    (`minigrad.viz`, the compiler); the backward pass itself needs no list of the nodes.
    """
    order: list[Node] = []
    done: set[Node] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in done:
            continue
        done.add(node)
        stack.append((node, True))
        for parent in reversed(node.inputs):
            if parent.__class__ is not float and parent not in done:
                stack.append((parent, False))
    return order


def count_consumers(root: Node) -> dict[Node, int]:
    """How many edges reach each inner node (one with an op) reachable from `root`."""
    consumers = {root: 0}
    stack = [root]
    pop, push, get = stack.pop, stack.append, consumers.get
    while stack:
        for parent in pop().inputs:
            if parent.__class__ is float or parent.op is None:
                continue  # a constant, or a leaf
            count = get(parent)
            if count is None:
                consumers[parent] = 1
                push(parent)
            else:
                consumers[parent] = count + 1
    return consumers
