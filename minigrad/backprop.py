"""The backward pass: walk the graph in reverse topological order and apply the chain rule.

A node is a `Value` with ``_rule`` (its row in `minigrad.ops`) and ``_args`` (its inputs: Values
that require grad, or floats for everything else). Leaves have no rule and no args.

The walk has no recursion (a chain of a million nodes is fine) and builds its order with
Kahn's algorithm: first count, for each node, the edges that reach it from the output; then
release a node once every consumer has sent it its gradient. Each pass keeps its gradients in a
local dict and only at the end of a node's turn adds them to ``.grad``, so a second pass adds
exactly the same amounts again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad import anomaly, modes
from minigrad.ops import FLOAT_MATH, Math

if TYPE_CHECKING:
    from minigrad.value import Value

__all__ = ["run_backward"]


def _count_consumers(root: Value) -> dict[Value, int]:
    """For every node reachable from `root` through grad-requiring edges: how many edges in."""
    consumers = {root: 0}
    stack = [root]
    pop, push = stack.pop, stack.append
    while stack:
        for parent in pop()._args:
            if parent.__class__ is float:
                continue  # a constant: nothing to send it
            if parent in consumers:
                consumers[parent] += 1
            else:
                consumers[parent] = 1
                push(parent)
    return consumers


def run_backward(
    root: Value,
    seed: Any,
    *,
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
    consumers = _count_consumers(root)
    check = modes.state.anomaly
    on_values = value_math is not None
    math = value_math if value_math is not None else FLOAT_MATH
    pending: dict[Value, Any] = {root: seed}
    ready = [root]
    pop_ready, push_ready, pop_pending = ready.pop, ready.append, pending.pop
    while ready:
        node = pop_ready()
        g = pop_pending(node)
        rule = node._rule
        if results is not None:
            results[node] = g
        elif rule is None or not on_values:
            # With create_graph only leaves keep their gradient, as in PyTorch: an
            # intermediate's gradient graph leads back to the intermediate itself, a cycle.
            node.grad += g
        if rule is None:
            continue  # a leaf
        args = node._args
        if on_values:
            local = rule.backward(math, g, node, *args)
        elif len(args) == 2:  # most ops; spelled out because this is the hot path
            a, b = args
            local = rule.backward(
                math,
                g,
                node.data,
                a if a.__class__ is float else a.data,
                b if b.__class__ is float else b.data,
            )
        elif len(args) == 1:
            (a,) = args
            local = rule.backward(math, g, node.data, a if a.__class__ is float else a.data)
        else:
            local = rule.backward(
                math, g, node.data, *[a if a.__class__ is float else a.data for a in args]
            )
        if check:
            anomaly.check_backward(node, rule, local)
        for parent, grad in zip(args, local, strict=True):
            if parent.__class__ is float:
                continue
            if parent in pending:
                pending[parent] += grad
            else:
                pending[parent] = grad
            left = consumers[parent] - 1
            if left:
                consumers[parent] = left
            else:
                push_ready(parent)
