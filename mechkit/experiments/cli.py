"""``mechkit run | results | plot | experiments``: thin commands over :mod:`mechkit.experiments`.

Importing this module registers the commands in :data:`mechkit.cli.EXTRA_COMMANDS`; it
imports nothing heavy (the handlers import the engine, pandas and matplotlib).
"""

from __future__ import annotations

import argparse
from typing import Any

from mechkit.cli import EXTRA_COMMANDS
from mechkit.errors import InvalidInputError

__all__ = ["parse_grid"]


def parse_grid(items: list[str] | None) -> dict[str, list[str]] | None:
    """Parse repeated ``key=v1,v2`` options into ``{key: ["v1", "v2"]}`` (``None`` when absent).

    The values stay text; :func:`mechkit.experiments.run` reads them with the type of
    each parameter's default.

    Examples
    --------
    >>> parse_grid(["K=2,4", "schedule=anytime"])
    {'K': ['2', '4'], 'schedule': ['anytime']}
    >>> parse_grid(["K"])
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: --grid: must look like key=v1,v2; got 'K'
    """
    if not items:
        return None
    grid: dict[str, list[str]] = {}
    for item in items:
        key, sep, values = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise InvalidInputError(f"--grid: must look like key=v1,v2; got {item!r}")
        parts = [v.strip() for v in values.split(",")] if values.strip() else []
        if any(not v for v in parts):
            raise InvalidInputError(f"--grid: empty value in {item!r}")
        if key in grid:
            raise InvalidInputError(f"--grid: parameter {key!r} given twice")
        grid[key] = parts
    return grid


# --------------------------------------------------------------------------- run


def _configure_run(p: argparse.ArgumentParser) -> None:
    p.add_argument("name", help="registered experiment (see `mechkit experiments`)")
    p.add_argument("--grid", action="append", metavar="KEY=V1,V2",
                   help="parameter values to sweep (repeat for several parameters)")
    p.add_argument("--seeds", type=int, default=1, help="seeds per parameter point (default: 1)")
    p.add_argument("--root-seed", type=int, default=0, help="root seed (default: 0)")
    p.add_argument("--engine", default="local", help="local (joblib) or dask (default: local)")
    p.add_argument("--scheduler", metavar="ADDR", help="Dask scheduler address, e.g. tcp://host:8786")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--out", required=True, metavar="DIR", help="store directory")
    p.add_argument("--no-resume", action="store_true", help="refuse a store that holds results")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def _cmd_run(args: argparse.Namespace) -> int:
    from mechkit.experiments import run

    summary = run(args.name, grid=parse_grid(args.grid), seeds=args.seeds, root_seed=args.root_seed,
                  engine=args.engine, scheduler=args.scheduler, workers=args.workers,
                  store=args.out, resume=not args.no_resume, progress=not args.no_progress)
    print(f"{summary.experiment}: {summary.n_tasks} tasks, {summary.n_skipped} already stored, "
          f"{summary.n_done} done, {summary.n_failed} failed, {summary.n_rows} rows written "
          f"({summary.engine}, {summary.workers} worker{'s' if summary.workers > 1 else ''}, "
          f"{summary.seconds:.1f} s)")
    print(f"store: {summary.store}")
    for failure in summary.failures[:5]:
        print(f"failed: {failure!r}")
    if summary.n_failed > 5:
        print(f"... and {summary.n_failed - 5} more failures (`mechkit results {summary.store} --failures`)")
    return 1 if summary.n_failed else 0


# --------------------------------------------------------------------------- results


def _configure_results(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="DIR", help="store directory")
    p.add_argument("--failures", action="store_true", help="list the failed tasks")
    p.add_argument("--by", action="append", metavar="COL", help="group by these columns")


def _cmd_results(args: argparse.Namespace) -> int:
    import pandas as pd

    from mechkit.experiments import load, load_failures, read_manifest, summarize

    manifest = read_manifest(args.store)
    df = load(args.store)
    failures = load_failures(args.store)
    runs = manifest.get("runs", [])
    print(f"experiment: {manifest['experiment']}")
    print(f"root seed: {manifest.get('root_seed')}; runs: {len(runs)}; last status: "
          f"{runs[-1]['status'] if runs else 'none'}")
    fixed = {k: (df[k].iloc[0] if len(df) else v) for k, v in manifest["params"].items()
             if k not in df.columns or df[k].nunique(dropna=False) <= 1}
    if fixed:
        print("fixed parameters: " + ", ".join(f"{k}={v}" for k, v in fixed.items()))
    n_tasks = len(df[[*manifest["params"], "seed"]].drop_duplicates()) if len(df) else 0
    print(f"stored: {len(df)} rows from {n_tasks} tasks; {len(failures)} failed tasks")
    if len(df):
        table = summarize(df, by=args.by)
        with pd.option_context("display.max_columns", 50, "display.width", 160,
                               "display.max_rows", 200):
            print(table.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    if args.failures and len(failures):
        with pd.option_context("display.max_colwidth", 100, "display.width", 160):
            print(failures.drop(columns=["traceback"]).to_string(index=False))
    return 0


# --------------------------------------------------------------------------- plot

_KINDS = ("regret", "convergence", "rates")


def _configure_plot(p: argparse.ArgumentParser) -> None:
    p.add_argument("store", metavar="DIR", help="store directory")
    p.add_argument("--kind", required=True, help="regret, convergence or rates")
    p.add_argument("-o", "--output", required=True, metavar="FILE.png", help="image to write")
    p.add_argument("--x", help="column on the horizontal axis")
    p.add_argument("--y", action="append", help="column(s) on the vertical axis")
    p.add_argument("--by", action="append", metavar="COL", help="split lines by these columns")
    p.add_argument("--trials", metavar="COL|N",
                   help="rates: rows hold proportions over this many trials (a column or a number)")


def _cmd_plot(args: argparse.Namespace) -> int:
    from mechkit._optional import import_optional
    from mechkit._validate import check_choice
    from mechkit.experiments import load, plot_convergence, plot_rates, plot_regret

    kind = check_choice(args.kind, "--kind", _KINDS)
    df = load(args.store)
    if df.empty:
        raise InvalidInputError(f"store: {args.store!r} holds no rows to plot")
    figure = import_optional("matplotlib.figure", "plot")
    fig = figure.Figure(figsize=(6, 4.2))  # no pyplot: the caller's backend is left alone
    ax = fig.subplots()
    kwargs: dict[str, Any] = {"ax": ax, "by": args.by}
    if kind == "rates":
        trials = args.trials
        if trials is not None and trials.strip().isdigit():
            trials = int(trials)
        plot_rates(df, args.y, x=args.x, trials=trials, **kwargs)
    elif args.trials is not None:
        raise InvalidInputError(f"--trials: only used with --kind rates; got --kind {kind}")
    else:
        if args.y and len(args.y) > 1:
            raise InvalidInputError(f"--y: {kind} plots take one column; got {args.y}")
        if args.x:
            kwargs["x"] = args.x
        if args.y:
            kwargs["y"] = args.y[0]
        (plot_regret if kind == "regret" else plot_convergence)(df, **kwargs)
    fig.savefig(args.output, dpi=120, bbox_inches="tight")
    print(f"wrote {args.output}")
    return 0


# --------------------------------------------------------------------------- experiments


def _configure_experiments(p: argparse.ArgumentParser) -> None:
    p.add_argument("names", nargs="*", help="show only these experiments")


def _cmd_experiments(args: argparse.Namespace) -> int:
    from mechkit.experiments import get_experiment, list_experiments

    chosen = [get_experiment(n) for n in args.names] if args.names else list(list_experiments())
    for exp in chosen:
        print(f"{exp.name}: {exp.description}" if exp.description else exp.name)
        params = ", ".join(f"{k}={v!r}" for k, v in exp.params.items()) or "(no parameters)"
        print(f"    params: {params}")
        if exp.index:
            print(f"    index: {', '.join(exp.index)}")
    if not chosen:
        print("no experiments registered")
    return 0


EXTRA_COMMANDS["run"] = ("run a registered experiment over a grid x seeds into a store",
                         _configure_run, _cmd_run)
EXTRA_COMMANDS["results"] = ("summarise the results in a store", _configure_results, _cmd_results)
EXTRA_COMMANDS["plot"] = ("plot a store (regret, convergence or rates) to an image",
                          _configure_plot, _cmd_plot)
EXTRA_COMMANDS["experiments"] = ("list registered experiments and their parameters",
                                 _configure_experiments, _cmd_experiments)
