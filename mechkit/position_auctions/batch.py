"""Batched auctions over a leading axis (numba ``prange``) for simulations.

``vcg_batch`` runs ``N`` independent VCG auctions: MNL (Dinkelbach + matching with
warm-started Clarke re-solves), the independent (assignment) model ``pi_i = p_ij`` (one
``<= K``-matching of ``b_i p_ij`` and a re-solve without each shown ad) or the free-order
stop-on-click cascade (bitmask DP with prefix re-solves).  ``welfare_batch`` returns the
optimum only (MNL or independent).  ``myerson_batch`` is Myerson's mechanism under MNL.
``threads`` sets numba's thread count for the call (default: numba's current setting);
results do not depend on it (each auction is solved on its own, bit for bit the same
on any thread count).

Examples
--------
>>> import numpy as np
>>> W = np.array([[[3, 2, 1], [1, 1, 1], [.5, .5, .5], [2, 2, 2]]] * 2, dtype=float)
>>> out = vcg_batch(W, [[10, 2, 1, .5], [10, 2, 1, .5]], max_ads=3)
>>> out.welfare.tolist(), out.payment[:, 0].round(12).tolist()
([7.5, 7.5], [1.0, 1.0])
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import (
    as_float_array,
    check_choice,
    check_in_range,
    check_int,
    check_positive,
)
from mechkit.errors import InvalidInputError, NotConvergedError, SolverError

__all__ = ["BatchResult", "myerson_batch", "vcg_batch", "warmup", "welfare_batch"]


@dataclass(frozen=True, eq=False)
class BatchResult:
    """Per-auction results: ``position[N, n]`` (-1 not shown), ``ctr``, ``payment``, ``welfare``."""

    position: NDArray[np.int64]
    ctr: NDArray[np.float64]
    payment: NDArray[np.float64]
    welfare: NDArray[np.float64]

    @property
    def revenue(self) -> NDArray[np.float64]:
        """Total payment per auction."""
        return self.payment.sum(axis=1)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {k: v.tolist() for k, v in self.__dict__.items()}


def _prepare(matrix: ArrayLike, bids: ArrayLike, name: str, max_ads: int | None,
             unit: bool) -> tuple[NDArray[np.float64], NDArray[np.float64], int]:
    b = as_float_array(bids, "bids", ndim=2, allow_empty=True)
    check_in_range(b, "bids", 0.0, None)
    M = as_float_array(matrix, name, allow_empty=True)
    N, n = b.shape
    if M.ndim == 2:
        M = np.ascontiguousarray(np.broadcast_to(M, (N, *M.shape)))
    if M.ndim != 3 or M.shape[:2] != (N, n):
        raise InvalidInputError(f"{name}: must have shape (N, n, m) = ({N}, {n}, m) or (n, m); "
                                f"got {M.shape}")
    check_in_range(M, name, 0.0, 1.0 if unit else None)
    m = M.shape[2]
    K = m if max_ads is None else check_int(max_ads, "max_ads", minimum=0, maximum=m)
    return M, b, K


def _prepare_model(matrix: ArrayLike, bids: ArrayLike, model: str, max_ads: int | None,
                   outside_weight: float
                   ) -> tuple[NDArray[np.float64], NDArray[np.float64], int, float]:
    """Validated ``(M, b, K, w0)`` for a model: MNL weights, or CTRs in ``[0, 1]`` otherwise."""
    w0 = check_positive(outside_weight, "outside_weight")
    M, b, K = _prepare(matrix, bids, "weights" if model == "mnl" else "ctr", max_ads,
                       model != "mnl")
    return M, b, K, w0


def _empty_result(N: int, n: int) -> BatchResult:
    """No ad shown in any auction: positions -1, zero CTRs, payments and welfare."""
    z = np.zeros((N, n))
    return BatchResult(np.full((N, n), -1, dtype=np.int64), z, z.copy(), np.zeros(N))


def _match(M: NDArray[np.float64], b: NDArray[np.float64], w0: float, K: int, model: str,
           threads: int | None, *, payments: bool) -> BatchResult:
    """The MNL / independent matching kernel over all auctions (VCG when ``payments``)."""
    from solvers.matching import INDEPENDENT, MNL, match_batch

    code = MNL if model == "mnl" else INDEPENDENT
    pos, ctr, pay, wel, st = _with_threads(threads, match_batch, M, b, w0, K, code, payments)
    _raise_status(st)
    return BatchResult(pos, ctr, pay, wel)


def _raise_status(st: NDArray[np.int64]) -> None:
    bad = np.flatnonzero(st != 0)
    if bad.size == 0:
        return
    t, code = int(bad[0]), int(st[bad[0]])
    if code == 1:
        raise NotConvergedError(f"Dinkelbach did not converge in auction {t}")
    raise SolverError(f"auction {t}: kernel status {code} (2: a payment left [0, b pi] beyond "
                      "round-off, 3: matching failure); this is a bug, please report it")


def _with_threads(threads: int | None, fn: Any, *args: Any) -> Any:
    """Call ``fn(*args, chunks)`` with ``threads`` numba threads (default: current)."""
    import numba

    if threads is None:
        return fn(*args, 8 * numba.get_num_threads())
    t = check_int(threads, "threads", minimum=1, maximum=numba.config.NUMBA_NUM_THREADS)
    old = numba.get_num_threads()
    numba.set_num_threads(t)
    try:
        return fn(*args, 8 * t)
    finally:
        numba.set_num_threads(old)


def vcg_batch(
    matrix: ArrayLike,
    bids: ArrayLike,
    *,
    max_ads: int | None = None,
    model: str = "mnl",
    outside_weight: float = 1.0,
    threads: int | None = None,
) -> BatchResult:
    """VCG for ``N`` auctions at once.

    Parameters
    ----------
    matrix : array_like, shape (N, n, m) or (n, m)
        MNL weights (``model="mnl"``) or CTRs in ``[0, 1]`` (``model="independent"``, or
        ``model="cascade"``: free order, stop-on-click ``q = 1 - p``); a 2-D matrix is
        shared by all auctions.
    bids : array_like, shape (N, n)
    max_ads : int, optional
        ``K`` (default ``m``).
    model : {"mnl", "independent", "cascade"}, default "mnl"
    outside_weight : float, default 1.0
        MNL ``w0`` (ignored by the other models).
    threads : int, optional
        Numba threads for this call.

    Returns
    -------
    BatchResult

    Examples
    --------
    >>> out = vcg_batch([[1.0, 0.5]] * 3, [[10.0, 4.0, 2.0]], model="independent")
    >>> out.welfare.tolist(), out.payment.tolist()
    ([12.0], [[3.0, 1.0, 0.0]])
    """
    check_choice(model, "model", ("mnl", "independent", "cascade"))
    M, b, K, w0 = _prepare_model(matrix, bids, model, max_ads, outside_weight)
    N, n = b.shape
    m = M.shape[2]
    if N == 0 or n == 0 or m == 0 or K == 0:
        return _empty_result(N, n)
    if model != "cascade":
        return _match(M, b, w0, K, model, threads, payments=True)
    from mechkit.position_auctions.welfare import ORDER_DP_MAX_POSITIONS
    from solvers.cascade import order_vcg_batch

    if m > ORDER_DP_MAX_POSITIONS or (n + 1) * 2**m > 2**24:
            raise InvalidInputError(f"ctr: the cascade bitmask DP is limited to m <= "
                                    f"{ORDER_DP_MAX_POSITIONS} and (n + 1) 2^m <= 2^24; got "
                                f"n={n}, m={m}")
    order = np.ascontiguousarray(np.argsort(-b, axis=1, kind="stable"), dtype=np.int64)
    Q = np.ascontiguousarray(1.0 - M)
    pos, ctr, pay, wel, st = _with_threads(threads, order_vcg_batch, M, Q, b, order, K, True)
    _raise_status(st)
    return BatchResult(pos, ctr, pay, wel)


def welfare_batch(
    matrix: ArrayLike,
    bids: ArrayLike,
    *,
    max_ads: int | None = None,
    model: str = "mnl",
    outside_weight: float = 1.0,
    threads: int | None = None,
) -> BatchResult:
    """Welfare optimum for ``N`` MNL or independent-model auctions (payments are zero-filled).

    Parameters
    ----------
    matrix : array_like, shape (N, n, m) or (n, m)
        MNL weights (``model="mnl"``) or CTRs in ``[0, 1]`` (``model="independent"``).
    bids : array_like, shape (N, n)
    max_ads, outside_weight, threads
        As in :func:`vcg_batch`.
    model : {"mnl", "independent"}, default "mnl"

    Returns
    -------
    BatchResult

    Examples
    --------
    >>> out = welfare_batch([[3.0], [1.0]], [[10.0, 2.0]], max_ads=1)
    >>> out.welfare.tolist(), out.position.tolist()
    ([7.5], [[0, -1]])
    >>> welfare_batch([[0.5, 0.2]], [[4.0]], model="independent").ctr.tolist()
    [[0.5]]
    """
    check_choice(model, "model", ("mnl", "independent"))
    M, b, K, w0 = _prepare_model(matrix, bids, model, max_ads, outside_weight)
    N, n = b.shape
    if N == 0 or n == 0 or M.shape[2] == 0 or K == 0:
        return _empty_result(N, n)
    return _match(M, b, w0, K, model, threads, payments=False)


def myerson_batch(
    weights: ArrayLike,
    bids: ArrayLike,
    priors: Any,
    *,
    max_ads: int | None = None,
    outside_weight: float = 1.0,
    threads: int | None = None,
) -> BatchResult:
    """Myerson's mechanism for ``N`` MNL auctions (numba): same rule as :func:`myerson`.

    Parameters
    ----------
    weights : array_like, shape (N, n, m) or (n, m)
    bids : array_like, shape (N, n)
    priors : sequence of Prior
        One per ad (shared by all auctions); bids must lie in the supports (or the prior
        uses ``outside="clamp"``).
    max_ads, outside_weight, threads
        As in :func:`vcg_batch`.

    Returns
    -------
    BatchResult
        ``welfare`` holds the welfare at the bids (not the virtual welfare).

    Examples
    --------
    >>> from mechkit.position_auctions import Uniform
    >>> out = myerson_batch([[1.0], [1.0]], [[0.8, 0.6], [0.7, 0.4]], [Uniform(0, 1)] * 2)
    >>> out.payment[:, 0].round(12).tolist()
    [0.3, 0.25]
    """
    from mechkit.position_auctions.priors import check_priors

    M, b, K, w0 = _prepare_model(weights, bids, "mnl", max_ads, outside_weight)
    N, n = b.shape
    m = M.shape[2]
    pr = check_priors(priors, n)
    if N == 0 or n == 0 or m == 0 or K == 0:
        return _empty_result(N, n)
    phi = np.empty((N, n))
    for i in range(n):
        phi[:, i] = pr[i].ironed_virtual_value(b[:, i])
    S = max(len(p.segments) for p in pr)
    seg = np.zeros((n, S, 4))
    nseg = np.zeros(n, dtype=np.int64)
    for i, p in enumerate(pr):
        nseg[i] = len(p.segments)
        for s, sg in enumerate(p.segments):
            seg[i, s] = (sg.lo, sg.hi, sg.alpha, sg.beta)
    from solvers.auction import myerson_mnl_batch

    pos, ctr, pay, st = _with_threads(threads, myerson_mnl_batch, M, b,
                                      np.ascontiguousarray(phi), w0, K, seg, nseg)
    lo = np.array([p.support[0] for p in pr])
    below = (pos >= 0) & (b < lo - 1e-12 * np.maximum(1.0, np.abs(lo)))
    if below.any():
        t, i = (int(x) for x in np.argwhere(below)[0])
        raise InvalidInputError(
            f"bids: in auction {t} ad {i} bids {b[t, i]}, below the support "
            f"[{pr[i].support[0]}, {pr[i].support[1]}] of its prior, and is shown "
            "(outside='clamp' evaluates phi_bar at the support's lower end); its critical bid "
            "lies in the support, so it would pay more than its bid"
        )
    if np.any(st == 4):
        raise SolverError(f"auction {int(np.argmax(st == 4))}: more than 64 CTR breakpoints "
                          "for one bidder")
    _raise_status(st)
    return BatchResult(pos, ctr, pay, np.einsum("ij,ij->i", b, ctr))


def warmup() -> None:
    """Compile (or load from the cache) the domain's numba kernels on tiny inputs.

    Call it once at the top of a notebook so the first timed call is not a compile.

    Examples
    --------
    >>> warmup()
    """
    from mechkit.position_auctions.instance import AuctionInstance
    from mechkit.position_auctions.mechanisms import vcg
    from mechkit.position_auctions.welfare import welfare_optimal_allocation

    W = np.array([[1.0, 0.5], [0.7, 0.2]])
    b = np.array([2.0, 1.0])
    vcg(AuctionInstance(b, W))
    vcg(AuctionInstance(b, ctr=W * 0.5, model="cascade"))
    welfare_optimal_allocation(AuctionInstance(b, ctr=W * 0.5, model="cascade", order="fixed"))
    welfare_optimal_allocation(AuctionInstance(b, ctr=W * 0.5, model="cascade"),
                               method="mir_priority")
    vcg_batch(W[None], b[None])
    vcg_batch(W[None] * 0.5, b[None], model="cascade")
    vcg_batch(W[None] * 0.5, b[None], model="independent")
    welfare_batch(W[None], b[None])
    from mechkit.position_auctions.priors import Uniform

    myerson_batch(W[None], b[None], [Uniform(0, 3)] * 2)
