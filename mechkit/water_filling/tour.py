"""``mechkit tour`` section: iterative water-filling in a few numbers and two figures."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np

from mechkit.tour import TourSection, save_figure

__all__ = ["tour"]


def tour(out_dir: Path, seed: int) -> TourSection:
    """Headline results: exact WF, the contraction certificate, cycling games and damping.

    Parameters
    ----------
    out_dir : Path
        Folder for the figures.
    seed : int
        Seed of the random game.

    Returns
    -------
    TourSection
    """
    from mechkit._optional import import_optional
    from mechkit.water_filling import (
        enumerate_equilibria,
        local_step_analysis,
        solve_nash,
        water_fill,
    )
    from mechkit.water_filling.examples import cyclic_game, ping_pong_game, random_game

    lines = []
    r = water_fill([1, 4, 6, 3], 10)
    lines.append(f"water_fill(w=[1,4,6,3], P=10) -> p={r.p.tolist()}, level={r.level:g} "
                 "(MATLAB reference: [5 2 0 3], 6)")
    game = random_game(20, 64, rho=0.9, seed=seed)
    cert = game.contraction_certificate()
    runs = {s: solve_nash(game, s, seed=seed, tol=1e-12, max_iter=20000)
            for s in ("jacobi", "gauss_seidel", "async")}
    lines.append(f"random game K=20, N=64: rho(S^max)={cert.rho:.3f}, certified factor "
                 f"{cert.factor:.3f}; iterations to 1e-12: " + ", ".join(
                     f"{s} {res.iterations}" for s, res in runs.items()))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pp = ping_pong_game(2.0)
        jac = solve_nash(pp, p0=[[1, 0], [1, 0]])
        gs = solve_nash(pp, "gauss_seidel", p0=[[1, 0], [1, 0]])
        lines.append(f"ping-pong (rho=2, {enumerate_equilibria(pp).equilibria.shape[0]} NE): "
                     f"Jacobi {jac.status} with period {jac.cycle_period}; Gauss-Seidel "
                     f"{gs.status} in {gs.iterations} sweeps")
        cyc = cyclic_game(1.5, 0.0)
        ne = enumerate_equilibria(cyc)
        loc = local_step_analysis(cyc, ne.equilibria[0])
        p0 = [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]
        ok = solve_nash(cyc, damping=0.2, p0=p0, tol=1e-12, max_iter=5000)
        bad = solve_nash(cyc, damping=0.5, p0=p0, max_iter=2000)
        lines.append(f"cyclic game (rho=1.5, unique NE={ne.unique}): alpha*={loc.alpha_star:.4f} "
                     f"(2/7); damping 0.2 {ok.status} in {ok.iterations}, damping 0.5 "
                     f"{bad.status} (residual {bad.residual:.2f})")
    plt = import_optional("matplotlib.pyplot", "plot")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for s, res in runs.items():
        x = np.arange(1, res.trace.shape[0] + 1)
        if s == "async":
            x = x * game.K
        ax.semilogy(x, np.maximum(res.trace, 1e-17), marker=".", label=f"{s} ({res.trace_kind})")
    ax.set_xlabel("iteration (async: ticks)")
    ax.set_ylabel("max |p - WF(p)| or sweep step")
    ax.set_title(f"IWF on a random game, rho = {cert.rho:.2f}")
    ax.legend(fontsize=7)
    f1 = save_figure(fig, out_dir, "water_filling_convergence.png")
    fig, ax = plt.subplots(figsize=(5, 3.5))
    p = runs["gauss_seidel"].p
    bottom = np.zeros(game.N)
    for q in range(5):
        ax.bar(np.arange(game.N), p[q], bottom=bottom, width=1.0, label=f"user {q}")
        bottom += p[q]
    ax.set_xlabel("carrier")
    ax.set_ylabel("power")
    ax.set_title("Nash equilibrium, first 5 users (stacked)")
    ax.legend(fontsize=7)
    f2 = save_figure(fig, out_dir, "water_filling_equilibrium.png")
    return TourSection("water_filling", "Iterative water-filling: power-control games",
                       tuple(lines), (f1, f2))
