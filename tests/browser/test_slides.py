"""The slide decks (build/slides) in a real browser: each reaches reveal.js's ready state with
everything loaded from the deck's own folder, its math is typeset by MathJax 3, and no line of
code or output runs off a slide's right edge."""

import json
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SLIDES = ROOT / "build" / "slides"
DECKS = sorted(p.relative_to(SLIDES).as_posix() for p in SLIDES.glob("*/*.slides.html")) or [
    "index.html"  # not built yet: the slides_dir fixture fails with a clear message
]


def source_has_math(deck: str) -> bool:
    """Whether the notebook behind ``<topic>/<name>.slides.html`` has ``$`` math in markdown."""
    topic, name = deck.split("/")
    nb = ROOT / "notebooks" / topic / name.replace(".slides.html", ".ipynb")
    if not nb.is_file():
        return False
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    return any(c["cell_type"] == "markdown" and "$" in "".join(c["source"]) for c in cells)


@pytest.mark.network
@pytest.mark.parametrize("deck", DECKS)
def test_deck(deck, slides_dir, static_server, page, request_log, artifacts):
    log = request_log(page, static_server)
    page.goto(f"{static_server}/slides/{deck}", wait_until="load")
    page.wait_for_function("() => window.Reveal && window.Reveal.isReady()", timeout=30_000)
    n_slides = page.evaluate("() => Reveal.getTotalSlides()")
    assert n_slides > 1, f"{deck}: {n_slides} slide(s); is the slideshow metadata missing?"

    page.wait_for_function("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
    page.evaluate("() => MathJax.startup.promise")
    n_math = page.locator("mjx-container").count()
    if source_has_math(deck):
        assert n_math > 0, f"{deck}: the notebook has math but the deck shows none typeset"
        errors = page.locator("mjx-merror").all_inner_texts()
        assert not errors, f"{deck}: MathJax could not typeset {errors}"
        # show the first slide with math in the screenshot
        page.evaluate("""() => {
            const s = Reveal.getSlides().find(s => s.querySelector('mjx-container'));
            const i = Reveal.getIndices(s); Reveal.slide(i.h, i.v);
        }""")
        page.wait_for_timeout(300)

    page.screenshot(path=artifacts / f"slides-{deck.replace('/', '_')}.png")
    # Visit every slide and measure each <pre> (code and printed output): a line wider than
    # the block would be cut off at the slide's edge (or hidden behind a scroll bar).
    clipped = page.evaluate("""() => {
        const found = [];
        for (const s of Reveal.getSlides()) {
            const i = Reveal.getIndices(s);
            Reveal.slide(i.h, i.v);
            for (const pre of s.querySelectorAll('pre')) {
                if (pre.scrollWidth > pre.clientWidth + 1) {
                    const longest = pre.textContent.split('\\n')
                        .reduce((a, b) => (a.length >= b.length ? a : b), '');
                    found.push(`slide ${i.h}.${i.v || 0}: ${pre.scrollWidth} > `
                        + `${pre.clientWidth} px: ${longest.slice(0, 60)}`);
                }
            }
        }
        return found;
    }""")
    assert not clipped, f"{deck}: lines clipped at the right edge: {clipped[:5]}"

    log.wait_idle()
    assert not log.problems, f"{deck}: " + "; ".join(log.problems)

    dead = []
    for href in page.evaluate("() => [...document.querySelectorAll('a[href]')].map(a => a.href)"):
        url = urlsplit(href)
        if f"{url.scheme}://{url.netloc}" != static_server or url.path.endswith(deck):
            continue  # other sites, and anchors within the deck
        if not (slides_dir / unquote(url.path).removeprefix("/slides/")).is_file():
            dead.append(href)
    assert not dead, f"{deck}: links that lead nowhere: {dead}"


@pytest.mark.network
def test_index_lists_every_deck(slides_dir, static_server, page, request_log):
    log = request_log(page, static_server)
    page.goto(f"{static_server}/slides/index.html", wait_until="load")
    hrefs = page.evaluate(
        "() => [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href'))"
    )
    assert sorted(hrefs) == DECKS
    assert not log.problems, "; ".join(log.problems)
