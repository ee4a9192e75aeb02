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


# Figures that no example draws: made here, in assets/figures/<name>/.
DRAWN_HERE = {"non_convex": draw_non_convex}


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
