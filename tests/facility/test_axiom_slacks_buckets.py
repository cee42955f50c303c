"""The sort-free axiom-slack kernel (``axiom_slacks_batch_buckets``) against the sorting kernel
(``axiom_slacks_batch_sorted``, the oracle: equal bit for bit) and against definition-level
brute force (exact arithmetic), on inputs made to hit its special cases: reports on, or one ulp
beside, the bucket edges ``k/n``; many duplicates; 0 and 1; all reports in one bucket; buckets
as wide as ``1/n`` (the sorting fallback); ties of the walk ``C_k - k`` (the widened search)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import solvers.facility_axioms as A
from solvers.medians import uniform_phantom_batch
from tests.facility.oracles import ifs_slack_brute, pf_slack_subsets, ufs_slack_brute
from tests.facility.test_batch_fast_paths import _edge_value


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.array_equal(a, b, equal_nan=True))


def _bucket_top(k: int, n: int) -> float:
    """The largest float ``v`` with ``int(v * n) == k`` (``k < n``)."""
    v = float(np.nextafter((k + 1) / n, 0.0))
    while int(v * n) > k:
        v = float(np.nextafter(v, 0.0))
    return v


def _value(n: int, pool: list[float]) -> st.SearchStrategy[float]:
    # the UP kernels' edge values (on / one ulp beside k/n, 0, 1, duplicates) and the bucket
    # interiors and tops that matter to the slack kernel
    return st.one_of(
        _edge_value(n, pool),
        st.integers(0, n - 1).map(lambda k: (k + 0.5) / n),  # mid-bucket
        st.integers(0, n - 1).map(lambda k: _bucket_top(k, n)),  # largest float of a bucket
    )


@st.composite
def _rows(draw: st.DrawFn, min_n: int = 1, max_n: int = 40, max_B: int = 4) -> np.ndarray:
    n = draw(st.integers(min_n, max_n))
    B = draw(st.integers(1, max_B))
    pool = draw(st.lists(st.floats(0.0, 1.0, allow_nan=False), min_size=1, max_size=3))
    rows = draw(st.lists(st.lists(_value(n, pool), min_size=n, max_size=n), min_size=B, max_size=B))
    return np.ascontiguousarray(rows, dtype=np.float64)


def _outcomes(draw: st.DrawFn, X: np.ndarray) -> np.ndarray:
    n = X.shape[1]
    up = uniform_phantom_batch(X)
    return np.array([draw(st.one_of(st.just(float(up[b])), st.floats(0.0, 1.0, allow_nan=False),
                                     st.integers(0, n).map(lambda k: k / n),
                                     st.sampled_from([float(v) for v in X[b]])))
                     for b in range(X.shape[0])])


@given(_rows(), st.data())
def test_buckets_equal_sorting_kernel_on_edge_inputs(X, data):
    y = _outcomes(data.draw, X)
    want = A.axiom_slacks_batch_sorted(X, y)
    assert _same(A.axiom_slacks_batch_buckets(X, y), want)
    assert _same(A.axiom_slacks_batch(X, y), want)


@settings(max_examples=25)
@given(_rows(max_n=12, max_B=2), st.data())
def test_buckets_plain_python_body(X, data):
    y = _outcomes(data.draw, X)
    want = A.axiom_slacks_batch_sorted(X, y)
    assert _same(A.axiom_slacks_batch_buckets.py_func(X, y), want)
    n = X.shape[1]
    out = np.empty((X.shape[0], 5))
    flag = np.zeros(8 * ((n + 7) // 8), dtype=np.uint8)
    A._bucket_rows(X, y, 0, X.shape[0], out, np.zeros(n, dtype=np.int64), np.full((2, n), np.inf),
                   np.full((2, n), -np.inf), np.empty(n + 1, dtype=np.int64), flag, flag.view(np.int64),
                   np.empty(n, dtype=np.int64), np.empty(n, dtype=np.int64), np.empty(n + 1), np.empty(n),
                   np.empty(n, dtype=np.int64), np.empty(n + 1, dtype=np.int64))
    assert _same(out, want)
    cnt = np.zeros(n, dtype=np.int64)
    lo, hi = np.full((2, n), np.inf), np.full((2, n), -np.inf)
    A._bucket_pass(X, 0, cnt, lo, hi, 1)
    k = np.minimum((X[0] * n).astype(np.int64), n - 1)
    assert np.array_equal(cnt, np.bincount(k, minlength=n))
    for j in np.unique(k):
        assert lo[1, j] == X[0][k == j].min() and hi[1, j] == X[0][k == j].max()


@settings(max_examples=40)
@given(st.integers(1, 600), st.integers(0, 2**32 - 1),
       st.sampled_from(["uniform", "levels", "grid", "near_grid", "cluster", "binary", "pairs",
                        "few_values", "ends", "edges_tops"]))
def test_buckets_equal_sorting_kernel_on_structured_profiles(n, seed, kind):
    rng = np.random.default_rng(seed)
    B = 3
    X = rng.random((B, n))
    if kind == "levels":  # many ties
        X = np.round(X * rng.integers(1, 9)) / 8
    elif kind == "grid":  # exactly on the bucket edges
        X = rng.integers(0, n + 1, size=(B, n)) / n
    elif kind == "near_grid":  # on, or one ulp beside, the bucket edges
        g = rng.integers(0, n + 1, size=(B, n)) / n
        X = np.clip(np.where(rng.random((B, n)) < 0.5, np.nextafter(g, 0.0), np.nextafter(g, 1.0)), 0, 1)
        X = np.where(rng.random((B, n)) < 0.3, g, X)
    elif kind == "cluster":  # (almost) every report in one bucket, with duplicates
        X = 0.5 + 0.9 / n * np.round(rng.random((B, n)) * 6) / 6
    elif kind == "binary":
        X = (X < rng.random()).astype(np.float64)
    elif kind == "pairs":  # reports just under 1/n apart: buckets of width about 1/n
        k = rng.integers(0, n, size=(B, n))
        X = np.where(rng.random((B, n)) < 0.5, k / n, np.nextafter((k + 1) / n, 0.0))
    elif kind == "few_values":
        X = rng.choice(rng.random(3), size=(B, n))
    elif kind == "ends":  # 0, 1 and duplicates near both ends
        X = rng.choice([0.0, 1.0, 0.5 / n, 1 - 0.5 / n, 1 / n, 1 - 1 / n], size=(B, n))
    elif kind == "edges_tops":  # bucket edges and bucket tops: near-ties of the PF terms
        k = rng.integers(0, n, size=(B, n))
        tops = np.array([_bucket_top(j, n) for j in range(n)])
        X = np.where(rng.random((B, n)) < 0.5, k / n, tops[k])
        X = np.where(rng.random((B, n)) < 0.2, rng.random((B, n)), X)
    X = np.ascontiguousarray(np.clip(X, 0.0, 1.0))
    for y in (uniform_phantom_batch(X), rng.random(B), X[:, 0].copy()):
        want = A.axiom_slacks_batch_sorted(X, y)
        assert _same(A.axiom_slacks_batch_buckets(X, y), want)
        assert _same(A.axiom_slacks_batch(X, y), want)


@settings(max_examples=60)
@given(_rows(max_n=6, max_B=1), st.data())
def test_buckets_match_exact_brute_force(X, data):
    y = _outcomes(data.draw, X)
    got = A.axiom_slacks_batch_buckets(X, y)[0]
    x = [Fraction(float(v)) for v in X[0]]
    yf = Fraction(float(y[0]))
    assert got[0] == pytest.approx(float(ifs_slack_brute(x, yf)), abs=1e-12)
    assert got[1] == pytest.approx(float(ufs_slack_brute(x, yf)), abs=1e-12)
    assert got[3] == pytest.approx(float(pf_slack_subsets(x, yf)), abs=1e-12)
    n = len(x)
    if all(v in (0, 1) for v in x):
        assert got[2] == pytest.approx(-abs(float(yf - Fraction(sum(x), n))), abs=1e-12)
    else:
        assert np.isnan(got[2])
    if len(set(x)) == 1:
        assert got[4] == pytest.approx(-abs(float(yf - x[0])), abs=1e-12)
    else:
        assert np.isnan(got[4])


def _wide_bucket_row(n: int) -> np.ndarray:
    # bucket 3 holds 3/n and the float just below 4/n: wider than 1/n - 1e-13 (sorting fallback)
    x = np.linspace(0.0, 1.0, n)
    x[0], x[1] = 3 / n, float(np.nextafter(4 / n, 0.0))
    return x


@pytest.mark.parametrize("n", [1, 2, 3, 31, 32, 33, 101, 1001])
def test_special_rows(n):
    rows = [
        np.full(n, 0.25),  # all equal: unanimity applies
        np.zeros(n), np.ones(n),  # all at an end (1.0 lands in the capped bucket n - 1)
        (np.arange(n) % 2).astype(np.float64),  # binary: proportionality applies
        np.arange(n) / n,  # every report on a bucket edge
        (np.arange(n) + 0.5) / n,  # one report per bucket, mid-bucket: walk C_k - k flat at 0
        np.sort(np.r_[np.full(n - n // 2, 0.9), np.linspace(0, 1, n // 2)]),  # a big group at the far end
    ]
    if n >= 4:
        rows.append(_wide_bucket_row(n))
        r = np.linspace(0.3, 0.7, n)
        r[:3] = [0.0, 0.0, 0.5 / n]  # three reports in bucket 0 with a duplicate: the gather
        rows.append(r)
    X = np.ascontiguousarray(rows)
    for y in (uniform_phantom_batch(X), np.zeros(len(rows)), np.ones(len(rows)), np.full(len(rows), 0.5)):
        want = A.axiom_slacks_batch_sorted(X, y)
        assert _same(A.axiom_slacks_batch_buckets(X, y), want)
        assert _same(A.axiom_slacks_batch(X, y), want)
        assert _same(A.axiom_slacks_batch_parallel(X, y), want)


# rows where a bucket one step off the extremes of the walk C_k - k holds the PF minimum
# (by one ulp): found by search; the kernel must widen its search there
_NEAR_TIES = [
    ([0.09090909090909091, 0.9090909090909091, 0.3636363636363636, 0.27272727272727265,
      0.274440565538866, 0.0909090909090909, 0.13134172898719465, 0.909090909090909,
      0.45454545454545453, 0.5454545454545454, 0.0909090909090909], 0.8096388906720281),
    ([0.5740740740740741, 0.40740740740740733, 0.3888888888888889, 0.4672851509124366,
      0.24074074074074073, 0.9259259259259259, 0.05555555555555555, 0.9999999999999999,
      0.09259259259259257, 0.20237525603713946, 0.2777777777777778, 0.9259259259259258,
      0.10679014730092717, 0.5555555555555555, 0.19409246890126097, 0.9976330888952198,
      0.5185185185185184, 0.018518518518518514, 0.436670723267362, 0.037037037037037035,
      0.3703703703703703, 0.7703009070698228, 0.7222222222222221, 0.9814814814814814,
      0.9761691899334525, 0.1481481481481481, 0.5191691801588245, 0.22222222222222218,
      0.056439793816897565, 0.6111111111111109, 0.4629629629629629, 0.018518518518518517,
      0.3333333333333333, 0.9444444444444444, 0.2777777777777778, 0.48148148148148145,
      0.018518518518518514, 0.37037037037037035, 0.24074074074074073, 0.018518518518518514,
      0.3148148148148148, 0.9137891056014811, 0.7592592592592593, 0.8703703703703703,
      0.2592592592592592, 0.11111111111111109, 0.7407407407407407, 0.4521397473187624,
      0.6666666666666665, 0.7962962962962963, 0.8181537687072586, 0.6424926152146397,
      0.7450916214722441, 0.5925925925925924], 0.7454780449059865),
]


@pytest.mark.parametrize(("row", "y"), _NEAR_TIES)
def test_pf_near_ties_off_the_walk_extremes(row, y):
    X = np.array([row])
    want = A.axiom_slacks_batch_sorted(X, np.array([y]))
    assert _same(A.axiom_slacks_batch_buckets(X, np.array([y])), want)
    assert _same(A.axiom_slacks_batch_buckets.py_func(X, np.array([y])), want)


@pytest.mark.parametrize("middle", [[0.01, 0.01], [0.01, 0.01, 0.015], [0.01, 0.01, 0.01], [0.0, 0.02]])
def test_duplicates_inside_the_far_bucket(middle):
    # bucket 0 (width 1/40) holds 0.0, the middle reports and 0.02; y = 0.9 makes it the far end,
    # so the largest group in it decides UFS (two equal reports strictly inside: the gather)
    n = 40
    row = [0.0, *middle, 0.02]
    row += list(np.linspace(0.3, 0.95, n - len(row)))
    X = np.array([row])
    y = np.array([0.9])
    got = A.axiom_slacks_batch_buckets(X, y)
    assert _same(got, A.axiom_slacks_batch_sorted(X, y))
    assert got[0, 1] == pytest.approx(ufs_slack_brute(row, 0.9), abs=1e-12)
    assert got[0, 1] < got[0, 0] - 0.01  # a group, not a single report, decides UFS


def test_default_dispatch_threshold():
    assert A.BUCKET_MIN_N >= 2
    rng = np.random.default_rng(3)
    for n in (A.BUCKET_MIN_N - 1, A.BUCKET_MIN_N):
        X = rng.random((50, n))
        y = uniform_phantom_batch(X)
        assert _same(A.axiom_slacks_batch(X, y), A.axiom_slacks_batch_sorted(X, y))
        assert _same(A.axiom_slacks_batch(X, y), A.axiom_slacks_batch_buckets(X, y))


def test_out_of_range_input_stays_in_bounds():
    # the kernels assume [0, 1]; the sort-free one never indexes outside its scratch arrays
    n = 40
    bad = [np.linspace(0, 1, n), np.linspace(0, 1, n), _wide_bucket_row(n), np.linspace(0, 1, n)]
    bad[0][5], bad[1][7], bad[2][9] = -3.0, 7.0, np.nan  # row 2 also needs the sorting fallback
    X = np.ascontiguousarray(bad)
    got = A.axiom_slacks_batch_buckets(X, np.full(4, 0.5))
    assert np.isnan(got[:3]).all()
    assert _same(got[3], A.axiom_slacks_batch_sorted(X[3:], np.full(1, 0.5))[0])


@settings(max_examples=30)
@given(st.integers(A.BUCKET_MIN_N, 300), st.integers(0, 2**32 - 1),
       st.sampled_from([np.nan, np.inf, -np.inf, -1e-300, -0.5, 1.0 + 2**-52, 3.0, 1e308, -1e308]))
def test_fused_input_check_gives_nan_rows(n, seed, bad):
    # one bad entry in some rows: exactly those rows are nan in every column, the others are
    # untouched (the check is fused into the kernel's one pass over the row)
    rng = np.random.default_rng(seed)
    X = rng.random((6, n))
    rows = rng.choice(6, size=int(rng.integers(1, 4)), replace=False)
    Y = X.copy()
    for b in rows:
        Y[b, rng.integers(0, n)] = bad
    if bad == 1e308:
        Y[rows[0], 0] = -1e308  # the two cancel in a sum; the min and max still catch them
    y = np.full(6, 0.5)
    got = A.axiom_slacks_batch(Y, y)
    keep = np.setdiff1d(np.arange(6), rows)
    assert np.isnan(got[rows]).all()
    assert _same(got[keep], A.axiom_slacks_batch_sorted(X[keep], y[keep]))


@pytest.mark.parametrize("n", [A.BUCKET_MIN_N - 1, A.BUCKET_MIN_N, 101])
@pytest.mark.parametrize("bad", [np.nan, np.inf, -0.25, 1.5])
def test_axiom_slacks_rejects_bad_reports_on_both_paths(n, bad):
    from mechkit.errors import InvalidInputError
    from mechkit.facility import axiom_slacks

    X = np.random.default_rng(n).random((3, n))
    X[1, n // 2] = bad
    with pytest.raises(InvalidInputError, match=r"^X"):
        axiom_slacks(X, np.full(3, 0.5))
