"""Build the static HTML edition of the course (no Python needed to read it).

Executes every notebook in a run profile (default ``live``: pretrained checkpoints, seconds
per notebook; ``class`` gives the lecture-quality figures; ``ci`` is what the test uses),
exports each to HTML with its outputs and figures embedded, rewrites links between notebooks
to the HTML pages, and writes an index page with the course map.

Offline: MathJax and require.js are loaded from ``<out>/vendor/``, a copy of the versions the
course ships in ``data/vendor/`` (see ``data/README.md``), through relative URLs, so formulas
render with no network and the folder can be copied anywhere.

Executed copies: ``--executed DIR`` takes a notebook's outputs from ``DIR/<name>.ipynb`` when
its cells match the notebook (the test run keeps one per notebook in ``build/executed/``), so
nothing is executed twice; a notebook without a matching copy is executed as usual (with
``reuse_only``, :func:`build` refuses instead). Saved widget state is left out of the pages
(its renderer would come from a CDN; widgets need a kernel anyway).

Usage: python tools/build_site.py [--profile live] [--out site] [--jobs 2] [--executed DIR]
                                  [notebooks ...]
"""

from __future__ import annotations

import argparse
import html
import json
import os
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_slides import VendorError, copy_vendor, executed_copy, offline_urls  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PAGE_ASSETS = ("mathjax", "requirejs")  # the vendored packages a static page loads
NOTEBOOK_DIR = ROOT / "notebooks"
LINK = re.compile(r'href="([0-9][0-9]_[A-Za-z0-9_]+|[A-Z_]+)\.(?:ipynb|md)(#[^"]*)?"')
PAGES_MD = ("LECTURE_MAP.md",)  # notebooks/ pages the notebooks link to, rendered as HTML too


class NotebookError(RuntimeError):
    """A notebook raised while the site was being built."""


def execute(path: Path, profile: str, timeout: int):
    """Run a notebook top to bottom in ``profile``; raise NotebookError on the first error."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    os.environ["COURSE_PROFILE"] = profile
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute()
    except CellExecutionError as exc:
        raise NotebookError(f"{path.name} failed in the {profile!r} profile:\n{exc}") from exc
    return nb


def error_outputs(nb) -> list[str]:
    """Error outputs left in an executed notebook (cells tagged raises-exception excepted)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if "raises-exception" in cell.get("metadata", {}).get("tags", []):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                found.append(f"cell {i}: {out.get('ename')}: {out.get('evalue')}")
    return found


def to_html(nb, title: str, vendor: str = "vendor") -> str:
    """A notebook as a static page; MathJax and require.js come from the relative ``vendor``."""
    import copy

    from nbconvert import HTMLExporter

    if "widgets" in nb.get("metadata", {}):  # saved widget state: its renderer needs a CDN
        nb = copy.copy(nb)
        nb["metadata"] = {k: v for k, v in nb["metadata"].items() if k != "widgets"}
    exporter = HTMLExporter(template_name="lab", **offline_urls(vendor))
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    body = LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    return _with_nav(body)


def _with_nav(body: str) -> str:
    nav = ('<nav style="padding:8px 16px;font-family:sans-serif;border-bottom:1px solid #ddd">'
           '<a href="index.html">&larr; Course map</a></nav>')
    return re.sub(r"(<body[^>]*>)", lambda m: m.group(1) + nav, body, count=1)


def describe(nb_path: Path) -> tuple[str, str]:
    """Title and one-line description from a notebook's first cell."""
    nb = json.loads(nb_path.read_text(encoding="utf-8"))
    paragraphs = [p.strip() for p in "".join(nb["cells"][0]["source"]).split("\n\n") if p.strip()]
    title = paragraphs[0].splitlines()[0].lstrip("# ").strip()
    italic = next((p for p in paragraphs[1:] if p.startswith(("*", "_"))), "")
    return title, " ".join(italic.replace("\n", " ").split()).strip("*_ ")


def index_page(pages: list[tuple[str, str, str]], profile: str) -> str:
    rows = "\n".join(
        f'<tr><td><a href="{html.escape(href)}">{html.escape(t)}</a></td>'
        f"<td>{html.escape(d)}</td></tr>" for href, t, d in pages
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Generative Modeling, hands-on</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}}
td{{padding:.4em .8em;border-bottom:1px solid #ddd;vertical-align:top}}</style></head>
<body><h1>Generative Modeling, hands-on</h1>
<p>The static edition of the course: every notebook with its outputs and figures, executed in
the <code>{html.escape(profile)}</code> profile on {time.strftime("%Y-%m-%d")}. Widgets need a running
kernel: open the notebooks in JupyterLab to play with them.</p>
<h2>Course map</h2>
<table>{rows}</table></body></html>
"""


def build(out: Path, profile: str = "live", jobs: int = 2, timeout: int = 900,
          notebooks: list[Path] | None = None, executed_dir: Path | None = None,
          reuse_only: bool = False, executed: dict | None = None) -> list[Path]:
    """Build the site into ``out``; returns the pages written (index first).

    A notebook is not executed again when ``executed`` maps its path to an executed notebook
    (the test run passes its own executions) or ``executed_dir`` holds a copy whose cells match
    it; with ``reuse_only`` a notebook with neither is an error instead of being executed."""
    notebooks = notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out, PAGE_ASSETS)

    def one(path: Path) -> tuple[str, str, str]:
        t0 = time.perf_counter()
        nb = (executed or {}).get(path) or executed_copy(path, executed_dir)
        how = "executed copy"
        if nb is None and reuse_only:
            raise NotebookError(f"{path.name}: no executed copy in {executed_dir} matches it")
        if nb is None:
            nb, how = execute(path, profile, timeout), f"executed in {profile}"
        errors = error_outputs(nb)
        if errors:
            raise NotebookError(f"{path.name}: error outputs: {errors}")
        title, desc = describe(path)
        (out / f"{path.stem}.html").write_text(to_html(nb, title), encoding="utf-8")
        print(f"  {path.name}: {how}, {time.perf_counter() - t0:.1f} s", flush=True)
        return f"{path.stem}.html", title, desc

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        pages = list(pool.map(one, notebooks))
    (out / "index.html").write_text(index_page(pages, profile), encoding="utf-8")
    extra = [markdown_page(NOTEBOOK_DIR / name, out) for name in PAGES_MD
             if (NOTEBOOK_DIR / name).is_file()]
    return [out / "index.html", *(out / p[0] for p in pages), *extra]


def markdown_page(source: Path, out: Path) -> Path:
    """A Markdown page of notebooks/ (the lecture map) as HTML, its notebook links made pages."""
    from nbconvert.filters.markdown_mistune import markdown2html_mistune

    text = source.read_text(encoding="utf-8")
    title = next((ln.lstrip("# ").strip() for ln in text.splitlines() if ln.startswith("# ")),
                 source.stem)
    body = LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"',
                    markdown2html_mistune(text))
    page = (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title><style>body{{font-family:sans-serif;"
            f"max-width:70em;margin:0 auto;line-height:1.5}} td,th{{padding:.3em .6em;"
            f"border-bottom:1px solid #ddd;vertical-align:top}}</style></head>"
            f"<body>{body}</body></html>\n")
    target = out / f"{source.stem}.html"
    target.write_text(_with_nav(page), encoding="utf-8")
    return target


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="live", choices=["ci", "class", "full", "live"])
    parser.add_argument("--out", default=str(ROOT / "site"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--executed", type=Path, default=None,
                        help="use executed copies from this folder when they match")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    print(f"building the static edition in {args.out} ({args.profile} profile)")
    try:
        pages = build(Path(args.out), args.profile, args.jobs, args.timeout,
                      args.notebooks or None, args.executed)
    except (NotebookError, VendorError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {len(pages)} pages; open {pages[0]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
