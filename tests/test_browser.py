"""End to end in a real browser: JupyterLab shows the notebooks' outputs and the widgets respond.

Nothing here executes a course notebook a second time. JupyterLab opens the run's one executed
copy of 00 and 05 (``build/executed/``, written by ``tests/executed.py`` with the widget state
saved) and must show it whole: every cell ran, no error, every figure, the formulas typeset and
the widgets drawn from their saved state. Live interaction is tested on a small notebook this
file writes and runs in the browser: notebook 00's own widget cell (class menu and index slider
over Fashion-MNIST) and the course's latent explorer of 05 (``course_utils.widgets.nb05``) over
a small decoder of its own; moving a slider must redraw the image through the kernel.

Needs Debian's ``chromium`` (``apt-get install chromium``; `.ci/run` installs it) and the
Python ``playwright`` package; never ``playwright install``. Skipped, with the reason, where
no browser is installed. Screenshots of failures go to ``build/browser-artifacts/``.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT
from tests import executed

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "build" / "browser-artifacts"
TOKEN = "course-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
START_HERE = NOTEBOOK_DIR / "00_start_here.ipynb"
VAE = NOTEBOOK_DIR / "05_variational_autoencoders.ipynb"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.all_notebooks,
    pytest.mark.skipif(not Path(CHROMIUM).exists(),
                       reason=f"no browser: {CHROMIUM} is missing "
                              "(install Debian's chromium: apt-get install chromium)"),
]

# Collects the error outputs and execution state of the notebook in the main area.
NOTEBOOK_STATE_JS = """() => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w || !w.content || !w.content.model) return null;
  const cells = w.content.model.cells;
  const errors = []; let pending = 0; let code = 0;
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    code += 1;
    if (c.executionCount === null) pending += 1;
    const tags = c.getMetadata('tags') || [];
    for (const o of c.outputs.toJSON()) {
      if (o.output_type === 'error' && !tags.includes('raises-exception'))
        errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
    }
  }
  const kernel = w.sessionContext.session && w.sessionContext.session.kernel;
  return {errors, pending, code, status: kernel ? kernel.status : 'none'};
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a copy of the notebooks, with fresh settings; always stopped."""
    root = tmp_path_factory.mktemp("lab")
    for nb in NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"):
        shutil.copy(nb, root / nb.name)
    settings = tmp_path_factory.mktemp("settings")
    overrides = settings / "overrides.json"
    overrides.write_text(json.dumps({
        "@jupyterlab/apputils-extension:notification": {"fetchNews": "false",
                                                        "checkForUpdates": False},
        # draw every cell at once, so a check sees the whole notebook without scrolling
        "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}}))
    data_dir = tmp_path_factory.mktemp("data")
    env = dict(os.environ, COURSE_PROFILE="ci", JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTER_DATA_DIR=str(data_dir),
               JUPYTER_CONFIG_DIR=str(tmp_path_factory.mktemp("config")),
               JUPYTERLAB_WORKSPACES_DIR=str(tmp_path_factory.mktemp("workspaces")))
    port = _free_port()
    log = open(root / "server.log", "w")  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ip=127.0.0.1",
         f"--port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
         "--LabApp.expose_app_in_browser=True", "--allow-root",
         f"--LabServerApp.app_settings_dir={settings}"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if server.poll() is not None or time.time() > deadline:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (root / "server.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        yield base, root, data_dir
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def open_notebook(page, base: str, name: str) -> None:
    """Open a notebook in JupyterLab and wait until it and its kernel session are ready."""
    page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                      return !!(w && w.context && w.context.path.endsWith(name)); }""",
        arg=name, timeout=60_000)
    page.evaluate("""async () => { const w = window.jupyterapp.shell.currentWidget;
                                   await w.context.ready; await w.sessionContext.ready; }""")


def run_notebook(page, base: str, name: str, timeout_s: float = 300) -> dict:
    """Open a notebook, run all cells, wait until every code cell ran and the kernel is idle."""
    open_notebook(page, base, name)
    page.wait_for_function(
        """() => { const k = window.jupyterapp.shell.currentWidget.sessionContext.session;
                   return !!(k && k.kernel && k.kernel.status === 'idle'); }""",
        timeout=90_000)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    deadline = time.time() + timeout_s
    state = None
    while time.time() < deadline:
        state = page.evaluate(NOTEBOOK_STATE_JS)
        if state and state["errors"]:
            break
        if state and state["pending"] == 0 and state["status"] == "idle":
            break
        time.sleep(0.25)
    else:
        raise AssertionError(f"{name} did not finish in {timeout_s} s: {state}")
    return state


# What JupyterLab drew: figures in cell outputs, widgets, typeset formulas.
RENDERED_JS = """() => {
  const all = (sel) => Array.from(document.querySelectorAll('.jp-Notebook ' + sel));
  return {
    images: all('.jp-OutputArea-output img').filter(im => im.src && im.naturalWidth > 0).length,
    sliders: all('.widget-slider').length,
    dropdowns: all('.widget-dropdown').length,
    widget_images: all('.widget-image').filter(im => im.src && im.naturalWidth > 0).length,
    widget_output_images: all('.jupyter-widgets-output-area img, .widget-output img').length,
    typeset: Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')).map(
        (c, i) => c.querySelector('.jp-MarkdownOutput mjx-container') ? i : -1).filter(i => i >= 0),
    raw_tex: all('.jp-MarkdownOutput').filter(el => el.innerText.includes('$$')).length,
    widget_errors: all('.jp-OutputArea-output').filter(
        el => /Error displaying widget|model not found/.test(el.innerText)).length,
  };
}"""


def show_executed(lab, page, path: Path) -> tuple[dict, dict, object]:
    """Open this run's executed copy of ``path`` (tests/executed.py) in JupyterLab, trusted
    the way a notebook the user ran is, and return (cells state, what was drawn, notebook)."""
    import nbformat
    from nbformat.sign import NotebookNotary

    base, root, data_dir = lab
    nb = executed.notebook(path)  # the run's one execution of the notebook (never a second)
    info = nb.metadata.get("course_test", {})
    if info.get("error"):
        pytest.fail(f"{path.name} failed to run (see test_notebook_runs): {info['error'][:300]}")
    copy = nbformat.from_dict(json.loads(nbformat.writes(nb)))
    NotebookNotary(data_dir=str(data_dir)).sign(copy)
    (root / "executed").mkdir(exist_ok=True)
    nbformat.write(copy, root / "executed" / path.name)
    open_notebook(page, base, f"executed/{path.name}")
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    page.wait_for_function(f"() => ({RENDERED_JS})().images >= {images}", timeout=60_000)
    return page.evaluate(NOTEBOOK_STATE_JS), page.evaluate(RENDERED_JS), nb


def _cell_images(page, cell_index: int) -> list[str]:
    return page.evaluate(
        """(i) => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell')[i]
                .querySelectorAll('img')).map(im => im.src)""", cell_index)


def _slider_cells(page) -> list[int]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-Cell'))
             .map((c, i) => c.querySelector('.widget-slider .noUi-handle, '
                  + '.widget-slider input[type=range]') ? i : -1).filter(i => i >= 0)""")


def _nudge_slider(page, cell_index: int, presses: int = 3) -> None:
    cell = page.locator(".jp-Notebook .jp-Cell").nth(cell_index)
    handle = cell.locator(".widget-slider .noUi-handle").first
    handle.scroll_into_view_if_needed()
    handle.click()
    for _ in range(presses):
        handle.press("ArrowRight")


def _redrawn(page, cell_index: int, before: list[str], timeout_ms: int = 20_000) -> bool:
    """Whether cell ``cell_index`` shows other images than ``before`` within the timeout (the
    kernel draws the new picture and sends it back)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(
            """([i, before]) => { const srcs = Array.from(document.querySelectorAll(
                   '.jp-Notebook .jp-Cell')[i].querySelectorAll('img')).map(im => im.src);
                 return srcs.length > 0 && JSON.stringify(srcs) !== JSON.stringify(before); }""",
            arg=[cell_index, before], timeout=timeout_ms)
        return True
    except PlaywrightTimeout:
        return False


def test_start_here_shows_its_run_and_widgets(lab, page):
    """Notebook 00 as run once by the test run: every cell ran, no error, every figure drawn,
    and the class menu and index slider drawn from the saved widget state (no kernel needed)."""
    state, drawn, nb = show_executed(lab, page, START_HERE)
    assert not state["errors"], state["errors"]
    assert state["pending"] == 0, f"{state['pending']} code cells show no run"
    page.wait_for_selector(".widget-slider", timeout=30_000)
    page.wait_for_selector(".widget-dropdown", timeout=30_000)
    drawn = page.evaluate(RENDERED_JS)
    assert drawn["sliders"] >= 1 and drawn["dropdowns"] >= 1, drawn
    assert drawn["widget_output_images"] >= 1, f"the widget's figure is missing: {drawn}"
    assert drawn["widget_errors"] == 0, drawn


@pytest.mark.skipif(not VAE.exists(), reason="notebook 05 not written yet")
def test_vae_notebook_shows_its_run_formulas_and_explorer(lab, page):
    """Notebook 05 as run once by the test run: no error, every figure, typeset formulas, and
    the latent explorer (sliders and decoded image) drawn from the saved widget state."""
    state, drawn, nb = show_executed(lab, page, VAE)
    assert not state["errors"], state["errors"]
    assert state["pending"] == 0, f"{state['pending']} code cells show no run"
    math = _math_cells(nb)
    assert math, "notebook 05 has no formula to typeset"
    page.wait_for_function(f"() => ({RENDERED_JS})().typeset.length >= {len(math)}",
                           timeout=30_000)
    assert set(page.evaluate(RENDERED_JS)["typeset"]) >= set(math)
    page.wait_for_function(f"() => ({RENDERED_JS})().widget_images >= 2", timeout=30_000)
    drawn = page.evaluate(RENDERED_JS)
    assert drawn["sliders"] >= 2, f"the latent explorer's sliders are missing: {drawn}"
    assert drawn["raw_tex"] == 0 and drawn["widget_errors"] == 0, drawn
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "vae-executed-copy.png"))


def _math_cells(nb) -> list[int]:
    """Markdown cells with a TeX formula ($$...$$ or an inline $...$ with TeX in it)."""
    import re

    formula = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]*[\\^_{][^$\n]*\$", re.DOTALL)
    return [i for i, c in enumerate(nb.cells)
            if c.cell_type == "markdown" and formula.search(c.source)]


def _live_notebook() -> list[str]:
    """Code cells of the live test: notebook 00's own widget cell and 05's latent explorer."""
    from tests import notebook_cells

    widget_cell = next((c.source for c in notebook_cells.code_cells("00")
                        if "widgets.interactive(" in c.source), None)
    assert widget_cell, "notebook 00 has no widgets.interactive cell to test live"
    setup = ("import ipywidgets as widgets\nimport matplotlib.pyplot as plt\n"
             "import numpy as np\n\nfrom course_utils import data\n"
             "from course_utils.widgets import nb05\n\nfmnist = data.load_fashion_mnist()")
    explorer = ("def decode(z):  # codes (n, 2) -> a bright spot where z points, (n, 28, 28)\n"
                "    rows, cols = np.mgrid[0:28, 0:28]\n"
                "    r, c = 14 + 4 * z[:, 0, None, None], 14 + 4 * z[:, 1, None, None]\n"
                "    return np.exp(-((rows - r) ** 2 + (cols - c) ** 2) / 8.0)\n\n\n"
                "explorer = nb05.latent_explorer(decode, extent=3.0)\nexplorer.widget")
    return [setup, widget_cell, explorer]


def test_widgets_respond_live_and_a_raising_cell_is_caught(lab, page):
    """In a live kernel: moving 00's index slider redraws its image, and moving the latent
    explorer's slider (05's widget class, any decoder z -> images) changes the decoded image.
    The notebook's last cell raises: the state check reports it (so the checks that find no
    error in 00 and 05 can fail), and nothing else (one kernel for both checks)."""
    import nbformat

    base, root, _ = lab
    cells = [*_live_notebook(), "1 / 0  # the check must report this error"]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "98_live_widgets.ipynb")
    state = run_notebook(page, base, "98_live_widgets.ipynb", timeout_s=240)
    assert len(state["errors"]) == 1 and "cell 3: ZeroDivisionError" in state["errors"][0], state
    assert state["pending"] == 0
    page.wait_for_selector(".widget-dropdown", timeout=30_000)
    page.wait_for_function(f"() => ({RENDERED_JS})().widget_images >= 2", timeout=30_000)
    cells = _slider_cells(page)
    assert cells == [1, 2], f"expected sliders in cells 1 (00's browser) and 2 (explorer): {cells}"
    for idx, what in zip(cells, ["00's index slider", "the latent explorer's z[0] slider"]):
        before = _cell_images(page, idx)
        assert before, f"cell {idx} shows no image"
        _nudge_slider(page, idx)
        assert _redrawn(page, idx, before), f"moving {what} did not redraw the image"
    # the kernel works through the remaining key presses, then is idle again (no new error)
    page.wait_for_function(f"() => ({NOTEBOOK_STATE_JS})().status === 'idle'", timeout=30_000)
    assert page.evaluate(NOTEBOOK_STATE_JS)["errors"] == state["errors"]


def test_static_edition_index_renders(browser, tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import build_site

    run = executed.notebook(START_HERE)  # the run's one execution; the page is built from it
    pages = build_site.build(tmp_path / "site", profile="ci", notebooks=[START_HERE],
                             executed={START_HERE: run}, reuse_only=True)
    pg = browser.new_page(viewport={"width": 1200, "height": 900})
    try:
        pg.goto(pages[0].as_uri())
        assert "Course map" in pg.inner_text("body")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "static-index.png"), full_page=True)
        pg.click("text=00 · Start here")
        pg.wait_for_selector("img", timeout=10_000)
        assert pg.url.endswith("00_start_here.html")
    finally:
        pg.close()


# --------------------------------------------------------------------------- offline
def _offline(context) -> list[str]:
    """Abort every request that would leave the machine; returns the URLs it blocked."""
    blocked: list[str] = []

    def route(r):
        url = r.request.url
        if url.startswith(("file:", "data:", "blob:")) or urlparse(url).hostname in (
                "127.0.0.1", "localhost"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    return blocked


def _failed_files(page) -> list[str]:
    failed: list[str] = []
    page.on("requestfailed", lambda r: failed.append(r.url) if r.url.startswith("file:") else None)
    return failed


def _tools():
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import build_site
    import build_slides
    import slides

    return build_site, build_slides, slides


def test_exported_deck_works_offline(browser, tmp_path):
    """A deck from `make slides` has reveal.js with no network, and the next slide comes up."""
    _, build_slides, _ = _tools()
    build_slides.copy_vendor(tmp_path)
    deck, _ = build_slides.build_deck(NOTEBOOK_DIR / "00_start_here.ipynb", tmp_path)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    blocked = _offline(context)
    pg = context.new_page()
    failed = _failed_files(pg)
    try:
        pg.goto(deck.as_uri())
        pg.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=20_000)
        assert pg.evaluate("Reveal.getTotalSlides()") > 5
        assert "00 · Start here" in pg.inner_text(".reveal .slides section.present")
        pg.keyboard.press("ArrowRight")
        pg.wait_for_function("() => Reveal.getIndices().h === 1", timeout=10_000)
        assert pg.inner_text(".reveal .slides section.present").strip()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "deck-offline.png"))
    finally:
        context.close()
    assert not blocked, f"the deck asked the network for {blocked}"
    assert not failed, f"vendored files missing next to the deck: {failed}"


def test_a_cdn_deck_is_dead_offline(browser, tmp_path):
    """The check above can fail: nbconvert's default deck (reveal.js from a CDN) has no Reveal."""
    import nbformat
    from nbconvert import SlidesExporter

    nb = nbformat.read(NOTEBOOK_DIR / "00_start_here.ipynb", as_version=4)
    html, _ = SlidesExporter().from_notebook_node(nb)
    (tmp_path / "cdn.slides.html").write_text(html, encoding="utf-8")
    context = browser.new_context()
    blocked = _offline(context)
    pg = context.new_page()
    try:
        pg.goto((tmp_path / "cdn.slides.html").as_uri())  # returns after the load event
        pg.wait_for_load_state("networkidle", timeout=10_000)  # every request made or refused
        assert pg.evaluate("typeof window.Reveal") == "undefined"
    finally:
        context.close()
    assert any("reveal.js" in url for url in blocked), blocked


def test_static_page_renders_formulas_offline(browser, tmp_path):
    """A static page (make site, make answers) typesets its TeX with the vendored MathJax."""
    import nbformat

    build_site, build_slides, _ = _tools()
    build_slides.copy_vendor(tmp_path, build_site.PAGE_ASSETS)
    nb = nbformat.read(NOTEBOOK_DIR / "06_generative_adversarial_networks.ipynb", as_version=4)
    page_file = tmp_path / "06.html"
    page_file.write_text(build_site.to_html(nb, "06"), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    blocked = _offline(context)
    pg = context.new_page()
    failed = _failed_files(pg)
    try:
        pg.goto(page_file.as_uri())
        pg.wait_for_function("() => window.MathJax && MathJax.Hub", timeout=20_000)
        pg.evaluate("() => MathJax.Hub.Queue(() => { window.__typeset = true; })")
        pg.wait_for_function("() => window.__typeset === true", timeout=30_000)
        rendered = pg.evaluate("document.querySelectorAll('.MathJax_CHTML, mjx-container').length")
        text = pg.inner_text("body")
        formula = pg.locator(".MathJax_CHTML").first
        formula.scroll_into_view_if_needed()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        pg.screenshot(path=str(ARTIFACTS / "static-page-formulas-offline.png"))
    finally:
        context.close()
    assert rendered >= 5, f"only {rendered} formulas typeset"
    assert "$$" not in text and "\\min_G" not in text, "raw TeX left on the page"
    assert not blocked, f"the page asked the network for {blocked}"
    assert not failed, f"vendored files missing next to the page: {failed}"


def test_rise_presents_a_notebook_offline(lab, page):
    """RISE inside JupyterLab: RISE:slideshow opens the notebook's slides in a new tab (Alt+R,
    RISE:preview, shows the same slides in a side panel), with the network off."""
    base, _, _ = lab
    blocked = _offline(page.context)
    page.goto(f"{base}/lab/tree/00_start_here.ipynb?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """() => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                   return !!(w && w.context && w.context.path.endsWith('00_start_here.ipynb')); }""",
        timeout=60_000)
    page.wait_for_function("() => window.jupyterapp.shell.currentWidget.context.isReady",
                           timeout=60_000)
    with page.context.expect_page(timeout=30_000) as opened:
        page.evaluate("window.jupyterapp.commands.execute('RISE:slideshow')")
    show = opened.value
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    show.wait_for_function(
        """() => { const s = document.querySelector('.reveal .slides section.present');
                   return !!(s && s.innerText.includes('00 · Start here')); }""",
        timeout=60_000)
    second = """() => { const s = document.querySelector('.reveal .slides section.present');
                        return !!(s && s.innerText.includes('Check your environment')); }"""
    moved = """() => { const s = document.querySelector('.reveal .slides section.present');
                       return !!(s && !s.innerText.includes('00 · Start here')); }"""
    show.bring_to_front()
    try:
        # a key pressed before reveal.js listens is lost (a busy machine): press again only
        # while the title slide is still showing
        for _ in range(6):
            show.keyboard.press("ArrowRight")
            try:
                show.wait_for_function(moved, timeout=5_000)
                break
            except Exception:
                continue
        show.wait_for_function(second, timeout=5_000)
    except Exception:
        present = show.evaluate("""() => { const s = document.querySelector(
            '.reveal .slides section.present'); return s ? s.innerText.slice(0, 300) : null; }""")
        show.screenshot(path=str(ARTIFACTS / "rise-slideshow-failed.png"))
        raise AssertionError(f"the second slide did not come up; showing: {present!r}") from None
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    show.screenshot(path=str(ARTIFACTS / "rise-slideshow.png"))
    show.close()
    off_machine = [u for u in blocked if "fonts.googleapis.com" not in u]
    assert not off_machine, f"RISE asked the network for {off_machine}"
