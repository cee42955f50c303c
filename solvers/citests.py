"""Numerical kernels behind the conditional-independence tests of ``mechkit.causal``.

Arrays in, arrays out; no validation (the ``mechkit.causal.citests`` wrappers validate and
pass contiguous ``float64`` / ``int64`` arrays).  Contents:

* :func:`rff_features` (numba): random Fourier features ``sqrt(2) cos(x w^T + b)``.
* :func:`product_covariance` (numba): the covariance of the products
  ``rx[:, i] * ry[:, j]`` used by the RCoT/RCIT null distribution.
* :func:`gram`, :func:`residualise`, :func:`covariance` (numba): single-threaded small
  products (fast and predictable on a loaded machine, unlike multi-threaded BLAS).
* :func:`bivariate_fisher_z` (numba): the five Fisher-z tests of the bivariate rule from
  one 4 x 4 covariance.
* :func:`contingency_counts` (numba): a ``(strata, kx, ky)`` contingency table from codes.
* :func:`weighted_chi2_sf`: ``P(sum_j lam_j chi2_1 > x)`` by Imhof's exact inversion formula
  (numba Gauss-Legendre kernel :func:`imhof_gl`, QUADPACK fallback, Chernoff bound far out).
* :func:`kci_gamma_moments`: mean and variance of the KCI null from two truncated kernels,
  in O(n^2) memory instead of the n x (r_x r_y) eigenproduct matrix.

Examples
--------
>>> import numpy as np
>>> f = rff_features(np.zeros((3, 1)), np.ones((2, 1)), np.zeros(2))
>>> np.allclose(f, np.sqrt(2.0))
True
>>> round(weighted_chi2_sf(np.array([1.0]), 3.841458820694124), 6)
0.05
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = [
    "bivariate_fisher_z",
    "chernoff_bound",
    "contingency_counts",
    "covariance",
    "gram",
    "imhof_gl",
    "imhof_truncation",
    "kci_gamma_moments",
    "product_covariance",
    "residualise",
    "rff_features",
    "weighted_chi2_sf",
    "weighted_chi2_sf_qawf",
]


def _rff_features(x: NDArray[np.float64], w: NDArray[np.float64],
                  b: NDArray[np.float64]) -> NDArray[np.float64]:
    n, c = x.shape
    nf = w.shape[0]
    out = np.empty((n, nf))
    root2 = math.sqrt(2.0)
    for t in range(n):
        for f in range(nf):
            acc = b[f]
            for k in range(c):
                acc += w[f, k] * x[t, k]
            out[t, f] = root2 * math.cos(acc)
    return out


#: ``rff_features(x, w, b)[t, f] = sqrt(2) cos(sum_k w[f, k] x[t, k] + b[f])``.
rff_features = njit(_rff_features)


def _product_covariance(rx: NDArray[np.float64], ry: NDArray[np.float64]) -> NDArray[np.float64]:
    n, px = rx.shape
    py = ry.shape[1]
    q = px * py
    out = np.zeros((q, q))
    prod = np.empty(q)
    for t in range(n):
        for i in range(px):
            for j in range(py):
                prod[i * py + j] = rx[t, i] * ry[t, j]
        for a in range(q):
            pa = prod[a]
            for c in range(a, q):
                out[a, c] += pa * prod[c]
    for a in range(q):
        for c in range(a, q):
            out[a, c] /= n
            out[c, a] = out[a, c]
    return out


#: ``product_covariance(rx, ry) = (1/n) P^T P`` with ``P[t, i*py + j] = rx[t, i] ry[t, j]``.
product_covariance = njit(_product_covariance)


def _covariance(a: NDArray[np.float64]) -> NDArray[np.float64]:
    n, p = a.shape
    mu = np.zeros(p)
    for t in range(n):
        for i in range(p):
            mu[i] += a[t, i]
    for i in range(p):
        mu[i] /= n
    c = np.empty(p)
    out = np.zeros((p, p))
    for t in range(n):
        for i in range(p):
            c[i] = a[t, i] - mu[i]
        for i in range(p):
            ci = c[i]
            for j in range(p):
                out[i, j] += ci * c[j]
    for i in range(p):
        for j in range(p):
            out[i, j] /= n - 1
    return out


#: ``covariance(a)``: the sample covariance (ddof 1) of the columns of ``a``, two-pass.
covariance = njit(_covariance)


@njit
def _cov4(a: NDArray[np.float64]) -> NDArray[np.float64]:
    # Four columns with scalar accumulators (kept in registers): the bivariate design.
    n = a.shape[0]
    m0 = m1 = m2 = m3 = 0.0
    for t in range(n):
        m0 += a[t, 0]
        m1 += a[t, 1]
        m2 += a[t, 2]
        m3 += a[t, 3]
    m0 /= n
    m1 /= n
    m2 /= n
    m3 /= n
    s00 = s01 = s02 = s03 = s11 = s12 = s13 = s22 = s23 = s33 = 0.0
    for t in range(n):
        c0 = a[t, 0] - m0
        c1 = a[t, 1] - m1
        c2 = a[t, 2] - m2
        c3 = a[t, 3] - m3
        s00 += c0 * c0
        s01 += c0 * c1
        s02 += c0 * c2
        s03 += c0 * c3
        s11 += c1 * c1
        s12 += c1 * c2
        s13 += c1 * c3
        s22 += c2 * c2
        s23 += c2 * c3
        s33 += c3 * c3
    out = np.empty((4, 4))
    vals = (s00, s01, s02, s03, s11, s12, s13, s22, s23, s33)
    q = 0
    for i in range(4):
        for j in range(i, 4):
            out[i, j] = vals[q] / (n - 1)
            out[j, i] = out[i, j]
            q += 1
    return out


_TRIPLES = np.array([[0, 3, 2], [1, 2, 3], [0, 1, -1], [0, 2, -1], [1, 3, -1]], dtype=np.int64)


def _bivariate_fisher_z(design: NDArray[np.float64], triples: NDArray[np.int64]) -> NDArray[np.float64]:
    n = design.shape[0]
    cov = _cov4(design)
    out = np.full((triples.shape[0], 3), np.nan)
    for i in range(cov.shape[0]):
        if cov[i, i] <= 0.0:
            return out
    for q in range(triples.shape[0]):
        i, j, k = triples[q, 0], triples[q, 1], triples[q, 2]
        rij = cov[i, j] / math.sqrt(cov[i, i] * cov[j, j])
        if k < 0:
            if 1.0 - rij * rij < 1e-8:
                continue
            pc = rij
            dof = n - 3
        else:
            rik = cov[i, k] / math.sqrt(cov[i, i] * cov[k, k])
            rjk = cov[j, k] / math.sqrt(cov[j, j] * cov[k, k])
            det = 1.0 + 2.0 * rij * rik * rjk - rij * rij - rik * rik - rjk * rjk
            if det < 1e-8:
                continue
            pc = (rij - rik * rjk) / math.sqrt((1.0 - rik * rik) * (1.0 - rjk * rjk))
            dof = n - 4
        stat = math.sqrt(dof) * math.atanh(pc)
        out[q, 0] = pc
        out[q, 1] = stat
        out[q, 2] = math.erfc(abs(stat) / math.sqrt(2.0))
    return out


#: ``bivariate_fisher_z(design, triples)`` (``design`` has 4 columns): for each row
#: ``(i, j, k)`` of ``triples``
#: (``k = -1``: no conditioning) the partial correlation of columns i, j given k, the
#: Fisher z statistic and its two-sided p-value, from one two-pass covariance of
#: ``design``; a row is NaN when its correlation block is (nearly) singular or a column
#: is constant.
bivariate_fisher_z = njit(_bivariate_fisher_z)


def _gram(a: NDArray[np.float64]) -> NDArray[np.float64]:
    n, p = a.shape
    out = np.zeros((p, p))
    for t in range(n):
        for i in range(p):
            ai = a[t, i]
            for j in range(i, p):
                out[i, j] += ai * a[t, j]
    for i in range(p):
        for j in range(i + 1, p):
            out[j, i] = out[i, j]
    return out


#: ``gram(a) = a^T a`` (single-threaded, so small products stay fast on a loaded machine).
gram = njit(_gram)


def _residualise(f: NDArray[np.float64], fz: NDArray[np.float64],
                 b: NDArray[np.float64]) -> NDArray[np.float64]:
    n, p = f.shape
    k = fz.shape[1]
    out = np.empty((n, p))
    for t in range(n):
        for i in range(p):
            acc = f[t, i]
            for j in range(k):
                acc -= fz[t, j] * b[j, i]
            out[t, i] = acc
    return out


#: ``residualise(f, fz, b) = f - fz @ b`` (single-threaded).
residualise = njit(_residualise)


def _contingency_counts(cx: NDArray[np.int64], cy: NDArray[np.int64], cz: NDArray[np.int64],
                        kx: int, ky: int, kz: int) -> NDArray[np.int64]:
    out = np.zeros((kz, kx, ky), dtype=np.int64)
    for t in range(cx.shape[0]):
        out[cz[t], cx[t], cy[t]] += 1
    return out


#: ``contingency_counts(cx, cy, cz, kx, ky, kz)[s, a, b] = #{t : cz=s, cx=a, cy=b}``.
contingency_counts = njit(_contingency_counts)


def weighted_chi2_sf_qawf(weights: NDArray[np.float64], x: float) -> float:
    """Survival function of ``sum_j weights[j] * chi2_1`` at ``x`` (Imhof 1961), by QUADPACK.

    ``P(Q > x) = 1/2 + (1/pi) int_0^inf sin(theta(u)) / (u rho(u)) du`` with
    ``theta(u) = sum_j atan(w_j u)/2 - x u/2`` and ``rho(u) = prod_j (1 + w_j^2 u^2)^(1/4)``.
    Weights are rescaled by their maximum first (the probability is scale invariant).
    The oscillating tail ``u > min(1, 20 / x)`` is integrated as two Fourier integrals (QUADPACK QAWF);
    the quadrature error is about 1e-9 and the result is clipped to [0, 1].

    Parameters
    ----------
    weights : numpy.ndarray
        Positive weights (non-positive entries are ignored).
    x : float
        The point.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> bool(abs(weighted_chi2_sf_qawf(np.full(3, 2.0), 9.0) - stats.chi2.sf(4.5, 3)) < 1e-8)
    True
    """
    from scipy import integrate

    lam = np.asarray(weights, dtype=np.float64)
    lam = lam[lam > 0]
    if lam.size == 0:
        return 1.0 if x < 0 else 0.0
    if x <= 0:
        return 1.0
    scale = float(lam.max())
    lam = lam / scale
    xs = x / scale
    half_sum = 0.5 * float(lam.sum())

    def integrand(u: float) -> float:
        if u == 0.0:
            return half_sum - 0.5 * xs
        theta = 0.5 * float(np.arctan(lam * u).sum()) - 0.5 * xs * u
        logrho = 0.25 * float(np.log1p((lam * u) ** 2).sum())
        return math.sin(theta) / (u * math.exp(logrho))

    def slow_sin(u: float) -> float:   # sin(c(u)) / (u rho(u)), c(u) = sum atan(w u) / 2
        c = 0.5 * float(np.arctan(lam * u).sum())
        return math.sin(c) / (u * math.exp(0.25 * float(np.log1p((lam * u) ** 2).sum())))

    def slow_cos(u: float) -> float:
        c = 0.5 * float(np.arctan(lam * u).sum())
        return math.cos(c) / (u * math.exp(0.25 * float(np.log1p((lam * u) ** 2).sum())))

    # [0, u0] directly; beyond, sin(c - x u / 2) = sin c cos(x u / 2) - cos c sin(x u / 2)
    # turns the oscillating tail into two Fourier integrals (QUADPACK's QAWF).
    u0 = min(1.0, 20.0 / xs)
    total, _ = integrate.quad(integrand, 0.0, u0, limit=200, epsabs=1e-12, epsrel=1e-10)
    t1, _ = integrate.quad(slow_sin, u0, np.inf, weight="cos", wvar=0.5 * xs, limlst=200)
    t2, _ = integrate.quad(slow_cos, u0, np.inf, weight="sin", wvar=0.5 * xs, limlst=200)
    total += t1 - t2
    p = 0.5 + total / math.pi
    return min(1.0, max(0.0, p))


_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(8)


def _imhof_gl(lam: NDArray[np.float64], xs: float, upper: float,
              nodes: NDArray[np.float64], wts: NDArray[np.float64]) -> float:
    half_sum = 0.5 * lam.sum()
    max_width = 2.0 * math.pi / xs if xs > 0 else upper
    total = 0.0
    a = 0.0
    while a < upper:
        # 16 panels on [0, 1]; beyond, panels grow geometrically (x1.25) but stay shorter
        # than one oscillation of sin(theta).
        width = 1.0 / 16.0 if a < 1.0 else 0.25 * a
        width = min(width, max_width, upper - a)
        mid = a + 0.5 * width
        for q in range(nodes.shape[0]):
            u = mid + 0.5 * width * nodes[q]
            if u <= 0.0:
                val = half_sum - 0.5 * xs
            else:
                theta = -0.5 * xs * u
                logrho = 0.0
                for j in range(lam.shape[0]):
                    lu = lam[j] * u
                    theta += 0.5 * math.atan(lu)
                    logrho += 0.25 * math.log1p(lu * lu)
                val = math.sin(theta) / (u * math.exp(logrho))
            total += 0.5 * width * wts[q] * val
        a += width
    return total


#: ``imhof_gl(lam, xs, upper, nodes, wts)``: the Imhof integral on ``[0, upper]`` by
#: composite Gauss-Legendre (the given nodes/weights on [-1, 1]), panels adapted to the
#: weights' scale and to the oscillation.
imhof_gl = njit(_imhof_gl)


def imhof_truncation(lam: NDArray[np.float64], eps: float = 1e-9) -> float:
    """Upper limit ``U`` with ``|int_U^inf sin(theta) / (u rho)| <= eps`` (weights sorted down).

    Uses ``rho(u) >= prod_{i <= j} sqrt(lam_i u)``, so the tail is at most
    ``(2/j) U^{-j/2} / prod_{i <= j} sqrt(lam_i)`` for every ``j``; the best ``j >= 3`` wins.

    Examples
    --------
    >>> import numpy as np
    >>> round(imhof_truncation(np.ones(4), eps=1e-8), 3)
    7071.068
    """
    srt = np.sort(np.asarray(lam, dtype=np.float64))[::-1]
    best = math.inf
    acc = 0.0
    for j in range(1, srt.size + 1):
        acc += math.log(srt[j - 1])
        if j < 3:
            continue
        log_u = (2.0 / j) * (math.log(2.0 / j) - 0.5 * acc - math.log(eps))
        best = min(best, math.exp(min(log_u, 700.0)))
    return best


def chernoff_bound(lam: NDArray[np.float64], x: float) -> float:
    """Chernoff bound ``min_t e^{-t x} prod_j (1 - 2 t lam_j)^{-1/2} >= P(sum lam_j chi2_1 > x)``.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy import stats
    >>> bool(chernoff_bound(np.ones(3), 40.0) >= stats.chi2.sf(40.0, 3))
    True
    """
    from scipy import optimize

    lam = np.asarray(lam, dtype=np.float64)
    lam = lam[lam > 0]
    top = 0.5 / float(lam.max())

    def log_mgf_bound(t: float) -> float:
        return -t * x - 0.5 * float(np.log1p(-2.0 * t * lam).sum())

    res = optimize.minimize_scalar(log_mgf_bound, bounds=(0.0, top * (1 - 1e-12)), method="bounded",
                                   options={"xatol": 1e-10 * top})
    return min(1.0, math.exp(min(0.0, float(res.fun))))


def weighted_chi2_sf(weights: NDArray[np.float64], x: float) -> float:
    """Survival function of ``sum_j weights[j] * chi2_1`` at ``x`` (Imhof 1961), exact.

    One weight: the chi-square law.  Three or more: Imhof's integral
    truncated where its tail is provably below 1e-9 (:func:`imhof_truncation`) and
    integrated by composite 8-point Gauss-Legendre with panels no longer than one
    oscillation (numba kernel :func:`imhof_gl`); with two weights, or when that would need
    too many panels, the QUADPACK version :func:`weighted_chi2_sf_qawf`.  Result clipped to [0, 1].

    Far in the tail, where the Chernoff bound :func:`chernoff_bound` is below 1e-11 (the
    quadrature's absolute accuracy), that bound is returned: a conservative p-value.

    Parameters
    ----------
    weights : numpy.ndarray
        Weights (non-positive entries are ignored).
    x : float
        The point.

    Returns
    -------
    float

    Examples
    --------
    >>> import numpy as np
    >>> round(weighted_chi2_sf(np.array([1.0]), 3.841458820694124), 6)
    0.05
    >>> round(weighted_chi2_sf(np.array([2.0, 1.0, 0.5]), 4.0), 6)
    0.312979
    """
    lam = np.asarray(weights, dtype=np.float64)
    lam = np.sort(lam[lam > 0])[::-1]
    if lam.size == 0:
        return 1.0 if x < 0 else 0.0
    if x <= 0:
        return 1.0
    scale = float(lam[0])
    lam = np.ascontiguousarray(lam / scale)
    xs = x / scale
    if lam.size == 1:
        return math.erfc(math.sqrt(xs / 2.0))
    mean, sd = float(lam.sum()), math.sqrt(2.0 * float((lam**2).sum()))
    if xs > mean + 6.0 * sd:
        bound = chernoff_bound(lam, xs)
        if bound < 1e-11:
            return bound
    upper = imhof_truncation(lam, 1e-9)
    if not math.isfinite(upper) or upper * xs > 40000.0 * math.pi or upper > 1e7:
        return weighted_chi2_sf_qawf(lam, xs)
    p = 0.5 + imhof_gl(lam, xs, upper, _GL_NODES, _GL_WEIGHTS) / math.pi
    return min(1.0, max(0.0, p))


def kci_gamma_moments(kx: NDArray[np.float64], ky: NDArray[np.float64],
                      thresh: float = 1e-5) -> tuple[float, float]:
    """Mean and variance of the KCI null ``sum_ij wx_i wy_j chi2_1`` (gamma approximation).

    Equal to ``trace(UU)`` and ``2 trace(UU^2)`` for the eigenproduct matrix ``U`` of
    causal-learn's ``KCI_CInd.get_uuprod`` (eigenvalues below ``thresh * max`` dropped),
    computed as ``sum diag(Kx') diag(Ky')`` and ``2 ||Kx' * Ky'||_F^2`` with the
    truncated reconstructions ``K' = V_+ diag(w_+) V_+^T``.

    Parameters
    ----------
    kx, ky : numpy.ndarray
        Symmetric ``(n, n)`` kernel matrices (already centred / residualised).
    thresh : float, default 1e-5
        Relative eigenvalue threshold.

    Returns
    -------
    (float, float)
        Mean and variance.

    Examples
    --------
    >>> import numpy as np
    >>> m, v = kci_gamma_moments(np.eye(2), np.eye(2))
    >>> (m, v)
    (2.0, 4.0)
    """
    def truncated(k: NDArray[np.float64]) -> NDArray[np.float64]:
        w, v = np.linalg.eigh(0.5 * (k + k.T))
        keep = w > w.max() * thresh
        vk = v[:, keep]
        return np.asarray((vk * w[keep]) @ vk.T)

    kxt = truncated(kx)
    kyt = truncated(ky)
    mean = float(np.dot(np.diag(kxt), np.diag(kyt)))
    var = 2.0 * float(np.sum((kxt * kyt) ** 2))
    return mean, var
