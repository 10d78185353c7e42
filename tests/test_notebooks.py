"""Notebook hygiene (the committed form, the skeleton, the course map) and every notebook run
in the ``ci`` profile: once per test run (``tests/executed.py``), checked the way
``pytest --nbval-lax`` checked it: no cell raises unless tagged ``raises-exception``, and cells
tagged ``nbval-check-output`` print what is stored in the notebook."""

import json
import re
import subprocess
import sys

import nbformat
import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

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


# --------------------------------------------------------------------------- every notebook runs
def each_notebook():
    """One parameter per course notebook, marked so the run executes it once, in its group."""
    return [pytest.param(p, id=p.stem, marks=pytest.mark.notebook(p.stem)) for p in NOTEBOOKS]


def _failure(path, nb) -> str | None:
    info = nb.metadata.get("course_test", {})
    if info.get("error") is None:
        return None
    cell = info.get("error_cell")
    source = "".join(nb.cells[cell].source) if cell is not None else ""
    return f"{path.name} failed in cell {cell} (ci profile):\n{source}\n\n{info['error']}"


@pytest.mark.parametrize("path", each_notebook())
def test_notebook_runs(path):
    """Top to bottom in the ci profile; only cells tagged raises-exception may raise."""
    nb = executed.notebook(path)
    failure = _failure(path, nb)
    assert failure is None, failure
    assert not executed.unexpected_errors(nb)
    unrun = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and c.source.strip()
             and not executed.skipped(c) and c.get("execution_count") is None]
    assert not unrun, f"{path.name}: cells {unrun} did not run"


@pytest.mark.parametrize("path", each_notebook())
def test_checked_outputs_match(path):
    """Cells tagged nbval-check-output print what the notebook stores (nbval's comparison)."""
    nb = executed.notebook(path)
    if _failure(path, nb):
        pytest.fail(f"not compared: {path.name} failed to run (see test_notebook_runs)")
    mismatches = executed.output_mismatches(nbformat.read(path, as_version=4), nb)
    assert not mismatches, f"{path.name}: " + "\n".join(mismatches)


def _tiny(tmp_path, *cells, name="99_tiny.ipynb"):
    made = []
    for source, tags, outputs in cells:
        cell = nbformat.v4.new_code_cell(source, outputs=outputs)
        cell.metadata["tags"] = tags
        if outputs:
            cell.execution_count = 1
        made.append(cell)
    nb = nbformat.v4.new_notebook(cells=made)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


def test_the_notebook_checks_can_fail(tmp_path):
    """A raising cell stops the run and is named; a tagged one does not; a changed checked
    output is reported; an untagged output is not compared."""
    stream = nbformat.v4.new_output("stream", name="stdout", text="41\n")
    path = _tiny(tmp_path,
                 ("x = 40", [], []),
                 ("print(x + 1)", ["nbval-check-output"], [stream]),
                 ("print(x + 2)", [], [stream]),
                 ("1 / 0", ["raises-exception"], []),
                 ("x = 1\nprint(x + 1)", ["nbval-check-output"], [stream]),
                 ("undefined_name", [], []),
                 ("print('never')", [], []))
    run, replay, _ = executed.run_notebook(path)
    assert replay is None
    assert run.error_cell == 5 and "NameError" in run.error and run.ran == [0, 1, 2, 3, 4]
    assert executed.unexpected_errors(run.nb) == [
        "cell 5: NameError: name 'undefined_name' is not defined"]
    reference = nbformat.read(path, as_version=4)
    found = executed.output_mismatches(reference, run.nb)
    assert len(found) == 1 and found[0].startswith("cell 4: stdout differs"), found


def test_outputs_are_compared_as_nbval_compares_them():
    out = nbformat.v4.new_output
    stored = [out("stream", name="stdout", text="a\nb\n"),
              out("execute_result", data={"text/plain": "3", "image/png": "AAAA"},
                  execution_count=1)]
    produced = [out("stream", name="stdout", text="a\n"), out("stream", name="stdout",
                                                              text="x\rb\n"),
                out("execute_result", data={"text/plain": "3", "image/png": "BBBB"},
                    execution_count=7, metadata={"width": 3})]
    assert executed.compare_outputs(stored, produced) is None  # streams merged, \r applied
    produced[-1]["data"]["text/plain"] = "4"
    assert "text/plain differs" in executed.compare_outputs(stored, produced)
    assert "fields differ" in executed.compare_outputs(stored, produced[:2])
    assert executed.compare_outputs([out("stream", name="stderr", text="a\nb\n")],
                                    stored[:1]) is not None
