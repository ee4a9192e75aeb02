"""Look from the parameters, not the graph: the mean squared error J(a, b) and SGD's path on it.

The learner's notes say: don't look at the line y = a·x + b in the (x, y) plane, look at the
parameters. Every point (a, b) is one line, and the loss of that line over the data,

    J(a, b) = (1/n)·Σᵢ (a·xᵢ + b − yᵢ)²,

is a bowl over the (a, b) plane whose bottom is the least-squares line. Training is a walk
downhill on it. This script draws J's contours and the walks of per-sample SGD (the notes'
loop, lr = 0.001) and full-batch descent (lr = 0.1) from (a, b) = (−2, −1), side by side.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common
import numpy as np
from _common import mean_squared_error
from line_fit import DEFAULT_LR, Fit, fit
from matplotlib.ticker import MaxNLocator


@dataclass
class LandscapeResult:
    """The two runs, the bottom of the bowl and J at each end point."""

    sample: Fit
    full: Fit
    a_lstsq: float
    b_lstsq: float
    j_min: float
    j_sample: float
    j_full: float
    j_start: float
    """J at the start (−2, −1): both runs should end below it."""
    figures: list[Path]

    @property
    def converged(self) -> bool:
        """Neither run blew up, and both ended lower than they started."""
        return all(
            run.diverged_at is None and j < self.j_start
            for run, j in ((self.sample, self.j_sample), (self.full, self.j_full))
        )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus epochs and the two learning rates."""
    parser = _common.example_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--epochs",
        type=_common.positive_int,
        default=1000,
        help="passes over the data, for both runs (1000: the notes' loop, 100,000 updates)",
    )
    parser.add_argument(
        "--lr-sample",
        type=_common.positive_float,
        default=DEFAULT_LR["sample"],
        help="learning rate of per-sample SGD",
    )
    parser.add_argument(
        "--lr-full",
        type=_common.positive_float,
        default=DEFAULT_LR["full"],
        help="learning rate of full-batch descent",
    )
    return parser.parse_args(argv)


FIRST_EPOCHS = 10
"""The panels mark (a, b) at the start of each of the first epochs: after them the walk is at
the bottom, and the marks would pile up."""
ZOOM = 0.004
"""Half-width of the zoom panels around the least-squares point."""


def _panel(
    ax: Any,
    zoom: Any,
    run: Fit,
    x: np.ndarray,
    y: np.ndarray,
    lstsq: tuple[float, float],
) -> None:
    a_path, b_path = np.array(run.a_path), np.array(run.b_path)
    a_lo = min(a_path.min(), _common.A_STAR, lstsq[0]) - 1.0
    a_hi = max(a_path.max(), _common.A_STAR, lstsq[0]) + 1.0
    b_lo = min(b_path.min(), _common.B_STAR, lstsq[1]) - 1.0
    b_hi = max(b_path.max(), _common.B_STAR, lstsq[1]) + 1.0
    grid_a, grid_b = np.meshgrid(np.linspace(a_lo, a_hi, 240), np.linspace(b_lo, b_hi, 240))
    j = mean_squared_error(grid_a, grid_b, x, y)
    levels = np.geomspace(max(float(j.min()), 1e-3) * 1.05, float(j.max()), 8)
    contours = ax.contour(grid_a, grid_b, j, levels=levels, cmap="viridis", linewidths=1.0)
    ax.clabel(contours, levels[1::2], fmt="%.2g", fontsize=_common.FONT_PT)
    ax.plot(a_path, b_path, "-", color=_common.PATH_COLOR, lw=1.6, label="path of (a, b)")
    per_epoch = 1 if run.batch == "full" else len(x)
    marks = slice(0, FIRST_EPOCHS * per_epoch + 1, per_epoch)
    ax.plot(
        a_path[marks], b_path[marks], "o", color=_common.PATH_COLOR, ms=4,
        label=f"after each of epochs 1-{FIRST_EPOCHS}",
    )  # fmt: skip
    ax.plot(a_path[0], b_path[0], "s", color=_common.INITIAL_COLOR, ms=9,
            label=f"start ({a_path[0]:g}, {b_path[0]:g})")  # fmt: skip
    ax.plot(*lstsq, "*", color="black", ms=14,
            label=f"least squares ({lstsq[0]:.3f}, {lstsq[1]:.3f})")  # fmt: skip
    ax.plot(_common.A_STAR, _common.B_STAR, "P", color=_common.TRUE_COLOR, ms=10,
            label=f"true (a*, b*) = ({_common.A_STAR:g}, {_common.B_STAR:g})")  # fmt: skip
    ax.set_xlabel("a (slope)")
    ax.set_ylabel("b (intercept)")
    ax.set_aspect("equal")
    # The bottom of the bowl, magnified: where the walk ends, at a scale of 10⁻³.
    # Per sample: the last three epochs, a cycle that never closes; full batch: the whole walk.
    tail = 3 * per_epoch + 1 if run.batch == "sample" else len(a_path)
    shown = "last 3 epochs" if run.batch == "sample" else "whole path"
    zoom.plot(a_path[-tail:], b_path[-tail:], ".-", color=_common.PATH_COLOR, lw=0.8, ms=2)
    zoom.plot(*lstsq, "*", color="black", ms=14)
    zoom.plot(run.a, run.b, "o", color=_common.FIT_COLOR, ms=7, label="end")
    zoom.set_xlim(lstsq[0] - ZOOM, lstsq[0] + ZOOM)
    zoom.set_ylim(lstsq[1] - ZOOM, lstsq[1] + ZOOM)
    zoom.set_aspect("equal")
    zoom.xaxis.set_major_locator(MaxNLocator(2))
    zoom.yaxis.set_major_locator(MaxNLocator(3))
    zoom.set_title(f"±{ZOOM:g}: {shown}")
    zoom.legend(loc="lower right")


def plot(
    result: LandscapeResult, x: np.ndarray, y: np.ndarray, out: Path, show: bool
) -> list[Path]:
    """Per run, the contours of J with the run's path drawn on them, and a zoom on the end."""
    plt = _common.pyplot(show)
    lstsq = (result.a_lstsq, result.b_lstsq)
    with _common.figure_style():
        fig = plt.figure(figsize=_common.figure_size("loss_landscape"), layout="constrained")
        rows = fig.subfigures(2, 1)
        for row, run, what in (
            (rows[0], result.sample, "small steps"),
            (rows[1], result.full, "steps on the mean"),
        ):
            ax, zoom = row.subplots(1, 2, width_ratios=[1.7, 1])
            _panel(ax, zoom, run, x, y, lstsq)
            kind = "Per-sample SGD" if run.batch == "sample" else "Full batch"
            row.suptitle(f"{kind}, lr = {run.lr:g}: {run.steps:,} {what}")
        handles = rows[0].axes[0].get_legend_handles_labels()
        fig.legend(*handles, loc="outside lower center", ncols=2)
        return _common.save_figures({"loss_landscape": fig}, out, show=show)


def main(argv: Sequence[str] | None = None) -> LandscapeResult:
    """Run both descents, draw them on J's contours and print where they ended."""
    args = parse_args(argv)
    x, y = _common.make_dataset(seed=args.seed)
    sample = fit(x, y, lr=args.lr_sample, epochs=args.epochs, batch="sample")
    full = fit(x, y, lr=args.lr_full, epochs=args.epochs, batch="full")
    a_lstsq, b_lstsq = _common.least_squares(x, y)

    def j_at(a: float, b: float) -> float:
        return float(mean_squared_error(np.array(a), np.array(b), x, y))

    result = LandscapeResult(
        sample,
        full,
        a_lstsq,
        b_lstsq,
        j_at(a_lstsq, b_lstsq),
        j_at(sample.a, sample.b),
        j_at(full.a, full.b),
        j_at(_common.A_INIT, _common.B_INIT),
        [],
    )
    print(f"J(a, b) = mean (a·x + b − y)² over {len(x)} samples; its minimum (least squares):")
    print(
        f"  a = {a_lstsq:.6f}, b = {b_lstsq:.6f}, J = {result.j_min:.6f}   "
        f"(start: J(−2, −1) = {j_at(_common.A_INIT, _common.B_INIT):.3f})"
    )
    for name, run, j in (
        ("per-sample", sample, result.j_sample),
        ("full-batch", full, result.j_full),
    ):
        print(
            f"  {name:10} lr = {run.lr:<6g} {args.epochs} epochs = {run.steps:>5} updates: "
            f"a = {run.a:.6f}, b = {run.b:.6f}, J − J_min = {j - result.j_min:.2e}"
        )
    print(
        "Per-sample SGD with a fixed lr keeps moving at the bottom (each sample pulls its own\n"
        "way); full-batch descent settles on the minimum."
    )
    result.figures = plot(result, x, y, args.out, args.show)
    print(_common.report_paths(result.figures))
    if not result.converged:
        print("Did not converge: a run ended higher on the bowl than it started. Try a smaller lr.")
        _common.warn("loss_landscape did not converge (exit status 1)")
    return result


if __name__ == "__main__":
    sys.exit(_common.exit_status(main().converged))
