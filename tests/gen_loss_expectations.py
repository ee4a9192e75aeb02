"""PyTorch's values and gradients of minigrad's losses, recorded as literal data.

Writes tests/loss_expectations.py (run where torch is installed; the test suite itself never
needs torch):

    python tests/gen_loss_expectations.py            # record the cases
    python tests/gen_loss_expectations.py --measure 2000   # compare 2,000 random cases a kind

A case is a loss, its arguments, and the upstream gradient of each output; the expectation is
torch.nn.functional's value(s) and the gradients of the prediction (and of the target where it
gets one) in float64 on the CPU. The same functions make and run the cases for the tests
(tests/test_losses_torch.py), so the two cannot drift apart.
"""

from __future__ import annotations

import math
import random
import struct
import sys
from pathlib import Path
from typing import Any

KINDS = (
    "huber_loss",
    "smooth_l1_loss",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "nll_loss",
    "cross_entropy",
    "softmax",
    "log_softmax",
)
EXACT = ("huber_loss", "smooth_l1_loss", "binary_cross_entropy", "nll_loss")
"""The kinds equal to PyTorch bit for bit; the others differ where SLEEF's exp/log round
otherwise (see minigrad/losses.py)."""

OUT = Path(__file__).with_name("loss_expectations.py")
INF, NAN = math.inf, math.nan


def _number(rng: random.Random) -> float:
    return rng.gauss(0.0, 1.0) * 10.0 ** rng.choice([-2, 0, 0, 0, 1, 2])


def random_case(kind: str, rng: random.Random, small: bool = False) -> dict[str, Any]:
    """A random case of `kind`: args, keyword args, and one upstream gradient per output."""
    most = 6 if small else 20
    kwargs: dict[str, Any] = {}
    if kind in ("softmax", "log_softmax"):
        args: tuple[Any, ...] = ([_number(rng) for _ in range(rng.randint(1, most))],)
        n_out = len(args[0])
        seeds = [rng.choice([0.0, 1.0, -0.5, 0.3]) for _ in range(n_out)]
        if rng.random() < 0.5:  # one output carries the gradient (nll of it)
            seeds = [0.0] * n_out
            seeds[rng.randrange(n_out)] = rng.choice([1.0, -1.0, 0.25])
        return {"kind": kind, "args": args, "kwargs": kwargs, "seeds": seeds}
    reduction = rng.choice(["mean", "sum", "none"])
    kwargs["reduction"] = reduction
    if kind in ("cross_entropy", "nll_loss"):
        c, n = rng.randint(1, 6 if small else 12), rng.randint(1, most)
        rows = [[_number(rng) for _ in range(c)] for _ in range(n)]
        target: Any
        if kind == "cross_entropy" and rng.random() < 0.3:
            target = [[rng.random() for _ in range(c)] for _ in range(n)]  # need not sum to 1
        else:
            target = [rng.randrange(c) for _ in range(n)]
            if rng.random() < 0.2:
                target[rng.randrange(n)] = -100
        if rng.random() < 0.3:
            kwargs["weight"] = [rng.uniform(0.1, 3.0) for _ in range(c)]
        if kind == "cross_entropy" and rng.random() < 0.4:
            kwargs["label_smoothing"] = rng.choice([0.1, 0.25, rng.random()])
        batched = rng.random() < 0.7
        args = (rows, target) if batched else (rows[0], target[0])
        n_out = n if batched and reduction == "none" else 1
    else:
        n, sequence = rng.randint(1, most), rng.random() < 0.8
        if kind == "binary_cross_entropy":
            pred = [rng.random() for _ in range(n)]
        else:
            pred = [_number(rng) for _ in range(n)]
        if kind in ("huber_loss", "smooth_l1_loss"):
            target = [_number(rng) for _ in range(n)]
            name = "delta" if kind == "huber_loss" else "beta"
            choices = [1.0, 0.5, 2.0, rng.uniform(0.01, 10.0)] + [0.0] * (name == "beta")
            kwargs[name] = rng.choice(choices)
        else:
            target = [rng.choice([0.0, 1.0, rng.random()]) for _ in range(n)]
        if kind == "binary_cross_entropy_with_logits" and rng.random() < 0.3:
            kwargs["pos_weight"] = rng.uniform(0.1, 5.0)
        args = (pred, target) if sequence else (pred[0], target[0])
        n_out = n if sequence and reduction == "none" else 1
    seeds = [rng.choice([1.0, -0.5, 3.0, 0.1]) for _ in range(n_out)]
    return {"kind": kind, "args": args, "kwargs": kwargs, "seeds": seeds}


def edge_cases() -> list[dict[str, Any]]:
    """The edge points: tiny and huge differences, δ = inf, ±0, ±inf, nan, ties, one class."""
    cases: list[dict[str, Any]] = []

    def add(kind: str, *args: Any, seeds: list[float] | None = None, **kwargs: Any) -> None:
        cases.append({"kind": kind, "args": args, "kwargs": kwargs, "seeds": seeds or [1.0]})

    for d in (1e-17, 0.1, -0.1, 0.5, 0.0, -0.0, 1.0, -1.0, 3.0, 1e300, INF, -INF, NAN):
        for delta in (1.0, 1e16, INF, 1e-300):
            add("huber_loss", d, 0.0, delta=delta)
        for beta in (1.0, 0.0, 1e16, INF):
            add("smooth_l1_loss", d, 0.0, beta=beta)
    add("huber_loss", [0.1] * 9 + [3.0] * 9, [0.0] * 18, delta=0.3)  # SIMD and scalar parts
    add("smooth_l1_loss", [0.1] * 9 + [-3.0] * 9, [0.0] * 18, beta=0.3)
    for x in (0.0, 1.0, 0.5, 1e-300, 1.0 - 1e-16):
        for y in (0.0, 1.0, 0.3):
            add("binary_cross_entropy", x, y)
    for x in (1000.0, -1000.0, 0.0, -0.0, 40.0, -40.0, INF, -INF, NAN):
        for y in (0.0, 1.0, 0.5):
            add("binary_cross_entropy_with_logits", x, y)
            add("binary_cross_entropy_with_logits", x, y, pos_weight=3.0)
    logit_rows = [
        [1e308, -1e308],
        [1e308, 1e308],
        [-1e308, 0.0],
        [-INF, 0.0, 1.0],
        [-INF, -INF],
        [INF, 1.0],
        [NAN, 1.0],
        [2.0, 2.0, 2.0],  # a tie
        [0.0],  # one class
        [-0.0],
        [700.0, -700.0, 0.0],
    ]
    for row in logit_rows:
        add("softmax", row, seeds=[1.0] + [0.0] * (len(row) - 1))
        add("log_softmax", row, seeds=[0.0] * (len(row) - 1) + [1.0])
        add("cross_entropy", row, 0)
        add("cross_entropy", row, len(row) - 1, label_smoothing=0.1)
        add("cross_entropy", [row, row], [[0.5] * len(row), [2.0] + [0.0] * (len(row) - 1)])
    add("cross_entropy", [[1.0, 2.0], [3.0, 4.0]], [-100, -100])  # all ignored: 0/0
    add("cross_entropy", [[1.0, 2.0], [3.0, 4.0]], [-100, -100], reduction="sum")
    add("nll_loss", [[-1.0, -2.0], [-0.5, -0.1]], [1, -100], weight=[2.0, 0.5])
    add("nll_loss", [-1.0, -2.0], 0, reduction="none")
    return cases


def cases() -> list[dict[str, Any]]:
    rng = random.Random(20260512)
    randoms = [random_case(kind, rng, small=True) for kind in KINDS for _ in range(40)]
    return randoms + edge_cases()


# --- running a case ---------------------------------------------------------------------------


def flat(x: Any) -> list[Any]:
    if isinstance(x, list | tuple):
        return [y for z in x for y in flat(z)]
    return [x]


def _target_gets_grad(kind: str) -> bool:
    return kind in ("huber_loss", "smooth_l1_loss")


def run_minigrad(case: dict[str, Any]) -> dict[str, Any]:
    import minigrad as mg

    kind, args, kwargs, seeds = case["kind"], case["args"], case["kwargs"], case["seeds"]

    def leaves(x: Any) -> Any:
        return [leaves(y) for y in x] if isinstance(x, list) else mg.Parameter(x)

    pred = leaves(args[0])
    rest = list(args[1:])
    if rest and _target_gets_grad(kind):
        rest[0] = leaves(rest[0])
    out = getattr(mg, kind)(pred, *rest, **kwargs)
    outs = out if isinstance(out, list) else [out]
    total = outs[0] * seeds[0]
    for o, s in zip(outs[1:], seeds[1:], strict=True):
        total = total + o * s
    total.backward()
    return {
        "value": [o.data for o in outs],
        "grad": [p.grad for p in flat(pred)],
        "target_grad": [p.grad for p in flat(rest[0])] if _target_gets_grad(kind) else None,
    }


def run_torch(case: dict[str, Any]) -> dict[str, Any]:
    import torch

    f = torch.nn.functional
    kind, args, kwargs, seeds = case["kind"], case["args"], case["kwargs"], case["seeds"]
    t64 = torch.float64
    pred = torch.tensor(args[0], dtype=t64, requires_grad=True)
    if kind in ("softmax", "log_softmax"):
        out = getattr(torch, kind)(pred, 0)
        target = None
        rest: list[Any] = []
    else:
        t = args[1]
        if kind in ("cross_entropy", "nll_loss") and not isinstance(flat([t])[0], float):
            target = torch.tensor(t)
        else:
            target = torch.tensor(t, dtype=t64, requires_grad=_target_gets_grad(kind))
        rest = [target]
    torch_kwargs = dict(kwargs)
    for name in ("weight", "pos_weight"):
        if name in torch_kwargs:
            torch_kwargs[name] = torch.tensor(torch_kwargs[name], dtype=t64)
    out = getattr(f, kind)(pred, *rest, **torch_kwargs) if rest else out
    upstream = torch.tensor(seeds, dtype=t64).reshape(out.shape)
    out.backward(upstream)
    return {
        "value": flat(out.tolist()),
        "grad": flat(pred.grad.tolist()),
        "target_grad": flat(target.grad.tolist()) if _target_gets_grad(kind) else None,
    }


# --- comparing --------------------------------------------------------------------------------


def same(a: float, b: float) -> bool:
    """Equal bit for bit: nan equals nan, 0.0 is not −0.0."""
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def ulps(a: float, b: float) -> int:
    """The number of float64s from a to b (0 for two nans; huge for nan against a number)."""
    if math.isnan(a) or math.isnan(b):
        return 0 if math.isnan(a) and math.isnan(b) else 2**63
    if a == b:
        return 0

    def key(x: float) -> int:
        i = struct.unpack("<q", struct.pack("<d", x))[0]
        return i if i >= 0 else -(i & 0x7FFFFFFFFFFFFFFF)

    return abs(key(a) - key(b))


def measure(count: int) -> None:
    """Compare `count` random cases of each kind with torch; print the ulp distances."""
    rng = random.Random(1)
    for kind in KINDS:
        exact = total = 0
        histogram: dict[int, int] = {}
        for _ in range(count):
            case = random_case(kind, rng)
            want, got = run_torch(case), run_minigrad(case)
            for field in ("value", "grad", "target_grad"):
                for a, b in zip(want[field] or [], got[field] or [], strict=True):
                    total += 1
                    exact += same(a, b)
                    u = ulps(a, b)
                    bucket = 0 if u == 0 else 1 if u == 1 else 4 if u <= 4 else 99
                    histogram[bucket] = histogram.get(bucket, 0) + 1
        shown = ", ".join(f"{'≤' if k else ''}{k}: {v}" for k, v in sorted(histogram.items()))
        print(f"{kind}: {exact} of {total} numbers bit for bit; ulps {shown} (99: more)")


def main() -> None:
    if "--measure" in sys.argv:
        measure(int(sys.argv[sys.argv.index("--measure") + 1]))
        return
    import torch

    lines = [
        f'"""Recorded by tests/gen_loss_expectations.py with torch {torch.__version__} '
        f'({torch.backends.cpu.get_cpu_capability()}); do not edit."""',
        "",
        "inf, nan = float('inf'), float('nan')",
        "",
        "CASES = [",
    ]
    for case in cases():
        lines.append(f"    ({case!r}, {run_torch(case)!r}),")
    lines.append("]")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines) - 5} cases to {OUT}")


if __name__ == "__main__":
    main()
