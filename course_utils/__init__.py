"""course_utils: the plumbing behind the generative modeling notebooks.

Importing the package is cheap (no TensorFlow); :func:`setup` is the one call every
notebook makes in its Setup cell.
"""

from __future__ import annotations

import os
import platform
import random
import sys

from course_utils.config import DEFAULT_SEED, SEED_ENV_VAR, Profile, get_profile, set_seed

__all__ = ["setup", "import_tensorflow", "get_profile", "Profile", "__version__"]
__version__ = "0.1.0"

_THREADS_SET = False


def import_tensorflow():
    """Import TensorFlow (and Keras) with the C++ start-up banner kept out of notebooks: the
    absl/oneDNN lines are written straight to file descriptor 2, which TF_CPP_MIN_LOG_LEVEL does
    not silence. :func:`setup` calls it; so does ``python -m course_utils.pretrain``. Import
    errors still raise normally. Returns the ``tensorflow`` module."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no real stderr file descriptor: import normally
        import tensorflow

        return tensorflow
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        import keras  # noqa: F401  (its TensorFlow backend loads the same libraries)
        import tensorflow
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tensorflow


def _configure_threads(n_threads: int | None) -> int:
    """Set TF's CPU thread pools once; later calls keep the first setting."""
    global _THREADS_SET
    import tensorflow as tf

    env = os.environ.get("COURSE_THREADS", "").strip()
    if env and not env.isdigit():
        raise ValueError(f"COURSE_THREADS must be a whole number of CPU threads, got {env!r}")
    n = n_threads or int(env or 0) or (os.cpu_count() or 1)
    if not _THREADS_SET:
        try:
            tf.config.threading.set_intra_op_parallelism_threads(n)
            tf.config.threading.set_inter_op_parallelism_threads(min(2, n))
        except RuntimeError:
            # TF already ran an op in this process; its pools can no longer change.
            pass
        _THREADS_SET = True
    return tf.config.threading.get_intra_op_parallelism_threads() or n


def setup(seed: int = DEFAULT_SEED, n_threads: int | None = None, quiet: bool = False) -> Profile:
    """Prepare a notebook: seeds, determinism, threads, quiet logs, plot style (``00_start_here``).

    Seeds Python, NumPy and Keras with ``seed`` and makes it the default ``seed`` of every
    trainer in ``course_utils`` (so a notebook's results follow the seed it passes here),
    turns on TensorFlow op determinism,
    sets the CPU thread pools (before the first TF op where possible), silences TF's C++
    logs, applies the course's matplotlib style and prints one line describing the run.
    Safe to call again (for example to re-seed before a second experiment). The environment
    variable ``COURSE_SEED`` overrides ``seed`` (to rerun a notebook unedited with another
    seed and see whether a result is robust or a lucky draw).
    Returns the active :class:`~course_utils.config.Profile`.
    """
    override = os.environ.get(SEED_ENV_VAR, "").strip()
    if override:  # e.g. COURSE_SEED=7: rerun a whole notebook with another seed, unedited
        if not override.isdigit():
            raise ValueError(f"{SEED_ENV_VAR}={override!r} must be a non-negative integer")
        seed = int(override)
    seed = set_seed(seed)  # the default seed of every trainer from now on
    profile = get_profile()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ["PYTHONHASHSEED"] = str(seed)

    import numpy as np

    tf = import_tensorflow()
    threads = _configure_threads(n_threads)
    import keras

    tf.get_logger().setLevel("ERROR")
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - students still call the legacy global API
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()

    from course_utils.plotting import use_house_style

    use_house_style()
    if not quiet:
        print(
            f"course_utils {__version__} | profile={profile.name} | seed={seed} | "
            f"Python {platform.python_version()} | TensorFlow {tf.__version__} | "
            f"Keras {keras.__version__} | {threads} CPU threads"
        )
    return profile
