"""Grad mode and anomaly mode: per-thread switches read by every op.

`no_grad` and `enable_grad` turn graph recording off and on; `detect_anomaly` makes the first
NaN or infinity an error. Each thread has its own switches, so a `no_grad` block in one thread
never changes what another thread records.
"""

from __future__ import annotations

# threading and functools are not imported: _thread has what is needed here, and functools
# (which imports the collections package) only when a switch decorates a function.
from _thread import _local, allocate_lock

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Generator
    from types import TracebackType
    from typing import Any, TypeVar

    F = TypeVar("F", bound=Callable[..., object])

__all__ = [
    "detect_anomaly",
    "enable_grad",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
]


class _Switches(_local):  # threading.local is this class
    """The switches of one thread. Class attributes are the defaults every thread starts with."""

    grad_enabled: bool = True
    anomaly: bool = False
    # While `mg.compile` traces a function in this thread: its `minigrad.tracing.Trace`, which
    # the places where a number could leave the graph ask first.
    trace: Any = None
    # How many function transforms (mg.grad, mg.jvp, ...) are running their function in this
    # thread: inside one, another transform differentiates with Values (its result can be
    # differentiated again), even when it is called with plain numbers.
    transforms: int = 0
    # grad_enabled and not anomaly and no trace: the common case, so that an op reads one
    # switch, not three.
    plain: bool = True

    def set(
        self,
        *,
        grad_enabled: bool | None = None,
        anomaly: bool | None = None,
    ) -> None:
        if grad_enabled is not None:
            self.grad_enabled = grad_enabled
        if anomaly is not None:
            self.anomaly = anomaly
        self._update()

    def set_trace(self, trace: Any) -> None:
        """Make `trace` (a `minigrad.tracing.Trace`, or None) this thread's active trace."""
        self.trace = trace
        self._update()

    def _update(self) -> None:
        global special_threads
        was_plain = self.plain
        self.plain = self.grad_enabled and not self.anomaly and self.trace is None
        if self.plain != was_plain:
            with _lock:
                special_threads += -1 if self.plain else 1


state = _Switches()
"""The current thread's switches. An op reads ``state.plain`` once; only if it is False, more."""

_lock = allocate_lock()  # threading.Lock is this function
special_threads = 0
"""How many threads have a switch off its default (inside no_grad, detect_anomaly or a trace).

Reading a thread-local costs more than the rest of an op's bookkeeping, so the hot path reads
this plain module global first: while it is 0, every thread is plain and nothing more is read.
"""


def is_grad_enabled() -> bool:
    """Return True when ops record a graph in this thread.

    >>> import minigrad as mg
    >>> mg.is_grad_enabled()
    True
    """
    return state.grad_enabled


def is_anomaly_enabled() -> bool:
    """Return True inside `detect_anomaly` in this thread."""
    return state.anomaly


class _SwitchBlock:
    """Set one switch of this thread for a block: a nestable context manager and decorator."""

    _switch: str  # "grad_enabled" or "anomaly"
    _value: bool

    def __new__(cls, func: Any = None) -> Any:
        """``no_grad()`` is a block; ``no_grad(f)``, the bare ``@no_grad``, decorates ``f``."""
        block = super().__new__(cls)
        if func is None:
            return block
        if not callable(func):
            raise TypeError(
                f"{cls.__name__} takes no argument, or the function it decorates (as a bare "
                f"@{cls.__name__}); got {type(func).__name__} {func!r}"
            )
        _SwitchBlock.__init__(block)
        return block(func)

    def __init__(self, func: Any = None) -> None:
        self._saved: list[bool] = []

    def __enter__(self) -> None:
        self._saved.append(getattr(state, self._switch))
        state.set(**{self._switch: self._value})

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        state.set(**{self._switch: self._saved.pop()})

    def __call__(self, func: F) -> F:
        import functools

        block = type(self)
        code = getattr(func, "__code__", None)
        if code is not None and code.co_flags & 0x20:  # a generator function (CO_GENERATOR)
            # As PyTorch: the switch holds while the generator's own code runs, step by step,
            # and not while the caller runs between two steps.

            @functools.wraps(func)
            def generator(*args: object, **kwargs: object) -> Generator[Any, Any, Any]:
                with block():
                    gen: Generator[Any, Any, Any] = func(*args, **kwargs)  # type: ignore[assignment]
                    try:
                        item = next(gen)
                    except StopIteration as stop:
                        return stop.value
                while True:
                    try:
                        sent = yield item
                    except GeneratorExit:
                        gen.close()
                        raise
                    except BaseException as error:  # thrown in: hand it on under the switch
                        with block():
                            try:
                                item = gen.throw(error)
                            except StopIteration as stop:
                                return stop.value
                        continue
                    with block():
                        try:
                            item = gen.send(sent)
                        except StopIteration as stop:
                            return stop.value

            return generator  # type: ignore[return-value]  # same signature as func

        @functools.wraps(func)
        def wrapper(*args: object, **kwargs: object) -> object:
            with block():
                return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]  # same signature as func


class no_grad(_SwitchBlock):  # noqa: N801 (named as torch.no_grad, so code carries over)
    """Record no graph: results made inside do not require grad.

    Use it as a context manager or a decorator (``@mg.no_grad()``, or bare ``@mg.no_grad`` as
    in PyTorch; `enable_grad` and `detect_anomaly` too). It nests, and it only affects the
    current thread. Updating parameters by hand is the usual use.

    Example:
        >>> import minigrad as mg
        >>> w = mg.Value(2.0)
        >>> with mg.no_grad():
        ...     y = w * 3
        >>> y.requires_grad
        False
        >>> @mg.no_grad()
        ... def predict(x):
        ...     return w * x
        >>> predict(4).requires_grad
        False
    """

    _switch = "grad_enabled"
    _value = False


class enable_grad(_SwitchBlock):  # noqa: N801 (named as torch.enable_grad)
    """Record a graph again inside a `no_grad` block (context manager or decorator).

    Example:
        >>> import minigrad as mg
        >>> w = mg.Value(2.0)
        >>> with mg.no_grad():
        ...     with mg.enable_grad():
        ...         y = w * 3
        >>> y.requires_grad
        True
    """

    _switch = "grad_enabled"
    _value = True


class detect_anomaly(_SwitchBlock):  # noqa: N801 (named as torch.autograd.detect_anomaly)
    """Turn the first NaN or infinity into an error that says where it came from.

    Inside the block every op checks its result: the first forward or backward result that is
    NaN or ±inf raises `FloatingPointError` naming the op, its inputs and the line of your code
    that created the node. It slows every op down, so use it to debug, not to train. Like
    `no_grad`, it nests, affects only the current thread, and also works as a decorator.

    Example:
        >>> import minigrad as mg
        >>> x = mg.Value(0.0)
        >>> with mg.detect_anomaly():
        ...     y = mg.log(x)
        Traceback (most recent call last):
        ...
        FloatingPointError: log returned -inf in its forward pass...
    """

    _switch = "anomaly"
    _value = True
