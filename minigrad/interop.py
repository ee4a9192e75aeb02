"""numpy interop: a ufunc called on a Value applies the op registered for it.

``numpy.exp(v)`` is ``mg.exp(v)``, ``numpy.float64(2.0) * v`` is ``2.0 * v``, and an n-d array
on either side of an operator gives an object array of Values, element by element. Which ufunc
maps to which op is part of each op's definition (`minigrad.op.Op.ufunc`). minigrad never
imports numpy: this only runs when numpy calls it.
"""

from __future__ import annotations

import sys

from minigrad.graph import Node
from minigrad.numbers import as_float
from minigrad.ops import REGISTRY, power

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

__all__ = ["UFUNCS", "numpy_ufunc"]


def _key(x: object) -> float:
    return x.number if isinstance(x, Node) else as_float(x, "comparison operand")


UFUNCS: dict[str, Callable[..., Any]] = {
    **{name: op for op in REGISTRY.values() for name in op.ufunc},
    "power": power,
    "less": lambda a, b: _key(a) < _key(b),
    "less_equal": lambda a, b: _key(a) <= _key(b),
    "greater": lambda a, b: _key(a) > _key(b),
    "greater_equal": lambda a, b: _key(a) >= _key(b),
}
"""numpy ufunc name -> what it does on Values."""


def numpy_ufunc(ufunc: Any, method: str, inputs: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`Value.__array_ufunc__`: apply the ufunc's op, broadcasting over n-d arrays."""
    impl = UFUNCS.get(ufunc.__name__)
    call = "" if method == "__call__" else "." + method
    if impl is None or method != "__call__":
        raise TypeError(
            f"numpy.{ufunc.__name__}{call} is not supported on minigrad Values; "
            f"supported ufuncs: {', '.join(sorted(UFUNCS))}"
        )
    if kwargs:
        raise TypeError(
            f"numpy.{ufunc.__name__} with keyword arguments {sorted(kwargs)} is not supported "
            "on minigrad Values"
        )
    np = sys.modules["numpy"]
    if any(isinstance(x, np.ndarray) and x.ndim > 0 for x in inputs):
        # Broadcast as numpy does, element by element, into an object array of Values.
        # Values go in as 0-d object arrays, so numpy does not hand the call back to us.
        wrapped = [np.array(x, dtype=object) if isinstance(x, Node) else x for x in inputs]
        return np.frompyfunc(impl, len(inputs), 1)(*wrapped)
    return impl(*inputs)
