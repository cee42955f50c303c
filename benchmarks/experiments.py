"""Per-task overhead of the experiment engine on 10,000 tasks of a trivial experiment.

Baseline: a plain Python loop calling the same function with the same per-task
generators.  mechkit: ``run(..., engine="local", workers=2)`` into a fresh store (task
keys, batching, worker transport, Parquet writes, manifest).  Target: at most 2 ms of
overhead per task.  A Dask ``LocalCluster`` run (cluster start included) is reported
beside it.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time

import numpy as np

from mechkit.bench import BenchRow, benchmark
from mechkit.experiments import experiment, load, make_task, run, task_generator

N_TASKS = 10_000
WORKERS = 2
TARGET_MS = 2.0


@experiment(name="bench.trivial", params={"scale": 1.0})
def trivial(params, rng):
    """One uniform draw."""
    return {"x": params["scale"] * float(rng.random())}


def _loop():
    params = {"scale": 1.0}
    out = []
    for s in range(N_TASKS):
        task = make_task(params, s)
        out.append(trivial(dict(params), task_generator(0, task.key))["x"])
    return np.array(out)


def _engine_run(**kwargs):
    store = tempfile.mkdtemp(prefix="mechkit-bench-")
    try:
        t0 = time.perf_counter()
        summary = run("bench.trivial", seeds=N_TASKS, store=store, progress=False, **kwargs)
        seconds = time.perf_counter() - t0
        assert summary.n_done == N_TASKS and summary.ok
        values = load(store)["x"].to_numpy()
    finally:
        shutil.rmtree(store, ignore_errors=True)
    return seconds, values


@benchmark(name="experiments.overhead", domain="experiments",
           description="run() per-task overhead (local loky and Dask LocalCluster) vs a plain loop")
def overhead():
    expected = _loop()
    _, warm = _engine_run(engine="local", workers=WORKERS)  # spawns the reusable loky pool
    if not np.array_equal(warm, expected):
        raise AssertionError("run() and the plain loop disagree")
    loop_times, run_times = [], []
    for _ in range(3):
        t0 = time.perf_counter()
        _loop()
        loop_times.append(time.perf_counter() - t0)
        run_times.append(_engine_run(engine="local", workers=WORKERS)[0])
    base, local = statistics.median(loop_times), statistics.median(run_times)
    per_task_ms = max(0.0, local - base) / N_TASKS * 1e3
    rows = [BenchRow(
        "experiments.overhead", f"{N_TASKS} tasks, local (loky), {WORKERS} workers",
        "plain Python loop", base, local, base / local, None, per_task_ms <= TARGET_MS,
        f"per-task overhead {per_task_ms:.4f} ms (target <= {TARGET_MS:g} ms per task)",
    )]
    dask_seconds, dask_values = _engine_run(engine="dask", workers=WORKERS)
    if not np.array_equal(dask_values, expected):
        raise AssertionError("run(engine='dask') and the plain loop disagree")
    dask_ms = max(0.0, dask_seconds - base) / N_TASKS * 1e3
    rows.append(BenchRow(
        "experiments.dask", f"{N_TASKS} tasks, Dask LocalCluster, {WORKERS} workers",
        "plain Python loop", base, dask_seconds, base / dask_seconds, None, None,
        f"start-to-finish incl. LocalCluster start; per-task overhead {dask_ms:.4f} ms",
    ))
    return rows
