"""Exchangeable multi-environment data: an ``(n_env, m >= 2, d)`` array with variable names.

Environment ``e`` draws its mechanism parameters once; its ``m`` samples are i.i.d. given
them.  The causal de Finetti tests compare *two samples of the same environment*, so the
environment axis is essential: 2-D pooled rows are refused with an explanation.

Examples
--------
>>> import numpy as np
>>> data = ExchangeableData(np.arange(24.0).reshape(4, 2, 3) ** 1.5, names=("a", "b", "c"))
>>> data
ExchangeableData(n_env=4, m=2, d=3, names=('a', 'b', 'c'))
>>> data.pair().shape
(4, 2, 3)
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from mechkit._validate import as_float_array, check_choice
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator

__all__ = ["MIN_ENVIRONMENTS", "CausalWarning", "ExchangeableData", "as_exchangeable"]

#: Fewest environments any test can work with.
MIN_ENVIRONMENTS = 4

_POOLED_MSG = (
    "data: must be 3-dimensional (n_env, m >= 2, d): environments x samples per environment x "
    "variables; got a 2-D array of shape {shape}. Pooled rows carry no environment structure, "
    "and the causal de Finetti tests need at least two samples from the same environment "
    "(they test X_1 against X_2 within an environment). If the rows come from known "
    "environments, build the data with ExchangeableData.from_labels(rows, env_labels)."
)


class CausalWarning(UserWarning):
    """A recoverable problem in causal-discovery input (dropped environments, sparse strata)."""


@dataclass(frozen=True, eq=False)
class ExchangeableData:
    """Multi-environment samples, ``values[e, s, i]`` = sample ``s`` of variable ``i`` in env ``e``.

    ``values`` shares memory with a contiguous float64 input (no copy is made); treat it as
    read-only.

    Parameters
    ----------
    values : array_like
        Shape ``(n_env, m, d)`` with ``m >= 2`` and ``n_env >= 4``, finite.
    names : sequence of str, optional
        Variable names (default ``"X0", "X1", ...``; for ``d = 2`` ``"X", "Y"``).

    Raises
    ------
    InvalidInputError
        For 2-D pooled data, ``m < 2``, fewer than 4 environments, NaN/inf, or a variable
        that is constant within the first sample.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> ExchangeableData(rng.normal(size=(10, 3, 2))).names
    ('X', 'Y')
    >>> ExchangeableData(rng.normal(size=(10, 2)))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: data: must be 3-dimensional (n_env, m >= 2, d): ...
    """

    values: NDArray[np.float64]
    names: tuple[str, ...]

    def __init__(self, values: ArrayLike, names: Sequence[str] | None = None) -> None:
        try:
            raw = np.asarray(values) if not isinstance(values, np.ndarray) else values
        except ValueError:
            raise InvalidInputError(
                "data: must be a regular (n_env, m, d) array; got a ragged nested sequence "
                "(use ExchangeableData.from_environments for environments of different sizes)") from None
        if raw.ndim == 2:
            raise InvalidInputError(_POOLED_MSG.format(shape=raw.shape))
        arr = as_float_array(values, "data", ndim=3)
        n_env, m, d = arr.shape
        if m < 2:
            raise InvalidInputError(
                f"data: needs at least 2 samples per environment (axis 1); got m = {m} "
                f"(shape {arr.shape}). One sample per environment is i.i.d. data, from which "
                "the causal direction is not identifiable."
            )
        if n_env < MIN_ENVIRONMENTS:
            raise InvalidInputError(
                f"data: needs at least {MIN_ENVIRONMENTS} environments (axis 0); got {n_env}"
            )
        if d < 1:
            raise InvalidInputError(f"data: needs at least one variable (axis 2); got shape {arr.shape}")
        first = arr[:, 0, :]
        const = np.all(first == first[0], axis=0)
        if const.any():
            i = int(np.argmax(const))
            raise InvalidInputError(
                f"data: variable {i} is constant within sample 1 (value {first[0, i]}); a constant "
                "column carries no information and makes every CI test degenerate"
            )
        if names is None:
            labels: tuple[str, ...] = ("X", "Y") if d == 2 else tuple(f"X{i}" for i in range(d))
        else:
            labels = tuple(str(n) for n in names)
            if len(labels) != d:
                raise InvalidInputError(f"names: must have {d} entries (one per variable); got {len(labels)}")
            if len(set(labels)) != d:
                raise InvalidInputError(f"names: must be distinct; got {labels}")
        object.__setattr__(self, "values", arr)
        object.__setattr__(self, "names", labels)

    @property
    def n_env(self) -> int:
        """Number of environments."""
        return int(self.values.shape[0])

    @property
    def m(self) -> int:
        """Samples per environment."""
        return int(self.values.shape[1])

    @property
    def d(self) -> int:
        """Number of variables."""
        return int(self.values.shape[2])

    def pair(self, how: str = "first", seed: SeedLike = None) -> NDArray[np.float64]:
        """Two samples per environment, shape ``(n_env, 2, d)``.

        Parameters
        ----------
        how : {"first", "random"}, default "first"
            ``"first"`` takes samples 0 and 1 (as the authors do); ``"random"`` draws an
            ordered pair of distinct samples per environment (seeded).
        seed : seed-like, optional
            Used by ``"random"``.

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> import numpy as np
        >>> x = np.arange(30.0).reshape(5, 3, 2)
        >>> ExchangeableData(x).pair("random", seed=0).shape
        (5, 2, 2)
        """
        check_choice(how, "pair", ("first", "random"))
        if how == "first":
            return np.ascontiguousarray(self.values[:, :2, :])
        rng = as_generator(seed)
        s1 = rng.integers(0, self.m, size=self.n_env)
        s2 = (s1 + rng.integers(1, self.m, size=self.n_env)) % self.m
        idx = np.arange(self.n_env)
        return np.ascontiguousarray(np.stack([self.values[idx, s1], self.values[idx, s2]], axis=1))

    @classmethod
    def from_environments(cls, environments: Sequence[ArrayLike],
                          names: Sequence[str] | None = None) -> ExchangeableData:
        """Build from a list of per-environment ``(m_e, d)`` arrays (ragged ``m_e`` allowed).

        Environments with fewer than 2 samples are dropped with a :class:`CausalWarning`;
        the others are truncated to the smallest remaining ``m_e`` (samples within an
        environment are exchangeable, so keeping the first ones loses no validity).

        Examples
        --------
        >>> import numpy as np
        >>> rng = np.random.default_rng(1)
        >>> envs = [rng.normal(size=(k, 2)) for k in (3, 2, 1, 4, 2, 5)]
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as w:
        ...     warnings.simplefilter("always")
        ...     data = ExchangeableData.from_environments(envs)
        >>> data.n_env, data.m, len(w)
        (5, 2, 1)
        """
        arrays = [as_float_array(e, f"environments[{k}]", ndim=2, allow_empty=True)
                  for k, e in enumerate(environments)]
        if not arrays:
            raise InvalidInputError("environments: must not be empty")
        widths = {a.shape[1] for a in arrays}
        if len(widths) != 1:
            raise InvalidInputError(
                f"environments: all must have the same number of variables; got {sorted(widths)}")
        keep = [a for a in arrays if a.shape[0] >= 2]
        dropped = len(arrays) - len(keep)
        if dropped:
            warnings.warn(f"dropped {dropped} environment(s) with fewer than 2 samples",
                          CausalWarning, stacklevel=2)
        if len(keep) < MIN_ENVIRONMENTS:
            raise InvalidInputError(
                f"environments: needs at least {MIN_ENVIRONMENTS} environments with 2 or more "
                f"samples; got {len(keep)} (of {len(arrays)})"
            )
        m = min(a.shape[0] for a in keep)
        return cls(np.stack([a[:m] for a in keep]), names=names)

    @classmethod
    def from_labels(cls, rows: ArrayLike, env_labels: ArrayLike,
                    names: Sequence[str] | None = None) -> ExchangeableData:
        """Build from pooled ``(N, d)`` rows plus an environment label per row.

        Examples
        --------
        >>> import numpy as np
        >>> rows = np.random.default_rng(2).normal(size=(12, 2))
        >>> ExchangeableData.from_labels(rows, [0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]).n_env
        6
        """
        arr = as_float_array(rows, "rows", ndim=2)
        labels = np.asarray(env_labels)
        if labels.ndim != 1 or labels.shape[0] != arr.shape[0]:
            raise InvalidInputError(
                f"env_labels: must be 1-D with one label per row ({arr.shape[0]}); got shape {labels.shape}"
            )
        uniq, inv = np.unique(labels, return_inverse=True)
        return cls.from_environments([arr[inv == k] for k in range(uniq.size)], names=names)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (shape and names; the values as nested lists)."""
        return {"names": list(self.names), "shape": list(self.values.shape),
                "values": self.values.tolist()}

    def __repr__(self) -> str:
        return f"ExchangeableData(n_env={self.n_env}, m={self.m}, d={self.d}, names={self.names})"


def as_exchangeable(data: ArrayLike | ExchangeableData,
                    names: Sequence[str] | None = None) -> ExchangeableData:
    """Return ``data`` as :class:`ExchangeableData` (validating arrays).

    Examples
    --------
    >>> import numpy as np
    >>> as_exchangeable(np.random.default_rng(0).normal(size=(5, 2, 2))).d
    2
    """
    if isinstance(data, ExchangeableData):
        if names is not None and tuple(names) != data.names:
            return ExchangeableData(data.values, names=names)
        return data
    return ExchangeableData(data, names=names)
