"""solvers.smallsort: sort_prefix == np.sort on the prefix, leaves the rest alone (both bodies)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from solvers.smallsort import INSERTION_MAX, sort_prefix


@given(st.lists(st.floats(-1e300, 1e300, allow_nan=False), max_size=2 * INSERTION_MAX + 5),
       st.data())
def test_sort_prefix_equals_np_sort(values, data):
    buf = np.array([*values, 7.0], dtype=np.float64)  # one entry past every prefix
    m = data.draw(st.integers(0, len(values)))
    want = buf.copy()
    want[:m] = np.sort(want[:m])
    for kern in (sort_prefix, sort_prefix.py_func):
        got = buf.copy()
        kern(got, m)
        assert np.array_equal(got, want)
