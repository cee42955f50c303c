"""The specialised kernels: closed-form 2x2 poset filters and the fused linear-extension DP.

Each is checked against the generic kernel, its own ``.py_func`` and an independent
brute-force oracle (Fractions / permutations) on hypothesis-generated inputs.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mechkit.errors import InvalidInputError
from mechkit.tropical import (
    FOUR_POINT_COVERS,
    Poset,
    chain,
    four_point_poset,
    linear_extensions_count,
    poset_filter,
    poset_pool,
    poset_pool_backward,
)
from solvers.linext import count_linext, count_linext_limbs, enumerate_downsets, limbs_needed, limbs_to_int
from solvers.poset_pool import (
    _WINDOW_FORMS,
    CLOSED_FORM_COVERS,
    _pool_closed,
    _row_closed,
    pool2x2_closed_form,
    pool2x2_forward_value,
)
from tests.tropical.oracles import linext_brute, linext_python_dp, pool_oracle, upsets_brute

small_ints = st.integers(-3, 3).map(float)
quarters = st.integers(-12, 12).map(lambda v: v / 4.0)


@st.composite
def closed_form_cases(draw, values=small_ints, dtype=np.float64, forms=tuple(range(16))):
    B = draw(st.integers(0, 2))
    C = draw(st.integers(1, 2))
    H = draw(st.integers(1, 5))
    W = draw(st.integers(1, 5))
    x = draw(arrays(dtype, (B, C, H, W), elements=values))
    return x, draw(st.sampled_from(forms))


def test_closed_form_table_is_the_reference_table():
    assert CLOSED_FORM_COVERS == FOUR_POINT_COVERS
    for idx in range(16):
        assert poset_filter(idx).closed_form == idx
    # a relabelled copy is a different labelled poset: no closed form, the generic kernel
    assert poset_filter(Poset(4, [(1, 0), (2, 1), (3, 2)])).closed_form == -1
    assert poset_filter(Poset(9), 3).closed_form == -1


@settings(max_examples=100)
@given(closed_form_cases())
def test_closed_forms_match_oracle_generic_and_py_func(case):
    # small integers: every sum is exact, so all paths must agree bit for bit
    x, idx = case
    want, _, _ = pool_oracle(x, upsets_brute(4, _relations(idx)), 2, 2)
    out, probe = pool2x2_closed_form(x, idx)
    # the plain-Python bodies: the pooling loop and the window function, uncompiled
    out_py, probe_py = _pool_closed(x, _WINDOW_FORMS[idx], _row_closed)
    generic, _ = pool2x2_forward_value(x, poset_filter(idx).penalties())
    assert np.array_equal(out, want) and np.array_equal(out_py, want) and np.array_equal(generic, want)
    assert probe == probe_py == 0.0
    assert not np.signbit(out).any()  # an empty best up-set gives +0.0
    assert np.array_equal(poset_pool(x, idx), want)
    assert np.array_equal(poset_pool(x, four_point_poset(idx)), want)


@settings(max_examples=60)
@given(closed_form_cases(values=st.floats(-1e3, 1e3, width=32), dtype=np.float32, forms=(1, 12, 13)))
def test_closed_forms_float32_within_rounding_of_the_generic_kernel(case):
    # arbitrary floats: the closed form sums in another order, so values agree to rounding;
    # the dtype is kept (the benchmark's three forms: each form and dtype is its own compile)
    x, idx = case
    out, probe = pool2x2_closed_form(x, idx)
    generic, _ = pool2x2_forward_value(x, poset_filter(idx).penalties(np.float32))
    assert out.dtype == np.float32 and probe == 0.0
    want, _, _ = pool_oracle(x.astype(np.float64), upsets_brute(4, _relations(idx)), 2, 2)
    # |x| <= 1e3 in float32: each of the <= 7 roundings is at most 2**-24 * 4e3
    np.testing.assert_allclose(out, want, rtol=0, atol=1e-2)
    np.testing.assert_allclose(out, generic, rtol=0, atol=1e-2)


@settings(max_examples=60)
@given(closed_form_cases(values=quarters))
def test_closed_form_value_has_the_minimal_maximizer_gradient(case):
    # dyadic inputs (exact): the value path and the arg-max path agree; the backward of
    # the arg-max path is the minimal-maximizer gradient of the oracle; and a one-sided
    # difference of the closed-form value along the gradient's support is that gradient
    x, idx = case
    want, bits, grad = pool_oracle(x, upsets_brute(4, _relations(idx)), 2, 2)
    out, arg = poset_pool(x, idx, return_argmax=True)
    assert np.array_equal(out, want) and np.array_equal(poset_pool(x, idx), want)
    assert np.array_equal(arg, bits)
    assert np.array_equal(poset_pool_backward(np.ones_like(out), arg, x.shape), grad)
    # f_P is positively homogeneous and max-of-linear: f(x + t * 1_{U*}) - f(x) = t |U*|
    # on every window for t > 0 (the minimal maximizer stays a maximizer, and only grows)
    bump = 0.25 * grad  # grad is the 0/1 indicator of U* per window (windows do not overlap)
    gain = poset_pool(x + bump, idx) - out
    sizes = np.array([bin(int(b)).count("1") for b in bits.reshape(-1)]).reshape(bits.shape)
    if x.shape[2] % 2 == 0 and x.shape[3] % 2 == 0:
        assert np.array_equal(gain, 0.25 * sizes)


@pytest.mark.parametrize("idx", range(16))
def test_closed_forms_refuse_nan_inf_and_overflow(idx):
    for bad in (np.nan, np.inf, -np.inf):
        x = np.zeros((1, 1, 3, 3))
        x[0, 0, 2, 1] = bad
        with pytest.raises(InvalidInputError, match="must be finite"):
            poset_pool(x, idx)
    with pytest.raises(InvalidInputError, match="overflow"):
        poset_pool(np.array([[[[1e308, -0.9e308], [-0.9e308, 1e308]]]]), idx)
    M = np.float32(3e38)
    with pytest.raises(InvalidInputError, match="overflow"):
        poset_pool(np.array([[[[M, -M, M], [-M, M, -M]]]], dtype=np.float32), idx)


def _relations(idx):
    return four_point_poset(idx).relations


# --------------------------------------------------------------- linear extensions
@st.composite
def posets_and_pieces(draw, max_n=7):
    n = draw(st.integers(1, max_n))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=len(pairs), unique=True)) if pairs else []
    perm = draw(st.permutations(range(n)))
    p = Poset(n, [(perm[a], perm[b]) for a, b in chosen])
    mask = draw(st.integers(0, (1 << n) - 1))
    return p, mask


@settings(max_examples=80)
@given(posets_and_pieces())
def test_fused_count_on_any_subposet_in_original_labels(case):
    # count_linext on the points of ``mask`` (nothing relabelled) == the induced subposet's
    # e(P) by permutations, == the py_func, for one limb and for two
    p, mask = case
    pts = [i for i in range(p.n) if mask >> i & 1]
    sub = p.induced(pts)
    want = linext_brute(sub.n, sub.relations)
    m = np.int64(mask)
    below = np.array(p.below, dtype=np.int64) & m
    above = np.array(p.above, dtype=np.int64) & m
    order = np.array([i for i in p.linear_extension() if mask >> i & 1], dtype=np.int64)
    for n_limbs in (1, 2):
        limbs, m_count, ok = count_linext(below, above, order, 10_000, n_limbs)
        limbs_py, m_py, ok_py = count_linext.py_func(below, above, order, 10_000, n_limbs)
        assert ok and ok_py and m_count == m_py == sub.num_upsets()
        assert limbs_to_int(limbs) == limbs_to_int(limbs_py) == want
    # the budget is honoured (never a partial count)
    if sub.num_upsets() > 1:
        _, _, ok = count_linext(below, above, order, sub.num_upsets() - 1, 1)
        assert not ok


@settings(max_examples=60)
@given(posets_and_pieces())
def test_enumeration_order_extends_inclusion(case):
    # the unsorted enumeration is already a valid DP order: subsets come first
    from solvers.linext import _enumerate_unsorted

    p, _ = case
    below = np.array(p.below, dtype=np.int64)
    order = np.array(p.linear_extension(), dtype=np.int64)
    downs, ok = _enumerate_unsorted(below, order, 10_000)
    assert ok
    seen: list[int] = []
    for d in (int(v) for v in downs):
        assert all(d & ~s != 0 for s in seen)  # no earlier set contains d
        seen.append(d)
    assert sorted(seen) == [int(v) for v in enumerate_downsets(below, order, 10_000)[0]]


def test_int64_dp_falls_back_to_limbs_exactly():
    # 5 disjoint 8-chains: 9**5 down-sets, e = 40! / (8!)**5 > 2**62, so the int64 DP
    # overflows and the limbs take over; the decomposition gives the same number
    p = chain(8)
    for _ in range(4):
        p = p.disjoint_union(chain(8))
    want = math.factorial(40) // math.factorial(8) ** 5
    assert want >= 2**62
    assert linear_extensions_count(p, method="dp") == want == linear_extensions_count(p)
    below = np.array(p.below, dtype=np.int64)
    downs, _ = enumerate_downsets(below, np.array(p.linear_extension(), dtype=np.int64), 10**6)
    assert limbs_to_int(count_linext_limbs(downs, np.array(p.above, dtype=np.int64), limbs_needed(40))) == want


def test_limbs_needed_is_the_factorial_bound():
    for n in range(0, 70):
        k = limbs_needed(n)
        assert math.factorial(n) < 2 ** (62 * k) and (k == 1 or math.factorial(n) >= 2 ** (62 * (k - 1)))
    assert max(n for n in range(70) if limbs_needed(n) == 1) == 20


@settings(max_examples=40)
@given(posets_and_pieces(max_n=9))
def test_split_and_dp_agree_with_python_dp(case):
    p, _ = case
    want = linext_python_dp(p.n, p.above)
    assert linear_extensions_count(p) == linear_extensions_count(p, method="dp") == want


def test_split_budget_error_names_the_argument():
    from mechkit.tropical import antichain

    big = antichain(3).ordinal_sum(antichain(2).disjoint_union(chain(1))).disjoint_union(
        Poset(4, [(0, 1), (2, 1), (2, 3)]))  # an N piece (8 down-sets) survives the split
    assert linear_extensions_count(big) == linext_python_dp(big.n, big.above)
    with pytest.raises(InvalidInputError, match="more than max_downsets=5 down-sets in a 4-point piece"):
        linear_extensions_count(big, max_downsets=5)
