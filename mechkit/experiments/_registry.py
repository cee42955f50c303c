"""The experiment registry: ``@experiment(name=..., params={...})`` and the lookups.

Domains register their experiments in ``mechkit/<domain>/experiments.py``; those modules
are imported the first time the registry is listed or looked up.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from mechkit.errors import InvalidInputError
from mechkit.registry import Registry

__all__ = [
    "EXPERIMENTS",
    "RESERVED_COLUMNS",
    "Experiment",
    "ExperimentFunc",
    "experiment",
    "get_experiment",
    "list_experiments",
]

#: ``f(params, rng) -> row | list of rows``; a row is a dict of scalars.
ExperimentFunc = Callable[[dict[str, Any], np.random.Generator], Any]

#: Column names the engine adds to every row; neither parameters nor metrics may use them.
RESERVED_COLUMNS: tuple[str, ...] = ("seed", "row", "_task")

Scalar = bool | int | float | str

#: Integer parameters are stored as Parquet int64 columns.
_INT64 = 2**63


@dataclass(frozen=True)
class Experiment:
    """A registered experiment.

    Attributes
    ----------
    name : str
        Registry name, conventionally ``"<domain>.<what>"``.
    func : callable
        ``func(params, rng) -> dict | list[dict]``: one task's rows of scalars.
    params : Mapping[str, bool | int | float | str]
        Parameter defaults; their types fix how grid values are read.
    index : tuple of str
        Row columns that index a curve (e.g. the horizon ``"T"``); summaries group by them.
    description : str
        One line (default: the first line of ``func``'s docstring).
    """

    name: str
    func: ExperimentFunc
    params: Mapping[str, Scalar] = field(default_factory=lambda: MappingProxyType({}))
    index: tuple[str, ...] = ()
    description: str = ""

    def __repr__(self) -> str:
        defaults = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"Experiment({self.name!r}, params={{{defaults}}})"


#: Every registered experiment, by name.
EXPERIMENTS: Registry[Experiment] = Registry("experiment")

_DISCOVERED = False


def _plain_scalar(value: object) -> object:
    """Convert numpy scalars to Python scalars; leave everything else unchanged."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_default(name: str, key: str, value: object) -> Scalar:
    value = _plain_scalar(value)
    if isinstance(value, bool | str):
        return value
    if isinstance(value, numbers.Integral):
        if not -_INT64 <= int(value) < _INT64:
            raise InvalidInputError(
                f"params: default of {key!r} in experiment {name!r} must fit in 64 bits; got {value!r}"
            )
        return int(value)
    if isinstance(value, numbers.Real):
        if not math.isfinite(float(value)):
            raise InvalidInputError(
                f"params: default of {key!r} in experiment {name!r} must be finite; got {value!r}"
            )
        return float(value) + 0.0  # -0.0 -> 0.0: one canonical zero
    raise InvalidInputError(
        f"params: default of {key!r} in experiment {name!r} must be a bool, int, float or str; "
        f"got {value!r} of type {type(value).__name__}"
    )


def experiment(
    name: str,
    params: Mapping[str, Any] | None = None,
    *,
    index: Sequence[str] = (),
    description: str | None = None,
) -> Callable[[ExperimentFunc], ExperimentFunc]:
    """Register ``func(params, rng) -> rows`` as the experiment ``name``.

    Parameters
    ----------
    name : str
        Unique name, conventionally ``"<domain>.<what>"``.
    params : mapping, optional
        Parameter defaults (bool, int, float or str).  :func:`mechkit.experiments.run`
        sweeps a grid over them; each grid value is read with the type of its default.
    index : sequence of str, optional
        Row columns that index a curve (horizon, iteration); summaries group by them.
    description : str, optional
        One line for ``mechkit experiments`` (default: first docstring line).

    Returns
    -------
    callable
        A decorator returning the function unchanged (it stays a plain, picklable
        top-level function).

    Examples
    --------
    >>> import numpy as np
    >>> from mechkit.experiments import experiment, get_experiment
    >>> @experiment(name="doc.coin", params={"p": 0.5, "n": 10})
    ... def coin(params, rng):
    ...     '''Heads among n tosses.'''
    ...     return {"heads": int(rng.binomial(params["n"], params["p"]))}
    >>> get_experiment("doc.coin")
    Experiment('doc.coin', params={p=0.5, n=10})
    >>> EXPERIMENTS.unregister("doc.coin")
    """
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise InvalidInputError(f"name: must be a non-empty string without outer spaces; got {name!r}")
    defaults: dict[str, Scalar] = {}
    for key, value in dict(params or {}).items():
        if not isinstance(key, str) or not key.isidentifier():
            raise InvalidInputError(f"params: names must be identifiers; got {key!r} in {name!r}")
        if key in RESERVED_COLUMNS:
            raise InvalidInputError(
                f"params: {key!r} is reserved for the engine (reserved: "
                f"{', '.join(RESERVED_COLUMNS)}); rename it in experiment {name!r}"
            )
        defaults[key] = _check_default(name, key, value)
    idx = tuple(index)
    for col in idx:
        if not isinstance(col, str) or col in RESERVED_COLUMNS or col in defaults:
            raise InvalidInputError(
                f"index: must name row columns that are neither parameters nor reserved; got {col!r}"
            )

    def register(func: ExperimentFunc) -> ExperimentFunc:
        if not callable(func):
            raise InvalidInputError(f"experiment {name!r}: must decorate a function; got {func!r}")
        doc = (func.__doc__ or "").strip().splitlines()
        desc = description if description is not None else (doc[0].strip() if doc else "")
        entry = Experiment(name, func, MappingProxyType(defaults), idx, desc)
        if name in EXPERIMENTS:
            old = EXPERIMENTS.get(name).func
            same = (getattr(old, "__module__", None), getattr(old, "__qualname__", None)) == (
                getattr(func, "__module__", None), getattr(func, "__qualname__", None))
            if not same:
                raise InvalidInputError(
                    f"name: experiment {name!r} is already registered by "
                    f"{getattr(old, '__module__', '?')}.{getattr(old, '__qualname__', '?')}"
                )
        EXPERIMENTS.register(name, entry, overwrite=True)
        return func

    return register


def _discover() -> None:
    """Import the built-in experiments and every present domain's ``experiments`` module."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    from mechkit.tour import DOMAINS

    importlib.import_module("mechkit.experiments.builtin")
    for domain in DOMAINS:
        module = f"mechkit.{domain}.experiments"
        try:
            if importlib.util.find_spec(f"mechkit.{domain}") is None:
                continue
            if importlib.util.find_spec(module) is None:
                continue
            importlib.import_module(module)
        except Exception as err:  # a broken or half-installed domain must not hide the others
            warnings.warn(
                f"experiments of domain {domain!r} are unavailable: {type(err).__name__}: {err}",
                RuntimeWarning, stacklevel=3,
            )


def get_experiment(name: str) -> Experiment:
    """Return the registered experiment ``name`` (domains are discovered on first use).

    Examples
    --------
    >>> get_experiment("experiments.hedge_regret").params["K"]
    10
    >>> get_experiment("no.such")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mechkit.errors.UnknownNameError: unknown experiment 'no.such'; known: ...
    """
    _discover()
    return EXPERIMENTS.get(name)


def list_experiments() -> tuple[Experiment, ...]:
    """Every registered experiment in name order (domains are discovered on first use).

    Examples
    --------
    >>> "experiments.hedge_regret" in [e.name for e in list_experiments()]
    True
    """
    _discover()
    return tuple(EXPERIMENTS.get(n) for n in EXPERIMENTS.names())


def coerce_value(exp: Experiment, key: str, value: object) -> Scalar:
    """Read ``value`` for parameter ``key`` with the type of its default (strings parsed).

    Examples
    --------
    >>> exp = get_experiment("experiments.hedge_regret")
    >>> coerce_value(exp, "K", "4"), coerce_value(exp, "K", 4.0)
    (4, 4)
    >>> coerce_value(exp, "K", 2.5)
    Traceback (most recent call last):
    ...
    mechkit.errors.InvalidInputError: grid: values of 'K' must be integers like its default 10; got 2.5
    """
    default = exp.params[key]
    value = _plain_scalar(value)
    where = f"grid: values of {key!r}"
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "yes", "no"):
            return value.strip().lower() in ("true", "1", "yes")
        raise InvalidInputError(f"{where} must be booleans like its default {default!r}; got {value!r}")
    if isinstance(default, int):
        out_int: int | None = None
        if isinstance(value, str):
            with contextlib.suppress(ValueError):
                out_int = int(value.strip())
        elif not isinstance(value, bool) and isinstance(value, numbers.Integral):
            out_int = int(value)
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            as_float = float(value)
            if math.isfinite(as_float) and as_float == int(as_float):
                out_int = int(as_float)
        if out_int is None:
            raise InvalidInputError(f"{where} must be integers like its default {default!r}; got {value!r}")
        if not -_INT64 <= out_int < _INT64:  # the store holds parameters as int64
            raise InvalidInputError(f"{where} must fit in 64 bits (|value| < 2**63); got {value!r}")
        return out_int
    if isinstance(default, float):
        if isinstance(value, str):
            try:
                out = float(value.strip())
            except ValueError:
                out = math.nan
        elif isinstance(value, numbers.Real) and not isinstance(value, bool):
            out = float(value)
        else:
            out = math.nan
        if not math.isfinite(out):
            raise InvalidInputError(f"{where} must be finite real numbers like its default "
                                    f"{default!r}; got {value!r}")
        return out + 0.0  # -0.0 -> 0.0: equal values must make the same task
    if isinstance(value, str):
        return value
    raise InvalidInputError(f"{where} must be strings like its default {default!r}; got {value!r}")
