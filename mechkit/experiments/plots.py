"""Plots of experiment tables (matplotlib; each function takes and returns an ``Axes``).

* :func:`plot_regret`: regret against horizon on log–log axes, mean over seeds with a
  quantile band and the fitted slope in the legend.
* :func:`plot_convergence`: residual against iteration on a log scale, median over
  seeds with a band, one line per parameter value.
* :func:`plot_rates`: proportions (axiom satisfaction, recovery accuracy, coverage) with
  Wilson binomial intervals.

The table is the tidy one of :func:`mechkit.experiments.load`; its ``attrs["mechkit"]``
tells which columns are parameters, so lines split by the parameters that vary unless
``by`` says otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from mechkit._optional import import_optional
from mechkit.errors import InvalidInputError
from mechkit.experiments._stats import fit_loglog_slope, wilson_interval
from mechkit.experiments.store import is_boolean_like

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd
    from matplotlib.axes import Axes

__all__ = ["plot_convergence", "plot_rates", "plot_regret"]


def _check_frame(df: Any, columns: Sequence[str]) -> None:
    pd = import_optional("pandas", "experiments")
    if not isinstance(df, pd.DataFrame):
        raise InvalidInputError(f"df: must be a pandas DataFrame; got {type(df).__name__}")
    if df.empty:
        raise InvalidInputError("df: is empty; nothing to plot")
    for col in columns:
        if col not in df.columns:
            raise InvalidInputError(f"df: has no column {col!r}; columns: {', '.join(map(str, df.columns))}")


def _group_columns(df: pd.DataFrame, by: str | Sequence[str] | None, exclude: Sequence[str]) -> list[str]:
    if by is None:
        params = df.attrs.get("mechkit", {}).get("params", [])
        return [p for p in params if p in df.columns and p not in exclude
                and df[p].nunique(dropna=False) > 1]
    cols = [by] if isinstance(by, str) else list(by)
    _check_frame(df, cols)
    return cols


def _groups(df: pd.DataFrame, cols: list[str]) -> list[tuple[str | None, pd.DataFrame]]:
    if not cols:
        return [(None, df)]
    out: list[tuple[str | None, pd.DataFrame]] = []
    for key, sub in df.groupby(cols, sort=True):
        values = key if isinstance(key, tuple) else (key,)
        out.append((", ".join(f"{c}={v}" for c, v in zip(cols, values, strict=True)), sub))
    return out


def _axes(ax: Axes | None) -> Axes:
    if ax is not None:
        return ax
    plt = import_optional("matplotlib.pyplot", "plot")
    _fig, new_ax = plt.subplots(figsize=(5.5, 4))
    return new_ax


def _check_band(band: tuple[float, float] | None) -> None:
    if band is None:
        return
    if (not isinstance(band, tuple | list) or len(band) != 2
            or not 0.0 <= float(band[0]) < float(band[1]) <= 1.0):
        raise InvalidInputError(f"band: must be None or a pair of quantiles 0 <= lo < hi <= 1; got {band!r}")


def _numeric(df: pd.DataFrame, col: str) -> None:
    pd = import_optional("pandas", "experiments")
    if not pd.api.types.is_numeric_dtype(df[col]) or pd.api.types.is_bool_dtype(df[col]):
        raise InvalidInputError(f"df: column {col!r} must be numeric; got dtype {df[col].dtype}")


def _title(ax: Axes, df: pd.DataFrame) -> None:
    name = df.attrs.get("mechkit", {}).get("experiment")
    if name and not ax.get_title():
        ax.set_title(name)


def plot_regret(
    df: pd.DataFrame,
    *,
    x: str = "horizon",
    y: str = "regret",
    by: str | Sequence[str] | None = None,
    band: tuple[float, float] | None = (0.1, 0.9),
    fit: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Regret against horizon on log–log axes, with a band over seeds and the fitted slope.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table (one row per seed and horizon).
    x, y : str
        Horizon and regret columns (defaults fit ``experiments.hedge_regret``).
    by : str or sequence of str, optional
        Columns that split lines (default: the parameters that vary).
    band : (float, float) or None, default (0.1, 0.9)
        Quantiles over seeds shaded around the mean; ``None`` for no band.
    fit : bool, default True
        Fit ``log mean(y) = slope · log x + c`` per line and show the slope in the legend.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"horizon": [10, 100, 1000] * 2, "seed": [0] * 3 + [1] * 3,
    ...                    "regret": [3.0, 10.0, 31.0, 3.4, 9.6, 32.0]})
    >>> ax = plot_regret(df)
    >>> ax.get_xscale(), ax.get_yscale(), ax.get_xlabel()
    ('log', 'log', 'horizon')
    >>> ax.get_legend().get_texts()[0].get_text()
    'mean over seeds (slope 0.50)'
    """
    _check_frame(df, [x, y])
    _numeric(df, x)
    _numeric(df, y)
    _check_band(band)
    ax = _axes(ax)
    for label, sub in _groups(df, _group_columns(df, by, (x, y))):
        stats = sub.groupby(x, sort=True)[y]
        xs = np.asarray(stats.mean().index, dtype=np.float64)
        mean = stats.mean().to_numpy(dtype=np.float64)
        text = label or "mean over seeds"
        if fit:
            try:
                slope, _ = fit_loglog_slope(xs, mean)
                text += f" (slope {slope:.2f})"
            except InvalidInputError:
                text += " (no slope: fewer than two positive points)"
        shown = np.where(mean > 0, mean, np.nan)
        (line,) = ax.plot(xs, shown, marker="o", ms=3, label=text)
        if band is not None:
            lo = stats.quantile(band[0]).to_numpy(dtype=np.float64)
            hi = stats.quantile(band[1]).to_numpy(dtype=np.float64)
            ok = (lo > 0) & (hi > 0)
            ax.fill_between(xs[ok], lo[ok], hi[ok], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(x)
    band_txt = "" if band is None else f", {band[0]:g}–{band[1]:g} quantile band"
    ax.set_ylabel(f"{y} (mean over seeds{band_txt})")
    ax.legend(fontsize=8)
    _title(ax, df)
    return ax


def plot_convergence(
    df: pd.DataFrame,
    *,
    x: str = "iteration",
    y: str = "residual",
    by: str | Sequence[str] | None = None,
    band: tuple[float, float] | None = (0.1, 0.9),
    logx: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Residual against iteration on a log scale: median over seeds, one line per parameter value.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table (one row per seed and iteration).
    x, y : str
        Iteration and residual columns.
    by : str or sequence of str, optional
        Columns that split lines (default: the parameters that vary).
    band : (float, float) or None, default (0.1, 0.9)
        Quantiles over seeds shaded around the median.
    logx : bool, default False
        Also put the iteration axis on a log scale.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"rho": [0.5] * 4 + [0.9] * 4, "iteration": [0, 1, 2, 3] * 2,
    ...                    "residual": [1, 0.5, 0.25, 0.125, 1, 0.9, 0.81, 0.729]})
    >>> ax = plot_convergence(df, by="rho")
    >>> ax.get_yscale(), [t.get_text() for t in ax.get_legend().get_texts()]
    ('log', ['rho=0.5', 'rho=0.9'])
    """
    _check_frame(df, [x, y])
    _numeric(df, x)
    _numeric(df, y)
    _check_band(band)
    ax = _axes(ax)
    for label, sub in _groups(df, _group_columns(df, by, (x, y))):
        stats = sub.groupby(x, sort=True)[y]
        med = stats.median()
        xs = np.asarray(med.index, dtype=np.float64)
        vals = med.to_numpy(dtype=np.float64)
        (line,) = ax.plot(xs, np.where(vals > 0, vals, np.nan), label=label or "median over seeds")
        if band is not None:
            lo = stats.quantile(band[0]).to_numpy(dtype=np.float64)
            hi = stats.quantile(band[1]).to_numpy(dtype=np.float64)
            ok = (lo > 0) & (hi > 0)
            ax.fill_between(xs[ok], lo[ok], hi[ok], color=line.get_color(), alpha=0.2, lw=0)
    ax.set_yscale("log")
    if logx:
        ax.set_xscale("log")
    ax.set_xlabel(x)
    band_txt = "" if band is None else f", {band[0]:g}–{band[1]:g} quantile band"
    ax.set_ylabel(f"{y} (median over seeds{band_txt})")
    ax.legend(fontsize=8)
    _title(ax, df)
    return ax


def _is_proportion(series: pd.Series) -> bool:
    pd = import_optional("pandas", "experiments")
    if is_boolean_like(series):  # a boolean column with missing values has dtype object
        return True
    values = series.dropna()
    if not pd.api.types.is_numeric_dtype(values):
        return False
    return bool(values.isin([0, 1]).all())


def _successes_and_trials(df: pd.DataFrame, ys: list[str], trials: str | int | None) -> pd.DataFrame:
    """Per row and ``y`` column: successes ``k:<y>`` and trials ``n:<y>`` (NaN rows count 0)."""
    pd = import_optional("pandas", "experiments")
    out = pd.DataFrame(index=df.index)
    if trials is None:
        for col in ys:
            if not _is_proportion(df[col]):
                raise InvalidInputError(
                    f"y: column {col!r} must be boolean or 0/1 (one trial per row; pass trials= for "
                    f"rates over several trials); got dtype {df[col].dtype}"
                )
            out[f"k:{col}"] = df[col].astype("float64").fillna(0.0)
            out[f"n:{col}"] = df[col].notna().astype("float64")
        return out
    if isinstance(trials, str):
        _check_frame(df, [trials])
        _numeric(df, trials)
        weight = df[trials].astype("float64")
        if not (weight >= 1).all():
            raise InvalidInputError(f"trials: column {trials!r} must be >= 1 in every row")
    elif isinstance(trials, int) and not isinstance(trials, bool) and trials >= 1:
        weight = pd.Series(float(trials), index=df.index)
    else:
        raise InvalidInputError(f"trials: must be a column name or an int >= 1; got {trials!r}")
    for col in ys:
        if not is_boolean_like(df[col]):
            _numeric(df, col)
        rate = df[col].astype("float64")
        if ((rate < 0) | (rate > 1)).any():
            raise InvalidInputError(f"y: column {col!r} must hold proportions in [0, 1]")
        out[f"k:{col}"] = (rate * weight).fillna(0.0)
        out[f"n:{col}"] = weight.where(rate.notna(), 0.0)
    return out


def plot_rates(
    df: pd.DataFrame,
    y: str | Sequence[str] | None = None,
    *,
    x: str | None = None,
    by: str | Sequence[str] | None = None,
    trials: str | int | None = None,
    level: float = 0.95,
    ax: Axes | None = None,
) -> Axes:
    """Proportions with Wilson binomial intervals, pooled over seeds.

    Parameters
    ----------
    df : pandas.DataFrame
        Tidy table.
    y : str or sequence of str, optional
        Boolean (or 0/1) columns, one trial per row; default: every boolean metric
        column.  With ``trials``: columns of proportions in [0, 1].
    x : str, optional
        Column on the horizontal axis (one point per value).  Default: the ``y``
        columns themselves are the categories.
    by : str or sequence of str, optional
        Columns that split series (default: the parameters that vary, except ``x``).
    trials : str or int, optional
        For rows that already hold a rate over several independent trials (e.g. the
        fraction of 2000 profiles satisfying an axiom): the column holding the number of
        trials, or that number.  Successes ``rate × trials`` and trials are summed per
        point before the interval is computed.
    level : float, default 0.95
        Confidence level of the Wilson intervals.
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"n": [5] * 4 + [9] * 4, "seed": [0, 1, 2, 3] * 2,
    ...                    "sp": [True, True, False, True, True, True, True, True]})
    >>> ax = plot_rates(df, "sp", x="n")
    >>> ax.get_xlabel(), ax.get_ylabel()
    ('n', 'proportion (95% Wilson intervals)')
    >>> rates = pd.DataFrame({"seed": [0, 1], "sp_rate": [0.9, 0.8], "profiles": [100, 100]})
    >>> ax = plot_rates(rates, "sp_rate", trials="profiles")
    >>> [round(float(v), 2) for v in ax.get_lines()[0].get_ydata()]
    [0.85]
    """
    pd = import_optional("pandas", "experiments")
    _check_frame(df, [] if x is None else [x])
    info = df.attrs.get("mechkit", {})
    if y is None:
        if trials is not None:
            raise InvalidInputError("y: name the proportion column(s) when trials is given")
        skip = {*info.get("params", []), "seed", "row", x}
        ys = [c for c in df.columns if c not in skip and is_boolean_like(df[c])]
        if not ys:
            raise InvalidInputError(
                "y: the table has no boolean column; name the proportion column(s) (and trials= "
                "for rates over several trials)"
            )
    else:
        ys = [y] if isinstance(y, str) else list(y)
        if not ys:
            raise InvalidInputError("y: must name at least one column")
        _check_frame(df, ys)
    counts = _successes_and_trials(df, ys, trials)
    ax = _axes(ax)
    exclude = [c for c in (x, *ys, trials if isinstance(trials, str) else None) if c is not None]
    groups = _groups(df, _group_columns(df, by, exclude))
    n_series = len(groups) * (len(ys) if x is not None else 1)
    width = 0.6 / max(1, n_series)
    series_no = 0
    for label, sub in groups:
        sub_counts = counts.loc[sub.index]
        if x is None:
            k = np.array([float(sub_counts[f"k:{c}"].sum()) for c in ys])
            n = np.array([float(sub_counts[f"n:{c}"].sum()) for c in ys])
            positions = np.arange(len(ys)) + (series_no - (n_series - 1) / 2) * width
            _draw_rates(ax, positions, k, n, level, label or "proportion", linestyle="none")
            series_no += 1
            continue
        sums = sub_counts.groupby(sub[x], sort=True).sum()
        xs_raw = np.asarray(sums.index)
        for col in ys:
            k = sums[f"k:{col}"].to_numpy(dtype=float)
            n = sums[f"n:{col}"].to_numpy(dtype=float)
            name = col if label is None else f"{col}, {label}"
            if pd.api.types.is_numeric_dtype(df[x]):
                _draw_rates(ax, xs_raw.astype(float), k, n, level, name, linestyle="-")
            else:
                positions = np.arange(len(xs_raw)) + (series_no - (n_series - 1) / 2) * width
                _draw_rates(ax, positions, k, n, level, name, linestyle="none")
                ax.set_xticks(np.arange(len(xs_raw)), [str(v) for v in xs_raw])
            series_no += 1
    if x is None:
        ax.set_xticks(np.arange(len(ys)), ys)
        ax.set_xlabel("metric")
    else:
        ax.set_xlabel(x)
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel(f"proportion ({level:.0%} Wilson intervals)")
    ax.legend(fontsize=8)
    _title(ax, df)
    return ax


def _draw_rates(ax: Axes, xs: np.ndarray, k: np.ndarray, n: np.ndarray, level: float, label: str,
                linestyle: str) -> None:
    keep = n > 0
    xs, k, n = xs[keep], k[keep], n[keep]
    if not len(n):
        return
    rate = k / n
    lo, hi = wilson_interval(k, n, level)
    ax.errorbar(xs, rate, yerr=np.vstack([rate - lo, hi - rate]), marker="o", ms=4, capsize=3,
                linestyle=linestyle, label=label)
