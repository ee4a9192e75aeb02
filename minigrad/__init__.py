"""minigrad: scalar reverse-mode automatic differentiation with a PyTorch-shaped API.

>>> import minigrad as mg
>>> a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
>>> loss = (a * 0.5 + b - 2.0) ** 2
>>> loss.backward()
>>> a.grad, b.grad  # 2·x·(ŷ − y) and 2·(ŷ − y), no longer written by hand
(-4.0, -8.0)

Every function on Values (``mg.exp``, ``mg.maximum``, ...) is an op of the registry in
`minigrad.ops`; its derivative is in the docs' derivative table.
"""

# The one place where the speed layer goes in: faster operators and backward() over the reference
# core (minigrad.value, minigrad.backprop), unless MINIGRAD_REFERENCE=1 (see minigrad.speed).
from minigrad import speed
from minigrad.function import Function, FunctionCtx
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    huber_loss,
    l1_loss,
    log_softmax,
    mse_loss,
    nll_loss,
    smooth_l1_loss,
    softmax,
)
from minigrad.modes import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from minigrad.op import Op
from minigrad.ops import ABS as abs
from minigrad.ops import ATAN as atan
from minigrad.ops import COS as cos
from minigrad.ops import EXP as exp
from minigrad.ops import LOG as log
from minigrad.ops import MAXIMUM as maximum
from minigrad.ops import MINIMUM as minimum
from minigrad.ops import RELU as relu
from minigrad.ops import SIGMOID as sigmoid
from minigrad.ops import SIGN as sign
from minigrad.ops import SIN as sin
from minigrad.ops import SQRT as sqrt
from minigrad.ops import TANH as tanh
from minigrad.ops import clamp
from minigrad.optim import SGD, Adagrad, Adam, AdamW, Optimizer, RMSprop
from minigrad.tracing import TracingError
from minigrad.transforms import (
    grad,
    hessian,
    hvp,
    jacfwd,
    jacobian,
    jacrev,
    jvp,
    value_and_grad,
    vjp,
)
from minigrad.value import GradientLostWarning, Parameter, Value

if not speed.REFERENCE:
    speed.install()

# typing is not imported at run time (it costs more than the rest of `import minigrad`);
# mypy reads the names below.
TYPE_CHECKING = False

# Loaded on first use, so `import minigrad` stays light (issue 14: the compiler needs inspect,
# nn and viz bring pathlib, random, dataclasses): `mg.nn`, `mg.compile`, ... import their module
# the first time they are read. Type checkers see ordinary imports.
_LAZY = {
    "nn": ("minigrad.nn", None),
    "lr_scheduler": ("minigrad.lr_scheduler", None),
    "compile": ("minigrad.compiler", "compile"),
    "clip_grad_norm_": ("minigrad.clip", "clip_grad_norm_"),
    "clip_grad_value_": ("minigrad.clip", "clip_grad_value_"),
    "draw_graph": ("minigrad.viz", "draw_graph"),
    "to_dot": ("minigrad.viz", "to_dot"),
}

if TYPE_CHECKING:
    from minigrad import lr_scheduler, nn
    from minigrad.clip import clip_grad_norm_, clip_grad_value_
    from minigrad.compiler import compile
    from minigrad.viz import draw_graph, to_dot


def __getattr__(name: str) -> object:
    """``mg.nn``, ``mg.compile``, ...: import the module that defines `name` on first use."""
    if name not in _LAZY:
        raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
    from importlib import import_module

    module_name, attribute = _LAZY[name]
    module = import_module(module_name)
    value = module if attribute is None else getattr(module, attribute)
    globals()[name] = value  # later reads find it directly
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "Function",
    "FunctionCtx",
    "GradcheckError",
    "GradientLostWarning",
    "Op",
    "Optimizer",
    "Parameter",
    "RMSprop",
    "TracingError",
    "Value",
    "__version__",
    "abs",
    "atan",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clamp",
    "clip_grad_norm_",
    "clip_grad_value_",
    "compile",
    "cos",
    "cross_entropy",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "exp",
    "grad",
    "gradcheck",
    "hessian",
    "huber_loss",
    "hvp",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "jacfwd",
    "jacobian",
    "jacrev",
    "jvp",
    "l1_loss",
    "log",
    "log_softmax",
    "lr_scheduler",
    "maximum",
    "minimum",
    "mse_loss",
    "nll_loss",
    "nn",
    "no_grad",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "smooth_l1_loss",
    "softmax",
    "sqrt",
    "tanh",
    "to_dot",
    "value_and_grad",
    "vjp",
]
