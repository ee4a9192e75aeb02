"""Neural networks from Values: `Module`, `Neuron`, `Layer`, `MLP`, and saving them as JSON.

The shapes are micrograd's: a `Neuron` computes act(w·x + b), a `Layer` is a list of neurons
that share their inputs, an `MLP` is a list of layers, by default ReLU hidden layers and a
linear last layer. The activation act is one of `ACTIVATIONS` (``"relu"``, ``"tanh"``,
``"sigmoid"``, ``"identity"``/``"linear"``) or any function of a Value, per neuron, layer or
network (``MLP(2, [16, 16, 1], activation="tanh")``). Every weight is an `mg.Parameter`
named by its place in the network (``"layers.0.neurons.3.w.1"``), so ``model.parameters()``
goes straight into an optimizer and a drawing or an error message says which weight it is.

Initialisation: weights are drawn from uniform(−1, 1) as in micrograd, biases start at 0. The
numbers come from a `random.Random`: the one you pass as ``rng=`` (or a seed), else this
module's default generator, seeded with 0 at import and reseeded by `manual_seed`, so a script
that builds the same networks in the same order gets the same weights on every run.

Example:
    >>> import minigrad as mg
    >>> model = mg.nn.MLP(2, [4, 1], rng=0)
    >>> len(model.parameters())  # (2·4 + 4) + (4·1 + 1)
    17
    >>> score = model([1.0, -2.0])  # one output: a single Value, not a list
    >>> score.backward()
    >>> model.parameters()[0].name
    'layers.0.neurons.0.w.0'
"""

from __future__ import annotations

import math
import os
import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from minigrad.numbers import as_float
from minigrad.ops import RELU, SIGMOID, TANH
from minigrad.value import Parameter, Value

__all__ = [
    "ACTIVATIONS",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MLP",
    "Layer",
    "Module",
    "Neuron",
    "load",
    "manual_seed",
    "save",
]

Activation = str | Callable[[Value], Value]
"""An activation: a name of `ACTIVATIONS` or a function from a Value to a Value."""

ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "relu": RELU,
    "tanh": TANH,
    "sigmoid": SIGMOID,
    "identity": None,
    "linear": None,
}
"""The activations a neuron takes by name (None: the identity, no node recorded)."""

_ACTIVATION_TITLES = {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}


def _activation(activation: object) -> tuple[str, Callable[[Value], Value] | None]:
    """The canonical name and the function of an activation; clear errors for anything else."""
    if isinstance(activation, str):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"unknown activation {activation!r}; the names are "
                f"{', '.join(repr(name) for name in ACTIVATIONS)}, or pass a function of a Value"
            )
        return ("identity" if activation == "linear" else activation), ACTIVATIONS[activation]
    if callable(activation):
        return _kind(activation), activation
    raise TypeError(
        f"activation must be a name ({', '.join(repr(name) for name in ACTIVATIONS)}) or a "
        f"function of a Value; got {type(activation).__name__} {activation!r}"
    )


_default_rng = random.Random(0)

FILE_FORMAT = "minigrad.nn.state_dict"
"""The ``"format"`` field of a file written by `save`."""
FILE_VERSION = 1


def manual_seed(seed: int) -> None:
    """Reseed the default generator that new modules draw their weights from.

    Args:
        seed: Any int; the same seed gives the same weights for the same sequence of modules.

    Example:
        >>> import minigrad as mg
        >>> mg.nn.manual_seed(1); a = mg.nn.Neuron(3)
        >>> mg.nn.manual_seed(1); b = mg.nn.Neuron(3)
        >>> a.state_dict() == b.state_dict()
        True
    """
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int; got {type(seed).__name__} {seed!r}")
    _default_rng.seed(seed)


def _generator(rng: random.Random | int | None) -> random.Random:
    """Where weights come from: `rng` itself, a new generator seeded with it, or the default."""
    if rng is None:
        return _default_rng
    if isinstance(rng, random.Random):
        return rng
    if isinstance(rng, int) and not isinstance(rng, bool):
        return random.Random(rng)
    raise TypeError(f"rng must be a random.Random, an int seed or None; got {type(rng).__name__}")


def _size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{name} must be an int; got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be at least 1; got {n}")
    return n


def _inputs(who: str, x: Any, nin: int) -> list[Any]:
    """`x` as a list of `nin` inputs; a single Value or number counts as one input."""
    if isinstance(x, Value | int | float) or getattr(x, "ndim", None) == 0:  # numpy scalars too
        if nin == 1:
            return [x]
        raise ValueError(f"{who} expected {nin} inputs, got 1 (a single {type(x).__name__})")
    if isinstance(x, str | bytes) or not hasattr(x, "__len__") or not hasattr(x, "__iter__"):
        raise TypeError(
            f"{who} takes a list of {nin} inputs (Values or numbers); got {type(x).__name__}"
        )
    xs = list(x)
    if len(xs) != nin:
        raise ValueError(f"{who} expected {nin} inputs, got {len(xs)}")
    return xs


class Module:
    """Base class of everything with parameters: it finds them, names them, saves them.

    A subclass stores its parameters and sub-modules as attributes and defines ``forward``;
    calling the module calls ``forward``. Nothing needs registering: `parameters` looks
    through the attributes in the order they were first assigned (attribute definition order)
    and, inside each, depth first:

    * an `mg.Parameter` is a parameter (a plain `Value` is not: it is a constant or an input);
    * a `Module` is searched the same way, its names prefixed with the attribute's name;
    * a list or tuple is searched element by element, named by index (``"w.0"``, ``"w.1"``);
    * a dict with str keys is searched in key order, named by key.

    Attributes whose names start with ``_`` are skipped. A parameter reachable twice is
    listed once, under the first name found.

    Example:
        >>> import minigrad as mg
        >>> class Line(mg.nn.Module):
        ...     def __init__(self):
        ...         self.a = mg.Parameter(-2.0)
        ...         self.b = mg.Parameter(-1.0)
        ...     def forward(self, x):
        ...         return self.a * x + self.b
        >>> line = Line()
        >>> [name for name, _ in line.named_parameters()]
        ['a', 'b']
        >>> line(3.0).item()
        -7.0
    """

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """Compute the module's output; subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call `forward`: ``model(x)`` is ``model.forward(x)``."""
        return self.forward(*args, **kwargs)

    def named_parameters(self) -> Iterator[tuple[str, Parameter]]:
        """Yield ``(dotted name, parameter)`` pairs in the documented order (see the class).

        The walk uses an explicit stack, and skips a module or container met a second time,
        so a module that refers back to its parent does not loop.
        """
        for name, _, p in self._walk():
            yield name, p

    def _walk(self) -> Iterator[tuple[str, str, Parameter]]:
        """`named_parameters`, each with its path as Python code (``.a['b'][0]``)."""
        seen: set[int] = set()
        stack: list[tuple[str, str, object]] = [("", "", self)]
        while stack:
            name, path, obj = stack.pop()
            if id(obj) in seen:
                continue
            if isinstance(obj, Parameter):
                seen.add(id(obj))
                yield name, path, obj
                continue
            if isinstance(obj, Module):
                items: list[tuple[str, str, object]] = [
                    (key, f".{key}", item)
                    for key, item in vars(obj).items()
                    if not key.startswith("_")
                ]
            elif isinstance(obj, list | tuple):
                items = [(str(i), f"[{i}]", item) for i, item in enumerate(obj)]
            elif isinstance(obj, dict):
                items = [
                    (key, f"[{key!r}]", item) for key, item in obj.items() if isinstance(key, str)
                ]
            else:
                continue
            seen.add(id(obj))
            prefix = f"{name}." if name else ""
            stack.extend((prefix + key, path + at, item) for key, at, item in reversed(items))

    def parameters(self) -> list[Parameter]:
        """Return every parameter, in the order of `named_parameters`.

        Example:
            >>> import minigrad as mg
            >>> len(mg.nn.Neuron(3).parameters())  # three weights and a bias
            4
        """
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to None: no gradient yet (as ``opt.zero_grad()``)."""
        for p in self.parameters():
            p.grad = None

    def state_dict(self) -> dict[str, float]:
        """Return ``{name: number}`` for every parameter, in the order of `named_parameters`.

        Raises:
            ValueError: Two parameters get the same dotted name (a key or attribute with a
                ``.`` in it, such as ``{"b": [p1], "b.0": p2}``): one would be lost. The
                message gives both paths.

        Example:
            >>> import minigrad as mg
            >>> mg.nn.Neuron(2, rng=0).state_dict()
            {'w.0': 0.6888437030500962, 'w.1': 0.515908805880605, 'b': 0.0}
        """
        state: dict[str, float] = {}
        paths: dict[str, str] = {}
        for name, path, p in self._walk():
            if name in state:
                raise ValueError(
                    f"two parameters of {type(self).__name__} get the same name {name!r}: "
                    f"self{paths[name]} and self{path}; a state_dict would keep only one. "
                    "Rename the attribute or key that has a '.' in it."
                )
            state[name] = p.number
            paths[name] = path
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Set every parameter from ``{name: number}``, as returned by `state_dict`.

        Everything is checked before anything is changed: when this raises, the module is
        exactly as it was.

        Args:
            state_dict: One real number (int, float, numpy scalar) per parameter name.

        Raises:
            TypeError: `state_dict` is not a mapping.
            ValueError: A name is missing or unexpected, or an entry is not a real number.

        Example:
            >>> import minigrad as mg
            >>> n = mg.nn.Neuron(1)
            >>> n.load_state_dict({"w.0": 2.0, "b": 1.0})
            >>> n([3.0]).item()  # relu(2·3 + 1)
            7.0
            >>> n.load_state_dict({"w.0": 2.0})
            Traceback (most recent call last):
            ...
            ValueError: state_dict does not fit ReLUNeuron(nin=1): missing ['b']
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(
                f"load_state_dict takes a mapping from parameter names to numbers; "
                f"got {type(state_dict).__name__}"
            )
        self.state_dict()  # two parameters with one name: raises, naming both
        named = dict(self.named_parameters())
        missing = [name for name in named if name not in state_dict]
        unexpected = [repr(key) for key in state_dict if key not in named]
        if missing or unexpected:
            problems = []
            if missing:
                problems.append(f"missing {_shorten([repr(name) for name in missing])}")
            if unexpected:
                problems.append(f"unexpected {_shorten(unexpected)}")
            raise ValueError(f"state_dict does not fit {self!r}: {'; '.join(problems)}")
        numbers: dict[str, float] = {}
        for name in named:
            entry = state_dict[name]
            try:
                if isinstance(entry, bool | Value):
                    raise TypeError
                numbers[name] = as_float(entry)
            except (TypeError, ValueError):
                text = repr(entry) if len(repr(entry)) <= 40 else repr(entry)[:37] + "..."
                raise ValueError(
                    f"state_dict[{name!r}] must be a real number; got {type(entry).__name__} {text}"
                ) from None
        for name, p in named.items():
            p.data = numbers[name]


def _shorten(names: list[str], limit: int = 6) -> str:
    shown = ", ".join(names[:limit])
    more = f", ... ({len(names)} in all)" if len(names) > limit else ""
    return f"[{shown}{more}]"


class Neuron(Module):
    """One neuron: act(w·x + b), with act ReLU by default.

    With inputs x₁…xₙ: out = act(b + w₁x₁ + … + wₙxₙ), where act is relu (max(z, 0)), tanh,
    sigmoid (1 / (1 + e⁻ᶻ)), the identity, or a function you give.

    Args:
        nin: The number of inputs n (≥ 1).
        nonlin: micrograd's switch, kept: True is ``activation="relu"``, False is
            ``activation="identity"``. Give `activation` instead to choose another.
        activation: ``"relu"``, ``"tanh"``, ``"sigmoid"``, ``"identity"`` (or ``"linear"``), or
            any function from a Value to a Value (``mg.sin``, a lambda). Overrides `nonlin`.
        rng: Where the weights come from: a `random.Random`, an int seed, or None for the
            module's default generator (see `manual_seed`). Each wᵢ ~ uniform(−1, 1); b = 0.

    Attributes:
        w: The weights, Parameters named ``"w.0"``, ``"w.1"``, ...
        b: The bias, a Parameter named ``"b"``.
        activation: The activation's name (``"relu"``, ..., ``"identity"``) or your function.
        nonlin: Whether an activation is applied (False for the identity).

    Raises:
        ValueError: An unknown activation name (the message lists the names), or
            ``nonlin=False`` with an activation other than the identity.
        TypeError: `activation` is neither a str nor callable, or `nonlin` is not a bool.

    Example:
        >>> import minigrad as mg
        >>> n = mg.nn.Neuron(2, nonlin=False)
        >>> n.load_state_dict({"w.0": 1.0, "w.1": -1.0, "b": 0.5})
        >>> n([3.0, 5.0]).item()
        -1.5
        >>> t = mg.nn.Neuron(2, activation="tanh")
        >>> t.load_state_dict({"w.0": 1.0, "w.1": -1.0, "b": 0.5})
        >>> round(t([3.0, 5.0]).item(), 6)  # tanh(−1.5)
        -0.905148
    """

    def __init__(
        self,
        nin: int,
        nonlin: bool = True,
        *,
        activation: Activation | None = None,
        rng: random.Random | int | None = None,
    ) -> None:
        self.nin = _size("nin", nin)
        if not isinstance(nonlin, bool):
            raise TypeError(f"nonlin must be a bool; got {type(nonlin).__name__} {nonlin!r}")
        if activation is None:
            activation = "relu" if nonlin else "identity"
        name, function = _activation(activation)
        if not nonlin and name != "identity":
            raise ValueError(
                f"nonlin=False means no activation, but activation={activation!r} was given; "
                "give activation alone"
            )
        generator = _generator(rng)
        self.w = [Parameter(generator.uniform(-1.0, 1.0), name=f"w.{i}") for i in range(nin)]
        self.b = Parameter(0.0, name="b")
        self.activation: Activation = name if isinstance(activation, str) else activation
        self.nonlin = function is not None
        self._function = function

    def forward(self, x: Any) -> Value:
        """act(b + Σ wᵢxᵢ) for a list of `nin` inputs (or one Value/number when nin = 1)."""
        xs = _inputs(repr(self), x, self.nin)
        act: Value = self.b
        for wi, xi in zip(self.w, xs, strict=True):
            act = act + wi * xi
        return act if self._function is None else self._function(act)

    def __repr__(self) -> str:
        if isinstance(self.activation, str):
            return f"{_kind(self.activation)}Neuron(nin={self.nin})"
        return f"Neuron(nin={self.nin}, activation={_kind(self.activation)})"


def _kind(activation: Activation) -> str:
    """How a repr names an activation: ReLU, Tanh, Sigmoid, Linear, or the function's name."""
    if isinstance(activation, str):
        return _ACTIVATION_TITLES.get(activation, "Linear")
    name = getattr(activation, "__name__", None) or getattr(activation, "name", None)
    return name if isinstance(name, str) else type(activation).__name__


class Layer(Module):
    """`nout` neurons that all see the same `nin` inputs.

    Args:
        nin: The number of inputs.
        nout: The number of neurons, hence of outputs.
        **kwargs: Passed to each `Neuron` (``activation``, ``nonlin``, ``rng``).

    Attributes:
        neurons: The neurons, in output order.

    Returns (when called): a list of `nout` Values, or a single Value when ``nout == 1`` (so
    a one-neuron layer can feed a one-input layer, and a loss gets a Value, not a list).

    Example:
        >>> import minigrad as mg
        >>> layer = mg.nn.Layer(3, 2)
        >>> len(layer([1.0, 2.0, 3.0]))
        2
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any) -> None:
        self.nin = _size("nin", nin)
        self.nout = _size("nout", nout)
        kwargs["rng"] = _generator(kwargs.get("rng"))  # one generator for all neurons
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]
        for name, p in self.named_parameters():
            p.name = name

    def forward(self, x: Any) -> Value | list[Value]:
        """Every neuron's output: a list, or one Value for a one-neuron layer."""
        xs = _inputs(repr(self), x, self.nin)
        out = [neuron(xs) for neuron in self.neurons]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer(nin={self.nin}, nout={self.nout}, {_kind(self.neurons[0].activation)})"


class MLP(Module):
    """A multi-layer perceptron: by default ReLU hidden layers, then a linear output layer.

    ``MLP(2, [16, 16, 1])`` maps 2 inputs through two hidden layers of 16 ReLU neurons to
    one linear output (micrograd's two-moons classifier). A network whose last layer has one
    neuron returns a single Value.

    Args:
        nin: The number of inputs.
        nouts: The sizes of the layers, the last being the number of outputs.
        activation: The hidden layers' activation (the last layer stays linear): a name of
            `ACTIVATIONS` or a function of a Value. Or a list with one per layer, the last
            included (``["tanh", "tanh", "sigmoid"]``).
        rng: Where the weights come from (see `Neuron`); one generator serves all layers.

    Raises:
        ValueError: A per-layer list whose length is not ``len(nouts)``, or an unknown name.

    Attributes:
        layers: The layers, input side first.

    Example:
        >>> import minigrad as mg
        >>> model = mg.nn.MLP(2, [16, 1, 1])
        >>> model
        MLP(nin=2, nouts=[16, 1, 1])
        >>> type(model([0.5, -1.0])).__name__
        'Value'
        >>> mg.nn.MLP(2, [8, 1], activation=["tanh", "sigmoid"])
        MLP(nin=2, nouts=[8, 1], activation=['tanh', 'sigmoid'])
    """

    def __init__(
        self,
        nin: int,
        nouts: list[int],
        *,
        activation: Activation | Sequence[Activation] = "relu",
        rng: random.Random | int | None = None,
    ) -> None:
        self.nin = _size("nin", nin)
        if isinstance(nouts, int | str) or not hasattr(nouts, "__iter__"):
            raise TypeError(f"nouts must be a list of layer sizes, e.g. [16, 16, 1]; got {nouts!r}")
        sizes = [_size("each layer size in nouts", n) for n in nouts]
        if not sizes:
            raise ValueError("nouts must list at least one layer size, e.g. [1]")
        if isinstance(activation, str) or callable(activation):
            per_layer: list[Activation] = [activation] * (len(sizes) - 1) + ["identity"]
            self._activation_spec: object = activation
        elif isinstance(activation, Sequence):
            per_layer = list(activation)
            if len(per_layer) != len(sizes):
                raise ValueError(
                    f"activation lists one activation per layer: {len(sizes)} for nouts="
                    f"{sizes}; got {len(per_layer)}"
                )
            self._activation_spec = per_layer
        else:
            _activation(activation)  # raises the TypeError that names what is accepted
            raise AssertionError  # pragma: no cover
        generator = _generator(rng)
        dims = [nin, *sizes]
        self.layers = [
            Layer(dims[i], dims[i + 1], activation=per_layer[i], rng=generator)
            for i in range(len(sizes))
        ]
        for name, p in self.named_parameters():
            p.name = name

    def forward(self, x: Any) -> Value | list[Value]:
        """The network's output for `nin` inputs: a Value for one output, else a list."""
        out: Any = _inputs(repr(self), x, self.nin)
        for layer in self.layers:
            out = layer(out)
        return out  # type: ignore[no-any-return]  # a Value or a list of Values, as documented

    def __repr__(self) -> str:
        nouts = [layer.nout for layer in self.layers]
        spec = self._activation_spec
        if spec == "relu":
            return f"MLP(nin={self.nin}, nouts={nouts})"
        shown: object
        if isinstance(spec, list):
            shown = [a if isinstance(a, str) else _kind(a) for a in spec]
        else:
            shown = spec if isinstance(spec, str) else _kind(spec)  # type: ignore[arg-type]
        return f"MLP(nin={self.nin}, nouts={nouts}, activation={shown!r})"


# --- files ------------------------------------------------------------------------------------

MAX_FILE_BYTES = 64 * 2**20
"""The largest file `load` reads: 64 MiB (about 2 million parameters; the format needs ~30
bytes a parameter). A larger one is refused before it is read."""

MAX_DEPTH = 64
"""The deepest nesting of JSON arrays/objects `load` parses (the format itself needs 2): a
deeper file is refused before parsing, instead of a RecursionError from the parser."""


def _arguments(who: str, module: object, path: object) -> tuple[Module, str | os.PathLike[str]]:
    """`module` and `path` of ``save``/``load``, or a TypeError that shows the right call."""
    if isinstance(module, Module) and isinstance(path, str | os.PathLike):
        return module, path
    usage = (
        f"{who}(module, path): pass the model {'to load into' if who == 'load' else 'to save'} "
        f"first, then the file, e.g. mg.nn.{who}(model, 'model.json')"
    )
    is_path = isinstance(module, str | os.PathLike)
    if path is None and is_path:
        hint = (
            " (unlike torch.load, which returns the saved data, mg.nn.load fills a model you "
            "have built: model = mg.nn.MLP(...); mg.nn.load(model, path))"
            if who == "load"
            else ""
        )
        raise TypeError(f"{usage}; got only a path, {module!r}{hint}")
    if is_path and isinstance(path, Module):
        raise TypeError(f"{usage}; the two arguments are in the wrong order")
    if not isinstance(module, Module):
        raise TypeError(
            f"{usage}; {who} takes a minigrad.nn.Module first, got {type(module).__name__}"
        )
    if path is None:
        raise TypeError(f"{usage}; the path is missing")
    raise TypeError(f"{usage}; the path must be a str or os.PathLike, got {type(path).__name__}")


def save(module: Module, path: str | os.PathLike[str]) -> None:
    """Write the module's parameters to a JSON file, atomically.

    The file is ``{"format": "minigrad.nn.state_dict", "version": 1, "module": "MLP(...)",
    "state_dict": {name: number}}``. Numbers are written exactly (Python's shortest repr
    round-trips); a parameter that is inf or nan is legal data (as in a PyTorch state dict)
    and is written as ``Infinity``, ``-Infinity``, ``NaN``, the extension of JSON that Python,
    JavaScript's JSON5 and most readers accept.

    How the file is written: into a new temporary file in the same directory, flushed to disk
    (fsync), then moved over `path` in one step (``os.replace``), so a crash leaves the old
    file or the new one, never half of one. The file keeps the permission bits of the file it
    replaces; a new file gets ``0o666 & ~umask``, as ``open(path, "w")`` would give it. If
    `path` is a symbolic link, the file it points to is written and the link stays a link.

    Args:
        module: The module to save.
        path: The file to write.

    Raises:
        TypeError: The arguments are not a Module and a path (the message shows the call).
        ValueError: Two parameters have the same name (see `Module.state_dict`).
        OSError: The file cannot be written; an existing file is then unchanged.

    Example:
        >>> import minigrad as mg, tempfile, os
        >>> model = mg.nn.MLP(2, [3, 1])
        >>> path = os.path.join(tempfile.mkdtemp(), "model.json")
        >>> mg.nn.save(model, path)
        >>> copy = mg.nn.MLP(2, [3, 1])
        >>> mg.nn.load(copy, path)
        >>> copy.state_dict() == model.state_dict()
        True
    """
    import contextlib  # here, not at the top: `import minigrad` should not pay for these
    import json
    import stat

    module, path = _arguments("save", module, path)
    payload = {
        "format": FILE_FORMAT,
        "version": FILE_VERSION,
        "module": repr(module),
        "state_dict": module.state_dict(),
    }
    data = (json.dumps(payload, indent=1) + "\n").encode("utf-8")
    target = os.path.realpath(path)  # through symbolic links: write the file they point to
    directory = os.path.dirname(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None
    temporary = os.path.join(directory, f".{os.path.basename(target)}.{os.urandom(6).hex()}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    handle = os.open(temporary, flags, 0o666)  # the umask applies, as for open()
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _sync_directory(directory: str) -> None:
    """Flush the directory entry of a replaced file to disk (POSIX); best effort elsewhere."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        handle = os.open(directory or ".", os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, item in pairs:
        if key in result:
            raise ValueError(f"the key {key!r} appears twice")
        result[key] = item
    return result


class _TooLarge:
    """A JSON number such as 1e400 that no float64 holds (Python's json would read inf)."""

    def __init__(self, text: str) -> None:
        self.text = text


def _parse_float(text: str) -> float | _TooLarge:
    number = float(text)
    return _TooLarge(text) if number in (math.inf, -math.inf) else number


def _nesting(text: str) -> int:
    """How deeply `text`'s arrays and objects nest, stopping once past `MAX_DEPTH`."""
    import re

    depth = deepest = 0
    outside_strings = re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', "", text)
    for bracket in re.findall(r"[\[\]{}]", outside_strings):
        depth += 1 if bracket in "[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_DEPTH:
                break
    return deepest


def load(module: Module, path: str | os.PathLike[str] | None = None) -> None:
    """Set the module's parameters from a file written by `save` (JSON; nothing is executed).

    The file's parameters must match the module's names exactly (checked as
    `Module.load_state_dict` does); when this raises, the module is unchanged. What is
    refused, each with a ValueError that names the file:

    * a file larger than `MAX_FILE_BYTES` (64 MiB), or nested deeper than `MAX_DEPTH` (64);
    * bytes that are not UTF-8, or text that is not JSON (a key twice in one object too);
    * a ``"format"`` other than ``"minigrad.nn.state_dict"``, or a ``"version"`` other than
      the integer 1 (``1.0`` and ``true`` are not);
    * a number too large for a float64, such as ``1e400``: Python's json would read it as
      inf, which it is not. An infinite or nan parameter is written ``Infinity`` / ``NaN``
      and is read back as such; a number too small is rounded (to 0 at worst), as by float().

    Args:
        module: The module to fill, built with the same shape as the saved one.
        path: The file to read. Required: ``load(path)`` alone is a TypeError that says so.

    Raises:
        TypeError: The arguments are not a Module and a path (the message shows the call).
        OSError: The file cannot be read.
        ValueError: The file is not a minigrad JSON state file, or does not fit the module.
    """
    import json  # here, not at the top: `import minigrad` should not pay for it

    module, path = _arguments("load", module, path)
    where = os.fspath(path)
    with open(path, "rb") as f:
        raw = f.read(MAX_FILE_BYTES + 1)
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(
            f"{where} is larger than {MAX_FILE_BYTES} bytes (mg.nn.MAX_FILE_BYTES): not a "
            "minigrad model file"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(
            f"{where} is not a valid JSON file: not UTF-8 text ({error.reason} at byte "
            f"{error.start})"
        ) from None
    if _nesting(text) > MAX_DEPTH:
        raise ValueError(
            f"{where} is not a minigrad model file: its JSON nests deeper than {MAX_DEPTH} "
            "levels (mg.nn.MAX_DEPTH; the format needs 2)"
        )
    try:
        payload = json.loads(text, object_pairs_hook=_unique_keys, parse_float=_parse_float)
    except ValueError as error:  # json.JSONDecodeError is a ValueError
        raise ValueError(f"{where} is not a valid JSON file: {error}") from None
    if (
        not isinstance(payload, dict)
        or payload.get("format") != FILE_FORMAT
        or "state_dict" not in payload
    ):
        raise ValueError(
            f"{where} is not a minigrad model file: expected a JSON object with "
            f'"format": "{FILE_FORMAT}" and "state_dict" (as written by mg.nn.save)'
        )
    version = payload.get("version")
    if version.__class__ is not int or version != FILE_VERSION:
        shown = version.text if isinstance(version, _TooLarge) else json.dumps(version)
        raise ValueError(
            f"{where} has format version {shown}; this minigrad reads version "
            f"{FILE_VERSION} (the integer, as mg.nn.save writes it)"
        )
    state = payload["state_dict"]
    if not isinstance(state, dict):
        raise ValueError(f"{where}: 'state_dict' must be a JSON object")
    for key, entry in state.items():
        if isinstance(entry, _TooLarge):
            raise ValueError(
                f"{where}: state_dict[{key!r}] is {entry.text}, too large for a float64 "
                "(json would read it as inf; an infinite parameter is written Infinity)"
            )
    try:
        module.load_state_dict(state)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
