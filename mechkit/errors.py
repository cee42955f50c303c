"""The exception hierarchy every mechkit function raises from.

``MechkitError`` is the root.  Bad input raises :class:`InvalidInputError`, which is
also a :class:`ValueError` so generic ``except ValueError`` code keeps working.  A
solver that fails raises :class:`InfeasibleError`, :class:`UnboundedError`,
:class:`NotConvergedError` or :class:`SolverError`.  A missing optional package raises
:class:`MissingDependencyError` (an :class:`ImportError`) naming the extra to install.

Examples
--------
>>> from mechkit.errors import InvalidInputError
>>> try:
...     raise InvalidInputError("x: must be finite; entry 2 is nan")
... except ValueError as err:
...     print(err)
x: must be finite; entry 2 is nan
"""

from __future__ import annotations

__all__ = [
    "InfeasibleError",
    "InvalidInputError",
    "MechkitError",
    "MissingDependencyError",
    "NotConvergedError",
    "SolverError",
    "UnboundedError",
    "UnknownNameError",
]


class MechkitError(Exception):
    """Root of every error mechkit raises on purpose."""


class InvalidInputError(MechkitError, ValueError):
    """An argument broke a documented rule.

    The message names the argument, the rule and the offending value or index.
    """


class UnknownNameError(InvalidInputError):
    """A name looked up in a registry is not registered; the message lists the known names."""


class InfeasibleError(MechkitError):
    """An optimisation problem has no feasible point."""


class UnboundedError(MechkitError):
    """An optimisation problem is unbounded."""


class NotConvergedError(MechkitError, RuntimeError):
    """An iterative method stopped before meeting its tolerance.

    Parameters
    ----------
    message : str
        What did not converge and why.
    iterations : int, optional
        Iterations performed.
    residual : float, optional
        The last residual, for diagnosis (never to be used as an answer).
    """

    def __init__(
        self, message: str, *, iterations: int | None = None, residual: float | None = None
    ) -> None:
        super().__init__(message)
        self.iterations = iterations
        self.residual = residual


class SolverError(MechkitError, RuntimeError):
    """A numerical backend failed or returned a status mechkit cannot interpret."""


class MissingDependencyError(MechkitError, ImportError):
    """An optional package is needed; the message says which ``pip install mechkit[extra]``."""
