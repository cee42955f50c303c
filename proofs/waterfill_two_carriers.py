"""Water-filling on two carriers: the closed-form level solves the KKT system (sympy).

Claim: for noise-to-gain levels ``0 < w1 <= w2`` and budget ``P > 0``, the powers
``p_i = max(mu - w_i, 0)`` with ``mu = w1 + P`` when ``P <= w2 - w1`` and
``mu = (w1 + w2 + P) / 2`` otherwise maximise ``log(1 + p1/w1) + log(1 + p2/w2)``
subject to ``p1 + p2 = P``, ``p >= 0``: they satisfy the KKT conditions with
multiplier ``1/mu`` (stationarity, primal/dual feasibility, complementary slackness),
and the problem is concave, so KKT is sufficient.
"""

from __future__ import annotations

from proofs import Certificate

EXPECTED_SECONDS = 3.0


def verify() -> Certificate:
    import sympy as sp

    w1, w2, d = sp.symbols("w1 w2 d", positive=True)
    evidence: dict[str, str] = {}
    checks: list[bool] = []

    # Regime A: both carriers active, P = (w2 - w1) + d with d > 0.
    P_a = (w2 - w1) + d
    mu = (w1 + w2 + P_a) / 2
    p1, p2 = mu - w1, mu - w2
    lam = 1 / mu
    stat1 = sp.simplify(1 / (w1 + p1) - lam)          # d/dp_i log(w_i + p_i) = lambda (nu_i = 0)
    stat2 = sp.simplify(1 / (w2 + p2) - lam)
    budget = sp.simplify(p1 + p2 - P_a)
    pos = [sp.simplify(p1 - (d / 2 + (w2 - w1))), sp.simplify(p2 - d / 2)]  # both > 0 for d > 0
    checks += [stat1 == 0, stat2 == 0, budget == 0, pos[0] == 0, pos[1] == 0]
    evidence["regime both active"] = f"p = ({sp.simplify(p1)}, {sp.simplify(p2)}), stationarity residuals {stat1}, {stat2}"

    # Regime B: only carrier 1 active, P = t (w2 - w1) with 0 < t <= 1.
    t = sp.symbols("t", positive=True)
    P_b = t * (w2 - w1)
    mu_b = w1 + P_b
    lam_b = 1 / mu_b
    stat1b = sp.simplify(1 / (w1 + P_b) - lam_b)
    nu2 = sp.simplify(lam_b - 1 / w2)                 # multiplier of p2 >= 0 must be >= 0
    # nu2 = 1/(w1 + t(w2-w1)) - 1/w2 = (w2 - w1)(1 - t) / (w2 (w1 + t (w2 - w1))) >= 0
    nu2_form = sp.simplify(nu2 - (w2 - w1) * (1 - t) / (w2 * (w1 + t * (w2 - w1))))
    checks += [stat1b == 0, nu2_form == 0]
    evidence["regime one active"] = f"nu2 = {sp.factor(nu2)} (>= 0 for t <= 1, w2 >= w1)"

    # Concavity: the Hessian of the objective is diag(-1/(w_i + p_i)^2), negative definite.
    p1s, p2s = sp.symbols("p1 p2", nonnegative=True)
    f = sp.log(1 + p1s / w1) + sp.log(1 + p2s / w2)
    H = sp.hessian(f, (p1s, p2s))
    concave = bool(sp.simplify(H[0, 1]) == 0 and sp.simplify(H[0, 0] + 1 / (w1 + p1s) ** 2) == 0
                   and sp.simplify(H[1, 1] + 1 / (w2 + p2s) ** 2) == 0)
    checks.append(concave)
    evidence["hessian"] = str(H)
    return Certificate(
        claim="two-carrier water-filling level mu solves the KKT system of the rate maximisation",
        method="symbolic",
        scope="all 0 < w1 <= w2, P > 0",
        evidence=evidence,
        passed=all(checks),
    )
