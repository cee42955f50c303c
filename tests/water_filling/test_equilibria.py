"""Support enumeration (independent of IWF) and the local step-size analysis."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mechkit.errors import InvalidInputError
from mechkit.water_filling import PowerGame, enumerate_equilibria, local_step_analysis, solve_nash
from mechkit.water_filling.examples import cyclic_game, ping_pong_game, random_game
from tests.water_filling.oracles import wf_map_oracle


def oracle_residual(game, p):
    return float(np.max(np.abs(wf_map_oracle(game.gains, game.noise, game.budgets, game.caps, p)
                               - p)))


@st.composite
def small_games(draw):
    K = draw(st.integers(1, 3))
    N = draw(st.integers(1, 3 if K < 3 else 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    G = rng.exponential(draw(st.sampled_from([0.2, 1.0, 3.0])), size=(K, K, N))
    for q in range(K):
        G[q, q] = 0.5 + rng.exponential(1.0, size=N)
    caps = None
    if draw(st.booleans()):
        caps = np.where(rng.random((K, N)) < 0.5, rng.uniform(0.1, 1.0, size=(K, N)), np.inf)
    return PowerGame(G, rng.uniform(0.05, 1.0, size=(K, N)), rng.uniform(0.2, 2.0, size=K), caps)


@given(small_games())
def test_every_enumerated_point_is_an_equilibrium(game):
    eq = enumerate_equilibria(game)
    assert eq.equilibria.shape[0] >= 1                    # existence (Debreu-Glicksberg-Fan)
    for p in eq.equilibria:
        assert oracle_residual(game, p) <= 1e-8
        game.check_profile(p, atol=1e-9)
    for c in eq.continua:
        assert oracle_residual(game, c.point) <= 1e-8 and oracle_residual(game, c.other) <= 1e-8
    if game.spectral_radius() < 1:
        assert eq.unique


@given(small_games())
def test_converged_iwf_lands_on_an_enumerated_equilibrium(game):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = solve_nash(game, "gauss_seidel", tol=1e-12, max_iter=3000)
    if res.status != "converged":
        return
    eq = enumerate_equilibria(game)
    if eq.continua:
        assert oracle_residual(game, res.p) <= 1e-8
    else:
        assert min(np.max(np.abs(res.p - e)) for e in eq.equilibria) <= 1e-8


def test_caps_and_idle_users_in_enumeration():
    G = np.ones((2, 2, 2))
    game = PowerGame(G, 0.1, [1.0, 0.0], caps=[[0.3, np.inf], [np.inf, np.inf]])
    eq = enumerate_equilibria(game)
    assert eq.unique
    np.testing.assert_allclose(eq.equilibria[0], [[0.3, 0.7], [0.0, 0.0]], atol=1e-12)
    slack = PowerGame(G, 0.1, [5.0, 1.0], caps=[[1.0, 1.0], [np.inf, np.inf]])
    eq = enumerate_equilibria(slack)
    np.testing.assert_allclose(eq.equilibria[0][0], [1.0, 1.0])
    assert oracle_residual(slack, eq.equilibria[0]) <= 1e-9


def test_enumeration_limits_and_output():
    with pytest.raises(InvalidInputError, match=r"support patterns exceed max_patterns=10"):
        enumerate_equilibria(random_game(3, 3, seed=0), max_patterns=10)
    with pytest.raises(InvalidInputError, match=r"game: must be a PowerGame"):
        enumerate_equilibria("not a game")
    eq = enumerate_equilibria(ping_pong_game(1.0))
    d = eq.to_dict()
    assert d["unique"] is False and len(d["continua"]) >= 1
    assert "unique=False" in repr(eq) and "Continuum" in repr(eq.continua[0])
    assert eq.patterns_checked == 9


def test_local_step_analysis_cyclic():
    a = local_step_analysis(cyclic_game(1.5, 0.0), np.full((3, 2), 0.5))
    assert a.alpha_star == pytest.approx(2 / 7, abs=1e-12)
    lam = np.sort_complex(a.eigenvalues[np.abs(a.eigenvalues) > 1e-12])
    omega = np.exp(2j * np.pi / 3)
    np.testing.assert_allclose(lam, np.sort_complex(-1.5 * omega ** np.arange(3)), atol=1e-12)
    assert a.converges_locally(0.28) and not a.converges_locally(0.29)
    assert a.to_dict()["alpha_star"] == a.alpha_star and "alpha_star" in repr(a)
    contractive = local_step_analysis(cyclic_game(0.6, 0.3), np.full((3, 2), 0.5))
    assert contractive.spectral_radius < 1 and contractive.alpha_star > 1
    with pytest.raises(InvalidInputError, match=r"p_star: is not a Nash equilibrium"):
        local_step_analysis(cyclic_game(1.5, 0.0), np.full((3, 2), 0.5) + [[0.1, -0.1]] * 3)


def _potential_game(seed, caps=False):
    rng = np.random.default_rng(seed)
    K, N = int(rng.integers(2, 5)), int(rng.integers(1, 6))
    direct = 0.5 + rng.exponential(1.0, size=(K, N))
    A = rng.uniform(0, 0.25, size=(K, K, N))
    A = (A + A.transpose(1, 0, 2)) / 2                    # symmetric normalised crosstalk
    G = A * direct[None, :, :]                             # G[r,q,k] = A[r,q,k] G[q,q,k]
    for q in range(K):
        G[q, q] = direct[q]
    cap = None
    if caps:
        cap = np.where(rng.random((K, N)) < 0.3, rng.uniform(0.1, 1.0, (K, N)), np.inf)
        cap[:, 0] = np.inf
    return PowerGame(G, rng.uniform(0.05, 1.0, (K, N)), rng.uniform(0.5, 2.0, K), cap)


@pytest.mark.parametrize("seed", range(6))
def test_potential_qp_cross_check(seed):
    from mechkit.water_filling import potential_equilibrium

    game = _potential_game(seed, caps=seed % 2 == 1)
    p = potential_equilibrium(game)
    assert oracle_residual(game, p) <= 1e-6
    res = solve_nash(game, "gauss_seidel", tol=1e-13)
    assert res.converged
    np.testing.assert_allclose(p, res.p, atol=1e-6)


def test_potential_qp_refuses_non_potential_games():
    from mechkit.water_filling import potential_equilibrium

    with pytest.raises(InvalidInputError, match=r"game: not a potential game"):
        potential_equilibrium(cyclic_game(0.6, 0.3))
    with pytest.raises(InvalidInputError, match=r"game: M is not positive semidefinite"):
        potential_equilibrium(ping_pong_game(2.0))
