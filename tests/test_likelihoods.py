"""Likelihoods are reported only where they mean something (issue 16): notebook 05 reports its
ELBO and importance-sampled log-likelihood on binarized images, and the metrics refuse grey
targets unless told that the number is only a cross-entropy bound."""

import numpy as np
import pytest

from course_utils import data, metrics
from tests import notebook_cells


def test_notebook_05_reports_likelihoods_of_binarized_images_only():
    cells = notebook_cells.code_cells("05")
    calls = [c for c in cells if "metrics.elbo(" in c.source
             or "metrics.importance_sampled_log_likelihood(" in c.source]
    assert len(calls) >= 3, "notebook 05 must report an ELBO and a log-likelihood"
    assert not any("allow_grey" in c.source for c in cells)
    assert any("data.binarize(" in c.source for c in cells)


def test_no_notebook_turns_the_guard_off():
    for stem in ("04", "05", "06", "07"):
        try:
            cells = notebook_cells.code_cells(stem)
        except FileNotFoundError:
            continue
        assert not any("allow_grey" in c.source for c in cells), stem


def test_grey_targets_are_refused_binary_ones_accepted():
    grey = np.full((2, 28, 28), 0.3)

    def encode(x):
        return np.zeros((len(x), 2)), np.zeros((len(x), 2))

    def decode_logits(z):
        return np.zeros((len(z), 28, 28))

    with pytest.raises(ValueError, match="binarize"):
        metrics.elbo(grey, encode, decode_logits)
    binary = data.binarize(grey, seed=0)
    # logits 0: every pixel has probability 1/2, so log p(x | z) = -784 ln 2 exactly, KL 0
    np.testing.assert_allclose(metrics.elbo(binary, encode, decode_logits),
                               -784 * np.log(2), rtol=1e-10)
    assert metrics.nats_to_bits_per_dim(784 * np.log(2)) == pytest.approx(1.0)
