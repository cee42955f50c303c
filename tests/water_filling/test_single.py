"""Single-user water-filling: reference values, oracles, KKT certificate, conventions."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.water_filling import kkt_residual, water_fill, water_fill_batch
from solvers.waterfill import batch_threads, wf_row_select, wf_row_sort, wf_rows_select, wf_rows_sort
from tests.water_filling.oracles import wf_bisection, wf_kkt_enumeration

METHODS = ("select", "sort")


# ---------------------------------------------------------------- reference values (b.1)
@pytest.mark.parametrize("method", METHODS)
def test_matlab_examples(method):
    r = water_fill([1, 4, 6, 3], 10, method=method)
    assert r.p.tolist() == [5.0, 2.0, 0.0, 3.0]
    assert r.level == 6.0 and r.binding
    r = water_fill([5, 4, 3, 6], 5, method=method)
    np.testing.assert_allclose(r.p, [2 / 3, 5 / 3, 8 / 3, 0.0], rtol=0, atol=1e-15)
    assert r.level == pytest.approx(17 / 3, abs=1e-15)


@pytest.mark.parametrize("method", METHODS)
def test_tie_exactly_at_the_level(method):
    r = water_fill([1, 2, 2, 5], 1, method=method)
    assert r.p.tolist() == [1.0, 0.0, 0.0, 0.0]
    assert r.level == 2.0


@pytest.mark.parametrize("method", METHODS)
def test_caps_reference(method):
    r = water_fill([1, 2, 3], 3, cap=[0.5, 10, 10], method=method)
    np.testing.assert_allclose(r.p, [0.5, 1.75, 0.75], atol=1e-15)
    assert r.level == pytest.approx(3.75, abs=1e-15)


def test_caps_bound_is_not_min_w_plus_budget():
    # the design note's bisection bug: with caps the level can exceed min(w) + P
    r = water_fill([1.0, 5.0], 1.0, cap=[1e-3, 10.0])
    assert r.level > 1.0 + 1.0
    assert r.p.tolist() == pytest.approx([1e-3, 0.999])


# ---------------------------------------------------------------- conventions
def test_zero_budget_level_is_min_w():
    r = water_fill([3.0, 2.0, math.inf], 0.0)
    assert r.p.tolist() == [0.0, 0.0, 0.0] and r.level == 2.0 and not r.binding


def test_slack_budget_fills_caps():
    r = water_fill([1.0, 2.0, math.inf], 10.0, cap=[1.0, 2.0, 5.0])
    assert r.p.tolist() == [1.0, 2.0, 0.0]
    assert r.level == 4.0 and not r.binding


def test_caps_summing_to_budget_exactly():
    r = water_fill([1.0, 2.0], 3.0, cap=[1.0, 2.0])
    assert r.p.tolist() == [1.0, 2.0] and r.level == 4.0


def test_forbidden_carriers_get_nothing():
    r = water_fill([math.inf, 1.0, math.inf, 2.0], 3.0)
    assert r.p.tolist() == [0.0, 2.0, 0.0, 1.0]


def test_allow_idle_returns_zero_and_nan_level():
    r = water_fill([math.inf, math.inf], 1.0, allow_idle=True)
    assert r.p.tolist() == [0.0, 0.0] and math.isnan(r.level)
    r = water_fill([1.0, 2.0], 1.0, cap=0.0, allow_idle=True)
    assert r.p.tolist() == [0.0, 0.0]


def test_fraction_budget_accepted():
    assert water_fill([1, 4, 6, 3], Fraction(10)).p.tolist() == [5.0, 2.0, 0.0, 3.0]


def test_result_dict_and_repr():
    r = water_fill([1, 2], 1)
    assert r.to_dict() == {"p": [1.0, 0.0], "level": 2.0, "binding": True}
    assert "level=2" in repr(r)
    b = water_fill_batch([[1, 2]], [1])
    assert b.to_dict()["binding"] == [True] and "B=1" in repr(b)


# ---------------------------------------------------------------- hypothesis oracles
finite_w = st.floats(1e-6, 1e6, allow_nan=False)
w_entry = st.one_of(finite_w, finite_w, finite_w, st.just(math.inf))
cap_entry = st.one_of(st.just(math.inf), st.floats(0.0, 10.0), st.just(0.0))


@st.composite
def wf_problems(draw, max_n=7, caps=True):
    n = draw(st.integers(1, max_n))
    w = draw(st.lists(w_entry, min_size=n, max_size=n))
    if all(math.isinf(x) for x in w):
        w[0] = draw(finite_w)
    # ties: duplicate some entries
    if n > 1 and draw(st.booleans()):
        w[draw(st.integers(0, n - 1))] = w[draw(st.integers(0, n - 1))]
    c = draw(st.lists(cap_entry, min_size=n, max_size=n)) if caps and draw(st.booleans()) else None
    P = draw(st.one_of(st.just(0.0), st.floats(1e-3, 1e3), st.floats(1e-6, 1e6)))
    return np.array(w), P, None if c is None else np.array(c)


def _usable(w, c):
    return np.isfinite(w) & (np.ones_like(w, bool) if c is None else (c > 0))


@given(wf_problems())
def test_kernels_match_exact_kkt_enumeration(prob):
    w, P, c = prob
    assume(_usable(w, c).any() or P == 0)
    exact = np.array([float(x) for x in wf_kkt_enumeration(w.tolist(), P, None if c is None
                                                             else c.tolist())])
    scale = max(1.0, P, float(np.max(w[np.isfinite(w)], initial=1.0)))
    for method in METHODS:
        r = water_fill(w, P, c, method=method, allow_idle=True)
        np.testing.assert_allclose(r.p, exact, rtol=0, atol=1e-12 * scale)
        assert kkt_residual(w, r.p, P, c) <= 1e-12 * scale


@given(wf_problems(max_n=12))
def test_kernels_match_bisection_oracle(prob):
    w, P, c = prob
    oracle = np.array(wf_bisection(w, P, c))
    scale = max(1.0, P, float(np.max(w[np.isfinite(w)], initial=1.0)))
    sel = water_fill(w, P, c, allow_idle=True).p
    srt = water_fill(w, P, c, method="sort", allow_idle=True).p
    np.testing.assert_allclose(sel, oracle, rtol=0, atol=1e-9 * scale)
    np.testing.assert_allclose(sel, srt, rtol=0, atol=1e-12 * scale)
    assert (sel >= 0).all()
    assert sel.sum() <= P * (1 + 1e-14)   # exact up to the rounding of the sum
    if c is not None:
        assert (sel <= c).all()


@given(st.lists(st.floats(-6, 6), min_size=2, max_size=16), st.floats(1e-6, 1e6))
def test_twelve_decades_of_dynamic_range(logs, P):
    w = 10.0 ** np.array(logs)
    r = water_fill(w, P)
    scale = max(1.0, P, float(w.max()))
    assert kkt_residual(w, r.p, P) <= 1e-12 * scale
    exact = np.array([float(x) for x in wf_kkt_enumeration(w.tolist(), P)]) if len(w) <= 9 else None
    if exact is not None:
        np.testing.assert_allclose(r.p, exact, rtol=0, atol=1e-12 * scale)


@given(wf_problems())
def test_py_func_equals_kernel(prob):
    w, P, c = prob
    c = np.full(w.shape, np.inf) if c is None else c
    for kern in (wf_row_select, wf_row_sort):
        a, b = np.empty_like(w), np.empty_like(w)
        la = kern(w, P, c, a)
        lb = kern.py_func(w, P, c, b)
        np.testing.assert_array_equal(a, b)
        assert (math.isnan(la) and math.isnan(lb)) or la == lb


@given(st.lists(wf_problems(max_n=5, caps=True), min_size=1, max_size=6))
def test_batch_equals_rows(problems):
    n = max(len(w) for w, _, _ in problems)
    W = np.full((len(problems), n), np.inf)
    C = np.full((len(problems), n), np.inf)
    B = np.zeros(len(problems))
    for i, (w, P, c) in enumerate(problems):
        W[i, : len(w)] = w
        if c is not None:
            C[i, : len(w)] = c
        B[i] = P
    for method in METHODS:
        r = water_fill_batch(W, B, C, method=method, allow_idle=True)
        for i in range(len(problems)):
            one = water_fill(W[i], B[i], C[i], method=method, allow_idle=True)
            np.testing.assert_array_equal(r.p[i], one.p)
    P1, L1 = np.empty_like(W), np.empty(len(B))
    P2, L2 = np.empty_like(W), np.empty(len(B))
    wf_rows_select.py_func(W, B, C, P1, L1)
    wf_rows_sort(W, B, C, P2, L2)
    np.testing.assert_allclose(P1, P2, rtol=0, atol=1e-9 * max(1.0, float(np.max(B))))
    # rows split into chunks on numba's threads: bitwise the serial rows, for any split
    for nch in (2, 3, len(B) + 2):
        for fn in (wf_rows_select, wf_rows_select.py_func):
            P3, L3 = np.full_like(W, np.nan), np.full(len(B), np.nan)
            fn(W, B, C, P3, L3, nch)
            np.testing.assert_array_equal(P3, P1)
            np.testing.assert_array_equal(L3, L1)


def test_batch_threads_split_only_large_batches(monkeypatch):
    import numba

    import solvers.waterfill

    assert batch_threads(10, 64) == 1
    assert batch_threads(4096, 64) == min(numba.get_num_threads(), 4096)
    assert batch_threads(1, 10**6) == 1
    # water_fill_batch with its rows split three ways equals the serial call
    rng = np.random.default_rng(3)
    W = rng.exponential(1.0, (7, 9))
    W[2, 3] = np.inf
    serial = water_fill_batch(W, 2.0)
    monkeypatch.setattr(solvers.waterfill, "batch_threads", lambda B, N: 3)
    split = water_fill_batch(W, 2.0)
    np.testing.assert_array_equal(split.p, serial.p)
    np.testing.assert_array_equal(split.level, serial.level)


@given(st.lists(finite_w, min_size=2, max_size=6), st.floats(1e-3, 1e3), st.integers(0, 5),
       st.floats(1e-3, 0.9))
def test_kkt_residual_flags_any_other_feasible_point(ws, P, k, shift):
    w = np.array(ws)
    r = water_fill(w, P)
    i = int(np.argmax(r.p))
    j = (i + 1 + k % (len(w) - 1)) % len(w)
    amount = shift * r.p[i]
    moved = r.p.copy()
    moved[i] -= amount
    moved[j] += amount
    # a different feasible point is strictly worse (strict concavity) and not certified:
    # the spread of p + w over the free carriers is at least the amount moved
    assert kkt_residual(w, moved, P) >= 0.5 * amount
    assert kkt_residual(w, r.p, P) <= 1e-12 * max(1.0, P, float(w.max()))


def test_kkt_residual_examples():
    assert kkt_residual([1.0, 2.0], [0.0, 1.0], 1.0) == 2.0
    assert kkt_residual([1.0, 2.0], [1.0, 0.0], 1.0, level=2.0) == 0.0
    assert kkt_residual([1.0, 2.0], [0.5, 0.0], 1.0) == 0.5          # budget not spent
    assert kkt_residual([1.0, 2.0], [1.0, 2.0], 5.0, cap=[1.0, 2.0]) == 0.0
    assert kkt_residual([1.0, math.inf], [0.5, 0.5], 1.0) == 0.5     # power on a forbidden carrier


def test_bad_single_inputs():
    with pytest.raises(InvalidInputError, match=r"w: entries must be > 0"):
        water_fill([1.0, 0.0], 1.0)
    with pytest.raises(InvalidInputError, match=r"w: entries must be > 0"):
        water_fill([1.0, -math.inf], 1.0)
    with pytest.raises(InvalidInputError, match=r"w: must be non-NaN"):
        water_fill([1.0, math.nan], 1.0)
    with pytest.raises(InvalidInputError, match=r"w: must be 1-dimensional"):
        water_fill([[1.0]], 1.0)
    with pytest.raises(InvalidInputError, match=r"budget: must be >= 0"):
        water_fill([1.0], -1.0)
    with pytest.raises(InvalidInputError, match=r"budget: must be a finite real number"):
        water_fill([1.0], math.inf)
    with pytest.raises(InvalidInputError, match=r"cap: entries must be >= 0"):
        water_fill([1.0, 2.0], 1.0, cap=[1.0, -1.0])
    with pytest.raises(InvalidInputError, match=r"cap: must be non-NaN"):
        water_fill([1.0, 2.0], 1.0, cap=[1.0, math.nan])
    with pytest.raises(InvalidInputError, match=r"cap: must have shape \(2\)"):
        water_fill([1.0, 2.0], 1.0, cap=[1.0, 1.0, 1.0])
    with pytest.raises(InvalidInputError, match=r"no usable carrier .* allow_idle=True"):
        water_fill([math.inf, math.inf], 1.0)
    with pytest.raises(InvalidInputError, match=r"method: must be one of 'select', 'sort'"):
        water_fill([1.0], 1.0, method="bisect")
    with pytest.raises(InvalidInputError, match=r"W: must be 2-dimensional"):
        water_fill_batch([1.0, 2.0], 1.0)
    with pytest.raises(InvalidInputError, match=r"budgets: entries must be >= 0"):
        water_fill_batch([[1.0], [2.0]], [1.0, -1.0])
    with pytest.raises(InvalidInputError, match=r"budgets: must have shape \(2\)"):
        water_fill_batch([[1.0], [2.0]], [1.0, 1.0, 1.0])
    with pytest.raises(InvalidInputError, match=r"no usable carrier \(row 1\)"):
        water_fill_batch([[1.0], [math.inf]], [1.0, 1.0])
    with pytest.raises(InvalidInputError, match=r"w: must be real"):
        water_fill(np.array([1 + 1j]), 1.0)


@given(st.lists(finite_w, min_size=1, max_size=40), st.floats(1e-3, 1e3))
def test_sorted_fallback_equals_michelot(ws, P):
    from solvers.waterfill import michelot_passes, sorted_level

    w = np.array(ws)
    a = michelot_passes(w.copy(), len(w), P + w.sum(), P)
    b = sorted_level(w.copy(), len(w), P)
    c = sorted_level.py_func(w.copy(), len(w), P)
    assert a == pytest.approx(b, rel=1e-12, abs=1e-12) and b == c


@pytest.mark.parametrize("ratio", [1.05, 1.5, 3.0])
def test_geometric_inputs_exercise_many_passes(ratio):
    # geometric w makes each Michelot pass drop few carriers (sorted fallback after 32 passes)
    w = ratio ** np.arange(300 if ratio < 2 else 60, dtype=float)
    w = w / w.max() * 1e6 + 1e-6
    for P in (1e-3, 1.0, 1e3):
        a = water_fill(w, P).p
        b = water_fill(w, P, method="sort").p
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-9)
        assert kkt_residual(w, a, P) <= 1e-9


def test_adversarial_input_takes_the_sorted_fallback():
    # w_j = 50^j: every Michelot pass drops only the largest carrier (39 passes > 32)
    w = 50.0 ** np.arange(40)
    for P in (1e-3, 10.0, 1e4):
        a = water_fill(w, P).p
        exact = np.array([float(x) for x in wf_kkt_enumeration(w[:6].tolist(), P)] + [0.0] * 34)
        np.testing.assert_allclose(a, exact, rtol=0, atol=1e-12 * max(1.0, P))
        np.testing.assert_array_equal(a, water_fill(w, P, method="sort").p)


def test_sort_cap_below_the_ulp_of_w():
    # found by hypothesis: 1 + 2e-18 == 1, so the sorted breakpoint scan ended with slope 0
    # and divided by it (ZeroDivisionError); every usable carrier is at its cap
    w, c = np.array([1.0, 1.0]), np.array([1e-3, 2.17596293e-18])
    for kern in (wf_row_select, wf_row_sort):
        out = np.empty(2)
        kern(w, 1e-3, c, out)
        np.testing.assert_allclose(out, c, rtol=1e-12, atol=0)
        assert out.sum() <= 1e-3 * (1 + 1e-15)
