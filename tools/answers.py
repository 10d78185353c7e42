"""The answer key (``make answers``): what the room will see, per notebook and profile.

For every profile (``class`` and ``live``; or only ``$COURSE_PROFILE`` when it is set) and every
notebook, the notebook runs three times: once **as presented** (its own seed, or
``$COURSE_SEED`` when that is set) and once for each extra seed (``--seeds``, default 1 and 2;
``course_utils.setup()`` reads ``COURSE_SEED``). The tool writes

* ``<out>/<profile>/NN_topic.html``: the presented run as a static page with every output and
  figure (MathJax from ``<out>/vendor/``, so formulas render offline), and the executed
  notebook next to it (``NN_topic.ipynb``);
* ``<out>/HEADLINES.md`` and ``<out>/HEADLINES.json``: the headline numbers of every notebook
  per profile, the presented value and the run-to-run spread over the three runs;
* ``<out>/index.html``: links to all of it.

How a notebook marks its headline numbers
    A code cell tagged ``headline`` prints them on stdout, one per line, as
    ``<name>: <number><rest>``, for example ``print(f"test MSE of the autoencoder: {mse:.4f}")``
    (``<rest>`` is a unit or a note, kept as text; ``1,234``, ``-0.5``, ``3e-05`` and ``84%``
    are numbers). The name is written in the source, before the value's formatted part, so
    the rows of the table are known from the notebooks without running them
    (:func:`declared_headlines`); a name may contain formatted parts when a loop prints one
    line per setting (``print(f"modes covered, {name}: {n}")``). Lines of any other form are
    ignored. A headline cell whose run prints no headline line is reported.

Usage: python tools/answers.py [--profiles class,live] [--seeds 1,2] [--out build/answers]
                               [--jobs 2] [--timeout 900] [notebooks ...]
"""

from __future__ import annotations

import argparse
import ast
import datetime
import html
import json
import os
import re
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build_site import PAGE_ASSETS, describe, error_outputs, to_html  # noqa: E402
from build_slides import NotebookError, VendorError, copy_vendor, execute  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
TAG = "headline"
PROFILES = ("class", "live")
NUMBER = r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?"
LINE = re.compile(rf"^\s*(?P<name>[^:\n]{{1,80}}?):\s+(?P<value>{NUMBER})(?P<rest>.*)$")
PLACEHOLDER = "\x00"


# --------------------------------------------------------------------------- headline lines
@dataclass(frozen=True)
class Headline:
    """One headline number as printed: ``name: value rest``."""

    name: str
    value: float
    unit: str  # the rest of the line, stripped (a unit such as "%" or a note)


def parse_headlines(text: str) -> list[Headline]:
    """Every ``name: number...`` line of printed text (other lines are ignored)."""
    found = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m and not m.group("rest")[:1].isalnum():
            value = float(m.group("value").replace(",", ""))
            found.append(Headline(m.group("name").strip(), value, m.group("rest").strip()))
    return found


def _template(node: ast.expr) -> str | None:
    """A print argument as text, formatted values replaced by a placeholder (None: not text)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else PLACEHOLDER
                       for v in node.values)
    return None


def declared_headlines(source: str) -> list[str]:
    """Headline names a code cell's ``print`` calls write as ``name: <value>`` (in order).

    A formatted part inside a name (``f"modes covered, {name}: {n}"``, printed in a loop)
    becomes ``{}``: the declared name is then a pattern (:func:`name_matches`). A name with no
    literal letters at all (``f"{name}: {v}"``) is not a declaration.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "print" and node.args):
            continue
        text = _template(node.args[0])
        for line in (text or "").splitlines():
            m = re.match(rf"^\s*([^:\n]{{1,80}}?):\s+(?:{PLACEHOLDER}|{NUMBER})", line)
            if m and re.search(r"[A-Za-z]", m.group(1).replace(PLACEHOLDER, "")):
                names.append(m.group(1).strip().replace(PLACEHOLDER, "{}"))
    return list(dict.fromkeys(names))


def name_matches(name: str, declared: str) -> bool:
    """Whether a printed headline name is the declared one (``{}`` stands for any text)."""
    pattern = ".+".join(re.escape(part) for part in declared.split("{}"))
    return re.fullmatch(pattern, name) is not None


def headline_cells(nb: dict) -> dict[int, list[str]]:
    """Index -> declared names of every cell tagged ``headline``."""
    return {i: declared_headlines(_source(c)) for i, c in enumerate(nb["cells"])
            if c["cell_type"] == "code" and TAG in c.get("metadata", {}).get("tags", [])}


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def collect(nb: dict) -> tuple[dict[str, Headline], list[str]]:
    """The headline numbers an executed notebook printed, and problems found on the way."""
    found: dict[str, Headline] = {}
    problems = []
    for i in headline_cells(nb):
        text = "".join(_source({"source": o.get("text", "")})
                       for o in nb["cells"][i].get("outputs", [])
                       if o.get("output_type") == "stream" and o.get("name") == "stdout")
        lines = parse_headlines(text)
        if not lines:
            problems.append(f"cell {i} is tagged {TAG} but printed no 'name: number' line")
        for h in lines:
            if h.name in found:
                problems.append(f"cell {i}: headline {h.name!r} printed twice")
            found[h.name] = h
    return found, problems


# --------------------------------------------------------------------------- the table
def summarize(runs: dict) -> dict:
    """Per notebook, profile and headline: presented value, all values, mean, sd, range.

    ``runs[notebook][profile]`` is a list of ``(seed label, {name: Headline})``, the presented
    run first.
    """
    table: dict = {}
    for notebook, by_profile in runs.items():
        for profile, seeds in by_profile.items():
            names = list(dict.fromkeys(n for _, found in seeds for n in found))
            for name in names:
                values = [found[name].value for _, found in seeds if name in found]
                presented = seeds[0][1].get(name)
                table.setdefault(notebook, {}).setdefault(profile, {})[name] = {
                    "presented": presented.value if presented else None,
                    "unit": next(found[name].unit for _, found in seeds if name in found),
                    "values": values,
                    "seeds": [label for label, found in seeds if name in found],
                    "mean": statistics.fmean(values),
                    "sd": statistics.stdev(values) if len(values) > 1 else 0.0,
                    "min": min(values), "max": max(values),
                    "missing": [label for label, found in seeds if name not in found],
                }
    return table


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or 1e-3 <= abs(value) < 1e5:
        return f"{value:.4g}"
    return f"{value:.3e}"


def table_markdown(table: dict, meta: dict) -> str:
    """HEADLINES.md: one section per notebook, one row per headline and profile."""
    lines = ["# Headline numbers: the answer key", "",
             f"Written by `make answers` on {meta['date']} (commit {meta['commit']}, "
             f"{meta['cores']} cores). Each notebook ran once as presented "
             f"({meta['presented']}) and once with COURSE_SEED="
             f"{', '.join(map(str, meta['seeds']))}; "
             "*presented* is what the room sees, the rest is the run-to-run spread.", ""]
    for notebook in sorted(table):
        lines += [f"## {notebook}", "",
                  "| headline | profile | presented | mean ± sd | min – max | runs | unit |",
                  "|---|---|---:|---:|---:|---:|---|"]
        for profile in sorted(table[notebook]):
            for name, row in table[notebook][profile].items():
                runs = f"{len(row['values'])}" + (f" (missing: {', '.join(row['missing'])})"
                                                  if row["missing"] else "")
                lines.append(f"| {name} | {profile} | {_fmt(row['presented'])} | "
                             f"{_fmt(row['mean'])} ± {_fmt(row['sd'])} | {_fmt(row['min'])} – "
                             f"{_fmt(row['max'])} | {runs} | {row['unit']} |")
        lines.append("")
    return "\n".join(lines)


def index_page(table: dict, pages: dict, meta: dict) -> str:
    """index.html: every page per profile, and the table."""
    rows = "\n".join(
        f"<tr><td>{html.escape(nb)}</td>" + "".join(
            f'<td><a href="{html.escape(pages[nb][p])}">{p}</a></td>' if p in pages.get(nb, {})
            else "<td>-</td>" for p in meta["profiles"]) + "</tr>"
        for nb in sorted(pages))
    heads = "".join(f"<th>{p}</th>" for p in meta["profiles"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Answer key</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.5}}
td,th{{padding:.3em .8em;border-bottom:1px solid #ddd;text-align:left}}</style></head>
<body><h1>Answer key</h1>
<p>Every notebook as the room sees it, per profile ({html.escape(meta['date'])}, commit
{html.escape(meta['commit'])}). The headline numbers with their spread over three runs are in
<a href="HEADLINES.md">HEADLINES.md</a> (and <a href="HEADLINES.json">HEADLINES.json</a>).</p>
<table><tr><th>notebook</th>{heads}</tr>{rows}</table></body></html>
"""


# --------------------------------------------------------------------------- the build
def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                              capture_output=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def _last_lines(message: str, n: int = 3) -> str:
    """The end of an execution error (its exception line), without terminal colours."""
    lines = [x for x in re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", message).splitlines() if x.strip()]
    return " / ".join(lines[-n:])


def _page(nb: dict, path: Path) -> str:
    title, _ = describe(path)
    body = to_html(nb, title, vendor="../vendor")
    return body.replace('<a href="index.html">&larr; Course map</a>',
                        '<a href="../index.html">&larr; Answer key</a>', 1)


def build(out: Path, profiles=PROFILES, seeds=(1, 2), notebooks: list[Path] | None = None,
          jobs: int = 2, timeout: int = 900) -> tuple[dict, list[str]]:
    """Run everything, write pages and tables; returns (table, problems)."""
    notebooks = notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb"))
    out.mkdir(parents=True, exist_ok=True)
    copy_vendor(out, PAGE_ASSETS)
    presented = os.environ.get("COURSE_SEED")
    labels = [f"presented (COURSE_SEED={presented})" if presented else "presented",
              *(f"seed {s}" for s in seeds)]
    run_seeds = [int(presented) if presented else None, *seeds]
    jobs_list = [(p, profile, k) for p in notebooks for profile in profiles
                 for k in range(len(run_seeds))]
    problems: list[str] = []

    def one(job):
        path, profile, k = job
        t0 = time.perf_counter()
        try:
            nb = execute(path, profile, timeout, seed=run_seeds[k])
        except NotebookError as exc:
            problems.append(f"{path.stem} ({profile}, {labels[k]}): {_last_lines(str(exc))}")
            return job, None
        problems.extend(f"{path.stem} ({profile}): {e}" for e in error_outputs(nb))
        found, issues = collect(nb)
        problems.extend(f"{path.stem} ({profile}, {labels[k]}): {i}" for i in issues)
        if k == 0:
            (out / profile).mkdir(exist_ok=True)
            (out / profile / f"{path.stem}.html").write_text(_page(nb, path), encoding="utf-8")
            nbformat.write(nb, out / profile / path.name)
        print(f"  {path.stem} {profile} {labels[k]}: {time.perf_counter() - t0:.1f} s, "
              f"{len(found)} headline(s)", flush=True)
        return job, found

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        results = dict(pool.map(one, jobs_list))
    runs: dict = {}
    pages: dict = {}
    for path in notebooks:
        for profile in profiles:
            seeds_found = [(labels[k], results[(path, profile, k)] or {})
                           for k in range(len(run_seeds))]
            runs.setdefault(path.stem, {})[profile] = seeds_found
            if (out / profile / f"{path.stem}.html").is_file():
                pages.setdefault(path.stem, {})[profile] = f"{profile}/{path.stem}.html"
    table = summarize(runs)
    meta = {"date": datetime.date.today().isoformat(), "commit": _commit(),
            "cores": os.cpu_count(), "profiles": list(profiles), "seeds": list(seeds),
            "presented": f"COURSE_SEED={presented}" if presented else "the notebook's own seed",
            "notebooks": [p.stem for p in notebooks],
            "declared": {p.stem: sorted({n for names in headline_cells(
                json.loads(p.read_text(encoding="utf-8"))).values() for n in names})
                for p in notebooks},
            "problems": problems}
    (out / "HEADLINES.json").write_text(json.dumps({"meta": meta, "headlines": table},
                                                   indent=1, ensure_ascii=False) + "\n",
                                        encoding="utf-8")
    (out / "HEADLINES.md").write_text(table_markdown(table, meta), encoding="utf-8")
    (out / "index.html").write_text(index_page(table, pages, meta), encoding="utf-8")
    return table, problems


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    env_profile = os.environ.get("COURSE_PROFILE")
    parser.add_argument("--profiles", default=env_profile or ",".join(PROFILES),
                        help="comma-separated (default: $COURSE_PROFILE, else class,live)")
    parser.add_argument("--seeds", default="1,2", help="extra COURSE_SEED values")
    parser.add_argument("--out", default=str(ROOT / "build" / "answers"))
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--timeout", type=int, default=900, help="seconds per cell")
    parser.add_argument("notebooks", nargs="*", type=Path)
    args = parser.parse_args(argv)
    profiles = [p.strip() for p in args.profiles.split(",") if p.strip()]
    unknown = set(profiles) - {"ci", "class", "full", "live"}
    if unknown:
        parser.error(f"unknown profile(s) {sorted(unknown)}; choose from ci, class, full, live")
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    print(f"answer key in {args.out}: profiles {profiles}, presented run + seeds {seeds}",
          flush=True)
    t0 = time.perf_counter()
    try:
        table, problems = build(Path(args.out), profiles, seeds, args.notebooks or None,
                                args.jobs, args.timeout)
    except VendorError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    for problem in problems:
        print(f"problem: {problem}", file=sys.stderr)
    for path in args.notebooks or sorted(NOTEBOOK_DIR.glob("[0-9][0-9]_*.ipynb")):
        if not headline_cells(json.loads(path.read_text(encoding="utf-8"))):
            print(f"note: {path.name} has no cell tagged {TAG!r}: no headline numbers")
    count = sum(len(rows) for by_profile in table.values() for rows in by_profile.values())
    print(f"{count} headline row(s) in {args.out}/HEADLINES.md; pages in "
          f"{args.out}/<profile>/ ({time.perf_counter() - t0:.0f} s)")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
