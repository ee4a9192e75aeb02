"""minigrad.nn: parameter discovery and names, shapes, forward math, state dicts and files."""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
from minigrad import nn


def relu(z: float) -> float:
    return z if z > 0 else 0.0


def reference_mlp(state: dict[str, float], sizes: list[int], x: list[float]) -> list[float]:
    """The MLP's forward pass on floats, from its state dict (micrograd's shapes)."""
    for i, nout in enumerate(sizes):
        last = i == len(sizes) - 1
        out = []
        for j in range(nout):
            prefix = f"layers.{i}.neurons.{j}."
            z = state[prefix + "b"]
            for k, xk in enumerate(x):
                z = z + state[f"{prefix}w.{k}"] * xk
            out.append(z if last else relu(z))
        x = out
    return x


# --- parameters: which, in what order, under which names ----------------------------------------


def test_mlp_parameter_count_order_and_names() -> None:
    model = nn.MLP(2, [16, 16, 1], rng=0)
    named = list(model.named_parameters())
    assert len(named) == (2 * 16 + 16) + (16 * 16 + 16) + (16 + 1)
    names = [name for name, _ in named]
    assert names[:4] == [
        "layers.0.neurons.0.w.0",
        "layers.0.neurons.0.w.1",
        "layers.0.neurons.0.b",
        "layers.0.neurons.1.w.0",
    ]
    assert names[3 * 3 + 1] == "layers.0.neurons.3.w.1"
    assert names[-1] == "layers.2.neurons.0.b"
    assert len(set(names)) == len(names)
    # Each Parameter carries its dotted name, and parameters() is the same order.
    assert [p.name for p in model.parameters()] == names
    assert all(isinstance(p, mg.Parameter) for p in model.parameters())


def test_module_walk_follows_attribute_definition_order() -> None:
    class Block(nn.Module):
        def __init__(self) -> None:
            self.z = mg.Parameter(1.0)
            self.a = mg.Parameter(2.0)

    class Net(nn.Module):
        def __init__(self) -> None:
            self.second_defined_first = mg.Parameter(0.0)
            self.blocks = [Block(), (mg.Parameter(3.0), Block())]
            self.table = {"k": mg.Parameter(4.0)}
            self.constant = mg.Value(5.0)  # a plain Value is not a parameter
            self._hidden = mg.Parameter(6.0)  # private attributes are skipped
            self.number = 7.0

    net = Net()
    assert [name for name, _ in net.named_parameters()] == [
        "second_defined_first",
        "blocks.0.z",
        "blocks.0.a",
        "blocks.1.0",
        "blocks.1.1.z",
        "blocks.1.1.a",
        "table.k",
    ]


def test_shared_parameter_is_listed_once_and_cycles_terminate() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            self.w = mg.Parameter(1.0)
            self.again = [self.w]
            self.me = self  # a reference back must not loop

    assert [name for name, _ in Net().named_parameters()] == ["w"]
    opt = mg.SGD(Net().parameters(), lr=0.1)  # no "appears more than once" error
    assert len(opt.param_groups[0]["params"]) == 1


def test_zero_grad_resets_every_parameter() -> None:
    model = nn.MLP(3, [4, 2], rng=1)
    out = model([1.0, 2.0, 3.0])
    (out[0] + out[1] * 2).backward()
    assert any(p.grad not in (None, 0.0) for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())  # no gradient, as PyTorch


def test_module_without_forward_says_so() -> None:
    class Empty(nn.Module):
        pass

    with pytest.raises(NotImplementedError, match="Empty does not define forward"):
        Empty()(1.0)


# --- forward: micrograd's shapes and math -------------------------------------------------------


def test_neuron_is_relu_of_affine_and_linear_without_nonlin() -> None:
    neuron = nn.Neuron(3, rng=4)
    w = [p.data for p in neuron.w]
    x = [0.5, -2.0, 3.0]
    z = neuron.b.data + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]
    assert neuron(x).item() == relu(z)
    linear = nn.Neuron(3, nonlin=False)
    linear.load_state_dict({"w.0": 1.0, "w.1": 2.0, "w.2": 3.0, "b": -20.0})
    assert linear(x).item() == -20.0 + 0.5 - 4.0 + 9.0  # negative: no ReLU applied
    assert nn.Neuron(3, nonlin=True, rng=0).nonlin is True


@pytest.mark.parametrize("sizes", [[1], [3], [4, 1], [16, 1, 1], [5, 4, 3], [2, 3, 2, 1]])
def test_mlp_forward_matches_a_float_reference(sizes: list[int]) -> None:
    model = nn.MLP(2, sizes, rng=7)
    x = [0.3, -1.7]
    out = model(x)
    expected = reference_mlp(model.state_dict(), sizes, x)
    if sizes[-1] == 1:
        assert isinstance(out, mg.Value)  # one output: a Value, not a list of one
        assert out.item() == expected[0]
    else:
        assert isinstance(out, list)
        assert [v.item() for v in out] == expected


def test_one_neuron_layers_chain_and_backpropagate() -> None:
    # micrograd's crash: a layer of one neuron returns a Value that the next layer must take.
    model = nn.MLP(2, [16, 1, 1], rng=3)
    out = model([0.5, -1.0])
    assert isinstance(out, mg.Value)
    out.backward()
    assert model.layers[2].neurons[0].b.grad == 1.0
    assert isinstance(nn.Layer(3, 1)([1.0, 2.0, 3.0]), mg.Value)
    assert len(nn.Layer(3, 2)([1.0, 2.0, 3.0])) == 2


def test_layer_kwargs_reach_its_neurons() -> None:
    layer = nn.Layer(2, 3, nonlin=False, rng=0)
    assert all(not n.nonlin for n in layer.neurons)
    assert [p.name for p in layer.parameters()][:3] == [
        "neurons.0.w.0",
        "neurons.0.w.1",
        "neurons.0.b",
    ]


@settings(max_examples=25, deadline=None)
@given(
    x=st.lists(st.floats(-3, 3), min_size=2, max_size=2),
    seed=st.integers(0, 10_000),
)
def test_mlp_gradients_match_finite_differences(x: list[float], seed: int) -> None:
    model = nn.MLP(2, [3, 2, 1], rng=seed)
    out = model(x)
    out.backward()
    state = model.state_dict()
    for name, p in model.named_parameters():
        h = 1e-6
        up, down = dict(state), dict(state)
        up[name] += h
        down[name] -= h
        # Away from ReLU kinks the network is linear in each weight, so differences are exact-ish.
        f_up = reference_mlp(up, [3, 2, 1], x)[0]
        f_down = reference_mlp(down, [3, 2, 1], x)[0]
        numeric = (f_up - f_down) / (2 * h)
        pre_kink = any(abs(v) < 1e-4 for v in _pre_activations(state, x))
        if not pre_kink:
            assert p.grad == pytest.approx(numeric, rel=1e-6, abs=1e-6), name


def _pre_activations(state: dict[str, float], x: list[float]) -> list[float]:
    values = []
    for i, nout in enumerate([3, 2]):
        out = []
        for j in range(nout):
            z = state[f"layers.{i}.neurons.{j}.b"]
            for k, xk in enumerate(x):
                z += state[f"layers.{i}.neurons.{j}.w.{k}"] * xk
            values.append(z)
            out.append(relu(z))
        x = out
    return values


def test_inputs_of_the_wrong_length_say_expected_and_got() -> None:
    model = nn.MLP(2, [3, 1])
    with pytest.raises(ValueError, match=r"expected 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"expected 2 inputs, got 1"):
        model(1.0)
    with pytest.raises(ValueError, match=r"ReLUNeuron\(nin=3\) expected 3 inputs, got 2"):
        nn.Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match=r"Layer\(nin=2, nout=4, ReLU\) expected 2 inputs, got 0"):
        nn.Layer(2, 4)([])
    with pytest.raises(TypeError, match="takes a list of 2 inputs"):
        model("ab")


def test_single_input_networks_take_a_number_or_a_list() -> None:
    model = nn.MLP(1, [4, 1], rng=2)
    assert model(0.5).item() == model([0.5]).item() == model((mg.Value(0.5),)).item()


def test_numpy_inputs_work() -> None:
    import numpy as np  # a dev dependency; minigrad itself never imports it

    model = nn.MLP(2, [3, 1], rng=2)
    assert model(np.array([0.5, -1.0])).item() == model([0.5, -1.0]).item()
    single = nn.MLP(1, [2, 1], rng=2)
    assert single(np.array(0.5)).item() == single(np.float64(0.5)).item() == single(0.5).item()
    with pytest.raises(ValueError, match="expected 2 inputs, got 1"):
        model(np.array(0.5))


@pytest.mark.parametrize(
    ("build", "error", "message"),
    [
        (lambda: nn.Neuron(0), ValueError, "nin must be at least 1; got 0"),
        (lambda: nn.Neuron(2.0), TypeError, "nin must be an int; got float"),  # type: ignore[arg-type]
        (lambda: nn.Neuron(True), TypeError, "nin must be an int; got bool"),
        (lambda: nn.Neuron(2, nonlin=1), TypeError, "nonlin must be a bool"),  # type: ignore[arg-type]
        (lambda: nn.Neuron(2, rng="seed"), TypeError, "rng must be a random.Random, an int"),  # type: ignore[arg-type]
        (lambda: nn.Layer(2, 0), ValueError, "nout must be at least 1"),
        (lambda: nn.MLP(2, []), ValueError, "at least one layer size"),
        (lambda: nn.MLP(2, 16), TypeError, "nouts must be a list of layer sizes"),  # type: ignore[arg-type]
        (lambda: nn.MLP(2, [16, -1]), ValueError, "each layer size in nouts must be at least 1"),
        (lambda: nn.manual_seed(1.5), TypeError, "seed must be an int"),  # type: ignore[arg-type]
    ],
)
def test_bad_constructor_arguments(build: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        build()  # type: ignore[operator]


def test_initialisation_is_reproducible_and_micrograd_like() -> None:
    assert nn.MLP(2, [8, 1], rng=5).state_dict() == nn.MLP(2, [8, 1], rng=5).state_dict()
    assert nn.MLP(2, [8, 1], rng=5).state_dict() != nn.MLP(2, [8, 1], rng=6).state_dict()
    a = nn.MLP(2, [8, 1], rng=random.Random(5)).state_dict()
    assert a == nn.MLP(2, [8, 1], rng=5).state_dict()
    nn.manual_seed(11)
    b = nn.MLP(2, [8, 1]).state_dict()
    nn.manual_seed(11)
    assert nn.MLP(2, [8, 1]).state_dict() == b
    weights = [v for k, v in a.items() if ".w." in k]
    biases = [v for k, v in a.items() if k.endswith(".b")]
    assert all(-1.0 <= w <= 1.0 for w in weights)
    assert len(set(weights)) == len(weights)  # the neurons of a layer do not share a seed
    assert biases == [0.0] * len(biases)


def test_repr() -> None:
    assert repr(nn.MLP(2, [16, 16, 1])) == "MLP(nin=2, nouts=[16, 16, 1])"
    assert repr(nn.Neuron(3, nonlin=False)) == "LinearNeuron(nin=3)"


# --- state dicts -------------------------------------------------------------------------------


def test_state_dict_round_trip_restores_outputs() -> None:
    model = nn.MLP(2, [4, 1], rng=0)
    state = model.state_dict()
    before = model([0.1, 0.2]).item()
    other = nn.MLP(2, [4, 1], rng=99)
    assert other([0.1, 0.2]).item() != before
    other.load_state_dict(state)
    assert other([0.1, 0.2]).item() == before
    assert other.state_dict() == state
    state["layers.0.neurons.0.w.0"] = 123.0  # a copy: changing it does not change the model
    assert model.state_dict()["layers.0.neurons.0.w.0"] != 123.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("b"), r"missing \['b'\]"),
        (lambda s: s.update(extra=1.0), r"unexpected \['extra'\]"),
        (lambda s: s.update({"w.1": "0.5"}), r"state_dict\['w.1'\] must be a real number; got str"),
        (lambda s: s.update({"w.0": None}), r"got NoneType None"),
        (lambda s: s.update({"w.0": True}), r"got bool True"),
        (lambda s: s.update({"b": mg.Value(1.0)}), r"got Value"),
        (lambda s: s.update({"b": [1.0]}), r"got list"),
    ],
)
def test_load_state_dict_rejects_and_changes_nothing(change: object, message: str) -> None:
    neuron = nn.Neuron(2, rng=0)
    before = neuron.state_dict()
    bad = {"w.0": 9.0, "w.1": 9.0, "b": 9.0}
    change(bad)  # type: ignore[operator]
    with pytest.raises(ValueError, match=message):
        neuron.load_state_dict(bad)
    assert neuron.state_dict() == before


def test_load_state_dict_reports_both_missing_and_unexpected_and_accepts_ints() -> None:
    neuron = nn.Neuron(1)
    with pytest.raises(ValueError, match=r"missing \['w.0', 'b'\]; unexpected \['w0'\]"):
        neuron.load_state_dict({"w0": 1.0})
    with pytest.raises(TypeError, match="takes a mapping"):
        neuron.load_state_dict([1.0, 2.0])  # type: ignore[arg-type]
    neuron.load_state_dict({"w.0": 2, "b": -1})
    assert neuron.state_dict() == {"w.0": 2.0, "b": -1.0}


# --- files -------------------------------------------------------------------------------------


def test_save_and_load_round_trip_exactly(tmp_path: Path) -> None:
    path = tmp_path / "model.json"
    model = nn.MLP(3, [5, 2], rng=8)
    model.parameters()[0].data = math.inf
    model.parameters()[1].data = 0.1 + 0.2  # not a short decimal: must survive exactly
    nn.save(model, path)
    payload = json.loads(path.read_text())
    assert payload["format"] == "minigrad.nn.state_dict"
    assert payload["version"] == 1
    assert payload["module"] == "MLP(nin=3, nouts=[5, 2])"
    copy = nn.MLP(3, [5, 2], rng=9)
    nn.load(copy, str(path))
    assert copy.state_dict() == model.state_dict()
    assert [p.name for p in copy.parameters()] == [p.name for p in model.parameters()]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "is not a valid JSON file"),
        ('{"format": "pickle", "state_dict": {}}', "is not a minigrad model file"),
        ("[1, 2]", "is not a minigrad model file"),
        ('{"format": "minigrad.nn.state_dict", "version": 2, "state_dict": {}}', "version 2"),
        ('{"format": "minigrad.nn.state_dict", "version": 1, "state_dict": []}', "must be a JSON"),
        (
            '{"format": "minigrad.nn.state_dict", "version": 1, '
            '"state_dict": {"w.0": 1, "w.0": 2, "b": 0}}',
            "appears twice",
        ),
        (
            '{"format": "minigrad.nn.state_dict", "version": 1, "state_dict": {"w.0": 1}}',
            r"missing \['b'\]",
        ),
        (
            '{"format": "minigrad.nn.state_dict", "version": 1, '
            '"state_dict": {"w.0": "__import__(\'os\')", "b": 0}}',
            "must be a real number",
        ),
    ],
)
def test_load_rejects_bad_files_and_changes_nothing(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    neuron = nn.Neuron(1, rng=0)
    before = neuron.state_dict()
    with pytest.raises(ValueError, match=message):
        nn.load(neuron, path)
    assert neuron.state_dict() == before


def test_load_a_missing_file_and_wrong_module_types(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        nn.load(nn.Neuron(1), tmp_path / "absent.json")
    with pytest.raises(TypeError, match=r"takes a minigrad\.nn\.Module"):
        nn.save([mg.Parameter(1.0)], tmp_path / "x.json")  # type: ignore[arg-type]


def test_training_an_mlp_with_sgd_lowers_the_loss() -> None:
    model = nn.MLP(1, [8, 1], rng=0)
    data = [(x / 10, (x / 10) ** 2) for x in range(-10, 11)]
    opt = mg.SGD(model.parameters(), lr=0.05)

    def loss() -> mg.Value:
        return mg.mse_loss([model(x) for x, _ in data], [y for _, y in data])

    first = loss().item()
    for _ in range(100):
        opt.zero_grad()
        loss().backward()
        opt.step()
    assert loss().item() < first / 4
