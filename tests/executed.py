"""One execution of every course notebook per test run, shared by every check that needs outputs.

`make test` used to run each notebook four times (nbval, its student version top to bottom, the
static-site build, the browser). Here each notebook ``notebooks/NN_*.ipynb`` is executed **once
per run** in the ``ci`` profile with nbclient (:func:`notebook`), and the executed copy (outputs,
timings per cell, widget state) is saved to the run's folder ``build/executed/runs/<run id>/``
and, as the newest copy, to ``build/executed/NN_*.ipynb``. Every check reads that copy: the notebook tests (no cell raised unless tagged ``raises-exception``; cells tagged
``nbval-check-output`` still print what is stored, compared the way nbval compares them), the
static-site build, the slide and answer-key tests and the browser test.

Once per run, across the xdist workers: a run has an id (``$COURSE_TEST_RUN``, set by
``tests/conftest.py`` and inherited by the workers); the executed copy records it, and a file
lock per notebook makes whoever asks first execute it while any other worker waits for the copy.

Student versions (:func:`student_plan`). ``student/NN_*.ipynb`` differs from its notebook only in
the cells that held solutions. After the notebook's last cell, in the same kernel, the student
version's *differing* cells run, then every later cell that reads a name they (re)define, until a
cell tagged ``check`` hands back a working implementation (the student's if it passed, else the
package's: CONTRIBUTING.md, "Core exercises"). Everything else is the notebook's own code on the
same inputs, which the notebook's run just proved. When this shortcut could differ from a fresh
run (a replayed cell reads a name the notebook rebinds later, or the student version no longer
defines a name a later cell reads) the student version runs top to bottom in a fresh kernel
instead; :attr:`StudentPlan.reason` says why.

Counting (:func:`install_counter`, :func:`count_executions`): an IPython start-up file in a
private ``IPYTHONDIR`` logs every kernel that runs a course notebook's setup cell, whoever started
it (this module, nbval, nbconvert, JupyterLab), so a run can prove it executed each notebook once.
"""

from __future__ import annotations

import ast
import contextlib
import difflib
import fcntl
import hashlib
import json
import os
import re
import resource
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = REPO_ROOT / "notebooks"
STUDENT_DIR = REPO_ROOT / "student"
EXECUTED_DIR = REPO_ROOT / "build" / "executed"
PATTERN = "[0-9][0-9]_*.ipynb"
PROFILE = "ci"
TIMEOUT = 900  # seconds per cell
RUN_ENV = "COURSE_TEST_RUN"
LOG_ENV = "COURSE_EXECUTION_LOG"
NOT_DONE = "not done yet"

# nbval's cell markers (tags and comments) that this harness honours the same way
CHECK_TAGS = {"nbval-check-output"}
CHECK_COMMENTS = {"NBVAL_CHECK_OUTPUT"}
IGNORE_TAGS = {"nbval-ignore-output"}
IGNORE_COMMENTS = {"NBVAL_IGNORE_OUTPUT", "PYTEST_VALIDATE_IGNORE_OUTPUT"}
RAISES_TAGS = {"raises-exception", "nbval-raises-exception"}
RAISES_COMMENTS = {"NBVAL_RAISES_EXCEPTION"}
SKIP_TAGS = {"nbval-skip", "skip-execution"}
SKIP_COMMENTS = {"NBVAL_SKIP"}
# what nbval leaves out of a comparison (images, widget ids, metadata, tracebacks)
SKIP_COMPARE = {"metadata", "traceback", "prompt_number", "output_type", "name",
                "execution_count", "application/vnd.jupyter.widget-view+json", "image/png",
                "image/jpeg"}


def course_notebooks(root: Path = REPO_ROOT) -> list[Path]:
    """``notebooks/NN_*.ipynb``: every course notebook, a new one included automatically."""
    return sorted((root / "notebooks").glob(PATTERN))


def run_id() -> str:
    """This test run's id (shared by the xdist workers through the environment)."""
    if not os.environ.get(RUN_ENV):
        os.environ[RUN_ENV] = uuid.uuid4().hex[:12]
    return os.environ[RUN_ENV]


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _tags(cell) -> set[str]:
    return set(cell.get("metadata", {}).get("tags", []))


def _comments(cell) -> set[str]:
    return {ln.strip().lstrip("#").strip() for ln in _source(cell).splitlines()
            if ln.strip().startswith("#")}


def skipped(cell) -> bool:
    return bool(_tags(cell) & SKIP_TAGS or _comments(cell) & SKIP_COMMENTS)


def may_raise(cell) -> bool:
    return bool(_tags(cell) & RAISES_TAGS or _comments(cell) & RAISES_COMMENTS)


def output_checked(cell) -> bool:
    """nbval --nbval-lax: only cells marked to check are compared, unless also marked to ignore."""
    marked = _tags(cell) & CHECK_TAGS or _comments(cell) & CHECK_COMMENTS
    ignored = _tags(cell) & IGNORE_TAGS or _comments(cell) & IGNORE_COMMENTS
    return bool(marked) and not ignored


def seconds_per_module(test_seconds: dict) -> dict[str, float]:
    """Seconds per test module from seconds per test node id (the ``tests`` part of
    ``build/executed/costs.json``): what the scheduler in ``conftest.py`` and
    ``tools/cost_baseline.py`` both read."""
    modules: dict[str, float] = {}
    for nodeid, seconds in test_seconds.items():
        module = nodeid.split("::")[0]
        modules[module] = modules.get(module, 0.0) + float(seconds)
    return modules


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def sources_digest(nb) -> str:
    """What decides whether an executed copy belongs to a notebook: its cells' types and code."""
    return sha256_text(json.dumps([(c["cell_type"], _source(c)) for c in nb["cells"]]))


# --------------------------------------------------------------------------- comparing outputs
_BACKSPACE = re.compile("[^\n]\x08")  # a character and the backspace after it
_CARRIAGE_RETURN = re.compile(r"^.*\r(?=[^\n])", re.MULTILINE)


def coalesce_streams(outputs) -> list[dict]:
    """Streams of one name merged into the first, with backspaces and carriage returns
    applied (nbval's normalisation; nbval means to apply backspaces too, but its loop never
    runs)."""
    merged, streams = [], {}
    for out in outputs:
        out = dict(out)
        if out.get("output_type") == "stream":
            text = _source({"source": out.get("text", "")})
            if out["name"] in streams:
                streams[out["name"]]["text"] += text
                continue
            out["text"] = text
            streams[out["name"]] = out
        merged.append(out)
    for out in streams.values():
        old = None
        while old != out["text"]:
            old = out["text"]
            out["text"] = _BACKSPACE.sub("", out["text"])
        out["text"] = _CARRIAGE_RETURN.sub("", out["text"])
    return merged


def _flatten(outputs) -> dict[str, list]:
    flat: dict[str, list] = {}
    for out in coalesce_streams(outputs):
        if out.get("output_type") == "stream":
            flat.setdefault(out["name"], []).append(out["text"])
            continue
        for key, value in out.items():
            if key in SKIP_COMPARE:
                continue
            if key == "data":
                for mime, data in value.items():
                    if mime not in SKIP_COMPARE:
                        flat.setdefault(mime, []).append(_source({"source": data})
                                                         if isinstance(data, list) else data)
            else:
                flat.setdefault(key, []).append(value)
    return flat


def compare_outputs(stored, produced) -> str | None:
    """None when ``produced`` matches the ``stored`` outputs the way nbval compares them
    (streams per name, text/plain and other text data; images, widget ids, tracebacks and
    metadata ignored), else what differs."""
    want, got = _flatten(stored), _flatten(produced)
    if set(want) != set(got):
        return (f"output fields differ: stored {sorted(want)}, produced {sorted(got)}")
    for key in want:
        if want[key] != got[key]:
            return f"{key} differs:\n--- stored\n{want[key]}\n+++ produced\n{got[key]}"
    return None


# --------------------------------------------------------------------------- names a cell uses
def python_source(source: str) -> str:
    """A cell's code with IPython syntax (magics, ``!cmd``) turned into plain Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.ListComp,
           ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _params(args: ast.arguments) -> set[str]:
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    return {a.arg for a in every if a is not None}


def _scope(node) -> tuple[set[str], set[str]]:
    """(free names, bound names) of one nested scope (function, lambda, class, comprehension)."""
    if isinstance(node, ast.Lambda):
        loads, stores = _walk([node.body])
        return loads - _params(node.args), set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        loads, stores = _walk(node.body)
        declared = {n for s in ast.walk(node) if isinstance(s, ast.Global) for n in s.names}
        local = (stores | _params(node.args)) - declared
        return loads - local, stores & declared
    if isinstance(node, ast.ClassDef):
        loads, stores = _walk(node.body)
        return loads - stores, set()
    loads, stores = _walk([*node.generators, getattr(node, "elt", None),
                           getattr(node, "key", None), getattr(node, "value", None)])
    return loads - stores, set()


def _walk(nodes) -> tuple[set[str], set[str]]:
    """Names loaded (free) and bound in the scope that holds ``nodes``."""
    loads: set[str] = set()
    stores: set[str] = set()
    todo = [n for n in nodes if n is not None]
    while todo:
        node = todo.pop()
        if isinstance(node, _SCOPES):
            free, globals_bound = _scope(node)
            loads |= free
            stores |= globals_bound
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stores.add(node.name)
                todo.extend([*node.decorator_list, *getattr(node, "bases", []),
                             *[k.value for k in getattr(node, "keywords", [])]])
                if not isinstance(node, ast.ClassDef):
                    todo.extend([*node.args.defaults, *node.args.kw_defaults])
            elif isinstance(node, ast.Lambda):
                todo.extend([*node.args.defaults, *node.args.kw_defaults])
            continue
        if isinstance(node, ast.Name):
            (loads if isinstance(node.ctx, ast.Load) else stores).add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                stores.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stores.add(node.name)
        elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
            stores.add(node.name)
        todo.extend(ast.iter_child_nodes(node))
    return loads, stores


def _mutated(stmt) -> set[str]:
    """Names changed in place by a top-level statement: ``x[i] = ...``, ``x.a += ...``."""
    targets = []
    if isinstance(stmt, ast.Assign):
        targets = stmt.targets
    elif isinstance(stmt, (ast.AugAssign, ast.AnnAssign)):
        targets = [stmt.target]
    elif isinstance(stmt, ast.Delete):
        targets = stmt.targets
    found = set()
    for target in targets:
        for node in ast.walk(target):
            if isinstance(node, (ast.Attribute, ast.Subscript)):
                base = node.value
                while isinstance(base, (ast.Attribute, ast.Subscript)):
                    base = base.value
                if isinstance(base, ast.Name):
                    found.add(base.id)
    return found


@dataclass(frozen=True)
class Names:
    """What a code cell reads from the kernel before binding it, and what it (re)binds."""

    reads: frozenset[str]
    writes: frozenset[str]
    star_import: bool = False


def _sequence(stmts, reads: set[str], bound: set[str]) -> None:
    """Statement by statement: a load counts as a read unless an earlier statement bound it."""

    def expr(*nodes):
        loads, stores = _walk([n for n in nodes if n is not None])
        reads.update(loads - bound)
        bound.update(stores)

    def bind(*targets):
        for target in targets:
            if target is not None:
                loads, stores = _walk([target])
                reads.update(loads - bound)
                bound.update(stores)

    for stmt in stmts:
        if isinstance(stmt, (ast.For, ast.AsyncFor)):
            expr(stmt.iter)
            bind(stmt.target)
            _sequence(stmt.body + stmt.orelse, reads, bound)
        elif isinstance(stmt, (ast.While, ast.If)):
            expr(stmt.test)
            _sequence(stmt.body + stmt.orelse, reads, bound)
        elif isinstance(stmt, (ast.With, ast.AsyncWith)):
            for item in stmt.items:
                expr(item.context_expr)
                bind(item.optional_vars)
            _sequence(stmt.body, reads, bound)
        elif isinstance(stmt, ast.Try | getattr(ast, "TryStar", ast.Try)):
            _sequence(stmt.body, reads, bound)
            for handler in stmt.handlers:
                expr(handler.type)
                if handler.name:
                    bound.add(handler.name)
                _sequence(handler.body, reads, bound)
            _sequence(stmt.orelse + stmt.finalbody, reads, bound)
        else:
            expr(stmt)
        bound.update(_mutated(stmt))


def cell_names(source: str) -> Names:
    """Reads and writes of one cell, statement by statement (a name bound earlier in the cell
    is not read from the kernel; a function's free names are read, at call time)."""
    tree = ast.parse(python_source(source))
    reads: set[str] = set()
    writes: set[str] = set()
    _sequence(tree.body, reads, writes)
    star = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names)
               for n in ast.walk(tree))
    return Names(frozenset(reads), frozenset(writes), star)


# --------------------------------------------------------------------------- student plan
@dataclass
class StudentPlan:
    """How a student version is run: ``replay`` its ``cells`` in the notebook's kernel after
    the notebook, or ``whole`` (top to bottom in a fresh kernel); ``reason`` says why."""

    mode: str
    cells: list[int]
    differing: list[int]
    reason: str = ""


def student_plan(original, student) -> StudentPlan:
    """Which student cells must run, and whether they can run in the notebook's kernel."""
    orig, stud = original["cells"], student["cells"]
    key = [(c["cell_type"], _source(c)) for c in orig]
    matcher = difflib.SequenceMatcher(None, key, [(c["cell_type"], _source(c)) for c in stud],
                                      autojunk=False)
    position: dict[int, int] = {}  # student cell -> the notebook cell it stands for (or follows)
    differing: list[int] = []
    replaced: dict[int, int] = {}  # student cell -> notebook cell it replaces
    dropped: dict[int, int] = {}  # notebook cell the student version lacks -> last cell before
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for k, j in enumerate(range(j1, j2)):
            position[j] = i1 + k if tag == "equal" or i1 + k < i2 else i1 - 1
            if tag != "equal" and stud[j]["cell_type"] == "code":
                differing.append(j)
                if i1 + k < i2 and orig[i1 + k]["cell_type"] == "code":
                    replaced[j] = i1 + k
        if tag != "equal":
            dropped.update({i: j2 - 1 for i in range(i1 + (j2 - j1), i2)
                            if orig[i]["cell_type"] == "code"})

    def names(cell) -> Names | None:
        try:
            return cell_names(_source(cell))
        except SyntaxError:
            return None

    orig_names = {i: names(c) for i, c in enumerate(orig) if c["cell_type"] == "code"}
    stud_names = {j: names(c) for j, c in enumerate(stud) if c["cell_type"] == "code"}
    unreadable = [j for j, n in stud_names.items() if n is None and j not in differing]
    unreadable += [i for i, n in orig_names.items() if n is None]
    empty = Names(frozenset(), frozenset())

    taint: set[str] = set()
    cells: list[int] = []
    for j in sorted(stud_names):
        n = stud_names[j] or empty
        if j in differing or n.reads & taint:
            cells.append(j)
            if "check" in _tags(stud[j]):
                taint -= n.writes  # a check hands back a working implementation
            else:
                taint |= n.writes
        else:
            taint -= n.writes

    def whole(reason: str) -> StudentPlan:
        return StudentPlan("whole", cells, differing, reason)

    if unreadable:
        return whole(f"cells {sorted(unreadable)} do not parse")
    if any((stud_names[j] or empty).star_import for j in cells):
        return whole("a replayed cell uses `import *`")
    # names the notebook defines but the student version no longer does
    vanished: dict[str, int] = {}
    for j, i in replaced.items():
        for name in (orig_names[i] or empty).writes - (stud_names[j] or empty).writes:
            vanished[name] = j
    for i, before in dropped.items():
        for name in (orig_names[i] or empty).writes:
            vanished[name] = before
    gone: set[str] = set()
    previous = -1
    for j in sorted(stud_names):
        gone |= {v for v, at in vanished.items() if previous <= at < j}
        previous = j
        n = stud_names[j] or empty
        if n.reads & gone:
            return whole(f"student cell {j} reads {sorted(n.reads & gone)}, which the student "
                         "version no longer defines")
        gone -= n.writes
    # replaying after the notebook's last cell sees the notebook's final values
    written: set[str] = set()
    for j in cells:
        n = stud_names[j] or empty
        at = position[j]
        after = {name for i, w in orig_names.items() if i > at for name in (w or empty).writes}
        clash = (n.reads - written) & after
        if clash:
            return whole(f"student cell {j} reads {sorted(clash)}, which the notebook rebinds "
                         f"after cell {at}")
        written |= n.writes
    return StudentPlan("replay", cells, differing,
                       f"{len(cells)} cell(s) replayed after the notebook, in its kernel")


# --------------------------------------------------------------------------- executing
@dataclass
class Run:
    """One executed notebook (or student version) of this test run."""

    path: Path
    nb: object  # nbformat.NotebookNode
    error: str | None = None
    error_cell: int | None = None
    seconds: float = 0.0
    kernel_cpu_s: float = 0.0
    ran: list[int] = field(default_factory=list)  # cell indices executed
    digest: str = ""  # sources_digest of the notebook as it was read

    @property
    def ok(self) -> bool:
        return self.error is None


def _client(nb, path: Path):
    from nbclient import NotebookClient

    return NotebookClient(nb, timeout=TIMEOUT, kernel_name="python3", store_widget_state=True,
                          record_timing=True, resources={"metadata": {"path": str(path.parent)}})


def _env() -> dict[str, str]:
    env = dict(os.environ, COURSE_PROFILE=PROFILE)
    env.pop("COURSE_SEED", None)
    return env


def _run_cells(client, nb, indices, run: Run) -> None:
    """Execute the chosen cells of ``nb`` with ``client``; stop at the first unexpected error."""
    client.nb = nb
    for index in indices:
        cell = nb.cells[index]
        if cell.cell_type != "code" or skipped(cell):
            continue
        client.allow_errors = may_raise(cell)
        try:
            client.execute_cell(cell, index, execution_count=client.code_cells_executed + 1)
        except Exception as exc:  # CellExecutionError, a timeout or a dead kernel
            run.error, run.error_cell = _describe(exc), index
            return
        finally:
            client.allow_errors = False
        run.ran.append(index)


def _describe(exc: Exception) -> str:
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", str(exc)).strip()
    return f"{type(exc).__name__}: {text[-3000:]}"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_notebook(path: Path, student_path: Path | None = None
                 ) -> tuple[Run, Run | None, StudentPlan | None]:
    """Execute ``path`` top to bottom in the ci profile; then, in the same kernel, the cells of
    its student version that :func:`student_plan` selects, when they can be replayed.

    Returns the notebook's run, the student replay (None when there is no student version or
    it must run whole: :func:`run_student_whole`) and the student plan."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    run, replay, plan = Run(path, nb, digest=sources_digest(nb)), None, None
    if student_path is not None and student_path.is_file():
        student_nb = nbformat.read(student_path, as_version=4)
        plan = student_plan(nb, student_nb)
        if plan.mode == "replay":
            replay = Run(student_path, student_nb, digest=sources_digest(student_nb))
    client = _client(nb, path)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    with client.setup_kernel(env=_env()):
        reply = client.wait_for_reply(client.kc.kernel_info())
        if reply and "language_info" in reply["content"]:
            nb.metadata["language_info"] = reply["content"]["language_info"]
        _run_cells(client, nb, range(len(nb.cells)), run)
        client.nb = nb
        client.set_widgets_metadata()
        run.seconds = time.perf_counter() - t0
        if replay is not None:
            if run.ok:
                t1 = time.perf_counter()
                _run_cells(client, replay.nb, plan.cells, replay)
                replay.seconds = time.perf_counter() - t1
            else:
                replay.error = f"not replayed: the notebook itself failed in cell {run.error_cell}"
        client.nb = nb
    run.kernel_cpu_s = _children_cpu() - cpu0
    return run, replay, plan


def run_student_whole(student_path: Path) -> Run:
    """A student version top to bottom in a fresh kernel (when it cannot be replayed)."""
    import nbformat

    nb = nbformat.read(student_path, as_version=4)
    run = Run(student_path, nb, digest=sources_digest(nb))
    client = _client(nb, student_path)
    t0, cpu0 = time.perf_counter(), _children_cpu()
    with client.setup_kernel(env=_env()):
        _run_cells(client, nb, range(len(nb.cells)), run)
    run.seconds = time.perf_counter() - t0
    run.kernel_cpu_s = _children_cpu() - cpu0
    return run


def unexpected_errors(nb) -> list[str]:
    """Error outputs of cells not allowed to raise."""
    return [f"cell {i}: {o.get('ename')}: {o.get('evalue')}" for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and not may_raise(c)
            for o in c.get("outputs", []) if o.get("output_type") == "error"]


def output_mismatches(reference, executed, cells=None) -> list[str]:
    """Cells marked ``nbval-check-output`` whose executed outputs differ from the reference's
    stored ones (cells the reference never ran are not compared, as in nbval)."""
    found = []
    for i, (ref, got) in enumerate(zip(reference["cells"], executed["cells"], strict=True)):
        if ref["cell_type"] != "code" or not output_checked(ref):
            continue
        if cells is not None and i not in cells:
            continue
        if ref.get("execution_count") is None:
            if ref.get("outputs"):
                found.append(f"cell {i}: unrun reference cell has outputs (run make strip)")
            continue
        diff = compare_outputs(ref.get("outputs", []), got.get("outputs", []))
        if diff:
            found.append(f"cell {i}: {diff}")
    return found


# --------------------------------------------------------------------------- the run's store
def run_dir() -> Path:
    """This run's folder: its executed copies, locks and kernel log (``build/executed/runs/``),
    so that two test runs at once never mix their copies."""
    return EXECUTED_DIR / "runs" / run_id()


def prune_runs(max_age_s: float = 2 * 3600) -> None:
    """Remove the folders of runs older than ``max_age_s`` (by age only: a run still going, in
    another shell, must keep its copies)."""
    import shutil

    now = time.time()
    for folder in (EXECUTED_DIR / "runs").glob("*"):
        try:
            old = now - folder.stat().st_mtime > max_age_s
        except OSError:
            continue
        if old and folder.name != run_id():
            if folder.is_dir():
                shutil.rmtree(folder, ignore_errors=True)
            else:
                folder.unlink(missing_ok=True)


@contextlib.contextmanager
def _locked(name: str):
    run_dir().mkdir(parents=True, exist_ok=True)
    with open(run_dir() / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write(nb, target: Path) -> None:
    import nbformat

    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    nbformat.write(nb, tmp)
    os.replace(tmp, target)


def _record(run: Run | None, kind: str, plan: StudentPlan | None = None) -> dict:
    if run is None:
        return {}
    info = {"run": run_id(), "kind": kind, "error": run.error, "error_cell": run.error_cell,
            "seconds": round(run.seconds, 2), "kernel_cpu_s": round(run.kernel_cpu_s, 2),
            "ran": run.ran, "worker": os.environ.get("PYTEST_XDIST_WORKER", "main")}
    if plan is not None:
        info.update(mode=plan.mode, reason=plan.reason, cells=plan.cells,
                    differing=plan.differing)
    return info


def executed_path(path: Path, student: bool = False) -> Path:
    """This run's executed copy of ``path``."""
    return run_dir() / ("student" if student else "") / path.name


def latest_path(path: Path, student: bool = False) -> Path:
    """The newest executed copy of ``path`` from any run (``build/executed/NN_topic.ipynb``:
    what ``make slides --executed`` and ``make site --executed`` read)."""
    return EXECUTED_DIR / ("student" if student else "") / path.name


def _load(target: Path):
    """The copy at ``target`` if this run wrote it, else None."""
    import nbformat

    if not target.is_file():
        return None
    try:
        nb = nbformat.read(target, as_version=4)
    except Exception:  # a half-written or foreign file: execute again
        return None
    # this run's copy, even if the notebook was edited since: one execution per run
    return nb if nb.metadata.get("course_test", {}).get("run") == run_id() else None


_CACHE: dict[Path, object] = {}


def _save(run: Run, kind: str, target: Path, latest: Path,
          plan: StudentPlan | None = None) -> None:
    run.nb.metadata["course_test"] = {**_record(run, kind, plan), "source": run.digest}
    _write(run.nb, target)
    _write(run.nb, latest)


def notebook(path: Path):
    """The executed copy of ``path`` from this run, executing it (once per run) if needed.

    ``nb.metadata.course_test`` says how it went (``error``, ``error_cell``, seconds); the
    student replay, when there is one, is saved at the same time (:func:`student`)."""
    target = executed_path(path)
    if target in _CACHE:
        return _CACHE[target]
    with _locked(path.stem):
        nb = _load(target)
        if nb is None:
            student_path = STUDENT_DIR / path.name
            run, replay, plan = run_notebook(path, student_path)
            if replay is not None:
                _save(replay, "student replay", executed_path(student_path, student=True),
                      latest_path(student_path, student=True), plan)
            _save(run, "notebook", target, latest_path(path))
            nb = run.nb
    _CACHE[target] = nb
    return nb


def _read_plain(path: Path):
    import nbformat

    return nbformat.read(path, as_version=4)


def student(path: Path):
    """The student version of ``path`` as this run checked it: its replay (saved when the
    notebook ran) or, when it cannot be replayed, one fresh top-to-bottom run."""
    student_path = STUDENT_DIR / path.name
    target = executed_path(student_path, student=True)
    if target in _CACHE:
        return _CACHE[target]
    notebook(path)  # runs the replay when there is one
    with _locked(f"student-{path.stem}"):
        nb = _load(target)
        if nb is None:
            plan = student_plan(_read_plain(path), _read_plain(student_path))
            run = run_student_whole(student_path)
            _save(run, "student whole", target, latest_path(student_path, student=True), plan)
            nb = run.nb
    _CACHE[target] = nb
    return nb


def earlier_copy(path: Path):
    """An executed copy left by an earlier run whose cells still match ``path``, else None."""
    import nbformat

    target = latest_path(path)
    if not target.is_file():
        return None
    try:
        nb = nbformat.read(target, as_version=4)
    except Exception:
        return None
    info = nb.metadata.get("course_test", {})
    if info.get("error") or info.get("source") != sources_digest(_read_plain(path)):
        return None
    return nb


SCHEDULED: set[str] = set()  # notebooks whose execution this run's selected tests include


def available(path: Path):
    """For checks that read outputs when there are some (slides, answer key): this run's copy
    when the run executes ``path`` anyway, else a matching copy from an earlier run, else None.
    Never executes a notebook the run would not execute otherwise."""
    if path.stem in SCHEDULED:
        return notebook(path)
    return earlier_copy(path)


# --------------------------------------------------------------------------- counting kernels
COUNTER = '''\
# Written by tests/executed.py: log every kernel that runs a course notebook's setup cell.
def _course_count_kernel():
    import hashlib, json, os, time
    log = os.environ.get("COURSE_EXECUTION_LOG")
    shell = get_ipython()  # noqa: F821 - IPython start-up files run in the user namespace
    if not log or shell is None:
        return
    seen = []

    def pre_run_cell(info):
        source = (getattr(info, "raw_cell", "") or "").strip()
        if not seen and "course_utils.setup(" not in source:
            return
        seen.append(hashlib.sha256(source.encode("utf-8")).hexdigest()[:16])
        if len(seen) == 2:
            shell.events.unregister("pre_run_cell", pre_run_cell)
        with open(log, "a", encoding="utf-8") as fh:
            fh.write(json.dumps({"run": os.environ.get("COURSE_TEST_RUN"),
                                 "pid": os.getpid(), "cwd": os.getcwd(),
                                 "cells": seen, "time": time.time()}) + "\\n")

    shell.events.register("pre_run_cell", pre_run_cell)


_course_count_kernel()
del _course_count_kernel
'''


def install_counter(directory: Path, log: Path) -> dict[str, str]:
    """Write the counting start-up file into an IPython directory; returns the environment
    that makes kernels use it (``IPYTHONDIR``) and log to ``log``."""
    startup = directory / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "50-course-count.py").write_text(COUNTER, encoding="utf-8")
    log.parent.mkdir(parents=True, exist_ok=True)
    return {"IPYTHONDIR": str(directory), LOG_ENV: str(log)}


def _code_cells(path: Path) -> list[str]:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [_source(c).strip() for c in nb["cells"]
            if c["cell_type"] == "code" and _source(c).strip()]


def signature(path: Path) -> list[str]:
    """What the counter logs for a notebook's kernel: its setup cell and the next code cell."""
    cells = _code_cells(path)
    start = next((k for k, src in enumerate(cells) if "course_utils.setup(" in src), None)
    if start is None:
        return []
    return [hashlib.sha256(src.encode("utf-8")).hexdigest()[:16]
            for src in cells[start:start + 2]]


def count_executions(log: Path, root: Path = REPO_ROOT, run: str | None = None) -> dict:
    """Kernels per course notebook in ``log`` (only ``run``'s, when given):
    ``{"NN_topic": {"notebook": n, "student": m}, ..., "other": k}``. A kernel counts for a
    notebook when the setup cell and the next code cell it ran are the notebook's (a student
    version's are the same); it counts as a student run when it ran in ``student/``."""
    signatures = {p.stem: signature(p) for p in course_notebooks(root)}
    counts: dict = {stem: {"notebook": 0, "student": 0} for stem in signatures}
    counts["other"] = 0
    kernels: dict = {}
    if log.is_file():
        for line in log.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if run is None or entry.get("run") == run:
                kernels[(entry.get("run"), entry.get("pid"), entry.get("cwd"))] = entry
    for entry in kernels.values():
        seen = entry.get("cells", [])
        stems = [s for s, sig in signatures.items() if sig and sig[:len(seen)] == seen]
        if len(stems) != 1:
            counts["other"] += 1
            continue
        kind = "student" if Path(entry.get("cwd", "")).name == "student" else "notebook"
        counts[stems[0]][kind] += 1
    return counts


def summary_line(counts: dict) -> str:
    parts = [f"{stem[:2]} {c['notebook']}" + (f"+{c['student']} student" if c["student"] else "")
             for stem, c in counts.items() if stem != "other"]
    return "notebook executions this run: " + ", ".join(parts) + (
        f"; other kernels: {counts['other']}" if counts.get("other") else "")


def repeated(counts: dict) -> list[str]:
    """Notebooks executed more than once (a student version run whole counts on its own)."""
    return [f"{stem} ({c['notebook']} times)" for stem, c in counts.items()
            if stem != "other" and c["notebook"] > 1] + [
        f"student/{stem} ({c['student']} times)" for stem, c in counts.items()
        if stem != "other" and c["student"] > 1]
