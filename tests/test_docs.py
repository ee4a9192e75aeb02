"""The docs run: every python block in README.md and docs/, the generated rule table, the images.

Conventions (see docs/docs_blocks.py): a page's ```python blocks run in order in one namespace;
a ```text block right after one is its expected output; a block marked ``<!-- requires: X -->``
is skipped when feature X is missing (the rest of the page still runs, and the page's test is
then reported as skipped, naming the blocks it could not run).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_docs_{name}", DOCS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


docs_blocks = _load("docs_blocks")
gen_rules_table = _load("gen_rules_table")

# Optional packages the project never depends on: blocks needing them are compiled, not run.
NEVER_INSTALLED = {"torch"}

# Printed output is checked against the ```text block that follows, on every page.
UNCHECKED_OUTPUT: set[str] = set()


def _normalise(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").split("\n"))


def run_page(text: str, name: str, *, alone: bool = False) -> list[str]:
    """Run the python blocks of one page; return the marked blocks it skipped (if any).

    In page order (``alone=False``) every block runs in one namespace. With ``alone=True`` each
    block runs in a fresh namespace, as a reader who copies only that block runs it, except a
    block marked ``<!-- continues -->``, which runs after its predecessors (the nearest unmarked
    block above it and the marked ones in between), in their namespace.
    """
    namespace: dict[str, object] = {"__name__": f"docs:{name}"}
    skipped = []
    first = True
    for block in docs_blocks.blocks(text):
        if block.lang != "python":
            continue
        if block.continues and first:
            raise AssertionError(f"{name}:{block.line}: marked continues, but no block is above")
        first = False
        if alone and not block.continues:
            namespace = {"__name__": f"docs:{name}:{block.line}"}
        lacking = docs_blocks.missing(block.requires)
        if lacking and set(lacking) <= NEVER_INSTALLED:
            # PyTorch is never a dependency: its side of a comparison is only compiled here.
            compile(block.code, f"{name}:{block.line}", "exec")
            continue
        if lacking:
            skipped.append(f"{name}:{block.line} needs {', '.join(lacking)}")
            continue
        out = io.StringIO()
        code = compile(block.code, f"{name}:{block.line}", "exec")
        with contextlib.redirect_stdout(out):
            try:
                exec(code, namespace)
            except NameError as error:
                if not alone:
                    raise
                raise AssertionError(
                    f"{name}:{block.line} does not run on its own ({error}): give it its "
                    "imports and data, or mark it <!-- continues --> (docs/docs_blocks.py)"
                ) from error
        printed = out.getvalue()
        if block.expected is not None:
            assert _normalise(printed) == _normalise(block.expected), (
                f"{name}:{block.line}: the block printed\n{printed}\nbut the page shows\n"
                f"{block.expected}"
            )
        elif printed and name not in UNCHECKED_OUTPUT:
            raise AssertionError(
                f"{name}:{block.line}: the block printed\n{printed}\nbut no ```text block "
                "after it shows the reader what to expect"
            )
    return skipped


PAGES = [p for p in docs_blocks.markdown_pages() if "```python" in p.read_text(encoding="utf-8")]


@pytest.mark.parametrize("alone", [False, True], ids=["in-page-order", "each-alone"])
@pytest.mark.parametrize("page", PAGES, ids=[str(p.relative_to(ROOT)) for p in PAGES])
def test_code_blocks_run(page: Path, alone: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MPLBACKEND", "Agg")
    name = str(page.relative_to(ROOT))
    skipped = run_page(page.read_text(encoding="utf-8"), name, alone=alone)
    if skipped:
        pytest.skip("the other blocks ran; skipped " + "; ".join(skipped))


def test_a_wrong_expected_output_fails() -> None:
    page = "```python\nprint(1 + 1)\n```\n\n```text\n3\n```\n"
    with pytest.raises(AssertionError, match="printed"):
        run_page(page, "wrong.md")


def test_unshown_output_fails() -> None:
    with pytest.raises(AssertionError, match="no ```text block"):
        run_page("```python\nprint('surprise')\n```\n", "unshown.md")


def test_blocks_share_a_namespace_and_skip_only_marked_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(docs_blocks.FEATURES, "absent", lambda: False)
    page = (
        "```python\nx = 2\n```\n\n"
        "    ```python\n    print(x * 21)\n    ```\n\n    ```text\n    42\n    ```\n\n"
        "<!-- requires: absent -->\n```python\nraise RuntimeError('must not run')\n```\n\n"
        "```python\nx = 3\n```\n"
    )
    assert run_page(page, "p.md") == ["p.md:14 needs absent"]
    with pytest.raises(ZeroDivisionError):  # an unmarked block after a skipped one still runs
        run_page(page + "\n```python\n1 / (x - 3)\n```\n", "p.md")


def test_each_block_runs_alone_unless_marked_continues() -> None:
    leaning = "```python\nx = 2\n```\n\n```python\nprint(x * 21)\n```\n\n```text\n42\n```\n"
    assert run_page(leaning, "p.md") == []  # in page order it runs
    with pytest.raises(AssertionError, match=r"p.md:5 does not run on its own \(name 'x'"):
        run_page(leaning, "p.md", alone=True)
    marked = leaning.replace("\n\n```python\nprint", "\n\n<!-- continues -->\n```python\nprint")
    assert run_page(marked, "p.md", alone=True) == []
    # A marked block runs after its chain only: the nearest unmarked block above starts afresh.
    chain = marked + "\n```python\ny = 1\n```\n\n<!-- continues -->\n```python\nx\n```\n"
    assert run_page(chain, "p.md") == []
    with pytest.raises(AssertionError, match="name 'x' is not defined"):
        run_page(chain, "p.md", alone=True)
    # The output a marked block prints is still compared.
    with pytest.raises(AssertionError, match="printed"):
        run_page(marked.replace("42", "43"), "p.md", alone=True)


def test_the_first_block_cannot_continue() -> None:
    with pytest.raises(AssertionError, match="no block is above"):
        run_page("<!-- continues -->\n```python\npass\n```\n", "p.md", alone=True)


def test_continues_and_requires_markers_combine() -> None:
    page = "<!-- requires: nn -->\n<!-- continues -->\n\n```python\npass\n```\n"
    (block,) = docs_blocks.blocks("```python\npass\n```\n\n" + page)[1:]
    assert block.continues and block.requires == ("nn",)
    (block,) = docs_blocks.blocks("<!-- continues -->\nSome prose.\n```python\npass\n```\n")
    assert not block.continues  # prose between: the marker belongs to nothing


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_reader_sees_a_caption_where_a_block_continues(lang: str) -> None:
    hooks = _load("hooks")
    src = "tutorial/x.ko.md" if lang == "ko" else "tutorial/x.md"
    page = type("Page", (), {"file": type("File", (), {"src_path": src})()})()
    text = (
        "```python\nx = 1\n```\n\n<!-- continues -->\n```python\nprint(x)\n```\n\n"
        '??? note "Solution"\n    <!-- continues -->\n    ```python\n    x\n    ```\n\n'
        "````markdown\n<!-- continues -->\n````\n"  # shown as code: left alone
    )
    out = hooks.on_page_markdown(text, page).split("\n")
    caption = docs_blocks.CONTINUES_CAPTION[lang]
    assert out[4:7] == [caption, "{: .continues }", ""]
    assert out[12:15] == ["    " + caption, "    {: .continues }", ""]
    assert out[-3:-1] == ["<!-- continues -->", "````"]
    markdown = pytest.importorskip("markdown", reason="the docs extra is not installed")
    html = markdown.markdown("\n".join(out[4:]), extensions=["attr_list", "fenced_code"])
    assert f'<p class="continues">{caption}</p>' in html


def test_unknown_marker_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown requires marker"):
        run_page("<!-- requires: warp_drive -->\n```python\npass\n```\n", "p.md")


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_built_rules_page_shows_a_row_per_op(lang: str) -> None:
    # The committed page holds the marker; the build (docs/hooks.py) puts the table there.
    from types import SimpleNamespace

    from minigrad.ops import REGISTRY

    hooks = _load("hooks")
    path = DOCS / "reference" / ("rules.ko.md" if lang == "ko" else "rules.md")
    text = path.read_text(encoding="utf-8")
    assert text.count(gen_rules_table.MARKER) == 1
    page = SimpleNamespace(file=SimpleNamespace(src_path=str(path.relative_to(DOCS))))
    built = hooks.on_page_markdown(text, page)
    assert gen_rules_table.MARKER not in built
    assert gen_rules_table.HEADERS[lang][0] in built
    for name in REGISTRY:
        assert f"| `{name}` |" in built


def test_math_becomes_text_for_the_search_index() -> None:
    search_text = _load("search_text")
    assert search_text.strip_math(r"rate \(\eta\), step \(x := x - \eta f'(x)\).") == (
        "rate η, step x := x - η f'(x)."
    )
    assert search_text.tex_to_text(r"\partial L/\partial a = 2(\hat y - y)") == "∂L/∂a = 2(ŷ - y)"
    assert search_text.tex_to_text(r"\tfrac{f(x + h) - f(x)}{h}") == "(f(x + h) - f(x))/h"
    assert search_text.tex_to_text(r"10^{-6} \cdot x_{i+1}^2") == "10⁻⁶ · xᵢ₊₁²"
    assert search_text.tex_to_text(r"x^{\mathsf T}") == "x^T"  # no superscript T: spelled out
    assert (
        search_text.strip_math(r"\[ \sigma(x) = \frac{1}{1 + e^{-x}} \]") == "σ(x) = 1/(1 + e^(-x))"
    )
    # Nothing of TeX is left in any formula the docs write.
    for page in docs_blocks.markdown_pages():
        for formula in re.findall(r"\$([^$\n]+)\$", page.read_text(encoding="utf-8")):
            assert "\\" not in search_text.tex_to_text(formula), (page, formula)


def test_rule_table_has_a_row_per_rule() -> None:
    from minigrad.ops import REGISTRY

    rows = [line for line in gen_rules_table.table("en").splitlines() if line.startswith("| `")]
    assert [row.split("`")[1] for row in rows] == list(REGISTRY)


def test_rule_table_renders_every_cell_verbatim() -> None:
    """Markdown must not eat |x|, x ** c, {−1, 0, 1} or <: each cell shows the rule's text."""
    from html.parser import HTMLParser

    markdown = pytest.importorskip("markdown", reason="the docs extra is not installed")
    from minigrad.ops import REGISTRY

    class Cells(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.rows: list[list[str]] = []
            self.cell: list[str] | None = None

        def handle_starttag(self, tag: str, attrs: object) -> None:
            if tag == "tr":
                self.rows.append([])
            elif tag == "td":
                self.cell = []

        def handle_endtag(self, tag: str) -> None:
            if tag == "td" and self.cell is not None:
                self.rows[-1].append("".join(self.cell))
                self.cell = None

        def handle_data(self, data: str) -> None:
            if self.cell is not None:
                self.cell.append(data)

    parser = Cells()
    parser.feed(markdown.markdown(gen_rules_table.table("en"), extensions=["tables", "attr_list"]))
    expected = [[r.name, r.formula, r.derivative, r.edges or "—"] for r in REGISTRY.values()]
    assert [row for row in parser.rows if row] == expected


IMAGES = [
    (page, target)
    for page in docs_blocks.markdown_pages()
    if page.is_relative_to(DOCS)
    for target in docs_blocks.image_paths(page.read_text(encoding="utf-8"))
]


@pytest.mark.parametrize(
    ("page", "target"), IMAGES, ids=[f"{p.relative_to(DOCS)}:{t}" for p, t in IMAGES]
)
def test_every_image_exists(page: Path, target: str) -> None:
    path = (page.parent / target).resolve()
    assert path.is_file(), (
        f"{page.relative_to(ROOT)} shows {target}, which does not exist: run "
        "python docs/gen_figures.py (figures come from the examples)"
    )


def test_korean_tutorial_mirrors_the_english_one() -> None:
    # mkdocs-static-i18n, suffix structure: tutorial/loss.md is translated by tutorial/loss.ko.md
    pages = list((DOCS / "tutorial").rglob("*.md"))
    english = {p for p in pages if not p.name.endswith(".ko.md")}
    korean = {
        p.with_name(p.name.removesuffix(".ko.md") + ".md")
        for p in pages
        if p.name.endswith(".ko.md")
    }
    assert english == korean
    for page in english:
        en_figures = docs_blocks.image_paths(page.read_text(encoding="utf-8"))
        ko_page = page.with_suffix(".ko.md")
        ko_figures = docs_blocks.image_paths(ko_page.read_text(encoding="utf-8"))
        assert [Path(f).name for f in en_figures] == [Path(f).name for f in ko_figures], page


CODE_WIDTH = 78  # what a code block shows without scrolling in a 1280-pixel-wide window


@pytest.mark.parametrize(
    "page",
    [p for p in docs_blocks.markdown_pages() if p.is_relative_to(DOCS)],
    ids=lambda p: str(p.relative_to(DOCS)),
)
def test_code_fits_the_page_width(page: Path) -> None:
    long = [
        f"line {block.line + 1 + i}: {len(text)} characters"
        for block in docs_blocks.blocks(page.read_text(encoding="utf-8"))
        if block.lang in ("python", "bash", "text")
        for i, text in enumerate(block.code.split("\n"))
        if len(text) > CODE_WIDTH
    ]
    assert not long, f"{page.relative_to(ROOT)}: code wider than {CODE_WIDTH}: {long}"


def test_doctests_in_docstrings_become_code_blocks() -> None:
    griffe_doctest = pytest.importorskip("griffe", reason="the docs extra is not installed") and (
        _load("griffe_doctest")
    )
    text = "Summary.\n\nExample:\n    >>> x = 1\n    >>> x\n    1\n\nAfter.\n"
    assert griffe_doctest.fence_doctests(text) == (
        "Summary.\n\nExample:\n    ```pycon\n    >>> x = 1\n    >>> x\n    1\n    ```\n\nAfter.\n"
    )


def test_a_marked_reference_to_a_missing_feature_becomes_a_note(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hooks = _load("hooks")
    features = sys.modules["docs_blocks"].FEATURES  # the copy the hook imported
    monkeypatch.setitem(features, "absent", lambda: False)
    monkeypatch.setitem(features, "present", lambda: True)
    page = type("Page", (), {"file": type("File", (), {"src_path": "api.md"})()})()
    text = "<!-- requires: absent -->\n::: minigrad.gone\n    options:\n      x: 1\n\nAfter.\n"
    out = hooks.on_page_markdown(text, page)
    assert "::: minigrad.gone" not in out and "`minigrad.gone` is not in this build" in out
    assert out.endswith("\nAfter.\n")
    kept = "<!-- requires: present -->\n::: minigrad.here\n"
    assert hooks.on_page_markdown(kept, page) == kept


def test_the_nav_lists_every_page_and_every_lesson() -> None:
    """Every English page, every example script (not its helpers) and nothing else, once."""
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = re.findall(r"^\s+- (?:[^\n]*: )?(\S+\.md)$", text.split("\nnav:\n", 1)[1], re.M)
    assert len(nav) == len(set(nav))
    pages = {
        str(p.relative_to(DOCS))
        for p in DOCS.rglob("*.md")
        if not p.name.endswith(".ko.md")  # translations take the English page's place
    }
    examples = {
        f"examples/{p.stem}.md"
        for p in (ROOT / "examples").glob("*.py")
        if not p.name.startswith("_")
    }
    assert set(nav) == pages | examples | {"examples/index.md"}
    assert "examples/_common.md" not in nav


@pytest.mark.parametrize(
    ("page", "unit"),
    [("concepts/reverse-mode.md", "lines"), ("concepts/reverse-mode.ko.md", "줄")],
)
def test_the_engine_files_line_counts_in_the_reverse_mode_page_are_true(
    page: str, unit: str
) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    counts = re.findall(rf"`minigrad/(\w+\.py)` \((\d+) ?{unit}\)", text)
    assert {name for name, _ in counts} >= {"ops.py", "value.py", "backprop.py"}
    for name, stated in counts:
        actual = len((ROOT / "minigrad" / name).read_text(encoding="utf-8").splitlines())
        assert int(stated) == actual, f"{page} says {name} has {stated} {unit}; it has {actual}"
