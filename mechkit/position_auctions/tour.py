"""``mechkit tour`` section: position auctions in AI-generated content (MNL and cascade)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mechkit.tour import TourSection, save_figure

__all__ = ["tour"]


def tour(out_dir: Path, seed: int) -> TourSection:
    """Headline results in a few seconds, and two figures.

    Parameters
    ----------
    out_dir : Path
        Folder for the PNG figures.
    seed : int
        Seed of the random instances.

    Returns
    -------
    TourSection
    """
    from mechkit._optional import import_optional
    from mechkit.position_auctions import (
        AuctionInstance,
        PiecewiseUniform,
        Uniform,
        myerson,
        reserve_revenue_curve,
        vcg,
        vcg_batch,
        welfare_optimal_allocation,
    )
    from mechkit.random import as_generator

    rng = as_generator(seed)
    lines: list[str] = []
    W = [[3, 2, 1], [1, 1, 1], [0.5, 0.5, 0.5], [2, 2, 2]]
    inst0 = AuctionInstance([10, 2, 1, 0.5], W, max_ads=3)
    ref = vcg(inst0)
    cert = welfare_optimal_allocation(inst0).certificate
    lines.append(
        f"MNL, K=3: the optimum shows {len(ref.allocation.shown)} ad (W* = {ref.welfare:.4g}, "
        f"Dinkelbach root lambda* = {cert['lambda']:.4g}, residual {cert['residual']:.1e}); "
        f"VCG price per click {ref.price_per_click[0]:.4f} (closed form 4/3)"
    )
    N, n, m, K = 2000, 50, 8, 4
    Wb = np.exp(rng.normal(-1, 1, (N, n, m)))
    b = rng.uniform(0, 10, (N, n))
    mnl = vcg_batch(Wb, b, max_ads=K)
    shown = (mnl.position >= 0).sum(axis=1)
    P = rng.uniform(0.05, 0.5, (N, n, m))
    cas = vcg_batch(P, b, max_ads=K, model="cascade")
    lines.append(
        f"{N} random auctions (n={n}, m={m}, K={K}): MNL shows {shown.mean():.2f} ads on "
        f"average (fewer than K in {np.mean(shown < K):.0%}), revenue/welfare "
        f"{mnl.revenue.mean() / mnl.welfare.mean():.3f}; stop-on-click cascade (exact "
        f"bitmask DP) revenue/welfare {cas.revenue.mean() / cas.welfare.mean():.3f}"
    )
    ratios = {"matching_sort": [], "greedy": [], "mir_priority": []}
    for _ in range(40):
        inst = AuctionInstance(rng.uniform(0, 10, 5), ctr=rng.uniform(0.05, 0.6, (5, 3)),
                               model="cascade", continuation=rng.uniform(0, 1, (5, 3)))
        opt = welfare_optimal_allocation(inst).welfare
        for name in ratios:
            ratios[name].append(welfare_optimal_allocation(inst, method=name).welfare / opt)
    lines.append(
        "general-q free-order cascade (n=5, m=3), worst ratio to the brute-force optimum over "
        "40 instances: " + ", ".join(f"{k} {min(v):.3f}" for k, v in ratios.items())
    )
    F = PiecewiseUniform([0, 1, 10, 11, 12], [0.5, 1 / 30, 0.01, 0.19])
    lo, hi, val = F.ironed_intervals[-1]
    out = myerson(AuctionInstance([11.5, 5.4], [[1.0], [1.0]]), [F, Uniform(0, 10)])
    lines.append(
        f"irregular prior: phi_bar flat at {val:.4f} on [{lo:.3f}, {hi:.3g}); Myerson critical "
        f"bid {out.price_per_click[0]:.4g} (the un-ironed phi would give "
        f"{F.unironed_threshold(0.8):.3g})"
    )
    plt = import_optional("matplotlib.pyplot", "plot")
    inst3 = AuctionInstance([0.0] * 3, np.exp(rng.normal(-1, 1, (3, 2))), max_ads=2)
    priors = [Uniform(0, 10)] * 3
    reserves = np.linspace(0, 9, 19)
    rev, se, wel = reserve_revenue_curve(inst3, priors, reserves, 4000, seed=rng)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.errorbar(reserves, rev, yerr=2 * se, label="expected revenue", capsize=2)
    ax.plot(reserves, wel, label="expected welfare")
    ax.axvline(5.0, ls=":", color="grey", label="Myerson reserve phi^-1(0) = 5")
    ax.set_xlabel("common reserve price per click")
    ax.set_ylabel("per impression")
    ax.set_title("MNL VCG with a reserve, 3 bidders U[0, 10]")
    ax.legend(fontsize=7)
    p1 = save_figure(fig, out_dir, "position_auctions_reserve.png")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    counts = np.bincount(shown, minlength=K + 1)
    ax.bar(np.arange(K + 1), counts / N)
    ax.set_xlabel("number of ads shown by the MNL optimum")
    ax.set_ylabel("fraction of auctions")
    ax.set_title(f"MNL substitution: fewer than K={K} ads is common")
    p2 = save_figure(fig, out_dir, "position_auctions_ads_shown.png")
    lines.append(f"best common reserve on the grid: {reserves[int(np.argmax(rev))]:.2f} "
                 f"(revenue {rev.max():.3f} vs {rev[0]:.3f} without reserve)")
    return TourSection("position_auctions", "Position auctions in AI-generated content",
                       tuple(lines), (p1, p2))
