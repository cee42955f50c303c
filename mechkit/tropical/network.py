"""Integer ReLU_t networks as tropical rational maps (Zhang, Naitzat & Lim 2018).

A network has layers ``z <- W z + b`` followed by ``ReLU_t(z) = max(z, t)`` elementwise
(``t = None`` or ``-inf``: a linear layer).  With integer weights ``W = W+ - W-``
(``W+, W- >= 0``) every neuron is ``F - G`` for tropical polynomials built layer by layer:

    H  = W+ F + W- G + b,   G' = W+ G + W- F,   F' = max(H, G' + t)   (F' = H if linear),

where ``W+ F`` means the tropical product of the powers ``F_j^{W+_ij}`` (``k * F_j`` as a
function).  Every product and sum is pruned to its upper hull, so the term counts stay
the number of linear regions of each polynomial.

For one input variable, :func:`linear_regions_1d` propagates exact rational
breakpoints and counts both *activation regions* (maximal intervals with a constant
on/off pattern of every ReLU) and *linear pieces* (maximal intervals on which the
network is affine; never more than the activation regions).

Examples
--------
>>> W1, b1 = [[1], [-1]], [0, 0]
>>> W2, b2 = [[1, 1]], [0]
>>> (f,) = network_to_tropical([W1, W2], [b1, b2])  # |x| = relu(x) + relu(-x)
>>> f.F.exponents.ravel().tolist(), f.G.exponents.ravel().tolist()
([0, 2], [1])
>>> linear_regions_1d([W1, W2], [b1, b2]).breakpoints
(Fraction(0, 1),)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, as_int_array, check_int
from mechkit.errors import InvalidInputError
from mechkit.tropical.algebra import TooManyTermsError, TropicalPolynomial, TropicalRational

__all__ = [
    "LinearRegions1D",
    "LinearRegions2D",
    "linear_region_bound",
    "linear_regions_1d",
    "linear_regions_2d",
    "network_forward",
    "network_to_tropical",
]


def _thresholds(thresholds: Sequence[float | None] | None, L: int) -> list[float | None]:
    if thresholds is None:
        return [0.0] * (L - 1) + [None]
    ts = list(thresholds)
    if len(ts) != L:
        raise InvalidInputError(f"thresholds: need one per layer ({L}); got {len(ts)}")
    out: list[float | None] = []
    for i, t in enumerate(ts):
        if t is None:
            out.append(None)
            continue
        if isinstance(t, bool) or not isinstance(t, numbers.Real):
            raise InvalidInputError(f"thresholds: entry {i} must be a real number or None; got {t!r}")
        tv = float(t)
        if math.isnan(tv):
            raise InvalidInputError(f"thresholds: entry {i} is NaN")
        if tv == math.inf:
            raise InvalidInputError(f"thresholds: entry {i} is +inf (max(z, +inf) is not a network)")
        out.append(None if tv == -math.inf else (Fraction(t) if isinstance(t, Fraction) else tv))
    return out


def _layers(weights: Sequence[ArrayLike], biases: Sequence[ArrayLike], exact_weights: bool,
            rational: bool) -> tuple[list[Any], list[Any], int]:
    try:
        weights, biases = list(weights), list(biases)
    except TypeError as err:
        raise InvalidInputError("weights, biases: must be sequences with one array per layer") from err
    if len(weights) == 0:
        raise InvalidInputError("weights: need at least one layer")
    if len(biases) != len(weights):
        raise InvalidInputError(f"biases: need one per layer ({len(weights)}); got {len(biases)}")
    Ws: list[Any] = []
    bs: list[Any] = []
    prev = None
    for li, (W, b) in enumerate(zip(weights, biases, strict=True)):
        name = f"weights[{li}]"
        if rational or not exact_weights:
            raw = np.asarray(W, dtype=object) if rational else as_float_array(W, name, ndim=2)
            if raw.ndim != 2:
                raise InvalidInputError(f"{name}: must be 2-dimensional; got shape {raw.shape}")
            if rational:
                try:
                    Wm: Any = np.array([[Fraction(v) for v in row] for row in raw.tolist()], dtype=object)
                except (TypeError, ValueError, OverflowError) as err:
                    raise InvalidInputError(
                        f"{name}: entries must be finite rational numbers ({err})"
                    ) from err
            else:
                Wm = raw
        else:
            Wm = as_int_array(W, name, ndim=2)
        if prev is not None and Wm.shape[1] != prev:
            raise InvalidInputError(
                f"{name}: must have {prev} columns (previous width); got shape {Wm.shape}"
            )
        bv = as_float_array(b, f"biases[{li}]", ndim=1)
        if bv.shape[0] != Wm.shape[0]:
            raise InvalidInputError(f"biases[{li}]: must have length {Wm.shape[0]}; got {bv.shape[0]}")
        Ws.append(Wm)
        bs.append(bv)
        prev = Wm.shape[0]
    return Ws, bs, int(Ws[0].shape[1])


def network_forward(weights: Sequence[ArrayLike], biases: Sequence[ArrayLike], x: ArrayLike,
                    thresholds: Sequence[float | None] | None = None) -> NDArray[np.float64]:
    """Forward pass of a ReLU_t network on inputs ``x`` of shape ``(N, d)`` or ``(d,)``.

    ``thresholds`` defaults to ``0`` for every layer but the last, which is linear.

    Examples
    --------
    >>> network_forward([[[1], [-1]], [[1, 1]]], [[0, 0], [0]], [[-3.0], [2.0]]).ravel().tolist()
    [3.0, 2.0]
    """
    Ws, bs, d = _layers(weights, biases, exact_weights=False, rational=False)
    ts = _thresholds(thresholds, len(Ws))
    z = as_float_array(x, "x")
    single = z.ndim == 1
    z = z.reshape(1, -1) if single else z
    if z.ndim != 2 or z.shape[1] != d:
        raise InvalidInputError(f"x: must have {d} features; got shape {np.shape(x)}")
    for W, b, t in zip(Ws, bs, ts, strict=True):
        z = z @ np.asarray(W, dtype=np.float64).T + b
        if t is not None:
            z = np.maximum(z, float(t))
    return z[0] if single else z


def network_to_tropical(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    thresholds: Sequence[float | None] | None = None,
    *,
    rational: bool = False,
    prune: bool = True,
    max_terms: int = 100_000,
) -> tuple[TropicalRational, ...]:
    """Exact tropical form ``f_i = F_i - G_i`` of every output of a ReLU_t network.

    Parameters
    ----------
    weights : sequence of array_like
        ``weights[l]`` has shape ``(n_l, n_{l-1})``; integers unless ``rational=True``
        (non-integer weights are refused, never rounded).
    biases : sequence of array_like
        ``biases[l]`` of length ``n_l`` (finite reals).
    thresholds : sequence of (float or None), optional
        ``t`` of each layer's ``max(z, t)``; ``None`` or ``-inf`` means linear. Default:
        ``0`` for hidden layers and a linear last layer. ``+inf`` and NaN are refused.
    rational : bool, default False
        Accept rational weights (exponents become rational, with a common denominator).
    prune : bool, default True
        Prune every intermediate polynomial to its upper-hull terms.
    max_terms : int, default 100_000
        Term budget for every polynomial; exceeding it raises
        :class:`~mechkit.tropical.algebra.TooManyTermsError` (an ``InvalidInputError``).

    Returns
    -------
    tuple of TropicalRational
        One per output neuron.

    Examples
    --------
    >>> W1, b1 = [[1], [1]], [0, -0.5]          # g = 2 relu(x) - 4 relu(x - 1/2)
    >>> W2, b2 = [[2, -4]], [0]
    >>> (g,) = network_to_tropical([W1, W2], [b1, b2])
    >>> [g(v) for v in (-1.0, 0.25, 0.5, 1.0, 2.0)]
    [0.0, 0.5, 1.0, 0.0, -2.0]
    """
    Ws, bs, d = _layers(weights, biases, exact_weights=True, rational=rational)
    ts = _thresholds(thresholds, len(Ws))
    budget = check_int(max_terms, "max_terms", minimum=1)
    F = [TropicalPolynomial.variable(i, d) for i in range(d)]
    G = [TropicalPolynomial.constant(0.0, d) for _ in range(d)]
    one = TropicalPolynomial.constant(0.0, d)

    def tidy(p: TropicalPolynomial, where: str) -> TropicalPolynomial:
        if prune:
            p = p.prune()
        if p.num_terms > budget:
            raise TooManyTermsError(
                f"network_to_tropical: {where} has {p.num_terms} terms > max_terms={budget}; "
                "raise max_terms or use a smaller network (term counts grow like products of "
                "Minkowski sums)"
            )
        return p

    for li, (W, b, t) in enumerate(zip(Ws, bs, ts, strict=True)):
        newF, newG = [], []
        for i in range(W.shape[0]):
            H = one
            Gp = one
            for j in range(W.shape[1]):
                w = W[i, j] if rational else int(W[i, j])
                if w > 0:
                    H = tidy(H.otimes(F[j].scale(w), max_terms=50 * budget), f"layer {li} neuron {i}")
                    Gp = tidy(Gp.otimes(G[j].scale(w), max_terms=50 * budget), f"layer {li} neuron {i}")
                elif w < 0:
                    H = tidy(H.otimes(G[j].scale(-w), max_terms=50 * budget), f"layer {li} neuron {i}")
                    Gp = tidy(Gp.otimes(F[j].scale(-w), max_terms=50 * budget), f"layer {li} neuron {i}")
            H = H.shift(float(b[i]))
            if t is not None:
                H = tidy(H.oplus(Gp.shift(float(t))), f"layer {li} neuron {i}")
            newF.append(H)
            newG.append(Gp)
        F, G = newF, newG
    return tuple(TropicalRational(f, g) for f, g in zip(F, G, strict=True))


def linear_region_bound(input_dim: int, hidden_widths: Sequence[int]) -> int:
    """Zhang et al. (2018, Thm 6.3) bound ``prod_l sum_{i=0}^{d} C(n_l, i)`` on linear regions.

    Stated for hidden widths ``n_l >= d``; for one hidden layer it is Zaslavsky's count
    of the regions of ``n_1`` hyperplanes in general position in ``R^d``.

    Examples
    --------
    >>> linear_region_bound(1, [8, 8])  # 9 * 9
    81
    """
    d = check_int(input_dim, "input_dim", minimum=1)
    try:
        widths = list(hidden_widths)
    except TypeError as err:
        raise InvalidInputError(f"hidden_widths: must be a sequence of ints; got {hidden_widths!r}") from err
    total = 1
    for k, n in enumerate(widths):
        n = check_int(n, f"hidden_widths[{k}]", minimum=1)
        total *= sum(math.comb(n, i) for i in range(d + 1))
    return total


@dataclass(frozen=True)
class LinearRegions1D:
    """Exact linear regions of a one-input network.

    Attributes
    ----------
    domain : tuple
        ``(lo, hi)`` as Fractions, ``None`` standing for an infinite end.
    pieces : tuple
        Maximal intervals on which the network is affine:
        ``(lo, hi, slopes, intercepts)`` (one slope/intercept per output, Fractions).
    breakpoints : tuple of Fraction
        Boundaries between consecutive pieces (where the network is not affine).
    activation_breakpoints : tuple of Fraction
        Boundaries between consecutive activation regions.
    n_pieces, n_activation_regions : int
        Counts under the two definitions (linear pieces <= activation regions).
    """

    domain: tuple[Fraction | None, Fraction | None]
    pieces: tuple[tuple[Any, ...], ...]
    breakpoints: tuple[Fraction, ...]
    activation_breakpoints: tuple[Fraction, ...]
    n_pieces: int
    n_activation_regions: int
    definition: str = ("n_pieces counts maximal intervals where the network is affine; "
                       "n_activation_regions counts maximal intervals with a constant ReLU on/off pattern")

    def to_dict(self) -> dict[str, Any]:
        """Plain-data form (fractions as strings)."""
        return {
            "domain": [None if v is None else str(v) for v in self.domain],
            "breakpoints": [str(v) for v in self.breakpoints],
            "n_pieces": self.n_pieces,
            "n_activation_regions": self.n_activation_regions,
        }


def _interior_point(lo: Fraction | None, hi: Fraction | None) -> Fraction:
    if lo is None and hi is None:
        return Fraction(0)
    if lo is None:
        return hi - 1  # type: ignore[operator]
    if hi is None:
        return lo + 1
    return (lo + hi) / 2


def linear_regions_1d(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    thresholds: Sequence[float | None] | None = None,
    *,
    domain: tuple[float, float] | None = None,
    max_intervals: int = 1_000_000,
) -> LinearRegions1D:
    """Exact breakpoints and region counts of a network with one input, in rational arithmetic.

    Weights, biases and thresholds are converted to Fractions exactly (a float is its
    exact binary value).  ``domain=None`` is the whole real line; ``(lo, hi)`` a closed
    interval.

    Examples
    --------
    >>> W1, b1 = [[1], [1]], [0, -0.5]
    >>> W2, b2 = [[2, -4], [2, -4]], [0, -0.5]
    >>> W3, b3 = [[2, -4]], [0]
    >>> r = linear_regions_1d([W1, W2, W3], [b1, b2, b3])  # sawtooth g(g(x))
    >>> r.n_pieces, [str(v) for v in r.breakpoints]
    (6, ['0', '1/4', '1/2', '3/4', '1'])
    """
    Ws, bs, d = _layers(weights, biases, exact_weights=False, rational=False)
    if d != 1:
        raise InvalidInputError(f"weights: linear_regions_1d needs one input; got {d}")
    ts = _thresholds(thresholds, len(Ws))
    Wq = [[[Fraction(float(v)) for v in row] for row in np.asarray(W, dtype=np.float64).tolist()] for W in Ws]
    bq = [[Fraction(float(v)) for v in b.tolist()] for b in bs]
    tq = [None if t is None else Fraction(t) for t in ts]
    if domain is None:
        lo0: Fraction | None = None
        hi0: Fraction | None = None
    else:
        if not isinstance(domain, (tuple, list, np.ndarray)) or len(domain) != 2:
            raise InvalidInputError(f"domain: must be (lo, hi); got {domain!r}")
        lo_f, hi_f = (as_float_array([domain[0], domain[1]], "domain")).tolist()
        if not lo_f < hi_f:
            raise InvalidInputError(f"domain: must have lo < hi; got {domain!r}")
        lo0, hi0 = Fraction(lo_f), Fraction(hi_f)
    # each interval: (lo, hi, values [(slope, intercept)], pattern tuple)
    intervals: list[tuple[Any, Any, list[tuple[Fraction, Fraction]], tuple[bool, ...]]] = [
        (lo0, hi0, [(Fraction(1), Fraction(0))], ())
    ]
    for W, b, t in zip(Wq, bq, tq, strict=True):
        new_intervals = []
        for lo, hi, vals, pat in intervals:
            z = [(sum((w * a for w, (a, _) in zip(row, vals, strict=True)), Fraction(0)),
                  sum((w * c for w, (_, c) in zip(row, vals, strict=True)), Fraction(0)) + bi)
                 for row, bi in zip(W, b, strict=True)]
            if t is None:
                new_intervals.append((lo, hi, z, pat))
                continue
            cuts = set()
            for a, c in z:
                if a != 0:
                    r = (t - c) / a
                    if (lo is None or r > lo) and (hi is None or r < hi):
                        cuts.add(r)
            edges = [lo, *sorted(cuts), hi]
            for k in range(len(edges) - 1):
                slo, shi = edges[k], edges[k + 1]
                xm = _interior_point(slo, shi)
                on = tuple(a * xm + c > t for a, c in z)
                v = [(a, c) if o else (Fraction(0), t) for (a, c), o in zip(z, on, strict=True)]
                new_intervals.append((slo, shi, v, pat + on))
        intervals = new_intervals
        if len(intervals) > max_intervals:
            raise InvalidInputError(f"network: more than max_intervals={max_intervals} activation intervals")
    # activation regions: merge neighbours with identical patterns
    act_breaks = [intervals[k][0] for k in range(1, len(intervals)) if intervals[k][3] != intervals[k - 1][3]]
    pieces: list[list[Any]] = []
    for lo, hi, vals, _ in intervals:
        key = tuple(vals)
        if pieces and pieces[-1][2] == key:
            pieces[-1][1] = hi
        else:
            pieces.append([lo, hi, key])
    out_pieces = tuple((p[0], p[1], tuple(a for a, _ in p[2]), tuple(c for _, c in p[2])) for p in pieces)
    breaks = tuple(p[0] for p in pieces[1:])
    return LinearRegions1D((lo0, hi0), out_pieces, breaks, tuple(act_breaks), len(pieces),
                           len(act_breaks) + 1)




# --------------------------------------------------------------------- 2-D slices
Point = tuple[Fraction, Fraction]


def _area2(poly: list[Point]) -> Fraction:
    return sum((poly[k][0] * poly[(k + 1) % len(poly)][1] - poly[(k + 1) % len(poly)][0] * poly[k][1]
                for k in range(len(poly))), Fraction(0))


def _split(poly: list[Point], g: tuple[Fraction, Fraction], c: Fraction) -> list[list[Point]]:
    """Split a convex polygon by the line ``g.x + c = 0`` (exact); pieces of zero area dropped."""
    vals = [g[0] * p[0] + g[1] * p[1] + c for p in poly]
    if all(v >= 0 for v in vals) or all(v <= 0 for v in vals):
        return [poly]
    pos: list[Point] = []
    neg: list[Point] = []
    n = len(poly)
    for k in range(n):
        p, q = poly[k], poly[(k + 1) % n]
        vp, vq = vals[k], vals[(k + 1) % n]
        if vp >= 0:
            pos.append(p)
        if vp <= 0:
            neg.append(p)
        if (vp > 0 > vq) or (vp < 0 < vq):
            s = vp / (vp - vq)
            cut = (p[0] + s * (q[0] - p[0]), p[1] + s * (q[1] - p[1]))
            pos.append(cut)
            neg.append(cut)
    return [piece for piece in (pos, neg) if len(piece) >= 3 and _area2(piece) != 0]


def _centroid(poly: list[Point]) -> Point:
    n = len(poly)
    return (sum((p[0] for p in poly), Fraction(0)) / n, sum((p[1] for p in poly), Fraction(0)) / n)


def _edges_overlap(a: list[Point], b: list[Point]) -> bool:
    """Whether two convex polygons share a boundary segment of positive length."""
    for i in range(len(a)):
        p, q = a[i], a[(i + 1) % len(a)]
        d = (q[0] - p[0], q[1] - p[1])
        for j in range(len(b)):
            r, s = b[j], b[(j + 1) % len(b)]
            # both endpoints of rs on the line pq
            if (d[0] * (r[1] - p[1]) - d[1] * (r[0] - p[0]) != 0
                    or d[0] * (s[1] - p[1]) - d[1] * (s[0] - p[0]) != 0):
                continue
            # project on the direction and test overlap of the parameter intervals
            dd = d[0] * d[0] + d[1] * d[1]
            t1 = ((r[0] - p[0]) * d[0] + (r[1] - p[1]) * d[1]) / dd
            t2 = ((s[0] - p[0]) * d[0] + (s[1] - p[1]) * d[1]) / dd
            if min(max(t1, t2), Fraction(1)) > max(min(t1, t2), Fraction(0)):
                return True
    return False


@dataclass(frozen=True)
class LinearRegions2D:
    """Exact activation regions and linear pieces of a two-input network on a box.

    Attributes
    ----------
    box : tuple of Fraction
        ``(x_lo, x_hi, y_lo, y_hi)``.
    cells : tuple
        One entry per activation region: ``(vertices, pattern, gradients, intercepts)``
        with exact rational polygon vertices (counter-clockwise), the on/off pattern of
        every ReLU, and per output the gradient ``(df/dx, df/dy)`` and intercept.
    n_activation_regions : int
        Convex cells with a constant ReLU on/off pattern.
    n_pieces : int
        Connected components of the union of cells sharing the same affine map
        (linear pieces; never more than the activation regions).
    """

    box: tuple[Fraction, Fraction, Fraction, Fraction]
    cells: tuple[tuple[Any, ...], ...]
    n_activation_regions: int
    n_pieces: int

    def to_dict(self) -> dict[str, Any]:
        """Plain-data summary."""
        return {"box": [str(v) for v in self.box], "n_activation_regions": self.n_activation_regions,
                "n_pieces": self.n_pieces}


def linear_regions_2d(
    weights: Sequence[ArrayLike],
    biases: Sequence[ArrayLike],
    thresholds: Sequence[float | None] | None = None,
    *,
    box: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0),
    max_cells: int = 20_000,
) -> LinearRegions2D:
    """Exact linear regions of a network with two inputs on a box (a 2-D slice).

    Each layer's pre-activations are affine on every current cell, so the cells are
    split exactly (rational arithmetic) by the lines ``z_i = t``; the final cells are
    the activation regions (each convex).  Cells with the same affine output map are
    merged through shared edges to count linear pieces.

    Examples
    --------
    >>> r = linear_regions_2d([[[1, 0], [0, 1]], [[1, 1]]], [[0, 0], [0]])  # relu(x) + relu(y)
    >>> r.n_activation_regions, r.n_pieces
    (4, 4)
    """
    Ws, bs, d = _layers(weights, biases, exact_weights=False, rational=False)
    if d != 2:
        raise InvalidInputError(f"weights: linear_regions_2d needs two inputs; got {d}")
    ts = _thresholds(thresholds, len(Ws))
    if not isinstance(box, (tuple, list, np.ndarray)) or len(box) != 4:
        raise InvalidInputError(f"box: must be (x_lo, x_hi, y_lo, y_hi); got {box!r}")
    xl, xh, yl, yh = (Fraction(v) for v in as_float_array(list(box), "box").tolist())
    if not (xl < xh and yl < yh):
        raise InvalidInputError(f"box: must have x_lo < x_hi and y_lo < y_hi; got {box!r}")
    Wq = [[[Fraction(float(v)) for v in row] for row in np.asarray(W, dtype=np.float64).tolist()] for W in Ws]
    bq = [[Fraction(float(v)) for v in b.tolist()] for b in bs]
    tq = [None if t is None else Fraction(t) for t in ts]
    one, zero = Fraction(1), Fraction(0)
    start: list[Point] = [(xl, yl), (xh, yl), (xh, yh), (xl, yh)]
    cells: list[tuple[list[Point], list[tuple[Fraction, Fraction, Fraction]], tuple[bool, ...]]] = [
        (start, [(one, zero, zero), (zero, one, zero)], ())
    ]
    for W, b, t in zip(Wq, bq, tq, strict=True):
        new_cells = []
        for poly, vals, pat in cells:
            z = [(sum((w * v[0] for w, v in zip(row, vals, strict=True)), zero),
                  sum((w * v[1] for w, v in zip(row, vals, strict=True)), zero),
                  sum((w * v[2] for w, v in zip(row, vals, strict=True)), zero) + bi)
                 for row, bi in zip(W, b, strict=True)]
            if t is None:
                new_cells.append((poly, z, pat))
                continue
            pieces = [poly]
            for gx, gy, c in z:
                if gx != 0 or gy != 0:
                    pieces = [q for piece in pieces for q in _split(piece, (gx, gy), c - t)]
            for piece in pieces:
                cx, cy = _centroid(piece)
                on = tuple(gx * cx + gy * cy + c > t for gx, gy, c in z)
                v = [zz if o else (zero, zero, t) for zz, o in zip(z, on, strict=True)]
                new_cells.append((piece, v, pat + on))
        cells = new_cells
        if len(cells) > max_cells:
            raise InvalidInputError(f"network: more than max_cells={max_cells} activation regions")
    # linear pieces: union-find over adjacent cells with identical affine maps
    parent = list(range(len(cells)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    groups: dict[tuple[Any, ...], list[int]] = {}
    for k, (_, vals, _) in enumerate(cells):
        groups.setdefault(tuple(vals), []).append(k)
    for members in groups.values():
        for a_i in range(len(members)):
            for b_i in range(a_i + 1, len(members)):
                i, j = members[a_i], members[b_i]
                if find(i) != find(j) and _edges_overlap(cells[i][0], cells[j][0]):
                    parent[find(i)] = find(j)
    n_pieces = len({find(i) for i in range(len(cells))})
    out_cells = tuple((tuple(poly), pat, tuple((v[0], v[1]) for v in vals), tuple(v[2] for v in vals))
                      for poly, vals, pat in cells)
    return LinearRegions2D((xl, xh, yl, yh), out_cells, len(cells), n_pieces)
