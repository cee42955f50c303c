"""Independent brute-force oracles for the water-filling tests (no mechkit, no numba)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np


def wf_bisection(w, P, c=None, iters=200):
    """Water level by bisection on S(mu) = sum clip(mu - w, 0, c), then clip; plain floats."""
    w = [float(x) for x in w]
    c = [math.inf] * len(w) if c is None else [float(x) for x in c]
    usable = [k for k in range(len(w)) if math.isfinite(w[k]) and c[k] > 0]
    p = [0.0] * len(w)
    if not usable or P <= 0:
        return p
    if sum(c[k] for k in usable) <= P:
        for k in usable:
            p[k] = c[k]
        return p

    def S(mu):
        return sum(min(max(mu - w[k], 0.0), c[k]) for k in usable)

    lo = min(w[k] for k in usable)
    hi = max(w[k] for k in usable) + P
    for _ in range(iters):
        mid = (lo + hi) / 2
        if S(mid) < P:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 0:
            break
    mu = (lo + hi) / 2
    for k in usable:
        p[k] = min(max(mu - w[k], 0.0), c[k])
    return p


def wf_kkt_enumeration(w, P, c=None):
    """Exact water-filling by enumerating (off, free, capped) states in rational arithmetic."""
    n = len(w)
    c = [math.inf] * n if c is None else list(c)
    usable = [k for k in range(n) if math.isfinite(w[k]) and c[k] > 0]
    out = [Fraction(0)] * n
    Pf = Fraction(P)
    if not usable or P <= 0:
        return out
    if all(math.isfinite(c[k]) for k in usable) and sum(Fraction(c[k]) for k in usable) <= Pf:
        for k in usable:
            out[k] = Fraction(c[k])
        return out
    W = {k: Fraction(w[k]) for k in usable}
    C = {k: (Fraction(c[k]) if math.isfinite(c[k]) else None) for k in usable}
    for states in itertools.product((0, 1, 2), repeat=len(usable)):
        st = dict(zip(usable, states, strict=True))
        if any(s == 2 and C[k] is None for k, s in st.items()):
            continue
        free = [k for k in usable if st[k] == 1]
        capped = sum(C[k] for k in usable if st[k] == 2)
        if not free:
            # degenerate: capped carriers spend the budget exactly, a level fits in between
            lo = max((W[k] + C[k] for k in usable if st[k] == 2), default=None)
            hi = min((W[k] for k in usable if st[k] == 0), default=None)
            if capped == Pf and lo is not None and (hi is None or lo <= hi):
                for k in usable:
                    out[k] = C[k] if st[k] == 2 else Fraction(0)
                return out
            continue
        mu = (Pf - capped + sum(W[k] for k in free)) / len(free)
        ok = all(mu > W[k] and (C[k] is None or mu < W[k] + C[k]) for k in free)
        ok = ok and all(W[k] >= mu for k in usable if st[k] == 0)
        ok = ok and all(W[k] + C[k] <= mu for k in usable if st[k] == 2)
        if ok:
            for k in usable:
                out[k] = {0: Fraction(0), 1: mu - W[k], 2: C[k]}[st[k]]
            return out
    raise AssertionError("no KKT pattern found")


def interference_oracle(G, noise, p):
    K, _, N = G.shape
    out = np.array(noise, dtype=float).copy()
    for q in range(K):
        for r in range(K):
            if r != q:
                for k in range(N):
                    out[q, k] += G[r, q, k] * p[r, k]
    return out


def wf_map_oracle(G, noise, budgets, caps, p):
    """WF(p) with the bisection oracle, straight from the definition."""
    K, _, N = G.shape
    intf = interference_oracle(G, noise, p)
    out = np.zeros((K, N))
    for q in range(K):
        w = [intf[q, k] / G[q, q, k] if G[q, q, k] > 0 else math.inf for k in range(N)]
        out[q] = wf_bisection(w, budgets[q], None if caps is None else caps[q])
    return out


def best_response_oracle(G, noise, budgets, p, q):
    K, _, N = G.shape
    intf = [noise[q][k] + sum(G[r, q, k] * p[r][k] for r in range(K) if r != q) for k in range(N)]
    w = [intf[k] / G[q, q, k] if G[q, q, k] > 0 else math.inf for k in range(N)]
    return np.array(wf_bisection(w, budgets[q]))


def rates_oracle(G, noise, p):
    K, _, N = G.shape
    intf = interference_oracle(G, noise, p)
    return np.array([sum(math.log(1 + G[q, q, k] * p[q, k] / intf[q, k]) for k in range(N))
                     for q in range(K)])


def jacobi_numpy(G, noise, budgets, p, steps, alpha=1.0):
    """Damped Jacobi IWF with numpy and the bisection oracle (slow, for small games)."""
    for _ in range(steps):
        p = p + alpha * (wf_map_oracle(G, noise, budgets, None, p) - p)
    return p


def gauss_seidel_numpy(G, noise, budgets, p, sweeps, order=None):
    K = G.shape[0]
    p = np.array(p, dtype=float)
    order = range(K) if order is None else order
    for _ in range(sweeps):
        for q in order:
            p[q] = best_response_oracle(G, noise, budgets, p, q)
    return p


def async_numpy(G, noise, budgets, p0, events, n_ticks):
    """Asynchronous IWF from the definition: full history, events (tick, user, delays)."""
    K = G.shape[0]
    hist = [np.array(p0, dtype=float)]
    by_tick = {}
    for t, q, d in events:
        by_tick.setdefault(t, []).append((q, d))
    for n in range(n_ticks):
        cur = hist[-1].copy()
        for q, d in by_tick.get(n, []):
            view = np.array([hist[n - min(d[r], n)][r] for r in range(K)])
            cur[q] = best_response_oracle(G, noise, budgets, view, q)
        hist.append(cur)
    return hist[-1]
