"""Projection onto the probability simplex — the foundation's own worked example.

This small, widely used operation (mirror-descent and projected-gradient learners,
mixed strategies, scoring-rule lotteries) shows the house pattern end to end: a
validated public wrapper here, a numba kernel with a plain-Python body in
``solvers.simplex``, and a KKT certificate.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_positive
from mechkit.errors import InvalidInputError

__all__ = ["project_to_simplex", "simplex_kkt_residual"]


def project_to_simplex(y: ArrayLike, radius: float = 1.0) -> NDArray[np.float64]:
    """Euclidean projection of ``y`` (a vector or each row of a matrix) onto the simplex.

    Solves ``min ||x - y||_2`` subject to ``x >= 0`` and ``sum(x) = radius``.

    Parameters
    ----------
    y : array_like, shape (n,) or (B, n)
        Finite points to project.
    radius : float, default 1.0
        Positive total mass of the simplex.

    Returns
    -------
    numpy.ndarray
        Projections, same shape as ``y``.

    Raises
    ------
    InvalidInputError
        For empty, non-finite, 0-D or >2-D input or a non-positive radius.

    Examples
    --------
    >>> project_to_simplex([0.5, 0.5, 2.0]).tolist()
    [0.0, 0.0, 1.0]
    >>> project_to_simplex([[1.0, 1.0], [3.0, 0.0]], radius=2.0).tolist()
    [[1.0, 1.0], [2.0, 0.0]]
    """
    from solvers.simplex import project_rows

    r = check_positive(radius, "radius")
    arr = as_float_array(y, "y")
    if arr.ndim not in (1, 2):
        raise InvalidInputError(f"y: must be 1- or 2-dimensional; got shape {arr.shape}")
    rows = arr.reshape(1, -1) if arr.ndim == 1 else arr
    if rows.shape[1] == 0:
        raise InvalidInputError(f"y: rows must not be empty; got shape {arr.shape}")
    out = project_rows(rows, r)
    return out.reshape(arr.shape)


def simplex_kkt_residual(
    y: ArrayLike, x: ArrayLike, radius: float = 1.0
) -> float:
    """Largest violation of the KKT conditions certifying ``x`` as the projection of ``y``.

    ``x`` is the projection iff it is feasible and there is a ``tau`` with
    ``x_i = y_i - tau`` where ``x_i > 0`` and ``y_i - tau <= 0`` where ``x_i = 0``.
    The residual combines feasibility and these conditions (0 for an exact projection).

    Examples
    --------
    >>> y = [0.2, 0.9, -0.3]
    >>> simplex_kkt_residual(y, project_to_simplex(y)) < 1e-12
    True
    """
    yv = as_float_array(y, "y", ndim=1)
    xv = as_float_array(x, "x", shape=(yv.shape[0],))
    r = check_positive(radius, "radius")
    feas = max(abs(float(xv.sum()) - r), float(max(0.0, -xv.min())))
    support = xv > 0
    if not support.any():
        return max(feas, r)
    tau = float(np.mean(yv[support] - xv[support]))
    stationarity = float(np.max(np.abs(yv[support] - xv[support] - tau)))
    off = yv[~support] - tau
    complementary = float(max(0.0, off.max())) if off.size else 0.0
    return max(feas, stationarity, complementary)
