"""The benchmark workloads, once per contender: hand-written floats, minigrad, micrograd, torch.

Each ``make_*`` function returns a zero-argument callable that runs one unit of work (one epoch,
one forward + backward...) plus what it computed, so that run.py can check that every
contender computes the same numbers before it compares their speed.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from typing import Any

import minigrad as mg

# --- data: the seed's line fit -----------------------------------------------------------------

A_STAR, B_STAR, NOISE, LR = 2.0, 1.0, 0.3, 0.001


def line_data(n: int, seed: int = 0) -> tuple[list[float], list[float]]:
    """x ~ N(0, 1), y = a*·x + b* + 0.3·N(0, 1), as in the learner's notes."""
    rng = random.Random(seed)
    xs = [rng.gauss(0.0, 1.0) for _ in range(n)]
    ys = [A_STAR * x + B_STAR + NOISE * rng.gauss(0.0, 1.0) for x in xs]
    return xs, ys


# --- (a) line-fit epoch: per-sample SGD on (a·x + b − y)² ------------------------------------
# Each returns run() -> (a, b) after one epoch from a = −2, b = −1 (state is reset per call).


def line_fit_hand(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    def run() -> tuple[float, float]:
        a, b = -2.0, -1.0
        for x, y in zip(xs, ys, strict=True):
            y_pred = a * x + b
            loss = (y_pred - y) ** 2  # noqa: F841 (computed, as in the seed)
            dloss_da = 2 * x * (y_pred - y)
            dloss_db = 2 * (y_pred - y)
            a = a - LR * dloss_da
            b = b - LR * dloss_db
        return a, b

    return run


def _line_fit_manual(
    value: Callable[[float], Any], xs: list[float], ys: list[float]
) -> Callable[[], tuple[float, float]]:
    """micrograd's README loop: zero the grads, backward, update .data by hand.

    One loop for every library with a micrograd-shaped Value, so they run the same program.
    """

    def run() -> tuple[float, float]:
        a, b = value(-2.0), value(-1.0)
        for x, y in zip(xs, ys, strict=True):
            loss = (a * x + b - y) ** 2
            a.grad = 0.0
            b.grad = 0.0
            loss.backward()
            a.data -= LR * a.grad
            b.data -= LR * b.grad
        return a.data, b.data

    return run


def line_fit_minigrad(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    return _line_fit_manual(mg.Value, xs, ys)


def line_fit_minigrad_sgd(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    """The README's loop: Parameters and mg.SGD (zero_grad, backward, step)."""

    def run() -> tuple[float, float]:
        a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
        opt = mg.SGD([a, b], lr=LR)
        for x, y in zip(xs, ys, strict=True):
            loss = (a * x + b - y) ** 2
            opt.zero_grad()
            loss.backward()
            opt.step()
        return a.data, b.data

    return run


def line_fit_loss(a: Any, b: Any, x: Any, y: Any) -> Any:
    return (a * x + b - y) ** 2


def line_fit_compiled(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    """The seed's loop with mg.compile's generated function in place of the derivation."""
    step = mg.compile(line_fit_loss, argnums=(0, 1))

    def run() -> tuple[float, float]:
        a, b = -2.0, -1.0
        for x, y in zip(xs, ys, strict=True):
            _loss, (dloss_da, dloss_db) = step(a, b, x, y)
            a = a - LR * dloss_da
            b = b - LR * dloss_db
        return a, b

    return run


def line_fit_micrograd(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    from micrograd.engine import Value

    return _line_fit_manual(Value, xs, ys)


def line_fit_torch(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    import torch

    def run() -> tuple[float, float]:
        a = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
        for x, y in zip(xs, ys, strict=True):
            loss = (a * x + b - y) ** 2
            a.grad = None
            b.grad = None
            loss.backward()
            with torch.no_grad():
                a -= LR * a.grad
                b -= LR * b.grad
        return a.item(), b.item()

    return run


def _jax() -> Any:
    """jax with float64 enabled (its default is float32), so it computes what the others do."""
    import jax

    jax.config.update("jax_enable_x64", True)
    return jax


def line_fit_jax(xs: list[float], ys: list[float]) -> Callable[[], tuple[float, float]]:
    """The seed's loop with JAX: jit of value_and_grad of the same scalar loss, per sample."""
    jax = _jax()
    step = jax.jit(jax.value_and_grad(line_fit_loss, argnums=(0, 1)))

    def run() -> tuple[float, float]:
        a, b = -2.0, -1.0
        for x, y in zip(xs, ys, strict=True):
            _loss, (dloss_da, dloss_db) = step(a, b, x, y)
            a = a - LR * float(dloss_da)
            b = b - LR * float(dloss_db)
        return a, b

    return run


LINE_FIT = {
    "hand": line_fit_hand,
    "compiled": line_fit_compiled,
    "minigrad": line_fit_minigrad,
    "minigrad_sgd": line_fit_minigrad_sgd,
    "micrograd": line_fit_micrograd,
    "torch": line_fit_torch,
    "jax": line_fit_jax,
}


# --- (f) full-batch line-fit gradient over many samples, on numpy arrays ------------------------
# The mean loss and its gradient (∂/∂a, ∂/∂b) over n samples in one call. numpy is optional:
# these contenders are built only where it is installed.


def batch_data(n: int, seed: int = 0) -> tuple[Any, Any]:
    """x ~ N(0, 1), y = a*·x + b* + 0.3·N(0, 1) as float64 numpy arrays."""
    import numpy as np

    rng = np.random.default_rng(seed)
    xs = rng.normal(size=n)
    return xs, A_STAR * xs + B_STAR + NOISE * rng.normal(size=n)


def batch_numpy(xs: Any, ys: Any) -> Callable[[], tuple[float, float, float]]:
    """The gradient written by hand in numpy: r = a·x + b − y, mean r², mean 2r·x, mean 2r."""
    a, b = -2.0, -1.0

    def run() -> tuple[float, float, float]:
        r = a * xs + b - ys
        return float((r * r).mean()), float((2 * r * xs).mean()), float((2 * r).mean())

    return run


def batch_compiled(xs: Any, ys: Any) -> Callable[[], tuple[float, float, float]]:
    """mg.compile(reduce="mean") on the arrays: the generated code on numpy."""
    step = mg.compile(line_fit_loss, argnums=(0, 1), reduce="mean")

    def run() -> tuple[float, float, float]:
        loss, (da, db) = step(-2.0, -1.0, xs, ys)
        return loss, da, db

    return run


def batch_hand(xs: Any, ys: Any) -> Callable[[], tuple[float, float, float]]:
    """The same means as a Python loop over floats."""
    xl, yl = xs.tolist(), ys.tolist()
    a, b = -2.0, -1.0

    def run() -> tuple[float, float, float]:
        loss = da = db = 0.0
        for x, y in zip(xl, yl, strict=True):
            r = a * x + b - y
            loss += r * r
            da += 2.0 * r * x
            db += 2.0 * r
        n = len(xl)
        return loss / n, da / n, db / n

    return run


def batch_torch(xs: Any, ys: Any) -> Callable[[], tuple[float, float, float]]:
    """torch autograd on float64 tensors (from_numpy: no copy)."""
    import torch

    x, y = torch.from_numpy(xs), torch.from_numpy(ys)

    def run() -> tuple[float, float, float]:
        a = torch.tensor(-2.0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(-1.0, dtype=torch.float64, requires_grad=True)
        loss = ((a * x + b - y) ** 2).mean()
        loss.backward()
        assert a.grad is not None and b.grad is not None
        return loss.item(), a.grad.item(), b.grad.item()

    return run


def batch_jax(xs: Any, ys: Any) -> Callable[[], tuple[float, float, float]]:
    """jax.jit(value_and_grad) of the mean loss over the whole arrays: one fused kernel."""
    jax = _jax()
    x, y = jax.numpy.asarray(xs), jax.numpy.asarray(ys)

    def mean_loss(a: Any, b: Any) -> Any:
        return ((a * x + b - y) ** 2).mean()

    step = jax.jit(jax.value_and_grad(mean_loss, argnums=(0, 1)))

    def run() -> tuple[float, float, float]:
        loss, (da, db) = step(-2.0, -1.0)
        return float(loss), float(da), float(db)

    return run


BATCH = {
    "numpy": batch_numpy,
    "compiled": batch_compiled,
    "hand": batch_hand,
    "torch": batch_torch,
    "jax": batch_jax,
}


# --- (b) MLP 2-16-16-1 (ReLU): forward + backward of the squared error over a batch ---------

SIZES = (2, 16, 16, 1)


def mlp_init(seed: int = 1) -> list[tuple[list[list[float]], list[float]]]:
    """Weights and biases per layer, uniform in [−1, 1]."""
    rng = random.Random(seed)
    layers = []
    for n_in, n_out in itertools.pairwise(SIZES):
        w = [[rng.uniform(-1.0, 1.0) for _ in range(n_in)] for _ in range(n_out)]
        b = [rng.uniform(-1.0, 1.0) for _ in range(n_out)]
        layers.append((w, b))
    return layers


def mlp_data(n: int, seed: int = 2) -> list[tuple[tuple[float, float], float]]:
    rng = random.Random(seed)
    points = []
    for _ in range(n):
        x0, x1 = rng.uniform(-2.0, 2.0), rng.uniform(-2.0, 2.0)
        points.append(((x0, x1), 1.0 if x0 * x1 > 0 else -1.0))
    return points


def mlp_forward(layers: Any, x: Any, relu: Callable[[Any], Any]) -> Any:
    """The network on one point, for any number type with + and * (Values, tensors)."""
    h = list(x)
    for k, (w, b) in enumerate(layers):
        last = k == len(layers) - 1
        out = []
        for row, bias in zip(w, b, strict=True):
            s = bias
            for wi, hi in zip(row, h, strict=True):
                s = s + wi * hi
            out.append(s if last else relu(s))
        h = out
    return h[0]


def mlp_batch_loss(layers: Any, points: Any, relu: Callable[[Any], Any]) -> Any:
    total = None
    for x, t in points:
        d = mlp_forward(layers, x, relu) - t
        total = d * d if total is None else total + d * d
    return total


def _flat(layers: Any) -> list[Any]:
    return [p for w, b in layers for p in [*[wi for row in w for wi in row], *b]]


def _as_params(layers: Any, make: Callable[[float], Any]) -> Any:
    return [([[make(wi) for wi in row] for row in w], [make(bi) for bi in b]) for w, b in layers]


# Each returns run() -> (loss, gradients in _flat order).


def mlp_hand(layers: Any, points: Any) -> Callable[[], tuple[float, list[float]]]:
    """Forward and the backward pass written out by hand on floats."""

    def run() -> tuple[float, list[float]]:
        grads = [([[0.0] * len(row) for row in w], [0.0] * len(b)) for w, b in layers]
        total = 0.0
        for x, t in points:
            acts = [list(x)]  # the input of each layer
            pre = []  # each layer's pre-activations
            for k, (w, b) in enumerate(layers):
                h = acts[-1]
                z = []
                for row, bias in zip(w, b, strict=True):
                    s = bias
                    for wi, hi in zip(row, h, strict=True):
                        s = s + wi * hi
                    z.append(s)
                pre.append(z)
                if k < len(layers) - 1:
                    acts.append([zi if zi > 0.0 else 0.0 for zi in z])
            d = pre[-1][0] - t
            total += d * d
            dz = [2.0 * d]  # dL/d(pre-activation) of the current layer
            for k in range(len(layers) - 1, -1, -1):
                w, _ = layers[k]
                gw, gb = grads[k]
                h = acts[k]
                for i, dzi in enumerate(dz):
                    gb[i] += dzi
                    row = gw[i]
                    for j, hj in enumerate(h):
                        row[j] += dzi * hj
                if k:
                    dh = [sum(dz[i] * w[i][j] for i in range(len(dz))) for j in range(len(h))]
                    dz = [g if z > 0.0 else 0.0 for g, z in zip(dh, pre[k - 1], strict=True)]
        return total, _flat(grads)

    return run


def mlp_minigrad(layers: Any, points: Any) -> Callable[[], tuple[float, list[float]]]:
    params = _as_params(layers, mg.Value)
    flat = _flat(params)

    def run() -> tuple[float, list[float]]:
        for p in flat:
            p.grad = 0.0
        loss = mlp_batch_loss(params, points, mg.relu)
        loss.backward()
        return loss.data, [p.grad for p in flat]

    return run


def mlp_compiled(layers: Any, points: Any) -> Callable[[], tuple[float, list[float]]]:
    """mg.compile on the loss of one point, its gradients summed over the batch."""
    n = len(_flat(layers))
    shapes = [(len(w), len(w[0])) for w, _ in layers]

    def point_loss(*args: Any) -> Any:
        it = iter(args[:n])
        params = [
            ([[next(it) for _ in range(i)] for _ in range(o)], [next(it) for _ in range(o)])
            for o, i in shapes
        ]
        d = mlp_forward(params, args[n : n + 2], mg.relu) - args[n + 2]
        return d * d

    step = mg.compile(point_loss, argnums=tuple(range(n)))
    flat = _flat(layers)

    def run() -> tuple[float, list[float]]:
        total = 0.0
        grads = [0.0] * n
        for (x0, x1), t in points:
            loss, g = step(*flat, x0, x1, t)
            total += loss
            grads = [a + b for a, b in zip(grads, g, strict=True)]
        return total, grads

    return run


def mlp_micrograd(layers: Any, points: Any) -> Callable[[], tuple[float, list[float]]]:
    from micrograd.engine import Value

    params = _as_params(layers, Value)
    flat = _flat(params)

    def run() -> tuple[float, list[float]]:
        for p in flat:
            p.grad = 0.0
        loss = mlp_batch_loss(params, points, lambda v: v.relu())
        loss.backward()
        return loss.data, [p.grad for p in flat]

    return run


def mlp_torch(layers: Any, points: Any) -> Callable[[], tuple[float, list[float]]]:
    import torch

    params = _as_params(layers, lambda v: torch.tensor(v, dtype=torch.float64, requires_grad=True))
    flat = _flat(params)

    def run() -> tuple[float, list[float]]:
        for p in flat:
            p.grad = None
        loss = mlp_batch_loss(params, points, torch.relu)
        loss.backward()
        return loss.item(), [0.0 if p.grad is None else p.grad.item() for p in flat]

    return run


MLP = {
    "hand": mlp_hand,
    "compiled": mlp_compiled,
    "minigrad": mlp_minigrad,
    "micrograd": mlp_micrograd,
    "torch": mlp_torch,
}


# --- (c) backward of a long chain y = y·c ------------------------------------------------------

CHAIN_FACTOR = 1.0000001


def chain_hand(n: int) -> Callable[[], float]:
    factors = [CHAIN_FACTOR] * n

    def run() -> float:
        g = 1.0
        for c in reversed(factors):
            g = g * c
        return g

    return run


def chain_minigrad(n: int) -> Callable[[], float]:
    x = mg.Value(1.0)
    y = x
    for _ in range(n):
        y = y * CHAIN_FACTOR

    def run() -> float:
        x.grad = 0.0
        y.backward()
        return float(x.grad)

    return run


def chain_micrograd(n: int) -> Callable[[], float]:
    from micrograd.engine import Value

    x = Value(1.0)
    y = x
    for _ in range(n):
        y = y * CHAIN_FACTOR

    def run() -> float:
        x.grad = 0.0
        y.backward()  # recursive topological sort: RecursionError beyond ~1000 nodes
        return float(x.grad)

    return run


def chain_torch(n: int) -> Callable[[], float]:
    import torch

    x = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * CHAIN_FACTOR

    def run() -> float:
        x.grad = None
        y.backward(retain_graph=True)
        return float(x.grad)

    return run


CHAIN = {
    "hand": chain_hand,
    "minigrad": chain_minigrad,
    "micrograd": chain_micrograd,
    "torch": chain_torch,
}


# --- (d) memory per node -------------------------------------------------------------------


def build_minigrad(n: int, operand: str) -> Any:
    x = mg.Value(1.0)
    w = mg.Value(CHAIN_FACTOR)
    other: Any = w if operand == "value" else CHAIN_FACTOR
    y = x
    for _ in range(n):
        y = y * other
    return y


def build_micrograd(n: int, operand: str) -> Any:
    from micrograd.engine import Value

    x = Value(1.0)
    w = Value(CHAIN_FACTOR)
    other: Any = w if operand == "value" else CHAIN_FACTOR
    y = x
    for _ in range(n):
        y = y * other
    return y


MEMORY = {"minigrad": build_minigrad, "micrograd": build_micrograd}
