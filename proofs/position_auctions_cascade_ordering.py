"""Cascade ordering lemma by the exchange argument (sympy).

Claim (design note §1.6, Kempe–Mahdian 2008): for a fixed set of shown pairs with
``a_e = b_i p_ij`` and continuation ``q_e``, swapping two adjacent pairs ``e, f`` (prefix
survival ``S``, suffix value ``R``) changes welfare by
``S (1 - q_e)(1 - q_f) (a_e/(1 - q_e) - a_f/(1 - q_f))``, independent of ``R``; so
rendering in decreasing ``a/(1 - q)`` is optimal (bubble sort).  With stop-on-click
``q = 1 - p`` the key is the bid ``b``.
"""

from __future__ import annotations

from proofs import Certificate

EXPECTED_SECONDS = 3.0


def verify() -> Certificate:
    import sympy as sp

    S, R, ae, af, qe, qf = sp.symbols("S R a_e a_f q_e q_f", real=True)
    be, pe = sp.symbols("b_e p_e", positive=True)
    ef = S * (ae + qe * af) + S * qe * qf * R     # e rendered before f
    fe = S * (af + qf * ae) + S * qf * qe * R     # f rendered before e
    diff = sp.expand(ef - fe)
    claim = S * (1 - qe) * (1 - qf) * (ae / (1 - qe) - af / (1 - qf))
    identity = sp.simplify(diff - claim)
    no_suffix = sp.diff(diff, R)
    # stop-on-click: a = b p, 1 - q = p, the key a/(1-q) is the bid
    key = sp.simplify((be * pe) / (1 - (1 - pe)))
    # q = 1 (never stops): the key is +inf; the difference is S (a_e (1 - q_f) - a_f * 0)
    q1 = sp.simplify(diff.subs(qe, 1) - S * ae * (1 - qf))
    checks = [identity == 0, sp.simplify(no_suffix) == 0, sp.simplify(key - be) == 0, q1 == 0]
    return Certificate(
        claim="cascade: swapping adjacent pairs changes welfare by S(1-q_e)(1-q_f)(a_e/(1-q_e) "
              "- a_f/(1-q_f)), so decreasing a/(1-q) (the bid under stop-on-click) is optimal",
        method="symbolic",
        scope="all S, R, a, q (q < 1 for the ratio form; q = 1 checked separately)",
        evidence={"difference": str(sp.factor(diff)), "identity_residual": str(identity),
                  "stop_on_click_key": str(key)},
        passed=all(checks),
    )
