"""The weighted block-max-norm contraction certificate of the water-filling map.

Claim: for seeded random games with ``rho(S^max) < 1`` the certificate returned by
``PowerGame.contraction_certificate`` is valid: (i) its weights satisfy
``S^max w <= factor * w`` componentwise with ``factor < 1`` -- checked in exact rational
arithmetic on the float entries -- which with the non-expansiveness of the projection
makes WF a ``factor``-contraction in ``||p||_w = max_q ||p_q||_2 / w_q``; and (ii) the map
itself satisfies ``||WF(p) - WF(p')||_w <= factor ||p - p'||_w`` on random profile pairs
(floating point, relative slack 1e-12), including games with caps and forbidden carriers.
"""

from __future__ import annotations

from fractions import Fraction

from proofs import Certificate

EXPECTED_SECONDS = 6.0
GAMES = 200
PAIRS = 20


def verify() -> Certificate:
    import numpy as np

    from mechkit.water_filling import PowerGame

    rng = np.random.default_rng(20260226)
    certified = 0
    exact_ok = 0
    pairs_ok = 0
    pairs = 0
    worst_ratio = 0.0
    for _ in range(GAMES):
        K = int(rng.integers(2, 7))
        N = int(rng.integers(1, 9))
        G = rng.exponential(0.3, size=(K, K, N))
        for q in range(K):
            G[q, q] = 0.5 + rng.exponential(1.0, size=N)
        G[rng.random((K, K, N)) < 0.1] = 0.0
        for q in range(K):
            G[q, q, 0] = 1.0
        caps = np.where(rng.random((K, N)) < 0.3, rng.uniform(0.05, 1.0, (K, N)), np.inf)
        caps[:, 0] = np.inf
        base = PowerGame(G, rng.uniform(0.05, 1.0, (K, N)), rng.uniform(0.2, 3.0, K), caps)
        rho = base.spectral_radius()
        if rho <= 0:
            continue
        mask = ~np.eye(K, dtype=bool)
        G[mask] *= rng.uniform(0.1, 0.97) / rho
        game = PowerGame(G, base.noise, base.budgets, caps)
        cert = game.contraction_certificate()
        if not cert.certified:
            continue
        certified += 1
        S = game.interference_matrix()
        w = [Fraction(float(x)) for x in cert.weights]
        c = Fraction(cert.factor)
        if c < 1 and all(sum(Fraction(float(S[q, r])) * w[r] for r in range(K)) <= c * w[q]
                         for q in range(K)):
            exact_ok += 1
        for _ in range(PAIRS):
            x = rng.random((2, K, N)) * game.usable
            x *= np.minimum(1.0, game.budgets / np.maximum(x.sum(axis=2), 1e-300))[:, :, None]
            x = np.minimum(x, game.caps)
            lhs = cert.norm(game.wf_map(x[0]) - game.wf_map(x[1]))
            rhs = cert.norm(x[0] - x[1])
            pairs += 1
            if rhs > 0:
                worst_ratio = max(worst_ratio, lhs / rhs / cert.factor)
            if lhs <= cert.factor * rhs * (1 + 1e-12) + 1e-15:
                pairs_ok += 1
    evidence = {"games certified": certified, "exact S w <= c w": exact_ok,
                "pairs checked": pairs, "pairs within the bound": pairs_ok,
                "max observed ||T p - T p'||_w / (factor ||p - p'||_w)": float(worst_ratio)}
    return Certificate(
        claim="the weighted contraction certificate of the WF map is valid (S w <= c w exactly, "
              "and the map contracts by c on sampled pairs)",
        method="exact arithmetic",
        scope=f"{GAMES} seeded random games, K <= 6, N <= 8, caps and forbidden carriers, "
              f"{PAIRS} profile pairs each",
        evidence=evidence,
        passed=certified > 0 and exact_ok == certified and pairs_ok == pairs,
    )
