"""mg.to_dot and mg.draw_graph: what each node shows, the layout's layers, files, limits."""

from __future__ import annotations

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import viz
from minigrad.backprop import topological_order


def line_fit_sample() -> tuple[mg.Value, mg.Value, mg.Parameter, mg.Parameter]:
    """The seed's one-sample graph: L = (a·x + b − y)² with x = 0.5, y = 2."""
    a, b = mg.Parameter(-2.0, name="a"), mg.Parameter(-1.0, name="b")
    pred = a * 0.5 + b
    loss = (pred - 2.0) ** 2
    return loss, pred, a, b


def node_lines(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if re.match(r"\s+[nc]\d+ \[", line)]


def edge_lines(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if "->" in line]


def test_dot_shows_each_value_with_op_data_and_grad() -> None:
    loss, pred, _, _ = line_fit_sample()
    loss.backward()
    dot = mg.to_dot(loss, labels={pred: "ŷ"})
    assert dot.startswith("digraph minigrad {") and dot.rstrip().endswith("}")
    assert "rankdir=LR" in dot
    nodes = node_lines(dot)
    # Values: a, b, a·x, ŷ, ŷ − y, L; constants: x = 0.5, y = 2, the exponent 2.
    assert len([n for n in nodes if n.strip().startswith("n")]) == 6
    assert len([n for n in nodes if n.strip().startswith("c")]) == 3
    assert len(edge_lines(dot)) == 2 + 2 + 2 + 2
    # The hand-derived gradients of the seed: dL/da = 2·x·(ŷ − y) = −4, dL/db = 2·(ŷ − y) = −8.
    assert '[label="a\\ndata -2\\ngrad -4"' in dot
    assert '[label="b\\ndata -1\\ngrad -8"' in dot
    assert '"ŷ = add\\ndata -2\\ngrad -8"' in dot
    assert '"pow_const\\ndata 16\\ngrad 1"' in dot
    assert '[label="0.5", shape=box, style="dashed"' in dot


def test_dot_before_backward_shows_no_gradient_on_leaves_and_zero_inside() -> None:
    loss, _, _, _ = line_fit_sample()
    lines = node_lines(mg.to_dot(loss))
    # Nodes are numbered in the order they were made: the Parameters a and b first.
    leaves = [line for line in lines if line.lstrip().startswith(("n0 ", "n1 "))]
    inner = [line for line in lines if "data" in line and line not in leaves]
    assert len(leaves) == 2 and all("grad None" in line for line in leaves)  # a and b
    assert inner and all("grad 0" in line for line in inner)


def test_dot_escapes_names() -> None:
    p = mg.Parameter(1.0, name='say "hi" \\ now')
    dot = mg.to_dot(p * 2)
    assert 'say \\"hi\\" \\\\ now' in dot


def test_dot_edges_follow_the_graph_shared_inputs_included() -> None:
    x = mg.Value(3.0)
    y = x * x * x
    dot = mg.to_dot(y)
    # x feeds the first product twice and the second once: three edges out of x.
    x_key = next(line.split()[0] for line in node_lines(dot) if '"input' in line)
    assert sum(line.strip().startswith(f"{x_key} ->") for line in edge_lines(dot)) == 3


def test_walk_is_iterative_for_deep_graphs() -> None:
    x = mg.Parameter(1.0, name="x")
    y: mg.Value = x
    for _ in range(5000):  # far beyond Python's recursion limit
        y = y * 1.0
    dot = mg.to_dot(y)
    assert len(node_lines(dot)) == 5001 + 5000


def test_layers_are_longest_paths_with_leaves_next_to_their_first_use() -> None:
    loss, _, _, _ = line_fit_sample()
    nodes = viz._build(loss, None)
    by_title = {n.title: n for n in nodes if n.kind != "constant"}
    assert by_title["mul"].layer == 1
    assert by_title["add"].layer == 2
    assert by_title["sub"].layer == 3
    assert by_title["pow_const"].layer == 4  # the output is rightmost
    assert by_title["a"].layer == 0
    assert by_title["b"].layer == 1  # b is first used by add, in layer 2
    for node in nodes:
        for source in node.inputs:
            assert source.layer < node.layer  # every edge goes left to right
        if node.kind in ("op", "output"):
            values = [s for s in node.inputs if s.kind != "constant"]
            assert node.layer == 1 + max(s.layer for s in values)


def test_ordering_routes_long_edges_through_waypoints() -> None:
    neuron = mg.nn.Neuron(3, rng=0)
    out = neuron([1.0, 2.0, 3.0])
    layers, edges = viz._order_layers(viz._build(out, None))
    for edge in edges:
        hops = [edge.source, *edge.waypoints, edge.target]
        assert [h.layer for h in hops] == list(range(edge.source.layer, edge.target.layer + 1))
    for layer in layers:  # no two boxes of a column overlap
        ys = sorted(n.y for n in layer)
        assert all(b - a >= viz._LANE - 1e-9 for a, b in itertools.pairwise(ys))


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")]
)
def test_draw_graph_writes_the_format_of_the_suffix(
    tmp_path: Path, suffix: str, magic: bytes
) -> None:
    loss, pred, _, _ = line_fit_sample()
    loss.backward()
    path = mg.draw_graph(loss, tmp_path / f"graph{suffix}", labels={pred: "ŷ"}, title="L")
    assert path == tmp_path / f"graph{suffix}"
    assert path.read_bytes().startswith(magic)


def test_draw_graph_refuses_large_graphs_with_the_count_and_the_limit(tmp_path: Path) -> None:
    model = mg.nn.MLP(2, [16, 16, 1], rng=0)
    out = model([0.5, -0.5])
    n_values = len(topological_order(out))
    with pytest.raises(
        ValueError,
        match=rf"has \d+ nodes \({n_values} Values and \d+ constants\), more than "
        r"draw_graph's limit of 60",
    ) as info:
        mg.draw_graph(out, tmp_path / "big.png")
    assert "smaller piece" in str(info.value)
    assert not (tmp_path / "big.png").exists()
    small = mg.nn.Neuron(2, rng=0)([1.0, 2.0])
    with pytest.raises(ValueError, match="limit of 5"):
        mg.draw_graph(small, tmp_path / "small.png", max_nodes=5)
    assert mg.draw_graph(small, tmp_path / "small.png", max_nodes=10).exists()


def test_draw_graph_bad_arguments(tmp_path: Path) -> None:
    loss, _, _, _ = line_fit_sample()
    with pytest.raises(ValueError, match=r"writes \.png, \.svg, \.pdf files; got .*'\.jpg'"):
        mg.draw_graph(loss, tmp_path / "graph.jpg")
    with pytest.raises(TypeError, match="expected a minigrad Value to draw; got float"):
        mg.draw_graph(1.0, tmp_path / "graph.png")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected a minigrad Value"):
        mg.to_dot([loss])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="max_nodes must be a positive int"):
        mg.draw_graph(loss, tmp_path / "graph.png", max_nodes=0)


@pytest.mark.parametrize("bad", ["BT", "RL", "lr", "tb", "", None, 1, ("TB",)])
def test_draw_graph_direction_must_be_lr_or_tb(tmp_path: Path, bad: object) -> None:
    loss, _, _, _ = line_fit_sample()
    with pytest.raises(
        ValueError,
        match=r"direction must be one of 'LR' \(left to right\), 'TB' \(top to bottom\); "
        rf"got {re.escape(repr(bad))}$",
    ):
        mg.draw_graph(loss, tmp_path / "graph.png", direction=bad)  # type: ignore[arg-type]
    assert not (tmp_path / "graph.png").exists()
    with pytest.raises(ValueError, match=r"direction must be one of 'LR' .*; got "):
        mg.to_dot(loss, direction=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_to_dot_direction_is_graphvizs_rankdir(direction: str) -> None:
    loss, _, _, _ = line_fit_sample()
    text = mg.to_dot(loss, direction=direction)
    assert text.splitlines()[1] == f"  rankdir={direction};"
    # Only the direction changes: the nodes and edges are the same lines.
    other = mg.to_dot(loss, direction="TB" if direction == "LR" else "LR")
    assert text.splitlines()[2:] == other.splitlines()[2:]


def rendered(loss: mg.Value, direction: str, labels: dict[mg.Value, str] | None = None) -> object:
    """The matplotlib Figure draw_graph would save, for looking at where things are."""
    layers, edges = viz._order_layers(viz._build(loss, labels))
    return viz._render(layers, edges, "a title", direction)


def box_texts(fig: object) -> dict[str, tuple[float, float]]:
    """Each box's name (its bold first line) -> its position, in inches."""
    (ax,) = fig.axes  # type: ignore[attr-defined]
    return {t.get_text(): t.get_position() for t in ax.texts if t.get_fontweight() == "bold"}


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_layers_go_left_to_right_or_top_to_bottom(direction: str) -> None:
    loss, _, _, _ = line_fit_sample()
    loss.backward()
    where = box_texts(rendered(loss, direction))
    chain = ["a", "mul", "add", "sub", "pow_const"]  # each one layer after the one before
    across, along = (0, 1) if direction == "LR" else (1, 0)
    for first, then in itertools.pairwise(chain):
        if direction == "LR":
            assert where[then][0] > where[first][0] + 0.5  # one column to the right
        else:
            assert where[then][1] < where[first][1] - 0.5  # one row lower
    # The other way, a layer's boxes sit side by side: b beside mul, in mul's layer.
    assert where["b"][across] == pytest.approx(where["mul"][across])
    assert abs(where["b"][along] - where["mul"][along]) > 0.5


def test_top_to_bottom_is_narrow_and_tall_for_a_chain(tmp_path: Path) -> None:
    from PIL import Image

    loss, _, _, _ = line_fit_sample()
    sizes = {}
    for direction in ("LR", "TB"):
        path = mg.draw_graph(loss, tmp_path / f"{direction}.png", direction=direction)
        with Image.open(path) as png:
            sizes[direction] = png.size
    (lr_w, lr_h), (tb_w, tb_h) = sizes["LR"], sizes["TB"]
    assert lr_w > lr_h and tb_h > tb_w  # 5 layers of at most 2 boxes, along and across
    assert tb_w < lr_w / 2


@pytest.mark.parametrize("direction", ["LR", "TB"])
def test_boxes_are_as_wide_as_their_text(direction: str) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.patches import FancyBboxPatch

    loss, pred, _, _ = line_fit_sample()
    long = "a prediction with a long, long name"
    fig = rendered(loss, direction, {pred: long})
    FigureCanvasAgg(fig)  # type: ignore[arg-type]
    (ax,) = fig.axes  # type: ignore[attr-defined]
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [p.get_window_extent(renderer) for p in ax.patches if isinstance(p, FancyBboxPatch)]
    texts = [t for t in ax.texts if t.get_text() != "a title"]
    assert any(t.get_text() == f"{long} = add" for t in texts)
    page = fig.bbox  # type: ignore[attr-defined]
    for text in texts:
        extent = text.get_window_extent(renderer)
        assert any(
            b.x0 <= extent.x0 and extent.x1 <= b.x1 and b.y0 <= extent.y0 and extent.y1 <= b.y1
            for b in boxes
        ), f"{text.get_text()!r} sticks out of every box"
        assert page.x0 <= extent.x0 and extent.x1 <= page.x1


def test_a_single_leaf_draws(tmp_path: Path) -> None:
    p = mg.Parameter(1.5, name="alone")
    assert "alone" in mg.to_dot(p)
    assert mg.draw_graph(p, tmp_path / "leaf.png").stat().st_size > 0
    assert mg.draw_graph(p, tmp_path / "leaf.svg", direction="TB").stat().st_size > 0


def test_importing_minigrad_imports_neither_matplotlib_nor_numpy() -> None:
    code = (
        "import sys, minigrad; "
        "print(sorted(m for m in ('matplotlib', 'numpy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
