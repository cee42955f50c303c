"""The one numba ``njit`` wrapper every kernel uses.

Kernels are compiled lazily (no signatures, nothing compiles at import) and cached on
disk when a cache folder is writable.  When neither the package folder nor the user's
cache folder nor ``NUMBA_CACHE_DIR`` is writable, numba's ``cache=True`` makes the
*decorator* raise ``RuntimeError: cannot cache function ...: no locator available``;
this wrapper then silently falls back to an uncached dispatcher, so a read-only
install still imports and runs.  ``MECHKIT_DISABLE_CACHE=1`` turns caching off.

Examples
--------
>>> from solvers._jit import njit
>>> @njit
... def add_one(x):
...     return x + 1.0
>>> add_one(1.0)
2.0
>>> add_one.py_func(1.0)
2.0
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numba

__all__ = ["UNCACHED", "cache_enabled", "njit", "thread_chunks"]

#: Qualified names of kernels that had to be compiled without an on-disk cache.
UNCACHED: set[str] = set()

#: The options each Python function was compiled with (``inline`` left out).
_COMPILED_WITH: dict[Callable[..., Any], dict[str, Any]] = {}


def _check_one_variant(func: Callable[..., Any], options: dict[str, Any]) -> None:
    """Refuse a second compilation of ``func`` with other options.

    numba's disk cache keys a function's entries by its file, line and signature, not by
    the compiler options, so a serial and a ``parallel=True`` (or a strict and a
    ``fastmath``) compilation of one Python function overwrite each other's cache entries
    and a later process may load the other variant (seen here: a parallel float32 sweep
    loaded the serial machine code).  ``inline`` is exempt: it changes how callers use
    the function, not its own code.
    """
    key = {k: v for k, v in options.items() if k != "inline"}
    seen = _COMPILED_WITH.setdefault(func, key)
    if seen != key:
        raise TypeError(
            f"solvers._jit.njit: {func.__module__}.{func.__qualname__} is already compiled "
            f"with options {seen}; compiling it again with {key} would share its disk-cache "
            "entries. Give the second variant a Python function of its own.")


def cache_enabled() -> bool:
    """Whether on-disk caching is requested (``MECHKIT_DISABLE_CACHE`` unset or ``0``)."""
    return os.environ.get("MECHKIT_DISABLE_CACHE", "0") in ("", "0", "false", "False")


def _compile(func: Callable[..., Any], options: dict[str, Any]) -> Any:
    _check_one_variant(func, options)
    if cache_enabled():
        try:
            return numba.njit(cache=True, **options)(func)
        except RuntimeError as err:  # "cannot cache function ...: no locator available"
            if "cannot cache" not in str(err) and "locator" not in str(err):
                raise
            UNCACHED.add(func.__qualname__)
    return numba.njit(cache=False, **options)(func)


def njit(*args: Any, **options: Any) -> Any:
    """``numba.njit`` with ``cache=True`` when possible, uncached otherwise.

    Use as ``@njit`` or ``@njit(fastmath=False, parallel=False, ...)``; ``cache`` is
    managed here and must not be passed.
    """
    if "cache" in options:
        raise TypeError("solvers._jit.njit manages caching itself; do not pass cache=")
    if len(args) == 1 and callable(args[0]) and not options:
        return _compile(args[0], {})
    if args:
        raise TypeError("solvers._jit.njit takes a function or keyword options only")

    def deco(func: Callable[..., Any]) -> Any:
        return _compile(func, options)

    return deco


def thread_chunks(parts: int, work: int, min_work: int) -> int:
    """Chunks to split ``parts`` independent pieces of ``work`` into.

    1 below ``min_work`` (a parallel region costs about 5 us to start), else numba's
    thread count (at most ``parts``).  A plain Python function: a kernel that asked numba
    for its thread count could not be cached on disk, so callers pass the result to the
    kernels as their ``nch`` argument.

    Examples
    --------
    >>> thread_chunks(100, 1000, 65536)
    1
    """
    if work < min_work:
        return 1
    return max(1, min(numba.get_num_threads(), parts))
