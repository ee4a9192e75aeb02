"""Losses: how far a prediction is from its target, as a Value to call ``backward()`` on.

Each takes a prediction and a target that are both scalars (Values or numbers) or both
sequences of the same length; for sequences the losses of the pairs are averaged
(``reduction="mean"``), added (``"sum"``) or returned as a list (``"none"``), as in PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

from minigrad.numbers import as_float
from minigrad.ops import SUB, clamp
from minigrad.value import Value

__all__ = ["huber_loss", "l1_loss", "mse_loss"]

Reduction = Literal["mean", "sum", "none"]


_SCALARS = (Value, float, int)  # checked first: a per-sample loss in a training loop


def _is_sequence(x: object) -> bool:
    if isinstance(x, _SCALARS):
        return False
    if isinstance(x, Sequence) and not isinstance(x, str | bytes):
        return True
    return hasattr(x, "ndim") and getattr(x, "ndim", 0) > 0  # a numpy array


def _pairwise(
    name: str, pred: Any, target: Any, reduction: str, per_pair: Callable[[Any], Value]
) -> Any:
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{name}: reduction must be 'mean', 'sum' or 'none'; got {reduction!r}")
    pred_seq, target_seq = _is_sequence(pred), _is_sequence(target)
    if pred_seq != target_seq:
        raise TypeError(
            f"{name}: pred and target must both be scalars or both be sequences; got "
            f"{type(pred).__name__} and {type(target).__name__}"
        )
    if not pred_seq:
        return per_pair(pred - target if isinstance(pred, Value) else _diff(pred, target))
    if len(pred) != len(target):
        raise ValueError(
            f"{name}: pred and target have different lengths ({len(pred)} and {len(target)})"
        )
    if len(pred) == 0:
        raise ValueError(f"{name}: pred and target are empty; there is nothing to average")
    losses = [per_pair(_diff(p, t)) for p, t in zip(pred, target, strict=True)]
    if reduction == "none":
        return losses
    total = losses[0]
    for loss in losses[1:]:
        total = total + loss
    return total / len(losses) if reduction == "mean" else total


def _diff(pred: object, target: object) -> Value:
    # Through the registry's op, so that a number - number pair still gives a Value.
    return SUB(pred, target)  # type: ignore[no-any-return]


def mse_loss(pred: Any, target: Any, reduction: Reduction = "mean") -> Value:
    """Squared error (ŷ − y)², averaged over pairs; its gradient is 2(ŷ − y).

    Sensitive to outliers: one far-off point pulls the fit towards it quadratically.

    Args:
        pred: The prediction ŷ: a Value or number, or a sequence of them.
        target: The target y, of the same shape as `pred`.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` over the pairs of a sequence.

    Raises:
        ValueError: The sequences differ in length or are empty.
        TypeError: One is a sequence and the other is not.

    Example:
        >>> import minigrad as mg
        >>> mg.mse_loss([1.0, 2.0], [0.0, 0.0])
        Value(data=2.5, grad=0.0)
    """
    return _pairwise("mse_loss", pred, target, reduction, lambda d: d * d)  # type: ignore[no-any-return]


def l1_loss(pred: Any, target: Any, reduction: Reduction = "mean") -> Value:
    """Absolute error |ŷ − y|, averaged over pairs; its gradient is sgn(ŷ − y) (0 at 0).

    Robust to outliers, but not differentiable where ŷ = y.

    Args:
        pred: The prediction ŷ: a Value or number, or a sequence of them.
        target: The target y, of the same shape as `pred`.
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` over the pairs of a sequence.

    Example:
        >>> import minigrad as mg
        >>> mg.l1_loss([1.0, -2.0], [0.0, 0.0])
        Value(data=1.5, grad=0.0)
    """
    return _pairwise("l1_loss", pred, target, reduction, abs)  # type: ignore[no-any-return]


def huber_loss(pred: Any, target: Any, delta: float = 1.0, reduction: Reduction = "mean") -> Value:
    """Huber loss: squared near the target, absolute far from it (as ``torch.nn.HuberLoss``).

    With d = ŷ − y: ½·d² where |d| ≤ δ, else δ·(|d| − ½·δ). Its gradient is d, capped at ±δ.
    It is computed without branching on the data as ½·q² + δ·(|d| − q) with q = min(|d|, δ).

    Args:
        pred: The prediction ŷ: a Value or number, or a sequence of them.
        target: The target y, of the same shape as `pred`.
        delta: Where the loss turns from squared to absolute (> 0).
        reduction: ``"mean"``, ``"sum"`` or ``"none"`` over the pairs of a sequence.

    Raises:
        ValueError: `delta` is not positive.

    Example:
        >>> import minigrad as mg
        >>> mg.huber_loss(3.0, 0.0).item()  # 1·(3 − ½)
        2.5
    """
    delta = as_float(delta, "huber_loss: delta")
    if not delta > 0:  # also rejects nan
        raise ValueError(f"huber_loss: delta must be a positive number; got {delta!r}")

    def huber(d: Value) -> Value:
        size = abs(d)
        q: Value = clamp(size, None, delta)
        return 0.5 * q * q + delta * (size - q)

    return _pairwise("huber_loss", pred, target, reduction, huber)  # type: ignore[no-any-return]
