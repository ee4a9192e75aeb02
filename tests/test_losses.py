"""mse_loss, l1_loss, huber_loss: values, gradients, reductions and bad input."""

import numpy as np
import pytest

import minigrad as mg


def test_mse_pair_gives_the_seeds_hand_derived_gradients():
    a, b = mg.Parameter(-2.0), mg.Parameter(-1.0)
    x, y = 0.7, 2.1
    loss = mg.mse_loss(a * x + b, y)
    loss.backward()
    y_pred = -2.0 * x - 1.0
    assert loss.data == (y_pred - y) ** 2
    assert (a.grad, b.grad) == (2 * x * (y_pred - y), 2 * (y_pred - y))


def test_sequences_are_averaged():
    preds = [mg.Value(1.0), mg.Value(2.0), mg.Value(-1.0)]
    targets = [0.0, 2.5, 1.0]
    loss = mg.mse_loss(preds, targets)
    assert loss.data == pytest.approx((1 + 0.25 + 4) / 3)
    loss.backward()
    assert [p.grad for p in preds] == pytest.approx([2 * 1 / 3, 2 * -0.5 / 3, 2 * -2 / 3])
    assert mg.l1_loss(preds, targets).data == pytest.approx((1 + 0.5 + 2) / 3)


def test_reductions():
    preds, targets = [1.0, 3.0], np.array([0.0, 0.0])
    assert mg.mse_loss(preds, targets, reduction="sum").data == 10.0
    assert [v.data for v in mg.mse_loss(preds, targets, reduction="none")] == [1.0, 9.0]
    with pytest.raises(ValueError, match="reduction must be"):
        mg.mse_loss(preds, targets, reduction="max")


def test_l1_gradient_is_the_sign_and_zero_at_zero():
    for x, expected in [(3.0, 1.0), (-2.0, -1.0), (1.5, 0.0)]:
        p = mg.Value(x)
        mg.l1_loss(p, 1.5).backward()
        assert p.grad == expected


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("d", [-3.0, -1.0, -0.2, 0.0, 0.3, 0.5, 1.0, 2.0, 4.0])
def test_huber_matches_its_definition_and_gradient(d, delta):
    p = mg.Value(d)
    loss = mg.huber_loss(p, 0.0, delta=delta)
    loss.backward()
    expected = 0.5 * d * d if abs(d) <= delta else delta * (abs(d) - 0.5 * delta)
    expected_grad = d if abs(d) <= delta else delta * np.sign(d)
    assert loss.data == pytest.approx(expected, rel=1e-15)
    assert p.grad == pytest.approx(expected_grad, rel=1e-15)


def test_outlier_pull_ranks_mse_above_huber_above_l1():
    # The gradient one outlier sends: mse grows with the residual, huber and l1 are capped.
    grads = {}
    for name, loss in [("mse", mg.mse_loss), ("huber", mg.huber_loss), ("l1", mg.l1_loss)]:
        p = mg.Value(10.0)
        loss(p, 0.0).backward()
        grads[name] = p.grad
    assert grads["mse"] > grads["huber"] >= grads["l1"] > 0


@pytest.mark.parametrize("loss", [mg.mse_loss, mg.l1_loss, mg.huber_loss])
def test_bad_inputs(loss):
    with pytest.raises(ValueError, match="different lengths"):
        loss([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="empty"):
        loss([], [])
    with pytest.raises(TypeError, match="both be scalars or both be sequences"):
        loss([1.0], 1.0)
    with pytest.raises(TypeError, match="real number"):
        loss("1.0", 1.0)


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan")])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(ValueError, match="delta must be a positive number"):
        mg.huber_loss(1.0, 0.0, delta=delta)


@pytest.mark.parametrize("delta", ["1", None, 1j])
def test_huber_delta_must_be_a_number(delta):
    with pytest.raises(TypeError, match="delta must be a real number"):
        mg.huber_loss(1.0, 0.0, delta=delta)


def test_number_pairs_give_a_value():
    out = mg.mse_loss(3.0, 1.0)
    assert isinstance(out, mg.Value) and out.data == 4.0 and not out.requires_grad
