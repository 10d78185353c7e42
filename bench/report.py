"""Render bench/results.json as BENCHMARKS.md (every number comes from the results file).

Every ``## `` section appears once: :func:`render` assembles named sections, and text appended
under a heading that already exists (``bench/NOTES.md`` may start with its own heading) joins
that section instead of repeating it."""

from __future__ import annotations

from pathlib import Path

NOTES_HEADING = "## Notes on missed targets and limits"


def _fmt(v, unit="", digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def _met(ok) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(r: dict, targets: dict, notes_file: Path | None = None) -> str:
    m = r.get("machine", {})
    out = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); the machine-readable copy is "
        "`bench/results.json`. Do not edit by hand.",
        "",
        f"Machine: {m.get('cores')} cores ({m.get('cpu')}), {m.get('memory_gb')} GB memory; "
        f"Python {m.get('python')}, TensorFlow {m.get('tensorflow')}, Keras {m.get('keras')}; "
        f"run {m.get('date')}.",
        "",
        "## Targets",
        "",
        "| target | figure | status |",
        "|---|---|---|",
    ]
    suite = r.get("suite", {})
    s = suite.get("wall_s")
    load = suite.get("load_before")
    extra = (f" (CPU {_fmt(suite.get('cpu_s'), ' s', 0)}, load {load[0]:.1f})"
             if load and suite.get("cpu_s") is not None else "")
    out.append(f"| whole `ci` test run (pytest of `make test`) < {targets['suite_s']:.0f} s | "
               f"{_fmt(s, ' s', 0)}{extra} | "
               f"{_met(None if s is None else s < targets['suite_s'])} |")
    ci = r.get("fresh_ci", {})
    if ci.get("wall_s") is not None and "fresh_ci_s" in targets:
        out.append(f"| fresh-clone CI (`bash .ci/run`) < {targets['fresh_ci_s']:.0f} s | "
                   f"{_fmt(ci['wall_s'], ' s', 0)} | {_met(ci['wall_s'] < targets['fresh_ci_s'])} |")
    nbs = r.get("notebooks", {})
    cls = nbs.get("class", {})
    if cls:
        worst = max((v["wall_s"] or 1e9) for v in cls.values())
        peak = max((v["kernel_peak_mb"] or 1e9) for v in cls.values())
        out.append(f"| every notebook in `class` < {targets['class_notebook_s']:.0f} s | slowest "
                   f"{_fmt(worst, ' s', 0)} | {_met(worst < targets['class_notebook_s'])} |")
        out.append(f"| peak kernel memory in `class` < {targets['class_peak_mb']:.0f} MB | "
                   f"{_fmt(peak, ' MB', 0)} | {_met(peak < targets['class_peak_mb'])} |")
    live = nbs.get("live", {})
    if live:
        worst = max((v["wall_s"] or 1e9) for v in live.values())
        out.append(f"| every notebook in `live` < {targets['live_notebook_s']:.0f} s | slowest "
                   f"{_fmt(worst, ' s', 0)} | {_met(worst < targets['live_notebook_s'])} |")
    q = r.get("quality", {})
    for key in ("vae", "dcgan"):
        if key in q:
            ratio = q[key].get("ratio")
            out.append(f"| course {key.upper()} reaches the anchor's quality in <= "
                       f"{targets['time_to_quality_ratio']:.2f} x its time | ratio "
                       f"{_fmt(ratio, '', 3)} | "
                       f"{_met(None if ratio is None else ratio <= targets['time_to_quality_ratio'])} |")
    inter = r.get("interactivity", {}).get("latent_explorer")
    if inter:
        out.append(f"| latent-explorer update < {targets['explorer_median_ms']:.0f} ms median | "
                   f"{_fmt(inter['median_ms'], ' ms')} | "
                   f"{_met(inter['median_ms'] < targets['explorer_median_ms'])} |")
    if "startup" in r:
        out += ["", f"Start-up (fresh kernel to the end of the Setup cell, median of "
                    f"{len(r['startup']['runs_s'])}): {_fmt(r['startup']['median_s'], ' s')}."]
    out += _suite_section(r)
    if nbs:
        profiles = [p for p in ("ci", "class", "live", "full") if p in nbs]
        names = sorted({n for p in profiles for n in nbs[p]})
        out += ["", "## Notebook runs (Restart & Run All)", "",
                "| notebook | " + " | ".join(f"{p} time | {p} peak memory" for p in profiles) + " |",
                "|---|" + "---|---|" * len(profiles)]
        for n in names:
            cells = []
            for p in profiles:
                v = nbs[p].get(n, {})
                err = " (error)" if v.get("error") else ""
                cells += [_fmt(v.get("wall_s"), " s") + err, _fmt(v.get("kernel_peak_mb"), " MB", 0)]
            out.append(f"| {n} | " + " | ".join(cells) + " |")
        errors = [(p, n, v["error"]) for p in profiles for n, v in nbs[p].items() if v.get("error")]
        for p, n, e in errors:
            out.append(f"\n- {n} in `{p}` failed: `{e[:200]}`")
    if r.get("interactivity"):
        out += ["", "## Interactivity", "", "| update | median | 95th percentile | samples |",
                "|---|---|---|---|"]
        for name, v in r["interactivity"].items():
            out.append(f"| {name} | {_fmt(v['median_ms'], ' ms')} | {_fmt(v['p95_ms'], ' ms')} "
                       f"| {v['n']} |")
    if q:
        out += ["", "## Time to quality against the tutorial configurations", ""]
        for key, v in q.items():
            out.append(f"### {key.upper()}")
            out.append("")
            out.append(v.get("description", ""))
            out.append("")
            out.append("| model | seconds to the anchor's quality | quality reached | note |")
            out.append("|---|---|---|---|")
            for row in v.get("rows", []):
                out.append(f"| {row['model']} | {_fmt(row.get('seconds'), ' s', 0)} | "
                           f"{row.get('quality', 'n/a')} | {row.get('note', '')} |")
            out.append("")
    notes_file = notes_file or Path(__file__).with_name("NOTES.md")
    if notes_file.is_file():
        notes = notes_file.read_text(encoding="utf-8").strip()
        if not notes.startswith("## "):  # the notes may bring their own heading
            notes = f"{NOTES_HEADING}\n\n{notes}"
        out += ["", notes]
    return "\n".join(merge_sections(out)) + "\n"


def merge_sections(lines: list[str]) -> list[str]:
    """The document with every ``## `` heading once: a repeated heading's text is appended to
    the first section of that name (in the order the sections first appear)."""
    head: list[str] = []
    chunks: dict[str, list[list[str]]] = {}
    current: list[str] = head
    for line in "\n".join(lines).split("\n"):
        if line.startswith("## "):
            current = []
            chunks.setdefault(line.strip(), []).append(current)
        else:
            current.append(line)

    def trimmed(chunk: list[str]) -> list[str]:
        start = next((i for i, x in enumerate(chunk) if x.strip()), len(chunk))
        end = max((i + 1 for i, x in enumerate(chunk) if x.strip()), default=start)
        return chunk[start:end]

    merged = trimmed(head)
    for heading, parts in chunks.items():
        body = []
        for part in filter(None, map(trimmed, parts)):
            body += ([""] if body else []) + part
        merged += ["", heading, "", *body]
    return merged


def _executions(counts: dict | None) -> dict[str, str]:
    if not counts:
        return {}
    return {stem: f"{c['notebook']}" + (f" + {c['student']} student" if c["student"] else "")
            for stem, c in counts.items() if stem != "other"}


def _suite_section(r: dict) -> list[str]:
    """Before/after of the test run: time, CPU, load, executions per notebook, slowest tests."""
    runs = [(label, r[key]) for label, key in (("before", "suite_before"), ("after", "suite"))
            if isinstance(r.get(key), dict) and r[key].get("wall_s") is not None]
    if not runs:
        return []
    out = ["", "## Test run (`make test`), before and after", "",
           "Wall time of the pytest command on this machine; CPU time is every process the run "
           "started (pytest, its workers, kernels, JupyterLab, Chromium), which depends less on "
           "other load. *Kernels per notebook* counts every kernel that ran the notebook's "
           "setup cell, whoever started it (`tests/executed.py`, counter).", "",
           "| | " + " | ".join(label for label, _ in runs) + " |",
           "|---|" + "---|" * len(runs)]

    def row(name, fn):
        out.append(f"| {name} | " + " | ".join(fn(v) for _, v in runs) + " |")

    row("command", lambda v: f"`{v.get('command', '')}`")
    row("measured", lambda v: f"{v.get('date', '?')}, {v.get('commit', '?')}")
    row("wall time", lambda v: _fmt(v.get("wall_s"), " s", 0))
    row("CPU time, all processes", lambda v: _fmt(v.get("cpu_s"), " s", 0))
    row("load average at start (1, 5, 15 min)",
        lambda v: ", ".join(f"{x:.1f}" for x in v.get("load_before", [])) or "n/a")
    row("result", lambda v: " ".join(v.get("summary", [])).strip("= ") or "n/a")
    per = [(label, _executions(v.get("executions"))) for label, v in runs]
    stems = sorted({s for _, e in per for s in e})
    if stems:
        out += ["", "Kernels per notebook in one run (a student version run on its own counts "
                "as *student*; a student version replayed in its notebook's kernel does not "
                "start one):", "",
                "| notebook | " + " | ".join(label for label, _ in per) + " |",
                "|---|" + "---|" * len(per)]
        for stem in stems:
            out.append(f"| {stem} | " + " | ".join(e.get(stem, "n/a") for _, e in per) + " |")
    ci = r.get("fresh_ci", {})
    if ci.get("steps"):
        out += ["", f"Fresh-clone CI, `bash .ci/run` on a copy of the checkout without .venv "
                f"({ci.get('date', '?')}, {ci.get('commit', '?')}, load "
                f"{', '.join(f'{x:.1f}' for x in ci.get('load_before', []))}): "
                f"{_fmt(ci.get('wall_s'), ' s', 0)} in all, "
                f"{' '.join(ci.get('summary', [])).strip('= ') or 'no test summary'}.", "",
                "| step | seconds |", "|---|---:|"]
        out += [f"| {st['step']} | {st['seconds']} |" for st in ci["steps"]]
    for label, v in runs:
        slowest = v.get("slowest") or []
        if slowest:
            out += ["", f"Slowest {len(slowest)} test phases, {label}:", "",
                    "| seconds | phase | test |", "|---:|---|---|"]
            out += [f"| {t['seconds']:.1f} | {t['phase']} | `{t['test']}` |" for t in slowest]
    return out
