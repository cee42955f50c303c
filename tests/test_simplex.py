"""Simplex projection: kernel == plain body == brute-force support enumeration (exact)."""

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from mechkit.errors import InvalidInputError
from mechkit.simplex import project_to_simplex, simplex_kkt_residual
from solvers.simplex import project_rows


def oracle_projection(y, radius):
    """Enumerate every support S; the projection is the unique KKT point (exact rationals)."""
    yq = [Fraction(v) for v in y]
    r = Fraction(radius)
    n = len(yq)
    for size in range(1, n + 1):
        for S in itertools.combinations(range(n), size):
            tau = (sum(yq[i] for i in S) - r) / size
            if all(yq[i] - tau > 0 for i in S) and all(yq[j] - tau <= 0 for j in range(n) if j not in S):
                return [float(yq[i] - tau) if i in S else 0.0 for i in range(n)]
    raise AssertionError("no KKT point found")


finite = st.floats(min_value=-10, max_value=10, allow_nan=False, allow_infinity=False)


@given(arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 6)), elements=finite),
       st.sampled_from([0.5, 1.0, 3.0]))
def test_kernel_equals_body_and_oracle(Y, radius):
    fast = project_rows(Y, radius)
    np.testing.assert_array_equal(fast, project_rows.py_func(Y, radius))
    for row, out in zip(Y, fast, strict=True):
        np.testing.assert_allclose(out, oracle_projection(row, radius), atol=1e-9)


@given(arrays(np.float64, st.integers(1, 8), elements=finite),
       arrays(np.float64, st.integers(1, 8), elements=st.floats(0, 1)))
def test_projection_is_closest_point(y, z):
    """Optimality: no point of the simplex is closer to y than its projection."""
    x = project_to_simplex(y)
    assert simplex_kkt_residual(y, x) < 1e-9
    if z.size == y.size and z.sum() > 0:
        z = z / z.sum()
        assert np.linalg.norm(y - x) <= np.linalg.norm(y - z) + 1e-9


def test_points_on_the_simplex_are_fixed():
    p = np.array([0.2, 0.3, 0.5])
    np.testing.assert_allclose(project_to_simplex(p), p, atol=1e-15)


def test_kkt_residual_detects_a_wrong_answer():
    y = np.array([0.9, 0.1, 0.0])
    assert simplex_kkt_residual(y, [1.0, 0.0, 0.0]) > 0.05
    assert simplex_kkt_residual(y, [0.0, 0.0, 0.0]) == 1.0


@pytest.mark.parametrize(
    ("y", "kwargs", "pattern"),
    [
        ([], {}, "y: must not be empty"),
        ([[[1.0]]], {}, r"y: must be 1- or 2-dimensional; got shape \(1, 1, 1\)"),
        (np.zeros((2, 0)), {}, "y: must not be empty"),
        ([1.0, np.nan], {}, "y: must be finite"),
        ([1.0], {"radius": 0.0}, "radius: must be > 0"),
    ],
)
def test_bad_input(y, kwargs, pattern):
    with pytest.raises(InvalidInputError, match=pattern):
        project_to_simplex(y, **kwargs)
