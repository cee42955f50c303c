"""Validation of facility-location profiles (floats or exact ``Fraction``s)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_in_range
from mechkit.errors import InvalidInputError

__all__ = ["as_batch", "as_exact_profile", "as_float_profile", "is_exact_input", "to_fraction"]

Number = Fraction | float


def _is_number(v: object) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool | np.bool_)


def is_exact_input(x: Any) -> bool:
    """True when ``x`` is a 1-D sequence holding at least one ``Fraction``.

    Examples
    --------
    >>> from fractions import Fraction
    >>> is_exact_input([Fraction(1, 3), 0.5]), is_exact_input([0.5])
    (True, False)
    """
    if isinstance(x, np.ndarray):
        return x.dtype == object and any(isinstance(v, Fraction) for v in x.ravel())
    if isinstance(x, Sequence) and not isinstance(x, str | bytes):
        return any(isinstance(v, Fraction) for v in x)
    return False


def to_fraction(v: object, name: str) -> Fraction:
    """Convert a real number exactly to a ``Fraction`` (floats are converted exactly).

    Examples
    --------
    >>> to_fraction(0.5, "x"), to_fraction(Fraction(1, 3), "x")
    (Fraction(1, 2), Fraction(1, 3))
    """
    if not _is_number(v):
        raise InvalidInputError(f"{name}: must be a real number; got {v!r}")
    if isinstance(v, Fraction):
        return v
    if isinstance(v, numbers.Integral):
        return Fraction(int(v))
    f = float(v)  # type: ignore[arg-type]
    if not math.isfinite(f):
        raise InvalidInputError(f"{name}: must be finite; got {f}")
    return Fraction(f)


def as_exact_profile(x: Any, name: str = "x") -> list[Fraction]:
    """Validate a profile and return it as a list of ``Fraction`` in ``[0, 1]``.

    Examples
    --------
    >>> as_exact_profile([0.25, Fraction(1, 3)])
    [Fraction(1, 4), Fraction(1, 3)]
    >>> as_exact_profile([])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: x: must not be empty; got shape (0,)
    """
    if isinstance(x, np.ndarray) and x.dtype != object:
        arr = as_float_profile(x, name)
        return [Fraction(float(v)) for v in arr]
    if isinstance(x, str | bytes) or not isinstance(x, Sequence | np.ndarray) or (
            isinstance(x, np.ndarray) and x.ndim != 1):
        raise InvalidInputError(f"{name}: must be a 1-D sequence of numbers; got {x!r}")
    items = list(x)
    if not items:
        raise InvalidInputError(f"{name}: must not be empty; got shape (0,)")
    out = []
    for i, v in enumerate(items):
        if isinstance(v, Sequence | np.ndarray) and not isinstance(v, str | bytes):
            raise InvalidInputError(f"{name}: must be 1-dimensional; entry ({i},) is {v!r}")
        out.append(to_fraction(v, f"{name}[{i}]"))
        if not 0 <= out[-1] <= 1:
            raise InvalidInputError(f"{name}: entries must lie in [0, 1]; entry ({i},) is {v}")
    return out


def as_float_profile(x: ArrayLike, name: str = "x") -> NDArray[np.float64]:
    """Validate a profile: 1-D, non-empty, finite, numeric, entries in ``[0, 1]``.

    Examples
    --------
    >>> as_float_profile([0.1, 0.9]).tolist()
    [0.1, 0.9]
    >>> as_float_profile([0.1, 1.5])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: x: entries must lie in [0, 1]; entry (1,) is 1.5
    """
    if isinstance(x, numbers.Number) or (isinstance(x, np.ndarray) and x.ndim == 0):
        raise InvalidInputError(f"{name}: must be a 1-D profile of reports; got the scalar {x!r}")
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise InvalidInputError(f"{name}: must be 1-dimensional; got shape {arr.shape}")
    check_in_range(arr, name, 0, 1)
    return arr


def as_batch(X: ArrayLike, name: str = "X", *, check_values: bool = True) -> NDArray[np.float64]:
    """Validate a batch of profiles: shape ``(B, n)``, ``B, n >= 1``, finite, in ``[0, 1]``.

    With ``check_values=False`` only the type and shape are checked (for kernels that
    check the entries themselves).

    Examples
    --------
    >>> as_batch([[0.0, 1.0], [0.5, 0.5]]).shape
    (2, 2)
    >>> as_batch([0.5, 0.5])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: X: must be 2-dimensional (B profiles x n agents); got shape (2,)
    """
    from solvers.medians import all_in_unit_interval

    if isinstance(X, numbers.Number) or (isinstance(X, np.ndarray) and X.ndim == 0):
        raise InvalidInputError(f"{name}: must be 2-dimensional (B profiles x n agents); got the "
                                f"scalar {X!r}")
    arr = as_float_array(X, name, allow_empty=True, finite=False)
    if arr.ndim != 2:
        raise InvalidInputError(
            f"{name}: must be 2-dimensional (B profiles x n agents); got shape {arr.shape}"
        )
    if arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InvalidInputError(f"{name}: must have B >= 1 profiles of n >= 1 agents; got shape "
                                f"{arr.shape}")
    if check_values and not all_in_unit_interval(arr):  # the standard helpers word the error
        as_float_array(arr, name)
        check_in_range(arr, name, 0, 1)
    return arr
