"""Backpropagation, drawn: the line fit's one-sample graph before and after ``backward()``.

The learner's notes fit ŷ = a·x + b with the squared error L = (ŷ − y)² and work out by hand

    dL/da = 2·x·(ŷ − y)        dL/db = 2·(ŷ − y)

This script builds that graph for one sample, draws it before ``loss.backward()`` (every
node's data is computed, no gradient yet: a.grad and b.grad are None) and after (every node
holds dL/d(node)), and checks that the gradients backward() found are the hand-derived
ones. Reading the second picture from
right to left is the chain rule: each grad is its consumer's grad times a local derivative
(for L = e²: dL/de = 2e; for e = ŷ − y: dL/dŷ = dL/de; for ŷ = a·x + b: dL/da = dL/dŷ·x).

Run ``python examples/backprop_graph.py --help`` for the options.
Writes ``backprop_graph_before.png``, ``backprop_graph_after.png`` and ``backprop_graph.dot``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import _common

import minigrad as mg

A_START, B_START = _common.A_INIT, _common.B_INIT  # the notes' starting parameters


def make_sample(seed: int) -> tuple[float, float]:
    """One sample of the notes' data (`_common.make_dataset` with one sample)."""
    x, y = _common.make_dataset(1, seed=seed)
    return float(x[0]), float(y[0])


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Draw the graph before and after backward; return the gradients and the files written."""
    parser = _common.example_parser(
        __doc__.split("\n\n")[0], seed="which sample of the notes' data to draw", show=False
    )
    parser.add_argument("--format", choices=["png", "svg"], default="png", help="picture format")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    x, y = make_sample(args.seed)
    a = mg.Parameter(A_START, name="a")
    b = mg.Parameter(B_START, name="b")
    ax = a * x
    pred = ax + b
    error = pred - y
    loss = error**2
    labels = {ax: "a·x", pred: "ŷ", error: "ŷ − y", loss: "L"}
    sample = f"x = {x:.4g}, y = {y:.4g}, a = {a.data:g}, b = {b.data:g}"

    before = mg.draw_graph(
        loss,
        args.out / f"backprop_graph_before.{args.format}",
        labels=labels,
        title=f"Forward pass: L = (a·x + b − y)²\ncomputed, no gradient yet\n{sample}",
        direction="TB",
    )
    loss.backward()
    hand_a = 2 * x * (pred.data - y)
    hand_b = 2 * (pred.data - y)
    after = mg.draw_graph(
        loss,
        args.out / f"backprop_graph_after.{args.format}",
        labels=labels,
        title="After loss.backward(): each grad\nis dL/d(node), filled bottom up\n"
        f"a.grad = 2·x·(ŷ − y) = {a.grad:.4g}\nb.grad = 2·(ŷ − y) = {b.grad:.4g}",
        direction="TB",
    )
    dot = args.out / "backprop_graph.dot"
    dot.write_text(mg.to_dot(loss, labels=labels), encoding="utf-8")

    print(f"sample: x = {x:.6f}, y = {y:.6f}; prediction ŷ = {pred.data:.6f}, L = {loss.data:.6f}")
    print(f"dL/da: backward {a.grad:.12f}, by hand 2·x·(ŷ − y) = {hand_a:.12f}")
    print(f"dL/db: backward {b.grad:.12f}, by hand 2·(ŷ − y)   = {hand_b:.12f}")
    for path in (before, after, dot):
        print(f"wrote {path}")
    return {
        "x": x,
        "y": y,
        "loss": loss.data,
        "grad_a": a.grad,
        "grad_b": b.grad,
        "hand_grad_a": hand_a,
        "hand_grad_b": hand_b,
        "files": [before, after, dot],
    }


if __name__ == "__main__":
    main()
