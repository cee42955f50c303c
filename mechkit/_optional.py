"""Lazy imports of optional heavy packages with an install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

from mechkit.errors import MissingDependencyError

__all__ = ["import_optional"]


def import_optional(module: str, extra: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingDependencyError` naming ``mechkit[extra]``.

    Parameters
    ----------
    module : str
        Dotted module name, e.g. ``"sympy"`` or ``"matplotlib.pyplot"``.
    extra : str
        The extra of mechkit that installs it, e.g. ``"symbolic"``.

    Returns
    -------
    types.ModuleType
        The imported module.

    Examples
    --------
    >>> import_optional("json", extra="dev").__name__
    'json'
    """
    try:
        return importlib.import_module(module)
    except ImportError as err:
        raise MissingDependencyError(
            f"{module} is required for this function; install it with "
            f"`pip install \"mechkit[{extra}]\"` ({err})"
        ) from err
