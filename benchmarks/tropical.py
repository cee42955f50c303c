"""Side-by-side benchmarks of the tropical domain (issue 9).

* ``tropical.pool_forward``: poset pooling forward on float32 (64, 32, 32, 32) for the
  antichain (1), N (12) and chain (13) against the numpy "windows @ vertices^T then max"
  baseline (target >= 40x), and against a numba max-pool kernel with the same layout
  (target: within 4x, i.e. ratio >= 0.25).
* ``tropical.pool_backward``: backward vs the forward pass that records the arg-max
  (target: backward <= 2x forward, i.e. ratio >= 0.5).
* ``tropical.linext``: the numba down-set DP (``method="dp"``, and the default
  ``"auto"``, which splits off disjoint and ordinal sums first) vs a pure-Python dict DP
  on random posets with n = 16, 20, 24 (target >= 30x).
* ``tropical.linext_passagemath``: ``linear_extensions_count`` against passagemath's
  ``Poset.linear_extensions().cardinality()`` on the n = 16 poset (target: within 3x,
  i.e. ratio >= 1/3); only where ``passagemath-combinat`` is importable (it is not a
  mechkit dependency), otherwise the benchmark has no rows.
* ``tropical.tropicalize``: a (2, 8, 8, 1) integer network to F - G with pruning, against
  the issue's 1 s budget (ratio = 1 s / time, target >= 1).
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from mechkit.bench import BenchCase, BenchRow, benchmark
from mechkit.tropical import Poset, linear_extensions_count, network_to_tropical, poset_filter, poset_pool
from solvers._jit import njit

SHAPE = (64, 32, 32, 32)


def _input() -> np.ndarray:
    return np.random.default_rng(0).standard_normal(SHAPE).astype(np.float32)


def _numpy_poset_pool(x: np.ndarray, V: np.ndarray) -> np.ndarray:
    B, C, H, W = x.shape
    blocks = x.reshape(B, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(-1, 4)
    return (blocks @ V.T).max(axis=1).reshape(B, C, H // 2, W // 2)


def _maxpool_body(x):
    B, C, H, W = x.shape
    out = np.empty((B, C, H // 2, W // 2), dtype=x.dtype)
    for b in range(B):
        for c in range(C):
            for i in range(H // 2):
                for j in range(W // 2):
                    out[b, c, i, j] = max(max(x[b, c, 2 * i, 2 * j], x[b, c, 2 * i, 2 * j + 1]),
                                          max(x[b, c, 2 * i + 1, 2 * j], x[b, c, 2 * i + 1, 2 * j + 1]))
    return out


_maxpool = njit(_maxpool_body)


def _close(a, b):
    if not np.allclose(a, b, atol=1e-4):
        raise AssertionError("poset pooling disagrees with the numpy baseline")


@benchmark(name="tropical.pool_forward", domain="tropical",
           description="poset pooling forward vs numpy matmul-max and vs numba max-pool")
def pool_forward():
    x = _input()
    cases = []
    for idx, label in ((1, "antichain"), (12, "N"), (13, "chain")):
        V = poset_filter(idx).vertex_matrix().astype(np.float32)
        cases.append(BenchCase(
            size=f"float32 {SHAPE}, {label}", baseline=lambda V=V: _numpy_poset_pool(x, V),
            candidate=lambda idx=idx: poset_pool(x, idx), baseline_name="numpy windows @ V.T, max",
            target_ratio=40.0, check=_close))
        cases.append(BenchCase(
            size=f"float32 {SHAPE}, {label}", baseline=lambda: _maxpool(x),
            candidate=lambda idx=idx: poset_pool(x, idx), baseline_name="numba max-pool kernel",
            target_ratio=0.25, note="ratio >= 0.25 means within 4x of max pooling"))
    return cases


@benchmark(name="tropical.pool_backward", domain="tropical",
           description="poset pooling backward vs its forward (with arg-max)")
def pool_backward():
    from mechkit.tropical import poset_pool_backward

    x = _input()
    cases = []
    for idx, label in ((1, "antichain"), (12, "N"), (13, "chain")):
        out, arg = poset_pool(x, idx, return_argmax=True)
        g = np.ones_like(out)
        cases.append(BenchCase(
            size=f"float32 {SHAPE}, {label}",
            baseline=lambda idx=idx: poset_pool(x, idx, return_argmax=True),
            candidate=lambda arg=arg, g=g: poset_pool_backward(g, arg, x.shape),
            baseline_name="forward with arg-max", target_ratio=0.5,
            note="ratio >= 0.5 means backward <= 2x forward"))
    return cases


def _random_poset(n: int, density: float, seed: int) -> Poset:
    rng = np.random.default_rng(seed)
    return Poset(n, [(i, j) for i in range(n) for j in range(i + 1, n) if rng.random() < density])


def _python_dp(p: Poset) -> int:
    n = p.n
    above, below = p.above, p.below
    downs = {0}
    frontier = [0]
    while frontier:
        nxt = []
        for d in frontier:
            for x in range(n):
                if not d >> x & 1 and (below[x] & ~d) == 0:
                    s = d | (1 << x)
                    if s not in downs:
                        downs.add(s)
                        nxt.append(s)
        frontier = nxt
    e = {0: 1}
    for s in sorted(downs):
        if s:
            e[s] = sum(e[s & ~(1 << x)] for x in range(n) if s >> x & 1 and not (above[x] & s))
    return e[(1 << n) - 1]


@benchmark(name="tropical.linext", domain="tropical",
           description="numba bitmask DP vs pure-Python DP over down-sets")
def linext():
    cases = []
    for n, density in ((16, 0.15), (20, 0.15), (24, 0.15)):
        p = _random_poset(n, density, seed=n)

        def check(a, b):
            if a != b:
                raise AssertionError(f"e(P) differs: {a} vs {b}")

        cases.append(BenchCase(
            size=f"n={n}, density={density}, {p.num_upsets()} down-sets",
            baseline=lambda p=p: _python_dp(p),
            candidate=lambda p=p: linear_extensions_count(p, method="dp"),
            baseline_name="pure-Python down-set DP", target_ratio=30.0, check=check,
            note="method='dp': the DP on the whole poset"))
        cases.append(BenchCase(
            size=f"n={n}, density={density}, {p.num_upsets()} down-sets",
            baseline=lambda p=p: _python_dp(p),
            candidate=lambda p=p: linear_extensions_count(p),
            baseline_name="pure-Python down-set DP", target_ratio=30.0, check=check,
            note="method='auto' (the default): disjoint/ordinal sums split off first"))
    return cases


def _passagemath_poset(p: Poset):
    try:
        import sage.all__sagemath_combinat  # noqa: F401  (initialises the Sage library)
        from sage.combinat.posets.posets import Poset as SagePoset
    except ImportError:
        return None
    return SagePoset((list(range(p.n)), [list(r) for r in p.covers]))


@benchmark(name="tropical.linext_passagemath", domain="tropical",
           description="linear_extensions_count vs passagemath linear_extensions().cardinality() "
                       "(runs only where passagemath-combinat is importable; not a mechkit dependency)")
def linext_passagemath():
    cases = []
    # n = 16 only: passagemath takes seconds per call here, n = 20, 24 minutes
    p = _random_poset(16, 0.15, seed=16)
    sp = _passagemath_poset(p)
    if sp is None:
        return cases

    def check(a, b):
        if int(a) != b:
            raise AssertionError(f"e(P) differs: {a} vs {b}")

    cases.append(BenchCase(
        size=f"n=16, density=0.15, {p.num_upsets()} down-sets",
        baseline=lambda: sp.linear_extensions().cardinality(),
        candidate=lambda: linear_extensions_count(p),
        baseline_name="passagemath linear_extensions().cardinality()", target_ratio=1 / 3,
        check=check, note="ratio >= 1/3 means within 3x of passagemath"))
    return cases


@benchmark(name="tropical.tropicalize", domain="tropical",
           description="(2, 8, 8, 1) integer network to F - G with pruning, vs the 1 s budget")
def tropicalize():
    rng = np.random.default_rng(0)
    Ws = [rng.integers(-2, 3, (8, 2)), rng.integers(-2, 3, (8, 8)), rng.integers(-2, 3, (1, 8))]
    bs = [rng.integers(-3, 4, 8).astype(float), rng.integers(-3, 4, 8).astype(float), [0.0]]
    network_to_tropical(Ws, bs)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        (f,) = network_to_tropical(Ws, bs)
        times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    terms = f.F.num_terms + f.G.num_terms
    assert f.F.prune().num_terms == f.F.num_terms and f.G.prune().num_terms == f.G.num_terms
    return BenchRow("tropical.tropicalize", "widths (2, 8, 8, 1), weights in [-2, 2]", "1 s budget",
                    1.0, med, 1.0 / med, 1.0, bool(med <= 1.0),
                    f"{terms} terms in F and G, all upper-hull vertices")
