"""The optimizer runs that tests/test_optim_torch.py compares with PyTorch's recorded ones.

Shared by the test (minigrad) and tests/gen_optim_expectations.py (PyTorch): the same
configurations, the same starting points and the same gradients, computed from each step's
parameter values by the same float expression, so the two runs differ only in the optimizer.
"""

from __future__ import annotations

import hashlib
import math
import struct

STEPS = 300
STARTS = (1.5, -0.75, 3.0)
TARGETS = (-2.0, 0.5, 1e-3)
SCALES = (1.0, 40.0, 1e-4)  # gradients of very different sizes

CONFIGS: dict[str, tuple[str, dict[str, object]]] = {
    "sgd": ("SGD", {"lr": 0.01}),
    "sgd-momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}),
    "sgd-dampening": ("SGD", {"lr": 0.02, "momentum": 0.7, "dampening": 0.3}),
    "sgd-nesterov": ("SGD", {"lr": 0.01, "momentum": 0.9, "nesterov": True}),
    "sgd-decay": ("SGD", {"lr": 0.03, "weight_decay": 0.1}),
    "sgd-all": ("SGD", {"lr": 0.005, "momentum": 0.8, "weight_decay": 0.01, "nesterov": True}),
    "sgd-maximize": ("SGD", {"lr": 0.01, "momentum": 0.5, "maximize": True}),
    "adam": ("Adam", {"lr": 0.01}),
    "adam-betas": ("Adam", {"lr": 0.05, "betas": (0.5, 0.9), "eps": 1e-6}),
    "adam-decay": ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    "adam-amsgrad": ("Adam", {"lr": 0.02, "amsgrad": True}),
    "adam-maximize": ("Adam", {"lr": 0.01, "maximize": True, "weight_decay": 0.01}),
    "adamw": ("AdamW", {"lr": 0.01}),
    "adamw-decay": ("AdamW", {"lr": 0.02, "weight_decay": 0.3, "amsgrad": True}),
    "rmsprop": ("RMSprop", {"lr": 0.01}),
    "rmsprop-momentum": ("RMSprop", {"lr": 0.005, "momentum": 0.9, "alpha": 0.9}),
    "rmsprop-centered": ("RMSprop", {"lr": 0.01, "centered": True, "weight_decay": 0.05}),
    "rmsprop-all": ("RMSprop", {"lr": 0.002, "momentum": 0.5, "centered": True, "maximize": True}),
    "adagrad": ("Adagrad", {"lr": 0.1}),
    "adagrad-decay": ("Adagrad", {"lr": 0.1, "lr_decay": 0.01, "weight_decay": 0.05}),
    "adagrad-init": ("Adagrad", {"lr": 0.5, "initial_accumulator_value": 0.3, "eps": 1e-6}),
}


def gradient(i: int, step: int, p: float) -> float | None:
    """The gradient parameter `i` gets at `step` (None: no backward pass reached it)."""
    if i == 1 and step % 7 == 3:
        return None
    return SCALES[i] * (2.0 * (p - TARGETS[i]) + 0.3 * math.sin(3.0 * p))


def run_minigrad(name, options, steps=STEPS, *, opt_hook=None):
    """minigrad's run of optimizer `name`: the parameters after each step.

    ``opt_hook(step, opt, params)``, when given, runs after each step and returns the optimizer
    to go on with (a test swaps in one restored from a state_dict).
    """
    import minigrad as mg

    params = [mg.Parameter(s) for s in STARTS]
    opt = getattr(mg, name)(params, **options)
    rows = []
    for step in range(steps):
        for i, p in enumerate(params):
            p.grad = gradient(i, step, p.data)
        opt.step()
        rows.append(tuple(p.data for p in params))
        if opt_hook is not None:
            opt = opt_hook(step, opt, params)
    return rows


def digest(rows: list[tuple[float, ...]]) -> str:
    """A fingerprint of every parameter at every step, bit for bit."""
    h = hashlib.sha256()
    for row in rows:
        h.update(struct.pack(f"<{len(row)}d", *row))
    return h.hexdigest()
