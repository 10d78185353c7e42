"""Student versions: generated from one source, never stale, free of solution code."""

import json
import subprocess
import sys

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

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
    assert text.count("raise NotImplementedError  # TODO") == n_blocks


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
