"""Priors, ironing, Myerson payments, expected revenue and truthfulness audits."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.position_auctions import (
    AuctionInstance,
    Discrete,
    Exponential,
    PiecewiseUniform,
    Uniform,
    expected_revenue,
    gsp,
    myerson,
    truthfulness_audit,
    vcg,
)

IRREGULAR = PiecewiseUniform([0, 1, 10, 11, 12], [0.5, 1 / 30, 0.01, 0.19])


def test_regular_virtual_values_and_thresholds():
    U = Uniform(2, 8)
    assert U.virtual_value(5.0) == pytest.approx(2.0)
    assert U.threshold(2.0) == pytest.approx(5.0)
    assert U.threshold(-100.0) == 2.0  # clamped to the support
    E = Exponential(0.5)
    assert E.virtual_value(3.0) == pytest.approx(1.0)
    assert E.threshold(1.0) == pytest.approx(3.0)
    assert U.is_regular and E.is_regular and not IRREGULAR.is_regular


def test_design_note_ironed_prior():
    flats = IRREGULAR.ironed_intervals
    lo, hi, val = flats[-1]
    assert val == pytest.approx(0.605, abs=5e-4)
    assert lo == pytest.approx(8.30, abs=0.01) and hi == 11.0
    # phi_bar jumps at 11 from the flat to phi(11+) = 10, so the critical bid is 11
    assert IRREGULAR.threshold(0.8) == 11.0
    assert IRREGULAR.unironed_threshold(0.8) == pytest.approx(8.4)


def test_ironing_changes_the_payment():
    # bidder 0 ~ irregular prior bids 11.5; bidder 1 ~ U[0, 10] bids 5.4 (phi = 0.8)
    inst = AuctionInstance([11.5, 5.4], [[1.0], [1.0]])
    out = myerson(inst, [IRREGULAR, Uniform(0, 10)])
    assert out.allocation.shown == (0,)
    assert out.price_per_click[0] == pytest.approx(11.0, abs=1e-9)
    assert out.payment[0] == pytest.approx(5.5, abs=1e-9)
    t, _z, _ = out.details["breakpoints"][0][0]
    assert t == pytest.approx(0.8) and IRREGULAR.unironed_threshold(t) == pytest.approx(8.4)


@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 4))
def test_ironed_virtual_value_is_monotone_with_the_right_mean(seed, k):
    rng = np.random.default_rng(seed)
    breaks = np.concatenate([[0.0], np.cumsum(rng.uniform(0.5, 3, k))])
    mass = rng.dirichlet(np.ones(k))
    F = PiecewiseUniform(breaks, mass / np.diff(breaks), grid=400)
    v = np.linspace(F.lo, F.hi, 2001)
    phib = F.ironed_virtual_value(v)
    assert np.all(np.diff(phib) >= -1e-9 * (1 + np.abs(phib[:-1])))
    # E[phi_bar(V)] = E[phi(V)] = lo (ironing preserves H(1)): phi_bar is linear and f is
    # constant between consecutive cut points, so the midpoint rule there is exact
    cuts = np.unique(np.concatenate([F.breaks, [s.lo for s in F.segments],
                                     [s.hi for s in F.segments]]))
    mids = 0.5 * (cuts[1:] + cuts[:-1])
    mean = float(np.sum(F.ironed_virtual_value(mids) * F.pdf(mids) * np.diff(cuts)))
    assert mean == pytest.approx(F.lo, abs=1e-9 * (1 + np.max(np.abs(phib))))


def test_discrete_prior_ironing():
    D = Discrete([1, 2, 3], [0.5, 0.1, 0.4])
    assert D.virtual_value([1, 2, 3]).tolist() == pytest.approx([0.0, -2.0, 3.0])
    assert D.ironed_virtual_value([1, 2]).tolist() == pytest.approx([-1 / 3, -1 / 3])
    assert D.ironed_intervals[0][:2] == (1.0, 2.0)
    assert D.threshold(0.0) == 3.0


def test_design_note_one_item_payments():
    U = Uniform(0, 1)
    out = myerson(AuctionInstance([0.8, 0.6], [[1.0], [1.0]]), [U, U])
    assert out.price_per_click[0] == pytest.approx(0.6) and out.payment[0] == pytest.approx(0.3)
    out = myerson(AuctionInstance([0.7, 0.4], [[1.0], [1.0]]), [U, U])
    assert out.price_per_click[0] == pytest.approx(0.5)  # the reserve
    out = myerson(AuctionInstance([0.45, 0.4], [[1.0], [1.0]]), [U, U])
    assert out.allocation.shown == ()


def test_design_note_expected_revenue_one_item():
    U = Uniform(0, 1)
    inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
    opt = expected_revenue("myerson", inst, [U, U], 40000, seed=0, estimator="virtual_surplus")
    assert abs(opt.revenue - 5 / 24) <= 4 * opt.revenue_stderr
    v = expected_revenue("vcg", inst, [U, U], 40000, seed=1)
    assert abs(v.revenue - 1 / 6) <= 4 * v.revenue_stderr
    assert abs(v.welfare - 1 / 3) <= 4 * v.welfare_stderr
    slow = expected_revenue("myerson", inst, [U, U], 300, seed=2)  # realised payments
    assert abs(slow.revenue - 5 / 24) <= 4 * slow.revenue_stderr


def test_expected_revenue_is_seeded_and_validated():
    U = Uniform(0, 1)
    inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
    a = expected_revenue("vcg", inst, [U, U], 200, seed=5)
    b = expected_revenue("vcg", inst, [U, U], 200, seed=5)
    assert a.revenue == b.revenue
    with pytest.raises(Exception, match="virtual_surplus"):
        expected_revenue("gsp", inst, [U, U], 10, estimator="virtual_surplus")
    with pytest.raises(Exception, match="n_samples: must be >= 1"):
        expected_revenue("vcg", inst, [U, U], 0)


def _bid_space_payment(inst, i, priors):
    """Payment from the CTR jumps located in bid space by the audit (an independent path)."""
    audit = truthfulness_audit("myerson", inst, bidders=[i], priors=priors, refine=45,
                               grid=np.linspace(0, inst.bids[i], 41))
    pay, prev = 0.0, 0.0
    for z in audit.breakpoints[i]:
        bb = inst.bids.copy()
        bb[i] = z * (1 + 1e-9) + 1e-12
        c = myerson(inst.with_bids(bb), priors).ctr[i]
        pay += z * (c - prev)
        prev = c
    return pay


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_myerson_multi_threshold_payments_match_bid_space_integral(seed):
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    W = np.exp(rng.normal(-1, 1, (n, m)))
    priors = [Uniform(0, 10), Uniform(0, 6, outside="clamp"), Uniform(2, 8, outside="clamp")]
    b = np.array([rng.uniform(0, 10), rng.uniform(0, 6), rng.uniform(2, 8)])
    inst = AuctionInstance(b, W, max_ads=2)
    out = myerson(inst, priors)
    for i in out.allocation.shown:
        assert out.payment[i] == pytest.approx(_bid_space_payment(inst, i, priors), abs=1e-6)


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1), model=st.sampled_from(["mnl", "cascade"]))
def test_myerson_audit_finds_no_profitable_misreport(seed, model):
    rng = np.random.default_rng(seed)
    n, m = 3, 2
    priors = [Uniform(0, 10, outside="clamp"), Uniform(0, 6, outside="clamp"),
              IRREGULAR]
    b = np.array([rng.uniform(0, 10), rng.uniform(0, 6), rng.uniform(0, 12)])
    if model == "mnl":
        inst = AuctionInstance(b, np.exp(rng.normal(-1, 1, (n, m))), max_ads=2)
    else:
        inst = AuctionInstance(b, ctr=rng.uniform(0.05, 0.5, (n, m)), model="cascade")
    grid = np.linspace(0, 12, 13)
    audit = truthfulness_audit("myerson", inst, priors=priors, grid=grid, refine=10)
    assert audit.max_gain <= 1e-9
    assert audit.individually_rational and audit.no_positive_transfers


def test_gsp_is_not_truthful_and_vcg_is():
    inst = AuctionInstance([10, 4, 2], ctr=[[1, 0.95]] * 3, model="independent")
    audit = truthfulness_audit(gsp, inst)
    assert not audit.truthful and audit.max_gain == pytest.approx(1.6)
    w = audit.witness
    assert w.bidder == 0 and 2 < w.misreport < 4 and w.gain == pytest.approx(1.6)
    assert truthfulness_audit(vcg, inst).truthful
    # on an MNL instance the next-price rule is not truthful either
    mnl = AuctionInstance([10, 9, 1], [[1, 1], [1, 1], [1, 1]], max_ads=2)
    assert not truthfulness_audit("gsp", mnl).truthful


@settings(max_examples=30)
@given(seed=st.integers(0, 2**32 - 1))
def test_myerson_with_discrete_priors_is_truthful_on_the_support(seed):
    rng = np.random.default_rng(seed)
    support = np.array([1.0, 2.0, 3.0, 5.0])
    priors = [Discrete(support, rng.dirichlet(np.ones(4))) for _ in range(3)]
    b = rng.choice(support, 3)
    inst = AuctionInstance(b, np.exp(rng.normal(-1, 1, (3, 2))), max_ads=2)
    out = myerson(inst, priors)
    assert np.all(out.payment <= b * out.ctr + 1e-12)
    # every shown ad pays a support value per unit of CTR gained at each jump
    for i in out.allocation.shown:
        assert all(z in support for _, z, _ in out.details["breakpoints"][i])
    audit = truthfulness_audit("myerson", inst, priors=priors, grid=support, refine=0)
    assert audit.max_gain <= 1e-9 and audit.individually_rational
