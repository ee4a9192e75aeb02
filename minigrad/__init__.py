"""minigrad: scalar reverse-mode automatic differentiation with a PyTorch-shaped API.

>>> import minigrad as mg
>>> a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
>>> loss = (a * 0.5 + b - 2.0) ** 2
>>> loss.backward()
>>> a.grad, b.grad  # 2·x·(ŷ − y) and 2·(ŷ − y), no longer written by hand
(-4.0, -8.0)
"""

from minigrad import nn
from minigrad.autograd import grad, value_and_grad
from minigrad.compiler import compile
from minigrad.functional import (
    abs,
    clamp,
    cos,
    exp,
    log,
    maximum,
    minimum,
    relu,
    sigmoid,
    sign,
    sin,
    sqrt,
    tanh,
)
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.losses import huber_loss, l1_loss, mse_loss
from minigrad.modes import (
    detect_anomaly,
    enable_grad,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
)
from minigrad.optim import SGD, Adam, Optimizer
from minigrad.value import Parameter, Value
from minigrad.viz import draw_graph, to_dot

__version__ = "0.1.0"

__all__ = [
    "SGD",
    "Adam",
    "GradcheckError",
    "Optimizer",
    "Parameter",
    "Value",
    "__version__",
    "abs",
    "clamp",
    "compile",
    "cos",
    "detect_anomaly",
    "draw_graph",
    "enable_grad",
    "exp",
    "grad",
    "gradcheck",
    "huber_loss",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "l1_loss",
    "log",
    "maximum",
    "minimum",
    "mse_loss",
    "nn",
    "no_grad",
    "relu",
    "sigmoid",
    "sign",
    "sin",
    "sqrt",
    "tanh",
    "to_dot",
    "value_and_grad",
]
