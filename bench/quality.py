"""Time to quality: the course's VAE and DCGAN against the TF tutorials' configurations
(``bench/anchors.py``), trained side by side in the same run on the same machine.

Clock: only training time counts (evaluation between epochs is excluded for both sides).
VAE: both on statically binarized Fashion-MNIST (60k train, 10k test), quality = test ELBO
(single-sample, ``metrics.elbo``, same seed for both). The anchor trains its published 10
epochs (or until the time budget ends); its final test ELBO is the target.
DCGAN: quality = the judge's Frechet distance of 2,000 samples to 2,000 test images. The
anchor trains for the time budget; the best distance it reaches is the target.
"""

from __future__ import annotations

import time

import numpy as np

from bench import anchors


def _vae_elbo(encode, decode_logits, x_test) -> float:
    from course_utils import metrics

    return float(np.mean(metrics.elbo(x_test, encode, decode_logits, n_samples=1, seed=0)))


def _first_time(curve: list[tuple[float, float]], target: float, higher_is_better: bool):
    for seconds, value in curve:
        if (value >= target) if higher_is_better else (value <= target):
            return seconds
    return None


def _result(description: str, target: float, anchor_curve, course_curve, course_name: str,
            anchor_quality: str, course_quality: str, higher_is_better: bool) -> dict:
    """One comparison's entry for the results file: times to the target, ratio, table rows."""
    t_anchor = _first_time(anchor_curve, target, higher_is_better)
    t_course = _first_time(course_curve, target, higher_is_better)
    return {
        "description": description,
        "target": target,
        "ratio": None if t_course is None or not t_anchor else t_course / t_anchor,
        "rows": [
            {"model": "TF tutorial configuration", "seconds": t_anchor,
             "quality": anchor_quality, "note": f"{len(anchor_curve)} epochs"},
            {"model": course_name, "seconds": t_course, "quality": course_quality,
             "note": f"{len(course_curve)} epochs" + ("" if t_course else ", target not reached")},
        ],
        "curves": {"anchor": anchor_curve, "course": course_curve},
    }


def vae(budget_s: float) -> dict:
    import course_utils
    from course_utils import data, vae

    course_utils.setup(seed=0, quiet=True)
    ds = data.load_fashion_mnist()
    x_train = anchors.binarize(data.to_unit(ds.x_train))[..., None]
    x_test = anchors.binarize(data.to_unit(ds.x_test))[..., None]

    anchor = anchors.TutorialCVAE(latent_dim=2, seed=0)
    anchor_curve, clock = [], 0.0
    for epoch in range(10):
        t0 = time.perf_counter()
        anchor.train_epoch(x_train, batch_size=32, seed=epoch)
        clock += time.perf_counter() - t0
        anchor_curve.append((clock, _vae_elbo(
            lambda x: anchor.encode(x), lambda z: anchor.decoder(z), x_test)))
        print(f"  anchor VAE epoch {epoch + 1}: {clock:.0f} s, ELBO {anchor_curve[-1][1]:.2f}",
              flush=True)
        if clock > budget_s:
            break
    target = anchor_curve[-1][1]

    course_utils.setup(seed=0, quiet=True)
    model = vae.build_vae(latent_dim=2)
    course_curve, clock = [], 0.0
    x_train_flat = x_train[..., 0]
    while clock < budget_s:
        t0 = time.perf_counter()
        model.fit(x_train_flat, epochs=1, batch_size=vae.BATCH_SIZE, shuffle=True, verbose=0)
        clock += time.perf_counter() - t0
        course_curve.append((clock, _vae_elbo(model.encode, model.decode_logits, x_test[..., 0])))
        print(f"  course VAE: {clock:.0f} s, ELBO {course_curve[-1][1]:.2f}", flush=True)
        if course_curve[-1][1] >= target:
            break
    return _result(
        "Binarized Fashion-MNIST, latent 2. Anchor: TF CVAE tutorial configuration (batch 32, "
        f"Adam 1e-4), {len(anchor_curve)} of its 10 epochs within the budget; target = its final "
        f"test ELBO ({target:.2f} nats). Course: `vae.build_vae(latent_dim=2)`, batch "
        f"{vae.BATCH_SIZE}, Adam {vae.LEARNING_RATE:g}. Training seconds only; budget {budget_s:.0f} s each.",
        target, anchor_curve, course_curve, "course VAE",
        f"ELBO {anchor_curve[-1][1]:.2f}", f"ELBO {course_curve[-1][1]:.2f}",
        higher_is_better=True)


def dcgan(budget_s: float) -> dict:
    import course_utils
    from course_utils import data, gan, judge

    course_utils.setup(seed=0, quiet=True)
    ds = data.load_fashion_mnist()
    x_sym = data.to_symmetric(ds.x_train)[..., None]
    ref = data.to_unit(data.stratified_subset(ds.x_test, ds.y_test, 2000, seed=0)[0])

    def fd(images_unit) -> float:
        return float(judge.judge_frechet_distance(images_unit[..., 0]
                                                    if images_unit.ndim == 4 else images_unit, ref))

    anchor = anchors.TutorialDCGAN(seed=0)
    anchor_curve, clock, epoch = [], 0.0, 0
    while clock < budget_s:
        t0 = time.perf_counter()
        anchor.train_epoch(x_sym, batch_size=256, seed=epoch)
        clock += time.perf_counter() - t0
        epoch += 1
        anchor_curve.append((clock, fd(anchor.sample_unit(2000, seed=1))))
        print(f"  anchor DCGAN epoch {epoch}: {clock:.0f} s, FD {anchor_curve[-1][1]:.1f}",
              flush=True)
    target = min(v for _, v in anchor_curve)

    import keras
    import tensorflow as tf

    course_utils.setup(seed=0, quiet=True)
    model = gan.GAN(gan.build_dcgan_generator(), gan.build_dcgan_discriminator(), seed=0)
    # the optimizer settings of gan.train_dcgan
    model.compile(d_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
                  g_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5))
    dataset = (tf.data.Dataset.from_tensor_slices(x_sym).shuffle(len(x_sym), seed=0).repeat()
               .batch(128, drop_remainder=True).prefetch(2))
    course_curve, clock, chunk = [], 0.0, len(x_sym) // 128
    while clock < budget_s:
        t0 = time.perf_counter()
        model.fit(dataset, epochs=1, steps_per_epoch=chunk, verbose=0)
        clock += time.perf_counter() - t0
        course_curve.append((clock, fd(gan.sample_images(model.generator, 2000, seed=1))))
        print(f"  course DCGAN: {clock:.0f} s, FD {course_curve[-1][1]:.1f}", flush=True)
        if course_curve[-1][1] <= target:
            break
    return _result(
        "Fashion-MNIST in [-1, 1]. Anchor: TF DCGAN tutorial configuration (noise 100, batch "
        f"256, Adam 1e-4 for both), {len(anchor_curve)} epochs within the {budget_s:.0f} s "
        f"budget; target = the best judge Frechet distance it reached ({target:.1f}). "
        "Course: `gan.build_dcgan_generator` / `build_dcgan_discriminator`, batch 128, "
        "Adam 1e-3 (beta_1 0.5). Training seconds only.",
        target, anchor_curve, course_curve, "course DCGAN",
        f"FD {target:.1f}", f"FD {min(v for _, v in course_curve):.1f}",
        higher_is_better=False)


def run(budget_s: float) -> dict:
    return {"vae": vae(budget_s), "dcgan": dcgan(budget_s)}
