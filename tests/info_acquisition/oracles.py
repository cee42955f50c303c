"""Independent brute-force oracles for the information-acquisition domain.

Everything here is written with plain Python loops over multi-indices (itertools) on the
joint kernel ``P[b..., θ, s...]`` as the user gives it, without the flat index tables,
the z-variables or the sparse builder of the library.
"""

from __future__ import annotations

import itertools

import numpy as np
from scipy.optimize import linprog


def joint(inst):
    return np.asarray(inst.joint)


def profile_value(inst, b):
    """V(b) = Σ_s max_a Σ_θ μ(θ) P(s|b,θ) u(a,θ), by loops."""
    P = joint(inst)
    total = 0.0
    for s in itertools.product(*[range(mi) for mi in inst.m]):
        best = -np.inf
        for a in range(inst.n_actions):
            v = sum(inst.prior[t] * P[(*b, t, *s)] * inst.utility[a, t] for t in range(inst.d))
            best = max(best, v)
        total += best
    return total


def explicit_phi_lp(inst, profile=None, tight=False):
    """Optimal correlated mechanism value by the explicit-φ LP (every reporting map a row).

    Variables: ξ(b) and y_i(b, s, θ) = ξ(b) γ_i(b, s, θ).  Solved with scipy ``linprog``
    (HiGHS; ``tight=True``: dual simplex with feasibility tolerances 1e-10 instead of the
    default 1e-7).
    """
    n, k, m, d = inst.n, inst.k, inst.m, inst.d
    P = joint(inst)
    B = list(itertools.product(*[range(ki) for ki in k]))
    S = list(itertools.product(*[range(mi) for mi in m]))
    bpos = {b: j for j, b in enumerate(B)}
    ny = n * len(B) * len(S) * d

    def yidx(i, b, s, t):
        return len(B) + ((i * len(B) + bpos[b]) * len(S) + S.index(s)) * d + t

    nv = len(B) + ny
    c = np.zeros(nv)
    for b in B:
        c[bpos[b]] = -profile_value(inst, b)
        for i in range(n):
            for s in S:
                for t in range(d):
                    c[yidx(i, b, s, t)] += inst.prior[t] * P[(*b, t, *s)]
    A_ub, b_ub = [], []
    for i in range(n):
        for bi in range(k[i]):
            for bj in range(k[i]):
                for phi in itertools.product(range(m[i]), repeat=m[i]):
                    row = np.zeros(nv)
                    for b in B:
                        if b[i] != bi:
                            continue
                        bd = tuple(bj if j == i else b[j] for j in range(n))
                        # deviation payoff minus obedient payoff <= 0
                        row[bpos[b]] += -inst.costs[i][bj] + inst.costs[i][bi]
                        for s in S:
                            srep = tuple(phi[s[i]] if j == i else s[j] for j in range(n))
                            for t in range(d):
                                row[yidx(i, b, srep, t)] += inst.prior[t] * P[(*bd, t, *s)]
                                row[yidx(i, b, s, t)] -= inst.prior[t] * P[(*b, t, *s)]
                    A_ub.append(row)
                    b_ub.append(0.0)
    if np.isfinite(inst.payment_cap):
        for i in range(n):
            for b in B:
                for s in S:
                    for t in range(d):
                        row = np.zeros(nv)
                        row[yidx(i, b, s, t)] = 1.0
                        row[bpos[b]] = -inst.payment_cap
                        A_ub.append(row)
                        b_ub.append(0.0)
    A_eq = np.zeros((1, nv))
    A_eq[0, : len(B)] = 1.0
    bounds = [(0, None)] * nv
    if profile is not None:
        for b in B:
            bounds[bpos[b]] = (1, 1) if b == tuple(profile) else (0, 0)
    options = {"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10} if tight else {}
    res = linprog(c, A_ub=np.array(A_ub), b_ub=np.array(b_ub), A_eq=A_eq, b_eq=[1.0], bounds=bounds,
                  method="highs-ds" if tight else "highs", options=options)
    return res


def brute_force_ic(inst, xi, gamma, conditional=True):
    """Max gain over (agent, recommendation, effort, reporting map) by full enumeration.

    ``xi`` has shape ``k``; ``gamma`` shape ``(n, *k, *m, d)``.
    """
    n, k, m, d = inst.n, inst.k, inst.m, inst.d
    P = joint(inst)
    B = list(itertools.product(*[range(ki) for ki in k]))
    S = list(itertools.product(*[range(mi) for mi in m]))
    best = -np.inf
    for i in range(n):
        for bi in range(k[i]):
            weight = sum(xi[b] for b in B if b[i] == bi)
            if weight <= 0:
                continue
            honest = 0.0
            for b in B:
                if b[i] != bi:
                    continue
                honest += xi[b] * (sum(inst.prior[t] * P[(*b, t, *s)] * gamma[(i, *b, *s, t)]
                                       for s in S for t in range(d)) - inst.costs[i][bi])
            for bj in range(k[i]):
                for phi in itertools.product(range(m[i]), repeat=m[i]):
                    dev = 0.0
                    for b in B:
                        if b[i] != bi:
                            continue
                        bd = tuple(bj if j == i else b[j] for j in range(n))
                        acc = 0.0
                        for s in S:
                            srep = tuple(phi[s[i]] if j == i else s[j] for j in range(n))
                            for t in range(d):
                                acc += inst.prior[t] * P[(*bd, t, *s)] * gamma[(i, *b, *srep, t)]
                        dev += xi[b] * (acc - inst.costs[i][bj])
                    g = dev - honest
                    best = max(best, g / weight if conditional else g)
    return best


def principal_utility(inst, xi, gamma):
    """Σ_b ξ(b) [V(b) - Σ_i E payments] by loops (greedy actions)."""
    P = joint(inst)
    B = list(itertools.product(*[range(ki) for ki in inst.k]))
    S = list(itertools.product(*[range(mi) for mi in inst.m]))
    total = 0.0
    for b in B:
        if xi[b] == 0:
            continue
        pay = sum(inst.prior[t] * P[(*b, t, *s)] * gamma[(i, *b, *s, t)]
                  for i in range(inst.n) for s in S for t in range(inst.d))
        total += xi[b] * (profile_value(inst, b) - pay)
    return total


def random_small_instance(rng, n, k, m, d, n_actions, product, cap):
    """A small random instance for property tests (Dirichlet kernels, small costs)."""
    from mechkit.info_acquisition import Instance

    prior = rng.dirichlet(np.ones(d))
    utility = rng.random((n_actions, d))
    costs = [np.round(rng.random(k) * 0.1, 3) for _ in range(n)]
    if product:
        kernels = [rng.dirichlet(np.full(m, 0.7), size=(k, d)) for _ in range(n)]
        return Instance(prior, utility, costs, signals=kernels, payment_cap=cap)
    K, S = k ** n, m ** n
    P = rng.dirichlet(np.full(S, 0.7), size=(K, d)).reshape((k,) * n + (d,) + (m,) * n)
    return Instance(prior, utility, costs, joint_signals=P, payment_cap=cap)
