"""The facility-location step of ``mechkit tour``: UP's axioms, ratios and the moving facility."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from mechkit.tour import TourSection, save_figure

__all__ = ["tour"]


def tour(out_dir: Path, seed: int) -> TourSection:
    """Run the facility tour: a few headline numbers and two figures.

    Parameters
    ----------
    out_dir : pathlib.Path
        Folder for the figures.
    seed : int
        Seed for the random profiles.

    Returns
    -------
    mechkit.tour.TourSection
    """
    from mechkit._optional import import_optional
    from mechkit.facility import (
        approximation_ratio,
        audit_strategyproofness,
        axiom_slacks,
        best_response_dynamics,
        clustered_profiles,
        endpoint_welfare_bound,
        mean,
        median,
        uniform_phantom,
    )

    x = [Fraction(1, 10), Fraction(3, 10), Fraction(9, 10)]
    y = uniform_phantom(x)
    gain = audit_strategyproofness(mean, x)
    eq = best_response_dynamics(mean, x)
    X = clustered_profiles(20_000, 7, clusters=2, seed=seed)
    pf_up = axiom_slacks(X, uniform_phantom.batch(X), "PF")["PF"]
    pf_med = axiom_slacks(X, median.batch(X), "PF")["PF"]
    ns = list(range(2, 9))
    welfare = [approximation_ratio(uniform_phantom, n, "welfare").ratio for n in ns]
    cost = [approximation_ratio(uniform_phantom, n, "cost").ratio for n in ns]
    lines = (
        f"UP(1/10, 3/10, 9/10) = {y}; the mean is manipulable there (gain {gain.max_gain} for "
        f"agent {gain.agent}) and its best-response equilibrium outcome is {eq.outcome} = UP",
        f"PF on 20000 two-cluster profiles with ties (n=7): UP satisfies it on "
        f"{(pf_up >= -1e-11).mean():.0%}, the median on {(pf_med >= -1e-11).mean():.0%}",
        "exact UP welfare ratios n=2..8: " + ", ".join(str(w) for w in welfare)
        + f" (limit (1+sqrt 2)/2 ~ {(1 + 2**0.5) / 2:.5f}; n=1000 bound "
          f"{float(endpoint_welfare_bound(1000)[0]):.7f})",
        "exact UP cost ratios n=2..8: " + ", ".join(str(c) for c in cost) + " (= n - 1)",
    )
    plt = import_optional("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.plot(ns, [float(w) for w in welfare], "o-", label="UP welfare ratio SW*/SW (exact)")
    ax.axhline((1 + 2**0.5) / 2, ls="--", color="0.5", label="limit (1+√2)/2")
    ax.set_xlabel("n")
    ax.set_ylabel("worst-case ratio")
    ax.set_title("Uniform Phantom: exact welfare ratio")
    ax.legend(fontsize=7)
    p1 = save_figure(fig, out_dir, "facility_ratio_table.png")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    base = np.array([0.1, 0.3, 0.9])
    d = np.linspace(0, 1, 201)
    P = np.repeat(base[None, :], d.size, axis=0)
    P[:, 1] = d
    for m, lab in ((uniform_phantom, "Uniform Phantom"), (mean, "mean"), (median, "median")):
        ax.plot(d, m.batch(P), label=lab)
    ax.set_xlabel("agent 2's report (others at 0.1 and 0.9)")
    ax.set_ylabel("facility location")
    ax.set_title("How the facility moves with one report")
    ax.legend(fontsize=7)
    p2 = save_figure(fig, out_dir, "facility_moving_report.png")
    return TourSection("facility", "Facility location: Uniform Phantom, fairness, SP, ratios",
                       lines, (p1, p2))
