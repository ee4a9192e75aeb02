"""The backward walk: its order and its sums (the speed layer is held to it bit for bit in
test_speed.py)."""

import pytest

import minigrad as mg


def test_shared_nodes_wait_for_every_consumer_on_the_direct_path():
    # u is used by v and w; v's input is followed directly, so u must still wait for w.
    x = mg.Value(2.0)
    u = x * x
    v = u * 3.0
    w = u + 1.0
    (v * w).backward()
    # d/dx of 3u(u + 1) = (6u + 3)·2x with u = 4
    assert x.grad == 27.0 * 4.0
    assert u.grad == 27.0


def test_grad_of_a_function_that_returns_an_input_unchanged():
    assert mg.grad(lambda x: x)(3.0) == 1.0
    assert mg.value_and_grad(lambda x, y: y, argnums=(0, 1))(1.0, 2.0) == (2.0, (0.0, 1.0))


@pytest.mark.parametrize("walk", ["backward", "grad"])
def test_anomaly_mode_stops_both_walks_at_an_infinite_gradient(walk):
    with mg.detect_anomaly(), pytest.raises(FloatingPointError, match="sqrt backward returned inf"):
        if walk == "grad":
            mg.grad(mg.sqrt)(0.0)
        else:
            mg.sqrt(mg.Value(0.0)).backward()


@pytest.mark.parametrize(
    "op",
    [
        lambda u, v: u + 2.0,
        lambda u, v: 2.0 * u,
        lambda u, v: u - v,
        lambda u, v: u * v,
        lambda u, v: v + u,
        lambda u, v: u * 2,
        lambda u, v: u / v,
        lambda u, v: u**2,
        lambda u, v: mg.maximum(u, v),
        lambda u, v: mg.exp(u),
        lambda u, v: mg.clamp(u, 0.0, 1.0),
    ],
)
@pytest.mark.parametrize("make", [mg.Value, mg.Parameter])
def test_every_way_of_recording_a_node_makes_it_newer_than_its_inputs(op, make):
    # The walk visits nodes newest first; a node older than an input would be visited before
    # all of its gradient arrived.
    x = make(0.5)
    u = x * 1.5
    v = make(2.0)
    out = op(u, v)
    assert out.inputs.count(u) == 1
    assert all(out.sequence > i.sequence for i in out.inputs if i.__class__ is not float)
    assert x.sequence < u.sequence < out.sequence


@pytest.mark.parametrize("mode", ["plain", "no_grad", "anomaly"])
@pytest.mark.parametrize(("left_grad", "right_grad"), [(True, True), (True, False), (False, True)])
def test_value_op_value_keeps_an_input_without_grad_as_its_float(mode, left_grad, right_grad):
    a, b = mg.Value(3.0, requires_grad=left_grad), mg.Value(5.0, requires_grad=right_grad)
    modes = {"plain": mg.enable_grad, "no_grad": mg.no_grad, "anomaly": mg.detect_anomaly}
    with modes[mode]():
        out = a * b - a
    assert out.data == 12.0
    if mode == "no_grad":
        assert not out.requires_grad and out.inputs == ()
        return
    product = out.inputs[0]
    assert product.inputs == (a if left_grad else 3.0, b if right_grad else 5.0)
    out.backward()
    assert (a.grad, b.grad) == (4.0 if left_grad else None, 3.0 if right_grad else None)


def test_create_graph_fills_every_nodes_grad_as_a_plain_backward_does():
    def build():
        x = mg.Value(1.5)
        u = x * x  # an intermediate
        return x, u, mg.exp(u) * 3.0

    x, u, out = build()
    out.backward()
    plain = (x.grad, u.grad)
    x, u, out = build()
    out.backward(create_graph=True)
    assert (x.grad.data, u.grad.data) == plain
    assert x.grad.requires_grad  # a leaf's gradient can be differentiated again
    assert not u.grad.requires_grad  # an intermediate's records nothing: no reference cycle
