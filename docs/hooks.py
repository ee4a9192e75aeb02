"""MkDocs hooks: a page per example script, the derivative table, ``<!-- requires -->`` markers.

* ``examples/<name>.py`` of the repository becomes the page ``examples/<name>.md`` of the site
  (its docstring, how to run it, its source), so the tutorial links to the script it runs. A
  link to an example that does not exist fails ``mkdocs build --strict``.
* A ``::: minigrad.nn`` reference to a module that this checkout does not have yet would break
  ``mkdocs build --strict``. Marked with ``<!-- requires: nn -->`` on the line before, it
  becomes a note saying which feature is missing instead. Remove the marker once the feature is
  merged.
* ``<!-- continues -->`` before a code block becomes a caption saying it continues the code
  above (see docs/docs_blocks.py).
* The line ``gen_rules_table.MARKER`` of the derivative rules pages becomes the table of every
  op in ``minigrad.ops.REGISTRY``, written when the site is built.
"""

from __future__ import annotations

import ast
import gzip
import html
import json
import logging
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.plugins import event_priority

sys.path.insert(0, str(Path(__file__).resolve().parent))

import gen_rules_table  # found through the path set just above
from docs_blocks import MARKER, missing, show_continues
from search_text import strip_math

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


def page_language(src_path: str) -> str:
    """The language of a page from its file name: ``x.ko.md`` is Korean, ``x.md`` English."""
    return "ko" if src_path.endswith(".ko.md") else "en"


def _localized(config: Any, src_uri: str, content: str, lang: str, default: str) -> Any:
    """A generated page, built under ``<lang>/`` when `lang` is not the default language."""
    from mkdocs.structure.files import File

    file = File.generated(config, src_uri, content=content)
    if lang != default:
        file.dest_uri = f"{lang}/{file.dest_uri}"  # url and abs_dest_path follow (computed once)
    return file


@event_priority(-110)  # after mkdocs-static-i18n (-100), which cannot take generated files
def on_files(files: Any, config: Any, **kwargs: Any) -> Any:
    """Add a generated page for every script in examples/, and their index.

    The pages are English (the scripts are): in a Korean build they are built under ``ko/`` and
    recorded as the plugin records an untranslated page, so the language switch and the sitemap
    find them.
    """
    i18n = config.plugins.get("i18n")
    lang = i18n.current_language if i18n else "en"
    default = i18n.default_language if i18n else "en"
    languages = i18n.build_languages if i18n else [lang]
    # Lessons only: a helper module (examples/_common.py) is no page of its own.
    scripts = sorted(EXAMPLES.glob("[!_]*.py")) if EXAMPLES.is_dir() else []
    pages = {f"examples/{script.stem}.md": example_page(script) for script in scripts}
    pages["examples/index.md"] = examples_index(scripts)
    for src_uri, content in pages.items():
        file = _localized(config, src_uri, content, lang, default)
        if i18n:
            file.locale, file.localization = default, None
            file.locale_alternate_of, file.norm_src_uri = lang, src_uri
            file.alternates = {
                other: file
                if other == lang
                else _localized(config, src_uri, content, other, default)
                for other in languages
            }
            i18n.i18n_files_per_language[lang].append(file)
        files.append(file)
    return files


def on_page_markdown(markdown: str, page: Any, **kwargs: Any) -> str:
    """Write the derivative table; replace ``::: module`` references whose feature is missing.

    Also shows each ``<!-- continues -->`` marker as a caption (`docs_blocks.show_continues`).
    """
    lang = page_language(page.file.src_path)
    if gen_rules_table.MARKER in markdown:
        markdown = markdown.replace(gen_rules_table.MARKER, gen_rules_table.table(lang))
    markdown = show_continues(markdown, lang)
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


# -- One site, two languages: what mkdocs-static-i18n leaves to the theme ----------------------

# Material fetches `<href>/sitemap.xml` for each `<link rel="alternate" hreflang>` in the head, to
# map the current page to the same page in that language. mkdocs-static-i18n already points each
# language link at the page's own counterpart (/tutorial/loss/ <-> /ko/tutorial/loss/), so that
# fetch only asks for /ko/tutorial/loss/sitemap.xml, a 404 on every page. The hreflang pairs are in
# the sitemap instead (written below), where search engines read them too.
HEAD_ALTERNATE = re.compile(r'\s*<link rel="alternate" href="[^"]*" hreflang="[^"]*">')
CONFIG_BASE = re.compile(r'("base":\s*")([^"]*)(")')


def _i18n(config: Any) -> Any:
    return config.plugins.get("i18n")


def on_post_page(output: str, page: Any, config: Any, **kwargs: Any) -> str:
    """Drop the head's language links; root a translation's search and sitemap at ``/<lang>/``.

    Material's scripts find the search index and the sitemap under ``__config.base``. For a
    Korean page that is ``/ko/``, so its search reads the Korean index written by
    `on_post_build` and the language menu of the theme stays within the Korean site.
    """
    output = HEAD_ALTERNATE.sub("", output)
    i18n = _i18n(config)
    if i18n and i18n.current_language != i18n.default_language:
        lang = i18n.current_language
        output = CONFIG_BASE.sub(lambda m: f"{m[1]}{m[2]}/{lang}/{m[3]}", output, count=1)
    return output


def _sitemap(urls: list[tuple[str, dict[str, str]]]) -> str:
    """A sitemap with each page's hreflang alternates (``xhtml:link``)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
        ' xmlns:xhtml="http://www.w3.org/1999/xhtml">',
    ]
    for loc, alternates in urls:
        lines.append(f"  <url>\n    <loc>{html.escape(loc)}</loc>")
        for lang, href in alternates.items():
            lines.append(
                f'    <xhtml:link rel="alternate" hreflang="{lang}" href="{html.escape(href)}"/>'
            )
        lines.append("  </url>")
    lines.append("</urlset>\n")
    return "\n".join(lines)


def _write_sitemaps(config: Any, i18n: Any) -> None:
    """``sitemap.xml`` (every page) and ``<lang>/sitemap.xml`` (that language's pages).

    Locations are absolute with ``site_url`` and root-relative without it (the plugin's template
    would write ``None/…``).
    """
    prefix = config.site_url or "/"

    def href(file: Any) -> str:
        return prefix + ("" if file.url == "./" else file.url)

    by_lang: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for lang, files in i18n.i18n_files_per_language.items():
        by_lang[lang] = [
            (href(f), {alt: href(other) for alt, other in sorted(f.alternates.items())})
            for f in files
            if f.is_documentation_page()
        ]
    site = Path(config.site_dir)
    everything = [entry for entries in by_lang.values() for entry in entries]
    for path, entries in [(site / "sitemap.xml", everything)] + [
        (site / lang / "sitemap.xml", entries)
        for lang, entries in by_lang.items()
        if lang != i18n.default_language
    ]:
        text = _sitemap(entries)
        path.write_text(text, encoding="utf-8")
        path.with_suffix(".xml.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def _split_search_index(config: Any, i18n: Any) -> None:
    """One search index per language, math as text.

    The plugin merges both languages into ``search/search_index.json``. The default language keeps
    its own pages there; ``<lang>/search/search_index.json`` gets the translated pages (locations
    relative to ``/<lang>/``) plus the untranslated ones, which the Korean site shows in English at
    the same relative path. In every entry, TeX becomes text (`search_text.strip_math`), so a
    preview reads ``η`` where the page shows η.
    """
    path = Path(config.site_dir) / "search" / "search_index.json"
    index = json.loads(path.read_text(encoding="utf-8"))
    for doc in index["docs"]:
        doc["title"] = strip_math(doc["title"])
        doc["text"] = strip_math(doc["text"])
    others = [lang for lang in i18n.build_languages if lang != i18n.default_language]
    own = [d for d in index["docs"] if d["location"].split("/")[0] not in others]
    path.write_text(json.dumps({**index, "docs": own}, ensure_ascii=False), encoding="utf-8")
    for lang in others:
        mine = [
            {**d, "location": d["location"][len(lang) + 1 :]}
            for d in index["docs"]
            if d["location"].startswith(f"{lang}/")
        ]
        translated = {d["location"].split("#")[0] for d in mine}
        untranslated = [d for d in own if d["location"].split("#")[0] not in translated]
        target = Path(config.site_dir) / lang / "search" / "search_index.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps({**index, "docs": mine + untranslated}, ensure_ascii=False),
            encoding="utf-8",
        )


@event_priority(-200)  # after mkdocs-static-i18n (-100) has built every language and the index
def on_post_build(config: Any, **kwargs: Any) -> None:
    """Per language: the search index and the sitemap (see `on_post_page`)."""
    i18n = _i18n(config)
    if i18n is None or i18n.building:  # a language's own build, inside the plugin's
        return
    _split_search_index(config, i18n)
    _write_sitemaps(config, i18n)
