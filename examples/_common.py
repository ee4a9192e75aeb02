"""What the examples share: the seed's data, the command line, divergence checks and plot style.

Every example is a script (``python examples/NAME.py``) with a ``main(argv=None)`` that
returns its numbers. This module keeps the parts they have in common in one place:

- `make_dataset`: the learner's notes' ``make_dataset``: x ~ N(0, 1), y = a*·x + b* + 0.3·N(0, 1),
  drawn from a seeded numpy Generator so a run is the same every time.
- `example_parser`: ``--out DIR`` (figures, default ``outputs/``), ``--show``, ``--seed``.
- `diverged` and `DIVERGENCE_LIMIT`: how a run notices it has blown up, so it can stop and say
  so in words instead of ending in an overflow.
- `pyplot`, `figure_style`, `save_figures` and the colours: headless plotting (matplotlib's
  Agg backend unless ``--show``) in one consistent style.
"""

from __future__ import annotations

import argparse
import contextlib
import math
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

_STYLE: dict[Any, Any] = {  # keys are rcParams names (typed as literals by matplotlib)
    "figure.dpi": 100,
    "savefig.dpi": 110,
    "font.size": 11,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.grid": True,
    "grid.alpha": 0.3,
    "legend.framealpha": 0.9,
    "legend.fontsize": 10,
}


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


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Show defaults in --help, except for flags and options whose help explains them."""

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


def example_parser(description: str) -> argparse.ArgumentParser:
    """A parser with the options every example has: ``--out``, ``--show`` and ``--seed``.

    Args:
        description: What the example shows (its module docstring's first paragraph).
    """
    parser = argparse.ArgumentParser(description=description, formatter_class=_HelpFormatter)
    parser.add_argument(
        "--out", type=Path, default=Path("outputs"), help="directory for the figures (PNG)"
    )
    parser.add_argument(
        "--show", action="store_true", help="also open the figures in a window (needs a display)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the random data")
    return parser


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

    with matplotlib.rc_context(_STYLE):
        yield


def save_figures(figures: Mapping[str, Figure], out: Path, *, show: bool) -> list[Path]:
    """Save each figure as ``out/NAME.png``; then show them (``--show``) or close them.

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
        fig.savefig(path, bbox_inches="tight")
        paths.append(path)
    if show:
        plt.show()
    for fig in figures.values():
        plt.close(fig)
    return paths


def report_paths(paths: Sequence[Path]) -> str:
    """One line naming the figures written, for the printed summary."""
    return "Figures: " + ", ".join(str(p) for p in paths)
