"""A classifier the PyTorch way: two logits, cross entropy, AdamW, a cosine schedule, clipping.

Two moons again (``moons_classifier.make_moons``), but trained as a PyTorch classifier is:

- the network ``mg.nn.MLP(2, [16, 16, 2], activation="relu")`` gives each point two scores
  (logits) s₀, s₁, one per class; the predicted class is the larger one;
- the loss is ``mg.cross_entropy(logits, targets)`` with class indices 0 and 1, the mean over a
  mini-batch of −log softmax(s)ₜ;
- ``mg.AdamW`` takes the steps, with its decoupled weight decay (0.01);
- ``mg.clip_grad_norm_`` rescales the gradient to a norm of at most 1 before each step;
- ``mg.lr_scheduler.CosineAnnealingLR`` lowers the lr along half a cosine, once per epoch;
- ``mg.nn.save`` writes the trained model to JSON, ``mg.nn.load`` reads it back into a new
  ``MLP`` of the same shape, and the reloaded model predicts the same.

Every line has its PyTorch twin (``torch.nn.functional.cross_entropy``, ``torch.optim.AdamW``,
``torch.nn.utils.clip_grad_norm_``, ``torch.optim.lr_scheduler.CosineAnnealingLR``). Writes
``classifier_training.png`` (loss and lr per epoch), ``classifier_boundary.png`` and
``classifier.json`` (the model). ``--quick`` is a small run for the tests.
"""

from __future__ import annotations

import math
import random
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _common
import numpy as np
from moons_classifier import make_moons

import minigrad as mg

QUICK = {"points": 40, "epochs": 4, "batch_size": 20}
"""``--quick``: a run of a second or two, for the tests."""


@dataclass
class ClassifierResult:
    """What `main` found: per-epoch history, the final accuracy and the model's round trip."""

    model: mg.nn.MLP = field(repr=False)
    loss: list[float]
    """The mean cross entropy of each epoch's mini-batches."""
    lr: list[float]
    """The lr each epoch's steps used."""
    accuracy: float
    """Training accuracy after the last epoch."""
    reloaded_same: bool
    """The model read back by ``mg.nn.load`` has the same parameters and predictions."""
    seconds: float
    files: list[Path]

    @property
    def converged(self) -> bool:
        """The loss stayed finite and ended below where it started."""
        return all(math.isfinite(v) for v in self.loss) and self.loss[-1] < self.loss[0]


def logits_of(model: mg.nn.MLP, points: np.ndarray) -> list[list[Any]]:
    """The two scores of each point: one list of 2 Values per point."""
    return [model([float(a), float(b)]) for a, b in points]


def predict(model: mg.nn.MLP, points: np.ndarray) -> np.ndarray:
    """The predicted class (0 or 1, the larger logit) of each point, without building a graph."""
    with mg.no_grad():
        return np.array([int(s1.data > s0.data) for s0, s1 in logits_of(model, points)])


def train(
    model: mg.nn.MLP,
    points: np.ndarray,
    targets: list[int],
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    max_norm: float,
    seed: int,
    log: Any = print,
) -> tuple[list[float], list[float]]:
    """Mini-batch training; returns the mean loss and the lr of each epoch.

    Per epoch: shuffle, then for each mini-batch ``loss = mg.cross_entropy(logits, targets)``,
    ``zero_grad``, ``backward``, ``clip_grad_norm_``, ``step``; after the epoch,
    ``scheduler.step()``.
    """
    opt = mg.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    scheduler = mg.lr_scheduler.CosineAnnealingLR(opt, T_max=epochs)
    order = list(range(len(points)))
    shuffle = random.Random(seed)
    losses, lrs = [], []
    for epoch in range(epochs):
        shuffle.shuffle(order)
        epoch_lr = scheduler.get_last_lr()[0]
        total, batches = 0.0, 0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            logits = logits_of(model, points[batch])
            loss = mg.cross_entropy(logits, [targets[i] for i in batch])
            opt.zero_grad()
            loss.backward()
            mg.clip_grad_norm_(model.parameters(), max_norm=max_norm)
            opt.step()
            total += loss.item()
            batches += 1
        scheduler.step()
        losses.append(total / batches)
        lrs.append(epoch_lr)
        log(f"epoch {epoch + 1:3d}/{epochs}  loss {losses[-1]:.4f}  lr {epoch_lr:.5f}")
    return losses, lrs


def plot(
    result: ClassifierResult, points: np.ndarray, targets: np.ndarray, out: Path, show: bool
) -> list[Path]:
    """Loss and lr per epoch (one above the other); the decision regions with the data."""
    plt = _common.pyplot(show)
    epochs = np.arange(1, len(result.loss) + 1)
    with _common.figure_style():
        training, (ax_loss, ax_lr) = _common.new_figure(
            plt, "classifier_training", 2, 1, sharex=True
        )
        ax_loss.semilogy(epochs, result.loss, "o-", color=_common.FIT_COLOR, ms=4)
        ax_loss.set_title("mg.cross_entropy, mean over each epoch's batches")
        ax_loss.set_ylabel("loss (log scale)")
        ax_lr.plot(epochs, result.lr, "o-", color=_common.PATH_COLOR, ms=4)
        ax_lr.set_title(f"CosineAnnealingLR(T_max={len(epochs)}): the lr of each epoch")
        ax_lr.set_xlabel("epoch")
        ax_lr.set_ylabel("lr")

        boundary, ax = _common.new_figure(plt, "classifier_boundary")
        pad = 0.5
        xs = np.linspace(points[:, 0].min() - pad, points[:, 0].max() + pad, 48)
        ys = np.linspace(points[:, 1].min() - pad, points[:, 1].max() + pad, 32)
        grid = np.array([(a, b) for b in ys for a in xs])
        with mg.no_grad():
            margin = np.array([s1.data - s0.data for s0, s1 in logits_of(result.model, grid)])
        margin = margin.reshape(len(ys), len(xs))
        ax.contourf(xs, ys, margin, levels=[-np.inf, 0.0, np.inf], colors=["#f6c6c6", "#c6d8f6"])
        line = ax.contour(xs, ys, margin, levels=[0.0], colors="black", linewidths=1.5)
        for label, color, marker in ((0, "#c0392b", "o"), (1, "#1f5fbf", "s")):
            mask = targets == label
            ax.scatter(points[mask, 0], points[mask, 1], c=color, marker=marker,
                       edgecolors="white", linewidths=0.6, s=40,
                       label=f"class {label}")  # fmt: skip
        handles, names = ax.get_legend_handles_labels()
        handles.append(line.legend_elements()[0][0])
        names.append("boundary: s₀ = s₁")
        boundary.legend(handles, names, loc="outside lower center", ncols=3)
        ax.set_title(f"{result.accuracy:.1%} training accuracy after {len(epochs)} epochs")
        ax.set_xlabel("x₁")
        ax.set_ylabel("x₂")
        return _common.save_figures(
            {"classifier_training": training, "classifier_boundary": boundary}, out, show=show
        )


def parse_args(argv: Sequence[str] | None) -> Any:
    """The command line: the common options plus the data, the training and ``--quick``."""
    parser = _common.example_parser(
        __doc__.split("\n\n")[0], seed="seed of the data, the weights and the shuffling"
    )
    parser.add_argument("--points", type=_common.positive_int, default=100, help="data points")
    parser.add_argument("--noise", type=float, default=0.1, help="noise std of the moons")
    parser.add_argument(
        "--epochs", type=_common.positive_int, default=40, help="passes over the data"
    )
    parser.add_argument(
        "--batch-size", type=_common.positive_int, default=20, help="points per step"
    )
    parser.add_argument(
        "--lr", type=_common.positive_float, default=0.03, help="AdamW's starting lr"
    )
    parser.add_argument(
        "--max-norm", type=_common.positive_float, default=1.0, help="clip_grad_norm_'s limit"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a small run for the tests ({QUICK['points']} points, {QUICK['epochs']} epochs)",
    )
    parser.add_argument("--quiet", action="store_true", help="no per-epoch progress")
    args = parser.parse_args(argv)
    if args.quick:
        args.points, args.epochs, args.batch_size = (
            QUICK["points"],
            QUICK["epochs"],
            QUICK["batch_size"],
        )
    if args.points < 4:
        parser.error(f"--points must be at least 4; got {args.points}")
    return args


def main(argv: Sequence[str] | None = None) -> ClassifierResult:
    """Train, save, reload, compare; draw the figures and print a summary."""
    args = parse_args(argv)
    points, signs = make_moons(args.points, args.noise, args.seed)
    targets = (signs > 0).astype(int)  # moons_classifier's −1/+1 labels as class indices 0/1
    model = mg.nn.MLP(2, [16, 16, 2], activation="relu", rng=args.seed)
    print(f"{model}: {len(model.parameters())} parameters, {args.points} points")
    start = time.perf_counter()
    loss, lrs = train(
        model,
        points,
        targets.tolist(),
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        max_norm=args.max_norm,
        seed=args.seed,
        log=(lambda _: None) if args.quiet else print,
    )
    seconds = time.perf_counter() - start
    predicted = predict(model, points)
    accuracy = float(np.mean(predicted == targets))
    print(f"final: training accuracy {accuracy:.1%}, {seconds:.1f} s training")

    args.out.mkdir(parents=True, exist_ok=True)
    saved = args.out / "classifier.json"
    mg.nn.save(model, saved)
    copy = mg.nn.MLP(2, [16, 16, 2], activation="relu")  # fresh random weights...
    mg.nn.load(copy, saved)  # ...replaced by the saved ones
    same = copy.state_dict() == model.state_dict() and np.array_equal(
        predict(copy, points), predicted
    )
    print(
        f"mg.nn.save -> {saved}; mg.nn.load into a new MLP: same parameters and predictions: {same}"
    )

    result = ClassifierResult(model, loss, lrs, accuracy, same, seconds, [])
    result.files = [*plot(result, points, targets, args.out, args.show), saved]
    print(_common.report_paths(result.files[:-1]))
    if not result.converged:
        print(f"Did not converge: the loss went from {loss[0]:.4g} to {loss[-1]:.4g}.")
        _common.warn("classifier did not converge (exit status 1)")
    return result


if __name__ == "__main__":
    sys.exit(_common.exit_status(main().converged))
