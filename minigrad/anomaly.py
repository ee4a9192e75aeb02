"""What `detect_anomaly` does: remember where each node was made, and report the first NaN/inf.

Only runs inside `minigrad.detect_anomaly()`; outside it nothing here is called, so the hot
path pays one flag read per op.
"""

from __future__ import annotations

import math
import os
import sys

from minigrad.graph import Node
from minigrad.numbers import data_of

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    import weakref
    from collections.abc import Sequence
    from typing import Any

__all__ = ["check_backward", "check_forward"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# node -> "file:line in func: code" of the user's line that created it. Weak keys: the report
# must not keep graphs alive. Made on first use: the weakref module costs about a tenth of
# `import minigrad`, and only detect_anomaly() needs it.
_origins: weakref.WeakKeyDictionary[Node, str] | None = None


def _user_line() -> str:
    """The innermost stack frame outside the minigrad package, as text."""
    frame = sys._getframe(1)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(
        _PACKAGE_DIR + os.sep
    ):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "<unknown>"
    filename, lineno = frame.f_code.co_filename, frame.f_lineno
    import linecache  # on a report only: it imports tokenize and re

    code = linecache.getline(filename, lineno).strip()
    where = f'File "{filename}", line {lineno}, in {frame.f_code.co_name}'
    return f"{where}\n    {code}" if code else where


def _finite(x: Any) -> bool:
    return math.isfinite(data_of(x))


def _describe(xs: Sequence[Any]) -> str:
    return ", ".join(repr(data_of(x)) for x in xs)


def check_forward(node: Node, inputs: Sequence[float]) -> None:
    """Remember where `node` was made; raise if its value is NaN or inf."""
    global _origins
    where = _user_line()
    if _origins is None:
        import weakref

        _origins = weakref.WeakKeyDictionary()
    _origins[node] = where
    if not _finite(node.number):
        name = node.op.name if node.op is not None else "an op"
        raise FloatingPointError(
            f"{name} returned {node.number} in its forward pass, "
            f"from inputs ({_describe(inputs)}).\nThe node was created at:\n  {where}"
        )


def check_backward(node: Node, grads: Sequence[Any]) -> None:
    """Raise if a backward rule produced a NaN or inf gradient for an input that needs one.

    A gradient that goes to a constant (a plain number, or a Value that requires no grad, kept
    as its float) reaches nothing and is not checked: ``0.0 ** x`` at x = 0.5 has a finite
    value and gradient, though the constant base's would be inf.
    """
    inputs = node.inputs
    for index, g in enumerate(grads):
        if g is None or inputs[index].__class__ is float or _finite(g):
            continue
        where = "<unknown: the node was made outside detect_anomaly()>"
        if _origins is not None:
            where = _origins.get(node, where)
        numbers = [x if x.__class__ is float else x.number for x in inputs]
        raise FloatingPointError(
            f"{node.op.name} backward returned {data_of(g)} as the gradient of input {index}, "  # type: ignore[union-attr]
            f"at inputs ({_describe(numbers)}).\nThe node was created at:\n  {where}"
        )
