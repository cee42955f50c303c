import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.experiments import (
    RunSummary,
    experiment,
    load,
    load_failures,
    read_manifest,
    run,
    summarize,
)
from mechkit.experiments.engine import _batch_size
from tests.experiments import exp_helpers

ROOT = Path(__file__).resolve().parents[2]
GRID = {"a": [0, 1, 2, 3], "b": [0.5, 2.0], "tag": ["x", "y"]}


def _run(store, name="test.draws", grid=None, seeds=2, **kw):
    kw.setdefault("workers", 1)
    kw.setdefault("progress", False)
    return run(name, grid=GRID if grid is None and name == "test.draws" else grid, seeds=seeds,
               store=store, **kw)


def _snapshot(path):
    path = Path(path)
    if not path.exists():
        return None
    return {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in sorted(path.iterdir())}


def test_run_and_load(tmp_path):
    summary = _run(tmp_path / "s", seeds=3)
    assert isinstance(summary, RunSummary)
    assert (summary.n_tasks, summary.n_skipped, summary.n_done, summary.n_failed) == (48, 0, 48, 0)
    assert summary.ok and summary.engine == "local" and summary.workers == 1
    df = load(summary.store)
    # a % 3 + 1 rows per task
    assert summary.n_rows == len(df) == 3 * 2 * 2 * (1 + 2 + 3 + 1)
    # parameters, seed, row, the index column, then the metrics by name
    assert list(df.columns) == ["a", "b", "tag", "flag", "seed", "row", "step", "hit", "k", "label",
                                "u"]
    assert df["k"].dtype == "int64" and df["hit"].dtype == bool and df["b"].dtype == "float64"
    assert (df["row"] == df["step"]).all()
    keys = df[["a", "b", "tag", "seed", "row"]].to_records(index=False).tolist()
    assert keys == sorted(keys)
    assert df.attrs["mechkit"]["experiment"] == "test.draws"
    assert df.attrs["mechkit"]["params"] == ["a", "b", "tag", "flag"]
    assert summary.load().equals(df)
    json.dumps(summary.to_dict())
    assert "done=48" in repr(summary)


def test_manifest_records_provenance(tmp_path):
    store = tmp_path / "s"
    _run(store, grid={"a": [1, 2]}, seeds=2, root_seed=5)
    _run(store, grid={"a": [1, 2, 3]}, seeds=2, root_seed=5)
    man = read_manifest(store)
    assert man["experiment"] == "test.draws" and man["root_seed"] == 5
    assert man["params"] == {"a": 1, "b": 0.5, "tag": "x", "flag": False}
    assert man["grid"] == {"a": [1, 2, 3]} and man["seeds"] == 2
    assert [r["run"] for r in man["runs"]] == [0, 1]
    first, second = man["runs"]
    assert first["counts"] == {"tasks": 4, "skipped": 0, "done": 4, "failed": 0, "rows": 10}
    assert second["counts"] == {"tasks": 6, "skipped": 4, "done": 2, "failed": 0, "rows": 2}
    assert second["status"] == "complete" and second["started"] <= second["ended"]
    assert {"python", "mechkit", "numpy", "pandas", "pyarrow", "joblib"} <= set(second["versions"])
    assert "git_commit" in second
    assert man["stored"] == {"tasks": 6, "failed": 0, "files": len(list(store.glob("part-*.parquet")))}


def test_identical_tables_across_engines_and_worker_counts(tmp_path):
    one = load(_run(tmp_path / "one", seeds=4, workers=1).store)
    two_summary = _run(tmp_path / "two", seeds=4, workers=2)
    assert two_summary.workers == 2
    two = load(two_summary.store)
    pd.testing.assert_frame_equal(one, two)
    dask_summary = _run(tmp_path / "dask", seeds=4, engine="dask", workers=2)
    assert dask_summary.engine == "dask" and dask_summary.n_done == 64
    pd.testing.assert_frame_equal(one, load(dask_summary.store))


def test_grid_order_and_batching_do_not_change_the_table(tmp_path):
    a = load(_run(tmp_path / "a", grid={"tag": ["y", "x"], "a": [3, 1, 0]}, seeds=3).store)
    b = load(_run(tmp_path / "b", grid={"a": [0, 1, 3], "tag": ["x", "y"]}, seeds=3,
                  batch_size=1).store)
    pd.testing.assert_frame_equal(a, b)


_REFERENCE = {}


@settings(max_examples=15)
@given(st.lists(st.tuples(st.sets(st.integers(0, 3), min_size=1), st.integers(1, 3)),
                min_size=1, max_size=3))
def test_partial_runs_then_full_run_equal_one_full_run(tmp_path_factory, steps):
    """Any sequence of partial runs into one store, completed by the full run, loads like the full run."""
    base = tmp_path_factory.mktemp("partial")
    full = {"a": [0, 1, 2, 3]}
    if "df" not in _REFERENCE:
        _REFERENCE["df"] = load(_run(base / "ref", grid=full, seeds=3).store)
    for i, (values, seeds) in enumerate(steps):
        _run(base / "s", grid={"a": sorted(values)}, seeds=seeds, batch_size=1 + i)
    last = _run(base / "s", grid=full, seeds=3)
    expected_skips = len({(a, s) for values, seeds in steps for a in values for s in range(seeds)})
    assert last.n_tasks == 12 and last.n_skipped == expected_skips
    assert last.n_skipped + last.n_done == 12
    pd.testing.assert_frame_equal(load(base / "s"), _REFERENCE["df"])


def test_failures_are_recorded_and_the_run_goes_on(tmp_path):
    summary = _run(tmp_path / "s", name="test.flaky", grid={"a": [1, 2]}, seeds=10)
    assert summary.n_failed > 0 and summary.n_done + summary.n_failed == 20 and not summary.ok
    f = summary.failures[0]
    assert f.error_type == "ValueError" and f.error.startswith("unlucky draw")
    assert set(f.params) == {"a"} and "ValueError" in repr(f)
    df, fails = load(summary.store), load_failures(summary.store)
    assert len(df) == summary.n_done and len(fails) == summary.n_failed
    assert list(fails.columns) == ["a", "seed", "error_type", "error", "traceback"]
    assert set(zip(df["a"], df["seed"], strict=True)).isdisjoint(zip(fails["a"], fails["seed"], strict=True))
    # a resume retries the failed tasks; they fail again and are not duplicated
    again = _run(tmp_path / "s", name="test.flaky", grid={"a": [1, 2]}, seeds=10)
    assert again.n_skipped == summary.n_done and again.n_failed == summary.n_failed
    pd.testing.assert_frame_equal(load_failures(summary.store).drop(columns="traceback"),
                                  fails.drop(columns="traceback"))
    assert read_manifest(summary.store)["runs"][-1]["status"] == "complete with failures"


def test_fixed_failures_are_replaced_on_resume(tmp_path, monkeypatch):
    monkeypatch.setitem(exp_helpers.BROKEN, "on", True)
    first = _run(tmp_path / "s", name="test.fixable", grid={"a": [1, 2, 3]}, seeds=2)
    assert first.n_failed == 4 and first.n_done == 2
    monkeypatch.setitem(exp_helpers.BROKEN, "on", False)
    second = _run(tmp_path / "s", name="test.fixable", grid={"a": [1, 2, 3]}, seeds=2)
    assert second.n_skipped == 2 and second.n_done == 4 and second.ok
    assert len(load_failures(first.store)) == 0
    ref = _run(tmp_path / "ref", name="test.fixable", grid={"a": [1, 2, 3]}, seeds=2)
    pd.testing.assert_frame_equal(load(first.store), load(ref.store))


def test_tasks_without_rows_count_as_done(tmp_path):
    summary = _run(tmp_path / "s", name="test.shapes", grid={"a": [0, 1]}, seeds=2)
    assert summary.n_done == 4 and summary.n_rows == 2
    again = _run(tmp_path / "s", name="test.shapes", grid={"a": [0, 1]}, seeds=2)
    assert again.n_skipped == 4 and again.n_done == 0


def test_empty_store_loads_an_empty_table(tmp_path):
    summary = _run(tmp_path / "s", name="test.shapes", grid={"a": [0]}, seeds=2)
    df = load(summary.store)
    assert df.empty and list(df.columns) == ["a", "seed", "row"]
    assert df.dtypes.tolist() == ["int64", "int64", "int64"]
    assert summarize(df).to_dict("list") == {"n": [0]}


def test_default_store_is_a_new_temporary_directory():
    summary = run("test.trivial", seeds=2, workers=1, progress=False)
    try:
        assert summary.store.is_dir() and len(summary.load()) == 2
        assert summary.load()["a"].tolist() == [0, 0]
    finally:
        for p in summary.store.iterdir():
            p.unlink()
        summary.store.rmdir()


def test_progress_is_silent_off_a_terminal(tmp_path, capsys):
    _run(tmp_path / "s", name="test.trivial", seeds=3, progress=True)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"name": "no.such"}, UnknownNameError, "unknown experiment 'no.such'; known: "),
        ({"grid": {"zz": [1]}}, InvalidInputError,
         "grid: unknown parameter 'zz' of experiment 'test.draws'; known: a, b, tag, flag"),
        ({"grid": {}}, InvalidInputError, "grid: is empty; name at least one parameter"),
        ({"grid": {"a": []}}, InvalidInputError, "grid: values of 'a' are empty"),
        ({"grid": {"a": [1, 1]}}, InvalidInputError, "grid: values of 'a' repeat"),
        ({"grid": [1, 2]}, InvalidInputError, "grid: must be a dict of parameter values; got list"),
        ({"seeds": 0}, InvalidInputError, "seeds: must be >= 1; got 0"),
        ({"seeds": -3}, InvalidInputError, "seeds: must be >= 1; got -3"),
        ({"seeds": 2.0}, InvalidInputError, "seeds: must be an integer; got 2.0"),
        ({"root_seed": -1}, InvalidInputError, "root_seed: must be >= 0; got -1"),
        ({"engine": "ray"}, InvalidInputError, "engine: must be one of 'local', 'dask'; got 'ray'"),
        ({"workers": 0}, InvalidInputError, "workers: must be >= 1; got 0"),
        ({"scheduler": "tcp://h:1"}, InvalidInputError, "scheduler: only used with engine='dask'"),
        ({"engine": "dask", "scheduler": 5}, InvalidInputError, "scheduler: must be an address"),
        ({"batch_size": 0}, InvalidInputError, "batch_size: must be >= 1; got 0"),
        ({"batch_seconds": -1.0}, InvalidInputError, "batch_seconds: must be > 0"),
        ({"resume": "yes"}, InvalidInputError, "resume: must be True or False"),
    ],
)
def test_bad_input_writes_nothing(tmp_path, kwargs, error, message):
    store = tmp_path / "s"
    name = kwargs.pop("name", "test.draws")
    with pytest.raises(error, match=message.replace("(", r"\(").replace("[", r"\[")):
        run(name, **{"grid": {"a": [1]}, "store": store, "progress": False, **kwargs})
    assert not store.exists()


def _stored(tmp_path):
    store = tmp_path / "s"
    _run(store, grid={"a": [1, 2]}, seeds=2)
    return store


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda s: run("test.flaky", store=s, progress=False),
         "holds results of experiment 'test.draws', not 'test.flaky'; choose another directory"),
        (lambda s: run("test.draws", grid={"a": [1]}, store=s, root_seed=1, progress=False),
         "was made with root_seed=0, not 1"),
        (lambda s: run("test.draws", grid={"a": [1]}, store=s, resume=False, progress=False),
         "already holds results; pass resume=True"),
    ],
)
def test_store_mismatch_leaves_the_store_untouched(tmp_path, call, message):
    store = _stored(tmp_path)
    before = _snapshot(store)
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        call(store)
    assert _snapshot(store) == before


def test_changed_parameters_are_refused(tmp_path):
    store = _stored(tmp_path)
    man = json.loads((store / "manifest.json").read_text())
    man["params"]["old"] = 3
    (store / "manifest.json").write_text(json.dumps(man))
    before = _snapshot(store)
    with pytest.raises(InvalidInputError, match=re.escape("the parameters of 'test.draws' changed since")):
        _run(store, grid={"a": [1]})
    assert _snapshot(store) == before


def test_foreign_directories_and_files_are_refused(tmp_path):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    before = _snapshot(other)
    with pytest.raises(InvalidInputError, match=re.escape("is not a mechkit result store (no manifest.json)")):
        _run(other, grid={"a": [1]})
    assert _snapshot(other) == before
    afile = tmp_path / "file"
    afile.write_text("x")
    with pytest.raises(InvalidInputError, match="exists and is not a directory"):
        _run(afile, grid={"a": [1]})
    with pytest.raises(InvalidInputError, match="does not exist"):
        load(tmp_path / "missing")
    with pytest.raises(InvalidInputError, match="is not a mechkit result store"):
        load(other)
    with pytest.raises(InvalidInputError, match="store: must be a path; got 3"):
        load(3)


def test_a_store_in_use_is_refused_and_a_stale_lock_taken_over(tmp_path):
    store = _stored(tmp_path)
    lock = store / ".lock"
    import socket

    lock.write_text(json.dumps({"pid": os.getpid(), "host": socket.gethostname()}))
    before = _snapshot(store)
    with pytest.raises(InvalidInputError, match=f"is in use by process {os.getpid()}"):
        _run(store, grid={"a": [1, 2, 3]}, seeds=2)
    assert _snapshot(store) == before
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    lock.write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
    summary = _run(store, grid={"a": [1, 2, 3]}, seeds=2)
    assert summary.n_done == 2 and not lock.exists()


def test_temporary_files_of_a_crashed_write_are_ignored_then_removed(tmp_path):
    store = _stored(tmp_path)
    before = load(store)
    junk = store / ".part-r0009-b000000.parquet.123.tmp"
    junk.write_bytes(b"half a parquet file")
    pd.testing.assert_frame_equal(load(store), before)
    _run(store, grid={"a": [1, 2]}, seeds=2)
    assert not junk.exists()


def test_keyboard_interrupt_marks_the_run_and_releases_the_lock(tmp_path):
    calls = {"n": 0}

    @experiment(name="test.interrupt", params={"a": 0})
    def interrupt(params, rng):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt
        return {"x": float(rng.random())}

    try:
        with pytest.raises(KeyboardInterrupt):
            run("test.interrupt", seeds=6, store=tmp_path / "s", workers=1, batch_size=1,
                progress=False)
        man = read_manifest(tmp_path / "s")
        assert man["runs"][-1]["status"] == "interrupted"
        assert not (tmp_path / "s" / ".lock").exists()
        done = run("test.interrupt", seeds=6, store=tmp_path / "s", workers=1, progress=False)
        assert done.n_skipped == 3 and done.n_done == 3
        assert load(tmp_path / "s")["seed"].tolist() == list(range(6))
    finally:
        from mechkit.experiments import EXPERIMENTS

        EXPERIMENTS.unregister("test.interrupt")


def test_killed_run_resumes_to_exactly_the_uninterrupted_rows(tmp_path):
    store = tmp_path / "killed"
    grid = {"a": list(range(6)), "delay": [0.01]}
    code = (
        "from tests.experiments import exp_helpers\n"
        "from mechkit.experiments import run\n"
        f"run('test.slow', grid={grid!r}, seeds=10, store={str(store)!r}, workers=1,"
        " batch_size=2, progress=False)\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 60
    try:
        while len(list(store.glob("part-*.parquet"))) < 4:
            assert proc.poll() is None, "the run ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.005)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert read_manifest(store)["runs"][-1]["status"] == "running"
    assert (store / ".lock").exists()  # left by the killed process; the resume takes it over
    resumed = run("test.slow", grid=grid, seeds=10, store=store, workers=1, progress=False)
    assert 8 <= resumed.n_skipped < 60 and resumed.n_skipped + resumed.n_done == 60
    reference = run("test.slow", grid=grid, seeds=10, store=tmp_path / "ref", workers=1,
                    batch_size=7, progress=False)
    df = load(store)
    assert len(df) == 120 and not df.duplicated(["a", "seed", "row"]).any()
    pd.testing.assert_frame_equal(df, load(reference.store))


def test_summarize_groups_by_varying_parameters_and_index(tmp_path):
    df = load(_run(tmp_path / "s", grid={"a": [1, 2], "b": [0.5]}, seeds=3).store)
    table = summarize(df)
    assert list(table.columns[:3]) == ["a", "step", "n"]
    assert table["n"].tolist() == [3, 3, 3, 3, 3]
    sub = df[(df["a"] == 2) & (df["step"] == 1)]
    row = table[(table["a"] == 2) & (table["step"] == 1)].iloc[0]
    assert row["u"] == pytest.approx(sub["u"].mean()) and row["u_sd"] == pytest.approx(sub["u"].std())
    assert row["hit"] == pytest.approx(sub["hit"].mean())
    assert "label" not in table.columns
    with pytest.raises(InvalidInputError, match="by: no column 'nope'"):
        summarize(df, by=["nope"])


@given(st.floats(1e-7, 100.0), st.integers(1, 10**5), st.integers(1, 16), st.floats(0.01, 10.0))
def test_batch_size_rule(est, remaining, workers, target):
    size = _batch_size(est, remaining, workers, target)
    fair = -(-remaining // (2 * workers))
    assert 1 <= size <= remaining
    # about `target` seconds of work, a fair share of the rest, never tiny batches of tiny tasks
    assert size <= max(1, int(target / est), int(target / 20 / est))
    assert size <= fair or size * est <= target / 20 + est
    assert size >= min(remaining, fair, max(1, int(target / est)))
    assert _batch_size(None, remaining, workers, target) == 1


def test_dask_scheduler_address_and_client(tmp_path):
    distributed = pytest.importorskip("distributed")
    reference = load(_run(tmp_path / "ref", grid={"a": [0, 1, 2]}, seeds=3).store)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        by_address = _run(tmp_path / "addr", grid={"a": [0, 1, 2]}, seeds=3, engine="dask",
                          scheduler=cluster.scheduler_address, workers=None)
        assert by_address.workers == 1 and by_address.n_done == 9
        with distributed.Client(cluster) as client:
            by_client = _run(tmp_path / "client", grid={"a": [0, 1, 2]}, seeds=3, engine="dask",
                             scheduler=client, workers=None)
            assert client.status == "running"  # a client passed in is left open
    for summary in (by_address, by_client):
        pd.testing.assert_frame_equal(load(summary.store), reference)
    runs = read_manifest(by_client.store)["runs"]
    assert runs[-1]["scheduler"] == "client" and runs[-1]["engine"] == "dask"
    assert read_manifest(by_address.store)["runs"][-1]["scheduler"] == cluster.scheduler_address


def test_changed_source_is_warned_about_on_resume(tmp_path):
    from mechkit.experiments import EXPERIMENTS

    @experiment(name="test.evolving", params={"a": 0})
    def f(params, rng):
        return {"x": 1.0}

    try:
        _run(tmp_path / "s", name="test.evolving", seeds=2)
        assert len(read_manifest(tmp_path / "s")["source_sha256"]) == 64

        @experiment(name="test.evolving", params={"a": 0})
        def f(params, rng):  # same qualified name, new code
            return {"x": 2.0}

        with pytest.warns(RuntimeWarning, match="the source of experiment 'test.evolving' changed"):
            again = _run(tmp_path / "s", name="test.evolving", seeds=3)
        assert again.n_skipped == 2
        assert load(tmp_path / "s")["x"].tolist() == [1.0, 1.0, 2.0]
    finally:
        EXPERIMENTS.unregister("test.evolving")


def test_summary_count_column_avoids_a_parameter_named_n():
    df = pd.DataFrame({"n": [3, 3, 5], "seed": [0, 1, 0], "row": 0, "v": [1.0, 2.0, 4.0]})
    df.attrs["mechkit"] = {"params": ["n"], "index": []}
    table = summarize(df)
    assert list(table.columns) == ["n", "n_rows", "v", "v_sd"]
    assert table["n"].tolist() == [3, 5] and table["n_rows"].tolist() == [2, 1]
    assert table["v"].tolist() == [1.5, 4.0]
    assert table["v_sd"].iloc[0] == pytest.approx(2**-0.5) and np.isnan(table["v_sd"].iloc[1])


_HETERO = {}


@settings(max_examples=10)
@given(st.integers(1, 40))
def test_heterogeneous_rows_load_the_same_whatever_the_batching(tmp_path_factory, batch_size):
    base = tmp_path_factory.mktemp("hetero")
    if "df" not in _HETERO:
        _HETERO["df"] = load(_run(base / "ref", name="test.hetero", grid={"a": [0, 1]}, seeds=20,
                                  batch_size=40).store)
        assert set(_HETERO["df"].columns) >= {"flag", "cnt", "name", "maybe"}
    df = load(_run(base / "s", name="test.hetero", grid={"a": [0, 1]}, seeds=20,
                   batch_size=batch_size).store)
    pd.testing.assert_frame_equal(df, _HETERO["df"])


def test_a_column_changing_type_fails_the_task_and_keeps_the_store_loadable(tmp_path):
    summary = _run(tmp_path / "s", name="test.clash", grid={"a": [0, 2]}, seeds=1)
    assert summary.ok
    again = _run(tmp_path / "s", name="test.clash", grid={"a": [0, 1, 2]}, seeds=1)
    assert again.n_failed == 1
    assert again.failures[0].error_type == "InvalidRowsError"
    assert again.failures[0].error == ("row 0: column 'v' holds a str value ('x') but earlier rows "
                                       "hold number values; a column must keep one type (bool, "
                                       "number or str)")
    df = load(tmp_path / "s")
    assert df["v"].tolist() == [1, 1] and df["v"].dtype == "int64"


def test_a_run_killed_before_its_manifest_leaves_a_usable_directory(tmp_path):
    import socket

    store = tmp_path / "s"
    store.mkdir()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    (store / ".lock").write_text(json.dumps({"pid": dead.pid, "host": socket.gethostname()}))
    (store / ".manifest.json.99.tmp").write_text("{")
    summary = _run(store, grid={"a": [1]}, seeds=2)
    assert summary.n_done == 2
    assert sorted(p.name for p in store.iterdir() if p.name.startswith(".")) == []
