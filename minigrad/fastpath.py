"""The float fast path of ``Value.backward()``: the reference walk, written out for speed.

`minigrad.backprop.walk` is the definition of the backward order and of the sums. A plain
``loss.backward()`` in a training loop runs this copy of it instead, specialised for floats.
It keeps the reference walk's invariants, and ``tests/test_fastpath.py`` holds it to the
reference walk bit for bit (every node's gradient, signed zeros and nan included) on random
graphs:

1. the same visiting order: a stack of complete nodes, the inputs of a node handed their parts
   in order, so the last complete input is visited next;
2. a node used once (``uses == 1``) is complete when its one part arrives; a shared node waits
   for ``uses`` parts, or, once the walk is stuck, for its consumers inside the graph
   (`minigrad.backprop.release_stuck`);
3. parts are summed in arrival order; leaves' totals are added into ``.grad`` at the end,
   inner nodes' when they are visited.

What it does differently, each for a measured reason (callgrind instructions for one line-fit
backward, (a·x + b − y)²):

* ops' backward formulas get plain floats and `minigrad.op.FLOATS`, never Values;
* the two inputs of a two-input node (most nodes) are handed their parts inline rather than
  through a helper call (32.1k -> 25.6k), and so is the one input of a one-input node (relu,
  exp, tanh: an MLP 2-16-16-1 step over 50 points 73.1M -> 71.8M);
* an input used once is visited next directly instead of through the stack, which saves a
  tuple, a push and a pop (25.0k -> 21.0k);
* the backward of ``add``, ``mul`` and ``sub`` is written out, because calling the formula
  costs more than the formula (19.9k -> 16.1k; the step 10% faster), and so is ``x ** 2``'s
  (the whole step 34.8k -> 33.6k). The test holds these lines to the registry's formulas bit for
  bit.
"""

from __future__ import annotations

from minigrad import anomaly, modes
from minigrad.backprop import release_stuck
from minigrad.graph import Node
from minigrad.op import FLOATS, Op
from minigrad.ops import ADD, MUL, POW_CONST, SUB

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["backward_floats"]


def _send(
    parent: Any,
    part: Any,
    leaves: dict[Node, Any],
    waiting: dict[Node, list[Any]],
    consumers: dict[Node, int] | None,
    ready: list[tuple[Node, Any]],
) -> None:
    """Hand `part` of its gradient to `parent`, as `minigrad.backprop.walk` does."""
    if parent.__class__ is float:
        return
    if parent.op is None:
        previous = leaves.get(parent)
        leaves[parent] = part if previous is None else previous + part
    elif parent.uses == 1:
        ready.append((parent, part))
    else:
        entry = waiting.get(parent)
        if entry is None:
            entry = waiting[parent] = [part, 1]
        else:
            entry[0] = entry[0] + part
            entry[1] += 1
        if entry[1] == (parent.uses if consumers is None else consumers[parent]):
            del waiting[parent]
            ready.append((parent, entry[0]))


def backward_floats(root: Node, seed: float) -> None:
    """``root.backward()``: add d(root)/d(v)·seed into ``v.grad`` for every v, on floats."""
    if root.op is None:
        root.grad = seed if root.grad is None else root.grad + seed
        return
    leaves: dict[Node, Any] = {}  # this pass's gradient of each leaf reached
    waiting: dict[Node, list[Any]] = {}  # nodes used more than once: [sum, parts received]
    consumers: dict[Node, int] | None = None
    ready: list[tuple[Node, Any]] = []  # complete nodes not yet visited
    check = modes.special_threads != 0 and modes.state.anomaly
    m = FLOATS
    node: Any = root
    g: Any = seed
    while True:
        node.grad += g
        op: Op = node.op
        inputs = node.inputs
        if len(inputs) == 2:
            a, b = inputs
            if op is ADD:
                ga = gb = g
            elif op is MUL:
                ga = g * (b if b.__class__ is float else b.number)
                gb = g * (a if a.__class__ is float else a.number)
            elif op is SUB:
                ga = g
                gb = -g
            elif op is POW_CONST and b == 2.0:  # the squared error: 2·x, as its formula
                ga = g * (2.0 * (a if a.__class__ is float else a.number))
                gb = 0.0
            else:
                ga, gb = op.backward(
                    m,
                    g,
                    node.number,
                    a if a.__class__ is float else a.number,
                    b if b.__class__ is float else b.number,
                )
            if check:
                anomaly.check_backward(node, (ga, gb))
            # _send(a, ga) and _send(b, gb), spelled out; a node used once is complete now,
            # and the walk goes on with it directly rather than through `ready`.
            node = None
            if a.__class__ is not float:
                if a.op is None:
                    if a in leaves:
                        leaves[a] += ga
                    else:
                        leaves[a] = ga
                elif a.uses == 1:
                    node, g = a, ga
                else:
                    _send(a, ga, leaves, waiting, consumers, ready)
            if b.__class__ is not float:
                if b.op is None:
                    if b in leaves:
                        leaves[b] += gb
                    else:
                        leaves[b] = gb
                elif b.uses == 1:
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
        elif len(inputs) == 1:  # relu, exp, tanh ...: the same, for one input
            (a,) = inputs
            (ga,) = op.backward(m, g, node.number, a if a.__class__ is float else a.number)
            if check:
                anomaly.check_backward(node, (ga,))
            if a.__class__ is not float:
                if a.op is None:
                    if a in leaves:
                        leaves[a] += ga
                    else:
                        leaves[a] = ga
                elif a.uses == 1:
                    node, g = a, ga
                    continue
                else:
                    _send(a, ga, leaves, waiting, consumers, ready)
        else:
            # No count check here: a user's op checks what its backward returns itself, and the
            # built-ins are held to theirs by the tests.
            local = op.backward(
                m, g, node.number, *[a if a.__class__ is float else a.number for a in inputs]
            )
            if check:
                anomaly.check_backward(node, local)
            i = 0
            for parent in inputs:
                _send(parent, local[i], leaves, waiting, consumers, ready)
                i += 1  # noqa: SIM113 (enumerate() costs more instructions here)
        if not ready:
            if not waiting:
                break
            consumers = release_stuck(root, waiting, consumers, ready)
        node, g = ready.pop()
    for leaf, total in leaves.items():
        # A leaf's .grad is None until a backward pass reaches it (or after zero_grad()).
        g = leaf.grad
        leaf.grad = total if g is None else g + total
