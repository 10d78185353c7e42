"""The benchmark's anchors and report work (the benchmark itself runs with `make bench`)."""

import numpy as np

from bench import anchors, report
from bench.run import TARGETS


def test_tutorial_cvae_trains_and_scores():
    x = anchors.binarize(np.random.default_rng(0).random((64, 28, 28, 1)))
    assert set(np.unique(x)) <= {0.0, 1.0}
    m = anchors.TutorialCVAE(seed=0)
    before = m.test_elbo(x)
    m.train_epoch(x, batch_size=32)
    assert np.isfinite(before) and before < 0
    assert m.encoder.count_params() > 0 and m.decoder.output_shape == (None, 28, 28, 1)


def test_tutorial_dcgan_step_changes_both_networks():
    m = anchors.TutorialDCGAN(seed=0)
    g0 = m.generator.get_weights()[0].copy()
    d0 = m.discriminator.get_weights()[0].copy()
    m.train_epoch(np.random.default_rng(0).uniform(-1, 1, (32, 28, 28, 1)).astype("float32"),
                  batch_size=32)
    assert not np.allclose(g0, m.generator.get_weights()[0])
    assert not np.allclose(d0, m.discriminator.get_weights()[0])
    imgs = m.sample_unit(4)
    assert imgs.shape == (4, 28, 28, 1) and imgs.min() >= 0 and imgs.max() <= 1


def test_report_marks_targets():
    results = {"machine": {"cores": 2}, "suite": {"wall_s": 200.0},
               "notebooks": {"class": {"04": {"wall_s": 200.0, "kernel_peak_mb": 900.0,
                                              "error": None}}},
               "interactivity": {"latent_explorer": {"median_ms": 12.0, "p95_ms": 20.0, "n": 60}}}
    text = report.render(results, TARGETS)
    assert "| whole `ci` test run < 300 s | 200 s | met |" in text
    assert "**missed**" in text  # 200 s > 180 s class budget
    assert "12.0 ms" in text


def test_time_to_quality_result():
    from bench import quality

    anchor = [(10.0, -220.0), (20.0, -200.0)]
    course = [(2.0, -210.0), (4.0, -199.0)]
    r = quality._result("d", -200.0, anchor, course, "course VAE", "a", "c", True)
    assert r["ratio"] == 4.0 / 20.0
    assert [row["seconds"] for row in r["rows"]] == [20.0, 4.0]
    slow = quality._result("d", -200.0, anchor, course[:1], "course VAE", "a", "c", True)
    assert slow["ratio"] is None and "target not reached" in slow["rows"][1]["note"]
