"""Classroom scale and the instructor guide: the JupyterHub values file and the plans add up.

``deploy/jupyterhub/config.yaml`` must be valid YAML for the Zero to JupyterHub chart, identical
to the copy in INSTRUCTORS.md, and its per-user memory must cover the peaks measured by
``make bench`` (``bench/results.json``). INSTRUCTORS.md's timing plans must add up.
"""

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from course_utils.config import REPO_ROOT

CONFIG = REPO_ROOT / "deploy" / "jupyterhub" / "config.yaml"
GUIDE = REPO_ROOT / "INSTRUCTORS.md"
BENCH = REPO_ROOT / "bench" / "results.json"
SERVER_MIB = 256  # the Jupyter server next to the kernel (86 MiB measured idle)
HEADROOM = 1.5  # the limit leaves room for a second, lighter kernel
CHART_KEYS = {"hub", "proxy", "singleuser", "scheduling", "prePuller", "cull", "ingress",
              "imagePullSecret", "imagePullSecrets", "custom", "global", "rbac", "debug",
              "fullnameOverride", "nameOverride"}  # top-level keys of the chart's values


def mib(spec) -> float:
    """A KubeSpawner byte specification (``4G``, ``512M``; powers of 1024) in MiB."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])", str(spec))
    assert m, f"not a byte specification: {spec!r}"
    return float(m.group(1)) * {"K": 1 / 1024, "M": 1, "G": 1024, "T": 1024 ** 2}[m.group(2)]


@pytest.fixture(scope="module")
def config():
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def peaks():
    """(profile, notebook) -> measured kernel peak in MiB."""
    results = json.loads(BENCH.read_text(encoding="utf-8"))["notebooks"]
    return {(profile, nb): row["kernel_peak_mb"] for profile, rows in results.items()
            for nb, row in rows.items() if row.get("kernel_peak_mb")}


def test_the_values_file_is_valid_yaml_for_the_chart(config):
    assert isinstance(config, dict) and set(config) <= CHART_KEYS, set(config) - CHART_KEYS
    user = config["singleuser"]
    assert user["image"]["name"] and user["image"]["tag"]
    assert user["defaultUrl"] == "/lab"
    for part in ("cpu", "memory"):
        assert set(user[part]) == {"guarantee", "limit"}
    assert config["cull"]["enabled"] is True and config["cull"]["timeout"] > 0
    auth = config["hub"]["config"]
    assert not any("secret" in key.lower() for section in auth.values() for key in section), (
        "secrets belong in an uncommitted secrets.yaml")
    env = user["extraEnv"]
    assert all(isinstance(v, str) for v in env.values()), "Kubernetes wants string env values"
    assert env["COURSE_PROFILE"] in {"ci", "class", "full", "live"}


def test_memory_covers_every_measured_peak(config, peaks):
    assert peaks, "bench/results.json has no peak memory"
    worst_profile, worst_nb = max(peaks, key=peaks.get)
    worst = peaks[(worst_profile, worst_nb)]
    memory = config["singleuser"]["memory"]
    guarantee, limit = mib(memory["guarantee"]), mib(memory["limit"])
    assert guarantee >= worst + SERVER_MIB, (
        f"guarantee {memory['guarantee']} < peak {worst:.0f} MiB ({worst_nb}, {worst_profile}) "
        f"+ {SERVER_MIB} MiB server")
    assert limit >= HEADROOM * worst + SERVER_MIB, (
        f"limit {memory['limit']} < {HEADROOM} x {worst:.0f} MiB + {SERVER_MIB} MiB")
    assert limit >= guarantee


def test_cpu_matches_what_the_notebooks_are_sized_for(config):
    machine = json.loads(BENCH.read_text(encoding="utf-8"))["machine"]
    cpu = config["singleuser"]["cpu"]
    assert cpu["limit"] >= machine["cores"] >= 1 and 0 < cpu["guarantee"] <= cpu["limit"]
    env = config["singleuser"]["extraEnv"]
    assert int(env["COURSE_THREADS"]) == cpu["limit"] == int(env["OMP_NUM_THREADS"])


def test_a_smaller_limit_would_fail(peaks):
    """The check above can fail: 2G does not cover the measured peaks."""
    worst = max(peaks.values())
    assert mib("2G") < HEADROOM * worst + SERVER_MIB


def test_the_guide_shows_the_same_values_file(config):
    guide = GUIDE.read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", guide, re.DOTALL)
    assert blocks, "INSTRUCTORS.md has no yaml block"
    assert blocks[0].strip() == CONFIG.read_text(encoding="utf-8").strip(), (
        "the config.yaml in INSTRUCTORS.md differs from deploy/jupyterhub/config.yaml")


def test_the_guide_quotes_the_measured_peaks(peaks):
    guide = GUIDE.read_text(encoding="utf-8")
    table = guide.split("### Per-user limits")[1].split("###")[0]
    rows = {line.split("|")[1].strip()[:2]: [int(c.strip().strip("*").replace(",", ""))
                                           for c in line.split("|")[2:5]]
            for line in table.splitlines() if re.match(r"^\| \d\d ", line)}
    for (profile, nb), value in peaks.items():
        column = ["ci", "class", "live"].index(profile)
        assert abs(rows[nb[:2]][column] - value) <= 1, (nb, profile, value)


def plan_tables(guide: str) -> dict[str, list[tuple[str, int]]]:
    """Each 'start | minutes | what' table of INSTRUCTORS.md, by the heading above it."""
    tables, heading = {}, None
    for line in guide.splitlines():
        if line.startswith(("### ", "Session ")):
            heading = line.strip("# ").split(":")[0]
        m = re.match(r"^\| (\d+:\d\d) \| (\d+) \| (.+) \|$", line)
        if m:
            tables.setdefault(heading, []).append((m.group(1), int(m.group(2))))
    return tables


def test_the_plans_add_up():
    tables = plan_tables(GUIDE.read_text(encoding="utf-8"))
    assert sum(n for _, n in tables["Plan A"]) == 180
    assert sum(n for _, n in tables["Session 1"]) == 90
    assert sum(n for _, n in tables["Session 2"]) == 90
    for name, rows in tables.items():
        elapsed = 0
        for start, minutes in rows:
            h, m = map(int, start.split(":"))
            assert 60 * h + m == elapsed, f"{name}: {start} should be {elapsed // 60}:{elapsed % 60:02d}"
            elapsed += minutes


def test_every_notebook_has_a_plan_entry():
    guide = GUIDE.read_text(encoding="utf-8")
    for nb in sorted((REPO_ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        section = re.search(rf"^### {nb.name[:2]} · .*?(?=^### |\Z)", guide, re.M | re.S)
        assert section, f"INSTRUCTORS.md has no section for {nb.name}"
        for part in ("**Show:**", "**Skip if short:**", "**Widget", "**Questions:**"):
            assert part in section.group(0), f"{nb.name}: no {part}"


def test_the_nbgitpuller_link_is_well_formed():
    guide = GUIDE.read_text(encoding="utf-8")
    link = re.search(r"https://\S+/hub/user-redirect/git-pull\?\S+", guide).group(0)
    query = parse_qs(urlparse(link).query)
    assert urlparse(query["repo"][0]).scheme == "https"
    assert query["branch"] == ["main"]
    assert query["urlpath"][0].startswith("lab/tree/REPO/student/")
