"""Widgets of ``05_variational_autoencoders``: the latent explorer of a 2-D VAE.

Two sliders pick a point z of the latent plane and an already trained decoder turns it into an
image at once. It is not a frame player (the points are continuous), but it keeps the same
naming: ``shown`` is the point on screen and ``caption`` the caption widget.
``from course_utils.widgets import nb05 as widgets``.
"""

from __future__ import annotations

import numbers

import ipywidgets as w
import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from course_utils.widgets.base import png_bytes

__all__ = ["LatentExplorer", "class_legend_html", "explorer_caption", "latent_explorer",
           "latent_plane_background", "mark_latent_point", "png_bytes"]


class LatentExplorer:
    """Latent explorer (``05_variational_autoencoders``).

    ``decode(z)`` maps codes shaped (n, 2) to images in [0, 1] shaped (n, 28, 28) (for a VAE,
    ``vae.make_decoder_fn(model)``). Optional ``codes``/``labels`` (for example the test set's
    posterior means) are drawn once as the background of the plane; every move decodes one
    point, redraws a crosshair on a copy of that background and swaps the PNG bytes of two
    ``ipywidgets.Image`` widgets. Nothing is trained and no figure is rebuilt.
    """

    def __init__(self, decode, codes=None, labels=None, class_names=None, extent: float = 3.0,
                 step: float = 0.05, image_scale: int = 8,
                 title: str = "Latent plane: test means by class"):
        if not callable(decode):
            raise TypeError(f"decode must be a function z -> images, got {type(decode).__name__}")
        if not extent > 0 or not 0 < step < extent:
            raise ValueError(f"need extent > 0 and 0 < step < extent, got {extent}, {step}")
        if isinstance(image_scale, bool) or not isinstance(image_scale, int) or image_scale < 1:
            raise ValueError(f"image_scale must be a positive int, got {image_scale!r}")
        self.decode = decode
        self.extent = float(extent)
        self.image_scale = image_scale
        self.codes = None if codes is None else np.asarray(codes, dtype="float32")
        self.labels = None if labels is None else np.asarray(labels)
        self.class_names = class_names
        self.background, self.box = latent_plane_background(
            self.codes, self.labels, self.extent, class_names, title)
        slider = dict(min=-self.extent, max=self.extent, step=step, readout_format=".2f",
                      continuous_update=True, layout=w.Layout(width="330px"))
        self.z0 = w.FloatSlider(value=0.0, description="z[0]", **slider)
        self.z1 = w.FloatSlider(value=0.0, description="z[1]", **slider)
        self.plane = w.Image(format="png")
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.legend = w.HTML(class_legend_html(class_names) if labels is not None else "")
        self._hold = False
        self.n_updates = 0
        self.shown: tuple[float, float] | None = None
        self.last_image = None
        for s in (self.z0, self.z1):
            s.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.plane, self.image]), w.HBox([self.z0, self.z1]),
                              self.caption, self.legend])
        self.update()

    def _on_change(self, change) -> None:
        if not self._hold:
            self.update()

    def set_point(self, z0: float, z1: float) -> np.ndarray:
        """Move both sliders to (z0, z1) and redraw once; returns the decoded image."""
        for name, v in (("z0", z0), ("z1", z1)):
            if not isinstance(v, numbers.Real) or isinstance(v, bool) or abs(v) > self.extent:
                raise ValueError(f"{name} must be a number in [-{self.extent}, {self.extent}], "
                                 f"got {v!r}")
        self._hold = True
        try:
            self.z0.value, self.z1.value = float(z0), float(z1)
        finally:
            self._hold = False
        return self.update()

    def update(self) -> np.ndarray:
        """Decode the sliders' point and redraw both images; returns the decoded image."""
        z = np.array([[self.z0.value, self.z1.value]], dtype="float32")
        image = np.asarray(self.decode(z))
        if image.shape[0] != 1 or image.reshape(1, -1).shape[1] != 28 * 28:
            raise ValueError(f"decode must return one 28x28 image per code, got {image.shape}")
        image = image.reshape(28, 28)
        self.image.value = png_bytes(image, scale=self.image_scale)
        self.plane.value = png_bytes(mark_latent_point(self.background, z[0], self.box,
                                                       self.extent))
        self.caption.value = explorer_caption(z[0], self.codes, self.labels, self.class_names)
        self.shown = (float(z[0, 0]), float(z[0, 1]))
        self.last_image = image
        self.n_updates += 1
        return image

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def latent_explorer(decode, codes=None, labels=None, class_names=None, extent: float = 3.0,
                    **kwargs) -> LatentExplorer:
    """Build a :class:`LatentExplorer` (``05_variational_autoencoders``); display
    ``explorer.widget``."""
    return LatentExplorer(decode, codes, labels, class_names, extent, **kwargs)


def latent_plane_background(codes, labels, extent: float, class_names=None,
                            title: str = "Latent plane", size_px: int = 330):
    """The latent plane drawn once (``05_variational_autoencoders``): a scatter of ``codes``
    coloured by ``labels``, the prior's 1- and 2-sigma circles, title and axis labels.

    Returns ``(rgb uint8 (h, w, 3), box)`` where ``box = (left, right, top, bottom)`` are the
    pixel columns/rows of the axes' edges, used to place the crosshair.
    """
    dpi = 100
    fig = Figure(figsize=(size_px / dpi, size_px / dpi), dpi=dpi)
    canvas = FigureCanvasAgg(fig)  # off-screen: never shown, never registered with pyplot
    ax = fig.add_axes((0.17, 0.14, 0.78, 0.76))
    if codes is not None:
        codes = np.asarray(codes, dtype="float32")
        if codes.ndim != 2 or codes.shape[1] != 2:
            raise ValueError(f"codes must be shaped (n, 2), got {codes.shape}")
        if labels is not None and len(labels) != len(codes):
            raise ValueError(f"{len(codes)} codes but {len(labels)} labels")
        colours = "tab:blue" if labels is None else matplotlib.colormaps["tab10"](
            np.asarray(labels) % 10)
        ax.scatter(codes[:, 0], codes[:, 1], c=colours, s=3, alpha=0.6, linewidths=0)
    t = np.linspace(0, 2 * np.pi, 200)
    for r in (1.0, 2.0):
        ax.plot(r * np.cos(t), r * np.sin(t), "k--", lw=0.8, alpha=0.6)
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_xlabel("z[0]", fontsize=9)
    ax.set_ylabel("z[1]", fontsize=9)
    ax.tick_params(labelsize=8)
    ax.set_title(title, fontsize=9)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3].copy()
    x0, y0, x1, y1 = ax.get_window_extent().extents
    height = rgb.shape[0]
    return rgb, (float(x0), float(x1), float(height - y1), float(height - y0))


def mark_latent_point(background, z, box, extent: float) -> np.ndarray:
    """A copy of ``background`` with a red crosshair at the latent point ``z``, clipped to the
    plane (``05_variational_autoencoders``)."""
    left, right, top, bottom = box
    fx = (float(z[0]) + extent) / (2 * extent)
    fy = (float(z[1]) + extent) / (2 * extent)
    col = int(round(left + np.clip(fx, 0, 1) * (right - left)))
    row = int(round(bottom - np.clip(fy, 0, 1) * (bottom - top)))
    out = np.array(background, copy=True)
    red = np.array([220, 30, 30], dtype=np.uint8)
    t, b, lft, rgt = int(top), int(bottom), int(left), int(right)
    out[max(row - 1, t):row + 1, lft:rgt] = red
    out[t:b, max(col - 1, lft):col + 1] = red
    out[max(row - 4, 0):row + 5, max(col - 4, 0):col + 5] = red
    return out


def explorer_caption(z, codes=None, labels=None, class_names=None) -> str:
    """The line under the explorer (``05_variational_autoencoders``): the point, and the class
    of the nearest test code."""
    text = f"decoded image at z = ({float(z[0]):+.2f}, {float(z[1]):+.2f})"
    if codes is not None and labels is not None and len(codes):
        nearest = int(np.argmin(np.sum((codes - np.asarray(z, dtype="float32")) ** 2, axis=1)))
        label = labels[nearest]
        name = class_names[int(label)] if class_names is not None else str(label)
        text += f"; nearest test image's code belongs to class <b>{name}</b>"
    return text


def class_legend_html(class_names=None, n_classes: int = 10) -> str:
    """HTML legend for the tab10 class colours of the latent plane
    (``05_variational_autoencoders``)."""
    cmap = matplotlib.colormaps["tab10"]
    names = class_names if class_names is not None else [str(i) for i in range(n_classes)]
    items = [f'<span style="color:{to_hex(cmap(i % 10))}">&#9632;</span>&nbsp;{name}'
             for i, name in enumerate(names)]
    return "colours: " + " &nbsp; ".join(items)
