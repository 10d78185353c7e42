"""The static HTML edition builds, links resolve, and no page holds an error output."""

import re
import sys
from html.parser import HTMLParser

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "tools"))
import build_site  # noqa: E402


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
    out = tmp_path_factory.mktemp("site")
    pages = build_site.build(out, profile="ci", jobs=2)
    return out, pages


def test_every_notebook_has_a_page(site):
    out, pages = site
    assert pages[0].name == "index.html"
    for nb in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"):
        page = out / f"{nb.stem}.html"
        assert page.is_file() and page.stat().st_size > 10_000, page


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
    for page in pages[1:]:
        text = page.read_text(encoding="utf-8")
        assert "data:image/png;base64" in text, f"{page.name} shows no figure"


def test_a_raising_notebook_fails_the_build(tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    bad = tmp_path / "99_broken.ipynb"
    nbformat.write(nb, bad)
    with pytest.raises(build_site.NotebookError, match="ZeroDivisionError"):
        build_site.build(tmp_path / "site", profile="ci", notebooks=[bad])
