"""Seeds: one normalisation for every function that draws random numbers.

Every public function that draws takes ``seed=`` (``None``, a non-negative ``int``, a
:class:`numpy.random.SeedSequence` or a :class:`numpy.random.Generator`) and calls
:func:`as_generator` once.  There is no global random state anywhere in mechkit.

Examples
--------
>>> from mechkit.random import as_generator, spawn
>>> float(as_generator(7).random()) == float(as_generator(7).random())
True
>>> a, b = spawn(7, 2)
>>> float(a.random()) != float(b.random())
True
"""

from __future__ import annotations

import hashlib
import numbers
from typing import TypeAlias

import numpy as np

from mechkit.errors import InvalidInputError

__all__ = ["SeedLike", "as_generator", "as_seed_sequence", "key_to_spawn_key", "spawn"]

SeedLike: TypeAlias = int | np.integer | np.random.SeedSequence | np.random.Generator | None


def _check_seed(seed: object) -> None:
    if seed is None or isinstance(seed, np.random.SeedSequence | np.random.Generator):
        return
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise InvalidInputError(
            "seed: must be None, a non-negative int, a numpy SeedSequence or a numpy "
            f"Generator; got {seed!r} of type {type(seed).__name__}"
        )
    if int(seed) < 0:
        raise InvalidInputError(f"seed: must be a non-negative int; got {int(seed)}")


def as_seed_sequence(seed: SeedLike) -> np.random.SeedSequence:
    """Normalise ``seed`` to a :class:`numpy.random.SeedSequence`.

    A ``Generator`` contributes a fresh child of its bit generator's seed sequence (the
    generator's state advances, so two calls give two different children).

    Examples
    --------
    >>> as_seed_sequence(3).entropy
    3
    """
    _check_seed(seed)
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, np.random.Generator):
        return np.random.SeedSequence(seed.integers(0, 2**63 - 1, size=4, dtype=np.int64).tolist())
    return np.random.SeedSequence(None if seed is None else int(seed))


def as_generator(seed: SeedLike = None) -> np.random.Generator:
    """Return a :class:`numpy.random.Generator` for ``seed``.

    Parameters
    ----------
    seed : None, int, SeedSequence or Generator
        ``None`` draws fresh OS entropy; an ``int`` or ``SeedSequence`` gives a
        reproducible PCG64 generator; a ``Generator`` is returned unchanged.

    Returns
    -------
    numpy.random.Generator

    Raises
    ------
    InvalidInputError
        For negative ints, booleans, floats, strings and other types.

    Examples
    --------
    >>> g = as_generator(0)
    >>> as_generator(g) is g
    True
    >>> as_generator(-1)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: seed: must be a non-negative int; got -1
    """
    _check_seed(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.Generator(np.random.PCG64(as_seed_sequence(seed)))


def spawn(seed: SeedLike, n: int) -> list[np.random.Generator]:
    """Return ``n`` statistically independent generators derived from ``seed``.

    The children of an ``int`` or ``SeedSequence`` seed depend only on the seed and
    their index, so the i-th child is the same whatever ``n`` is.

    Examples
    --------
    >>> [float(g.random()) for g in spawn(1, 3)][:1] == [float(spawn(1, 1)[0].random())]
    True
    """
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or int(n) < 0:
        raise InvalidInputError(f"n: must be a non-negative int; got {n!r}")
    if isinstance(seed, np.random.Generator):
        return list(seed.spawn(int(n)))
    parent = as_seed_sequence(seed)
    return [np.random.Generator(np.random.PCG64(child)) for child in parent.spawn(int(n))]


def key_to_spawn_key(key: str) -> tuple[int, ...]:
    """Map a text key to a stable ``spawn_key`` (four 32-bit words of its SHA-256).

    Used to derive a task's seed from ``(parameters, seed index)`` independently of task
    order, worker count or engine: ``SeedSequence(root, spawn_key=key_to_spawn_key(k))``.

    Examples
    --------
    >>> key_to_spawn_key("a=1|seed=0") == key_to_spawn_key("a=1|seed=0")
    True
    >>> len(key_to_spawn_key("x"))
    4
    """
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return tuple(int.from_bytes(digest[4 * i : 4 * i + 4], "little") for i in range(4))
