"""AuctionInstance validation, converters and the bad-input table of the design note (§6)."""

import numpy as np
import pytest

from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.position_auctions import (
    AuctionInstance,
    Discrete,
    Exponential,
    PiecewiseUniform,
    Uniform,
    ctr_of,
    mnl_weights_from_standalone_ctr,
    myerson,
    standalone_ctr_from_mnl_weights,
    vcg,
    welfare_optimal_allocation,
)
from mechkit.position_auctions.welfare import count_allocations

W2 = [[1.0, 0.5], [0.7, 0.2]]


def _bad(match, *args, **kwargs):
    with pytest.raises(InvalidInputError, match=match):
        AuctionInstance(*args, **kwargs)


def test_shape_mismatches():
    _bad(r"weights: must have one row per bid", [1.0, 2.0, 3.0], W2)
    _bad(r"weights: must be 2-dimensional", [1.0], [1.0, 2.0])
    _bad(r"weights: must have positions=3 columns", [1.0, 2.0], W2, positions=3)
    _bad(r"continuation: must have one row per bid, shape \(2, m\); got shape \(1, 2\)", [1.0, 2.0], ctr=W2, model="cascade",
         continuation=[[0.5, 0.5]])
    _bad(r"bids: must be 1-dimensional", [[1.0, 2.0]], W2)


def test_non_finite_and_negative():
    _bad(r"bids: must be finite; entry \(1,\) is nan", [1.0, np.nan], W2)
    _bad(r"weights: must be finite; entry \(0, 1\) is inf", [1.0, 2.0], [[1, np.inf], [1, 1]])
    _bad(r"bids: entries must lie in \[0.0, inf\); entry \(0,\) is -1.0", [-1.0, 2.0], W2)
    _bad(r"weights: entries must lie in \[0.0, inf\)", [1.0, 2.0], [[1, -0.1], [1, 1]])
    _bad(r"outside_weight: must be > 0; got 0.0", [1.0, 2.0], W2, outside_weight=0.0)
    _bad(r"outside_weight: must be a finite real number", [1.0, 2.0], W2, outside_weight=np.inf)


def test_probabilities_outside_unit_interval():
    _bad(r"ctr: entries must lie in \[0.0, 1.0\]; entry \(0, 0\) is 1.5", [1.0], ctr=[[1.5]],
         model="cascade")
    _bad(r"continuation: entries must lie in \[0.0, 1.0\]", [1.0], ctr=[[0.5]], model="cascade",
         continuation=[[-0.2]])
    _bad(r"ctr: entries must lie in \[0.0, 1.0\]", [1.0], ctr=[[1.2]], model="mnl")


def test_invalid_K():
    _bad(r"max_ads: must be an integer; got 1.5", [1.0, 2.0], W2, max_ads=1.5)
    _bad(r"max_ads: must be an integer; got True", [1.0, 2.0], W2, max_ads=True)
    _bad(r"max_ads: must be >= 0; got -1", [1.0, 2.0], W2, max_ads=-1)
    _bad(r"max_ads: must be <= 2; got 3", [1.0, 2.0], W2, max_ads=3)


def test_unknown_names_and_sigma():
    _bad(r"model: must be one of 'mnl', 'cascade', 'independent'; got 'logit'", [1.0], [[1.0]],
         model="logit")
    _bad(r"order: must be one of 'free', 'fixed'; got 'random'", [1.0], [[1.0]], order="random")
    _bad(r"continuation: must be one of 'stop_on_click', 'always_continue'; got 'never'", [1.0],
         ctr=[[0.5]], model="cascade", continuation="never")
    _bad(r"rendering_order: must be a permutation of range\(2\); got \[0, 0\]", [1.0, 2.0],
         ctr=W2, model="cascade", order="fixed", rendering_order=[0, 0])
    _bad(r"rendering_order: only used with order='fixed'", [1.0, 2.0], W2, rendering_order=[1, 0])
    _bad(r"mnl_convention: must be one of", [1.0], ctr=[[0.5]], mnl_convention="probit")
    inst = AuctionInstance([1.0, 2.0], W2)
    with pytest.raises(UnknownNameError, match="unknown welfare method 'simplex'; known: "):
        welfare_optimal_allocation(inst, method="simplex")
    with pytest.raises(InvalidInputError, match="method: 'bitmask_dp' solves the cascade model"):
        welfare_optimal_allocation(inst, method="bitmask_dp")


def test_model_argument_mixups():
    _bad(r"weights: weights are for the MNL model; pass ctr=", [1.0], [[0.5]], model="cascade")
    _bad(r"ctr: model='cascade' needs ctr=", [1.0], model="cascade")
    _bad(r"weights: the MNL model needs weights=", [1.0])
    _bad(r"weights: pass either weights= or ctr=", [1.0], [[1.0]], ctr=[[0.5]])
    _bad(r"continuation: only the cascade model", [1.0], [[1.0]], continuation="stop_on_click")


def test_converter_rejects_p_equal_one_and_round_trips():
    with pytest.raises(InvalidInputError, match=r"p: a standalone CTR of 1 has no MNL weight"):
        mnl_weights_from_standalone_ctr([[0.2, 1.0]])
    with pytest.raises(InvalidInputError, match=r"convention: must be one of 'odds', 'identity'"):
        mnl_weights_from_standalone_ctr([0.2], convention="logit")
    p = np.array([[0.1, 0.5], [0.9, 0.0]])
    w = mnl_weights_from_standalone_ctr(p, outside_weight=2.0)
    assert np.allclose(standalone_ctr_from_mnl_weights(w, outside_weight=2.0), p)
    # an ad shown alone under the "odds" convention has CTR exactly p
    inst = AuctionInstance([1.0, 1.0], ctr=p, outside_weight=2.0)
    assert np.isclose(ctr_of(inst, [1, -1])[0], 0.5)
    ident = AuctionInstance([1.0, 1.0], ctr=p, mnl_convention="identity")
    assert np.array_equal(ident.weights, p)


def test_degenerate_inputs_give_empty_allocations():
    cases = [
        AuctionInstance([], np.zeros((0, 3))),
        AuctionInstance([], [], positions=2),
        AuctionInstance([1.0, 2.0], np.zeros((2, 0))),
        AuctionInstance([1.0, 2.0], W2, max_ads=0),
        AuctionInstance([0.0, 0.0], W2),
        AuctionInstance([1.0, 2.0], np.zeros((2, 2))),
        AuctionInstance([0.0, 0.0], ctr=W2, model="cascade"),
        AuctionInstance([0.0, 0.0], ctr=W2, model="cascade", order="fixed"),
        AuctionInstance([1.0, 2.0], ctr=W2, model="independent", max_ads=0),
    ]
    for inst in cases:
        out = vcg(inst)
        assert out.allocation.shown == ()
        assert out.welfare == 0.0 and out.revenue == 0.0
        assert np.all(out.payment == 0) and np.all(out.price_per_click == 0)
        pr = myerson(inst, [Uniform(0, 5)] * inst.n)
        assert pr.revenue == 0.0


def test_priors_bad_inputs():
    with pytest.raises(InvalidInputError, match=r"hi: must be > lo; got lo=2.0, hi=1.0"):
        Uniform(2, 1)
    with pytest.raises(InvalidInputError, match=r"rate: must be > 0; got -1.0"):
        Exponential(-1)
    with pytest.raises(InvalidInputError, match=r"probs: must sum to 1"):
        Discrete([1, 2], [0.5, 0.6])
    with pytest.raises(InvalidInputError, match=r"probs: must be positive; entry \(0,\) is 0.0"):
        Discrete([1, 2], [0.0, 1.0])
    with pytest.raises(InvalidInputError, match=r"values: must be strictly increasing"):
        Discrete([2, 1], [0.5, 0.5])
    with pytest.raises(InvalidInputError, match=r"breaks: must be strictly increasing"):
        PiecewiseUniform([0, 2, 1], [0.5, 0.5])
    with pytest.raises(InvalidInputError, match=r"densities: must be positive inside the support"):
        PiecewiseUniform([0, 1, 2], [1.0, 0.0])
    with pytest.raises(InvalidInputError, match=r"densities: must integrate to 1"):
        PiecewiseUniform([0, 1, 2], [0.5, 0.6])
    inst = AuctionInstance([1.0, 2.0], W2)
    with pytest.raises(InvalidInputError, match=r"priors: must have one prior per ad \(n=2\)"):
        myerson(inst, [Uniform(0, 5)])
    with pytest.raises(InvalidInputError, match=r"priors: entry 1 must be a Prior"):
        myerson(inst, [Uniform(0, 5), "uniform"])
    with pytest.raises(InvalidInputError, match=r"bid 2.0 is outside the prior's support"):
        myerson(inst, [Uniform(0, 5), Uniform(0, 1)])
    clamp = myerson(inst, [Uniform(0, 5), Uniform(0, 1, outside="clamp")])
    assert clamp.revenue >= 0


def test_exponential_solvers_refuse_beyond_limits():
    rng = np.random.default_rng(0)
    big_m = AuctionInstance(rng.random(3), ctr=rng.random((3, 21)) * 0.5, model="cascade")
    with pytest.raises(InvalidInputError, match=r"limited to m <= 20.*hint"):
        welfare_optimal_allocation(big_m, method="bitmask_dp")
    big_n = AuctionInstance(rng.random(17), ctr=rng.random((17, 3)) * 0.5, model="cascade",
                            order="fixed", max_ads=3)
    with pytest.raises(InvalidInputError, match=r"limited to n <= 16.*hint"):
        welfare_optimal_allocation(big_n, method="fixed_order_dp")
    brute = AuctionInstance(rng.random(30), rng.random((30, 6)))
    assert count_allocations(30, 6, 6) > 200_000
    with pytest.raises(InvalidInputError, match=r"'brute_force' would enumerate .* hint"):
        welfare_optimal_allocation(brute, method="brute_force")
    general = AuctionInstance(rng.random(30), ctr=rng.random((30, 6)) * 0.5, model="cascade",
                              continuation=rng.random((30, 6)))
    with pytest.raises(InvalidInputError, match=r"no exact polynomial solver .*\(hint"):
        welfare_optimal_allocation(general)


def test_ctr_of_validates_allocations():
    inst = AuctionInstance([1.0, 2.0], W2, max_ads=1)
    with pytest.raises(InvalidInputError, match="assignment: positions must be distinct"):
        ctr_of(AuctionInstance([1.0, 2.0], W2), [0, 0])
    with pytest.raises(InvalidInputError, match="more than max_ads=1"):
        ctr_of(inst, [0, 1])
    with pytest.raises(InvalidInputError, match=r"assignment: entries must be <= 1"):
        ctr_of(inst, [2, -1])


def test_with_bids_and_repr():
    inst = AuctionInstance([1.0, 2.0], ctr=W2, model="cascade", order="fixed",
                           rendering_order=[1, 0])
    assert inst.with_bids([3.0, 4.0]).bids.tolist() == [3.0, 4.0]
    assert inst.with_bids([3.0, 4.0]).sigma.tolist() == [1, 0]
    with pytest.raises(InvalidInputError, match=r"bids: must have shape \(2,\)"):
        inst.with_bids([1.0])
    assert "cascade" in repr(inst) and inst.to_dict()["rendering_order"] == [1, 0]


def test_log_weights_avoid_overflow_and_match_plain_weights():
    rho = np.array([[0.3, -1.2], [1.1, 0.0], [-0.4, 0.8]])
    b = [5.0, 3.0, 4.0]
    plain = vcg(AuctionInstance(b, np.exp(rho), max_ads=2, outside_weight=0.7))
    logged = vcg(AuctionInstance.from_log_weights(b, rho, max_ads=2, outside_weight=0.7))
    assert logged.welfare == pytest.approx(plain.welfare, rel=1e-12)
    assert np.allclose(logged.payment, plain.payment, atol=1e-12)
    huge = AuctionInstance.from_log_weights(b, rho + 900.0, max_ads=2)
    out = vcg(huge)
    assert np.all(np.isfinite(out.payment)) and 0 < out.welfare <= max(b)
    bad = rho.copy()
    bad[1, 0] = np.inf
    with pytest.raises(InvalidInputError, match=r"rho: must be finite; entry \(1, 0\) is inf"):
        AuctionInstance.from_log_weights(b, bad)


def test_vcg_with_reserve():
    from mechkit.position_auctions import truthfulness_audit, vcg_with_reserve

    rng = np.random.default_rng(9)
    inst = AuctionInstance(rng.uniform(0, 10, 4), np.exp(rng.normal(-1, 1, (4, 2))), max_ads=2)
    assert np.allclose(vcg_with_reserve(inst, 0.0).payment, vcg(inst).payment, atol=1e-9)
    r = vcg_with_reserve(inst, 4.0)
    assert all(inst.bids[i] >= 4.0 for i in r.allocation.shown)
    assert all(r.price_per_click[i] >= 4.0 - 1e-9 for i in r.allocation.shown)
    assert truthfulness_audit("vcg_reserve", inst, reserve=4.0, n_grid=9, refine=15).truthful
    with pytest.raises(InvalidInputError, match="reserve: must be non-negative"):
        vcg_with_reserve(inst, -1.0)


def test_ctr_breakpoints_and_count_allocations_validate_their_arguments():
    from mechkit.position_auctions import ctr_breakpoints

    inst = AuctionInstance([1.0, 2.0], W2)
    with pytest.raises(InvalidInputError, match="upto: must be >= 0"):
        ctr_breakpoints(inst, 0, upto=-1.0)  # used to return () silently
    with pytest.raises(InvalidInputError, match="upto: must be a finite real number"):
        ctr_breakpoints(inst, 0, upto=np.nan)  # used to blame "bids"
    with pytest.raises(InvalidInputError, match="max_solves: must be an integer"):
        ctr_breakpoints(inst, 0, max_solves=1.5)
    with pytest.raises(InvalidInputError, match="max_solves: must be >= 2"):
        ctr_breakpoints(inst, 0, max_solves=0)
    with pytest.raises(InvalidInputError, match=r"bids: must have shape \(2,\)"):
        ctr_breakpoints(inst, 1, bids=[1.0])  # used to be an IndexError
    with pytest.raises(InvalidInputError, match="n: must be >= 0"):
        count_allocations(-1, 2, 2)
