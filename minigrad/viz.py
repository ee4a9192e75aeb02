"""Pictures of a computation graph: Graphviz DOT text, or a PNG/SVG drawn with matplotlib.

A graph is what an op on Values records: each node is a Value with its op (its rule's name),
its number (data) and, after ``backward()``, its gradient (grad). Leaves are the inputs: the
Parameters (shown by name) and other Values; plain numbers in an op are constants, drawn as
small boxes next to the op that uses them.

`draw_graph` needs no system binary (no Graphviz): it lays the graph out itself, in layers
from left to right. An op's layer is the length of the longest path from a leaf to it, so
the inputs are on the left and the output on the right; each op sits one column right of its
latest input, each leaf one column left of its first consumer. An edge that skips columns
passes between the boxes of the columns it crosses, and within a column the nodes are ordered
to follow their neighbours (a few sweeps of the barycenter heuristic), which keeps edges short
and rarely crossing.

Both walk the graph with an explicit stack (no recursion).
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from minigrad.graph import Node, topological_order
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
        x = x.data
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
            lines=[f"data {_number(value.data)}", f"grad {_number(value.grad)}"],
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


def to_dot(root: Value, *, labels: Mapping[Value, str] | None = None) -> str:
    r"""Return the graph that computed `root` as Graphviz DOT text (render with ``dot -Tpng``).

    Each Value is a box with its op (or a Parameter's name), its data and its grad; each
    constant is a small plain node feeding the op that uses it. Edges point from inputs to
    the op, left to right.

    Args:
        root: The output Value, usually a loss.
        labels: Optional names for Values, e.g. ``{pred: "ŷ"}``, shown in their boxes.

    Returns:
        The DOT source, one node or edge per line.

    Raises:
        TypeError: `root` is not a Value.

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
    nodes = _build(root, labels)
    lines = [
        "digraph minigrad {",
        "  rankdir=LR;",
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

_COLUMN = 2.3  # inches between layer centres
_ROW = 0.95  # inches between node centres in a layer
_BOX = (1.75, 0.66)  # width, height of a Value's box, inches
_SMALL = (0.8, 0.34)  # of a constant's box
_LANE = 0.3  # height taken by an edge passing through a layer


@dataclass
class _Edge:
    """An edge from an input to its op, through one waypoint per layer it passes."""

    source: _Node
    target: _Node
    waypoints: list[_Node]
    repeat: int  # 0 for the first edge between these two nodes, 1 for the second (x·x), ...


def _size(node: _Node) -> tuple[float, float]:
    if node.kind == "waypoint":
        return (0.0, 0.0)
    return _SMALL if node.kind == "constant" else _BOX


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
) -> Path:
    """Draw the graph that computed `root` into a PNG, SVG or PDF file, with matplotlib.

    Inputs are on the left, the output on the right (layers by longest path from the leaves).
    Each Value's box shows its op or name, its data and its grad; Parameters are orange, ops
    blue, the output green, constants small dashed boxes. Call it before and after
    ``backward()`` to see the gradients arrive.

    Args:
        root: The output Value, usually a loss.
        path: The file to write; its suffix (.png, .svg or .pdf) chooses the format.
        labels: Optional names for Values, e.g. ``{pred: "ŷ"}``, shown in their boxes.
        title: A title above the graph.
        max_nodes: Refuse graphs with more boxes than this (Values plus constants).

    Returns:
        The path written.

    Raises:
        TypeError: `root` is not a Value.
        ValueError: The graph has more than `max_nodes` boxes, or the suffix is not one of
            .png, .svg, .pdf.
        ImportError: matplotlib is not installed.

    Example:
        >>> import minigrad as mg, tempfile, os
        >>> a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
        >>> loss = (a * 0.5 + b - 2.0) ** 2
        >>> loss.backward()
        >>> mg.draw_graph(loss, os.path.join(tempfile.mkdtemp(), "graph.png")).suffix
        '.png'
    """
    target = Path(path)
    if target.suffix.lower() not in _FORMATS:
        raise ValueError(
            f"draw_graph writes {', '.join(_FORMATS)} files; got {os.fspath(path)!r} "
            f"(suffix {target.suffix!r})"
        )
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1:
        raise ValueError(f"max_nodes must be a positive int; got {max_nodes!r}")
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
    _render(layers, edges, target, title)
    return target


def _render(layers: list[list[_Node]], edges: list[_Edge], target: Path, title: str | None) -> None:
    from matplotlib.figure import Figure  # lazily: matplotlib is optional
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch
    from matplotlib.path import Path as CurvePath

    low = min(node.y - _size(node)[1] / 2 for layer in layers for node in layer) - 0.25
    high = max(node.y + _size(node)[1] / 2 for layer in layers for node in layer) + 0.25
    title_lines = title.count("\n") + 1 if title else 0
    high += 0.3 * title_lines + (0.2 if title else 0.0)
    left, right = -_COLUMN / 2 + 0.1, len(layers) * _COLUMN - _COLUMN / 2 - 0.1
    # Room for the title (about 0.11 inch per character at 12 points) on a narrow graph.
    need = max([3.0] + [0.11 * len(line) + 0.4 for line in (title or "").split("\n")])
    if right - left < need:
        left, right = (left + right - need) / 2, (left + right + need) / 2
    fig = Figure(figsize=(right - left, high - low))
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.set_xlim(left, right)
    ax.set_ylim(low, high)
    ax.axis("off")
    if title:
        ax.text((left + right) / 2, high - 0.15, title, ha="center", va="top", fontsize=12,
                fontweight="bold", linespacing=1.3)  # fmt: skip
    column = {id(node): i for i, layer in enumerate(layers) for node in layer}

    for edge in edges:
        source, target_node = edge.source, edge.target
        points = [(column[id(source)] * _COLUMN + _size(source)[0] / 2, source.y)]
        for waypoint in edge.waypoints:
            x = column[id(waypoint)] * _COLUMN
            points += [(x - _BOX[0] / 2, waypoint.y), (x + _BOX[0] / 2, waypoint.y)]
        points.append(
            (column[id(target_node)] * _COLUMN - _size(target_node)[0] / 2, target_node.y)
        )
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

    for x_index, layer in enumerate(layers):
        for node in layer:
            if node.kind == "waypoint":
                continue
            x = x_index * _COLUMN
            w, h = _size(node)
            constant = node.kind == "constant"
            ax.add_patch(
                FancyBboxPatch(
                    (x - w / 2, node.y - h / 2),
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
                ax.text(x, node.y, node.title, ha="center", va="center", fontsize=8)
                continue
            ax.text(x, node.y + 0.15, node.title, ha="center", va="center", fontsize=8.5,
                    fontweight="bold")  # fmt: skip
            ax.text(x, node.y - 0.12, "\n".join(node.lines), ha="center", va="center",
                    fontsize=8, family="monospace", linespacing=1.1)  # fmt: skip
    fig.savefig(target, dpi=150)
