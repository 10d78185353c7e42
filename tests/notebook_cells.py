"""Reading the course notebooks in tests: their code cells, their *core* cells (the code a
notebook teaches that the package reuses) and running chosen cells in a namespace. The one
helper every test uses that needs a notebook's own code (CONTRIBUTING.md, "One source of
truth")."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from course_utils.config import NOTEBOOK_DIR

CORE_TAG = "core"
CORE_HEADER = re.compile(r"^# Same code as (course_utils(?:\.\w+)+)\b")


@dataclass(frozen=True)
class Cell:
    notebook: str
    index: int
    source: str
    tags: tuple[str, ...]

    @property
    def core_module(self) -> str | None:
        """The module named on a core cell's first line (``# Same code as course_utils.vae``)."""
        match = CORE_HEADER.match(self.source)
        return match.group(1) if match else None


def notebook_path(name: str) -> Path:
    """``notebooks/<name>.ipynb``; ``name`` may be the stem or a prefix such as ``"05"``."""
    matches = sorted(NOTEBOOK_DIR.glob(f"{name}*.ipynb"))
    if len(matches) != 1:
        raise FileNotFoundError(f"no single notebook matches {name!r}: {matches}")
    return matches[0]


def code_cells(name: str) -> list[Cell]:
    """Every code cell of a notebook, in order."""
    path = notebook_path(name)
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [Cell(path.stem, i, "".join(c["source"]), tuple(c.get("metadata", {}).get("tags", [])))
            for i, c in enumerate(nb["cells"]) if c["cell_type"] == "code"]


def core_cells(name: str) -> list[Cell]:
    """The cells tagged ``core``."""
    return [c for c in code_cells(name) if CORE_TAG in c.tags]


def run_cells(name: str, select: Callable[[Cell], bool], namespace: dict | None = None) -> dict:
    """Execute the chosen code cells of a notebook, in order, in ``namespace``; return it."""
    namespace = {} if namespace is None else namespace
    for cell in code_cells(name):
        if select(cell):
            exec(compile(cell.source, f"{cell.notebook} cell {cell.index}", "exec"), namespace)  # noqa: S102
    return namespace
