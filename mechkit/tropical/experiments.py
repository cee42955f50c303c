"""Seeded tropical-domain experiments (discovered by :mod:`mechkit.experiments`).

``tropical.pooling_digits``: train the small numpy CNN (:mod:`mechkit.tropical.cnn`)
with one pooling layer on scikit-learn's digits and report test/train accuracy; sweep
``pooling`` over :data:`~mechkit.tropical.cnn.POOLINGS` and several seeds for the
miniature of the paper's Table 9.  The random generator fixes the split, the
initialisation and the batch order.

Examples
--------
>>> import numpy as np
>>> row = pooling_digits({"pooling": "poset12", "epochs": 1, "n_filters": 2,
...                       "batch_size": 128, "lr": 0.01}, np.random.default_rng(0))
>>> sorted(row)
['final_loss', 'test_accuracy', 'train_accuracy']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mechkit._validate import check_choice, check_int, check_positive
from mechkit.experiments import experiment
from mechkit.tropical.cnn import POOLINGS, load_digits_data, train_digits

__all__ = ["pooling_digits"]


@experiment(
    name="tropical.pooling_digits",
    params={"pooling": "poset12", "epochs": 8, "n_filters": 8, "batch_size": 64, "lr": 0.01},
)
def pooling_digits(params: dict[str, Any], rng: np.random.Generator) -> dict[str, Any]:
    """Digits accuracy of the small CNN with one pooling layer."""
    pooling = check_choice(params["pooling"], "pooling", POOLINGS)
    epochs = check_int(params["epochs"], "epochs", minimum=1)
    n_filters = check_int(params["n_filters"], "n_filters", minimum=1)
    batch_size = check_int(params["batch_size"], "batch_size", minimum=1)
    lr = check_positive(params["lr"], "lr")
    seed = int(rng.integers(0, 2**31 - 1))
    data = load_digits_data(seed)
    res = train_digits(pooling, seed, epochs=epochs, n_filters=n_filters, batch_size=batch_size,
                       lr=lr, data=data)
    return {"test_accuracy": res.test_accuracy, "train_accuracy": res.train_accuracy,
            "final_loss": float(res.losses[-1])}
