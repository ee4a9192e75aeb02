"""Tracing: one call of a function on Values whose graph `mg.compile` writes out as code.

The compiled code replays the graph for every later call, so nothing in it may depend on the
numbers of the call that was traced. While a trace is active in a thread (``modes.state.trace``
is a `Trace`), the few places where a number could leave the graph ask the trace first, and it
refuses with `TracingError`:

* a branch on a number: ``if``/``bool()``, ``<``, ``max()`` on a Value; a backward formula
  that reads ``m.data`` (relu's kink, the larger of two in ``maximum``: under
  ``mg.compile(mg.grad(f))`` the formula runs on Values while tracing);
* a number read out: ``float()``, ``.item()``, ``.data``, a plain ``backward()``;
* a number frozen: a Value that requires no grad made before the trace (it is kept as its
  float), an op under ``no_grad()`` on a Value that requires grad, ``.detach()``.

What a trace does not refuse is recorded: each Value made in the trace knows it (its
``sequence`` is later than the trace's `Trace.start`), so the compiler writes a line for every
node made in the trace, also one computed from a model's Parameters only, and reads the number
of a Value made before the trace (a Parameter) at each call.
"""

from __future__ import annotations

from minigrad import modes
from minigrad.graph import SEQUENCE, Node

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn

__all__ = ["Trace", "TracingError", "tracing"]


class TracingError(TypeError):
    """`mg.compile` cannot record what the traced function did.

    A data-dependent branch, or a number that would be baked into the compiled code; the
    message says which and why.
    """


_WITHOUT_BRANCHES = (
    "Write it with ops that choose per input instead: mg.maximum / mg.minimum instead of "
    "max() / min() or `if a > b`, mg.relu, mg.clamp, mg.abs, mg.sign, and mg.exp / mg.log ... "
    "instead of math.*; or call the function without compile (mg.value_and_grad)."
)


class Trace:
    """The trace of one call: what `Value` asks while it is active in this thread.

    Attributes:
        start: ``SEQUENCE``'s number when the trace began: a Value with a larger ``sequence``
            was made in the trace.
    """

    __slots__ = ("start",)

    def __init__(self) -> None:
        self.start = next(SEQUENCE)

    def made_here(self, node: Node) -> bool:
        """Whether `node` was made during this trace."""
        return node.sequence > self.start

    def branch(self, what: str) -> NoReturn:
        """`what` chooses a branch by a traced number: refuse."""
        raise TracingError(
            f"mg.compile: data-dependent control flow: {what} inside the traced function. "
            "compile traces the function once and replays the same straight-line code for "
            "every input, so a branch chosen by this input's numbers cannot be recorded. "
            + _WITHOUT_BRANCHES
        )

    def read(self, what: str) -> NoReturn:
        """`what` turns a traced Value into a number the code would bake in: refuse."""
        raise TracingError(
            f"mg.compile: {what}: its number at trace time would be baked into the compiled "
            "code, so later calls would silently reuse it. Compute it from the arguments with "
            "ops that record a graph, or call the function without compile "
            "(mg.value_and_grad)."
        )

    def formula_data(self, value: Node) -> float:
        """``m.data(value)`` in a backward formula run on Values (``mg.compile(mg.grad(f))``).

        The number of a constant made in the trace; any other would choose the formula's
        branch once, at trace time.

        Raises:
            TracingError: `value` requires grad, or was made before the trace.
        """
        if value.requires_grad or not self.made_here(value):
            raise TracingError(
                "mg.compile: a backward formula (relu's kink, maximum's tie, clamp's bounds, "
                "pow at 0, a user's op reading m.data) chooses its branch by a number while a "
                "gradient is traced, so the branch taken at trace time would be baked into "
                "the compiled code. Compile f itself: mg.compile(f) returns f's value and its "
                "gradient and decides each branch at each call; or differentiate without "
                "compile (mg.value_and_grad(mg.grad(f)))."
            )
        return value.number

    def constant(self, value: Node) -> float:
        """The float of `value`, which requires no grad, as a constant of the traced code.

        Raises:
            TracingError: `value` was made before the trace: its number would be frozen.
        """
        if not self.made_here(value):
            raise TracingError(
                f"mg.compile: the traced function uses {value!r}, a Value that requires no "
                "grad and was made outside it: its number at trace time would be baked into "
                "the compiled code, so a later change of its .data would be silently "
                "ignored. Pass it as an argument, or make it a Parameter "
                "(requires_grad=True), whose number the compiled code reads at each call."
            )
        return value.number


class tracing:  # noqa: N801 (a context manager, used as `with tracing() as trace:`)
    """Make a new `Trace` this thread's active one for a block (nestable)."""

    def __init__(self) -> None:
        self.trace = Trace()
        self.saved: Trace | None = None

    def __enter__(self) -> Trace:
        self.saved = modes.state.trace
        modes.state.set_trace(self.trace)
        return self.trace

    def __exit__(self, *exc: object) -> None:
        modes.state.set_trace(self.saved)
