"""Build the course website with Jupyter Book 1 (``make html``).

    .venv-publish/bin/python tools/build_site.py [--notebooks notebooks] [--out build/html]

What it does, in order:

1. Stages ``site/`` (``_config.yml``, ``intro.md``, ``favicon.svg``) and the executed notebooks into
   ``build/site-src/``. Only the ``.ipynb`` side of each jupytext pair is staged: it holds
   the stored outputs the website shows (nothing is re-executed), while Jupyter Book would
   read a MyST ``.md`` twin as a notebook *without* outputs, and two sources with one name
   would clash. Other files beside the notebooks (images, data for ``![...](...)``) come along.
   The plain Markdown course pages in ``notebooks/`` (``notation.md``) are staged beside the
   topic folders, so the notebooks' links ``../notation.md`` resolve. In the staged copies the
   first code cell, the ``setup()`` call every notebook starts with, gets the ``remove-cell``
   tag: the website does not show it (the source notebooks stay as they are).
2. Writes ``_toc.yml`` in course order: the course pages, then one part per topic folder with
   the notebooks in file order, so new notebooks appear without editing anything.
3. Runs ``jupyter-book build`` and moves the HTML to ``build/html/``; Sphinx's warnings
   also go to ``build/html-warnings.log`` (the browser tests fail on broken cross-links).
4. Copies MathJax 3 from ``node_modules/mathjax`` (``npm ci``) into the built
   ``_static/mathjax/``, which ``mathjax_path`` in ``_config.yml`` points at: the site needs
   no CDN. (It is copied after the build because Jupyter Book adds every ``.js`` file of a
   source ``_static/`` folder to every page.)
"""

import argparse
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from course_files import ROOT, course_pages, notebooks_in, topic_dirs, topic_title  # noqa: E402

# The parts of MathJax's es5 build that the CommonHTML TeX page needs: the combined
# component, the TeX extensions it autoloads, the CHTML fonts and the menu/a11y modules it
# may load on demand. The SVG output, MathML input and server-side builds stay out.
MATHJAX_PARTS = [
    "tex-chtml.js",
    "input/tex/extensions",
    "output/chtml",
    "a11y",
    "ui",
    "sre",
    "adaptors",
]
SKIP = shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__", "*.pyc")
HIDDEN = "remove-cell"  # Jupyter Book's tag for a cell that is left out of the page


def vendor_mathjax(static: Path, node_modules: Path) -> None:
    """Copy the needed parts of ``mathjax/es5`` into ``static/mathjax``."""
    src = node_modules / "mathjax" / "es5"
    dest = static / "mathjax"
    for part in MATHJAX_PARTS:
        s, d = src / part, dest / part
        d.parent.mkdir(parents=True, exist_ok=True)
        if s.is_dir():
            shutil.copytree(s, d)
        else:
            shutil.copy2(s, d)


def hide_setup_cell(path: Path) -> None:
    """Tag the first code cell of a staged notebook (the ``setup()`` call) ``remove-cell``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    cell = next((c for c in nb["cells"] if c["cell_type"] == "code"), None)
    if cell is None or "setup(" not in "".join(cell["source"]):
        return
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if HIDDEN not in tags:
        tags.append(HIDDEN)
    path.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def stage_notebooks(notebooks: Path, dest: Path) -> list[dict]:
    """Copy the course pages, and each topic folder without the jupytext ``.md`` twins;
    return the TOC parts."""
    parts = []
    pages = course_pages(notebooks)
    if pages:
        (dest / "notebooks").mkdir(parents=True, exist_ok=True)
        for page in pages:
            shutil.copy2(page, dest / "notebooks" / page.name)
        chapters = [{"file": f"notebooks/{page.stem}"} for page in pages]
        parts.append({"caption": "Conventions", "chapters": chapters})
    for topic in topic_dirs(notebooks):
        target = dest / "notebooks" / topic.name
        twins = {nb.with_suffix(".md").name for nb in notebooks_in(topic)}
        shutil.copytree(
            topic,
            target,
            ignore=lambda _dir, names, twins=twins: set(SKIP(_dir, names))
            | {n for n in names if n in twins},
        )
        for nb in notebooks_in(topic):
            hide_setup_cell(target / nb.name)
        chapters = [
            {"file": f"notebooks/{topic.name}/{nb.stem}"} for nb in notebooks_in(topic)
        ]
        parts.append({"caption": topic_title(topic), "chapters": chapters})
    return parts


def build(notebooks: Path, out: Path, work: Path, strict: bool) -> Path:
    src = work / "site-src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in ("_config.yml", "intro.md", "favicon.svg"):
        shutil.copy2(ROOT / "site" / name, src / name)
    parts = stage_notebooks(notebooks, src)
    if not any(part["caption"] != "Conventions" for part in parts):
        sys.exit(f"no notebooks found under {notebooks}")
    toc = {"format": "jb-book", "root": "intro", "parts": parts}
    (src / "_toc.yml").write_text(
        "# Written by tools/build_site.py from the notebooks folder: do not edit.\n"
        + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True)
    )
    if not (ROOT / "node_modules" / "mathjax" / "es5" / "tex-chtml.js").is_file():
        sys.exit(f"MathJax not found in {ROOT / 'node_modules'}: run `npm ci` (make html does)")

    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(src), "--path-output", str(work / "book"), "--all"]
    if strict:
        cmd += ["-W", "--keep-going"]
    log = out.parent / f"{out.name}-warnings.log"
    proc = subprocess.run(cmd, stderr=subprocess.PIPE, text=True)
    sys.stderr.write(proc.stderr)
    log.write_text(re.sub(r"\x1b\[[0-9;]*m", "", proc.stderr))
    if proc.returncode:
        sys.exit(f"jupyter-book build failed (exit {proc.returncode}); warnings in {log}")

    html = work / "book" / "_build" / "html"
    shutil.rmtree(out, ignore_errors=True)
    shutil.move(html, out)
    vendor_mathjax(out / "_static", ROOT / "node_modules")
    # Jupyter Book's index.html is a bare redirect to the root page; give it a head, so the
    # browser does not ask the server for /favicon.ico either.
    (out / "index.html").write_text(
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">\n'
        '<meta http-equiv="Refresh" content="0; url=intro.html">\n'
        '<link rel="icon" href="_static/favicon.svg">\n'
        "<title>MNIST from scratch</title></head>\n"
        '<body><a href="intro.html">MNIST from scratch</a></body></html>\n',
        encoding="utf-8",
    )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=Path, default=ROOT / "notebooks")
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "html")
    parser.add_argument("--work", type=Path, default=ROOT / "build",
                        help="where the staged sources and Sphinx's caches go")
    parser.add_argument("--strict", action="store_true",
                        help="fail on any Sphinx warning (broken links, bad markup)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    out = build(args.notebooks.resolve(), args.out.resolve(), args.work.resolve(), args.strict)
    print(f"website built in {time.perf_counter() - start:.1f} s: {out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
