"""The website (build/html) in a real browser: every page loads with no failed request and
nothing fetched from outside, its math is typeset by the site's own MathJax, its figures
display, and its links lead somewhere (a missing notebook shows up as a dead ``#`` anchor).
"""

from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "html"
PAGES = sorted(
    p.relative_to(SITE).as_posix()
    for p in SITE.rglob("*.html")
    if not p.relative_to(SITE).parts[0].startswith("_")
) or ["index.html"]  # not built yet: the site_dir fixture fails with a clear message

MATH_TYPESET = """() => [...document.querySelectorAll('.math')]
    .every(e => e.querySelector('mjx-container'))"""
IMAGES_LOADED = "() => [...document.images].every(i => i.complete)"


@pytest.mark.network
@pytest.mark.parametrize("rel", PAGES)
def test_page(rel, site_dir, static_server, page, request_log, artifacts):
    log = request_log(page, static_server)
    page.goto(f"{static_server}/html/{rel}", wait_until="load")
    log.wait_idle()

    n_math = page.locator(".math").count()
    if n_math:
        page.wait_for_function(MATH_TYPESET, timeout=30_000)
        errors = page.locator("mjx-merror").all_inner_texts()
        assert not errors, f"{rel}: MathJax could not typeset {errors}"

    page.wait_for_function(IMAGES_LOADED, timeout=30_000)
    broken = page.evaluate(
        "() => [...document.images].filter(i => i.naturalWidth === 0).map(i => i.src)"
    )
    assert not broken, f"{rel}: images that do not display: {broken}"

    shot = artifacts / f"site-{rel.replace('/', '_')}"
    page.screenshot(path=f"{shot}.png")
    figures = page.locator(".cell_output img")
    if figures.count():
        figures.first.scroll_into_view_if_needed()
        figures.first.screenshot(path=f"{shot}-figure.png")

    dead = []
    for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}" != static_server:
            continue  # external links are allowed; only requests must stay local
        target = site_dir / unquote(url.path).removeprefix("/html/")
        if url.path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            dead.append(href)
        elif url.fragment and target == site_dir / rel:
            if not page.evaluate("id => !!document.getElementById(id)", unquote(url.fragment)):
                dead.append(href)
    assert not dead, f"{rel}: links that lead nowhere: {dead}"

    assert not log.problems, f"{rel}: " + "; ".join(log.problems)
    if (ROOT / rel).with_suffix(".ipynb").is_file():  # a notebook, not a page like notation
        assert page.locator("div.cell").count() > 0, f"{rel}: no notebook cells on the page"
