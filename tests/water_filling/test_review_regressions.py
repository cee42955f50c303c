"""Regressions found in the correctness review of the water-filling domain."""

from __future__ import annotations

import math
import re
import warnings

import numpy as np
import pytest

from mechkit.errors import InvalidInputError
from mechkit.water_filling import PowerGame, solve_nash, transpose_users
from mechkit.water_filling.examples import (
    ping_pong_game,
    random_game,
    symmetric_two_user_ne,
    two_user_two_carrier_ne,
)


def _ring_game(K: int, a: float) -> PowerGame:
    """K users on one carrier, user q hears q+1 with gain a: S^max is a*(cyclic shift), rho = a."""
    G = np.zeros((K, K, 1))
    for q in range(K):
        G[q, q] = 1.0
        G[(q + 1) % K, q] = a
    return PowerGame(G, 0.1, 1.0)


# ------------------------------------------------ certificate at the edge rho -> 1
@pytest.mark.parametrize("K", [2, 3, 4, 5, 7, 8, 11])
@pytest.mark.parametrize("a", [1 - 1e-16, 1 - 2e-16, 1 - 1e-15, 1 - 1e-14])
def test_certificate_never_certifies_a_factor_of_one_or_more(K, a):
    # before: certified=True with factor 1.000000000000005 (negative a-posteriori bounds),
    # or LinAlgError / "c: must lie in (rho, 1)" although c was not passed
    game = _ring_game(K, a)
    cert = game.contraction_certificate()
    if cert.certified:
        assert cert.factor < 1.0
        S = game.interference_matrix()
        assert (S @ cert.weights <= cert.factor * cert.weights).all()
        assert cert.a_posteriori_bound(1e-3) >= 0.0
    else:
        assert math.isnan(cert.factor) and "no guarantee" in cert.message


def test_solve_nash_runs_when_rho_is_numerically_one():
    game = _ring_game(3, 1 - 1e-16)            # before: LinAlgError from solve_nash
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_nash(game, max_iter=50)
    assert res.status in ("converged", "cycling", "max_iter")
    assert math.isnan(res.error_bound) or res.error_bound >= 0.0


def test_no_guarantee_warning_when_rho_is_numerically_one():
    from mechkit.water_filling import NoGuaranteeWarning

    game = _ring_game(3, 1 - 1e-15)
    if not game.contraction_certificate().certified:
        with pytest.warns(NoGuaranteeWarning, match="no convergence/uniqueness guarantee"):
            game.warn_if_no_guarantee()


def test_explicit_c_still_validated():
    game = ping_pong_game(0.5)
    with pytest.raises(InvalidInputError, match="c:"):
        game.contraction_certificate(1.0)


# ------------------------------------------------ no fastmath where water-filling decides
def _fast_fcmps_in_waterfill(kern, args) -> dict[str, int]:
    """Fast-math float comparisons inside the water-filling functions of ``kern``'s LLVM IR."""
    import numba

    opts = {k: v for k, v in kern.targetoptions.items() if k not in ("cache", "nopython")}
    fresh = numba.njit(**opts)(kern.py_func)          # same options, uncached: IR available
    fresh(*args)
    ir = "\n".join(fresh.inspect_llvm().values())
    bad = {}
    for m in re.finditer(r'\ndefine [^@]*@"?([^"(]+)"?\(', ir):
        body = ir[m.end(): ir.find("\n}\n", m.end())]
        n = len(re.findall(r"fcmp (?:fast|nnan|ninf|reassoc)", body))
        if n and "waterfill" in m.group(1):
            bad[m.group(1)] = n
    return bad


def test_gauss_seidel_water_filling_is_not_compiled_with_fastmath(monkeypatch):
    # before: gs_sweep was njit(fastmath=True); numba compiles the water-filling callees
    # with the caller's flags, so levels, ties and isnan guards ran under fast-math
    from solvers import iwf

    monkeypatch.setenv("MECHKIT_DISABLE_CACHE", "1")
    g = random_game(3, 4, rho=0.5, seed=0)
    args = g._kernel_args()
    p = g.initial_profile()
    intf = np.empty_like(p)
    iwf.interference(g.gains, g.noise, p, intf)
    assert _fast_fcmps_in_waterfill(iwf.gs_sweep, (*args, p, intf, np.arange(3), 1.0)) == {}


# ------------------------------------------------ bad input that used to return numbers
@pytest.mark.parametrize("method", ["rates", "ni_gap", "ne_residual", "wf_map", "interference"])
def test_negative_powers_rejected(method):
    game = ping_pong_game(0.5)
    with pytest.raises(InvalidInputError, match="p: powers must be >= 0"):
        getattr(game, method)([[-5.0, 0.0], [0.0, 1.0]])     # before: nan / 0.0 / 5.75


def test_best_response_rejects_negative_powers():
    with pytest.raises(InvalidInputError, match="p: powers must be >= 0"):
        ping_pong_game(0.5).best_response([[0.0, 0.0], [-100.0, 0.0]], 0)


def test_certificate_bounds_reject_negative_norms():
    cert = ping_pong_game(0.5).contraction_certificate()
    with pytest.raises(InvalidInputError, match="step"):
        cert.a_posteriori_bound(-1.0)                      # before: -1.0
    with pytest.raises(InvalidInputError, match="initial_distance"):
        cert.a_priori_bound(3, -1.0)                       # before: -0.125


@pytest.mark.parametrize("gains", [np.full((2, 2, 1), np.nan), np.ones((2, 3, 1)),
                                   np.ones((2, 2, 1)) * (1 + 1j)])
def test_transpose_users_validates(gains):
    with pytest.raises(InvalidInputError, match="gains"):
        transpose_users(gains)


@pytest.mark.parametrize("kw", [{"check_every": 5}, {"delays": 3}])
@pytest.mark.parametrize("schedule", ["jacobi", "gauss_seidel"])
def test_async_only_options_rejected(schedule, kw):
    with pytest.raises(InvalidInputError, match=next(iter(kw))):
        solve_nash(ping_pong_game(0.5), schedule, **kw)   # before: silently ignored


def test_closed_forms_validate_their_data():
    with pytest.raises(InvalidInputError, match="n:"):
        symmetric_two_user_ne(0.5, [-0.1, 0.3])            # before: 0.6333
    with pytest.raises(InvalidInputError, match="cross"):
        two_user_two_carrier_ne([[-1, 0.2], [0.2, 0.2]], [[.1, .3], [.1, .3]], [1, 1])
    with pytest.raises(InvalidInputError, match="noise"):
        two_user_two_carrier_ne([[.5, .5], [.5, .5]], [[0, .3], [-.1, .3]], [1, 1])
