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


def test_ironed_tie_winner_pays_the_start_of_the_flat():
    # both bidders' phi_bar sit on the same ironed value 0.605 (bidder 1 bids 9.0 in the
    # flat [8.30, 11)); bidder 0 bids 11.5 and wins.  Its CTR is 1/2 for every bid in the
    # flat (ties go to the lower index), so its critical bid is the flat's start 8.3025,
    # not 11 (the old code returned 11 through round-off: a profitable misreport to 8.5)
    inst = AuctionInstance([11.5, 9.0], [[1.0], [1.0]])
    out = myerson(inst, [IRREGULAR, IRREGULAR])
    lo, _hi, _val = IRREGULAR.ironed_intervals[-1]
    assert out.allocation.shown == (0,)
    assert out.price_per_click[0] == pytest.approx(lo, abs=1e-9)
    audit = truthfulness_audit("myerson", inst, priors=[IRREGULAR, IRREGULAR],
                               grid=np.linspace(0, 12, 49), refine=20)
    assert audit.max_gain <= 1e-9


def test_ironed_tie_loser_pays_the_end_of_the_flat():
    # mirrored: bidder 1 (higher index, loses ties on the flat) wins with 11.5, so it needs
    # phi_bar > 0.605, i.e. a bid of at least 11 (the end of the flat)
    inst = AuctionInstance([9.0, 11.5], [[1.0], [1.0]])
    out = myerson(inst, [IRREGULAR, IRREGULAR])
    assert out.allocation.shown == (1,)
    assert out.price_per_click[1] == pytest.approx(11.0, abs=1e-9)


def test_discrete_tie_loser_pays_the_next_support_point():
    # bidder 0 reports 3, bidder 1 reports 5; at a report of 3 bidder 1 ties with bidder 0
    # and loses (lower index wins), so its critical bid is 5 (the old code charged 3)
    D = Discrete([1.0, 2.0, 3.0, 5.0], [0.25] * 4)
    out = myerson(AuctionInstance([3.0, 5.0], [[1.0], [1.0]]), [D, D])
    assert out.allocation.shown == (1,)
    assert out.price_per_click[1] == 5.0
    out = myerson(AuctionInstance([5.0, 3.0], [[1.0], [1.0]]), [D, D])
    assert out.price_per_click[0] == 3.0  # the tie winner pays the tie value


@settings(max_examples=15)
@given(seed=st.integers(0, 2**32 - 1))
def test_myerson_payments_on_ironed_flats_equal_the_bid_space_integral(seed):
    # two or three bidders with the irregular prior, bids drawn inside and around the flat
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 4))
    b = rng.choice([rng.uniform(8.31, 10.99), rng.uniform(11, 12), rng.uniform(0, 12)],
                   size=n)
    W = np.exp(rng.normal(-1, 1, (n, 2)))
    if rng.random() < 0.5:
        W[:] = W[0, 0]  # identical creatives: exact ties between bidders on the flat
    inst = AuctionInstance(b, W, max_ads=int(rng.integers(1, 3)))
    priors = [IRREGULAR] * n
    out = myerson(inst, priors)
    for i in out.allocation.shown:
        # located by bisection on the CTR in bid space: independent of the flats
        assert out.payment[i] == pytest.approx(_bid_space_payment(inst, i, priors), abs=1e-6)


def test_myerson_batch_resolves_ironed_ties_like_myerson():
    from mechkit.position_auctions import myerson_batch

    D = Discrete([1.0, 2.0, 3.0, 5.0], [0.25] * 4)
    bids = np.array([[11.5, 9.0], [9.0, 11.5], [9.0, 10.0]])
    out = myerson_batch([[1.0], [1.0]], bids, [IRREGULAR, IRREGULAR])
    for t in range(3):
        single = myerson(AuctionInstance(bids[t], [[1.0], [1.0]]), [IRREGULAR, IRREGULAR])
        assert np.allclose(out.payment[t], single.payment, atol=1e-12)
    out = myerson_batch([[1.0], [1.0]], [[3.0, 5.0]], [D, D])
    assert out.payment[0].tolist() == pytest.approx([0.0, 2.5])


def test_clamped_bid_below_the_support_is_refused_not_a_solver_bug():
    from mechkit.errors import InvalidInputError
    from mechkit.position_auctions import myerson_batch

    priors = [Uniform(6, 8, outside="clamp"), Uniform(0, 1)]
    with pytest.raises(InvalidInputError, match=r"bids: ad 0 bids 1\.0, below the support"):
        myerson(AuctionInstance([1.0, 0.0], [[1.0], [1.0]]), priors)
    with pytest.raises(InvalidInputError, match=r"bids: in auction 0 ad 0 bids 1\.0, below"):
        myerson_batch([[1.0], [1.0]], [[1.0, 0.0]], priors)


def test_reserve_curve_with_supports_above_the_reserve_matches_realised_vcg():
    from mechkit.position_auctions import reserve_revenue_curve

    # U[2, 8] bidders, two slots: at reserve 0 a bidder with the lowest value 2 is still
    # shown and earns a positive utility, so E[sum phi pi] overstates the revenue (it gave
    # 1.727 against a realised 1.617)
    inst = AuctionInstance([0.0, 0.0], [[1.0, 1.0], [1.0, 1.0]], max_ads=2)
    pr = [Uniform(2, 8), Uniform(2, 8)]
    rev, se, _ = reserve_revenue_curve(inst, pr, [0.0, 3.0], 6000, seed=0)
    ref = expected_revenue("vcg", inst, pr, 6000, seed=1)
    assert abs(rev[0] - ref.revenue) <= 4 * np.hypot(se[0], ref.revenue_stderr)
    # a discrete prior: one bidder, one slot, reserve 0 -> VCG charges nothing
    D = Discrete([1.0, 2.0], [0.5, 0.5])
    rev, se, _ = reserve_revenue_curve(AuctionInstance([0.0], [[1.0]]), [D], [0.0, 1.5], 200,
                                       seed=0)
    assert rev[0] == 0.0
    # reserve 1.5: a value of 2 (probability 1/2) pays 1.5 per click at CTR 1/2
    assert abs(rev[1] - 0.375) <= 4 * se[1]


def test_expected_revenue_runs_a_user_callable_even_with_a_registered_name():
    from mechkit.position_auctions import vcg_with_reserve

    def vcg(inst):  # a user's mechanism that happens to be called "vcg": VCG + reserve 1/2
        return vcg_with_reserve(inst, 0.5)

    U = Uniform(0, 1)
    inst = AuctionInstance([0.0, 0.0], [[1.0], [1.0]])
    est = expected_revenue(vcg, inst, [U, U], 4000, seed=3)
    assert est.mechanism == "custom:vcg"
    assert abs(est.revenue - 5 / 24) <= 4 * est.revenue_stderr  # not plain VCG's 1/6
    # the registered function itself keeps the fast path and needs no wrapper
    cas = AuctionInstance([0.0, 0.0], ctr=[[0.3, 0.2], [0.2, 0.1]], model="cascade")
    assert expected_revenue(myerson, cas, [U, U], 5, seed=0).mechanism == "myerson"
