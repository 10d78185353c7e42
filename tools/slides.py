"""Give every notebook its slide metadata, derived from its structure (one source).

Rules: the title cell and every ``## `` section start a slide; ``### `` headings and other
markdown cells start a sub-slide; a code cell stays on the slide of the text that explains
it; the Setup section and cells tagged ``plumbing`` are skipped. Notebook metadata gets the
RISE settings (scrolling slides, plain theme). Present with the JupyterLab RISE extension
(Alt+R) or export with ``jupyter nbconvert --to slides notebooks/NN_topic.ipynb``.

Usage: python tools/slides.py notebooks/*.ipynb [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

RISE = {"scroll": True, "theme": "simple", "transition": "none", "enable_chalkboard": True}


def slide_types(nb: dict) -> list[str]:
    types = []
    in_setup = False
    for i, cell in enumerate(nb["cells"]):
        src = "".join(cell["source"]).lstrip()
        tags = cell.get("metadata", {}).get("tags", [])
        if cell["cell_type"] == "markdown" and src.startswith("## "):
            in_setup = src.startswith("## Setup")
            types.append("skip" if in_setup else "slide")
        elif in_setup or "plumbing" in tags:
            types.append("skip")
        elif i == 0:
            types.append("slide")
        elif cell["cell_type"] == "markdown":
            types.append("subslide")
        else:
            types.append("-")
    return types


def apply(nb: dict) -> dict:
    for cell, kind in zip(nb["cells"], slide_types(nb), strict=True):
        cell.setdefault("metadata", {})["slideshow"] = {"slide_type": kind}
    nb["metadata"]["rise"] = RISE
    return nb


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path in (Path(a) for a in argv if a != "--check"):
        text = path.read_text(encoding="utf-8")
        new = json.dumps(apply(json.loads(text)), indent=1, ensure_ascii=False) + "\n"
        if new != text:
            stale.append(str(path))
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("slide metadata out of date in: " + ", ".join(stale) + " (run `make strip`)")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
