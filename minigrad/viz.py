"""Pictures of a computation graph: Graphviz DOT text, or a PNG/SVG drawn with matplotlib.

A graph is what an op on Values records: each node is a Value with its op (its rule's name),
its number (data) and, after ``backward()``, its gradient (grad). Leaves are the inputs: the
Parameters (shown by name) and other Values; plain numbers in an op are constants, drawn as
small boxes next to the op that uses them.

`draw_graph` needs no system binary (no Graphviz): it lays the graph out itself, in layers
from left to right (or, with ``direction="TB"``, from top to bottom). An op's layer is the
length of the longest path from a leaf to it, so the inputs come first and the output last;
each op sits one layer after its latest input, each leaf one layer before its first consumer.
An edge that skips layers passes between the boxes of the layers it crosses, and within a
layer the nodes are ordered to follow their neighbours (a few sweeps of the barycenter
heuristic), which keeps edges short and rarely crossing.

Both walk the graph with an explicit stack (no recursion).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minigrad.backprop import topological_order
from minigrad.graph import Node
from minigrad.value import Parameter, Value

__all__ = ["DEFAULT_MAX_NODES", "draw_graph", "to_dot"]

DEFAULT_MAX_NODES = 60
"""The most boxes (Values and constants) `draw_graph` draws by default: beyond this a picture
is no longer readable, and a smaller piece of the graph (one neuron, one sample) teaches more."""

_FORMATS = (".png", ".svg", ".pdf")


@dataclass
class _Node:
    """One box of the drawing: a Value, or a constant used by one op."""

    key: str
    title: str
    lines: list[str]
    kind: str  # "parameter", "leaf", "op", "output" or "constant"
    inputs: list[_Node] = field(default_factory=list)
    layer: int = 0
    y: float = 0.0


def _number(x: Any) -> str:
    """A short form of a number (a float, or a Value after create_graph; None: no gradient)."""
    if x is None:
        return "None"
    if isinstance(x, Value):
        x = x.number
    return "0" if x == 0 else f"{float(x):.4g}"  # no "-0": it reads as a typo


def _build(root: Value, labels: Mapping[Value, str] | None) -> list[_Node]:
    """The boxes to draw, each with its inputs and layer, Values in topological order."""
    if not isinstance(root, Value):
        raise TypeError(f"expected a minigrad Value to draw; got {type(root).__name__}")
    if labels is not None and not isinstance(labels, Mapping):
        raise TypeError(f"labels must map Values to str; got {type(labels).__name__}")
    names: dict[Node, str] = {} if labels is None else {v: text for v, text in labels.items()}
    nodes: dict[Node, _Node] = {}
    constants: list[_Node] = []
    for index, value in enumerate(topological_order(root)):
        rule = value.op
        label = names.get(value)
        if rule is None:
            kind = "parameter" if isinstance(value, Parameter) else "leaf"
            if label is None:
                name = value.name if isinstance(value, Parameter) else None
                default = "Parameter" if kind == "parameter" else "input"
                label = name if name is not None else default
            title = label
        else:
            kind = "output" if value is root else "op"
            title = rule.name if label is None else f"{label} = {rule.name}"
        node = _Node(
            key=f"n{index}",
            title=str(title),
            lines=[f"data {_number(value.number)}", f"grad {_number(value.grad)}"],
            kind=kind,
        )
        for arg in value.inputs:
            if isinstance(arg, Value):
                node.inputs.append(nodes[arg])
            else:
                constant = _Node(f"c{len(constants)}", _number(arg), [], "constant")
                constants.append(constant)
                node.inputs.append(constant)
        values = [a for a in node.inputs if a.kind != "constant"]
        node.layer = 1 + max(a.layer for a in values) if values else 0
        nodes[value] = node
    # A leaf (parameter, input, constant) sits just left of its first consumer, not in
    # column 0: the edges stay short, and each op's inputs are next to it.
    result = [*nodes.values(), *constants]
    first_use: dict[str, int] = {}
    for node in result:
        for source in node.inputs:
            if not source.inputs:
                first_use[source.key] = min(first_use.get(source.key, node.layer), node.layer)
    for node in result:
        if node.key in first_use:
            node.layer = first_use[node.key] - 1
    return result


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


_FILL = {
    "parameter": "#fde2b8",
    "leaf": "#e6e6e6",
    "op": "#d6e6f5",
    "output": "#cdebc9",
    "constant": "#ffffff",
}


def to_dot(root: Value, *, labels: Mapping[Value, str] | None = None, direction: str = "LR") -> str:
    r"""Return the graph that computed `root` as Graphviz DOT text (render with ``dot -Tpng``).

    Each Value is a box with its op (or a Parameter's name), its data and its grad; each
    constant is a small plain node feeding the op that uses it. Edges point from inputs to
    the op, left to right (or top to bottom), as in `draw_graph`.

    Args:
        root: The output Value, usually a loss.
        labels: Optional names for Values, e.g. ``{pred: "ŷ"}``, shown in their boxes.
        direction: ``"LR"``: left to right (Graphviz's ``rankdir=LR``); ``"TB"``: top to bottom.

    Returns:
        The DOT source, one node or edge per line.

    Raises:
        TypeError: `root` is not a Value.
        ValueError: `direction` is not "LR" or "TB".

    Example:
        >>> import minigrad as mg
        >>> a = mg.Parameter(3.0, name="a")
        >>> y = a * 2
        >>> y.backward()
        >>> print(mg.to_dot(y))  # doctest: +NORMALIZE_WHITESPACE
        digraph minigrad {
          rankdir=LR;
          node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];
          n0 [label="a\ndata 3\ngrad 2", fillcolor="#fde2b8"];
          n1 [label="mul\ndata 6\ngrad 1", fillcolor="#cdebc9", penwidth=2];
          c0 [label="2", shape=box, style="dashed", fontsize=9];
          n0 -> n1;
          c0 -> n1;
        }
    """
    _check_direction(direction)
    nodes = _build(root, labels)
    lines = [
        "digraph minigrad {",
        f"  rankdir={direction};",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=11];',
    ]
    for node in nodes:
        if node.kind == "constant":
            lines.append(
                f'  {node.key} [label="{_escape(node.title)}", shape=box, style="dashed", '
                "fontsize=9];"
            )
            continue
        label = "\\n".join(_escape(line) for line in [node.title, *node.lines])
        extra = ", penwidth=2" if node.kind == "output" else ""
        lines.append(f'  {node.key} [label="{label}", fillcolor="{_FILL[node.kind]}"{extra}];')
    lines.extend(f"  {source.key} -> {node.key};" for node in nodes for source in node.inputs)
    lines.append("}")
    return "\n".join(lines) + "\n"


# --- layout ------------------------------------------------------------------------------------

_ROW = 0.95  # inches between node centres in a layer ("TB": scaled to fit boxes side by side)
_BOX = (0.9, 0.6)  # the narrowest width and the height of a Value's box, inches
_SMALL = (0.6, 0.34)  # of a constant's box
_PAD = 0.12  # inches between a box's widest text and its sides
_LANE = 0.3  # height taken by an edge passing through a layer
_GAP = {"LR": 0.55, "TB": 0.38}  # inches between the boxes of two neighbouring layers
_SIDE_GAP = 0.3  # inches between neighbouring boxes of one layer, top to bottom ("TB")
_DIRECTIONS = {"LR": "left to right", "TB": "top to bottom"}


def _check_direction(direction: object) -> None:
    if not isinstance(direction, str) or direction not in _DIRECTIONS:
        accepted = ", ".join(f"{key!r} ({words})" for key, words in _DIRECTIONS.items())
        raise ValueError(f"direction must be one of {accepted}; got {direction!r}")


_DPI = 150
_FONTS = {"title": 11.0, "name": 8.5, "numbers": 8.0, "constant": 8.0}  # points


@dataclass
class _Edge:
    """An edge from an input to its op, through one waypoint per layer it passes."""

    source: _Node
    target: _Node
    waypoints: list[_Node]
    repeat: int  # 0 for the first edge between these two nodes, 1 for the second (x·x), ...


def _order_layers(nodes: list[_Node]) -> tuple[list[list[_Node]], list[_Edge]]:
    """Group nodes by layer, route long edges through waypoints, order each layer.

    An edge that skips layers gets a waypoint in each layer it crosses (Sugiyama's dummy
    nodes), so it runs between boxes instead of through them. Each layer is then ordered by
    the barycenter heuristic: a node moves to the mean height of its inputs (sweeping left
    to right), then of its consumers (right to left), a few times.
    """
    depth = max(node.layer for node in nodes) + 1
    layers: list[list[_Node]] = [[] for _ in range(depth)]
    for node in nodes:
        layers[node.layer].append(node)
    preds: dict[int, list[_Node]] = {id(node): [] for node in nodes}
    succs: dict[int, list[tuple[_Node, float]]] = {id(node): [] for node in nodes}
    edges: list[_Edge] = []
    for node in nodes:
        arity = len(node.inputs)
        count: dict[int, int] = {}
        for position, source in enumerate(node.inputs):
            repeat = count.get(id(source), 0)
            count[id(source)] = repeat + 1
            chain = [source]
            for between in range(source.layer + 1, node.layer):
                waypoint = _Node(f"w{len(edges)}.{between}", "", [], "waypoint", layer=between)
                layers[between].append(waypoint)
                preds[id(waypoint)], succs[id(waypoint)] = [], []
                chain.append(waypoint)
            chain.append(node)
            # Inputs of one op keep their argument order, top to bottom (a above b in a − b).
            offset = (position - (arity - 1) / 2) * 0.01
            for before, after in itertools.pairwise(chain):
                preds[id(after)].append(before)
                succs[id(before)].append((after, offset))
            edges.append(_Edge(source, node, chain[1:-1], repeat))

    def place() -> None:
        for layer in layers:
            heights = [_LANE if n.kind == "waypoint" else _ROW for n in layer]
            top = sum(heights) / 2
            for node, height in zip(layer, heights, strict=True):
                node.y = top - height / 2
                top -= height

    place()
    for _ in range(4):
        for layer in layers[1:]:  # left to right: follow the inputs
            for node in layer:
                if preds[id(node)]:
                    node.y = sum(s.y for s in preds[id(node)]) / len(preds[id(node)])
            layer.sort(key=lambda n: -n.y)
            place()
        for layer in reversed(layers[:-1]):  # right to left: follow the consumers
            for node in layer:
                users = succs[id(node)]
                if users:
                    node.y = sum(user.y - offset for user, offset in users) / len(users)
            layer.sort(key=lambda n: -n.y)
            place()
    return layers, edges


def draw_graph(
    root: Value,
    path: str | os.PathLike[str],
    *,
    labels: Mapping[Value, str] | None = None,
    title: str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
    direction: str = "LR",
) -> Path:
    """Draw the graph that computed `root` into a PNG, SVG or PDF file, with matplotlib.

    Each Value's box shows its op or name, its data and its grad; Parameters are orange, ops
    blue, the output green, constants small dashed boxes. Call it before and after
    ``backward()`` to see the gradients arrive.

    The boxes are in layers: an op's layer is the length of the longest path from a leaf to
    it, so every edge goes from a lower layer to a higher one. With ``direction="LR"`` (the
    default) the layers are columns, inputs on the left and the output on the right; with
    ``"TB"`` they are rows, inputs at the top and the output at the bottom. The picture is
    about as long as the graph is deep (``L`` layers) and as wide as its widest layer (``n``
    boxes) the other way, so for a graph of ``L`` layers of at most ``n`` boxes

    ```text
    "LR":  width ≈ L·(w + 0.55 in),  height ≈ n·0.95 in
    "TB":  width ≈ n·(w + 0.3 in),   height ≈ L·(h + 0.38 in)
    ```

    where ``w`` fits the widest text of a box (at least 0.9 in) and ``h`` = 0.6 in. A chain
    like the line fit's loss (5 layers of at most 2 boxes) is wide and short in "LR", and
    narrow in "TB": choose "TB" where the width is limited, a page or a text column. The text
    is 8 to 11 points and the file is written at 150 dots per inch; a narrow "TB" picture
    shown at its own size keeps its text at about 16 px.

    Args:
        root: The output Value, usually a loss.
        path: The file to write; its suffix (.png, .svg or .pdf) chooses the format.
        labels: Optional names for Values, e.g. ``{pred: "ŷ"}``, shown in their boxes.
        title: A title above the graph; a newline in it starts a new line.
        max_nodes: Refuse graphs with more boxes than this (Values plus constants).
        direction: ``"LR"``: layers left to right; ``"TB"``: layers top to bottom.

    Returns:
        The path written.

    Raises:
        TypeError: `root` is not a Value.
        ValueError: The graph has more than `max_nodes` boxes, the suffix is not one of
            .png, .svg, .pdf, or `direction` is not "LR" or "TB".
        ImportError: matplotlib is not installed.

    Example:
        >>> import minigrad as mg, tempfile, os
        >>> a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
        >>> loss = (a * 0.5 + b - 2.0) ** 2
        >>> loss.backward()
        >>> mg.draw_graph(loss, os.path.join(tempfile.mkdtemp(), "graph.png")).suffix
        '.png'
        >>> tall = mg.draw_graph(loss, os.path.join(tempfile.mkdtemp(), "g.svg"), direction="TB")
        >>> tall.name
        'g.svg'
    """
    target = Path(path)
    if target.suffix.lower() not in _FORMATS:
        raise ValueError(
            f"draw_graph writes {', '.join(_FORMATS)} files; got {os.fspath(path)!r} "
            f"(suffix {target.suffix!r})"
        )
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int; got {max_nodes!r}")
    _check_direction(direction)
    nodes = _build(root, labels)
    if len(nodes) > max_nodes:
        n_constants = sum(node.kind == "constant" for node in nodes)
        raise ValueError(
            f"the graph has {len(nodes)} nodes ({len(nodes) - n_constants} Values and "
            f"{n_constants} constants), more than draw_graph's limit of {max_nodes}: the "
            "picture would be unreadable. Draw a smaller piece (one neuron, one sample), "
            "pass a larger max_nodes=, or use to_dot() with Graphviz."
        )
    layers, edges = _order_layers(nodes)
    _render(layers, edges, title, direction).savefig(target, dpi=_DPI)
    return target


def _render(
    layers: list[list[_Node]], edges: list[_Edge], title: str | None, direction: str
) -> Any:
    """The matplotlib Figure of the ordered layers, in inches (one data unit is one inch)."""
    from matplotlib.figure import Figure  # lazily: matplotlib is optional
    from matplotlib.font_manager import FontProperties
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as CurvePath
    from matplotlib.textpath import TextToPath

    def width(text: str, size: float, weight: str = "normal", family: str = "sans-serif") -> float:
        """The width in inches of the widest line of `text` at `size` points."""
        prop = FontProperties(family=family, weight=weight, size=size)
        measure = TextToPath().get_text_width_height_descent
        return max(measure(line, prop, ismath=False)[0] for line in text.split("\n")) / 72

    boxes = [n for layer in layers for n in layer if n.kind not in ("waypoint", "constant")]
    constants = [n for layer in layers for n in layer if n.kind == "constant"]
    # Every Value's box is as wide as the widest text of any box, so the layers line up.
    texts = [width(n.title, _FONTS["name"], weight="bold") for n in boxes]
    texts += [width(line, _FONTS["numbers"], family="monospace") for n in boxes for line in n.lines]
    box = (max([_BOX[0], *(t + 2 * _PAD for t in texts)]), _BOX[1])
    small_w = max([_SMALL[0], *(width(n.title, _FONTS["constant"]) + _PAD for n in constants)])
    small = (min(small_w, box[0]), _SMALL[1])

    def size(node: _Node) -> tuple[float, float]:
        if node.kind == "waypoint":
            return (0.0, 0.0)
        return small if node.kind == "constant" else box

    index = {id(node): i for i, layer in enumerate(layers) for node in layer}
    if direction == "LR":
        step = box[0] + _GAP["LR"]

        def centre(node: _Node) -> tuple[float, float]:
            return (index[id(node)] * step, node.y)

        def out_of(node: _Node) -> tuple[float, float]:  # where an edge leaves a box
            x, y = centre(node)
            return (x + size(node)[0] / 2, y)

        def into(node: _Node) -> tuple[float, float]:  # where an edge arrives
            x, y = centre(node)
            return (x - size(node)[0] / 2, y)

        def through(node: _Node) -> list[tuple[float, float]]:  # a waypoint, across its layer
            x, y = centre(node)
            return [(x - box[0] / 2, y), (x + box[0] / 2, y)]

    else:  # "TB": the layout's heights become places along a row, top to bottom → left to right
        step, spread = box[1] + _GAP["TB"], (box[0] + _SIDE_GAP) / _ROW

        def centre(node: _Node) -> tuple[float, float]:
            return (-node.y * spread, -index[id(node)] * step)

        def out_of(node: _Node) -> tuple[float, float]:
            x, y = centre(node)
            return (x, y - size(node)[1] / 2)

        def into(node: _Node) -> tuple[float, float]:
            x, y = centre(node)
            return (x, y + size(node)[1] / 2)

        def through(node: _Node) -> list[tuple[float, float]]:
            x, y = centre(node)
            return [(x, y + box[1] / 2), (x, y - box[1] / 2)]

    drawn = [n for layer in layers for n in layer]
    left = min(centre(n)[0] - size(n)[0] / 2 for n in drawn) - 0.2
    right = max(centre(n)[0] + size(n)[0] / 2 for n in drawn) + 0.2
    low = min(centre(n)[1] - size(n)[1] / 2 for n in drawn) - 0.25
    high = max(centre(n)[1] + size(n)[1] / 2 for n in drawn) + 0.25
    if title:
        high += (title.count("\n") + 1) * _FONTS["title"] * 1.3 / 72 + 0.25  # 1.3: line spacing
        need = width(title, _FONTS["title"], weight="bold") + 0.4
        if right - left < need:  # a title wider than the graph: centre the graph under it
            left, right = (left + right - need) / 2, (left + right + need) / 2
    fig = Figure(figsize=(right - left, high - low))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(left, right)
    ax.set_ylim(low, high)
    ax.axis("off")
    ax.set_xticks([])  # no tick labels, not even hidden ones
    ax.set_yticks([])
    if title:
        ax.text((left + right) / 2, high - 0.15, title, ha="center", va="top",
                fontsize=_FONTS["title"], fontweight="bold", linespacing=1.3)  # fmt: skip

    for edge in edges:
        points = [out_of(edge.source)]
        for waypoint in edge.waypoints:
            points += through(waypoint)
        points.append(into(edge.target))
        style: dict[str, Any] = {
            "arrowstyle": "-|>",
            "mutation_scale": 10,
            "color": "#555555",
            "linewidth": 1.0,
        }
        if len(points) == 2:
            curve = f"arc3,rad={0.25 * edge.repeat}"  # x·x: the second edge bends
            arrow = FancyArrowPatch(
                points[0], points[1], shrinkA=0, shrinkB=1, connectionstyle=curve, **style
            )
        else:
            arrow = FancyArrowPatch(path=CurvePath(points), **style)
        ax.add_patch(arrow)

    for node in drawn:
        if node.kind == "waypoint":
            continue
        (x, y), (w, h) = centre(node), size(node)
        constant = node.kind == "constant"
        ax.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0,rounding_size=0.08",
                facecolor=_FILL[node.kind],
                edgecolor="#888888" if constant else "#333333",
                linestyle="--" if constant else "-",
                linewidth=2.0 if node.kind == "output" else 1.0,
            )
        )
        if constant:
            ax.text(x, y, node.title, ha="center", va="center", fontsize=_FONTS["constant"])
            continue
        ax.text(x, y + 0.14, node.title, ha="center", va="center", fontsize=_FONTS["name"],
                fontweight="bold")  # fmt: skip
        ax.text(x, y - 0.11, "\n".join(node.lines), ha="center", va="center",
                fontsize=_FONTS["numbers"], family="monospace", linespacing=1.1)  # fmt: skip
    return fig
