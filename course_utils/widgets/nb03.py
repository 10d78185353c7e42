"""Widgets of ``03_latent_variable_models``: the EM player and its static figure.

The player steps through a recorded EM run (:func:`course_utils.lvm.em_history`); it never runs
an E- or M-step. ``from course_utils.widgets import nb03 as widgets``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from course_utils import lvm
from course_utils.widgets.base import FramePlayer

EM_PALETTE = ((0.12, 0.47, 0.71), (1.00, 0.50, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
              (0.58, 0.40, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.50, 0.50, 0.50))


def responsibility_colours(resp) -> np.ndarray:
    """RGB colour of every point (n, 3): the components' colours mixed in proportion to the
    point's responsibilities (``03_latent_variable_models``). A point that belongs clearly to
    one component takes its colour; an undecided point gets a blend."""
    resp = np.asarray(resp, dtype=float)
    if resp.ndim != 2 or not 1 <= resp.shape[1] <= len(EM_PALETTE):
        raise ValueError(f"resp must be shaped (n, k) with 1 <= k <= {len(EM_PALETTE)}, "
                         f"got {resp.shape}")
    return np.clip(resp @ np.asarray(EM_PALETTE[: resp.shape[1]]), 0.0, 1.0)


def _check_history(history) -> None:
    if not all(hasattr(history, a) for a in ("log_likelihood", "resp", "x", "params")):
        raise TypeError(f"history must be an lvm.EMHistory, got {type(history).__name__}")
    dims = history.x.shape[1] if history.x.ndim == 2 else history.x.shape
    if dims != 2:
        raise ValueError(f"the EM picture needs 2-D data, got {dims}-D points")


def draw_em_state(ax_points, ax_curve, history, iteration: int, true_means=None) -> None:
    """Draw one recorded EM iteration (``03_latent_variable_models``): on ``ax_points`` the data
    coloured by responsibility with each component's mean and 2-standard-deviation ellipse,
    on ``ax_curve`` the average log-likelihood up to this iteration. Only reads ``history``
    (a :class:`course_utils.lvm.EMHistory` of 2-D data); never fits anything."""
    _check_history(history)
    weights, means, covs = history.params(iteration)
    x = history.x
    ax_points.scatter(x[:, 0], x[:, 1], c=responsibility_colours(history.resp[iteration]),
                      s=9, alpha=0.8, linewidths=0)
    for j in range(len(weights)):
        colour = EM_PALETTE[j % len(EM_PALETTE)]
        ring = lvm.ellipse(means[j], covs[j], n_std=2.0)
        ax_points.plot(ring[:, 0], ring[:, 1], color=colour, lw=2)
        ax_points.plot(*means[j], marker="X", ms=11, color=colour, mec="black",
                       label=f"component {j} (weight {weights[j]:.2f})")
    if true_means is not None:
        tm = np.asarray(true_means, dtype=float)
        ax_points.plot(tm[:, 0], tm[:, 1], "k+", ms=12, mew=2, label="true means")
    pad = 0.15 * (x.max(axis=0) - x.min(axis=0))
    ax_points.set_xlim(x[:, 0].min() - pad[0], x[:, 0].max() + pad[0])
    ax_points.set_ylim(x[:, 1].min() - pad[1], x[:, 1].max() + pad[1])
    ax_points.set_xlabel("x[0]")
    ax_points.set_ylabel("x[1]")
    ax_points.set_title(f"EM iteration {iteration}: colour = responsibility")
    ax_points.legend(loc="upper left", fontsize=8)

    ll = history.log_likelihood
    ax_curve.plot(np.arange(iteration + 1), ll[: iteration + 1], color="C0", marker=".")
    ax_curve.plot(iteration, ll[iteration], "o", color="C3", ms=8)
    span = max(ll.max() - ll.min(), 1e-6)
    ax_curve.set_xlim(-0.5, history.n_iterations + 0.5)
    ax_curve.set_ylim(ll.min() - 0.05 * span, ll.max() + 0.05 * span)
    ax_curve.set_xlabel("EM iteration")
    ax_curve.set_ylabel("average log-likelihood (nats per point)")
    ax_curve.set_title("Log-likelihood up to this iteration")


def em_figure(history, iteration: int, true_means=None):
    """A pyplot figure of one recorded EM iteration (``03_latent_variable_models``)."""
    fig, (ax_points, ax_curve) = plt.subplots(1, 2, figsize=(12, 4.8))
    draw_em_state(ax_points, ax_curve, history, iteration, true_means)
    fig.tight_layout()
    return fig


def em_caption(history, iteration: int) -> str:
    """The line under the EM player (``03_latent_variable_models``): the iteration, its
    average log-likelihood and the change since the previous iteration."""
    ll = history.log_likelihood
    text = (f"iteration <b>{iteration}</b> of {history.n_iterations}: average log-likelihood "
            f"<b>{ll[iteration]:.4f}</b> nats per point")
    if iteration > 0:
        text += f" ({ll[iteration] - ll[iteration - 1]:+.2e} since iteration {iteration - 1})"
    return text


class EMPlayer(FramePlayer):
    """Step through a recorded EM run (``03_latent_variable_models``): the slider (and the play
    button) picks the iteration; the picture shows the points coloured by responsibility, the
    component ellipses and the log-likelihood curve up to that iteration.

    ``history`` is a :class:`course_utils.lvm.EMHistory`; ``shown`` is the iteration on screen.
    """

    figsize = (12.0, 4.8)
    key_name = "iteration"

    def __init__(self, history, true_means=None, interval_ms: int = 400, width_px: int = 900):
        _check_history(history)
        self.history = history
        self.true_means = true_means
        super().__init__(range(history.n_iterations + 1), play=True, interval_ms=interval_ms,
                         width_px=width_px)

    def draw_figure(self, fig: Figure, key: int) -> None:
        ax_points, ax_curve = fig.subplots(1, 2)
        draw_em_state(ax_points, ax_curve, self.history, key, self.true_means)
        fig.tight_layout()

    def caption_for(self, key: int) -> str:
        return em_caption(self.history, key)


def em_player(history, true_means=None, **kwargs) -> EMPlayer:
    """Build an :class:`EMPlayer` for a recorded EM run (``03_latent_variable_models``);
    display it (or ``player.widget``) in a cell."""
    return EMPlayer(history, true_means, **kwargs)
