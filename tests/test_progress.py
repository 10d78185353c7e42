"""course_utils.progress: the snapshot recorder behind 07's training histories, the time budget
and the quiet progress bar."""

import numpy as np
import pytest

import course_utils  # noqa: F401  (quiet TensorFlow import)
from course_utils import progress


def test_snapshot_every_spreads_the_snapshots():
    assert progress.snapshot_every(200, 8) == 25
    assert progress.snapshot_every(5, 8) == 1
    assert progress.snapshot_every(10, 0) == 10


def _tiny_fit(callbacks, steps=6):
    import keras

    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    x, y = np.ones((steps * 2, 3), "float32"), np.zeros((steps * 2, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=1, verbose=0, callbacks=callbacks)
    return model


def test_snapshot_recorder_rows_hold_step_losses_and_measures():
    class Count(progress.SnapshotRecorder):
        def measure(self):
            return {"weights": float(np.sum(self.model.layers[0].get_weights()[0]))}

    rec = Count(every=2)
    _tiny_fit([rec])
    history = rec.history()
    np.testing.assert_array_equal(history["step"], [2, 4, 6])
    assert set(history) == {"step", "loss", "weights"} and history["loss"].shape == (3,)
    assert progress.SnapshotRecorder(every=3).history() == {}


def test_time_budget_stops_training_and_refuses_nonsense():
    budget = progress.TimeBudget(1e-9)
    _tiny_fit([budget])
    assert budget.steps_done == 1
    with pytest.raises(ValueError, match="positive"):
        progress.TimeBudget(0)


def test_snapshot_count_is_a_replayable_history_except_in_ci():
    from course_utils import config

    assert [progress.snapshot_count(config.PROFILES[p]) for p in ("class", "full", "ci")] \
        == [8, 8, 2]


def test_run_plan_fills_in_profile_seed_steps_and_snapshots():
    from course_utils import config

    ci, cls = config.PROFILES["ci"], config.PROFILES["class"]
    assert progress.run_plan(cls, 3, None, 200, None) == (cls, 3, 200, 8)
    assert progress.run_plan(ci, 3, None, 200, None) == (ci, 3, 4, 2)
    assert progress.run_plan(ci, 3, None, 60, None) == (ci, 3, 2, 2)  # at least `minimum`
    assert progress.run_plan(ci, 3, None, 200, None, minimum=20)[2] == 20
    assert progress.run_plan(ci, None, 7, 200, 5)[1:] == (config.resolve_seed(), 7, 5)
    with pytest.raises(ValueError, match="steps"):
        progress.run_plan(ci, 0, 0, 200, None)
