"""What every widget of the course shares (introduced in ``03_latent_variable_models``).

- off-screen drawing: :func:`render_png` (a matplotlib figure that is never shown and never
  registered with pyplot, saved as PNG bytes), :func:`png_bytes` (an array as PNG bytes),
  :func:`image_rows_png` (labelled rows of images) and :func:`grid_image` (images tiled
  into one array);
- :class:`FramePlayer`, the one base class of every frame player (``EMPlayer``,
  ``CodeSizeSwitcher``, ``DenoisingExplorer``, ``ToyGANPlayer``, ``ImageGANPlayer``).

A frame player shows one of a fixed list of *keys* (iterations, code sizes, noise levels,
snapshot indices) chosen with a selection slider, optionally driven by a Play button. Its state
is ``shown`` (the key on screen) and ``caption`` (an ``ipywidgets.HTML`` whose ``.value`` is the
caption); ``frames`` caches each key's picture (PNG bytes), drawn once, and ``n_renders`` counts
the drawings. A subclass implements ``caption_for(key)`` and either ``draw_figure(fig, key)``
(draw on a blank figure) or ``draw(key)`` (return PNG bytes itself). Nothing here trains.
"""

from __future__ import annotations

import io
import numbers
from collections.abc import Callable, Hashable, Mapping, Sequence

import ipywidgets as w
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from course_utils.helpers import as_images


def render_png(draw: Callable[[Figure], None], figsize: tuple[float, float] = (12.0, 4.8),
               width_px: int = 900, compress_level: int = 1) -> bytes:
    """PNG bytes of a figure drawn by ``draw(fig)`` off-screen (``03_latent_variable_models``).

    The figure is ``figsize`` inches at a resolution that makes it ``width_px`` pixels wide; it
    is never shown and never registered with pyplot, so a widget can draw many of them without
    leaking figures. ``draw`` does its own layout (``fig.tight_layout()`` or fixed margins).
    Low PNG compression keeps a frame fast."""
    if not callable(draw):
        raise TypeError(f"draw must be a function of a figure, got {type(draw).__name__}")
    if len(figsize) != 2 or min(figsize) <= 0:
        raise ValueError(f"figsize must be two positive numbers (inches), got {figsize!r}")
    if isinstance(width_px, bool) or not isinstance(width_px, numbers.Integral) or width_px < 50:
        raise ValueError(f"width_px must be an int >= 50, got {width_px!r}")
    fig = Figure(figsize=figsize, dpi=width_px / figsize[0])
    FigureCanvasAgg(fig)
    draw(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": compress_level})
    return buf.getvalue()


def png_bytes(image, scale: int = 1, compress_level: int = 1) -> bytes:
    """PNG bytes of a grey image in [0, 1] shaped (h, w) or an RGB uint8 image (h, w, 3),
    enlarged ``scale`` times with square pixels (``05_variational_autoencoders``)."""
    arr = np.asarray(image)
    if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[2] not in (3, 4)):
        raise ValueError(f"image must be shaped (h, w) or (h, w, 3), got {arr.shape}")
    if isinstance(scale, bool) or not isinstance(scale, numbers.Integral) or scale < 1:
        raise ValueError(f"scale must be a positive int, got {scale!r}")
    if arr.dtype != np.uint8:
        arr = (np.clip(np.asarray(arr, dtype="float64"), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if scale > 1:
        arr = np.repeat(np.repeat(arr, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def image_rows_png(rows: Mapping[str, object], title: str = "", cell_px: int = 56) -> bytes:
    """PNG bytes of aligned rows of grey images in [0, 1], one row per label, the label on the
    left and an optional title (``04_autoencoders``). Each row is shaped (n, 28, 28)."""
    if not isinstance(rows, Mapping) or not rows:
        raise ValueError("image_rows_png needs at least one row (a dict label -> images)")
    arrays = {str(k): as_images(v, f"row {str(k)!r}", value_range=None)
              for k, v in rows.items()}
    ncols = max(len(a) for a in arrays.values())
    width, height = ncols * cell_px + 150, len(arrays) * cell_px + 45

    def draw(fig: Figure) -> None:
        axes = fig.subplots(len(arrays), ncols, squeeze=False)
        for r, (label, arr) in enumerate(arrays.items()):
            for c in range(ncols):
                ax = axes[r, c]
                ax.set_xticks([])
                ax.set_yticks([])
                for spine in ax.spines.values():
                    spine.set_visible(False)
                if c < len(arr):
                    ax.imshow(arr[c], cmap="gray", vmin=0.0, vmax=1.0, interpolation="nearest")
            axes[r, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=9)
        if title:
            fig.suptitle(title, fontsize=10, fontweight="bold")
        fig.subplots_adjust(left=140 / width, right=0.99, bottom=0.01, top=1 - 40 / height,
                            wspace=0.05, hspace=0.05)

    return render_png(draw, (width / 100, height / 100), width, compress_level=6)


def grid_image(images, ncols: int, pad: int = 2) -> np.ndarray:
    """Grey images (n, h, w) tiled ``ncols`` per row on a white background, ``pad`` pixels
    apart, as one float array (``06_generative_adversarial_networks``)."""
    imgs = as_images(images, "images", image_shape=None, value_range=None)
    if isinstance(ncols, bool) or not isinstance(ncols, numbers.Integral) or ncols < 1:
        raise ValueError(f"ncols must be a positive int, got {ncols!r}")
    n, h, wd = imgs.shape
    nrows = -(-n // ncols)
    out = np.ones((nrows * (h + pad) + pad, ncols * (wd + pad) + pad), dtype="float32")
    for k in range(n):
        r, c = divmod(k, ncols)
        top, left = pad + r * (h + pad), pad + c * (wd + pad)
        out[top:top + h, left:left + wd] = imgs[k]
    return out


class FramePlayer:
    """A selection slider over fixed ``keys``, an optional Play button, a picture and a caption
    (``03_latent_variable_models``); the base class of every frame player.

    Subclasses set their data, then call ``super().__init__(keys, ...)`` and implement
    :meth:`caption_for` and :meth:`draw_figure` (or :meth:`draw`). State: ``shown`` (the key
    on screen), ``caption`` (the caption widget; its ``.value`` is the text), ``frames`` (key ->
    PNG bytes, each drawn once) and ``n_renders``. Display the player (or ``player.widget``).
    """

    figsize: tuple[float, float] = (12.0, 4.8)
    key_name: str = "key"

    def __init__(self, keys: Sequence[Hashable], *, start: Hashable | None = None,
                 description: str | None = None, play: bool = False, interval_ms: int = 300,
                 width_px: int | None = 900, slider_width: str = "420px"):
        keys = list(keys)
        if not keys:
            raise ValueError(f"{type(self).__name__} needs at least one {self.key_name}")
        if len(set(keys)) != len(keys):
            raise ValueError(f"the {self.key_name}s of a {type(self).__name__} must be distinct, "
                             f"got {keys}")
        self.keys = keys
        self.width_px = None if width_px is None else int(width_px)
        self.frames: dict[Hashable, bytes] = {}
        self.n_renders = 0
        self.shown: Hashable | None = None
        first = keys.index(self._canonical(start)) if start is not None else 0
        self.slider = w.SelectionSlider(
            options=[(self.label_for(k), k) for k in keys], index=first,
            description=description or self.key_name, continuous_update=True,
            layout=w.Layout(width=slider_width))
        self.play = None
        controls: w.Widget = self.slider
        if play:
            self.play = w.Play(value=first, min=0, max=len(keys) - 1, step=1,
                               interval=int(interval_ms), description="play")
            self._link = w.jslink((self.play, "value"), (self.slider, "index"))
            controls = w.HBox([self.play, self.slider])
        size = {} if self.width_px is None else {"width": f"{self.width_px}px"}
        self.image = w.Image(format="png", layout=w.Layout(**size))
        self.caption = w.HTML()
        self.slider.observe(lambda change: self.update(), names="index")
        self.widget = w.VBox([controls, self.image, self.caption])
        self.update()

    # ------------------------------------------------------------ what a subclass implements

    def caption_for(self, key) -> str:
        """The HTML line under the picture of ``key``."""
        raise NotImplementedError

    def draw_figure(self, fig: Figure, key) -> None:
        """Draw the picture of ``key`` on the blank off-screen figure ``fig``."""
        raise NotImplementedError

    def draw(self, key) -> bytes:
        """PNG bytes of the picture of ``key`` (by default :meth:`draw_figure` on a figure of
        ``figsize``, ``width_px`` wide: 900 when ``None``, the picture's natural size)."""
        return render_png(lambda fig: self.draw_figure(fig, key), self.figsize,
                          self.width_px or 900)

    def label_for(self, key) -> str:
        """The slider's readout for ``key``."""
        return f"{key:g}" if isinstance(key, float) else str(key)

    # ------------------------------------------------------------ shared behaviour

    @property
    def n_frames(self) -> int:
        """How many keys the slider offers."""
        return len(self.keys)

    def render(self, key) -> bytes:
        """PNG bytes of ``key``'s picture, drawn on the first request and cached."""
        key = self._canonical(key)
        if key not in self.frames:
            self.n_renders += 1
            self.frames[key] = self.draw(key)
        return self.frames[key]

    def show(self, key) -> None:
        """Move the slider to ``key`` (the picture and caption follow); ``ValueError`` when the
        player has no such key."""
        self.slider.index = self.keys.index(self._canonical(key))

    def update(self) -> None:
        """Show the slider's key: its cached picture and its caption."""
        key = self.keys[self.slider.index]
        self.image.value = self.render(key)
        self.caption.value = self.caption_for(key)
        self.shown = key

    def _canonical(self, key):
        """The stored key equal to ``key``; ``ValueError`` naming the valid keys otherwise."""
        ints = all(isinstance(k, int) for k in self.keys)
        numeric = isinstance(key, numbers.Number) and not isinstance(key, bool | np.bool_)
        if numeric and (not ints or isinstance(key, numbers.Integral)):
            for k in self.keys:
                if k == key:
                    return k
        elif not isinstance(key, numbers.Number):
            for k in self.keys:
                if type(k) is type(key) and k == key:
                    return k
        if ints and self.keys == list(range(len(self.keys))):
            raise ValueError(f"{self.key_name} must be an int in [0, {len(self.keys) - 1}], "
                             f"got {key!r}")
        raise ValueError(f"{self.key_name} must be one of {self.keys}, got {key!r}")

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)
