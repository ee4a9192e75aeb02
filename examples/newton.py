"""Newton's method x := x − f'(x)/f''(x) against gradient descent, f'' from mg.grad applied twice.

``df = mg.grad(f)`` is f'; ``d2f = mg.grad(df)`` differentiates it again, exactly, and is f''.
Near x, f looks like its second-order Taylor model, the parabola

    m(x + h) = f(x) + f'(x)·h + ½·f''(x)·h²,

and Newton's step jumps to that parabola's lowest point, h = −f'(x)/f''(x): gradient descent
with the learning rate 1/f''(x) chosen by the curvature at every step. Three functions, each
with both methods, counting the iterations until x is within --tol of the (known) minimum:

- the notes' f(x) = (x − 1)²/10 from x = 10: a quadratic is its own Taylor model, so Newton
  lands on x* = 1 in one step from anywhere; gradient descent (lr = 1, the notes' update)
  shrinks the distance by 0.8 per step;
- g(x) = log(1 + eˣ) − x/2 from x = 2: convex, minimal at 0, not a quadratic. Its Newton step
  is x := x − sinh x, which converges when |x| < 2.18 (where sinh x < 2x) and flies off
  beyond; from 2 it takes a few steps;
- Rosenbrock's f(a, b) = (1 − a)² + 100·(b − a²)² from (−1.2, 1), minimal at (1, 1) at the
  bottom of a narrow curved valley: Newton with the 2×2 Hessian (mg.grad twice, one entry per
  pair of arguments) solved by Cramer's rule, against gradient descent with lr = 0.001.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import takewhile
from pathlib import Path
from typing import Any

import _common
import numpy as np

import minigrad as mg

Point = tuple[float, ...]
Step = Callable[[Point], Point]

ONE_D_LR = 1.0
"""Gradient descent's learning rate on the 1-D functions: the notes' x := x − f'(x)."""
NOTES_X_STAR = 1.0
G_X_STAR = 0.0
G_NEWTON_RADIUS = 2.1773189849
"""Newton on g converges from |x0| below this, the root of sinh x = 2x (the step x − sinh x
lands closer to 0 than x exactly when sinh|x| < 2|x|)."""
RUNAWAY = 100.0
"""A run that lands this many times farther from the minimum than it started has diverged.

It must stop before it gets far: out on the right, g'' = σ(x)·(1 − σ(x)) ≈ e⁻ˣ falls below
the rounding error of computing it (about 1e-16, near x = 37), and the f'' computed there is
noise that can send Newton anywhere."""
ROSENBROCK_START = (-1.2, 1.0)
ROSENBROCK_MIN = (1.0, 1.0)

GD_COLOR = _common.PATH_COLOR
NEWTON_COLOR = "tab:blue"
MODEL_COLOR = "tab:purple"


def f(x: mg.Value) -> mg.Value:
    """The notes' convex quadratic f(x) = (x − 1)²/10, minimal at x* = 1."""
    return (x - 1) ** 2 / 10


def g(x: mg.Value) -> mg.Value:
    """g(x) = log(1 + eˣ) − x/2: convex, minimal at x* = 0, with g'' = σ(x)·(1 − σ(x)) ≤ 1/4."""
    value: mg.Value = mg.log(1 + mg.exp(x)) - x / 2  # (ops are typed as returning Any)
    return value


def rosenbrock(a: mg.Value, b: mg.Value) -> mg.Value:
    """Rosenbrock's f(a, b) = (1 − a)² + 100·(b − a²)², minimal at (1, 1), where it is 0."""
    return (1 - a) ** 2 + 100 * (b - a**2) ** 2


class NoMinimumError(ArithmeticError):
    """The Taylor model has no lowest point: Newton's step would not head for a minimum.

    That is where f'' ≤ 0, or where the Hessian is not positive definite: the model is then
    flat, or curves down in some direction, and its stationary point is a maximum or a saddle.
    """


def descent_step(fn: Callable[..., mg.Value], lr: float, n_args: int = 1) -> Step:
    """Gradient descent's update p := p − lr·∇f(p), for a function of `n_args` numbers.

    Example:
        >>> descent_step(f, 1.0)((10.0,))  # the notes' first step: 10 − 1.8
        (8.2,)
    """
    gradient = mg.grad(fn, argnums=tuple(range(n_args)))

    def step(p: Point) -> Point:
        return tuple(x - lr * d for x, d in zip(p, gradient(*p), strict=True))

    return step


def newton_step_1d(fn: Callable[[mg.Value], mg.Value]) -> Step:
    """Newton's update x := x − f'(x)/f''(x), with f' = mg.grad(f) and f'' = mg.grad(f').

    Raises `NoMinimumError` (when stepping) where f''(x) ≤ 0.

    Example:
        >>> newton_step_1d(f)((10.0,))  # 10 − 1.8/0.2: the minimum in one step
        (1.0,)
    """
    df = mg.grad(fn)
    d2f = mg.grad(df)  # the derivative of the derivative: exact, not a finite difference

    def step(p: Point) -> Point:
        (x,) = p
        curvature = d2f(x)
        if not curvature > 0:
            raise NoMinimumError(f"f''({x:.4g}) = {curvature:.3g}: the model has no minimum")
        return (x - df(x) / curvature,)

    return step


def hessian(
    fn: Callable[[mg.Value, mg.Value], mg.Value],
) -> Callable[[float, float], tuple[tuple[float, float], tuple[float, float]]]:
    """The 2×2 matrix of second derivatives ((f_aa, f_ab), (f_ba, f_bb)), by mg.grad twice.

    Entry (i, j) is ``mg.grad(mg.grad(f, argnums=i), argnums=j)``: the derivative in argument
    j of the derivative in argument i.

    Example:
        >>> hessian(rosenbrock)(1.0, 1.0)  # at the minimum: 2 + 800·a² − 400·(b − a²), −400·a, 200
        ((802.0, -400.0), (-400.0, 200.0))
    """
    second = [[mg.grad(mg.grad(fn, argnums=i), argnums=j) for j in (0, 1)] for i in (0, 1)]

    def at(a: float, b: float) -> tuple[tuple[float, float], tuple[float, float]]:
        (aa, ab), (ba, bb) = ([d(a, b) for d in row] for row in second)
        return (aa, ab), (ba, bb)

    return at


def newton_step_2d(fn: Callable[[mg.Value, mg.Value], mg.Value]) -> Step:
    """Newton's update p := p − H⁻¹·∇f(p) for a function of two numbers.

    The step (Δa, Δb) solves H·(Δa, Δb) = ∇f, two equations in two unknowns, by Cramer's rule.
    Raises `NoMinimumError` (when stepping) where H is not positive definite (f_aa ≤ 0 or det ≤ 0).

    Example:
        >>> newton_step_2d(lambda a, b: (a - 3) ** 2 + a * b + b**2)((0.0, 0.0))
        (4.0, -2.0)
    """
    gradient = mg.grad(fn, argnums=(0, 1))
    curvature = hessian(fn)

    def step(p: Point) -> Point:
        a, b = p
        ga, gb = gradient(a, b)
        (haa, hab), (hba, hbb) = curvature(a, b)
        det = haa * hbb - hab * hba
        if not (haa > 0 and det > 0):
            raise NoMinimumError(f"the Hessian at ({a:.4g}, {b:.4g}) is not positive definite")
        da = (ga * hbb - hab * gb) / det
        db = (haa * gb - hba * ga) / det
        return (a - da, b - db)

    return step


@dataclass
class Run:
    """The points one method visited, and when it first got within the tolerance."""

    method: str
    points: list[Point] = field(repr=False)
    distances: list[float] = field(repr=False)
    """Distance of each point to the minimum, the start's first."""
    converged_at: int | None
    """The first iteration within the tolerance of the minimum, else None."""
    stopped: str | None = None
    """Why the run ended without converging, in words (None if it converged)."""

    @property
    def end(self) -> Point:
        """The last point reached."""
        return self.points[-1]


def run(
    method: str,
    step: Step,
    start: Point,
    minimum: Point,
    *,
    tol: float,
    max_iterations: int,
) -> Run:
    """Repeat `step` from `start` until within `tol` of `minimum` (Euclidean distance).

    Stops early, saying why in ``stopped``: if a point blows up (`_common.diverged`) or lands
    `RUNAWAY` times farther from the minimum than the start (or than 1, if the start is
    closer), if Newton's model has no minimum (`NoMinimumError`), or after `max_iterations`.

    Example:
        >>> r = run("Newton", newton_step_1d(f), (10.0,), (1.0,), tol=1e-6, max_iterations=10)
        >>> r.converged_at, r.points
        (1, [(10.0,), (1.0,)])
    """
    points, distances = [start], [math.dist(start, minimum)]
    for iteration in range(1, max_iterations + 1):
        try:
            p = step(points[-1])
        except NoMinimumError as failure:
            return Run(method, points, distances, None, f"stopped at step {iteration}: {failure}")
        points.append(p)
        distances.append(math.dist(p, minimum))
        if _common.diverged(*p) or distances[-1] > RUNAWAY * max(distances[0], 1.0):
            return Run(
                method,
                points,
                distances,
                None,
                f"diverged at step {iteration} (distance to the minimum {distances[-1]:.3g})",
            )
        if distances[-1] <= tol:
            return Run(method, points, distances, iteration)
    return Run(
        method,
        points,
        distances,
        None,
        f"not within {tol:g} after {max_iterations} steps",
    )


@dataclass
class Comparison:
    """Gradient descent and Newton on one function from one start."""

    name: str
    start: Point
    minimum: Point
    lr: float
    descent: Run
    newton: Run


@dataclass
class NewtonResult:
    """What `main` found: one comparison per function, and the figures."""

    notes: Comparison
    g: Comparison
    rosenbrock: Comparison
    tol: float
    figures: list[Path]


def compare(
    name: str,
    fn: Callable[..., mg.Value],
    start: Point,
    minimum: Point,
    *,
    lr: float,
    tol: float,
    max_iterations: int,
) -> Comparison:
    """Run gradient descent (learning rate `lr`) and Newton on `fn` from `start`."""
    newton_step = newton_step_1d(fn) if len(start) == 1 else newton_step_2d(fn)
    descent = descent_step(fn, lr, len(start))
    return Comparison(
        name,
        start,
        minimum,
        lr,
        run("gradient descent", descent, start, minimum, tol=tol, max_iterations=max_iterations),
        run("Newton", newton_step, start, minimum, tol=tol, max_iterations=max_iterations),
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus the starts, lr, tolerance and iterations."""
    parser = _common.example_parser(__doc__.split("\n\n")[0], seed=None)
    parser.add_argument("--x0", type=float, default=10.0, help="start on the notes' f")
    parser.add_argument(
        "--g-x0",
        type=float,
        default=2.0,
        help=f"start on g (Newton converges from |x0| < {G_NEWTON_RADIUS:.2f}, diverges beyond)",
    )
    parser.add_argument(
        "--lr",
        type=_common.positive_float,
        default=0.001,
        help="gradient descent's learning rate on Rosenbrock (the 1-D runs use the notes' 1)",
    )
    parser.add_argument(
        "--tol",
        type=_common.positive_float,
        default=1e-6,
        help="converged: this close to the minimum",
    )
    parser.add_argument(
        "--max-iterations",
        type=_common.positive_int,
        default=100_000,
        help="give up after this many steps",
    )
    return parser.parse_args(argv)


def _iterations(r: Run) -> str:
    return f"{r.converged_at:,}" if r.converged_at is not None else "—"


def _steps(r: Run) -> str:
    if r.converged_at is None:
        return "did not converge"
    return f"{r.converged_at:,} step{'s' * (r.converged_at != 1)}"


def _start(p: Point) -> str:
    return ", ".join(f"{x:g}" for x in p) if len(p) == 1 else f"({p[0]:g}, {p[1]:g})"


def table(comparisons: Sequence[Comparison], tol: float) -> list[str]:
    """The summary table: iterations to get within `tol` of the minimum, per method."""
    lines = [
        f"Iterations to get within {tol:g} of the minimum:",
        f"  {'function':<20} {'start':<10} {'gradient descent':>24} {'Newton':>7}",
    ]
    for c in comparisons:
        descent = f"{_iterations(c.descent)} (lr = {c.lr:g})"
        lines.append(
            f"  {c.name:<20} {_start(c.start):<10} {descent:>24} {_iterations(c.newton):>7}"
        )
    return lines


def _xs(r: Run) -> list[float]:
    return [p[0] for p in r.points]


def _taylor(fn: Callable[[mg.Value], mg.Value], x0: float, xs: np.ndarray) -> np.ndarray:
    """The second-order Taylor model of `fn` at `x0`, on the points `xs`."""
    df = mg.grad(fn)
    d2f = mg.grad(df)
    h = xs - x0
    value = fn(mg.Value(x0)).data
    return np.asarray(value + df(x0) * h + 0.5 * d2f(x0) * h**2)


def _curve_panel(ax: Any, c: Comparison, fn: Callable[[mg.Value], mg.Value], title: str) -> None:
    """f, its Taylor model at the start, Newton's jumps and gradient descent's points."""
    x0, x_star = c.start[0], c.minimum[0]
    # Points that ran far away are left out: the panel shows the neighbourhood of the start.
    near = 3 * max(abs(x0 - x_star), 1.0)
    newton_xs = np.array(list(takewhile(lambda x: abs(x - x_star) <= near, _xs(c.newton))))
    descent_xs = np.array(list(takewhile(lambda x: abs(x - x_star) <= near, _xs(c.descent))))
    reach = max(abs(x0 - x_star), float(np.max(np.abs(newton_xs - x_star)))) * 1.15
    grid = np.linspace(x_star - reach, x_star + reach, 400)

    def values(xs: np.ndarray) -> np.ndarray:
        return np.array([fn(mg.Value(float(x))).data for x in xs])

    curve = values(grid)
    ax.plot(grid, curve, color="black", lw=1.6, label="f", zorder=2)
    ax.plot(
        grid,
        _taylor(fn, x0, grid),
        "--",
        color=MODEL_COLOR,
        lw=2.2,
        label=f"Taylor model at {x0:g}",
        zorder=3,
    )
    ax.plot(
        descent_xs,
        values(descent_xs),
        "o",
        color=GD_COLOR,
        ms=4,
        alpha=0.8,
        label=f"descent (lr = {c.lr:g}): {_steps(c.descent)}",
        zorder=4,
    )
    newton_fs = values(newton_xs)
    if len(newton_xs) > 1:
        _newton_arrows(ax, fn, newton_xs, newton_fs)
    ax.plot(
        newton_xs,
        newton_fs,
        "D",
        color=NEWTON_COLOR,
        ms=6,
        label=f"Newton: {_steps(c.newton)}",
        zorder=6,
    )
    for k, (x, y) in enumerate(zip(newton_xs[:4], newton_fs[:4], strict=False)):
        ax.annotate(
            str(k),
            (x, y),
            textcoords="offset points",
            xytext=(-4, 8),
            ha="right",
            color=NEWTON_COLOR,
            fontweight="bold",
        )
    ax.plot(x0, values(np.array([x0]))[0], "s", color=_common.INITIAL_COLOR, ms=9, zorder=7)
    ax.plot(x_star, values(np.array([x_star]))[0], "*", color=_common.TRUE_COLOR, ms=16, zorder=7)
    top = float(np.max(curve[np.isfinite(curve)]))  # e^x overflows far out: f is inf there
    ax.set_ylim(-0.08 * top, 1.8 * top)  # the top part is for the legend
    ax.set_title(title)
    ax.set_xlabel("x")
    ax.set_ylabel("f(x)")


def _newton_arrows(
    ax: Any, fn: Callable[[mg.Value], mg.Value], xs: np.ndarray, fs: np.ndarray
) -> None:
    """Newton's arrows: the first to the lowest point of the model drawn, then along f."""
    x0 = float(xs[0])
    # The first jump lands on the lowest point of the model drawn; f is evaluated there next.
    heads = [(xs[1], float(_taylor(fn, x0, xs[1:2])[0]))]
    heads += list(zip(xs[2:], fs[2:], strict=True))
    tails = list(zip(xs[:-1], fs[:-1], strict=True))
    for head, tail in zip(heads, tails, strict=False):
        ax.annotate(
            "",
            xy=head,
            xytext=tail,
            arrowprops={"arrowstyle": "->", "color": NEWTON_COLOR, "lw": 1.8},
            zorder=5,
        )
    ax.plot(*heads[0], "o", color=MODEL_COLOR, ms=8, zorder=6, label="model's lowest point")
    ax.plot([xs[1]] * 2, [heads[0][1], fs[1]], ":", color=NEWTON_COLOR, lw=1.5)


def _distance_panel(ax: Any, c: Comparison, tol: float) -> None:
    """Distance to the minimum against iteration, log scale; exact zeros drawn at the floor."""
    floor = 1e-17
    for r, color, marker in ((c.descent, GD_COLOR, "o"), (c.newton, NEWTON_COLOR, "D")):
        d = np.maximum(np.array(r.distances), floor)
        label = f"{r.method}: {_steps(r)}"
        ax.semilogy(np.arange(len(d)), d, "-", marker=marker, color=color, ms=4, label=label)
        if r.distances[-1] == 0:
            ax.annotate(
                "exactly 0",
                (len(d) - 1, floor),
                textcoords="offset points",
                xytext=(8, 4),
                color=color,
            )
    ax.axhline(tol, color="0.4", ls=":", lw=1.2, label=f"tolerance {tol:g}")
    ax.set_ylim(floor / 5, 1e8 * max(c.descent.distances[0], 1.0))  # room for the legend
    ax.set_yticks(10.0 ** np.arange(-15, 2, 3))  # every 10³ (through 10⁻⁶): fewer labels
    ax.set_xlabel("iteration")
    ax.set_ylabel("distance to the minimum")
    ax.legend(loc="upper right")


def plot_1d(notes: Comparison, gc: Comparison, tol: float, show: bool) -> Any:
    """The two 1-D functions: curves with Newton's jumps (top), distance per iteration (below)."""
    plt = _common.pyplot(show)
    with _common.figure_style():
        fig, axes = _common.new_figure(plt, "newton_1d", 4, 1, height_ratios=[1.3, 1, 1.3, 1])
        _curve_panel(axes[0], notes, f, "(x − 1)²/10: the model is f itself")
        _curve_panel(axes[2], gc, g, "log(1 + eˣ) − x/2: a new model each step")
        axes[0].legend(loc="upper center", ncols=2)
        axes[2].legend(loc="upper center", ncols=2)
        _distance_panel(axes[1], notes, tol)
        _distance_panel(axes[3], gc, tol)
        axes[1].set_title("(x − 1)²/10: distance to x* = 1")
        axes[3].set_title("log(1 + eˣ) − x/2: distance to x* = 0")
    return fig


def plot_rosenbrock(c: Comparison, tol: float, show: bool) -> Any:
    """Both paths over Rosenbrock's contours, and the distance to (1, 1) per iteration."""
    plt = _common.pyplot(show)
    near = 3 * max(math.dist(c.start, c.minimum), 1.0)  # leave out points that ran far away
    newton_path, descent_path = (
        np.array(list(takewhile(lambda p: math.dist(p, c.minimum) <= near, r.points)))
        for r in (c.newton, c.descent)
    )
    with _common.figure_style():
        fig, (ax, ax_dist) = _common.new_figure(plt, "newton_rosenbrock", 2, 1)
        everything = np.vstack([newton_path, descent_path])
        a_lo, b_lo = np.min(everything, axis=0) - 0.4
        a_hi, b_hi = np.max(everything, axis=0) + 0.4
        a_lo, a_hi = min(a_lo, -2.0), max(a_hi, 2.0)
        grid_a, grid_b = np.meshgrid(np.linspace(a_lo, a_hi, 300), np.linspace(b_lo, b_hi, 300))
        z = (1 - grid_a) ** 2 + 100 * (grid_b - grid_a**2) ** 2
        levels = np.geomspace(0.1, float(z.max()), 14)  # log-spaced: the valley and the walls
        contours = ax.contour(
            grid_a,
            grid_b,
            z,
            levels=levels,
            colors="0.6",
            linewidths=0.8,
        )
        ax.clabel(contours, levels[1::4], fmt="%.2g", fontsize=_common.FONT_PT, colors="0.35")
        ax.plot(
            descent_path[:, 0],
            descent_path[:, 1],
            "-",
            color=GD_COLOR,
            lw=2.2,
            label=f"gradient descent, lr = {c.lr:g}: {_steps(c.descent)}",
        )
        every = 1000
        ax.plot(
            descent_path[every::every, 0],
            descent_path[every::every, 1],
            "o",
            color=GD_COLOR,
            mec="black",
            mew=0.5,
            ms=5,
            label=f"  … a dot every {every:,} steps",
        )
        ax.plot(
            newton_path[:, 0],
            newton_path[:, 1],
            "D-",
            color=NEWTON_COLOR,
            lw=1.8,
            ms=7,
            label=f"Newton: {_steps(c.newton)}",
        )
        for k, (a, b) in enumerate(newton_path[:4]):
            ax.annotate(
                str(k),
                (a, b),
                textcoords="offset points",
                xytext=(9, -4),
                color=NEWTON_COLOR,
                fontweight="bold",
            )
        ax.plot(*c.start, "s", color=_common.INITIAL_COLOR, ms=10, zorder=5, label="start")
        ax.plot(*c.minimum, "*", color=_common.TRUE_COLOR, ms=18, zorder=5, label="minimum (1, 1)")
        ax.set_xlim(a_lo, a_hi)
        ax.set_ylim(b_lo, b_hi)
        ax.set_xlabel("a")
        ax.set_ylabel("b")
        ax.set_title("Rosenbrock (1 − a)² + 100·(b − a²)², log-spaced contours")
        handles, labels = ax.get_legend_handles_labels()

        for r, color, marker in ((c.descent, GD_COLOR, None), (c.newton, NEWTON_COLOR, "D")):
            d = np.array(r.distances)
            steps = np.arange(len(d))
            label = f"{r.method}: {_steps(r)}"
            ax_dist.loglog(steps[1:], d[1:], "-", marker=marker, color=color, ms=6, label=label)
        ax_dist.axhline(tol, color="0.4", ls=":", lw=1.2, label=f"tolerance {tol:g}")
        ax_dist.set_xlabel("iteration (log scale)")
        ax_dist.set_ylabel("distance to (1, 1)")
        ax_dist.set_title("Distance to the minimum")
        more, more_labels = ax_dist.get_legend_handles_labels()
        fig.legend(
            handles + more[2:], labels + more_labels[2:], loc="outside lower center", ncols=2
        )
    return fig


def _distance(d: float) -> str:
    return "exactly 0" if d == 0 else f"{d:.1e}"


def _describe(c: Comparison) -> list[str]:
    lines = []
    for r in (c.descent, c.newton):
        if r.converged_at is None:
            lines.append(f"   {r.method}: {r.stopped}")
            continue
        where = ", ".join(f"{x:.9g}" for x in r.end)
        where = where if len(r.end) == 1 else f"({where})"
        lines.append(
            f"   {r.method}: {_steps(r)} to {where} (distance {_distance(r.distances[-1])})"
        )
    return lines


def main(argv: Sequence[str] | None = None) -> NewtonResult:
    """Run both methods on the three functions, print the table and save the figures."""
    args = parse_args(argv)
    limits = {"tol": args.tol, "max_iterations": args.max_iterations}
    notes = compare("(x − 1)²/10", f, (args.x0,), (NOTES_X_STAR,), lr=ONE_D_LR, **limits)
    gc = compare("log(1 + eˣ) − x/2", g, (args.g_x0,), (G_X_STAR,), lr=ONE_D_LR, **limits)
    ros = compare("Rosenbrock", rosenbrock, ROSENBROCK_START, ROSENBROCK_MIN, lr=args.lr, **limits)

    df = mg.grad(f)
    d2f = mg.grad(df)
    x0 = args.x0
    print("f' = mg.grad(f), f'' = mg.grad(f'): Newton x := x − f'(x)/f''(x)")
    print(
        f"1. The notes' f(x) = (x − 1)²/10 from x = {x0:g}: f'(x) = {df(x0):g}, "
        f"f''(x) = {d2f(x0):g} (the same everywhere)"
    )
    print(
        "   A quadratic is its own second-order Taylor model, so Newton's jump to the model's "
        "minimum"
    )
    print(f"   lands on f's: x1 = {x0:g} − {df(x0):g}/{d2f(x0):g} = {notes.newton.points[1][0]!r}.")
    print(*_describe(notes), sep="\n")
    print(f"2. g(x) = log(1 + eˣ) − x/2 from x = {args.g_x0:g}: not a quadratic.")
    print(
        "   Its Newton step is x − sinh x: it converges from |x| < "
        f"{G_NEWTON_RADIUS:.2f} and flies off beyond."
    )
    newton_xs = " → ".join(f"{p[0]:.3g}" for p in gc.newton.points[:7])
    print(f"   Newton's points: {newton_xs}{' …' * (len(gc.newton.points) > 7)}")
    print(*_describe(gc), sep="\n")
    print(f"3. Rosenbrock (1 − a)² + 100·(b − a²)² from {_start(ros.start)} to (1, 1)")
    print(*_describe(ros), sep="\n")
    print()
    print(*table([notes, gc, ros], args.tol), sep="\n")

    with _common.figure_style():  # also while saving: the style sets the resolution
        figures = {
            "newton_1d": plot_1d(notes, gc, args.tol, args.show),
            "newton_rosenbrock": plot_rosenbrock(ros, args.tol, args.show),
        }
        paths = _common.save_figures(figures, args.out, show=args.show)
    print(_common.report_paths(paths))
    return NewtonResult(notes, gc, ros, args.tol, paths)


if __name__ == "__main__":
    main()
