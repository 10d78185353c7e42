"""Widgets of ``07_gan_variants``: the conditional GAN's class picker, the image GAN player of
notebook 06 (for replaying the conditional run) and the StyleGAN style mixer.

``from course_utils.widgets import nb07 as widgets``; then ``widgets.cgan_class_picker(...)``
and ``widgets.image_gan_player(cgan_run)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w
import numpy as np

from course_utils import gan
from course_utils.helpers import check_int
from course_utils.widgets.base import grid_image, png_bytes
from course_utils.widgets.nb06 import ImageGANPlayer, image_gan_player

__all__ = ["ClassPicker", "ImageGANPlayer", "StyleMixer", "cgan_class_picker", "image_gan_player",
           "style_mixer"]


class ClassPicker:
    """Conditional generation on demand (``07``): pick a class from a dropdown (and a draw
    number for fresh noise) and the trained conditional generator draws ``n`` images of it.

    ``classify(images) -> labels`` (for example the judge's argmax) adds how many of them it
    recognises as that class. State: ``shown`` (``(class index, draw)`` on screen), ``caption``
    (its ``.value`` is the caption) and ``last_images`` ``(n, 28, 28)``. Runs the generator
    only; never trains."""

    def __init__(self, generator, class_names: Sequence[str], n: int = 16,
                 classify: Callable | None = None, ncols: int = 8, scale: int = 3):
        if len(getattr(generator, "inputs", None) or []) != 2:
            raise TypeError("ClassPicker needs a conditional generator with inputs "
                            "[noise, label]")
        self.class_names = [str(c) for c in class_names]
        if not self.class_names:
            raise ValueError("class_names must name at least one class")
        if classify is not None and not callable(classify):
            raise TypeError(f"classify must be a function images -> labels, got "
                            f"{type(classify).__name__}")
        self.generator = generator
        self.n = check_int(n, "n", minimum=1)
        self.ncols = check_int(ncols, "ncols", minimum=1)
        self.scale = check_int(scale, "scale", minimum=1)
        self.classify = classify
        self.dropdown = w.Dropdown(options=[(name, i) for i, name in enumerate(self.class_names)],
                                   value=0, description="class")
        self.draw = w.IntSlider(value=0, min=0, max=99, description="draw",
                                continuous_update=False)
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.shown: tuple[int, int] | None = None
        self.last_images: np.ndarray | None = None
        for control in (self.dropdown, self.draw):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.dropdown, self.draw]), self.image, self.caption])
        self.update()

    def update(self) -> np.ndarray:
        """Generate ``n`` images of the chosen class and draw them; returns the images."""
        c, draw = int(self.dropdown.value), int(self.draw.value)
        images = gan.sample_images(self.generator, self.n, seed=draw, labels=np.full(self.n, c))
        self.image.value = png_bytes(grid_image(images, self.ncols), scale=self.scale)
        name = self.class_names[c]
        text = f"{self.n} generated <b>{name}</b> images (draw {draw})"
        if self.classify is not None:
            agree = int(np.sum(np.asarray(self.classify(images)) == c))
            text += f"; the judge recognises <b>{agree} of {self.n}</b> as {name}"
        self.caption.value = text
        self.shown = (c, draw)
        self.last_images = images
        return images

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def cgan_class_picker(generator, class_names: Sequence[str], **kwargs) -> ClassPicker:
    """Build a :class:`ClassPicker` for a conditional generator (``07``); display it."""
    return ClassPicker(generator, class_names, **kwargs)


class StyleMixer:
    """Mix two StyleGAN samples layer by layer (``07_gan_variants``): two sliders pick the
    noise of source A and of source B, and one toggle per style layer (7x7, 14x14, 28x28) says
    which source that layer's style comes from. Shows A, B and the mix; ``classify(images) ->
    labels`` (the judge's argmax) names what each one is. State: ``shown`` (``(draw A, draw B,
    sources)`` on screen), ``caption``, ``last_images`` (A, B, mix). Runs the synthesis network
    on three images per change; never trains."""

    def __init__(self, model, class_names: Sequence[str], classify: Callable | None = None,
                 scale: int = 4):
        from course_utils import stylegan

        if not isinstance(model, stylegan.StyleGAN):
            raise TypeError(f"StyleMixer needs a stylegan.StyleGAN, got {type(model).__name__}")
        if classify is not None and not callable(classify):
            raise TypeError("classify must be a function images -> labels")
        self.model, self.classify = model, classify
        self.class_names = [str(c) for c in class_names]
        self.scale = check_int(scale, "scale", minimum=1)
        self.draw_a = w.IntSlider(value=1, min=0, max=99, description="source A",
                                  continuous_update=False)
        self.draw_b = w.IntSlider(value=2, min=0, max=99, description="source B",
                                  continuous_update=False)
        self.layers = [w.ToggleButtons(options=["A", "B"], value="A" if i == 0 else "B",
                                       description=f"{r}x{r} style", style={
                                           "button_width": "40px"})
                       for i, r in enumerate(stylegan.RESOLUTIONS)]
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.shown = None
        self.last_images: np.ndarray | None = None
        for control in (self.draw_a, self.draw_b, *self.layers):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.draw_a, self.draw_b]), w.HBox(self.layers),
                              self.image, self.caption])
        self.update()

    def sources(self) -> tuple[str, ...]:
        """Which source ("A" or "B") each style layer takes, coarse to fine."""
        return tuple(t.value for t in self.layers)

    def update(self) -> np.ndarray:
        """Synthesize A, B and the mix for the controls' values; returns them ``(3, 28, 28)``."""
        from course_utils import stylegan

        a, b = int(self.draw_a.value), int(self.draw_b.value)
        z_a = stylegan.latents(self.model, 1, seed=a)
        z_b = stylegan.latents(self.model, 1, seed=b)
        w_a, w_b = stylegan.mapping(self.model, z_a), stylegan.mapping(self.model, z_b)
        pick = np.array([s == "A" for s in self.sources()])[None, :, None]
        mixed = np.where(pick, w_a[:, None, :], w_b[:, None, :])
        ws = np.concatenate([np.repeat(w_a[:, None], len(pick[0]), axis=1),
                             np.repeat(w_b[:, None], len(pick[0]), axis=1), mixed])
        images = stylegan.synthesize(self.model, ws, noise_seed=0)
        self.image.value = png_bytes(grid_image(images, 3), scale=self.scale)
        text = "A, B and the mix (" + ", ".join(
            f"{r}x{r} from {s}" for r, s in zip(stylegan.RESOLUTIONS, self.sources(),
                                                strict=True)) + ")"
        if self.classify is not None:
            names = [self.class_names[int(c)] for c in self.classify(images)]
            text += f": the judge sees <b>{names[0]}</b>, <b>{names[1]}</b> and <b>{names[2]}</b>"
        self.caption.value = text
        self.shown = (a, b, self.sources())
        self.last_images = images
        return images

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def style_mixer(model, class_names: Sequence[str], **kwargs) -> StyleMixer:
    """Build a :class:`StyleMixer` for a trained StyleGAN (``07_gan_variants``); display it."""
    return StyleMixer(model, class_names, **kwargs)
