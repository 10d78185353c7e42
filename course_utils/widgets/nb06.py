"""Widgets of ``06_generative_adversarial_networks``: replaying recorded GAN runs.

- the toy game: :func:`toy_gan_player` (a :class:`ToyGANPlayer`), :func:`toy_frames_figure`,
  :func:`toy_frame_caption` and :func:`toy_gan_lab` (the player plus two learning-rate
  controls; it trains a new run only when its **Train** button is pressed);
- the DCGAN: :func:`image_gan_player` (an :class:`ImageGANPlayer`; notebook 07 uses it for the
  conditional GAN too).

The players only redraw the snapshots of a :class:`course_utils.gan.GANRun`; they never train.
``from course_utils.widgets import nb06 as widgets``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import ipywidgets as w
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils import metrics
from course_utils.widgets.base import FramePlayer, grid_image

TOY_REAL_COLOUR = "#222222"
TOY_FAKE_COLOUR = "#ff7f0e"
TOY_RECORD_KEYS = ("step", "fake", "d_grid", "d_loss", "g_loss", "d_real", "d_fake", "d_acc",
                   "js")
_MARGINS = dict(left=0.05, right=0.98, bottom=0.13, top=0.91, wspace=0.45)


def _check_toy_run(run) -> None:
    record = getattr(run, "record", None)
    if not isinstance(record, dict) or any(k not in record for k in TOY_RECORD_KEYS):
        raise TypeError("expected a recorded toy GAN run (gan.train_toy_gan(...)), "
                        f"got {type(run).__name__}")


def _extras(run) -> dict:
    return getattr(run, "extras", None) or {}


def toy_d_limits(run) -> tuple[float, float]:
    """Colour limits for D's heat map (``06_generative_adversarial_networks``): symmetric
    around 1/2 and wide enough for the largest departure from 1/2 in the whole run (at least
    0.05), so a cautious D still shows."""
    _check_toy_run(run)
    half = float(np.quantile(np.abs(np.asarray(run.record["d_grid"]) - 0.5), 0.995))
    half = min(0.5, max(0.05, half))
    return 0.5 - half, 0.5 + half


def toy_frame_caption(run, index: int) -> str:
    """The line under a toy-GAN frame (``06_generative_adversarial_networks``): the step, D's
    accuracy and mean outputs, the divergence estimate and how many modes the fakes cover."""
    _check_toy_run(run)
    r = run.record
    text = (f"step <b>{int(r['step'][index])}</b>: D is right on "
            f"<b>{100 * r['d_acc'][index]:.0f}%</b> of real and fake points, "
            f"mean D(x) = <b>{r['d_real'][index]:.2f}</b>, "
            f"mean D(G(z)) = <b>{r['d_fake'][index]:.2f}</b>, "
            f"JS estimate = <b>{r['js'][index]:.3f}</b> nats")
    extras = _extras(run)
    if "centres" in extras and "radius" in extras:
        cov = metrics.mode_coverage(r["fake"][index], extras["centres"], float(extras["radius"]))
        text += f"; fakes cover <b>{cov.covered} of {cov.n_modes}</b> modes"
    return text


def _plane(ax, run, index: int, n_real: int, size: float, vmin: float, vmax: float):
    r, extras = run.record, _extras(run)
    extent = float(extras.get("extent", 3.0))
    im = ax.imshow(r["d_grid"][index], origin="lower", cmap="RdBu", vmin=vmin, vmax=vmax,
                   extent=(-extent, extent, -extent, extent), interpolation="bilinear")
    if "real" in extras:
        real = np.asarray(extras["real"])[:n_real]
        ax.scatter(real[:, 0], real[:, 1], s=size, c=TOY_REAL_COLOUR, label="real")
    fake = r["fake"][index]
    ax.scatter(fake[:, 0], fake[:, 1], s=size, c=TOY_FAKE_COLOUR, label="generated")
    ax.set_xlim(-extent, extent)
    ax.set_ylim(-extent, extent)
    ax.set_aspect("equal")
    return im


def draw_toy_frame(axes, run, index: int, title: str | None = None) -> None:
    """Draw snapshot ``index`` of a recorded toy GAN run on three axes
    (``06_generative_adversarial_networks``): the plane (D's probability as a heat map, real
    and generated points), both losses, and mean D(x), mean D(G(z)), D's accuracy and the JS
    estimate, each up to this step. Only reads the record."""
    _check_toy_run(run)
    r = run.record
    n = len(r["step"])
    if isinstance(index, bool) or not isinstance(index, int | np.integer) or not 0 <= index < n:
        raise ValueError(f"index must be an int in [0, {n - 1}], got {index!r}")
    ax_plane, ax_loss, ax_d = axes
    im = _plane(ax_plane, run, index, 600, 3, *toy_d_limits(run))
    ax_plane.set_xlabel("x[0]")
    ax_plane.set_ylabel("x[1]")
    ax_plane.set_title(title or f"step {int(r['step'][index])}: D(x) over the plane")
    ax_plane.legend(loc="upper right", fontsize=8, markerscale=3)
    ax_plane.figure.colorbar(im, ax=ax_plane, fraction=0.046, pad=0.04, label="D(x)")
    steps, upto = r["step"], slice(0, index + 1)
    for key, label in (("d_loss", "discriminator loss"), ("g_loss", "generator loss")):
        ax_loss.plot(steps[upto], r[key][upto], label=label)
    lo = min(float(np.min(r["d_loss"])), float(np.min(r["g_loss"])))
    hi = max(float(np.max(r["d_loss"])), float(np.max(r["g_loss"])))
    ax_loss.set_xlim(0, max(1, int(steps[-1])))
    ax_loss.set_ylim(lo - 0.05 * (hi - lo + 1e-9), hi + 0.05 * (hi - lo + 1e-9))
    ax_loss.set(xlabel="generator step", ylabel="loss (nats)", title="Both losses")
    ax_loss.legend(fontsize=8)
    ax_d.plot(steps[upto], r["d_real"][upto], label="mean D(x), real")
    ax_d.plot(steps[upto], r["d_fake"][upto], label="mean D(G(z)), generated")
    ax_d.plot(steps[upto], r["d_acc"][upto], label="D's accuracy", color="tab:green")
    ax_d.plot(steps[upto], r["js"][upto], label="JS estimate (nats)", color="0.4")
    ax_d.axhline(0.5, color="0.6", lw=1, ls="--")
    ax_d.set_xlim(0, max(1, int(steps[-1])))
    ax_d.set_ylim(0, 1)
    ax_d.set(xlabel="generator step", ylabel="probability / nats",
             title="What D says, and how far apart")
    ax_d.legend(fontsize=8)


def toy_frames_figure(run, indices: Sequence[int], titles: Sequence[str] | None = None,
                      suptitle: str = "", ncols: int = 3):
    """A pyplot figure with one plane per chosen snapshot of a toy run, ``ncols`` per row
    (``06_generative_adversarial_networks``): generated points over D's heat map; ``titles``
    (one per frame) replace the default "step N"."""
    _check_toy_run(run)
    indices = [int(i) for i in indices]
    if not indices:
        raise ValueError("toy_frames_figure needs at least one snapshot index")
    if titles is not None and len(titles) != len(indices):
        raise ValueError(f"got {len(titles)} titles for {len(indices)} frames")
    ncols = max(1, min(int(ncols), len(indices)))
    nrows = -(-len(indices) // ncols)
    limits = toy_d_limits(run)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.7 * ncols + 0.8, 4.0 * nrows),
                             squeeze=False)
    for ax in axes.flat[len(indices):]:
        ax.axis("off")
    im = None
    for k, (ax, i) in enumerate(zip(axes.flat, indices, strict=False)):  # extra axes stay off
        im = _plane(ax, run, i, 400, 2, *limits)
        ax.set_title(titles[k] if titles else f"step {int(run.record['step'][i])}", fontsize=10)
        ax.set_xlabel("x[0]")
        ax.set_ylabel("x[1]" if k % ncols == 0 else "")
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.02, label="D(x): red = fake, blue = real")
    return fig


class ToyGANPlayer(FramePlayer):
    """Replay a recorded toy GAN run (``06_generative_adversarial_networks``): play button and
    slider over the snapshots; each frame shows real and generated points over D's heat map,
    both losses and mean D(x), D(G(z)) and the JS estimate up to that step. ``shown`` is the
    snapshot index on screen. Never trains."""

    figsize = (14.0, 4.2)
    key_name = "index"

    def __init__(self, run, interval_ms: int = 200, width_px: int = 980):
        _check_toy_run(run)
        self.run = run
        super().__init__(range(len(run.record["step"])), description="snapshot", play=True,
                         interval_ms=interval_ms, width_px=width_px)

    def draw_figure(self, fig: Figure, key: int) -> None:
        gs = fig.add_gridspec(1, 3, width_ratios=[1.15, 1, 1])
        draw_toy_frame([fig.add_subplot(gs[0, k]) for k in range(3)], self.run, key)
        fig.subplots_adjust(**_MARGINS)

    def caption_for(self, key: int) -> str:
        return toy_frame_caption(self.run, key)


def toy_gan_player(run, **kwargs) -> ToyGANPlayer:
    """Build a :class:`ToyGANPlayer` for a run of ``gan.train_toy_gan``
    (``06_generative_adversarial_networks``)."""
    return ToyGANPlayer(run, **kwargs)


def toy_run_summary(run) -> str:
    """One HTML line describing a toy run (``06_generative_adversarial_networks``): its model
    class, learning rates, R1 weight (when it has one), steps, time and mode coverage."""
    s = getattr(run, "settings", None)
    missing = [k for k in ("steps", "lr_d", "lr_g") if not isinstance(s, dict) or k not in s]
    if missing:
        raise ValueError(f"run.settings lacks {missing}: expected a run of gan.train_toy_gan")
    text = f"{s.get('model', 'GAN')}: lr D {s['lr_d']:.1e}, lr G {s['lr_g']:.1e}"
    if "r1_weight" in s:
        text += f", R1 weight {s['r1_weight']:g}"
    text += f", {s['steps']} steps in {run.seconds:.1f} s"
    coverage = _extras(run).get("coverage")
    return text + (f": <b>{coverage}</b>" if coverage is not None else "")


class ToyGANLab:
    """The toy GAN player with re-train controls (``06_generative_adversarial_networks``): the
    learning rates of D and G. Moving a control changes nothing; the **Train** button calls
    ``train_fn(lr_d=..., lr_g=...)`` (for example a ``functools.partial`` of
    ``gan.train_toy_gan`` that fixes the model class and the steps) and replaces the player
    with the new run's. ``runs`` lists every run shown, the first one included."""

    def __init__(self, run, train_fn: Callable[..., object]):
        _check_toy_run(run)
        if not callable(train_fn):
            raise TypeError(f"train_fn must be callable, got {type(train_fn).__name__}")
        self.train_fn = train_fn
        self.runs = [run]
        s = getattr(run, "settings", {}) or {}
        log_slider = dict(base=10, min=-4.5, max=-2, step=0.25, readout_format=".1e",
                          continuous_update=False, style={"description_width": "initial"})
        self.lr_d = w.FloatLogSlider(value=s.get("lr_d", 1e-3), description="lr D", **log_slider)
        self.lr_g = w.FloatLogSlider(value=s.get("lr_g", 1e-3), description="lr G", **log_slider)
        self.button = w.Button(description="Train", button_style="primary",
                               tooltip="train a new toy GAN with these learning rates")
        self.status = w.HTML(toy_run_summary(run))
        self.player = ToyGANPlayer(run)
        self.box = w.VBox([self.player.widget])
        self.button.on_click(lambda _: self.train())
        self.widget = w.VBox([w.HBox([self.lr_d, self.lr_g, self.button]), self.status,
                              self.box])

    def train(self):
        """Train with the controls' learning rates, show the new run and return it."""
        self.button.disabled = True
        self.status.value = "training ..."
        try:
            run = self.train_fn(lr_d=float(self.lr_d.value), lr_g=float(self.lr_g.value))
            _check_toy_run(run)
        except Exception as exc:
            self.status.value = f"training failed: {type(exc).__name__}: {exc}"
            raise
        finally:
            self.button.disabled = False
        self.runs.append(run)
        self.player = ToyGANPlayer(run)
        self.box.children = [self.player.widget]
        self.status.value = toy_run_summary(run)
        return run

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def toy_gan_lab(run, train_fn: Callable[..., object]) -> ToyGANLab:
    """Build a :class:`ToyGANLab` (``06_generative_adversarial_networks``): replay ``run``,
    re-train with ``train_fn(lr_d=..., lr_g=...)`` on the button."""
    return ToyGANLab(run, train_fn)


class ImageGANPlayer(FramePlayer):
    """Replay a recorded DCGAN or conditional GAN run (``06_generative_adversarial_networks``,
    ``07``): the generator's images for a fixed set of noise vectors at each snapshot, next to
    the judge's Frechet distance (and, for a conditional GAN, the judge's accuracy) and both
    losses up to that step. ``shown`` is the snapshot index on screen. Never trains."""

    figsize = (13.0, 4.4)
    key_name = "index"

    def __init__(self, run, ncols: int | None = None, fd_floor: float | None = None,
                 interval_ms: int = 500, width_px: int = 940):
        record = getattr(run, "record", None)
        if not isinstance(record, dict) or "images" not in record or "fd" not in record:
            raise TypeError("expected a recorded image GAN run (gan.train_dcgan / train_cgan), "
                            f"got {type(run).__name__}")
        self.run = run
        self.ncols = int(ncols or (10 if "judge_acc" in record else 6))
        self.fd_floor = fd_floor
        super().__init__(range(len(record["step"])), description="snapshot", play=True,
                         interval_ms=interval_ms, width_px=width_px)

    def draw_figure(self, fig: Figure, key: int) -> None:
        r = self.run.record
        steps, upto = r["step"], slice(0, key + 1)
        gs = fig.add_gridspec(1, 3, width_ratios=[1.1 if self.ncols <= 6 else 1.7, 1, 1])
        ax_img = fig.add_subplot(gs[0, 0])
        ax_img.imshow(grid_image(r["images"][key], self.ncols), cmap="gray", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ax_img.grid(False)
        ax_img.set_title(f"step {int(steps[key])}: same noise, every snapshot")
        ax_img.set_xlabel("fixed noise vectors")
        ax_fd = fig.add_subplot(gs[0, 1])
        ax_fd.plot(steps[upto], r["fd"][upto], marker="o", label="generated vs test")
        if self.fd_floor is not None:
            ax_fd.axhline(self.fd_floor, color="0.5", ls="--", label="real vs test (floor)")
        ax_fd.set_xlim(0, max(1, int(steps[-1])))
        ax_fd.set_ylim(0, 1.05 * float(max(r["fd"])))
        ax_fd.set(xlabel="generator step", ylabel="judge Frechet distance",
                  title="Quality (lower is better)")
        if "judge_acc" in r:
            ax_acc = ax_fd.twinx()
            ax_acc.plot(steps[upto], r["judge_acc"][upto], color="tab:green", marker="s",
                        label="judge accuracy")
            ax_acc.set_ylim(0, 1)
            ax_acc.set_ylabel("judge accuracy", color="tab:green")
            ax_acc.grid(False)
        ax_fd.legend(fontsize=8, loc="upper center")
        ax_loss = fig.add_subplot(gs[0, 2])
        ax_loss.plot(steps[upto], r["d_loss"][upto], marker="o", label="discriminator loss")
        ax_loss.plot(steps[upto], r["g_loss"][upto], marker="o", label="generator loss")
        ax_loss.set_xlim(0, max(1, int(steps[-1])))
        lo = min(float(min(r["d_loss"])), float(min(r["g_loss"])))
        hi = max(float(max(r["d_loss"])), float(max(r["g_loss"])))
        ax_loss.set_ylim(min(0.0, lo), 1.05 * hi)
        ax_loss.set(xlabel="generator step", ylabel="loss (nats)", title="Both losses")
        ax_loss.legend(fontsize=8)
        fig.subplots_adjust(**_MARGINS)

    def caption_for(self, key: int) -> str:
        r = self.run.record
        text = (f"step <b>{int(r['step'][key])}</b>: judge Frechet distance "
                f"<b>{r['fd'][key]:.1f}</b>")
        if self.fd_floor is not None:
            text += f" (real images: {self.fd_floor:.1f})"
        if "judge_acc" in r:
            text += f", judge accuracy <b>{100 * r['judge_acc'][key]:.0f}%</b> (chance 10%)"
        return text + (f", mean D(x) {r['d_real'][key]:.2f}, "
                       f"mean D(G(z)) {r['d_fake'][key]:.2f}")


def image_gan_player(run, **kwargs) -> ImageGANPlayer:
    """Build an :class:`ImageGANPlayer` for a run of ``gan.train_dcgan`` or ``gan.train_cgan``
    (``06_generative_adversarial_networks``)."""
    return ImageGANPlayer(run, **kwargs)
