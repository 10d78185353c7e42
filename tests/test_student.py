"""Student versions: generated from one source, never stale, free of solution code, and run
with their unfinished exercises (each check says "not done yet" and core exercises continue
with the reference implementation).

How a student version runs (``tests/executed.py``, :func:`~tests.executed.student_plan`): it
differs from its notebook only in the cells that held solutions. Right after the notebook's
own run, in the same kernel, the student version's differing cells run, then every later cell
that reads what they define, until a cell tagged ``check`` hands back a working
implementation. The other cells are the notebook's own code on the notebook's inputs, which its
run just proved. When replaying after the notebook could differ from a fresh run, the student
version runs top to bottom in a fresh kernel instead.
"""

import json
import subprocess
import sys

import nbformat
import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

sys.path.insert(0, str(REPO_ROOT / "tools"))
import make_student  # noqa: E402

SOLUTION_NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))


def test_student_versions_are_up_to_date():
    result = subprocess.run([sys.executable, str(REPO_ROOT / "tools" / "make_student.py"),
                             "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + " (run `make student`)"


@pytest.mark.parametrize("path", SOLUTION_NOTEBOOKS, ids=lambda p: p.name)
def test_student_notebook_has_no_solution_code(path):
    solution = json.loads(path.read_text(encoding="utf-8"))
    student = json.loads((REPO_ROOT / "student" / path.name).read_text(encoding="utf-8"))
    text = json.dumps(student)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    outside = []  # solution-notebook lines outside solution blocks (taught in the open)
    for cell in solution["cells"]:
        inside = False
        for ln in "".join(cell["source"]).splitlines():
            if "### BEGIN SOLUTION" in ln:
                inside = True
            elif "### END SOLUTION" in ln:
                inside = False
            elif not inside:
                outside.append(ln.strip())
    outside_lines = set(outside)
    for cell in solution["cells"]:
        src = "".join(cell["source"])
        for block in make_student.CODE_BLOCK.finditer(src):
            body = [ln.strip() for ln in block.group(0).splitlines()[1:-1] if ln.strip()]
            leaked = [ln for ln in body
                      if len(ln) > 25 and ln in text and ln not in outside_lines]
            assert not leaked, f"solution lines leak into student/{path.name}: {leaked}"
    n_blocks = sum(len(make_student.CODE_BLOCK.findall("".join(c["source"])))
                   for c in solution["cells"] if c["cell_type"] == "code")
    code = "".join("".join(c["source"]) for c in student["cells"] if c["cell_type"] == "code")
    assert code.count("raise NotImplementedError  # TODO") == n_blocks


def test_transformation_keeps_signature_and_indentation():
    src = ('def f(x):\n    """Doc."""\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n'
           '    ### END SOLUTION\n\n\ncheck(f)\n')
    out = make_student.studentize_source(src, "code")
    assert out == ('def f(x):\n    """Doc."""\n    raise NotImplementedError  # TODO: your code here\n'
                   '\n\ncheck(f)\n')
    md = make_student.studentize_source("Q?\n<!-- BEGIN SOLUTION -->A.<!-- END SOLUTION -->", "markdown")
    assert md == "Q?\n*Your answer here.*"
    with pytest.raises(ValueError, match="unbalanced"):
        make_student.studentize_source("### BEGIN SOLUTION\nx = 1\n", "code")


# --------------------------------------------------------------------------- student versions run
@pytest.mark.parametrize("path", [pytest.param(p, id=p.stem, marks=pytest.mark.notebook(p.stem))
                                  for p in SOLUTION_NOTEBOOKS])
def test_student_version_runs(path):
    """Every cell the student version changes, and every cell that uses what they define, runs
    without an error; every check there says "not done yet"; checked outputs still match."""
    if not (REPO_ROOT / "student" / path.name).is_file():
        pytest.fail(f"student/{path.name} is missing: run `make student`")
    nb = executed.student(path)
    info = nb.metadata["course_test"]
    cell = info.get("error_cell")
    assert info["error"] is None, (
        f"student/{path.name} ({info.get('kind')}, {info.get('reason')}) failed in cell {cell}:\n"
        + ("".join(nb.cells[cell].source) if cell is not None else "") + f"\n\n{info['error']}")
    assert not executed.unexpected_errors(nb)
    assert info["cells"], f"student/{path.name} has no exercise"
    silent = [i for i in info["cells"] if "checks.check_" in "".join(nb.cells[i].source)
              and executed.NOT_DONE not in _stdout(nb.cells[i])]
    assert not silent, (f"student/{path.name}: the checks in cells {silent} do not say "
                        f"{executed.NOT_DONE!r} for an unfinished exercise")
    reference = nbformat.read(REPO_ROOT / "student" / path.name, as_version=4)
    mismatches = executed.output_mismatches(reference, nb, cells=set(info["ran"]))
    assert not mismatches, "\n".join(mismatches)


def _stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == "stdout")


def _pair(*sources, tags=None):
    """A solution notebook from code sources and its student version (make_student)."""
    tags = tags or {}
    cells = []
    for i, src in enumerate(sources):
        cell = nbformat.v4.new_code_cell(src)
        cell.metadata["tags"] = tags.get(i, [])
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · T"), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    student = nbformat.from_dict(make_student.studentize(json.loads(nbformat.writes(nb))))
    return nb, student


SOLVED = "def double(x):\n    ### BEGIN SOLUTION\n    return 2 * x\n    ### END SOLUTION\n"
CHECK = ("try:\n    double(1)\n    print('double: PASS')\nexcept NotImplementedError:\n"
         "    print('double: not done yet: using the reference implementation.')\n"
         "    double = lambda x: 2 * x\n")


def test_the_plan_replays_what_differs_and_what_uses_it():
    nb, student = _pair("import math\nbase = 3",          # 1
                        SOLVED,                             # 2: differs
                        CHECK,                              # 3: check, hands back a double
                        "y = double(base)",                 # 4: clean again: not replayed
                        "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n"
                        "    ### END SOLUTION\n",            # 5: differs
                        "try:\n    print(half(y))\nexcept NotImplementedError:\n    pass",
                        "print(math.pi)",                   # 7: untouched
                        tags={2: ["check"]})
    plan = executed.student_plan(nb, student)
    assert plan.mode == "replay" and plan.differing == [2, 5] and plan.cells == [2, 3, 5, 6]


def test_the_plan_runs_whole_when_a_replay_could_differ():
    nb, student = _pair("base = 3", SOLVED, "print(double(base))", "base = 4")
    plan = executed.student_plan(nb, student)
    assert plan.mode == "whole" and "['base']" in plan.reason and "rebinds" in plan.reason
    nb, student = _pair("def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n",
                        "### BEGIN SOLUTION\nanswer = 42\n### END SOLUTION\n", "print(answer)")
    plan = executed.student_plan(nb, student)
    assert plan.mode == "whole" and "no longer defines" in plan.reason


def test_a_broken_student_version_is_caught(tmp_path):
    """In a real kernel: the replay prints "not done yet" and continues with the reference; a
    later cell that calls an unfinished exercise outside a check breaks the student version."""
    good = ("x = 20", SOLVED, CHECK, "print(double(x + 1))")
    nb, student = _pair(*good, "def half(x):\n    ### BEGIN SOLUTION\n    return x / 2\n"
                              "    ### END SOLUTION\n", "print(half(x))", tags={2: ["check"]})
    nbformat.write(nb, tmp_path / "99_t.ipynb")
    nbformat.write(student, tmp_path / "student.ipynb")
    run, replay, plan = executed.run_notebook(tmp_path / "99_t.ipynb", tmp_path / "student.ipynb")
    assert run.ok and plan.cells == [2, 3, 5, 6]
    assert replay.ran == [2, 3, 5] and replay.error_cell == 6
    assert "NotImplementedError" in replay.error
    assert "not done yet" in _stdout(replay.nb.cells[3])
    assert _stdout(run.nb.cells[4]) == "42\n"  # the notebook's own run, same kernel
