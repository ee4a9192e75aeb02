"""Squared error chases outliers, absolute error does not: fit one line with three losses.

The learner's notes ask why the loss is the squared error (ŷ − y)² and not the absolute error
|ŷ − y|, and answer: the squared error is sensitive to outliers, the absolute error is not
differentiable at 0. This script corrupts a few of the notes' samples (the points with the
largest x are pushed far down) and fits a·x + b with each of

    mg.mse_loss    (ŷ − y)²                        gradient 2·(ŷ − y): grows with the error
    mg.l1_loss     |ŷ − y|                         gradient sgn(ŷ − y): jumps at 0
    mg.huber_loss  ½(ŷ − y)² near 0, linear beyond gradient ŷ − y capped at ±δ

by full-batch gradient descent on the mean loss, with minigrad computing every gradient.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import _common
import numpy as np
from line_fit import Fit, LossFn, fit

import minigrad as mg

LOSSES: dict[str, LossFn] = {
    "mse_loss": mg.mse_loss,
    "l1_loss": mg.l1_loss,
    "huber_loss": mg.huber_loss,  # δ = 1
}
COLORS = {"mse_loss": "tab:red", "l1_loss": "tab:blue", "huber_loss": "tab:purple"}


def _label(name: str) -> str:
    return "huber_loss (δ = 1)" if name == "huber_loss" else name


def with_outliers(
    x: np.ndarray, y: np.ndarray, count: int, shift: float
) -> tuple[np.ndarray, np.ndarray]:
    """Return a copy of y whose `count` points with the largest x are moved by `shift`.

    Returns:
        ``(y_corrupted, indices)``: the new targets and which samples were moved.

    Example:
        >>> y, moved = with_outliers(np.array([0.0, 2.0, 1.0]), np.zeros(3), 1, -10.0)
        >>> y.tolist(), moved.tolist()
        ([0.0, -10.0, 0.0], [1])
    """
    moved = np.argsort(x)[len(x) - count :] if count else np.array([], dtype=int)
    corrupted = y.copy()
    corrupted[moved] += shift
    return corrupted, moved


@dataclass
class OutlierResult:
    """The three fits by loss name, the least-squares line on the corrupted data, the outliers."""

    fits: dict[str, Fit]
    a_lstsq: float
    b_lstsq: float
    outliers: list[int]
    figures: list[Path]

    @property
    def converged(self) -> bool:
        """No fit blew up."""
        return all(run.diverged_at is None for run in self.fits.values())


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus the outliers and the descent."""
    parser = _common.example_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--outliers", type=int, default=5, help="how many samples to corrupt (largest x first)"
    )
    parser.add_argument(
        "--shift", type=float, default=-10.0, help="how far the corrupted samples' y move"
    )
    parser.add_argument(
        "--epochs", type=_common.positive_int, default=300, help="full-batch descent steps"
    )
    parser.add_argument("--lr", type=_common.positive_float, default=0.1, help="learning rate")
    return parser.parse_args(argv)


def plot(result: OutlierResult, x: np.ndarray, y: np.ndarray, out: Path, show: bool) -> list[Path]:
    """The data with the three fitted lines; the three losses and their gradients."""
    plt = _common.pyplot(show)
    with _common.figure_style():
        fits_fig, ax = _common.new_figure(plt, "outliers")
        inlier = np.ones(len(x), dtype=bool)
        inlier[result.outliers] = False
        ax.scatter(x[inlier], y[inlier], s=14, color=_common.DATA_COLOR, label="data")
        ax.scatter(
            x[~inlier],
            y[~inlier],
            s=60,
            marker="X",
            color="black",
            label=f"outliers ({len(result.outliers)})",
        )
        grid = np.linspace(x.min() - 0.2, x.max() + 0.2, 2)
        ax.plot(
            grid,
            _common.A_STAR * grid + _common.B_STAR,
            "--",
            color=_common.TRUE_COLOR,
            lw=2.5,
            zorder=5,  # on top: l1_loss's line lies almost on it
            label=f"true: y = {_common.A_STAR:g}·x + {_common.B_STAR:g}",
        )
        for name, run in result.fits.items():
            ax.plot(
                grid,
                run.a * grid + run.b,
                color=COLORS[name],
                lw=2,
                label=f"{name}: y = {run.a:.2f}·x {run.b:+.2f}",
            )
        ax.set_title("One line, three losses: mse_loss is pulled by the outliers")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper left")

        # Why: the loss of one residual d = ŷ − y and its gradient, from mg.grad.
        shapes, (ax_loss, ax_grad) = _common.new_figure(plt, "outliers_losses", 2, 1, sharex=True)
        d = np.linspace(-3, 3, 601)
        for name, loss_fn in LOSSES.items():

            def one(residual: mg.Value, loss_fn: LossFn = loss_fn) -> mg.Value:
                return loss_fn(residual, 0.0)

            derivative = mg.grad(one)
            ax_loss.plot(
                d, [one(mg.Value(v)).data for v in d], color=COLORS[name], lw=2, label=_label(name)
            )
            ax_grad.plot(
                d, [derivative(float(v)) for v in d], color=COLORS[name], lw=2, label=_label(name)
            )
        ax_loss.set_title("Loss of one residual d = ŷ − y")
        ax_loss.set_ylabel("loss")
        ax_loss.set_ylim(-0.2, 6)
        ax_loss.legend(loc="upper center")
        ax_grad.set_title("Its gradient (mg.grad): how hard one point pulls")
        ax_grad.set_xlabel("d = ŷ − y")
        ax_grad.set_ylabel("d loss / d ŷ")
        ax_grad.legend(loc="upper left")
        ax_grad.annotate(
            "l1_loss jumps from −1 to 1:\nnot differentiable at d = 0\n"
            "(minigrad, like PyTorch, uses 0)",
            xy=(0, 0),
            xytext=(0.5, -5.2),
            arrowprops={"arrowstyle": "->", "color": "0.3"},
        )
        return _common.save_figures(
            {"outliers": fits_fig, "outliers_losses": shapes}, out, show=show
        )


def main(argv: Sequence[str] | None = None) -> OutlierResult:
    """Fit with the three losses, print the three lines and save the figures."""
    args = parse_args(argv)
    if not 0 <= args.outliers <= _common.N_SAMPLES:
        raise SystemExit(f"--outliers must be between 0 and {_common.N_SAMPLES}")
    x, clean_y = _common.make_dataset(seed=args.seed)
    y, moved = with_outliers(x, clean_y, args.outliers, args.shift)
    fits = {
        name: fit(x, y, lr=args.lr, epochs=args.epochs, batch="full", loss_fn=loss_fn)
        for name, loss_fn in LOSSES.items()
    }
    a_lstsq, b_lstsq = _common.least_squares(x, y)
    result = OutlierResult(fits, a_lstsq, b_lstsq, sorted(int(i) for i in moved), [])
    print(
        f"{_common.N_SAMPLES} samples of y = {_common.A_STAR:g}·x + {_common.B_STAR:g} + noise; "
        f"the {args.outliers} with the largest x moved by {args.shift:+g}."
    )
    print(f"Full-batch descent, lr = {args.lr:g}, {args.epochs} steps, from a = −2, b = −1:")
    for name, run in fits.items():
        status = f"  (diverged at step {run.diverged_at})" if run.diverged_at else ""
        print(f"  {name:<11} a = {run.a:+.4f}, b = {run.b:+.4f}{status}")
    print(f"  {'true line':<11} a = {_common.A_STAR:+.4f}, b = {_common.B_STAR:+.4f}")
    print(
        f"  (least squares on the same data: a = {a_lstsq:+.4f}, b = {b_lstsq:+.4f}; "
        "mse_loss descent should match it)"
    )
    result.figures = plot(result, x, y, args.out, args.show)
    print(_common.report_paths(result.figures))
    if not result.converged:
        _common.warn(f"outliers: a fit diverged with lr = {args.lr:g} (exit status 1)")
    return result


if __name__ == "__main__":
    sys.exit(_common.exit_status(main().converged))
