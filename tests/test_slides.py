"""Slides come from the notebooks themselves (RISE metadata, nbconvert --to slides)."""

import json
import subprocess
import sys

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
TOOL = str(REPO_ROOT / "tools" / "slides.py")


def test_slide_metadata_is_current():
    result = subprocess.run([sys.executable, TOOL, "--check", *map(str, NOTEBOOKS)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_sections_are_slides_and_setup_is_skipped(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    kinds = {}
    for cell in nb["cells"]:
        first = "".join(cell["source"]).split("\n", 1)[0]
        kinds[first] = cell["metadata"]["slideshow"]["slide_type"]
    assert kinds["## Setup"] == "skip"
    assert kinds["## Summary"] == "slide" and kinds["## Exercises"] == "slide"
    assert nb["metadata"]["rise"]["scroll"] is True


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbconvert_exports_slides(path, tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "jupyter", "nbconvert", "--to", "slides", str(path),
         "--output-dir", str(tmp_path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    html = (tmp_path / (path.stem + ".slides.html")).read_text(encoding="utf-8")
    assert "reveal" in html.lower() and "<section" in html


def test_rise_extension_is_installed():
    result = subprocess.run([sys.executable, "-m", "jupyter", "labextension", "list"],
                            capture_output=True, text=True, timeout=120)
    listing = result.stdout + result.stderr
    assert "jupyterlab-rise" in listing and "enabled" in listing, listing[-1500:]
