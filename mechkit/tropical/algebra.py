"""Max-plus tropical polynomials and rational functions.

A tropical polynomial is ``F(x) = max_k (c_k + <a_k, x> / D)``: a finite max of affine
functions with integer exponent vectors ``a_k`` over a common positive ``denominator``
``D`` (``D = 1`` for ordinary polynomials; rational exponents come from rational
weights).  It is stored as an ``int64`` exponent matrix and ``float64`` coefficients;
two terms with the same exponent keep the larger coefficient.

Operations: ``F.oplus(G) = max(F, G)`` (union of terms), ``F.otimes(G) = F + G`` (all
pairwise sums, Newton polytope = Minkowski sum), ``F.scale(k) = k * F`` (exact as a
function, no multinomial expansion), ``F.shift(c) = c + F``.  :meth:`prune` removes the
terms that are never the unique maximum, i.e. keeps the vertices of the upper hull of
the lifted points ``(a_k, c_k)``; after pruning the number of terms equals the number of
linear regions of ``F``.  ``F - G`` is a :class:`TropicalRational`.

Examples
--------
>>> F = TropicalPolynomial([[2], [1], [0]], [0.0, 0.0, 0.0])  # max(2x, x, 0)
>>> F.prune().num_terms  # the x term is never the unique maximum
2
>>> (F - TropicalPolynomial([[1]], [0.0]))(-3.0)  # |x| = 2 max(x, 0) - x
3.0
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, as_int_array, check_choice, check_real
from mechkit.errors import InvalidInputError, SolverError

__all__ = ["TooManyTermsError", "TropicalPolynomial", "TropicalRational", "upper_hull_mask"]

_EXP_LIMIT = 1 << 52  # exponents stay exactly representable after float conversion


class TooManyTermsError(InvalidInputError):
    """A tropical computation exceeded its term budget (raise ``max_terms`` or shrink the input)."""


def _dedupe(
    exps: NDArray[np.int64], coefs: NDArray[np.float64]
) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    keep = coefs > -np.inf
    exps, coefs = exps[keep], coefs[keep]
    if exps.shape[0] <= 1:
        return exps, coefs
    uniq, inv = np.unique(exps, axis=0, return_inverse=True)
    best = np.full(uniq.shape[0], -np.inf)
    np.maximum.at(best, inv.reshape(-1), coefs)
    return np.ascontiguousarray(uniq, dtype=np.int64), best


def upper_hull_mask(points: ArrayLike, heights: ArrayLike, *, tol: float = 1e-9,
                    method: str = "hull") -> NDArray[np.bool_]:
    """Which lifted points ``(a_k, c_k)`` are vertices of the upper hull.

    A point is kept iff its affine function ``c_k + <a_k, x>`` is the unique maximum for
    some ``x`` (distinct ``a_k`` assumed).  ``method="hull"`` uses qhull on the affine
    hull of the lifted points (exact combinatorics for small integer data);
    ``method="lp"`` solves one LP per point (maximise the margin ``s``; kept iff
    ``s > tol``).

    Examples
    --------
    >>> upper_hull_mask([[0], [1], [2]], [0.0, 0.0, 0.0]).tolist()
    [True, False, True]
    """
    A = as_float_array(points, "points", ndim=2, allow_empty=True)
    c = as_float_array(heights, "heights", ndim=1, allow_empty=True)
    if c.shape[0] != A.shape[0]:
        raise InvalidInputError(f"heights: must have one entry per point ({A.shape[0]}); got {c.shape[0]}")
    tol = check_real(tol, "tol")
    if tol < 0:
        raise InvalidInputError(f"tol: must be >= 0; got {tol}")
    check_choice(method, "method", ("hull", "lp"))
    m = A.shape[0]
    if m <= 1:
        return np.ones(m, dtype=bool)
    if method == "lp":
        return _upper_lp(A, c, tol)
    L = np.hstack([A, c[:, None]])
    L0 = L - L.mean(axis=0)
    scale = max(1.0, float(np.abs(L0).max()))
    _, sv, vt = np.linalg.svd(L0, full_matrices=False)
    r = int((sv > tol * scale * max(1, m)).sum())
    Q = vt[:r]
    Y = L0 @ Q.T
    up = Q[:, -1]
    all_vertices = float(up @ up) < 1.0 - 1e-9
    keep = np.zeros(m, dtype=bool)
    if r == 0:
        keep[int(np.argmax(c))] = True
        return keep
    if r == 1:
        if all_vertices:
            keep[int(np.argmin(Y[:, 0]))] = True
            keep[int(np.argmax(Y[:, 0]))] = True
        else:
            keep[int(np.argmax(Y[:, 0] * up[0]))] = True
        return keep
    from scipy.spatial import ConvexHull, QhullError

    try:
        hull = ConvexHull(Y)
    except QhullError:  # numerically degenerate: fall back to the exact-margin LPs
        return _upper_lp(A, c, tol)
    if all_vertices:
        keep[hull.vertices] = True
        return keep
    normals = hull.equations[:, :-1]
    upper = normals @ up > tol
    verts = np.zeros(m, dtype=bool)
    verts[hull.vertices] = True
    for simplex in hull.simplices[upper]:
        keep[simplex] = True
    return keep & verts


def _upper_lp(A: NDArray[np.float64], c: NDArray[np.float64], tol: float) -> NDArray[np.bool_]:
    from scipy.optimize import linprog

    m, d = A.shape
    keep = np.zeros(m, dtype=bool)
    for k in range(m):
        others = np.delete(np.arange(m), k)
        # variables (x, s): maximise s s.t. (a_j - a_k) x + s <= c_k - c_j
        A_ub = np.hstack([A[others] - A[k], np.ones((m - 1, 1))])
        b_ub = c[k] - c[others]
        cost = np.zeros(d + 1)
        cost[-1] = -1.0
        bounds = [(None, None)] * d + [(None, 1.0)]
        res = linprog(cost, A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if res.status != 0:  # the LP is always feasible and bounded (s <= 1)
            raise SolverError(f"upper_hull_mask: margin LP for term {k} ended with status "
                              f"{res.status} ({res.message}); dropping the term could change F")
        keep[k] = -res.fun > tol
    return keep


class TropicalPolynomial:
    """A max-plus polynomial ``max_k (c_k + <a_k, x> / denominator)``.

    Parameters
    ----------
    exponents : array_like of int, shape (m, d)
        Exponent vectors (integers; non-integers are refused, never rounded).
    coefficients : array_like, shape (m,)
        Real coefficients; ``-inf`` terms (tropical zero) are dropped, NaN and ``+inf`` refused.
    denominator : int, default 1
        Common positive denominator of the exponents (rational exponents).
    nvars : int, optional
        Number of variables; required only for the polynomial with no terms (``-inf``).

    Examples
    --------
    >>> x = TropicalPolynomial.variable(0, 2)
    >>> y = TropicalPolynomial.variable(1, 2)
    >>> F = x.oplus(y).oplus(TropicalPolynomial.constant(0.0, 2))  # max(x, y, 0)
    >>> F([1.0, -2.0]), F.num_terms
    (1.0, 3)
    >>> F.otimes(F).prune().num_terms  # F ⊗ F = 2F: only the doubled vertices survive
    3
    """

    __slots__ = ("_coefs", "_den", "_exps")

    def __init__(self, exponents: ArrayLike, coefficients: ArrayLike, *, denominator: int = 1,
                 nvars: int | None = None) -> None:
        exps_raw = np.asarray(exponents)
        if exps_raw.size == 0:
            if nvars is None and (exps_raw.ndim != 2):
                raise InvalidInputError("exponents: empty polynomial needs nvars")
            d = int(nvars if nvars is not None else exps_raw.shape[1])
            exps = np.zeros((0, d), dtype=np.int64)
        else:
            exps = as_int_array(exponents, "exponents", ndim=2)
        coefs = as_float_array(coefficients, "coefficients", allow_empty=True, finite=False).reshape(-1)
        if coefs.shape[0] != exps.shape[0]:
            raise InvalidInputError(
                f"coefficients: must have one entry per term ({exps.shape[0]}); got {coefs.shape[0]}"
            )
        if np.isnan(coefs).any() or (coefs == np.inf).any():
            idx = int(np.argwhere(np.isnan(coefs) | (coefs == np.inf))[0, 0])
            raise InvalidInputError(f"coefficients: must be finite or -inf; entry {idx} is {coefs[idx]}")
        if nvars is not None and exps.shape[1] != nvars:
            raise InvalidInputError(f"exponents: must have {nvars} columns; got {exps.shape[1]}")
        if exps.size and int(np.abs(exps).max()) >= _EXP_LIMIT:
            raise InvalidInputError(f"exponents: magnitude must be < 2**52; got {int(np.abs(exps).max())}")
        if (isinstance(denominator, bool) or not isinstance(denominator, numbers.Integral)
                or denominator < 1):
            raise InvalidInputError(f"denominator: must be a positive integer; got {denominator!r}")
        self._exps, self._coefs = _dedupe(exps, coefs)
        self._den = int(denominator)
        self._normalise_denominator()

    def _normalise_denominator(self) -> None:
        if self._den > 1:
            vals = (int(v) for v in np.unique(self._exps))
            g = math.gcd(self._den, *vals) if self._exps.size else self._den
            if g > 1:
                self._exps = self._exps // g
                self._den //= g

    @classmethod
    def _raw(cls, exps: NDArray[np.int64], coefs: NDArray[np.float64], den: int = 1) -> TropicalPolynomial:
        obj = cls.__new__(cls)
        obj._exps, obj._coefs = _dedupe(exps, coefs)
        obj._den = den
        obj._normalise_denominator()
        return obj

    # ------------------------------------------------------------- constructors
    @classmethod
    def constant(cls, c: float, nvars: int) -> TropicalPolynomial:
        """The constant ``c`` in ``nvars`` variables."""
        if isinstance(nvars, bool) or not isinstance(nvars, numbers.Integral) or nvars < 1:
            raise InvalidInputError(f"nvars: must be a positive integer; got {nvars!r}")
        return cls(np.zeros((1, nvars), dtype=np.int64), [check_real(c, "c")])

    @classmethod
    def variable(cls, i: int, nvars: int) -> TropicalPolynomial:
        """The monomial ``x_i``."""
        if isinstance(nvars, bool) or not isinstance(nvars, numbers.Integral) or nvars < 1:
            raise InvalidInputError(f"nvars: must be a positive integer; got {nvars!r}")
        if isinstance(i, bool) or not isinstance(i, numbers.Integral) or not 0 <= i < nvars:
            raise InvalidInputError(f"i: must lie in [0, {nvars - 1}]; got {i}")
        e = np.zeros((1, nvars), dtype=np.int64)
        e[0, i] = 1
        return cls(e, [0.0])

    # -------------------------------------------------------------- properties
    @property
    def nvars(self) -> int:
        """Number of variables ``d``."""
        return int(self._exps.shape[1])

    @property
    def num_terms(self) -> int:
        """Number of stored terms."""
        return int(self._exps.shape[0])

    @property
    def exponents(self) -> NDArray[np.int64]:
        """Integer exponent numerators, shape ``(m, d)`` (a copy)."""
        return self._exps.copy()

    @property
    def coefficients(self) -> NDArray[np.float64]:
        """Coefficients, shape ``(m,)`` (a copy)."""
        return self._coefs.copy()

    @property
    def denominator(self) -> int:
        """Common denominator of the exponents."""
        return self._den

    def exponent_fractions(self) -> list[tuple[Fraction, ...]]:
        """Exponent vectors as exact fractions."""
        return [tuple(Fraction(int(v), self._den) for v in row) for row in self._exps]

    def __repr__(self) -> str:
        den = "" if self._den == 1 else f", denominator={self._den}"
        return f"TropicalPolynomial(nvars={self.nvars}, terms={self.num_terms}{den})"

    # -------------------------------------------------------------- evaluation
    def __call__(self, x: ArrayLike) -> Any:
        """Evaluate at ``x`` (shape ``(d,)`` → float, ``(N, d)`` → array; 1 variable also takes scalars).

        Entries given as ``fractions.Fraction`` or ints evaluate exactly when the
        coefficients are integers or dyadic.
        """
        if self.num_terms == 0:
            raise InvalidInputError("polynomial: has no terms (it is the tropical zero, -inf)")
        if isinstance(x, numbers.Real) and not isinstance(x, bool):
            if self.nvars != 1:
                raise InvalidInputError(f"x: a scalar needs a 1-variable polynomial; nvars={self.nvars}")
            x = [x]
        items = list(np.asarray(x, dtype=object).reshape(-1))
        if any(isinstance(v, Fraction) for v in items):
            arr = np.asarray(x, dtype=object)
            if arr.shape != (self.nvars,):
                raise InvalidInputError(f"x: exact evaluation takes shape ({self.nvars},); got {arr.shape}")
            return self.evaluate_exact(list(arr))
        xv = as_float_array(x, "x", allow_empty=True)
        if xv.ndim == 0 or xv.shape[-1] != self.nvars:
            raise InvalidInputError(f"x: last axis must have length {self.nvars}; got shape {xv.shape}")
        vals = xv @ (self._exps.T / self._den) + self._coefs
        out = vals.max(axis=-1)
        return float(out) if out.ndim == 0 else out

    def evaluate_exact(self, x: list[Any]) -> Fraction:
        """Exact value at a rational point (coefficients converted exactly from float)."""
        best: Fraction | None = None
        xs = [Fraction(v) for v in x]
        for row, c in zip(self._exps.tolist(), self._coefs.tolist(), strict=True):
            v = Fraction(c) + sum((Fraction(a, self._den) * xi for a, xi in zip(row, xs, strict=True)),
                                  Fraction(0))
            if best is None or v > best:
                best = v
        if best is None:
            raise InvalidInputError("polynomial: has no terms (it is the tropical zero, -inf)")
        return best

    def argmax_terms(self, x: ArrayLike, *, tol: float = 1e-9) -> NDArray[np.int64]:
        """Indices of the terms attaining the maximum at ``x`` (within ``tol``)."""
        xv = as_float_array(x, "x").reshape(-1)
        if xv.shape[0] != self.nvars:
            raise InvalidInputError(f"x: must have {self.nvars} entries; got {xv.shape[0]}")
        if self.num_terms == 0:
            raise InvalidInputError("polynomial: has no terms (it is the tropical zero, -inf)")
        vals = self._exps @ xv / self._den + self._coefs
        return np.flatnonzero(vals >= vals.max() - tol)

    def in_hypersurface(self, x: ArrayLike, *, tol: float = 1e-9) -> bool:
        """Whether ``x`` lies on the tropical hypersurface (max attained by >= 2 terms)."""
        return bool(self.argmax_terms(x, tol=tol).shape[0] >= 2)

    # -------------------------------------------------------------- algebra
    def _check_other(self, other: object) -> TropicalPolynomial:
        if not isinstance(other, TropicalPolynomial):
            raise InvalidInputError(f"other: must be a TropicalPolynomial; got {type(other).__name__}")
        if other.nvars != self.nvars:
            raise InvalidInputError(f"other: must have {self.nvars} variables; got {other.nvars}")
        return other

    def _common(self, other: TropicalPolynomial) -> tuple[NDArray[np.int64], NDArray[np.int64], int]:
        den = self._den * other._den // math.gcd(self._den, other._den)
        fa, fb = den // self._den, den // other._den
        for exps, f in ((self._exps, fa), (other._exps, fb)):
            if exps.size and int(np.abs(exps).max()) * f >= _EXP_LIMIT:
                raise InvalidInputError(
                    f"exponents: overflow when bringing the denominators {self._den} and "
                    f"{other._den} to their common multiple {den} (magnitudes reach 2**52)"
                )
        return self._exps * fa, other._exps * fb, den

    def oplus(self, other: TropicalPolynomial) -> TropicalPolynomial:
        """Tropical sum ``max(F, G)``."""
        o = self._check_other(other)
        a, b, den = self._common(o)
        return TropicalPolynomial._raw(np.vstack([a, b]), np.concatenate([self._coefs, o._coefs]), den)

    def otimes(self, other: TropicalPolynomial, *, max_terms: int = 1_000_000) -> TropicalPolynomial:
        """Tropical product ``F + G`` (all pairwise sums of terms)."""
        o = self._check_other(other)
        if self.num_terms * o.num_terms > max_terms:
            raise TooManyTermsError(
                f"otimes: {self.num_terms} x {o.num_terms} terms exceed max_terms={max_terms}; "
                "prune the factors first or raise max_terms"
            )
        a, b, den = self._common(o)
        if a.size and b.size and int(np.abs(a).max()) + int(np.abs(b).max()) >= _EXP_LIMIT:
            raise InvalidInputError("otimes: exponent overflow (magnitudes reach 2**52)")
        exps = (a[:, None, :] + b[None, :, :]).reshape(-1, self.nvars)
        coefs = (self._coefs[:, None] + o._coefs[None, :]).reshape(-1)
        return TropicalPolynomial._raw(exps, coefs, den)

    def scale(self, k: int | Fraction) -> TropicalPolynomial:
        """``k * F`` (the tropical power ``F^k``) for a non-negative integer or Fraction ``k``."""
        if isinstance(k, bool) or not isinstance(k, numbers.Rational) or k < 0:
            raise InvalidInputError(f"k: must be a non-negative integer or Fraction; got {k!r}")
        k = Fraction(k)
        if k == 0:
            return TropicalPolynomial.constant(0.0, self.nvars)
        if self._exps.size and int(np.abs(self._exps).max()) * k.numerator >= _EXP_LIMIT:
            raise InvalidInputError(f"scale: exponent overflow (magnitudes reach 2**52) for k={k}")
        return TropicalPolynomial._raw(self._exps * k.numerator, self._coefs * float(k),
                                       self._den * k.denominator)

    def shift(self, c: float) -> TropicalPolynomial:
        """``c + F`` (tropical multiplication by a constant)."""
        return TropicalPolynomial._raw(self._exps, self._coefs + check_real(c, "c"), self._den)

    def __sub__(self, other: TropicalPolynomial) -> TropicalRational:
        return TropicalRational(self, self._check_other(other))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TropicalPolynomial) or other.nvars != self.nvars:
            return False
        try:
            a, b, _ = self._common(other)
        except InvalidInputError:  # no common denominator fits: the exponent sets differ
            return False
        if a.shape != b.shape:
            return False
        ia, ib = np.lexsort(a.T[::-1]), np.lexsort(b.T[::-1])
        return bool(np.array_equal(a[ia], b[ib]) and np.array_equal(self._coefs[ia], other._coefs[ib]))

    __hash__ = None  # type: ignore[assignment]

    # -------------------------------------------------------------- geometry
    def prune(self, *, method: str = "hull", tol: float = 1e-9) -> TropicalPolynomial:
        """Drop the terms that are never the unique maximum (keep upper-hull vertices).

        The result is the same function; its term count is the number of linear
        regions of ``F``.
        """
        keep = upper_hull_mask(self._exps.astype(np.float64) / self._den, self._coefs, tol=tol,
                               method=method)
        return TropicalPolynomial._raw(self._exps[keep], self._coefs[keep], self._den)

    def num_linear_regions(self) -> int:
        """Number of linear regions (= upper-hull vertices of the lifted polytope)."""
        return self.prune().num_terms

    def newton_polytope(self) -> NDArray[np.float64]:
        """Vertices of ``Newt(F) = conv{a_k}`` (exponents divided by the denominator), sorted."""
        pts = self._exps.astype(np.float64) / self._den
        if pts.shape[0] == 0:
            return pts
        # vertices of conv(points) = upper-hull vertices of the flat lifting (all heights 0)
        keep = upper_hull_mask(pts, np.zeros(pts.shape[0]))
        verts = pts[keep]
        return verts[np.lexsort(verts.T[::-1])]


@dataclass(frozen=True)
class TropicalRational:
    """A tropical rational function ``f = F - G`` (the split is not unique).

    Examples
    --------
    >>> F = TropicalPolynomial([[2], [0]], [0.0, 0.0])
    >>> G = TropicalPolynomial([[1]], [0.0])
    >>> f = F - G
    >>> f(-2.0), f(3.0)
    (2.0, 3.0)
    """

    F: TropicalPolynomial
    G: TropicalPolynomial

    def __post_init__(self) -> None:
        if not isinstance(self.F, TropicalPolynomial) or not isinstance(self.G, TropicalPolynomial):
            raise InvalidInputError("F, G: must be TropicalPolynomial")
        if self.F.nvars != self.G.nvars:
            raise InvalidInputError(f"G: must have {self.F.nvars} variables; got {self.G.nvars}")

    @property
    def nvars(self) -> int:
        """Number of variables."""
        return self.F.nvars

    def __call__(self, x: ArrayLike) -> Any:
        """``F(x) - G(x)`` (exact for Fraction input)."""
        return self.F(x) - self.G(x)

    def hypersurface(self) -> TropicalPolynomial:
        """``F ⊕ G``, whose tropical hypersurface contains the decision boundary ``{F = G}``."""
        return self.F.oplus(self.G)

    def boundary_point_check(self, x: ArrayLike, *, tol: float = 1e-9) -> str:
        """Classify a point with ``F(x) = G(x)``.

        Returns ``"hypersurface"`` when ``x`` lies on ``T(F ⊕ G)``, ``"locally_zero"``
        when ``F`` and ``G`` share the unique maximising monomial at ``x`` (then
        ``f = 0`` on a neighbourhood and ``x`` is not a boundary point), and raises if
        ``F(x) != G(x)``.
        """
        xv = np.asarray(x, dtype=np.float64)
        if abs(float(self.F(xv)) - float(self.G(xv))) > tol:
            raise InvalidInputError(f"x: F(x) != G(x) at {xv.tolist()}")
        if self.hypersurface().in_hypersurface(xv, tol=tol):
            return "hypersurface"
        return "locally_zero"

    def __repr__(self) -> str:
        return f"TropicalRational(F={self.F!r}, G={self.G!r})"
