from __future__ import annotations

from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    axiom_slacks,
    check_axioms,
    endpoint_profiles,
    mean,
    median,
    uniform_phantom,
)
from mechkit.facility.strategies import batches, exact_profiles, values
from solvers.facility_axioms import axiom_slacks_batch
from tests.facility.oracles import ifs_slack_brute, pf_slack_subsets, ufs_slack_brute

exact_y = values(exact=True)


@given(exact_profiles(max_n=6), exact_y)
def test_slacks_match_definitions(x, y):
    rep = check_axioms(x, y, ("IFS", "UFS", "PF"))
    assert rep["PF"].slack == pf_slack_subsets(x, y)
    assert rep["UFS"].slack == ufs_slack_brute(x, y)
    assert rep["IFS"].slack == ifs_slack_brute(x, y)


@given(exact_profiles(max_n=6), exact_y)
def test_witnesses_attain_the_slack(x, y):
    rep = check_axioms(x, y, ("IFS", "UFS", "PF"))
    n = len(x)
    S = rep["PF"].witness
    r = max(x[i] for i in S) - min(x[i] for i in S)
    assert min(1 - F(len(S), n) + r - abs(y - x[i]) for i in S) == rep["PF"].slack
    G = rep["UFS"].witness
    assert len({x[i] for i in G}) == 1
    assert 1 - F(len(G), n) - abs(y - x[G[0]]) == rep["UFS"].slack
    assert 1 - F(1, n) - abs(y - x[rep["IFS"].witness[0]]) == rep["IFS"].slack


@given(exact_profiles(max_n=6), exact_y)
def test_hierarchy(x, y):
    rep = check_axioms(x, y)
    if rep["PF"].satisfied:
        assert rep["UFS"].satisfied
    if rep["UFS"].satisfied:
        assert rep["IFS"].satisfied
        assert rep["proportionality"].satisfied in (True, None)
        assert rep["unanimity"].satisfied in (True, None)


@given(exact_profiles(max_n=7))
def test_uniform_phantom_satisfies_every_axiom_exactly(x):
    rep = check_axioms(x, uniform_phantom(x), ("IFS", "UFS", "proportionality", "PF",
                                                "unanimity", "pareto"))
    assert rep.all_satisfied, rep


@given(exact_profiles(max_n=6))
def test_mean_is_ufs_and_pf(x):
    rep = check_axioms(x, mean(x))
    assert rep.all_satisfied, rep


def test_median_violates_proportionality_and_ufs():
    x = [F(0), F(0), F(1)]
    rep = check_axioms(x, median(x))
    assert rep["proportionality"].satisfied is False and rep["proportionality"].slack == F(-1, 3)
    assert rep["UFS"].satisfied is False


@pytest.mark.parametrize("n", [1, 2, 3, 5, 8])
def test_up_sits_on_the_boundary_of_endpoint_profiles(n):
    for prof in endpoint_profiles(n):
        y = uniform_phantom(prof)
        rep = check_axioms(prof, y)
        assert rep["proportionality"].slack == 0
        assert rep.all_satisfied
        if 0 < sum(prof) < n:
            assert rep["UFS"].slack == 0 and rep["PF"].slack == 0
        # float mode: tight but accepted with the default tolerance
        assert check_axioms([float(v) for v in prof], float(y)).all_satisfied


def test_hierarchy_counterexamples():
    rep = check_axioms([0.1, 0.3, 0.9], 0.7)
    assert rep["UFS"].satisfied and not rep["PF"].satisfied
    assert rep["PF"].witness == (0, 1)
    rep = check_axioms([F(0), F(0), F(0), F(1)], F(1, 2))
    assert rep["IFS"].satisfied and not rep["UFS"].satisfied
    assert rep["UFS"].slack == F(-1, 4) and rep["UFS"].witness == (0, 1, 2)


def test_not_applicable_is_none_and_n1():
    rep = check_axioms([0.2, 0.7], 0.4)
    assert rep["proportionality"].satisfied is None and rep["unanimity"].satisfied is None
    rep = check_axioms([F(1, 3)], F(1, 3))
    assert rep.all_satisfied
    assert check_axioms([F(1, 3)], F(1, 2))["IFS"].satisfied is False


def test_colocation_atol_groups_near_ties():
    x = [0.3, 0.3 + 1e-13, 0.9]
    assert check_axioms(x, 0.9, "UFS")["UFS"].satisfied  # three singletons
    rep = check_axioms(x, 0.9, "UFS", colocation_atol=1e-9)
    assert rep["UFS"].witness == (0, 1) and not rep["UFS"].satisfied


def test_float_tolerance_is_named_and_used():
    rep = check_axioms([0.0, 1.0], 0.5 + 1e-13, "IFS")
    assert rep["IFS"].satisfied  # slack -1e-13 within default atol 2e-12
    assert not check_axioms([0.0, 1.0], 0.5 + 1e-13, "IFS", atol=0.0)["IFS"].satisfied


@given(batches(max_n=8), st.data())
def test_batched_slacks_match_exact(X, data):
    y = np.array([data.draw(st.sampled_from([0.0, 0.5, 1.0, 1 / 3, float(r[0])])) for r in X])
    got = axiom_slacks_batch(X, y)
    np.testing.assert_array_equal(got, axiom_slacks_batch.py_func(X, y))
    for b in range(X.shape[0]):
        rep = check_axioms([F(float(v)) for v in X[b]], F(float(y[b])))
        for col, name in enumerate(("IFS", "UFS", "proportionality", "PF", "unanimity")):
            want = rep[name].slack
            if want is None:
                assert np.isnan(got[b, col])
            else:
                assert got[b, col] == pytest.approx(float(want), abs=1e-12)


def test_axiom_slacks_selects_and_validates():
    X = np.array([[0.0, 0.0, 1.0], [0.2, 0.4, 0.4]])
    s = axiom_slacks(X, uniform_phantom.batch(X), ("PF", "proportionality"))
    assert set(s) == {"PF", "proportionality"}
    assert np.isnan(s["proportionality"][1]) and s["proportionality"][0] == pytest.approx(0.0)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: check_axioms([0.1], 1.5), r"y: must lie in \[0, 1\]; got 1.5"),
        (lambda: check_axioms([0.1], float("nan")), "y: must be a finite real number"),
        (lambda: check_axioms([], 0.5), "x: must not be empty"),
        (lambda: check_axioms([0.1, 2.0], 0.5), r"x: entries must lie in \[0, 1\]"),
        (lambda: check_axioms([0.1], 0.5, ("EJR",)), "axioms: unknown axiom 'EJR'; known: IFS"),
        (lambda: check_axioms([0.1], 0.5, ()), "axioms: must name at least one"),
        (lambda: check_axioms([F(1, 2)], 0.5, atol=1e-9), "atol: exact mode compares slacks with 0"),
        (lambda: check_axioms([0.5], 0.5, atol=-1.0), "atol: must be >= 0"),
        (lambda: check_axioms([0.5], 0.5, colocation_atol=-1.0), "colocation_atol: must be >= 0"),
        (lambda: check_axioms([0.5], 0.5)["EJR"], "axiom: 'EJR' was not checked"),
        (lambda: axiom_slacks([[0.1, 0.2]], [0.1, 0.2]), r"y: must have shape \(1,\) to match X"),
        (lambda: axiom_slacks([[0.1, 0.2]], [1.2]), r"y: entries must lie in \[0, 1\]"),
        (lambda: axiom_slacks([[0.1, 0.2]], [0.1], ("pareto",)), "axioms: unknown axiom 'pareto'"),
        (lambda: axiom_slacks([0.1, 0.2], [0.1]), "X: must be 2-dimensional"),
    ],
)
def test_bad_input(call, message):
    with pytest.raises(InvalidInputError, match=message):
        call()


def _numpy_slacks(x, y):
    """Independent numpy reference: IFS, UFS via np.unique, PF by the O(m^2) pair scan."""
    n = x.size
    ifs = (1 - 1 / n - np.abs(y - x)).min()
    vals, counts = np.unique(x, return_counts=True)
    ufs = (1 - counts / n - np.abs(y - vals)).min()
    cum = np.concatenate([[0], np.cumsum(counts)])
    pf = np.inf
    for a in range(vals.size):  # groups [vals[a], vals[b]] hold every report in between
        for b in range(a, vals.size):
            k = cum[b + 1] - cum[a]
            far = max(abs(y - vals[a]), abs(y - vals[b]))
            pf = min(pf, 1 - k / n + vals[b] - vals[a] - far)
    return ifs, ufs, pf


@settings(max_examples=30)
@given(st.integers(2, 120), st.integers(0, 2**32 - 1), st.sampled_from(["uniform", "ties", "cluster"]))
def test_kernel_matches_numpy_reference_for_larger_n(n, seed, kind):
    rng = np.random.default_rng(seed)
    X = rng.random((2, n))
    if kind == "ties":
        X = np.round(X * 7) / 7
    elif kind == "cluster":  # one bucket holds most reports (np.sort path inside the bucket)
        X = 0.5 + 0.002 * np.round(rng.random((2, n)) * 20) / 20
    y = rng.random(2)
    got = axiom_slacks_batch(X, y)
    for b in range(2):
        ifs, ufs, pf = _numpy_slacks(X[b], y[b])
        assert got[b, 0] == pytest.approx(ifs, abs=1e-13)
        assert got[b, 1] == pytest.approx(ufs, abs=1e-13)
        assert got[b, 3] == pytest.approx(pf, abs=1e-13)


@given(exact_profiles(max_n=6))
def test_ifs_clipped_median_is_ifs(x):
    from mechkit.facility import ifs_clipped_median

    assert check_axioms(x, ifs_clipped_median(x), "IFS")["IFS"].satisfied


def test_ifs_clipped_median_is_not_proportional():
    from mechkit.facility import ifs_clipped_median

    x = [F(0), F(0), F(1), F(1)]
    rep = check_axioms(x, ifs_clipped_median(x))
    assert rep["IFS"].satisfied and rep["proportionality"].satisfied is False


@given(st.lists(st.sampled_from([F(0), F(1, 6), F(1, 3), F(1, 2), F(2, 3), F(5, 6), F(1)]),
                min_size=4, max_size=4))
def test_sp_ifs_characterisation_of_phantoms(ph):
    """Design note §3.2 (n = 3): med(x, p_1..p_4) is IFS on every profile iff p_1 <= 2/3,
    p_4 >= 1/3 and p_2, p_3 in [1/3, 2/3].  IFS slack is concave on every cell of the
    arrangement, so checking the grid of cell vertices {0, 1, phantoms, k/3, k/6} suffices."""
    from mechkit.facility import grid_profiles, phantom_median

    p = sorted(ph)
    n = 3
    m = phantom_median.bind(phantoms=p)
    holds = all(check_axioms(list(x), m(list(x)), "IFS")["IFS"].satisfied
                for x in grid_profiles(n, 6))
    predicted = p[0] <= F(2, 3) and p[3] >= F(1, 3) and all(F(1, 3) <= v <= F(2, 3) for v in p[1:3])
    assert holds == predicted
