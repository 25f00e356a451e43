"""The built book works offline: no page loads anything from another host.

The test builds the book from the sources into a temporary folder (the network is blocked
for the build as for the whole test run, see conftest.py) and reads every page it wrote.  A
page fails when it loads a script, a stylesheet, a font, an image, a frame or any other
resource from another host: ``<script src>``, ``<link href>`` (stylesheets, icons,
preloads...), ``<img src/srcset>``, ``<iframe src>``, media and ``<object>`` sources,
``url(...)`` and ``@import`` in ``<style>``, ``style=""`` and the built CSS files.  Plain
hyperlinks (``<a href>``) to other sites are fine: they load nothing until clicked.

Every resource a page loads from the built site must also be there, and pages with formulas
must typeset them with the MathJax copied into the site.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[1]

# <link rel=...> values that only name a related page and load nothing.
NAVIGATION_RELS = {"canonical", "alternate", "author", "help", "license", "next", "prev", "search", "index",
                   "bookmark", "external", "nofollow", "noopener", "noreferrer", "me"}
# Attributes that make a browser fetch something, per tag.
LOADING_ATTRIBUTES = {
    "script": ("src",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "frame": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "audio": ("src",),
    "video": ("src", "poster"),
    "source": ("src", "srcset"),
    "track": ("src",),
    "input": ("src",),
    "image": ("href", "xlink:href"),  # inline SVG
    "use": ("href", "xlink:href"),
}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]*)\1\s*\)|@import\s+(['"])([^'"]+)\3""", re.I)


def is_external(url: str) -> bool:
    """True for a URL that names another host (http:, https:, protocol-relative //host, ftp: ...)."""
    url = url.strip()
    if url.startswith("//"):
        return True
    scheme = urlsplit(url).scheme.lower()
    return bool(scheme) and scheme not in {"data", "blob", "about", "javascript", "mailto", "file"}


def css_urls(text: str) -> list[str]:
    return [m.group(2) if m.group(2) is not None else m.group(4) for m in CSS_URL.finditer(text)]


class Resources(HTMLParser):
    """Collects every URL that a page makes the browser fetch."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.urls: list[tuple[str, str]] = []  # (what, url)
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = {name: value or "" for name, value in attrs}
        for name in LOADING_ATTRIBUTES.get(tag, ()):
            if attrs.get(name):
                values = [part.split()[0] for part in attrs[name].split(",") if part.strip()] \
                    if name == "srcset" else [attrs[name]]
                self.urls += [(f"<{tag} {name}>", value) for value in values]
        if tag == "link" and attrs.get("href"):
            rels = set(attrs.get("rel", "").lower().split())
            if not rels or rels - NAVIGATION_RELS:
                self.urls.append((f"<link rel={attrs.get('rel', '')}>", attrs["href"]))
        if attrs.get("style"):
            self.urls += [(f"<{tag} style>", url) for url in css_urls(attrs["style"])]
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        if tag == "style":
            self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.urls += [("<style>", url) for url in css_urls(data)]


def local_target(page: Path, url: str) -> Path | None:
    """The file of the built site that a relative URL points to (None for data: and fragments)."""
    parts = urlsplit(url)
    if parts.scheme or not parts.path:
        return None
    return (page.parent / unquote(parts.path)).resolve()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The book built from the sources, offline, into a temporary folder."""
    jupyter_book = shutil.which("jupyter-book", path=str(Path(sys.executable).parent)) or shutil.which("jupyter-book")
    assert jupyter_book, "jupyter-book is not installed (pip install -r requirements.txt)"
    out = tmp_path_factory.mktemp("book")
    done = subprocess.run([jupyter_book, "build", str(ROOT), "--path-output", str(out), "--warningiserror",
                           "--keep-going"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"the book does not build:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    html = out / "_build" / "html"
    assert (html / "index.html").is_file()
    return html


@pytest.fixture(scope="module")
def pages(site) -> dict[Path, list[tuple[str, str]]]:
    found = {}
    # _static/ holds the themes' Jinja macro files (*.html), templates that are never served as pages.
    for page in sorted(p for p in site.rglob("*.html") if "_static" not in p.relative_to(site).parts):
        parser = Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        found[page] = parser.urls
    assert len(found) > 10, "the build wrote almost no pages"
    return found


def test_no_page_loads_anything_from_another_host(site, pages):
    offending = [f"{page.relative_to(site)}: {what} {url}"
                 for page, urls in pages.items() for what, url in urls if is_external(url)]
    assert not offending, "pages load resources from other hosts, so they break offline:\n" + "\n".join(offending)


def test_no_stylesheet_loads_anything_from_another_host(site):
    sheets = sorted(site.rglob("*.css"))
    assert sheets
    offending = [f"{sheet.relative_to(site)}: {url}" for sheet in sheets
                 for url in css_urls(sheet.read_text(encoding="utf-8", errors="replace")) if is_external(url)]
    assert not offending, "stylesheets load fonts or images from other hosts:\n" + "\n".join(offending)


def test_everything_a_page_loads_is_in_the_built_site(site, pages):
    missing = sorted({f"{page.relative_to(site)}: {what} {url}" for page, urls in pages.items()
                      for what, url in urls
                      if (target := local_target(page, url)) is not None and not target.is_file()})
    assert not missing, "pages load files that the build did not write:\n" + "\n".join(missing)


def test_formulas_are_typeset_by_the_mathjax_in_the_site(site, pages):
    with_maths = [page for page in pages if 'class="math' in page.read_text(encoding="utf-8")]
    assert with_maths, "no page has a formula: the check below would prove nothing"
    for page in with_maths:
        scripts = [url for what, url in pages[page] if what == "<script src>" and "mathjax" in url.lower()]
        assert scripts, f"{page.relative_to(site)} has formulas but loads no MathJax"
        for url in scripts:
            target = local_target(page, url)
            assert target is not None and target.is_file(), f"{page.relative_to(site)}: MathJax {url} is not in the site"
    fonts = list((site / "_static" / "mathjax").rglob("*.woff"))
    assert fonts, "MathJax's fonts were not copied into the site"


@pytest.mark.parametrize("url, external", [
    ("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-mml-chtml.js", True),
    ("//cdnjs.cloudflare.com/ajax/libs/require.js/2.3.4/require.min.js", True),
    ("http://example.org/a.png", True),
    ("../_static/mathjax/tex-chtml.js", False),
    ("_images/face.png", False),
    ("data:image/png;base64,AAAA", False),
    ("#section", False),
])
def test_external_urls_are_recognised(url, external):
    assert is_external(url) is external


def test_the_parser_finds_each_kind_of_loaded_resource():
    page = """<html><head>
    <script src="https://cdn.example.org/x.js"></script>
    <link rel="stylesheet" href="https://fonts.example.org/css">
    <link rel="preload" as="font" href="//fonts.example.org/f.woff2">
    <link rel="canonical" href="https://example.org/page.html">
    <style>@font-face { src: url("https://fonts.example.org/f.woff"); } @import 'https://example.org/a.css';</style>
    </head><body>
    <img src="https://example.org/badge.svg" srcset="https://example.org/b.png 2x, local.png 1x">
    <iframe src="https://www.example.org/embed"></iframe>
    <div style="background: url(https://example.org/bg.png)"></div>
    <a href="https://example.org/">a plain link</a>
    </body></html>"""
    parser = Resources()
    parser.feed(page)
    external = sorted(url for _, url in parser.urls if is_external(url))
    assert external == sorted([
        "https://cdn.example.org/x.js", "https://fonts.example.org/css", "//fonts.example.org/f.woff2",
        "https://fonts.example.org/f.woff", "https://example.org/a.css", "https://example.org/badge.svg",
        "https://example.org/b.png", "https://www.example.org/embed", "https://example.org/bg.png"])
    assert ("<img srcset>", "local.png") in parser.urls
