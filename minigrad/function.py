"""`Function`: a user-defined op in PyTorch's shape (``torch.autograd.Function``).

```python
class Softplus(mg.Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # log(1 + eˣ), never overflows

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_values
        return grad * mg.sigmoid(x)

y = Softplus.apply(mg.Value(0.5))
```

``forward`` gets the inputs' numbers (floats) and returns a number; ``backward`` gets the
gradient of the output and returns one gradient per input (a single one for one input; None
for an input that gets none). Each call of ``apply`` makes one `minigrad.Op` that carries this
call's ``ctx``: a Function is an op like any other, so it works in ``backward()``, ``mg.grad``,
``gradcheck``, ``detect_anomaly``, graph drawings and ``mg.compile``.

Higher order. On a plain ``backward()`` the saved values and ``grad`` are floats. Under
``create_graph=True`` or a nested ``mg.grad`` they are Values, where a saved value that is an
input or the output of ``forward`` becomes that input's or output's Value: a ``backward``
written with minigrad functions (``mg.sigmoid``, ``*``, ...) is then differentiated again. As
in PyTorch, a number computed inside ``forward`` and saved is a constant to the second
derivative: save inputs and outputs, and compute the rest in ``backward``.
"""

from __future__ import annotations

from minigrad.op import FLOATS, Namespace, Op

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["Function", "FunctionCall", "FunctionCtx", "FunctionOp"]


class FunctionCtx:
    """What ``forward`` leaves for ``backward``: `save_for_backward`, and any attribute.

    Attributes:
        saved_values: The values given to `save_for_backward`, as numbers (floats) on a plain
            backward and as Values under ``create_graph`` (see `minigrad.function`).
    """

    def __init__(self) -> None:
        self._saved: tuple[Any, ...] = ()
        self._view: tuple[Any, ...] | None = None

    def save_for_backward(self, *values: Any) -> None:
        """Keep `values` (numbers, typically the inputs or the output) for ``backward``."""
        self._saved = values

    @property
    def saved_values(self) -> tuple[Any, ...]:
        """The saved values, as the current backward sees them."""
        return self._saved if self._view is None else self._view


class FunctionCall:
    """One call of ``Function.apply``: the Function, its ctx, and what forward saw.

    Kept apart from the `FunctionOp` that holds it, so that the op's forward and backward are
    this object's methods: no reference cycle between an op and its own functions.
    """

    def __init__(self, function: type[Function]) -> None:
        self.function = function
        self.ctx = FunctionCtx()
        self.forward_inputs: tuple[float, ...] = ()
        self.forward_output: Any = None

    def forward(self, *xs: float) -> Any:
        """Run the Function's forward with this call's ctx, remembering inputs and output."""
        # Each input as its own float object (x·1.0 is exact, -0.0 and nan included): a saved
        # value is matched to its input by identity, and two inputs may share one float
        # object (two Parameters made from the same literal do).
        xs = tuple(x * 1.0 for x in xs)
        self.forward_inputs = xs
        out = self.function.forward(self.ctx, *xs)
        self.forward_output = out
        return out

    def backward(self, m: Namespace, g: Any, out: Any, *xs: Any) -> tuple[Any, ...]:
        """Run the Function's backward with this call's ctx; None becomes 0.0."""
        ctx = self.ctx
        if m is FLOATS:
            ctx._view = None
        else:  # on Values: a saved input or output becomes its Value (see the module docs)
            ctx._view = tuple(self._as_value(saved, out, xs) for saved in ctx._saved)
        try:
            grads = self.function.backward(ctx, g)
        finally:
            ctx._view = None
        if not isinstance(grads, tuple | list):
            if len(xs) != 1:
                raise TypeError(
                    f"the backward of Function {self.function.__name__!r} must return a "
                    f"tuple of {len(xs)} gradient(s), one per input; it returned "
                    f"{type(grads).__name__} {grads!r}"
                )
            grads = (grads,)
        return tuple(0.0 if grad is None else grad for grad in grads)

    def _as_value(self, saved: Any, out: Any, xs: tuple[Any, ...]) -> Any:
        for given, x in zip(self.forward_inputs, xs, strict=True):
            if saved is given:
                return x
        if saved is self.forward_output:
            return out
        return saved


class FunctionOp(Op):
    """The op one ``Function.apply`` call records: the Function's code and this call's ctx."""

    __slots__ = ("call",)

    call: FunctionCall

    def __init__(self, function: type[Function], arity: int) -> None:
        call = FunctionCall(function)
        super().__init__(
            function.__name__,
            call.forward,
            call.backward,
            arity=arity,
            formula=f"{function.__qualname__}.forward",
            derivative=f"{function.__qualname__}.backward",
        )
        self.call = call

    def renew(self) -> FunctionOp:
        """The same Function with a fresh ctx: one per call of compiled code."""
        return FunctionOp(self.call.function, self.arity)

    def __deepcopy__(self, memo: dict[int, Any]) -> FunctionOp:
        """The same Function with a copy of this call's ctx (saved floats keep identity)."""
        import copy  # only here: `import minigrad` does not need it

        twin = self.renew()
        twin.call.ctx = copy.deepcopy(self.call.ctx, memo)
        twin.call.forward_inputs = self.call.forward_inputs
        twin.call.forward_output = self.call.forward_output
        return twin


class Function:
    """Base class of a user-defined op with its own derivative, as ``torch.autograd.Function``.

    Subclass it with two static methods and call ``MyOp.apply(*inputs)``:

    * ``forward(ctx, *inputs) -> number``: the value, from the inputs' numbers (floats);
      ``ctx.save_for_backward(...)`` keeps what ``backward`` needs;
    * ``backward(ctx, grad) -> gradients``: one gradient per input (``grad`` times the partial
      derivative), a single one for one input, None for an input that gets none.

    Example:
        >>> import math, minigrad as mg
        >>> class Softplus(mg.Function):
        ...     @staticmethod
        ...     def forward(ctx, x):
        ...         ctx.save_for_backward(x)
        ...         return max(x, 0.0) + math.log1p(math.exp(-abs(x)))  # never overflows
        ...     @staticmethod
        ...     def backward(ctx, grad):
        ...         (x,) = ctx.saved_values
        ...         return grad * mg.sigmoid(x)
        >>> x = mg.Value(0.0)
        >>> Softplus.apply(x).backward()
        >>> x.grad
        0.5
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *inputs: float) -> Any:
        """The value, from the inputs' numbers. Override it."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Any) -> Any:
        """One gradient per input, given the output's gradient. Override it."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *inputs: object) -> Any:
        """Apply the Function to Values or numbers; returns a Value."""
        if cls is Function:
            raise TypeError("call apply on a subclass of mg.Function, not on Function itself")
        if not inputs:
            raise TypeError(f"{cls.__name__}.apply() needs at least one input")
        return FunctionOp(cls, len(inputs))(*inputs)
