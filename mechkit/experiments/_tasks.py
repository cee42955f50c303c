"""Tasks, their stable seeds, and the batch runner that executes on workers.

A task is one parameter point and one seed index.  Its generator is
``SeedSequence(root_seed, spawn_key=key_to_spawn_key(key))`` where ``key`` is the
canonical JSON text of (parameters, seed index): the same task draws the same numbers
whatever the engine, the worker count, the batch it travels in or the completion order.

This module imports only numpy and the standard library (threadpoolctl inside
``run_batch``): it runs inside workers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import numbers
import sys
import threading
import time
import traceback
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from mechkit.random import key_to_spawn_key

__all__ = ["Task", "make_task", "run_batch", "task_generator"]

_INT64 = 2**63


@dataclass(frozen=True)
class Task:
    """One unit of work: a parameter point and a seed index.

    Attributes
    ----------
    key : str
        Canonical JSON of ``{"params": ..., "seed": ...}``; determines the generator.
    task_id : str
        First 16 hex digits of the SHA-256 of ``key``: the task's identity in the store.
    params : dict
        Every parameter of the experiment (defaults filled in).
    seed : int
        Seed index (0, 1, ...).
    """

    key: str
    task_id: str
    params: Mapping[str, Any]
    seed: int


def make_task(params: Mapping[str, Any], seed: int) -> Task:
    """Build the :class:`Task` for ``params`` and seed index ``seed``.

    Examples
    --------
    >>> t = make_task({"b": 2, "a": 1.5}, 3)
    >>> t.key
    '{"params":{"a":1.5,"b":2},"seed":3}'
    >>> t.task_id == make_task({"a": 1.5, "b": 2}, 3).task_id
    True
    """
    key = json.dumps({"params": dict(params), "seed": int(seed)}, sort_keys=True,
                     separators=(",", ":"), allow_nan=False)
    task_id = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return Task(key, task_id, dict(params), int(seed))


def task_generator(root_seed: int, key: str) -> np.random.Generator:
    """The task's generator: ``SeedSequence(root_seed, spawn_key=key_to_spawn_key(key))``.

    Examples
    --------
    >>> a = task_generator(0, make_task({"n": 1}, 0).key).random()
    >>> b = task_generator(0, make_task({"n": 1}, 0).key).random()
    >>> c = task_generator(0, make_task({"n": 1}, 1).key).random()
    >>> bool(a == b), bool(a == c)
    (True, False)
    """
    seq = np.random.SeedSequence(int(root_seed), spawn_key=key_to_spawn_key(key))
    return np.random.Generator(np.random.PCG64(seq))


class _RowError(Exception):
    """An experiment returned something that is not a list of rows of scalars."""


def _clean_value(col: str, value: Any, where: str) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, bool | str | float):
        return value
    if isinstance(value, numbers.Integral):
        if not -_INT64 <= int(value) < _INT64:
            raise _RowError(f"{where}: value of {col!r} does not fit in 64 bits; got {value}")
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise _RowError(
        f"{where}: value of {col!r} must be a scalar (bool, int, float, str or None); "
        f"got {type(value).__name__}"
    )


def _clean_rows(out: Any, params: Mapping[str, Any]) -> list[dict[str, Any]]:
    rows = [out] if isinstance(out, Mapping) else out
    if not isinstance(rows, list | tuple):
        raise _RowError(f"the experiment must return a dict or a list of dicts; got {type(out).__name__}")
    clean: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise _RowError(f"row {i}: must be a dict of scalars; got {type(row).__name__}")
        item: dict[str, Any] = {}
        for col, value in row.items():
            if not isinstance(col, str) or not col:
                raise _RowError(f"row {i}: column names must be non-empty strings; got {col!r}")
            if col in ("seed", "row", "_task") or col in params:
                raise _RowError(
                    f"row {i}: column {col!r} clashes with a parameter or an engine column "
                    "(seed, row, _task)"
                )
            item[col] = _clean_value(col, value, f"row {i}")
        clean.append(item)
    return clean


def _short_traceback(err: BaseException, limit: int = 4000) -> str:
    text = "".join(traceback.format_exception(type(err), err, err.__traceback__))
    return text if len(text) <= limit else "..." + text[-limit:]


class _OneThread:
    """Hold BLAS/OpenMP pools (threadpoolctl) and numba's pool at one thread; restore them on exit.

    A multithreaded BLAS splits sums differently with 1 or 2 threads, so ``x @ x``,
    ``A @ B`` or ``solve`` differ in the last bits with the thread count.  Worker
    processes start with one thread (:data:`mechkit.experiments.engine.WORKER_ENV`);
    this makes batches run in the calling process (``workers=1``) and on workers of a
    scheduler configured otherwise draw the same bits.
    """

    # BLAS limits are process-wide: batches running in several threads of one process (a
    # Dask worker with threads_per_worker > 1) share one limit, set by the first batch to
    # start and restored by the last one to finish.
    _lock = threading.Lock()
    _depth = 0
    _blas: contextlib.ExitStack | None = None

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()  # numba's limit is per thread
        self._numba_done = False

    def __enter__(self) -> _OneThread:
        cls = type(self)
        with cls._lock:
            if cls._depth == 0:
                blas = contextlib.ExitStack()
                try:
                    from threadpoolctl import threadpool_limits
                except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn (ml extra)
                    _warn_no_threadpoolctl()
                else:
                    blas.enter_context(threadpool_limits(limits=1))
                cls._blas = blas
            cls._depth += 1
        self.limit_numba()
        return self

    def limit_numba(self) -> None:
        """Limit numba's pool once numba is imported (an experiment may import it mid-batch)."""
        if self._numba_done or "numba" not in sys.modules:
            return
        self._numba_done = True
        numba = sys.modules["numba"]
        try:
            old = int(numba.get_num_threads())
            if old != 1:
                numba.set_num_threads(1)
                self._stack.callback(numba.set_num_threads, old)
        except Exception:  # pragma: no cover - no threading layer available: nothing runs in parallel
            pass

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        cls = type(self)
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0 and cls._blas is not None:
                cls._blas.close()
                cls._blas = None


_WARNED: list[bool] = []


def _warn_no_threadpoolctl() -> None:  # pragma: no cover - see _OneThread
    if not _WARNED:
        _WARNED.append(True)
        warnings.warn(
            "threadpoolctl is not installed: BLAS may use several threads in this process, so "
            "results of BLAS-heavy experiments may differ in the last bits from worker "
            "processes (pip install threadpoolctl)", RuntimeWarning, stacklevel=3,
        )


def run_batch(
    func: Any, tasks: list[tuple[str, str, dict[str, Any], int]], root_seed: int
) -> dict[str, Any]:
    """Run a batch of tasks; exceptions of a task are recorded and the batch goes on.

    BLAS/OpenMP and numba thread pools are held at one thread while the batch runs, so a
    task's floating-point results do not depend on the process it runs in.

    Parameters
    ----------
    func : callable
        The experiment function ``func(params, rng) -> rows``.
    tasks : list of (key, task_id, params, seed)
        The batch.
    root_seed : int
        Root entropy of every task's seed sequence.

    Returns
    -------
    dict
        ``{"done": [(task_id, rows), ...], "failed": [(task_id, type, message, traceback)],
        "seconds": float}``.

    Examples
    --------
    >>> t = make_task({"x": 1}, 0)
    >>> out = run_batch(lambda p, rng: {"y": p["x"] + 1}, [(t.key, t.task_id, t.params, 0)], 0)
    >>> out["done"][0][1], out["failed"]
    ([{'y': 2}], [])
    """
    done: list[tuple[str, list[dict[str, Any]]]] = []
    failed: list[tuple[str, str, str, str]] = []
    start = time.perf_counter()
    with _OneThread() as one_thread:
        for key, task_id, params, _seed in tasks:
            one_thread.limit_numba()
            try:
                out = func(dict(params), task_generator(root_seed, key))
                rows = _clean_rows(out, params)
            except _RowError as err:
                failed.append((task_id, "InvalidRowsError", str(err), ""))
            except Exception as err:
                failed.append((task_id, type(err).__name__, str(err), _short_traceback(err)))
            else:
                done.append((task_id, rows))
    seconds = time.perf_counter() - start
    return {"done": done, "failed": failed, "seconds": seconds if math.isfinite(seconds) else 0.0}
