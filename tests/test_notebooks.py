"""Notebook hygiene: the committed form (outputs policy), the skeleton, and the course map."""

import json
import re
import subprocess
import sys

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
SKELETON = ["## Setup", "## Summary", "## Exercises", "## References"]


def _load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _markdown(nb):
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"]


def test_there_are_notebooks():
    assert NOTEBOOKS and NOTEBOOKS[0].name == "00_start_here.ipynb"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_outputs_policy(path):
    """Outputs are stripped, except cells tagged nbval-check-output (README: Notebook outputs)."""
    nb = _load(path)
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] != "code":
            continue
        tags = cell.get("metadata", {}).get("tags", [])
        if "nbval-check-output" in tags:
            assert cell["execution_count"] in (None, 1), f"{path.name} cell {i}: run make strip"
            continue
        assert not cell["outputs"], f"{path.name} cell {i} has stored outputs: run make strip"
        assert cell["execution_count"] is None, f"{path.name} cell {i} keeps an execution count"
    assert "widgets" not in nb["metadata"], f"{path.name} stores widget state: run make strip"
    assert nb["metadata"].get("kernelspec", {}).get("name") == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_skeleton(path):
    nb = _load(path)
    md = _markdown(nb)
    number = path.name[:2]
    assert re.match(rf"# {number} ", md[0]), f"{path.name} must open with '# {number} <title>'"
    headings = [ln.strip() for cell in md for ln in cell.splitlines() if ln.startswith("## ")]
    positions = []
    for wanted in SKELETON:
        assert wanted in headings, f"{path.name} lacks the heading {wanted!r}"
        positions.append(headings.index(wanted))
    assert positions == sorted(positions), f"{path.name}: skeleton headings out of order"
    assert "learning goals" in md[0].lower(), f"{path.name}: state the learning goals first"
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("course_utils.setup(" in c for c in code[:2]), f"{path.name}: Setup cell missing"


def test_course_map_links_resolve():
    nb = _load(NOTEBOOK_DIR / "00_start_here.ipynb")
    links = re.findall(r"\]\(([0-9][0-9]_[a-z_]+\.ipynb)\)", "\n".join(_markdown(nb)))
    assert len(links) >= 6
    missing = [link for link in links if not (NOTEBOOK_DIR / link).is_file()]
    if missing and len(NOTEBOOKS) < 7:
        pytest.xfail(f"notebooks not written yet: {missing}")
    assert not missing, f"course map links to missing notebooks: {missing}"
    unlinked = [p.name for p in NOTEBOOKS[1:] if p.name not in links]
    assert not unlinked, f"notebooks missing from the course map: {unlinked}"


def test_strip_tool_detects_outputs(tmp_path):
    nb = _load(NOTEBOOKS[0])
    code = next(c for c in nb["cells"] if c["cell_type"] == "code")
    code["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["hi\n"]}]
    bad = tmp_path / "x.ipynb"
    bad.write_text(json.dumps(nb), encoding="utf-8")
    tool = str(REPO_ROOT / "tools" / "strip_outputs.py")
    assert subprocess.run([sys.executable, tool, "--check", str(bad)]).returncode == 1
    assert subprocess.run([sys.executable, tool, str(bad)]).returncode == 0
    assert subprocess.run([sys.executable, tool, "--check", str(bad)]).returncode == 0
