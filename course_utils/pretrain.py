"""Train every pretrained model the notebooks load in the ``live`` profile (``python -m
course_utils.pretrain``).

Each module that owns costly models (``models``, ``vae``, ``gan``) exposes
``PRETRAINED: dict[name, train_fn]`` where ``train_fn(profile) -> (model, metrics)``, and may
expose ``EVALUATE: dict[name, eval_fn]`` where ``eval_fn(model) -> metrics`` recomputes the
recorded metrics on a fixed evaluation set. For every model this command seeds everything,
trains it in the ``full`` profile, saves ``data/checkpoints/<name>.keras`` atomically and
records the run in ``data/checkpoints/manifest.json`` (architecture, command, seed, library
versions, training time, metrics). ``--verify`` reloads each checkpoint in safe mode and
checks its metrics against the manifest.
"""

from __future__ import annotations

import argparse
import importlib
import platform
import sys
import time
from collections.abc import Callable

from course_utils import checkpoints, config

DEFAULT_SEED = 42
RELATIVE_TOLERANCE = 0.02  # recorded metrics must reproduce within 2 %


def registry() -> dict[str, tuple[str, Callable]]:
    """All pretrainable models: name -> (module name, train function)."""
    found: dict[str, tuple[str, Callable]] = {}
    for mod_name in checkpoints.MODEL_MODULES:
        mod = importlib.import_module(mod_name)
        for name, fn in getattr(mod, "PRETRAINED", {}).items():
            if name in found:
                raise ValueError(f"checkpoint name {name!r} is registered twice")
            found[name] = (mod_name, fn)
    return found


def evaluator(name: str) -> Callable | None:
    """The function that re-measures checkpoint ``name`` (None when its module has none)."""
    mod_name, _ = registry()[name]
    return getattr(importlib.import_module(mod_name), "EVALUATE", {}).get(name)


def _architecture(model) -> dict:
    return {"class": type(model).__name__, "parameters": int(model.count_params()),
            "layers": [layer.name for layer in model.layers][:40]}


def pretrain(names: list[str] | None = None, profile_name: str = "full",
             seed: int = DEFAULT_SEED, save: bool = True) -> dict:
    """Train and save the named models (all when ``names`` is None); return manifest entries.

    ``save=False`` trains without touching the checkpoints or the manifest (used by
    :func:`reproduce`)."""
    import keras
    import tensorflow as tf

    import course_utils

    reg = registry()
    unknown = sorted(set(names or []) - set(reg))
    if unknown:
        raise ValueError(f"unknown checkpoint(s) {unknown}; known: {sorted(reg)}")
    profile = config.PROFILES[profile_name]
    entries = {}
    for name in names or sorted(reg):
        mod_name, train_fn = reg[name]
        course_utils.setup(seed=seed, quiet=True)
        t0 = time.perf_counter()
        model, metrics = train_fn(profile)
        seconds = time.perf_counter() - t0
        if not save:
            entries[name] = {"metrics": {k: float(v) for k, v in metrics.items()},
                             "train_seconds": round(seconds, 1)}
            continue
        path = checkpoints.save_model_atomic(model, checkpoints.checkpoint_path(name))
        entry = {
            "file": f"data/checkpoints/{path.name}",
            "module": mod_name,
            "architecture": _architecture(model),
            "command": f"python -m course_utils.pretrain --only {name} --profile {profile_name}",
            "profile": profile_name,
            "seed": seed,
            "versions": {"python": platform.python_version(), "tensorflow": tf.__version__,
                         "keras": keras.__version__},
            "machine": f"{platform.machine()}, {platform.system()}",
            "train_seconds": round(seconds, 1),
            "size_bytes": path.stat().st_size,
            "metrics": {k: float(v) for k, v in metrics.items()},
        }
        checkpoints.update_manifest(name, entry)
        entries[name] = entry
        print(f"{name}: {seconds:.0f} s, {path.stat().st_size / 1e6:.2f} MB, {entry['metrics']}",
              flush=True)
    return entries


def verify(names: list[str] | None = None, rtol: float = RELATIVE_TOLERANCE) -> list[str]:
    """Reload checkpoints in safe mode and re-measure them; return a list of problems."""
    import course_utils

    manifest = checkpoints.read_manifest()
    problems = []
    for name in names or sorted(registry()):
        if name not in manifest:
            problems.append(f"{name}: not in the manifest (run the pretrain command)")
            continue
        course_utils.setup(seed=DEFAULT_SEED, quiet=True)
        model = checkpoints.load_pretrained(name)
        evaluate = evaluator(name)
        if evaluate is None:
            continue
        measured = evaluate(model)
        for key, value in measured.items():
            recorded = manifest[name]["metrics"].get(key)
            if recorded is None:
                continue
            if abs(value - recorded) > rtol * max(abs(recorded), 1e-6):
                problems.append(f"{name}: {key} is {value:.4g}, manifest says {recorded:.4g}")
    return problems


def reproduce(names: list[str], rtol: float = RELATIVE_TOLERANCE) -> list[str]:
    """Retrain the named models exactly as the manifest says (profile, seed) without saving,
    and compare the metrics reached with the recorded ones; return a list of problems."""
    manifest = checkpoints.read_manifest()
    problems = []
    for name in names:
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
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--list", action="store_true", help="list the checkpoint names")
    parser.add_argument("--verify", action="store_true", help="re-measure saved checkpoints")
    parser.add_argument("--reproduce", action="store_true",
                        help="retrain --only models without saving; compare with the manifest")
    args = parser.parse_args(argv)
    if args.list:
        for name, (mod, _) in sorted(registry().items()):
            print(f"{name:24s} {mod}")
        return 0
    if args.reproduce:
        problems = reproduce(args.only or sorted(registry()))
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
