"""The tropical domain's part of ``mechkit tour`` (a few seconds)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mechkit._optional import import_optional
from mechkit.random import as_generator
from mechkit.tour import TourSection, save_figure

__all__ = ["plot_hypersurface", "plot_order_polytope", "tour"]


def plot_order_polytope(poset, ax) -> None:  # noqa: ANN001
    """Draw the 3-D order polytope of a 3-point poset: vertices = up-sets, and its edges."""
    from mechkit.tropical.polytope import order_polytope

    P = order_polytope(poset)
    V = P.vertices.astype(float)
    for a in range(len(V)):
        for b in range(a + 1, len(V)):
            # Stanley: chi_U, chi_U' are adjacent iff U ⊂ U' (or U' ⊂ U) and the
            # difference induces a connected subposet
            diff = V[b] - V[a]
            if (diff >= 0).all() or (diff <= 0).all():
                pts = [int(i) for i in np.flatnonzero(diff)]
                if len(poset.induced(pts).components()) == 1:
                    ax.plot(*zip(V[a], V[b], strict=True), color="tab:blue", lw=1)
    ax.scatter(V[:, 0], V[:, 1], V[:, 2], color="tab:red", s=20)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")
    ax.set_zlabel("x2")


def plot_hypersurface(f, ax, lim: float = 3.0, n: int = 300) -> None:  # noqa: ANN001
    """Colour the linear regions of ``F ⊕ G`` and draw the decision boundary ``F = G``."""
    xs = np.linspace(-lim, lim, n)
    X, Y = np.meshgrid(xs, xs)
    pts = np.column_stack([X.ravel(), Y.ravel()])
    T = f.hypersurface()
    vals = pts @ (T.exponents.T / T.denominator) + T.coefficients
    region = vals.argmax(axis=1).reshape(X.shape)
    ax.pcolormesh(X, Y, region, cmap="tab20", shading="auto", alpha=0.6)
    ax.contour(X, Y, f(pts).reshape(X.shape), levels=[0.0], colors="black", linewidths=1.5)
    ax.set_xlabel("x0")
    ax.set_ylabel("x1")


def tour(out_dir: Path, seed: int) -> TourSection:
    """Posets, order polytopes, poset pooling and a network as a tropical rational map."""
    from mechkit.tropical import (
        Poset,
        boolean_lattice,
        four_point_poset,
        linear_extensions_count,
        linear_regions_1d,
        network_to_tropical,
        order_polytope,
        poset_pool,
        posets_up_to_isomorphism,
    )

    plt = import_optional("matplotlib.pyplot", "plot")
    rng = as_generator(seed)
    counts = [len(posets_up_to_isomorphism(n)) for n in range(1, 7)]
    e_b4 = linear_extensions_count(boolean_lattice(4))
    vol_n = order_polytope(four_point_poset(12)).volume
    x = np.ones((1, 3, 8, 8))
    x[0, 0, 0::2, 0::2] = -1
    x[0, 1, 0::2, :] = -1
    x[0, 2, 1::2, :] = -1
    x[0, 2, :, 0::2] = -1
    pooled = poset_pool(x, 12)
    saw = linear_regions_1d([[[1], [1]], [[2, -4], [2, -4]], [[2, -4]]], [[0, -0.5], [0, -0.5], [0]])
    Ws = [rng.integers(-2, 3, (6, 2)), rng.integers(-2, 3, (1, 6))]
    bs = [rng.integers(-2, 3, 6).astype(float), [0.0]]
    (f0,) = network_to_tropical(Ws, bs)
    grid_vals = f0(np.column_stack([np.linspace(-3, 3, 41).repeat(41), np.tile(np.linspace(-3, 3, 41), 41)]))
    bs[1] = [-float(np.round(np.median(grid_vals)))]  # centre the classifier's threshold
    (f,) = network_to_tropical(Ws, bs)

    fig = plt.figure(figsize=(9, 4))
    ax1 = fig.add_subplot(1, 2, 1, projection="3d")
    plot_order_polytope(Poset(3, [(0, 2), (1, 2)]), ax1)
    ax1.set_title("O(P) for 0,1 < 2: vertices = up-sets")
    ax2 = fig.add_subplot(1, 2, 2)
    plot_hypersurface(f, ax2)
    ax2.set_title(f"regions of F ⊕ G ({f.hypersurface().prune().num_terms}) and F = G")
    path = save_figure(fig, out_dir, "tropical_polytope_and_hypersurface.png")
    lines = (
        f"posets up to isomorphism on 1..6 points: {counts} (OEIS A000112)",
        f"e(B4) = {e_b4:,} linear extensions (exact numba DP); vol O(N) = {vol_n}",
        "reference filter_n on the 8x8 test pattern: "
        f"{[float(pooled[0, c, 0, 0]) for c in range(3)]} (expected [3.0, 1.0, 1.0])",
        f"sawtooth g(g(x)): {saw.n_pieces} linear pieces, breakpoints "
        f"{[str(b) for b in saw.breakpoints]}",
        f"random (2, 6, 1) integer network (seed={seed}): F has {f.F.num_terms} terms, "
        f"G has {f.G.num_terms} (all upper-hull vertices)",
    )
    return TourSection("tropical", "Tropical geometry and order polytopes", lines, (path,))
