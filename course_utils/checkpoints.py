"""Train-or-load, atomic checkpoint writes and the pretrained registry.

Introduced in ``03`` / ``04_autoencoders``. Checkpoints are ``.keras`` files under
``data/checkpoints`` and are always loaded with ``safe_mode=True``. The manifest
``data/checkpoints/manifest.json`` records how each one was made and what it reached.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

from course_utils.config import CHECKPOINT_DIR

REGENERATE_HINT = "Regenerate it with `python -m course_utils.pretrain --only {name}`."
MANIFEST = CHECKPOINT_DIR / "manifest.json"


class CheckpointError(RuntimeError):
    """A checkpoint is missing, corrupt or does not match what the notebook expects."""


def checkpoint_path(name: str) -> Path:
    """Where the pretrained checkpoint ``name`` lives (``data/checkpoints/<name>.keras``)."""
    if not name or "/" in name or name.startswith("."):
        raise ValueError(f"checkpoint names are plain file stems, got {name!r}")
    return CHECKPOINT_DIR / f"{name}.keras"


def save_model_atomic(model, path: str | os.PathLike) -> Path:
    """Save a Keras model as ``.keras`` so that the final file is either complete or absent.

    Writes to a temporary file in the same folder, then renames it into place.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise ValueError(f"save checkpoints as .keras files, got {path.name!r}")
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
    return path


def write_json_atomic(data: dict, path: str | os.PathLike) -> Path:
    """Write ``data`` as pretty JSON, atomically."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".json")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)
        fh.write("\n")
    os.chmod(tmp, 0o644)
    os.replace(tmp, path)
    return path


# The modules that own the course's trainable models (and any custom Keras classes).
MODEL_MODULES = ("course_utils.models", "course_utils.vae", "course_utils.gan")


def _register_custom_objects() -> None:
    """Import the modules whose custom Keras classes checkpoints may contain."""
    import importlib

    for mod in MODEL_MODULES:
        module = importlib.import_module(mod)
        # Modules that define their Keras classes lazily (to keep imports light) expose
        # register(), which defines and registers them.
        register = getattr(module, "register", None)
        if callable(register):
            register()


def load_checkpoint(path: str | os.PathLike, name: str | None = None, compile: bool = False):
    """Load a ``.keras`` checkpoint with ``safe_mode=True``, with clear errors.

    A missing or corrupt file raises :class:`CheckpointError` naming the file and the
    command that regenerates it.
    """
    import keras

    _register_custom_objects()

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
        raise CheckpointError(f"checkpoint {path} could not be loaded ({exc}). {hint}") from exc


def read_manifest() -> dict:
    """The pretrained manifest (empty dict when none has been written yet)."""
    if not MANIFEST.is_file():
        return {}
    with open(MANIFEST, encoding="utf-8") as fh:
        return json.load(fh)


def load_pretrained(name: str, compile: bool = False):
    """Load the committed pretrained model ``name`` (``live`` profile)."""
    return load_checkpoint(checkpoint_path(name), name=name, compile=compile)


def update_manifest(name: str, entry: dict) -> Path:
    """Record (or replace) the manifest entry of checkpoint ``name``, atomically."""
    manifest = read_manifest()
    manifest[name] = entry
    return write_json_atomic(manifest, MANIFEST)


_SESSION_CACHE: dict[str, object] = {}


def train_or_load(
    name: str,
    train_fn: Callable[[], object],
    use_pretrained: bool | None = None,
    cache: bool = True,
):
    """Return a model: from this session's cache, from the pretrained checkpoint (when the
    profile says so), or by calling ``train_fn()`` (``04_autoencoders``).

    Re-running a cell or moving a widget never retrains: the result is cached per ``name``.
    """
    from course_utils.config import get_profile

    if cache and name in _SESSION_CACHE:
        return _SESSION_CACHE[name]
    if use_pretrained is None:
        use_pretrained = get_profile().use_pretrained
    model = load_pretrained(name) if use_pretrained else train_fn()
    if cache:
        _SESSION_CACHE[name] = model
    return model


def clear_session_cache() -> None:
    """Forget models cached by :func:`train_or_load` in this session."""
    _SESSION_CACHE.clear()
