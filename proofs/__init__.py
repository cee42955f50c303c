"""Computer-assisted proofs: one module per claim, each exposing ``verify() -> Certificate``.

``python -m proofs`` discovers every module in this folder (names not starting with
``_``), runs ``verify()``, prints a table and exits non-zero if any proof fails.  A
module may set ``EXPECTED_SECONDS`` (default 5); the test suite runs every proof whose
``EXPECTED_SECONDS`` is under 30 and marks the others slow.
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

__all__ = ["Certificate", "ProofRun", "discover", "format_table", "main", "run"]

METHODS = ("symbolic", "exhaustive", "LP duality", "exact arithmetic", "interval")


@dataclass(frozen=True)
class Certificate:
    """The outcome of one proof.

    Attributes
    ----------
    claim : str
        The statement proved, in one sentence.
    method : str
        One of ``symbolic``, ``exhaustive``, ``LP duality``, ``exact arithmetic``, ``interval``.
    scope : str
        Where the claim was checked, e.g. ``"n <= 8"`` or ``"all a, b > 0"``.
    evidence : dict
        What was computed (counts, residuals, the symbolic identity, dual values...).
    passed : bool
        Whether every check held.
    """

    claim: str
    method: str
    scope: str
    evidence: dict[str, Any] = field(default_factory=dict)
    passed: bool = False

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method: must be one of {METHODS}; got {self.method!r}")


@dataclass(frozen=True)
class ProofRun:
    """A proof module's certificate (or the error it raised) and its run time."""

    name: str
    certificate: Certificate | None
    seconds: float
    error: str = ""

    @property
    def passed(self) -> bool:
        """True when ``verify()`` returned a passing certificate."""
        return self.certificate is not None and self.certificate.passed


def discover() -> dict[str, ModuleType]:
    """Import and return every proof module, by name."""
    found: dict[str, ModuleType] = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if callable(getattr(module, "verify", None)):
            found[info.name] = module
    return found


def expected_seconds(module: ModuleType) -> float:
    """The module's declared ``EXPECTED_SECONDS`` (default 5)."""
    return float(getattr(module, "EXPECTED_SECONDS", 5.0))


def run(names: Iterable[str] = ()) -> list[ProofRun]:
    """Run the named proofs (all when ``names`` is empty)."""
    modules = discover()
    wanted = list(names) or sorted(modules)
    unknown = [n for n in wanted if n not in modules]
    if unknown:
        raise KeyError(f"unknown proof(s) {unknown}; known: {', '.join(sorted(modules))}")
    runs = []
    for name in wanted:
        t0 = time.perf_counter()
        try:
            cert = modules[name].verify()
            runs.append(ProofRun(name, cert, time.perf_counter() - t0))
        except Exception:
            runs.append(ProofRun(name, None, time.perf_counter() - t0, traceback.format_exc()))
    return runs


def format_table(runs: list[ProofRun]) -> str:
    """Render proof runs as an aligned table."""
    header = ("proof", "method", "scope", "time", "result", "claim")
    rows = [
        (
            r.name,
            r.certificate.method if r.certificate else "-",
            r.certificate.scope if r.certificate else "-",
            f"{r.seconds:.2f} s",
            "passed" if r.passed else ("ERROR" if r.certificate is None else "FAILED"),
            r.certificate.claim if r.certificate else r.error.strip().splitlines()[-1],
        )
        for r in runs
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=False)]
    widths[-1] = 0
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in [header, *rows]]
    lines.insert(1, "-" * min(120, sum(widths[:-1]) + 2 * len(widths) + 40))
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """Run the named proofs (all if none), print the table, return 1 if any failed."""
    import sys

    try:
        runs = run(argv)
    except KeyError as err:
        print(f"proofs: error: {err.args[0]}", file=sys.stderr)
        return 2
    print(format_table(runs))
    for r in runs:
        if r.error:
            print(f"\n--- {r.name} raised:\n{r.error}", file=sys.stderr)
    failed = [r.name for r in runs if not r.passed]
    summary = f"\n{len(runs) - len(failed)} of {len(runs)} proofs passed"
    print(summary + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0
