"""The pretrained registry and its files: every entry is present, small, recorded in the manifest
with its sha256, loads in safe mode and reproduces its metrics; `get` caches and `live` loads;
retraining with the same seed leaves files alone and other seeds change the weights; bad files
give clear errors."""

import json

import numpy as np
import pytest

import course_utils
from course_utils import checkpoints, config, gan, pretrain, pretrained
from course_utils.config import CHECKPOINT_DIR, Profile

MANIFEST = checkpoints.read_manifest()
REGISTERED = sorted(pretrained.REGISTRY)
WITH_MODEL = [n for n in REGISTERED if pretrained.REGISTRY[n].has_model]
TINY = Profile(name="tiny", budget="tests", description="a few hundred images",
               train_size=200, test_size=100, epoch_scale=0.05)
LIVE = Profile(name="live", budget="", description="", train_size=200, test_size=100,
               epoch_scale=0.05, use_pretrained=True)


def test_every_registered_model_has_its_files_and_a_manifest_entry():
    missing = [n for n in WITH_MODEL
               if not checkpoints.checkpoint_path(n).is_file() or n not in MANIFEST]
    missing += [n for n in REGISTERED if n not in WITH_MODEL
                and not checkpoints.history_path(n).is_file()]
    assert not missing, f"run `python -m course_utils.pretrain --only {' '.join(missing)}`"


def test_manifest_records_how_each_file_was_made():
    for name in REGISTERED:
        entry = MANIFEST[name]
        for key in ("command", "seed", "profile", "versions", "train_seconds", "notebook"):
            assert key in entry, f"{name}: manifest lacks {key}"
        assert f"--seed {entry['seed']}" in entry["command"]
        if name in WITH_MODEL:
            assert entry["metrics"] and "architecture" in entry, name
            assert entry["file"]["sha256"] == checkpoints.file_sha256(
                checkpoints.checkpoint_path(name)), f"{name}: file differs from the manifest"


def test_files_stay_small():
    total = sum(p.stat().st_size for p in CHECKPOINT_DIR.iterdir() if p.is_file())
    assert total < 50 * 2**20, f"checkpoints and histories take {total / 2**20:.1f} MiB (limit 50)"


@pytest.mark.parametrize("name", REGISTERED)
def test_files_match_the_manifest_and_reproduce_recorded_metrics(name):
    problems = pretrain.verify([name])
    assert not problems, problems


def test_verify_notices_a_changed_or_missing_file(tmp_path):
    f = tmp_path / "x.keras"
    f.write_bytes(b"weights")
    entry = {"file": {"path": str(f), "sha256": checkpoints.file_sha256(f)}}
    assert checkpoints.verify_files("x", entry) == []
    f.write_bytes(b"tampered")
    assert "sha256" in checkpoints.verify_files("x", entry)[0]
    f.unlink()
    assert "missing" in checkpoints.verify_files("x", entry)[0]


def test_get_trains_once_per_session_and_follows_the_session_seed():
    course_utils.setup(seed=1, quiet=True)
    first = pretrained.get("ae_overcomplete", TINY)
    assert pretrained.get("ae_overcomplete", TINY) is first  # cached, not retrained
    other = pretrained.get("ae_overcomplete", TINY, seed=2)
    assert not np.allclose(first[0].get_weights()[0], other[0].get_weights()[0])
    config.set_seed(2)
    assert pretrained.get("ae_overcomplete", TINY) is other  # the session's seed is the key
    course_utils.setup(seed=config.DEFAULT_SEED, quiet=True)


def test_live_loads_instead_of_training():
    model, history = pretrained.get("ae_overcomplete", LIVE)
    assert model is pretrained.get("ae_overcomplete", LIVE)[0]
    assert "loss" in history and len(history["loss"]) >= 1

    def never():
        raise AssertionError("live must not train")

    assert pretrained.get_or_train("ae_overcomplete", never, LIVE)[0] is model
    run = pretrained.get("toy_gan_fast_g_r1", LIVE)  # a history-only entry replays its run
    assert run.model is None and len(run.record["step"]) > 10
    assert run.extras["coverage"].n_modes == 8


def test_get_or_train_calls_the_notebooks_function_outside_live():
    calls = []
    assert pretrained.get_or_train("vae_2d", lambda: calls.append(1) or "mine", TINY) == "mine"
    assert pretrained.get_or_train("vae_2d", lambda: calls.append(1) or "mine", TINY) == "mine"
    assert calls == [1, 1]  # every time: a changed model class is trained afresh
    with pytest.raises(KeyError, match="known"):
        pretrained.get("stylegan_xl", TINY)


def test_pretrain_same_seed_leaves_files_alone_other_seed_changes_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(checkpoints, "CHECKPOINT_DIR", tmp_path)
    monkeypatch.setattr(checkpoints, "MANIFEST", tmp_path / "manifest.json")
    monkeypatch.setattr(pretrain, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(checkpoints, "checkpoint_path", lambda name: tmp_path / f"{name}.keras")
    monkeypatch.setattr(checkpoints, "history_path",
                        lambda name: tmp_path / f"{name}.history.npz")
    pretrain.pretrain(["ae_overcomplete"], "ci", seed=1)
    path = tmp_path / "ae_overcomplete.keras"
    first_bytes, first_time = path.read_bytes(), path.stat().st_mtime_ns
    pretrain.pretrain(["ae_overcomplete"], "ci", seed=1)
    assert path.read_bytes() == first_bytes and path.stat().st_mtime_ns == first_time
    weights_1 = checkpoints.load_checkpoint(path).get_weights()
    pretrain.pretrain(["ae_overcomplete"], "ci", seed=2)
    weights_2 = checkpoints.load_checkpoint(path).get_weights()
    assert not np.allclose(weights_1[0], weights_2[0])
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["ae_overcomplete"]["seed"] == 2
    assert "--seed 2" in manifest["ae_overcomplete"]["command"]


def test_missing_checkpoint_names_file_and_command(tmp_path):
    with pytest.raises(checkpoints.CheckpointError) as err:
        checkpoints.load_checkpoint(tmp_path / "nothing.keras", name="vae_2d")
    msg = str(err.value)
    assert "nothing.keras" in msg and "python -m course_utils.pretrain --only vae_2d" in msg


def test_corrupt_files_name_file_and_command(tmp_path):
    bad = tmp_path / "broken.keras"
    bad.write_bytes(b"this is not a zip archive")
    with pytest.raises(checkpoints.CheckpointError, match="corrupt") as err:
        checkpoints.load_checkpoint(bad)
    assert "broken.keras" in str(err.value) and "pretrain" in str(err.value)
    history = tmp_path / "x.history.npz"
    history.write_bytes(b"not an npz")
    with pytest.raises(checkpoints.CheckpointError, match="corrupt"):
        checkpoints.load_history(history)


def test_histories_hold_plain_arrays_only(tmp_path):
    path = tmp_path / "h.history.npz"
    assert checkpoints.save_history({"loss": [3.0, 2.0]}, path)
    assert not checkpoints.save_history({"loss": [3.0, 2.0]}, path)  # same arrays: untouched
    assert checkpoints.load_history(path)["loss"].tolist() == [3.0, 2.0]
    with pytest.raises(TypeError, match="objects"):
        checkpoints.save_history({"bad": np.array([{}], dtype=object)}, path)


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
    """--reproduce rebuilds from what the manifest records: the quickest entry to retrain (the
    3-D shape classifier of 07, about 10 s), retrained with the recorded profile and seed, lands
    on its recorded metrics. `python -m course_utils.pretrain --reproduce` does every entry."""
    assert not pretrain.reproduce(["voxel_classifier"])


@pytest.mark.parametrize("name, trainer", [("dcgan", "train_dcgan"), ("cgan", "train_cgan")])
@pytest.mark.parametrize("profile, batch", [("class", gan.BATCH_SIZE),
                                            ("full", gan.FULL_BATCH_SIZE)])
def test_image_gan_recipe_per_profile(monkeypatch, name, trainer, profile, batch):
    """The notebooks train on batches of 64; the registry's ``full`` run keeps the recipe of
    the shipped generators (batches of 128, DCGAN_FULL_STEPS / CGAN_FULL_STEPS steps)."""
    seen = {}
    steps_at = 1 if name == "dcgan" else 2  # train_dcgan(x, steps, ...), train_cgan(x, y, steps,
    monkeypatch.setattr(gan, trainer, lambda *a, **kw: seen.update(steps=a[steps_at], **kw))
    monkeypatch.setattr(pretrained.data, "course_data", lambda **kw: (
        np.zeros((4, 28, 28), "float32"), np.zeros(4, "int64"),
        np.zeros((2, 28, 28), "float32"), np.zeros(2, "int64")))
    pretrained.REGISTRY[name].train(config.PROFILES[profile], 0, [])
    assert seen["batch_size"] == batch
    full_steps = gan.DCGAN_FULL_STEPS if name == "dcgan" else gan.CGAN_FULL_STEPS
    class_steps = gan.DCGAN_CLASS_STEPS if name == "dcgan" else gan.CGAN_CLASS_STEPS
    assert seen["steps"] == (full_steps if profile == "full" else class_steps)
