"""PyTorch's optimizer interface: parameter groups, state by parameter, closures, None grads."""

import json
import math

import pytest

import minigrad as mg

OPTIMIZERS = [mg.SGD, mg.Adam, mg.AdamW, mg.RMSprop, mg.Adagrad]


@pytest.mark.parametrize("cls", OPTIMIZERS, ids=lambda c: c.__name__)
def test_a_parameter_no_backward_reached_is_left_untouched(cls):
    # The case: weight decay used to move a parameter whose gradient was 0.0 by default.
    used, unused = mg.Parameter(1.0), mg.Parameter(2.0)
    options = {"weight_decay": 0.5} if cls is not mg.AdamW else {}
    if cls is mg.SGD:
        options["momentum"] = 0.9
    opt = cls([used, unused], lr=0.1, **options)
    for _ in range(3):
        opt.zero_grad()
        (used * 3.0).backward()
        opt.step()
    assert unused.data == 2.0 and unused.grad is None
    assert used.data != 1.0
    if cls is not mg.Adagrad:  # Adagrad, as PyTorch's, has every parameter's state at once
        assert unused not in opt.state
    else:
        assert opt.state[unused]["step"] == 0.0


def test_groups_have_their_own_options_and_the_rest_from_the_defaults():
    a, b = mg.Parameter(1.0), mg.Parameter(1.0)
    opt = mg.SGD([{"params": [a]}, {"params": [b], "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.0, 0.9]
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (0.9, 0.5)
    assert set(opt.state) == {b}  # only the group with momentum keeps a buffer


def test_add_param_group_checks_and_fills_defaults():
    a, b = mg.Parameter(1.0), mg.Parameter(1.0)
    opt = mg.Adam([a], lr=0.01)
    opt.add_param_group({"params": b, "betas": (0.5, 0.9)})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["betas"] == (0.5, 0.9)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match='no "params"'):
        opt.add_param_group({"lr": 0.1})
    with pytest.raises(TypeError, match="must be a dict"):
        opt.add_param_group([mg.Parameter(1.0)])
    with pytest.raises(ValueError, match="Invalid learning rate"):
        opt.add_param_group({"params": [mg.Parameter(1.0)], "lr": -1.0})
    assert len(opt.param_groups) == 2  # the refused groups were not added


def test_replacing_a_groups_params_takes_effect():
    # The issue: a replaced opt.param_groups[0]["params"] used to be ignored silently.
    a, b = mg.Parameter(1.0), mg.Parameter(1.0)
    opt = mg.SGD([a], lr=0.5)
    opt.param_groups[0]["params"] = [b]
    a.grad = b.grad = 1.0
    opt.step()
    assert (a.data, b.data) == (1.0, 0.5)


def test_step_runs_the_closure_with_grad_on_and_returns_its_loss():
    x = mg.Parameter(3.0)
    opt = mg.SGD([x], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (x - 1.0) ** 2
        loss.backward()
        return loss

    with mg.no_grad():
        loss = opt.step(closure)
    assert loss.data == 4.0 and x.data == 3.0 - 0.1 * 4.0
    assert opt.step() is None


def test_state_is_keyed_by_the_parameter_and_state_dict_numbers_them_across_groups():
    a, b, c = mg.Parameter(1.0), mg.Parameter(2.0), mg.Parameter(3.0)
    opt = mg.Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}])
    for p in (a, b, c):
        p.grad = 1.0
    opt.step()
    assert set(opt.state) == {a, b, c} and opt.state[c]["step"] == 1.0
    saved = opt.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0, 1], [2]]
    assert sorted(saved["state"]) == [0, 1, 2]
    assert json.loads(json.dumps(saved))["param_groups"][1]["lr"] == 0.5


def test_load_state_dict_restores_every_group_and_checks_their_sizes():
    a, b = mg.Parameter(1.0), mg.Parameter(2.0)
    opt = mg.SGD([{"params": [a]}, {"params": [b], "lr": 0.2}], lr=0.1, momentum=0.5)
    a.grad = b.grad = 1.0
    opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))
    other = mg.SGD([{"params": [a]}, {"params": [b]}], lr=0.3, momentum=0.5)
    other.load_state_dict(saved)
    assert [g["lr"] for g in other.param_groups] == [0.1, 0.2]
    assert other.state[b]["momentum_buffer"] == 1.0
    wrong = mg.SGD([a, b], lr=0.1, momentum=0.5)
    with pytest.raises(ValueError, match="list of 1 group"):
        wrong.load_state_dict(saved)


@pytest.mark.parametrize(
    ("cls", "buffer"),
    [(mg.Adam, "exp_avg_sq"), (mg.RMSprop, "square_avg"), (mg.Adagrad, "sum")],
)
def test_negative_second_moments_are_refused_with_the_name(cls, buffer):
    # The issue: a negative exp_avg_sq loaded, and step() then failed with "math domain error".
    p = mg.Parameter(1.0)
    opt = cls([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    saved = json.loads(json.dumps(opt.state_dict()))
    saved["state"]["0"][buffer] = -0.5
    before = opt.state_dict()
    with pytest.raises(ValueError, match=f"{buffer} is -0.5"):
        opt.load_state_dict(saved)
    assert opt.state_dict() == before


def test_huge_numbers_in_a_state_are_refused():
    p = mg.Parameter(1.0)
    opt = mg.SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    opt.step()
    saved = opt.state_dict()
    saved["state"][0]["momentum_buffer"] = 10**400
    with pytest.raises(ValueError, match="momentum_buffer"):
        opt.load_state_dict(saved)
    saved["state"][0]["momentum_buffer"] = True
    with pytest.raises(ValueError, match="must be a number; got bool"):
        opt.load_state_dict(saved)


@pytest.mark.parametrize(
    ("cls", "kwargs", "error", "message"),
    [
        (mg.AdamW, {"weight_decay": -0.1}, ValueError, "Invalid weight_decay value"),
        (mg.AdamW, {"betas": (1.0, 0.9)}, ValueError, "beta parameter at index 0"),
        (mg.RMSprop, {"alpha": -0.5}, ValueError, "Invalid alpha value"),
        (mg.RMSprop, {"centered": "yes"}, TypeError, "centered must be a bool"),
        (mg.RMSprop, {"momentum": math.nan}, ValueError, "Invalid momentum value"),
        (mg.Adagrad, {"lr_decay": -1.0}, ValueError, "Invalid lr_decay value"),
        (mg.Adagrad, {"initial_accumulator_value": -1.0}, ValueError, "initial_accumulator"),
        (mg.Adagrad, {"eps": "small"}, TypeError, "epsilon value must be a real number"),
    ],
)
def test_bad_options_say_what_was_given(cls, kwargs, error, message):
    with pytest.raises(error, match=message):
        cls([mg.Parameter(1.0)], **kwargs)


def test_defaults_are_pytorchs():
    p = mg.Parameter(1.0)

    def options(opt):
        return {k: v for k, v in opt.param_groups[0].items() if k != "params"}

    assert options(mg.SGD([p]))["lr"] == 1e-3
    assert options(mg.AdamW([p]))["weight_decay"] == 1e-2
    assert options(mg.RMSprop([p])) == {
        "lr": 1e-2, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
        "centered": False, "maximize": False,
    }  # fmt: skip
    assert options(mg.Adagrad([p])) == {
        "lr": 1e-2, "lr_decay": 0.0, "weight_decay": 0.0, "initial_accumulator_value": 0.0,
        "eps": 1e-10, "maximize": False,
    }  # fmt: skip


def test_zero_grad_to_zero_keeps_none_as_none():
    a, b = mg.Parameter(1.0), mg.Parameter(1.0)
    opt = mg.SGD([a, b], lr=0.1)
    (a * 2.0).backward()
    opt.zero_grad(set_to_none=False)
    assert (a.grad, b.grad) == (0.0, None)
