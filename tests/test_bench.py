"""The benchmark's anchors and report work (the benchmark itself runs with `make bench`)."""

import re

import numpy as np

from bench import anchors, report
from bench.run import SUITE_ARGS, TARGETS, parse_durations
from course_utils.config import REPO_ROOT


def test_tutorial_cvae_trains_and_scores():
    x = anchors.binarize(np.random.default_rng(0).random((64, 28, 28, 1)))
    assert set(np.unique(x)) <= {0.0, 1.0}
    x[:, :14] = 1.0  # structure to learn: the top half is always ink
    m = anchors.TutorialCVAE(seed=0)
    before = m.test_elbo(x)
    for seed in range(3):
        m.train_epoch(x, batch_size=8, seed=seed)
    after = m.test_elbo(x)
    assert np.isfinite(before) and before < 0
    assert after > before  # training raised the ELBO of the images it saw
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
    assert "| whole `ci` test run (pytest of `make test`) < 180 s | 200 s | **missed** |" in text
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


SUITE = {"wall_s": 150.0, "cpu_s": 280.0, "load_before": [1.0, 2.0, 3.0], "command": "pytest x",
         "summary": ["====== 900 passed in 150.00s ======"], "date": "d", "commit": "c",
         "executions": {"00_start_here": {"notebook": 1, "student": 0}, "other": 1},
         "slowest": [{"seconds": 30.0, "phase": "call", "test": "tests/test_a.py::test_b"}]}


def _headings(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("## ")]


def test_every_section_appears_once(tmp_path, monkeypatch):
    """BENCHMARKS.md printed its notes section twice; now no heading can repeat, even when the
    notes file brings the heading itself."""
    results = {"machine": {"cores": 2}, "suite": SUITE,
               "suite_before": dict(SUITE, wall_s=400.0,
                                    executions={"00_start_here": {"notebook": 4, "student": 1}}),
               "notebooks": {"ci": {"00": {"wall_s": 8.0, "kernel_peak_mb": 700.0,
                                           "error": None}}},
               "interactivity": {"latent_explorer": {"median_ms": 2.0, "p95_ms": 3.0, "n": 60}},
               "startup": {"median_s": 4.0, "runs_s": [4.0]}}
    text = report.render(results, TARGETS)
    headings = _headings(text)
    assert len(headings) == len(set(headings)), headings
    assert report.NOTES_HEADING in headings and "## Test run (`make test`), before and after" in \
        headings
    assert "| 00_start_here | 4 + 1 student | 1 |" in text
    assert "| 30.0 | call | `tests/test_a.py::test_b` |" in text
    notes = tmp_path / "NOTES.md"
    notes.write_text(f"{report.NOTES_HEADING}\n\n- a note\n", encoding="utf-8")
    text = report.render(results, TARGETS, notes_file=notes)
    assert _headings(text).count(report.NOTES_HEADING) == 1 and "- a note" in text
    doubled = report.merge_sections(["# T", "", report.NOTES_HEADING, "", "- one", "",
                                     report.NOTES_HEADING, "", "- two"])
    assert doubled == ["# T", "", report.NOTES_HEADING, "", "- one", "", "- two"]


def test_the_benchmark_measures_the_readme_command():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    args = re.search(r"^TEST_ARGS := (.*)$", makefile, re.MULTILINE).group(1)
    assert args.replace("$(PYTEST_WORKERS)", "2").split() + ["tests"] == SUITE_ARGS
    assert re.search(r"^test: .*\n\t.*pytest \$\(TEST_ARGS\) tests$", makefile, re.MULTILINE)


def test_durations_are_parsed_slowest_first():
    output = """
============================= slowest 15 durations =============================
3.00s call     tests/test_a.py::test_x[1]
12.50s setup    tests/test_b.py::test_y
0.50s teardown tests/test_a.py::test_x[1]
======================== 3 passed in 20.00s ========================
"""
    rows = parse_durations(output)
    assert [(r["seconds"], r["phase"], r["test"]) for r in rows] == [
        (12.5, "setup", "tests/test_b.py::test_y"), (3.0, "call", "tests/test_a.py::test_x[1]"),
        (0.5, "teardown", "tests/test_a.py::test_x[1]")]
