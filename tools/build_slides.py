"""Build the projector decks (``make slides``): reveal.js slides that work with no network.

For every notebook: execute it in a run profile (default ``live``; ``COURSE_PROFILE`` in
``make slides``), turn it into its deck copy (``tools/slides.py``: skipped cells removed, long
markdown split into sub-slides, intended errors shown as one line, exercises in student form),
export that copy with nbconvert's reveal template and write ``NN_topic.slides.html``. The
notebooks themselves are never changed.

Offline. The web assets a deck loads are shipped with the course in ``data/vendor/`` (reveal.js,
MathJax 2, require.js, jQuery; origins, versions and licences in ``data/README.md`` and
``data/vendor/manifest.json``) and copied next to the decks (``<out>/vendor/``), so the output
folder works opened from disk or copied to a USB stick. Every URL in a deck is relative.
``tools/build_site.py`` and ``tools/answers.py`` use the same copy for their MathJax.

Slide rules. After writing a deck the builder measures every slide as the slide test does
(:func:`measure_deck`): more than ``slides.MAX_CODE_LINES`` lines of code, more than
``slides.MAX_TEXT_LINES`` lines of text (markdown and printed output) or a traceback is
reported with the notebook cell it comes from (``--strict``: and the build fails).

Usage:
    python tools/build_slides.py [--profile live] [--out build/slides] [--jobs 2]
                                 [--no-execute | --executed DIR] [--strict] [notebooks ...]
    python tools/build_slides.py --fetch-vendor    # (re)download the pinned assets (npm)
    python tools/build_slides.py --check-vendor    # verify data/vendor against its manifest
"""

from __future__ import annotations

import argparse
import base64
import fnmatch
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tarfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import slides  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
VENDOR_DIR = ROOT / "data" / "vendor"
MANIFEST = VENDOR_DIR / "manifest.json"
REGISTRY = "https://registry.npmjs.org"
THEME = "simple-offline"  # reveal's "simple" theme without its Google Fonts @import
SIZE = (1280, 800)  # reveal scales this to the screen; 100-character code lines fit

# What a page loads, pinned. `keep`: the only files of each npm package that are shipped
# (globs, ** for any depth). `integrity`: the npm registry's sha512 of the tarball.
PACKAGES = {
    "reveal.js": {
        "version": "4.6.1", "license": "MIT",
        "integrity": "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwK"
                     "QiGmfqcoGQ74HUHCMw==",
        "keep": ["LICENSE", "dist/reveal.js", "dist/reveal.css", "dist/theme/simple.css",
                 "plugin/notes/notes.js"],
        "why": "the slide engine of nbconvert's reveal template (nbconvert 7 defaults to 4.0.2)",
    },
    "mathjax": {
        "version": "2.7.9", "license": "Apache-2.0",
        "integrity": "sha512-NOGEDTIM9+MrsqnjPEjVGNx4q0GQxqm61yQwSK+/5S59i26wId5IC5gNu9/bu8+CCVl5"
                     "p9G2IHcAl/wJa+5+BQ==",
        "keep": ["LICENSE", "MathJax.js", "config/TeX-AMS_CHTML-full.js", "config/Safe.js",
                 "extensions/*.js", "extensions/TeX/*.js", "jax/input/TeX/*.js",
                 "jax/output/CommonHTML/**", "jax/element/**", "fonts/HTML-CSS/TeX/woff/**"],
        "why": "TeX rendering; nbconvert 7's mathjax_url expects MathJax 2.7 "
               "(TeX-AMS_CHTML-full,Safe); only TeX input and CommonHTML output are kept",
    },
    "requirejs": {
        "version": "2.3.8", "license": "MIT",
        "integrity": "sha512-7/cTSLOdYkNBNJcDMWf+luFvMriVm7eYxp4BcFCsAX0wF421Vyce5SXP17c+Jd5otXKG"
                     "NehIonFlyQXSowL6Mw==",
        "keep": ["require.js"],
        "why": "the AMD loader nbconvert pages load (reveal.js is started through it)",
    },
    "jquery": {
        "version": "3.7.1", "license": "MIT",
        "integrity": "sha512-m4avr8yL8kmFN8psrbFFFmB/If14iN5o9nw/NgnnM+kybDJpRsAynV2BsfpTYrTRysYU"
                     "dADVD7CkUUizgkpLfg==",
        "keep": ["LICENSE.txt", "dist/jquery.min.js"],
        "why": "nbconvert's reveal template sizes scrolling slides with jQuery",
    },
}
MATHJAX_CONFIG = "TeX-AMS_CHTML-full,Safe"  # nbconvert's default configuration
TRACEBACK = re.compile(r"Traceback \(most recent call last\)|^-{30,}\s*$|^\s*-{1,4}> ?\d+|"
                       r"^Cell In\[\d*\]", re.MULTILINE)


REVEAL_CALLBACK = "function(Reveal, RevealNotes){"
MERMAID = re.compile(r'<script type="module">\s*import mermaid from [^<]*</script>')
BLOCKS = ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "pre", "blockquote", "div", "hr", "dt",
          "dd"]


class VendorError(RuntimeError):
    """A vendored web asset is missing or differs from data/vendor/manifest.json."""


class NotebookError(RuntimeError):
    """A notebook raised while it was executed for a deck."""


# --------------------------------------------------------------------------- vendored assets
def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _show(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def _how_to_restore() -> str:
    return ("The course ships these files in data/vendor/ (see data/README.md). Restore them "
            "from version control, or download the pinned versions from the npm registry with "
            "`.venv/bin/python tools/build_slides.py --fetch-vendor`.")


def manifest() -> dict:
    """The vendored files and their sha256, as written by :func:`fetch_vendor`."""
    if not MANIFEST.is_file():
        raise VendorError(f"{_show(MANIFEST)} is missing. {_how_to_restore()}")
    return json.loads(MANIFEST.read_text(encoding="utf-8"))


def check_vendor(packages=tuple(PACKAGES), hashes: bool = False) -> list[Path]:
    """Every vendored file of ``packages`` is present (and, with ``hashes``, unchanged).

    Returns the files; raises :class:`VendorError` naming what is missing and how to get it.
    """
    files, problems = [], []
    recorded = manifest()["packages"]
    for name in packages:
        entry = recorded.get(name)
        if entry is None or entry.get("version") != PACKAGES[name]["version"]:
            problems.append(f"{name} {PACKAGES[name]['version']} is not in the manifest")
            continue
        for rel, digest in entry["files"].items():
            path = VENDOR_DIR / name / rel
            if not path.is_file():
                problems.append(f"missing {_show(path)}")
            elif hashes and _sha256(path) != digest:
                problems.append(f"changed {_show(path)} (sha256 differs)")
            files.append(path)
    if problems:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more"
                                           if len(problems) > 5 else "")
        raise VendorError(f"vendored web assets are incomplete: {shown}. {_how_to_restore()}")
    return files


def copy_vendor(out: Path, packages=tuple(PACKAGES)) -> Path:
    """Copy the vendored ``packages`` to ``out/vendor`` (pages there refer to them)."""
    check_vendor(packages)
    target = out / "vendor"
    for name in packages:
        for rel in manifest()["packages"][name]["files"]:
            src, dst = VENDOR_DIR / name / rel, target / name / rel
            if not dst.is_file() or dst.stat().st_size != src.stat().st_size:
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
    return target


def offline_urls(prefix: str = "vendor") -> dict:
    """nbconvert exporter settings that load every script and style from ``prefix``."""
    return {
        "mathjax_url": f"{prefix}/mathjax/MathJax.js?config={MATHJAX_CONFIG}",
        "require_js_url": f"{prefix}/requirejs/require.js",
        "jquery_url": f"{prefix}/jquery/dist/jquery.min.js",
    }


def _keep(rel: str, patterns: list[str]) -> bool:
    for pattern in patterns:
        if pattern.endswith("/**"):
            if rel.startswith(pattern[:-2]):
                return True
        elif fnmatch.fnmatchcase(rel, pattern) and rel.count("/") == pattern.count("/"):
            return True
    return False


def _offline_theme(css: str) -> str:
    """reveal's simple theme without the @import of Google Fonts (fonts fall back locally)."""
    return re.sub(r"^@import url\(https?://[^)]*\);\s*$\n?", "", css, flags=re.MULTILINE)


def fetch_vendor(timeout: float = 120) -> dict:
    """Download the pinned packages from the npm registry, verify them, keep what pages load.

    Rewrites ``data/vendor/<package>/`` and ``data/vendor/manifest.json``.
    """
    record = {"note": "written by `python tools/build_slides.py --fetch-vendor`; do not edit",
              "packages": {}}
    for name, spec in PACKAGES.items():
        url = f"{REGISTRY}/{name}/-/{name.split('/')[-1]}-{spec['version']}.tgz"
        print(f"fetching {url}", flush=True)
        with urllib.request.urlopen(url, timeout=timeout) as response:
            blob = response.read()
        digest = "sha512-" + base64.b64encode(hashlib.sha512(blob).digest()).decode()
        if digest != spec["integrity"]:
            raise VendorError(f"{url}: integrity {digest} differs from the pinned "
                              f"{spec['integrity']}; refusing to vendor it")
        target = VENDOR_DIR / name
        shutil.rmtree(target, ignore_errors=True)
        files = {}
        with tarfile.open(fileobj=io.BytesIO(blob), mode="r:gz") as tar:
            for member in tar.getmembers():
                rel = member.name.split("/", 1)[1] if "/" in member.name else member.name
                if not member.isfile() or not _keep(rel, spec["keep"]):
                    continue
                dest = target / rel
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(tar.extractfile(member).read())
                files[rel] = _sha256(dest)
        if name == "reveal.js":
            theme = target / "dist" / "theme" / f"{THEME}.css"
            theme.write_text(_offline_theme((target / "dist/theme/simple.css").read_text()))
            files[f"dist/theme/{THEME}.css"] = _sha256(theme)
        record["packages"][name] = {"version": spec["version"], "license": spec["license"],
                                    "tarball": url, "integrity": digest, "why": spec["why"],
                                    "files": dict(sorted(files.items()))}
    MANIFEST.write_text(json.dumps(record, indent=1) + "\n", encoding="utf-8")
    return record


def vendor_size(packages=tuple(PACKAGES)) -> int:
    """Bytes of the vendored files of ``packages``."""
    return sum(p.stat().st_size for p in check_vendor(packages))


# --------------------------------------------------------------------------- execution
def execute(path: Path, profile: str, timeout: int = 900, seed: int | None = None):
    """Run a notebook top to bottom in ``profile`` (and ``COURSE_SEED``); returns it executed.

    The kernel gets its own environment, so several profiles or seeds can run in parallel.
    Cells tagged ``raises-exception`` may raise; any other error raises NotebookError.
    """
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = nbformat.read(path, as_version=4)
    env = dict(os.environ, COURSE_PROFILE=profile)
    env.pop("COURSE_SEED", None)
    if seed is not None:
        env["COURSE_SEED"] = str(seed)
    client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                            resources={"metadata": {"path": str(path.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        raise NotebookError(f"{path.name} failed in the {profile!r} profile:\n{exc}") from exc
    return nb


def _sources(nb: dict) -> list[tuple[str, str]]:
    return [(c["cell_type"], slides._source(c)) for c in nb["cells"]]


def executed_copy(path: Path, executed_dir: Path | None):
    """The executed copy of ``path`` in ``executed_dir`` if its cells match the notebook's."""
    if executed_dir is None or not (executed_dir / path.name).is_file():
        return None
    import nbformat

    copy = nbformat.read(executed_dir / path.name, as_version=4)
    source = nbformat.read(path, as_version=4)
    return copy if _sources(copy) == _sources(source) else None


# --------------------------------------------------------------------------- rendering
def render_deck(deck: dict, title: str, prefix: str = "vendor") -> str:
    """HTML of a deck copy (:func:`slides.deck_notebook`), loading everything from ``prefix``."""
    import nbformat
    from nbconvert import SlidesExporter

    exporter = SlidesExporter(reveal_url_prefix=f"{prefix}/reveal.js", reveal_theme=THEME,
                              reveal_transition="none", reveal_scroll=True,
                              reveal_number="c/t", reveal_width=str(SIZE[0]),
                              reveal_height=str(SIZE[1]), exclude_input_prompt=True,
                              exclude_output_prompt=True, **offline_urls(prefix))
    body, _ = exporter.from_notebook_node(nbformat.from_dict(deck),
                                          resources={"metadata": {"name": title}})
    # reveal.js registers itself with require.js only; make it reachable as window.Reveal too
    # (the browser test, the console and presenter tools look for it there).
    if "jp-Mermaid" not in body:  # the template imports mermaid from a CDN on every deck
        body = MERMAID.sub("", body)
    if REVEAL_CALLBACK not in body:
        raise RuntimeError("nbconvert's reveal template changed: no require() callback found")
    return body.replace(REVEAL_CALLBACK, REVEAL_CALLBACK + " window.Reveal = Reveal;", 1)


@dataclass
class Slide:
    """What one screen of a deck shows, measured."""

    number: str  # "h.v", 1-based, as reveal counts horizontal and vertical slides
    cells: list[str] = field(default_factory=list)  # deck cell ids: c<notebook cell>[-part]
    code: dict[str, int] = field(default_factory=dict)  # lines of code per cell
    text: dict[str, int] = field(default_factory=dict)  # lines of text per cell
    traceback: list[str] = field(default_factory=list)  # cells that show one

    @property
    def code_lines(self) -> int:
        return sum(self.code.values())

    @property
    def text_lines(self) -> int:
        return sum(self.text.values())


def _visual(text: str) -> int:
    return sum(slides.visual_lines(line) for line in text.splitlines())


def _rendered_lines(element) -> int:
    """Projected lines of rendered HTML: text lines, with every table row one line."""
    from bs4 import BeautifulSoup

    element = BeautifulSoup(str(element), "html.parser")
    for table in element.find_all("table"):
        rows = [" | ".join(c.get_text(" ", strip=True) for c in tr.find_all(["td", "th"]))
                for tr in table.find_all("tr")]
        table.replace_with("\n" + "\n".join(rows) + "\n")
    for block in element.find_all(BLOCKS):
        block.insert_before("\n")
        block.insert_after("\n")
    return _visual(element.get_text())


def _measure_cell(cell, slide: Slide) -> None:
    cid = (cell.get("id") or "cell-id=?").split("=", 1)[-1]
    slide.cells.append(cid)
    classes = cell.get("class", [])
    if "jp-MarkdownCell" in classes:
        md = cell.select_one(".jp-RenderedMarkdown")
        slide.text[cid] = _rendered_lines(md) if md else 0
        return
    editor = cell.select_one(".jp-InputArea-editor pre")
    code = editor.get_text().strip("\n") if editor else ""
    slide.code[cid] = len(code.splitlines()) if code.strip() else 0
    lines = 0
    for out in cell.select(".jp-OutputArea-output"):
        text = out.get_text()
        if TRACEBACK.search(text):
            slide.traceback.append(cid)
        lines += _rendered_lines(out)
    slide.text[cid] = lines


def measure_deck(html: str) -> list[Slide]:
    """Measure every screen (reveal sub-slide) of a rendered deck."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    container = soup.select_one("div.reveal > div.slides")
    measured = []
    for h, outer in enumerate(container.find_all("section", recursive=False), start=1):
        inner = outer.find_all("section", recursive=False) or [outer]
        for v, section in enumerate(inner, start=1):
            slide = Slide(number=f"{h}.{v}")
            for cell in section.select("div.jp-Cell"):
                if cell.find_parent("aside") is None:
                    _measure_cell(cell, slide)
            measured.append(slide)
    return measured


def _cell_list(counts: dict[str, int]) -> str:
    parts = [f"{cid.removeprefix('c')} ({n})" for cid, n in counts.items() if n]
    return "notebook cell " + ", ".join(parts) if parts else "no cell"


def violations(measured: list[Slide], name: str, max_code: int = slides.MAX_CODE_LINES,
               max_text: int = slides.MAX_TEXT_LINES) -> list[str]:
    """One line per broken rule: deck, slide, notebook cells (with their lines), numbers."""
    found = []
    for s in measured:
        if s.code_lines > max_code:
            found.append(f"{name} slide {s.number}: {s.code_lines} lines of code > {max_code} "
                         f"[{_cell_list(s.code)}]")
        if s.text_lines > max_text:
            found.append(f"{name} slide {s.number}: {s.text_lines} lines of text > {max_text} "
                         f"[{_cell_list(s.text)}]")
        for cid in s.traceback:
            found.append(f"{name} slide {s.number}: traceback in notebook cell "
                         f"{cid.removeprefix('c')}")
    return found


# --------------------------------------------------------------------------- the build
def title_of(nb: dict, fallback: str) -> str:
    first = slides._source(nb["cells"][0]).strip().splitlines() if nb["cells"] else []
    return first[0].lstrip("# ").strip() if first else fallback


def build_deck(path: Path, out: Path, nb=None) -> tuple[Path, list[str]]:
    """Write ``out/<stem>.slides.html`` from ``nb`` (default: the unexecuted notebook).

    Returns the deck's path and its slide-rule violations. ``out/vendor`` must exist
    (:func:`copy_vendor`).
    """
    import nbformat

    nb = nb if nb is not None else nbformat.read(path, as_version=4)
    deck = slides.deck_notebook(nb, name=path.stem)
    html = render_deck(deck, title_of(nb, path.stem))
    target = out / f"{path.stem}.slides.html"
    target.write_text(html, encoding="utf-8")
    return target, violations(measure_deck(html), path.stem)


def build(out: Path, profile: str = "live", jobs: int = 2, timeout: int = 900,
          notebooks: list[Path] | None = None, execute_notebooks: bool = True,
          executed_dir: Path | None = None) -> dict[Path, list[str]]:
    """Build a deck per notebook into ``out``; returns each deck with its violations."""
    notebooks = notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out)

    def one(path: Path) -> tuple[Path, list[str]]:
        t0 = time.perf_counter()
        nb = executed_copy(path, executed_dir)
        how = "executed copy"
        if nb is None and execute_notebooks:
            nb, how = execute(path, profile, timeout), f"executed in {profile}"
        elif nb is None:
            how = "not executed"
        deck, found = build_deck(path, out, nb)
        print(f"  {deck.name}: {how}, {time.perf_counter() - t0:.1f} s, "
              f"{len(found)} slide-rule warning(s)", flush=True)
        return deck, found

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        return dict(pool.map(one, notebooks))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default=os.environ.get("COURSE_PROFILE") or "live",
                        choices=["ci", "class", "full", "live"])
    parser.add_argument("--out", default=str(ROOT / "build" / "slides"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("--no-execute", action="store_true",
                        help="decks from the notebooks as they are (no outputs): layout only")
    parser.add_argument("--executed", type=Path, default=None,
                        help="use executed copies from this folder when they match")
    parser.add_argument("--strict", action="store_true", help="fail on slide-rule violations")
    parser.add_argument("--fetch-vendor", action="store_true")
    parser.add_argument("--check-vendor", action="store_true")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.fetch_vendor:
            record = fetch_vendor()
            print(f"vendored {', '.join(record['packages'])}: {vendor_size() / 1e6:.2f} MB")
            return 0
        if args.check_vendor:
            files = check_vendor(hashes=True)
            print(f"data/vendor: {len(files)} files match the manifest "
                  f"({vendor_size() / 1e6:.2f} MB)")
            return 0
        print(f"building decks in {args.out} ({args.profile} profile)", flush=True)
        decks = build(Path(args.out), args.profile, args.jobs, args.timeout,
                      args.notebooks or None, not args.no_execute, args.executed)
    except (VendorError, NotebookError, slides.DeckError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    found = [v for vs in decks.values() for v in vs]
    for line in found:
        print(f"warning: {line}")
    first = min(decks) if decks else None
    print(f"wrote {len(decks)} deck(s); open {first} (offline: vendor/ is next to it)")
    return 1 if (found and args.strict) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
