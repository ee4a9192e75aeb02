"""Re-derive minigrad's edge points from PyTorch (float64): first and second derivatives.

Not part of the test suite (PyTorch is not a dependency). Run it where torch is installed:
    python tests/crosscheck_torch.py
Two checks:
1. the edge-point table of test_edges.py, row by row (value and gradients);
2. every registry op at every edge point of test_paths.py (the points all paths are held to
   bit for bit): value, first derivatives and second derivatives against torch.autograd.grad
   with create_graph=True.
It prints every disagreement, and exits 1 if the table of test_edges.py disagrees; the second
check reports its count (known differences are listed in the note it prints).
"""

import sys
import types
from pathlib import Path
from typing import Any

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
    every_op_at_every_edge(torch)
    transforms_on_random_programs(torch)
    return 1 if bad else 0


def torch_ops(torch):
    """Each registry op's torch counterpart (float64), and a number -> tensor helper."""

    def t(x):
        return x if isinstance(x, torch.Tensor) else torch.tensor(x, dtype=torch.float64)

    ops = {
        "add": lambda a, b: t(a) + t(b),
        "sub": lambda a, b: t(a) - t(b),
        "mul": lambda a, b: t(a) * t(b),
        "div": lambda a, b: t(a) / t(b),
        "neg": lambda x: -x,
        "pow": lambda x, y: t(x) ** t(y),
        "exp": torch.exp,
        "log": torch.log,
        "sqrt": torch.sqrt,
        "sin": torch.sin,
        "cos": torch.cos,
        "tanh": torch.tanh,
        "atan": torch.atan,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "abs": torch.abs,
        "sign": torch.sign,
        "maximum": lambda a, b: torch.maximum(t(a), t(b)),
        "minimum": lambda a, b: torch.minimum(t(a), t(b)),
        "clamp": lambda x, lo, hi: torch.clamp(t(x), t(lo), t(hi)),
        "clamp_min": lambda x, lo: torch.clamp_min(t(x), t(lo)),
        "clamp_max": lambda x, hi: torch.clamp_max(t(x), t(hi)),
    }
    return t, ops


def every_op_at_every_edge(torch) -> None:
    from test_paths import CASES

    import minigrad as mg

    _, ops = torch_ops(torch)
    first = second = agree1 = agree2 = 0
    unknown = sorted({name for name, _, _ in CASES} - set(ops) - {"pow_const"})
    if unknown:  # a new op: list its torch counterpart above to check it here too
        print(f"not checked (no torch counterpart listed in this script): {', '.join(unknown)}")
    for name, f, point in CASES:
        if name in unknown:
            continue
        xs = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
        if name == "pow_const":
            c = f.__defaults__[0]
            out = xs[0] ** c
        else:
            out = ops[name](*xs)
        grads = torch.autograd.grad(out, xs, create_graph=True, allow_unused=True)
        value, mg_grads = mg.value_and_grad(f, tuple(range(len(point))))(*point)
        torch_grads = [0.0 if g is None else g.item() for g in grads]
        first += 1
        if same(value, out.item()) and all(map(same, mg_grads, torch_grads)):
            agree1 += 1
        else:
            print(
                f"1st DIFFERS {name}{point}: minigrad {value} {mg_grads}; "
                f"torch {out.item()} {torch_grads}"
            )
        for i, g in enumerate(grads):
            for j in range(len(point)):
                if g is None or not g.requires_grad:
                    want = 0.0
                else:
                    (h,) = torch.autograd.grad(g, xs[j], retain_graph=True, allow_unused=True)
                    want = 0.0 if h is None else h.item()
                got = mg.grad(mg.grad(f, argnums=i), argnums=j)(*point)
                second += 1
                if same(got, want) or (got == 0.0 and want == 0.0):
                    agree2 += 1
                else:
                    print(f"2nd DIFFERS {name}{point} d{i}d{j}: minigrad {got}; torch {want}")
    print(
        f"every op at every edge point: first order {agree1} of {first} agree, "
        f"second order {agree2} of {second} (a signed zero counts as agreeing)"
    )


def transforms_on_random_programs(torch, examples: int = 300) -> None:
    """jvp, vjp, jacfwd, jacrev, hessian, hvp against torch.func on random smooth programs."""
    from hypothesis import HealthCheck, given, settings

    import minigrad as mg
    from minigrad.testing import programs, tangents

    t, ops = torch_ops(torch)

    def replay(program, *xs):
        slots = list(xs)
        for name, operands in program.steps:
            args = [slots[int(ref)] if kind == "slot" else ref for kind, ref in operands]
            if name == "pow_const":
                slots.append(t(args[0]) ** args[1])
            else:
                slots.append(ops[name](*args))
        return slots[-1]

    worst = {"jvp": 0.0, "vjp": 0.0, "jacfwd": 0.0, "jacrev": 0.0, "hessian": 0.0, "hvp": 0.0}
    count = [0]

    cases: dict[str, Any] = {}

    def error(a, b):
        # relative, and absolute below 1 (where a 0 against 1e-17 is cancellation, not an error)
        return 0.0 if a == b else abs(a - b) / max(abs(a), abs(b), 1.0)

    def note(name, a, b, where):
        e = error(a, b)
        if e > worst[name]:
            worst[name] = e
            cases[name] = (a, b, where)

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(programs(), tangents(3))
    def check(case, direction):
        program, point = case
        n = len(point)
        v = direction[:n]
        argnums = tuple(range(n))
        xs = tuple(torch.tensor(x, dtype=torch.float64) for x in point)
        vs = tuple(torch.tensor(x, dtype=torch.float64) for x in v)

        def tf(*a):
            return replay(program, *a)

        count[0] += 1
        _, tt = torch.func.jvp(tf, xs, vs)
        note("jvp", mg.jvp(program, point, v)[1], tt.item(), (program, point, v))
        _, pullback = torch.func.vjp(tf, *xs)
        for a, b in zip(
            mg.vjp(program, *point)[1](1.0),
            pullback(torch.tensor(1.0, dtype=torch.float64)),
            strict=True,
        ):
            note("vjp", a, b.item(), (program, point))
        for name, mine, theirs in [
            ("jacfwd", mg.jacfwd(program, argnums), torch.func.jacfwd(tf, argnums)),
            ("jacrev", mg.jacrev(program, argnums), torch.func.jacrev(tf, argnums)),
        ]:
            for a, b in zip(mine(*point), theirs(*xs), strict=True):
                note(name, a, b.item(), (program, point))
        h = mg.hessian(program, argnums)(*point)
        th = torch.func.hessian(tf, argnums)(*xs)
        for i in range(n):
            for j in range(n):
                note("hessian", h[i][j], th[i][j].item(), (program, point, i, j))
        _, thvp = torch.func.jvp(torch.func.grad(tf, argnums), xs, vs)
        for a, b in zip(mg.hvp(program, point, v), thvp, strict=True):
            note("hvp", a, b.item(), (program, point, v))

    check()
    summary = ", ".join(f"{k} {w:.1e}" for k, w in worst.items())
    print(
        f"transforms on {count[0]} random programs, worst error against torch.func "
        f"(relative; absolute below 1): {summary}"
    )


if __name__ == "__main__":
    sys.exit(main())
