"""The auction instance: bids, per-(creative, position) CTR model, cap ``K`` and variants.

Three user models (see ``position_auctions.md`` §1.2):

``"mnl"`` (order-insensitive)
    ``pi_i = w_ij / (w0 + sum of the shown weights)``; ``weights`` are the attraction
    weights ``w_ij = exp(rho_ij) >= 0`` and ``outside_weight`` is ``w0`` (1 in the paper).
    Passing ``ctr=`` instead converts standalone CTRs with
    :func:`mnl_weights_from_standalone_ctr` (default convention ``"odds"``).
``"cascade"`` (order-sensitive)
    The shown pairs are examined in rendering order; the ``r``-th gets
    ``p_{i_r j_r} * prod_{s<r} q_{i_s j_s}``.  ``continuation`` is ``"stop_on_click"``
    (default, ``q = 1 - p``: Craswell's cascade), ``"always_continue"`` (``q = 1``) or an
    explicit ``(n, m)`` matrix of continuation probabilities (Markovian user).
``"independent"`` (baseline)
    ``pi_i = p_ij``: the assignment problem.

``order="free"`` lets the mechanism choose the rendering order (default, the reading of
the paper's augmented allocation); ``order="fixed"`` renders positions in
``rendering_order`` (default index order).  The order matters only for the cascade.

Examples
--------
>>> inst = AuctionInstance([10.0, 2.0], [[3.0, 2.0], [1.0, 1.0]], max_ads=1)
>>> inst.n, inst.m, inst.max_ads, inst.model
(2, 2, 1, 'mnl')
>>> AuctionInstance([1.0], [[-1.0]])
Traceback (most recent call last):
...
mechkit.errors.InvalidInputError: weights: entries must lie in [0.0, inf); entry (0, 0) is -1.0
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import (
    as_float_array,
    as_int_array,
    check_choice,
    check_in_range,
    check_int,
    check_positive,
)
from mechkit.errors import InvalidInputError

__all__ = [
    "CONTINUATIONS",
    "MNL_CONVENTIONS",
    "MODELS",
    "ORDERS",
    "AuctionInstance",
    "ctr_of",
    "mnl_weights_from_standalone_ctr",
    "standalone_ctr_from_mnl_weights",
]

MODELS = ("mnl", "cascade", "independent")
ORDERS = ("free", "fixed")
CONTINUATIONS = ("stop_on_click", "always_continue")
MNL_CONVENTIONS = ("odds", "identity")


def mnl_weights_from_standalone_ctr(
    p: ArrayLike, outside_weight: float = 1.0, convention: str = "odds"
) -> NDArray[np.float64]:
    """MNL attraction weights from standalone CTR estimates ``p_ij``.

    The paper's mapping from an LLM's CTR estimate to ``rho_ij`` is not known
    (design note §1.2, [R]); both readings are supported by name.

    Parameters
    ----------
    p : array_like
        CTRs in ``[0, 1]`` (any shape).
    outside_weight : float, default 1.0
        ``w0``, the weight of the outside option.
    convention : {"odds", "identity"}, default "odds"
        ``"odds"``: ``w = w0 p / (1 - p)``, so an ad shown alone has CTR exactly ``p``
        (``rho = logit p`` when ``w0 = 1``); ``p = 1`` has no weight and raises.
        ``"identity"``: ``w = p`` (the estimate is used as the attraction itself).

    Returns
    -------
    numpy.ndarray
        Weights of the same shape.

    Examples
    --------
    >>> mnl_weights_from_standalone_ctr([0.5, 0.2]).tolist()
    [1.0, 0.25]
    >>> mnl_weights_from_standalone_ctr([1.0])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: p: a standalone CTR of 1 has no MNL weight ...
    """
    arr = as_float_array(p, "p", allow_empty=True)
    check_in_range(arr, "p", 0.0, 1.0)
    w0 = check_positive(outside_weight, "outside_weight")
    check_choice(convention, "convention", MNL_CONVENTIONS)
    if convention == "identity":
        return arr.copy()
    bad = arr >= 1.0
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = "(" + ", ".join(map(str, idx)) + ("," if len(idx) == 1 else "") + ")"
        raise InvalidInputError(
            "p: a standalone CTR of 1 has no MNL weight under the 'odds' convention; "
            f"entry {where} is {arr[idx]}"
        )
    return np.asarray(w0 * arr / (1.0 - arr), dtype=np.float64)


def standalone_ctr_from_mnl_weights(
    w: ArrayLike, outside_weight: float = 1.0
) -> NDArray[np.float64]:
    """The CTR of an ad shown alone: ``w / (w0 + w)`` (inverse of the ``"odds"`` convention).

    Examples
    --------
    >>> standalone_ctr_from_mnl_weights([1.0, 3.0]).tolist()
    [0.5, 0.75]
    """
    arr = as_float_array(w, "w", allow_empty=True)
    check_in_range(arr, "w", 0.0, None)
    w0 = check_positive(outside_weight, "outside_weight")
    return np.asarray(arr / (w0 + arr), dtype=np.float64)


def _matrix(x: ArrayLike, name: str, n: int, m: int | None) -> NDArray[np.float64]:
    arr = as_float_array(x, name, allow_empty=True)
    if arr.size == 0 and arr.ndim == 1 and n == 0:
        arr = np.zeros((0, 0 if m is None else m))
    if arr.ndim != 2:
        raise InvalidInputError(f"{name}: must be 2-dimensional (ads x positions); got shape "
                                f"{arr.shape}")
    if arr.shape[0] != n:
        raise InvalidInputError(
            f"{name}: must have one row per bid, shape ({n}, m); got shape {arr.shape}"
        )
    if m is not None and arr.shape[1] != m:
        raise InvalidInputError(f"{name}: must have positions={m} columns; got shape {arr.shape}")
    return arr


@dataclass(frozen=True, eq=False)
class AuctionInstance:
    """One position auction: bids, CTR model, the cap ``K`` and the model variants.

    Parameters
    ----------
    bids : array_like, shape (n,)
        Non-negative finite bids (values per click).
    weights : array_like, shape (n, m), optional
        MNL attraction weights (``model="mnl"`` only).
    ctr : array_like, shape (n, m), optional
        CTRs ``p_ij`` in ``[0, 1]``: required for ``"cascade"`` and ``"independent"``;
        for ``"mnl"`` they are converted with ``mnl_convention``.
    positions : int, optional
        ``m``; checked against the matrix, and used to shape an empty matrix when
        ``n = 0``.
    max_ads : int, optional
        ``K`` with ``0 <= K <= m`` (default ``m``).
    model : {"mnl", "cascade", "independent"}, default "mnl"
    order : {"free", "fixed"}, default "free"
        Whether the mechanism chooses the rendering order or positions are rendered in
        ``rendering_order``.
    continuation : {"stop_on_click", "always_continue"} or array_like, optional
        Cascade continuation probabilities ``q_ij`` (default ``"stop_on_click"``:
        ``q = 1 - p``).  Only for the cascade.
    outside_weight : float, default 1.0
        MNL ``w0 > 0``.
    rendering_order : array_like of int, optional
        A permutation of ``range(m)``: ``rendering_order[r]`` is the position rendered
        ``r``-th (only with ``order="fixed"``; default index order).
    mnl_convention : {"odds", "identity"}, default "odds"
        How ``ctr`` becomes MNL weights (see :func:`mnl_weights_from_standalone_ctr`).

    Attributes
    ----------
    n, m : int
        Numbers of ads and positions.
    matrix : numpy.ndarray
        ``weights`` (MNL) or ``ctr`` (other models).
    q : numpy.ndarray or None
        The cascade continuation matrix.
    continuation_rule : str
        ``"stop_on_click"``, ``"always_continue"``, ``"custom"`` or ``"none"``.

    Examples
    --------
    >>> inst = AuctionInstance([4.0, 7.0], ctr=[[0.3, 0.2], [0.2, 0.1]], model="cascade")
    >>> inst.q.tolist()
    [[0.7, 0.8], [0.8, 0.9]]
    >>> AuctionInstance([1.0], [[1.0]], max_ads=2)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: max_ads: must be <= 1; got 2
    """

    bids: Any
    weights: Any = None
    ctr: Any = None
    positions: Any = None
    max_ads: Any = None
    model: str = "mnl"
    order: str = "free"
    continuation: Any = None
    outside_weight: Any = 1.0
    rendering_order: Any = None
    mnl_convention: str = "odds"
    q: Any = field(init=False, default=None)
    continuation_rule: str = field(init=False, default="none")

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        model = check_choice(self.model, "model", MODELS)
        order = check_choice(self.order, "order", ORDERS)
        check_choice(self.mnl_convention, "mnl_convention", MNL_CONVENTIONS)
        b = as_float_array(self.bids, "bids", allow_empty=True)
        if b.ndim != 1:
            raise InvalidInputError(f"bids: must be 1-dimensional; got shape {b.shape}")
        check_in_range(b, "bids", 0.0, None)
        n = b.shape[0]
        m_req = None
        if self.positions is not None:
            m_req = check_int(self.positions, "positions", minimum=0)
        w0 = check_positive(self.outside_weight, "outside_weight")
        if model == "mnl":
            if self.weights is not None and self.ctr is not None:
                raise InvalidInputError("weights: pass either weights= or ctr= for the MNL "
                                        "model, not both")
            if self.weights is None and self.ctr is None:
                raise InvalidInputError("weights: the MNL model needs weights= (or ctr= to "
                                        "convert); got neither")
            if self.weights is not None:
                W = _matrix(self.weights, "weights", n, m_req)
                check_in_range(W, "weights", 0.0, None)
            else:
                P = _matrix(self.ctr, "ctr", n, m_req)
                check_in_range(P, "ctr", 0.0, 1.0)
                W = mnl_weights_from_standalone_ctr(P, w0, self.mnl_convention)
            set_(self, "weights", W)
            set_(self, "ctr", None)
            if self.continuation is not None:
                raise InvalidInputError("continuation: only the cascade model has continuation "
                                        f"probabilities; got model={model!r}")
        else:
            if self.weights is not None:
                raise InvalidInputError(f"weights: weights are for the MNL model; pass ctr= for "
                                        f"model={model!r}")
            if self.ctr is None:
                raise InvalidInputError(f"ctr: model={model!r} needs ctr= (an (n, m) matrix of "
                                        "click probabilities); got None")
            P = _matrix(self.ctr, "ctr", n, m_req)
            check_in_range(P, "ctr", 0.0, 1.0)
            set_(self, "ctr", P)
            if model == "cascade":
                cont = "stop_on_click" if self.continuation is None else self.continuation
                if isinstance(cont, str):
                    check_choice(cont, "continuation", CONTINUATIONS)
                    Q = 1.0 - P if cont == "stop_on_click" else np.ones_like(P)
                    set_(self, "continuation_rule", cont)
                else:
                    Q = _matrix(cont, "continuation", n, P.shape[1])
                    check_in_range(Q, "continuation", 0.0, 1.0)
                    set_(self, "continuation_rule", "custom")
                set_(self, "q", np.ascontiguousarray(Q, dtype=np.float64))
                set_(self, "continuation", cont if isinstance(cont, str) else self.q)
            elif self.continuation is not None:
                raise InvalidInputError("continuation: only the cascade model has continuation "
                                        f"probabilities; got model={model!r}")
        mat = self.weights if model == "mnl" else self.ctr
        m = int(mat.shape[1])
        set_(self, "positions", m)
        K = m if self.max_ads is None else check_int(self.max_ads, "max_ads", minimum=0, maximum=m)
        set_(self, "max_ads", K)
        set_(self, "outside_weight", w0)
        set_(self, "bids", b)
        if order == "fixed":
            sigma = np.arange(m) if self.rendering_order is None else as_int_array(
                self.rendering_order, "rendering_order", ndim=1, allow_empty=True)
            if sorted(sigma.tolist()) != list(range(m)):
                raise InvalidInputError(
                    f"rendering_order: must be a permutation of range({m}); got {sigma.tolist()}"
                )
            set_(self, "rendering_order", np.ascontiguousarray(sigma, dtype=np.int64))
        elif self.rendering_order is not None:
            raise InvalidInputError("rendering_order: only used with order='fixed'; got "
                                    "order='free'")

    # ------------------------------------------------------------------ helpers
    @classmethod
    def from_log_weights(cls, bids: ArrayLike, rho: ArrayLike, *, outside_weight: float = 1.0,
                         **kwargs: Any) -> AuctionInstance:
        """An MNL instance from log-attractions ``rho_ij`` (any finite size, e.g. ``rho > 709``).

        CTRs and the optimum are invariant under scaling ``w`` and ``w0`` together, so the
        weights are stored as ``exp(rho - c)`` with outside weight ``w0 exp(-c)``,
        ``c = max(0, max rho)``: no overflow.

        Examples
        --------
        >>> inst = AuctionInstance.from_log_weights([1.0, 2.0], [[800.0], [799.0]])
        >>> [round(float(x), 6) for x in inst.weights[:, 0]], inst.outside_weight
        ([1.0, 0.367879], 5e-324)
        """
        r = as_float_array(rho, "rho", allow_empty=True)
        w0 = check_positive(outside_weight, "outside_weight")
        c = max(0.0, float(np.max(r, initial=0.0)))
        # below the float range the outside option's weight is irrelevant at double
        # precision; it is kept positive (the smallest subnormal) so w0 > 0 still holds
        w0s = w0 * math.exp(-c) if c < 745.0 else 0.0
        w0s = w0s if w0s > 0.0 else float(np.nextafter(0.0, 1.0))
        return cls(bids, np.exp(r - c), outside_weight=w0s, model="mnl", **kwargs)

    @property
    def n(self) -> int:
        """Number of ads."""
        return int(self.bids.shape[0])

    @property
    def m(self) -> int:
        """Number of positions."""
        return int(self.positions)

    @property
    def matrix(self) -> NDArray[np.float64]:
        """MNL weights or CTRs, shape (n, m)."""
        return self.weights if self.model == "mnl" else self.ctr

    @property
    def sigma(self) -> NDArray[np.int64]:
        """The rendering order of positions (index order when free)."""
        return self.rendering_order if self.order == "fixed" else np.arange(self.m)

    def with_bids(self, bids: ArrayLike) -> AuctionInstance:
        """The same instance with other bids (validated).

        Examples
        --------
        >>> AuctionInstance([1.0], [[1.0]]).with_bids([2.0]).bids.tolist()
        [2.0]
        """
        b = as_float_array(bids, "bids", allow_empty=True)
        if b.shape != self.bids.shape:
            raise InvalidInputError(f"bids: must have shape {self.bids.shape}; got {b.shape}")
        check_in_range(b, "bids", 0.0, None)
        out = object.__new__(AuctionInstance)
        for name in self.__dataclass_fields__:
            object.__setattr__(out, name, getattr(self, name))
        object.__setattr__(out, "bids", b)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (lists)."""
        return {
            "bids": self.bids.tolist(),
            "matrix": self.matrix.tolist(),
            "q": None if self.q is None else self.q.tolist(),
            "positions": self.m,
            "max_ads": self.max_ads,
            "model": self.model,
            "order": self.order,
            "continuation_rule": self.continuation_rule,
            "outside_weight": self.outside_weight,
            "rendering_order": self.sigma.tolist(),
        }

    def __repr__(self) -> str:
        extra = f", continuation={self.continuation_rule!r}" if self.model == "cascade" else ""
        return (f"AuctionInstance(model={self.model!r}, n={self.n}, m={self.m}, "
                f"K={self.max_ads}, order={self.order!r}{extra})")


def ctr_of(
    instance: AuctionInstance, assignment: ArrayLike, order: ArrayLike | None = None
) -> NDArray[np.float64]:
    """CTR of every ad under an allocation.

    Parameters
    ----------
    instance : AuctionInstance
    assignment : array_like of int, shape (n,)
        Position of each ad, -1 when not shown (distinct positions, at most ``K`` shown).
    order : array_like of int, optional
        The shown ads in rendering order (cascade with ``order="free"`` only; default:
        by rendering rank of their positions).

    Returns
    -------
    numpy.ndarray
        ``pi_i`` for every ad (0 for ads not shown).

    Examples
    --------
    >>> inst = AuctionInstance([10.0, 2.0], [[3.0, 2.0], [1.0, 1.0]])
    >>> ctr_of(inst, [0, 1]).tolist()
    [0.6, 0.2]
    """
    pos = as_int_array(assignment, "assignment", ndim=1, allow_empty=True,
                       minimum=-1, maximum=max(instance.m - 1, -1))
    if pos.shape[0] != instance.n:
        raise InvalidInputError(f"assignment: must have length n={instance.n}; got {pos.shape[0]}")
    shown = np.flatnonzero(pos >= 0)
    if len(set(pos[shown].tolist())) != shown.size:
        raise InvalidInputError(f"assignment: positions must be distinct; got {pos.tolist()}")
    if shown.size > instance.max_ads:
        raise InvalidInputError(f"assignment: shows {shown.size} ads, more than max_ads="
                                f"{instance.max_ads}")
    out = np.zeros(instance.n)
    M = instance.matrix
    if instance.model == "mnl":
        den = instance.outside_weight + float(sum(M[i, pos[i]] for i in shown))
        for i in shown:
            out[i] = M[i, pos[i]] / den
        return out
    if instance.model == "independent":
        for i in shown:
            out[i] = M[i, pos[i]]
        return out
    if order is None or instance.order == "fixed":
        rank = np.empty(instance.m, dtype=np.int64)
        rank[instance.sigma] = np.arange(instance.m)
        seq = sorted(shown.tolist(), key=lambda i: (rank[pos[i]], i))
    else:
        seq = as_int_array(order, "order", ndim=1, allow_empty=True).tolist()
        if sorted(seq) != sorted(shown.tolist()):
            raise InvalidInputError(f"order: must list exactly the shown ads {shown.tolist()}; "
                                    f"got {seq}")
    surv = 1.0
    for i in seq:
        out[i] = surv * M[i, pos[i]]
        surv *= instance.q[i, pos[i]]
    return out
