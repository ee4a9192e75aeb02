"""Instructions per training step, counted by valgrind's callgrind (steady on a shared machine).

Wall-clock ratios move by ±30% between runs on a shared 2-core machine; instruction counts do
not move with its load. Each workload runs twice under callgrind, once with no steps and once
with ``--steps`` steps, in a fresh interpreter with ``PYTHONHASHSEED=0``; the difference divided
by the number of steps is the cost of one step, without the interpreter's start and the import.

    .venv/bin/python benchmarks/instructions.py                 # every workload
    .venv/bin/python benchmarks/instructions.py readme manual   # some
    MINIGRAD_REFERENCE=1 .venv/bin/python benchmarks/instructions.py   # the reference core alone

Workloads (the same programs as `workloads.py`):

* ``readme``: the README's loop, one sample: ``loss = (a * x + b - y) ** 2``,
  ``opt.zero_grad()``, ``loss.backward()``, ``opt.step()`` with ``mg.SGD``;
* ``manual``: micrograd's README loop, the same loss with ``.grad = 0.0`` and
  ``a.data -= lr * a.grad``;
* ``no_grad``: the line fit's loss under ``mg.no_grad()`` (evaluation: no node is recorded);
* ``mlp``: forward and backward of an MLP 2-16-16-1 (ReLU) on one point, squared error.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

PROGRAMS = {
    "readme": """
import workloads as w
import minigrad as mg
xs, ys = w.line_data(100)
a, b = mg.Parameter(-2.0), mg.Parameter(-1.0)
opt = mg.SGD([a, b], lr=w.LR)
for x, y in zip(xs[:STEPS], ys[:STEPS]):
    loss = (a * x + b - y) ** 2
    opt.zero_grad()
    loss.backward()
    opt.step()
""",
    "manual": """
import workloads as w
import minigrad as mg
xs, ys = w.line_data(100)
a, b = mg.Value(-2.0), mg.Value(-1.0)
for x, y in zip(xs[:STEPS], ys[:STEPS]):
    loss = (a * x + b - y) ** 2
    a.grad = 0.0
    b.grad = 0.0
    loss.backward()
    a.data -= w.LR * a.grad
    b.data -= w.LR * b.grad
""",
    "no_grad": """
import workloads as w
import minigrad as mg
xs, ys = w.line_data(100)
a, b = mg.Parameter(-2.0), mg.Parameter(-1.0)
with mg.no_grad():
    for x, y in zip(xs[:STEPS], ys[:STEPS]):
        loss = (a * x + b - y) ** 2
""",
    "mlp": """
import workloads as w
import minigrad as mg
layers = w._as_params(w.mlp_init(), mg.Value)
points = w.mlp_data(100)
for point in points[:STEPS]:
    loss = w.mlp_batch_loss(layers, [point], mg.relu)
    loss.backward()
""",
}


def count(program: str, steps: int) -> int:
    """Instructions callgrind counts for the whole interpreter running `program`."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        # The minigrad of this checkout (a worktree of an older commit measures that commit),
        # whichever one the virtual environment has installed.
        path = os.pathsep.join([str(HERE), str(HERE.parent)])
        env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONPATH": path}
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                f"STEPS = {steps}\n{program}",
            ],
            check=True,
            env=env,
            capture_output=True,
        )
        summary = re.search(r"^summary:\s+(\d+)", out.read_text(), re.MULTILINE)
        if summary is None:  # pragma: no cover - a callgrind without a summary line
            raise RuntimeError("callgrind wrote no summary line")
        return int(summary[1])


def per_step(name: str, steps: int) -> float:
    """Instructions for one step of workload `name`: (count(steps) − count(0)) / steps."""
    program = PROGRAMS[name]
    return (count(program, steps) - count(program, 0)) / steps


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "workloads", nargs="*", help=f"some of {', '.join(PROGRAMS)} (default: all)"
    )
    parser.add_argument(
        "--steps", type=int, default=100, help="steps per run, at most 100 (default 100)"
    )
    args = parser.parse_args(argv)
    layer = "reference core" if os.environ.get("MINIGRAD_REFERENCE") == "1" else "speed layer"
    print(f"instructions per step (callgrind, Python {sys.version.split()[0]}, {layer})")
    results = {}
    for name in args.workloads or list(PROGRAMS):
        if name not in PROGRAMS:
            parser.error(f"unknown workload {name!r}; choose from {', '.join(PROGRAMS)}")
        results[name] = per_step(name, args.steps)
        print(f"  {name:8s} {results[name] / 1000:8.1f}k")
    return results


if __name__ == "__main__":
    main()
