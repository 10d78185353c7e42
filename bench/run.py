"""The course benchmark: speed, memory and quality, written to BENCHMARKS.md and
bench/results.json (``make bench``; ``python bench/run.py --help``).

Parts (pick with ``--parts``):
- ``startup``: seconds from a fresh kernel to the end of the Setup cell;
- ``notebooks``: wall time and peak kernel memory of every notebook, Restart & Run All, per
  profile (``--profiles ci class live``);
- ``suite``: the whole `ci` test run (`make test`'s pytest command);
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
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
TABLE = ROOT / "BENCHMARKS.md"
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
TARGETS = {
    "suite_s": 300.0,            # whole ci test run
    "class_notebook_s": 180.0,   # each notebook in class
    "class_peak_mb": 3072.0,     # peak kernel memory in class
    "live_notebook_s": 30.0,     # each notebook in live
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


def part_suite(results: dict) -> None:
    t0 = time.perf_counter()
    env = dict(os.environ, COURSE_PROFILE="ci")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "loadscope", "--nbval-lax",
         "--nbval-current-env", "-p", "no:cacheprovider", "tests", "notebooks", "student"],
        cwd=ROOT, env=env, capture_output=True, text=True)
    results["suite"] = {"wall_s": time.perf_counter() - t0, "returncode": proc.returncode,
                        "summary": proc.stdout.strip().splitlines()[-1:]}
    print(f"suite: {results['suite']['wall_s']:.0f} s rc={proc.returncode}", flush=True)


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
    parser.add_argument("--parts", default="startup,notebooks,suite,interactivity,quality")
    parser.add_argument("--profiles", nargs="*", default=["ci", "class", "live"])
    parser.add_argument("--quality-budget", type=float, default=600.0,
                        help="seconds of training per model in the quality part")
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
    if "suite" in parts:
        part_suite(results)
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
