"""The docs' derivative table, from `minigrad.ops.REGISTRY`, written into the page at build time.

Every built-in op is one `minigrad.Op` in ``minigrad/ops.py``, and the registry holds them all by
name; each op's ``formula``, ``derivative`` and ``edges`` become one row. The pages
docs/reference/rules.md and docs/reference/rules.ko.md hold their prose and the line `MARKER`;
the MkDocs hook (docs/hooks.py) puts `table` there when the site is built. So adding an op needs
no step here: the table cannot go stale.
"""

from __future__ import annotations

from minigrad.ops import REGISTRY

MARKER = "<!-- rules-table: the rows of minigrad.ops.REGISTRY are put here by docs/hooks.py -->"
"""The line of a rules page that the built site shows as the table."""

HEADERS = {
    "en": ("op", "f", "∂f / ∂inputs", "edge points (as PyTorch, float64)"),
    "ko": ("연산", "f", "∂f / ∂입력", "경계점의 약속 (PyTorch float64와 같음)"),
}


def _cell(text: str) -> str:
    """Escape what Markdown would read as table syntax, emphasis or HTML."""
    for char in ("\\", "|", "*", "_", "`", "[", "]", "{", "}"):
        text = text.replace(char, "\\" + char)
    return text.replace("<", "&lt;").replace(">", "&gt;") or "—"


def table(lang: str) -> str:
    """The Markdown table with a row per op of the registry, headers in `lang` ("en" or "ko")."""
    header = HEADERS[lang]
    rows = [
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] * len(header)) + "|",
    ]
    for op in REGISTRY.values():
        cells = [
            f"`{op.name}`",
            _cell(op.formula),
            _cell(op.derivative),
            _cell(op.edges),
        ]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows) + "\n"
