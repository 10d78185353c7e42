"""Widgets of ``04_autoencoders``: the code-size switcher and the denoising explorer.

Both compute every reconstruction once, when they are built, from autoencoders that are already
trained; moving a slider only looks up stored images and cached pictures (no training, no
prediction). ``from course_utils.widgets import nb04 as widgets``.
"""

from __future__ import annotations

import numpy as np

from course_utils import autoencoders
from course_utils.helpers import as_images
from course_utils.widgets.base import FramePlayer, image_rows_png

__all__ = ["DENOISING_LEVELS", "CodeSizeSwitcher", "DenoisingExplorer", "code_size_switcher",
           "denoising_explorer", "image_rows_png"]

DENOISING_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


def _check_models(models: dict, what: str) -> None:
    if not isinstance(models, dict) or not models:
        raise ValueError(f"{what} must be a non-empty dict of trained autoencoders")
    for key, model in models.items():
        if not callable(model):
            raise TypeError(f"{what}[{key!r}] must be a Keras model (callable on images), "
                            f"got {type(model).__name__}")


class CodeSizeSwitcher(FramePlayer):
    """Switch between autoencoders of different code sizes (``04_autoencoders``).

    ``models`` maps a code size to an already trained autoencoder; ``images`` are a few test
    images in [0, 1]; ``test_mse`` (optional) maps a code size to its error on the whole test
    set. ``shown`` is the code size on screen; ``reconstructions`` and ``errors`` (per image)
    hold every code size's results, computed once.
    """

    key_name = "code_size"

    def __init__(self, models: dict, images, test_mse: dict | None = None):
        _check_models(models, "autoencoders")
        self.images = as_images(images, "images")
        self.sizes = sorted(int(k) for k in models)
        self.reconstructions = {int(k): autoencoders.reconstruct(m, self.images)
                                for k, m in models.items()}
        self.errors = {k: np.mean((r - self.images) ** 2, axis=(1, 2))
                       for k, r in self.reconstructions.items()}
        self.test_mse = {int(k): float(v) for k, v in (test_mse or {}).items()}
        super().__init__(self.sizes, start=self.sizes[len(self.sizes) // 2],
                         description="code size", width_px=None)

    def caption_for(self, key: int) -> str:
        text = (f"code size <b>{key}</b>: MSE on these {len(self.images)} images "
                f"<b>{self.errors[key].mean():.4f}</b>")
        if key in self.test_mse:
            text += f"; on the whole test set <b>{self.test_mse[key]:.4f}</b>"
        return text

    def draw(self, key: int) -> bytes:
        recon = self.reconstructions[key]
        return image_rows_png(
            {"original": self.images, f"code size {key}": recon,
             "|error|": np.abs(recon - self.images)},
            title=f"Reconstructions from a {key}-number code (MSE {self.errors[key].mean():.4f})")


def code_size_switcher(models: dict, images, test_mse: dict | None = None) -> CodeSizeSwitcher:
    """Build a :class:`CodeSizeSwitcher` (``04_autoencoders``); display it in a cell."""
    return CodeSizeSwitcher(models, images, test_mse)


class DenoisingExplorer(FramePlayer):
    """A noise-level slider over fixed test images (``04_autoencoders``).

    For every level in ``noise_levels`` the images get Gaussian noise of that standard
    deviation (the same pattern, scaled, clipped to [0, 1]: :func:`autoencoders.add_noise`) and
    every autoencoder in ``models`` (name -> trained model) cleans them, all at build time.
    The picture shows the clean images, the noisy input, each model's output and the absolute
    error of the last model's output; ``shown`` is the noise level on screen.
    """

    key_name = "level"

    def __init__(self, models: dict, images, noise_levels=DENOISING_LEVELS, seed: int = 0):
        _check_models(models, "autoencoders")
        try:
            levels = [round(float(s), 4) for s in noise_levels]
        except (TypeError, ValueError):
            raise ValueError(f"noise_levels must be numbers >= 0, got {noise_levels!r}") from None
        if not levels or min(levels) < 0 or len(set(levels)) != len(levels):
            raise ValueError(f"noise_levels must be distinct numbers >= 0, got {noise_levels!r}")
        self.levels = sorted(levels)
        self.images = as_images(images, "images")
        self.names = [str(k) for k in models]
        n = len(self.images)
        self.noisy = {s: autoencoders.add_noise(self.images, s, seed=seed) for s in self.levels}
        stacked = np.concatenate([self.noisy[s] for s in self.levels])
        self.outputs: dict[str, dict[float, np.ndarray]] = {}
        for name, model in zip(self.names, models.values(), strict=True):
            out = autoencoders.reconstruct(model, stacked)  # one prediction per model
            self.outputs[name] = {s: out[i * n:(i + 1) * n] for i, s in enumerate(self.levels)}
        super().__init__(self.levels, start=self.levels[len(self.levels) // 2],
                         description="noise std", width_px=None)

    def mse(self, level: float) -> dict[str, float]:
        """MSE against the clean images of the noisy input and of every model's output."""
        level = self._canonical(level)
        row = {"noisy input": float(np.mean((self.noisy[level] - self.images) ** 2))}
        for name in self.names:
            row[name] = float(np.mean((self.outputs[name][level] - self.images) ** 2))
        return row

    def caption_for(self, key: float) -> str:
        parts = [f"{name} <b>{value:.4f}</b>" for name, value in self.mse(key).items()]
        return f"noise std <b>{key:g}</b>; MSE against the clean images: " + ", ".join(parts)

    def draw(self, key: float) -> bytes:
        rows = {"clean": self.images, "noisy input": self.noisy[key]}
        rows.update({name: self.outputs[name][key] for name in self.names})
        last = self.names[-1]
        rows[f"|error| {last}"] = np.abs(self.outputs[last][key] - self.images)
        return image_rows_png(rows, title=f"Gaussian noise with standard deviation {key:g}")


def denoising_explorer(models: dict, images, noise_levels=DENOISING_LEVELS,
                       seed: int = 0) -> DenoisingExplorer:
    """Build a :class:`DenoisingExplorer` (``04_autoencoders``); display it in a cell."""
    return DenoisingExplorer(models, images, noise_levels, seed)
