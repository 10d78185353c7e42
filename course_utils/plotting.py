"""Figures in one house style: image grids, latent scatters, loss curves.

Every function returns a ``matplotlib.figure.Figure`` and never writes to disk.
The style is applied by :func:`course_utils.setup` (``00_start_here``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from course_utils.helpers import as_images

_BASE_STYLE = {
    "figure.dpi": 100,
    "figure.facecolor": "white",
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.labelsize": 12,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "legend.frameon": False,
    "font.size": 11,
    "image.cmap": "gray",
    "image.interpolation": "nearest",
    "lines.linewidth": 2.0,
}

_PROJECTOR_STYLE = {
    "figure.dpi": 110,
    "font.size": 15,
    "axes.titlesize": 17,
    "axes.labelsize": 15,
    "xtick.labelsize": 13,
    "ytick.labelsize": 13,
    "legend.fontsize": 13,
    "lines.linewidth": 3.0,
}


def use_house_style(projector: bool | None = None) -> None:
    """Apply the course's matplotlib style (``00_start_here``).

    ``projector=True`` (or ``COURSE_PROJECTOR=1``) uses larger fonts and thicker lines
    that read well from the back of a lecture hall.
    """
    import matplotlib as mpl

    if projector is None:
        projector = os.environ.get("COURSE_PROJECTOR", "0") not in ("", "0", "false", "no")
    mpl.rcParams.update(_BASE_STYLE)
    if projector:
        mpl.rcParams.update(_PROJECTOR_STYLE)


def image_grid(
    images,
    titles: Sequence[str] | None = None,
    ncols: int = 8,
    title: str = "",
    cell_size: float = 1.3,
    vmin: float | None = 0.0,
    vmax: float | None = None,
):
    """Show a batch of grey images in a grid, each with an optional title (``00_start_here``).

    The grid is one mosaic on one axes (white gaps between the images, each title written above
    its image): 80 separate axes took over a second to lay out, the mosaic a tenth of that."""
    import matplotlib.pyplot as plt

    arr = as_images(images, image_shape=None, value_range=None, dtype=None, flat_ok=True)
    n = len(arr)
    if n == 0:
        raise ValueError("image_grid needs at least one image")
    if titles is not None and len(titles) != n:
        raise ValueError(f"image_grid got {n} images but {len(titles)} titles")
    ncols = max(1, min(ncols, n))
    nrows = int(np.ceil(n / ncols))
    if vmax is None:
        vmax = 255.0 if arr.max() > 1.5 else 1.0
        if arr.min() < -0.01:
            vmin = -1.0
    h, w = arr.shape[1:3]
    gap = max(1, w // 10)
    band = max(5, h // 4) if titles is not None else 0  # room above each row for its titles
    row_h = band + h + gap
    mosaic = np.full((nrows * row_h - gap, ncols * (w + gap) - gap), np.nan, dtype="float32")
    for i, img in enumerate(arr):
        r, c = divmod(i, ncols)
        mosaic[r * row_h + band: r * row_h + band + h, c * (w + gap): c * (w + gap) + w] = img
    fig, ax = plt.subplots(figsize=(cell_size * ncols, cell_size * nrows * row_h / h + 0.5))
    cmap = plt.get_cmap("gray").with_extremes(bad="white")  # NaN = the gaps between images
    ax.imshow(mosaic, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.axis("off")
    for i, text in enumerate(titles if titles is not None else []):
        r, c = divmod(i, ncols)
        ax.text(c * (w + gap) + (w - 1) / 2, r * row_h + band - 1.5, str(text), fontsize=9,
                ha="center", va="bottom", clip_on=False)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def image_rows(rows: dict, title: str = "", cell_size: float = 1.2):
    """Show several aligned rows of images, one row per label (for example originals vs.
    reconstructions, ``04_autoencoders``).

    Each row is one strip of images with a white gap between them, drawn on one axes: a grid
    of 60 separate axes took about a second to lay out, a strip per row a tenth of that."""
    import matplotlib.pyplot as plt

    if not rows:
        raise ValueError("image_rows needs at least one row")
    arrays = {k: as_images(v, f"row {k!r}", image_shape=None, value_range=None, dtype=None,
                           flat_ok=True) for k, v in rows.items()}
    ncols = max(len(a) for a in arrays.values())
    fig, axes = plt.subplots(len(arrays), 1, squeeze=False,
                             figsize=(cell_size * ncols + 1.2, cell_size * len(arrays) + 0.4))
    cmap = plt.get_cmap("gray").with_extremes(bad="white")  # NaN = the gaps between images
    for ax, (label, arr) in zip(axes[:, 0], arrays.items(), strict=True):
        vmin, vmax = (-1.0, 1.0) if arr.min() < -0.01 else (0.0, 1.0 if arr.max() <= 1.5 else 255)
        h, w = arr.shape[1:3]
        gap = max(1, w // 10)
        strip = np.full((h, ncols * (w + gap) - gap), np.nan, dtype="float32")
        for c, img in enumerate(arr):
            strip[:, c * (w + gap): c * (w + gap) + w] = img
        ax.imshow(strip, cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
        ax.set_ylabel(str(label), rotation=0, ha="right", va="center", fontsize=10)
    if title:
        fig.suptitle(title, fontweight="bold")
    fig.tight_layout()
    return fig


def loss_curves(history: dict, title: str = "Training curves", ylabel: str = "loss", logy=False):
    """Plot every series of a Keras ``History.history`` dict against the epoch
    (``04_autoencoders``)."""
    import matplotlib.pyplot as plt

    if not history:
        raise ValueError("loss_curves needs a non-empty history dict")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    for name, values in history.items():
        values = np.asarray(values, dtype=float)
        ax.plot(
            np.arange(1, len(values) + 1),
            values,
            marker="o" if len(values) < 30 else None,
            label=name,
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    if logy:
        ax.set_yscale("log")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    return fig


def latent_scatter(
    codes,
    labels,
    class_names: Sequence[str] | None = None,
    title: str = "Latent codes",
    xlabel: str = "z[0]",
    ylabel: str = "z[1]",
    ax=None,
):
    """Scatter 2-D codes coloured by class (``04_autoencoders``, ``05_variational_autoencoders``)."""
    import matplotlib.pyplot as plt

    codes = np.asarray(codes)
    labels = np.asarray(labels)
    if codes.ndim != 2 or codes.shape[1] < 2:
        raise ValueError(f"expected codes shaped (n, 2), got {codes.shape}")
    if len(codes) != len(labels):
        raise ValueError(f"codes ({len(codes)}) and labels ({len(labels)}) differ in length")
    if ax is None:
        fig, ax = plt.subplots(figsize=(6.5, 5.5))
    else:
        fig = ax.figure
    sc = ax.scatter(
        codes[:, 0], codes[:, 1], c=labels, cmap="tab10", s=6, alpha=0.7, vmin=-0.5, vmax=9.5
    )
    cbar = fig.colorbar(sc, ax=ax, ticks=range(10))
    if class_names is not None:
        cbar.ax.set_yticklabels(class_names)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    return fig
