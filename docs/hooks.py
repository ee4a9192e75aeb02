"""MkDocs hooks: a page per example script, the derivative table, ``<!-- requires -->`` markers.

* ``examples/<name>.py`` of the repository becomes the page ``examples/<name>.md`` of the site
  (its docstring, how to run it, its source), so the tutorial links to the script it runs. A
  link to an example that does not exist fails ``mkdocs build --strict``.
* A ``::: minigrad.nn`` reference to a module that this checkout does not have yet would break
  ``mkdocs build --strict``. Marked with ``<!-- requires: nn -->`` on the line before, it
  becomes a note saying which feature is missing instead. Remove the marker once the feature is
  merged.
* The line ``gen_rules_table.MARKER`` of the derivative rules pages becomes the table of every
  op in ``minigrad.ops.REGISTRY``, written when the site is built.
"""

from __future__ import annotations

import ast
import logging
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_rules_table  # found through the path set just above
from docs_blocks import MARKER, missing

log = logging.getLogger("mkdocs.hooks.requires")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def example_page(script: Path) -> str:
    """The Markdown page that shows one example script."""
    source = script.read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    summary, _, rest = docstring.partition("\n\n")
    parts = [f"# examples/{script.name}", "", summary, ""]
    if rest:
        parts += ["```text", rest.strip("\n"), "```", ""]
    if not script.name.startswith("_"):
        parts += [
            "Run it from the repository's root (figures go to `--out`, default `outputs/`):",
            "",
            "```bash",
            f"python examples/{script.name} --help",
            f"python examples/{script.name} --out outputs/{script.stem}",
            "```",
            "",
        ]
    parts += ["## Source", "", "```python", source.rstrip("\n"), "```", ""]
    return "\n".join(parts)


def examples_index(scripts: list[Path]) -> str:
    """The page that lists every example with the first line of its docstring."""
    lines = [
        "# Examples",
        "",
        "One runnable lesson per script, in `examples/` of the repository. Each takes `--out DIR`"
        " for its figures and `--help` for its options; the tutorial shows their figures.",
        "",
        "| script | what it shows |",
        "|---|---|",
    ]
    for script in scripts:
        if script.name.startswith("_"):
            continue
        docstring = ast.get_docstring(ast.parse(script.read_text(encoding="utf-8"))) or ""
        summary = docstring.split("\n")[0].replace("|", "\\|")
        lines.append(f"| [`{script.name}`]({script.stem}.md) | {summary} |")
    return "\n".join(lines) + "\n"


def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    """Add a generated page for every script in examples/, and their index."""
    from mkdocs.structure.files import File

    scripts = sorted(EXAMPLES.glob("*.py")) if EXAMPLES.is_dir() else []
    for script in scripts:
        files.append(
            File.generated(config, f"examples/{script.stem}.md", content=example_page(script))
        )
    files.append(File.generated(config, "examples/index.md", content=examples_index(scripts)))
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Write the derivative table; replace ``::: module`` references whose feature is missing."""
    if gen_rules_table.MARKER in markdown:
        lang = "ko" if page.file.src_path.startswith("ko/") else "en"
        markdown = markdown.replace(gen_rules_table.MARKER, gen_rules_table.table(lang))
    lines = markdown.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        marker = MARKER.match(lines[i])
        if marker and i + 1 < len(lines) and lines[i + 1].startswith(":::"):
            names = tuple(n.strip() for n in marker["names"].split(","))
            lacking = missing(names)
            if lacking:
                target = lines[i + 1][3:].strip().split()[0]
                log.info("%s: %s needs %s; not in this build", page.file.src_path, target, lacking)
                out += [
                    f'!!! note "`{target}` is not in this build"',
                    f"    It needs {', '.join(lacking)}, which this checkout does not have yet.",
                ]
                i += 2
                # Skip the reference's indented options, if any.
                while i < len(lines) and lines[i].startswith("    "):
                    i += 1
                continue
        out.append(lines[i])
        i += 1
    return "\n".join(out)
