"""What the examples share: the seed's data, the command line, divergence checks and plot style.

Every example is a script (``python examples/NAME.py``) with a ``main(argv=None)`` that
returns its numbers. This module keeps the parts they have in common in one place:

- `make_dataset`: the learner's notes' ``make_dataset``: x ~ N(0, 1), y = a*·x + b* + 0.3·N(0, 1),
  drawn from a seeded numpy Generator so a run is the same every time.
- `example_parser`: ``--out DIR`` (figures, default ``outputs/``), ``--show``, ``--seed``, with
  every default shown in ``--help`` the same way (`HelpFormatter`).
- `diverged`, `DIVERGENCE_LIMIT`, `warn` and `exit_status`: how a run notices it has blown up
  or not converged, says so in words and ends with exit status 1.
- `pyplot`, `figure_style`, `new_figure`, `save_figures`, `layout_problems` and the colours:
  headless plotting in one style, sized for the docs column (`FIGURES`, `FIGURE_WIDTH`, `DPI`,
  `MIN_FONT_PT`).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# The target line of the learner's notes and its data.
A_STAR = 2.0
B_STAR = 1.0
N_SAMPLES = 100
NOISE = 0.3
# Where the notes start the line: a = −2, b = −1.
A_INIT = -2.0
B_INIT = -1.0

DIVERGENCE_LIMIT = 1e6
"""A parameter this large (or inf/nan) means the run has diverged: every example here has its
minimum within a few units of the origin, so nothing that converges ever gets near it."""

# One colour per role, the same in every figure.
DATA_COLOR = "0.45"
TRUE_COLOR = "tab:green"
INITIAL_COLOR = "tab:red"
FIT_COLOR = "tab:blue"
PATH_COLOR = "tab:orange"

# --- The figure style ----------------------------------------------------------------------------
# The docs show every figure scaled to their text column, about 690 CSS px wide. A figure W inches
# wide shown that wide draws a font of s points at s·690/(72·W) px, whatever its DPI: so the width
# and the smallest font size are chosen together, and the DPI only sets the sharpness (2 pixels
# per CSS px, for high-density screens).
DOCS_COLUMN_PX = 690
"""Width of the docs' text column, in CSS px (mkdocs-material's content column)."""
BODY_TEXT_PX = 16
"""The docs' body text size, in CSS px: no text in a figure is smaller once scaled."""
FIGURE_WIDTH = 6.9
"""Every example figure is this wide, in inches."""
DPI = 200
"""Pixels per inch of the saved PNGs: 6.9 in × 200 = 1380 px, twice the column."""
MIN_FONT_PT = BODY_TEXT_PX * 72 * FIGURE_WIDTH / DOCS_COLUMN_PX
"""The smallest font (points) that shows at `BODY_TEXT_PX` in the docs column: 11.52 pt."""
FONT_PT = 12.0
"""Tick labels, legends and annotations."""

FIGURES: dict[str, dict[str, float | None]] = {
    "backprop_graph": {"backprop_graph_before": None, "backprop_graph_after": None},
    "classifier": {"classifier_training": 6.0, "classifier_boundary": 6.2},
    "compiled_line_fit": {"compiled_line_fit": 4.6},
    "convex_descent": {"convex_descent": 7.2},
    "learning_rate": {"learning_rate": 11.5},
    "line_fit": {"line_fit_params": 6.4, "line_fit_lines": 5.6, "line_fit_loss": 4.4},
    "loss_landscape": {"loss_landscape": 8.6},
    "moons_classifier": {"moons_decision_boundary": 6.2, "moons_training": 7.0},
    "newton": {"newton_1d": 14.0, "newton_rosenbrock": 10.5},
    "outliers": {"outliers": 5.8, "outliers_losses": 6.8},
}
"""Every figure an example writes: example → figure name (file without ``.png``) → height in
inches (the width is `FIGURE_WIDTH`). None: drawn by ``mg.draw_graph``, whose size follows the
graph (see `GRAPH_DPI`). The one list: the examples take their sizes from it, the tests check the
files against it."""
GRAPH_DPI = 150
"""The DPI of ``mg.draw_graph``'s PNGs (set in minigrad.viz)."""

_STYLE: dict[Any, Any] = {  # keys are rcParams names (typed as literals by matplotlib)
    "figure.dpi": 100,
    "savefig.dpi": DPI,
    "font.size": FONT_PT,
    "axes.titlesize": FONT_PT + 1,
    "axes.titleweight": "bold",
    "axes.labelsize": FONT_PT,
    "xtick.labelsize": FONT_PT,
    "ytick.labelsize": FONT_PT,
    "legend.fontsize": FONT_PT,
    "legend.title_fontsize": FONT_PT,
    "figure.titlesize": FONT_PT + 1,
    "figure.titleweight": "bold",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.framealpha": 0.9,
    "legend.borderaxespad": 0.3,
    "legend.handlelength": 1.6,
    "lines.linewidth": 1.8,
    "figure.constrained_layout.use": True,
}


def figure_style_rc() -> dict[str, Any]:
    """The matplotlib settings (rcParams) of `figure_style`, a copy."""
    return dict(_STYLE)


def figure_height(name: str) -> float:
    """The height in inches that `FIGURES` gives the figure `name` (a file name without .png).

    Raises:
        KeyError: `name` is not in `FIGURES` (every figure must be listed there).
    """
    for figures in FIGURES.values():
        height = figures.get(name)
        if height is not None:
            return height
    raise KeyError(f"{name!r} is not a matplotlib figure listed in _common.FIGURES")


def figure_size(name: str) -> tuple[float, float]:
    """(width, height) in inches of the figure `name`: `FIGURE_WIDTH` by its `FIGURES` height."""
    return (FIGURE_WIDTH, figure_height(name))


def new_figure(plt: Any, name: str, nrows: int = 1, ncols: int = 1, **kwargs: Any) -> Any:
    """``plt.subplots`` at the house size, `figure_size` (name), with constrained layout.

    Call it inside `figure_style`. Returns ``(figure, axes)`` as ``plt.subplots`` does.
    """
    return plt.subplots(nrows, ncols, figsize=figure_size(name), layout="constrained", **kwargs)


def _axes_texts(ax: Any) -> list[Any]:
    """The texts an axes draws: titles, axis labels, tick labels in view, texts, its legend."""
    texts = [ax.title, ax._left_title, ax._right_title]
    box = ax.get_window_extent()
    for axis, lo, hi, centre in (
        (ax.xaxis, box.x0, box.x1, lambda b: (b.x0 + b.x1) / 2),
        (ax.yaxis, box.y0, box.y1, lambda b: (b.y0 + b.y1) / 2),
    ):
        texts.append(axis.label)
        # matplotlib keeps labels for ticks outside the view; only those along the axes show.
        for label in axis.get_ticklabels(which="both"):
            if lo - 1 <= centre(label.get_window_extent()) <= hi + 1:
                texts.append(label)
    texts += list(ax.texts)
    legend = ax.get_legend()
    if legend is not None:
        texts += [*legend.get_texts(), legend.get_title()]
    for child in ax.child_axes:  # insets
        texts += _axes_texts(child)
    return texts


def layout_problems(fig: Figure) -> list[str]:
    """What makes a figure hard to read in the docs column, in words (empty if nothing).

    Checks every visible text (titles, labels, tick labels, legends, annotations, contour
    labels): smaller than `MIN_FONT_PT`, reaching outside the figure (clipped), or overlapping
    another text.
    """
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    texts = list(fig.texts)
    if fig._suptitle is not None:
        texts.append(fig._suptitle)
    for legend in fig.legends:
        texts += [*legend.get_texts(), legend.get_title()]
    for ax in fig.axes:
        if ax.get_visible():
            texts += _axes_texts(ax)
    page = fig.bbox
    boxes = []
    problems = []
    seen = set()
    for text in texts:
        if id(text) in seen or not text.get_visible() or not text.get_text().strip():
            continue
        seen.add(id(text))
        box = text.get_window_extent(renderer)
        label = repr(text.get_text())
        if text.get_fontsize() < MIN_FONT_PT - 1e-9:
            problems.append(f"{label} is {text.get_fontsize():g} pt (< {MIN_FONT_PT:.2f})")
        if (
            box.x0 < page.x0 - 1
            or box.y0 < page.y0 - 1
            or box.x1 > page.x1 + 1
            or box.y1 > page.y1 + 1
        ):
            problems.append(f"{label} reaches outside the figure")
        boxes.append((label, box.shrunk(0.98, 0.9)))
    for i, (label, box) in enumerate(boxes):
        for other, other_box in boxes[i + 1 :]:
            if box.overlaps(other_box):
                problems.append(f"{label} overlaps {other}")
    return problems


def make_dataset(
    n_samples: int = N_SAMPLES,
    a_star: float = A_STAR,
    b_star: float = B_STAR,
    *,
    noise: float = NOISE,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Draw the notes' data: x ~ N(0, 1) and y = a*·x + b* + noise·N(0, 1).

    The same two draws in the same order as the notes' ``make_dataset`` (x first, then the
    noise), from ``np.random.default_rng(seed)`` so a seed always gives the same data.

    Args:
        n_samples: How many (x, y) pairs.
        a_star: The true slope a*.
        b_star: The true intercept b*.
        noise: The standard deviation of the noise added to y.
        seed: Seed of the numpy Generator.

    Returns:
        ``(x, y)``, two float64 arrays of length `n_samples`.

    Example:
        >>> x, y = make_dataset(3, seed=0)
        >>> x.shape, y.shape
        ((3,), (3,))
    """
    if n_samples < 1:
        raise ValueError(f"n_samples must be at least 1; got {n_samples}")
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=0.0, scale=1.0, size=n_samples)
    y = a_star * x + b_star + noise * rng.normal(loc=0.0, scale=1.0, size=n_samples)
    return x, y


def least_squares(
    x: Sequence[float] | np.ndarray, y: Sequence[float] | np.ndarray
) -> tuple[float, float]:
    """The line a·x + b with the smallest mean squared error, solved in closed form.

    This is the answer gradient descent on the squared error should reach, computed without
    any gradient: the least-squares solution of [x 1]·(a, b) = y (numpy's ``lstsq``).

    Example:
        >>> a, b = least_squares([0.0, 1.0, 2.0], [1.0, 3.0, 5.0])
        >>> round(a, 9), round(b, 9)
        (2.0, 1.0)
    """
    x_arr, y_arr = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    design = np.column_stack([x_arr, np.ones_like(x_arr)])
    (a, b), *_ = np.linalg.lstsq(design, y_arr, rcond=None)
    return float(a), float(b)


def mean_squared_error(
    a: np.ndarray | float, b: np.ndarray | float, x: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """J(a, b) = mean over the data of (a·x + b − y)², for numbers or arrays of a and b (a grid).

    Example:
        >>> x, y = np.array([0.0, 1.0]), np.array([1.0, 3.0])
        >>> float(mean_squared_error(2.0, 1.0, x, y)), float(mean_squared_error(0.0, 0.0, x, y))
        (0.0, 5.0)
    """
    a_arr, b_arr = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    residual = a_arr[..., None] * x + b_arr[..., None] - y
    return np.asarray(np.mean(residual**2, axis=-1))


def diverged(*numbers: float) -> bool:
    """True if any number is inf, nan or larger in size than `DIVERGENCE_LIMIT`.

    Example:
        >>> diverged(1.0, -3.0), diverged(float("inf")), diverged(2e6)
        (False, True, True)
    """
    return not all(abs(n) < DIVERGENCE_LIMIT for n in numbers)  # nan fails every comparison


def positive_float(text: str) -> float:
    """An argparse type: a number > 0 (a learning rate, a loss's delta...)."""
    value = float(text)
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be a positive number; got {text}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: an integer ≥ 1 (epochs, iterations, samples)."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1; got {text}")
    return value


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Every example's --help: "(default: X)" after each option that has a default.

    Flags (``--show``) and options without a default (None) show none.
    """

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None or action.default is False:
            return action.help
        return super()._get_help_string(action)


def momentum_value(text: str) -> float:
    """An argparse type: a momentum factor in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1); got {text}")
    return value


def example_parser(
    description: str,
    *,
    seed: str | None = "seed of the random data (numpy Generator)",
    show: bool = True,
) -> argparse.ArgumentParser:
    """A parser with the options every example has: ``--out``, ``--show`` (and ``--seed``).

    Every option's default is shown in ``--help`` the same way, "(default: ...)".

    Args:
        description: What the example shows (its module docstring's first paragraph).
        seed: The help of ``--seed``; None for an example that draws no random numbers.
        show: Offer ``--show`` (False for an example whose pictures matplotlib cannot show).
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=HelpFormatter)
    parser.add_argument(
        "--out", type=Path, default=Path("outputs"), help="directory for the figures (PNG)"
    )
    if show:
        parser.add_argument(
            "--show",
            action="store_true",
            help="also open the figures in a window (needs a display)",
        )
    if seed is not None:
        parser.add_argument("--seed", type=int, default=0, help=seed)
    return parser


def warn(message: str) -> None:
    """Print one ``warning: ...`` line on stderr (a run that did not converge, say)."""
    print(f"warning: {message}", file=sys.stderr)


def exit_status(converged: bool) -> int:
    """The script's exit status: 0 if the run converged, 1 if it did not (it said so)."""
    return 0 if converged else 1


def pyplot(show: bool) -> Any:
    """Import ``matplotlib.pyplot``, on the headless Agg backend unless `show` is asked for.

    Figures are always saved to files; only ``--show`` needs a display.
    """
    import matplotlib

    if not show:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


@contextlib.contextmanager
def figure_style() -> Iterator[None]:
    """Draw and save the figures made inside this block in the examples' common style."""
    import matplotlib

    with matplotlib.rc_context(figure_style_rc()):
        yield


def save_figures(figures: Mapping[str, Figure], out: Path, *, show: bool) -> list[Path]:
    """Save each figure as ``out/NAME.png`` at `DPI`; then show them (``--show``) or close them.

    The whole figure is saved (no tight bounding box), so every PNG is exactly `FIGURE_WIDTH`
    by its `FIGURES` height. A figure with a `layout_problems` problem is still saved, with a
    warning line on stderr for each.

    Args:
        figures: The figures by file name (without ``.png``).
        out: The output directory, created if needed.
        show: Open a window with the figures after saving them.

    Returns:
        The paths written, in the order given.
    """
    plt = pyplot(show)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, fig in figures.items():
        path = out / f"{name}.png"
        for problem in layout_problems(fig):
            print(f"warning: {path.name}: {problem}", file=sys.stderr)
        fig.savefig(path, dpi=DPI)
        paths.append(path)
    if show:
        plt.show()
    for fig in figures.values():
        plt.close(fig)
    return paths


def report_paths(paths: Sequence[Path]) -> str:
    """One line naming the figures written, for the printed summary."""
    return "Figures: " + ", ".join(str(p) for p in paths)
