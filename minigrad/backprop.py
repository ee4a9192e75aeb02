"""The backward pass: visit the graph from the output back to the leaves, applying the chain rule.

A node is a `Value` with ``_rule`` (its row in `minigrad.ops`), ``_args`` (its inputs: Values
that require grad, or floats for everything else) and ``_uses`` (how many times it has been
an input of another node). Leaves have no rule and no args.

Order. A node may run its rule once its gradient is complete, i.e. once every consumer in the
graph has sent its part (Kahn's algorithm, reverse topological order, no recursion: a chain of
a million nodes is fine). Most nodes are used exactly once, and then the one part that arrives
is the whole gradient: such a node is ready at once. For nodes used more than once we count,
once per pass and only when the first is reached, how many consumers each has in this graph
(other uses may lie outside it), and release each when all have sent.

Accumulation. Each pass sums its own gradients and adds each node's total into ``.grad``
once, so a second pass adds exactly the same amounts again. Leaves' totals are handed over
at the end of the pass.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from minigrad import anomaly, modes
from minigrad.ops import ADD, FLOAT_MATH, MUL, SUB, Math, Rule

if TYPE_CHECKING:
    from minigrad.value import Value

__all__ = ["backward_floats", "run_backward", "topological_order"]


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


def _send(
    parent: Any,
    part: Any,
    leaves: dict[Value, Any],
    waiting: dict[Value, list[Any]],
    consumers: dict[Value, int] | None,
    ready: list[tuple[Value, Any]],
) -> None:
    """Hand `part` of its gradient to `parent` (a Value or a constant float).

    A leaf sums its parts until the end of the pass; a node used once is complete at once; a
    node used more than once waits for all its consumers (`_uses` of them, or, once counted,
    those in this graph).
    """
    if parent.__class__ is float:
        return
    if parent._rule is None:
        previous = leaves.get(parent)
        leaves[parent] = part if previous is None else previous + part
    elif parent._uses == 1:
        ready.append((parent, part))
    else:
        entry = waiting.get(parent)
        if entry is None:
            entry = waiting[parent] = [part, 1]
        else:
            entry[0] = entry[0] + part
            entry[1] += 1
        if entry[1] == (parent._uses if consumers is None else consumers[parent]):
            del waiting[parent]
            ready.append((parent, entry[0]))


def _release_stuck(
    root: Value,
    waiting: dict[Value, list[Any]],
    consumers: dict[Value, int] | None,
    ready: list[tuple[Value, Any]],
) -> dict[Value, int]:
    """Nodes still wait, so some consumers lie outside this graph: count those inside, release.

    Returns the counts, which decide for the rest of the pass when a shared node is complete.
    """
    if consumers is None:
        consumers = _count_consumers(root)
    for node, (part, received) in list(waiting.items()):
        if received == consumers[node]:
            del waiting[node]
            ready.append((node, part))
    if not ready:  # pragma: no cover - would be a bug in the counting
        raise RuntimeError("backward: gradients are stuck; please report this")
    return consumers


def backward_floats(root: Value, seed: float) -> None:
    """``root.backward()``: add d(root)/d(v)·seed into ``v.grad`` for every v, on floats.

    The hot path of a training loop, so it is written for CPython's costs (callgrind counts
    for a line-fit backward in parentheses): rules get plain floats; the two inputs of a
    two-input node (most nodes) are handed their parts inline rather than through `_send`
    (32.1k -> 25.6k instructions); and an input used once is visited next directly instead
    of through the `ready` stack, which saves a tuple, a push and a pop (25.0k -> 21.0k).
    The visiting order is the one the stack would give. `run_backward` is the same walk for
    the other cases.
    """
    if root._rule is None:
        root.grad += seed
        return
    leaves: dict[Value, Any] = {}  # this pass's gradient of each leaf reached
    waiting: dict[Value, list[Any]] = {}  # nodes used more than once: [sum, parts received]
    consumers: dict[Value, int] | None = None
    ready: list[tuple[Value, Any]] = []  # complete nodes not yet visited
    check = modes.special_threads != 0 and modes.state.anomaly
    math = FLOAT_MATH
    node: Any = root
    g: Any = seed
    while True:
        node.grad += g
        rule: Rule = node._rule
        args = node._args
        if len(args) == 2:
            a, b = args
            # The commonest rules' formulas, written out: the call would cost more than the
            # formula itself (line-fit backward 19.9k -> 16.1k instructions, the step 10%
            # faster). tests/test_backprop.py holds these lines to ops' ADD, MUL and SUB bit
            # for bit; every other rule, and every other walk, calls the table.
            if rule is ADD:
                ga = gb = g
            elif rule is MUL:
                ga = g * (b if b.__class__ is float else b.data)
                gb = g * (a if a.__class__ is float else a.data)
            elif rule is SUB:
                ga = g
                gb = -g
            else:
                ga, gb = rule.backward(
                    math,
                    g,
                    node.data,
                    a if a.__class__ is float else a.data,
                    b if b.__class__ is float else b.data,
                )
            if check:
                anomaly.check_backward(node, rule, (ga, gb))
            # _send(a, ga) and _send(b, gb), spelled out; a node used once is complete now,
            # and the walk goes on with it directly rather than through `ready`.
            node = None
            if a.__class__ is not float:
                if a._rule is None:
                    if a in leaves:
                        leaves[a] += ga
                    else:
                        leaves[a] = ga
                elif a._uses == 1:
                    node, g = a, ga
                else:
                    _send(a, ga, leaves, waiting, consumers, ready)
            if b.__class__ is not float:
                if b._rule is None:
                    if b in leaves:
                        leaves[b] += gb
                    else:
                        leaves[b] = gb
                elif b._uses == 1:
                    if node is not None:  # b goes first, as if both were pushed on `ready`
                        ready.append((node, g))
                    node, g = b, gb
                else:
                    if node is not None:  # keep the order of ready: b (if complete), then a
                        ready.append((node, g))
                        node = None
                    _send(b, gb, leaves, waiting, consumers, ready)
            if node is not None:
                continue
        else:
            local = rule.backward(
                math, g, node.data, *[a if a.__class__ is float else a.data for a in args]
            )
            if check:
                anomaly.check_backward(node, rule, local)
            i = 0
            for parent in args:
                _send(parent, local[i], leaves, waiting, consumers, ready)
                i += 1  # noqa: SIM113 (enumerate() costs more instructions here)
        if not ready:
            if not waiting:
                break
            consumers = _release_stuck(root, waiting, consumers, ready)
        node, g = ready.pop()
    for leaf, total in leaves.items():
        leaf.grad += total


def run_backward(
    root: Value,
    seed: Any,
    value_math: Math | None = None,
    results: dict[Value, Any] | None = None,
) -> None:
    """The backward walk of `backward_floats`, for ``create_graph`` and for `mg.grad`.

    Args:
        root: The output to differentiate.
        seed: The gradient of the loss with respect to `root`.
        value_math: None for floats. For ``create_graph=True`` the Value namespace: the
            rules then run on Values and record a graph of the gradients.
        results: A dict to receive every node's gradient, leaving every ``.grad`` untouched
            (the functional `grad`). None to add the leaves' gradients into their ``.grad``
            (``create_graph=True``; plain ``backward()`` is `backward_floats`).
    """
    leaves: dict[Value, Any] = {}
    waiting: dict[Value, list[Any]] = {}
    consumers: dict[Value, int] | None = None
    ready: list[tuple[Value, Any]] = []
    if root._rule is None:
        leaves[root] = seed
    else:
        ready.append((root, seed))
    check = modes.special_threads != 0 and modes.state.anomaly
    on_values = value_math is not None
    math = value_math if value_math is not None else FLOAT_MATH
    while True:
        while ready:
            node, g = ready.pop()
            if results is not None:
                results[node] = g
            # (with create_graph intermediates keep no .grad, as in PyTorch: the gradient's
            # graph would lead back to the node itself, a reference cycle)
            rule: Rule = node._rule  # type: ignore[assignment]  # only inner nodes are queued
            args = node._args
            if on_values:
                local = rule.backward(math, g, node, *args)
            else:
                local = rule.backward(
                    math, g, node.data, *[a if a.__class__ is float else a.data for a in args]
                )
            if check:
                anomaly.check_backward(node, rule, local)
            for parent, part in zip(args, local, strict=True):
                _send(parent, part, leaves, waiting, consumers, ready)
        if not waiting:
            break
        consumers = _release_stuck(root, waiting, consumers, ready)
    if results is not None:
        results.update(leaves)
    else:
        for leaf, total in leaves.items():
            leaf.grad += total
