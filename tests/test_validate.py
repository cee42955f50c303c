from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit import _validate as v
from mechkit.errors import InvalidInputError


def test_as_float_array_contiguous_float64():
    x = np.arange(12, dtype=np.int32).reshape(3, 4)[:, ::2]
    out = v.as_float_array(x, "x")
    assert out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, x)


def test_scalars_keep_their_zero_dimensional_shape():
    assert v.as_float_array(0.5, "x").shape == ()
    assert v.as_int_array(3, "k").shape == ()
    with pytest.raises(InvalidInputError, match=r"x: must be 1-dimensional; got shape \(\)"):
        v.as_float_array(0.5, "x", ndim=1)


def test_as_float_array_accepts_fractions():
    np.testing.assert_array_equal(v.as_float_array([Fraction(1, 2), 1], "x"), [0.5, 1.0])


@pytest.mark.parametrize(
    ("value", "kwargs", "pattern"),
    [
        ([1.0, np.nan], {}, r"x: must be finite; entry \(1,\) is nan"),
        ([[1.0, np.inf]], {}, r"x: must be finite; entry \(0, 1\) is inf"),
        ([np.nan], {"allow_inf": True}, r"x: must be non-NaN"),
        ([], {}, r"x: must not be empty; got shape \(0,\)"),
        ([True, False], {}, r"x: must be a numeric array; got dtype bool"),
        (["a"], {}, r"x: must be a numeric array"),
        ([[1, 2], [3]], {}, r"x: must be a numeric array"),
        ([1 + 2j], {}, r"x: must be real"),
        ([1.0, 2.0], {"ndim": 2}, r"x: must be 2-dimensional; got shape \(2,\)"),
        ([[1.0, 2.0]], {"shape": (None, 3)}, r"x: must have shape \(\*, 3\); got shape \(1, 2\)"),
    ],
)
def test_as_float_array_errors(value, kwargs, pattern):
    with pytest.raises(InvalidInputError, match=pattern):
        v.as_float_array(value, "x", **kwargs)


def test_as_float_array_allows_empty_and_inf_when_asked():
    assert v.as_float_array([], "x", allow_empty=True).shape == (0,)
    assert np.isinf(v.as_float_array([np.inf], "x", allow_inf=True)[0])
    assert np.isnan(v.as_float_array([np.nan], "x", finite=False)[0])


def test_as_int_array():
    np.testing.assert_array_equal(v.as_int_array([1.0, 2.0], "k"), [1, 2])
    with pytest.raises(InvalidInputError, match=r"k: must hold integers; entry \(0,\) is 0.5"):
        v.as_int_array([0.5], "k")
    with pytest.raises(InvalidInputError, match=r"k: entries must be >= 0; entry \(1,\) is -1"):
        v.as_int_array([1, -1], "k", minimum=0)
    with pytest.raises(InvalidInputError, match=r"k: entries must be <= 3"):
        v.as_int_array([4], "k", maximum=3)
    with pytest.raises(InvalidInputError, match="booleans"):
        v.as_int_array([True], "k")


def test_check_in_range_messages():
    v.check_in_range([0.0, 1.0], "x", 0.0, 1.0)
    with pytest.raises(InvalidInputError, match=r"x: entries must lie in \(0.0, 1.0\]; entry \(0,\) is 0.0"):
        v.check_in_range([0.0], "x", 0.0, 1.0, low_inclusive=False)
    with pytest.raises(InvalidInputError, match=r"x: entries must lie in \(-inf, 1.0\); entry \(0,\) is 1.0"):
        v.check_in_range([1.0], "x", None, 1.0, high_inclusive=False)


@pytest.mark.parametrize("bad", [True, "1", None, [1.0]])
def test_check_real_refuses_non_numbers(bad):
    with pytest.raises(InvalidInputError, match="alpha: must be a real number"):
        v.check_real(bad, "alpha")


def test_check_real_positive_int():
    assert v.check_real(Fraction(1, 4), "a") == 0.25
    with pytest.raises(InvalidInputError, match="must be a finite real number; got inf"):
        v.check_real(float("inf"), "a")
    assert v.check_real(float("inf"), "a", finite=False) == float("inf")
    with pytest.raises(InvalidInputError, match="must not be NaN"):
        v.check_real(float("nan"), "a", finite=False)
    assert v.check_positive(0, "tol", strict=False) == 0.0
    with pytest.raises(InvalidInputError, match=r"tol: must be >= 0; got -1.0"):
        v.check_positive(-1, "tol", strict=False)
    assert v.check_int(np.int64(4), "n") == 4
    for bad in (True, 2.0, "3"):
        with pytest.raises(InvalidInputError, match="n: must be an integer"):
            v.check_int(bad, "n")
    with pytest.raises(InvalidInputError, match="n: must be <= 5; got 6"):
        v.check_int(6, "n", maximum=5)


def test_check_choice_and_square():
    assert v.check_choice("a", "mode", ["a", "b"]) == "a"
    with pytest.raises(InvalidInputError, match="mode: must be one of 'a', 'b'; got 'c'"):
        v.check_choice("c", "mode", ["a", "b"])
    v.check_square(np.zeros((3, 3)), "S")
    with pytest.raises(InvalidInputError, match="S: must be a square matrix"):
        v.check_square(np.zeros(3), "S")


def test_probability_vector():
    with pytest.raises(InvalidInputError, match=r"p: must be non-negative; entry \(0,\) is -0.5"):
        v.check_probability_vector([-0.5, 1.5], "p")
    with pytest.raises(InvalidInputError, match="p: must sum to 1"):
        v.check_probability_vector([0.5, 0.6], "p")
    with pytest.raises(InvalidInputError, match="p: must be 1-dimensional"):
        v.check_probability_vector([[1.0]], "p")


def test_stochastic_matrix():
    K = v.check_stochastic_matrix([[0.5, 0.5], [0.0, 1.0]], "K")
    assert K.shape == (2, 2)
    v.check_stochastic_matrix([[0.5, 1.0], [0.5, 0.0]], "K", axis=0)
    with pytest.raises(InvalidInputError, match=r"K: must sum to 1 along axis -1 .* slice \(1,\) sums to 0.5"):
        v.check_stochastic_matrix([[0.5, 0.5], [0.5, 0.0]], "K")
    with pytest.raises(InvalidInputError, match=r"K: must be non-negative; entry \(0, 0\)"):
        v.check_stochastic_matrix([[-0.5, 1.5]], "K")
    with pytest.raises(InvalidInputError, match="at least 2-dimensional"):
        v.check_stochastic_matrix([1.0], "K")


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20))
def test_finite_lists_round_trip(values):
    np.testing.assert_array_equal(v.as_float_array(values, "x"), np.array(values, dtype=float))


@given(st.lists(st.floats(min_value=0, max_value=1), min_size=1, max_size=10).filter(lambda xs: sum(xs) > 0))
def test_normalised_vectors_pass(values):
    p = np.array(values) / np.sum(values)
    np.testing.assert_array_equal(v.check_probability_vector(p, "p"), p)
