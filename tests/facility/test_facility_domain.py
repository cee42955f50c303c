"""General domains [a, b] (affine rescaling) and clip=True (design note §8)."""

from __future__ import annotations

import math
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    Lottery,
    audit_group_strategyproofness,
    audit_strategyproofness,
    axiom_slacks,
    best_response_dynamics,
    check_axioms,
    generalized_median,
    ifs_clipped_median,
    leftmost,
    lrm,
    mean,
    median,
    midpoint,
    phantom_median,
    random_rank,
    rightmost,
    ufs_clipped_median,
    uniform_phantom,
)
from mechkit.facility.strategies import batches, exact_profiles
from tests.facility.oracles import median_of, pf_slack_subsets

MECHS = [uniform_phantom, median, mean, midpoint, leftmost, rightmost, ifs_clipped_median,
         ufs_clipped_median, lrm, random_rank]

# rational intervals [a, b], including negative and wide ones
domains = st.tuples(st.fractions(-5, 5, max_denominator=7),
                    st.fractions(F(1, 5), 6, max_denominator=5)).map(lambda t: (t[0], t[0] + t[1]))


def image(v, a, b):
    return a + (b - a) * v


def image_outcome(y, a, b):
    if isinstance(y, Lottery):
        return Lottery.from_pairs([(image(s, a, b), p) for s, p in zip(y.support, y.probs, strict=True)])
    return image(y, a, b)


@settings(max_examples=40)
@given(exact_profiles(min_n=1, max_n=6), domains)
def test_mechanism_on_domain_is_the_affine_image(x, dom):
    """f_[a,b](a + (b-a) z) = a + (b-a) f(z), exactly, for every mechanism."""
    a, b = dom
    xa = [image(v, a, b) for v in x]
    for mech in MECHS:
        assert mech(xa, domain=dom) == image_outcome(mech(x), a, b), mech.name
    beta = [F(1)] + [F(1, 2)] * (len(x) - 1) + [F(0)]
    ph = [F(k, 7) for k in range(len(x) + 1)]
    assert phantom_median(xa, phantoms=ph, domain=dom) == image(phantom_median(x, phantoms=ph), a, b)
    assert generalized_median(xa, beta=beta, domain=dom) == image(generalized_median(x, beta=beta), a, b)


@settings(max_examples=40)
@given(exact_profiles(min_n=1, max_n=6), domains)
def test_uniform_phantom_on_domain_has_phantoms_a_plus_k_width_over_n(x, dom):
    """Independent oracle: the median of the reports and the phantoms a + k (b - a) / n."""
    a, b = dom
    xa = [image(v, a, b) for v in x]
    n = len(xa)
    assert uniform_phantom(xa, domain=dom) == median_of(xa + [a + F(k, n) * (b - a) for k in range(n + 1)])


def pf_slack_on_domain(x, y, a, b):
    """PF slack by definition with utility 1 - |y - x| / (b - a): min over groups S, i in S of
    u_i - (|S|/n - r / (b - a))."""
    import itertools

    n = len(x)
    best = None
    for k in range(1, n + 1):
        for S in itertools.combinations(range(n), k):
            r = (max(x[i] for i in S) - min(x[i] for i in S)) / (b - a)
            for i in S:
                s = 1 - abs(y - x[i]) / (b - a) - F(k, n) + r
                best = s if best is None or s < best else best
    return best


@settings(max_examples=40)
@given(exact_profiles(min_n=1, max_n=5), st.fractions(0, 1, max_denominator=12), domains)
def test_axioms_on_domain_equal_the_unit_interval_and_the_definition(x, y, dom):
    a, b = dom
    xa, ya = [image(v, a, b) for v in x], image(y, a, b)
    rep_a, rep = check_axioms(xa, ya, domain=dom), check_axioms(x, y)
    for name in rep:
        assert rep_a[name].satisfied == rep[name].satisfied
        assert rep_a[name].slack == rep[name].slack
        assert rep_a[name].witness == rep[name].witness
    assert rep_a["PF"].slack == pf_slack_on_domain(xa, ya, a, b) == pf_slack_subsets(x, y)


@settings(max_examples=25, deadline=None)
@given(batches(max_B=5, max_n=7), st.sampled_from([(-1.0, 3.0), (10.0, 10.5), (0.25, 0.75)]))
def test_batches_on_domain(X, dom):
    a, b = dom
    Xa = a + (b - a) * X
    # (not ufs_clipped_median: it tests co-location by float equality, and the affine map can round
    # distinct reports such as 0 and 1e-131 onto one point; its exact form is tested above)
    for mech in (uniform_phantom, median, mean, midpoint):
        got = mech.batch(Xa, domain=dom)
        assert np.allclose(got, a + (b - a) * mech.batch(X), rtol=0, atol=1e-12 * (abs(a) + b))
        assert ((got >= a) & (got <= b)).all()
    y = uniform_phantom.batch(X)
    s_a = axiom_slacks(Xa, a + (b - a) * y, ("IFS", "PF"), domain=dom)
    s = axiom_slacks(X, y, ("IFS", "PF"))
    for k in s:
        assert np.allclose(s_a[k], s[k], atol=1e-9)


def test_sp_audit_on_domain_scales_gains_and_maps_witnesses():
    a, b = F(-2), F(3)
    x = [F(1, 10), F(3, 10), F(9, 10)]
    xa = [image(v, a, b) for v in x]
    unit = audit_strategyproofness(mean, x)
    res = audit_strategyproofness(mean, xa, domain=(a, b))
    assert res.max_gain == (b - a) * unit.max_gain == F(1, 2)
    assert res.deviation == image(unit.deviation, a, b) and res.agent == unit.agent
    assert mean(list(res.witness_profile()), domain=(a, b)) == res.deviated_outcome
    # a plain callable on [a, b] (the mean, which commutes with affine maps) gives the same
    box = audit_strategyproofness(lambda v: sum(v) / len(v), xa, domain=(a, b))
    assert box.max_gain == F(1, 2) and box.verdict == "manipulable"
    fl = audit_strategyproofness(lambda v: float(np.mean(v)), [float(v) for v in xa], domain=(-2, 3))
    assert fl.max_gain == pytest.approx(0.5) and -2 <= fl.deviation <= 3
    cert = audit_strategyproofness(uniform_phantom, [0.0, 7.5, 10.0], domain=(0, 10))
    assert cert.verdict == "strategyproof (certificate)" and cert.outcome == pytest.approx(20 / 3)


@settings(max_examples=10, deadline=None)
@given(exact_profiles(min_n=2, max_n=4, denominator=6), domains)
def test_mean_equilibrium_on_domain_is_the_uniform_phantom(x, dom):
    """Renault--Trannoy on [a, b]: the mean's equilibrium outcome is UP with phantoms a + k(b-a)/n."""
    a, b = dom
    xa = [image(v, a, b) for v in x]
    res = best_response_dynamics(mean, xa, domain=dom)
    assert res.outcome == uniform_phantom(xa, domain=dom) == image(uniform_phantom(x), a, b)
    assert all(a <= r <= b for r in res.reports)


def test_group_audit_on_domain():
    unit = audit_group_strategyproofness(mean, [0.1, 0.3, 0.9])
    res = audit_group_strategyproofness(mean, [-1.0, 1.0, 7.0], domain=(-2, 8))
    assert res.manipulable and res.coalition == unit.coalition
    assert res.gains == pytest.approx(tuple(10 * g for g in unit.gains))
    assert all(-2 <= d <= 8 for d in res.deviation)
    assert audit_group_strategyproofness(uniform_phantom, [3.0, 4.0], domain=(2, 6)).verdict == \
        "group-strategyproof (certificate)"


def test_clip():
    x = [-0.5, 0.2, 1.7]
    with pytest.raises(InvalidInputError, match=r"x: entries must lie in \[0, 1\]; entry \(0,\) is -0.5"):
        uniform_phantom(x)
    assert uniform_phantom(x, clip=True) == uniform_phantom([0.0, 0.2, 1.0])
    assert uniform_phantom([F(-1), F(1, 5), F(3)], clip=True) == uniform_phantom([F(0), F(1, 5), F(1)])
    assert uniform_phantom([F(-1), F(7)], domain=(0, 4), clip=True) == uniform_phantom([F(0), F(4)],
                                                                                      domain=(0, 4))
    with pytest.raises(InvalidInputError, match=r"the domain \[0, 4\]; entry \(0,\) is -1 \(pass clip=True"):
        uniform_phantom([F(-1), F(7)], domain=(0, 4))
    assert median.batch([[-1.0, 0.3, 2.0]], clip=True).tolist() == [0.3]
    rep = check_axioms([-3.0, 0.5, 9.0], 0.5, clip=True)
    assert rep == check_axioms([0.0, 0.5, 1.0], 0.5)
    X = np.array([[-1.0, 2.0, 0.5]])
    assert np.array_equal(axiom_slacks(X, [0.5], clip=True)["PF"],
                          axiom_slacks(np.clip(X, 0, 1), [0.5])["PF"])
    assert audit_strategyproofness(mean, [-1.0, 0.3, 0.9], clip=True).max_gain == pytest.approx(
        audit_strategyproofness(mean, [0.0, 0.3, 0.9]).max_gain)
    for bad in ([math.nan, 0.5], [math.inf, 0.5]):  # NaN and infinities are not locations
        with pytest.raises(InvalidInputError, match="finite"):
            uniform_phantom(bad, clip=True)
    with pytest.raises(InvalidInputError, match="clip: must be True or False"):
        uniform_phantom([0.5], clip=1)


@pytest.mark.parametrize("dom, message", [
    ((1, 1), "a < b"), ((2, 1), "a < b"), ((0, math.inf), "finite"), ((math.nan, 1), "finite"),
    ((0, 1, 2), "pair"), ("ab", "pair"), (("a", 1), "real number"), ((-1e308, 1e308), "width"),
])
def test_bad_domains(dom, message):
    with pytest.raises(InvalidInputError, match=message):
        uniform_phantom([0.5], domain=dom)
    with pytest.raises(InvalidInputError, match=message):
        check_axioms([0.5], 0.5, domain=dom)


def test_outcome_outside_domain_raises():
    with pytest.raises(InvalidInputError, match=r"y: must lie in the domain \[2, 3\]"):
        check_axioms([2.5], 3.5, domain=(2, 3))
    with pytest.raises(InvalidInputError, match=r"y: entries must lie in \[2.0, 3.0\]"):
        axiom_slacks([[2.5]], [3.5], domain=(2, 3))
