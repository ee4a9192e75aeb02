"""benchmarks/run.py --quick runs and writes a complete JSON report (no timing is asserted)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

RUNNER = Path(__file__).resolve().parent.parent / "benchmarks" / "run.py"
CONTENDERS = {"hand", "compiled", "minigrad"}


def run_quick(tmp_path: Path, *extra: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "report.json"
    figure = tmp_path / "report.png"
    done = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--quick",
            "--out",
            str(out),
            "--figure",
            str(figure),
            *extra,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(out.read_text()), done.stdout


def positive_numbers(node: Any, path: str = "") -> list[tuple[str, float]]:
    """Every number in the report's results, with where it is."""
    if isinstance(node, bool):
        return []
    if isinstance(node, int | float):
        return [(path, float(node))]
    if isinstance(node, dict):
        return [x for k, v in node.items() for x in positive_numbers(v, f"{path}/{k}")]
    if isinstance(node, list):
        return [x for i, v in enumerate(node) for x in positive_numbers(v, f"{path}[{i}]")]
    return []


@pytest.fixture(scope="module")
def quick(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    return run_quick(tmp_path_factory.mktemp("bench"))


def test_report_has_every_benchmark(quick: tuple[dict[str, Any], str]) -> None:
    report, _ = quick
    assert set(report) == {"meta", "results", "checks", "errors", "targets"}
    results = report["results"]
    assert set(results) == {
        "line_fit_step",
        "mlp_step",
        "chain_backward",
        "memory_per_node",
        "import_time",
        "batch_gradient",
    }
    assert CONTENDERS | {"minigrad_sgd"} <= set(results["line_fit_step"])
    assert set(results["mlp_step"]) >= CONTENDERS
    chain = results["chain_backward"]
    small, large = chain["sizes"]
    assert large == 10 * small
    assert {"hand", "minigrad"} <= set(chain[str(small)]) & set(chain[str(large)])
    assert {"hand", "minigrad"} <= set(chain["ratio"])
    assert "minigrad" in results["memory_per_node"]["value_operand"]
    assert "minigrad" in results["memory_per_node"]["constant_operand"]
    assert "minigrad" in results["import_time"]
    assert results["import_time"]["third_party_modules_loaded"] == []


def test_every_number_is_finite_and_positive(quick: tuple[dict[str, Any], str]) -> None:
    report, _ = quick
    numbers = positive_numbers(report["results"])
    assert len(numbers) >= 20  # the walk reached the numbers: 20 with no peer installed
    bad = [(where, x) for where, x in numbers if not (math.isfinite(x) and x > 0)]
    assert not bad


def test_contenders_compute_the_same_results(quick: tuple[dict[str, Any], str]) -> None:
    report, _ = quick
    checks = report["checks"]
    assert {f"line_fit/{name}" for name in CONTENDERS} <= set(checks)
    assert {f"mlp/{name}" for name in CONTENDERS} <= set(checks)
    assert all(ok is True for ok in checks.values()), checks


def test_targets_are_reported_with_a_verdict(quick: tuple[dict[str, Any], str]) -> None:
    report, stdout = quick
    targets = report["targets"]
    assert len(targets) == 10  # issue 14's goals: 8, and the full-batch gradient (min, median)
    for target in targets:
        assert target["op"] in ("<=", ">=")
        if target["value"] is None:  # a peer that is not installed
            assert target["pass"] is None
        else:
            limit = target["threshold"]
            want = target["value"] >= limit if target["op"] == ">=" else target["value"] <= limit
            assert target["pass"] is want
    assert "targets (reported, not asserted)" in stdout
    assert "(a) line-fit step" in stdout
    assert "(f) full-batch line-fit loss" in stdout


def test_runs_without_peers(tmp_path: Path) -> None:
    report, stdout = run_quick(tmp_path, "--peers", "")
    assert report["meta"]["peers_measured"] == []
    assert "micrograd" not in report["results"]["line_fit_step"]
    micrograd_targets = [t for t in report["targets"] if "micrograd" in t["target"]]
    assert micrograd_targets and all(t["pass"] is None for t in micrograd_targets)
    assert "[n/a ]" in stdout


def test_unknown_peer_is_an_error(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            str(RUNNER),
            "--quick",
            "--out",
            str(tmp_path / "r.json"),
            "--peers",
            "tensorflow",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    assert "unknown peers" in done.stderr


def test_the_run_is_drawn_as_a_figure(tmp_path: Path) -> None:
    from PIL import Image

    _, stdout = run_quick(tmp_path, "--peers", "")
    figure = tmp_path / "report.png"
    assert f"figure: {figure}" in stdout
    with Image.open(figure) as image:
        assert image.size == (1380, 1520)  # 6.9 × 7.6 in at 200 dpi: the docs column's style
