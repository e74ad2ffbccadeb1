"""The built pages (build/html and build/slides) read as files, no browser needed.

- No page names an address off this machine as something to load: no ``src``/``href`` of a
  script, style sheet, image, frame or icon, and no URL inside an inline script or style,
  points to another host (a CDN constant in a script counts, even if nothing loads it yet).
  Plain links for the reader (``<a href="https://...">``), XML namespaces and ``/* ... */``
  comments (the credits in inlined style sheets) are allowed.
- The website hides each notebook's setup cell (tools/build_site.py tags it
  ``remove-cell``), and lists the notation page.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

BUILD = Path(__file__).resolve().parents[2] / "build"
OFF_MACHINE = re.compile(
    r"(?:https?:)?//(?!127\.0\.0\.1|localhost)[a-z0-9.-]+\.[a-z]{2,}[^\s\"'<>)]*", re.I
)
BLOCK_COMMENT = re.compile(r"/\*.*?\*/", re.S)
# What SVG and MathML markup carry as identifiers, never fetched.
NAMESPACES = ("http://www.w3.org/",)


class _Scan(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in = None

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if not value or name.startswith("xmlns") or (tag == "a" and name == "href"):
                continue
            if name in {"src", "href", "data", "poster", "srcset", "action", "content", "style"}:
                self._check(f"<{tag} {name}>", value)
        self._in = tag if tag in {"script", "style"} else None

    def handle_endtag(self, tag):
        self._in = None

    def handle_data(self, data):
        if self._in:  # comments name their sources (CSS credits), they load nothing
            self._check(f"<{self._in}> text", BLOCK_COMMENT.sub("", data))

    def _check(self, where, text):
        for url in OFF_MACHINE.findall(text):
            if url.startswith(NAMESPACES) or not re.match(r"(?:https?:)?//", url, re.I):
                continue
            self.found.append(f"{where}: {url[:80]}")


def off_machine_urls(path: Path) -> list[str]:
    scan = _Scan()
    scan.feed(path.read_text(encoding="utf-8", errors="replace"))
    return scan.found


def built_pages() -> list[Path]:
    return sorted(
        p for folder in ("html", "slides") for p in (BUILD / folder).rglob("*.html")
        if "_assets" not in p.parts and "_static" not in p.parts
    )


def test_no_page_names_an_off_machine_address(site_dir, slides_dir):
    pages = built_pages()
    assert len(pages) > 5, f"only {len(pages)} built pages found under {BUILD}"
    found = {p.relative_to(BUILD).as_posix(): off_machine_urls(p) for p in pages}
    found = {k: v for k, v in found.items() if v}
    assert not found, "pages that name an off-machine address: " + "; ".join(
        f"{k}: {sorted(set(v))[:3]}" for k, v in sorted(found.items())[:10]
    )


def test_the_scan_would_see_a_cdn_constant():
    """The scanner itself: a Thebe-style constant in an inline script is caught, a link is not."""
    scan = _Scan()
    scan.feed('<script>const THEBE_JS_URL = "https://unpkg.com/thebe@0.8.2/lib/index.js"</script>'
              '<a href="https://example.org/">a link</a><svg xmlns="http://www.w3.org/2000/svg"></svg>'
              '<link rel="stylesheet" href="//cdn.example.com/x.css">')
    assert [f.split(": ")[1] for f in scan.found] == [
        "https://unpkg.com/thebe@0.8.2/lib/index.js", "//cdn.example.com/x.css"
    ]


@pytest.mark.parametrize("rel", ["notebooks/00-mnist/mnist.html",
                                 "notebooks/01-softmax-regression/2-implementation.html"])
def test_setup_cell_is_hidden(rel, site_dir):
    page = site_dir / rel
    assert page.is_file(), f"{page} is missing"
    text = re.sub(r"<[^>]+>", "", page.read_text(encoding="utf-8"))  # highlighting split it
    assert "from helpers.nbsetup import setup" not in text, f"{rel}: the setup cell is shown"
    assert "import numpy as np" in text, f"{rel}: the other code cells should still be shown"


def test_notation_page_is_on_the_site(site_dir):
    page = site_dir / "notebooks" / "notation.html"
    assert page.is_file(), "notebooks/notation.html was not built"
    intro = (site_dir / "intro.html").read_text(encoding="utf-8")
    assert 'href="notebooks/notation.html"' in intro, "intro.html does not link the notation page"
