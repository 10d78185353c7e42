"""Slides: RISE metadata, the tag vocabulary, and projector decks that fit and work offline.

The deck test renders every notebook's deck the way ``make slides`` does, from the executed
copy in ``build/executed/``: this run's one execution of the notebook when the run executes it
(``make test`` does; ``tests/executed.py``), else a copy an earlier run left that still matches
the notebook, else the notebook itself (then only code and markdown are measured). Nothing is
executed here that the run would not execute anyway.
"""

import difflib
import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

sys.path.insert(0, str(REPO_ROOT / "tools"))
import build_slides  # noqa: E402
import slides  # noqa: E402

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
TOOL = str(REPO_ROOT / "tools" / "slides.py")


def notebook(*cells, **metadata):
    """A small notebook from (cell_type, source[, tags[, outputs]]) tuples."""
    made = []
    for cell_type, source, *rest in cells:
        tags = rest[0] if rest else []
        if cell_type == "code":
            cell = nbformat.v4.new_code_cell(source, outputs=rest[1] if len(rest) > 1 else [])
        else:
            cell = nbformat.v4.new_markdown_cell(source)
        cell.metadata["tags"] = tags
        made.append(cell)
    nb = nbformat.v4.new_notebook(cells=made)
    nb.metadata.update(metadata)
    return nb


def kinds(nb):
    return slides.slide_types(nb)


# --------------------------------------------------------------------------- RISE metadata
def test_slide_metadata_is_current():
    result = subprocess.run([sys.executable, TOOL, "--check", *map(str, NOTEBOOKS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sections_are_slides_and_setup_is_skipped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for cell in nb["cells"]:
        first = "".join(cell["source"]).split("\n", 1)[0]
        found[first] = cell["metadata"]["slideshow"]["slide_type"]
    assert found["## Setup"] == "skip"
    assert found["## Summary"] == "slide" and found["## Exercises"] == "slide"
    assert nb["metadata"]["rise"]["scroll"] is True


OTHER_TAGS = {"nbval-raises-exception", "nbval-check-output", "nbval-ignore-output", "nbval-skip",
              "skip-execution", "solution", "headline", "parameters", "keep_output"}


def near_misses(tags) -> set[str]:
    """Tags that look like a misspelt slide tag (``plumbin``, ``Notes``, ``on_slide``)."""
    return {t for t in tags if t not in slides.TAGS | OTHER_TAGS
            and difflib.get_close_matches(t.lower().replace("_", "-"), slides.TAGS, cutoff=0.75)}


def test_a_misspelt_slide_tag_is_noticed():
    assert near_misses(["plumbin", "Notes", "on_slide", "checks"]) == {
        "plumbin", "Notes", "on_slide", "checks"}
    assert near_misses(["core", "headline", "nbval-raises-exception", "plumbing"]) == set()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_slide_tags_are_spelt_right(path):
    """A typo in a slide tag would silently put a cell on the projector (other tags are fine)."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        wrong = near_misses(cell["metadata"].get("tags", []))
        assert not wrong, f"{path.name} cell {i}: misspelt slide tag(s) {sorted(wrong)}"


def test_rise_extension_is_installed():
    """What `jupyter labextension list` reads, without its 3 s start: RISE's prebuilt extension
    in a labextensions folder of the environment, and no page_config that disables it
    (tests/test_browser.py starts a slideshow with it)."""
    from jupyter_core.paths import jupyter_config_path, jupyter_path

    found = [Path(d) / "labextensions" / "jupyterlab-rise" / "package.json"
             for d in jupyter_path()]
    assert any(f.is_file() for f in found), f"jupyterlab-rise is not installed: looked at {found}"
    for d in jupyter_config_path():
        page_config = Path(d) / "labconfig" / "page_config.json"
        if page_config.is_file():
            disabled = json.loads(page_config.read_text()).get("disabledExtensions", {})
            assert not (disabled.get("jupyterlab-rise") if isinstance(disabled, dict)
                        else "jupyterlab-rise" in disabled), f"{page_config} disables RISE"


# --------------------------------------------------------------------------- the vocabulary
def test_tags_and_automatic_rules_decide_what_is_shown():
    nb = notebook(
        ("markdown", "# 99 · Title"),
        ("markdown", "## Setup\n\nimports"),
        ("code", "import numpy as np"),
        ("markdown", "## A section"),
        ("code", "x = np.arange(3)\nprint(x)"),
        ("code", "import threading  # not for the room", ["plumbing"]),
        ("code", "checks.check_something(f)", ["check"]),
        ("code", "checks.check_something(f);\nchecks.check_other(g);"),
        ("code", "checks.check_something(lambda v: v / 256);", ["on-slide"]),
        ("markdown", "Say this, do not show it.", ["notes"]),
        ("markdown", "### A sub-heading"),
        ("code", "y = x + 1"),
    )
    assert kinds(nb) == ["slide", "skip", "skip", "slide", "-", "skip", "skip", "skip", "-",
                         "notes", "subslide", "-"]


def test_timing_cells_are_skipped_unless_a_later_cell_needs_them():
    nb = notebook(
        ("markdown", "# T"),
        ("code", "import time\nmodel = 1"),
        ("code", "t0 = time.perf_counter()\nmodel.fit()\nprint(time.perf_counter() - t0)"),
        ("code", "rng = make_rng()\ntimes = []\nfor p in rng.uniform(size=3):\n"
                 "    t0 = time.perf_counter()\n    move(p)\n"
                 "    times.append(time.perf_counter() - t0)\nprint(min(times))"),
        ("code", "rng = make_rng(1)\nprint(rng)"),
        ("code", "t1 = time.time()\nresult = train()"),
        ("code", "print(result)"),
        ("code", "%timeit model.predict(x)"),
    )
    skipped = [i for i, kind in enumerate(kinds(nb)) if kind == "skip"]
    assert skipped == [2, 3, 7], kinds(nb)
    assert slides.timing_cells(nb) == {2, 3, 7}


def test_apply_writes_types_and_rise_settings():
    nb = notebook(("markdown", "# T"), ("code", "checks.check_x(f)"))
    slides.apply(nb)
    assert [c.metadata.slideshow.slide_type for c in nb.cells] == ["slide", "skip"]
    assert nb.metadata.rise == slides.RISE


def test_an_overfull_screen_continues_on_a_subslide():
    twelve = "\n".join(f"a{i} = {i}" for i in range(12))
    nb = notebook(("markdown", "# T"), ("markdown", "## S"), ("code", twelve),
                  ("code", twelve), ("code", "z = 1"))
    assert kinds(nb)[2:] == ["-", "subslide", "-"]
    long_cell = "\n".join(f"b{i} = {i}" for i in range(30))  # too long alone: left to the test
    assert kinds(notebook(("markdown", "# T"), ("code", long_cell)))[1] == "-"


# --------------------------------------------------------------------------- splitting
def lines_of(pieces):
    return [slides.text_lines(p) for p in pieces]


def test_long_markdown_is_cut_before_headings():
    body = "\n".join(f"line {i} of a paragraph" for i in range(9))
    md = f"## Section\n\n{body}\n\n### Part two\n\n{body}\n\n### Part three\n\n{body}"
    pieces = slides.split_markdown(md)
    assert len(pieces) == 3 and all(n <= slides.MAX_TEXT_LINES for n in lines_of(pieces))
    assert pieces[1].startswith("### Part two") and pieces[2].startswith("### Part three")


def test_long_markdown_without_headings_is_cut_evenly_between_blocks():
    paragraphs = ["\n".join(f"p{k} line {i}" for i in range(5)) for k in range(5)]
    md = "\n\n".join(paragraphs)  # 25 lines
    pieces = slides.split_markdown(md)
    assert lines_of(pieces) in ([15, 10], [10, 15])
    kept = [line for p in pieces for line in p.splitlines() if line.strip()]
    assert kept == [line for line in md.splitlines() if line.strip()]


def test_split_keeps_math_and_code_whole_and_repeats_table_headers():
    math = "$$\n" + "\n".join(f"a_{i} + b_{i} \\\\" for i in range(8)) + "\n$$"
    code = "```python\n" + "\n".join(f"x{i} = {i}" for i in range(8)) + "\n```"
    intro = "Some text\nover two lines."
    pieces = slides.split_markdown(f"{intro}\n\n{math}\n\n{code}\n\n{intro}")
    assert any(math in p for p in pieces) and any(code in p for p in pieces)
    rows = "\n".join(f"| r{i} | v{i} |" for i in range(25))
    table = f"The table:\n\n| name | value |\n|---|---|\n{rows}"
    parts = slides.split_markdown(table)
    assert len(parts) == 2 and all(p.count("| name | value |") == 1 for p in parts)
    assert parts[0].startswith("The table:")  # an introducing line stays with what it introduces


def test_short_markdown_is_left_alone():
    md = "## Heading\n\n" + "\n".join(f"line {i}" for i in range(16))
    assert slides.split_markdown(md) == [md]


def test_a_line_longer_than_the_slide_counts_as_several():
    assert slides.text_lines("x" * (2 * slides.WRAP + 1)) == 3
    assert slides.text_lines("| a | b |\n|---|---|\n| 1 | 2 |") == 2


# --------------------------------------------------------------------------- the deck copy
def error_output(ename="ValueError", evalue="sha256 of registry.json is 3f… not 000…"):
    return nbformat.v4.new_output(
        "error", ename=ename, evalue=evalue,
        traceback=["\x1b[31m" + "-" * 75 + "\x1b[0m", "Traceback (most recent call last)",
                   "----> 1 data.verify_file(...)", f"{ename}: {evalue}"])


def test_an_intended_error_is_one_short_line():
    nb = notebook(("markdown", "# T"),
                  ("code", "data.verify_file(p, '0' * 64)", ["raises-exception"],
                   [error_output(evalue="x" * 300 + "\nsecond line")]))
    deck = slides.deck_notebook(nb)
    (out,) = deck["cells"][1]["outputs"]
    assert out["output_type"] == "stream" and out["name"] == "stderr"
    assert out["text"].startswith("ValueError: xxx") and out["text"].count("\n") == 1
    assert len(out["text"]) <= slides.ERROR_CHARS + 1
    html = build_slides.render_deck(deck, "T")
    assert not build_slides.violations(build_slides.measure_deck(html), "T")


def test_an_unintended_error_stops_the_deck():
    nb = notebook(("markdown", "# T"), ("code", "1 / 0", [], [error_output("ZeroDivisionError")]))
    with pytest.raises(slides.DeckError, match="cell 1 raised ZeroDivisionError"):
        slides.deck_notebook(nb, name="99_broken")


def test_exercises_are_projected_without_their_solution():
    src = ('def f(x):\n    """Twice x."""\n    ### BEGIN SOLUTION\n    return 2 * x\n'
           "    ### END SOLUTION\n\n\nchecks.check_f(f);")
    stream = nbformat.v4.new_output("stream", name="stdout", text="PASS\n")
    nb = notebook(("markdown", "# T"), ("code", src, [], [stream]),
                  ("markdown", "Why?\n\n<!-- BEGIN SOLUTION -->\nBecause.\n<!-- END SOLUTION -->"))
    deck = slides.deck_notebook(nb)
    assert "return 2 * x" not in deck["cells"][1]["source"]
    assert "NotImplementedError" in deck["cells"][1]["source"]
    assert deck["cells"][1]["outputs"] == [] and "Because" not in deck["cells"][2]["source"]
    assert [c["id"] for c in deck["cells"]] == ["c0", "c1", "c2"]


def test_the_slide_test_can_fail():
    """The measurements see long code, long text and a traceback, and name the cells."""
    code = "\n".join(f"v{i} = {i}" for i in range(25))
    text = "\n".join(f"line {i}" for i in range(12))
    printed = nbformat.v4.new_output("stream", name="stdout",
                                     text="\n".join(f"out {i}" for i in range(10)))
    nb = notebook(("markdown", "# T"), ("markdown", "## S"), ("code", code),
                  ("markdown", "### U\n\n" + text), ("code", "print(1)", [], [printed]))
    deck = slides.deck_notebook(nb)
    deck["cells"][-1]["outputs"].append(error_output())  # slipped past the deck copy
    deck["cells"][-1]["metadata"]["slideshow"]["slide_type"] = "-"
    found = build_slides.violations(build_slides.measure_deck(build_slides.render_deck(deck, "T")),
                                    "99")
    assert any("25 lines of code > 20 [notebook cell 2 (25)]" in f for f in found), found
    assert any("lines of text > 18" in f and "3 (13)" in f for f in found), found
    assert any("traceback in notebook cell 4" in f for f in found), found


# --------------------------------------------------------------------------- the real decks
def deck_source(path: Path):
    """This run's (or a matching earlier) executed copy, else the notebook itself."""
    copy = executed.available(path)
    if copy is not None and copy.metadata.get("course_test", {}).get("error"):
        pytest.skip(f"{path.name} failed to run (see test_notebook_runs)")
    return (copy, "executed") if copy is not None else (
        nbformat.read(path, as_version=4), "not executed")


@pytest.mark.outputs
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_deck_fits_a_projector(path):
    nb, how = deck_source(path)
    deck = slides.deck_notebook(nb, name=path.stem)
    html = build_slides.render_deck(deck, path.stem)
    measured = build_slides.measure_deck(html)
    assert len(measured) > 5, f"{path.name}: only {len(measured)} slides"
    found = build_slides.violations(measured, path.stem)
    assert not found, f"{path.name} ({how}); tag or shorten these cells:\n" + "\n".join(found)


@pytest.fixture(scope="module")
def deck_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("decks")
    build_slides.copy_vendor(out)
    build_slides.build_deck(NOTEBOOKS[0], out)
    return out


def test_a_deck_loads_only_files_next_to_it(deck_dir):
    html = (deck_dir / f"{NOTEBOOKS[0].stem}.slides.html").read_text(encoding="utf-8")
    refs = re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)
    refs += re.findall(r'"(vendor/[^"]+\.js)"', html)  # what require() loads
    assert any("reveal.js/dist/reveal.js" in r for r in refs), refs
    for ref in refs:
        assert not re.match(r"^(https?:)?//", ref), f"deck loads {ref} from the network"
        assert (deck_dir / ref.split("?")[0]).is_file(), f"deck refers to missing {ref}"
    assert "unpkg.com/reveal" not in html and "cdnjs" not in html.split("mermaid")[0]


def test_vendored_assets_match_their_manifest_and_are_documented():
    files = build_slides.check_vendor(hashes=True)
    size = sum(f.stat().st_size for f in files)
    assert size < 5_000_000, f"vendored web assets take {size / 1e6:.1f} MB"
    readme = (REPO_ROOT / "data" / "README.md").read_text(encoding="utf-8")
    for name, spec in build_slides.PACKAGES.items():
        assert f"{name}@{spec['version']}" in readme, f"data/README.md does not record {name}"
        assert spec["license"] in readme
    theme = REPO_ROOT / "data/vendor/reveal.js/dist/theme" / f"{build_slides.THEME}.css"
    assert "@import" not in theme.read_text(encoding="utf-8")


def test_a_missing_vendored_file_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setattr(build_slides, "VENDOR_DIR", tmp_path)
    with pytest.raises(build_slides.VendorError, match="--fetch-vendor"):
        build_slides.check_vendor(("requirejs",))
