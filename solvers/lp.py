"""A small facade over HiGHS (highspy) for sparse linear programs, with duality certificates.

Every LP is stated in one form,

    minimise  c @ x   subject to  row_lower <= A @ x <= row_upper,  col_lower <= x <= col_upper,

with ``A`` given as CSR arrays (``indptr``, ``indices``, ``data``) or any scipy sparse
matrix, and infinite bounds written as ``numpy.inf``.  :func:`solve_lp` passes the arrays
to HiGHS in one call (no Python loop over variables), solves with dual simplex by
default and returns an :class:`LPSolution` holding the HiGHS status, the primal point,
the row duals, the reduced costs, the objective and the iteration count.  It never
raises on a non-optimal status: callers (the mechkit layer) look at ``status`` and raise
``InfeasibleError``/``UnboundedError``/``SolverError``; ``x`` is ``None`` unless the
status is ``"optimal"``.  To maximise, negate ``c`` and the objective.

:func:`dual_bound` turns a solution's duals into the value of the Lagrangian dual and
reports how far they are from dual feasibility, so a caller can certify optimality
(``primal objective == dual objective`` with both feasible) independently of HiGHS.

Conventions of the duals (minimisation): ``c - A.T @ row_dual - col_dual = 0``; a row
dual is ``>= 0`` at a finite lower row bound and ``<= 0`` at a finite upper row bound
(free for equalities); likewise for the reduced costs and the column bounds.

Examples
--------
>>> import numpy as np
>>> from scipy.sparse import csr_array
>>> A = csr_array(np.array([[1.0, 1.0], [1.0, -1.0]]))
>>> sol = solve_lp([-1.0, -2.0], A, [-np.inf, -np.inf], [4.0, 1.0], [0.0, 0.0], [3.0, 3.0])
>>> sol.status, round(sol.objective, 9), sol.x.round(9).tolist()
('optimal', -7.0, [1.0, 3.0])
>>> bound, infeas = dual_bound([-1.0, -2.0], A, [-np.inf, -np.inf], [4.0, 1.0], [0.0, 0.0],
...                            [3.0, 3.0], sol.row_dual, sol.col_dual)
>>> round(bound, 9), infeas < 1e-12
(-7.0, True)
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "LPSolution",
    "RefinedBasis",
    "dual_bound",
    "new_highs",
    "primal_infeasibility",
    "refine_basis",
    "solve_lp",
    "to_csr_arrays",
]

_METHODS = {"dual_simplex": ("simplex", 1), "primal_simplex": ("simplex", 4), "ipm": ("ipm", None),
            "auto": ("choose", None)}


@dataclass(frozen=True)
class LPSolution:
    """The outcome of one HiGHS solve (minimisation form).

    Attributes
    ----------
    status : str
        ``"optimal"``, ``"infeasible"``, ``"unbounded"``, ``"unbounded_or_infeasible"`` or
        another lower-case HiGHS model status (``"time_limit"``, ``"iteration_limit"``...).
    x : numpy.ndarray or None
        Primal point (only when optimal).
    row_dual, col_dual : numpy.ndarray or None
        Row duals and reduced costs (only when optimal).
    objective : float
        ``c @ x`` (``nan`` unless optimal).
    iterations : int
        Simplex iterations (IPM iterations for ``method="ipm"``).
    seconds : float
        Wall time of ``run()`` (not of passing the model).
    info : dict
        Sizes (``num_col``, ``num_row``, ``nnz``) and the method; with ``refine=True`` also
        ``refinement``, the re-check report of :func:`refine_basis`.
    """

    status: str
    x: NDArray[np.float64] | None
    row_dual: NDArray[np.float64] | None
    col_dual: NDArray[np.float64] | None
    objective: float
    iterations: int
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"LPSolution(status={self.status!r}, objective={self.objective:.10g}, "
                f"iterations={self.iterations}, seconds={self.seconds:.3g})")


def to_csr_arrays(A: Any, num_col: int | None = None) -> tuple[
        NDArray[np.int32], NDArray[np.int32], NDArray[np.float64], tuple[int, int]]:
    """Return ``(indptr, indices, data, shape)`` of ``A`` in CSR form.

    ``A`` is a scipy sparse matrix/array, a dense 2-D array, or a tuple
    ``(indptr, indices, data)`` (then ``num_col`` is required).

    Examples
    --------
    >>> indptr, indices, data, shape = to_csr_arrays([[0.0, 2.0], [3.0, 0.0]])
    >>> indptr.tolist(), indices.tolist(), data.tolist(), shape
    ([0, 1, 2], [1, 0], [2.0, 3.0], (2, 2))
    """
    if isinstance(A, tuple):
        indptr, indices, data = A
        if num_col is None:
            raise ValueError("num_col is required when A is given as (indptr, indices, data)")
        indptr = np.ascontiguousarray(indptr, dtype=np.int32)
        return (indptr, np.ascontiguousarray(indices, dtype=np.int32),
                np.ascontiguousarray(data, dtype=np.float64), (len(indptr) - 1, int(num_col)))
    if hasattr(A, "tocsr"):
        csr = A.tocsr()
        return (np.ascontiguousarray(csr.indptr, dtype=np.int32),
                np.ascontiguousarray(csr.indices, dtype=np.int32),
                np.ascontiguousarray(csr.data, dtype=np.float64), tuple(csr.shape))
    dense = np.asarray(A, dtype=np.float64)
    rows, cols = np.nonzero(dense)
    indptr = np.zeros(dense.shape[0] + 1, dtype=np.int32)
    np.cumsum(np.bincount(rows, minlength=dense.shape[0]), out=indptr[1:])
    return indptr, cols.astype(np.int32), dense[rows, cols].astype(np.float64), dense.shape


def _status_name(model_status: Any) -> str:
    name = str(model_status).rsplit(".", 1)[-1]
    name = name[1:] if name.startswith("k") else name
    out = "".join("_" + ch.lower() if ch.isupper() else ch for ch in name).lstrip("_")
    return out


_BANNER_SILENCED = False


def new_highs(highspy: Any) -> Any:
    """Return a new ``Highs`` object without letting HiGHS print.

    The licence banner HiGHS prints to C stdout on the first construction in a process
    is sent to /dev/null (mechkit functions never print).  Callers that let another
    library build ``Highs`` objects (pulp's HiGHS interface) call this once first.

    Parameters
    ----------
    highspy : module
        The imported ``highspy`` module.

    Returns
    -------
    highspy.Highs

    Examples
    --------
    >>> import highspy
    >>> h = new_highs(highspy)
    >>> type(h).__name__
    'Highs'
    """
    global _BANNER_SILENCED
    if _BANNER_SILENCED:
        return highspy.Highs()
    import os
    import sys

    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (some embedded interpreters)
        _BANNER_SILENCED = True
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.close(devnull)
        h = highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
    _BANNER_SILENCED = True
    return h


def solve_lp(
    c: ArrayLike,
    A: Any,
    row_lower: ArrayLike,
    row_upper: ArrayLike,
    col_lower: ArrayLike,
    col_upper: ArrayLike,
    *,
    method: str = "dual_simplex",
    presolve: bool = True,
    time_limit: float | None = None,
    primal_feasibility_tolerance: float = 1e-9,
    dual_feasibility_tolerance: float = 1e-9,
    refine: bool = False,
) -> LPSolution:
    """Solve ``min c @ x`` s.t. ``row_lower <= A @ x <= row_upper``, ``col_lower <= x <= col_upper``.

    Parameters
    ----------
    c : array_like, shape (num_col,)
        Costs.
    A : scipy sparse matrix, dense array, or tuple ``(indptr, indices, data)``
        Constraint matrix (CSR is passed to HiGHS row-wise without copies of Python objects).
    row_lower, row_upper : array_like, shape (num_row,)
        Row bounds (``-inf``/``inf`` for none; equal for an equality).
    col_lower, col_upper : array_like, shape (num_col,)
        Column bounds.
    method : {"dual_simplex", "primal_simplex", "ipm", "auto"}, default "dual_simplex"
        HiGHS solver; dual simplex is the right choice for the degenerate LPs of mechanism
        design.  (HiGHS 1.16's primal simplex without presolve occasionally stops with status
        ``"unknown"`` on small feasible LPs; the status is passed on, never a point.)
    presolve : bool, default True
        Run the HiGHS presolve.
    time_limit : float, optional
        Seconds; on expiry ``status == "time_limit"``.
    primal_feasibility_tolerance, dual_feasibility_tolerance : float, default 1e-9
        HiGHS tolerances.
    refine : bool, default False
        Re-solve the final simplex basis in extended precision (:func:`refine_basis`): the
        returned ``x``, duals and objective are those of the optimal basis to about 1e-15
        instead of HiGHS's tolerance, and ``info["refinement"]`` holds the re-check (primal
        and dual infeasibility of the basic solution, computed in ``numpy.longdouble``).
        Simplex methods only.

    Returns
    -------
    LPSolution
        Status, solution and duals; ``x`` is ``None`` unless the status is ``"optimal"``.

    Examples
    --------
    >>> import numpy as np
    >>> sol = solve_lp([1.0], [[1.0]], [2.0], [np.inf], [0.0], [1.0])
    >>> sol.status, sol.x
    ('infeasible', None)
    """
    if method not in _METHODS:
        raise ValueError(f"method: must be one of {sorted(_METHODS)}; got {method!r}")
    import highspy

    cost = np.ascontiguousarray(c, dtype=np.float64)
    num_col = cost.shape[0]
    indptr, indices, data, shape = to_csr_arrays(A, num_col)
    num_row = shape[0]
    if shape[1] != num_col:
        raise ValueError(f"A has {shape[1]} columns but c has {num_col} entries")
    rl = np.ascontiguousarray(row_lower, dtype=np.float64)
    ru = np.ascontiguousarray(row_upper, dtype=np.float64)
    cl = np.ascontiguousarray(col_lower, dtype=np.float64)
    cu = np.ascontiguousarray(col_upper, dtype=np.float64)
    if rl.shape != (num_row,) or ru.shape != (num_row,):
        raise ValueError(f"row bounds must have shape ({num_row},)")
    if cl.shape != (num_col,) or cu.shape != (num_col,):
        raise ValueError(f"column bounds must have shape ({num_col},)")
    h = new_highs(highspy)
    h.setOptionValue("output_flag", False)
    solver, strategy = _METHODS[method]
    h.setOptionValue("solver", solver)
    if strategy is not None:
        h.setOptionValue("simplex_strategy", strategy)
    h.setOptionValue("presolve", "on" if presolve else "off")
    h.setOptionValue("primal_feasibility_tolerance", float(primal_feasibility_tolerance))
    h.setOptionValue("dual_feasibility_tolerance", float(dual_feasibility_tolerance))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    inf = highspy.kHighsInf
    rl_h, ru_h = np.where(np.isinf(rl), -inf, rl), np.where(np.isinf(ru), inf, ru)
    cl_h, cu_h = np.where(np.isinf(cl), -inf, cl), np.where(np.isinf(cu), inf, cu)
    nnz = int(indptr[-1]) if num_row else 0
    h.passModel(num_col, num_row, nnz, int(highspy.MatrixFormat.kRowwise),
                int(highspy.ObjSense.kMinimize), 0.0, cost, cl_h, cu_h, rl_h, ru_h,
                indptr[:-1] if num_row else np.zeros(0, np.int32), indices, data,
                np.zeros(num_col, dtype=np.int32))
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    status = _status_name(h.getModelStatus())
    info_h = h.getInfo()
    iterations = int(info_h.simplex_iteration_count if solver != "ipm" else info_h.ipm_iteration_count)
    info = {"num_col": num_col, "num_row": num_row, "nnz": nnz, "method": method}
    if status != "optimal":
        return LPSolution(status, None, None, None, float("nan"), iterations, seconds, info)
    sol = h.getSolution()
    x = np.asarray(sol.col_value, dtype=np.float64)
    if refine and solver != "ipm":
        ref = refine_basis(h, cost, (indptr, indices, data), rl, ru, cl, cu, x)
        info["refinement"] = ref.report
        return LPSolution(status, ref.x, ref.row_dual, ref.col_dual, ref.objective, iterations, seconds, info)
    return LPSolution(status, x, np.asarray(sol.row_dual, dtype=np.float64),
                      np.asarray(sol.col_dual, dtype=np.float64), float(np.sum(cost * x)), iterations,
                      seconds, info)


@dataclass(frozen=True)
class RefinedBasis:
    """The basic solution of a simplex basis, solved in extended precision.

    Attributes
    ----------
    x, row_dual, col_dual : numpy.ndarray
        Primal point, row duals and reduced costs of the basis (rounded to float64).
    objective : float
        ``c @ x`` accumulated in ``numpy.longdouble``.
    report : dict
        ``primal_infeasibility`` and ``dual_infeasibility`` of the basic solution (bound
        and sign violations, in extended precision), ``residual`` (largest ``|A x - r|``
        and ``|c_B - B^T y|`` after refinement), ``duality_gap`` (``|c x - dual value|``)
        and ``steps`` (refinement steps taken).
    """

    x: NDArray[np.float64]
    row_dual: NDArray[np.float64]
    col_dual: NDArray[np.float64]
    objective: float
    report: dict[str, float]


def refine_basis(
    h: Any,
    c: ArrayLike,
    A: Any,
    row_lower: ArrayLike,
    row_upper: ArrayLike,
    col_lower: ArrayLike,
    col_upper: ArrayLike,
    x: ArrayLike,
    *,
    max_steps: int = 4,
) -> RefinedBasis:
    """Iterative refinement of the final basis of a solved ``Highs`` object.

    HiGHS accepts a basis whose basic solution satisfies the bounds and the dual signs up
    to its tolerances (1e-9 by default); on near-degenerate LPs this error is amplified
    wherever a solution is divided by a small variable.  This function takes the basis
    (``getBasicVariables``), puts every nonbasic column and row activity exactly on its
    nearest bound, and solves ``B v = b`` and ``B^T y = c_B`` by iterative refinement:
    residuals are computed in ``numpy.longdouble`` (64-bit mantissa on x86) and corrected
    with HiGHS's own factorisation (``getBasisSolve`` / ``getBasisTransposeSolve``).  It
    then re-checks the basis in extended precision: the basic variables and row
    activities against their bounds (``primal_infeasibility``) and the reduced costs and
    row duals of the nonbasic ones against their signs (``dual_infeasibility``).  When both
    are 0 (to rounding) the basis is optimal for the LP as given in float64 and the
    returned point and objective are its exact optimum up to rounding; otherwise the
    report says by how much the basis misses.

    Parameters
    ----------
    h : highspy.Highs
        A ``Highs`` object after an optimal simplex solve (HiGHS convention: the basis
        matrix holds ``+e_i`` for a basic row, whose variable is ``-A_i x``).
    c, A, row_lower, row_upper, col_lower, col_upper : array_like
        The LP as passed to HiGHS (``A`` as for :func:`to_csr_arrays`).
    x : array_like
        HiGHS's primal solution (used to pick the bound of each nonbasic column).
    max_steps : int, default 4
        Refinement steps for each of the primal and dual systems.

    Returns
    -------
    RefinedBasis

    Examples
    --------
    >>> import numpy as np
    >>> sol = solve_lp([-1.0, -1.0], [[3.0, 1.0], [1.0, 3.0]], [-np.inf, -np.inf], [1.0, 1.0],
    ...                [0.0, 0.0], [np.inf, np.inf], refine=True)
    >>> sol.x.tolist(), sol.objective, sol.info["refinement"]["primal_infeasibility"]
    ([0.25, 0.25], -0.5, 0.0)
    """
    from scipy.sparse import csr_array

    ld = np.longdouble
    cost = np.asarray(c, dtype=np.float64)
    indptr, indices, data, shape = to_csr_arrays(A, cost.shape[0])
    num_row, num_col = shape
    rl, ru = np.asarray(row_lower, float), np.asarray(row_upper, float)
    cl, cu = np.asarray(col_lower, float), np.asarray(col_upper, float)
    A_ld = csr_array((data.astype(ld), indices, indptr), shape=shape)
    basic = np.asarray(h.getBasicVariables()[1], dtype=np.int64)
    bcol = basic[basic >= 0]
    brow = -basic[basic < 0] - 1
    is_bcol = np.zeros(num_col, dtype=bool)
    is_bcol[bcol] = True
    is_brow = np.zeros(num_row, dtype=bool)
    is_brow[brow] = True
    kcol = np.flatnonzero(basic >= 0)
    krow = np.flatnonzero(basic < 0)

    def nearest_bound(val: NDArray[np.float64], lo: NDArray[np.float64], hi: NDArray[np.float64]) -> NDArray[
            np.float64]:
        d_lo = np.where(np.isfinite(lo), np.abs(val - lo), np.inf)
        d_hi = np.where(np.isfinite(hi), np.abs(val - hi), np.inf)
        out = np.where(d_lo <= d_hi, lo, hi)
        return np.where(np.isfinite(out), out, 0.0)     # a free nonbasic variable sits at 0

    xv = np.asarray(x, dtype=np.float64)
    x_ld = xv.astype(ld)
    x_ld[~is_bcol] = nearest_bound(xv[~is_bcol], cl[~is_bcol], cu[~is_bcol])
    ax = A_ld @ x_ld
    r_ld = ax.copy()
    r_ld[~is_brow] = nearest_bound(np.asarray(ax[~is_brow], dtype=np.float64), rl[~is_brow], ru[~is_brow])
    steps = 0
    res_p = float(np.max(np.abs(ax - r_ld), initial=0.0))
    # below these the residuals are at the extended precision's rounding level
    stop_p = 1e-18 * max(1.0, float(np.max(np.abs(r_ld), initial=0.0)))
    stop_d = 1e-18 * max(1.0, float(np.max(np.abs(cost), initial=0.0)))
    for _ in range(max_steps):
        if res_p <= stop_p:
            break
        e = np.asarray(A_ld @ x_ld - r_ld, dtype=np.float64) / res_p     # HiGHS drops tiny entries:
        v = np.asarray(h.getBasisSolve(-e)[1], dtype=np.float64) * res_p  # solve at unit scale
        x_ld[bcol] += v[kcol].astype(ld)
        r_ld[brow] -= v[krow].astype(ld)        # the basic row variable is -r
        steps += 1
        res_p = float(np.max(np.abs(A_ld @ x_ld - r_ld), initial=0.0))
    y_ld = np.zeros(num_row, dtype=ld)
    c_ld = cost.astype(ld)
    res_d = np.inf
    for _ in range(max_steps + 1):
        g = np.zeros(basic.shape[0], dtype=ld)
        g[kcol] = c_ld[bcol] - (A_ld.T @ y_ld)[bcol]
        res_d = float(np.max(np.abs(g), initial=0.0))
        if res_d <= stop_d:
            break
        w = np.asarray(h.getBasisTransposeSolve(np.asarray(g / res_d, dtype=np.float64))[1],
                       dtype=np.float64) * res_d
        y_ld += w.astype(ld)
        y_ld[brow] = 0.0
        steps += 1
    d_ld = c_ld - A_ld.T @ y_ld
    d_ld[bcol] = 0.0
    # re-check in extended precision
    primal = max(float(np.max(cl - x_ld, initial=0.0)), float(np.max(x_ld - cu, initial=0.0)),
                 float(np.max(rl - r_ld, initial=0.0)), float(np.max(r_ld - ru, initial=0.0)))
    dual = 0.0
    for dv, val, lo, hi, basic_mask in ((d_ld, x_ld, cl, cu, is_bcol), (y_ld, r_ld, rl, ru, is_brow)):
        nb = ~basic_mask
        at_lo = nb & (val == lo) & (lo < hi)
        at_hi = nb & (val == hi) & (lo < hi)
        free = nb & ~(val == lo) & ~(val == hi)
        dual = max(dual, float(np.max(-dv[at_lo], initial=0.0)), float(np.max(dv[at_hi], initial=0.0)),
                   float(np.max(np.abs(dv[free]), initial=0.0)))
    objective = np.sum(c_ld * x_ld)
    bl = np.where(np.isfinite(r_ld), r_ld, 0.0)
    dual_value = np.sum(y_ld * bl) + np.sum(d_ld * np.where(is_bcol, 0.0, x_ld))
    report = {"primal_infeasibility": primal, "dual_infeasibility": dual,
              "primal_residual": res_p, "dual_residual": res_d,
              "duality_gap": float(abs(objective - dual_value)),
              "steps": steps}
    return RefinedBasis(np.asarray(x_ld, dtype=np.float64), np.asarray(y_ld, dtype=np.float64),
                        np.asarray(d_ld, dtype=np.float64), float(objective), report)


def dual_bound(
    c: ArrayLike,
    A: Any,
    row_lower: ArrayLike,
    row_upper: ArrayLike,
    col_lower: ArrayLike,
    col_upper: ArrayLike,
    row_dual: ArrayLike,
    col_dual: ArrayLike | None = None,
) -> tuple[float, float]:
    """Lagrangian dual value of the minimisation LP at the given duals, and their infeasibility.

    The reduced costs are recomputed as ``d = c - A.T @ row_dual`` (``col_dual`` is only
    used for its shape check), so stationarity holds by construction; the infeasibility
    is the largest amount by which a row dual or a reduced cost has the wrong sign for
    an infinite bound.  For feasible duals (``infeasibility == 0``) the returned value is
    a lower bound on the optimum (weak duality); at an optimal basis it equals it.

    Returns
    -------
    (float, float)
        ``(dual value, dual infeasibility)``.

    Examples
    --------
    >>> import numpy as np
    >>> dual_bound([1.0], [[1.0]], [2.0], [np.inf], [0.0], [np.inf], [1.0])
    (2.0, 0.0)
    """
    cost = np.asarray(c, dtype=np.float64)
    indptr, indices, data, shape = to_csr_arrays(A, cost.shape[0])
    y = np.asarray(row_dual, dtype=np.float64)
    if col_dual is not None and np.shape(col_dual) != cost.shape:
        raise ValueError("col_dual must have the shape of c")
    row_of = np.repeat(np.arange(shape[0]), np.diff(indptr))
    d = cost - np.bincount(indices, weights=data * y[row_of], minlength=shape[1])
    rl, ru = np.asarray(row_lower, float), np.asarray(row_upper, float)
    cl, cu = np.asarray(col_lower, float), np.asarray(col_upper, float)
    infeas = 0.0
    total = 0.0
    for dual, lo, hi in ((y, rl, ru), (d, cl, cu)):
        pos, neg = np.maximum(dual, 0.0), np.minimum(dual, 0.0)
        bad_pos = np.isinf(lo) & (pos > 0)
        bad_neg = np.isinf(hi) & (neg < 0)
        if bad_pos.any():
            infeas = max(infeas, float(pos[bad_pos].max()))
        if bad_neg.any():
            infeas = max(infeas, float(-neg[bad_neg].min()))
        # elementwise sums, not BLAS dot products (a threaded BLAS is slow on a loaded machine)
        total += float(np.sum(np.where(np.isinf(lo), 0.0, lo) * pos)
                       + np.sum(np.where(np.isinf(hi), 0.0, hi) * neg))
    return total, infeas


def primal_infeasibility(
    A: Any,
    x: ArrayLike,
    row_lower: ArrayLike,
    row_upper: ArrayLike,
    col_lower: ArrayLike,
    col_upper: ArrayLike,
) -> float:
    """Largest violation of a row or column bound by ``x`` (0 for a feasible point).

    Examples
    --------
    >>> import numpy as np
    >>> primal_infeasibility([[1.0, 1.0]], [0.5, 0.7], [-np.inf], [1.0], [0.0, 0.0], [1.0, 1.0])
    0.19999999999999996
    """
    xv = np.asarray(x, dtype=np.float64)
    indptr, indices, data, shape = to_csr_arrays(A, xv.shape[0])
    row_of = np.repeat(np.arange(shape[0]), np.diff(indptr))
    ax = np.bincount(row_of, weights=data * xv[indices], minlength=shape[0])
    return max(float(np.max(np.asarray(row_lower, float) - ax, initial=0.0)),
               float(np.max(ax - np.asarray(row_upper, float), initial=0.0)),
               float(np.max(np.asarray(col_lower, float) - xv, initial=0.0)),
               float(np.max(xv - np.asarray(col_upper, float), initial=0.0)))
