"""Benchmark minigrad against the hand-written loop, micrograd, PyTorch and JAX, in one process.

    python benchmarks/run.py            # the full run (a few minutes on a busy 2-core machine)
    python benchmarks/run.py --quick    # tiny sizes, one round: checks that everything runs

Contenders run interleaved (A, B, C, A, B, C, ...) and each keeps its best round, so that a
burst of load from elsewhere hits all of them alike; compare the ratios within one run, not
absolute times across runs. micrograd (PyPI 0.1.0), PyTorch and JAX (``jax.jit`` of
``value_and_grad``, float64: the line fit per sample and the full batch) are measured where
installed (``pip install -e ".[bench]"`` brings micrograd). Before timing, every contender's
result is checked against minigrad's (same losses, same gradients), so that the table compares
programs that compute the same thing.

Writes a JSON report (default benchmarks/results/latest.json) and prints a table with the
project's targets marked PASS or FAIL. No target is asserted: a slow run is a finding, not an
error.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import json
import math
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # the minigrad of this checkout, installed or not

import workloads as w  # noqa: E402  (benchmarks/ is on sys.path as the script's folder)

import minigrad as mg  # noqa: E402

PEERS = ("micrograd", "torch", "jax")
LABELS = {
    "minigrad": "minigrad",
    "minigrad_sgd": "minigrad + mg.SGD",
    "compiled": "mg.compile",
    "hand": "hand-written floats",
    "micrograd": "micrograd 0.1.0",
    "torch": "torch, 0-d tensors",
    "jax": "jax.jit(value_and_grad)",
}


BATCH_LABELS = {
    "numpy": "hand-written numpy",
    "compiled": "mg.compile(reduce='mean')",
    "hand": "hand-written Python loop",
    "torch": "torch autograd, float64 tensors",
    "jax": "jax.jit(value_and_grad), arrays",
}


def available(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def version(name: str) -> str | None:
    if name == "minigrad":
        return mg.__version__
    try:
        from importlib.metadata import version as dist_version

        return dist_version(name)
    except Exception:
        return None


# --- timing ------------------------------------------------------------------------------------


def interleaved(
    contenders: dict[str, Callable[[], Any]], rounds: int, repeat: int
) -> dict[str, float]:
    """Best time of one call per contender, over `rounds` rounds of `repeat` calls each.

    The garbage collector stays on (micrograd's reference cycles are part of its cost), but
    runs before each contender's turn, so that no one pays for collecting another's cycles.
    """
    best = dict.fromkeys(contenders, math.inf)
    for _ in range(rounds):
        for name, run in contenders.items():
            gc.collect()
            start = time.perf_counter()
            for _ in range(repeat):
                run()
            elapsed = (time.perf_counter() - start) / repeat
            best[name] = min(best[name], elapsed)
    return best


def close(a: float, b: float, rel: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-12)


def setup(
    factories: dict[str, Callable[..., Callable[[], Any]]],
    names: list[str],
    args: tuple[Any, ...],
    errors: dict[str, str],
    label: str,
) -> dict[str, Callable[[], Any]]:
    """Build each contender's run(); a peer that fails to build is reported and left out."""
    runs = {}
    for name in names:
        try:
            runs[name] = factories[name](*args)
        except Exception as error:
            errors[f"{label}/{name}"] = f"{type(error).__name__}: {error}"
    return runs


# --- the benchmarks ----------------------------------------------------------------------------


def bench_line_fit(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    xs, ys = w.line_data(100)
    names = ["hand", "compiled", "minigrad", "minigrad_sgd", *[p for p in peers if p in w.LINE_FIT]]
    runs = setup(w.LINE_FIT, names, (xs, ys), report["errors"], "line_fit")
    want = runs["minigrad"]()
    checks = report["checks"]
    for name, run in runs.items():
        got = run()
        checks[f"line_fit/{name}"] = close(got[0], want[0]) and close(got[1], want[1])
    times = interleaved(runs, cfg["rounds"], cfg["line_fit_epochs"])
    report["results"]["line_fit_step"] = {
        "unit": "seconds per step (one sample: forward, backward, update)",
        **{name: t / len(xs) for name, t in times.items()},
    }


def bench_mlp(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    layers = w.mlp_init()
    points = w.mlp_data(cfg["mlp_points"])
    names = ["hand", "compiled", "minigrad", *[p for p in peers if p in w.MLP]]
    runs = setup(w.MLP, names, (layers, points), report["errors"], "mlp")
    want_loss, want_grads = runs["minigrad"]()
    for name, run in runs.items():
        loss, grads = run()
        report["checks"][f"mlp/{name}"] = close(loss, want_loss) and all(
            close(a, b, 1e-7) for a, b in zip(grads, want_grads, strict=True)
        )
    times = interleaved(runs, cfg["rounds"], 1)
    report["results"]["mlp_step"] = {
        "unit": f"seconds per forward + backward over {len(points)} points (MLP 2-16-16-1)",
        "points": len(points),
        **times,
    }


def bench_batch(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    """(f) the full-batch line-fit gradient over n samples, numpy arrays: min and median."""
    if not available("numpy"):
        report["errors"]["batch_gradient"] = "numpy is not installed"
        return
    n = cfg["batch_samples"]
    xs, ys = w.batch_data(n)
    names = ["numpy", "compiled", "hand", *[p for p in peers if p in w.BATCH]]
    runs = setup(w.BATCH, names, (xs, ys), report["errors"], "batch")
    want = runs["numpy"]()
    for name, run in runs.items():
        got = run()
        report["checks"][f"batch/{name}"] = all(
            close(g, v, 1e-9) for g, v in zip(got, want, strict=True)
        )
    report["checks"]["batch/compiled equals numpy bit for bit"] = runs["compiled"]() == want
    samples: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(cfg["batch_rounds"]):  # interleaved, as everywhere here
        for name, run in runs.items():
            gc.collect()
            start = time.perf_counter()
            run()
            samples[name].append(time.perf_counter() - start)
    report["results"]["batch_gradient"] = {
        "unit": f"seconds for the mean loss and its gradient over {n} samples",
        "samples": n,
        "min": {name: min(t) for name, t in samples.items()},
        "median": {name: sorted(t)[len(t) // 2] for name, t in samples.items()},
    }


def bench_chain(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    result: dict[str, Any] = {"unit": "seconds per node of y.backward()"}
    names = ["hand", "minigrad", *[p for p in peers if p in w.CHAIN]]
    for n in cfg["chain_sizes"]:
        runs = setup(w.CHAIN, names, (n,), report["errors"], f"chain_{n}")
        want = runs["hand"]()
        ok = {}
        for name, run in runs.items():
            try:
                got = run()
            except RecursionError as error:
                report["errors"][f"chain_{n}/{name}"] = f"RecursionError: {error}"
                continue
            report["checks"][f"chain_{n}/{name}"] = close(got, want, 1e-6)
            ok[name] = run
        times = interleaved(ok, cfg["chain_rounds"], 1)
        result[str(n)] = {name: t / n for name, t in times.items()}
        del runs, ok
        gc.collect()
    small, large = (str(n) for n in cfg["chain_sizes"])
    result["ratio"] = {
        name: result[large][name] * int(large) / (result[small][name] * int(small))
        for name in result[large]
        if name in result[small]
    }
    result["sizes"] = list(cfg["chain_sizes"])
    report["results"]["chain_backward"] = result


def bench_memory(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    n = cfg["memory_nodes"]
    result: dict[str, Any] = {
        "unit": f"bytes per node of a chain of {n} multiplications (tracemalloc)",
        "nodes": n,
    }
    for operand in ("value", "constant"):
        row = {}
        for name in ["minigrad", *[p for p in peers if p in w.MEMORY]]:
            build = w.MEMORY[name]
            gc.collect()
            tracemalloc.start()
            before = tracemalloc.get_traced_memory()[0]
            graph = build(n, operand)
            after = tracemalloc.get_traced_memory()[0]
            tracemalloc.stop()
            row[name] = (after - before) / n
            del graph
            gc.collect()
        result[f"{operand}_operand"] = row
    report["results"]["memory_per_node"] = result


IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); import {name}; print(time.perf_counter() - t)"
)


def bench_import(cfg: dict[str, Any], peers: list[str], report: dict[str, Any]) -> None:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: bytecode cached after the first run
    env["PYTHONPATH"] = os.pathsep.join([str(HERE.parent), env.get("PYTHONPATH", "")])
    result: dict[str, Any] = {"unit": "seconds for `import NAME` in a fresh interpreter"}
    names = ["minigrad", *peers]
    best = dict.fromkeys(names, math.inf)
    for round_ in range(cfg["import_rounds"] + 1):
        for name in names:
            out = subprocess.run(
                [sys.executable, "-c", IMPORT_SNIPPET.format(name=name)],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if out.returncode != 0:
                report["errors"][f"import/{name}"] = out.stderr.strip().splitlines()[-1]
                continue
            if round_ > 0 or cfg["import_rounds"] == 0:  # round 0 writes the bytecode caches
                best[name] = min(best[name], float(out.stdout))
    result.update({name: t for name, t in best.items() if math.isfinite(t)})
    # Also: does `import minigrad` pull in anything beyond the standard library?
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, minigrad; print(' '.join(sorted(m for m in ('numpy', 'matplotlib', "
            "'micrograd', 'torch') if m in sys.modules)))",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    result["third_party_modules_loaded"] = probe.stdout.split()
    report["results"]["import_time"] = result


# --- report ------------------------------------------------------------------------------------


def fmt_time(t: float) -> str:
    if t >= 1.0:
        return f"{t:.2f} s"
    if t >= 1e-3:
        return f"{t * 1e3:.2f} ms"
    if t >= 1e-6:
        return f"{t * 1e6:.2f} µs"
    return f"{t * 1e9:.1f} ns"


def ratio_text(ours: float, theirs: float, what: str) -> str:
    if ours <= theirs:
        return f"{theirs / ours:.2f}× faster than {what}"
    return f"{ours / theirs:.2f}× slower than {what}"


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    r = report["results"]
    out: list[dict[str, Any]] = []

    def add(name: str, value: float | None, op: str, threshold: float, note: str) -> None:
        ok = None
        if value is not None:
            ok = value >= threshold if op == ">=" else value <= threshold
        out.append(
            {
                "target": name,
                "value": value,
                "op": op,
                "threshold": threshold,
                "pass": ok,
                "note": note,
            }
        )

    # The goals of issue 14 ("performance, second round"), as ratios in one run.
    lf, mlp = r["line_fit_step"], r["mlp_step"]
    add(
        "README loop (Parameter + mg.SGD): micrograd's manual loop / minigrad",
        lf["micrograd"] / lf["minigrad_sgd"] if "micrograd" in lf else None,
        ">=",
        5.0,
        "the loop a learner writes, ≥5× faster than micrograd's manual-update loop",
    )
    add(
        "line-fit step, manual update: micrograd time / minigrad time",
        lf["micrograd"] / lf["minigrad"] if "micrograd" in lf else None,
        ">=",
        6.0,
        "the same manual-update loop, ≥6× faster than micrograd",
    )
    add(
        "MLP forward+backward: micrograd time / minigrad time",
        mlp["micrograd"] / mlp["minigrad"] if "micrograd" in mlp else None,
        ">=",
        10.0,
        "≥10× faster than micrograd",
    )
    add(
        "compiled line-fit step: compiled time / hand-written time",
        lf["compiled"] / lf["hand"],
        "<=",
        1.3,
        "within 1.3× of the hand-written loop",
    )
    ratio = r["chain_backward"]["ratio"].get("minigrad")
    sizes = r["chain_backward"]["sizes"]
    add(
        f"chain backward: time({sizes[1]}) / time({sizes[0]})",
        ratio,
        "<=",
        11.0 * sizes[1] / sizes[0] / 10.0,
        "linear: ~10× for 10× the nodes; ≤11× allowed",
    )
    mem = r["memory_per_node"]
    for operand in ("value", "constant"):
        row = mem[f"{operand}_operand"]
        add(
            f"memory per node ({operand} operand), bytes",
            round(row["minigrad"]),  # tracemalloc's mean has a fraction of a byte of noise
            "<=",
            168.0,
            "no regression from 168 B (micrograd: 688–1,168 B)",
        )
    batch = r.get("batch_gradient")
    for stat in ("min", "median"):
        add(
            f"full-batch gradient ({stat}): mg.compile(reduce='mean') / hand-written numpy",
            batch[stat]["compiled"] / batch[stat]["numpy"] if batch else None,
            "<=",
            1.3,
            "within 1.3× of the same gradient written by hand in numpy",
        )
    add(
        "import minigrad (seconds, beyond the interpreter's start)",
        r["import_time"].get("minigrad"),
        "<=",
        0.010,
        "under 10 ms: nn, viz, compile, schedulers load on first use",
    )
    return out


def print_table(report: dict[str, Any]) -> None:
    r = report["results"]
    print(
        f"minigrad {report['meta']['versions']['minigrad']} on Python "
        f"{report['meta']['python']} ({report['meta']['machine']})"
        + ("  [--quick: tiny sizes, one round; not for reading]" if report["meta"]["quick"] else "")
    )
    print()

    def block(title: str, row: dict[str, Any], order: list[str]) -> None:
        print(title)
        base = row["minigrad"]
        for name in order:
            if name not in row:
                continue
            t = row[name]
            if name == "minigrad":
                rel = ""
            elif name == "minigrad_sgd":
                rel = f"{t / base:.2f}× the time of the manual update (optimizer object)"
            elif name == "compiled":
                rel = f"{t / row['hand']:.2f}× the hand-written time; "
                rel += f"{base / t:.1f}× faster than minigrad"
            else:
                rel = f"minigrad is {ratio_text(base, t, LABELS[name])}"
            print(f"  {LABELS[name]:<26}{fmt_time(t):>11}   {rel}")
        print()

    block(
        "(a) line-fit step, per sample: (a·x + b − y)², backward, update",
        r["line_fit_step"],
        ["minigrad", "minigrad_sgd", "compiled", "hand", "micrograd", "torch", "jax"],
    )
    block(
        f"(b) MLP 2-16-16-1 forward + backward over {r['mlp_step']['points']} points",
        r["mlp_step"],
        ["minigrad", "compiled", "hand", "micrograd", "torch"],
    )
    chain = r["chain_backward"]
    print("(c) backward of a chain y = y·c, per node")
    for n in chain["sizes"]:
        row = chain[str(n)]
        cells = "   ".join(f"{name} {fmt_time(t)}" for name, t in row.items())
        failed = [k.split("/")[1] for k in report["errors"] if k.startswith(f"chain_{n}/")]
        cells += "".join(f"   {name}: fails" for name in failed)
        print(f"  {n:>9} nodes: {cells}")
    ratios = ", ".join(f"{name} {v:.1f}×" for name, v in chain["ratio"].items())
    print(f"  total time {chain['sizes'][1]} / {chain['sizes'][0]} nodes: {ratios}")
    print()
    mem = r["memory_per_node"]
    print(f"(d) memory per node, chain of {mem['nodes']} multiplications (tracemalloc)")
    for operand in ("value", "constant"):
        row = mem[f"{operand}_operand"]
        cells = "   ".join(f"{name} {v:.0f} B" for name, v in row.items())
        extra = ""
        if "micrograd" in row:
            extra = f"  → minigrad uses {row['minigrad'] / row['micrograd']:.2f}× micrograd's"
        what = "w (a Value)" if operand == "value" else "c (a number)"
        print(f"  y = y · {what:<13} {cells}{extra}")
    print()
    batch = r.get("batch_gradient")
    if batch:
        print(f"(f) full-batch line-fit loss and gradient over {batch['samples']} samples (numpy)")
        base = batch["min"]["numpy"]
        for name in batch["min"]:
            lo, mid = batch["min"][name], batch["median"][name]
            label = BATCH_LABELS.get(name, name)
            print(
                f"  {label:<34}min {fmt_time(lo):>10}   median {fmt_time(mid):>10}   "
                f"{lo / base:.2f}× the hand-written numpy (min)"
            )
        print()
    imp = r["import_time"]
    cells = "   ".join(
        f"{name} {fmt_time(imp[name])}" for name in ["minigrad", *PEERS] if name in imp
    )
    print(f"(e) import time, fresh interpreter, best of several: {cells}")
    loaded = imp["third_party_modules_loaded"]
    print(f"  third-party modules loaded by `import minigrad`: {', '.join(loaded) or 'none'}")
    print()
    print("targets (reported, not asserted)")
    for t in report["targets"]:
        status = "n/a " if t["pass"] is None else ("PASS" if t["pass"] else "FAIL")
        value = "not measured" if t["value"] is None else f"{t['value']:.3g}"
        print(
            f"  [{status}] {t['target']}: {value} (target {t['op']} {t['threshold']:g}; "
            f"{t['note']})"
        )
    failed = [k for k, ok in report["checks"].items() if not ok]
    print()
    print(
        f"result checks: {len(report['checks']) - len(failed)}/{len(report['checks'])} "
        f"contenders agree with minigrad" + (f"; DISAGREE: {', '.join(failed)}" if failed else "")
    )
    for key, error in report["errors"].items():
        print(f"  not measured: {key}: {error}")


CONFIGS = {
    "full": {
        "rounds": 7,
        "line_fit_epochs": 20,
        "mlp_points": 50,
        "chain_sizes": (100_000, 1_000_000),
        "chain_rounds": 3,
        "memory_nodes": 100_000,
        "import_rounds": 7,
        "batch_samples": 1_000_000,
        "batch_rounds": 15,
    },
    "quick": {
        "rounds": 1,
        "line_fit_epochs": 1,
        "mlp_points": 3,
        "chain_sizes": (1_000, 10_000),
        "chain_rounds": 1,
        "memory_nodes": 1_000,
        "import_rounds": 1,
        "batch_samples": 1_000,
        "batch_rounds": 1,
    },
}


def plot(report: dict[str, Any], path: Path) -> Path | None:
    """Draw the run: time per step for each contender (log scale), and the chain's growth.

    Returns the PNG written, or None when matplotlib is not installed (it is optional here).
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        from matplotlib.figure import Figure
    except ImportError:
        return None
    r = report["results"]
    fig = Figure(figsize=(6.9, 7.6), dpi=200, layout="constrained")
    fig.suptitle(
        f"minigrad {report['meta']['versions']['minigrad']}, Python {report['meta']['python']}, "
        f"{report['meta']['date'][:10]} (one run)",
        fontsize=12,
    )
    steps, chain = fig.subplots(2, 1, height_ratios=(3, 2))
    bars: list[tuple[str, float]] = []
    for title, row, names in (
        ("line-fit step", r["line_fit_step"], ("hand", "compiled", "minigrad", "minigrad_sgd")),
        ("MLP step", r["mlp_step"], ("hand", "compiled", "minigrad")),
    ):
        for name in (*names, "micrograd", "torch", "jax"):
            if name in row:
                bars.append((f"{title}: {LABELS[name]}", row[name]))
    y = list(range(len(bars)))[::-1]
    colours = [
        "#1f77b4" if ("minigrad" in label or "compile" in label) else "#aaaaaa" for label, _ in bars
    ]
    steps.barh(y, [t for _, t in bars], color=colours)
    steps.set_yticks(y, [label for label, _ in bars], fontsize=11)
    steps.set_xscale("log")
    steps.set_xlabel("seconds per step (log scale; shorter is faster)", fontsize=12)
    steps.tick_params(axis="x", labelsize=11)
    sizes = r["chain_backward"]["sizes"]
    for name in ("hand", "minigrad", "torch"):
        per_node = [r["chain_backward"][str(n)].get(name) for n in sizes]
        if None in per_node:
            continue
        totals = [t * n for t, n in zip(per_node, sizes, strict=True)]
        chain.plot(sizes, totals, marker="o", label=LABELS.get(name, name))
    chain.plot(sizes, [sizes[0] * 1e-7, sizes[1] * 1e-7], "k:", label="linear (slope 1)")
    chain.set_xscale("log")
    chain.set_yscale("log")
    chain.set_xlabel("nodes in the chain y = y·c", fontsize=12)
    chain.set_ylabel("backward time (s)", fontsize=12)
    chain.tick_params(labelsize=11)
    chain.legend(fontsize=11)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    return path


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument(
        "--out", type=Path, default=HERE / "results" / "latest.json", help="JSON report path"
    )
    parser.add_argument(
        "--figure",
        type=Path,
        default=HERE / "results" / "latest.png",
        help="the run drawn as a PNG (needs matplotlib; default: %(default)s)",
    )
    parser.add_argument(
        "--peers",
        default=",".join(PEERS),
        help="comma-separated peers to try where installed (default: %(default)s; '' for none)",
    )
    args = parser.parse_args(argv)
    cfg = CONFIGS["quick" if args.quick else "full"]
    wanted = [p for p in args.peers.split(",") if p]
    unknown = set(wanted) - set(PEERS)
    if unknown:
        parser.error(f"unknown peers {sorted(unknown)}; choose from {', '.join(PEERS)}")
    peers = [p for p in wanted if available(p)]
    report: dict[str, Any] = {
        "meta": {
            "python": platform.python_version(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "quick": args.quick,
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.items()},
            "peers_measured": peers,
            "peers_missing": [p for p in wanted if p not in peers],
            "versions": {name: version(name) for name in ["minigrad", *peers]},
        },
        "results": {},
        "checks": {},
        "errors": {},
    }
    for bench in (
        bench_line_fit,
        bench_mlp,
        bench_chain,
        bench_memory,
        bench_import,
        bench_batch,
    ):
        bench(cfg, peers, report)
        gc.collect()
    report["targets"] = targets(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print_table(report)
    print(f"\nJSON: {args.out}")
    drawn = plot(report, args.figure)
    print(f"figure: {drawn}" if drawn else "figure: not drawn (matplotlib is not installed)")
    return report


if __name__ == "__main__":
    main()
