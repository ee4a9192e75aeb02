"""examples/moons_classifier.py (a reduced run) and examples/backprop_graph.py."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

import minigrad as mg

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def load_example(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


moons = load_example("moons_classifier")
backprop_graph = load_example("backprop_graph")


def test_make_moons_shapes_labels_and_reproducibility() -> None:
    points, y = moons.make_moons(101, 0.1, seed=3)
    assert points.shape == (101, 2)
    assert sorted(set(y.tolist())) == [-1.0, 1.0]
    assert (y == -1).sum() == 50 and (y == 1).sum() == 51
    points2, y2 = moons.make_moons(101, 0.1, seed=3)
    assert np.array_equal(points, points2) and np.array_equal(y, y2)
    assert not np.array_equal(points, moons.make_moons(101, 0.1, seed=4)[0])


def test_noiseless_moons_lie_on_their_half_circles() -> None:
    points, y = moons.make_moons(40, 0.0, seed=0)
    upper, lower = points[y == -1], points[y == 1]
    assert np.allclose(np.hypot(upper[:, 0], upper[:, 1]), 1.0)
    assert (upper[:, 1] >= -1e-12).all()
    assert np.allclose(np.hypot(lower[:, 0] - 1.0, lower[:, 1] - 0.5), 1.0)
    assert (lower[:, 1] <= 0.5 + 1e-12).all()


def test_hinge_loss_and_accuracy_by_hand() -> None:
    model = mg.nn.MLP(2, [1])  # a linear score s = w₀x₁ + w₁x₂ + b
    model.load_state_dict({"layers.0.neurons.0.w.0": 2.0, "layers.0.neurons.0.w.1": -1.0,
                           "layers.0.neurons.0.b": 0.5})  # fmt: skip
    points = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 0.0]])
    y = np.array([1.0, 1.0, -1.0])
    loss, accuracy = moons.hinge_loss(model, points, y)
    scores = [2.5, -0.5, 0.5]
    hinge = [max(0.0, 1 - yi * s) for yi, s in zip(y, scores, strict=True)]
    l2 = 2.0**2 + 1.0**2 + 0.5**2
    assert loss.item() == pytest.approx(sum(hinge) / 3 + 1e-4 * l2, rel=1e-15)
    assert accuracy == pytest.approx(1 / 3)
    loss.backward()
    # Points 2 and 3 are inside the margin (d/ds = −y = −1 and +1); both have x₁ = 0, so
    # dL/dw₀ is only the L2 term 2·α·w₀, and their bias terms cancel: dL/db = 2·α·b.
    w0, _, b = model.parameters()
    assert w0.grad == pytest.approx(2e-4 * 2.0)
    assert b.grad == pytest.approx(2e-4 * 0.5)


def test_reduced_run_learns_and_writes_its_files(tmp_path: Path) -> None:
    argv = ["--points", "40", "--epochs", "30", "--hidden", "8", "8", "--seed", "1", "--quiet"]
    result = moons.main([*argv, "--out", str(tmp_path)])
    assert result["accuracy"] >= 0.9  # chance is 0.5
    assert result["epochs"] == 30
    history = result["history"]
    assert len(history["loss"]) == len(history["accuracy"]) == 30
    assert history["loss"][-1] < history["loss"][0] / 2
    assert history["lr"][0] == 1.0 and history["lr"][-1] == pytest.approx(1.0 - 0.9 * 29 / 30)
    boundary, curves, weights = result["files"]
    for png in (boundary, curves):
        assert png.read_bytes().startswith(b"\x89PNG")
    # The saved network predicts like the trained one.
    copy = mg.nn.MLP(2, [8, 8, 1])
    mg.nn.load(copy, weights)
    assert copy.state_dict() == result["model"].state_dict()


def test_backprop_graph_matches_the_hand_derived_gradients(tmp_path: Path) -> None:
    result = backprop_graph.main(["--out", str(tmp_path), "--seed", "3"])
    x, y = result["x"], result["y"]
    pred = -2.0 * x - 1.0
    assert result["grad_a"] == pytest.approx(2 * x * (pred - y), rel=1e-14)
    assert result["grad_b"] == pytest.approx(2 * (pred - y), rel=1e-14)
    assert math.isclose(result["loss"], (pred - y) ** 2, rel_tol=1e-14)
    before, after, dot = result["files"]
    assert before.name == "backprop_graph_before.png" and after.name == "backprop_graph_after.png"
    assert before.read_bytes().startswith(b"\x89PNG") and after.read_bytes().startswith(b"\x89PNG")
    assert f"grad {result['grad_a']:.4g}" in dot.read_text()


def test_backprop_graph_svg(tmp_path: Path) -> None:
    result = backprop_graph.main(["--out", str(tmp_path), "--format", "svg"])
    assert all(path.exists() for path in result["files"])
    assert result["files"][0].suffix == ".svg"
