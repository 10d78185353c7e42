"""The package's shape (CONTRIBUTING.md, "The map"): no import cycles, light modules stay light,
each layer imports only layers below it, model classes at module top level, and every trainer's
seed defaults to the session's seed."""

import ast
import importlib
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from course_utils.config import REPO_ROOT

PACKAGE = REPO_ROOT / "course_utils"
LIGHT = ("course_utils", "course_utils.config", "course_utils.helpers", "course_utils.data")
# Layers from bottom to top; a module may import modules of its own or lower layers only.
LAYERS = [
    {"config", "helpers"},
    {"data", "metrics", "plotting", "checkpoints", "progress"},
    {"judge", "density", "lvm", "unsupervised"},
    {"autoencoders", "vae", "gan", "cyclegan", "stylegan", "voxels", "aging"},
    {"pretrained"},
    {"pretrain", "widgets", "checks"},
]
MODEL_MODULES = ("autoencoders", "vae", "gan", "cyclegan", "stylegan", "voxels", "aging")
# Measuring instruments keep one fixed seed (every reported number depends on them).
INSTRUMENTS = {"voxels.train_shape_classifier"}


def _module_files() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE).with_suffix("")
        name = ".".join(("course_utils", *rel.parts)).removesuffix(".__init__")
        out[name] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every course_utils module that ``path`` imports, anywhere in the file."""
    found = set()
    is_package = path.name == "__init__.py"
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = name.split(".")
                parts = parts if is_package else parts[:-1]
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        found |= {t for t in targets if t in known and t != name}
    return found


def _graph() -> dict[str, set[str]]:
    files = _module_files()
    known = set(files)
    return {name: _imports(name, path, known) - {"course_utils"} for name, path in files.items()}


def _find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}

    def visit(node, stack):
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if state.get(nxt) is None:
                found = visit(nxt, stack + [nxt])
                if found:
                    return found
        state[node] = 2
        return None

    for start in sorted(graph):
        if state.get(start) is None:
            found = visit(start, [start])
            if found:
                return found
    return None


def test_no_import_cycles():
    cycle = _find_cycle(_graph())
    assert cycle is None, "import cycle in course_utils: " + " -> ".join(cycle)


def test_the_cycle_finder_finds_a_cycle():
    assert _find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _find_cycle({"a": {"b"}, "b": set()}) is None


def _layer(module: str) -> int:
    top = module.split(".")[1] if "." in module else module
    for i, layer in enumerate(LAYERS):
        if top in layer:
            return i
    raise AssertionError(f"course_utils.{top} is in no layer of tests/test_architecture.py: "
                         "add it to LAYERS and to the map in CONTRIBUTING.md")


def test_every_module_imports_only_its_own_or_lower_layers():
    wrong = []
    for name, targets in _graph().items():
        if name == "course_utils":
            continue
        for target in targets:
            same_package = target.split(".")[1] == name.split(".")[1]
            if not same_package and _layer(target) > _layer(name):
                wrong.append(f"{name} imports {target}")
    assert not wrong, "imports that go up the layers: " + "; ".join(sorted(wrong))


@pytest.mark.parametrize("module", LIGHT)
def test_light_modules_do_not_load_keras_or_tensorflow(module):
    code = (f"import sys, {module}; heavy = [m for m in ('keras', 'tensorflow') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=REPO_ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"importing {module} loads {out.stdout.strip()}"


def test_no_lazy_class_machinery():
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for banned in ("_define_classes", "_define_and_get", "def __getattr__"):
            assert banned not in text, f"{path.name} still has {banned}"


@pytest.mark.parametrize("module", [m for m in MODEL_MODULES
                                    if (PACKAGE / f"{m}.py").is_file()])
def test_keras_classes_live_at_module_top_level(module):
    mod = importlib.import_module(f"course_utils.{module}")
    tree = ast.parse(Path(mod.__file__).read_text(encoding="utf-8"))
    nested = [node.name for top in tree.body if isinstance(top, ast.FunctionDef | ast.ClassDef)
              for node in ast.walk(top)
              if isinstance(node, ast.ClassDef) and node is not top]
    assert not nested, f"classes defined inside functions or classes in {module}: {nested}"


@pytest.mark.parametrize("module", [m for m in MODEL_MODULES
                                    if (PACKAGE / f"{m}.py").is_file()])
def test_every_trainer_takes_the_session_seed_by_default(module):
    mod = importlib.import_module(f"course_utils.{module}")
    trainers = [(name, fn) for name, fn in inspect.getmembers(mod, inspect.isfunction)
                if name.startswith("train_") and fn.__module__ == mod.__name__
                and f"{module}.{name}" not in INSTRUMENTS]
    assert trainers, f"course_utils.{module} has no train* function"
    for name, fn in trainers:
        seed = inspect.signature(fn).parameters.get("seed")
        assert seed is not None, f"{module}.{name} takes no seed"
        assert seed.default is None, f"{module}.{name}: seed must default to None (the session's)"


# Fits and draws of notebooks 01-03 (NumPy and scikit-learn, no trainer to default for them);
# the toy data sets they study stay fixed on purpose.
SEEDED_CALLS = re.compile(r"\b(fit_mixture|em_history|KMeans|stratified_subset|"
                          r"fit_supervised_detector|continuations|pick_known_outliers|PCA|"
                          r"default_rng|sample)\(.*\b(seed|random_state)=\d")


@pytest.mark.parametrize("stem", ["01_supervised_vs_unsupervised", "02_generative_modeling",
                                  "03_latent_variable_models"])
def test_the_classical_notebooks_draw_from_the_session_seed(stem):
    """COURSE_SEED must change what 01-03 fit and draw, as it does for the trainers of 04-07:
    their setup cell names the session's seed SEED, and no fit or draw uses a fixed one."""
    nb = json.loads((REPO_ROOT / "notebooks" / f"{stem}.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert any("SEED = course_utils.config.resolve_seed()" in c for c in code), stem
    fixed = [line.strip() for c in code for line in c.splitlines() if SEEDED_CALLS.search(line)]
    assert not fixed, f"{stem}: fits or draws with a fixed seed: {fixed}"
    assert SEEDED_CALLS.search("km = KMeans(n_clusters=10, random_state=0).fit(x)")  # can fail
