"""Record PyTorch's learning-rate sequences and gradient clipping into sched_expectations.json.

Not part of the test suite (PyTorch is not a dependency). Run it where torch 2.13 is installed
(CPU, float64), from the repository root:
    python tests/gen_sched_expectations.py
It writes tests/sched_expectations.json, which tests/test_lr_scheduler.py and tests/test_clip.py
read: the configurations and inputs are theirs (imported from them), the outputs torch's.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import test_clip  # importable once the path is set
import test_lr_scheduler as sched


def scheduler_sequences(torch):
    out = {}
    for name, (kind, kwargs, lrs, _) in sched.CONFIGS.items():
        params = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in lrs]
        groups = [{"params": [p], "lr": lr} for p, lr in zip(params, lrs, strict=True)]
        opt = torch.optim.SGD(groups)
        scheduler = getattr(torch.optim.lr_scheduler, kind)(opt, **sched.resolve(kwargs))
        metrics = sched.metrics_of(name)
        rows = [[float(x) for x in scheduler.get_last_lr()]]
        for epoch in range(sched.STEPS):
            opt.step()
            if metrics is None:
                scheduler.step()
            else:
                scheduler.step(metrics[epoch])
            rows.append([float(x) for x in scheduler.get_last_lr()])
        # One row [epoch, lrs] where the lrs change: step-like schedules stay short.
        out[name] = [[e, row] for e, row in enumerate(rows) if e == 0 or row != rows[e - 1]]
    return out


def torch_clip_norm(torch, grads, max_norm, norm_type):
    params = []
    for g in grads:
        p = torch.zeros((), dtype=torch.float64, requires_grad=True)
        if g is not None:
            p.grad = torch.tensor(g, dtype=torch.float64)
        params.append(p)
    total = torch.nn.utils.clip_grad_norm_(params, max_norm, norm_type)
    return float(total), [None if p.grad is None else p.grad.item() for p in params]


def torch_clip_value(torch, grads, clip_value):
    params = [torch.zeros((), dtype=torch.float64, requires_grad=True) for _ in grads]
    for p, g in zip(params, grads, strict=True):
        p.grad = torch.tensor(g, dtype=torch.float64)
    torch.nn.utils.clip_grad_value_(params, clip_value)
    return [p.grad.item() for p in params]


def clipping(torch):
    torch.set_num_threads(1)
    norms = []
    for case in test_clip.norm_cases():
        total, grads = torch_clip_norm(torch, case["grads"], case["max_norm"], case["norm_type"])
        if len(grads) <= test_clip.LISTED:
            norms.append({"total": total, "grads": grads})
        else:  # long cases: the grads' fingerprint, to keep the file small
            norms.append({"total": total, "digest": test_clip.digest(grads)})
    values = [torch_clip_value(torch, grads, c) for grads, c in test_clip.value_cases()]
    split = {}
    for threads in (2, 3):
        torch.set_num_threads(threads)
        for p in test_clip.SPLIT_ORDERS:
            xs = torch.tensor(test_clip.long_vector(), dtype=torch.float64)
            split[f"{threads}:{p}"] = torch.linalg.vector_norm(xs, p).item()
    torch.set_num_threads(1)
    return {"norm": norms, "value": values, "split": split}


def layout(data):
    """JSON with one line per sequence or case, so that a change shows in a diff."""

    def dense(x):
        return json.dumps(x, separators=(",", ":"))

    lines = ["{"]
    for key, value in data.items():
        if key == "schedulers":
            lines.append(f'"{key}":{{')
            rows = [f"{dense(name)}:{dense(seq)}" for name, seq in value.items()]
            lines.append(",\n".join(rows))
            lines.append("},")
        elif key == "clip":
            parts = [
                f"{dense(part)}:[\n" + ",\n".join(dense(case) for case in cases) + "\n]"
                for part, cases in value.items()
                if part != "split"
            ]
            parts.append(f'"split":{dense(value["split"])}')
            lines.append(f'"{key}":{{\n' + ",\n".join(parts) + "\n}")
        else:
            lines.append(f"{dense(key)}:{dense(value)},")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main() -> int:
    import torch  # here, so that importing this file needs no torch

    assert torch.__version__.startswith("2.13"), torch.__version__
    data = {
        "torch": torch.__version__,
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "schedulers": scheduler_sequences(torch),
        "clip": clipping(torch),
    }
    path = Path(__file__).with_name("sched_expectations.json")
    path.write_text(layout(data), encoding="utf-8")
    print(f"wrote {path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
