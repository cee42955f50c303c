"""A small numpy CNN to compare pooling layers on scikit-learn's bundled digits data.

Architecture: 3x3 convolution (zero "same" padding, ``n_filters`` channels) -> pooling
(2x2) -> ReLU -> dense softmax layer, trained with Adam on cross-entropy; every backward
pass is written by hand (torch is not needed).

The pooling acts on the convolution's *pre-activations*: on non-negative inputs every
poset filter equals sum pooling (the full window is an up-set and maximises
``sum_U x``), so a poset filter placed after a ReLU cannot tell posets apart.  Since
``f_P >= 0``, the ReLU after a poset filter is the identity; for max pooling
``relu(max x) = max(relu x)``.  It is a miniature of the
paper's Table 9 experiment (a QCNN on CIFAR-10), meant for relative comparisons of
pooling layers on 2 CPU cores, not for state-of-the-art accuracy.

Poolings are named ``"poset<i>"`` (the reference 4-point poset ``i``), ``"max"``,
``"avg"``, ``"mixed"`` (Lee et al. fixed ``0.5 max + 0.5 avg``), ``"stochastic_mixed"``
(Yu et al., random per window in training, expectation at test time) and ``"gem"``
(``p = 3``).

Examples
--------
>>> import numpy as np
>>> X = np.random.default_rng(0).random((20, 1, 8, 8)); y = np.arange(20) % 10
>>> net = SmallCNN("poset13", n_filters=2, seed=0)
>>> loss0 = net.loss(X, y)
>>> for _ in range(20):
...     _ = net.train_step(X, y, lr=0.01)
>>> net.loss(X, y) < loss0
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechkit._optional import import_optional
from mechkit._validate import as_float_array, as_int_array, check_int, check_positive
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator
from mechkit.tropical.pooling import (
    AvgPool,
    GeMPool,
    MaxPool,
    MixedPool,
    PosetPool,
    StochasticMixedPool,
)

__all__ = ["POOLINGS", "SmallCNN", "TrainResult", "load_digits_data", "make_pool", "train_digits"]

#: Every pooling name accepted by :func:`make_pool`.
POOLINGS: tuple[str, ...] = (*(f"poset{i}" for i in range(16)), "max", "avg", "mixed",
                             "stochastic_mixed", "gem")


def make_pool(name: str, seed: SeedLike = None) -> Any:
    """A pooling layer (``forward(x, training)`` / ``backward(g)``) by name.

    Examples
    --------
    >>> make_pool("poset12")
    PosetPool(PosetFilter(kernel_size=2, covers=[(0, 1), (2, 1), (2, 3)], upsets=8))
    >>> make_pool("median")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: pooling: must be one of poset0..poset15, max, ...; got 'median'
    """
    m = re.fullmatch(r"poset(\d+)", name) if isinstance(name, str) else None
    if m and 0 <= int(m.group(1)) <= 15:
        return PosetPool(int(m.group(1)))
    table = {"max": MaxPool, "avg": AvgPool, "mixed": lambda: MixedPool(0.5),
             "stochastic_mixed": lambda: StochasticMixedPool(0.5, seed=seed),
             "gem": lambda: GeMPool(3.0)}
    if name not in table:
        raise InvalidInputError(
            "pooling: must be one of poset0..poset15, max, avg, mixed, stochastic_mixed, gem; "
            f"got {name!r}"
        )
    return table[name]()


def load_digits_data(seed: SeedLike = 0, test_fraction: float = 0.25) -> tuple[NDArray[Any], ...]:
    """scikit-learn's bundled 8x8 digits (1797 images, no download), split at random.

    Returns
    -------
    X_train, y_train, X_test, y_test
        Images ``(N, 1, 8, 8)`` scaled to ``[0, 1]`` and integer labels.
    """
    datasets = import_optional("sklearn.datasets", extra="ml")
    data = datasets.load_digits()
    X = (data.images / 16.0).reshape(-1, 1, 8, 8)
    y = data.target.astype(np.int64)
    frac = check_positive(test_fraction, "test_fraction")
    if frac >= 1:
        raise InvalidInputError(f"test_fraction: must be < 1; got {frac}")
    rng = as_generator(seed)
    perm = rng.permutation(len(y))
    n_test = round(frac * len(y))
    te, tr = perm[:n_test], perm[n_test:]
    return X[tr], y[tr], X[te], y[te]


def _im2col(X: NDArray[np.float64]) -> NDArray[np.float64]:
    N, C, H, W = X.shape
    P = np.zeros((N, C, H + 2, W + 2))
    P[:, :, 1:-1, 1:-1] = X
    cols = np.empty((N, H, W, C, 3, 3))
    for di in range(3):
        for dj in range(3):
            cols[:, :, :, :, di, dj] = P[:, :, di:di + H, dj:dj + W].transpose(0, 2, 3, 1)
    return cols.reshape(N * H * W, C * 9)


class SmallCNN:
    """conv3x3 -> pooling -> ReLU -> dense, with manual backward and Adam.

    Parameters
    ----------
    pooling : str
        A name from :data:`POOLINGS`.
    n_filters : int, default 8
        Convolution channels.
    seed : int or Generator
        Initialisation (He normal) and the stochastic pooling's draws.
    image_size : int, default 8
        Side of the square single-channel input.
    n_classes : int, default 10
        Output classes.
    """

    def __init__(self, pooling: str, n_filters: int = 8, seed: SeedLike = 0,
                 image_size: int = 8, n_classes: int = 10) -> None:
        rng = as_generator(seed)
        self.pooling = pooling
        self.pool = make_pool(pooling, seed=rng)
        self.C = check_int(n_filters, "n_filters", minimum=1)
        self.S = check_int(image_size, "image_size", minimum=2)
        self.K = check_int(n_classes, "n_classes", minimum=2)
        So = (self.S + 1) // 2
        self.params: dict[str, NDArray[np.float64]] = {
            "Wc": rng.normal(0, np.sqrt(2 / 9), (9, self.C)),
            "bc": np.zeros(self.C),
            "Wd": rng.normal(0, np.sqrt(1 / (self.C * So * So)), (self.C * So * So, self.K)),
            "bd": np.zeros(self.K),
        }
        self._m = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._v = {k: np.zeros_like(v) for k, v in self.params.items()}
        self._t = 0

    def _forward(self, X: NDArray[np.float64], training: bool) -> tuple[NDArray[np.float64], dict[str, Any]]:
        N = X.shape[0]
        cols = _im2col(X)
        z = cols @ self.params["Wc"] + self.params["bc"]
        z4 = z.reshape(N, self.S, self.S, self.C).transpose(0, 3, 1, 2)
        pooled = self.pool.forward(np.ascontiguousarray(z4), training=training)
        act = np.maximum(pooled, 0.0)
        flat = act.reshape(N, -1)
        logits = flat @ self.params["Wd"] + self.params["bd"]
        return logits, {"cols": cols, "pooled": pooled, "flat": flat}

    def _check_X(self, X: Any) -> NDArray[np.float64]:
        return as_float_array(X, "X", shape=(None, 1, self.S, self.S))

    def _check_y(self, y: Any, n: int) -> NDArray[np.int64]:
        yv = as_int_array(y, "y", shape=(n,))
        if yv.size and (int(yv.min()) < 0 or int(yv.max()) >= self.K):
            raise InvalidInputError(f"y: labels must lie in [0, {self.K - 1}]; got {yv.min()}..{yv.max()}")
        return yv

    def predict(self, X: NDArray[np.float64]) -> NDArray[np.int64]:
        """Predicted classes (evaluation mode)."""
        logits, _ = self._forward(self._check_X(X), training=False)
        return logits.argmax(axis=1)

    def loss(self, X: NDArray[np.float64], y: NDArray[np.int64], training: bool = False) -> float:
        """Mean cross-entropy."""
        Xv = self._check_X(X)
        yv = self._check_y(y, Xv.shape[0])
        logits, _ = self._forward(Xv, training=training)
        return float(_xent(logits, yv)[0])

    def gradients(self, X: NDArray[np.float64], y: NDArray[np.int64],
                  training: bool = True) -> tuple[float, dict[str, NDArray[np.float64]]]:
        """Loss and gradients of every parameter (manual backward)."""
        X = self._check_X(X)
        N = X.shape[0]
        yv = self._check_y(y, N)
        logits, cache = self._forward(X, training=training)
        loss, dlogits = _xent(logits, yv)
        grads = {"Wd": cache["flat"].T @ dlogits, "bd": dlogits.sum(axis=0)}
        dflat = dlogits @ self.params["Wd"].T
        dpooled = dflat.reshape(cache["pooled"].shape) * (cache["pooled"] > 0)
        dz4 = self.pool.backward(dpooled)
        dz = dz4.transpose(0, 2, 3, 1).reshape(N * self.S * self.S, self.C)
        grads["Wc"] = cache["cols"].T @ dz
        grads["bc"] = dz.sum(axis=0)
        return loss, grads

    def train_step(self, X: NDArray[np.float64], y: NDArray[np.int64], lr: float = 0.01) -> float:
        """One Adam step on a mini-batch; returns the batch loss."""
        lr = check_positive(lr, "lr")
        loss, grads = self.gradients(X, y, training=True)
        self._t += 1
        b1, b2, eps = 0.9, 0.999, 1e-8
        for k, g in grads.items():
            self._m[k] = b1 * self._m[k] + (1 - b1) * g
            self._v[k] = b2 * self._v[k] + (1 - b2) * g * g
            mhat = self._m[k] / (1 - b1 ** self._t)
            vhat = self._v[k] / (1 - b2 ** self._t)
            self.params[k] = self.params[k] - lr * mhat / (np.sqrt(vhat) + eps)
        return loss

    def __repr__(self) -> str:
        return f"SmallCNN(pooling={self.pooling!r}, n_filters={self.C})"


def _xent(logits: NDArray[np.float64], y: NDArray[np.int64]) -> tuple[float, NDArray[np.float64]]:
    shifted = logits - logits.max(axis=1, keepdims=True)
    logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    N = logits.shape[0]
    loss = -logp[np.arange(N), y].mean()
    d = np.exp(logp)
    d[np.arange(N), y] -= 1.0
    return float(loss), d / N


@dataclass(frozen=True)
class TrainResult:
    """Outcome of :func:`train_digits`."""

    pooling: str
    seed: int
    test_accuracy: float
    train_accuracy: float
    losses: tuple[float, ...] = field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form."""
        return {"pooling": self.pooling, "seed": self.seed, "test_accuracy": self.test_accuracy,
                "train_accuracy": self.train_accuracy, "final_loss": self.losses[-1]}


def train_digits(pooling: str, seed: int = 0, *, epochs: int = 10, n_filters: int = 8,
                 batch_size: int = 64, lr: float = 0.01, data: tuple[Any, ...] | None = None
                 ) -> TrainResult:
    """Train :class:`SmallCNN` with ``pooling`` on the digits data and report accuracy.

    ``seed`` fixes the train/test split, the initialisation and the batch order; pass
    ``data`` (from :func:`load_digits_data`) to reuse one split across poolings.
    """
    seed = check_int(seed, "seed", minimum=0)
    epochs = check_int(epochs, "epochs", minimum=1)
    bs = check_int(batch_size, "batch_size", minimum=1)
    Xtr, ytr, Xte, yte = data if data is not None else load_digits_data(seed)
    rng = as_generator(seed)
    net = SmallCNN(pooling, n_filters=n_filters, seed=rng)
    losses = []
    for _ in range(epochs):
        perm = rng.permutation(len(ytr))
        for k in range(0, len(ytr), bs):
            idx = perm[k:k + bs]
            losses.append(net.train_step(Xtr[idx], ytr[idx], lr=lr))
    return TrainResult(pooling, seed, float((net.predict(Xte) == yte).mean()),
                       float((net.predict(Xtr) == ytr).mean()), tuple(losses))
