"""Fit y = a·x + b to the learner's noisy data, with loss.backward() instead of hand derivatives.

The notes fit the line a* = 2, b* = 1 from 100 samples (x ~ N(0, 1), noise 0.3), starting at
a = −2, b = −1, with per-sample updates lr = 0.001 for 1000 epochs, and worked out the
derivatives by hand:

    dL/da = 2·x·(ŷ − y)        dL/db = 2·(ŷ − y)

Here the same loop asks minigrad for them: ``loss.backward()`` fills in ``a.grad`` and
``b.grad``, ``opt.step()`` does ``a := a − lr·a.grad``. The answer is checked against the
closed-form least-squares line.

Run ``python examples/line_fit.py --help`` for the options (momentum, full-batch descent).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import _common
import numpy as np

import minigrad as mg

Batch = Literal["sample", "full"]
LossFn = Callable[[mg.Value, float], mg.Value]

DEFAULT_LR = {"sample": 0.001, "full": 0.1}
"""The notes' lr for per-sample steps; full-batch steps average 100 gradients instead of taking
100 small steps, so one of them can be 100 times larger and cover the same ground per epoch."""
BATCH_NAMES = {"sample": "per-sample", "full": "full batch"}


@dataclass
class Fit:
    """One training run: the hyper-parameters, the path of (a, b) and the losses.

    Attributes:
        a: Final slope.
        b: Final intercept.
        a_path: a before the first update and after every update (``steps + 1`` values).
        b_path: b likewise.
        epoch_loss: The mean loss of each epoch (over the losses computed during that epoch).
        steps: How many updates were made.
        diverged_at: The update after which a or b became inf/nan or huge, or None.
        lr: The learning rate.
        batch: ``"sample"`` (one update per sample) or ``"full"`` (one per epoch).
        momentum: The SGD momentum.
        seconds: Wall-clock time of the training loop.
    """

    a: float
    b: float
    a_path: list[float] = field(repr=False)
    b_path: list[float] = field(repr=False)
    epoch_loss: list[float] = field(repr=False)
    steps: int
    diverged_at: int | None
    lr: float
    batch: Batch
    momentum: float
    seconds: float


def fit(
    x: Sequence[float] | np.ndarray,
    y: Sequence[float] | np.ndarray,
    *,
    lr: float,
    epochs: int,
    batch: Batch = "sample",
    momentum: float = 0.0,
    loss_fn: LossFn = mg.mse_loss,
    a_init: float = _common.A_INIT,
    b_init: float = _common.B_INIT,
) -> Fit:
    """Fit a·x + b to (x, y) by gradient descent, with gradients from ``loss.backward()``.

    Per sample (the notes' loop), for each epoch and each pair (x, y) in order::

        ŷ = a·x + b,   L = loss_fn(ŷ, y),   (a, b) := (a, b) − lr·(∂L/∂a, ∂L/∂b)

    Full batch: one update per epoch on the mean loss J = (1/n)·Σᵢ loss_fn(a·xᵢ + b, yᵢ).

    The run stops early, and says where in ``diverged_at``, if a or b leaves the range where
    numbers mean anything (see `_common.diverged`).

    Args:
        x: The inputs.
        y: The targets, as many as `x`.
        lr: Learning rate.
        epochs: Passes over the data.
        batch: ``"sample"`` or ``"full"``.
        momentum: SGD momentum (0 is plain descent, the notes' update).
        loss_fn: The loss of one prediction against its target, e.g. ``mg.mse_loss``
            (ŷ − y)², ``mg.l1_loss`` or ``mg.huber_loss``.
        a_init: Starting slope.
        b_init: Starting intercept.

    Returns:
        The `Fit`.
    """
    if batch not in DEFAULT_LR:
        raise ValueError(f"batch must be 'sample' or 'full'; got {batch!r}")
    xs = [float(v) for v in x]  # plain floats: the loop then never touches numpy
    ys = [float(v) for v in y]
    if len(xs) != len(ys) or not xs:
        raise ValueError(f"x and y must be non-empty and equally long; got {len(xs)}, {len(ys)}")
    a = mg.Parameter(a_init, name="a")
    b = mg.Parameter(b_init, name="b")
    opt = mg.SGD([a, b], lr=lr, momentum=momentum)
    a_path, b_path, epoch_loss = [a.data], [b.data], []
    n = len(xs)
    steps = 0
    diverged_at = None
    start = time.perf_counter()
    for _ in range(epochs):
        total = 0.0
        if batch == "sample":
            for x_sample, y_sample in zip(xs, ys, strict=True):
                y_pred = a * x_sample + b
                loss = loss_fn(y_pred, y_sample)
                opt.zero_grad()
                loss.backward()  # a.grad = 2·x·(ŷ − y), b.grad = 2·(ŷ − y) for the squared error
                opt.step()  # a := a − lr·a.grad, b := b − lr·b.grad
                total += loss.data
                steps += 1
                a_path.append(a.data)
                b_path.append(b.data)
                if _common.diverged(a.data, b.data):
                    diverged_at = steps
                    break
        else:
            losses = [
                loss_fn(a * x_sample + b, y_sample)
                for x_sample, y_sample in zip(xs, ys, strict=True)
            ]
            loss = sum(losses[1:], losses[0]) / n
            opt.zero_grad()
            loss.backward()
            opt.step()
            total = loss.data * n
            steps += 1
            a_path.append(a.data)
            b_path.append(b.data)
            if _common.diverged(a.data, b.data):
                diverged_at = steps
        epoch_loss.append(total / n)
        if diverged_at is not None:
            break
    seconds = time.perf_counter() - start
    return Fit(
        a=a.data,
        b=b.data,
        a_path=a_path,
        b_path=b_path,
        epoch_loss=epoch_loss,
        steps=steps,
        diverged_at=diverged_at,
        lr=lr,
        batch=batch,
        momentum=momentum,
        seconds=seconds,
    )


@dataclass
class LineFitResult:
    """What `main` found: the fit, the closed-form answer and the gap between them."""

    fit: Fit
    a: float
    b: float
    a_lstsq: float
    b_lstsq: float
    gap: float
    j_start: float
    """The mean squared error of the starting line, J(a₀, b₀)."""
    j_end: float
    """J at the end: below `j_start` if the run went downhill."""
    j_min: float
    """J of the least-squares line, the lowest there is."""
    figures: list[Path]

    @property
    def converged(self) -> bool:
        """The run did not blow up and ended lower than it started."""
        return self.fit.diverged_at is None and bool(self.j_end < self.j_start)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command line: the common options plus the training knobs."""
    parser = _common.example_parser(__doc__.split("\n\n")[0])
    parser.add_argument(
        "--epochs", type=_common.positive_int, default=1000, help="passes over the data"
    )
    parser.add_argument(
        "--lr",
        type=_common.positive_float,
        default=None,
        help=(
            f"learning rate (default: {DEFAULT_LR['sample']} per sample as in the notes, "
            f"{DEFAULT_LR['full']} for --batch full, whose one step per epoch averages all "
            "100 gradients)"
        ),
    )
    parser.add_argument(
        "--momentum", type=_common.momentum_value, default=0.0, help="SGD momentum (0 to <1)"
    )
    parser.add_argument(
        "--batch",
        choices=["sample", "full"],
        default="sample",
        help="'sample': one update per sample (the notes); 'full': one per epoch, on the mean loss",
    )
    parser.add_argument(
        "--samples",
        type=_common.positive_int,
        default=_common.N_SAMPLES,
        help="number of data points",
    )
    return parser.parse_args(argv)


def plot(result: LineFitResult, x: np.ndarray, y: np.ndarray, out: Path, show: bool) -> list[Path]:
    """Draw the three figures: (a, b) against updates, the lines over the data, the loss."""
    plt = _common.pyplot(show)
    fit_ = result.fit
    updates = np.arange(len(fit_.a_path))
    unit = "update, one per sample" if fit_.batch == "sample" else "update, one per epoch"
    with _common.figure_style():
        # 1. The notes' two panels, a and b against updates, on a log axis: with per-sample
        #    steps everything happens in the first few thousand of the 100,000 updates.
        params, (ax_a, ax_b) = _common.new_figure(plt, "line_fit_params", 2, 1, sharex=True)
        for ax, path, name, star, lsq in (
            (ax_a, fit_.a_path, "a", _common.A_STAR, result.a_lstsq),
            (ax_b, fit_.b_path, "b", _common.B_STAR, result.b_lstsq),
        ):
            # Update 0 (the start) cannot sit on a log axis: the path is drawn from update 1.
            ax.semilogx(updates[1:], path[1:], color=_common.FIT_COLOR, label=f"{name}")
            ax.axhline(
                star, color=_common.TRUE_COLOR, ls="--", lw=1.5, label=f"true {name}* = {star:g}"
            )
            ax.axhline(lsq, color="black", ls=":", lw=1.5, label=f"least squares {lsq:.4f}")
            ax.set_ylabel(name)
            ax.legend(loc="lower right")
        ax_a.set_title(
            f"SGD, lr = {fit_.lr:g}, {BATCH_NAMES[fit_.batch]}"
            + (f", momentum {fit_.momentum:g}" if fit_.momentum else "")
            + f": {fit_.steps:,} updates"
        )
        ax_b.set_xlabel(f"{unit} (log scale)")

        # 2. The data with the true, initial and fitted lines. The fit lies almost on the
        #    true line: it is drawn wide and pale, the true line dashed on top of it.
        lines, ax = _common.new_figure(plt, "line_fit_lines")
        ax.scatter(
            x, y, s=14, color=_common.DATA_COLOR, alpha=0.8, label=f"data ({len(x)} samples)"
        )
        grid = np.linspace(x.min() - 0.2, x.max() + 0.2, 2)
        for a, b, color, style, label in (
            (result.a, result.b, _common.FIT_COLOR, {"ls": "-", "lw": 6, "alpha": 0.45}, "fitted"),
            (_common.A_STAR, _common.B_STAR, _common.TRUE_COLOR, {"ls": "--", "lw": 2}, "true"),
            (
                _common.A_INIT,
                _common.B_INIT,
                _common.INITIAL_COLOR,
                {"ls": ":", "lw": 2.5},
                "initial",
            ),
        ):
            ax.plot(
                grid, a * grid + b, color=color, label=f"{label}: y = {a:.3f}·x {b:+.3f}", **style
            )
        ax.set_title("The data and the line before and after training")
        ax.set_xlabel("x")
        ax.set_ylabel("y")
        ax.legend(loc="upper left")

        # 3. The loss per epoch, on a log scale: it falls to the noise floor.
        loss, ax = _common.new_figure(plt, "line_fit_loss")
        epochs = np.arange(1, len(fit_.epoch_loss) + 1)
        ax.loglog(epochs, fit_.epoch_loss, color=_common.FIT_COLOR, label="mean loss of the epoch")
        ax.axhline(
            result.j_min, color="black", ls=":", lw=1.5, label=f"least squares {result.j_min:.4f}"
        )
        ax.set_title("Mean squared error during training")
        ax.set_xlabel("epoch (log scale)")
        ax.set_ylabel("mean (ŷ − y)²")
        ax.legend(loc="upper right")

        return _common.save_figures(
            {"line_fit_params": params, "line_fit_lines": lines, "line_fit_loss": loss},
            out,
            show=show,
        )


def main(argv: Sequence[str] | None = None) -> LineFitResult:
    """Fit the line, compare with least squares, save the figures and print a summary."""
    args = parse_args(argv)
    lr = args.lr if args.lr is not None else DEFAULT_LR[args.batch]
    x, y = _common.make_dataset(args.samples, seed=args.seed)
    fit_ = fit(x, y, lr=lr, epochs=args.epochs, batch=args.batch, momentum=args.momentum)
    a_lstsq, b_lstsq = _common.least_squares(x, y)
    gap = max(abs(fit_.a - a_lstsq), abs(fit_.b - b_lstsq))
    j_start, j_end, j_min = (
        float(_common.mean_squared_error(a, b, x, y))
        for a, b in ((_common.A_INIT, _common.B_INIT), (fit_.a, fit_.b), (a_lstsq, b_lstsq))
    )
    result = LineFitResult(
        fit_, fit_.a, fit_.b, a_lstsq, b_lstsq, gap, j_start, j_end, j_min, figures=[]
    )
    print(
        f"Fitting y = a·x + b to {len(x)} samples "
        f"(true a* = {_common.A_STAR:g}, b* = {_common.B_STAR:g}, "
        f"noise {_common.NOISE:g}, seed {args.seed})"
    )
    print(
        f"SGD: {BATCH_NAMES[args.batch]}, lr = {lr:g}, momentum = {args.momentum:g}, "
        f"{args.epochs} epochs "
        f"{'=' if fit_.diverged_at is None else 'asked, stopped after'} {fit_.steps} updates "
        f"in {fit_.seconds:.2f} s "
        f"({1e6 * fit_.seconds / max(fit_.steps, 1):.1f} µs per update)"
    )
    if fit_.diverged_at is not None:
        print(
            f"Diverged at update {fit_.diverged_at}: a = {fit_.a:.3g}, b = {fit_.b:.3g}. "
            "Try a smaller --lr."
        )
    elif not result.converged:
        print(
            f"Did not converge: the mean squared error grew from {j_start:.4g} to {j_end:.4g}. "
            "Try a smaller --lr."
        )
    print(f"Start:          a = {_common.A_INIT:+.6f}, b = {_common.B_INIT:+.6f}")
    print(f"Final (SGD):    a = {fit_.a:+.6f}, b = {fit_.b:+.6f}")
    print(f"Least squares:  a = {a_lstsq:+.6f}, b = {b_lstsq:+.6f}  (numpy lstsq, no gradients)")
    print(f"Gap:            |Δa| = {abs(fit_.a - a_lstsq):.2e}, |Δb| = {abs(fit_.b - b_lstsq):.2e}")
    result.figures = plot(result, x, y, args.out, args.show)
    print(_common.report_paths(result.figures))
    if not result.converged:
        _common.warn(f"line_fit did not converge with lr = {lr:g} (exit status 1)")
    return result


if __name__ == "__main__":
    sys.exit(_common.exit_status(main().converged))
