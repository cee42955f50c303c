"""Regression tests of the review of the experiment engine (each failed before its fix)."""

import math
import re
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from mechkit.errors import InvalidInputError
from mechkit.experiments import EXPERIMENTS, experiment, get_experiment, load, plot_rates, run, summarize
from mechkit.experiments._registry import coerce_value
from mechkit.experiments.store import batch_files
from tests.experiments import exp_helpers  # noqa: F401


def _snapshot(path):
    path = Path(path)
    if not path.exists():
        return None
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(path.iterdir())}


@pytest.fixture
def registered():
    """Register throw-away experiments; unregister them afterwards."""
    names = []

    def register(name, params, func):
        names.append(name)
        return experiment(name=name, params=params)(func)

    yield register
    for name in set(names):
        if name in EXPERIMENTS:
            EXPERIMENTS.unregister(name)


# --------------------------------------------------------------------------- parameter keys


def test_integer_parameters_beyond_int64_are_refused_before_writing(tmp_path):
    """Was: the run started, wrote its manifest, then died with an OverflowError in pyarrow."""
    store = tmp_path / "s"
    with pytest.raises(InvalidInputError, match=re.escape(
            "grid: values of 'a' must fit in 64 bits (|value| < 2**63); got 1180591620717411303424")):
        run("test.trivial", grid={"a": [2**70]}, store=store, workers=1, progress=False)
    assert not store.exists()
    exp = get_experiment("test.trivial")
    assert coerce_value(exp, "a", str(2**63 - 1)) == 2**63 - 1
    assert coerce_value(exp, "a", -(2**63)) == -(2**63)
    with pytest.raises(InvalidInputError, match="must fit in 64 bits"):
        coerce_value(exp, "a", str(2**63))
    with pytest.raises(InvalidInputError, match="must fit in 64 bits"):
        coerce_value(exp, "a", 1e19)
    with pytest.raises(InvalidInputError, match=re.escape("default of 'n' in experiment 'test.huge' must fit in 64 bits")):
        experiment(name="test.huge", params={"n": 2**64})
    assert "test.huge" not in EXPERIMENTS


def test_negative_zero_is_the_same_parameter_value_as_zero(tmp_path):
    """Was: b=-0.0 and b=0.0 were two tasks with different streams: duplicate (b, seed, row) rows."""
    exp = get_experiment("test.draws")
    assert math.copysign(1.0, coerce_value(exp, "b", -0.0)) == 1.0
    assert math.copysign(1.0, coerce_value(exp, "b", "-0")) == 1.0
    with pytest.raises(InvalidInputError, match="grid: values of 'b' repeat"):
        run("test.draws", grid={"b": [0.0, -0.0]}, store=tmp_path / "x", workers=1, progress=False)
    first = run("test.draws", grid={"b": [0.0]}, seeds=2, store=tmp_path / "s", workers=1,
                progress=False)
    again = run("test.draws", grid={"b": [-0.0]}, seeds=2, store=tmp_path / "s", workers=1,
                progress=False)
    assert again.n_skipped == first.n_done == 2 and again.n_done == 0
    assert not load(tmp_path / "s").duplicated(["b", "seed", "row"]).any()


@pytest.mark.parametrize(("old", "new"), [(1, 1.0), (1, True), (0.0, 0), ("1", 1)])
def test_a_default_that_changed_type_is_refused(tmp_path, registered, old, new):
    """Was: 1 == 1.0 == True passed the check, every task key changed, and the resume
    ran every task again: each (a, seed) twice in the table."""

    def evolving(params, rng):
        return {"x": float(rng.random())}

    registered("test.retyped", {"a": old}, evolving)
    store = tmp_path / "s"
    run("test.retyped", seeds=2, store=store, workers=1, progress=False)
    before = _snapshot(store)
    registered("test.retyped", {"a": new}, evolving)
    with pytest.raises(InvalidInputError, match=re.escape("the parameters of 'test.retyped' changed since")):
        run("test.retyped", seeds=2, store=store, workers=1, progress=False)
    assert _snapshot(store) == before


# --------------------------------------------------------------------------- column order


def _columns_by_type(params, rng):
    """a == 1 returns only y; other values return x then y."""
    if params["a"] == 1:
        return {"y": 1.0}
    return {"x": 2.0, "y": float(rng.random())}


def _shuffled_keys(params, rng):
    """The same metrics, in a random key order (like a dict built from a set of strings,
    whose order differs between worker processes)."""
    names = ["alpha", "beta", "gamma", "delta"]
    values = {n: float(i) for i, n in enumerate(names)}
    return {names[i]: values[names[i]] for i in rng.permutation(len(names))}


@pytest.mark.parametrize("func", [_columns_by_type, _shuffled_keys])
def test_column_order_does_not_depend_on_write_order_or_key_order(tmp_path, registered, func):
    """Was: ties between metrics first seen in the same row were broken by the order in
    which the batch files introduced them, so the grid order, the batching and the
    completion order changed the table's columns."""
    registered("test.colorder", {"a": 0}, func)
    tables = [load(run("test.colorder", grid={"a": grid}, seeds=3, store=tmp_path / str(i),
                       workers=1, batch_size=size, progress=False).store)
              for i, (grid, size) in enumerate([([0, 1, 2], 1), ([2, 1, 0], 1), ([1, 2, 0], 4)])]
    for table in tables[1:]:
        pd.testing.assert_frame_equal(table, tables[0])
    metrics = [c for c in tables[0].columns if c not in ("a", "seed", "row")]
    assert metrics == (["x", "y"] if func is _columns_by_type else ["alpha", "beta", "delta", "gamma"])


def test_index_columns_come_first_then_metrics_by_name(tmp_path):
    df = load(run("experiments.hedge_regret", grid={"T": 16, "levels": 2}, seeds=1,
                  store=tmp_path / "s", workers=1, progress=False).store)
    assert list(df.columns) == ["K", "T", "levels", "schedule", "losses", "seed", "row", "horizon",
                                "avg_regret", "best_loss", "bound", "hedge_loss", "regret"]


def test_batch_files_sort_numerically(tmp_path):
    for name in ["part-r10000-b000000.parquet", "part-r9999-b1000000.parquet",
                 "part-r9999-b999999.parquet", "part-r0002-b000000.parquet", "notes.parquet"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in batch_files(tmp_path)] == [
        "part-r0002-b000000.parquet", "part-r9999-b999999.parquet",
        "part-r9999-b1000000.parquet", "part-r10000-b000000.parquet"]


# --------------------------------------------------------------------------- scheduler


def test_a_malformed_scheduler_address_is_invalid_input(tmp_path):
    """Was: a plain ValueError from distributed that did not name the argument."""
    pytest.importorskip("distributed")
    store = tmp_path / "s"
    for address in ["no-port", "xyz://host:1"]:
        with pytest.raises(InvalidInputError, match=re.escape(f"scheduler: cannot connect to {address!r}")):
            run("test.trivial", seeds=2, engine="dask", scheduler=address, store=store, progress=False)
    assert not store.exists()


# --------------------------------------------------------------------------- summaries and rates


def test_summarize_finds_a_free_count_column_name():
    """Was: StopIteration when the table had columns n, n_rows and _n_rows."""
    df = pd.DataFrame({"n": [1, 1], "n_rows": [2, 2], "_n_rows": [3, 3], "seed": [0, 1], "row": 0,
                       "v": [1.0, 3.0]})
    table = summarize(df, by=["n"])
    assert table["__n_rows"].tolist() == [2] and table["v"].tolist() == [2.0]


def _maybe_applicable(params, rng):
    """A boolean metric that is missing (None) when the check does not apply."""
    u = float(rng.random())
    return {"applies": u < 0.6, "ok": None if u >= 0.6 else bool(u < 0.3)}


def test_boolean_metrics_with_missing_values_are_rates(tmp_path, registered):
    """Was: such a column loads with dtype object; plot_rates refused it and summarize dropped it."""
    registered("test.maybe", {"a": 0}, _maybe_applicable)
    df = load(run("test.maybe", grid={"a": [0, 1]}, seeds=30, store=tmp_path / "s", workers=1,
                  progress=False).store)
    assert df["ok"].dtype == object and df["ok"].isna().any() and df["ok"].notna().sum() > 5
    known = df[df["ok"].notna()]
    expected = known.groupby("a")["ok"].apply(lambda s: float(np.mean(s.astype(bool))))
    ax = plot_rates(df, "ok", x="a")
    assert np.allclose(ax.get_lines()[0].get_ydata(), expected.to_numpy())
    ax2 = plot_rates(df, x="a")  # default: every boolean metric, with or without missing values
    assert [t.get_text() for t in ax2.get_legend().get_texts()] == ["applies", "ok"]
    table = summarize(df)
    assert np.allclose(table["ok"].to_numpy(), expected.to_numpy())
    plt.close("all")


def test_an_empty_store_path_and_a_non_bool_progress_are_refused(tmp_path, monkeypatch):
    """Was: store="" meant the working directory (a run there when it was empty), and
    progress="no" was taken as True."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InvalidInputError, match=re.escape("store: must be a non-empty path; got ''")):
        run("test.trivial", store="", workers=1, progress=False)
    with pytest.raises(InvalidInputError, match=re.escape("progress: must be True or False; got 'no'")):
        run("test.trivial", store=tmp_path / "s", workers=1, progress="no")
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- thread counts


def _blas_metrics(params, rng):
    """BLAS-heavy metrics (their last bits depend on the BLAS thread count) and the pool sizes."""
    from threadpoolctl import threadpool_info

    n = params["n"]
    a, b = rng.standard_normal((n, 10 * n)), rng.standard_normal((10 * n, n))
    x = rng.standard_normal(400_000)
    blas = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    numba = sys.modules.get("numba")
    return {"dot": float(x @ x), "gemm": float((a @ b)[3, 4]),
            "solve": float(np.linalg.solve(a @ b + n * np.eye(n), a[:, 0]).sum()),
            "blas_threads": max(blas, default=1),
            "numba_threads": numba.get_num_threads() if numba is not None else 1}


def test_tasks_in_this_process_run_with_one_blas_and_numba_thread(tmp_path, registered):
    """Was: with workers=1 tasks used the caller's BLAS threads (2 here) while worker
    processes use one, so BLAS-heavy metrics differed in the last bits between
    workers=1 and workers=2 or Dask: not the identical table the engine promises."""
    import numba
    import threadpoolctl

    from mechkit.experiments import make_task, task_generator

    registered("test.blas", {"n": 200}, _blas_metrics)
    old = numba.get_num_threads()
    caller_threads = min(2, numba.config.NUMBA_NUM_THREADS)  # the caller's own setting
    numba.set_num_threads(caller_threads)
    try:
        with threadpoolctl.threadpool_limits(limits=2):
            df = load(run("test.blas", seeds=3, store=tmp_path / "s", workers=1,
                          progress=False).store)
        assert numba.get_num_threads() == caller_threads  # the caller's settings are restored
    finally:
        numba.set_num_threads(old)
    assert df["blas_threads"].tolist() == [1, 1, 1] and df["numba_threads"].tolist() == [1, 1, 1]
    with threadpoolctl.threadpool_limits(limits=1):  # what a one-thread worker process computes
        expected = [_blas_metrics({"n": 200}, task_generator(0, make_task({"n": 200}, s).key))
                    for s in range(3)]
    for col in ("dot", "gemm", "solve"):
        assert df[col].tolist() == [row[col] for row in expected]


# --------------------------------------------------------------------------- Wilson endpoints


def test_wilson_interval_of_zero_or_all_successes_reaches_the_boundary_exactly():
    """Was: center - half came out as 1e-17 (and center + half as 1 - 1e-16) for 440 of the
    (n <= 199, level) pairs, so the interval of k = 0 did not contain p = 0."""
    from mechkit.experiments import wilson_interval

    for level in (0.8, 0.9, 0.95, 0.99, 0.999):
        n = np.arange(1, 200)
        lo0, hi0 = wilson_interval(np.zeros_like(n), n, level)
        lon, hin = wilson_interval(n, n, level)
        assert (lo0 == 0.0).all() and (hin == 1.0).all()
        assert np.allclose(hi0, 1.0 - lon, rtol=0, atol=1e-15)  # symmetry k <-> n - k


def test_wilson_coverage_at_p_zero_and_one_is_one(tmp_path):
    """Was: the experiment reported a coverage of 0 for p = 0 (n = 8, level 0.9)."""
    summary = run("experiments.wilson_coverage", grid={"n": 8, "p": [0.0, 1.0], "level": 0.9},
                  seeds=5, store=tmp_path / "s", workers=1, progress=False)
    df = load(summary.store)
    assert df["covered"].all() and len(df) == 10
