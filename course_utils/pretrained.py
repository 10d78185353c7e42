"""The pretrained registry: every model a notebook trains on screen, by name
(introduced in ``04_autoencoders``).

One table, :data:`REGISTRY`, maps a name to an :class:`Entry`: how to train it for a profile and
seed, what to save (a Keras model and/or a recorded history), how to turn saved files back into
what the trainer returned, and how to re-measure it. The judge is an entry like every other.

Notebooks use two functions:

- :func:`get`: the course's model ``name``, trained by its registered trainer with the
  session's seed, or, in the ``live`` profile, loaded from ``data/checkpoints`` with its recorded
  history. Cached for the session, so re-running a cell or moving a widget never retrains.
- :func:`get_or_train`: the same in ``live``; in other profiles it calls the ``train``
  function the notebook passes (for example one that trains the VAE class you wrote), every
  time the cell runs.

``python -m course_utils.pretrain`` (:mod:`course_utils.pretrain`) trains the entries in the
``full`` profile, saves them and records them in the manifest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from course_utils import (
    aging,
    autoencoders,
    checkpoints,
    config,
    cyclegan,
    data,
    gan,
    judge,
    progress,
    stylegan,
    vae,
    voxels,
)
from course_utils.config import DEFAULT_SEED, Profile
from course_utils.helpers import cached


@dataclass(frozen=True)
class Entry:
    """One pretrained model.

    ``train(profile, seed, callbacks)`` (``callbacks=None``: the trainer's own progress bar)
    returns what the notebook works with (a
    ``(model, history)`` pair, or a :class:`course_utils.gan.GANRun`); ``save(result)`` gives
    ``(keras model or None, history dict or None)`` to write; ``replay(model, history)`` turns
    the saved files back into what ``train`` returned; ``evaluate(model)`` re-measures the saved
    model (``--verify``). ``seed`` is the seed its checkpoint is trained with by default.
    """

    notebook: str
    train: Callable
    save: Callable
    replay: Callable
    evaluate: Callable | None = None
    seed: int = DEFAULT_SEED

    @property
    def has_model(self) -> bool:
        return self.evaluate is not None


# ---------------------------------------------------------------- how each family is stored


def _pair_save(lean: Callable) -> Callable:
    return lambda result: (lean(result[0]), result[1])


def _pair_replay(model, history):
    return model, history


def _run_save(result):
    return result.generator, result.history()


def _run_replay(model, history):
    return gan.GANRun.from_history(history, model=model)


def _toy_save(result):
    return None, result.history()


def _autoencoder(code_size: int, kind: str = "dense", **kwargs) -> Entry:
    def train(profile, seed, callbacks):
        return autoencoders.train_autoencoder(code_size, kind, profile, seed,
                                              callbacks=callbacks, **kwargs)

    return Entry("04_autoencoders", train, _pair_save(autoencoders.without_optimizer),
                 _pair_replay, autoencoders.evaluate)


def _overcomplete() -> Entry:
    def train(profile, seed, callbacks):
        return autoencoders.train_overcomplete(profile, seed, callbacks=callbacks)

    return Entry("04_autoencoders", train, _pair_save(autoencoders.without_optimizer),
                 _pair_replay, autoencoders.evaluate)


def _vae(**kwargs) -> Entry:
    def train(profile, seed, callbacks):
        return vae.train_course_vae(profile, seed, callbacks=callbacks, **kwargs)

    return Entry("05_variational_autoencoders", train, _pair_save(vae.without_optimizer_state),
                 _pair_replay, vae.evaluate)


def _image_gan(conditional: bool) -> Entry:
    def train(profile, seed, callbacks):
        x, y, x_te, y_te = data.course_data(scale="symmetric", profile=profile)
        n_ref = min(len(x_te), 1000)
        ref = data.from_symmetric(x_te[:n_ref])
        if profile.name == "full":  # the pretrained generators train much longer than class
            steps = gan.CGAN_FULL_STEPS if conditional else gan.DCGAN_FULL_STEPS
            batch = gan.FULL_BATCH_SIZE
        else:
            steps = profile.steps(gan.CGAN_CLASS_STEPS if conditional else gan.DCGAN_CLASS_STEPS)
            batch = gan.BATCH_SIZE
        if conditional:
            return gan.train_cgan(x, y, steps, ref, y_te[:n_ref], batch_size=batch, seed=seed,
                                  callbacks=callbacks)
        return gan.train_dcgan(x, steps, ref, batch_size=batch, seed=seed, callbacks=callbacks)

    evaluate = gan.evaluate_cgan if conditional else gan.evaluate_dcgan
    notebook = "07_gan_variants" if conditional else "06_generative_adversarial_networks"
    return Entry(notebook, train, _run_save, _run_replay, evaluate)


TOY_STEPS = 2000  # the toy games of notebook 06 (the same in every profile but ``ci``)
TOY_GAMES = {  # name -> (model class, learning rate of D, of G, extra model arguments)
    "toy_gan_plain": (gan.GAN, 1e-3, 1e-3, {}),
    "toy_gan_fast_g": (gan.GAN, 2.5e-4, 2e-3, {}),
    "toy_gan_fast_g_r1": (gan.R1GAN, 2.5e-4, 2e-3, {"r1_weight": 10.0}),
}


def toy_game_steps(profile: Profile) -> tuple[int, int]:
    """``(steps, record_every)`` of the toy games in ``profile``: full length except in ``ci``
    (they take seconds and are the lesson)."""
    steps = TOY_STEPS if profile.name != "ci" else profile.steps(TOY_STEPS)
    return steps, max(5, steps // 100)


def _toy_game(name: str) -> Entry:
    model_class, lr_d, lr_g, kwargs = TOY_GAMES[name]

    def train(profile, seed, callbacks):
        steps, every = toy_game_steps(profile)
        return gan.train_toy_gan(steps, lr_d, lr_g, model_class, record_every=every, seed=seed,
                                 callbacks=callbacks, **kwargs)

    return Entry("06_generative_adversarial_networks", train, _toy_save, _run_replay)


def _full_steps(profile: Profile, module) -> int | None:
    """The pretrained length of a notebook-07 model in ``full``; its class length otherwise."""
    return module.FULL_STEPS if profile.name == "full" else None


def _cyclegan(cycle_weight: float) -> Entry:
    def train(profile, seed, callbacks):
        return cyclegan.train_cyclegan(profile, seed, steps=_full_steps(profile, cyclegan),
                                       callbacks=callbacks, cycle_weight=cycle_weight)

    return Entry("07_gan_variants", train, _pair_save(cyclegan.inference_copy), _pair_replay,
                 cyclegan.evaluate_cyclegan)


def _stylegan() -> Entry:
    """StyleGAN, and (in the same run, straight after) the DCGAN trained for as long: the two
    Frechet distances at equal training time that notebook 07 compares."""

    def train(profile, seed, callbacks):
        model, history = stylegan.train_stylegan(profile, seed, steps=_full_steps(profile, stylegan),
                                                 callbacks=callbacks)
        seconds = float(history["train_seconds"])
        x, _, x_te, _ = data.course_data(scale="symmetric", profile=profile)
        budget = progress.TimeBudget(seconds)
        run = gan.train_dcgan(x, 10**6, data.from_symmetric(x_te[:500]), record_every=10**6,
                              seed=seed, callbacks=[budget])
        history["dcgan_same_time_fd"] = np.asarray(gan.evaluate_dcgan(run.generator)["judge_fd"])
        history["dcgan_same_time_steps"] = np.asarray(budget.steps_done)
        return model, history

    return Entry("07_gan_variants", train, _pair_save(stylegan.inference_copy), _pair_replay,
                 stylegan.evaluate_stylegan)


def _voxels() -> Entry:
    def train(profile, seed, callbacks):
        return voxels.train_voxels(profile, seed, steps=_full_steps(profile, voxels),
                                   callbacks=callbacks)

    return Entry("07_gan_variants", train, _pair_save(voxels.inference_copy), _pair_replay,
                 voxels.evaluate_voxels)


def _voxel_classifier() -> Entry:
    def train(profile, seed, callbacks):
        model, accuracy = voxels.train_shape_classifier(seed=seed)
        return model, {"held_out_accuracy": np.asarray(accuracy)}

    return Entry("07_gan_variants", train, lambda r: r, _pair_replay,
                 voxels.evaluate_shape_classifier, seed=voxels.CLASSIFIER_SEED)


def _aging() -> Entry:
    def train(profile, seed, callbacks):
        return aging.train_aging(profile, seed, steps=_full_steps(profile, aging),
                                 callbacks=callbacks)

    return Entry("07_gan_variants", train, lambda r: r, _pair_replay, aging.evaluate_aging)


def _judge() -> Entry:
    def train(profile, seed, callbacks):
        return judge.train(profile, seed, callbacks=callbacks)

    return Entry("06_generative_adversarial_networks", train, lambda r: r, _pair_replay,
                 judge.evaluate, seed=judge.SEED)


REGISTRY: dict[str, Entry] = {
    **{f"ae_dense_{k}": _autoencoder(k) for k in autoencoders.CODE_SIZES},
    f"ae_conv_{autoencoders.MAIN_CODE_SIZE}": _autoencoder(autoencoders.MAIN_CODE_SIZE, "conv"),
    "ae_overcomplete": _overcomplete(),
    f"dae_dense_{autoencoders.MAIN_CODE_SIZE}": _autoencoder(
        autoencoders.MAIN_CODE_SIZE, noise_std=autoencoders.DENOISING_STD),
    f"ae_dense_{autoencoders.MAIN_CODE_SIZE}_normal": _autoencoder(
        autoencoders.MAIN_CODE_SIZE, normal_only=True),
    **{vae.checkpoint_name(b): _vae(beta=b) for b in vae.BETA_VALUES},
    vae.ANOMALY_CHECKPOINT: _vae(latent_dim=vae.ANOMALY_LATENT_DIM, normal_only=True),
    "dcgan": _image_gan(conditional=False),
    "cgan": _image_gan(conditional=True),
    **{name: _toy_game(name) for name in TOY_GAMES},
    "cyclegan": _cyclegan(cyclegan.CYCLE_WEIGHT),
    "cyclegan_no_cycle": _cyclegan(0.0),
    "stylegan": _stylegan(),
    "voxel_vae": _voxels(),
    voxels.CLASSIFIER_NAME: _voxel_classifier(),
    "aging": _aging(),
    judge.JUDGE_NAME: _judge(),
}


def entry(name: str) -> Entry:
    """The registry entry ``name``; an unknown name is an error that lists the known ones."""
    if name not in REGISTRY:
        raise KeyError(f"no pretrained model named {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return REGISTRY[name]


def load(name: str):
    """What the trainer of ``name`` returned, rebuilt from the committed checkpoint and recorded
    history (loaded in safe mode once per session)."""
    e = entry(name)

    def read():
        model = checkpoints.load_checkpoint(checkpoints.checkpoint_path(name), name=name) \
            if e.has_model else None
        path = checkpoints.history_path(name)
        history = checkpoints.load_history(path, name) if path.is_file() or not e.has_model \
            else {}
        return e.replay(model, history)

    return cached(("pretrained", name), read)


def get(name: str, profile: Profile | None = None, seed: int | None = None):
    """The course's model ``name``: loaded from its checkpoint in the ``live`` profile, else
    trained by its registered trainer (``profile``'s size, ``seed`` or the session's seed),
    once per session. Returns what the trainer returns, e.g. ``(model, history)``."""
    e = entry(name)
    profile = profile or config.get_profile()
    if profile.use_pretrained:
        return load(name)
    seed = config.resolve_seed(seed)
    return cached(("trained", name, profile.name, seed),
                  lambda: e.train(profile, seed, None))


def get_or_train(name: str, train: Callable[[], object], profile: Profile | None = None):
    """In the ``live`` profile the pretrained ``name`` (:func:`load`); otherwise ``train()``,
    called every time (so a changed model class is trained afresh). ``train`` must return
    what ``name``'s registered trainer returns."""
    entry(name)
    profile = profile or config.get_profile()
    return load(name) if profile.use_pretrained else train()


def recorded_metrics(name: str) -> dict[str, float]:
    """The metrics the pretrained ``name`` reached, as the manifest records them (measured by
    its ``evaluate`` when it was trained; ``python -m course_utils.pretrain --verify``
    re-measures them). Notebooks quote them where measuring again would cost a lecture's
    time."""
    entry(name)
    record = checkpoints.read_manifest().get(name)
    if record is None:
        raise checkpoints.CheckpointError(f"{name} is not in the manifest yet. "
                                          + checkpoints.REGENERATE_HINT.format(name=name))
    return dict(record.get("metrics", {}))
