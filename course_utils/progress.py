"""A progress bar for training, as a Keras callback (introduced in ``04_autoencoders``).

In a notebook it is a small ipywidgets bar that updates in place: steps done, time left and
the current loss. In a terminal (``python -m course_utils.pretrain``) it is one line rewritten
in place on stderr. In the ``ci`` profile it stays quiet. It never prints Keras log lines.

Also the pieces every trainer of ``07_gan_variants`` shares: :func:`run_plan` (profile, seed,
steps and snapshot count of a run), :func:`snapshot_every` and :class:`SnapshotRecorder`.
"""

from __future__ import annotations

import sys
import time

import keras

from course_utils import config

UPDATE_SECONDS = 0.5  # redraw at most twice a second


def _in_notebook() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return False
    shell = get_ipython()
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _format_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    return f"{s // 60}:{s % 60:02d}"


class TrainingProgress(keras.callbacks.Callback):
    """Shows ``label``, the steps done out of all steps, the time left and the latest value
    of ``metric`` (the first logged metric when ``None``) while ``fit`` runs.

    ``quiet=None`` means: quiet in the ``ci`` profile, visible otherwise.
    """

    def __init__(self, label: str = "training", metric: str | None = None,
                 quiet: bool | None = None):
        super().__init__()
        self.label = label
        self.metric = metric
        self.quiet = config.get_profile().name == "ci" if quiet is None else bool(quiet)
        self.total = self.done = 0
        self._start = self._last = 0.0
        self._widget = None
        self.last_text = ""

    def on_train_begin(self, logs=None):
        params = self.params or {}
        self.total = int((params.get("epochs") or 1) * (params.get("steps") or 0))
        self.done = 0
        self._start = self._last = time.perf_counter()
        if not self.quiet and _in_notebook():
            import ipywidgets as w
            from IPython.display import display

            bar = w.IntProgress(min=0, max=max(1, self.total), layout=w.Layout(width="260px"))
            self._widget = w.HBox([bar, w.HTML()])
            display(self._widget)

    def on_train_batch_end(self, batch, logs=None):
        self.done += 1
        now = time.perf_counter()
        if now - self._last >= UPDATE_SECONDS or self.done == self.total:
            self._last = now
            self._show(logs or {}, now)

    def on_train_end(self, logs=None):
        self._show(logs or {}, time.perf_counter(), final=True)

    def text(self, logs: dict, now: float, final: bool = False) -> str:
        """The line shown: label, steps, elapsed/left time and the tracked value."""
        elapsed = now - self._start
        left = elapsed / self.done * (self.total - self.done) if self.done else 0.0
        key = self.metric or next(iter(logs), None)
        value = f", {key} {float(logs[key]):.4g}" if key in logs else ""
        timing = f"{_format_seconds(elapsed)} in all" if final else \
            f"{_format_seconds(elapsed)} elapsed, {_format_seconds(left)} left"
        return f"{self.label}: step {self.done}/{self.total} ({timing}{value})"

    def _show(self, logs: dict, now: float, final: bool = False) -> None:
        self.last_text = self.text(logs, now, final)
        if self.quiet:
            return
        if self._widget is not None:
            bar, label = self._widget.children
            bar.value = min(self.done, bar.max)
            label.value = self.last_text
            if final:
                bar.bar_style = "success"
        elif not _in_notebook():
            end = "\n" if final else ""
            print("\r" + self.last_text.ljust(100), end=end, file=sys.stderr, flush=True)


class TimeBudget(keras.callbacks.Callback):
    """Stops ``fit`` once ``seconds`` of training have passed (``07_gan_variants``: two models
    compared at equal training time). ``steps_done`` says how far it got."""

    def __init__(self, seconds: float):
        super().__init__()
        if not seconds > 0:
            raise ValueError(f"seconds must be positive, got {seconds!r}")
        self.seconds = float(seconds)
        self.steps_done = 0
        self._start = 0.0

    def on_train_begin(self, logs=None):
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.steps_done += 1
        if time.perf_counter() - self._start >= self.seconds:
            self.model.stop_training = True


def run_plan(profile, seed, steps, class_steps: int, n_snapshots, minimum: int = 2):
    """``(profile, seed, steps, n_snapshots)`` of one training run of ``07_gan_variants``, each
    filled in when ``None``: the active profile; the session's seed; ``class_steps`` scaled by
    the profile (at least ``minimum``: in ``ci`` two steps, one per snapshot, prove the code
    path; more would only add eager steps of up to a second each); the snapshots of
    :func:`snapshot_count`. A given ``steps`` must be a positive int."""
    from course_utils.helpers import check_int

    profile = profile or config.get_profile()
    seed = config.resolve_seed(seed)
    steps = (profile.steps(class_steps, minimum=minimum) if steps is None
             else check_int(steps, "steps", 1))
    if n_snapshots is None:
        n_snapshots = snapshot_count(profile)
    return profile, seed, steps, n_snapshots


def snapshot_count(profile=None) -> int:
    """Snapshots a recorded training run takes by default: 8 (a replayable history) in
    ``class``-sized runs, 2 in ``ci`` (just the code path; each costs a judge pass)."""
    profile = profile or config.get_profile()
    return 8 if profile.epoch_scale >= 1 else 2


def snapshot_every(steps: int, n_snapshots: int) -> int:
    """Steps between snapshots so that ``steps`` steps give about ``n_snapshots`` of them."""
    return max(1, int(steps) // max(1, int(n_snapshots)))


class SnapshotRecorder(keras.callbacks.Callback):
    """A training history in snapshots (the trainers of ``07_gan_variants``).

    Every ``every`` steps it appends a row: ``step``, the model's tracked losses (their means
    since the previous row; the trackers are then reset) and what :meth:`measure` returns.
    :meth:`history` stacks the rows into arrays, one per key, ready for
    ``checkpoints.save_history``."""

    def __init__(self, every: int):
        super().__init__()
        self.every = max(1, int(every))
        self.step = 0
        self.rows: list[dict] = []

    def on_train_batch_end(self, batch, logs=None):
        self.step += 1
        if self.step % self.every:
            return
        row = {"step": self.step, **{k: float(v) for k, v in (logs or {}).items()}}
        for tracker in self.model.metrics:
            tracker.reset_state()
        row.update(self.measure())
        self.rows.append(row)

    def measure(self) -> dict:
        """The measures of one snapshot; subclasses say what they record."""
        return {}

    def history(self) -> dict:
        import numpy as np

        if not self.rows:
            return {}
        return {k: np.stack([np.asarray(r[k]) for r in self.rows]) for k in self.rows[0]}
