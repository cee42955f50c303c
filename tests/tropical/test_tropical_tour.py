"""The tour section and the registered experiment."""

from __future__ import annotations

import numpy as np

from mechkit.tropical.experiments import pooling_digits
from mechkit.tropical.tour import tour


def test_tour_writes_figure_and_headline_lines(tmp_path):
    sec = tour(tmp_path, 0)
    assert sec.domain == "tropical"
    assert all(p.exists() and p.stat().st_size > 0 for p in sec.figures)
    text = "\n".join(sec.lines)
    assert "[1, 2, 5, 16, 63, 318]" in text
    assert "1,680,384" in text and "5/24" in text
    assert "['0', '1/4', '1/2', '3/4', '1']" in text


def test_experiment_is_reproducible():
    params = {"pooling": "poset7", "epochs": 1, "n_filters": 2, "batch_size": 256, "lr": 0.01}
    a = pooling_digits(params, np.random.default_rng(4))
    b = pooling_digits(params, np.random.default_rng(4))
    assert a == b and 0.0 <= a["test_accuracy"] <= 1.0
