"""Seeded experiments: registered functions, sweeps on local cores or Dask, a durable store.

An experiment is a function ``f(params, rng) -> row | list of rows`` (rows are dicts of
scalars) registered with :func:`experiment`.  :func:`run` sweeps a parameter grid ×
seeds on this machine (joblib/loky) or on a Dask cluster, writes every finished batch
to a Parquet store with a ``manifest.json``, resumes after a crash without duplicating
rows, records the tasks that raise, and returns a :class:`RunSummary`.  :func:`load`
reads the store as a tidy :class:`pandas.DataFrame`; :func:`plot_regret`,
:func:`plot_convergence` and :func:`plot_rates` draw it.

Each task's generator is ``SeedSequence(root_seed, spawn_key=key_to_spawn_key(key))``
with ``key`` the canonical text of (parameters, seed index), so the table does not
depend on the engine, the worker count or the completion order.

Domains register their experiments in ``mechkit/<domain>/experiments.py``; they are
discovered the first time the registry is looked up.  pandas, pyarrow, joblib, tqdm,
dask and matplotlib are imported only inside the functions that need them.

Examples
--------
>>> import tempfile
>>> from mechkit.experiments import load, run
>>> tmp = tempfile.TemporaryDirectory()
>>> summary = run("experiments.hedge_regret", grid={"K": [2, 16], "T": 1024}, seeds=4,
...               store=tmp.name, workers=1, progress=False)
>>> summary.n_done, summary.n_failed
(8, 0)
>>> df = load(summary.store)
>>> bool((df["regret"] <= df["bound"]).all())   # the worst-case bound holds on every run
True
>>> tmp.cleanup()
"""

from __future__ import annotations

from mechkit.experiments._registry import (
    EXPERIMENTS,
    Experiment,
    experiment,
    get_experiment,
    list_experiments,
)
from mechkit.experiments._stats import fit_loglog_slope, wilson_interval
from mechkit.experiments._tasks import make_task, task_generator
from mechkit.experiments.engine import Failure, RunSummary, expand_grid, run
from mechkit.experiments.plots import plot_convergence, plot_rates, plot_regret
from mechkit.experiments.store import load, load_failures, read_manifest, summarize

__all__ = [
    "EXPERIMENTS",
    "Experiment",
    "Failure",
    "RunSummary",
    "expand_grid",
    "experiment",
    "fit_loglog_slope",
    "get_experiment",
    "list_experiments",
    "load",
    "load_failures",
    "make_task",
    "plot_convergence",
    "plot_rates",
    "plot_regret",
    "read_manifest",
    "run",
    "summarize",
    "task_generator",
    "wilson_interval",
]
