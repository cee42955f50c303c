"""Conditional-independence tests, registered by name, and the d-separation plate oracle.

Column tests take ``x``, ``y`` (1-D, length ``n``) and an optional conditioning block
``z`` (``(n, k)``) and return a :class:`CITestResult` (statistic, p-value, test metadata):

========== ===================================================== ==================
name       statistic / null                                       cost
========== ===================================================== ==================
fisher_z   sqrt(n - k - 3) atanh(partial corr) ~ N(0, 1)          O(n k^2)
g_test     G = 2 sum O ln(O / E) over the strata of z ~ chi2(df)  O(n + cells)
kci        KCI V-statistic (Zhang et al. 2011), gamma null        O(n^3)
rcot       random Fourier features, Imhof weighted-chi2 null      O(n D^2)
rcit       RCoT with y augmented by z (Strobl et al. 2019)        O(n D^2)
========== ===================================================== ==================

``d_separation`` is an oracle: :func:`d_separation` builds a :class:`PlateOracle` for a known
DAG that answers the same *query-level* calls (variable, sample) exactly, by d-separation
on the unrolled plate graph (p = 1 when separated, 0 otherwise).

Query-level calls name a node as ``(variable, sample)``: sample 0 is "sample 1" of the
design note, sample 1 is "sample 2".  :func:`make_tester` turns data plus a test name into
such a caller (with a cache); the discovery algorithms only see testers.

Examples
--------
>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> x = rng.normal(size=500); y = x + rng.normal(size=500); z = rng.normal(size=(500, 1))
>>> fisher_z(x, y, z).p_value < 1e-10
True
>>> sorted(CI_TESTS.names())
['d_separation', 'fisher_z', 'g_test', 'kci', 'rcit', 'rcot']
>>> oracle = d_separation([(0, 1)], d=2)
>>> oracle.test((0, 0), (1, 1), [(0, 1)]).p_value   # X1 _||_ Y2 | X2 under X -> Y
1.0
"""

from __future__ import annotations

import math
import warnings
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, as_int_array, check_choice, check_int, check_real
from mechkit.causal.data import CausalWarning
from mechkit.causal.graphs import as_dag
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator
from mechkit.registry import Registry

__all__ = [
    "CI_TESTS",
    "AllPairsFisherZ",
    "CITestResult",
    "DataTester",
    "GaussianOracle",
    "Node",
    "Oracle",
    "PlateOracle",
    "d_separation",
    "fisher_z",
    "g_test",
    "kci",
    "make_tester",
    "plate_graph",
    "rcit",
    "rcot",
]

Node = tuple[int, int]

#: The registry of CI tests (column tests plus the ``d_separation`` oracle factory).
CI_TESTS: Registry[Callable[..., Any]] = Registry("CI test")


@dataclass(frozen=True)
class CITestResult:
    """The outcome of one CI test.

    Attributes
    ----------
    test : str
        Registered name of the test.
    statistic : float
        The test statistic (its meaning depends on the test, see ``metadata``).
    p_value : float
        P-value of the null hypothesis "x independent of y given z".
    n : int
        Rows used (0 for the oracle).
    df : float or None
        Degrees of freedom, where the null has them.
    metadata : mapping
        Test details (partial correlation, kernel widths, null approximation, ...).
    """

    test: str
    statistic: float
    p_value: float
    n: int
    df: float | None = None
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"test": self.test, "statistic": self.statistic, "p_value": self.p_value,
                "n": self.n, "df": self.df, "metadata": dict(self.metadata)}

    def __repr__(self) -> str:
        return f"CITestResult({self.test}: statistic={self.statistic:.4g}, p={self.p_value:.4g}, n={self.n})"


# --------------------------------------------------------------------------- validation


def _columns(x: ArrayLike, y: ArrayLike, z: ArrayLike | None, test: str
             ) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    xa = as_float_array(x, "x", ndim=1)
    ya = as_float_array(y, "y", ndim=1)
    n = xa.shape[0]
    if ya.shape[0] != n:
        raise InvalidInputError(f"y: must have the same length as x ({n}); got {ya.shape[0]}")
    if z is None:
        za = np.empty((n, 0))
    else:
        za = as_float_array(z, "z", allow_empty=True)
        if za.ndim == 1:
            za = za.reshape(-1, 1) if za.size else np.empty((n, 0))
        if za.ndim != 2 or za.shape[0] != n:
            raise InvalidInputError(f"z: must have shape ({n}, k); got {za.shape}")
        za = np.ascontiguousarray(za)
    for name, col in (("x", xa[:, None]), ("y", ya[:, None]), ("z", za)):
        if col.shape[1] and n:
            const = np.all(col == col[0], axis=0)
            if const.any():
                raise InvalidInputError(
                    f"{name}: column {int(np.argmax(const))} is constant; {test} needs variation in "
                    "every variable"
                )
    return xa, ya, za


def _check_rows(n: int, k: int, test: str, minimum: int) -> None:
    if n < minimum:
        raise InvalidInputError(f"data: {test} needs at least {minimum} rows for |z| = {k}; got n = {n}")


# --------------------------------------------------------------------------- Fisher z


def _fisher_from_corr(sub: NDArray[np.float64], n: int, k: int, *, test: str = "fisher_z"
                      ) -> CITestResult:
    if n - k - 3 <= 0:
        raise InvalidInputError(
            f"data: fisher_z needs n - |z| - 3 > 0; got n = {n}, |z| = {k} (too few environments)"
        )
    evals = np.linalg.eigvalsh(sub)
    if evals[0] <= 1e-10 * max(1.0, float(evals[-1])):
        raise InvalidInputError(
            "data: the correlation matrix of (x, y, z) is singular (smallest eigenvalue "
            f"{evals[0]:.3g}): some variables are exactly collinear or deterministic functions "
            "of each other, so the partial correlation is undefined"
        )
    inv = np.linalg.inv(sub)
    r = float(-inv[0, 1] / math.sqrt(inv[0, 0] * inv[1, 1]))
    r = max(-1.0 + 1e-16, min(1.0 - 1e-16, r))
    stat = math.sqrt(n - k - 3) * math.atanh(r)
    p = math.erfc(abs(stat) / math.sqrt(2.0))
    return CITestResult(test, stat, p, n, None,
                        MappingProxyType({"partial_correlation": r, "conditioning_size": k,
                                          "null": "standard normal (two-sided)"}))


def fisher_z(x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None) -> CITestResult:
    """Fisher-z partial-correlation test of ``x`` independent of ``y`` given ``z``.

    The partial correlation ``r`` comes from the inverse correlation matrix of
    ``[x, y, z]``; the statistic ``sqrt(n - |z| - 3) atanh(r)`` is standard normal under
    the null for jointly Gaussian data (exact for the random-intercept Gaussian ICM model).

    Parameters
    ----------
    x, y : array_like
        1-D samples of length ``n``.
    z : array_like, optional
        Conditioning block ``(n, k)`` (or 1-D for ``k = 1``).

    Returns
    -------
    CITestResult
        ``statistic`` is the signed z-score; ``metadata["partial_correlation"]`` is ``r``.

    Raises
    ------
    InvalidInputError
        For constant or collinear columns, and when ``n - k - 3 <= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(1)
    >>> z = rng.normal(size=400); x = z + rng.normal(size=400); y = z + rng.normal(size=400)
    >>> fisher_z(x, y).p_value < 1e-6, fisher_z(x, y, z).p_value > 0.01
    (True, True)
    """
    xa, ya, za = _columns(x, y, z, "fisher_z")
    n, k = xa.shape[0], za.shape[1]
    if n - k - 3 <= 0:
        raise InvalidInputError(
            f"data: fisher_z needs n - |z| - 3 > 0; got n = {n}, |z| = {k} (too few environments)"
        )
    corr = np.corrcoef(np.column_stack([xa, ya, za]), rowvar=False)
    return _fisher_from_corr(np.atleast_2d(corr), n, k)


# --------------------------------------------------------------------------- G test


def g_test(x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None, *, df: str = "levels",
           min_expected: float = 5.0) -> CITestResult:
    """G-test (likelihood-ratio chi-square) of ``x`` independent of ``y`` given discrete ``z``.

    ``G = 2 sum_s sum_ab O_sab ln(O_sab / E_sab)`` with ``E_sab = n_sa. n_s.b / n_s..`` over
    the strata ``s`` of ``z``.  Degrees of freedom:

    * ``df="levels"`` (default; the authors' convention for binary data): ``(kx - 1)(ky - 1)
      prod_j k_zj`` with ``k`` the number of distinct observed levels of each variable, so
      empty strata still count;
    * ``df="observed"`` (causal-learn's ``gsq`` convention): ``sum_s (r_s - 1)(c_s - 1)``
      with ``r_s, c_s`` the levels of x and y observed in stratum ``s``.

    ``df = 0`` gives ``p = 1``.  A :class:`~mechkit.causal.data.CausalWarning` is emitted
    when the mean count per cell is below ``min_expected``.

    Parameters
    ----------
    x, y : array_like of int
        Integer codes (any integers; they are relabelled).
    z : array_like of int, optional
        ``(n, k)`` conditioning codes.
    df : {"levels", "observed"}, default "levels"
        Degrees-of-freedom convention.
    min_expected : float, default 5
        Warning threshold for the mean cell count.

    Returns
    -------
    CITestResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.integers(0, 2, 1000); y = x ^ (rng.random(1000) < 0.3)
    >>> g_test(x, y).p_value < 1e-10
    True
    >>> g_test([0.5, 1.0, 0.0, 1.0], [0, 1, 0, 1])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: x: g_test needs integer codes (discrete data); ...
    """
    check_choice(df, "df", ("levels", "observed"))
    min_expected = check_real(min_expected, "min_expected")
    if min_expected < 0:
        raise InvalidInputError(f"min_expected: must be >= 0; got {min_expected}")

    def codes(arr: ArrayLike, name: str, ndim: int) -> NDArray[np.int64]:
        try:
            return as_int_array(arr, name, ndim=ndim, allow_empty=(name == "z"))
        except InvalidInputError as err:
            msg = str(err)
            if "must hold integers" in msg:
                raise InvalidInputError(
                    msg.replace("must hold integers", "g_test needs integer codes (discrete data)")
                    + " -- use fisher_z, kci or rcot for continuous data") from None
            raise

    cx = codes(x, "x", 1)
    cy = codes(y, "y", 1)
    n = cx.shape[0]
    if cy.shape[0] != n:
        raise InvalidInputError(f"y: must have the same length as x ({n}); got {cy.shape[0]}")
    if z is None:
        cz_raw = np.empty((n, 0), dtype=np.int64)
    else:
        cz_raw = codes(z, "z", np.asarray(z).ndim)
        if cz_raw.ndim == 1:
            cz_raw = cz_raw.reshape(-1, 1)
        if cz_raw.ndim != 2 or cz_raw.shape[0] != n:
            raise InvalidInputError(f"z: must have shape ({n}, k); got {cz_raw.shape}")
    _check_rows(n, cz_raw.shape[1], "g_test", 2)
    _, ix = np.unique(cx, return_inverse=True)
    _, iy = np.unique(cy, return_inverse=True)
    kx, ky = int(ix.max()) + 1, int(iy.max()) + 1
    for name, k in (("x", kx), ("y", ky)):
        if k < 2:
            raise InvalidInputError(
                f"{name}: column 0 is constant; g_test needs variation in every variable")
    strata = np.zeros(n, dtype=np.int64)
    kz = 1
    for j in range(cz_raw.shape[1]):
        _, iz = np.unique(cz_raw[:, j], return_inverse=True)
        lev = int(iz.max()) + 1
        strata = strata * lev + iz.astype(np.int64)
        kz *= lev
        if kz > 10_000_000:
            raise InvalidInputError(f"z: too many strata ({kz} > 1e7) for g_test")
    from solvers.citests import contingency_counts

    counts = contingency_counts(ix.astype(np.int64), iy.astype(np.int64), strata, kx, ky, kz)
    cells = kx * ky * kz
    if n / cells < min_expected:
        warnings.warn(
            f"g_test: mean count per cell is {n / cells:.2f} < {min_expected} ({cells} cells, n = {n}); "
            "the chi-square null is unreliable", CausalWarning, stacklevel=2)
    nxz = counts.sum(axis=2).astype(np.float64)
    nyz = counts.sum(axis=1).astype(np.float64)
    nz = counts.sum(axis=(1, 2)).astype(np.float64)
    obs = counts.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        expected = nxz[:, :, None] * nyz[:, None, :] / nz[:, None, None]
        terms = np.where(obs > 0, obs * np.log(obs / expected), 0.0)
    g = max(0.0, 2.0 * float(terms.sum()))
    if df == "levels":
        dof = (kx - 1) * (ky - 1) * kz
    else:
        r_s = np.maximum((nxz > 0).sum(axis=1) - 1, 0)
        c_s = np.maximum((nyz > 0).sum(axis=1) - 1, 0)
        dof = int((r_s * c_s).sum())
    from scipy import stats

    p = 1.0 if dof == 0 else float(stats.chi2.sf(g, dof))
    return CITestResult("g_test", g, p, n, float(dof),
                        MappingProxyType({"df_convention": df, "levels": (kx, ky), "strata": kz,
                                          "mean_cell_count": n / cells}))


# --------------------------------------------------------------------------- KCI


def _zscore(a: NDArray[np.float64]) -> NDArray[np.float64]:
    if a.shape[1] == 0:
        return a
    sd = a.std(axis=0, ddof=1)
    out = (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    return np.ascontiguousarray(out)


def _sqdist(a: NDArray[np.float64]) -> NDArray[np.float64]:
    sq = np.einsum("ij,ij->i", a, a)
    out = sq[:, None] + sq[None, :] - 2.0 * (a @ a.T)
    np.maximum(out, 0.0, out=out)
    return out


def _centre(k: NDArray[np.float64]) -> NDArray[np.float64]:
    row = k.mean(axis=0)
    return k - row[None, :] - row[:, None] + row.mean()


def _kci_width(n: int) -> float:
    return 1.2 if n < 200 else (0.7 if n < 1200 else 0.4)


def _hsic_width(n: int) -> float:
    return 0.8 if n < 200 else (0.5 if n < 1200 else 0.3)


def kci(x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None, *, epsilon: float = 1e-3,
        thresh: float = 1e-5, max_n: int = 5000) -> CITestResult:
    """Kernel conditional-independence test (Zhang, Peters, Janzing, Schölkopf, UAI 2011).

    The defaults of causal-learn's ``KCI_CInd`` / ``KCI_UInd`` with ``approx=True``: data
    z-scored (ddof 1); Gaussian kernels with the empirical widths (conditional: sigma = 1.2
    / 0.7 / 0.4 for n < 200 / < 1200 / otherwise, ``theta = 1/(sigma^2 d_z)``, x augmented
    to ``(x, z/2)``; unconditional: sigma = 0.8 / 0.5 / 0.3, ``theta = d/sigma^2``); kernels
    centred; residualised by ``R = eps (K_z + eps I)^{-1}``; ``T = sum(K_x|z * K_y|z)``;
    gamma null matched to ``trace(UU)`` and ``2 trace(UU^2)`` (eigenvalues below
    ``thresh * max`` dropped).  The moments are computed without materialising the
    ``n x (r_x r_y)`` eigenproduct matrix (see :func:`solvers.citests.kci_gamma_moments`).
    Cost O(n^3): meant for small n (use :func:`rcot` beyond a few thousand rows).

    Parameters
    ----------
    x, y : array_like
        1-D samples.
    z : array_like, optional
        Conditioning block.
    epsilon : float, default 1e-3
        Ridge of the kernel regression on z.
    thresh : float, default 1e-5
        Relative eigenvalue cut-off.
    max_n : int, default 5000
        Refuse larger inputs (the cost would be minutes).

    Returns
    -------
    CITestResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=150); x = np.sin(z) + 0.3 * rng.normal(size=150)
    >>> y = z ** 2 + 0.3 * rng.normal(size=150)
    >>> kci(x, y).p_value < 0.01, kci(x, y, z).p_value > 0.01
    (True, True)
    """
    xa, ya, za = _columns(x, y, z, "kci")
    n, k = xa.shape[0], za.shape[1]
    check_int(max_n, "max_n", minimum=10)
    epsilon = check_real(epsilon, "epsilon")
    if epsilon <= 0:
        raise InvalidInputError(f"epsilon: must be > 0; got {epsilon}")
    thresh = check_real(thresh, "thresh")
    if not 0.0 <= thresh < 1.0:
        raise InvalidInputError(f"thresh: must lie in [0, 1); got {thresh}")
    if n > max_n:
        raise InvalidInputError(
            f"data: kci is O(n^3) and n = {n} > max_n = {max_n}; use rcot, or raise max_n")
    _check_rows(n, k, "kci", 10)
    from scipy import stats

    from solvers.citests import kci_gamma_moments

    xs, ys = _zscore(xa[:, None]), _zscore(ya[:, None])
    if k == 0:
        wx = 1.0 / _hsic_width(n) ** 2 * xs.shape[1]
        wy = 1.0 / _hsic_width(n) ** 2 * ys.shape[1]
        kxc = _centre(np.exp(-0.5 * _sqdist(xs) * wx))
        kyc = _centre(np.exp(-0.5 * _sqdist(ys) * wy))
        stat = float(np.sum(kxc * kyc))
        mean = float(np.trace(kxc) * np.trace(kyc) / n)
        var = 2.0 * float(np.sum(kxc**2) * np.sum(kyc**2)) / n / n
        meta: dict[str, Any] = {"kind": "unconditional (HSIC)", "width_x": wx, "width_y": wy}
    else:
        zs = _zscore(za)
        theta = 1.0 / _kci_width(n) ** 2 / k
        xz = np.column_stack([xs, 0.5 * zs])
        kx = _centre(np.exp(-0.5 * _sqdist(xz) * theta))
        ky = _centre(np.exp(-0.5 * _sqdist(ys) * theta))
        kz = _centre(np.exp(-0.5 * _sqdist(zs) * theta))
        w, v = np.linalg.eigh(0.5 * (kz + kz.T))
        rz = (v * (epsilon / (w + epsilon))) @ v.T
        kxr = rz @ kx @ rz
        kyr = rz @ ky @ rz
        stat = float(np.sum(kxr * kyr))
        mean, var = kci_gamma_moments(kxr, kyr, thresh)
        meta = {"kind": "conditional", "width": theta, "epsilon": epsilon}
    shape, scale = mean**2 / var, var / mean
    p = float(stats.gamma.sf(stat, shape, scale=scale))
    meta.update({"null": "gamma", "gamma_shape": shape, "gamma_scale": scale})
    return CITestResult("kci", stat, p, n, None, MappingProxyType(meta))


# --------------------------------------------------------------------------- RCoT / RCIT


def _median_distance(a: NDArray[np.float64]) -> float:
    from scipy.spatial.distance import pdist

    dist = pdist(a[:500])
    dist = dist[dist != 0]
    if dist.size == 0:
        return 1.0
    return float(np.median(dist))


def _features(a: NDArray[np.float64], num: int, rng: np.random.Generator) -> NDArray[np.float64]:
    from solvers.citests import rff_features

    sigma = _median_distance(a)
    w = np.ascontiguousarray(rng.normal(size=(num, a.shape[1])) / sigma)
    b = np.ascontiguousarray(2.0 * np.pi * rng.uniform(size=num))
    f = rff_features(np.ascontiguousarray(a), w, b)
    sd = f.std(axis=0, ddof=1)
    f = f[:, sd > 1e-12]
    return np.ascontiguousarray(_zscore(f))


def _rff_test(name: str, x: ArrayLike, y: ArrayLike, z: ArrayLike | None, *, num_f: int,
              num_f2: int, approx: str, seed: SeedLike, augment_y: bool) -> CITestResult:
    xa, ya, za = _columns(x, y, z, name)
    n, k = xa.shape[0], za.shape[1]
    check_int(num_f, "num_f", minimum=1)
    check_int(num_f2, "num_f2", minimum=1)
    check_choice(approx, "approx", ("imhof", "gamma"))
    _check_rows(n, k, name, 10)
    rng = as_generator(seed)
    from scipy import linalg, stats

    from solvers.citests import gram, product_covariance, residualise, weighted_chi2_sf

    xs, ys, zs = _zscore(xa[:, None]), _zscore(ya[:, None]), _zscore(za)
    if augment_y and k:
        ys = np.ascontiguousarray(np.column_stack([ys, zs]))
    fx = _features(xs, num_f2, rng)
    fy = _features(ys, num_f2, rng)
    px, py = fx.shape[1], fy.shape[1]
    if k:
        fz = _features(zs, num_f, rng)
        # One single-threaded Gram matrix of [fx, fy, fz] gives every covariance block.
        cov_all = gram(np.ascontiguousarray(np.column_stack([fx, fy, fz]))) / (n - 1)
        cxy = cov_all[:px, px:px + py]
        cxz = cov_all[:px, px + py:]
        czy = cov_all[px + py:, px:px + py]
        czz = cov_all[px + py:, px + py:] + 1e-10 * np.eye(fz.shape[1])
        cho = linalg.cho_factor(czz)
        bx = np.ascontiguousarray(linalg.cho_solve(cho, cxz.T))   # i_Czz Czx
        by = np.ascontiguousarray(linalg.cho_solve(cho, czy))
        res_x = residualise(fx, fz, bx)
        res_y = residualise(fy, fz, by)
        cxy_z = cxy - cxz @ by
    else:
        res_x, res_y = fx, fy
        cxy_z = gram(np.ascontiguousarray(np.column_stack([fx, fy])))[:px, px:] / (n - 1)
    stat = float(n * np.sum(cxy_z**2))
    cov = product_covariance(res_x, res_y)
    lam = np.linalg.eigvalsh(cov)
    lam = lam[lam > 0]
    if approx == "imhof":
        p = weighted_chi2_sf(lam, stat)
    else:
        mean, var = float(lam.sum()), 2.0 * float((lam**2).sum())
        p = float(stats.gamma.sf(stat, mean**2 / var, scale=var / mean))
    meta = {"num_f": num_f if k else 0, "num_f2": num_f2, "null": f"weighted chi2 ({approx})",
            "n_weights": int(lam.size), "augment_y_with_z": augment_y and bool(k)}
    return CITestResult(name, stat, p, n, None, MappingProxyType(meta))


def rcot(x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None, *, num_f: int = 100,
         num_f2: int = 5, approx: str = "imhof", seed: SeedLike = None) -> CITestResult:
    """Randomized conditional correlation test, RCoT (Strobl, Zhang, Visweswaran 2019).

    Data are standardised; ``num_f`` random Fourier features of z and ``num_f2`` of x and of
    y (Gaussian kernel, width = median pairwise distance of the first 500 rows) are
    standardised; x and y features are ridge-residualised on the z features; the statistic
    is ``n ||C_xy|z||_F^2`` and its null is ``sum_j lam_j chi2_1`` with ``lam`` the
    eigenvalues of the covariance of the residual products.  The tail probability is
    computed exactly by Imhof's formula (the R package uses the Lindsay-Pilla-Basak
    approximation of the same law); ``approx="gamma"`` matches two moments instead.
    Linear in n; the feature map and product covariance are numba kernels.

    Parameters
    ----------
    x, y : array_like
        1-D samples.
    z : array_like, optional
        Conditioning block; without it this is RIT (the unconditional test).
    num_f : int, default 100
        Fourier features of z.
    num_f2 : int, default 5
        Fourier features of x and of y.
    approx : {"imhof", "gamma"}, default "imhof"
        Null approximation.
    seed : seed-like, optional
        Seed of the random features (the p-value depends on it).

    Returns
    -------
    CITestResult

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> z = rng.normal(size=800); x = np.tanh(z) + 0.3 * rng.normal(size=800)
    >>> y = z ** 3 + 0.3 * rng.normal(size=800)
    >>> rcot(x, y, seed=1).p_value < 1e-3, rcot(x, y, z, seed=1).p_value > 0.01
    (True, True)
    """
    return _rff_test("rcot", x, y, z, num_f=num_f, num_f2=num_f2, approx=approx, seed=seed,
                     augment_y=False)


def rcit(x: ArrayLike, y: ArrayLike, z: ArrayLike | None = None, *, num_f: int = 100,
         num_f2: int = 5, approx: str = "imhof", seed: SeedLike = None) -> CITestResult:
    """Randomized conditional independence test, RCIT: :func:`rcot` with y augmented by z.

    Parameters and result as :func:`rcot` (causal-learn's ``RCIT(rcit=True)`` layout: the
    features of y are computed on ``(y, z)``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(3)
    >>> z = rng.normal(size=600); x = z + 0.5 * rng.normal(size=600)
    >>> y = z + 0.5 * rng.normal(size=600)
    >>> rcit(x, y, z, seed=0).p_value > 0.01
    True
    """
    return _rff_test("rcit", x, y, z, num_f=num_f, num_f2=num_f2, approx=approx, seed=seed,
                     augment_y=True)


# --------------------------------------------------------------------------- plate oracle


def plate_graph(dag: Any, n_samples: int = 2, varying: Iterable[int] | None = None,
                d: int | None = None) -> nx.DiGraph:
    """The unrolled plate graph of an ICM process over ``dag``.

    Nodes ``(i, s)`` (variable ``i`` in sample ``s``) and ``("theta", i)`` for every
    varying mechanism; edges ``theta_i -> (i, s)`` for every sample and ``(u, s) -> (v, s)``
    for every edge ``u -> v`` of the DAG.  Edges never cross samples.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of edges
        The DAG over ``0..d-1``.
    n_samples : int, default 2
        Samples per environment.
    varying : iterable of int, optional
        Mechanisms with a non-degenerate parameter (default: all; empty: i.i.d. data).
    d : int, optional
        Number of variables when ``dag`` is an edge list.

    Returns
    -------
    networkx.DiGraph

    Examples
    --------
    >>> g = plate_graph([(0, 1)], d=2)
    >>> sorted(g.successors(("theta", 0)))
    [(0, 0), (0, 1)]
    """
    g = as_dag(dag, d)
    m = check_int(n_samples, "n_samples", minimum=1)
    nodes = list(g.nodes)
    var = set(nodes) if varying is None else _int_set(varying, "varying")
    bad = var - set(nodes)
    if bad:
        raise InvalidInputError(f"varying: unknown variables {sorted(bad)}; the DAG has {len(nodes)}")
    plate = nx.DiGraph()
    for i in nodes:
        for s in range(m):
            plate.add_node((i, s))
        if i in var:
            for s in range(m):
                plate.add_edge(("theta", i), (i, s))
    for u, v in g.edges:
        for s in range(m):
            plate.add_edge((u, s), (v, s))
    return plate


def _int_set(values: Iterable[Any], name: str) -> set[int]:
    try:
        items = list(values)
    except TypeError:
        raise InvalidInputError(f"{name}: must be an iterable of variable indices; got {values!r}") from None
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise InvalidInputError(f"{name}: must hold integer variable indices; got {v!r}")
    return {int(v) for v in items}


def _names(names: Sequence[str] | None, d: int) -> tuple[str, ...]:
    if names is None:
        return ("X", "Y") if d == 2 else tuple(f"X{i}" for i in range(d))
    labels = tuple(str(v) for v in names)
    if len(labels) != d:
        raise InvalidInputError(f"names: must have {d} entries (one per variable); got {len(labels)}")
    if len(set(labels)) != d:
        raise InvalidInputError(f"names: must be distinct; got {labels}")
    return labels


class Oracle(ABC):
    """Base class of population CI oracles (answers are exact, p in {0, 1})."""

    name = "oracle"
    d: int
    names: tuple[str, ...]
    calls: int

    @abstractmethod
    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """Answer ``x _||_ y | z`` exactly."""


class PlateOracle(Oracle):
    """Exact CI answers by d-separation on the plate graph of a known DAG.

    Answers ``test(x, y, z)`` with ``p = 1.0`` when the nodes are d-separated and
    ``0.0`` otherwise, so any algorithm run on it sees the population CI structure.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of edges
        The true DAG over ``0..d-1``.
    n_samples : int, default 2
        Samples per environment in the plate.
    varying : iterable of int, optional
        Mechanisms that vary across environments (default all; ``()`` = i.i.d.).
    d : int, optional
        Number of variables for an edge list.
    names : sequence of str, optional
        Variable names.
    """

    name = "d_separation"

    def __init__(self, dag: Any, n_samples: int = 2, varying: Iterable[int] | None = None,
                 d: int | None = None, names: Sequence[str] | None = None) -> None:
        self.dag = as_dag(dag, d)
        self.d = self.dag.number_of_nodes()
        self.m = check_int(n_samples, "n_samples", minimum=2)
        self.varying = (tuple(range(self.d)) if varying is None
                        else tuple(sorted(_int_set(varying, "varying"))))
        self.plate = plate_graph(self.dag, self.m, self.varying)
        self.names = _names(names, self.d)
        self.calls = 0

    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """d-separation of ``x`` and ``y`` given ``z`` (nodes are ``(variable, sample)``)."""
        xs, ys, zs = _check_query(x, y, z, self.d, self.m)
        self.calls += 1
        sep = bool(nx.is_d_separator(self.plate, {xs}, {ys}, set(zs)))
        return CITestResult("d_separation", float(sep), 1.0 if sep else 0.0, 0, None,
                            MappingProxyType({"d_separated": sep}))

    def __repr__(self) -> str:
        return f"PlateOracle(edges={sorted(self.dag.edges)}, d={self.d}, varying={self.varying})"


class GaussianOracle(Oracle):
    """Exact CI answers for the linear-Gaussian random-intercept model (population covariance).

    For ``X = W^T X + mu + eps`` with ``mu ~ N(0, diag(spread^2))`` shared by the samples of
    an environment and ``eps ~ N(0, noise^2 I)``, the covariance of two samples is
    ``[[B (S + N) B^T, B S B^T], [B S B^T, B (S + N) B^T]]`` with ``B = (I - W^T)^{-1}``.
    A query is answered from the exact partial correlation: ``p = 1`` when
    ``|r| <= tol``, else ``0``; ``metadata["partial_correlation"]`` holds ``r``.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of edges
        The DAG.
    spread : sequence of float
        Per-variable intercept standard deviations.
    weights : float or (d, d) array_like, default 1.0
        Edge weights (a scalar applies to every edge).
    noise : float, default 1.0
        Within-environment noise standard deviation.
    d : int, optional
        Number of variables for an edge list.
    tol : float, default 1e-10
        Zero threshold for the partial correlation.

    Examples
    --------
    >>> o = GaussianOracle([(0, 1)], spread=[1.0, 1.0])      # equal intra-class correlation
    >>> o.test((1, 0), (0, 1), [(1, 1)]).p_value              # the reverse CI holds exactly
    1.0
    >>> GaussianOracle([(0, 1)], spread=[1.0, 0.5]).test((1, 0), (0, 1), [(1, 1)]).p_value
    0.0
    """

    name = "gaussian_population"

    def __init__(self, dag: Any, spread: ArrayLike, weights: float | ArrayLike = 1.0,
                 noise: float = 1.0, d: int | None = None, tol: float = 1e-10,
                 names: Sequence[str] | None = None) -> None:
        g = as_dag(dag, d)
        self.d = g.number_of_nodes()
        s = as_float_array(spread, "spread", shape=(self.d,))
        if (s < 0).any():
            raise InvalidInputError(f"spread: must be >= 0; got {s.tolist()}")
        noise = check_real(noise, "noise")
        if noise <= 0:
            raise InvalidInputError(f"noise: must be > 0; got {noise}")
        tol = check_real(tol, "tol")
        if tol < 0:
            raise InvalidInputError(f"tol: must be >= 0; got {tol}")
        if np.ndim(weights) == 0:
            w0 = check_real(weights, "weights")
            w = np.zeros((self.d, self.d))
            for u, v in g.edges:
                w[u, v] = w0
        else:
            w = as_float_array(weights, "weights", shape=(self.d, self.d))
            for u, v in zip(*np.nonzero(w), strict=True):
                if not g.has_edge(int(u), int(v)):
                    raise InvalidInputError(
                        f"weights: entry ({u}, {v}) is non-zero but {u} -> {v} is not an edge")
        b = np.linalg.inv(np.eye(self.d) - w.T)
        between = b @ np.diag(s**2) @ b.T
        within = between + noise**2 * (b @ b.T)
        self.covariance = np.block([[within, between], [between, within]])
        self.tol = tol
        self.dag = g
        self.names = _names(names, self.d)
        self.calls = 0

    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """Exact partial-correlation answer to ``x _||_ y | z``."""
        xs, ys, zs = _check_query(x, y, z, self.d, 2)
        self.calls += 1
        cols = [v[1] * self.d + v[0] for v in (xs, ys, *zs)]
        prec = np.linalg.inv(self.covariance[np.ix_(cols, cols)])
        r = float(-prec[0, 1] / math.sqrt(prec[0, 0] * prec[1, 1]))
        indep = abs(r) <= self.tol
        return CITestResult(self.name, r, 1.0 if indep else 0.0, 0, None,
                            MappingProxyType({"partial_correlation": r}))


def d_separation(dag: Any, n_samples: int = 2, varying: Iterable[int] | None = None,
                 d: int | None = None, names: Sequence[str] | None = None) -> PlateOracle:
    """Build the d-separation :class:`PlateOracle` for a known DAG.

    Examples
    --------
    >>> o = d_separation([(0, 1)], d=2)
    >>> o.test((1, 0), (0, 1), [(1, 1)]).p_value   # Y1 _||_ X2 | Y2 fails under X -> Y
    0.0
    """
    return PlateOracle(dag, n_samples, varying, d, names)


def _check_query(x: Node, y: Node, z: Sequence[Node], d: int, m: int
                 ) -> tuple[Node, Node, tuple[Node, ...]]:
    def node(v: Any, what: str) -> Node:
        try:
            if len(v) != 2 or any(isinstance(c, (bool, np.bool_)) or not isinstance(c, (int, np.integer))
                                  for c in v):
                raise TypeError
            i, s = (int(v[0]), int(v[1]))
        except (TypeError, ValueError, IndexError):
            raise InvalidInputError(
                f"{what}: must be a (variable, sample) pair of integers; got {v!r}") from None
        if not (0 <= i < d and 0 <= s < m):
            raise InvalidInputError(f"{what}: (variable, sample) out of range for d={d}, m={m}; got {v!r}")
        return (i, s)

    xs, ys = node(x, "x"), node(y, "y")
    zs = tuple(node(v, "z") for v in z)
    if xs == ys or xs in zs or ys in zs:
        raise InvalidInputError(f"query: x, y and z must be disjoint; got x={xs}, y={ys}, z={zs}")
    return xs, ys, zs


# --------------------------------------------------------------------------- testers


class DataTester:
    """Query-level CI calls on exchangeable data, with a cache.

    Column ``(i, s)`` is variable ``i`` of sample ``s`` of the chosen pair of samples.
    For ``fisher_z`` the ``2d x 2d`` correlation matrix of the whole design is computed
    once and each query only inverts a small sub-matrix.

    Parameters
    ----------
    pair : numpy.ndarray
        ``(n_env, 2, d)`` two samples per environment.
    test : str
        A registered column test.
    seed : seed-like, optional
        Seeds randomised tests (one generator, consumed in query order).
    **options
        Passed to the test.
    """

    def __init__(self, pair: NDArray[np.float64], test: str, seed: SeedLike = None,
                 **options: Any) -> None:
        entry = CI_TESTS.entry(test)
        if entry.metadata.get("oracle"):
            raise InvalidInputError(
                "test: 'd_separation' is an oracle, not a data test; pass the oracle itself, "
                "e.g. discover(d_separation(dag))")
        self.name = test
        self.fn = entry.obj
        import inspect

        allowed = [p.name for p in inspect.signature(self.fn).parameters.values()
                   if p.kind is inspect.Parameter.KEYWORD_ONLY and p.name != "seed"]
        for key in options:
            if key not in allowed:
                raise InvalidInputError(
                    f"test_options: {test} has no option {key!r}; known: {allowed or 'none'}")
        self.options = options
        self.randomised = bool(entry.metadata.get("randomised"))
        self.rng = as_generator(seed) if self.randomised else None
        self.n, self.m, self.d = pair.shape
        self.design = np.ascontiguousarray(pair.reshape(self.n, 2 * self.d))
        self.cache: dict[tuple[Node, Node, frozenset[Node]], CITestResult] = {}
        self.corr: NDArray[np.float64] | None = None
        if test == "fisher_z":
            from solvers.citests import covariance

            cov = covariance(self.design)
            sd = np.sqrt(np.diag(cov))
            if (sd == 0).any():
                j = int(np.argmax(sd == 0))
                raise InvalidInputError(
                    f"data: variable {j % self.d} is constant in sample {j // self.d + 1}")
            self.corr = cov / np.outer(sd, sd)
        self.calls = 0

    def col(self, v: Node) -> int:
        """Design column of node ``v``."""
        return v[1] * self.d + v[0]

    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """Test ``x`` independent of ``y`` given ``z`` (cached; symmetric in x and y)."""
        xs, ys, zs = _check_query(x, y, z, self.d, 2)
        key = (min(xs, ys), max(xs, ys), frozenset(zs))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        cols = [self.col(key[0]), self.col(key[1]), *sorted(self.col(v) for v in zs)]
        if self.corr is not None:
            res = _fisher_from_corr(self.corr[np.ix_(cols, cols)], self.n, len(zs))
        else:
            zcols = self.design[:, cols[2:]]
            opts = dict(self.options)
            if self.randomised:
                opts["seed"] = self.rng
            res = self.fn(self.design[:, cols[0]], self.design[:, cols[1]], zcols, **opts)
        self.cache[key] = res
        return res


class AllPairsFisherZ:
    """Fisher-z partial correlations from *every* ordered pair of samples, jackknife-calibrated.

    With ``m > 2`` samples per environment the pair design ``(X_s, X_t)``, ``s != t``,
    can be averaged over all ``m (m - 1)`` ordered pairs (a U-statistic of its second
    moments): per environment ``A_e = (1/m) sum_s x_s x_s^T`` (the within-sample block)
    and ``B_e = (S S^T - sum_s x_s x_s^T) / (m (m - 1))`` with ``S = sum_s x_s`` (the
    cross-sample block).  Pairs of one environment are dependent, so ``n - |z| - 3`` is no
    longer the right variance: the statistic is ``atanh(r) / SE``, with ``SE`` the
    leave-one-environment-out jackknife standard error of ``atanh(r)`` (environments are
    i.i.d., so this is valid for any law with finite fourth moments), and the p-value is
    two-sided normal.  Column ``(i, s)`` with ``s`` in {0, 1} names variable ``i`` of the
    first / second member of a pair.

    Parameters
    ----------
    values : numpy.ndarray
        ``(n_env, m, d)`` data, ``m >= 2``.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(400, 5, 2)) + rng.normal(size=(400, 1, 2))
    >>> t = AllPairsFisherZ(x)
    >>> t.test((0, 0), (0, 1)).p_value < 1e-6      # X_s and X_t share the environment
    True
    """

    name = "fisher_z"

    def __init__(self, values: NDArray[np.float64]) -> None:
        x = np.asarray(values, dtype=np.float64)
        self.n, self.m, self.d = x.shape
        if self.n < 10:
            raise InvalidInputError(f"data: pair='all' needs at least 10 environments; got {self.n}")
        n, m, d = x.shape
        s = x.sum(axis=1)                                  # (n, d)
        sq = np.einsum("esi,esj->eij", x, x)               # (n, d, d)
        within = sq / m
        cross = (np.einsum("ei,ej->eij", s, s) - sq) / (m * (m - 1))
        mom = np.empty((n, 2 * d, 2 * d))
        mom[:, :d, :d] = within
        mom[:, d:, d:] = within
        mom[:, :d, d:] = cross
        mom[:, d:, :d] = cross
        mean = np.concatenate([s / m, s / m], axis=1)      # (n, 2d)
        self.moments = mom
        self.means = mean
        self.total_mom = mom.sum(axis=0)
        self.total_mean = mean.sum(axis=0)
        cov = self.total_mom / n - np.outer(self.total_mean / n, self.total_mean / n)
        sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
        if (sd <= 1e-300).any():
            j = int(np.argmax(sd <= 1e-300))
            raise InvalidInputError(f"data: variable {j % d} is constant")
        self.cov = cov
        self.cache: dict[tuple[Node, Node, frozenset[Node]], CITestResult] = {}
        self.calls = 0

    def _pcor(self, cov: NDArray[np.float64]) -> NDArray[np.float64]:
        prec = np.linalg.inv(cov)
        return -prec[..., 0, 1] / np.sqrt(prec[..., 0, 0] * prec[..., 1, 1])

    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """Jackknife-calibrated all-pairs partial-correlation test of ``x _||_ y | z``."""
        xs, ys, zs = _check_query(x, y, z, self.d, 2)
        key = (min(xs, ys), max(xs, ys), frozenset(zs))
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        self.calls += 1
        cols = [v[1] * self.d + v[0] for v in (key[0], key[1], *sorted(zs))]
        idx = np.ix_(cols, cols)
        sub = self.cov[idx]
        evals = np.linalg.eigvalsh(sub / np.sqrt(np.outer(np.diag(sub), np.diag(sub))))
        if evals[0] <= 1e-10 * max(1.0, float(evals[-1])):
            raise InvalidInputError(
                "data: the correlation matrix of (x, y, z) is singular: some variables are exactly "
                "collinear or deterministic functions of each other")
        n = self.n
        r = float(self._pcor(sub))
        loo_mom = (self.total_mom[idx][None] - self.moments[:, cols][:, :, cols]) / (n - 1)
        loo_mean = (self.total_mean[cols][None] - self.means[:, cols]) / (n - 1)
        loo_cov = loo_mom - loo_mean[:, :, None] * loo_mean[:, None, :]
        loo = np.arctanh(np.clip(self._pcor(loo_cov), -1 + 1e-15, 1 - 1e-15))
        se = math.sqrt((n - 1) / n * float(np.sum((loo - loo.mean()) ** 2)))
        r = max(-1.0 + 1e-16, min(1.0 - 1e-16, r))
        stat = math.atanh(r) / se if se > 0 else math.inf
        p = math.erfc(abs(stat) / math.sqrt(2.0)) if math.isfinite(stat) else 0.0
        res = CITestResult("fisher_z", stat, p, n, None, MappingProxyType({
            "partial_correlation": r, "conditioning_size": len(zs), "pairs": "all ordered pairs",
            "null": "normal, jackknife (environments) standard error", "jackknife_se": se}))
        self.cache[key] = res
        return res


def make_tester(data: Any, test: str | Oracle = "fisher_z", *, pair: str = "first",
                seed: SeedLike = None, **options: Any) -> DataTester | Oracle:
    """Turn ``data`` and a test into a query-level tester.

    Parameters
    ----------
    data : array_like, ExchangeableData or Oracle
        The data, or a population oracle (:class:`PlateOracle`, :class:`GaussianOracle`),
        which is then the test.
    test : str or Oracle, default "fisher_z"
        A registered test name, or an oracle (then ``data`` must be ``None``).
    pair : {"first", "random", "all"}, default "first"
        Which two samples of each environment to use; ``"all"`` (``fisher_z`` only) uses
        every ordered pair of samples through :class:`AllPairsFisherZ`.
    seed : seed-like, optional
        For ``pair="random"`` and randomised tests.
    **options
        Passed to the CI test.

    Returns
    -------
    DataTester, AllPairsFisherZ or Oracle

    Examples
    --------
    >>> import numpy as np
    >>> t = make_tester(np.random.default_rng(0).normal(size=(50, 2, 2)))
    >>> 0.0 <= t.test((0, 0), (1, 0)).p_value <= 1.0
    True
    """
    if isinstance(data, Oracle):
        return data
    if isinstance(test, Oracle):
        if data is not None:
            raise InvalidInputError("data: must be None when test is a d-separation oracle")
        return test
    if not isinstance(test, str):
        raise InvalidInputError(f"test: must be a registered test name or an oracle; got {test!r}")
    from mechkit.causal.data import as_exchangeable
    from mechkit.random import spawn

    ex = as_exchangeable(data)
    if pair == "all":
        if test != "fisher_z" or options:
            raise InvalidInputError(
                f"pair: 'all' (every ordered pair of samples) is implemented for test='fisher_z' "
                f"without options; got test={test!r}")
        return AllPairsFisherZ(ex.values)
    pair_rng, test_rng = spawn(seed, 2) if seed is not None else (None, None)
    arr = ex.pair(pair, seed=pair_rng)
    return DataTester(arr, test, seed=test_rng, **options)


CI_TESTS.register("fisher_z", fisher_z, data="continuous", cost="O(n k^2)", randomised=False)
CI_TESTS.register("g_test", g_test, data="discrete", cost="O(n + cells)", randomised=False)
CI_TESTS.register("kci", kci, data="continuous", cost="O(n^3)", randomised=False)
CI_TESTS.register("rcot", rcot, data="continuous", cost="O(n D^2)", randomised=True)
CI_TESTS.register("rcit", rcit, data="continuous", cost="O(n D^2)", randomised=True)
CI_TESTS.register("d_separation", d_separation, data="none (oracle)", cost="graph search",
                  randomised=False, oracle=True)
