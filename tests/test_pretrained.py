"""Pretrained checkpoints: present for every registered model, small, safe-mode loadable,
reproducing their recorded metrics; bad files give clear errors."""

import pytest

from course_utils import checkpoints, pretrain
from course_utils.config import CHECKPOINT_DIR

MANIFEST = checkpoints.read_manifest()
REGISTERED = sorted(pretrain.registry())


def test_every_registered_model_has_a_checkpoint_and_manifest_entry():
    assert REGISTERED, "no module registers pretrained models"
    missing = [n for n in REGISTERED
               if not checkpoints.checkpoint_path(n).is_file() or n not in MANIFEST]
    assert not missing, f"run `python -m course_utils.pretrain --only {' '.join(missing)}`"


def test_manifest_records_how_each_checkpoint_was_made():
    for name in REGISTERED:
        entry = MANIFEST[name]
        for key in ("command", "seed", "versions", "train_seconds", "metrics", "architecture"):
            assert key in entry, f"{name}: manifest lacks {key}"
        assert entry["metrics"], f"{name}: no metrics recorded"


def test_checkpoints_stay_small():
    total = sum(p.stat().st_size for p in CHECKPOINT_DIR.glob("*.keras"))
    assert total < 50 * 2**20, f"checkpoints take {total / 2**20:.1f} MiB (limit 50)"


@pytest.mark.parametrize("name", REGISTERED)
def test_checkpoint_reproduces_recorded_metrics(name):
    problems = pretrain.verify([name])
    assert not problems, problems


def test_missing_checkpoint_names_file_and_command(tmp_path):
    with pytest.raises(checkpoints.CheckpointError) as err:
        checkpoints.load_checkpoint(tmp_path / "nothing.keras", name="vae_2d")
    msg = str(err.value)
    assert "nothing.keras" in msg and "python -m course_utils.pretrain --only vae_2d" in msg


def test_corrupt_checkpoint_names_file_and_command(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    with pytest.raises(checkpoints.CheckpointError, match="corrupt") as err:
        checkpoints.load_checkpoint(bad)
    assert "broken.keras" in str(err.value) and "pretrain" in str(err.value)


def test_h5_is_refused(tmp_path):
    legacy = tmp_path / "old.h5"
    legacy.write_bytes(b"\x89HDF")
    with pytest.raises(checkpoints.CheckpointError, match=".keras"):
        checkpoints.load_checkpoint(legacy)


def test_atomic_save_leaves_no_partial_file(tmp_path):
    class Exploding:
        def save(self, path):
            with open(path, "wb") as fh:
                fh.write(b"half")
            raise OSError("disk full")

    target = tmp_path / "m.keras"
    with pytest.raises(OSError):
        checkpoints.save_model_atomic(Exploding(), target)
    assert not target.exists() and not list(tmp_path.iterdir())


def test_retraining_reproduces_the_recorded_metrics():
    """The pretrain command is reproducible: the smallest model, retrained, lands on its
    recorded metrics."""
    name = "ae_overcomplete"
    assert not pretrain.reproduce([name])
