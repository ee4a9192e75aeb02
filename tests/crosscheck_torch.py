"""Re-derive the edge-point table of test_edges.py from PyTorch (float64).

Not part of the test suite (PyTorch is not a dependency). Run it where torch is installed:
    python tests/crosscheck_torch.py
It prints every row where minigrad's table and PyTorch disagree, and exits 1 if any do.
"""

import sys
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from test_edges import EDGES, same  # importable once the path is set


def main() -> int:
    import torch  # imported here so that pytest can collect this file without torch

    def tensor(x):
        return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)

    ns = types.SimpleNamespace(
        relu=torch.relu, abs=torch.abs, sqrt=torch.sqrt, log=torch.log, exp=torch.exp,
        tanh=torch.tanh, sigmoid=torch.sigmoid, sin=torch.sin, cos=torch.cos, sign=torch.sign,
        maximum=lambda a, b: torch.maximum(tensor(a), tensor(b)),
        minimum=lambda a, b: torch.minimum(tensor(a), tensor(b)),
        clamp=torch.clamp,
    )  # fmt: skip
    bad = 0
    for label, f, inputs, value, grads in EDGES:
        xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
        out = f(ns, *xs)
        out.backward()
        got = [x.grad.item() if x.grad is not None else 0.0 for x in xs]
        ok = same(out.item(), value) and all(same(a, b) for a, b in zip(got, grads, strict=True))
        if not ok:
            bad += 1
            print(f"DIFFERS {label}: torch value {out.item()} grads {got}; table {value} {grads}")
    print(f"{len(EDGES) - bad} of {len(EDGES)} rows agree with torch {torch.__version__}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
