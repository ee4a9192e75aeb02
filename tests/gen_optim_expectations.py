"""Record PyTorch's optimizer runs for tests/test_optim_torch.py (needs torch).

Run: ``python tests/gen_optim_expectations.py`` (writes tests/data/optim_torch.json).

For each run it records a fingerprint of every parameter at every step, a sample of the values,
and the square roots where torch's CPU sqrt (Intel MKL's) is not the correctly rounded one that
minigrad computes: it replays the run in minigrad with torch's sqrt and keeps each input where
the two differ. With that table in place, the test requires minigrad's run to be PyTorch's bit
for bit, so any other difference in rounding fails it.
"""

from __future__ import annotations

import json
import pathlib
import sys

import torch

import minigrad.optim

sys.path.insert(0, str(pathlib.Path(__file__).parent))
from optim_cases import CONFIGS, STARTS, STEPS, digest, gradient, run_minigrad


def run(name: str, options: dict[str, object]) -> list[tuple[float, ...]]:
    params = [torch.tensor(s, dtype=torch.float64, requires_grad=True) for s in STARTS]
    opt = getattr(torch.optim, name)(params, **options)
    rows = []
    for step in range(STEPS):
        for i, p in enumerate(params):
            g = gradient(i, step, p.item())
            p.grad = None if g is None else torch.tensor(g, dtype=torch.float64)
        opt.step()
        rows.append(tuple(p.item() for p in params))
    return rows


def torch_sqrt_table(name: str, options: dict[str, object]) -> dict[str, str]:
    """Every sqrt input of minigrad's run, with torch's sqrt, where it is not math.sqrt's."""
    table: dict[str, str] = {}
    original = minigrad.optim._sqrt

    def sqrt(x: float) -> float:
        result = torch.sqrt(torch.tensor(x, dtype=torch.float64)).item()
        if result != original(x):
            table[x.hex()] = result.hex()
        return result

    minigrad.optim._sqrt = sqrt
    try:
        run_minigrad(name, options)
    finally:
        minigrad.optim._sqrt = original
    return table


def main() -> None:
    out = {"torch": torch.__version__, "steps": STEPS, "runs": {}}
    for key, (name, options) in CONFIGS.items():
        rows = run(name, options)
        out["runs"][key] = {
            "digest": digest(rows),
            "torch_sqrt": torch_sqrt_table(name, options),
            "every_50": [[p.hex() for p in rows[k]] for k in range(0, STEPS, 50)]
            + [[p.hex() for p in rows[-1]]],
        }
    path = pathlib.Path(__file__).parent / "data" / "optim_torch.json"
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
