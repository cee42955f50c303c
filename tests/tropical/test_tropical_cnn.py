"""The small numpy CNN: manual backward vs finite differences, training on digits."""

from __future__ import annotations

import numpy as np
import pytest

from mechkit.errors import InvalidInputError
from mechkit.tropical.cnn import POOLINGS, SmallCNN, load_digits_data, make_pool, train_digits


@pytest.mark.parametrize("pooling", ["poset12", "poset1", "max", "avg", "mixed", "gem"])
def test_manual_backward_matches_finite_differences(pooling):
    rng = np.random.default_rng(3)
    X = rng.random((4, 1, 6, 6))
    y = np.array([0, 1, 2, 1])
    net = SmallCNN(pooling, n_filters=2, seed=1, image_size=6, n_classes=3)
    _, grads = net.gradients(X, y, training=False)
    eps = 1e-6
    for name in ("Wc", "bc", "Wd", "bd"):
        P = net.params[name]
        for flat in rng.choice(P.size, size=min(4, P.size), replace=False):
            idx = np.unravel_index(flat, P.shape)
            old = P[idx]
            P[idx] = old + eps
            up = net.loss(X, y)
            P[idx] = old - eps
            down = net.loss(X, y)
            P[idx] = old
            assert abs((up - down) / (2 * eps) - grads[name][idx]) < 1e-5, (name, idx)


def test_training_on_digits_learns():
    data = load_digits_data(0)
    assert data[0].shape[1:] == (1, 8, 8) and len(data[1]) + len(data[3]) == 1797
    res = train_digits("poset12", 0, epochs=2, n_filters=4, data=data)
    assert res.test_accuracy > 0.6
    assert res.losses[-1] < res.losses[0]
    assert res.to_dict()["pooling"] == "poset12"


def test_pool_names_and_bad_inputs():
    assert len(POOLINGS) == 21
    for name in POOLINGS:
        layer = make_pool(name, seed=0)
        y = layer.forward(np.ones((1, 1, 2, 2)), training=False)
        assert y.shape == (1, 1, 1, 1)
    with pytest.raises(InvalidInputError, match=r"pooling: must be one of poset0\.\.poset15"):
        make_pool("poset16")
    with pytest.raises(InvalidInputError, match="test_fraction: must be < 1"):
        load_digits_data(0, test_fraction=1.5)
