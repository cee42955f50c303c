"""Validation of facility-location profiles (floats or exact ``Fraction``s)."""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_in_range
from mechkit.errors import InvalidInputError

__all__ = [
    "UNIT",
    "Domain",
    "as_batch",
    "as_exact_profile",
    "as_float_profile",
    "as_weights",
    "check_clip",
    "check_domain",
    "is_exact_input",
    "prepare_batch",
    "prepare_profile",
    "to_fraction",
]

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
    out = []
    for i, (v, f) in enumerate(_fraction_items(x, name)):
        if not 0 <= f <= 1:
            raise InvalidInputError(f"{name}: entries must lie in [0, 1]; entry ({i},) is {v}")
        out.append(f)
    return out


def _fraction_items(x: Any, name: str) -> list[tuple[Any, Fraction]]:
    """Check that ``x`` is a non-empty flat sequence of reals; return ``(value, Fraction)`` pairs.

    The range is not checked here: callers check it against their domain.
    """
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
        out.append((v, to_fraction(v, f"{name}[{i}]")))
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


def raise_for_flagged_batch(arr: NDArray[np.float64], name: str = "X") -> NoReturn:
    """Word the error for a batch a kernel's fused input check flagged (a ``nan`` row).

    Kernels that check their entries in their own pass return ``nan`` for a row holding a
    ``nan``, an infinity or an entry outside ``[0, 1]``; the full check then names the
    argument, the rule and the value.
    """
    as_batch(arr, name)
    raise AssertionError("fused input check flagged a valid batch")  # unreachable


# -- general domains [a, b], clipping and weights --------------------------------------
@dataclass(frozen=True)
class Domain:
    """A location domain ``[low, high]`` (exact endpoints) and its affine map onto ``[0, 1]``.

    Everything in :mod:`mechkit.facility` is defined on ``[0, 1]``; on ``[a, b]`` a report
    ``v`` is mapped to ``(v - a) / (b - a)``, the ``[0, 1]`` rule is applied and the
    outcome is mapped back by ``y -> a + (b - a) y``.  So utilities are
    ``1 - |y - x| / (b - a)``, the Uniform Phantom's phantoms are ``a + k (b - a) / n``,
    axiom slacks are in utility units (the same numbers as on ``[0, 1]``) and distances
    (SP gains) are in domain units.  Exact (``Fraction``) inputs are mapped exactly.

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> d = check_domain((2, 5))
    >>> d.to_unit_exact([F(2), F(3)]), d.from_unit(F(1, 3))
    ([Fraction(0, 1), Fraction(1, 3)], Fraction(3, 1))
    """

    low: Fraction
    high: Fraction

    @property
    def is_unit(self) -> bool:
        """True for ``[0, 1]`` (the maps are the identity and are skipped)."""
        return self.low == 0 and self.high == 1

    @property
    def width(self) -> Fraction:
        """``b - a`` (exact)."""
        return self.high - self.low

    def to_unit_exact(self, xs: list[Fraction]) -> list[Fraction]:
        """Map exact values in ``[a, b]`` onto ``[0, 1]``."""
        if self.is_unit:
            return xs
        w = self.width
        return [(v - self.low) / w for v in xs]

    def to_unit_float(self, arr: NDArray[np.float64]) -> NDArray[np.float64]:
        """Map floats in ``[a, b]`` onto ``[0, 1]`` (rounding is monotone, so the result stays in it)."""
        if self.is_unit:
            return arr
        lo, w = float(self.low), float(self.high) - float(self.low)
        return np.ascontiguousarray(np.clip((arr - lo) / w, 0.0, 1.0))

    def from_unit(self, y: Any) -> Any:
        """Map an outcome on ``[0, 1]`` (number, array, ``Lottery`` or ``LotteryBatch``) to ``[a, b]``."""
        if self.is_unit:
            return y
        from mechkit.facility.lottery import Lottery, LotteryBatch

        if isinstance(y, Lottery):
            return Lottery.from_pairs([(self.from_unit(s), p) for s, p in
                                       zip(y.support, y.probs, strict=True)])
        if isinstance(y, LotteryBatch):
            return LotteryBatch(np.ascontiguousarray(self.from_unit(y.support)), y.probs)
        if isinstance(y, Fraction):
            return self.low + self.width * y
        lo, hi = float(self.low), float(self.high)
        if isinstance(y, np.ndarray):
            return np.clip(lo + (hi - lo) * y, lo, hi)
        return min(max(lo + (hi - lo) * float(y), lo), hi)

    def scale(self, d: Any) -> Any:
        """A distance on ``[0, 1]`` in domain units (times ``b - a``)."""
        if self.is_unit:
            return d
        return self.width * d if isinstance(d, Fraction) else (float(self.high) - float(self.low)) * d

    def __str__(self) -> str:
        return f"[{self.low}, {self.high}]"


#: The default domain ``[0, 1]``.
UNIT = Domain(Fraction(0), Fraction(1))


def check_domain(domain: Any) -> Domain:
    """Validate ``domain=(a, b)``: two finite reals with ``a < b`` (``None`` means ``[0, 1]``).

    Examples
    --------
    >>> check_domain(None).is_unit, str(check_domain((-1, 0.5)))
    (True, '[-1, 1/2]')
    >>> check_domain((1, 1))
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: domain: must be an interval (a, b) with a < b; got (1, 1)
    """
    if domain is None:
        return UNIT
    if isinstance(domain, Domain):
        return domain
    if isinstance(domain, str | bytes) or not isinstance(domain, Sequence | np.ndarray) or \
            len(domain) != 2:
        raise InvalidInputError(f"domain: must be a pair (a, b) of finite reals; got {domain!r}")
    lo, hi = to_fraction(domain[0], "domain[0]"), to_fraction(domain[1], "domain[1]")
    if not lo < hi:
        raise InvalidInputError(f"domain: must be an interval (a, b) with a < b; got {tuple(domain)!r}")
    if not math.isfinite(float(hi) - float(lo)):
        raise InvalidInputError(f"domain: the width b - a must be a finite float; got {tuple(domain)!r}")
    return Domain(lo, hi)


def check_clip(clip: Any) -> bool:
    """Validate the ``clip`` flag (a bool).

    Examples
    --------
    >>> check_clip(True)
    True
    >>> check_clip("yes")
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: clip: must be True or False; got 'yes'
    """
    if not isinstance(clip, bool | np.bool_):
        raise InvalidInputError(f"clip: must be True or False; got {clip!r}")
    return bool(clip)


def _range_error(name: str, idx: tuple[int, ...], v: Any, dom: Domain) -> InvalidInputError:
    where = "[0, 1]" if dom.is_unit else f"the domain {dom}"
    i = "(" + ", ".join(str(int(k)) for k in idx) + ("," if len(idx) == 1 else "") + ")"
    return InvalidInputError(f"{name}: entries must lie in {where}; entry {i} is {v} "
                             "(pass clip=True to clip them)")


def prepare_profile(x: Any, *, exact: bool, domain: Domain = UNIT, clip: bool = False,
                    name: str = "x") -> Any:
    """Validate a profile on ``domain`` and return it mapped onto ``[0, 1]``.

    With ``clip=True`` finite reports outside the domain are clipped to its nearer
    endpoint instead of raising (NaN and infinities still raise: they are not
    locations).  Returns a list of ``Fraction`` (``exact``) or a float64 array.

    Examples
    --------
    >>> prepare_profile([3, 7], exact=True, domain=check_domain((2, 6)), clip=True)
    [Fraction(1, 4), Fraction(1, 1)]
    >>> prepare_profile([-0.5, 0.25], exact=False, clip=True).tolist()
    [0.0, 0.25]
    """
    if domain.is_unit and not clip:
        return as_exact_profile(x, name) if exact else as_float_profile(x, name)
    if exact:
        if isinstance(x, np.ndarray) and x.dtype != object:
            x = [float(v) for v in as_float_array(x, name, ndim=1)]
        out = []
        for i, (v, f) in enumerate(_fraction_items(x, name)):
            if not domain.low <= f <= domain.high:
                if not clip:
                    raise _range_error(name, (i,), v, domain)
                f = min(max(f, domain.low), domain.high)
            out.append(f)
        return domain.to_unit_exact(out)
    if isinstance(x, numbers.Number) or (isinstance(x, np.ndarray) and x.ndim == 0):
        raise InvalidInputError(f"{name}: must be a 1-D profile of reports; got the scalar {x!r}")
    arr = as_float_array(x, name)
    if arr.ndim != 1:
        raise InvalidInputError(f"{name}: must be 1-dimensional; got shape {arr.shape}")
    return _clip_or_check(arr, name, domain, clip)


def _clip_or_check(arr: NDArray[np.float64], name: str, domain: Domain, clip: bool) -> NDArray[np.float64]:
    lo, hi = float(domain.low), float(domain.high)
    bad = (arr < lo) | (arr > hi)
    if bad.any():
        if not clip:
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise _range_error(name, idx, arr[idx], domain)
        arr = np.clip(arr, lo, hi)
    return domain.to_unit_float(np.ascontiguousarray(arr, dtype=np.float64))


def prepare_batch(X: ArrayLike, *, domain: Domain = UNIT, clip: bool = False, name: str = "X"
                  ) -> NDArray[np.float64]:
    """Validate a ``(B, n)`` batch on ``domain`` (clipping if asked) and map it onto ``[0, 1]``.

    Examples
    --------
    >>> prepare_batch([[2.0, 4.0]], domain=check_domain((2, 6))).tolist()
    [[0.0, 0.5]]
    """
    if domain.is_unit and not clip:
        return as_batch(X, name)
    arr = as_batch(X, name, check_values=False)
    as_float_array(arr, name)  # finite
    return _clip_or_check(arr, name, domain, clip)


def as_weights(weights: Any, n: int, *, exact: bool, name: str = "weights",
               batch_rows: int | None = None) -> Any:
    """Validate agent weights: ``n`` finite reals ``>= 0`` with a positive total.

    Returns a list of ``Fraction`` (``exact``) or a float64 array of shape ``(n,)`` (or
    ``(batch_rows, n)`` when a batch passes one weight vector per profile; each row
    needs a positive total).

    Examples
    --------
    >>> as_weights([1, 2], 2, exact=True)
    [Fraction(1, 1), Fraction(2, 1)]
    >>> as_weights([0, 0], 2, exact=False)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: weights: must have a positive total; got total 0.0
    """
    if isinstance(weights, str | bytes) or isinstance(weights, numbers.Number):
        raise InvalidInputError(f"{name}: must be a 1-D sequence of n = {n} weights; got {weights!r}")
    if exact:
        items = list(weights) if isinstance(weights, Sequence | np.ndarray) else None
        if items is None or any(isinstance(v, Sequence | np.ndarray) for v in items):
            raise InvalidInputError(f"{name}: must be a 1-D sequence of n = {n} weights; got {weights!r}")
        if len(items) != n:
            raise InvalidInputError(f"{name}: must hold one weight per agent (n = {n}); got {len(items)}")
        ws = [to_fraction(v, f"{name}[{i}]") for i, v in enumerate(items)]
        for i, v in enumerate(ws):
            if v < 0:
                raise InvalidInputError(f"{name}: must be >= 0; entry ({i},) is {items[i]}")
        if sum(ws) <= 0:
            raise InvalidInputError(f"{name}: must have a positive total; got total {sum(ws)}")
        return ws
    if isinstance(weights, Sequence) and any(isinstance(v, bool | np.bool_) for v in weights):
        raise InvalidInputError(f"{name}: must be real numbers, not booleans; got {weights!r}")
    arr = as_float_array(weights, name)
    want = (n,) if batch_rows is None or arr.ndim == 1 else (batch_rows, n)
    if arr.shape != want:
        raise InvalidInputError(f"{name}: must have shape {want} (one weight per agent); got shape "
                                f"{arr.shape}")
    if (arr < 0).any():
        idx = tuple(int(i) for i in np.argwhere(arr < 0)[0])
        raise InvalidInputError(f"{name}: must be >= 0; entry {idx} is {arr[idx]}")
    tot = arr.sum(axis=-1)
    if (np.atleast_1d(tot) <= 0).any():
        bad = np.atleast_1d(tot)
        raise InvalidInputError(f"{name}: must have a positive total; got total {float(bad[bad <= 0][0])}"
                                + ("" if arr.ndim == 1 else f" in row {int(np.argmax(bad <= 0))}"))
    if not np.isfinite(tot).all():
        raise InvalidInputError(f"{name}: the total must be finite; got {tot}")
    return arr
