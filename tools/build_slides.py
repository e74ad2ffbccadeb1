"""Build reveal.js slide decks from the lecture notebooks (``make slides``).

    .venv/bin/python tools/build_slides.py [--notebooks notebooks] [--out build/slides]

Every notebook that is not an exercise sheet or an appendix (00-mnist, each derivation and
each implementation) becomes ``build/slides/<topic>/<name>.slides.html``, with the stored outputs
(nothing is re-executed) and the cells' ``slideshow`` metadata deciding what starts a slide.
Links to other lecture notebooks lead to their decks; links to exercise sheets, appendices
and the course's Markdown pages (``../notation.md``), which have no deck, become text.
The decks use nbconvert's reveal template through ``site/slides/course-reveal``, which loads
reveal.js 4, require.js and MathJax 3 from ``build/slides/_assets/``, copied from
``node_modules/`` (``npm ci``): the decks need no network. ``build/slides/index.html`` lists
the decks in course order.
"""

import argparse
import html
import re
import shutil
import sys
import time
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter
from traitlets.config import Config

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_files import (  # noqa: E402
    ROOT,
    has_deck,
    notebooks_in,
    topic_dirs,
    topic_title,
)

ASSETS = "_assets"
# (source under node_modules, destination under build/slides/_assets)
VENDORED = [
    ("reveal.js/dist", "reveal.js/dist"),
    ("reveal.js/plugin/notes", "reveal.js/plugin/notes"),
    ("requirejs/require.js", "require.js"),
    ("mathjax/es5/tex-chtml.js", "mathjax/tex-chtml.js"),
    ("mathjax/es5/input/tex/extensions", "mathjax/input/tex/extensions"),
    ("mathjax/es5/output/chtml", "mathjax/output/chtml"),
    ("mathjax/es5/a11y", "mathjax/a11y"),
    ("mathjax/es5/ui", "mathjax/ui"),
    ("mathjax/es5/sre", "mathjax/sre"),
    ("mathjax/es5/adaptors", "mathjax/adaptors"),
]


def vendor_assets(out: Path, node_modules: Path) -> None:
    """Copy reveal.js, require.js and MathJax from ``node_modules`` into ``out/_assets``."""
    (out / ASSETS).mkdir(parents=True, exist_ok=True)
    shutil.copy2(ROOT / "site" / "favicon.svg", out / ASSETS / "favicon.svg")
    for src_rel, dest_rel in VENDORED:
        src, dest = node_modules / src_rel, out / ASSETS / dest_rel
        if not src.exists():
            sys.exit(f"{src} is missing: run `npm ci` in {ROOT} (make slides does it)")
        dest.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dest)
        else:
            shutil.copy2(src, dest)


def exporter(prefix: str) -> SlidesExporter:
    """A slides exporter whose decks load every asset from ``prefix`` (a relative URL)."""
    c = Config()
    c.SlidesExporter.extra_template_basedirs = [str(ROOT / "site" / "slides")]
    c.SlidesExporter.template_name = "course-reveal"
    c.SlidesExporter.reveal_url_prefix = f"{prefix}/reveal.js"
    c.SlidesExporter.require_js_url = f"{prefix}/require.js"
    c.SlidesExporter.mathjax_url = f"{prefix}/mathjax/tex-chtml.js"
    c.SlidesExporter.reveal_theme = "white"
    c.SlidesExporter.reveal_transition = "none"
    c.SlidesExporter.reveal_number = "c/t"
    c.SlidesExporter.exclude_input_prompt = True
    c.SlidesExporter.exclude_output_prompt = True
    return SlidesExporter(config=c)


LINK = re.compile(r"\[([^\]]*)\]\(([^)\s#]+)\.ipynb(#[^)\s]*)?\)")
PAGE_LINK = re.compile(r"\[([^\]]*)\]\((?![a-z]+://)[^)\s#]+\.md(#[^)\s]*)?\)")


def link_decks(nb: nbformat.NotebookNode, folder: Path) -> None:
    """Point markdown links to other notebooks at their decks.

    ``[text](x.ipynb)`` becomes ``[text](x.slides.html)`` when x has a deck (a lecture
    notebook, not an appendix); for an exercise sheet or an appendix, which have none, only
    the text stays, and so it does for a link to a Markdown page such as ``../notation.md``.
    """

    def repl(m: re.Match) -> str:
        text, stem, anchor = m.group(1), m.group(2), m.group(3) or ""
        target = folder / f"{stem}.ipynb"
        if has_deck(target) and target.is_file():
            return f"[{text}]({stem}.slides.html{anchor})"
        return text if not has_deck(target) else m.group(0)

    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = PAGE_LINK.sub(lambda m: m.group(1), LINK.sub(repl, cell.source))


def deck_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The first markdown heading of the notebook, else ``fallback``."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def build(notebooks: Path, out: Path) -> list[Path]:
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    vendor_assets(out, ROOT / "node_modules")
    decks, items = [], []
    for topic in topic_dirs(notebooks):
        lectures = [nb for nb in notebooks_in(topic) if has_deck(nb)]
        if not lectures:
            continue
        exp = exporter(f"../{ASSETS}")
        links = []
        for path in lectures:
            nb = nbformat.read(path, as_version=4)
            link_decks(nb, path.parent)
            body, _ = exp.from_notebook_node(
                nb, resources={"metadata": {"name": path.stem, "path": str(path.parent)}}
            )
            deck = out / topic.name / f"{path.stem}.slides.html"
            deck.parent.mkdir(parents=True, exist_ok=True)
            deck.write_text(body, encoding="utf-8")
            decks.append(deck)
            title = html.escape(deck_title(nb, path.stem))
            links.append(f'<li><a href="{topic.name}/{deck.name}">{title}</a></li>')
            print(f"  {deck.relative_to(out)}")
        items.append(f"<h2>{html.escape(topic_title(topic))}</h2>\n<ul>{''.join(links)}</ul>")
    if not decks:
        sys.exit(f"no lecture notebooks found under {notebooks}")
    (out / "index.html").write_text(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<title>MNIST from scratch: slides</title>"
        f'<link rel="icon" href="{ASSETS}/favicon.svg"></head><body>\n'
        "<h1>MNIST from scratch: lecture slides</h1>\n"
        "<p>Arrow keys move between slides, <kbd>S</kbd> opens the speaker view, "
        "<kbd>Esc</kbd> the overview.</p>\n" + "\n".join(items) + "\n</body></html>\n",
        encoding="utf-8",
    )
    return decks


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "slides")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    decks = build(args.notebooks.resolve(), args.out.resolve())
    print(f"{len(decks)} decks built in {time.perf_counter() - start:.1f} s: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
