import json
import subprocess
import sys

import pytest

from mechkit.cli import main
from mechkit.errors import InvalidInputError
from mechkit.experiments import load, load_failures, read_manifest
from mechkit.experiments.cli import parse_grid
from tests.experiments import exp_helpers  # noqa: F401

HEAVY = ("pandas", "pyarrow", "joblib", "tqdm", "dask", "distributed", "matplotlib", "scipy",
         "numba")


@pytest.mark.parametrize("statement", ["import mechkit.experiments",
                                       "import mechkit.experiments.cli",
                                       "from mechkit.cli import build_parser; build_parser()"])
def test_imports_stay_light(statement):
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = {m.split(".")[0] for m in json.loads(out.stdout)}
    assert not loaded & set(HEAVY)


def test_experiments_lists_names_and_parameters(capsys):
    assert main(["experiments"]) == 0
    out = capsys.readouterr().out
    assert "experiments.hedge_regret: Regret of Hedge" in out
    assert "    params: K=10, T=4096, levels=7, schedule='tuned', losses='bernoulli'" in out
    assert "    index: horizon" in out
    assert main(["experiments", "test.flaky"]) == 0
    assert capsys.readouterr().out == "test.flaky: Fails on every seed drawing a small first number.\n" \
                                      "    params: a=1\n"


def test_run_results_plot_round_trip(tmp_path, capsys):
    store = tmp_path / "s"
    code = main(["run", "experiments.hedge_regret", "--grid", "K=2,8", "--grid", "T=256",
                 "--grid", "levels=4", "--seeds", "3", "--workers", "1", "--out", str(store)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.startswith("experiments.hedge_regret: 6 tasks, 0 already stored, 6 done, 0 failed, "
                          "24 rows written (local, 1 worker, ")
    assert f"store: {store}" in out
    df = load(store)
    assert sorted(df["K"].unique().tolist()) == [2, 8] and set(df["T"]) == {256}
    assert read_manifest(store)["grid"] == {"K": [2, 8], "T": [256], "levels": [4]}

    assert main(["results", str(store)]) == 0
    out = capsys.readouterr().out
    assert "experiment: experiments.hedge_regret" in out
    assert "fixed parameters: T=256, levels=4, schedule=tuned, losses=bernoulli" in out
    assert "stored: 24 rows from 6 tasks; 0 failed tasks" in out
    header = next(line for line in out.splitlines() if line.lstrip().startswith("K"))
    assert header.split()[:5] == ["K", "horizon", "n", "avg_regret", "avg_regret_sd"]
    assert "regret_sd" in header.split() and "bound" in header.split()

    for kind, extra in [("regret", []), ("convergence", ["--x", "horizon", "--y", "avg_regret"])]:
        png = tmp_path / f"{kind}.png"
        assert main(["plot", str(store), "--kind", kind, "-o", str(png), *extra]) == 0
        assert png.read_bytes()[:4] == b"\x89PNG"
        assert f"wrote {png}" in capsys.readouterr().out


def test_rates_plot_from_the_cli(tmp_path, capsys):
    store = tmp_path / "cov"
    assert main(["run", "experiments.wilson_coverage", "--grid", "p=0.1,0.5", "--seeds", "20",
                 "--workers", "1", "--out", str(store), "--no-progress"]) == 0
    png = tmp_path / "rates.png"
    assert main(["plot", str(store), "--kind", "rates", "--x", "p", "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_failed_tasks_exit_1_and_are_listed(tmp_path, capsys):
    store = tmp_path / "s"
    code = main(["run", "test.flaky", "--seeds", "12", "--workers", "1", "--out", str(store)])
    out = capsys.readouterr().out
    n_failed = len(load_failures(store))
    assert code == 1 and n_failed > 0
    assert f"{n_failed} failed" in out and "failed: Failure(a=1, seed=" in out
    assert main(["results", str(store), "--failures"]) == 0
    out = capsys.readouterr().out
    assert f"{n_failed} failed tasks" in out and "ValueError" in out and "unlucky draw" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "no.such", "--out", "{out}"], "unknown experiment 'no.such'"),
        (["run", "test.flaky", "--grid", "zz=1", "--out", "{out}"], "grid: unknown parameter 'zz'"),
        (["run", "test.flaky", "--grid", "a=", "--out", "{out}"], "grid: values of 'a' are empty"),
        (["run", "test.flaky", "--grid", "a", "--out", "{out}"], "--grid: must look like key=v1,v2"),
        (["run", "test.flaky", "--grid", "a=x", "--out", "{out}"], "values of 'a' must be integers"),
        (["run", "test.flaky", "--seeds", "0", "--out", "{out}"], "seeds: must be >= 1; got 0"),
        (["run", "test.flaky", "--engine", "spark", "--out", "{out}"], "engine: must be one of"),
        (["results", "{out}"], "does not exist"),
        (["plot", "{out}", "--kind", "pie", "-o", "x.png"], "--kind: must be one of 'regret', "
                                                            "'convergence', 'rates'; got 'pie'"),
        (["experiments", "no.such"], "unknown experiment 'no.such'"),
    ],
)
def test_bad_input_is_one_line_exit_2(tmp_path, capsys, argv, message):
    out = tmp_path / "store"
    assert main([a.replace("{out}", str(out)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not out.exists()


def test_store_of_another_experiment_is_refused_by_the_cli(tmp_path, capsys):
    store = tmp_path / "s"
    assert main(["run", "test.trivial", "--seeds", "2", "--workers", "1", "--out", str(store)]) == 0
    before = sorted(p.name for p in store.iterdir())
    assert main(["run", "test.flaky", "--out", str(store)]) == 2
    assert "holds results of experiment 'test.trivial', not 'test.flaky'" in capsys.readouterr().err
    assert sorted(p.name for p in store.iterdir()) == before


def test_plot_of_an_empty_store_is_refused(tmp_path, capsys):
    store = tmp_path / "s"
    main(["run", "test.shapes", "--grid", "a=0", "--workers", "1", "--out", str(store)])
    capsys.readouterr()
    assert main(["plot", str(store), "--kind", "regret", "-o", str(tmp_path / "x.png")]) == 2
    assert "holds no rows to plot" in capsys.readouterr().err


def test_parse_grid():
    assert parse_grid(None) is None
    assert parse_grid(["a=1, 2", "b=x"]) == {"a": ["1", "2"], "b": ["x"]}
    assert parse_grid(["a="]) == {"a": []}
    with pytest.raises(InvalidInputError, match="--grid: parameter 'a' given twice"):
        parse_grid(["a=1", "a=2"])
    with pytest.raises(InvalidInputError, match="--grid: empty value in 'a=1,,2'"):
        parse_grid(["a=1,,2"])


def test_plot_trials_option(tmp_path, capsys):
    store = tmp_path / "cov"
    assert main(["run", "experiments.wilson_coverage", "--grid", "p=0.1,0.5", "--seeds", "5",
                 "--workers", "1", "--out", str(store)]) == 0
    png = tmp_path / "r.png"
    # 'covered' is a 0/1 rate over one trial per row: the same picture with --trials 1
    assert main(["plot", str(store), "--kind", "rates", "--y", "covered", "--trials", "1",
                 "-o", str(png)]) == 0
    assert png.read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()
    assert main(["plot", str(store), "--kind", "regret", "--trials", "3", "-o", str(png)]) == 2
    assert "--trials: only used with --kind rates" in capsys.readouterr().err
