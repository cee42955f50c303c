from __future__ import annotations

import json
from fractions import Fraction as F

import numpy as np
import pytest
from hypothesis import given

from mechkit.errors import InvalidInputError
from mechkit.facility import (
    Lottery,
    approximation_ratio,
    audit_group_strategyproofness,
    audit_strategyproofness,
    best_response_dynamics,
    check_axioms,
    independent_markets,
    lrm,
    mean,
    uniform_phantom,
)
from mechkit.facility.strategies import batches, exact_profiles, profiles


@given(profiles(max_n=5))
def test_float_strategy_shapes(x):
    assert 1 <= len(x) <= 5 and all(isinstance(v, float) and 0 <= v <= 1 for v in x)


@given(exact_profiles(max_n=5))
def test_exact_strategy_shapes(x):
    assert all(isinstance(v, F) and 0 <= v <= 1 for v in x)


@given(batches(max_B=3, max_n=4))
def test_batch_strategy_shapes(X):
    assert X.ndim == 2 and X.dtype == np.float64 and X.flags.c_contiguous


def test_results_serialise_to_json():
    x = [F(1, 10), F(3, 10), F(9, 10)]
    objs = [
        check_axioms(x, uniform_phantom(x)),
        audit_strategyproofness(mean, x),
        audit_strategyproofness(mean, [0.1, 0.3, 0.9]),
        audit_group_strategyproofness(mean, [0.1, 0.3, 0.9]),
        approximation_ratio(uniform_phantom, 3),
        approximation_ratio(lrm, 2, "max_cost"),
        best_response_dynamics(mean, x),
        independent_markets([[v, 1 - v] for v in x]),
        lrm(x),
    ]
    for o in objs:
        text = json.dumps(o.to_dict())
        assert text and repr(o)


def test_lottery_merges_and_rejects_empty():
    lot = Lottery.from_pairs([(0.5, 0.25), (0.5, 0.25), (1.0, 0.5)])
    assert lot.support == (0.5, 1.0) and lot.probs == (0.5, 0.5)
    assert lot.expected_distance(0.0) == 0.75
    b = lrm.batch(np.array([[0.0, 1.0], [0.5, 0.5]]))
    np.testing.assert_allclose(b.mean(), [0.5, 0.5])
    np.testing.assert_allclose(b.expected_distance(np.array([[0.0, 1.0], [0.5, 0.5]])),
                               [[0.5, 0.5], [0.0, 0.0]])
    with pytest.raises(InvalidInputError, match="a lottery needs positive total probability"):
        Lottery.from_pairs([(0.5, 0)])


def test_benchmark_baselines_agree_with_mechkit():
    from benchmarks.facility import (
        _ratio_pure_fraction,
        _sp_audit_python,
        axioms_numpy_loop,
        up_partition,
    )
    from mechkit.facility import axiom_slacks

    X = np.random.default_rng(0).random((30, 9))
    y = uniform_phantom.batch(X)
    assert np.array_equal(up_partition(X), y)
    s = axiom_slacks(X, y, ("IFS", "UFS", "PF"))
    np.testing.assert_allclose(axioms_numpy_loop(X, y),
                               np.stack([s["IFS"], s["UFS"], s["PF"]], axis=1), atol=1e-12)
    assert _sp_audit_python(X[0]) <= 1e-12
    assert _ratio_pure_fraction(5) == F(20, 17)
