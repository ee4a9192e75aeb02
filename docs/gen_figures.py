"""Regenerate the docs' figures by running the examples that make them.

Every figure in the docs is ``assets/figures/<example>/<file>.png``, written by
``examples/<example>.py`` when its ``main(["--out", "docs/assets/figures/<example>"])`` runs, or,
for the few figures no example draws (`DRAWN_HERE`), by a function of this script. This
script finds the examples the pages refer to, runs each once, checks that every figure a page
shows now exists, and deletes the other files the examples wrote there. An example that does
not exist (yet) is skipped with a loud message and the exit status is 1, as it is when a page
shows a figure that no example wrote.

Usage: ``python docs/gen_figures.py [EXAMPLE ...]`` (default: every example the docs show).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
FIGURES = DOCS / "assets" / "figures"
REFERENCE = re.compile(r"assets/figures/(?P<example>[\w-]+)/(?P<file>[\w.-]+)")


def referenced() -> dict[str, set[str]]:
    """Example name -> the figure files the docs show from it."""
    found: dict[str, set[str]] = {}
    for page in sorted(DOCS.rglob("*.md")):
        for match in REFERENCE.finditer(page.read_text(encoding="utf-8")):
            found.setdefault(match["example"], set()).add(match["file"])
    return found


def non_convex_f(x: float) -> float:
    """The tutorial's non-convex example (tutorial/non-convex.md): two valleys and a hilltop."""
    return x**4 - 2 * x**2 + 0.5 * x


def non_convex_df(x: float) -> float:
    """The derivative of `non_convex_f`: 4x³ − 4x + 0.5."""
    return 4 * x**3 - 4 * x + 0.5


def draw_non_convex(out: Path) -> None:
    """non_convex.png: f(x) = x⁴ − 2x² + 0.5x and gradient descent from three starts."""
    import matplotlib.pyplot as plt

    grid = [-1.8 + 3.6 * i / 400 for i in range(401)]
    fig, ax = plt.subplots(figsize=(8, 4.5))
    ax.plot(grid, [non_convex_f(x) for x in grid], color="0.3", lw=2, label="f(x)")
    colours = {-0.5: "tab:blue", 0.2: "tab:orange", 1.7: "tab:green"}
    for start, colour in colours.items():
        x, path = start, [start]
        for _ in range(30):
            x = x - 0.05 * non_convex_df(x)
            path.append(x)
        ax.plot(
            path,
            [non_convex_f(v) for v in path],
            "o-",
            ms=4,
            color=colour,
            alpha=0.8,
            label=f"gradient descent from x = {start}, ends at {x:.2f}",
        )
    for x, text in [(-1.0575, "global minimum"), (0.9304, "local minimum"), (0.1271, "hilltop")]:
        ax.annotate(
            text,
            (x, non_convex_f(x)),
            xytext=(0, -18 if "min" in text else 10),
            textcoords="offset points",
            ha="center",
            fontsize=10,
        )
    ax.set(
        xlabel="x",
        ylabel="f(x)",
        ylim=(-2.0, 4.5),
        title="Non-convex: where gradient descent ends depends on where it starts",
    )
    ax.grid(alpha=0.3)
    ax.legend(loc="upper center", fontsize=9)
    fig.tight_layout()
    fig.savefig(out / "non_convex.png", dpi=100)
    plt.close(fig)


FULL_BATCH_SAMPLES = 1_000_000
"""Tutorial step 6, "A million points at once": the data, drawn like step 1's, 10⁴ times more."""
FULL_BATCH_SGD = (100, 0.1)
"""The per-sample loop of that section: updates (one per point, the first 100) and learning rate."""
FULL_BATCH_GD = (20, 0.25)
"""Its full-batch descent with ``mg.compile(reduce="mean")``: steps and learning rate."""
FULL_BATCH_HEIGHT = 6.0
"""Height of full_batch.png in inches (the width is the examples' `FIGURE_WIDTH`)."""


class FullBatchRuns(NamedTuple):
    """The two runs of "A million points at once" and what the figure needs of the data."""

    sgd: Any
    """(a, b) after each per-sample update, the start first: an array of shape (101, 2)."""
    gd: Any
    """(a, b) after each full-batch step, the start first: shape (21, 2)."""
    moments: dict[str, float]
    """Means of x², x, x·y, y, y²: J(a, b) = a²·xx + 2ab·x + b² − 2a·xy − 2b·y + yy."""
    lstsq: tuple[float, float]
    """The least-squares line (np.polyfit): where full-batch descent ends."""


def full_batch_runs() -> FullBatchRuns:
    """The section's two runs, as its code blocks run them, with every (a, b) along the way."""
    import numpy as np

    import minigrad as mg

    rng = np.random.default_rng(0)
    xs = rng.normal(0, 1, size=FULL_BATCH_SAMPLES)
    ys = 2.0 * xs + 1.0 + 0.3 * rng.normal(0, 1, size=FULL_BATCH_SAMPLES)

    def loss(a: mg.Value, b: mg.Value, x: mg.Value, y: mg.Value) -> mg.Value:
        return (a * x + b - y) ** 2

    updates, lr_sgd = FULL_BATCH_SGD
    a, b = mg.Parameter(-2.0), mg.Parameter(-1.0)
    opt = mg.SGD([a, b], lr=lr_sgd)
    sgd = [(a.data, b.data)]
    for x, y in zip(xs[:updates].tolist(), ys[:updates].tolist(), strict=True):
        opt.zero_grad()
        loss(a, b, x, y).backward()
        opt.step()
        sgd.append((a.data, b.data))

    steps, lr_gd = FULL_BATCH_GD
    step = mg.compile(loss, argnums=(0, 1), reduce="mean")
    af, bf = -2.0, -1.0
    gd = [(af, bf)]
    for _ in range(steps):
        _, (da, db) = step(af, bf, xs, ys)
        af, bf = af - lr_gd * da, bf - lr_gd * db
        gd.append((af, bf))
    # J on a grid from the data's moments: 300² points of J without a pass over 10⁶ each.
    moments = {
        "xx": float(np.mean(xs * xs)),
        "x": float(np.mean(xs)),
        "xy": float(np.mean(xs * ys)),
        "y": float(np.mean(ys)),
        "yy": float(np.mean(ys * ys)),
    }
    slope, intercept = np.polyfit(xs, ys, 1)
    return FullBatchRuns(np.array(sgd), np.array(gd), moments, (float(slope), float(intercept)))


def draw_full_batch(out: Path) -> None:
    """full_batch.png: per-sample SGD zig-zags, full batch goes straight, on J's contours."""
    import _common  # type: ignore[import-not-found]  # examples/, put on sys.path by main
    import numpy as np

    runs = full_batch_runs()
    sgd, gd, m, lstsq = runs.sgd, runs.gd, runs.moments, runs.lstsq
    grid_a, grid_b = np.meshgrid(np.linspace(-2.6, 3.0, 300), np.linspace(-1.6, 2.2, 300))
    j = (
        grid_a**2 * m["xx"]
        + 2 * grid_a * grid_b * m["x"]
        + grid_b**2
        - 2 * grid_a * m["xy"]
        - 2 * grid_b * m["y"]
        + m["yy"]
    )
    plt = _common.pyplot(show=False)
    with _common.figure_style():
        fig, ax = plt.subplots(
            figsize=(_common.FIGURE_WIDTH, FULL_BATCH_HEIGHT), layout="constrained"
        )
        levels = [0.3, 1, 3, 10]  # J near its minimum ≈ 0.09 + (a − 2)² + (b − 1)²
        contours = ax.contour(
            grid_a, grid_b, j, levels=levels, cmap="viridis", vmin=0.0, vmax=14.0, linewidths=1.0
        )
        # Labels below the bowl's bottom, clear of both paths: (a, b) = (2, 1) + r·(cos, sin)(−75°).
        angle = np.radians(-75.0)
        spots = [(2 + r * np.cos(angle), 1 + r * np.sin(angle)) for r in (0.46, 0.95, 1.7)]
        spots.append((-0.95, -0.3))  # J = 10 crosses the plot's left half
        ax.clabel(contours, fmt="%g", fontsize=_common.FONT_PT, manual=spots)
        updates, lr_sgd = FULL_BATCH_SGD
        steps, lr_gd = FULL_BATCH_GD
        ax.plot(
            sgd[:, 0], sgd[:, 1], ".-", color=_common.PATH_COLOR, lw=1.2, ms=4,
            label=f"per sample: {updates} updates, lr = {lr_sgd:g}",
        )  # fmt: skip
        ax.plot(
            gd[:, 0], gd[:, 1], "o-", color=_common.FIT_COLOR, lw=1.6, ms=5,
            label=f"full batch (10⁶ points): {steps} steps, lr = {lr_gd:g}",
        )  # fmt: skip
        ax.plot(-2.0, -1.0, "s", color=_common.INITIAL_COLOR, ms=9, label="start (-2, -1)")
        ax.plot(*lstsq, "*", color="black", ms=14,
                label=f"least squares ({lstsq[0]:.3f}, {lstsq[1]:.3f})")  # fmt: skip
        ax.set(xlabel="a (slope)", ylabel="b (intercept)", aspect="equal")
        ax.set_title("The same start, two ways down J(a, b)")
        fig.legend(loc="outside lower center", ncols=1)
        for problem in _common.layout_problems(fig):
            print(f"!!! full_batch.png: {problem}", file=sys.stderr)
        fig.savefig(out / "full_batch.png", dpi=_common.DPI)
        plt.close(fig)


# Figures that no example draws: made here, in assets/figures/<name>/.
DRAWN_HERE = {"full_batch": draw_full_batch, "non_convex": draw_non_convex}


def run_example(name: str) -> bool:
    """Run examples/<name>.py's main with --out into the docs; False if it does not exist."""
    if name in DRAWN_HERE:
        out = FIGURES / name
        out.mkdir(parents=True, exist_ok=True)
        DRAWN_HERE[name](out)
        print(f"drew {name} (docs/gen_figures.py) -> {out.relative_to(ROOT)}")
        return True
    script = ROOT / "examples" / f"{name}.py"
    if not script.is_file():
        print(
            f"\n!!! SKIPPED {name}: examples/{name}.py does not exist (yet); the docs show "
            "figures from it.\n",
            file=sys.stderr,
        )
        return False
    out = FIGURES / name
    out.mkdir(parents=True, exist_ok=True)
    spec = importlib.util.spec_from_file_location(f"examples.{name}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    start = time.perf_counter()
    module.main(["--out", str(out)])  # returns the example's numbers; failures raise
    seconds = time.perf_counter() - start
    print(f"ran examples/{name}.py in {seconds:.1f} s -> {out.relative_to(ROOT)}")
    return True


def main(argv: list[str] | None = None) -> int:
    """Run the examples and check the figures; return the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("examples", nargs="*", help="only these examples (names, no .py)")
    args = parser.parse_args(argv)
    os.environ.setdefault("MPLBACKEND", "Agg")  # no window, in CI or here
    # The examples import their shared helpers as `import _common`, as when run as scripts.
    sys.path.insert(0, str(ROOT / "examples"))
    wanted = referenced()
    names = args.examples or sorted(wanted)
    ok = True
    for name in names:
        ok = run_example(name) and ok
    for name in names:
        shown = wanted.get(name, set())
        for file in sorted(shown):
            if not (FIGURES / name / file).is_file():
                print(f"!!! MISSING assets/figures/{name}/{file}: a page shows it", file=sys.stderr)
                ok = False
        # Keep only what the docs show (an example may also write data, DOT text, other plots).
        folder = FIGURES / name
        for extra in sorted(folder.iterdir()) if folder.is_dir() else []:
            if extra.is_file() and extra.name not in shown:
                extra.unlink()
                print(f"removed {extra.relative_to(ROOT)}: no page shows it")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
