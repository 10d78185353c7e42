"""environment.yml (conda/Binder) and pyproject.toml (pip) must ask for the same packages."""

import re
import tomllib

import yaml

from course_utils.config import REPO_ROOT


def _norm(req: str) -> tuple[str, str]:
    req = req.split("#")[0].strip()
    m = re.match(r"^([A-Za-z0-9_.\-\[\]]+)\s*(.*)$", req)
    name = re.sub(r"[-_.]+", "-", m.group(1)).lower()
    rest = re.sub(r"\s+", "", m.group(2)).replace('"', "'")
    return name + ("@" + rest.split(";")[1] if ";" in rest else ""), rest.split(";")[0]


def _pyproject() -> dict[str, str]:
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    reqs = list(meta["dependencies"])
    for extra in meta["optional-dependencies"].values():
        reqs += extra
    return dict(_norm(r) for r in reqs)


def _environment() -> tuple[dict[str, str], list[str]]:
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    return dict(_norm(r) for r in pip), conda


def test_environment_and_pyproject_agree():
    pyp = _pyproject()
    env, _ = _environment()
    only_pyproject = sorted(set(pyp) - set(env))
    only_env = sorted(set(env) - set(pyp))
    assert not only_pyproject, f"in pyproject.toml but not environment.yml: {only_pyproject}"
    assert not only_env, f"in environment.yml but not pyproject.toml: {only_env}"
    differ = {k: (pyp[k], env[k]) for k in pyp if pyp[k] != env[k]}
    assert not differ, f"version ranges differ (pyproject, environment.yml): {differ}"


def test_environment_pins_python_for_keras3():
    env = yaml.safe_load((REPO_ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    _, conda = _environment()
    python = next(d for d in conda if d.startswith("python"))
    assert ">=3.11" in python or re.search(r"=3\.1[1-9]", python), python
    meta = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert meta["requires-python"] == ">=3.11"


def test_checker_notices_a_disagreement():
    """The comparison itself must be able to fail."""
    assert _norm("keras>=3.5,<4") != _norm("keras>=3.6,<4")
    assert _norm("Scikit_Learn >=1.4")[0] == "scikit-learn"
