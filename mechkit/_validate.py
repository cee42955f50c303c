"""Checks at the public boundary.

Every public mechkit function validates its arguments with these helpers and passes
clean, contiguous ``float64`` (or ``int64``) arrays to the kernels, which assume valid
input.  Each helper raises :class:`~mechkit.errors.InvalidInputError` with a message of
the form ``"<argument>: <rule>; got <value>"`` naming the offending index for arrays.

Examples
--------
>>> from mechkit._validate import as_float_array, check_probability_vector
>>> as_float_array([1, 2.5], "x")
array([1. , 2.5])
>>> check_probability_vector([0.5, 0.25, 0.25], "prior")
array([0.5 , 0.25, 0.25])
>>> as_float_array([1.0, float("nan")], "x")
Traceback (most recent call last):
...
mechkit.errors.InvalidInputError: x: must be finite; entry (1,) is nan
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Collection, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit.errors import InvalidInputError

__all__ = [
    "as_float_array",
    "as_int_array",
    "check_choice",
    "check_in_range",
    "check_int",
    "check_nonempty",
    "check_positive",
    "check_probability_vector",
    "check_real",
    "check_shape",
    "check_square",
    "check_stochastic_matrix",
]

DEFAULT_ATOL = 1e-9


def _fmt_index(idx: tuple[int, ...] | Sequence[int]) -> str:
    return "(" + ", ".join(str(int(i)) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _first_bad(mask: NDArray[np.bool_]) -> tuple[int, ...]:
    return tuple(int(i) for i in np.argwhere(mask)[0])


def check_shape(
    arr: NDArray[Any],
    name: str,
    *,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
) -> None:
    """Check the number of dimensions and (optionally) the exact shape of ``arr``.

    Parameters
    ----------
    arr : numpy.ndarray
        The array to check.
    name : str
        Argument name used in the error message.
    ndim : int, optional
        Required number of dimensions.
    shape : sequence of int or None, optional
        Required shape; ``None`` entries accept any length on that axis.

    Examples
    --------
    >>> import numpy as np
    >>> check_shape(np.zeros((2, 3)), "X", shape=(None, 3))
    >>> check_shape(np.zeros(3), "X", ndim=2)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: X: must be 2-dimensional; got shape (3,)
    """
    if ndim is not None and arr.ndim != ndim:
        raise InvalidInputError(f"{name}: must be {ndim}-dimensional; got shape {arr.shape}")
    if shape is not None:
        if arr.ndim != len(shape) or any(
            s is not None and s != a for s, a in zip(shape, arr.shape, strict=True)
        ):
            want = "(" + ", ".join("*" if s is None else str(s) for s in shape) + ")"
            raise InvalidInputError(f"{name}: must have shape {want}; got shape {arr.shape}")


def check_nonempty(arr: NDArray[Any], name: str) -> None:
    """Raise when ``arr`` has no entries.

    Examples
    --------
    >>> import numpy as np
    >>> check_nonempty(np.array([]), "x")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: x: must not be empty; got shape (0,)
    """
    if arr.size == 0:
        raise InvalidInputError(f"{name}: must not be empty; got shape {arr.shape}")


def as_float_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
    allow_empty: bool = False,
    finite: bool = True,
    allow_inf: bool = False,
) -> NDArray[np.float64]:
    """Convert ``x`` to a C-contiguous ``float64`` array and validate it.

    Parameters
    ----------
    x : array_like
        Input values (numbers only; booleans, strings and objects are refused).
    name : str
        Argument name used in error messages.
    ndim, shape : optional
        Passed to :func:`check_shape`.
    allow_empty : bool, default False
        Accept arrays with zero entries.
    finite : bool, default True
        Refuse NaN and infinities.
    allow_inf : bool, default False
        With ``finite=True``, still accept ``+inf``/``-inf`` (never NaN).

    Returns
    -------
    numpy.ndarray
        A new or existing contiguous float64 array.

    Examples
    --------
    >>> as_float_array([[1, 2], [3, 4]], "X", ndim=2).dtype
    dtype('float64')
    >>> as_float_array([1, float("inf")], "w", allow_inf=True)
    array([ 1., inf])
    """
    try:
        raw = np.asarray(x)
    except Exception as err:  # ragged nested lists and the like
        raise InvalidInputError(f"{name}: must be a numeric array; got {_short(x)} ({err})") from err
    if raw.dtype == np.bool_ or not (
        np.issubdtype(raw.dtype, np.number) or raw.dtype == object
    ):
        raise InvalidInputError(
            f"{name}: must be a numeric array; got dtype {raw.dtype} ({_short(x)})"
        )
    if np.issubdtype(raw.dtype, np.complexfloating):
        raise InvalidInputError(f"{name}: must be real; got complex dtype {raw.dtype}")
    try:
        # np.ascontiguousarray would turn a 0-d input into shape (1,); keep the true shape
        arr = np.asarray(raw, dtype=np.float64)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
    except (TypeError, ValueError) as err:
        raise InvalidInputError(f"{name}: must be a numeric array; got {_short(x)} ({err})") from err
    check_shape(arr, name, ndim=ndim, shape=shape)
    if not allow_empty:
        check_nonempty(arr, name)
    if finite:
        bad = np.isnan(arr) if allow_inf else ~np.isfinite(arr)
        if bad.any():
            idx = _first_bad(bad)
            raise InvalidInputError(
                f"{name}: must be {'non-NaN' if allow_inf else 'finite'}; "
                f"entry {_fmt_index(idx)} is {arr[idx]}"
            )
    return arr


def as_int_array(
    x: ArrayLike,
    name: str,
    *,
    ndim: int | None = None,
    shape: Sequence[int | None] | None = None,
    allow_empty: bool = False,
    minimum: int | None = None,
    maximum: int | None = None,
) -> NDArray[np.int64]:
    """Convert ``x`` to a contiguous ``int64`` array, refusing non-integral values.

    Examples
    --------
    >>> as_int_array([1, 2.0], "k")
    array([1, 2])
    >>> as_int_array([1, 2.5], "k")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: k: must hold integers; entry (1,) is 2.5
    """
    raw = np.asarray(x)
    if raw.dtype == np.bool_:
        raise InvalidInputError(f"{name}: must hold integers; got booleans")
    if np.issubdtype(raw.dtype, np.integer):
        arr = np.asarray(raw, dtype=np.int64)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
    else:
        flt = as_float_array(raw, name, allow_empty=True)
        bad = flt != np.round(flt)
        if bad.any():
            idx = _first_bad(bad)
            raise InvalidInputError(f"{name}: must hold integers; entry {_fmt_index(idx)} is {flt[idx]}")
        arr = flt.astype(np.int64)
    check_shape(arr, name, ndim=ndim, shape=shape)
    if not allow_empty:
        check_nonempty(arr, name)
    if minimum is not None and (arr < minimum).any():
        idx = _first_bad(arr < minimum)
        raise InvalidInputError(
            f"{name}: entries must be >= {minimum}; entry {_fmt_index(idx)} is {arr[idx]}"
        )
    if maximum is not None and (arr > maximum).any():
        idx = _first_bad(arr > maximum)
        raise InvalidInputError(
            f"{name}: entries must be <= {maximum}; entry {_fmt_index(idx)} is {arr[idx]}"
        )
    return arr


def check_in_range(
    arr: ArrayLike,
    name: str,
    low: float | None = None,
    high: float | None = None,
    *,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """Check that every entry of ``arr`` lies in the interval from ``low`` to ``high``.

    Examples
    --------
    >>> check_in_range([0.0, 1.0], "x", 0.0, 1.0)
    >>> check_in_range([0.0, 1.5], "x", 0.0, 1.0)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: x: entries must lie in [0.0, 1.0]; entry (1,) is 1.5
    """
    a = np.asarray(arr)
    bad = np.zeros(a.shape, dtype=bool)
    if low is not None:
        bad |= (a < low) if low_inclusive else (a <= low)
    if high is not None:
        bad |= (a > high) if high_inclusive else (a >= high)
    if bad.any():
        idx = _first_bad(bad)
        lo = "(-inf" if low is None else ("[" if low_inclusive else "(") + str(low)
        hi = "inf)" if high is None else str(high) + ("]" if high_inclusive else ")")
        raise InvalidInputError(
            f"{name}: entries must lie in {lo}, {hi}; entry {_fmt_index(idx)} is {a[idx]}"
        )


def check_real(value: object, name: str, *, finite: bool = True) -> float:
    """Return ``value`` as a Python float, refusing booleans, non-numbers and NaN/inf.

    Examples
    --------
    >>> check_real(2, "alpha")
    2.0
    >>> check_real(float("nan"), "alpha")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: alpha: must be a finite real number; got nan
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise InvalidInputError(f"{name}: must be a real number; got {_short(value)}")
    out = float(value)
    if finite and not math.isfinite(out):
        raise InvalidInputError(f"{name}: must be a finite real number; got {out}")
    if math.isnan(out):
        raise InvalidInputError(f"{name}: must not be NaN; got {out}")
    return out


def check_positive(value: object, name: str, *, strict: bool = True) -> float:
    """Return ``value`` as a float, requiring it to be positive (or non-negative).

    Examples
    --------
    >>> check_positive(0.5, "tol")
    0.5
    >>> check_positive(0, "tol")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: tol: must be > 0; got 0.0
    """
    out = check_real(value, name)
    if (strict and out <= 0) or (not strict and out < 0):
        raise InvalidInputError(f"{name}: must be {'>' if strict else '>='} 0; got {out}")
    return out


def check_int(
    value: object, name: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """Return ``value`` as a Python int, refusing booleans, floats and out-of-range values.

    Examples
    --------
    >>> check_int(3, "n", minimum=1)
    3
    >>> check_int(0, "n", minimum=1)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: n: must be >= 1; got 0
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise InvalidInputError(f"{name}: must be an integer; got {_short(value)}")
    out = int(value)
    if minimum is not None and out < minimum:
        raise InvalidInputError(f"{name}: must be >= {minimum}; got {out}")
    if maximum is not None and out > maximum:
        raise InvalidInputError(f"{name}: must be <= {maximum}; got {out}")
    return out


def check_choice(value: object, name: str, choices: Collection[object]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise list them in the error.

    Examples
    --------
    >>> check_choice("jacobi", "schedule", ("jacobi", "gauss_seidel"))
    'jacobi'
    >>> check_choice("newton", "schedule", ("jacobi", "gauss_seidel"))
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: schedule: must be one of 'jacobi', 'gauss_seidel'; got 'newton'
    """
    if value not in choices:
        known = ", ".join(repr(c) for c in choices)
        raise InvalidInputError(f"{name}: must be one of {known}; got {_short(value)}")
    return value


def check_bool(value: object, name: str) -> bool:
    """Return ``value`` as a bool if it is ``True``, ``False`` or a numpy bool.

    Examples
    --------
    >>> check_bool(False, "parallel")
    False
    >>> check_bool("yes", "parallel")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: parallel: must be True or False; got 'yes'
    """
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidInputError(f"{name}: must be True or False; got {_short(value)}")
    return bool(value)


def check_square(arr: NDArray[Any], name: str) -> None:
    """Require a 2-D square array.

    Examples
    --------
    >>> import numpy as np
    >>> check_square(np.zeros((2, 3)), "S")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: S: must be a square matrix; got shape (2, 3)
    """
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise InvalidInputError(f"{name}: must be a square matrix; got shape {arr.shape}")


def check_probability_vector(
    p: ArrayLike, name: str, *, atol: float = DEFAULT_ATOL
) -> NDArray[np.float64]:
    """Validate a point of the probability simplex (non-negative, sums to one).

    Parameters
    ----------
    p : array_like
        1-D vector.
    name : str
        Argument name for messages.
    atol : float, default 1e-9
        Tolerance on the sum and on negativity.

    Returns
    -------
    numpy.ndarray
        The vector as float64 (not renormalised).

    Examples
    --------
    >>> check_probability_vector([0.2, 0.7], "prior")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: prior: must sum to 1 (atol 1e-09); sums to 0.8999999999999999
    """
    arr = as_float_array(p, name, ndim=1)
    if (arr < -atol).any():
        idx = _first_bad(arr < -atol)
        raise InvalidInputError(f"{name}: must be non-negative; entry {_fmt_index(idx)} is {arr[idx]}")
    total = float(arr.sum())
    if abs(total - 1.0) > atol:
        raise InvalidInputError(f"{name}: must sum to 1 (atol {atol}); sums to {total}")
    return arr


def check_stochastic_matrix(
    K: ArrayLike, name: str, *, axis: int = -1, atol: float = DEFAULT_ATOL, ndim: int | None = None
) -> NDArray[np.float64]:
    """Validate a probability kernel: non-negative entries summing to one along ``axis``.

    Parameters
    ----------
    K : array_like
        Kernel, e.g. ``K[state, signal]`` with rows summing to one.
    name : str
        Argument name for messages.
    axis : int, default -1
        The axis along which probabilities sum to one.
    atol : float, default 1e-9
        Tolerance.
    ndim : int, optional
        Required number of dimensions (default: at least 2).

    Examples
    --------
    >>> check_stochastic_matrix([[0.5, 0.5], [1.0, 0.0]], "kernel").shape
    (2, 2)
    >>> check_stochastic_matrix([[0.5, 0.6], [1.0, 0.0]], "kernel")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: kernel: must sum to 1 along axis -1 (atol 1e-09); slice (0,) sums to 1.1
    """
    arr = as_float_array(K, name, ndim=ndim)
    if ndim is None and arr.ndim < 2:
        raise InvalidInputError(f"{name}: must be at least 2-dimensional; got shape {arr.shape}")
    if (arr < -atol).any():
        idx = _first_bad(arr < -atol)
        raise InvalidInputError(f"{name}: must be non-negative; entry {_fmt_index(idx)} is {arr[idx]}")
    sums = arr.sum(axis=axis)
    bad = np.abs(sums - 1.0) > atol
    if bad.any():
        idx = _first_bad(bad)
        raise InvalidInputError(
            f"{name}: must sum to 1 along axis {axis} (atol {atol}); "
            f"slice {_fmt_index(idx)} sums to {sums[idx]}"
        )
    return arr
