"""The test run's own machinery (``tests/executed.py``, ``tests/conftest.py``): kernels are
counted whoever starts them, a notebook run twice is reported, and each notebook's tests are one
scheduling unit."""

import json

import nbformat

from tests import conftest, executed


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · T")]
                                  + [nbformat.v4.new_code_cell(s) for s in sources])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_the_counter_sees_every_kernel_that_runs_a_notebook(tmp_path, monkeypatch):
    """A real kernel with the counting start-up file logs the notebook it runs; a student
    version counts as such; a second run of the same notebook is reported as repeated."""
    setup = "x = 1  # stands for course_utils.setup(seed=42)"
    original = _notebook(tmp_path / "notebooks" / "99_tiny.ipynb", setup, "y = x + 1")
    student = _notebook(tmp_path / "student" / "99_tiny.ipynb", setup, "y = x + 1")
    _notebook(tmp_path / "notebooks" / "98_other.ipynb", "z = 0  # course_utils.setup(", "z")
    log = tmp_path / "kernels.jsonl"
    env = executed.install_counter(tmp_path / "ipython", log)
    for key, value in {**env, executed.RUN_ENV: "run-a"}.items():
        monkeypatch.setenv(key, value)
    executed.run_notebook(original)
    executed.run_student_whole(student)
    counts = executed.count_executions(log, tmp_path, run="run-a")
    assert counts == {"98_other": {"notebook": 0, "student": 0},
                      "99_tiny": {"notebook": 1, "student": 1}, "other": 0}
    assert executed.repeated(counts) == []
    executed.run_notebook(original)
    counts = executed.count_executions(log, tmp_path, run="run-a")
    assert executed.repeated(counts) == ["99_tiny (2 times)"]
    assert executed.count_executions(log, tmp_path, run="run-b")["99_tiny"]["notebook"] == 0
    assert "99 2" in executed.summary_line(counts)


def test_an_unknown_kernel_is_counted_as_other(tmp_path):
    _notebook(tmp_path / "notebooks" / "99_tiny.ipynb", "course_utils.setup()", "a = 1")
    log = tmp_path / "kernels.jsonl"
    entries = [{"run": "r", "pid": 1, "cwd": "/x", "cells": ["0" * 16]},
               {"run": "r", "pid": 2, "cwd": "/x/student",
                "cells": executed.signature(tmp_path / "notebooks" / "99_tiny.ipynb")}]
    log.write_text("\n".join(json.dumps(e) for e in entries) + "\nnot json\n", encoding="utf-8")
    assert executed.count_executions(log, tmp_path, run="r") == {
        "99_tiny": {"notebook": 0, "student": 1}, "other": 1}


def test_each_notebooks_tests_are_one_scheduling_unit():
    stem = executed.course_notebooks()[0].stem
    for nodeid in (f"tests/test_notebooks.py::test_notebook_runs[{stem}]",
                   f"tests/test_student.py::test_student_version_runs[{stem}]"):
        assert conftest.notebook_scope(nodeid) == f"notebook-{stem}"
    assert conftest.notebook_scope(f"tests/test_slides.py::test_x[{stem}.ipynb]") is None
    assert conftest.notebook_scope("tests/test_notebooks.py::test_x[99_not_a_notebook]") is None


def test_the_committed_cost_baseline_names_real_modules_and_notebooks():
    from tests import conftest

    base = conftest._baseline()
    assert base["modules"] and base["notebooks"], "tests/cost_baseline.json is empty"
    gone = [m for m in base["modules"] if not (executed.REPO_ROOT / m).is_file()]
    assert not gone, f"{gone} no longer exist: run python tools/cost_baseline.py after make test"
    assert set(base["notebooks"]) == {p.stem for p in executed.course_notebooks()}


def test_without_a_record_the_baseline_orders_the_heavy_modules_first(monkeypatch, tmp_path):
    from tests import conftest

    class Item:  # what _order reads of a collected test
        def __init__(self, nodeid):
            self.nodeid = nodeid

        def get_closest_marker(self, name):
            return None

    monkeypatch.setattr(conftest, "COSTS", tmp_path / "no-record.json")
    items = [Item("tests/test_traffic.py::test_a"), Item("tests/test_pretrained.py::test_b")]
    conftest._order(items)
    assert [i.nodeid for i in items] == ["tests/test_pretrained.py::test_b",
                                         "tests/test_traffic.py::test_a"]
