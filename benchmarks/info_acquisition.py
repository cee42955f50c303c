"""Information-acquisition benchmarks (issue 5, design note section e).

Instances come from ``random_instance`` (informative efforts and small costs, so the
optimum buys effort; seed 0, three principal actions, M = 1).
"""

import time

import numpy as np

from mechkit.bench import BenchCase, BenchRow, benchmark

SIZES = ((3, 3, 3, 3), (4, 2, 3, 3), (3, 4, 4, 4))


def _reference_linprog(inst):
    """Same LP built with vectorised arrays into scipy sparse matrices, solved by linprog highs-ds."""
    from scipy.optimize import linprog
    from scipy.sparse import coo_array

    from solvers.scoring_lp import build_correlated_lp

    lp = build_correlated_lp(inst.q, inst.k, inst.m, inst.values(), inst.costs, inst.payment_cap)
    rows = np.repeat(np.arange(lp.num_row), np.diff(lp.indptr))
    A = coo_array((lp.data, (rows, lp.indices)), shape=(lp.num_row, lp.num_col)).tocsr()
    eq = lp.row_lower == lp.row_upper
    up = np.isfinite(lp.row_upper) & ~eq
    lo = np.isfinite(lp.row_lower) & ~eq
    from scipy.sparse import vstack

    A_ub = vstack([A[up], -A[lo]]).tocsr()
    b_ub = np.concatenate([lp.row_upper[up], -lp.row_lower[lo]])
    res = linprog(lp.c, A_ub=A_ub, b_ub=b_ub, A_eq=A[eq], b_eq=lp.row_upper[eq],
                  bounds=np.column_stack([lp.col_lower, lp.col_upper]), method="highs-ds")
    if res.status != 0:
        raise RuntimeError(f"reference linprog failed: {res.message}")
    return -res.fun


def _check_values(a, b):
    va = a if isinstance(a, float) else a.value
    vb = b if isinstance(b, float) else b.value
    if abs(va - vb) > 1e-7:
        raise AssertionError(f"values disagree: {va} vs {vb}")


@benchmark(name="info_acquisition.correlated_lp", domain="info_acquisition",
           description="optimal correlated mechanism (build + solve): mechkit highspy vs scipy linprog highs-ds")
def correlated_lp():
    from mechkit.info_acquisition import optimal_mechanism, random_instance

    cases = []
    for size in SIZES:
        inst = random_instance(*size, seed=0)
        res = optimal_mechanism(inst, method="lp")
        cases.append(BenchCase(
            size=f"(n,k,m,d)={size}, vars={res.stats['num_col']}, nnz={res.stats['nnz']}",
            baseline=lambda inst=inst: _reference_linprog(inst),
            candidate=lambda inst=inst: optimal_mechanism(inst, method="lp"),
            baseline_name="vectorised scipy.sparse + linprog(highs-ds)",
            target_ratio=1.0,
            check=_check_values,
            note=f"{size}: optimum support {len(res.support(1e-9))} profile(s), value {res.value:.6f}",
        ))
    return cases


@benchmark(name="info_acquisition.build_share", domain="info_acquisition",
           description="share of LP building in the total (build + solve) time; ratio = total / build")
def build_share():
    from mechkit.info_acquisition import optimal_mechanism, random_instance

    rows = []
    for size in SIZES:
        inst = random_instance(*size, seed=0)
        optimal_mechanism(inst, method="lp")
        totals, builds = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            res = optimal_mechanism(inst, method="lp")
            totals.append(time.perf_counter() - t0)
            builds.append(res.stats["build_seconds"])
        total, build = float(np.median(totals)), float(np.median(builds))
        ratio = total / build
        rows.append(BenchRow("info_acquisition.build_share", f"(n,k,m,d)={size}", "total build+solve",
                             total, build, ratio, 10.0, bool(ratio >= 10.0),
                             f"{size}: build is {100 * build / total:.1f}% of the total"))
    return rows


def _natural_cvxpy(inst):
    """The LP as a researcher would write it in cvxpy: named variables, one constraint per
    (agent, recommendation, deviation, signal, report), solved with HiGHS."""
    import cvxpy as cp

    from solvers.scoring_ic import index_tables

    n, K, S, d = inst.n, inst.num_profiles, inst.num_signal_profiles, inst.d
    Q = inst.q.reshape(K, S * d)
    bown, bswap, sown, sswap = index_tables(inst.k, inst.m)
    xi = cp.Variable(K, nonneg=True)
    ys = [cp.Variable((K, S * d), nonneg=True) for _ in range(n)]
    cons = [cp.sum(xi) == 1]
    for y in ys:
        cons.append(y <= inst.payment_cap * cp.reshape(xi, (K, 1), order="C") @ np.ones((1, S * d)))
    theta = np.arange(d)
    for i in range(n):
        ki, mi = inst.k[i], inst.m[i]
        for bi in range(ki):
            mine = np.flatnonzero(bown[i] == bi)
            honest = np.zeros((K, S * d))
            honest[mine] = Q[mine]
            for bj in range(ki):
                z = cp.Variable(mi)
                for si in range(mi):
                    for sp in range(mi):
                        C = np.zeros((K, S * d))
                        for b in mine:
                            for s in np.flatnonzero(sown[i] == si):
                                C[b, sswap[i, s, sp] * d + theta] += inst.q[bswap[i, b, bj], s]
                        cons.append(z[si] >= cp.sum(cp.multiply(C, ys[i])))
                cost_gap = inst.costs[i][bi] - inst.costs[i][bj]
                cons.append(cp.sum(cp.multiply(honest, ys[i])) - cost_gap * cp.sum(xi[mine]) >= cp.sum(z))
    objective = inst.values() @ xi - sum(cp.sum(cp.multiply(Q, y)) for y in ys)
    problem = cp.Problem(cp.Maximize(objective), cons)
    problem.solve(solver="HIGHS")
    return float(problem.value)


@benchmark(name="info_acquisition.vs_cvxpy", domain="info_acquisition",
           description="optimal correlated mechanism: mechkit vs the same LP written in cvxpy (HiGHS)")
def vs_cvxpy():
    from mechkit.info_acquisition import optimal_mechanism, random_instance, to_cvxpy

    cases = []
    for size in SIZES[:2]:
        inst = random_instance(*size, seed=0)
        cases.append(BenchCase(
            size=f"(n,k,m,d)={size}",
            baseline=lambda inst=inst: _natural_cvxpy(inst),
            candidate=lambda inst=inst: optimal_mechanism(inst, method="lp"),
            baseline_name="cvxpy, constraints written per (i,b_i,b_i',s_i,s_i') + HiGHS",
            target_ratio=5.0,
            check=_check_values,
        ))
        cases.append(BenchCase(
            size=f"(n,k,m,d)={size}",
            baseline=lambda inst=inst: to_cvxpy(inst).solve(),
            candidate=lambda inst=inst: optimal_mechanism(inst, method="lp"),
            baseline_name="cvxpy, mechkit's sparse matrix (to_cvxpy) + HiGHS",
            target_ratio=None,
            check=_check_values,
            note="strongest cvxpy form (the sparse matrix built by mechkit); reported, no target",
        ))
    return cases


@benchmark(name="info_acquisition.product_fast_path", domain="info_acquisition",
           description="conditionally independent signals: per-agent LPs vs the joint LP")
def product_fast_path():
    from mechkit.info_acquisition import optimal_mechanism, random_instance

    cases = []
    for size in SIZES:
        inst = random_instance(*size, seed=0, product=True)
        cases.append(BenchCase(
            size=f"(n,k,m,d)={size} product",
            baseline=lambda inst=inst: optimal_mechanism(inst, method="lp"),
            candidate=lambda inst=inst: optimal_mechanism(inst, method="fast"),
            baseline_name="joint LP (mechkit, dual simplex)",
            target_ratio=5.0,
            check=_check_values,
        ))
    return cases


@benchmark(name="info_acquisition.ic_check", domain="info_acquisition",
           description="brute-force IC check (every effort and reporting map): numba vs .py_func")
def ic_check():
    from mechkit.info_acquisition import evaluate_mechanism, optimal_mechanism, random_instance
    from mechkit.info_acquisition.evaluate import flat_mechanism
    from solvers.scoring_ic import ic_gains, index_tables

    inst = random_instance(3, 3, 3, 3, seed=0)
    res = optimal_mechanism(inst, method="lp")
    xi, gamma, _ = flat_mechanism(inst, res)
    costs = np.zeros((inst.n, max(inst.k)))
    for i, c in enumerate(inst.costs):
        costs[i, : c.shape[0]] = c
    args = (inst.q, gamma, xi, costs, np.asarray(inst.k, dtype=np.int64), np.asarray(inst.m, dtype=np.int64),
            *index_tables(inst.k, inst.m))
    evaluate_mechanism(inst, res)
    t0 = time.perf_counter()
    for _ in range(5):
        evaluate_mechanism(inst, res)
    per_call = (time.perf_counter() - t0) / 5

    def check(a, b):
        np.testing.assert_allclose(a[0], b[0], atol=1e-12)

    return BenchCase(
        size="(n,k,m,d)=(3,3,3,3)",
        baseline=lambda: ic_gains.py_func(*args),
        candidate=lambda: ic_gains(*args),
        baseline_name="pure Python .py_func",
        target_ratio=None,
        check=check,
        note=f"full evaluate_mechanism at (3,3,3,3): {1e3 * per_call:.2f} ms per call (target < 50 ms)",
    )
