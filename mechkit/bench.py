"""The side-by-side benchmark harness behind ``mechkit bench``.

A benchmark times a *named baseline* and the *mechkit path* on the same inputs in the
same process: one warm-up call each (which also pays any JIT compile), then
``repeats`` interleaved timed samples; each side's time is the median.  A sample is a
block of back-to-back calls of one side lasting at least 5 ms (``timeit``-style) after
one untimed call of that side, so every sample is timed warm, not straight after the
other side has evicted the caches.  The ratio is
``baseline / mechkit`` (a speed-up; higher is better) and is compared with the target
from the issue.  Benchmarks are not tests: tests never assert wall-clock times.

Benchmark definitions live in ``benchmarks/<domain>.py`` of a checkout.  Each module
registers functions with :func:`benchmark`; a function returns one or more
:class:`BenchCase` (timed here) or ready :class:`BenchRow` (for measurements that are
not a plain ratio, e.g. a per-task overhead).

Examples
--------
>>> import numpy as np
>>> case = BenchCase(size="n=1000", baseline=lambda: sorted(range(1000)),
...                  candidate=lambda: np.arange(1000), baseline_name="sorted",
...                  target_ratio=None)
>>> row = time_case("demo", case, repeats=3)
>>> row.name, row.size, row.met
('demo', 'n=1000', None)
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import math
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mechkit.errors import InvalidInputError
from mechkit.registry import Registry

__all__ = [
    "BENCHMARKS",
    "BenchCase",
    "BenchRow",
    "benchmark",
    "discover_benchmarks",
    "format_table",
    "run_benchmarks",
    "time_case",
]


@dataclass(frozen=True)
class BenchCase:
    """One timed comparison.

    Attributes
    ----------
    size : str
        Human-readable problem size, e.g. ``"B=10000, n=9"``.
    baseline, candidate : callable
        Zero-argument callables; ``candidate`` is the mechkit path.
    baseline_name : str
        What the baseline is (``"pure Python .py_func"``, ``"scipy linprog"``...).
    target_ratio : float or None
        The issue's target for ``baseline_time / mechkit_time`` (``None``: report only).
    check : callable, optional
        ``check(baseline_output, candidate_output)`` raising if they disagree; run once
        on the warm-up outputs so a fast wrong answer never reports a ratio.
    note : str
        Free text shown in the table.
    """

    size: str
    baseline: Callable[[], Any]
    candidate: Callable[[], Any]
    baseline_name: str
    target_ratio: float | None
    check: Callable[[Any, Any], None] | None = None
    note: str = ""


@dataclass(frozen=True)
class BenchRow:
    """One line of the benchmark table (also the JSON record)."""

    name: str
    size: str
    baseline_name: str
    baseline_s: float
    mechkit_s: float
    ratio: float
    target_ratio: float | None
    met: bool | None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form for JSON."""
        return dataclasses.asdict(self)


BenchFunc = Callable[[], BenchCase | BenchRow | Sequence[BenchCase | BenchRow]]

#: Registered benchmark functions, by name (``"<domain>.<what>"``).
BENCHMARKS: Registry[BenchFunc] = Registry("benchmark")


def benchmark(name: str, *, domain: str, description: str = "") -> Callable[[BenchFunc], BenchFunc]:
    """Register a benchmark function under ``name``.

    Parameters
    ----------
    name : str
        Unique name, conventionally ``"<domain>.<what>"``.
    domain : str
        The domain it belongs to (selects it with ``mechkit bench <domain>``).
    description : str
        One line on what is compared.
    """
    return BENCHMARKS.register(name, domain=domain, description=description, overwrite=True)


def time_case(name: str, case: BenchCase, *, repeats: int = 5, min_block: float = 0.005) -> BenchRow:
    """Warm up both sides, check they agree, then time them interleaved; medians win.

    Each timed sample is a block of ``k`` back-to-back calls of one side (``timeit``-style),
    with ``k`` chosen per side so that a block lasts at least ``min_block`` seconds; the
    sample is the block time divided by ``k``.  Every block is preceded by one untimed call
    of the same side, so each sample is measured warm (inputs back in cache, allocator in
    its steady state), not cold right after the other side has evicted the caches; the
    rule is the same for both sides.  Calls longer than ``min_block`` are timed one by one
    (still after an untimed call).
    """
    if repeats < 1:
        raise InvalidInputError(f"repeats: must be >= 1; got {repeats}")
    if not min_block >= 0:
        raise InvalidInputError(f"min_block: must be >= 0 seconds; got {min_block}")
    out_base = case.baseline()
    out_cand = case.candidate()
    if case.check is not None:
        case.check(out_base, out_cand)
    k_base = _block_size(case.baseline, min_block)
    k_cand = _block_size(case.candidate, min_block)
    t_base: list[float] = []
    t_cand: list[float] = []
    for _ in range(repeats):
        case.baseline()  # untimed: the block below starts warm
        t_base.append(_time_block(case.baseline, k_base))
        case.candidate()
        t_cand.append(_time_block(case.candidate, k_cand))
    b, m = statistics.median(t_base), statistics.median(t_cand)
    ratio = b / m if m > 0 else float("inf")
    met = None if case.target_ratio is None else bool(ratio >= case.target_ratio)
    return BenchRow(name, case.size, case.baseline_name, b, m, ratio, case.target_ratio, met, case.note)


def _block_size(fn: Callable[[], Any], min_block: float) -> int:
    """Calls per timed block so that one block lasts at least ``min_block`` seconds."""
    fn()
    t = _time_block(fn, 1)  # calibrated warm, like the samples
    if t >= min_block:
        return 1
    return min(100_000, max(1, math.ceil(min_block / max(t, 1e-7))))


def _time_block(fn: Callable[[], Any], k: int) -> float:
    t0 = time.perf_counter()
    for _ in range(k):
        fn()
    return (time.perf_counter() - t0) / k


def discover_benchmarks(root: Path | None = None) -> Path:
    """Import every ``benchmarks/*.py`` module of the checkout at ``root``.

    ``root`` defaults to the first of the current directory and the folder above the
    installed ``mechkit`` package that contains a ``benchmarks/`` folder.

    Returns
    -------
    pathlib.Path
        The benchmarks folder that was imported.
    """
    candidates = [root] if root is not None else [Path.cwd(), Path(__file__).resolve().parents[1]]
    for base in candidates:
        folder = Path(base) / "benchmarks"
        if folder.is_dir():
            break
    else:
        raise InvalidInputError(
            "benchmarks: no benchmarks/ folder found; run `mechkit bench` from a mechkit checkout"
        )
    base_str = str(folder.parent)
    if base_str not in sys.path:
        sys.path.insert(0, base_str)
    for path in sorted(folder.glob("*.py")):
        if path.stem.startswith("_"):
            continue
        importlib.import_module(f"benchmarks.{path.stem}")
    return folder


def _select(names: Iterable[str]) -> list[str]:
    wanted = list(names)
    if not wanted:
        return list(BENCHMARKS.names())
    chosen: list[str] = []
    for w in wanted:
        hits = [n for n in BENCHMARKS.names() if n == w or BENCHMARKS.metadata(n)["domain"] == w]
        if not hits:
            BENCHMARKS.get(w)  # raises UnknownNameError listing the known names
        chosen.extend(h for h in hits if h not in chosen)
    return chosen


def run_benchmarks(names: Iterable[str] = (), *, repeats: int = 5) -> list[BenchRow]:
    """Run the registered benchmarks named (or in the domains named) by ``names``; all if empty."""
    rows: list[BenchRow] = []
    for name in _select(names):
        produced = BENCHMARKS.get(name)()
        items = produced if isinstance(produced, Sequence) else [produced]
        for item in items:
            rows.append(item if isinstance(item, BenchRow) else time_case(name, item, repeats=repeats))
    return rows


def _fmt_time(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3g} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} µs"


def format_table(rows: Sequence[BenchRow]) -> str:
    """Render rows as an aligned text table (name, size, baseline, mechkit, ratio, target, met)."""
    header = ("name", "size", "baseline", "baseline time", "mechkit", "ratio", "target", "met")
    body = [
        (
            r.name,
            r.size,
            r.baseline_name,
            _fmt_time(r.baseline_s),
            _fmt_time(r.mechkit_s),
            f"{r.ratio:.3g}x",
            "-" if r.target_ratio is None else f">= {r.target_ratio:g}x",
            "-" if r.met is None else ("yes" if r.met else "NO"),
        )
        for r in rows
    ]
    widths = [max(len(str(c)) for c in col) for col in zip(header, *body, strict=False)]
    lines = [
        "  ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)) for line in [header, *body]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {r.name}: {r.note}" for r in rows if r.note]
    return "\n".join(lines + (["notes:", *notes] if notes else []))


def write_json(rows: Sequence[BenchRow], path: Path) -> None:
    """Write rows as a JSON list of records."""
    Path(path).write_text(json.dumps([r.to_dict() for r in rows], indent=2) + "\n")
