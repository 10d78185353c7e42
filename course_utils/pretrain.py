"""Train, verify and reproduce the pretrained checkpoints (``python -m course_utils.pretrain``;
introduced in ``04_autoencoders``).

For every entry of :data:`course_utils.pretrained.REGISTRY` (all, or those named with
``--only``) this command seeds everything with the entry's seed (or ``--seed``), trains it in the
``full`` profile, and saves ``data/checkpoints/<name>.keras`` and its recorded training history
``<name>.history.npz`` atomically. A file whose content would not change (same weights, same
history) is left untouched, so rerunning with the same seed does not rewrite the repository.
The manifest ``data/checkpoints/manifest.json`` records, per name, the command, profile, seed,
library versions, training time, metrics and every file's sha256.

``--verify`` checks every file against its recorded sha256, reloads each checkpoint in safe
mode and re-measures it; ``--reproduce`` retrains without saving and compares the metrics
reached with the manifest.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import course_utils

course_utils.import_tensorflow()  # before the model modules load it: no C++ start-up banner

from course_utils import checkpoints, config  # noqa: E402
from course_utils.config import REPO_ROOT  # noqa: E402
from course_utils.pretrained import REGISTRY, entry  # noqa: E402

RELATIVE_TOLERANCE = 0.02  # recorded metrics must reproduce within 2 %


def _file_record(path) -> dict:
    return {"path": str(path.relative_to(REPO_ROOT)), "sha256": checkpoints.file_sha256(path),
            "bytes": path.stat().st_size}


def _architecture(model) -> dict:
    return {"class": type(model).__name__, "parameters": int(model.count_params()),
            "layers": [layer.name for layer in model.layers][:40]}


def _names(names: list[str] | None) -> list[str]:
    unknown = sorted(set(names or []) - set(REGISTRY))
    if unknown:
        raise ValueError(f"unknown checkpoint(s) {unknown}; known: {sorted(REGISTRY)}")
    return list(names or sorted(REGISTRY))


def _train(name: str, profile_name: str, seed: int):
    e = entry(name)
    profile = config.PROFILES[profile_name]
    course_utils.setup(seed=seed, quiet=True)
    from course_utils.progress import TrainingProgress

    t0 = time.perf_counter()
    result = e.train(profile, seed, [TrainingProgress(f"{name} ({profile_name}, seed {seed})")])
    seconds = time.perf_counter() - t0
    model, history = e.save(result)
    metrics = {k: float(v) for k, v in e.evaluate(model).items()} if e.has_model else {}
    return model, history, metrics, seconds


def pretrain(names: list[str] | None = None, profile_name: str = "full",
             seed: int | None = None, save: bool = True) -> dict:
    """Train and save the named entries (all when ``names`` is None); return their manifest
    entries. ``seed=None`` uses each entry's own seed. ``save=False`` trains without touching
    any file (used by :func:`reproduce`)."""
    import keras
    import tensorflow as tf

    entries = {}
    for name in _names(names):
        run_seed = entry(name).seed if seed is None else seed
        model, history, metrics, seconds = _train(name, profile_name, run_seed)
        record = {"profile": profile_name, "seed": run_seed, "metrics": metrics,
                  "train_seconds": round(seconds, 1)}
        if not save:
            entries[name] = record
            continue
        record["notebook"] = entry(name).notebook
        record["command"] = (f"python -m course_utils.pretrain --only {name} "
                             f"--profile {profile_name} --seed {run_seed}")
        record["versions"] = {"python": platform.python_version(),
                              "tensorflow": tf.__version__, "keras": keras.__version__}
        record["machine"] = f"{platform.machine()}, {platform.system()}, {os.cpu_count()} CPUs"
        changed = []
        if model is not None:
            path = checkpoints.checkpoint_path(name)
            if checkpoints.save_model_atomic(model, path):
                changed.append(path.name)
            record["file"] = _file_record(path)
            record["architecture"] = _architecture(model)
        if history:
            path = checkpoints.history_path(name)
            if checkpoints.save_history(history, path):
                changed.append(path.name)
            record["history"] = _file_record(path)
        old = checkpoints.read_manifest().get(name, {})
        if not changed and old.get("seed") == run_seed:
            record["train_seconds"] = old.get("train_seconds", record["train_seconds"])
        checkpoints.update_manifest(name, record)
        entries[name] = record
        print(f"{name}: {seconds:.0f} s, {'wrote ' + ', '.join(changed) if changed else 'files unchanged'}"
              f", {metrics}", flush=True)
    return entries


def verify(names: list[str] | None = None, rtol: float = RELATIVE_TOLERANCE) -> list[str]:
    """Check files against the manifest's sha256, reload checkpoints in safe mode and
    re-measure them; return a list of problems (empty when all is well)."""
    manifest = checkpoints.read_manifest()
    problems = []
    for name in _names(names):
        if name not in manifest:
            problems.append(f"{name}: not in the manifest (run the pretrain command)")
            continue
        problems += checkpoints.verify_files(name, manifest[name])
        e = entry(name)
        if not e.has_model or problems:
            continue
        course_utils.setup(seed=e.seed, quiet=True)
        model = checkpoints.load_checkpoint(checkpoints.checkpoint_path(name), name=name)
        for key, value in e.evaluate(model).items():
            recorded = manifest[name]["metrics"].get(key)
            if recorded is not None and abs(value - recorded) > rtol * max(abs(recorded), 1e-6):
                problems.append(f"{name}: {key} is {value:.4g}, manifest says {recorded:.4g}")
    return problems


def reproduce(names: list[str], rtol: float = RELATIVE_TOLERANCE) -> list[str]:
    """Retrain the named entries exactly as the manifest says (profile, seed) without saving,
    and compare the metrics reached with the recorded ones; return a list of problems."""
    manifest = checkpoints.read_manifest()
    problems = []
    for name in _names(names):
        if name not in manifest:
            problems.append(f"{name}: not in the manifest")
            continue
        rec = manifest[name]
        got = pretrain([name], rec["profile"], rec["seed"], save=False)[name]["metrics"]
        for key, recorded in rec["metrics"].items():
            value = got.get(key)
            if value is None or abs(value - recorded) > rtol * max(abs(recorded), 1e-6):
                problems.append(f"{name}: retraining gave {key}={value}, manifest says {recorded}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Train the course's pretrained checkpoints.")
    parser.add_argument("--only", nargs="*", help="checkpoint names (default: all)")
    parser.add_argument("--profile", default="full", choices=sorted(config.PROFILES))
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for every named model (default: each entry's own seed)")
    parser.add_argument("--list", action="store_true", help="list the checkpoint names")
    parser.add_argument("--verify", action="store_true", help="check and re-measure saved files")
    parser.add_argument("--reproduce", action="store_true",
                        help="retrain --only models without saving; compare with the manifest")
    args = parser.parse_args(argv)
    if args.list:
        for name, e in sorted(REGISTRY.items()):
            print(f"{name:24s} {e.notebook:36s} seed {e.seed}")
        return 0
    if args.reproduce:
        problems = reproduce(args.only or sorted(REGISTRY))
        print("\n".join(problems) if problems else "retraining reproduces the recorded metrics")
        return 1 if problems else 0
    if args.verify:
        problems = verify(args.only)
        print("\n".join(problems) if problems else "all checkpoints reproduce their metrics")
        return 1 if problems else 0
    pretrain(args.only, args.profile, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
