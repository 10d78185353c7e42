"""End to end in a real browser: JupyterLab runs the notebooks and the widgets respond.

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

import pytest

from course_utils.config import NOTEBOOK_DIR, REPO_ROOT

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "build" / "browser-artifacts"
TOKEN = "course-browser-test"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]

pytestmark = [
    pytest.mark.browser,
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
                                                        "checkForUpdates": False}}))
    env = dict(os.environ, COURSE_PROFILE="ci", JUPYTERLAB_SETTINGS_DIR=str(settings),
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
        yield base, root
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


def run_notebook(page, base: str, name: str, timeout_s: float = 300) -> dict:
    """Open a notebook, run all cells, wait until every code cell ran and the kernel is idle."""
    page.goto(f"{base}/lab/tree/{name}?reset&token={TOKEN}")
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """(name) => { const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
                      return !!(w && w.context && w.context.path.endsWith(name)); }""",
        arg=name, timeout=60_000)
    page.evaluate("""async () => { const w = window.jupyterapp.shell.currentWidget;
                                   await w.context.ready; await w.sessionContext.ready; }""")
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
        time.sleep(1)
    else:
        raise AssertionError(f"{name} did not finish in {timeout_s} s: {state}")
    return state


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
    time.sleep(2.0)


def test_start_here_runs_and_widgets_respond(lab, page):
    base, _ = lab
    state = run_notebook(page, base, "00_start_here.ipynb")
    assert not state["errors"], state["errors"]
    assert state["pending"] == 0 and state["status"] == "idle"
    page.wait_for_selector(".widget-slider", timeout=30_000)
    page.wait_for_selector(".widget-dropdown", timeout=30_000)
    page.wait_for_selector(".jp-RenderedImage img", timeout=30_000)
    cells = _slider_cells(page)
    assert cells, "no slider rendered"
    before = _cell_images(page, cells[0])
    _nudge_slider(page, cells[0])
    assert _cell_images(page, cells[0]) != before, "moving the slider did not redraw the image"
    assert page.evaluate(NOTEBOOK_STATE_JS)["status"] == "idle"


@pytest.mark.skipif(not (NOTEBOOK_DIR / "05_variational_autoencoders.ipynb").exists(),
                    reason="notebook 05 not written yet")
def test_latent_explorer_changes_the_decoded_image(lab, page):
    base, _ = lab
    state = run_notebook(page, base, "05_variational_autoencoders.ipynb", timeout_s=420)
    assert not state["errors"], state["errors"]
    cells = _slider_cells(page)
    assert cells, "the latent explorer rendered no slider"
    changed = False
    for idx in cells:
        before = _cell_images(page, idx)
        if not before:
            continue
        _nudge_slider(page, idx)
        if _cell_images(page, idx) != before:
            changed = True
            break
    assert changed, "moving a latent-explorer slider did not change the decoded image"
    assert page.evaluate(NOTEBOOK_STATE_JS)["status"] == "idle"


def test_a_raising_cell_is_caught(lab, page):
    """The check above can fail: a notebook whose cell raises reports the error."""
    base, root = lab
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1"),
                                         nbformat.v4.new_code_cell("1 / 0")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "99_broken.ipynb")
    state = run_notebook(page, base, "99_broken.ipynb", timeout_s=120)
    assert any("ZeroDivisionError" in e for e in state["errors"]), state


def test_static_edition_index_renders(browser, tmp_path):
    sys.path.insert(0, str(REPO_ROOT / "tools"))
    import build_site

    pages = build_site.build(tmp_path / "site", profile="ci",
                             notebooks=[NOTEBOOK_DIR / "00_start_here.ipynb"])
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
