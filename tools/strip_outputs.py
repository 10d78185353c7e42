"""Strip notebook outputs to the committed form (README: "Notebook outputs").

Outputs and execution counts are removed from every code cell except cells tagged
``nbval-check-output``, whose stored output nbval compares (their execution count is
normalised to 1). Widget state is dropped.
Usage: python tools/strip_outputs.py notebooks/*.ipynb [--check]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

KEEP_TAG = "nbval-check-output"


def strip(nb: dict) -> dict:
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if KEEP_TAG in tags:
            # nbval refuses reference outputs of a cell that looks unrun, so a checked cell
            # keeps a (normalised) execution count of 1.
            for out in cell.get("outputs", []):
                if "execution_count" in out:
                    out["execution_count"] = 1
            cell["execution_count"] = 1 if cell.get("outputs") else None
            continue
        cell["outputs"] = []
        cell["execution_count"] = None
        cell.get("metadata", {}).pop("execution", None)
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def dumps(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    paths = [Path(a) for a in argv if a != "--check"]
    stale = []
    for path in paths:
        text = path.read_text(encoding="utf-8")
        new = dumps(strip(json.loads(text)))
        if new != text:
            stale.append(path)
            if not check:
                path.write_text(new, encoding="utf-8")
    if check and stale:
        print("notebooks with outputs that should be stripped: " + ", ".join(map(str, stale)))
        print("run `make strip`")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
