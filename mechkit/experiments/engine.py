"""``run``: a seeded sweep on local cores (joblib/loky) or a Dask cluster, into a durable store.

Tasks (parameter point × seed index) travel in batches.  Batch sizes adapt to the
measured task time (about one second of work per batch, a few batches per worker), so
tiny tasks cost little overhead and long ones lose little when a run dies.  The parent
process alone writes the store: one Parquet file per finished batch, atomically.
"""

from __future__ import annotations

import collections
import concurrent.futures
import gc
import hashlib
import inspect
import itertools
import math
import os
import tempfile
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mechkit._optional import import_optional
from mechkit._validate import check_choice, check_int, check_positive
from mechkit.errors import InvalidInputError
from mechkit.experiments import store as _store
from mechkit.experiments._registry import Experiment, coerce_value, get_experiment
from mechkit.experiments._tasks import Task, make_task, run_batch

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

__all__ = ["Failure", "RunSummary", "expand_grid", "run"]

ENGINES = ("local", "dask")
#: Environment of worker processes: one thread per BLAS/OpenMP/numba pool, so the
#: process-level parallelism does not oversubscribe the cores.
WORKER_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMBA_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Failure:
    """A task that raised: its parameters, seed index, error type and message."""

    params: Mapping[str, Any]
    seed: int
    error_type: str
    error: str

    def __repr__(self) -> str:
        point = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Failure({point}, seed={self.seed}: {self.error_type}: {self.error})"


@dataclass(frozen=True)
class RunSummary:
    """What one call of :func:`run` did.

    Attributes
    ----------
    experiment : str
        Experiment name.
    store : pathlib.Path
        The store directory (load it with :func:`mechkit.experiments.load`).
    n_tasks : int
        Tasks in the requested grid (points × seeds).
    n_skipped : int
        Tasks already stored by an earlier run (resume).
    n_done : int
        Tasks completed by this run.
    n_failed : int
        Tasks of this run that raised (recorded in the store; see ``failures``).
    n_rows : int
        Rows written by this run.
    seconds : float
        Wall-clock time of the run.
    engine : str
        ``"local"`` or ``"dask"``.
    workers : int
        Worker processes used (1 means in-process).
    failures : tuple of Failure
        The failures of this run.
    """

    experiment: str
    store: Path
    n_tasks: int
    n_skipped: int
    n_done: int
    n_failed: int
    n_rows: int
    seconds: float
    engine: str
    workers: int
    failures: tuple[Failure, ...] = field(default=(), repr=False)

    @property
    def ok(self) -> bool:
        """True when no task of this run failed."""
        return self.n_failed == 0

    def load(self) -> pd.DataFrame:
        """The store's table (:func:`mechkit.experiments.load`)."""
        return _store.load(self.store)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form (JSON-ready)."""
        return {
            "experiment": self.experiment, "store": str(self.store), "n_tasks": self.n_tasks,
            "n_skipped": self.n_skipped, "n_done": self.n_done, "n_failed": self.n_failed,
            "n_rows": self.n_rows, "seconds": self.seconds, "engine": self.engine,
            "workers": self.workers,
            "failures": [{"params": dict(f.params), "seed": f.seed, "error_type": f.error_type,
                          "error": f.error} for f in self.failures],
        }

    def __repr__(self) -> str:
        return (f"RunSummary({self.experiment!r}, tasks={self.n_tasks}, skipped={self.n_skipped}, "
                f"done={self.n_done}, failed={self.n_failed}, rows={self.n_rows}, "
                f"engine={self.engine!r}, workers={self.workers}, {self.seconds:.2f} s)")


# --------------------------------------------------------------------------- the grid


def _grid_axes(exp: Experiment, grid: Mapping[str, Any] | None) -> dict[str, list[Any]]:
    """Validated grid values per named parameter, in the defaults' types."""
    if grid is None:
        return {}
    if not isinstance(grid, Mapping):
        raise InvalidInputError(f"grid: must be a dict of parameter values; got {type(grid).__name__}")
    if not grid:
        raise InvalidInputError(
            "grid: is empty; name at least one parameter, or pass grid=None to run the defaults"
        )
    axes: dict[str, list[Any]] = {}
    for key, values in grid.items():
        if key not in exp.params:
            known = ", ".join(exp.params) or "(none)"
            raise InvalidInputError(
                f"grid: unknown parameter {key!r} of experiment {exp.name!r}; known: {known}"
            )
        if isinstance(values, list | tuple | range):
            seq = list(values)
        elif getattr(values, "ndim", 0):
            seq = list(values.tolist())
        else:
            seq = [values]
        if not seq:
            raise InvalidInputError(f"grid: values of {key!r} are empty; give at least one value")
        coerced = [coerce_value(exp, key, v) for v in seq]
        if len(set(map(repr, coerced))) != len(coerced):
            raise InvalidInputError(f"grid: values of {key!r} repeat; got {seq!r}")
        axes[key] = coerced
    return axes


def expand_grid(exp: Experiment, grid: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """The parameter points of ``grid`` (cartesian product, in the experiment's order).

    Parameters
    ----------
    exp : Experiment
        The experiment (its defaults fill the parameters the grid leaves out).
    grid : mapping or None
        ``{name: value or list of values}``; ``None`` runs the defaults.

    Returns
    -------
    list of dict
        One dict per point, every parameter present, values in the defaults' types.

    Examples
    --------
    >>> from mechkit.experiments import get_experiment
    >>> exp = get_experiment("experiments.hedge_regret")
    >>> [(p["K"], p["T"]) for p in expand_grid(exp, {"T": [64, 128], "K": 2})]
    [(2, 64), (2, 128)]
    >>> expand_grid(exp, {"eta": [1.0]})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: grid: unknown parameter 'eta' of experiment ...; known: K, T, ...
    """
    axes = _grid_axes(exp, grid)
    names = list(exp.params)
    choices = [axes.get(k, [exp.params[k]]) for k in names]
    return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*choices)]


# --------------------------------------------------------------------------- backends


class _Inline:
    """Runs batches in the calling process, one at a time."""

    workers = 1
    max_in_flight = 1

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future[Any]:
        fut: concurrent.futures.Future[Any] = concurrent.futures.Future()
        try:
            fut.set_result(fn(*args))
        except BaseException as err:  # pragma: no cover - run_batch records task errors itself
            fut.set_exception(err)
        return fut

    def wait(self, pending: Sequence[Any]) -> list[Any]:
        return list(pending)

    def close(self, abort: bool = False) -> None:
        pass


class _Loky:
    """joblib's reusable loky process pool."""

    def __init__(self, workers: int) -> None:
        loky = import_optional("joblib.externals.loky", "experiments")
        self.workers = workers
        self.max_in_flight = 2 * workers
        self._executor = loky.get_reusable_executor(max_workers=workers, env=dict(WORKER_ENV))

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._executor.submit(fn, *args)

    def wait(self, pending: Sequence[Any]) -> list[Any]:
        done, _ = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
        return list(done)

    def close(self, abort: bool = False) -> None:
        if abort:
            self._executor.shutdown(wait=False, kill_workers=True)


class _Dask:
    """A ``dask.distributed`` client: a fresh LocalCluster, or the given scheduler."""

    def __init__(self, workers: int | None, scheduler: Any) -> None:
        distributed = import_optional("distributed", "dask")
        self._distributed = distributed
        self._cluster = None
        if scheduler is None:
            n = workers or os.cpu_count() or 1
            self._cluster = distributed.LocalCluster(
                n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                dashboard_address=None, env=dict(WORKER_ENV),
            )
            self._client = distributed.Client(self._cluster)
            self._own_client = True
        elif isinstance(scheduler, distributed.Client):
            self._client = scheduler
            self._own_client = False
        else:
            _check_address(scheduler)
            message = ""
            try:
                self._client = distributed.Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as err:
                message = f"scheduler: cannot connect to {scheduler!r} ({err})"
            if message:
                # collect the half-built Client now: left to a later garbage collection, its
                # __del__ can run inside the next Client's start-up and deadlock distributed
                gc.collect()
                raise InvalidInputError(message)
            self._own_client = True
        if workers is None:
            workers = len(self._client.scheduler_info(n_workers=-1).get("workers", {}))
        self.workers = max(1, workers)
        self.max_in_flight = 2 * self.workers

    def submit(self, fn: Callable[..., Any], *args: Any) -> Any:
        return self._client.submit(fn, *args, pure=False)

    def wait(self, pending: Sequence[Any]) -> list[Any]:
        done, _ = self._distributed.wait(list(pending), return_when="FIRST_COMPLETED")
        return list(done)

    def close(self, abort: bool = False) -> None:
        if self._own_client:
            self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def _check_address(address: str) -> None:
    """Refuse a malformed scheduler address before any ``Client`` is built."""
    from distributed.comm.addressing import get_address_host_port, parse_address
    from distributed.comm.registry import get_backend

    try:
        scheme, location = parse_address(address)
        get_backend(scheme)
        if scheme in ("tcp", "tls"):
            get_address_host_port(f"{scheme}://{location}", strict=True)
    except ValueError as err:
        raise InvalidInputError(
            f"scheduler: cannot connect to {address!r} (malformed address: {err})"
        ) from None


def _check_scheduler(scheduler: Any) -> None:
    if scheduler is None or isinstance(scheduler, str):
        if isinstance(scheduler, str) and not scheduler.strip():
            raise InvalidInputError("scheduler: must be an address like 'tcp://host:8786'; got ''")
        return
    if type(scheduler).__name__ == "Client":
        return
    raise InvalidInputError(
        f"scheduler: must be an address like 'tcp://host:8786' or a distributed.Client; got {scheduler!r}"
    )


# --------------------------------------------------------------------------- the run


def _batch_size(est: float | None, remaining: int, workers: int, batch_seconds: float) -> int:
    """Tasks in the next batch.

    About ``batch_seconds`` of work, at most a fair share of what is left (so every
    worker gets some), but not below ``batch_seconds / 20`` of work (so the tail of a
    sweep of tiny tasks is not a stream of one-task batches).  Before any task has been
    timed (``est is None``) batches hold one task.
    """
    if est is None:
        return 1
    fair = max(1, math.ceil(remaining / (2 * workers)))
    if est <= 0:
        return fair
    target = max(1, int(batch_seconds / est))
    floor = max(1, int(batch_seconds / 20 / est))
    return max(1, min(remaining, max(floor, min(fair, target))))


def _source_hash(exp: Experiment) -> str | None:
    """SHA-256 of the experiment function's source text (``None`` when it is unavailable)."""
    try:
        text = inspect.getsource(exp.func)
    except (OSError, TypeError):
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _typed(params: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
    """``(name, type, value)`` of every default, in order: a changed type changes every task key."""
    return [(k, type(v).__name__, v) for k, v in dict(params).items()]


def _prepare_store(
    path: Path, exp: Experiment, root_seed: int, resume: bool
) -> dict[str, Any] | None:
    """Check ``path`` can hold this run (raising before anything is written); return its manifest."""
    if path.exists() and not path.is_dir():
        raise InvalidInputError(f"store: {str(path)!r} exists and is not a directory")
    if not path.exists() or all(
        p.name == _store.LOCK_NAME or (p.name.startswith(".") and p.name.endswith(".tmp"))
        for p in path.iterdir()
    ):  # new, or only the leftovers of a run killed before its manifest was written
        return None
    manifest = _store.read_manifest(path)
    if manifest["experiment"] != exp.name:
        raise InvalidInputError(
            f"store: {str(path)!r} holds results of experiment {manifest['experiment']!r}, "
            f"not {exp.name!r}; choose another directory"
        )
    if manifest.get("root_seed") != root_seed:
        raise InvalidInputError(
            f"store: {str(path)!r} was made with root_seed={manifest.get('root_seed')}, not "
            f"{root_seed}; use the same root seed to resume or choose another directory"
        )
    if _typed(manifest["params"]) != _typed(exp.params):  # 1 == 1.0 == True: compare the types too
        raise InvalidInputError(
            f"store: the parameters of {exp.name!r} changed since {str(path)!r} was made "
            f"(stored defaults {manifest['params']}, now {dict(exp.params)}); choose another directory"
        )
    stored_hash = manifest.get("source_sha256")
    if stored_hash is not None and _source_hash(exp) not in (None, stored_hash):
        warnings.warn(
            f"the source of experiment {exp.name!r} changed since {str(path)!r} was made; the "
            "stored rows come from the old code (use a new store to rerun everything)",
            RuntimeWarning, stacklevel=3,
        )
    if not resume and _store.batch_files(path):
        raise InvalidInputError(
            f"store: {str(path)!r} already holds results; pass resume=True to complete it "
            "or choose another directory"
        )
    return manifest


def run(
    name: str,
    grid: Mapping[str, Any] | None = None,
    *,
    seeds: int = 1,
    root_seed: int = 0,
    engine: str = "local",
    scheduler: Any = None,
    workers: int | None = None,
    store: str | os.PathLike[str] | None = None,
    resume: bool = True,
    progress: bool = True,
    batch_size: int | None = None,
    batch_seconds: float = 1.0,
) -> RunSummary:
    """Run the experiment ``name`` over ``grid`` × ``seeds`` into a durable Parquet store.

    Parameters
    ----------
    name : str
        A registered experiment (see :func:`mechkit.experiments.list_experiments`).
    grid : mapping, optional
        ``{parameter: value or list of values}``; the cartesian product is run, and the
        other parameters keep their defaults.  ``None`` runs the defaults once per seed.
    seeds : int, default 1
        Seed indices ``0 .. seeds-1`` per parameter point.
    root_seed : int, default 0
        Root entropy.  Task ``(params, s)`` draws from ``SeedSequence(root_seed,
        spawn_key=key_to_spawn_key(key))`` with ``key`` the canonical text of
        ``(params, s)``: the table is identical whatever the engine, worker count or
        completion order.
    engine : {"local", "dask"}, default "local"
        ``"local"``: joblib's loky process pool on this machine (``workers=1`` runs in
        this process).  ``"dask"``: ``dask.distributed``, on a new ``LocalCluster`` (one
        thread per worker process) unless ``scheduler`` is given.
    scheduler : str or distributed.Client, optional
        With ``engine="dask"``: a scheduler address such as ``"tcp://host:8786"`` or a
        connected client.
    workers : int, optional
        Worker processes (default: all cores; with a scheduler: its workers).
    store : str or path, optional
        The store directory (created if needed; default: a new temporary directory).
    resume : bool, default True
        Skip the tasks the store already holds successfully (failed tasks run again).
        With ``False`` a store that already holds results is refused.
    progress : bool, default True
        Show a ``tqdm.auto`` bar (silent anyway when not attached to a terminal).
    batch_size : int, optional
        Tasks per batch (default: adaptive, about ``batch_seconds`` of work each).
    batch_seconds : float, default 1.0
        Target work per adaptive batch.

    Returns
    -------
    RunSummary
        Counts, failures and the store path.

    Raises
    ------
    InvalidInputError
        Unknown experiment or parameter, empty grid, ``seeds < 1``, a store of another
        experiment or root seed, a store in use by another run, an unreachable
        scheduler: raised before anything is written.

    Notes
    -----
    Tasks run with BLAS/OpenMP and numba thread pools at one thread (worker processes
    start that way; in this process the pools are limited while a batch runs), so a
    task's floating-point results do not depend on where it ran.

    A task that raises is recorded (parameters, seed, error type, message, traceback)
    and the run goes on.  A worker process that dies (segfault, out of memory) or a
    ``KeyboardInterrupt`` stops the run: every finished batch stays in the store, the
    manifest marks the run ``"interrupted"``, and calling :func:`run` again resumes.

    Examples
    --------
    >>> import tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> summary = run("experiments.hedge_regret", grid={"K": [2, 8], "T": 256}, seeds=3,
    ...               store=tmp.name, workers=1, progress=False)
    >>> summary.n_tasks, summary.n_done, summary.n_failed, summary.n_rows
    (6, 6, 0, 42)
    >>> again = run("experiments.hedge_regret", grid={"K": [2, 8], "T": 256}, seeds=3,
    ...             store=summary.store, workers=1, progress=False)
    >>> again.n_skipped, again.n_done
    (6, 0)
    >>> tmp.cleanup()
    """
    t_start = time.perf_counter()
    # ---- validate everything before touching the store
    exp = get_experiment(name)
    points = expand_grid(exp, grid)
    seeds = check_int(seeds, "seeds", minimum=1)
    root_seed = check_int(root_seed, "root_seed", minimum=0)
    engine = check_choice(engine, "engine", ENGINES)
    _check_scheduler(scheduler)
    if scheduler is not None and engine != "dask":
        raise InvalidInputError(f"scheduler: only used with engine='dask'; got engine={engine!r}")
    if workers is not None:
        workers = check_int(workers, "workers", minimum=1)
        if scheduler is not None:
            raise InvalidInputError("workers: the scheduler decides its workers; do not pass both")
    if batch_size is not None:
        batch_size = check_int(batch_size, "batch_size", minimum=1)
    batch_seconds = check_positive(batch_seconds, "batch_seconds")
    if not isinstance(resume, bool):
        raise InvalidInputError(f"resume: must be True or False; got {resume!r}")
    if not isinstance(progress, bool):
        raise InvalidInputError(f"progress: must be True or False; got {progress!r}")
    path = (Path(tempfile.mkdtemp(prefix="mechkit-run-")) if store is None
            else _store._as_store_path(store))
    manifest = _prepare_store(path, exp, root_seed, resume)
    tasks = [make_task(p, s) for p in points for s in range(seeds)]

    if path.is_dir():
        _store.check_unlocked(path)
    stored = _store.scan(path).done if manifest is not None else set()
    n_todo = sum(t.task_id not in stored for t in tasks)
    # start the workers (or connect to the scheduler) before writing anything
    backend = _make_backend(engine, workers, scheduler, n_todo) if n_todo else None
    status = "interrupted"
    try:
        path.mkdir(parents=True, exist_ok=True)
        with _store.store_lock(path):
            _store.remove_stale_temporaries(path)
            if (path / _store.MANIFEST_NAME).is_file():  # re-read under the lock
                manifest = _store.read_manifest(path)
            else:
                manifest = {
                    "format": _store.FORMAT_VERSION,
                    "experiment": exp.name,
                    "description": exp.description,
                    "params": dict(exp.params),
                    "index": list(exp.index),
                    "root_seed": root_seed,
                    "source_sha256": _source_hash(exp),
                    "created": _store.now_iso(),
                    "runs": [],
                }
            state = _store.scan(path, list(exp.params))
            todo = [t for t in tasks if t.task_id not in state.done]
            kinds = _store.ColumnKinds(state.kinds)
            if todo and backend is None:  # pragma: no cover - the store shrank since the pre-scan
                backend = _make_backend(engine, workers, scheduler, len(todo))
            run_no = 1 + max([-1] + [int(r.get("run", -1)) for r in manifest["runs"]]
                             + [_store.batch_number(p)[0] for p in state.files])
            extra = ("dask", "distributed") if engine == "dask" else ("joblib",)
            record: dict[str, Any] = {
                "run": run_no,
                "grid": _grid_axes(exp, grid),
                "seeds": seeds,
                "engine": engine,
                "scheduler": None if scheduler is None else (
                    str(scheduler) if isinstance(scheduler, str) else "client"),
                "workers": 1 if backend is None else backend.workers,
                "started": _store.now_iso(),
                "ended": None,
                "status": "running",
                "versions": _store.package_versions(extra),
                "git_commit": _store.git_commit(),
                "counts": {"tasks": len(tasks), "skipped": len(tasks) - len(todo), "done": 0,
                           "failed": 0, "rows": 0},
            }
            manifest["runs"].append(record)
            manifest["grid"], manifest["seeds"] = record["grid"], seeds
            _store.write_manifest(path, manifest)

            counts = record["counts"]
            failures: list[Failure] = []
            try:
                _execute(exp, todo, root_seed, path, run_no, backend, progress, batch_size,
                         batch_seconds, counts, failures, kinds)
                status = "complete" if not failures else "complete with failures"
            finally:
                record["status"], record["ended"] = status, _store.now_iso()
                final = _store.scan(path)
                manifest["stored"] = {"tasks": len(final.done), "failed": len(final.failed),
                                      "files": len(final.files)}
                manifest["updated"] = record["ended"]
                _store.write_manifest(path, manifest)
    finally:
        if backend is not None:
            backend.close(abort=status == "interrupted")

    return RunSummary(exp.name, path, len(tasks), len(tasks) - len(todo), counts["done"],
                      counts["failed"], counts["rows"], time.perf_counter() - t_start, engine,
                      int(record["workers"]), tuple(failures))


def _make_backend(engine: str, workers: int | None, scheduler: Any, n_todo: int) -> Any:
    if engine == "dask":
        return _Dask(workers, scheduler)
    n = workers if workers is not None else (os.cpu_count() or 1)
    n = max(1, min(n, n_todo))
    return _Inline() if n == 1 else _Loky(n)


def _execute(
    exp: Experiment,
    todo: list[Task],
    root_seed: int,
    path: Path,
    run_no: int,
    backend: Any,
    progress: bool,
    batch_size: int | None,
    batch_seconds: float,
    counts: dict[str, int],
    failures: list[Failure],
    kinds: _store.ColumnKinds,
) -> None:
    if not todo:
        return
    tqdm = import_optional("tqdm.auto", "experiments").tqdm
    queue = collections.deque(todo)
    by_id = {t.task_id: t for t in todo}
    in_flight: dict[Any, list[Task]] = {}
    work_seconds, work_tasks = 0.0, 0
    batch_no = 0
    bar = tqdm(total=len(todo), desc=exp.name, unit="task", disable=None if progress else True,
               dynamic_ncols=True, leave=False)
    try:
        while queue or in_flight:
            while queue and len(in_flight) < backend.max_in_flight:
                est = work_seconds / work_tasks if work_tasks else None
                size = batch_size or _batch_size(est, len(queue), backend.workers, batch_seconds)
                batch = [queue.popleft() for _ in range(min(size, len(queue)))]
                payload = [(t.key, t.task_id, dict(t.params), t.seed) for t in batch]
                in_flight[backend.submit(run_batch, exp.func, payload, root_seed)] = batch
            for fut in backend.wait(list(in_flight)):
                batch = in_flight.pop(fut)
                result = fut.result()
                _write_result(exp, result, by_id, path, run_no, batch_no, root_seed, counts,
                              failures, kinds)
                batch_no += 1
                work_seconds += float(result["seconds"])
                work_tasks += len(batch)
                bar.update(len(batch))
    except BaseException:
        for fut in in_flight:
            fut.cancel()
        raise
    finally:
        bar.close()


def _write_result(
    exp: Experiment,
    result: Mapping[str, Any],
    by_id: Mapping[str, Task],
    path: Path,
    run_no: int,
    batch_no: int,
    root_seed: int,
    counts: dict[str, int],
    failures: list[Failure],
    kinds: _store.ColumnKinds,
) -> None:
    rows: list[dict[str, Any]] = []
    done: list[str] = []
    failed = list(result["failed"])
    for task_id, task_rows in result["done"]:
        clash = kinds.admit(task_rows)
        if clash is not None:  # a column changed type: the task fails, the store stays loadable
            failed.append((task_id, "InvalidRowsError", clash, ""))
            continue
        task = by_id[task_id]
        done.append(task_id)
        for i, metrics in enumerate(task_rows):
            rows.append({"_task": task_id, **task.params, "seed": task.seed, "row": i, **metrics})
    fail_records = []
    for task_id, err_type, message, tb in failed:
        task = by_id[task_id]
        fail_records.append({"task": task_id, "params": dict(task.params), "seed": task.seed,
                             "error_type": err_type, "error": message, "traceback": tb})
        failures.append(Failure(dict(task.params), task.seed, err_type, message))
    meta = {
        "format": _store.FORMAT_VERSION, "experiment": exp.name, "root_seed": root_seed,
        "run": run_no, "batch": batch_no, "written": _store.now_iso(),
        "tasks": done, "failures": fail_records,
    }
    _store.write_batch(path, _store.batch_path(path, run_no, batch_no), rows, meta, exp.params, kinds)
    counts["done"] += len(done)
    counts["failed"] += len(failed)
    counts["rows"] += len(rows)
