"""Sorting a short prefix of a scratch buffer in place (numba), for the rare paths of the kernels.

``sort_prefix(buf, m)`` sorts ``buf[:m]`` ascending: an insertion sort up to
``INSERTION_MAX`` entries (no allocation, fastest on the handful of reports a bucket
usually holds), ``np.sort`` above.  Used by the Uniform Phantom counting kernel
(:mod:`solvers.medians`) and the sort-free axiom-slack kernel
(:mod:`solvers.facility_axioms`) when one bucket must be ordered.

Examples
--------
>>> import numpy as np
>>> from solvers.smallsort import sort_prefix
>>> buf = np.array([0.3, 0.1, 0.2, 9.0])
>>> sort_prefix(buf, 3)
>>> buf.tolist()
[0.1, 0.2, 0.3, 9.0]
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from solvers._jit import njit

__all__ = ["INSERTION_MAX", "sort_prefix"]

#: Up to this many entries ``sort_prefix`` uses an insertion sort, above it ``np.sort``.
INSERTION_MAX = 32


def _sort_prefix(buf: NDArray[np.float64], m: int) -> None:
    """Sort ``buf[:m]`` ascending in place (``m <= len(buf)``)."""
    if m > INSERTION_MAX:
        buf[:m] = np.sort(buf[:m])
        return
    for a in range(1, m):
        v = buf[a]
        q = a - 1
        while q >= 0 and buf[q] > v:
            buf[q + 1] = buf[q]
            q -= 1
        buf[q + 1] = v


sort_prefix = njit(_sort_prefix)
