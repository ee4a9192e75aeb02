"""The node's fields: what the engine reads of a `minigrad.Value`.

`Node` names the fields of a Value that the engine's modules read: the backward walk
(`minigrad.backprop`), `detect_anomaly`, the compiler and the graph drawings. `Value` adds the
operators and methods a user calls; modules below it in the import order (so that nothing
imports in a circle) see a node as a `Node`.

A node's fields:

* ``number``: its number (a float). A user reads and assigns it as ``.data``, a property of
  `minigrad.Value` that checks what is assigned; the engine reads and writes this field itself,
  with floats it computed;
* ``grad``: the gradient backward passes add into it (None on a leaf before the first);
* ``requires_grad``: whether gradients flow to it;
* ``op``: the `minigrad.op.Op` that computed it, or None for a leaf (made by the user);
* ``inputs``: the op's inputs, in order. An input that needs no gradient (a plain number, or a
  Value with ``requires_grad=False``) is kept as its float, so the walk skips it;
* ``sequence``: when it was made: one more than the Value made before it. An op's output is
  made after its inputs, so the backward pass visits nodes newest first
  (`minigrad.backprop.backward_order`).
"""

from __future__ import annotations

from itertools import count

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from minigrad.op import Op

__all__ = ["SEQUENCE", "Node"]

SEQUENCE = count()
"""Numbers the Values in the order they are made: each one's ``sequence``."""


class Node:
    """The fields of a Value that the engine reads (see the module docs)."""

    __slots__ = ()

    number: float
    grad: Any
    requires_grad: bool
    op: Op | None
    inputs: tuple[Any, ...]
    sequence: int
