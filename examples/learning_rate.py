"""Why a learning rate: too small, good, borderline and divergent steps on the notes' problems.

The learner's notes first ran x := x − f'(x) with no learning rate, which is lr = 1, and it
worked for f(x) = (x − 1)²/10; then, on the line fit, the same update "blew up" and they
introduced lr = 0.001 without knowing why. This script sweeps lr on both problems:

- convex descent: x := x − lr·f'(x) contracts the distance to x* = 1 by (1 − lr/5) per step,
  so it converges for 0 < lr < 10 (oscillating above 5) and diverges beyond;
- line fit, per-sample SGD: each update (a, b) := (a, b) − lr·2·(ŷ − y)·(x, 1) overshoots once
  lr·2·(1 + x²) > 2 for the larger x of the data; with lr = 1 it diverges within the first epoch.

A run that blows up is stopped and reported in words ("diverged at step k"), not with an
overflow traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import _common
import numpy as np
from convex_descent import X_STAR, descend
from line_fit import fit

CONVEX_LRS = {
    0.1: "too small",
    1.0: "good, the notes' lr",
    9.5: "borderline",
    12.0: "divergent",
}
LINE_LRS = {
    1e-4: "too small",
    0.01: "good",
    0.3: "borderline",
    1.0: "divergent, the notes' first try",
}
RUN_COLORS = ("tab:gray", "tab:green", "tab:orange", "tab:red")


@dataclass
class Run:
    """One learning rate on one problem: its path, where it ended and what happened."""

    lr: float
    role: str
    path: list[float]
    """x for convex descent; a for the line fit (b is in `b_path`)."""
    distance: list[float]
    """Distance to the minimum at each step (|x − 1|, or ‖(a, b) − least squares‖)."""
    diverged_at: int | None

    @property
    def outcome(self) -> str:
        """What happened, in words."""
        if self.diverged_at is not None:
            return f"diverged at step {self.diverged_at} (beyond ±{_common.DIVERGENCE_LIMIT:g})"
        return f"ended {self.distance[-1]:.1e} from the minimum"


@dataclass
class SweepResult:
    """The runs on each problem."""

    convex: list[Run]
    line: list[Run]
    figures: list[Path]


def _roles(lrs: Sequence[float], defaults: dict[float, str]) -> list[str]:
    return [defaults.get(lr, "") for lr in lrs]


def sweep_convex(lrs: Sequence[float], iterations: int, x0: float = 10.0) -> list[Run]:
    """Run convex descent from `x0` once per learning rate."""
    runs = []
    for lr, role in zip(lrs, _roles(lrs, CONVEX_LRS), strict=True):
        descent = descend(x0, lr, iterations)
        distance = [abs(x - X_STAR) for x in descent.xs]
        runs.append(Run(lr, role, descent.xs, distance, descent.diverged_at))
    return runs


def sweep_line(lrs: Sequence[float], epochs: int, seed: int) -> list[Run]:
    """Fit the line with per-sample SGD (the notes' loop) once per learning rate."""
    x, y = _common.make_dataset(seed=seed)
    a_lstsq, b_lstsq = _common.least_squares(x, y)
    runs = []
    for lr, role in zip(lrs, _roles(lrs, LINE_LRS), strict=True):
        run = fit(x, y, lr=lr, epochs=epochs, batch="sample")
        distance = np.hypot(np.array(run.a_path) - a_lstsq, np.array(run.b_path) - b_lstsq)
        runs.append(Run(lr, role, run.a_path, distance.tolist(), run.diverged_at))
    return runs


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus the two sweeps."""
    parser = _common.example_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--convex-lr",
        type=_common.positive_float,
        nargs="+",
        default=list(CONVEX_LRS),
        help="learning rates for convex descent (too small, good, borderline, divergent)",
    )
    parser.add_argument(
        "--line-lr",
        type=_common.positive_float,
        nargs="+",
        default=list(LINE_LRS),
        help="learning rates for the per-sample line fit (too small, good, borderline, divergent)",
    )
    parser.add_argument(
        "--iterations", type=_common.positive_int, default=100, help="convex descent steps"
    )
    parser.add_argument(
        "--epochs", type=_common.positive_int, default=20, help="line-fit epochs (100 updates each)"
    )
    return parser.parse_args(argv)


def _mark(ax: Any, x: float, y: float, color: str, text: str, *, below: bool = False) -> None:
    # Not clipped: a mark on the edge of the axes is drawn whole, over the frame.
    ax.plot(x, y, "X", color=color, ms=11, mec="black", zorder=6, clip_on=False)
    ax.annotate(
        text,
        xy=(x, y),
        xytext=(10, -18 if below else -5),
        textcoords="offset points",
        color=color,
        fontweight="bold",
        zorder=6,
        va="center" if not below else "top",
    )


def _draw(ax_path: Any, ax_dist: Any, runs: Sequence[Run], limits: tuple[float, float]) -> None:
    lo, hi = limits
    for k, run in enumerate(runs):
        color = RUN_COLORS[k % len(RUN_COLORS)]
        label = f"lr = {run.lr:g}" + (f": {run.role.split(',')[0]}" if run.role else "")
        # The good run on top; the noisy borderline one a little transparent.
        style = {"color": color, "lw": 1.3, "label": label, "zorder": 4 if k == 1 else 2}
        if k == 2:
            style["alpha"] = 0.75
        steps = np.arange(len(run.path))
        path = np.array(run.path)
        if run.diverged_at is not None:
            # Draw a diverging run until it leaves the axes, and mark where it does.
            outside = np.flatnonzero((path < lo) | (path > hi))
            end = int(outside[0]) if outside.size else len(path) - 1
            shown = np.clip(path[: end + 1], lo, hi)
            ax_path.plot(steps[: end + 1], shown, **style)
            _mark(
                ax_path,
                end,
                shown[-1],
                color,
                f"leaves the plot at step {end}",
                below=bool(shown[-1] >= hi),
            )
            _mark(
                ax_dist, steps[-1], run.distance[-1], color, f"diverged at step {run.diverged_at}"
            )
        else:
            ax_path.plot(steps, np.clip(path, lo, hi), **style)
        ax_dist.semilogy(steps, np.maximum(run.distance, 1e-300), **style)
    pad = 0.06 * (hi - lo)  # the marks at the clipping limits stay inside the axes
    ax_path.set_ylim(lo - pad, hi + pad)


def plot(result: SweepResult, out: Path, show: bool) -> list[Path]:
    """Two blocks, one per problem: its trajectories, its distances to the minimum, a legend."""
    plt = _common.pyplot(show)
    with _common.figure_style():
        fig = plt.figure(figsize=_common.figure_size("learning_rate"), layout="constrained")
        convex, line = fig.subfigures(2, 1, hspace=0.04)
        conv_path, conv_dist = convex.subplots(2, 1, sharex=True)
        line_path, line_dist = line.subplots(2, 1, sharex=True)
        _draw(conv_path, conv_dist, result.convex, (-12.0, 12.0))
        conv_path.axhline(X_STAR, color="black", ls=":", lw=1)
        conv_path.set_title("Convex descent x := x − lr·f'(x), f(x) = (x − 1)²/10")
        conv_path.set_ylabel("x (clipped)")
        conv_dist.set_title("Distance to the minimum x* = 1 (stable for lr < 10)")
        conv_dist.set_xlabel("step")
        conv_dist.set_ylabel("|x − 1|")

        _draw(line_path, line_dist, result.line, (-4.0, 6.0))
        line_path.axhline(_common.A_STAR, color="black", ls=":", lw=1)
        line_path.set_title("Line fit, per-sample SGD: the slope a")
        line_path.set_ylabel("a (clipped)")
        line_dist.set_title("Distance of (a, b) to the least-squares line")
        line_dist.set_xlabel("update (one per sample)")
        line_dist.set_ylabel("distance")
        for block, ax in ((convex, conv_path), (line, line_path)):
            block.legend(*ax.get_legend_handles_labels(), loc="outside lower center", ncols=2)
        return _common.save_figures({"learning_rate": fig}, out, show=show)


def _report(title: str, runs: Sequence[Run], what: str) -> None:
    print(title)
    lines = []
    for run in runs:
        end = "" if run.diverged_at is not None else f", {what} = {run.path[-1]:.6g}"
        lines.append((f"  lr = {run.lr:<7g} {run.outcome}{end}", run.role))
    width = max(len(text) for text, _ in lines)
    for text, role in lines:
        print(f"{text:<{width}}   ← {role}" if role else text)


def main(argv: Sequence[str] | None = None) -> SweepResult:
    """Sweep the learning rates on both problems, print the outcomes and save the figure."""
    args = parse_args(argv)
    convex = sweep_convex(args.convex_lr, args.iterations)
    line = sweep_line(args.line_lr, args.epochs, args.seed)
    _report(
        f"Convex descent, f(x) = (x − 1)²/10 from x = 10, {args.iterations} steps:", convex, "x"
    )
    _report(
        f"Line fit, per-sample SGD from a = −2, b = −1, {args.epochs} epochs "
        f"({args.epochs * _common.N_SAMPLES} updates):",
        line,
        "a",
    )
    result = SweepResult(convex, line, [])
    result.figures = plot(result, args.out, args.show)
    print(_common.report_paths(result.figures))
    return result


if __name__ == "__main__":
    main()
