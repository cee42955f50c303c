"""Linear extensions, order polytopes and chain polytopes (Stanley 1986).

* ``e(P)``, the number of linear extensions, is computed exactly (Python ``int``) by a
  numba DP over down-sets, after splitting off disjoint and ordinal sums
  (``e(P + Q) = C(|P|+|Q|, |P|) e(P) e(Q)``, ``e(P ⊕ Q) = e(P) e(Q)``), so
  series-parallel posets never reach the DP.  The split works on bitmasks in the
  original labels (no subposet is built) and each prime piece costs one numba call
  (enumeration and DP together, in ``int64`` until a count reaches ``2**62``).
* ``O(P) = {x in [0,1]^n : x_i <= x_j for i < j}`` has the up-set indicators as
  vertices, one facet per cover relation plus ``x_i >= 0`` per minimal and ``x_i <= 1``
  per maximal point, volume ``e(P)/n!`` and Ehrhart values ``#(m O(P) ∩ Z^n)`` = the
  number of order-preserving maps ``P -> {0..m}``.
* ``C(P) = {x >= 0 : sum over any chain <= 1}`` has the antichain indicators as
  vertices, one facet per maximal chain plus ``x_i >= 0``, and the same volume and
  Ehrhart values (Stanley's transfer map).

Examples
--------
>>> from mechkit.tropical.poset import fence, four_point_poset
>>> linear_extensions_count(fence(5))
16
>>> order_polytope(four_point_poset(12)).volume
Fraction(5, 24)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_choice, check_int
from mechkit.errors import InvalidInputError
from mechkit.tropical.poset import DEFAULT_MAX_UPSETS, Poset, _bits

__all__ = [
    "PosetPolytope",
    "chain_polytope",
    "ehrhart_values",
    "linear_extensions_count",
    "order_polytope",
]


def _check_poset(poset: object, name: str = "poset") -> Poset:
    if not isinstance(poset, Poset):
        raise InvalidInputError(f"{name}: must be a mechkit.tropical.Poset; got {type(poset).__name__}")
    return poset


def _piece_count(below: NDArray[np.int64], above: NDArray[np.int64], order: list[int], mask: int,
                 max_downsets: int) -> int:
    # the down-set DP on the subposet induced by the points of ``mask`` (original labels:
    # the kernel works on any set of bit positions, so nothing is relabelled); one numba
    # call enumerates the down-sets and runs the DP, with a single int64 limb (no carries)
    # while k! < 2**62 (k <= 20 points)
    from solvers.linext import count_linext, limbs_needed, limbs_to_int

    k = mask.bit_count()
    if k <= 1:
        return 1
    m = np.int64(mask)
    pts = np.array([i for i in order if mask >> i & 1], dtype=np.int64)
    limbs, _, ok = count_linext(below & m, above & m, pts, max_downsets, limbs_needed(k))
    if not ok:
        raise InvalidInputError(
            f"poset: more than max_downsets={max_downsets} down-sets in a {k}-point piece; "
            "raise max_downsets if memory allows (the DP keeps one count per down-set); "
            "method='auto' first splits off disjoint and ordinal sums"
        )
    return limbs_to_int(np.asarray(limbs))


def _components(mask: int, neighbours: list[int]) -> list[int]:
    # connected components (as bitmasks) of the graph on the points of ``mask`` whose
    # adjacency is ``neighbours[i] & mask``
    comps = []
    rest = mask
    while rest:
        comp = rest & -rest
        frontier = comp
        while frontier:
            nxt = 0
            while frontier:
                low = frontier & -frontier
                nxt |= neighbours[low.bit_length() - 1]
                frontier ^= low
            frontier = nxt & mask & ~comp
            comp |= frontier
        comps.append(comp)
        rest &= ~comp
    return comps


def _split_count(below: NDArray[np.int64], above: NDArray[np.int64], order: list[int], mask: int,
                 comparable: list[int], incomparable: list[int], max_downsets: int) -> int:
    # e(P + Q) = C(|P| + |Q|, |P|) e(P) e(Q); e(P ⊕ Q) = e(P) e(Q); the DP on prime pieces.
    # Bitmask arithmetic on the original labels, so a split costs two graph searches and
    # no Poset construction.
    if mask.bit_count() <= 1:
        return 1
    comps = _components(mask, comparable)
    if len(comps) > 1:
        total = 1
        placed = 0
        for c in comps:
            size = c.bit_count()
            placed += size
            total *= math.comb(placed, size) * _split_count(
                below, above, order, c, comparable, incomparable, max_downsets)
        return total
    comps = _components(mask, incomparable)
    if len(comps) > 1:
        total = 1
        for c in comps:
            total *= _split_count(below, above, order, c, comparable, incomparable, max_downsets)
        return total
    return _piece_count(below, above, order, mask, max_downsets)


def _count(p: Poset, max_downsets: int, split: bool) -> int:
    if p.n <= 1:
        return 1
    p._check_bitmask_size()  # at most 62 points (int64 bitmasks)
    below = np.array(p.below, dtype=np.int64)
    above = np.array(p.above, dtype=np.int64)
    order = list(p.linear_extension())
    full = (1 << p.n) - 1
    if not split:
        return _piece_count(below, above, order, full, max_downsets)
    comparable = [a | b for a, b in zip(p.above, p.below, strict=True)]
    incomparable = [full & ~(c | (1 << i)) for i, c in enumerate(comparable)]
    return _split_count(below, above, order, full, comparable, incomparable, max_downsets)


def linear_extensions_count(
    poset: Poset, *, method: str = "auto", max_downsets: int = DEFAULT_MAX_UPSETS
) -> int:
    """Exact number of linear extensions ``e(P)`` as a Python ``int``.

    Parameters
    ----------
    poset : Poset
        The poset (at most 62 points for the DP).
    method : {"auto", "dp"}, default "auto"
        ``"auto"`` splits disjoint and ordinal sums first (series-parallel shortcut) and
        runs the down-set DP on the prime pieces; ``"dp"`` runs the DP on the whole poset.
    max_downsets : int, default 1_000_000
        Budget on the down-sets of a DP piece; exceeding it raises (never a hang).

    Returns
    -------
    int

    Raises
    ------
    InvalidInputError
        For a non-poset, an unknown method, or a DP piece with more down-sets than the budget.

    Examples
    --------
    >>> from mechkit.tropical.poset import antichain, boolean_lattice
    >>> linear_extensions_count(antichain(25)) == math.factorial(25)
    True
    >>> linear_extensions_count(boolean_lattice(3))
    48
    """
    p = _check_poset(poset)
    check_choice(method, "method", ("auto", "dp"))
    budget = check_int(max_downsets, "max_downsets", minimum=1)
    return _count(p, budget, split=method == "auto")


def ehrhart_values(poset: Poset, m_max: int, *, max_upsets: int = 4096) -> list[int]:
    """Ehrhart values ``#(m O(P) ∩ Z^n)`` for ``m = 0..m_max`` (exact ints).

    The count at ``m`` is the number of order-preserving maps ``P -> {0..m}`` (Stanley's
    order polynomial ``Ω(P, m+1)``): multichains ``U_1 ⊇ ... ⊇ U_m`` of up-sets, counted by
    iterating the containment zeta matrix of the up-set lattice.

    Examples
    --------
    >>> from mechkit.tropical.poset import chain
    >>> ehrhart_values(chain(3), 3)  # C(m + 3, 3)
    [1, 4, 10, 20]
    """
    p = _check_poset(poset)
    m_max = check_int(m_max, "m_max", minimum=0)
    ups = p.upset_masks(check_int(max_upsets, "max_upsets", minimum=1))
    k = len(ups)
    zeta = np.zeros((k, k), dtype=np.int64)
    for a in range(k):
        for b in range(k):
            if ups[b] & ~ups[a] == 0:
                zeta[a, b] = 1  # U_b ⊆ U_a
    out = [1]
    c = [1] * k  # chains of length 1 ending at U
    for m in range(1, m_max + 1):
        out.append(sum(c))
        if m < m_max:
            c = [sum(c[b] for b in range(k) if zeta[a, b]) for a in range(k)]
    return out


@dataclass(frozen=True)
class PosetPolytope:
    """The order or chain polytope of a poset, with exact combinatorial data.

    Attributes
    ----------
    poset : Poset
        The poset.
    kind : str
        ``"order"`` or ``"chain"``.
    vertices : numpy.ndarray
        0/1 vertex matrix, shape ``(num_vertices, n)``: up-set indicators (order) or
        antichain indicators (chain).
    A, b : numpy.ndarray
        Irredundant facet inequalities ``A x <= b`` (integer entries).
    volume : Fraction
        ``e(P) / n!``.
    linear_extensions : int
        ``e(P)``.
    """

    poset: Poset
    kind: str
    vertices: NDArray[np.int8]
    A: NDArray[np.int64]
    b: NDArray[np.int64]
    volume: Fraction
    linear_extensions: int
    _facet_names: tuple[str, ...] = field(default=(), repr=False)

    @property
    def num_vertices(self) -> int:
        """Number of vertices."""
        return int(self.vertices.shape[0])

    @property
    def num_facets(self) -> int:
        """Number of facets."""
        return int(self.A.shape[0])

    @property
    def facet_names(self) -> tuple[str, ...]:
        """Readable form of each facet inequality."""
        return self._facet_names

    def contains(self, x: ArrayLike) -> bool:
        """Whether the point ``x`` satisfies every facet inequality (exact for rationals)."""
        try:
            pt = list(x)  # type: ignore[arg-type]
        except TypeError as err:
            raise InvalidInputError(f"x: must be a sequence of {self.poset.n} numbers; got {x!r}") from err
        if len(pt) != self.poset.n:
            raise InvalidInputError(f"x: must have length {self.poset.n}; got {len(pt)}")
        for i, v in enumerate(pt):
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v):
                raise InvalidInputError(f"x: entries must be finite real numbers; entry {i} is {v!r}")
        for row, rhs in zip(self.A.tolist(), self.b.tolist(), strict=True):
            if sum(a * v for a, v in zip(row, pt, strict=True) if a) > rhs:
                return False
        return True

    def support(self, y: ArrayLike) -> float:
        """Support function ``max over vertices v of <v, y>`` (for ``O(P)`` this is ``f_P``)."""
        yv = as_float_array(y, "y", allow_empty=True)
        if yv.shape != (self.poset.n,):
            raise InvalidInputError(f"y: must have shape ({self.poset.n},); got {yv.shape}")
        return float((self.vertices @ yv).max())

    def ehrhart(self, m: int) -> int:
        """Number of lattice points of ``m`` times the polytope."""
        return ehrhart_values(self.poset, m)[-1]

    def to_dict(self) -> dict[str, Any]:
        """Plain-data summary."""
        return {
            "kind": self.kind,
            "n": self.poset.n,
            "covers": [list(c) for c in self.poset.covers],
            "num_vertices": self.num_vertices,
            "num_facets": self.num_facets,
            "volume": str(self.volume),
            "linear_extensions": self.linear_extensions,
        }

    def __repr__(self) -> str:
        return (f"PosetPolytope(kind={self.kind!r}, n={self.poset.n}, vertices={self.num_vertices}, "
                f"facets={self.num_facets}, volume={self.volume})")


def _volume(p: Poset) -> tuple[int, Fraction]:
    e = linear_extensions_count(p)
    return e, Fraction(e, math.factorial(p.n))


def order_polytope(poset: Poset, *, max_vertices: int = DEFAULT_MAX_UPSETS) -> PosetPolytope:
    """The order polytope ``O(P)`` with vertices, facets, exact volume.

    Examples
    --------
    >>> from mechkit.tropical.poset import four_point_poset
    >>> O = order_polytope(four_point_poset(14))  # the diamond
    >>> O.num_vertices, O.num_facets, O.volume
    (6, 6, Fraction(1, 12))
    """
    p = _check_poset(poset)
    verts = p.upset_matrix(max_vertices)
    rows: list[list[int]] = []
    rhs: list[int] = []
    names: list[str] = []
    for i, j in p.covers:
        r = [0] * p.n
        r[i], r[j] = 1, -1
        rows.append(r)
        rhs.append(0)
        names.append(f"x{i} <= x{j}")
    for i in p.minimal():
        r = [0] * p.n
        r[i] = -1
        rows.append(r)
        rhs.append(0)
        names.append(f"x{i} >= 0")
    for i in p.maximal():
        r = [0] * p.n
        r[i] = 1
        rows.append(r)
        rhs.append(1)
        names.append(f"x{i} <= 1")
    e, vol = _volume(p)
    return PosetPolytope(p, "order", verts, np.array(rows, dtype=np.int64).reshape(len(rows), p.n),
                         np.array(rhs, dtype=np.int64), vol, e, tuple(names))


def _maximal_chains(p: Poset, max_count: int | None = None) -> list[list[int]]:
    out: list[list[int]] = []

    def walk(path: list[int]) -> None:
        last = path[-1]
        ups = [j for j in _bits(p.above[last]) if not (p.above[last] & p.below[j])]
        if not ups:
            out.append(list(path))
            if max_count is not None and len(out) > max_count:
                raise InvalidInputError(f"poset: more than max_facets={max_count} maximal chains")
            return
        for j in ups:
            path.append(j)
            walk(path)
            path.pop()

    for s in p.minimal():
        walk([s])
    return out


def chain_polytope(poset: Poset, *, max_vertices: int = DEFAULT_MAX_UPSETS,
                   max_facets: int = 100_000) -> PosetPolytope:
    """The chain polytope ``C(P)`` with vertices (antichains), facets, exact volume.

    Facets: ``x_i >= 0`` for every point and ``sum over C <= 1`` for every maximal chain
    ``C`` (Stanley 1986, Thm 2.2).

    Examples
    --------
    >>> from mechkit.tropical.poset import four_point_poset
    >>> C = chain_polytope(four_point_poset(13))  # the chain: a simplex
    >>> C.num_vertices, C.num_facets, C.volume
    (5, 5, Fraction(1, 24))
    """
    p = _check_poset(poset)
    max_vertices = check_int(max_vertices, "max_vertices", minimum=1)
    ants = sorted(p.antichains(max_vertices), key=lambda a: (len(a), sorted(a)))
    if len(ants) > max_vertices:
        raise InvalidInputError(f"poset: more than max_vertices={max_vertices} antichains")
    verts = np.zeros((len(ants), p.n), dtype=np.int8)
    for r, a in enumerate(ants):
        for i in a:
            verts[r, i] = 1
    rows: list[list[int]] = []
    rhs: list[int] = []
    names: list[str] = []
    for i in range(p.n):
        r = [0] * p.n
        r[i] = -1
        rows.append(r)
        rhs.append(0)
        names.append(f"x{i} >= 0")
    chains = _maximal_chains(p, check_int(max_facets, "max_facets", minimum=0))
    for c in chains:
        r = [0] * p.n
        for i in c:
            r[i] = 1
        rows.append(r)
        rhs.append(1)
        names.append(" + ".join(f"x{i}" for i in c) + " <= 1")
    e, vol = _volume(p)
    return PosetPolytope(p, "chain", verts, np.array(rows, dtype=np.int64).reshape(len(rows), p.n),
                         np.array(rhs, dtype=np.int64), vol, e, tuple(names))
