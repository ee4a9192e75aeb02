"""Read the docs as the test suite and the build see them: code blocks, markers, images.

Conventions in the Markdown (README.md and docs/**/*.md):

* Every ```` ```python ```` block runs, twice: once with the page's other blocks, in order, in
  one namespace; and once **on its own**, in a fresh namespace, as a reader who copies just that
  block runs it. So a block carries its own imports and data.
* ``<!-- continues -->`` on the line before a block (blank lines and other markers may come
  between) says that the block goes on from the one before it, as the next lines of one program
  split by some prose. Such a block runs on its own *after its predecessors*: after the nearest
  unmarked block above it and the marked ones in between, in their namespace. The reader sees
  the marker as a caption above the block (`CONTINUES_CAPTION`, put there by docs/hooks.py at
  build time), so a reader who copies it knows to copy the block above too. Use it sparingly:
  where repeating the setup would bury the point (a long loop, then a look at its result).
  The first block of a page cannot be marked.
* A ```` ```text ```` block right after a python block (only blank lines between) is that
  block's expected standard output, compared line by line (trailing spaces ignored). A python
  block that prints must be followed by one, so that what the reader sees is checked.
* ``<!-- requires: nn -->`` on the line before a block (or before a ``::: minigrad.x``
  reference) marks something that needs a feature not every build has. When the feature is
  missing, the test suite skips that block (only that one: a later block that depends on it
  needs the marker too) and reports the page as skipped, naming the block; the site shows a
  note instead of the reference. Known features: see `FEATURES`.
* Images are ``![alt](path)``; `image_paths` lists them so a test can check they exist.
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _has_attr(name: str) -> Callable[[], bool]:
    def check() -> bool:
        import minigrad

        return hasattr(minigrad, name)

    return check


def _has_module(name: str) -> Callable[[], bool]:
    def check() -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:
            return False

    return check


FEATURES: dict[str, Callable[[], bool]] = {
    "nn": _has_attr("nn"),  # minigrad.nn (issue 4)
    "adam": _has_attr("Adam"),  # mg.Adam (issue 4)
    "viz": _has_attr("to_dot"),  # mg.to_dot / mg.draw_graph, minigrad/viz.py (issue 4)
    "compile": _has_attr("compile"),  # mg.compile (issue 5)
    "testing": _has_module("minigrad.testing"),  # hypothesis strategies
    "torch": _has_module("torch"),  # the PyTorch guide's PyTorch side
}


def missing(requires: tuple[str, ...]) -> list[str]:
    """The features in `requires` that this installation lacks (unknown names raise)."""
    unknown = [name for name in requires if name not in FEATURES]
    if unknown:
        raise ValueError(f"unknown requires marker {unknown}; known: {sorted(FEATURES)}")
    return [name for name in requires if not FEATURES[name]()]


FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<lang>[\w+-]*)(?P<rest>.*)$")
MARKER = re.compile(r"^\s*<!--\s*requires:\s*(?P<names>[\w ,-]+?)\s*-->\s*$")
CONTINUES = re.compile(r"^(?P<indent>\s*)<!--\s*continues\s*-->\s*$")

# What the reader sees in place of ``<!-- continues -->``, by page language (docs/hooks.py).
CONTINUES_CAPTION = {
    "en": "↓ Continues from the code above: run that first.",
    "ko": "↓ 위 코드에서 이어져요. 위 코드를 먼저 실행하세요.",
}


def show_continues(markdown: str, lang: str) -> str:
    """Replace each ``<!-- continues -->`` marker (outside code) by the caption the reader sees.

    The caption is a paragraph of class ``continues`` (attr_list), at the marker's indentation,
    so it also works inside an admonition such as an exercise's solution.
    """
    out: list[str] = []
    fence = ""  # the fence of the code block we are in, if any
    for line in markdown.split("\n"):
        match = FENCE.match(line)
        if fence:
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                fence = ""
        elif match:
            fence = match["fence"]
        elif marker := CONTINUES.match(line):
            indent = marker["indent"]
            out += [f"{indent}{CONTINUES_CAPTION[lang]}", f"{indent}{{: .continues }}", ""]
            continue
        out.append(line)
    return "\n".join(out)


IMAGE = re.compile(r"!\[[^\]]*\]\((?P<path>[^)\s]+)(?:\s+\"[^\"]*\")?\)")


@dataclass
class Block:
    """One fenced code block."""

    lang: str
    code: str
    line: int  # 1-based line of the opening fence
    requires: tuple[str, ...] = ()
    expected: str | None = None  # the following ```text block, for a python block
    end: int = 0  # line of the closing fence
    continues: bool = False  # marked <!-- continues -->: runs after the block(s) above


def _dedent(lines: list[str], indent: str) -> str:
    out = []
    for text in lines:
        out.append(text[len(indent) :] if text.startswith(indent) else text.lstrip())
    return "\n".join(out) + "\n"


def blocks(text: str) -> list[Block]:
    """All fenced code blocks of a Markdown text, with markers and expected outputs attached."""
    lines = text.split("\n")
    found: list[Block] = []
    i = 0
    markers: list[str] = []  # the marker lines since the last other text
    while i < len(lines):
        match = FENCE.match(lines[i])
        if not match:
            if MARKER.match(lines[i]) or CONTINUES.match(lines[i]):
                markers.append(lines[i])
            elif lines[i].strip():
                markers = []
            i += 1
            continue
        indent, fence, lang = match["indent"], match["fence"], match["lang"]
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            close = lines[i].strip()
            if close.startswith(fence[0] * len(fence)) and not close.strip(fence[0]):
                break
            body.append(lines[i])
            i += 1
        requires = tuple(
            n.strip()
            for line in markers
            if (marker := MARKER.match(line))
            for n in marker["names"].split(",")
        )
        continues = any(CONTINUES.match(line) for line in markers)
        code = _dedent(body, indent)
        found.append(Block(lang, code, start + 1, requires, end=i + 1, continues=continues))
        markers = []
        i += 1
    # Attach each ```text block that directly follows a python block as its expected output.
    kept: list[Block] = []
    for block in found:
        previous = kept[-1] if kept else None
        between = lines[previous.end : block.line - 1] if previous else []
        if (
            block.lang == "text"
            and previous is not None
            and previous.lang == "python"
            and previous.expected is None
            and not any(t.strip() for t in between)
            and not block.continues
        ):
            previous.expected = block.code
            continue
        kept.append(block)
    return kept


def image_paths(text: str) -> list[str]:
    """The targets of ``![alt](path)`` images in a Markdown text."""
    return [m["path"] for m in IMAGE.finditer(text)]


def markdown_pages() -> list[Path]:
    """README.md and every page under docs/."""
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]
