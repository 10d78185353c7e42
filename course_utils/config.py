"""Run profiles, seeds and paths (introduced in ``00_start_here``).

One environment variable, ``COURSE_PROFILE``, picks how much work every notebook does.
It is read once, the first time :func:`get_profile` is called, and can be re-read with
``get_profile(refresh=True)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_VAR = "COURSE_PROFILE"
DEFAULT_PROFILE = "class"
DEFAULT_SEED = 42
SEED_ENV_VAR = "COURSE_SEED"  # overrides the seed a notebook passes to setup()

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT / "data"
CHECKPOINT_DIR = DATA_DIR / "checkpoints"
NOTEBOOK_DIR = REPO_ROOT / "notebooks"


@dataclass(frozen=True)
class Profile:
    """How much work a notebook does.

    ``train_size``/``test_size`` are the Fashion-MNIST subset sizes (``None`` = all),
    ``epoch_scale`` multiplies the epoch and step counts written in the notebooks
    (which are sized for ``class``), and ``use_pretrained`` makes notebooks load the
    checkpoints in ``data/checkpoints`` instead of training.
    """

    name: str
    budget: str
    description: str
    train_size: int | None
    test_size: int | None
    epoch_scale: float
    use_pretrained: bool = False

    def epochs(self, n_class: int) -> int:
        """Epochs to run for a fit that takes ``n_class`` epochs in the ``class`` profile."""
        return max(1, round(n_class * self.epoch_scale))

    def steps(self, n_class: int, minimum: int = 20) -> int:
        """Training steps for a loop that takes ``n_class`` steps in the ``class`` profile."""
        return max(minimum, round(n_class * self.epoch_scale))

    def size(self, n_class: int, minimum: int = 100) -> int:
        """Sample count for an experiment that uses ``n_class`` samples in ``class``."""
        return max(minimum, round(n_class * min(1.0, max(self.epoch_scale, 0.1))))


PROFILES: dict[str, Profile] = {
    "ci": Profile(
        name="ci",
        budget="whole course well under 5 minutes on 2 CPU cores",
        description="the least work that still runs every code path (CI, nbval)",
        train_size=3000,
        test_size=1000,
        # step counts at their floor (steps(): 20, the 07 trainers: 2), epochs at 1: tracing a
        # train_step costs more than the steps a code path needs
        epoch_scale=0.02,
    ),
    "class": Profile(
        name="class",
        budget="each notebook about 3 minutes or less on a 2-core laptop",
        description="real training sized for a laptop; pictures are clearly recognisable",
        train_size=20000,
        test_size=5000,
        epoch_scale=1.0,
    ),
    "full": Profile(
        name="full",
        budget="tens of minutes per model; produces the pretrained checkpoints",
        description="the training behind the checkpoints in data/checkpoints",
        train_size=None,
        test_size=None,
        epoch_scale=3.0,
    ),
    "live": Profile(
        name="live",
        budget="each notebook in seconds (about 30 s at most)",
        description="loads pretrained checkpoints instead of training (for presenting)",
        train_size=5000,
        test_size=2000,
        epoch_scale=0.05,
        use_pretrained=True,
    ),
}

_ACTIVE: Profile | None = None
_SEED: int = DEFAULT_SEED


def _check_seed(seed) -> int:
    if isinstance(seed, bool) or not hasattr(seed, "__index__") or int(seed) < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    return int(seed)


def set_seed(seed: int) -> int:
    """Make ``seed`` the session's seed: the default of every trainer's ``seed`` argument.
    :func:`course_utils.setup` calls it, so the seed a notebook passes to ``setup()`` reaches
    every model it trains (``00_start_here``)."""
    global _SEED
    _SEED = _check_seed(seed)
    return _SEED


def resolve_seed(seed: int | None = None) -> int:
    """``seed`` itself, or the session's seed (:func:`set_seed`) when it is ``None``.
    Every trainer calls this on its ``seed`` argument."""
    return _SEED if seed is None else _check_seed(seed)


def get_profile(refresh: bool = False) -> Profile:
    """Return the active :class:`Profile`, read from ``$COURSE_PROFILE`` (default ``class``).

    Raises ``ValueError`` naming the valid profiles when the variable holds anything else.
    """
    global _ACTIVE
    if _ACTIVE is None or refresh:
        raw = os.environ.get(ENV_VAR, DEFAULT_PROFILE)
        name = raw.strip().lower() or DEFAULT_PROFILE
        if name not in PROFILES:
            valid = ", ".join(PROFILES)
            raise ValueError(
                f"{ENV_VAR}={raw!r} is not a run profile. Valid profiles: {valid}. "
                f"Example: export {ENV_VAR}=class"
            )
        _ACTIVE = PROFILES[name]
    return _ACTIVE


def describe_profiles() -> str:
    """A small table of the profiles and their budgets (used in ``00_start_here``)."""
    rows = [f"{'profile':8} {'train':>7} {'test':>6} {'epochs x':>8}  budget"]
    for p in PROFILES.values():
        train = "all" if p.train_size is None else str(p.train_size)
        test = "all" if p.test_size is None else str(p.test_size)
        rows.append(f"{p.name:8} {train:>7} {test:>6} {p.epoch_scale:>8g}  {p.budget}")
    return "\n".join(rows)
