"""mechkit: computational mechanism design and the theory around it.

Six domains live here, each imported on first use so ``import mechkit`` stays light:
``facility``, ``info_acquisition``, ``position_auctions``, ``water_filling``,
``causal`` and ``tropical``; plus ``experiments`` (seeded sweeps) and the shared
modules ``errors``, ``random`` and ``registry``.

Examples
--------
>>> import mechkit
>>> isinstance(mechkit.__version__, str)
True
>>> mechkit.errors.InvalidInputError.__mro__[1].__name__
'MechkitError'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from mechkit import errors, random, registry
from mechkit.errors import (
    InfeasibleError,
    InvalidInputError,
    MechkitError,
    NotConvergedError,
    SolverError,
)
from mechkit.tour import DOMAINS, available_domains

__version__ = "0.1.0"

__all__ = [
    "DOMAINS",
    "InfeasibleError",
    "InvalidInputError",
    "MechkitError",
    "NotConvergedError",
    "SolverError",
    "__version__",
    "available_domains",
    "errors",
    "random",
    "registry",
]

_LAZY = {*DOMAINS, "experiments", "simplex", "bench", "cli", "tour"}


def __getattr__(name: str) -> ModuleType:
    if name in _LAZY:
        return importlib.import_module(f"mechkit.{name}")
    raise AttributeError(f"module 'mechkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*__all__, *_LAZY])
