"""Lotteries over facility locations (the outcome of a randomized mechanism)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from numpy.typing import NDArray

from mechkit.errors import InvalidInputError

__all__ = ["Lottery", "LotteryBatch"]

Number = Fraction | float


@dataclass(frozen=True)
class Lottery:
    """A finite lottery over locations in ``[0, 1]``.

    Duplicate locations are merged and the support is sorted, so two lotteries with
    the same distribution compare equal.

    Attributes
    ----------
    support : tuple
        Distinct locations in increasing order (``Fraction`` in exact mode).
    probs : tuple
        Their probabilities (summing to one).

    Examples
    --------
    >>> from fractions import Fraction as F
    >>> lot = Lottery.from_pairs([(F(0), F(1, 4)), (F(1), F(1, 4)), (F(0), F(1, 2))])
    >>> lot.support, lot.probs
    ((Fraction(0, 1), Fraction(1, 1)), (Fraction(3, 4), Fraction(1, 4)))
    >>> lot.expected_distance(F(1, 2)), lot.mean()
    (Fraction(1, 2), Fraction(1, 4))
    """

    support: tuple[Number, ...]
    probs: tuple[Number, ...]

    @classmethod
    def from_pairs(cls, pairs: Sequence[tuple[Number, Number]]) -> Lottery:
        """Build a lottery from ``(location, probability)`` pairs, merging duplicates."""
        acc: dict[Any, Any] = {}
        for loc, p in pairs:
            acc[loc] = acc.get(loc, 0) + p
        items = sorted((k, v) for k, v in acc.items() if v != 0)
        if not items:
            raise InvalidInputError("pairs: a lottery needs positive total probability; got none")
        return cls(tuple(k for k, _ in items), tuple(v for _, v in items))

    def expected_distance(self, point: Number) -> Number:
        """Expected distance ``E|Y - point|`` (the expected cost of an agent at ``point``)."""
        return sum((p * abs(s - point) for s, p in zip(self.support, self.probs, strict=True)),
                   start=0 * self.probs[0])

    def mean(self) -> Number:
        """Expected location ``E[Y]``."""
        return sum((p * s for s, p in zip(self.support, self.probs, strict=True)),
                   start=0 * self.probs[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (locations and probabilities as strings in exact mode)."""
        conv = (lambda v: str(v)) if isinstance(self.probs[0], Fraction) else float
        return {"support": [conv(s) for s in self.support], "probs": [conv(p) for p in self.probs]}

    def __repr__(self) -> str:
        body = ", ".join(f"{s}: {p}" for s, p in zip(self.support, self.probs, strict=True))
        return f"Lottery({{{body}}})"


@dataclass(frozen=True)
class LotteryBatch:
    """Lotteries for a batch of profiles: ``support[b, k]`` with probability ``probs[k]``.

    Attributes
    ----------
    support : numpy.ndarray, shape (B, K)
        Locations (not merged; duplicates allowed).
    probs : numpy.ndarray, shape (K,)
        Probabilities shared by every profile.
    """

    support: NDArray[np.float64]
    probs: NDArray[np.float64]

    def expected_distance(self, points: NDArray[np.float64]) -> NDArray[np.float64]:
        """``E|Y_b - points[b, i]|`` for a ``(B, n)`` array of agent locations."""
        diff = np.abs(self.support[:, None, :] - np.asarray(points)[:, :, None])
        return np.asarray(diff @ self.probs)

    def mean(self) -> NDArray[np.float64]:
        """Expected location of each profile's lottery, shape ``(B,)``."""
        return np.asarray(self.support @ self.probs)

    def row(self, b: int) -> Lottery:
        """The lottery of profile ``b``."""
        return Lottery.from_pairs([(float(s), float(p)) for s, p in
                                   zip(self.support[b], self.probs, strict=True)])
