"""The course benchmark: speed, memory and quality, written to BENCHMARKS.md and
bench/results.json (``make bench``; ``python bench/run.py --help``).

Parts (pick with ``--parts``):
- ``startup``: seconds from a fresh kernel to the end of the Setup cell;
- ``notebooks``: wall time and peak kernel memory of every notebook, Restart & Run All, per
  profile (``--profiles ci class live``);
- ``ci`` (only when asked for): `.ci/run` on a fresh copy of the checkout, seconds per step;
- ``suite``: the whole `ci` test run (`make test`'s pytest command): wall and CPU time, the 15
  slowest tests and how many kernels executed each notebook (``--suite-label suite_before``
  with ``--suite-root``/``--suite-args`` records a baseline from another checkout or command);
- ``interactivity``: latency of one latent-explorer update and one GAN playback step;
- ``quality``: time to quality of the course's VAE and DCGAN against re-implementations of the
  TF tutorials' published configurations (``bench/anchors.py``), on the same machine, same run.
Every figure in the table is written by this script; nothing is typed in by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
TABLE = ROOT / "BENCHMARKS.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TARGETS = {
    "suite_s": 180.0,            # whole ci test run (pytest of make test, 2 cores)
    "fresh_ci_s": 300.0,         # bash .ci/run on a fresh clone, warm package cache
    "class_notebook_s": 120.0,   # each notebook in class (issue 18: headroom on slower laptops)
    "class_peak_mb": 3072.0,     # peak kernel memory in class
    "live_notebook_s": 15.0,     # each notebook in live (issue 17)
    "time_to_quality_ratio": 0.25,
    "explorer_median_ms": 50.0,
}

RUN_ONE = r"""
import json, os, resource, sys, time
import nbformat
from nbclient import NotebookClient
path, profile, setup_only = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
os.environ["COURSE_PROFILE"] = profile
nb = nbformat.read(path, as_version=4)
if setup_only:
    idx = next(i for i, c in enumerate(nb.cells)
               if c.cell_type == "code" and "course_utils.setup(" in c.source)
    nb.cells = nb.cells[: idx + 1]
t0 = time.perf_counter()
client = NotebookClient(nb, timeout=1800, kernel_name="python3",
                        resources={"metadata": {"path": os.path.dirname(path)}})
error = None
try:
    client.execute()
except Exception as exc:
    error = f"{type(exc).__name__}: {str(exc)[-300:]}"
wall = time.perf_counter() - t0
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print("BENCH" + json.dumps({"wall_s": wall, "kernel_peak_mb": peak_kb / 1024, "error": error}))
"""


def machine() -> dict:
    import keras
    import tensorflow as tf

    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "memory_gb": round(mem_gb, 1), "cpu": cpu,
            "python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "date": time.strftime("%Y-%m-%d %H:%M")}


def run_notebook(path: Path, profile: str, setup_only: bool = False) -> dict:
    out = subprocess.run([sys.executable, "-c", RUN_ONE, str(path), profile,
                          "1" if setup_only else "0"], capture_output=True, text=True,
                         env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCH")), None)
    if line is None:
        return {"wall_s": None, "kernel_peak_mb": None, "error": out.stderr[-300:]}
    return json.loads(line[5:])


def part_startup(results: dict, repeats: int = 3) -> None:
    times = [run_notebook(NOTEBOOKS[0], "class", setup_only=True)["wall_s"]
             for _ in range(repeats)]
    results["startup"] = {"median_s": sorted(times)[len(times) // 2], "runs_s": times}
    print(f"startup: {results['startup']['median_s']:.1f} s", flush=True)


def part_notebooks(results: dict, profiles: list[str]) -> None:
    nbs = results.setdefault("notebooks", {})
    for profile in profiles:
        for path in NOTEBOOKS:
            r = run_notebook(path, profile)
            nbs.setdefault(profile, {})[path.stem] = r
            print(f"{profile:5s} {path.stem:38s} {r['wall_s'] or float('nan'):7.1f} s "
                  f"{r['kernel_peak_mb'] or float('nan'):7.0f} MB {r['error'] or ''}", flush=True)


# `make test`'s pytest command (the Makefile's TEST_ARGS; tests/test_bench.py keeps them equal)
SUITE_ARGS = ["-n", "2", "--dist", "loadscope", "--no-loadscope-reorder", "tests"]
DURATION = re.compile(r"^\s*([0-9.]+)s (setup|call|teardown)\s+(\S.*)$")


def parse_durations(output: str, n: int = 15) -> list[dict]:
    """The ``--durations`` lines of a pytest run, slowest first."""
    rows = []
    in_section = False
    for line in output.splitlines():
        if "slowest" in line and "durations" in line:
            in_section = True
            continue
        if in_section:
            m = DURATION.match(line)
            if m:
                rows.append({"seconds": float(m.group(1)), "phase": m.group(2),
                             "test": m.group(3).strip()})
            elif line.startswith("=") or (rows and not line.strip()):
                in_section = False
    return sorted(rows, key=lambda r: -r["seconds"])[:n]


def _cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def part_suite(results: dict, root: Path = ROOT, args: list[str] | None = None,
               label: str = "suite") -> None:
    """The whole `ci` test run: wall time, CPU time of every process it started, the slowest
    tests, and how many kernels ran each notebook (an IPython start-up file in a private
    IPYTHONDIR logs every kernel that runs a notebook's setup cell, whoever started it)."""
    from tests import executed

    args = SUITE_ARGS if args is None else args
    run = uuid.uuid4().hex[:12]
    with tempfile.TemporaryDirectory(prefix="course-bench-") as tmp:
        log = Path(tmp) / "executions.jsonl"
        env = dict(os.environ, COURSE_PROFILE="ci", COURSE_TEST_RUN=run,
                   **executed.install_counter(Path(tmp) / "ipython", log))
        if root != ROOT:  # another checkout: its kernels import its own course_utils
            env["PYTHONPATH"] = str(root)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   "--durations=15", *args]
        load_before = os.getloadavg()
        cpu0, t0 = _cpu_children(), time.perf_counter()
        proc = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True)
        wall, cpu = time.perf_counter() - t0, _cpu_children() - cpu0
        counts = executed.count_executions(log, root, run)
    output = proc.stdout + proc.stderr
    results[label] = {
        "wall_s": wall, "cpu_s": cpu, "returncode": proc.returncode,
        "command": "pytest " + " ".join(args), "root": str(root),
        "commit": _commit(root), "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "summary": proc.stdout.strip().splitlines()[-1:],
        "slowest": parse_durations(output), "executions": counts,
        "date": time.strftime("%Y-%m-%d %H:%M")}
    worst = max((c["notebook"] + c["student"] for k, c in counts.items() if k != "other"),
                default=0)
    print(f"{label}: {wall:.0f} s wall, {cpu:.0f} s CPU, rc={proc.returncode}, "
          f"load {load_before[0]:.1f}; at most {worst} kernel(s) per notebook", flush=True)


def _commit(root: Path) -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, text=True,
                             capture_output=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ""
    dirty = subprocess.run(["git", "status", "--porcelain"], cwd=root, text=True,
                           capture_output=True).stdout.strip() if out else ""
    return (out or "unknown") + (" + uncommitted changes" if dirty else "")


def _latency(fn, n: int) -> dict:
    fn(0)  # warm-up (first call traces functions, builds figures)
    times = []
    for i in range(1, n + 1):
        t0 = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t0) * 1000)
    times.sort()
    return {"median_ms": times[len(times) // 2], "p95_ms": times[int(0.95 * (len(times) - 1))],
            "n": n}


CI_STEP = re.compile(r"^\[ci\] (.+): (\d+) s \(total (\d+) s\)$")


def part_ci(results: dict) -> None:
    """`.ci/run` on a fresh copy of this checkout (tracked and untracked files, as a clone of
    the working tree would have them; no .venv, no build/): seconds per step and in all. pip's
    download cache is left as it is, so a second run measures CI with a warm cache."""
    files = subprocess.run(["git", "ls-files", "-z", "--cached", "--others",
                            "--exclude-standard"], cwd=ROOT, capture_output=True,
                           check=True).stdout.split(b"\0")
    with tempfile.TemporaryDirectory(prefix="course-fresh-ci-") as tmp:
        clone = Path(tmp) / "fresh_ci"
        clone.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "init", "-q", str(clone)], check=True)
        for rel in filter(None, (f.decode() for f in files)):
            src = ROOT / rel
            if src.is_file():
                (clone / rel).parent.mkdir(parents=True, exist_ok=True)
                (clone / rel).write_bytes(src.read_bytes())
                (clone / rel).chmod(src.stat().st_mode)
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("COURSE_", "VIRTUAL_ENV", "IPYTHONDIR"))}
        load = os.getloadavg()
        t0 = time.perf_counter()
        proc = subprocess.run(["bash", ".ci/run"], cwd=clone, env=env, capture_output=True,
                              text=True)
        wall = time.perf_counter() - t0
    output = proc.stdout + proc.stderr
    steps = [{"step": m.group(1), "seconds": int(m.group(2))}
             for m in map(CI_STEP.match, output.splitlines()) if m]
    summary = [ln for ln in output.splitlines() if " passed" in ln or " failed" in ln][-1:]
    results["fresh_ci"] = {"wall_s": wall, "returncode": proc.returncode, "steps": steps,
                           "summary": summary, "load_before": [round(x, 2) for x in load],
                           "date": time.strftime("%Y-%m-%d %H:%M"), "commit": _commit(ROOT)}
    print(f"fresh CI: {wall:.0f} s, rc={proc.returncode}: "
          + ", ".join(f"{s['step'].split(' (')[0]} {s['seconds']} s" for s in steps), flush=True)


def part_interactivity(results: dict) -> None:
    from bench import interactivity

    res = results.setdefault("interactivity", {})
    for name, fn in interactivity.probes().items():
        res[name] = _latency(fn, 60)
        print(f"{name}: median {res[name]['median_ms']:.1f} ms, p95 {res[name]['p95_ms']:.1f} ms",
              flush=True)


def part_quality(results: dict, budget_s: float) -> None:
    from bench import quality

    results["quality"] = quality.run(budget_s)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", default="startup,notebooks,suite,interactivity,quality",
                        help="comma-separated; also `ci` (.ci/run on a fresh copy, not default)")
    parser.add_argument("--profiles", nargs="*", default=["ci", "class", "live"])
    parser.add_argument("--quality-budget", type=float, default=600.0,
                        help="seconds of training per model in the quality part")
    parser.add_argument("--suite-label", default="suite", choices=["suite", "suite_before"],
                        help="where the suite part is recorded (suite_before: the baseline)")
    parser.add_argument("--suite-root", type=Path, default=ROOT,
                        help="checkout whose tests the suite part runs (default: this one)")
    parser.add_argument("--suite-args", default=None,
                        help="pytest arguments of the suite part (default: make test's)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results["machine"] = machine()
    parts = args.parts.split(",")
    if "startup" in parts:
        part_startup(results)
    if "notebooks" in parts:
        part_notebooks(results, args.profiles)
    if "ci" in parts:
        part_ci(results)
    if "suite" in parts:
        part_suite(results, args.suite_root.resolve(),
                   shlex.split(args.suite_args) if args.suite_args else None, args.suite_label)
    if "interactivity" in parts:
        part_interactivity(results)
    if "quality" in parts:
        part_quality(results, args.quality_budget)
    RESULTS.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    from bench import report

    TABLE.write_text(report.render(results, TARGETS))
    print(f"wrote {TABLE.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
