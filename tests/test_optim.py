"""SGD: iterates against the update rule written out by hand, validation, state_dict resume."""

import itertools
import json

import pytest

import minigrad as mg
from minigrad.rounding import fma


def loss_of(p, q):
    # A smooth, non-quadratic loss so that momentum and decay matter.
    return (p * q - 1.0) ** 2 + mg.sin(p) + 0.5 * q * q


def objective(maximize):
    # Maximizing the negated loss must retrace minimizing the loss (and stay finite).
    return (lambda p, q: -loss_of(p, q)) if maximize else loss_of


def hand_sgd(start, steps, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False,
             maximize=False):  # fmt: skip
    """PyTorch's SGD, written out from its source, gradients from mg.grad.

    Every ``x.add(y, alpha=a)`` of torch's single-tensor SGD is one rounding: fma(a, y, x).
    """
    grad = mg.grad(objective(maximize), argnums=(0, 1))
    params = list(start)
    bufs = [None, None]
    history = []
    for _ in range(steps):
        grads = list(grad(*params))
        for i in range(2):
            g = -grads[i] if maximize else grads[i]
            if weight_decay:
                g = fma(weight_decay, params[i], g)  # grad.add(param, alpha=weight_decay)
            if momentum:  # buf.mul_(momentum).add_(grad, alpha=1 - dampening)
                bufs[i] = g if bufs[i] is None else fma(1 - dampening, g, bufs[i] * momentum)
                g = fma(momentum, bufs[i], g) if nesterov else bufs[i]
            params[i] = fma(-lr, g, params[i])  # param.add_(grad, alpha=-lr)
        history.append(tuple(params))
    return history


def run_sgd(start, steps, **options):
    p, q = mg.Parameter(start[0]), mg.Parameter(start[1])
    opt = mg.SGD([p, q], **options)
    f = objective(options.get("maximize", False))
    history = []
    for _ in range(steps):
        opt.zero_grad()
        f(p, q).backward()
        opt.step()
        history.append((p.data, q.data))
    return history


OPTIONS = [
    {"lr": 0.1},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.01},
    {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
    {"lr": 0.02, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "nesterov": True, "weight_decay": 0.05},
]


@pytest.mark.parametrize(
    "options", OPTIONS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items())
)
def test_iterates_are_the_update_rule_exactly(options):
    start = (0.8, -1.3)
    iterates = run_sgd(start, 25, **options)
    assert all(abs(p) < 10 and abs(q) < 10 for p, q in iterates)  # a converging run
    assert iterates == hand_sgd(start, 25, **options)


def test_the_seed_update_is_p_minus_lr_times_grad():
    x = mg.Parameter(10.0)
    opt = mg.SGD([x], lr=1.0)
    for _ in range(3):
        expected = x.data - 1.0 * (x.data - 1) / 5
        opt.zero_grad()
        ((x - 1) ** 2 / 10).backward()
        opt.step()
        assert x.data == pytest.approx(expected, rel=1e-15)


def test_zero_grad_resets_and_step_reads_value_grads():
    x = mg.Parameter(2.0)
    opt = mg.SGD([x], lr=0.5)
    (x * x).backward(create_graph=True)
    assert isinstance(x.grad, mg.Value)
    opt.step()
    assert x.data == 2.0 - 0.5 * 4.0 and isinstance(x.data, float)
    opt.zero_grad()
    assert x.grad is None  # as PyTorch's set_to_none
    opt.step()  # no gradient: no change
    assert x.data == 0.0
    opt.zero_grad(set_to_none=False)
    assert x.grad is None  # nothing to zero


def test_param_groups_lr_can_be_changed_like_pytorch():
    x = mg.Parameter(1.0)
    opt = mg.SGD([x], lr=0.1)
    opt.param_groups[0]["lr"] = 0.5
    x.grad = 1.0
    opt.step()
    assert x.data == 0.5


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": -0.1}, "Invalid learning rate: -0.1"),
        ({"lr": float("nan")}, "Invalid learning rate: nan"),
        ({"lr": 0.1, "momentum": -0.5}, "Invalid momentum value: -0.5"),
        ({"lr": 0.1, "weight_decay": -1}, "Invalid weight_decay value: -1"),
        ({"lr": 0.1, "nesterov": True}, "Nesterov momentum requires a momentum"),
        ({"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True}, "zero dampening"),
    ],
)
def test_invalid_hyper_parameters_raise_value_error_naming_the_value(kwargs, message):
    with pytest.raises(ValueError, match=message):
        mg.SGD([mg.Parameter(1.0)], **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"lr": "0.1"}, "learning rate must be a real number"), ({"lr": 0.1, "nesterov": 1}, "bool")],
)
def test_wrongly_typed_hyper_parameters_raise_type_error(kwargs, message):
    with pytest.raises(TypeError, match=message):
        mg.SGD([mg.Parameter(1.0)], **kwargs)


@pytest.mark.parametrize(
    ("params", "error", "message"),
    [
        ([], ValueError, "empty parameter list"),
        (iter([]), ValueError, "empty parameter list"),
        ([1.0], TypeError, "parameter 0 is float 1.0, not a Value"),
        ({mg.Parameter(1.0)}, TypeError, "not a set"),
        ([mg.Parameter(1.0) * 2], ValueError, "computed from other Values"),
        ([mg.Parameter(1.0), mg.Value(1.0, requires_grad=False)], ValueError,
         "parameter 1 is a Value that does not require grad"),
        (mg.Parameter(1.0), TypeError, "iterable of Values"),
        (None, TypeError, "iterable of Values"),
    ],
)  # fmt: skip
def test_invalid_parameter_lists(params, error, message):
    with pytest.raises(error, match=message):
        mg.SGD(params, lr=0.1)


def test_duplicate_parameters_are_rejected():
    p = mg.Parameter(1.0)
    with pytest.raises(ValueError, match="more than once"):
        mg.SGD([p, p], lr=0.1)


def test_accepts_a_generator_of_parameters():
    ps = [mg.Parameter(1.0), mg.Parameter(2.0)]
    opt = mg.SGD((p for p in ps), lr=0.1)
    assert opt.param_groups[0]["params"] == ps


@pytest.mark.parametrize("options", OPTIONS[:6], ids=str)
@pytest.mark.parametrize("through_json", [False, True])
def test_resuming_from_state_dict_gives_bit_identical_iterates(options, through_json):
    start = (0.8, -1.3)
    straight = run_sgd(start, 20, **options)
    f = objective(options.get("maximize", False))

    p, q = mg.Parameter(start[0]), mg.Parameter(start[1])
    opt = mg.SGD([p, q], **options)
    for _ in range(10):
        opt.zero_grad()
        f(p, q).backward()
        opt.step()
    saved = opt.state_dict()
    if through_json:
        saved = json.loads(json.dumps(saved))
    resumed_p, resumed_q = mg.Parameter(p.data), mg.Parameter(q.data)
    resumed = mg.SGD([resumed_p, resumed_q], lr=123.0)  # hyper-parameters come from the state
    resumed.load_state_dict(saved)
    history = []
    for _ in range(10):
        resumed.zero_grad()
        f(resumed_p, resumed_q).backward()
        resumed.step()
        history.append((resumed_p.data, resumed_q.data))
    assert history == straight[10:]


def test_state_dict_is_a_copy():
    p = mg.Parameter(1.0)
    opt = mg.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    opt.step()
    saved = opt.state_dict()
    opt.step()
    assert saved["state"][0]["momentum_buffer"] == 1.0
    assert saved["param_groups"][0]["params"] == [0]


def _good_state():
    p = mg.Parameter(1.0)
    opt = mg.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    opt.step()
    return opt.state_dict()


def _broken(change):
    state = _good_state()
    change(state)
    return state


MALFORMED = {
    "not a mapping": [],
    "missing state": {"param_groups": _good_state()["param_groups"]},
    "extra key": _broken(lambda s: s.update(extra=1)),
    "two groups": _broken(lambda s: s["param_groups"].append(dict(s["param_groups"][0]))),
    "missing hyper-parameter": _broken(lambda s: s["param_groups"][0].pop("lr")),
    "negative lr": _broken(lambda s: s["param_groups"][0].update(lr=-1.0)),
    "string lr": _broken(lambda s: s["param_groups"][0].update(lr="fast")),
    "wrong parameter count": _broken(lambda s: s["param_groups"][0].update(params=[0, 1])),
    "buffer not a number": _broken(lambda s: s["state"][0].update(momentum_buffer="x")),
    "unknown buffer": _broken(lambda s: s["state"][0].update(exp_avg=1.0)),
    "index out of range": _broken(lambda s: s["state"].update({5: {"momentum_buffer": 1.0}})),
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_state_raises_and_changes_nothing(name):
    p = mg.Parameter(1.0)
    opt = mg.SGD([p], lr=0.3, momentum=0.5)
    p.grad = 2.0
    opt.step()
    before = opt.state_dict()
    with pytest.raises(ValueError, match="invalid optimizer state"):
        opt.load_state_dict(MALFORMED[name])
    assert opt.state_dict() == before


def test_every_option_combination_is_validated_consistently():
    # nesterov is the only option whose validity depends on the others.
    for momentum, dampening, nesterov in itertools.product([0.0, 0.9], [0.0, 0.2], [False, True]):
        valid = not nesterov or (momentum > 0 and dampening == 0)
        kwargs = {"momentum": momentum, "dampening": dampening, "nesterov": nesterov}
        if valid:
            mg.SGD([mg.Parameter(1.0)], lr=0.1, **kwargs)
        else:
            with pytest.raises(ValueError):
                mg.SGD([mg.Parameter(1.0)], lr=0.1, **kwargs)
