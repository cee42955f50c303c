"""Hypothesis strategies for facility-location profiles (import only in tests).

Profiles that break mechanisms sit at ties and endpoints, so every strategy here mixes
free values with the endpoints 0 and 1, a small grid, and repeats of values already
drawn; hypothesis then shrinks a failure to a short profile of simple numbers.

Examples
--------
>>> from hypothesis import given, settings
>>> @settings(max_examples=20)
... @given(profiles(max_n=4))
... def check(x):
...     assert 1 <= len(x) <= 4 and all(0 <= v <= 1 for v in x)
>>> check()
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import strategies as st
from numpy.typing import NDArray

__all__ = ["batches", "exact_profiles", "profiles", "values"]


def values(exact: bool = False, denominator: int = 12) -> st.SearchStrategy:
    """One report in ``[0, 1]``: endpoints, grid points ``k/denominator`` or free values.

    Parameters
    ----------
    exact : bool, default False
        Draw ``Fraction`` s (free values are fractions with denominators up to 60).
    denominator : int, default 12
        The grid ``{k / denominator}`` mixed in.
    """
    grid = st.integers(0, denominator).map(lambda k: Fraction(k, denominator))
    if exact:
        free = st.fractions(min_value=0, max_value=1, max_denominator=60)
        return st.one_of(st.sampled_from([Fraction(0), Fraction(1)]), grid, free)
    free_f = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)
    return st.one_of(st.sampled_from([0.0, 1.0]), grid.map(float), free_f)


@st.composite
def _with_repeats(draw: st.DrawFn, elem: st.SearchStrategy, min_n: int, max_n: int) -> list:
    n = draw(st.integers(min_n, max_n))
    out: list = []
    for _ in range(n):
        if out and draw(st.booleans()):
            out.append(out[draw(st.integers(0, len(out) - 1))])
        else:
            out.append(draw(elem))
    return out


def profiles(min_n: int = 1, max_n: int = 8, *, denominator: int = 12) -> st.SearchStrategy:
    """Float profiles (lists) of ``min_n..max_n`` reports with ties and endpoints."""
    return _with_repeats(values(False, denominator), min_n, max_n)


def exact_profiles(min_n: int = 1, max_n: int = 6, *, denominator: int = 12) -> st.SearchStrategy:
    """``Fraction`` profiles (lists) of ``min_n..max_n`` reports with ties and endpoints."""
    return _with_repeats(values(True, denominator), min_n, max_n)


@st.composite
def batches(draw: st.DrawFn, max_B: int = 6, min_n: int = 1, max_n: int = 8) -> NDArray[np.float64]:
    """A ``(B, n)`` float64 array of profiles (one ``n`` for the whole batch)."""
    n = draw(st.integers(min_n, max_n))
    B = draw(st.integers(1, max_B))
    rows = [draw(profiles(n, n)) for _ in range(B)]
    return np.ascontiguousarray(rows, dtype=np.float64)
