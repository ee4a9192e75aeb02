"""softmax, log_softmax, cross_entropy, nll_loss, the binary cross entropies, exact huber and
smooth L1: meaning, edge points, errors, gradient checks, second derivatives; nn activations."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn

finite = st.floats(-30.0, 30.0, allow_nan=False)


def test_cross_entropy_is_nll_of_log_softmax_and_softmax_minus_one_hot():
    x = [mg.Parameter(v) for v in (0.3, -1.2, 2.0)]
    loss = mg.cross_entropy(x, 2)
    assert loss.data == mg.nll_loss(mg.log_softmax(x), 2).data
    loss.backward()
    p = [s.data for s in mg.softmax([0.3, -1.2, 2.0])]
    assert [v.grad for v in x] == pytest.approx([p[0], p[1], p[2] - 1.0], rel=1e-15)


def test_probability_targets_need_not_sum_to_one_and_reductions():
    rows = [[1.0, 2.0], [0.5, -0.5]]
    each = mg.cross_entropy(rows, [[2.0, 0.0], [0.1, 0.1]], reduction="none")
    assert len(each) == 2
    lp = [[v.data for v in mg.log_softmax(r)] for r in rows]
    assert each[0].data == pytest.approx(-2.0 * lp[0][0], rel=1e-15)
    assert each[1].data == pytest.approx(-0.1 * (lp[1][0] + lp[1][1]), rel=1e-15)
    total = mg.cross_entropy(rows, [[2.0, 0.0], [0.1, 0.1]], reduction="sum").data
    mean = mg.cross_entropy(rows, [[2.0, 0.0], [0.1, 0.1]]).data
    assert total == pytest.approx(each[0].data + each[1].data, rel=1e-15)
    assert mean == pytest.approx(total / 2, rel=1e-15)


def test_huge_infinite_and_nan_logits():
    assert [v.data for v in mg.log_softmax([1e308, -1e308])] == [0.0, -math.inf]
    assert [v.data for v in mg.softmax([1e308, 1e308])] == [0.5, 0.5]  # a tie, no overflow
    assert mg.cross_entropy([-math.inf, 0.0], 1).data == 0.0
    assert math.isnan(mg.cross_entropy([math.nan, 0.0], 1).data)
    assert all(math.isnan(v.data) for v in mg.log_softmax([-math.inf, -math.inf]))
    x = mg.Parameter(0.0)
    mg.cross_entropy([x], 0).backward()  # one class: loss 0, gradient 0
    assert x.grad == 0.0


def test_ignore_index_and_weights():
    rows = [[1.0, 2.0], [3.0, 0.0], [0.0, 0.0]]
    assert math.isnan(mg.cross_entropy(rows, [-100, -100, -100]).data)  # 0/0, as PyTorch
    weighted = mg.nll_loss(rows, [0, 1, -100], weight=[2.0, 0.5]).data
    assert weighted == pytest.approx((-2.0 * 1.0 - 0.5 * 0.0) / 2.5, rel=1e-15)


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (lambda: mg.cross_entropy([], 0), ValueError, "logits is empty"),
        (lambda: mg.softmax([]), ValueError, "xs is empty"),
        (lambda: mg.cross_entropy([1.0, 2.0], 2), IndexError, "target 2 is out of bounds"),
        (lambda: mg.cross_entropy([[1.0], [2.0]], [0, -1]), IndexError, "target -1 is out"),
        (lambda: mg.cross_entropy([1.0, 2.0], 1.0), TypeError, "class index target must be"),
        (lambda: mg.cross_entropy([[1.0, 2.0], [1.0]], [0, 0]), ValueError, "differ in length"),
        (lambda: mg.cross_entropy([[1.0, 2.0]], [0, 1]), ValueError, "1 rows of scores but 2"),
        (lambda: mg.cross_entropy([1.0], 0, label_smoothing=1.5), ValueError, "between 0.0"),
        (lambda: mg.cross_entropy([1.0], 0, reduction="max"), ValueError, "reduction must"),
        (lambda: mg.nll_loss([1.0, 2.0], [0.5, 0.5]), TypeError, "class indices"),
        (lambda: mg.binary_cross_entropy(1.5, 1.0), ValueError, "between 0 and 1; got 1.5"),
        (lambda: mg.binary_cross_entropy(math.nan, 1.0), ValueError, "between 0 and 1"),
        (lambda: mg.smooth_l1_loss(1.0, 0.0, beta=-1.0), ValueError, "non-negative"),
        (lambda: mg.softmax(["a"]), TypeError, "real number"),
    ],
)
def test_clear_errors(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_binary_cross_entropy_clamps_the_log_and_logits_do_not_overflow():
    assert mg.binary_cross_entropy(0.0, 1.0).data == 100.0
    assert mg.binary_cross_entropy_with_logits(-1000.0, 1.0).data == 1000.0
    assert mg.binary_cross_entropy_with_logits(1000.0, 1.0).data == 0.0
    x = mg.Parameter(0.0)
    mg.binary_cross_entropy_with_logits(x, 1.0, pos_weight=3.0).backward()
    assert x.grad == (4.0 - 1.0) * 0.5 - 3.0  # ((w·y + 1 − y)·σ(x) − w·y)


@pytest.mark.parametrize(
    ("d", "delta", "grad"),
    [(1e-17, 1.0, 1e-17), (0.1, 1.0, 0.1), (0.5, 1e16, 0.5), (0.5, math.inf, 0.5), (3.0, 1.0, 1.0)],
)
def test_huber_gradient_is_exact(d, delta, grad):
    p = mg.Parameter(d)
    mg.huber_loss(p, 0.0, delta=delta).backward()
    assert p.grad == grad


def test_smooth_l1_with_beta_zero_is_l1():
    for d in (-2.0, 0.0, 0.5):
        p, q = mg.Parameter(d), mg.Parameter(d)
        mg.smooth_l1_loss(p, 0.0, beta=0.0).backward()
        mg.l1_loss(q, 0.0).backward()
        assert (p.grad, mg.smooth_l1_loss(d, 0.0, beta=0.0).data) == (q.grad, abs(d))


def test_second_derivatives():
    assert mg.grad(mg.grad(lambda x: mg.huber_loss(x, 0.0)))(0.3) == 1.0
    assert mg.grad(mg.grad(lambda x: mg.huber_loss(x, 0.0)))(3.0) == 0.0
    assert mg.grad(mg.grad(lambda x: mg.smooth_l1_loss(x, 0.0, beta=2.0)))(0.3) == 0.5
    s = 1 / (1 + math.exp(-0.7))
    d2 = mg.grad(mg.grad(lambda x: mg.binary_cross_entropy_with_logits(x, 1.0)))(0.7)
    assert d2 == pytest.approx(s * (1 - s), rel=1e-14)
    d2 = mg.grad(mg.grad(lambda a: mg.cross_entropy([a, 0.0], 1)))(0.7)
    assert d2 == pytest.approx(s * (1 - s), rel=1e-14)  # softmax of two is σ(a − b)


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=5), st.data())
def test_gradcheck_on_random_logits(logits, data):
    target = data.draw(st.integers(0, len(logits) - 1))
    smoothing = data.draw(st.sampled_from([0.0, 0.2]))
    weight = data.draw(st.sampled_from([None, [0.5 + i for i in range(len(logits))]]))

    def ce(*xs):
        return mg.cross_entropy(list(xs), target, label_smoothing=smoothing, weight=weight)

    def picked(*xs):  # two softmax outputs carry gradient
        out = mg.softmax(list(xs))
        return out[target] * 2.0 - mg.log_softmax(list(xs))[0]

    assert mg.gradcheck(ce, logits)
    assert mg.gradcheck(picked, logits)
    assert mg.gradcheck(mg.grad(ce), logits)


# --- nn: an activation per layer ---------------------------------------------------------------


def test_activations_by_name_and_function():
    for name, f in [("tanh", math.tanh), ("sigmoid", lambda z: 1 / (1 + math.exp(-z)))]:
        n = nn.Neuron(1, activation=name)
        n.load_state_dict({"w.0": 2.0, "b": -0.5})
        assert n(0.4).item() == pytest.approx(f(0.3), rel=1e-15)
    n = nn.Neuron(1, activation=mg.sin)
    n.load_state_dict({"w.0": 1.0, "b": 0.0})
    assert n(0.5).item() == math.sin(0.5)
    assert repr(n) == "Neuron(nin=1, activation=sin)"
    assert nn.Neuron(2, activation="linear").nonlin is False


def test_mlp_activation_for_hidden_layers_or_per_layer():
    model = nn.MLP(2, [3, 3, 1], activation="tanh", rng=0)
    assert [layer.neurons[0].activation for layer in model.layers] == ["tanh", "tanh", "identity"]
    per = nn.MLP(2, [3, 1], activation=["sigmoid", "sigmoid"], rng=0)
    assert 0.0 < per([0.1, 0.2]).item() < 1.0
    assert repr(per) == "MLP(nin=2, nouts=[3, 1], activation=['sigmoid', 'sigmoid'])"
    assert nn.MLP(2, [3, 1], rng=0).state_dict() == per.state_dict()  # same names and draws


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.Neuron(2, activation="gelu"), ValueError, "'relu', 'tanh', 'sigmoid'"),
        (lambda: nn.Neuron(2, activation=3), TypeError, "activation must be a name"),
        (lambda: nn.Neuron(2, nonlin=False, activation="tanh"), ValueError, "nonlin=False"),
        (lambda: nn.MLP(2, [3, 1], activation=["tanh"]), ValueError, "one activation per layer"),
    ],
)
def test_bad_activations(build, error, message):
    with pytest.raises(error, match=message):
        build()


def test_a_saved_model_loads_into_a_model_with_activations(tmp_path):
    old = nn.MLP(2, [4, 1], rng=1)
    nn.save(old, tmp_path / "m.json")
    new = nn.MLP(2, [4, 1], activation="relu", rng=9)
    nn.load(new, tmp_path / "m.json")
    assert new([0.3, 0.1]).item() == old([0.3, 0.1]).item()


def test_the_bce_floor_is_pytorchs_1e_12_stored_as_a_float32():
    import struct

    from minigrad.losses import EPSILON

    assert struct.unpack("f", struct.pack("f", 1e-12))[0] == EPSILON
