"""The answer key (tools/answers.py) stays in step with the notebooks' headline cells.

Nothing here runs a course notebook: the parser and the table are tested on stored samples,
the notebooks' headline cells are read statically, and one tiny notebook is executed to prove
that seeds reach the kernel and that pages and tables are written. The run's executed copy of
each notebook (``build/executed/``, ``tests/executed.py``; or a matching one an earlier run
left) shows that every headline cell prints its numbers in the ``ci`` profile. When
``make answers`` has written ``build/answers/HEADLINES.json``, its rows are checked against the
notebooks too.
"""

import json
import sys

import nbformat
import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

sys.path.insert(0, str(REPO_ROOT / "tools"))
import answers  # noqa: E402

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
STORED = REPO_ROOT / "build" / "answers" / "HEADLINES.json"

SAMPLE_STDOUT = """\
test MSE of the autoencoder: 0.0123 (mean image 0.0661)
ROC-AUC, autoencoder trained without bags: 0.912
labels needed: 1,234 images
judge accuracy: 84.5%
tiny: 3.2e-05 nats
gap: -0.25
fitted line: right = 0.981 * left + 0.002
5 labels: test accuracy 31.0%
epochs: 10x faster
a line without a number
"""


def test_the_parser_reads_name_number_lines_and_nothing_else():
    found = answers.parse_headlines(SAMPLE_STDOUT)
    assert [(h.name, h.value, h.unit) for h in found] == [
        ("test MSE of the autoencoder", 0.0123, "(mean image 0.0661)"),
        ("ROC-AUC, autoencoder trained without bags", 0.912, ""),
        ("labels needed", 1234.0, "images"),
        ("judge accuracy", 84.5, "%"),
        ("tiny", 3.2e-05, "nats"),
        ("gap", -0.25, ""),
    ]


def test_declared_names_come_from_literal_print_prefixes():
    source = '''
mse = 0.1
print(f"test MSE of the autoencoder: {mse:.4f} (lower is better)")
print(f"ELBO: {elbo:.2f} nats\\nlog-likelihood: {ll:.2f} nats")
print("constant: 3")
for name, v in scores.items():
    print(f"{name}: {v:.3f}")          # no literal name at all: not a declaration
    print(f"modes covered, {name}: {v}")  # one line per setting: a pattern
print(f"{n} labels: accuracy {acc:.1%}")  # no value right after the colon
print("a sentence: with words")
'''
    assert answers.declared_headlines(source) == [
        "test MSE of the autoencoder", "ELBO", "log-likelihood", "constant", "modes covered, {}"]
    assert answers.declared_headlines("%timeit f()") == []
    assert answers.name_matches("modes covered, G 8x faster", "modes covered, {}")
    assert not answers.name_matches("modes covered", "modes covered, {}")
    assert answers.name_matches("ELBO", "ELBO") and not answers.name_matches("ELBO (K=1)", "ELBO")


def headline_notebook(lines_by_cell, tags=("headline",)):
    cells = [nbformat.v4.new_markdown_cell("# 99 · Test")]
    for text in lines_by_cell:
        cell = nbformat.v4.new_code_cell("print(...)")
        cell.metadata["tags"] = list(tags)
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
        cells.append(cell)
    return nbformat.v4.new_notebook(cells=cells)


def test_collect_reads_tagged_cells_and_reports_empty_ones():
    nb = headline_notebook(["accuracy: 0.9\nnoise\n", "no numbers here\n"])
    nb.cells.append(nbformat.v4.new_code_cell("print('x: 1')",
                                              outputs=[nbformat.v4.new_output(
                                                  "stream", name="stdout", text="x: 1\n")]))
    found, problems = answers.collect(nb)
    assert list(found) == ["accuracy"] and found["accuracy"].value == 0.9
    assert problems == ["cell 2 is tagged headline but printed no 'name: number' line"]


def test_the_table_lists_exactly_the_headlines_present():
    h = answers.Headline
    runs = {"04_autoencoders": {
        "class": [("presented", {"MSE": h("MSE", 0.010, ""), "AUC": h("AUC", 0.90, "")}),
                  ("seed 1", {"MSE": h("MSE", 0.012, ""), "AUC": h("AUC", 0.92, "")}),
                  ("seed 2", {"MSE": h("MSE", 0.014, "")})],
        "live": [("presented", {"MSE": h("MSE", 0.008, "")})] * 3}}
    table = answers.summarize(runs)
    assert set(table["04_autoencoders"]["class"]) == {"MSE", "AUC"}
    assert set(table["04_autoencoders"]["live"]) == {"MSE"}
    mse = table["04_autoencoders"]["class"]["MSE"]
    assert mse["presented"] == 0.010 and mse["min"] == 0.010 and mse["max"] == 0.014
    assert mse["sd"] == pytest.approx(0.002)
    assert table["04_autoencoders"]["class"]["AUC"]["missing"] == ["seed 2"]
    assert table["04_autoencoders"]["live"]["MSE"]["sd"] == 0.0
    meta = {"date": "today", "commit": "abc", "cores": 2, "presented": "presented",
            "seeds": [1, 2]}
    md = answers.table_markdown(table, meta)
    rows = [line for line in md.splitlines() if line.startswith("| ") and "---" not in line
            and not line.startswith("| headline")]
    assert sorted(r.split(" | ")[0][2:] + "/" + r.split(" | ")[1] for r in rows) == [
        "AUC/class", "MSE/class", "MSE/live"]
    assert "missing: seed 2" in md


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_notebook_marks_its_headline_numbers(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    cells = answers.headline_cells(nb)
    assert cells, (f"{path.name}: no code cell is tagged 'headline' (tag the cell that prints "
                   "the numbers the room should see, as 'name: value' lines)")
    for i, names in cells.items():
        assert names, (f"{path.name} cell {i} is tagged headline but prints no "
                       "'name: {value}' line with a literal name")


@pytest.mark.outputs
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_headline_cells_print_their_numbers(path):
    """In the run's execution, every headline cell prints the names it declares, with numbers."""
    nb = executed.available(path)
    if nb is None:
        pytest.skip(f"no executed copy of {path.name} in this run (make test executes it)")
    if nb.metadata.get("course_test", {}).get("error"):
        pytest.skip(f"{path.name} failed to run (see test_notebook_runs)")
    found, problems = answers.collect(nb)
    assert not problems, f"{path.name}: {problems}"
    for i, names in answers.headline_cells(nb).items():
        for name in names:
            assert any(answers.name_matches(h, name) for h in found), (
                f"{path.name} cell {i} declares {name!r} but printed no such line")


def test_the_stored_table_is_in_step_with_the_notebooks():
    if not STORED.is_file():
        pytest.skip("no build/answers/HEADLINES.json yet (run `make answers`)")
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    for notebook, by_profile in stored["headlines"].items():
        path = NOTEBOOK_DIR / f"{notebook}.ipynb"
        assert path.is_file(), f"HEADLINES.json lists {notebook}, which no longer exists"
        declared = {n for names in answers.headline_cells(
            json.loads(path.read_text(encoding="utf-8"))).values() for n in names}
        for profile, rows in by_profile.items():
            stale = {r for r in rows if not any(answers.name_matches(r, d) for d in declared)}
            assert not stale, f"{notebook} ({profile}): rows no headline cell prints: {stale}"
    for notebook in stored["meta"]["notebooks"]:
        path = NOTEBOOK_DIR / f"{notebook}.ipynb"
        declared = {n for names in answers.headline_cells(
            json.loads(path.read_text(encoding="utf-8"))).values() for n in names}
        assert declared == set(stored["meta"]["declared"][notebook]), (
            f"{notebook}: headline cells changed since the table was written; run `make answers`")


def test_a_tiny_answer_key_end_to_end(tmp_path, monkeypatch):
    """Seeds reach the kernel; a page, the executed notebook and both tables are written."""
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# 98 · Tiny\n\n*A test.* $$a^2 + b^2$$"),
        nbformat.v4.new_code_cell('import os\nseed = int(os.environ.get("COURSE_SEED", "42"))\n'
                                  'print(f"seed squared: {seed ** 2}")\nprint("noise line")'),
    ])
    nb.cells[1].metadata["tags"] = ["headline"]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    path = tmp_path / "98_tiny.ipynb"
    nbformat.write(nb, path)
    monkeypatch.delenv("COURSE_SEED", raising=False)
    out = tmp_path / "answers"
    table, problems = answers.build(out, profiles=("ci",), seeds=(1, 2), notebooks=[path],
                                    jobs=2, timeout=120)
    assert problems == []
    row = table["98_tiny"]["ci"]["seed squared"]
    assert row["presented"] == 42 ** 2 and sorted(row["values"]) == [1, 4, 42 ** 2]
    page = (out / "ci" / "98_tiny.html").read_text(encoding="utf-8")
    assert "../vendor/mathjax/MathJax.js" in page and "seed squared: 1764" in page
    assert (out / "vendor" / "mathjax" / "MathJax.js").is_file()
    assert "| seed squared | ci | 1764 |" in (out / "HEADLINES.md").read_text(encoding="utf-8")
    stored = json.loads((out / "HEADLINES.json").read_text(encoding="utf-8"))
    assert stored["meta"]["declared"]["98_tiny"] == ["seed squared"]
    assert 'href="ci/98_tiny.html"' in (out / "index.html").read_text(encoding="utf-8")
