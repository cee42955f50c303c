"""Quantile functions of the priors and the deterministic quadrature estimator of expected revenue.

Tolerances for the closed forms come from the Koksma–Hlawka inequality for positive-weight
product rules, ``|Q(f) - I(f)| <= V_HK(f) * D``, where ``D`` is the rule's local discrepancy
(reported by the estimator as ``discrepancy``; for the midpoint rule ``D = d / (2 N)``) and
``V_HK`` is the Hardy–Krause variation (anchored at 1) of the integrand in quantile space,
derived by hand next to each test.
"""

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.position_auctions import (
    AuctionInstance,
    Discrete,
    Exponential,
    PiecewiseUniform,
    Uniform,
    expected_revenue,
    gsp,
    myerson,
    vcg,
)
from mechkit.position_auctions.revenue import (
    QUADRATURE_MAX_POINTS,
    expected_revenue_quadrature,
)

EPS = np.finfo(float).eps
U01 = Uniform(0, 1)
ONE_ITEM = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])  # one MNL slot, w = w0 = 1: CTR 1/2

quantiles = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=20).map(np.array)


@st.composite
def piecewise(draw: st.DrawFn, max_gap: float = 5.0, max_start: float = 3.0) -> PiecewiseUniform:
    k = draw(st.integers(1, 4))
    gaps = draw(st.lists(st.floats(0.05, max_gap), min_size=k, max_size=k))
    start = draw(st.floats(0.0, max_start))
    breaks = start + np.concatenate([[0.0], np.cumsum(gaps)])
    mass = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    mass /= mass.sum()
    return PiecewiseUniform(breaks, mass / np.diff(breaks))


@st.composite
def discrete(draw: st.DrawFn, max_gap: float = 3.0) -> Discrete:
    k = draw(st.integers(1, 4))
    vals = np.cumsum(draw(st.lists(st.floats(0.1, max_gap), min_size=k, max_size=k)))
    p = np.array(draw(st.lists(st.floats(0.05, 1.0), min_size=k, max_size=k)))
    return Discrete(vals, p / p.sum())


# ---------------------------------------------------------------- quantile functions


@settings(max_examples=60, deadline=None)
@given(lo=st.floats(0.0, 50.0), width=st.floats(1e-3, 100.0), u=quantiles)
def test_uniform_ppf_inverts_cdf(lo: float, width: float, u: np.ndarray) -> None:
    U = Uniform(lo, lo + width)
    v = U.ppf(u)
    assert np.all((v >= U.lo) & (v <= U.hi))
    np.testing.assert_allclose(U.cdf(v), u, rtol=0, atol=8 * EPS * (1 + (lo + width) / width))
    assert U.ppf(0.0) == U.lo and U.ppf(1.0) == U.hi


@settings(max_examples=60, deadline=None)
@given(rate=st.floats(1e-2, 1e2), u=quantiles)
def test_exponential_ppf_inverts_cdf(rate: float, u: np.ndarray) -> None:
    E = Exponential(rate)
    v = E.ppf(u)
    inner = u < 1
    # relative accuracy also for tiny u (log1p / expm1), down to the subnormals
    np.testing.assert_allclose(E.cdf(v[inner]), u[inner], rtol=1e-13, atol=1e-300)
    assert np.all(np.isinf(v[~inner]))
    assert E.ppf(0.0) == 0.0 and E.ppf(1.0) == math.inf


@settings(max_examples=60, deadline=None)
@given(F=piecewise(), u=quantiles)
def test_piecewise_ppf_inverts_cdf(F: PiecewiseUniform, u: np.ndarray) -> None:
    v = F.ppf(u)
    assert np.all((v >= F.lo) & (v <= F.hi))
    assert np.all(np.diff(F.ppf(np.sort(u))) >= 0)
    np.testing.assert_allclose(F.cdf(v), u, rtol=0, atol=1e-12)
    # and the other way round on the support
    x = F.lo + u * (F.hi - F.lo)
    np.testing.assert_allclose(F.ppf(F.cdf(x)), x, rtol=1e-10, atol=1e-10)


@settings(max_examples=80, deadline=None)
@given(D=discrete(), u=quantiles)
def test_discrete_ppf_is_the_generalized_inverse(D: Discrete, u: np.ndarray) -> None:
    v = D.ppf(u)
    assert set(v.tolist()) <= set(D.values.tolist())
    k = np.searchsorted(D.values, v)
    # F(ppf(u)) >= u, and every smaller support point has F < u: ppf(u) = min {v : F(v) >= u}
    assert np.all(D.cdf(v) >= u)
    below = k > 0
    assert np.all(D.cdf(D.values[np.maximum(k - 1, 0)])[below] < u[below])
    # on the range of F it inverts exactly
    assert D.ppf(D.cdf(D.values)).tolist() == D.values.tolist()
    assert D.ppf(0.0) == D.lo and D.ppf(1.0) == D.hi


def test_ppf_validates_and_returns_floats_for_scalars() -> None:
    priors = [U01, Exponential(1.0), PiecewiseUniform([0, 1, 2], [0.5, 0.5]),
              Discrete([1.0, 2.0], [0.5, 0.5])]
    for p in priors:
        assert isinstance(p.ppf(0.5), float)
        assert p.ppf([]).shape == (0,)
        for bad in (-0.1, 1.5):
            with pytest.raises(InvalidInputError, match=r"u: entries must lie in \[0.0, 1.0\]"):
                p.ppf([0.5, bad])
        with pytest.raises(InvalidInputError, match="u:"):
            p.ppf(float("nan"))


# ---------------------------------------------------------------- closed forms (design note §2)


@pytest.mark.parametrize("rule", ["gauss_legendre", "midpoint"])
@pytest.mark.parametrize("nodes", [16, 64])
def test_one_item_closed_forms_within_koksma_hlawka(rule: str, nodes: int) -> None:
    # 2 x U[0,1], one MNL slot, w = 1: the winner's CTR is 1/2, and v = u in quantile space.
    # V_HK anchored at 1 = sum over faces: f(u1, 1), f(1, u2) (1-D variation) + Vitali of f.
    # welfare max(u1,u2)/2: faces constant (0); d2 max = -diagonal of mass 1 -> V = 1/2.
    # VCG revenue min(u1,u2)/2: faces u/2 (1/2 each); d2 min = diagonal of mass 1 -> V = 3/2.
    # Myerson revenue 1[max > 1/2] max(1/2, min)/2 = (1[max > 1/2]/2 + min((u1-1/2)^+, (u2-1/2)^+))/2:
    # faces max(1/2, u)/2 (1/4 each); Vitali 1/2 * (atom of mass 1 at (1/2, 1/2) + diagonal of
    # mass 1/2 on (1/2, 1)) = 1/2 -> V = 1.
    # A function h(max(u1, u2)) has constant faces h(1) and Vitali variation TV(h) (its mixed
    # measure is -dh on the diagonal): Myerson welfare h(t) = t 1[t > 1/2]/2 (jump 1/4 + rise
    # 1/4) -> V = 1/2 and E = (2/3)(7/8)/2 = 7/24; the virtual surplus h(t) = (2t - 1)^+/2 -> V = 1/2.
    vcg_q = expected_revenue_quadrature("vcg", ONE_ITEM, [U01, U01], nodes, rule=rule)
    opt = expected_revenue_quadrature("myerson", ONE_ITEM, [U01, U01], nodes, rule=rule)
    vs = expected_revenue_quadrature("myerson", ONE_ITEM, [U01, U01], nodes, rule=rule,
                                     estimator="virtual_surplus")
    D = vcg_q.discrepancy
    assert D == opt.discrepancy == vs.discrepancy
    # the tolerance shrinks like 1/nodes: D <= d * (largest weight) < 2 * pi / (2 nodes + 1)
    assert D <= 2 * math.pi / (2 * nodes + 1)
    if rule == "midpoint":
        assert D == pytest.approx(2 / (2 * nodes), rel=1e-12)
    assert abs(vcg_q.revenue - 1 / 6) <= 1.5 * D
    assert abs(vcg_q.welfare - 1 / 3) <= 0.5 * D
    assert abs(opt.revenue - 5 / 24) <= 1.0 * D
    assert abs(opt.welfare - 7 / 24) <= 0.5 * D
    assert abs(vs.revenue - 5 / 24) <= 0.5 * D
    assert vcg_q.n_points == nodes**2 and not vcg_q.exact
    # On this instance every discontinuity is axis-aligned or a kink, and the rules converge
    # faster than the bound; the two-level estimate |Q(N) - Q(N/2)| then over-covers the error.
    for q, exact in ((vcg_q, 1 / 6), (opt, 5 / 24), (vs, 5 / 24)):
        assert abs(q.revenue - exact) <= q.revenue_error


def test_quadrature_is_deterministic_and_refines() -> None:
    a = expected_revenue_quadrature("myerson", ONE_ITEM, [U01, U01], 24)
    b = expected_revenue_quadrature("myerson", ONE_ITEM, [U01, U01], 24)
    assert a.to_dict() == b.to_dict()
    fine = expected_revenue_quadrature("myerson", ONE_ITEM, [U01, U01], 96)
    assert abs(fine.revenue - 5 / 24) < abs(a.revenue - 5 / 24)
    assert fine.revenue_error < a.revenue_error
    assert "QuadratureEstimate('myerson'" in repr(a)


# ---------------------------------------------------------------- discrete priors: exact sums


def test_all_discrete_priors_are_summed_exactly() -> None:
    D = Discrete([1.0, 2.0], [0.5, 0.5])
    q = expected_revenue_quadrature("vcg", ONE_ITEM, [D, D], 8)
    # E[min] = 1 * 3/4 + 2 * 1/4 = 5/4 and E[max] = 7/4, times the CTR 1/2
    assert q.exact and q.n_points == 4 and q.revenue_error == 0.0 and q.discrepancy == 0.0
    assert q.revenue == pytest.approx(5 / 8, abs=1e-15)
    assert q.welfare == pytest.approx(7 / 8, abs=1e-15)


@settings(max_examples=15, deadline=None)
@given(data=st.data(), n=st.integers(1, 3), m=st.integers(1, 2), mech=st.sampled_from(["vcg", "myerson"]))
def test_discrete_quadrature_equals_enumeration(data: st.DataObject, n: int, m: int, mech: str) -> None:
    W = np.array(data.draw(st.lists(st.lists(st.floats(0.1, 3.0), min_size=m, max_size=m),
                                    min_size=n, max_size=n)))
    K = data.draw(st.integers(1, m))
    pr = [data.draw(discrete()) for _ in range(n)]
    inst = AuctionInstance(np.zeros(n), W, max_ads=K)
    q = expected_revenue_quadrature(mech, inst, pr, 4)
    assert q.exact
    # oracle: every value profile, one auction each through the scalar mechanisms
    rev = wel = 0.0
    for combo in itertools.product(*(range(len(p.values)) for p in pr)):
        v = np.array([p.values[k] for p, k in zip(pr, combo, strict=True)])
        prob = math.prod(p.probs[k] for p, k in zip(pr, combo, strict=True))
        out = vcg(inst.with_bids(v)) if mech == "vcg" else myerson(inst.with_bids(v), pr)
        rev += prob * out.revenue
        wel += prob * float(v @ out.ctr)
    assert q.revenue == pytest.approx(rev, rel=1e-9, abs=1e-12)
    assert q.welfare == pytest.approx(wel, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("rule", ["gauss_legendre", "midpoint"])
def test_mixed_discrete_and_continuous(rule: str) -> None:
    # A ~ {1/4, 3/4} equally likely, B ~ U[0,1]; VCG revenue min(A, B)/2 with
    # E[min(c, B)] = c - c^2/2, so E = (7/32 + 15/32) / 2 / 2 = 11/64.  The discrete coordinate
    # is summed exactly; in u_B the integrand min(c, u)/2 has variation c/2 <= 3/8.
    A = Discrete([0.25, 0.75], [0.5, 0.5])
    q = expected_revenue_quadrature("vcg", ONE_ITEM, [A, U01], 40, rule=rule)
    assert q.n_points == 80 and not q.exact
    assert abs(q.revenue - 11 / 64) <= 3 / 8 * q.discrepancy
    if rule == "midpoint":
        assert q.discrepancy == pytest.approx(1 / 80, rel=1e-12)


# ---------------------------------------------------------------- agreement with Monte Carlo


def _prior(draw: st.DrawFn, kind: str) -> object:
    # Supports inside [0, 4] and exponential means in [1, 3.3] (P(X > 4) >= e^-4): no event that
    # matters has probability so small that 4000 draws miss it, which would make the Monte Carlo
    # standard error (not the quadrature) wrong.
    if kind == "uniform":
        lo = draw(st.floats(0.0, 2.0))
        return Uniform(lo, lo + draw(st.floats(0.5, 2.0)))
    if kind == "exponential":
        return Exponential(draw(st.floats(0.3, 1.0)))
    if kind == "piecewise":
        return draw(piecewise(max_gap=0.75, max_start=1.0))
    return draw(discrete(max_gap=1.0))


@settings(max_examples=10, deadline=None)
@given(data=st.data(), n=st.integers(2, 3), m=st.integers(1, 2),
       model=st.sampled_from(["mnl", "independent"]), mech=st.sampled_from(["vcg", "myerson"]),
       seed=st.integers(0, 2**31 - 1))
def test_quadrature_agrees_with_monte_carlo(data: st.DataObject, n: int, m: int, model: str,
                                            mech: str, seed: int) -> None:
    if model == "independent" and mech == "myerson":
        model = "mnl"  # the batched Myerson kernel is MNL; other models run one auction per point
    hi = 3.0 if model == "mnl" else 1.0
    W = np.array(data.draw(st.lists(st.lists(st.floats(0.1, hi), min_size=m, max_size=m),
                                    min_size=n, max_size=n)))
    K = data.draw(st.integers(1, m))
    inst = (AuctionInstance(np.zeros(n), W, max_ads=K) if model == "mnl"
            else AuctionInstance(np.zeros(n), ctr=W, max_ads=K, model=model))
    kinds = st.sampled_from(["uniform", "exponential", "piecewise", "discrete"])
    pr = [_prior(data.draw, data.draw(kinds)) for _ in range(n)]
    nodes = round(40_000 ** (1 / n))  # about 4e4 points, 10x the Monte Carlo sample
    q = expected_revenue_quadrature(mech, inst, pr, nodes)
    mc = expected_revenue(mech, inst, pr, 4000, seed=seed)
    fp = 1e-12 * max(1.0, abs(q.welfare))  # a degenerate (constant) integrand has stderr 0
    assert abs(q.revenue - mc.revenue) <= 4 * mc.revenue_stderr + q.revenue_error + fp
    assert abs(q.welfare - mc.welfare) <= 4 * mc.welfare_stderr + q.welfare_error + fp


def test_unbatched_mechanisms_and_callables_are_integrated() -> None:
    # cascade (one auction per point) and a user callable (GSP) against Monte Carlo
    cas = AuctionInstance([0.0, 0.0], ctr=[[0.5, 0.3], [0.4, 0.2]], model="cascade", max_ads=2)
    pr = [Uniform(0, 2), Discrete([0.5, 1.5], [0.3, 0.7])]
    for mech in ("vcg", gsp):
        q = expected_revenue_quadrature(mech, cas, pr, 12)
        mc = expected_revenue(mech, cas, pr, 3000, seed=7)
        assert abs(q.revenue - mc.revenue) <= 4 * mc.revenue_stderr + q.revenue_error
        assert abs(q.welfare - mc.welfare) <= 4 * mc.welfare_stderr + q.welfare_error
    assert expected_revenue_quadrature(gsp, cas, pr, 4).mechanism == "gsp"


# ---------------------------------------------------------------- bad input


def test_budget_and_validation() -> None:
    inst5 = AuctionInstance(np.zeros(5), np.ones((5, 1)))
    with pytest.raises(InvalidInputError, match=r"nodes: the quadrature grid has 32\*\*5 = 33554432 "
                                                r"points, over the budget max_points=2000000; .*Monte Carlo"):
        expected_revenue_quadrature("vcg", inst5, [U01] * 5)
    assert QUADRATURE_MAX_POINTS == 2_000_000
    D = Discrete([1.0, 2.0, 3.0], [0.2, 0.3, 0.5])
    with pytest.raises(InvalidInputError, match=r"4\*\*1 \* 3 \(discrete supports\) = 12 points"):
        expected_revenue_quadrature("vcg", ONE_ITEM, [U01, D], 4, max_points=10)
    assert expected_revenue_quadrature("vcg", ONE_ITEM, [U01, D], 4, max_points=12).n_points == 12
    with pytest.raises(InvalidInputError, match="nodes: must be >= 2"):
        expected_revenue_quadrature("vcg", ONE_ITEM, [U01, U01], 1)
    with pytest.raises(InvalidInputError, match="rule"):
        expected_revenue_quadrature("vcg", ONE_ITEM, [U01, U01], 4, rule="simpson")
    with pytest.raises(InvalidInputError, match="virtual_surplus"):
        expected_revenue_quadrature("vcg", ONE_ITEM, [U01, U01], 4, estimator="virtual_surplus")
    with pytest.raises(InvalidInputError, match="priors: must have one prior per ad"):
        expected_revenue_quadrature("vcg", ONE_ITEM, [U01], 4)
    with pytest.raises(InvalidInputError, match="instance: must be an AuctionInstance"):
        expected_revenue_quadrature("vcg", "x", [U01, U01], 4)  # type: ignore[arg-type]
