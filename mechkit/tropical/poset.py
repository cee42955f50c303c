"""Finite posets on ``{0, ..., n-1}``: closure, covers, up-sets, canonical forms.

A :class:`Poset` is a strict partial order given by relation pairs ``(a, b)`` meaning
``a < b``; the transitive closure is taken and cycles are refused (naming the cycle).
Up-sets (filters) ``U`` satisfy ``i in U, i < j => j in U``; down-sets are the dual.
The up-sets of ``P`` are the vertices of its order polytope, and the 4-point posets
indexed as in the reference code (:data:`FOUR_POINT_COVERS`) define the poset filters.

Points are bitmask-encoded internally (``n <= 62`` for the numba routines).

Examples
--------
>>> from mechkit.tropical.poset import Poset, chain
>>> P = Poset(4, [(0, 1), (1, 2), (0, 2), (2, 3)])
>>> P.covers
((0, 1), (1, 2), (2, 3))
>>> P == chain(4)
True
>>> P.num_upsets()
5
>>> Poset(3, [(0, 1), (1, 2), (2, 0)])
Traceback (most recent call last):
...
mechkit.errors.InvalidInputError: relations: contain the cycle 0 < 1 < 2 < 0; a partial order has no cycles
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit.errors import InvalidInputError

__all__ = [
    "FOUR_POINT_COVERS",
    "MAX_BITMASK_POINTS",
    "Poset",
    "antichain",
    "boolean_lattice",
    "chain",
    "crown",
    "fence",
    "four_point_poset",
    "grid",
    "map_posets",
    "posets_up_to_isomorphism",
]

#: Largest number of points the bitmask (numba) routines accept.
MAX_BITMASK_POINTS = 62

#: Default budget on enumerated up-sets / down-sets before refusing.
DEFAULT_MAX_UPSETS = 1_000_000

#: The 16 unlabelled 4-point posets, by the reference code's ``dict_posets`` index, as
#: cover relations in window labels ``(x0, x1, x2, x3) = ((r0,c0), (r0,c1), (r1,c0), (r1,c1))``.
FOUR_POINT_COVERS: tuple[tuple[tuple[int, int], ...], ...] = (
    ((0, 3), (1, 3), (2, 3)),  # 0: three below a top
    (),  # 1: antichain
    ((0, 1),),  # 2: one relation, two isolated points
    ((0, 2), (1, 2), (2, 3)),  # 3: 0,1 < 2 < 3
    ((0, 2), (1, 2)),  # 4: 0,1 < 2, 3 isolated
    ((0, 1), (0, 2)),  # 5: 0 < 1, 0 < 2, 3 isolated
    ((0, 1), (2, 3)),  # 6: two 2-chains
    ((0, 1), (1, 2), (1, 3)),  # 7: "Y"
    ((0, 1), (1, 2)),  # 8: 3-chain plus an isolated point
    ((0, 1), (0, 2), (0, 3)),  # 9: a bottom below three
    ((0, 1), (0, 2), (2, 3)),  # 10
    ((0, 2), (0, 3), (1, 2), (1, 3)),  # 11: bowtie
    ((0, 1), (2, 1), (2, 3)),  # 12: N (the reference's filter_n)
    ((0, 1), (1, 2), (2, 3)),  # 13: chain
    ((0, 1), (0, 2), (1, 3), (2, 3)),  # 14: diamond
    ((0, 2), (2, 3), (1, 3)),  # 15
)


def _popcount(x: int) -> int:
    return int(x).bit_count()


def _bits(mask: int) -> list[int]:
    out = []
    i = 0
    while mask:
        if mask & 1:
            out.append(i)
        mask >>= 1
        i += 1
    return out


def _check_label(value: object, n: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(f"relations: labels must be integers in [0, {n - 1}]; "
                                f"{where} has {value!r}")
    v = int(value)
    if not 0 <= v < n:
        raise InvalidInputError(f"relations: labels must lie in [0, {n - 1}]; {where} has {v}")
    return v


def _check_other_poset(other: object) -> None:
    if not isinstance(other, Poset):
        raise InvalidInputError(f"other: must be a Poset; got {type(other).__name__}")


def _find_cycle(n: int, succ: list[int]) -> list[int]:
    """A directed cycle of the relation graph, as a list of points (first == last)."""
    color = [0] * n
    stack_path: list[int] = []

    def dfs(u: int) -> list[int] | None:
        color[u] = 1
        stack_path.append(u)
        for v in _bits(succ[u]):
            if color[v] == 1:
                k = stack_path.index(v)
                return [*stack_path[k:], v]
            if color[v] == 0:
                found = dfs(v)
                if found is not None:
                    return found
        stack_path.pop()
        color[u] = 2
        return None

    for s in range(n):
        if color[s] == 0:
            found = dfs(s)
            if found is not None:
                return found
    raise AssertionError("no cycle found")  # pragma: no cover - only called on cyclic input


class Poset:
    """A strict partial order on the points ``0, ..., n-1``.

    Parameters
    ----------
    n : int
        Number of points (``n >= 0``).
    relations : iterable of pairs, optional
        Pairs ``(a, b)`` meaning ``a < b``; the transitive closure is taken and duplicate
        pairs are ignored.

    Raises
    ------
    InvalidInputError
        For a negative ``n``, non-integer or out-of-range labels, a self-pair ``(i, i)``
        or a cycle (the message names it).

    Examples
    --------
    >>> N = Poset(4, [(0, 1), (2, 1), (2, 3)])
    >>> N.minimal(), N.maximal()
    ((0, 2), (1, 3))
    >>> N.less(2, 1), N.less(0, 3)
    (True, False)
    >>> sorted(sorted(u) for u in N.upsets())[:4]
    [[], [0, 1], [0, 1, 2, 3], [0, 1, 3]]
    """

    __slots__ = ("_above", "_below", "_key", "n")

    def __init__(self, n: int, relations: Iterable[Sequence[int]] = ()) -> None:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 0:
            raise InvalidInputError(f"n: must be a non-negative integer; got {n!r}")
        n = int(n)
        succ = [0] * n
        try:
            pairs = list(relations)
        except TypeError as err:
            raise InvalidInputError(f"relations: must be an iterable of pairs; got {relations!r}") from err
        for idx, pair in enumerate(pairs):
            try:
                a_raw, b_raw = pair
            except (TypeError, ValueError) as err:
                raise InvalidInputError(
                    f"relations: each relation must be a pair (a, b) meaning a < b; entry {idx} is {pair!r}"
                ) from err
            a = _check_label(a_raw, n, f"entry {idx}")
            b = _check_label(b_raw, n, f"entry {idx}")
            if a == b:
                raise InvalidInputError(
                    f"relations: self-pair ({a}, {a}) at entry {idx}; a strict order is irreflexive"
                )
            succ[a] |= 1 << b
        up = list(succ)
        for k in range(n):
            bit = 1 << k
            for i in range(n):
                if up[i] & bit:
                    up[i] |= up[k]
        for i in range(n):
            if up[i] >> i & 1:
                cyc = _find_cycle(n, succ)
                text = " < ".join(str(c) for c in cyc)
                raise InvalidInputError(
                    f"relations: contain the cycle {text}; a partial order has no cycles"
                )
        down = [0] * n
        for i in range(n):
            for j in _bits(up[i]):
                down[j] |= 1 << i
        self.n = n
        self._above: tuple[int, ...] = tuple(up)
        self._below: tuple[int, ...] = tuple(down)
        self._key = (n, self._above)

    # ------------------------------------------------------------------ basics
    @classmethod
    def _from_masks(cls, n: int, above: Sequence[int]) -> Poset:
        """Build from transitively closed ``above`` bitmasks (trusted, internal)."""
        return cls(n, [(i, j) for i in range(n) for j in _bits(above[i])])

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Poset) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    def __repr__(self) -> str:
        return f"Poset(n={self.n}, covers={list(self.covers)})"

    def __len__(self) -> int:
        return self.n

    @property
    def above(self) -> tuple[int, ...]:
        """Bitmask of the points strictly above each point."""
        return self._above

    @property
    def below(self) -> tuple[int, ...]:
        """Bitmask of the points strictly below each point."""
        return self._below

    @property
    def relations(self) -> tuple[tuple[int, int], ...]:
        """All pairs ``(a, b)`` with ``a < b`` (the transitive closure), sorted."""
        return tuple((i, j) for i in range(self.n) for j in _bits(self._above[i]))

    @property
    def covers(self) -> tuple[tuple[int, int], ...]:
        """Cover pairs ``a ⋖ b`` (the Hasse diagram / transitive reduction), sorted."""
        out = []
        for i in range(self.n):
            for j in _bits(self._above[i]):
                if not (self._above[i] & self._below[j]):
                    out.append((i, j))
        return tuple(out)

    def less(self, a: int, b: int) -> bool:
        """Whether ``a < b``."""
        a = _check_label(a, self.n, "argument a")
        b = _check_label(b, self.n, "argument b")
        return bool(self._above[a] >> b & 1)

    def less_matrix(self) -> NDArray[np.bool_]:
        """Boolean matrix ``M[a, b] = (a < b)``."""
        m = np.zeros((self.n, self.n), dtype=bool)
        for a, b in self.relations:
            m[a, b] = True
        return m

    def minimal(self) -> tuple[int, ...]:
        """Points with nothing below them."""
        return tuple(i for i in range(self.n) if self._below[i] == 0)

    def maximal(self) -> tuple[int, ...]:
        """Points with nothing above them."""
        return tuple(i for i in range(self.n) if self._above[i] == 0)

    def linear_extension(self) -> tuple[int, ...]:
        """One linear extension (points sorted by the number of points below, then label)."""
        return tuple(sorted(range(self.n), key=lambda i: (_popcount(self._below[i]), i)))

    def is_upset(self, subset: Iterable[int]) -> bool:
        """Whether ``subset`` is an up-set (filter)."""
        mask = 0
        try:
            items = list(subset)
        except TypeError as err:
            raise InvalidInputError(f"subset: must be an iterable of points; got {subset!r}") from err
        for v in items:
            mask |= 1 << _check_label(v, self.n, "subset")
        return all(self._above[i] & ~mask == 0 for i in _bits(mask))

    def dual(self) -> Poset:
        """The opposite order (``a < b`` iff ``b < a`` here)."""
        return Poset(self.n, [(b, a) for a, b in self.relations])

    def relabel(self, perm: Sequence[int]) -> Poset:
        """The isomorphic poset with point ``i`` renamed ``perm[i]``."""
        try:
            p = [_check_label(v, max(self.n, 1), "perm") for v in perm]
        except TypeError as err:
            raise InvalidInputError(f"perm: must be a permutation of 0..{self.n - 1}; got {perm!r}") from err
        if sorted(p) != list(range(self.n)):
            raise InvalidInputError(f"perm: must be a permutation of 0..{self.n - 1}; got {list(perm)}")
        return Poset(self.n, [(p[a], p[b]) for a, b in self.relations])

    # ------------------------------------------------------------ up/down-sets
    def _check_bitmask_size(self) -> None:
        if self.n > MAX_BITMASK_POINTS:
            raise InvalidInputError(
                f"poset: enumeration supports at most {MAX_BITMASK_POINTS} points; got n={self.n}"
            )

    def downset_masks(self, max_count: int = DEFAULT_MAX_UPSETS) -> NDArray[np.int64]:
        """All down-sets as ``int64`` bitmasks, sorted ascending (``0`` = empty set first).

        Raises
        ------
        InvalidInputError
            When there are more than ``max_count`` down-sets (raise the budget or use a
            decomposition); counting them is #P-complete in general.
        """
        from solvers.linext import enumerate_downsets

        self._check_bitmask_size()
        below = np.array(self._below, dtype=np.int64)
        order = np.array(self.linear_extension(), dtype=np.int64)
        masks, ok = enumerate_downsets(below, order, int(max_count))
        if not ok:
            raise InvalidInputError(
                f"poset: more than max_count={max_count} down-sets (n={self.n}); raise max_count "
                "if memory allows, or decompose the poset (disjoint/ordinal sums)"
            )
        return np.asarray(masks)

    def upset_masks(self, max_count: int = DEFAULT_MAX_UPSETS) -> list[int]:
        """All up-sets as bitmasks, sorted by size then value (``0`` first, full set last)."""
        full = (1 << self.n) - 1
        ups = [full ^ int(d) for d in self.downset_masks(max_count)]
        ups.sort(key=lambda u: (_popcount(u), u))
        return ups

    def upsets(self, max_count: int = DEFAULT_MAX_UPSETS) -> Iterator[frozenset[int]]:
        """Iterate over the up-sets as frozensets, by size then bitmask value."""
        for u in self.upset_masks(max_count):
            yield frozenset(_bits(u))

    def downsets(self, max_count: int = DEFAULT_MAX_UPSETS) -> Iterator[frozenset[int]]:
        """Iterate over the down-sets (order ideals) as frozensets."""
        ds = sorted((int(d) for d in self.downset_masks(max_count)), key=lambda d: (_popcount(d), d))
        for d in ds:
            yield frozenset(_bits(d))

    def upset_matrix(self, max_count: int = DEFAULT_MAX_UPSETS) -> NDArray[np.int8]:
        """Indicator vectors of the up-sets, shape ``(m, n)``, in :meth:`upset_masks` order."""
        ups = self.upset_masks(max_count)
        out = np.zeros((len(ups), self.n), dtype=np.int8)
        for r, u in enumerate(ups):
            for i in _bits(u):
                out[r, i] = 1
        return out

    def num_upsets(self, max_count: int = DEFAULT_MAX_UPSETS) -> int:
        """Number of up-sets (= down-sets = antichains = lattice points of ``O(P)``)."""
        return int(self.downset_masks(max_count).shape[0])

    def antichains(self, max_count: int = DEFAULT_MAX_UPSETS) -> Iterator[frozenset[int]]:
        """Iterate over the antichains (the minimal elements of each up-set)."""
        for u in self.upset_masks(max_count):
            yield frozenset(i for i in _bits(u) if not (self._below[i] & u))

    # ------------------------------------------------------- sums and structure
    def disjoint_union(self, other: Poset) -> Poset:
        """``P + Q``: ``other``'s points are relabelled ``n, n+1, ...``; no relations across."""
        _check_other_poset(other)
        s = self.n
        return Poset(s + other.n, [*self.relations, *((a + s, b + s) for a, b in other.relations)])

    def ordinal_sum(self, other: Poset) -> Poset:
        """``P ⊕ Q``: every point of ``self`` below every point of ``other`` (relabelled after)."""
        _check_other_poset(other)
        s = self.n
        rel = [*self.relations, *((a + s, b + s) for a, b in other.relations)]
        rel += [(a, s + b) for a in range(s) for b in range(other.n)]
        return Poset(s + other.n, rel)

    def induced(self, points: Sequence[int]) -> Poset:
        """The subposet on ``points`` (relabelled ``0..len-1`` in the given order)."""
        pts = [_check_label(p, self.n, "points") for p in points]
        if len(set(pts)) != len(pts):
            raise InvalidInputError(f"points: must be distinct; got {list(points)}")
        index = {p: k for k, p in enumerate(pts)}
        return Poset(len(pts), [(index[a], index[b]) for a, b in self.relations
                                if a in index and b in index])

    def components(self) -> list[list[int]]:
        """Connected components of the comparability graph (sorted point lists)."""
        seen = 0
        comps = []
        for s in range(self.n):
            if seen >> s & 1:
                continue
            comp = 1 << s
            frontier = comp
            while frontier:
                nxt = 0
                for i in _bits(frontier):
                    nxt |= self._above[i] | self._below[i]
                frontier = nxt & ~comp
                comp |= nxt
            seen |= comp
            comps.append(_bits(comp))
        return comps

    def ordinal_components(self) -> list[list[int]]:
        """Ordinal-sum summands ``P = P_1 ⊕ ... ⊕ P_k`` (components of incomparability), bottom first."""
        comps = []
        seen = 0
        full = (1 << self.n) - 1
        for s in range(self.n):
            if seen >> s & 1:
                continue
            comp = 1 << s
            frontier = comp
            while frontier:
                nxt = 0
                for i in _bits(frontier):
                    nxt |= full & ~(self._above[i] | self._below[i] | (1 << i))
                frontier = nxt & ~comp
                comp |= nxt
            seen |= comp
            comps.append(_bits(comp))
        comps.sort(key=lambda c: _popcount(self._below[c[0]]))
        return comps

    def is_series_parallel(self) -> bool:
        """Whether ``P`` is built from points by disjoint and ordinal sums (iff it is N-free)."""
        if self.n <= 1:
            return True
        comps = self.components()
        if len(comps) == 1:
            comps = self.ordinal_components()
            if len(comps) == 1:
                return False
        return all(self.induced(c).is_series_parallel() for c in comps)

    # ------------------------------------------------------- canonical forms
    def _invariant_classes(self) -> list[list[int]]:
        key: dict[int, tuple[Any, ...]] = {}
        for i in range(self.n):
            key[i] = (_popcount(self._below[i]), _popcount(self._above[i]))
        for _ in range(2):  # two rounds of neighbourhood refinement
            key = {
                i: (key[i], tuple(sorted(key[j] for j in _bits(self._below[i]))),
                    tuple(sorted(key[j] for j in _bits(self._above[i]))))
                for i in range(self.n)
            }
        groups: dict[tuple[Any, ...], list[int]] = {}
        for i in range(self.n):
            groups.setdefault(key[i], []).append(i)
        return [groups[k] for k in sorted(groups)]

    def _canonical_search(self, max_permutations: int) -> tuple[bytes, list[int], int]:
        classes = self._invariant_classes()
        count = math.prod(math.factorial(len(c)) for c in classes)
        if count > max_permutations:
            raise InvalidInputError(
                f"poset: canonical form would try {count} relabellings (> max_permutations="
                f"{max_permutations}); it is meant for small posets (n <= 6 always fits)"
            )
        if self.n == 0:
            return b"", [], 1
        m = self.less_matrix()
        perms = np.array([list(itertools.chain.from_iterable(p))
                          for p in itertools.product(*(itertools.permutations(c) for c in classes))],
                         dtype=np.int64)
        codes = m[perms[:, :, None], perms[:, None, :]].reshape(perms.shape[0], -1)
        packed = np.packbits(codes, axis=1)
        rows = [r.tobytes() for r in packed]
        best = min(rows)
        first = rows.index(best)
        automorphisms = sum(1 for r in rows if r == best)
        return best, [int(v) for v in perms[first]], automorphisms

    def canonical_key(self, max_permutations: int = 40320) -> tuple[int, bytes]:
        """An isomorphism invariant that is complete: equal keys iff isomorphic posets."""
        code, _, _ = self._canonical_search(max_permutations)
        return (self.n, code)

    def canonical_form(self, max_permutations: int = 40320) -> Poset:
        """The canonical representative of the isomorphism class (naturally labelled).

        Examples
        --------
        >>> Poset(3, [(2, 0)]).canonical_form() == Poset(3, [(1, 0)]).canonical_form()
        True
        """
        _, perm, _ = self._canonical_search(max_permutations)
        # perm[new] = old; rename old -> new
        new_of_old = [0] * self.n
        for new, old in enumerate(perm):
            new_of_old[old] = new
        return self.relabel(new_of_old)

    def automorphism_count(self, max_permutations: int = 40320) -> int:
        """Number of order automorphisms."""
        return self._canonical_search(max_permutations)[2]

    def is_isomorphic(self, other: Poset) -> bool:
        """Whether ``other`` is isomorphic to ``self``."""
        if not isinstance(other, Poset):
            raise InvalidInputError(f"other: must be a Poset; got {type(other).__name__}")
        return self.n == other.n and self.canonical_key() == other.canonical_key()

    # ------------------------------------------------------ from an up-set family
    @classmethod
    def from_upsets(cls, n: int, family: ArrayLike | Iterable[Iterable[int]]) -> Poset:
        """Recover the poset whose up-set family is exactly ``family``.

        Parameters
        ----------
        n : int
            Number of points.
        family : array_like of 0/1 rows, shape (m, n), or iterable of point sets
            The candidate up-sets (order irrelevant).

        Raises
        ------
        InvalidInputError
            When the family is not exactly the up-set family of a poset: entries that
            are not 0/1, duplicates, a missing empty set or full set, a family not closed
            under union or intersection, or two points that always appear together.

        Examples
        --------
        >>> Poset.from_upsets(2, [[0, 0], [0, 1], [1, 1]]) == Poset(2, [(0, 1)])
        True
        >>> Poset.from_upsets(4, [[0, 0, 0, 0], [1, 0, 0, 0], [0, 1, 0, 0], [1, 1, 1, 1]])
        Traceback (most recent call last):
        ...
        mechkit.errors.InvalidInputError: family: not closed under union: {0} ∪ {1} = {0, 1} is missing
        """
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 0:
            raise InvalidInputError(f"n: must be a non-negative integer; got {n!r}")
        n = int(n)
        masks = _family_masks(n, family)
        full = (1 << n) - 1

        def show(mask: int) -> str:
            return "{" + ", ".join(str(i) for i in _bits(mask)) + "}"

        if 0 not in masks:
            raise InvalidInputError("family: must contain the empty set (the zero vector)")
        if full not in masks:
            raise InvalidInputError(f"family: must contain the full set {show(full)}")
        mset = set(masks)
        for a in masks:
            for b in masks:
                if a | b not in mset:
                    raise InvalidInputError(
                        f"family: not closed under union: {show(a)} ∪ {show(b)} = {show(a | b)} is missing"
                    )
                if a & b not in mset:
                    raise InvalidInputError(
                        f"family: not closed under intersection: {show(a)} ∩ {show(b)} = "
                        f"{show(a & b)} is missing"
                    )
        # i < j iff every member containing i also contains j
        rel = []
        for i in range(n):
            for j in range(n):
                if i != j and all((u >> j & 1) for u in masks if u >> i & 1):
                    if all((u >> i & 1) for u in masks if u >> j & 1):
                        raise InvalidInputError(
                            f"family: points {i} and {j} always appear together, so the family "
                            "is not the up-set family of a partial order"
                        )
                    rel.append((i, j))
        poset = cls(n, rel)
        if set(poset.upset_masks()) != mset:  # pragma: no cover - Birkhoff's theorem
            raise InvalidInputError("family: is not the up-set family of a poset")
        return poset


def _family_masks(n: int, family: ArrayLike | Iterable[Iterable[int]]) -> list[int]:
    rows: list[int] = []
    arr = None
    try:
        arr = np.asarray(family)
    except (ValueError, TypeError):
        arr = None
    if arr is not None and arr.ndim == 2 and arr.dtype != object and arr.shape[1] == n and (
        np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_
    ):
        fa = arr.astype(np.float64)
        bad = ~((fa == 0) | (fa == 1))
        if bad.any():
            r, c = (int(v) for v in np.argwhere(bad)[0])
            raise InvalidInputError(
                f"family: entries must be 0 or 1; entry ({r}, {c}) is {arr[r, c].item()!r}"
            )
        for r in range(fa.shape[0]):
            mask = 0
            for c in range(n):
                if fa[r, c] == 1:
                    mask |= 1 << c
            rows.append(mask)
    elif arr is not None and arr.ndim == 2 and arr.dtype != object:
        raise InvalidInputError(
            f"family: 0/1 rows must have length n={n}; got shape {arr.shape}"
        )
    else:
        try:
            items = list(family)  # type: ignore[arg-type]
        except TypeError as err:
            raise InvalidInputError(f"family: must be 0/1 rows or point sets; got {family!r}") from err
        for idx, item in enumerate(items):
            mask = 0
            try:
                members = list(item)
            except TypeError as err:
                raise InvalidInputError(f"family: member {idx} is not a set of points: {item!r}") from err
            for v in members:
                mask |= 1 << _check_label(v, n, f"family member {idx}")
            rows.append(mask)
    seen: dict[int, int] = {}
    for idx, m in enumerate(rows):
        if m in seen:
            raise InvalidInputError(
                f"family: duplicate member {sorted(_bits(m))} at rows {seen[m]} and {idx}"
            )
        seen[m] = idx
    return rows


# ------------------------------------------------------------------ constructors
def _check_size(value: object, name: str, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0 or (
        maximum is not None and int(value) > maximum
    ):
        rng = f"[0, {maximum}]" if maximum is not None else ">= 0"
        raise InvalidInputError(f"{name}: must be an integer {rng}; got {value!r}")
    return int(value)


def chain(n: int) -> Poset:
    """The chain ``0 < 1 < ... < n-1``.

    Examples
    --------
    >>> chain(3).covers
    ((0, 1), (1, 2))
    """
    n = _check_size(n, "n")
    return Poset(n, [(i, i + 1) for i in range(n - 1)])


def antichain(n: int) -> Poset:
    """``n`` pairwise incomparable points.

    Examples
    --------
    >>> antichain(3).num_upsets()  # every subset is an up-set
    8
    """
    return Poset(n)


def fence(n: int) -> Poset:
    """The zigzag ``0 < 1 > 2 < 3 > ...`` on ``n`` points (e = Euler zigzag number).

    Examples
    --------
    >>> fence(4).covers
    ((0, 1), (2, 1), (2, 3))
    """
    n = _check_size(n, "n")
    rel = [(i, i + 1) if i % 2 == 0 else (i + 1, i) for i in range(n - 1)]
    return Poset(n, rel)


def grid(a: int, b: int) -> Poset:
    """The product of chains ``a x b``; point ``(i, j)`` is labelled ``i * b + j``.

    Examples
    --------
    >>> grid(2, 2).covers
    ((0, 1), (0, 2), (1, 3), (2, 3))
    """
    a = _check_size(a, "a")
    b = _check_size(b, "b")
    rel = []
    for i in range(a):
        for j in range(b):
            if i + 1 < a:
                rel.append((i * b + j, (i + 1) * b + j))
            if j + 1 < b:
                rel.append((i * b + j, i * b + j + 1))
    return Poset(a * b, rel)


def boolean_lattice(k: int) -> Poset:
    """The Boolean lattice ``B_k`` of subsets of ``k`` elements (point = subset bitmask).

    Examples
    --------
    >>> boolean_lattice(2).covers
    ((0, 1), (0, 2), (1, 3), (2, 3))
    """
    k = _check_size(k, "k", maximum=10)
    rel = [(s, s | (1 << x)) for s in range(1 << k) for x in range(k) if not s >> x & 1]
    return Poset(1 << k, rel)


def crown(k: int) -> Poset:
    """The crown on ``2k`` points: minimal ``i`` below maximal ``k+j`` for every ``j != i``.

    Examples
    --------
    >>> crown(3).covers
    ((0, 4), (0, 5), (1, 3), (1, 5), (2, 3), (2, 4))
    """
    k = _check_size(k, "k")
    return Poset(2 * k, [(i, k + j) for i in range(k) for j in range(k) if i != j])


def four_point_poset(index: int) -> Poset:
    """The 4-point poset number ``index`` (0..15) of the reference code's ``dict_posets``.

    Examples
    --------
    >>> four_point_poset(12).covers
    ((0, 1), (2, 1), (2, 3))
    >>> four_point_poset(12).num_upsets()
    8
    """
    if isinstance(index, bool) or not isinstance(index, numbers.Integral) or not 0 <= int(index) < 16:
        raise InvalidInputError(f"index: must be an integer in [0, 15]; got {index!r}")
    return _four_point(int(index))


@cache
def _four_point(index: int) -> Poset:
    return Poset(4, FOUR_POINT_COVERS[index])


@cache
def _classes(n: int) -> tuple[Poset, ...]:
    if n == 0:
        return (Poset(0),)
    found: dict[tuple[int, bytes], Poset] = {}
    for p in _classes(n - 1):
        for d in p.downset_masks():
            rel = [*p.relations, *((i, n - 1) for i in _bits(int(d)))]
            q = Poset(n, rel)
            key = q.canonical_key()
            if key not in found:
                found[key] = q.canonical_form()
    return tuple(found[k] for k in sorted(found))


def posets_up_to_isomorphism(n: int) -> tuple[Poset, ...]:
    """One canonical representative of every isomorphism class of ``n``-point posets.

    Built by adding a new maximal point above each down-set of each smaller class, then
    deduplicating by canonical key.  Supported for ``0 <= n <= 7``.

    Examples
    --------
    >>> [len(posets_up_to_isomorphism(n)) for n in range(1, 5)]
    [1, 2, 5, 16]
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or not 0 <= int(n) <= 7:
        raise InvalidInputError(f"n: must be an integer in [0, 7]; got {n!r}")
    return _classes(int(n))


def map_posets(fn: Callable[[Poset], Any], n: int, executor: Any = None) -> list[Any]:
    """Apply ``fn`` to every ``n``-point poset up to isomorphism, optionally in parallel.

    Parameters
    ----------
    fn : callable
        Function of one :class:`Poset` (must be picklable for process pools).
    n : int
        Number of points (``0..7``).
    executor : concurrent.futures.Executor, optional
        Anything with ``map`` (thread/process pools, a Dask client's executor).

    Examples
    --------
    >>> map_posets(lambda p: p.num_upsets(), 2)  # antichain, then chain
    [4, 3]
    """
    if not callable(fn):
        raise InvalidInputError(f"fn: must be callable; got {fn!r}")
    items = posets_up_to_isomorphism(n)
    if executor is None:
        return [fn(p) for p in items]
    return list(executor.map(fn, items))
