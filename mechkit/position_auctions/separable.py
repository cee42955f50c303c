"""Classic separable position auctions (Edelman–Ostrovsky–Schwarz 2007; Varian 2007).

Slots have click-through rates ``alpha_1 >= ... >= alpha_K``; bids are sorted
``b_(1) >= b_(2) >= ...`` (ties by index) and the ``k``-th highest bidder takes slot ``k``.

* VCG: the bidder in slot ``k`` pays ``sum_{j=k}^{K} (alpha_j - alpha_{j+1}) b_(j+1)`` in
  total (``alpha_{K+1} = 0``).
* GSP: the bidder in slot ``k`` pays ``b_(k+1)`` per click.  Not truthful; its
  lowest-revenue locally envy-free equilibrium coincides with VCG
  (:func:`gsp_envy_free_bids` gives the equilibrium bids).

Examples
--------
>>> out = separable_vcg([200, 100], [10, 4, 2])
>>> out.payment.tolist(), out.price_per_click.tolist()
([600.0, 200.0, 0.0], [3.0, 2.0, 0.0])
>>> separable_gsp([200, 100], [10, 4, 2]).price_per_click.tolist()
[4.0, 2.0, 0.0]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_in_range
from mechkit.errors import InvalidInputError

__all__ = ["SeparableOutcome", "gsp_envy_free_bids", "separable_gsp", "separable_vcg"]


@dataclass(frozen=True, eq=False)
class SeparableOutcome:
    """Slot of each bidder (-1: none), clicks, total payments and prices per click."""

    mechanism: str
    slot: NDArray[np.int64]
    clicks: NDArray[np.float64]
    payment: NDArray[np.float64]
    price_per_click: NDArray[np.float64]
    welfare: float
    revenue: float

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {k: (v.tolist() if isinstance(v, np.ndarray) else v)
                for k, v in self.__dict__.items()}


def _prep(alphas: ArrayLike, bids: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64],
                                                       list[int]]:
    a = as_float_array(alphas, "alphas", ndim=1, allow_empty=True)
    check_in_range(a, "alphas", 0.0, None)
    if np.any(np.diff(a) > 0):
        raise InvalidInputError(f"alphas: slot CTRs must be non-increasing; got {a.tolist()}")
    b = as_float_array(bids, "bids", ndim=1, allow_empty=True)
    check_in_range(b, "bids", 0.0, None)
    rank = sorted(range(b.shape[0]), key=lambda i: (-b[i], i))
    return a, b, rank


def separable_vcg(alphas: ArrayLike, bids: ArrayLike) -> SeparableOutcome:
    """VCG in the separable model (total payments, not per impression).

    Parameters
    ----------
    alphas : array_like
        Slot CTRs (or click volumes), non-increasing.
    bids : array_like
        Bids per click.

    Returns
    -------
    SeparableOutcome
    """
    a, b, rank = _prep(alphas, bids)
    n, K = b.shape[0], a.shape[0]
    ext = np.append(a, 0.0)
    sb = np.append(b[rank], np.zeros(K + 1))
    slot = np.full(n, -1, dtype=np.int64)
    clicks = np.zeros(n)
    pay = np.zeros(n)
    for k in range(min(n, K)):
        i = rank[k]
        slot[i] = k
        clicks[i] = a[k]
        pay[i] = sum((ext[j] - ext[j + 1]) * sb[j + 1] for j in range(k, K))
    ppc = np.where(clicks > 0, pay / np.where(clicks > 0, clicks, 1.0), 0.0)
    return SeparableOutcome("vcg", slot, clicks, pay, ppc, float(b @ clicks), float(pay.sum()))


def separable_gsp(alphas: ArrayLike, bids: ArrayLike) -> SeparableOutcome:
    """Generalized second price: slot ``k`` pays the next-highest bid per click.

    Examples
    --------
    >>> separable_gsp([1.0], [3.0, 5.0]).slot.tolist()
    [-1, 0]
    """
    a, b, rank = _prep(alphas, bids)
    n, K = b.shape[0], a.shape[0]
    slot = np.full(n, -1, dtype=np.int64)
    clicks = np.zeros(n)
    ppc = np.zeros(n)
    for k in range(min(n, K)):
        i = rank[k]
        slot[i] = k
        clicks[i] = a[k]
        ppc[i] = b[rank[k + 1]] if k + 1 < n else 0.0
    pay = ppc * clicks
    return SeparableOutcome("gsp", slot, clicks, pay, ppc, float(b @ clicks), float(pay.sum()))


def gsp_envy_free_bids(alphas: ArrayLike, values: ArrayLike) -> NDArray[np.float64]:
    """Bids of the lowest-revenue locally envy-free GSP equilibrium (EOS 2007, Varian 2007).

    The bidder in slot ``k >= 2`` bids ``p_{k-1}`` with ``alpha_{k-1} p_{k-1} =
    (alpha_{k-1} - alpha_k) v_k + alpha_k p_k``: its GSP charges then equal the VCG
    payments.  The top bidder bids its value.

    Examples
    --------
    >>> gsp_envy_free_bids([200, 100], [10, 4, 2]).tolist()
    [10.0, 3.0, 2.0]
    """
    a, v, rank = _prep(alphas, values)
    n, K = v.shape[0], a.shape[0]
    vcg = separable_vcg(a, v)
    bids = np.zeros(n)
    for k in range(n):
        i = rank[k]
        if k == 0:
            bids[i] = v[i]
        elif k - 1 < K:
            prev = rank[k - 1]
            bids[i] = vcg.price_per_click[prev]
        else:
            bids[i] = v[i]
    return bids
