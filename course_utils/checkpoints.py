"""Checkpoint files: save atomically, load in safe mode, record and verify them
(introduced in ``04_autoencoders``).

Checkpoints are ``.keras`` files under ``data/checkpoints`` and are only ever loaded with
``safe_mode=True``. Next to a checkpoint may lie its recorded training history,
``<name>.history.npz`` (plain NumPy arrays, loaded with ``allow_pickle=False``). The manifest
``data/checkpoints/manifest.json`` records how each file was made, what it reached and its
sha256. This module knows nothing about the models themselves: :mod:`course_utils.pretrained`
says which model each name is and how to train it.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from course_utils.config import CHECKPOINT_DIR
from course_utils.helpers import write_json_atomic

REGENERATE_HINT = "Regenerate it with `python -m course_utils.pretrain --only {name}`."
MANIFEST = CHECKPOINT_DIR / "manifest.json"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt or does not match what the notebook expects."""


def checkpoint_path(name: str) -> Path:
    """Where the checkpoint ``name`` lives (``data/checkpoints/<name>.keras``)."""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise ValueError(f"checkpoint names are plain file stems, got {name!r}")
    return CHECKPOINT_DIR / f"{name}.keras"


def history_path(name: str) -> Path:
    """Where the recorded training history of ``name`` lives (``<name>.history.npz``)."""
    return checkpoint_path(name).with_suffix(".history.npz")


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file's bytes (the manifest lists one per checkpoint and history)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def weights_sha256(model) -> str:
    """A fingerprint of a model's class and weights (shapes and values), not of the file that
    holds them: ``.keras`` archives carry a save date, and layer names in the config count up
    within a session, so two saves of the same weights differ as files."""
    digest = hashlib.sha256(type(model).__name__.encode())
    for w in model.get_weights():
        arr = np.ascontiguousarray(w)
        digest.update(str((arr.dtype.str, arr.shape)).encode())
        digest.update(arr.tobytes())
    return digest.hexdigest()


def _same_model_on_disk(model, path: Path) -> bool:
    if not path.is_file():
        return False
    try:
        old = load_checkpoint(path)
    except CheckpointError:
        return False
    return weights_sha256(old) == weights_sha256(model)


def save_model_atomic(model, path: str | os.PathLike, keep_identical: bool = True) -> bool:
    """Save a Keras model as ``.keras`` so that the file is either complete or absent.

    Writes to a temporary file in the same folder, then renames it into place. With
    ``keep_identical`` (the default) an existing file that already holds the same architecture
    and weights is left untouched, so retraining with the same seed does not rewrite (and
    re-commit) an unchanged checkpoint. Returns ``True`` when the file was written.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"save checkpoints as .keras files, got {path.name!r}")
    if keep_identical and _same_model_on_disk(model, path):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".keras")
    os.close(fd)
    try:
        model.save(tmp)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; checkpoints are shared read-only data
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def load_checkpoint(path: str | os.PathLike, name: str | None = None, compile: bool = False):
    """Load a ``.keras`` checkpoint with ``safe_mode=True``, with clear errors.

    A missing or corrupt file raises :class:`CheckpointError` naming the file and the command
    that regenerates it. Custom classes must be registered first, which importing their module
    does (:mod:`course_utils.pretrained` imports them all).
    """
    import keras

    path = Path(path)
    name = name or path.stem
    hint = REGENERATE_HINT.format(name=name)
    if path.suffix != ".keras":
        raise CheckpointError(f"{path} is not a .keras file; the course only loads .keras. {hint}")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist. {hint}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(f"checkpoint {path} is corrupt (not a valid .keras archive). {hint}")
    try:
        return keras.saving.load_model(path, compile=compile, safe_mode=True)
    except Exception as exc:  # noqa: BLE001 - any failure here means a bad file
        raise CheckpointError(f"checkpoint {path} could not be loaded ({exc}). If it names an "
                              "unknown class, import the module that defines it. "
                              f"{hint}") from exc


# ---------------------------------------------------------------- recorded histories


def save_history(history: dict, path: str | os.PathLike) -> bool:
    """Write a training history (name -> NumPy array) as ``.npz``, atomically; an existing file
    with the same arrays is left untouched. Returns ``True`` when the file was written."""
    path = Path(path)
    arrays = {str(k): np.asarray(v) for k, v in history.items()}
    bad = [k for k, v in arrays.items() if v.dtype == object]
    if bad:
        raise TypeError(f"history entries must be numeric or string arrays, not objects: {bad}")
    if path.is_file():
        old = load_history(path)
        if old.keys() == arrays.keys() and all(
                old[k].dtype == v.dtype and np.array_equal(old[k], v) for k, v in arrays.items()):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".npz")
    os.close(fd)
    try:
        np.savez_compressed(tmp, **arrays)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def load_history(path: str | os.PathLike, name: str | None = None) -> dict[str, np.ndarray]:
    """A recorded training history as a dict of arrays (no pickles are ever loaded)."""
    path = Path(path)
    hint = REGENERATE_HINT.format(name=name or path.name.split(".")[0])
    if not path.is_file():
        raise CheckpointError(f"recorded history {path} does not exist. {hint}")
    try:
        with np.load(path, allow_pickle=False) as npz:
            return {k: npz[k] for k in npz.files}
    except Exception as exc:  # noqa: BLE001 - any failure here means a bad file
        raise CheckpointError(f"recorded history {path} is corrupt ({exc}). {hint}") from exc


# ---------------------------------------------------------------- the manifest


def read_manifest() -> dict:
    """The pretrained manifest (empty dict when none has been written yet)."""
    if not MANIFEST.is_file():
        return {}
    with open(MANIFEST, encoding="utf-8") as fh:
        return json.load(fh)


def update_manifest(name: str, entry: dict) -> Path:
    """Record (or replace) the manifest entry of checkpoint ``name``, atomically."""
    manifest = read_manifest()
    manifest[name] = entry
    return write_json_atomic(manifest, MANIFEST)


def verify_files(name: str, entry: dict) -> list[str]:
    """Problems with the files the manifest lists for ``name`` (missing, or a sha256 that is not
    the recorded one); an empty list when every file is as recorded."""
    problems = []
    for key in ("file", "history"):
        record = entry.get(key)
        if not record:
            continue
        path = CHECKPOINT_DIR.parent.parent / record["path"]
        if not path.is_file():
            problems.append(f"{name}: {record['path']} is missing")
        elif file_sha256(path) != record["sha256"]:
            problems.append(f"{name}: {record['path']} does not match its recorded sha256")
    return problems
