"""Two moons: micrograd's classifier demo, rebuilt with mg.nn.MLP and mg.SGD.

A network MLP(2, [16, 16, 1]) gives each point (x₁, x₂) a score s; the predicted class is
the sign of s, the true class y is +1 or −1. It learns by full-batch gradient descent on

    L = mean over points of relu(1 − y·s)  +  α·Σ p²          (α = 1e-4)

the max-margin (hinge) loss: a point costs nothing once it is on the right side with margin
y·s ≥ 1, and the small L2 term keeps the weights p from growing without need. The learning
rate decays linearly, lr = 1.0 − 0.9·k/epochs at epoch k (micrograd: 100 epochs).

Run ``python examples/moons_classifier.py --help`` for the options. Prints loss and accuracy
per epoch; writes the decision boundary (``moons_decision_boundary.png``), the loss and
accuracy curves (``moons_training.png``) and the trained network (``moons_mlp.json``,
reloadable with ``mg.nn.load``).

The full run (100 points, 100 epochs, 337 parameters, about 65,000 graph nodes per epoch)
takes about a minute (measured on the project's 2-core machine: 48.8 s of training, 56 s in
all; 98 s of training while other jobs loaded it) and reaches 100% training accuracy with
seeds 0 to 4; with seed 1337 one noisy point of the upper moon, inside the lower one, stays
misclassified (99%).
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

import _common

import minigrad as mg

ALPHA = 1e-4  # L2 regularisation strength


def make_moons(n_points: int, noise: float, seed: int) -> tuple[Any, Any]:
    """Two interleaved half circles, as scikit-learn's make_moons, with labels −1 and +1.

    The upper moon is (cos t, sin t), the lower one (1 − cos t, 0.5 − sin t), t in [0, π];
    each point then gets Gaussian noise of standard deviation `noise`.

    Returns:
        points, an (n_points, 2) float array, and y, an (n_points,) array of −1.0 and +1.0,
        shuffled.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    n_upper = n_points // 2
    n_lower = n_points - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.column_stack([np.cos(t_upper), np.sin(t_upper)])
    lower = np.column_stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)])
    points = np.vstack([upper, lower])
    y = np.concatenate([-np.ones(n_upper), np.ones(n_lower)])
    order = rng.permutation(n_points)
    points, y = points[order], y[order]
    return points + rng.normal(0.0, noise, size=points.shape), y


def hinge_loss(model: mg.nn.MLP, points: Any, y: Any) -> tuple[mg.Value, float]:
    """The total loss (hinge, averaged, plus α·Σp²) and the accuracy, for the whole data set."""
    scores = [model([float(a), float(b)]) for a, b in points]
    margins = [mg.relu(1.0 - float(yi) * s) for yi, s in zip(y, scores, strict=True)]
    data_loss = sum(margins[1:], margins[0]) * (1.0 / len(margins))
    params = model.parameters()
    reg_loss = ALPHA * sum((p * p for p in params[1:]), params[0] * params[0])
    correct = sum((float(yi) > 0) == (s.data > 0) for yi, s in zip(y, scores, strict=True))
    return data_loss + reg_loss, correct / len(scores)


def train(
    model: mg.nn.MLP,
    points: Any,
    y: Any,
    epochs: int,
    log: Callable[[str], None] = print,
) -> dict[str, list[float]]:
    """Full-batch SGD with lr = 1.0 − 0.9·k/epochs; returns loss, accuracy and lr per epoch."""
    opt = mg.SGD(model.parameters(), lr=1.0)
    history: dict[str, list[float]] = {"loss": [], "accuracy": [], "lr": []}
    for k in range(epochs):
        loss, accuracy = hinge_loss(model, points, y)
        opt.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / epochs
        opt.param_groups[0]["lr"] = lr
        opt.step()
        history["loss"].append(loss.data)
        history["accuracy"].append(accuracy)
        history["lr"].append(lr)
        progress = f"loss {loss.data:.4f}  accuracy {accuracy:6.1%}  lr {lr:.3f}"
        log(f"epoch {k + 1:3d}/{epochs}  {progress}")
    return history


def plot_boundary(model: mg.nn.MLP, points: Any, y: Any, title: str, plt: Any) -> Any:
    """The data and the sign of the network's score over the plane (the decision regions)."""
    import numpy as np

    pad = 0.5
    xs = np.linspace(points[:, 0].min() - pad, points[:, 0].max() + pad, 70)
    ys = np.linspace(points[:, 1].min() - pad, points[:, 1].max() + pad, 50)
    with mg.no_grad():  # no graph needed: just the numbers
        scores = np.array([[model([float(a), float(b)]).data for a in xs] for b in ys])
    fig, ax = _common.new_figure(plt, "moons_decision_boundary")
    ax.contourf(xs, ys, scores, levels=[-np.inf, 0.0, np.inf], colors=["#f6c6c6", "#c6d8f6"])
    boundary = ax.contour(xs, ys, scores, levels=[0.0], colors="black", linewidths=1.5)
    for label, color, marker in ((-1.0, "#c0392b", "o"), (1.0, "#1f5fbf", "s")):
        mask = y == label
        ax.scatter(points[mask, 0], points[mask, 1], c=color, marker=marker, edgecolors="white",
                   linewidths=0.6, s=40, label=f"class {label:+.0f}")  # fmt: skip
    handles, names = ax.get_legend_handles_labels()
    handles.append(boundary.legend_elements()[0][0])
    names.append("decision boundary (score = 0)")
    fig.legend(handles, names, loc="outside lower center", ncols=2)
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title)
    return fig


def plot_curves(history: dict[str, list[float]], plt: Any) -> Any:
    """Loss and training accuracy per epoch, one above the other."""
    epochs = range(1, len(history["loss"]) + 1)
    fig, (left, right) = _common.new_figure(plt, "moons_training", 2, 1, sharex=True)
    left.plot(epochs, history["loss"], color="#1f5fbf")
    left.set_yscale("log")
    left.set_ylabel("hinge + L2 (log)")
    left.set_title("Loss")
    right.plot(epochs, [100 * a for a in history["accuracy"]], color="#2e8b57")
    right.axhline(100, color="gray", linestyle="--", linewidth=1, label="100%")
    right.set_ylim(min(45.0, 100 * min(history["accuracy"]) - 5), 102)
    right.set_xlabel("epoch")
    right.set_ylabel("training accuracy (%)")
    right.set_title("Accuracy (before each epoch's step)")
    right.legend(loc="lower right")
    return fig


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Train the two-moons classifier; return final accuracy, loss, time, history and files."""
    parser = _common.example_parser(
        __doc__.split("\n\n")[0], seed="seed of the data and of the weights"
    )
    parser.add_argument("--epochs", type=_common.positive_int, default=100, help="full-batch steps")
    parser.add_argument(
        "--points", type=_common.positive_int, default=100, help="number of data points (≥ 4)"
    )
    parser.add_argument("--noise", type=float, default=0.1, help="noise std of the moons")
    parser.add_argument(
        "--hidden", type=_common.positive_int, nargs="+", default=[16, 16], help="hidden sizes"
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    args = parser.parse_args(argv)
    if args.points < 4:
        parser.error(f"--points must be at least 4; got {args.points}")
    plt = _common.pyplot(args.show)

    points, y = make_moons(args.points, args.noise, args.seed)
    model = mg.nn.MLP(2, [*args.hidden, 1], rng=args.seed)
    print(f"{model}: {len(model.parameters())} parameters, {args.points} points")
    start = time.perf_counter()
    history = train(model, points, y, args.epochs, log=(lambda _: None) if args.quiet else print)
    seconds = time.perf_counter() - start
    with mg.no_grad():
        final_loss, accuracy = hinge_loss(model, points, y)
    print(f"final: loss {final_loss.data:.4f}, accuracy {accuracy:.1%}, {seconds:.1f} s training")

    title = f"{accuracy:.1%} training accuracy after {args.epochs} epochs\n{model}"
    with _common.figure_style():
        figures = {
            "moons_decision_boundary": plot_boundary(model, points, y, title, plt),
            "moons_training": plot_curves(history, plt),
        }
        boundary, curves = _common.save_figures(figures, args.out, show=args.show)
    weights = args.out / "moons_mlp.json"
    mg.nn.save(model, weights)
    print(_common.report_paths([boundary, curves]))
    print(f"Model: {weights} (reload with mg.nn.load)")
    converged = math.isfinite(final_loss.data) and final_loss.data < history["loss"][0]
    if not converged:
        print(
            f"Did not converge: the loss went from {history['loss'][0]:.4g} "
            f"to {final_loss.data:.4g}."
        )
        _common.warn("moons_classifier did not converge (exit status 1)")
    return {
        "accuracy": accuracy,
        "loss": final_loss.data,
        "epochs": args.epochs,
        "seconds": seconds,
        "history": history,
        "model": model,
        "files": [boundary, curves, weights],
        "converged": converged,
    }


if __name__ == "__main__":
    sys.exit(_common.exit_status(main()["converged"]))
