"""The static HTML edition builds, links resolve, and no page holds an error output.

The pages are built from the run's one execution of each notebook (``build/executed/``, see
``tests/executed.py``): the site test executes nothing itself."""

import re
import sys
from html.parser import HTMLParser

import nbformat
import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

sys.path.insert(0, str(REPO_ROOT / "tools"))
import build_site  # noqa: E402

pytestmark = pytest.mark.all_notebooks


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.links.append(href)


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    # this run's execution of each notebook (done by now, or done once here)
    runs = {path: executed.notebook(path) for path in executed.course_notebooks()}
    out = tmp_path_factory.mktemp("site")
    pages = build_site.build(out, profile="ci", jobs=2, executed=runs, reuse_only=True)
    return out, pages


def test_every_notebook_has_a_page(site):
    out, pages = site
    assert pages[0].name == "index.html"
    for nb in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"):
        page = out / f"{nb.stem}.html"
        assert page.is_file() and page.stat().st_size > 10_000, page


def test_the_lecture_map_is_a_page_that_links_to_notebook_pages(site):
    out, pages = site
    page = out / "LECTURE_MAP.html"
    assert page in pages
    parser = _Links()
    parser.feed(page.read_text(encoding="utf-8"))
    assert sum(h.startswith("05_variational_autoencoders.html") for h in parser.links) >= 3


def test_internal_links_resolve(site):
    out, pages = site
    for page in pages:
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        internal = [h for h in parser.links
                    if not re.match(r"^(https?:|mailto:|#|data:)", h)]
        for href in internal:
            target = out / href.split("#")[0]
            assert target.is_file(), f"{page.name} links to missing {href}"
        assert not any(h.endswith(".ipynb") for h in internal), f"{page.name} links to .ipynb"


def test_pages_show_figures_and_no_errors(site):
    out, pages = site
    for page in [p for p in pages if re.match(r"\d\d_", p.name)]:
        text = page.read_text(encoding="utf-8")
        assert "data:image/png;base64" in text, f"{page.name} shows no figure"
        assert "html-manager" not in text, f"{page.name} loads the widget renderer from a CDN"


def test_a_raising_notebook_fails_the_build(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    bad = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(build_site.NotebookError, match="ZeroDivisionError"):
        build_site.build(tmp_path / "site", profile="ci", notebooks=[bad])


def test_an_executed_copy_with_an_error_fails_the_build(tmp_path):
    """The reuse path checks outputs too: a copy whose cell raised is refused, and with
    reuse_only a notebook without a matching copy is never executed behind the test's back."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 99 · T\n\n*t*"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, path)
    with pytest.raises(build_site.NotebookError, match="no executed copy"):
        build_site.build(tmp_path / "site", notebooks=[path], executed_dir=tmp_path / "none",
                         reuse_only=True)
    nb.cells[1].outputs = [nbformat.v4.new_output("error", ename="ZeroDivisionError",
                                                  evalue="division by zero", traceback=[])]
    (tmp_path / "executed").mkdir()
    nbformat.write(nb, tmp_path / "executed" / path.name)
    with pytest.raises(build_site.NotebookError, match="ZeroDivisionError"):
        build_site.build(tmp_path / "site", notebooks=[path], executed_dir=tmp_path / "executed",
                         reuse_only=True)
