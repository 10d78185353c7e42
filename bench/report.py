"""Render bench/results.json as BENCHMARKS.md (every number comes from the results file)."""

from __future__ import annotations

from pathlib import Path


def _fmt(v, unit="", digits=1):
    return "n/a" if v is None else f"{v:.{digits}f}{unit}"


def _met(ok) -> str:
    return "n/a" if ok is None else ("met" if ok else "**missed**")


def render(r: dict, targets: dict) -> str:
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
    out.append(f"| whole `ci` test run < {targets['suite_s']:.0f} s | {_fmt(s, ' s', 0)} | "
               f"{_met(None if s is None else s < targets['suite_s'])} |")
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
    notes_file = Path(__file__).with_name("NOTES.md")
    if notes_file.is_file():
        out += ["", "## Notes on missed targets and limits", "",
                notes_file.read_text(encoding="utf-8").strip()]
    return "\n".join(out) + "\n"
