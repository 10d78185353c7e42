"""Shared test fixtures and the run's plumbing. Unit tests run in the `ci` profile unless they
set another.

The run executes each course notebook once (``tests/executed.py``); this file
- gives the run its id and a kernel counter, and at the end prints how many kernels executed
  each notebook (a notebook executed twice fails the run);
- selects notebooks: ``--notebooks 04,05`` keeps only those notebooks' tests (``none``: no
  notebook is executed; `make test-fast NB=04`), and marks ``slow`` the tests that took more
  than ``SLOW_S`` seconds in the last run (``build/executed/costs.json``; test-fast skips them);
- schedules for two xdist workers (``--dist loadscope --no-loadscope-reorder``): as in
  loadscope, a test module (or class) goes to one worker, but each notebook's tests (those whose
  id is the notebook's name: it runs, its outputs, its student version) form a unit of their
  own, heaviest notebook first, so both workers execute notebooks from the start; then every
  other module, heaviest first (tests that read executed outputs wait for the copies).
"""

import json
import os
import re
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("COURSE_PROFILE", "ci")
# two xdist workers share the cores: one TensorFlow thread each (and in the notebook kernels they
# start) measured 12 % faster than each worker's ops fighting over all cores
os.environ.setdefault("COURSE_THREADS", "1")
# the same for NumPy's OpenBLAS and scikit-learn's OpenMP: their idle threads spin-wait, and
# with two workers (and their kernels) on two cores the spinning takes turns from the work
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")

import pytest  # noqa: E402

from tests import executed  # noqa: E402

READER_GUESS_S = 60.0  # an output-reading module without a record: schedule it early
COSTS = executed.EXECUTED_DIR / "costs.json"  # seconds per notebook and per test, last runs
# the same per module and notebook from a full run, committed: a fresh clone's schedule
BASELINE = os.path.join(os.path.dirname(__file__), "cost_baseline.json")
SLOW_S = float(os.environ.get("COURSE_SLOW_S", "1.0"))  # slower than this in the last run: slow
MARKERS = [
    "notebook(stem): executes one course notebook (or reads its one execution of the run)",
    "all_notebooks: reads the executed copy of every course notebook (site, browser)",
    "outputs: reads a notebook's executed copy when the run has one (scheduled last)",
]


def pytest_addoption(parser):
    parser.addoption("--notebooks", default=None, metavar="NN[,NN]",
                     help="run only these notebooks' tests, and the deck and headline checks "
                          "of only these (number prefixes, e.g. 04,05); 'none': no notebook")


def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line("markers", line)
    if hasattr(config, "workerinput"):
        return  # xdist workers inherit the run id and the counter from the controller
    executed.run_id()
    executed.run_dir().mkdir(parents=True, exist_ok=True)
    executed.prune_runs()
    if executed.LOG_ENV not in os.environ:
        os.environ.update(executed.install_counter(executed.EXECUTED_DIR / "ipython",
                                                   executed.run_dir() / "kernels.jsonl"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's report on the item (the browser test screenshots failures)."""
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


# --------------------------------------------------------------------------- selection, groups
def _notebook_of(item) -> str | None:
    mark = item.get_closest_marker("notebook")
    return mark.args[0] if mark and mark.args else None


def _reads_notebook(item) -> str | None:
    """The notebook an ``outputs`` test reads (its id is the notebook's file name)."""
    if item.get_closest_marker("outputs") is None:
        return None
    m = re.search(r"\[([0-9][0-9]_[A-Za-z0-9_]+)\.ipynb\]$", item.nodeid)
    return m.group(1) if m else None


def _wanted(config) -> set[str] | None:
    option = config.getoption("--notebooks")
    if option is None:
        return None
    prefixes = {p.strip() for p in option.replace(" ", ",").split(",") if p.strip()}
    stems = {p.stem for p in executed.course_notebooks()}
    unknown = {p for p in prefixes - {"none"} if not any(s.startswith(p) for s in stems)}
    if unknown:
        raise pytest.UsageError(f"--notebooks: no notebook starts with {sorted(unknown)}; "
                                f"notebooks are {sorted(stems)}")
    return {s for s in stems if any(s.startswith(p) for p in prefixes)}


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Keep only the chosen notebooks' tests (``--notebooks``); mark ``slow`` the other tests
    that took more than ``SLOW_S`` seconds in the last run (``make test-fast`` leaves them out;
    with no record yet, none is)."""
    seconds = _costs().get("tests", {})
    for item in items:
        if _notebook_of(item) is None and seconds.get(item.nodeid, 0.0) > SLOW_S:
            item.add_marker(pytest.mark.slow)
    wanted = _wanted(config)
    if wanted is not None:
        keep = [i for i in items if (_notebook_of(i) or _reads_notebook(i) or "") in wanted
                or (_notebook_of(i) is None and _reads_notebook(i) is None)]
        kept = set(map(id, keep))
        dropped = [i for i in items if id(i) not in kept]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = keep


NOTEBOOK_ID = re.compile(r"\[([0-9][0-9]_[A-Za-z0-9_]+)\]$")


def notebook_scope(nodeid: str) -> str | None:
    """``notebook-NN_topic`` for a test whose id is a course notebook's name, else None."""
    m = NOTEBOOK_ID.search(nodeid)
    stems = {p.stem for p in executed.course_notebooks()}
    return f"notebook-{m.group(1)}" if m and m.group(1) in stems else None


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """loadscope, with one unit per notebook: its tests run on one worker, in order."""
    if config.getoption("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class NotebookScopeScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return notebook_scope(nodeid) or super()._split_scope(nodeid)

    return NotebookScopeScheduling(config, log)


def _schedule(items) -> None:
    """Remember which notebooks the selected tests execute (checks that merely read outputs,
    such as the slide test, use this run's copy of those and never execute another one)."""
    executed.SCHEDULED.clear()
    executed.SCHEDULED.update(_notebook_of(i) for i in items
                              if _notebook_of(i) and i.get_closest_marker("all_notebooks") is None)
    if any(i.get_closest_marker("all_notebooks") for i in items):
        executed.SCHEDULED.update(p.stem for p in executed.course_notebooks())


def _costs() -> dict:
    try:
        costs = json.loads(COSTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return costs if isinstance(costs.get("tests"), dict) else {}


def _baseline() -> dict:
    try:
        with open(BASELINE, encoding="utf-8") as fh:
            base = json.load(fh)
    except (OSError, ValueError):
        return {}
    return base if isinstance(base.get("modules"), dict) else {}


def _order(items) -> None:
    """Notebooks first, heaviest first (the last run's seconds, else the higher number); then
    the other test modules, heaviest first as recorded. Where this machine has no record (a
    fresh clone), ``tests/cost_baseline.json`` (a full run's seconds, committed; refreshed by
    ``tools/cost_baseline.py``) gives the order: without it the checkpoint checks (40 s) ran
    after the quick modules and one worker finished alone. A module that reads executed outputs
    (site, browser, decks, answer key) waits for the copies it reads; with no figure at all it
    counts as :data:`READER_GUESS_S`, so the browser module (about a minute) starts as soon as a
    worker is free of notebooks instead of running alone at the end (measured: the other worker
    idled for its last 28 s)."""
    costs, base = _costs(), _baseline()
    by_notebook = {**base.get("notebooks", {}), **costs.get("notebooks", {})}
    by_module = {**base.get("modules", {}),
                 **executed.seconds_per_module(costs.get("tests", {}))}

    readers = {i.nodeid.split("::")[0] for i in items  # modules that read executed outputs
            if i.get_closest_marker("all_notebooks") or i.get_closest_marker("outputs")}

    def rank(item):
        stem = _notebook_of(item)
        if stem is not None and notebook_scope(item.nodeid):
            return (0, -by_notebook.get(stem, 0.0), "".join(chr(255 - ord(c)) for c in stem))
        module = item.nodeid.split("::")[0]
        cost = by_module.get(module, READER_GUESS_S if module in readers else 0.0)
        return (1, -cost, "")

    items.sort(key=rank)  # stable: the collected order within each module


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_collection_finish(session):
    _schedule(session.items)
    _order(session.items)
    yield


# --------------------------------------------------------------------------- the run's account
def _counts():
    log = os.environ.get(executed.LOG_ENV)
    if not log:
        return None
    return executed.count_executions(executed.Path(log), run=executed.run_id())


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if hasattr(config, "workerinput"):
        return
    counts = _counts()
    if counts is None or not any(c["notebook"] or c["student"] for k, c in counts.items()
                                 if k != "other"):
        return
    terminalreporter.write_line(executed.summary_line(counts))
    twice = executed.repeated(counts)
    if twice:
        terminalreporter.write_line(f"ERROR: executed more than once in one run: {twice}",
                                    red=True)


def pytest_sessionfinish(session, exitstatus):
    if hasattr(session.config, "workerinput"):
        return
    counts = _counts()
    if counts and executed.repeated(counts) and exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
    _remember_costs(session)


_DURATIONS: dict[str, float] = {}  # per test, all phases
_NOTEBOOKS: dict[str, float] = {}  # per notebook unit


def pytest_runtest_logreport(report):
    """Seconds per test and per notebook (the next run schedules the heaviest first, and
    `make test-fast` leaves out what was slow)."""
    _DURATIONS[report.nodeid] = _DURATIONS.get(report.nodeid, 0.0) + report.duration
    stem = _stem_from_nodeid(report.nodeid)
    if stem is not None:
        _NOTEBOOKS[stem] = _NOTEBOOKS.get(stem, 0.0) + report.duration


def _stem_from_nodeid(nodeid: str) -> str | None:
    scope = notebook_scope(nodeid)
    return scope.removeprefix("notebook-") if scope else None


def _remember_costs(session) -> None:
    if not _DURATIONS:
        return
    costs = _costs() or {"tests": {}, "notebooks": {}}
    costs["tests"].update({k: round(v, 2) for k, v in _DURATIONS.items()})
    costs.setdefault("notebooks", {}).update({k: round(v, 1) for k, v in _NOTEBOOKS.items()})
    costs["written"] = time.strftime("%Y-%m-%d %H:%M")
    try:
        executed.EXECUTED_DIR.mkdir(parents=True, exist_ok=True)
        COSTS.write_text(json.dumps(costs, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass
