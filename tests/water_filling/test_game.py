"""PowerGame: index convention, rates, best responses, S^max, the contraction certificate."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.water_filling import NoGuaranteeWarning, PowerGame, transpose_users
from mechkit.water_filling.examples import (
    cyclic_game,
    ping_pong_game,
    random_game,
    symmetric_k_user_game,
)
from solvers.iwf import gs_sweep, interference, jacobi_step, wf_map
from tests.water_filling.oracles import (
    interference_oracle,
    rates_oracle,
    wf_map_oracle,
)
from tests.water_filling.strategies import small_games


def feasible_profile(game, seed):
    rng = np.random.default_rng(seed)
    x = rng.random((game.K, game.N)) * np.where(np.isfinite(game.caps), game.caps, 1.0)
    s = x.sum(axis=1)
    return x * np.minimum(1.0, game.budgets / np.maximum(s, 1e-300))[:, None]


def test_first_index_is_the_transmitter():
    # only transmitter 1 -> receiver 0 is non-zero: user 0 feels user 1, not the reverse
    G = np.zeros((2, 2, 1))
    G[0, 0] = G[1, 1] = 1.0
    G[1, 0] = 3.0
    game = PowerGame(G, 0.5, 1.0)
    intf = game.interference([[1.0], [1.0]])
    assert intf.tolist() == [[3.5], [0.5]]
    assert game.interference_matrix().tolist() == [[0.0, 3.0], [0.0, 0.0]]
    flipped = PowerGame(transpose_users(G), 0.5, 1.0)
    assert flipped.interference([[1.0], [1.0]]).tolist() == [[0.5], [3.5]]


def test_rates_of_the_orthogonal_profile():
    r = ping_pong_game(2.0).rates([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(r, [math.log(11.0)] * 2, rtol=1e-15)


@given(small_games(caps=True), st.integers(0, 1000))
def test_game_methods_match_oracles(game, seed):
    p = feasible_profile(game, seed)
    G = game.gains
    np.testing.assert_allclose(game.interference(p), interference_oracle(G, game.noise, p),
                               rtol=1e-13)
    np.testing.assert_allclose(game.rates(p), rates_oracle(G, game.noise, p), rtol=1e-12,
                               atol=1e-14)
    oracle = wf_map_oracle(G, game.noise, game.budgets, game.caps, p)
    np.testing.assert_allclose(game.wf_map(p), oracle, rtol=0, atol=1e-9)
    for q in range(game.K):
        np.testing.assert_allclose(game.best_response(p, q), oracle[q], rtol=0, atol=1e-9)
    # the best response maximises the rate: NI gap >= 0 and equals the best improvement
    gap = game.ni_gap(p)
    assert gap >= 0
    br_rates = [game.rates(np.vstack([oracle[q] if r == q else p[r] for r in range(game.K)]))[q]
                for q in range(game.K)]
    assert gap == pytest.approx(max(0.0, max(np.array(br_rates) - game.rates(p))), abs=1e-9)


@given(small_games(caps=True), st.integers(0, 1000))
def test_kernels_equal_py_func(game, seed):
    p = feasible_profile(game, seed)
    args = game._kernel_args()
    a, b = np.empty_like(p), np.empty_like(p)
    interference(game.gains, game.noise, p, a)
    interference.py_func(game.gains, game.noise, p, b)
    np.testing.assert_allclose(a, b, rtol=1e-14)       # compiled with fastmath (FMA, reordering)
    # composite kernels: the compiled callee may be inlined and contracted (FMA), so the
    # comparison is to a few ulps, not bitwise
    wf_map(*args, p, a, np.empty_like(p))
    wf_map.py_func(*args, p, b, np.empty_like(p))
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    ra = jacobi_step(*args, p, 0.5, a, np.empty_like(p))
    rb = jacobi_step.py_func(*args, p, 0.5, b, np.empty_like(p))
    np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    assert ra == pytest.approx(rb, rel=1e-12, abs=1e-14)
    order = np.arange(game.K)[::-1].copy()
    pa, pb = p.copy(), p.copy()
    Ia, Ib = game.interference(p), game.interference(p)
    sa = gs_sweep(*args, pa, Ia, order, 1.0)
    sb = gs_sweep.py_func(*args, pb, Ib, order, 1.0)
    np.testing.assert_allclose(pa, pb, rtol=1e-13, atol=1e-15)
    assert sa == pytest.approx(sb, rel=1e-12, abs=1e-14)
    # incremental interference equals recomputed interference
    np.testing.assert_allclose(Ia, game.interference(pa), rtol=1e-12)


@given(small_games(caps=True), st.integers(0, 1000))
def test_best_response_is_feasible_and_first_order_optimal(game, seed):
    from mechkit.water_filling import kkt_residual

    p = feasible_profile(game, seed)
    w = game.normalized_interference(p)
    for q in range(game.K):
        br = game.best_response(p, q)
        assert kkt_residual(w[q], br, game.budgets[q], game.caps[q]) <= 1e-12 * max(
            1.0, float(np.max(w[q][np.isfinite(w[q])])), game.budgets[q])


def test_interference_matrix_examples():
    assert cyclic_game(1.5, 0.0).interference_matrix().tolist() == [
        [0.0, 1.5, 0.0], [0.0, 0.0, 1.5], [1.5, 0.0, 0.0]]
    assert cyclic_game(3.0, 0.1).spectral_radius() == pytest.approx(3.1)
    assert cyclic_game(0.6, 0.3).spectral_radius() == pytest.approx(0.9)
    assert ping_pong_game(1.0).spectral_radius() == pytest.approx(1.0)
    assert symmetric_k_user_game(4, 0.2, [0.1, 0.3]).spectral_radius() == pytest.approx(0.6)


def test_s_max_ignores_forbidden_carriers_and_idle_users():
    G = np.ones((2, 2, 2))
    G[1, 0, 0] = 9.0          # strong interference on a carrier user 0 cannot use
    G[0, 0, 0] = 0.0
    game = PowerGame(G, 0.1, [1.0, 1.0])
    assert game.interference_matrix()[0, 1] == 1.0
    idle = PowerGame(np.ones((2, 2, 2)), 0.1, [1.0, 0.0])
    assert idle.interference_matrix().tolist() == [[0.0, 0.0], [0.0, 0.0]]
    capped = PowerGame(G, 0.1, 1.0, caps=[[1.0, 1.0], [1.0, 0.0]])
    assert capped.interference_matrix()[0, 1] == 0.0   # D_0 = {1}, D_1 = {0}: disjoint


def test_certificate_example_with_unit_row_sum():
    # the design note's S: rho = 0.69528, max row sum exactly 1, yet a weighted certificate exists
    S = np.array([[0, .3, .5], [.2, 0, .1], [.6, .4, 0]])
    G = np.zeros((3, 3, 1))
    for q in range(3):
        G[q, q] = 1.0
        for r in range(3):
            if r != q:
                G[r, q] = S[q, r]
    game = PowerGame(G, 0.1, 1.0)
    np.testing.assert_allclose(game.interference_matrix(), S)
    cert = game.contraction_certificate()
    assert cert.rho == pytest.approx(0.69528, abs=5e-6)
    assert cert.certified and cert.factor < (cert.rho + 1) / 2 + 1e-12 and cert.factor < 1
    assert np.abs(S).sum(axis=1).max() == pytest.approx(1.0)
    assert cert.a_posteriori_bound(1e-3) == pytest.approx(cert.factor / (1 - cert.factor) * 1e-3)
    assert cert.a_priori_bound(3, 2.0) == pytest.approx(cert.factor**3 * 2.0)
    with pytest.raises(InvalidInputError, match=r"c: must lie in \(rho, 1\)"):
        game.contraction_certificate(c=0.5)


def test_no_certificate_when_rho_at_least_one():
    cert = ping_pong_game(2.0).contraction_certificate()
    assert not cert.certified and "no guarantee" in cert.message
    assert math.isinf(cert.a_posteriori_bound(0.1))
    assert "no guarantee" in repr(cert) and cert.to_dict()["certified"] is False
    with pytest.warns(NoGuaranteeWarning, match="no convergence/uniqueness guarantee"):
        ping_pong_game(2.0).warn_if_no_guarantee()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ping_pong_game(0.5).warn_if_no_guarantee()


@given(small_games(max_k=4, max_n=4, caps=True), st.integers(0, 10**6))
def test_contraction_bound_holds_on_random_pairs(game, seed):
    cert = game.contraction_certificate()
    if not cert.certified:
        assert game.spectral_radius() >= 1
        return
    # the certificate covers profiles without power on unusable carriers (all WF images)
    p = feasible_profile(game, seed) * game.usable
    p2 = feasible_profile(game, seed + 1) * game.usable
    lhs = cert.norm(game.wf_map(p) - game.wf_map(p2))
    assert lhs <= cert.factor * cert.norm(p - p2) * (1 + 1e-9) + 1e-12
    # and from the first image on, for any feasible start
    q, q2 = game.wf_map(feasible_profile(game, seed)), game.wf_map(feasible_profile(game, seed + 2))
    assert cert.norm(game.wf_map(q) - game.wf_map(q2)) <= cert.factor * cert.norm(q - q2) * (
        1 + 1e-9) + 1e-12


def test_float32_game_uses_rounded_gains():
    g64 = random_game(6, 16, rho=0.8, seed=1)
    g32 = PowerGame(g64.gains, g64.noise, g64.budgets, dtype="float32")
    assert g32.gains.dtype == np.float32
    ref = PowerGame(g64.gains.astype(np.float32).astype(np.float64), g64.noise, g64.budgets)
    p = g64.initial_profile()
    np.testing.assert_allclose(g32.wf_map(p), ref.wf_map(p), rtol=0, atol=1e-12)


def test_projection_and_initial_profile():
    game = PowerGame(np.ones((2, 2, 3)), 0.1, [1.0, 3.0], caps=[[1, 1, 1], [0.5, np.inf, 2]])
    p0 = game.initial_profile()
    np.testing.assert_allclose(p0, [[1 / 3] * 3, [0.5, 1.25, 1.25]])
    proj = game.project([[5.0, -1.0, 0.2], [0.1, 0.1, 0.1]])
    np.testing.assert_allclose(proj, [[1.0, 0.0, 0.0], [0.1, 0.1, 0.1]])
    game.check_profile(proj)


def test_repr_and_read_only():
    game = ping_pong_game()
    assert repr(game) == "PowerGame(K=2, N=2, dtype=float64)"
    with pytest.raises(ValueError):
        game.gains[0, 0, 0] = 5.0


def test_callers_arrays_are_not_frozen_or_aliased():
    G = np.ones((2, 2, 2))
    noise = np.full((2, 2), 0.1)
    game = PowerGame(G, noise, np.ones(2))
    G[0, 1, 0] = 7.0
    noise[0, 0] = 3.0
    assert game.gains[0, 1, 0] == 1.0 and game.noise[0, 0] == 0.1
