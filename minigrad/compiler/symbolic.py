"""Symbolic numbers: run an op's formula once to write it out as Python source.

A `Sym` is a number known only by the expression that computes it. ``+ - *`` and unary ``-``
on Syms give new expressions; anything that needs the number itself (a comparison, ``bool``,
``m.data``) raises `BranchError`, which tells the code generator that this formula chooses a
branch by its inputs' numbers and cannot be written out once for all inputs. The rewrites below
are exact in IEEE arithmetic (``1·x = x``, ``−(−x) = x``), so the written-out code computes bit
for bit what the formula computes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from minigrad.op import FLOATS

__all__ = ["SYMBOLS", "BranchError", "Sym", "literal", "sym", "symbolic"]

_SUM, _PRODUCT, _NEGATION, _ATOM = 1, 2, 3, 4  # operator precedence, loosest first


class BranchError(Exception):
    """A formula asked for the number of a symbolic value: it branches on the data."""


class Sym:
    """A number known only by the Python expression that computes it."""

    __slots__ = ("negated", "precedence", "text")

    def __init__(self, text: str, precedence: int = _ATOM, negated: Sym | None = None) -> None:
        self.text = text
        self.precedence = precedence
        self.negated = negated  # for -x: x itself

    @property
    def is_name(self) -> bool:
        """True for a plain name (``t3``), which costs nothing to repeat."""
        return self.text.isidentifier()

    def __add__(self, other: object) -> Any:
        return _binop(self, "+", other)

    def __radd__(self, other: object) -> Any:
        return _binop(other, "+", self)

    def __sub__(self, other: object) -> Any:
        return _binop(self, "-", other)

    def __rsub__(self, other: object) -> Any:
        return _binop(other, "-", self)

    def __mul__(self, other: object) -> Any:
        return _binop(self, "*", other)

    def __rmul__(self, other: object) -> Any:
        return _binop(other, "*", self)

    def __neg__(self) -> Sym:
        if self.negated is not None:
            return self.negated
        return Sym("-" + _wrap(self, _NEGATION), _NEGATION, negated=self)

    def __pos__(self) -> Sym:
        return self

    def _branch(self, *args: object) -> bool:
        raise BranchError

    __bool__ = __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __float__ = _branch
    __hash__ = None  # type: ignore[assignment]


def literal(c: float) -> Sym:
    """A float constant as Python source (``inf`` and ``nan`` are names in the namespace)."""
    if c != c:
        return Sym("nan")
    if c in (math.inf, -math.inf):
        return Sym("inf") if c > 0 else Sym("-inf", _NEGATION, negated=Sym("inf"))
    text = repr(float(c))
    return Sym(text, _NEGATION) if text.startswith("-") else Sym(text)


def sym(x: object) -> Sym:
    """`x` as an expression: a Sym as it is, a number as a literal."""
    if isinstance(x, Sym):
        return x
    if isinstance(x, int | float):
        return literal(float(x))
    raise TypeError(f"cannot write {type(x).__name__} {x!r} as an expression")


def _wrap(x: Sym, precedence: int, right: bool = False) -> str:
    # Floats are not associative, so a right operand at the same level keeps its parentheses.
    if x.precedence < precedence or (right and x.precedence == precedence):
        return f"({x.text})"
    return x.text


def _binop(left: object, op: str, right: object) -> Any:
    if op == "*":
        if not isinstance(left, Sym) and left == 1.0:
            return right
        if not isinstance(right, Sym) and right == 1.0:
            return left
        if not isinstance(left, Sym) and left == -1.0:
            return -sym(right)
        if not isinstance(right, Sym) and right == -1.0:
            return -sym(left)
    precedence = _PRODUCT if op == "*" else _SUM
    a, b = sym(left), sym(right)
    return Sym(f"{_wrap(a, precedence)} {op} {_wrap(b, precedence, right=True)}", precedence)


def _data(x: object) -> float:
    if isinstance(x, Sym):
        raise BranchError
    return float(x)  # type: ignore[arg-type]  # a constant


class _Symbols:
    """``m`` for symbolic numbers: ``m.div(a, b)`` writes ``div(a, b)``.

    A function that needs no number is written out instead (``x * x`` for ``pow_const(x,
    2.0)``), and one of constants only is folded now. ``m.data`` of a Sym raises BranchError.
    """

    data = staticmethod(_data)

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = FLOATS.__dict__.get(name)
        if name.startswith("_") or not callable(function):
            raise AttributeError(name)

        def call(*xs: object) -> Any:
            inline = symbolic(function, *xs)
            if inline is not None:
                return inline
            return Sym(f"{name}({', '.join(sym(x).text for x in xs)})")

        return call


SYMBOLS = _Symbols()
"""The namespace a backward formula gets when it is written out as code."""


def symbolic(formula: Callable[..., Any], *args: object) -> Any:
    """The formula written out as expressions, or None where it branches on the data."""
    try:
        return formula(*args)
    except (BranchError, TypeError, AttributeError):
        return None
