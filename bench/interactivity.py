"""Latency probes for the widgets (used by ``bench/run.py``): each probe is a function of a
counter that performs one user-visible update, exactly as a slider move would."""

from __future__ import annotations

import numpy as np


def _latent_explorer_probe():
    import course_utils
    from course_utils import checkpoints, pretrained, vae
    from course_utils.widgets import nb05 as widgets

    course_utils.setup(seed=0, quiet=True)
    try:
        model = pretrained.load("vae_2d")[0]
    except checkpoints.CheckpointError:
        model = vae.build_vae(latent_dim=2)  # same decoder cost, untrained weights
    explorer = widgets.latent_explorer(vae.make_decoder_fn(model), extent=3.0)
    points = np.random.default_rng(0).uniform(-2.5, 2.5, size=(1000, 2))

    def move(i: int) -> None:  # one slider move: decode + redraw
        z0, z1 = points[i % len(points)]
        explorer.set_point(float(z0), float(z1))

    return move


def _gan_playback_probe():
    from course_utils import gan
    from course_utils.widgets import nb06 as widgets

    run = gan.train_toy_gan(steps=400, record_every=5, seed=0)
    player = widgets.toy_gan_player(run)

    def step(i: int) -> None:  # one playback step to a frame not drawn before
        player.frames.clear()
        player.show(i % player.n_frames)

    return step


def probes() -> dict:
    return {"latent_explorer": _latent_explorer_probe(), "gan_playback_step": _gan_playback_probe()}
