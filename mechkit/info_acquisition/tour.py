"""``mechkit tour`` section of the information-acquisition domain."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mechkit.tour import TourSection, save_figure


def tour(out_dir: Path, seed: int) -> TourSection:
    """Headline results: closed form, correlation gap, regret slope; two figures.

    Parameters
    ----------
    out_dir : Path
        Folder for the figures.
    seed : int
        Seed of the online runs.

    Returns
    -------
    TourSection
    """
    from mechkit._optional import import_optional
    from mechkit.info_acquisition import (
        ExploreThenCommit,
        binary_accuracy_instance,
        coupled_binary_instance,
        evaluate_mechanism,
        optimal_mechanism,
        optimal_uncorrelated_mechanism,
        regret_slope,
        simulate_online,
        strict_exploration_rules,
    )
    from mechkit.random import spawn

    single = binary_accuracy_instance([0.9], [0.1])
    res = optimal_mechanism(single, method="lp")
    coupled = coupled_binary_instance(0.968)
    corr = optimal_mechanism(coupled)
    unc = optimal_uncorrelated_mechanism(coupled)
    ev = evaluate_mechanism(coupled, corr)
    rhos = np.linspace(0.0, 1.0, 11)
    gaps = [optimal_mechanism(coupled_binary_instance(r)).value
            - optimal_uncorrelated_mechanism(coupled_binary_instance(r)).value for r in rhos]

    inst = binary_accuracy_instance([0.9], [0.1], payment_cap=1.0)
    learner = ExploreThenCommit(strict_exploration_rules(inst, 0.05), margin=0.05)
    horizons = [10**4, 10**5, 10**6, 10**7]
    seeds = spawn(seed, 3)
    regrets = np.array([[simulate_online(inst, learner, T, seed=s).regret for s in seeds] for T in horizons])
    fit = regret_slope(horizons, regrets)

    plt = import_optional("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(4.5, 3.4))
    ax.plot(rhos, gaps, marker="o")
    ax.set_xlabel("error coupling rho of the two agents")
    ax.set_ylabel("correlated - uncorrelated optimum")
    ax.set_title("Correlation gap (M = 20)")
    gap_path = save_figure(fig, out_dir, "info_acquisition_correlation_gap.png")
    fig, ax = plt.subplots(figsize=(4.5, 3.4))
    for j in range(regrets.shape[1]):
        ax.loglog(horizons, regrets[:, j], color="0.7", lw=0.8)
    ax.loglog(horizons, regrets.mean(axis=1), marker="o", label=f"mean regret, slope {fit['slope']:.2f}")
    ref = regrets.mean(axis=1)[0] * (np.array(horizons) / horizons[0]) ** (2 / 3)
    ax.loglog(horizons, ref, ls="--", label="T^(2/3)")
    ax.set_xlabel("horizon T")
    ax.set_ylabel("regret")
    ax.set_title("Explore-then-commit, one agent (q = 0.9, c = 0.1)")
    ax.legend(fontsize=7)
    reg_path = save_figure(fig, out_dir, "info_acquisition_regret.png")
    lines = (
        f"single agent q=0.9, c=0.1: optimal value {res.value:.6f} (closed form 0.675), "
        f"LP duality gap {res.certificate['duality_gap']:.1e}",
        f"coupled signals rho=0.968, M=20: correlated {corr.value:.6f} > uncorrelated {unc.value:.6f}; "
        f"lottery over {len(corr.support(1e-9))} profiles; brute-force IC gain {ev.max_gain:.1e}",
        f"explore-then-commit regret at T=1e4..1e7 ({len(seeds)} seeds): mean "
        + ", ".join(f"{r:.0f}" for r in regrets.mean(axis=1))
        + f"; log-log slope {fit['slope']:.3f} [{fit['low']:.3f}, {fit['high']:.3f}]"
        " (theory: 2/3, times sqrt(log T))",
    )
    return TourSection("info_acquisition", "Information acquisition: scoring-rule LPs and online learning",
                       lines, (gap_path, reg_path))
