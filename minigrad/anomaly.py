"""What `detect_anomaly` does: remember where each node was made, and report the first NaN/inf.

Only runs inside `minigrad.detect_anomaly()`; outside it nothing here is called, so the hot
path pays one flag read per op.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from minigrad.ops import Rule
    from minigrad.value import Value

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))

# node -> "file:line in func: code" of the user's line that created it. Weak keys: the report
# must not keep graphs alive.
_origins: weakref.WeakKeyDictionary[Value, str] = weakref.WeakKeyDictionary()


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
    code = linecache.getline(filename, lineno).strip()
    where = f'File "{filename}", line {lineno}, in {frame.f_code.co_name}'
    return f"{where}\n    {code}" if code else where


def _finite(x: Any) -> bool:
    return math.isfinite(float(x))


def _describe(xs: Sequence[Any]) -> str:
    return ", ".join(repr(float(x)) for x in xs)


def check_forward(node: Value, rule: Rule, inputs: Sequence[float]) -> None:
    """Remember where `node` was made; raise if its value is NaN or inf."""
    where = _user_line()
    _origins[node] = where
    if not _finite(node.data):
        raise FloatingPointError(
            f"{rule.name} returned {node.data} in its forward pass, "
            f"from inputs ({_describe(inputs)}).\nThe node was created at:\n  {where}"
        )


def check_backward(node: Value, rule: Rule, grads: Sequence[Any]) -> None:
    """Raise if a backward rule produced a NaN or inf gradient."""
    inputs = [x if x.__class__ is float else x.data for x in node._args]
    for index, g in enumerate(grads):
        if not _finite(g):
            where = _origins.get(node, "<unknown: the node was made outside detect_anomaly()>")
            raise FloatingPointError(
                f"{rule.name} backward returned {float(g)} as the gradient of input {index}, "
                f"at inputs ({_describe(inputs)}).\nThe node was created at:\n  {where}"
            )
