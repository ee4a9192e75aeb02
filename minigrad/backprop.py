"""The backward pass: visit the graph from the output back to the leaves, applying the chain rule.

A node is a `Value` with ``_rule`` (its row in `minigrad.ops`), ``_args`` (its inputs: Values
that require grad, or floats for everything else) and ``_uses`` (how many times it has been
an input of another node). Leaves have no rule and no args.

Order. A node may run its rule once its gradient is complete, i.e. once every consumer in the
graph has sent its part (Kahn's algorithm, reverse topological order, no recursion: a chain of
a million nodes is fine). Most nodes are used exactly once, and then the one part that arrives
is the whole gradient: such a node goes straight onto the `ready` stack. For nodes used more
than once we count, once per pass and only when the first is reached, how many consumers each
has in this graph (other uses may lie outside it), and release each when all have sent.

Accumulation. Each pass sums its own gradients and adds each node's total into ``.grad``
once, so a second pass adds exactly the same amounts again. Leaves' totals are handed over
at the end of the pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad import anomaly, modes
from minigrad.ops import FLOAT_MATH, Math, Rule

if TYPE_CHECKING:
    from minigrad.value import Value

__all__ = ["run_backward", "topological_order"]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after the nodes it is computed from (`root` last).

    An iterative depth-first walk, for the tools that read a whole graph (`minigrad.viz`,
    `minigrad.compiler`); the backward pass itself needs no list of the nodes.
    """
    order: list[Value] = []
    done: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if node in done:
            continue
        done.add(node)
        stack.append((node, True))
        for parent in reversed(node._args):
            if parent.__class__ is not float and parent not in done:
                stack.append((parent, False))
    return order


def _count_consumers(root: Value) -> dict[Value, int]:
    """How many edges reach each inner node (one with a rule) reachable from `root`."""
    consumers = {root: 0}
    stack = [root]
    pop, push, get = stack.pop, stack.append, consumers.get
    while stack:
        for parent in pop()._args:
            if parent.__class__ is float or parent._rule is None:
                continue  # a constant, or a leaf
            count = get(parent)
            if count is None:
                consumers[parent] = 1
                push(parent)
            else:
                consumers[parent] = count + 1
    return consumers


def run_backward(
    root: Value,
    seed: Any,
    value_math: Math | None = None,
    results: dict[Value, Any] | None = None,
) -> None:
    """Propagate `seed` = dL/d(root) to every node that requires grad.

    Args:
        root: The output to differentiate.
        seed: The gradient of the loss with respect to `root`.
        value_math: None for the float path. For ``create_graph=True`` the Value namespace:
            the rules then run on Values and record a graph of the gradients.
        results: None to add each node's gradient into its ``.grad``. A dict to receive the
            gradients instead, leaving every ``.grad`` untouched (the functional `grad`).
    """
    leaves: dict[Value, Any] = {}  # this pass's gradient of each leaf reached
    ready: list[tuple[Value, Any]] = []
    if root._rule is None:
        leaves[root] = seed
    else:
        ready.append((root, seed))
    # Nodes used more than once: [sum of the parts received, how many]. A node is
    # expected to hear from all its `_uses` consumers; if some lie outside this graph it is
    # stuck when `ready` runs dry, and then we count the consumers in this graph (once).
    waiting: dict[Value, list[Any]] = {}
    consumers: dict[Value, int] | None = None
    pop_ready, push_ready, leaf_part = ready.pop, ready.append, leaves.get
    check = modes.special_threads != 0 and modes.state.anomaly
    on_values = value_math is not None
    math = value_math if value_math is not None else FLOAT_MATH
    # With create_graph intermediates keep no .grad, as in PyTorch: the gradient's graph would
    # lead back to the node itself, a reference cycle.
    keep = results is None and not on_values
    while True:
        while ready:
            node, g = pop_ready()
            if keep:
                node.grad += g
            elif results is not None:
                results[node] = g
            rule: Rule = node._rule  # type: ignore[assignment]  # only inner nodes are queued
            args = node._args
            if on_values:
                local = rule.backward(math, g, node, *args)
            elif len(args) == 2:  # most ops: spelled out, as this is the hot path
                a, b = args
                local = rule.backward(
                    math,
                    g,
                    node.data,
                    a if a.__class__ is float else a.data,
                    b if b.__class__ is float else b.data,
                )
            else:
                local = rule.backward(
                    math, g, node.data, *[a if a.__class__ is float else a.data for a in args]
                )
            if check:
                anomaly.check_backward(node, rule, local)
            # The chain rule: hand each input its part. (A loop, not zip(): zip() measured
            # dear on this hot path.)
            i = 0
            for parent in args:
                if parent.__class__ is not float:
                    part = local[i]
                    if parent._rule is None:
                        previous = leaf_part(parent)
                        leaves[parent] = part if previous is None else previous + part
                    elif parent._uses == 1:  # its only consumer is this node: part is whole
                        push_ready((parent, part))
                    else:
                        entry = waiting.get(parent)
                        if entry is None:
                            entry = waiting[parent] = [part, 1]
                        else:
                            entry[0] = entry[0] + part
                            entry[1] += 1
                        if entry[1] == (parent._uses if consumers is None else consumers[parent]):
                            del waiting[parent]
                            push_ready((parent, entry[0]))
                i += 1  # noqa: SIM113 (enumerate() costs 9% more instructions per pass here)
        if not waiting:
            break
        # Stuck: some consumers lie outside this graph. Count those inside, then release.
        if consumers is None:
            consumers = _count_consumers(root)
        for node, (part, received) in list(waiting.items()):
            if received == consumers[node]:
                del waiting[node]
                push_ready((node, part))
        if not ready:  # pragma: no cover - would be a bug in the counting
            raise RuntimeError("backward: gradients are stuck; please report this")
    if results is not None:
        results.update(leaves)
    else:
        for leaf, g in leaves.items():
            leaf.grad += g
