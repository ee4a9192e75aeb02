"""Gradient hooks (Value.register_hook) and retain_grad, as in PyTorch."""

import gc
import math

import pytest

import minigrad as mg
from minigrad import hooks


def test_a_hook_changes_the_gradient_in_flight_and_the_leaves_see_it():
    x = mg.Value(3.0)
    y = x * x
    z = y * 2.0
    seen = []
    handle = y.register_hook(lambda g: seen.append(g) or g * 10)
    z.backward()
    assert seen == [2.0]  # dz/dy, once y's gradient is complete
    assert y.grad == 20.0  # the replacement goes into .grad ...
    assert x.grad == 20.0 * 2 * 3.0  # ... and flows on to the inputs
    handle.remove()
    x.grad = y.grad = 0.0
    z.backward()
    assert (y.grad, x.grad) == (2.0, 12.0)


def test_hooks_on_a_leaf_and_on_a_shared_node_see_the_complete_gradient():
    x = mg.Value(2.0)
    u = x * 3.0
    seen = []
    u.register_hook(seen.append)  # returns None: keeps the gradient
    x.register_hook(lambda g: -g)
    (u * u + u).backward()
    assert seen == [2 * 6.0 + 1]  # both consumers' parts, summed, before the hook runs
    assert x.grad == -(13.0 * 3.0)


def test_hooks_run_in_order_each_on_the_previous_result():
    x = mg.Value(1.0)
    x.register_hook(lambda g: g + 1)
    x.register_hook(lambda g: g * 10)
    (x * 1.0).backward()
    assert x.grad == 20.0


def test_remove_twice_and_after_the_value_is_gone():
    x = mg.Value(1.0)
    handle = x.register_hook(lambda g: 0.0)
    handle.remove()
    handle.remove()
    del x
    handle.remove()
    assert not hooks.active()


def test_hooks_run_in_grad_and_under_create_graph():
    w = mg.Parameter(2.0)
    w.register_hook(lambda g: g * 0.5)
    # mg.grad of a closed-over Parameter is not returned, but an input's hook runs:
    seen = []

    def f(x):
        x.register_hook(seen.append)
        return x * x * w

    assert mg.grad(f)(3.0) == 12.0
    assert seen == [12.0]
    x = mg.Value(3.0)
    x.register_hook(lambda g: g * 2)
    (x * x * x).backward(create_graph=True)
    assert isinstance(x.grad, mg.Value) and x.grad.data == 54.0
    x.grad.backward()  # the hook's product is part of the graph: d/dx 2·3x² = 12x
    assert x.grad.data == 54.0 + 2 * 36.0  # the second pass runs the hook too


def test_with_a_hook_anywhere_backward_still_gives_the_fast_paths_bits():
    def loss(a, b):
        return (a * 0.3 + b - 1.7) ** 2 * mg.exp(a) + mg.maximum(a, b)

    a, b = mg.Value(0.4), mg.Value(-1.1)
    loss(a, b).backward()
    fast = (a.grad, b.grad)
    other = mg.Value(5.0)
    handle = other.register_hook(lambda g: g)  # a hook elsewhere: backward takes the walk
    assert hooks.active()
    a, b = mg.Value(0.4), mg.Value(-1.1)
    loss(a, b).backward()
    assert (a.grad, b.grad) == fast
    handle.remove()


def test_no_reference_cycle():
    while gc.collect():  # what earlier tests left (a collection can free more the next time)
        pass
    gc.disable()
    try:
        x = mg.Value(1.0)
        y = x * 2.0
        y.register_hook(lambda g: g * 2)
        y.backward()
        del x, y
        assert gc.collect() == 0
        assert not hooks.active()  # the table forgets a Value that is gone
    finally:
        gc.enable()


def test_hooks_are_not_compiled():
    def f(x):
        x.register_hook(lambda g: g)
        return x * x

    with pytest.raises(mg.TracingError, match="register_hook"):
        mg.compile(f)(1.0)


@pytest.mark.parametrize(
    ("make", "hook", "error", "message"),
    [
        (lambda: mg.Value(1.0), 3.0, TypeError, "hook must be callable; got float"),
        (lambda: mg.Value(1.0, requires_grad=False), abs, RuntimeError, "does not require grad"),
    ],
)
def test_bad_hooks(make, hook, error, message):
    with pytest.raises(error, match=message):
        make().register_hook(hook)


def test_a_hook_that_returns_a_non_number():
    x = mg.Value(1.0)
    x.register_hook(lambda g: "a lot")
    with pytest.raises(TypeError, match="returned must be a real number"):
        (x * 2.0).backward()


def test_retain_grad_is_accepted_and_every_value_retains_its_grad():
    x = mg.Value(2.0)
    y = x * x
    assert y.retain_grad() is None
    y.backward()
    assert y.retains_grad and y.grad == 1.0 and x.grad == 4.0
    assert not mg.Value(1.0, requires_grad=False).retains_grad
    assert math.isfinite(x.grad)
