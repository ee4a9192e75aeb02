"""Gradient descent on the convex f(x) = (x − 1)²/10, with f' from mg.grad instead of by hand.

The learner's notes start at x = 10 and repeat x := x − f'(x) a hundred times, with the
derivative written by hand, f'(x) = (x − 1)/5. Here ``df = mg.grad(f)`` computes it, and the
learning rate lr in x := x − lr·f'(x) is explicit (lr = 1 is the notes' update). Each step
multiplies the distance to the minimum x* = 1 by (1 − lr/5): lr = 1 shrinks it by 0.8 per step.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import _common
import numpy as np

import minigrad as mg

X_STAR = 1.0


def f(x: mg.Value) -> mg.Value:
    """The notes' convex function f(x) = (x − 1)²/10, minimal at x* = 1."""
    return (x - 1) ** 2 / 10


def hand_df(x: float) -> float:
    """The notes' hand-written derivative f'(x) = (x − 1)/5, kept only to compare with."""
    return 1 / 5 * (x - 1)


@dataclass
class Descent:
    """The visited points of one run of x := x − lr·f'(x)."""

    lr: float
    xs: list[float] = field(repr=False)
    diverged_at: int | None = None

    @property
    def x(self) -> float:
        """The last point reached."""
        return self.xs[-1]


def descend(x0: float, lr: float, iterations: int) -> Descent:
    """Run x := x − lr·f'(x) from `x0`, f' from ``mg.grad(f)``; stop if x blows up.

    Args:
        x0: The starting point.
        lr: The learning rate (the notes' update is lr = 1).
        iterations: How many updates.

    Returns:
        The visited points, x0 first; ``diverged_at`` is the step at which x became huge or
        inf/nan (that step's x is the last one kept), else None.

    Example:
        >>> descend(10.0, 1.0, 2).xs  # 10 − 1.8 = 8.2, 8.2 − 1.44 = 6.76
        [10.0, 8.2, 6.76]
    """
    df = mg.grad(f)
    x = x0
    xs = [x]
    for step in range(1, iterations + 1):
        x = x - lr * df(x)
        xs.append(x)
        if _common.diverged(x):
            return Descent(lr, xs, diverged_at=step)
    return Descent(lr, xs)


@dataclass
class ConvexResult:
    """What `main` found: the run, its end point and minigrad's f' against the notes'."""

    descent: Descent
    x: float
    f_x: float
    derivative_table: list[tuple[float, float, float]]
    """Rows (x, the notes' (x − 1)/5, minigrad's f'(x))."""
    figures: list[Path]

    @property
    def converged(self) -> bool:
        """The run did not blow up and ended closer to x* = 1 than it started."""
        xs = self.descent.xs
        return self.descent.diverged_at is None and abs(xs[-1] - X_STAR) < abs(xs[0] - X_STAR)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus the starting point, lr and iterations."""
    parser = _common.example_parser(__doc__.split("\n\n")[0], seed=None)
    parser.add_argument("--x0", type=float, default=10.0, help="starting point")
    parser.add_argument(
        "--lr",
        type=_common.positive_float,
        default=1.0,
        help="learning rate (1 is the notes' x := x − f'(x))",
    )
    parser.add_argument(
        "--iterations", type=_common.positive_int, default=100, help="number of updates"
    )
    return parser.parse_args(argv)


def update_rule(lr: float) -> str:
    """The update in words: the notes' x := x − f'(x) when lr = 1 (step 3 has no lr yet)."""
    return "x := x − f'(x)" if lr == 1 else f"x := x − lr·f'(x), lr = {lr:g}"


def plot(descent: Descent, out: Path, show: bool) -> list[Path]:
    """The curve with the visited points and arrows (top), f(x) against iteration (below)."""
    plt = _common.pyplot(show)
    xs = np.array(descent.xs)
    fs = (xs - 1) ** 2 / 10
    with _common.figure_style():
        fig, (ax_curve, ax_iter) = _common.new_figure(plt, "convex_descent", 2, 1)
        reach = max(float(np.max(np.abs(xs - X_STAR))), 1.0) * 1.1
        grid = np.linspace(X_STAR - reach, X_STAR + reach, 400)
        ax_curve.plot(grid, (grid - 1) ** 2 / 10, color="black", lw=1.5, label="f(x) = (x − 1)²/10")
        ax_curve.plot(
            xs, fs, "o", color=_common.PATH_COLOR, ms=5, zorder=3, label=f"{len(xs)} points visited"
        )
        # Arrows between successive points; after ~15 steps they are too short to see.
        for k in range(min(len(xs) - 1, 15)):
            ax_curve.annotate(
                "",
                xy=(xs[k + 1], fs[k + 1]),
                xytext=(xs[k], fs[k]),
                arrowprops={"arrowstyle": "->", "color": _common.FIT_COLOR, "lw": 1.2},
            )
        ax_curve.plot(
            xs[0],
            fs[0],
            "s",
            color=_common.INITIAL_COLOR,
            ms=8,
            zorder=4,
            label=f"start x = {xs[0]:g}",
        )
        ax_curve.plot(
            X_STAR, 0, "*", color=_common.TRUE_COLOR, ms=15, zorder=4, label="minimum x* = 1"
        )
        ax_curve.set_title(f"{update_rule(descent.lr)} from x = {xs[0]:g}")
        ax_curve.set_xlabel("x")
        ax_curve.set_ylabel("f(x)")
        ax_curve.legend(loc="upper center")
        ax_curve.set_ylim(top=float(np.max((grid - 1) ** 2 / 10)) * 1.6)  # room for the legend

        iterations = np.arange(len(xs))
        positive = fs > 0  # f reaches exactly 0 only if x lands on 1; a log axis cannot show 0
        ax_iter.semilogy(
            iterations[positive], fs[positive], "o-", color=_common.PATH_COLOR, ms=3, lw=1.2
        )
        if descent.diverged_at is None:
            ax_iter.set_title("f(x) against iteration: a straight line on a log scale")
        else:
            ax_iter.set_title(f"f(x) against iteration: diverged at step {descent.diverged_at}")
        ax_iter.set_xlabel("iteration")
        ax_iter.set_ylabel("f(x)  (log scale)")
        return _common.save_figures({"convex_descent": fig}, out, show=show)


def main(argv: Sequence[str] | None = None) -> ConvexResult:
    """Descend, compare minigrad's f' with the notes', save the figure and print a summary."""
    args = parse_args(argv)
    descent = descend(args.x0, args.lr, args.iterations)
    df = mg.grad(f)
    table = [(x, hand_df(x), df(x)) for x in (10.0, 5.5, 1.0, -2.0, 0.25)]
    print(
        f"f(x) = (x − 1)²/10 from x = {args.x0:g}: {args.iterations} steps of "
        f"{update_rule(args.lr)}"
    )
    if descent.diverged_at is not None:
        print(
            f"Diverged at step {descent.diverged_at} (|x| = {abs(descent.x):.3g}): "
            "lr must be below 10 here."
        )
    else:
        if abs(descent.x - X_STAR) >= abs(args.x0 - X_STAR):
            print(
                f"Did not converge: x ended {abs(descent.x - X_STAR):.3g} from the minimum, "
                f"no closer than the start (lr ≥ 10 does not converge here)."
            )
        print(
            f"Final x = {descent.x:.12f}  (minimum x* = 1, error {abs(descent.x - X_STAR):.1e}), "
            f"f(x) = {f(mg.Value(descent.x)).data:.3e}"
        )
    print("f'(x): the notes' (x − 1)/5 against minigrad's mg.grad(f)")
    print(f"  {'x':>6}  {'(x − 1)/5':>12}  {'mg.grad(f)(x)':>14}  {'difference':>10}")
    for x, hand, auto in table:
        print(f"  {x:6g}  {hand:12.6f}  {auto:14.6f}  {abs(hand - auto):10.1e}")
    figures = plot(descent, args.out, args.show)
    print(_common.report_paths(figures))
    result = ConvexResult(descent, descent.x, (descent.x - 1) ** 2 / 10, table, figures)
    if not result.converged:
        _common.warn(f"convex_descent did not converge with lr = {args.lr:g} (exit status 1)")
    return result


if __name__ == "__main__":
    sys.exit(_common.exit_status(main().converged))
