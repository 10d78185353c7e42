"""ipywidgets apps: they redraw results that already exist and never train.

Each app is built by a function that returns the widget; the drawing logic is a plain
function next to it so tests can call it without a browser (set a widget's ``value`` and
the callback runs synchronously).
"""

from __future__ import annotations

# ---------------------------------------------------------------- 02_generative_modeling


def continuations_html(model, prompt: str, temperature: float, seed: int, n_samples: int = 5,
                       max_words: int = 20) -> str:
    """HTML list of ``n_samples`` continuations of ``prompt`` drawn from a fitted
    :class:`course_utils.density.NGramModel` (``02_generative_modeling``). Only samples."""
    import html

    texts = model.continuations(prompt, n_samples=n_samples, temperature=temperature,
                                seed=seed, max_words=max_words)
    items = "".join(f"<li><b>{html.escape(prompt)}</b> {html.escape(t)}</li>" for t in texts)
    return (f"<p>temperature <b>{temperature:.2f}</b>, draw {seed}: "
            f"{len(set(texts))} different continuation(s) out of {len(texts)}</p><ol>{items}</ol>")


def next_word_app(model, prompt: str = "I had such a", temperature: float = 1.0,
                  n_samples: int = 5, max_words: int = 20):
    """Temperature slider for next-word generation (``02_generative_modeling``): moving the
    slider, editing the prompt or pressing *re-sample* draws new continuations from the
    already fitted n-gram ``model``; nothing is refitted. Returns the widget."""
    import ipywidgets as widgets

    temp = widgets.FloatSlider(value=temperature, min=0.0, max=2.5, step=0.1,
                               description="temperature", continuous_update=False)
    draw = widgets.IntSlider(value=0, min=0, max=999, description="draw",
                             continuous_update=False)
    text = widgets.Text(value=prompt, description="prompt", continuous_update=False)
    button = widgets.Button(description="re-sample")
    out = widgets.HTML()

    def redraw(_=None):
        out.value = continuations_html(model, text.value, temp.value, draw.value, n_samples,
                                       max_words)

    for w in (temp, draw, text):
        w.observe(redraw, names="value")
    button.on_click(lambda _: setattr(draw, "value", (draw.value + 1) % (draw.max + 1)))
    redraw()
    return widgets.VBox([widgets.HBox([text, temp]), widgets.HBox([draw, button]), out])


# ---------------------------------------------------------------- 03_latent_variable_models

EM_PALETTE = ((0.12, 0.47, 0.71), (1.00, 0.50, 0.05), (0.17, 0.63, 0.17), (0.84, 0.15, 0.16),
              (0.58, 0.40, 0.74), (0.55, 0.34, 0.29), (0.89, 0.47, 0.76), (0.50, 0.50, 0.50))


def responsibility_colours(resp):
    """RGB colour of every point (n, 3): the components' colours mixed in proportion to the
    point's responsibilities (``03_latent_variable_models``). A point that belongs clearly to
    one component takes its colour; an undecided point gets a blend."""
    import numpy as np

    resp = np.asarray(resp, dtype=float)
    if resp.ndim != 2 or not 1 <= resp.shape[1] <= len(EM_PALETTE):
        raise ValueError(f"resp must be shaped (n, k) with 1 <= k <= {len(EM_PALETTE)}, "
                         f"got {resp.shape}")
    return np.clip(resp @ np.asarray(EM_PALETTE[: resp.shape[1]]), 0.0, 1.0)


def draw_em_state(ax_points, ax_curve, history, iteration: int, true_means=None) -> None:
    """Draw one recorded EM iteration (``03_latent_variable_models``): on ``ax_points`` the data
    coloured by responsibility with each component's mean and 2-standard-deviation ellipse,
    on ``ax_curve`` the average log-likelihood up to this iteration. Only reads ``history``
    (a :class:`course_utils.lvm.EMHistory` of 2-D data); never fits anything."""
    import numpy as np

    from course_utils import lvm

    weights, means, covs = history.params(iteration)
    x = history.x
    if x.shape[1] != 2:
        raise ValueError(f"the EM picture needs 2-D data, got {x.shape[1]}-D")
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
    """A matplotlib figure of one recorded EM iteration (``03_latent_variable_models``)."""
    import matplotlib.pyplot as plt

    fig, (ax_points, ax_curve) = plt.subplots(1, 2, figsize=(12, 4.8))
    draw_em_state(ax_points, ax_curve, history, iteration, true_means)
    fig.tight_layout()
    return fig


def em_caption(history, iteration: int) -> str:
    """One line under the EM player: the iteration, its log-likelihood and the change."""
    ll = history.log_likelihood
    text = (f"iteration <b>{iteration}</b> of {history.n_iterations}: average log-likelihood "
            f"<b>{ll[iteration]:.4f}</b> nats per point")
    if iteration > 0:
        text += f" ({ll[iteration] - ll[iteration - 1]:+.2e} since iteration {iteration - 1})"
    return text


class EMPlayer:
    """Step through a recorded EM run (``03_latent_variable_models``): a slider (and a play
    button) picks the iteration; the picture shows the points coloured by responsibility, the
    component ellipses and the log-likelihood curve up to that iteration.

    ``history`` is a :class:`course_utils.lvm.EMHistory`. The player only redraws that record
    (each frame is rendered once, off-screen, and cached); it never runs an E- or M-step.
    """

    def __init__(self, history, true_means=None, interval_ms: int = 400, width_px: int = 900):
        import ipywidgets as w

        if not hasattr(history, "log_likelihood") or not hasattr(history, "resp"):
            raise TypeError(f"history must be an lvm.EMHistory, got {type(history).__name__}")
        if history.x.shape[1] != 2:
            raise ValueError(f"the EM player needs 2-D data, got {history.x.shape[1]}-D")
        self.history = history
        self.true_means = true_means
        self.width_px = width_px
        self.frames: dict[int, bytes] = {}
        self.slider = w.IntSlider(value=0, min=0, max=history.n_iterations, step=1,
                                  description="iteration", continuous_update=True,
                                  layout=w.Layout(width="420px"))
        self.play = w.Play(value=0, min=0, max=history.n_iterations, step=1,
                           interval=interval_ms, description="play")
        self._link = w.jslink((self.play, "value"), (self.slider, "value"))
        self.image = w.Image(format="png", layout=w.Layout(width=f"{width_px}px"))
        self.caption = w.HTML()
        self.shown_iteration = None
        self.slider.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.play, self.slider]), self.image, self.caption])
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def render(self, iteration: int) -> bytes:
        """PNG bytes of one iteration's picture (cached)."""
        if iteration not in self.frames:
            import io

            from matplotlib.backends.backend_agg import FigureCanvasAgg
            from matplotlib.figure import Figure

            fig = Figure(figsize=(12, 4.8), dpi=self.width_px / 12)
            FigureCanvasAgg(fig)  # off-screen: never shown, never registered with pyplot
            ax_points, ax_curve = fig.subplots(1, 2)
            draw_em_state(ax_points, ax_curve, self.history, iteration, self.true_means)
            fig.tight_layout()
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            self.frames[iteration] = buf.getvalue()
        return self.frames[iteration]

    def show(self, iteration: int) -> None:
        """Move the slider to ``iteration`` (the picture follows)."""
        if (not isinstance(iteration, int) or isinstance(iteration, bool)
                or not 0 <= iteration <= self.history.n_iterations):
            raise ValueError(f"iteration must be an int in [0, {self.history.n_iterations}], "
                             f"got {iteration!r}")
        self.slider.value = iteration

    def update(self) -> None:
        """Redraw for the slider's iteration."""
        t = int(self.slider.value)
        self.image.value = self.render(t)
        self.caption.value = em_caption(self.history, t)
        self.shown_iteration = t

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def em_player(history, true_means=None, **kwargs) -> EMPlayer:
    """Build an :class:`EMPlayer` for a recorded EM run (``03_latent_variable_models``);
    display it (or ``player.widget``) in a cell."""
    return EMPlayer(history, true_means, **kwargs)


# ---------------------------------------------------------------- 04_autoencoders


def image_rows_png(rows: dict, title: str = "", cell_px: int = 56) -> bytes:
    """PNG bytes of aligned rows of grey images in [0, 1] (one row per label), drawn off-screen
    with matplotlib (``04_autoencoders``): a title, each row's label on the left."""
    import io

    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not rows:
        raise ValueError("image_rows_png needs at least one row")
    arrays = {str(k): np.asarray(v) for k, v in rows.items()}
    for label, arr in arrays.items():
        if arr.ndim != 3 or arr.shape[1:] != (28, 28):
            raise ValueError(f"row {label!r} must be images shaped (n, 28, 28), got {arr.shape}")
    ncols = max(len(a) for a in arrays.values())
    dpi = 100
    fig = Figure(figsize=((ncols * cell_px + 150) / dpi, (len(arrays) * cell_px + 45) / dpi),
                 dpi=dpi)
    FigureCanvasAgg(fig)  # off-screen: never shown, never registered with pyplot
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
    fig.subplots_adjust(left=140 / (ncols * cell_px + 150), right=0.99, bottom=0.01,
                        top=1 - 40 / (len(arrays) * cell_px + 45), wspace=0.05, hspace=0.05)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _check_models(autoencoders: dict, what: str) -> None:
    if not isinstance(autoencoders, dict) or not autoencoders:
        raise ValueError(f"{what} must be a non-empty dict of trained autoencoders")
    for key, model in autoencoders.items():
        if not hasattr(model, "predict"):
            raise TypeError(f"{what}[{key!r}] must be a Keras model (something with .predict), "
                            f"got {type(model).__name__}")


class CodeSizeSwitcher:
    """Switch between autoencoders of different code sizes (``04_autoencoders``).

    ``autoencoders`` maps a code size to an already-trained autoencoder (from
    :func:`course_utils.models.trained_autoencoder`); ``images`` are a few test images in
    [0, 1]; ``test_mse`` (optional) maps a code size to its error on the whole test set.
    Every reconstruction is computed once, when the switcher is built; moving the slider only
    looks up the stored images and the cached picture, so nothing is trained or predicted.
    """

    def __init__(self, autoencoders: dict, images, test_mse: dict | None = None):
        import ipywidgets as w
        import numpy as np

        from course_utils import models

        _check_models(autoencoders, "autoencoders")
        self.images = models.as_images(images, "images")
        self.sizes = sorted(int(k) for k in autoencoders)
        self.reconstructions = {int(k): models.reconstruct(m, self.images)
                                for k, m in autoencoders.items()}
        self.errors = {k: np.mean((r - self.images) ** 2, axis=(1, 2))
                       for k, r in self.reconstructions.items()}
        self.test_mse = {int(k): float(v) for k, v in (test_mse or {}).items()}
        self.frames: dict[int, bytes] = {}
        self.n_renders = 0
        self.slider = w.SelectionSlider(options=self.sizes, value=self.sizes[len(self.sizes) // 2],
                                        description="code size", continuous_update=True,
                                        layout=w.Layout(width="420px"))
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.shown_code_size = None
        self.slider.observe(self._on_change, names="value")
        self.widget = w.VBox([self.slider, self.image, self.caption])
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def caption_for(self, code_size: int) -> str:
        """The line under the picture: the error of this code size."""
        text = (f"code size <b>{code_size}</b>: MSE on these {len(self.images)} images "
                f"<b>{self.errors[code_size].mean():.4f}</b>")
        if code_size in self.test_mse:
            text += f"; on the whole test set <b>{self.test_mse[code_size]:.4f}</b>"
        return text

    def render(self, code_size: int) -> bytes:
        """PNG bytes of originals, reconstructions and the absolute error (cached)."""
        if code_size not in self.frames:
            import numpy as np

            self.n_renders += 1
            recon = self.reconstructions[code_size]
            self.frames[code_size] = image_rows_png(
                {"original": self.images, f"code size {code_size}": recon,
                 "|error|": np.abs(recon - self.images)},
                title=f"Reconstructions from a {code_size}-number code "
                      f"(MSE {self.errors[code_size].mean():.4f})")
        return self.frames[code_size]

    def show(self, code_size: int) -> None:
        """Move the slider to ``code_size`` (the picture follows)."""
        if code_size not in self.sizes:
            raise ValueError(f"code_size must be one of {self.sizes}, got {code_size!r}")
        self.slider.value = code_size

    def update(self) -> None:
        k = int(self.slider.value)
        self.image.value = self.render(k)
        self.caption.value = self.caption_for(k)
        self.shown_code_size = k

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def code_size_switcher(autoencoders: dict, images, test_mse: dict | None = None):
    """Build a :class:`CodeSizeSwitcher` (``04_autoencoders``); display it in a cell."""
    return CodeSizeSwitcher(autoencoders, images, test_mse)


DENOISING_LEVELS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8)


class DenoisingExplorer:
    """A noise-level slider over fixed test images (``04_autoencoders``).

    For every level in ``noise_levels`` the images get Gaussian noise of that standard
    deviation (the same noise pattern, scaled; clipped to [0, 1]; see
    :func:`course_utils.models.add_noise`) and every autoencoder in ``autoencoders`` (name ->
    trained model) cleans them. All of this is computed once, when the explorer is built;
    the slider only shows stored results: the clean images, the noisy input, each model's
    output, and the absolute error of the last model's output.
    """

    def __init__(self, autoencoders: dict, images, noise_levels=DENOISING_LEVELS, seed: int = 0):
        import ipywidgets as w
        import numpy as np

        from course_utils import models

        _check_models(autoencoders, "autoencoders")
        levels = [round(float(s), 4) for s in noise_levels]
        if not levels or min(levels) < 0 or len(set(levels)) != len(levels):
            raise ValueError(f"noise_levels must be distinct numbers >= 0, got {noise_levels!r}")
        self.levels = sorted(levels)
        self.images = models.as_images(images, "images")
        self.names = [str(k) for k in autoencoders]
        n = len(self.images)
        self.noisy = {s: models.add_noise(self.images, s, seed=seed) for s in self.levels}
        stacked = np.concatenate([self.noisy[s] for s in self.levels])
        self.outputs = {}
        for name, model in zip(self.names, autoencoders.values(), strict=True):
            out = models.reconstruct(model, stacked)  # one prediction per model, at build time
            self.outputs[name] = {s: out[i * n:(i + 1) * n] for i, s in enumerate(self.levels)}
        self.frames: dict[float, bytes] = {}
        self.n_renders = 0
        self.slider = w.SelectionSlider(options=self.levels, value=self.levels[len(self.levels) // 2],
                                        description="noise std", continuous_update=True,
                                        layout=w.Layout(width="420px"))
        self.image = w.Image(format="png")
        self.caption = w.HTML()
        self.shown_level = None
        self.slider.observe(self._on_change, names="value")
        self.widget = w.VBox([self.slider, self.image, self.caption])
        self.update()

    def _on_change(self, change) -> None:
        self.update()

    def mse(self, level: float) -> dict:
        """MSE against the clean images of the noisy input and of every model's output."""
        import numpy as np

        row = {"noisy input": float(np.mean((self.noisy[level] - self.images) ** 2))}
        for name in self.names:
            row[name] = float(np.mean((self.outputs[name][level] - self.images) ** 2))
        return row

    def caption_for(self, level: float) -> str:
        parts = [f"{name} <b>{value:.4f}</b>" for name, value in self.mse(level).items()]
        return f"noise std <b>{level:g}</b>; MSE against the clean images: " + ", ".join(parts)

    def render(self, level: float) -> bytes:
        if level not in self.frames:
            import numpy as np

            self.n_renders += 1
            rows = {"clean": self.images, "noisy input": self.noisy[level]}
            rows.update({name: self.outputs[name][level] for name in self.names})
            last = self.names[-1]
            rows[f"|error| {last}"] = np.abs(self.outputs[last][level] - self.images)
            self.frames[level] = image_rows_png(
                rows, title=f"Gaussian noise with standard deviation {level:g}")
        return self.frames[level]

    def show(self, level: float) -> None:
        """Move the slider to ``level`` (the picture follows)."""
        if level not in self.levels:
            raise ValueError(f"level must be one of {self.levels}, got {level!r}")
        self.slider.value = level

    def update(self) -> None:
        s = self.slider.value
        self.image.value = self.render(s)
        self.caption.value = self.caption_for(s)
        self.shown_level = s

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def denoising_explorer(autoencoders: dict, images, noise_levels=DENOISING_LEVELS, seed: int = 0):
    """Build a :class:`DenoisingExplorer` (``04_autoencoders``); display it in a cell."""
    return DenoisingExplorer(autoencoders, images, noise_levels, seed)


# ---------------------------------------------------------------- 05_variational_autoencoders


class LatentExplorer:
    """Latent explorer (``05_variational_autoencoders``): two sliders pick a point z of a 2-D
    latent plane and an already-trained decoder turns it into an image at once.

    ``decode(z)`` maps codes shaped (n, 2) to images in [0, 1] shaped (n, 28, 28) (for a VAE,
    ``vae.make_decoder_fn(model)``). Optional ``codes``/``labels`` (for example the test set's
    posterior means) are drawn once as the background of the plane; every move only decodes
    one point, redraws a crosshair on a copy of that background and swaps the PNG bytes of two
    ``ipywidgets.Image`` widgets. Nothing is trained and no figure is rebuilt.
    """

    def __init__(self, decode, codes=None, labels=None, class_names=None, extent: float = 3.0,
                 step: float = 0.05, image_scale: int = 8,
                 title: str = "Latent plane: test means by class"):
        import ipywidgets as w
        import numpy as np

        if not callable(decode):
            raise TypeError(f"decode must be a function z -> images, got {type(decode).__name__}")
        if not extent > 0 or not 0 < step < extent:
            raise ValueError(f"need extent > 0 and 0 < step < extent, got {extent}, {step}")
        if not isinstance(image_scale, int) or image_scale < 1:
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
        self.last_image = None
        for s in (self.z0, self.z1):
            s.observe(self._on_change, names="value")
        self.widget = w.VBox([w.HBox([self.plane, self.image]), w.HBox([self.z0, self.z1]),
                              self.caption, self.legend])
        self.update()

    def _on_change(self, change) -> None:
        if not self._hold:
            self.update()

    def set_point(self, z0: float, z1: float):
        """Move both sliders to (z0, z1) and redraw once; returns the decoded image."""
        import numbers

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

    def update(self):
        """Decode the sliders' point and redraw both images; returns the decoded image."""
        import numpy as np

        z = np.array([[self.z0.value, self.z1.value]], dtype="float32")
        image = np.asarray(self.decode(z))
        if image.shape[0] != 1 or image.reshape(1, -1).shape[1] != 28 * 28:
            raise ValueError(f"decode must return one 28x28 image per code, got {image.shape}")
        image = image.reshape(28, 28)
        self.image.value = png_bytes(image, scale=self.image_scale)
        self.plane.value = png_bytes(mark_latent_point(self.background, z[0], self.box,
                                                       self.extent))
        self.caption.value = explorer_caption(z[0], self.codes, self.labels, self.class_names)
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
    """Render the latent plane once (scatter of ``codes`` coloured by ``labels``, the prior's
    1- and 2-sigma circles, title and axis labels) into an RGB array.

    Returns ``(rgb uint8 (h, w, 3), box)`` where ``box = (left, right, top, bottom)`` are the
    pixel columns/rows of the axes' edges, used to place the crosshair.
    """
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

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
    box = (float(x0), float(x1), float(height - y1), float(height - y0))
    return rgb, box


def mark_latent_point(background, z, box, extent: float):
    """A copy of ``background`` with a red crosshair at the latent point ``z`` (clipped to the
    plane)."""
    import numpy as np

    left, right, top, bottom = box
    fx = (float(z[0]) + extent) / (2 * extent)
    fy = (float(z[1]) + extent) / (2 * extent)
    col = int(round(left + np.clip(fx, 0, 1) * (right - left)))
    row = int(round(bottom - np.clip(fy, 0, 1) * (bottom - top)))
    out = background.copy()
    red = np.array([220, 30, 30], dtype=np.uint8)
    t, b, lft, rgt = int(top), int(bottom), int(left), int(right)
    out[max(row - 1, t):row + 1, lft:rgt] = red
    out[t:b, max(col - 1, lft):col + 1] = red
    out[max(row - 4, 0):row + 5, max(col - 4, 0):col + 5] = red
    return out


def png_bytes(image, scale: int = 1, compress_level: int = 1) -> bytes:
    """PNG bytes of a grey image in [0, 1] (h, w) or an RGB uint8 image (h, w, 3), enlarged
    ``scale`` times with square pixels. Fast (low compression) for widgets."""
    import io

    import numpy as np
    from PIL import Image

    arr = np.asarray(image)
    if arr.dtype != np.uint8:
        arr = (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if scale > 1:
        arr = np.repeat(np.repeat(arr, scale, axis=0), scale, axis=1)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def explorer_caption(z, codes=None, labels=None, class_names=None) -> str:
    """One line under the explorer: the point, and the class of the nearest test code."""
    import numpy as np

    text = f"decoded image at z = ({float(z[0]):+.2f}, {float(z[1]):+.2f})"
    if codes is not None and labels is not None and len(codes):
        nearest = int(np.argmin(np.sum((codes - np.asarray(z, dtype="float32")) ** 2, axis=1)))
        label = labels[nearest]
        name = class_names[int(label)] if class_names is not None else str(label)
        text += f"; nearest test image's code belongs to class <b>{name}</b>"
    return text


def class_legend_html(class_names=None, n_classes: int = 10) -> str:
    """HTML legend for the tab10 class colours of the latent plane."""
    import matplotlib
    from matplotlib.colors import to_hex

    cmap = matplotlib.colormaps["tab10"]
    names = class_names if class_names is not None else [str(i) for i in range(n_classes)]
    items = [f'<span style="color:{to_hex(cmap(i % 10))}">&#9632;</span>&nbsp;{name}'
             for i, name in enumerate(names)]
    return "colours: " + " &nbsp; ".join(items)


# ---------------------------------------------------------------- 06_generative_adversarial_networks

TOY_REAL_COLOUR = "#222222"
TOY_FAKE_COLOUR = "#ff7f0e"


def _check_toy_run(run) -> None:
    record = getattr(run, "record", None)
    needed = ("step", "fake", "d_grid", "d_loss", "g_loss", "d_real", "d_fake", "d_acc", "js")
    if not isinstance(record, dict) or any(k not in record for k in needed):
        raise TypeError("expected a recorded toy GAN run (gan.train_toy_gan(...)), "
                        f"got {type(run).__name__}")


def toy_d_limits(run) -> tuple[float, float]:
    """Colour limits for D's heat map, symmetric around 1/2 and wide enough for the largest
    departure from 1/2 in the whole run (at least 0.05), so a cautious D still shows."""
    import numpy as np

    half = float(np.quantile(np.abs(np.asarray(run.record["d_grid"]) - 0.5), 0.995))
    half = min(0.5, max(0.05, half))
    return 0.5 - half, 0.5 + half


def toy_frame_caption(run, index: int) -> str:
    """One line under a toy-GAN frame (``06``): the step, D's mean outputs, the divergence
    estimate and how many modes the shown fakes cover."""
    from course_utils import gan

    r = run.record
    text = (f"step <b>{int(r['step'][index])}</b>: D is right on "
            f"<b>{100 * r['d_acc'][index]:.0f}%</b> of real and fake points, "
            f"mean D(x) = <b>{r['d_real'][index]:.2f}</b>, "
            f"mean D(G(z)) = <b>{r['d_fake'][index]:.2f}</b>, "
            f"JS estimate = <b>{r['js'][index]:.3f}</b> nats")
    extras = getattr(run, "extras", {}) or {}
    if "centres" in extras and "radius" in extras:
        cov = gan.mode_coverage(r["fake"][index], extras["centres"], extras["radius"])
        text += f"; fakes cover <b>{cov.covered} of {cov.n_modes}</b> modes"
    return text


def draw_toy_frame(axes, run, index: int, title: str | None = None) -> None:
    """Draw snapshot ``index`` of a recorded toy GAN run (``06``) on three axes: the plane
    (D's probability as a heat map, real points, generated points), both losses, and mean D(x),
    mean D(G(z)) and the JS estimate, each up to this step. Only reads the record."""
    import numpy as np

    _check_toy_run(run)
    r = run.record
    n = len(r["step"])
    if not isinstance(index, int | np.integer) or not 0 <= index < n:
        raise ValueError(f"index must be an int in [0, {n - 1}], got {index!r}")
    extras = getattr(run, "extras", {}) or {}
    extent = float(extras.get("extent", 3.0))
    ax_plane, ax_loss, ax_d = axes
    vmin, vmax = toy_d_limits(run)
    im = ax_plane.imshow(r["d_grid"][index], origin="lower", cmap="RdBu", vmin=vmin, vmax=vmax,
                         extent=(-extent, extent, -extent, extent), interpolation="bilinear")
    if "real" in extras:
        real = np.asarray(extras["real"])[:600]
        ax_plane.scatter(real[:, 0], real[:, 1], s=3, c=TOY_REAL_COLOUR, label="real")
    fake = r["fake"][index]
    ax_plane.scatter(fake[:, 0], fake[:, 1], s=3, c=TOY_FAKE_COLOUR, label="generated")
    ax_plane.set_xlim(-extent, extent)
    ax_plane.set_ylim(-extent, extent)
    ax_plane.set_aspect("equal")
    ax_plane.set_xlabel("x[0]")
    ax_plane.set_ylabel("x[1]")
    ax_plane.set_title(title or f"step {int(r['step'][index])}: D(x) over the plane")
    ax_plane.legend(loc="upper right", fontsize=8, markerscale=3)
    ax_plane.figure.colorbar(im, ax=ax_plane, fraction=0.046, pad=0.04, label="D(x)")
    steps = r["step"]
    upto = slice(0, index + 1)
    for key, label in (("d_loss", "discriminator loss"), ("g_loss", "generator loss")):
        ax_loss.plot(steps[upto], r[key][upto], label=label)
    lo = min(float(np.min(r["d_loss"])), float(np.min(r["g_loss"])))
    hi = max(float(np.max(r["d_loss"])), float(np.max(r["g_loss"])))
    ax_loss.set_xlim(0, max(1, int(steps[-1])))
    ax_loss.set_ylim(lo - 0.05 * (hi - lo + 1e-9), hi + 0.05 * (hi - lo + 1e-9))
    ax_loss.set_xlabel("generator step")
    ax_loss.set_ylabel("loss (nats)")
    ax_loss.set_title("Both losses")
    ax_loss.legend(fontsize=8)
    ax_d.plot(steps[upto], r["d_real"][upto], label="mean D(x), real")
    ax_d.plot(steps[upto], r["d_fake"][upto], label="mean D(G(z)), generated")
    ax_d.plot(steps[upto], r["d_acc"][upto], label="D's accuracy", color="tab:green")
    ax_d.plot(steps[upto], r["js"][upto], label="JS estimate (nats)", color="0.4")
    ax_d.axhline(0.5, color="0.6", lw=1, ls="--")
    ax_d.set_xlim(0, max(1, int(steps[-1])))
    ax_d.set_ylim(0, 1)
    ax_d.set_xlabel("generator step")
    ax_d.set_ylabel("probability / nats")
    ax_d.set_title("What D says, and how far apart")
    ax_d.legend(fontsize=8)


def toy_frames_figure(run, indices, titles=None, suptitle: str = "", ncols: int = 3):
    """A pyplot figure with one plane per chosen snapshot of a toy run (``06``), each with
    the generated points over D's heat map, ``ncols`` per row; ``titles`` (one per frame)
    override the default "step N"."""
    import matplotlib.pyplot as plt
    import numpy as np

    _check_toy_run(run)
    indices = [int(i) for i in indices]
    if not indices:
        raise ValueError("toy_frames_figure needs at least one snapshot index")
    if titles is not None and len(titles) != len(indices):
        raise ValueError(f"got {len(titles)} titles for {len(indices)} frames")
    r = run.record
    extras = getattr(run, "extras", {}) or {}
    extent = float(extras.get("extent", 3.0))
    ncols = max(1, min(int(ncols), len(indices)))
    nrows = -(-len(indices) // ncols)
    vmin, vmax = toy_d_limits(run)
    fig, axes = plt.subplots(nrows, ncols, figsize=(3.7 * ncols + 0.8, 4.0 * nrows),
                             squeeze=False)
    for ax in axes.flat[len(indices):]:
        ax.axis("off")
    for k, (ax, i) in enumerate(zip(axes.flat, indices, strict=False)):  # extra axes stay off
        im = ax.imshow(r["d_grid"][i], origin="lower", cmap="RdBu", vmin=vmin, vmax=vmax,
                       extent=(-extent, extent, -extent, extent), interpolation="bilinear")
        if "real" in extras:
            real = np.asarray(extras["real"])[:400]
            ax.scatter(real[:, 0], real[:, 1], s=2, c=TOY_REAL_COLOUR)
        ax.scatter(r["fake"][i][:, 0], r["fake"][i][:, 1], s=2, c=TOY_FAKE_COLOUR)
        ax.set_xlim(-extent, extent)
        ax.set_ylim(-extent, extent)
        ax.set_aspect("equal")
        ax.set_title(titles[k] if titles else f"step {int(r['step'][i])}", fontsize=10)
        ax.set_xlabel("x[0]")
        ax.set_ylabel("x[1]" if k % ncols == 0 else "")
    if suptitle:
        fig.suptitle(suptitle, fontweight="bold")
    fig.tight_layout()
    fig.colorbar(im, ax=axes, fraction=0.02, pad=0.02, label="D(x): red = fake, blue = real")
    return fig


def _render_png(draw, figsize, width_px: int) -> bytes:
    """Draw on an off-screen figure (never shown, never registered with pyplot); PNG bytes.

    Fixed margins instead of ``tight_layout`` and low PNG compression keep a frame fast."""
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=width_px / figsize[0])
    FigureCanvasAgg(fig)
    draw(fig)
    fig.subplots_adjust(left=0.05, right=0.98, bottom=0.13, top=0.91, wspace=0.45)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", pil_kwargs={"compress_level": 1})
    return buf.getvalue()


class _SnapshotPlayer:
    """A Play button and a slider over the snapshots of a recorded run; each frame is rendered
    once, off-screen, and cached. Subclasses define ``_draw(fig, index)`` and ``caption``."""

    figsize = (14.0, 4.2)

    def __init__(self, run, interval_ms: int = 250, width_px: int = 980):
        import ipywidgets as w

        self.run = run
        self.n_frames = len(run.record["step"])
        self.width_px = int(width_px)
        self.frames: dict[int, bytes] = {}
        last = self.n_frames - 1
        self.slider = w.IntSlider(value=0, min=0, max=last, step=1, description="snapshot",
                                  continuous_update=True, layout=w.Layout(width="420px"))
        self.play = w.Play(value=0, min=0, max=last, step=1, interval=interval_ms,
                           description="play")
        self._link = w.jslink((self.play, "value"), (self.slider, "value"))
        self.image = w.Image(format="png", layout=w.Layout(width=f"{self.width_px}px"))
        self.label = w.HTML()
        self.shown = None
        self.slider.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.play, self.slider]), self.image, self.label])
        self.update()

    def render(self, index: int) -> bytes:
        """PNG bytes of snapshot ``index`` (cached)."""
        if index not in self.frames:
            self.frames[index] = _render_png(lambda fig: self._draw(fig, index), self.figsize,
                                             self.width_px)
        return self.frames[index]

    def show(self, index: int) -> None:
        """Move the slider to snapshot ``index`` (the picture follows)."""
        if (not isinstance(index, int) or isinstance(index, bool)
                or not 0 <= index < self.n_frames):
            raise ValueError(f"index must be an int in [0, {self.n_frames - 1}], got {index!r}")
        self.slider.value = index

    def update(self) -> None:
        """Redraw for the slider's snapshot."""
        i = int(self.slider.value)
        self.image.value = self.render(i)
        self.label.value = self.caption(i)
        self.shown = i

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


class ToyGANPlayer(_SnapshotPlayer):
    """Replay a recorded toy GAN run (``06_generative_adversarial_networks``): play button and
    slider over the snapshots; each frame shows real and generated points over D's heat map,
    both losses and mean D(x), D(G(z)) and the JS estimate up to that step. Never trains."""

    def __init__(self, run, interval_ms: int = 200, width_px: int = 980):
        _check_toy_run(run)
        super().__init__(run, interval_ms, width_px)

    def _draw(self, fig, index: int) -> None:
        gs = fig.add_gridspec(1, 3, width_ratios=[1.15, 1, 1])
        axes = [fig.add_subplot(gs[0, k]) for k in range(3)]
        draw_toy_frame(axes, self.run, index)

    def caption(self, index: int) -> str:
        return toy_frame_caption(self.run, index)


def toy_gan_player(run, **kwargs) -> ToyGANPlayer:
    """Build a :class:`ToyGANPlayer` for a run of ``gan.train_toy_gan`` (``06``)."""
    return ToyGANPlayer(run, **kwargs)


def toy_run_summary(run) -> str:
    """One line describing a toy run's settings and result (HTML)."""
    s = run.settings
    cov = run.extras.get("coverage") if getattr(run, "extras", None) else None
    text = (f"lr D {s['lr_d']:.1e}, lr G {s['lr_g']:.1e}, {s['d_steps']} D step(s) per G step, "
            f"R1 weight {s.get('r1_weight', 0.0):g}, {s['steps']} steps in {run.seconds:.1f} s")
    if cov is not None:
        text += f": <b>{cov}</b>"
    return text


class ToyGANLab:
    """The toy GAN player with re-train controls (``06``): learning rates of D and G and the
    number of D steps per G step. Moving a control changes nothing; the **Train** button calls
    ``train_fn(lr_d=..., lr_g=..., d_steps=...)`` (for example a ``functools.partial`` of
    ``gan.train_toy_gan``) and replaces the player with the new run's."""

    def __init__(self, run, train_fn):
        import ipywidgets as w

        _check_toy_run(run)
        if not callable(train_fn):
            raise TypeError(f"train_fn must be callable, got {type(train_fn).__name__}")
        self.train_fn = train_fn
        self.runs = [run]
        s = run.settings
        log_slider = dict(base=10, min=-4.5, max=-2, step=0.25, readout_format=".1e",
                          continuous_update=False, style={"description_width": "initial"})
        self.lr_d = w.FloatLogSlider(value=s["lr_d"], description="lr D", **log_slider)
        self.lr_g = w.FloatLogSlider(value=s["lr_g"], description="lr G", **log_slider)
        self.d_steps = w.IntSlider(value=s["d_steps"], min=1, max=5, description="D steps",
                                   continuous_update=False)
        self.button = w.Button(description="Train", button_style="primary",
                               tooltip="train a new toy GAN with these settings")
        self.status = w.HTML(toy_run_summary(run))
        self.player = ToyGANPlayer(run)
        self.box = w.VBox([self.player.widget])
        self.button.on_click(lambda _: self.train())
        self.widget = w.VBox([w.HBox([self.lr_d, self.lr_g, self.d_steps, self.button]),
                              self.status, self.box])

    def train(self):
        """Train with the controls' settings, show the new run and return it."""
        self.button.disabled = True
        self.status.value = "training ..."
        try:
            run = self.train_fn(lr_d=float(self.lr_d.value), lr_g=float(self.lr_g.value),
                                d_steps=int(self.d_steps.value))
        finally:
            self.button.disabled = False
        _check_toy_run(run)
        self.runs.append(run)
        self.player = ToyGANPlayer(run)
        self.box.children = [self.player.widget]
        self.status.value = toy_run_summary(run)
        return run

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def toy_gan_lab(run, train_fn) -> ToyGANLab:
    """Build a :class:`ToyGANLab` (``06``): replay ``run``, re-train on the button."""
    return ToyGANLab(run, train_fn)


def _grid_image(images, ncols: int):
    import numpy as np

    imgs = np.asarray(images)
    n = len(imgs)
    nrows = -(-n // ncols)
    pad = 2
    out = np.ones((nrows * (28 + pad) + pad, ncols * (28 + pad) + pad), dtype="float32")
    for k in range(n):
        r, c = divmod(k, ncols)
        out[pad + r * (28 + pad):pad + r * (28 + pad) + 28,
            pad + c * (28 + pad):pad + c * (28 + pad) + 28] = imgs[k]
    return out


class ImageGANPlayer(_SnapshotPlayer):
    """Replay a recorded DCGAN or conditional GAN run (``06``): the generator's images for a
    fixed set of noise vectors at each snapshot, next to the judge's Frechet distance (and, for
    a conditional GAN, the judge's accuracy) and both losses up to that step. Never trains."""

    figsize = (13.0, 4.4)

    def __init__(self, run, ncols: int | None = None, fd_floor: float | None = None,
                 interval_ms: int = 500, width_px: int = 940):
        record = getattr(run, "record", None)
        if not isinstance(record, dict) or "images" not in record or "fd" not in record:
            raise TypeError("expected a recorded image GAN run (gan.train_dcgan / train_cgan), "
                            f"got {type(run).__name__}")
        self.ncols = int(ncols or (10 if "judge_acc" in record else 6))
        self.fd_floor = fd_floor
        super().__init__(run, interval_ms, width_px)

    def _draw(self, fig, index: int) -> None:
        r = self.run.record
        gs = fig.add_gridspec(1, 3, width_ratios=[1.1 if self.ncols <= 6 else 1.7, 1, 1])
        ax_img = fig.add_subplot(gs[0, 0])
        ax_img.imshow(_grid_image(r["images"][index], self.ncols), cmap="gray", vmin=0, vmax=1)
        ax_img.set_xticks([])
        ax_img.set_yticks([])
        ax_img.grid(False)
        ax_img.set_title(f"step {int(r['step'][index])}: same noise, every snapshot")
        ax_img.set_xlabel("fixed noise vectors")
        steps = r["step"]
        upto = slice(0, index + 1)
        ax_fd = fig.add_subplot(gs[0, 1])
        ax_fd.plot(steps[upto], r["fd"][upto], marker="o", label="generated vs test")
        if self.fd_floor is not None:
            ax_fd.axhline(self.fd_floor, color="0.5", ls="--", label="real vs test (floor)")
        ax_fd.set_xlim(0, max(1, int(steps[-1])))
        ax_fd.set_ylim(0, 1.05 * float(max(r["fd"])))
        ax_fd.set_xlabel("generator step")
        ax_fd.set_ylabel("judge Frechet distance")
        ax_fd.set_title("Quality (lower is better)")
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
        ax_loss.set_xlabel("generator step")
        ax_loss.set_ylabel("loss (nats)")
        ax_loss.set_title("Both losses")
        ax_loss.legend(fontsize=8)

    def caption(self, index: int) -> str:
        r = self.run.record
        text = (f"step <b>{int(r['step'][index])}</b>: judge Frechet distance "
                f"<b>{r['fd'][index]:.1f}</b>")
        if self.fd_floor is not None:
            text += f" (real images: {self.fd_floor:.1f})"
        if "judge_acc" in r:
            text += f", judge accuracy <b>{100 * r['judge_acc'][index]:.0f}%</b> (chance 10%)"
        return text + (f", mean D(x) {r['d_real'][index]:.2f}, "
                       f"mean D(G(z)) {r['d_fake'][index]:.2f}")


def image_gan_player(run, **kwargs) -> ImageGANPlayer:
    """Build an :class:`ImageGANPlayer` for a run of ``gan.train_dcgan``/``train_cgan``."""
    return ImageGANPlayer(run, **kwargs)


class ClassPicker:
    """Conditional generation on demand (``06``): pick a class from a dropdown (and a draw
    number for fresh noise) and the trained conditional generator draws ``n`` images of it.
    ``classify(images) -> labels`` (for example the judge) adds how many it recognises.
    Runs the generator only; never trains."""

    def __init__(self, generator, class_names, n: int = 16, classify=None, ncols: int = 8,
                 scale: int = 3):
        import ipywidgets as w

        if len(getattr(generator, "inputs", [])) != 2:
            raise TypeError("ClassPicker needs a conditional generator with inputs "
                            "[noise, label]")
        if not isinstance(n, int) or n < 1:
            raise ValueError(f"n must be a positive int, got {n!r}")
        self.generator = generator
        self.class_names = list(class_names)
        self.n = n
        self.ncols = ncols
        self.scale = scale
        self.classify = classify
        self.dropdown = w.Dropdown(options=[(name, i) for i, name in enumerate(self.class_names)],
                                   value=0, description="class")
        self.draw = w.IntSlider(value=0, min=0, max=99, description="draw",
                                continuous_update=False)
        self.image = w.Image(format="png")
        self.label = w.HTML()
        self.last_images = None
        for control in (self.dropdown, self.draw):
            control.observe(lambda change: self.update(), names="value")
        self.widget = w.VBox([w.HBox([self.dropdown, self.draw]), self.image, self.label])
        self.update()

    def update(self):
        """Generate for the chosen class and draw; returns the images ``(n, 28, 28)``."""
        import numpy as np

        from course_utils import gan

        c = int(self.dropdown.value)
        images = gan.sample_images(self.generator, self.n, seed=int(self.draw.value),
                                   labels=np.full(self.n, c))
        self.image.value = png_bytes(_grid_image(images, self.ncols), scale=self.scale)
        text = f"{self.n} generated <b>{self.class_names[c]}</b> images (draw {self.draw.value})"
        if self.classify is not None:
            agree = int(np.sum(np.asarray(self.classify(images)) == c))
            text += f"; the judge recognises <b>{agree} of {self.n}</b> as {self.class_names[c]}"
        self.label.value = text
        self.last_images = images
        return images

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def cgan_class_picker(generator, class_names, **kwargs) -> ClassPicker:
    """Build a :class:`ClassPicker` for a conditional generator (``06``)."""
    return ClassPicker(generator, class_names, **kwargs)
