"""The fast batch kernels: sorting-network and counting forms of UP, serial and parallel, and
the batched axiom slacks.  Every kernel is checked against an independent oracle (the
median of the reports and the float phantoms ``k / n``; brute-force axiom slacks) and
against its plain-Python body, on inputs full of ties, reports on or one ulp beside a
phantom, 0 and 1."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numba
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvers.facility_axioms as A
import solvers.medians as K
from tests.facility.oracles import ifs_slack_brute, pf_slack_subsets, ufs_slack_brute


def _up_oracle(X: np.ndarray) -> np.ndarray:
    """The (n+1)-th smallest of each row together with the float phantoms k/n (Python floats)."""
    n = X.shape[1]
    ph = [k / n for k in range(n + 1)]
    return np.array([sorted([float(v) for v in row] + ph)[n] for row in X])


def _edge_value(n: int, pool: list[float]) -> st.SearchStrategy[float]:
    return st.one_of(
        st.floats(0.0, 1.0, allow_nan=False),
        st.integers(0, n).map(lambda k: k / n),  # exactly on a phantom
        st.integers(1, n).map(lambda k: float(np.nextafter(k / n, 0.0))),  # one ulp below
        st.integers(0, n - 1).map(lambda k: float(np.nextafter(k / n, 1.0))),  # one ulp above
        st.sampled_from([0.0, -0.0, 1.0]),
        st.sampled_from(pool),  # duplicates
    )


@st.composite
def edge_batches(draw: st.DrawFn, min_n: int, max_n: int, max_B: int = 4) -> np.ndarray:
    n = draw(st.integers(min_n, max_n))
    B = draw(st.integers(1, max_B))
    pool = draw(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=4))
    rows = draw(st.lists(st.lists(_edge_value(n, pool), min_size=n, max_size=n),
                         min_size=B, max_size=B))
    return np.ascontiguousarray(rows, dtype=np.float64)


def _edge_matrix(B: int, n: int, seed: int) -> np.ndarray:
    """A large batch mixing uniform reports, phantoms, ulp neighbours, 0, 1 and ties."""
    rng = np.random.default_rng(seed)
    X = rng.random((B, n))
    k = rng.integers(0, n + 1, size=(B, n))
    ph = k / n
    kind = rng.integers(0, 6, size=(B, n))
    X = np.where(kind == 1, ph, X)
    X = np.where(kind == 2, np.nextafter(ph, 0.0), X)
    X = np.where(kind == 3, np.minimum(np.nextafter(ph, 1.0), 1.0), X)
    X = np.where(kind == 4, np.round(X * 3) / 3, X)
    return np.ascontiguousarray(np.clip(X, 0.0, 1.0))


# -- the sorting network ---------------------------------------------------------------------
@pytest.mark.parametrize("n", range(1, 13))
def test_batcher_network_sorts_every_01_input(n):
    for net in (K._batcher_network_jit, K._batcher_network):
        ci, cj = net(n)
        assert np.all(ci < cj) and np.all(cj < n)
        for bits in itertools.product((0, 1), repeat=n):  # 0-1 principle
            a = list(bits)
            for i, j in zip(ci, cj, strict=True):
                if a[i] > a[j]:
                    a[i], a[j] = a[j], a[i]
            assert a == sorted(a)


@given(st.integers(1, K.NET_N + 8), st.integers(0, 2**32 - 1))
def test_batcher_network_sorts_random_rows(n, seed):
    ci, cj = K._batcher_network_jit(n)
    ci2, cj2 = K._batcher_network(n)
    assert np.array_equal(ci, ci2) and np.array_equal(cj, cj2)
    a = np.random.default_rng(seed).integers(0, 4, size=n).astype(float)  # many ties
    want = np.sort(a)
    for i, j in zip(ci, cj, strict=True):
        if a[i] > a[j]:
            a[i], a[j] = a[j], a[i]
    assert np.array_equal(a, want)


# -- Uniform Phantom: every kernel == the oracle ---------------------------------------------
@settings(max_examples=40)
@given(st.one_of(edge_batches(1, K.NET_N), edge_batches(K.NET_N + 1, K.NET_N + 24)))
def test_up_kernels_equal_oracle_on_edge_inputs(X):
    want = _up_oracle(X)
    for kern in (K.uniform_phantom_batch, K.uniform_phantom_batch.py_func,
                 K.uniform_phantom_batch_parallel, K.uniform_phantom_batch_parallel.py_func):
        assert np.array_equal(kern(X), want), kern


@settings(max_examples=25)
@given(st.one_of(edge_batches(1, 12, max_B=3), edge_batches(K.NET_N + 1, K.NET_N + 12, max_B=3)))
def test_up_row_routines_equal_their_python_bodies(X):
    B, n = X.shape
    want = _up_oracle(X)
    p, ci, cj = K._up_setup_jit(n)
    if n <= K.NET_N:
        for rows in (K._up_network_rows_jit, K._up_network_rows):
            out = np.full(B, -1.0)
            rows(X, 0, B, out, ci, cj, np.empty((n, K.LANES)))
            assert np.array_equal(out, want)
    else:
        for rows in (K._up_bucket_rows_jit, K._up_bucket_rows):
            out = np.full(B, -1.0)
            rows(X, 0, B, out, p, np.zeros((2, n + 1), dtype=np.int32), np.empty(n, dtype=np.int64),
                 np.empty(n))
            assert np.array_equal(out, want)
    for b in range(B):  # the exact fallback of the counting form
        assert K._up_exact_row_jit(X, b, p) == K._up_exact_row(X, b, p) == want[b]


@pytest.mark.parametrize("n", [33, 50, 101, 1001])
def test_up_counting_form_with_reports_beside_every_phantom(n):
    # each row: the n - 1 interior phantoms nudged one ulp down or up, plus one free report;
    # the bucketing by int(n x) is then wrong for many reports and the verification decides
    rng = np.random.default_rng(n)
    k = np.arange(1, n)
    rows = []
    for _ in range(12):
        side = rng.integers(0, 3, size=n - 1)
        r = np.where(side == 0, np.nextafter(k / n, 0.0), np.where(side == 1, k / n, np.nextafter(k / n, 1.0)))
        rows.append(rng.permutation(np.append(r, rng.random())))
    X = np.ascontiguousarray(rows)
    want = _up_oracle(X)
    assert np.array_equal(K.uniform_phantom_batch(X), want)
    assert np.array_equal(K.uniform_phantom_batch_parallel(X), want)


@settings(max_examples=30)
@given(st.sampled_from([33, 57, 101, 1001]), st.integers(0, 2**32 - 1),
       st.lists(st.floats(0.25, 8.0), min_size=1, max_size=6))
def test_up_counting_form_unverified_rows_near_the_band(n, seed, scales):
    # reports whose scaled value n x sits a few multiples of eps = n 2^-50 beside an integer:
    # rows with every report outside the band skip the verification (the proof in
    # _up_bucket_rows), rows with one inside are verified; both must equal the oracle
    rng = np.random.default_rng(seed)
    eps = n * 2.0 ** -50
    k = rng.integers(1, n, size=(8, n)).astype(float)
    c = rng.choice(np.asarray(scales), size=(8, n)) * rng.choice([-1.0, 1.0], size=(8, n))
    X = np.ascontiguousarray(np.clip((k + c * eps) / n, 0.0, 1.0))
    X[:2] = rng.random((2, n))  # plain rows in the same batch
    want = _up_oracle(X)
    assert np.array_equal(K.uniform_phantom_batch(X), want)
    assert np.array_equal(K.uniform_phantom_batch.py_func(X), want)


def _misbucketed_reports(n: int) -> np.ndarray:
    """Reports x one or two ulps beside a phantom with int(n x) != #{phantoms <= x} - 1."""
    p = np.arange(n + 1) / n
    xs = []
    for toward in (-1.0, 2.0):
        v = p.copy()
        for _ in range(2):
            v = np.nextafter(v, toward)
            ok = (v >= 0.0) & (v <= 1.0)
            bucket = (v[ok] * n).astype(np.int64)
            exact = np.searchsorted(p, v[ok], side="right") - 1
            xs.extend(v[ok][bucket != exact].tolist())
    return np.asarray(xs)


@pytest.mark.parametrize("n", [37, 48, 101, 300])
def test_up_counting_form_misbucketed_report_at_the_median(n):
    # one report that int(n x) puts in the wrong bucket, the others interior to buckets 0 and
    # n - 1 (never near a bucket edge), in every split: some split puts the median exactly
    # on the swapped pair, and only the verification of near rows gets it right
    bad = _misbucketed_reports(n)
    assert bad.size > 0
    rows = []
    for v in bad[:: max(1, bad.size // 6)]:
        for a in range(n):
            rows.append([v] + [0.5 / n] * a + [1.0 - 0.5 / n] * (n - 1 - a))
    X = np.ascontiguousarray(rows)
    want = _up_oracle(X)
    assert np.array_equal(K.uniform_phantom_batch(X), want)
    assert np.array_equal(K.uniform_phantom_batch_parallel(X), want)


@pytest.mark.parametrize("n", [40, 101])
def test_up_counting_form_large_bucket(n):
    # most reports inside one bucket (the np.sort branch) and all-equal rows
    rng = np.random.default_rng(7)
    X = 0.5 + 0.4 / n * rng.random((30, n))
    X[:5] = 0.25
    X[5:10, : n // 2] = 0.5
    X = np.ascontiguousarray(X)
    want = _up_oracle(X)
    assert np.array_equal(K.uniform_phantom_batch(X), want)
    assert np.array_equal(K.uniform_phantom_batch.py_func(X), want)


@pytest.mark.parametrize("n", [40, 101])
def test_up_counting_form_signed_zeros(n):
    # the bucket's extremes are found on the bit patterns, where -0.0 (bits 1 << 63) sorts
    # first; it must come out as the value 0 (rows with a report at 0 sit on a bucket edge,
    # so the exact check also runs on them)
    rng = np.random.default_rng(n)
    X = rng.random((6, n))
    X[0] = -0.0                                   # every report -0.0
    X[1, : n // 2] = -0.0                         # -0.0 and 0.0 mixed in bucket 0
    X[1, n // 2:] = 0.0
    X[2, : 3 * n // 4] = -0.0                     # the median in bucket 0, j inside it
    X[3, ::2] = -0.0
    X[4, : n // 2 + 1] = 0.0
    X[4, n // 2 + 1:] = -0.0
    X = np.ascontiguousarray(X)
    want = _up_oracle(X)
    for kernel in (K.uniform_phantom_batch, K.uniform_phantom_batch.py_func,
                   K.uniform_phantom_batch_parallel):
        got = kernel(X)
        assert not np.isnan(got).any()
        assert np.array_equal(got, want)


@pytest.mark.parametrize(("B", "n"), [(6000, 11), (1200, 57), (70, 1001)])
def test_up_parallel_equals_serial_for_any_thread_count(B, n):
    X = _edge_matrix(B, n, seed=n)
    assert B * n >= 32768  # several prange chunks
    want = _up_oracle(X)
    serial = K.uniform_phantom_batch(X)
    assert np.array_equal(serial, want)
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            assert np.array_equal(K.uniform_phantom_batch_parallel(X), serial)
    finally:
        numba.set_num_threads(before)


@pytest.mark.parametrize("n", [1, 5, K.NET_N, K.NET_N + 1, 200])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, -0.25, 1.5])
def test_up_fused_check_on_every_path(n, bad):
    B = max(3, 40000 // n)  # large enough for several prange chunks
    X = _edge_matrix(B, n, seed=1)
    Y = X.copy()
    Y[1, n // 2] = bad
    Y[B - 1, 0] = bad
    want = _up_oracle(X)
    for kern in (K.uniform_phantom_batch, K.uniform_phantom_batch_parallel):
        got = kern(Y)
        assert np.isnan(got[1]) and np.isnan(got[B - 1])
        keep = np.ones(B, dtype=bool)
        keep[[1, B - 1]] = False
        assert np.array_equal(got[keep], want[keep])


# -- axiom slacks -----------------------------------------------------------------------------
def _pair_scan_slacks(x: np.ndarray, y: float) -> tuple[float, float, float]:
    """IFS, UFS and PF by definition-level scans (PF over pairs of distinct locations)."""
    n = x.size
    ifs = min(1 - 1 / n - abs(y - v) for v in x)
    vals = sorted(set(x.tolist()))
    ufs = min(1 - sum(1 for u in x if u == v) / n - abs(y - v) for v in vals)
    pf = np.inf
    for i, a in enumerate(vals):
        for b in vals[i:]:
            k = sum(1 for u in x if a <= u <= b)
            pf = min(pf, 1 - k / n + (b - a) - max(abs(y - a), abs(y - b)))
    return ifs, ufs, pf


@settings(max_examples=30)
@given(st.one_of(edge_batches(1, 7, max_B=3), edge_batches(8, 40, max_B=2)), st.data())
def test_axiom_kernels_agree_and_match_brute_force(X, data):
    B, n = X.shape
    y = np.array([data.draw(st.one_of(st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0, 0.5])))
                  for _ in range(B)])
    got = A.axiom_slacks_batch(X, y)
    for kern in (A.axiom_slacks_batch.py_func, A.axiom_slacks_batch_parallel,
                 A.axiom_slacks_batch_parallel.py_func, A.axiom_slacks_batch_rowwise):
        assert np.array_equal(kern(X, y), got, equal_nan=True), kern
    for b in range(B):
        x = X[b]
        if n <= 7:  # exact, by definition (all subsets for PF)
            xf = [Fraction(float(v)) for v in x]
            yf = Fraction(float(y[b]))
            want = (ifs_slack_brute(xf, yf), ufs_slack_brute(xf, yf), pf_slack_subsets(xf, yf))
        else:
            want = _pair_scan_slacks(x, float(y[b]))
        for col, w in zip((0, 1, 3), want, strict=True):
            assert got[b, col] == pytest.approx(float(w), abs=1e-12)
        binary = bool(np.all((x == 0.0) | (x == 1.0)))
        assert np.isnan(got[b, 2]) != binary
        if binary:
            assert got[b, 2] == pytest.approx(-abs(y[b] - np.count_nonzero(x == 1.0) / n), abs=1e-15)
        assert np.isnan(got[b, 4]) == (x.min() != x.max())


@pytest.mark.parametrize(("B", "n"), [(6000, 11), (700, 101), (70, 1001)])
def test_axiom_parallel_equals_serial_for_any_thread_count(B, n):
    X = _edge_matrix(B, n, seed=n)
    assert B * n >= 32768  # several prange chunks
    y = K.uniform_phantom_batch(X)
    serial = A.axiom_slacks_batch(X, y)
    assert np.array_equal(serial, A.axiom_slacks_batch_rowwise(X, y), equal_nan=True)
    before = numba.get_num_threads()
    try:
        for threads in sorted({1, before}):
            numba.set_num_threads(threads)
            assert np.array_equal(A.axiom_slacks_batch_parallel(X, y), serial, equal_nan=True)
    finally:
        numba.set_num_threads(before)
    assert np.all(serial[:, [0, 1, 3]] >= -1e-12)  # UP satisfies IFS, UFS and PF


@pytest.mark.parametrize(("B", "n"), [(3000, 11), (400, 101)])
def test_public_batches_take_threads_above_the_threshold_with_the_same_numbers(B, n):
    # uniform_phantom.batch and axiom_slacks send batches of >= PAR_MIN_AGENTS reports to
    # the parallel kernels: the numbers must be the serial kernels' bit for bit, and so
    # must a batch just below the threshold (which stays on one core)
    from mechkit.facility import axiom_slacks, uniform_phantom

    assert B * n >= K.PAR_MIN_AGENTS
    X = _edge_matrix(B, n, seed=B + n)
    y = K.uniform_phantom_batch(X)
    assert np.array_equal(uniform_phantom.batch(X), y)
    small = X[: K.PAR_MIN_AGENTS // n - 1]
    assert np.array_equal(uniform_phantom.batch(small), K.uniform_phantom_batch(small))
    s = axiom_slacks(X, y, ("IFS", "UFS", "proportionality", "PF", "unanimity"))
    want = A.axiom_slacks_batch(X, y)
    for col, name in enumerate(("IFS", "UFS", "proportionality", "PF", "unanimity")):
        assert np.array_equal(s[name], want[:, col], equal_nan=True), name


def test_parallel_flag_changes_no_number_and_is_checked():
    from mechkit.errors import InvalidInputError
    from mechkit.facility import axiom_slacks, uniform_phantom

    X = _edge_matrix(400, 101, seed=5)
    y = uniform_phantom.batch(X)
    assert np.array_equal(uniform_phantom.batch(X, parallel=False), y)
    a = axiom_slacks(X, y, "PF")
    b = axiom_slacks(X, y, "PF", parallel=False)
    assert np.array_equal(a["PF"], b["PF"])
    with pytest.raises(InvalidInputError, match="parallel: must be True or False"):
        uniform_phantom.batch(X, parallel="yes")
    with pytest.raises(InvalidInputError, match="parallel: must be True or False"):
        axiom_slacks(X, y, parallel=None)
