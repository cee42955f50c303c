"""``mechkit tour``: a short pass through every domain that is present.

Each domain contributes ``mechkit/<domain>/tour.py`` exposing
``tour(out_dir: pathlib.Path, seed: int) -> TourSection``: a few readable summary lines
and the figures it wrote into ``out_dir``.  The foundation adds its own section first.
"""

from __future__ import annotations

import importlib
import importlib.util
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mechkit.errors import InvalidInputError

__all__ = ["DOMAINS", "TourReport", "TourSection", "available_domains", "run_tour", "save_figure"]

#: The six domains, in the order the README lists them.
DOMAINS: tuple[str, ...] = (
    "facility",
    "info_acquisition",
    "position_auctions",
    "water_filling",
    "causal",
    "tropical",
)


@dataclass(frozen=True)
class TourSection:
    """What one domain's tour printed and drew."""

    domain: str
    title: str
    lines: tuple[str, ...]
    figures: tuple[Path, ...] = ()
    seconds: float = 0.0


@dataclass(frozen=True)
class TourReport:
    """All sections of a tour plus the domains that are not present yet."""

    out_dir: Path
    sections: tuple[TourSection, ...]
    missing: tuple[str, ...] = field(default_factory=tuple)

    def render(self) -> str:
        """Readable text summary."""
        out: list[str] = []
        for s in self.sections:
            out.append(f"== {s.title} [{s.domain}, {s.seconds:.1f} s]")
            out.extend(f"   {line}" for line in s.lines)
            out.extend(f"   figure: {p}" for p in s.figures)
        present = [s.domain for s in self.sections if s.domain != "foundation"]
        out.append(f"domains present: {', '.join(present) if present else 'none yet'}")
        if self.missing:
            out.append(f"domains not yet in mechkit: {', '.join(self.missing)}")
        out.append(f"figures written to {self.out_dir}")
        return "\n".join(out)


def save_figure(fig: Any, out_dir: str | Path, name: str) -> Path:
    """Write ``fig`` as ``out_dir / name`` (110 dpi, tight box), close it and return the path.

    Every tour section saves its figures through this one function, so all tours look alike and
    no figure stays open in a long notebook session.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write; it is closed afterwards.
    out_dir : str or Path
        Existing folder.
    name : str
        File name, e.g. ``"facility_ratio_table.png"``; no folder part.

    Returns
    -------
    Path

    Examples
    --------
    >>> import tempfile
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = save_figure(fig, d, "demo.png")
    ...     print(path.name, path.stat().st_size > 0, plt.fignum_exists(fig.number))
    demo.png True False
    """
    from mechkit._optional import import_optional

    plt = import_optional("matplotlib.pyplot", "plot")
    if not name or Path(name).name != name:
        raise InvalidInputError(f"name: must be a plain file name without a folder; got {name!r}")
    path = Path(out_dir) / name
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


def available_domains() -> tuple[str, ...]:
    """Domains whose package ships a ``tour`` module.

    Examples
    --------
    >>> set(available_domains()) <= set(DOMAINS)
    True
    """
    return tuple(d for d in DOMAINS if importlib.util.find_spec(f"mechkit.{d}") is not None
                 and importlib.util.find_spec(f"mechkit.{d}.tour") is not None)


def _foundation_tour(out_dir: Path, seed: int) -> TourSection:
    import numpy as np

    from mechkit._optional import import_optional
    from mechkit.random import as_generator
    from mechkit.simplex import project_to_simplex, simplex_kkt_residual

    rng = as_generator(seed)
    points = rng.normal(0.35, 0.45, size=(60, 3))
    proj = project_to_simplex(points)
    worst = max(simplex_kkt_residual(p, q) for p, q in zip(points, proj, strict=True))
    plt = import_optional("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(4.5, 4))
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [0.5, np.sqrt(3) / 2]])

    def to_2d(p: np.ndarray) -> np.ndarray:
        return np.asarray(p @ corners)

    tri = np.vstack([corners, corners[:1]])
    ax.plot(tri[:, 0], tri[:, 1], color="black", lw=1)
    a, b = to_2d(points), to_2d(proj)
    for p, q in zip(a, b, strict=True):
        ax.plot([p[0], q[0]], [p[1], q[1]], color="0.75", lw=0.6)
    ax.scatter(a[:, 0], a[:, 1], s=8, label="y (barycentric image)")
    ax.scatter(b[:, 0], b[:, 1], s=12, label="projection onto the simplex")
    ax.set_xlabel("barycentric x")
    ax.set_ylabel("barycentric y")
    ax.set_title("Euclidean projection onto the 2-simplex")
    ax.legend(loc="upper right", fontsize=7)
    ax.set_aspect("equal")
    path = save_figure(fig, out_dir, "foundation_simplex_projection.png")
    lines = (
        f"projected 60 seeded points (seed={seed}) onto the probability simplex with the numba kernel",
        f"worst KKT residual of the projections: {worst:.2e} (a certificate, not a tolerance)",
    )
    return TourSection("foundation", "Foundation: seeded kernels with certificates", lines, (path,))


def run_tour(
    out_dir: str | Path = "mechkit-tour",
    *,
    domains: Sequence[str] | None = None,
    seed: int = 0,
    echo: Callable[[str], None] | None = None,
) -> TourReport:
    """Run the foundation section and every present domain's tour.

    Parameters
    ----------
    out_dir : str or Path, default "mechkit-tour"
        Folder for the figures (created if missing).
    domains : sequence of str, optional
        Restrict to these domains (default: all present).
    seed : int, default 0
        Seed passed to every section.
    echo : callable, optional
        Called with each section's rendered text as soon as it is done.

    Returns
    -------
    TourReport
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    present = available_domains()
    if domains is not None:
        for d in domains:
            if d not in DOMAINS:
                raise InvalidInputError(f"domains: unknown domain {d!r}; known: {', '.join(DOMAINS)}")
            if d not in present:
                raise InvalidInputError(f"domains: domain {d!r} is not in mechkit yet; present: "
                                        f"{', '.join(present) or 'none'}")
    chosen = present if domains is None else tuple(d for d in present if d in domains)
    runners: list[tuple[str, Callable[[Path, int], TourSection]]] = [("foundation", _foundation_tour)]
    for d in chosen:
        runners.append((d, importlib.import_module(f"mechkit.{d}.tour").tour))
    sections = []
    for _name, fn in runners:
        t0 = time.perf_counter()
        sec = fn(out, seed)
        sec = TourSection(sec.domain, sec.title, tuple(sec.lines), tuple(sec.figures),
                          time.perf_counter() - t0)
        sections.append(sec)
        if echo is not None:
            echo(TourReport(out, (sec,)).render().rsplit("\ndomains present", 1)[0])
    missing = tuple(d for d in DOMAINS if d not in present)
    return TourReport(out, tuple(sections), missing)
