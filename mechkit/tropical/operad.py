"""The operad of posets and its action on poset filters.

Arity-``n`` operations are posets on ``[n]``.  The composition ``P(Q_1, ..., Q_n)`` is
the lexicographic sum: point ``i`` of ``P`` is replaced by a copy of ``Q_i``, and for
``a`` in ``Q_i``, ``b`` in ``Q_j`` with ``i != j``, ``a < b`` iff ``i < j`` in ``P``.
The copies are laid out block after block (``Q_0``'s points first).  The unit is the
one-point poset; the partial composition ``P ∘_p Q`` keeps the labels of ``P`` below
``p``, puts ``Q`` at ``p .. p+|Q|-1`` and shifts the rest by ``|Q| - 1``.

The poset filter ``f_P(x) = max over up-sets U of sum_U x`` composes as [derived here,
verified by brute force in the tests and proofs]::

    f_{P(Q_1..Q_n)}(x^1, ..., x^n) = max over U in up(P) of
        [ sum_{i in min U} f_{Q_i}(x^i) + sum_{i in U - min U} sum(x^i) ].

With ``P`` an antichain this is ``sum_i f_{Q_i}`` (a product of order polytopes); with
``P`` a 2-chain it is ``max(f_{Q_2}, sum(x^2) + f_{Q_1})`` (a convex envelope).

Examples
--------
>>> from mechkit.tropical.poset import antichain, chain
>>> compose(chain(2), [antichain(2), chain(2)]).covers  # {0, 1} below the chain 2 < 3
((0, 2), (1, 2), (2, 3))
>>> partial_compose(chain(2), 0, antichain(2)) == compose(chain(2), [antichain(2), chain(1)])
True
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from mechkit.errors import InvalidInputError
from mechkit.tropical.algebra import TropicalPolynomial
from mechkit.tropical.poset import Poset, _bits

__all__ = [
    "compose",
    "composed_filter_value",
    "filter_polynomial",
    "filter_value",
    "partial_compose",
]


def _check(p: object, name: str) -> Poset:
    if not isinstance(p, Poset):
        raise InvalidInputError(f"{name}: must be a Poset; got {type(p).__name__}")
    return p


def _check_values(xs: Sequence[Any], name: str) -> None:
    for i, v in enumerate(xs):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
            raise InvalidInputError(f"{name}: entries must be finite real numbers; entry {i} is {v!r}")


def compose(P: Poset, Qs: Sequence[Poset]) -> Poset:
    """The lexicographic sum ``P(Q_0, ..., Q_{n-1})``.

    Examples
    --------
    >>> from mechkit.tropical.poset import antichain, chain
    >>> compose(antichain(2), [chain(2), chain(2)]).covers
    ((0, 1), (2, 3))
    """
    P = _check(P, "P")
    Qs = [_check(q, f"Qs[{i}]") for i, q in enumerate(Qs)]
    if len(Qs) != P.n:
        raise InvalidInputError(f"Qs: need one poset per point of P ({P.n}); got {len(Qs)}")
    offsets = [0]
    for q in Qs:
        offsets.append(offsets[-1] + q.n)
    rel: list[tuple[int, int]] = []
    for i, q in enumerate(Qs):
        rel += [(offsets[i] + a, offsets[i] + b) for a, b in q.relations]
    for i, j in P.relations:
        rel += [(offsets[i] + a, offsets[j] + b) for a in range(Qs[i].n) for b in range(Qs[j].n)]
    return Poset(offsets[-1], rel)


def partial_compose(P: Poset, p: int, Q: Poset) -> Poset:
    """``P ∘_p Q``: substitute ``Q`` for the point ``p`` of ``P``.

    Examples
    --------
    >>> from mechkit.tropical.poset import antichain, chain
    >>> partial_compose(chain(2), 1, antichain(2)).covers  # 0 below both copies of Q's points
    ((0, 1), (0, 2))
    """
    P = _check(P, "P")
    Q = _check(Q, "Q")
    if isinstance(p, bool) or not isinstance(p, numbers.Integral) or not 0 <= int(p) < P.n:
        raise InvalidInputError(f"p: must be a point of P in [0, {P.n - 1}]; got {p!r}")
    unit = Poset(1)
    return compose(P, [Q if i == int(p) else unit for i in range(P.n)])


def filter_value(P: Poset, x: Sequence[Any]) -> Any:
    """``f_P(x) = max over up-sets U of sum_U x`` by enumeration (exact for ints/Fractions).

    Examples
    --------
    >>> from mechkit.tropical.poset import chain
    >>> filter_value(chain(3), [5, -1, 2])
    6
    """
    P = _check(P, "P")
    try:
        xs = list(x)
    except TypeError as err:
        raise InvalidInputError(f"x: must be a sequence of {P.n} numbers; got {x!r}") from err
    if len(xs) != P.n:
        raise InvalidInputError(f"x: must have {P.n} entries; got {len(xs)}")
    _check_values(xs, "x")
    return max(sum((xs[i] for i in _bits(u)), 0) for u in P.upset_masks())


def composed_filter_value(P: Poset, Qs: Sequence[Poset], xs: Sequence[Sequence[Any]]) -> Any:
    """The operad action: ``f_{P(Q_1..Q_n)}`` evaluated through the ``f_{Q_i}``.

    Parameters
    ----------
    P : Poset
        Outer poset on ``n`` points.
    Qs : sequence of Poset
        Inner posets, one per point of ``P``.
    xs : sequence of sequences
        ``xs[i]`` is the input block of ``Q_i`` (length ``Qs[i].n``).

    Examples
    --------
    >>> from mechkit.tropical.poset import antichain, chain
    >>> P, Qs = chain(2), [antichain(2), chain(2)]
    >>> xs = [[3, -1], [-2, 1]]
    >>> composed_filter_value(P, Qs, xs) == filter_value(compose(P, Qs), [3, -1, -2, 1])
    True
    """
    P = _check(P, "P")
    Qs = [_check(q, f"Qs[{i}]") for i, q in enumerate(Qs)]
    if len(Qs) != P.n or len(xs) != P.n:
        raise InvalidInputError(f"Qs, xs: need one entry per point of P ({P.n})")
    inner = [filter_value(q, blk) for q, blk in zip(Qs, xs, strict=True)]
    totals = [sum(list(blk), 0) for blk in xs]  # blocks validated by filter_value
    best = None
    for u in P.upset_masks():
        val: Any = 0
        for i in _bits(u):
            val = val + (inner[i] if not (P.below[i] & u) else totals[i])
        if best is None or val > best:
            best = val
    return best


def filter_polynomial(P: Poset) -> TropicalPolynomial:
    """``f_P`` as a tropical polynomial: exponents = up-set indicators, coefficients 0.

    Its Newton polytope is the order polytope ``O(P)``.

    Examples
    --------
    >>> from mechkit.tropical.poset import four_point_poset
    >>> filter_polynomial(four_point_poset(12)).num_terms
    8
    """
    P = _check(P, "P")
    V = P.upset_matrix().astype(np.int64)
    return TropicalPolynomial(V.reshape(-1, P.n), np.zeros(V.shape[0]), nvars=P.n)
