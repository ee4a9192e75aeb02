"""The built docs site in a real browser: headless Chromium over a local HTTP server.

The site is built once (``mkdocs build --strict``) into a temporary directory and served on
127.0.0.1. Every page reachable from the two home pages (``/`` and ``/ko/``) is loaded at phone
width (390 px) and checked: the math was rendered (no TeX left in the text), every image loaded,
no request failed or left the machine, ``<html lang>`` names the page's language, the language
menu and Next/Previous stay on the same page / in the same language, nothing scrolls sideways.
Then, at desktop width: the language menu, clicked, lands on the same page in the other
language; the search finds ``zero_grad`` where the docs explain it, in each language's own pages,
with previews free of TeX.

The browser is the system's Chromium (Debian's package, which .ci/run installs), driven by
Playwright without a browser download. Set MINIGRAD_SITE_SHOTS=DIR to keep screenshots.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next(
    (p for p in ("/usr/bin/chromium", shutil.which("chromium") or "") if p and os.path.exists(p)),
    None,
)
if CHROMIUM is None:
    pytest.skip(
        "no Chromium found (/usr/bin/chromium): .ci/run installs it", allow_module_level=True
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright (the dev extra) drives the browser"
)
pytest.importorskip("mkdocs_static_i18n", reason="the docs extra builds the site")

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
SHOTS = os.environ.get("MINIGRAD_SITE_SHOTS")

# What the checks read from a page, in one evaluation.
PAGE_FACTS = """() => {
  const text = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll("pre, code, script, style, .katex").forEach((e) => e.remove());
    return copy.textContent;
  };
  const content = document.querySelector("article.md-content__inner") || document.body;
  const firstParagraph = content.querySelector("p");
  return {
    lang: document.documentElement.lang,
    tex: [...document.querySelectorAll(".arithmatex")]
      .map(text)
      .concat([text(content)])
      .filter((t) => /\\\\\\(|\\\\\\[|\\$\\$/.test(t))
      .map((t) => t.slice(0, 80)),
    brokenImages: [...document.images]
      .filter((img) => !img.complete || img.naturalWidth === 0)
      .map((img) => img.getAttribute("src")),
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    wordBreak: firstParagraph ? getComputedStyle(firstParagraph).wordBreak : null,
    languageLinks: Object.fromEntries(
      [...document.querySelectorAll("a.md-select__link[hreflang]")].map((a) => [
        a.hreflang,
        a.href,
      ])
    ),
    footerLinks: [...document.querySelectorAll("a.md-footer__link")].map((a) => a.href),
    links: [...document.querySelectorAll("a[href]")].map((a) => a.href),
  };
}"""


@dataclass
class Crawl:
    base: str
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # path -> PAGE_FACTS
    failed: list[str] = field(default_factory=list)  # "404 /x/ (from /y/)"
    external: set[str] = field(default_factory=set)


def language(path: str) -> str:
    return "ko" if path.startswith("/ko/") else "en"


def counterpart(path: str) -> str:
    """The same page in the other language: /tutorial/loss/ <-> /ko/tutorial/loss/."""
    return path[3:] if path.startswith("/ko/") else "/ko" + path


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path, "NO_MKDOCS_2_WARNING": "1"}
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert build.returncode == 0, build.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=site))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=False)


@pytest.fixture(scope="module")
def crawl(browser: Any, base: str) -> Crawl:
    """Every page reachable from / and /ko/, loaded at phone width."""
    result = Crawl(base)
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    # The search tests below read the real indexes; here, each page's search worker would build
    # the whole index again, the slowest part of a page load.
    context.route(
        "**/search/search_index.json",
        lambda route: route.fulfill(json={"config": {"lang": ["en"]}, "docs": []}),
    )
    page = context.new_page()
    current = {"path": ""}

    def on_response(response: Any) -> None:
        if response.status >= 400:
            result.failed.append(f"{response.status} {response.url} (from {current['path']})")

    def on_request(request: Any) -> None:
        if not request.url.startswith((base, "data:", "blob:")):
            result.external.add(request.url)

    page.on("response", on_response)
    page.on("request", on_request)

    def on_failed(request: Any) -> None:
        # Left unfinished when the crawl moves on (the search worker's scripts) is not a failure.
        if "ERR_ABORTED" not in (request.failure or ""):
            result.failed.append(f"{request.failure} {request.url} (from {current['path']})")

    page.on("requestfailed", on_failed)
    queue = ["/", "/ko/"]
    while queue:
        path = queue.pop(0)
        if path in result.facts:
            continue
        current["path"] = path
        page.goto(base + path, wait_until="load")  # images loaded, KaTeX run (on DOM ready)
        facts = page.evaluate(PAGE_FACTS)
        result.facts[path] = facts
        for href in facts["links"]:
            parts = urlsplit(href)
            if not href.startswith(base) or not parts.path.endswith(("/", ".html")):
                continue
            if parts.path not in result.facts and parts.path not in queue:
                queue.append(parts.path)
    # The sitemaps the theme reads (and search engines): every location is a page that loads.
    for sitemap in ("/sitemap.xml", "/ko/sitemap.xml"):
        response = page.request.get(base + sitemap)
        assert response.ok, f"{sitemap}: {response.status}"
        for loc in response.text().split("<loc>")[1:]:
            url = urljoin(base + sitemap, loc.split("</loc>")[0])
            status = page.request.get(url).status
            if status >= 400:
                result.failed.append(f"{status} {url} (listed in {sitemap})")
    context.close()
    return result


def test_the_crawl_reaches_both_languages(crawl: Crawl) -> None:
    paths = set(crawl.facts)
    for must in ("/", "/tutorial/loss/", "/reference/api/", "/ko/", "/ko/tutorial/loss/"):
        assert must in paths, sorted(paths)
    # Every page has its counterpart in the other language (translated or shown in English).
    assert {counterpart(p) for p in paths if "." not in p.rsplit("/", 1)[-1]} <= paths


def test_no_request_fails_or_leaves_the_machine(crawl: Crawl) -> None:
    assert not crawl.failed, crawl.failed
    assert not crawl.external, sorted(crawl.external)  # no font service, no CDN: works offline


def test_html_lang_is_the_pages_language(crawl: Crawl) -> None:
    wrong = {p: f["lang"] for p, f in crawl.facts.items() if f["lang"] != language(p)}
    assert not wrong, wrong


def test_math_is_rendered_everywhere(crawl: Crawl) -> None:
    raw = {p: f["tex"] for p, f in crawl.facts.items() if f["tex"]}
    assert not raw, raw


def test_every_image_loads(crawl: Crawl) -> None:
    broken = {p: f["brokenImages"] for p, f in crawl.facts.items() if f["brokenImages"]}
    assert not broken, broken


def test_no_page_scrolls_sideways_on_a_phone(crawl: Crawl) -> None:
    wide = {
        p: (f["scrollWidth"], f["innerWidth"])
        for p, f in crawl.facts.items()
        if f["scrollWidth"] > f["innerWidth"]
    }
    assert not wide, wide


def test_language_menu_and_footer_stay_on_the_page_and_in_the_language(crawl: Crawl) -> None:
    wrong = []
    for path, facts in crawl.facts.items():
        lang = language(path)
        other = "en" if lang == "ko" else "ko"
        links = {k: urlsplit(v).path for k, v in facts["languageLinks"].items()}
        if links != {lang: path, other: counterpart(path)}:
            wrong.append((path, "language menu", links))
        for href in facts["footerLinks"]:
            if language(urlsplit(href).path) != lang:
                wrong.append((path, "footer", href))
    assert not wrong, wrong


def test_korean_breaks_between_words(crawl: Crawl) -> None:
    korean = {p: f["wordBreak"] for p, f in crawl.facts.items() if p.startswith("/ko/")}
    assert {w for w in korean.values() if w is not None} == {"keep-all"}, korean
    english = {f["wordBreak"] for p, f in crawl.facts.items() if not p.startswith("/ko/")}
    assert "keep-all" not in english


@pytest.fixture
def desktop(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize(
    ("start", "lang", "expected"),
    [
        ("/tutorial/loss/", "ko", "/ko/tutorial/loss/"),
        ("/ko/tutorial/loss/", "en", "/tutorial/loss/"),
        ("/ko/reference/api/", "en", "/reference/api/"),  # untranslated: English in both
    ],
)
def test_clicking_the_language_menu_keeps_the_page(
    desktop: Any, base: str, start: str, lang: str, expected: str
) -> None:
    desktop.goto(base + start, wait_until="load")
    desktop.hover(".md-header .md-select")  # the menu opens on hover
    with desktop.expect_navigation(wait_until="load"):
        desktop.click(f"a.md-select__link[hreflang={lang}]")
    assert urlsplit(desktop.url).path == expected
    assert desktop.evaluate("document.documentElement.lang") == lang


def search(page: Any, base: str, home: str, query: str) -> list[dict[str, str]]:
    page.goto(base + home, wait_until="load")
    page.click("input.md-search__input")  # in the header at desktop width
    page.fill("input.md-search__input", query)
    page.keyboard.press("End")  # the theme searches on key events
    page.wait_for_selector(".md-search-result__item", timeout=10_000)
    return page.evaluate(
        """() => [...document.querySelectorAll(".md-search-result__link")].map((a) => ({
              href: a.href, text: a.innerText }))"""
    )


@pytest.mark.parametrize("home", ["/", "/ko/"])
def test_search_finds_zero_grad_in_the_readers_language(desktop: Any, base: str, home: str) -> None:
    results = search(desktop, base, home, "zero_grad")
    paths = [urlsplit(r["href"]).path + "#" + urlsplit(r["href"]).fragment for r in results]
    # The page that explains it: reverse mode, "Gradients accumulate".
    assert f"{home}concepts/reverse-mode/#gradients-accumulate" in paths, paths
    if home == "/":
        assert not [p for p in paths if p.startswith("/ko/")], paths
    else:
        translated = [p for p in paths if not p.startswith("/ko/reference/")]
        assert all(p.startswith("/ko/") for p in paths), paths
        assert translated, paths
    shot(desktop, f"search-{language(home)}")


@pytest.mark.parametrize(("home", "query"), [("/", "learning rate"), ("/ko/", "학습률")])
def test_search_previews_show_math_as_text(desktop: Any, base: str, home: str, query: str) -> None:
    results = search(desktop, base, home, query)
    text = "\n".join(r["text"] for r in results)
    assert "η" in text, text[:500]  # \(\eta\) in the page, η in the preview
    for tex in ("\\(", "\\[", "$$", "\\eta", "\\frac"):
        assert tex not in text, (tex, text[:500])


def test_fonts_are_named_for_korean_and_fetched_from_nowhere(desktop: Any, base: str) -> None:
    desktop.goto(base + "/ko/tutorial/loss/", wait_until="load")
    family = desktop.evaluate("getComputedStyle(document.body).fontFamily")
    for font in ("Apple SD Gothic Neo", "Malgun Gothic", "Noto Sans CJK KR", "Nanum Gothic"):
        assert font in family, family
    shot(desktop, "tutorial-loss-ko")
    desktop.goto(base + "/tutorial/loss/", wait_until="load")
    shot(desktop, "tutorial-loss-en")
    desktop.goto(base + "/", wait_until="load")
    shot(desktop, "home-en")
    desktop.set_viewport_size(PHONE)
    desktop.goto(base + "/ko/tutorial/line-fit/", wait_until="load")
    shot(desktop, "line-fit-ko-390")
