"""Facility-location benchmarks (design note §7): batched UP, axiom slacks, SP audit, exact ratio."""

from __future__ import annotations

import itertools
import time
from fractions import Fraction

import numpy as np

from mechkit.bench import BenchCase, BenchRow, benchmark

UP_SIZES = ((100_000, 11), (10_000, 101), (1_000, 1001))
AXIOM_SIZES = ((2_000, 11), (1_000, 101), (200, 1001))


def _profiles(B: int, n: int) -> np.ndarray:
    return np.random.default_rng(0).random((B, n))


def up_partition(X: np.ndarray) -> np.ndarray:
    """Vectorised numpy baseline: np.partition on [X | phantoms]."""
    B, n = X.shape
    Z = np.concatenate([X, np.broadcast_to(np.arange(n + 1) / n, (B, n + 1))], axis=1)
    return np.partition(Z, n, axis=1)[:, n]


def _equal(a, b) -> None:
    if not np.array_equal(a, b):
        raise AssertionError("uniform_phantom.batch disagrees with the np.partition baseline")


@benchmark(name="facility.up_batch", domain="facility",
           description="batched Uniform Phantom vs vectorised np.partition")
def bench_up_batch():
    from mechkit.facility import uniform_phantom
    from solvers.medians import NET_N, PAR_MIN_AGENTS, uniform_phantom_batch

    cases = []
    for B, n in UP_SIZES:
        X = _profiles(B, n)
        form = (f"sorting network on blocks of rows (n <= {NET_N})" if n <= NET_N
                else "O(n) counting form, exact check of rows near a bucket edge")
        threads = "numba's threads" if B * n >= PAR_MIN_AGENTS else "one core"
        cases.append(BenchCase(
            size=f"B={B}, n={n}", baseline=lambda X=X: up_partition(X),
            candidate=lambda X=X: uniform_phantom.batch(X),
            baseline_name="numpy np.partition on [X | phantoms]", target_ratio=5.0, check=_equal,
            note=f"uniform_phantom.batch on {threads}, {form}"
            + ("; the design note asks >= 10x at n = 11" if n == 11 else "")))
        # report only: the same kernel on one core (what uniform_phantom.batch ran before it
        # split large batches over numba's threads; on a loaded machine a parallel region
        # can wait for a descheduled thread, and this row shows the one-core speed)
        cases.append(BenchCase(
            size=f"B={B}, n={n}", baseline=lambda X=X: up_partition(X),
            candidate=lambda X=X: uniform_phantom_batch(X),
            baseline_name="numpy np.partition on [X | phantoms]", target_ratio=None, check=_equal,
            note="report only: uniform_phantom_batch (one core)"))
    return cases


def axioms_numpy_loop(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Straightforward per-profile numpy loop: IFS, UFS (np.unique) and PF (closed form)."""
    B, n = X.shape
    out = np.empty((B, 3))
    j = np.arange(n)
    for b in range(B):
        x, yb = X[b], y[b]
        out[b, 0] = (1 - 1 / n - np.abs(yb - x)).min()
        vals, counts = np.unique(x, return_counts=True)
        out[b, 1] = (1 - counts / n - np.abs(yb - vals)).min()
        xs = np.sort(x)
        out[b, 2] = min(1 - yb + (xs - (j + 1) / n).min(), yb + (j / n - xs).min())
    return out


@benchmark(name="facility.axioms_batch", domain="facility",
           description="batched IFS+UFS+PF slacks vs a per-profile numpy loop")
def bench_axioms_batch():
    from mechkit.facility import axiom_slacks, uniform_phantom
    from solvers.facility_axioms import BUCKET_MIN_N, axiom_slacks_batch, axiom_slacks_batch_sorted
    from solvers.medians import PAR_MIN_AGENTS

    cases = []
    for B, n in AXIOM_SIZES:
        X = _profiles(B, n)
        y = uniform_phantom.batch(X)

        def cand(X=X, y=y):
            s = axiom_slacks(X, y, ("IFS", "UFS", "PF"))
            return np.stack([s["IFS"], s["UFS"], s["PF"]], axis=1)

        def cand_sorted(X=X, y=y):
            return axiom_slacks_batch_sorted(X, y)[:, [0, 1, 3]]

        def cand_serial(X=X, y=y):
            return axiom_slacks_batch(X, y)[:, [0, 1, 3]]

        def check(a, b):
            np.testing.assert_allclose(a, b, atol=1e-12)

        def base(X=X, y=y):
            return axioms_numpy_loop(X, y)

        kernel = "sort-free kernel" if n >= BUCKET_MIN_N else "sorting kernel"
        threads = "numba's threads" if B * n >= PAR_MIN_AGENTS else "one core"
        cases.append(BenchCase(size=f"B={B}, n={n}", baseline=base, candidate=cand,
                               baseline_name="per-profile numpy loop", target_ratio=20.0, check=check,
                               note=f"axiom_slacks on {threads} (validation + {kernel})"))
        if n >= BUCKET_MIN_N:  # report only: the sorting kernel the sort-free one replaced here
            cases.append(BenchCase(size=f"B={B}, n={n}", baseline=base, candidate=cand_sorted,
                                   baseline_name="per-profile numpy loop", target_ratio=None,
                                   check=check, note="report only: axiom_slacks_batch_sorted (raw kernel)"))
        cases.append(BenchCase(size=f"B={B}, n={n}", baseline=base, candidate=cand_serial,
                               baseline_name="per-profile numpy loop", target_ratio=None, check=check,
                               note="report only: axiom_slacks_batch (raw kernel, one core)"))
    return cases


def _sp_audit_python(x: np.ndarray) -> float:
    """Python loop over agents and candidate deviations calling the numpy UP."""
    n = x.size
    ph = np.arange(n + 1) / n

    def up(v):
        return np.partition(np.concatenate([v, ph]), n)[n]

    y = up(x)
    base = np.unique(np.concatenate([[0.0, 1.0], x, ph]))
    cand = np.concatenate([base, (base[1:] + base[:-1]) / 2])
    best = -np.inf
    for i in range(n):
        for d in cand:
            z = x.copy()
            z[i] = d
            best = max(best, abs(y - x[i]) - abs(up(z) - x[i]))
    return best


@benchmark(name="facility.sp_audit", domain="facility",
           description="full candidate-set SP audit of UP, n = 51, 1000 profiles")
def bench_sp_audit():
    from mechkit.facility import audit_strategyproofness, uniform_phantom

    B, n, B_base = 1000, 51, 4
    X = _profiles(B, n)
    audit_strategyproofness(uniform_phantom, X[:2])  # warm-up (JIT)
    t0 = time.perf_counter()
    res = audit_strategyproofness(uniform_phantom, X)
    t_mech = (time.perf_counter() - t0) / B
    t0 = time.perf_counter()
    gains = [_sp_audit_python(X[b]) for b in range(B_base)]
    t_base = (time.perf_counter() - t0) / B_base
    if max(gains) > 1e-12 or res.max_gain > 1e-12:
        raise AssertionError("an SP mechanism was reported manipulable")
    ratio = t_base / t_mech
    return BenchRow("facility.sp_audit", f"B={B}, n={n} (per profile)",
                    f"Python loop over numpy UP ({B_base} profiles)", t_base, t_mech, ratio, 50.0,
                    bool(ratio >= 50.0), f"{res.evaluations // B} deviations per profile")


def _ratio_pure_fraction(n: int) -> Fraction:
    best = Fraction(0)
    C = [Fraction(k, n) for k in range(n + 1)]
    for prof in itertools.combinations_with_replacement(C, n):
        y = sorted([*prof, *C])[n]
        med = prof[(n - 1) // 2]
        tc = sum(abs(v - y) for v in prof)
        opt = sum(abs(v - med) for v in prof)
        best = max(best, (n - opt) / (n - tc))
    return best


@benchmark(name="facility.exact_ratio", domain="facility",
           description="exact UP welfare ratio: n = 7 side by side, n = 10 against the 2 s target")
def bench_exact_ratio():
    import math

    from mechkit.facility import approximation_ratio, uniform_phantom

    approximation_ratio(uniform_phantom, 3)  # warm-up (JIT)
    rows = []
    t0 = time.perf_counter()
    r7 = approximation_ratio(uniform_phantom, 7, "welfare")
    t_mech7 = time.perf_counter() - t0
    t0 = time.perf_counter()
    ref7 = _ratio_pure_fraction(7)
    t_base7 = time.perf_counter() - t0
    if ref7 != r7.ratio:
        raise AssertionError(f"exact ratio {r7.ratio} != pure-Fraction {ref7}")
    rows.append(BenchRow("facility.exact_ratio", f"n=7, {math.comb(14, 7)} profiles",
                         "pure-Fraction enumeration", t_base7, t_mech7, t_base7 / t_mech7, None,
                         None, f"ratio {r7.ratio}"))
    t0 = time.perf_counter()
    r10 = approximation_ratio(uniform_phantom, 10, "welfare")
    t_mech10 = time.perf_counter() - t0
    est = t_base7 / math.comb(14, 7) * math.comb(20, 10)
    rows.append(BenchRow("facility.exact_ratio", f"n=10, {math.comb(20, 10)} profiles",
                         "pure-Fraction, estimated from n=7 per profile", est, t_mech10,
                         est / t_mech10, None, bool(t_mech10 < 2.0),
                         f"ratio {r10.ratio}; target: mechkit < 2 s (met = {t_mech10 < 2.0})"))
    return rows
