from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    audit_group_strategyproofness,
    audit_strategyproofness,
    generalized_median,
    lrm,
    mean,
    median,
    midpoint,
    phantom_median,
    random_rank,
    ufs_clipped_median,
    uniform_phantom,
)
from mechkit.facility.strategies import batches, exact_profiles, profiles
from solvers.facility_audit import phantom_audit_batch
from tests.facility.oracles import sp_gain_grid


def test_design_note_manipulation_gains():
    x = [F(1, 10), F(3, 10), F(9, 10)]
    res = audit_strategyproofness(mean, x)
    assert (res.max_gain, res.agent, res.deviation) == (F(1, 10), 1, 0)
    assert res.verdict == "manipulable" and res.manipulable
    assert mean(list(res.witness_profile())) == res.deviated_outcome == F(1, 3)
    res = audit_strategyproofness(midpoint, x)
    assert res.max_gain == F(1, 20) and res.agent == 0
    res = audit_strategyproofness(ufs_clipped_median, [F(0), F(0), F(0), F(1, 4)])
    assert res.max_gain == F(1, 4) and res.agent == 3
    # float mode finds the same gains
    assert audit_strategyproofness(mean, [0.1, 0.3, 0.9]).max_gain == pytest.approx(0.1)
    assert audit_strategyproofness(midpoint, [0.1, 0.3, 0.9]).max_gain == pytest.approx(0.05)
    assert audit_strategyproofness(ufs_clipped_median, [0, 0, 0, 0.25]).max_gain == pytest.approx(0.25)


@settings(max_examples=15)
@given(exact_profiles(min_n=2, max_n=3, denominator=6))
def test_exact_search_finds_the_mean_supremum(x):
    """Agent i can move the mean anywhere in [m0, m1] (own report 0 or 1): the best gain is
    reaching clamp(x_i, m0, m1); the search must find exactly that, at least the grid oracle."""
    n, y = len(x), mean(x)
    sup = F(0)
    for i in range(n):
        rest = sum(x) - x[i]
        m0, m1 = rest / n, (rest + 1) / n
        best = min(max(x[i], m0), m1)
        sup = max(sup, abs(y - x[i]) - abs(best - x[i]))
    res = audit_strategyproofness(mean, x)
    assert res.max_gain == sup >= sp_gain_grid(mean, x, 6)


@given(batches(max_B=4, max_n=9))
def test_phantom_certificate_search_finds_no_gain(X):
    res = audit_strategyproofness(uniform_phantom, X)
    assert res.verdict == "strategyproof (certificate)"
    assert res.max_gain == 0.0 and res.gains.shape == (X.shape[0],)


@given(batches(max_B=3, max_n=6))
def test_phantom_audit_kernel_matches_blackbox(X):
    n = X.shape[1]
    ph = np.arange(n + 1) / n
    g, a, d, ev = phantom_audit_batch(X, ph)
    g2, a2, d2, ev2 = phantom_audit_batch.py_func(X, ph)
    assert np.array_equal(g, g2) and np.array_equal(a, a2) and np.array_equal(d, d2) and ev == ev2
    assert ev == X.shape[0] * n * (4 * n + 5)  # candidates: 0, 2n+1 merged points, 1, midpoints
    assert (g == 0).all()
    # a black-box search on the same mechanism agrees (no manipulation)
    res = audit_strategyproofness(uniform_phantom, X, method="search", refine=False)
    assert res.max_gain <= 1e-12


@given(profiles(min_n=2, max_n=4))
@settings(max_examples=20)
def test_blackbox_search_on_sp_rules_reports_no_manipulation(x):
    for m in (median.bind(), lambda v: float(np.sort(v)[0])):
        res = audit_strategyproofness(m, x, method="search")
        assert res.max_gain <= 1e-12
        assert res.verdict.startswith("no manipulation found at resolution")


def test_discontinuous_sp_rule_and_manipulable_black_box():
    rounding_dictator = lambda v: float(round(v[0]))  # noqa: E731  (SP, discontinuous)
    assert not audit_strategyproofness(rounding_dictator, [0.4, 0.9]).manipulable
    bad = lambda v: float(min(1.0, v[0] + 0.25))  # noqa: E731  (shifted dictator: manipulable)
    res = audit_strategyproofness(bad, [0.5, 0.2])
    assert res.manipulable and res.agent == 0 and res.max_gain == pytest.approx(0.25)
    assert bad(np.array(res.witness_profile())) == pytest.approx(0.5)


def test_randomized_audits():
    assert not audit_strategyproofness(lrm, [0.1, 0.3, 0.9]).manipulable
    assert not audit_strategyproofness(lrm, [F(1, 10), F(3, 10), F(9, 10)]).manipulable
    res = audit_strategyproofness(random_rank, [0.1, 0.3, 0.9])
    assert res.method == "certificate"


def test_batch_search_reports_worst_profile():
    X = np.array([[0.5, 0.5, 0.5], [0.1, 0.3, 0.9]])
    res = audit_strategyproofness(mean, X)
    assert res.profile_index == 1 and res.gains[0] == pytest.approx(0.0, abs=1e-12)
    assert res.max_gain == pytest.approx(0.1)


def test_certificates_and_methods():
    res = audit_strategyproofness(generalized_median.bind(beta=[1, 0.5, 0]), [0.2, 0.9])
    assert res.method == "certificate" and "Moulin" in res.certificate
    res = audit_strategyproofness(phantom_median.bind(phantoms=[0.3]), [0.2, 0.9], method="search")
    assert res.method == "search" and not res.manipulable


def test_group_audits():
    res = audit_group_strategyproofness(mean, [0.1, 0.3, 0.9])
    assert res.manipulable and res.coalition == (0, 1)
    assert min(res.gains) > 0
    res = audit_group_strategyproofness(uniform_phantom, [0.1, 0.3, 0.9, 0.95], method="search",
                                        max_size=3)
    assert not res.manipulable
    assert audit_group_strategyproofness(uniform_phantom, [0.1, 0.3]).verdict.endswith("(certificate)")
    res = audit_group_strategyproofness(median.bind(), [0.1, 0.3, 0.9], method="search")
    assert not res.manipulable


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: audit_strategyproofness(mean, [0.1], method="certificate"),
         "method: no strategyproofness certificate for 'mean'"),
        (lambda: audit_strategyproofness(mean, [0.1], method="proof"), "method: must be one of"),
        (lambda: audit_strategyproofness(mean, [0.1], resolution=0), "resolution: must be > 0"),
        (lambda: audit_strategyproofness(mean, [0.1], resolution=2), "resolution: must be <= 1"),
        (lambda: audit_strategyproofness(mean, []), "x: must not be empty"),
        (lambda: audit_strategyproofness(mean, [0.1, np.nan]), "x: must be finite"),
        (lambda: audit_strategyproofness(phantom_median, [0.1]),
         r"mechanism: phantom_median needs parameter\(s\) \['phantoms'\]"),
        (lambda: audit_strategyproofness(3, [0.1]), "mechanism: must be a name, a Mechanism or a callable"),
        (lambda: audit_strategyproofness(lambda v: float("nan"), [0.1]),
         "mechanism: <lambda> must return a finite real location"),
        (lambda: audit_group_strategyproofness(mean, [0.1] * 11), "n must be <= 10"),
        (lambda: audit_group_strategyproofness(mean, [0.1] * 3, max_size=1), "max_size: must be >= 2"),
        (lambda: audit_group_strategyproofness(mean, [0.1] * 3, method="certificate"),
         "method: group-strategyproofness certificates exist only"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


@given(st.integers(0, 10))
def test_seeded_batches_are_reproducible(seed):
    X = np.random.default_rng(seed).random((2, 4))
    a = audit_strategyproofness(mean, X, refine=False)
    b = audit_strategyproofness(mean, X, refine=False)
    assert a.max_gain == b.max_gain and a.deviation == b.deviation
