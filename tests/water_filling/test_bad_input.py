"""Every row of the design note's bad-input table raises InvalidInputError with a clear message."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

from mechkit.errors import InvalidInputError
from mechkit.water_filling import (
    AsyncSchedule,
    NoGuaranteeWarning,
    PowerGame,
    make_schedule,
    solve_nash,
    transpose_users,
)
from mechkit.water_filling.examples import cyclic_game, ping_pong_game, random_game

G2 = np.ones((2, 2, 3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"gains": np.ones((2, 3, 3))}, r"gains: must have shape \(K, K, N\); got shape \(2, 3, 3\)"),
        ({"gains": np.ones((2, 2))}, r"gains: must be 3-dimensional"),
        ({"gains": np.full((2, 2, 3), np.nan)}, r"gains: must be finite; entry \(0, 0, 0\) is nan"),
        ({"gains": np.full((2, 2, 3), np.inf)}, r"gains: must be finite"),
        ({"gains": -G2}, r"gains: entries must be >= 0; .*pass power gains \|H\|\^2"),
        ({"gains": G2 * (1 + 1j)}, r"gains: must be real, got complex .*pass power gains \|H\|\^2"),
        ({"noise": np.ones((2, 2))}, r"noise: must have shape \(2, 3\)"),
        ({"noise": 0.0}, r"noise: entries must be > 0 \(zero noise makes the rate unbounded\)"),
        ({"noise": -1.0}, r"noise: entries must be > 0"),
        ({"noise": math.nan}, r"noise: must be a finite real number; got nan"),
        ({"noise": np.full((2, 3), np.inf)}, r"noise: must be finite"),
        ({"budgets": [1.0, -1.0]}, r"budgets: entries must be >= 0; entry \(1,\) is -1.0"),
        ({"budgets": math.inf}, r"budgets: must be a finite real number"),
        ({"budgets": [1.0, 2.0, 3.0]}, r"budgets: must have shape \(2\)"),
        ({"caps": -1.0}, r"caps: entries must be >= 0"),
        ({"caps": np.full((2, 3), np.nan)}, r"caps: must be non-NaN"),
        ({"caps": np.ones((3, 3))}, r"caps: must have shape \(2, 3\)"),
        ({"dtype": "float16"}, r"dtype: must be one of 'float64', 'float32'"),
    ],
)
def test_bad_game_inputs(kwargs, message):
    args = {"gains": G2, "noise": 0.1, "budgets": 1.0} | kwargs
    with pytest.raises(InvalidInputError, match=message):
        PowerGame(**args)


def test_user_without_usable_carrier():
    G = G2.copy()
    G[1, 1] = 0.0
    with pytest.raises(InvalidInputError, match=r"user 1 has budget 1.0 but no usable carrier.*"
                                                 r"allow_idle=True"):
        PowerGame(G, 0.1, 1.0)
    game = PowerGame(G, 0.1, 1.0, allow_idle=True)
    res = solve_nash(game, tol=1e-12)
    assert res.converged and res.p[1].tolist() == [0.0, 0.0, 0.0]
    with pytest.raises(InvalidInputError, match=r"user 0 has budget 1.0 but no usable carrier"):
        PowerGame(G2, 0.1, 1.0, caps=[[0, 0, 0], [1, 1, 1]])
    PowerGame(G2, 0.1, [0.0, 1.0], caps=[[0, 0, 0], [1, 1, 1]])   # zero budget: fine


def test_caps_below_budget_is_slack_not_error():
    game = PowerGame(G2, 0.1, 10.0, caps=1.0)
    # G2 has rho(S^max) = 1: solve_nash warns that nothing is guaranteed, and still converges
    with pytest.warns(NoGuaranteeWarning, match="no convergence/uniqueness guarantee"):
        res = solve_nash(game)
    assert res.converged and res.p.tolist() == [[1.0] * 3] * 2


def test_overflow_and_underflow_suggest_normalising():
    with pytest.raises(InvalidInputError, match=r"float overflow; normalise the data: "
                                                 r"water-filling is scale-covariant"):
        PowerGame(G2 * 1e300, 0.1, 1e10)
    tiny = G2.copy()
    tiny[0, 0] = 1e-320
    with pytest.raises(InvalidInputError, match=r"float overflow; normalise"):
        PowerGame(tiny, 1.0, 1.0)
    with pytest.raises(InvalidInputError, match=r"below 1e-250 lose precision .*normalise"):
        PowerGame(G2, 0.1, 1e-300)
    with pytest.raises(InvalidInputError, match=r"too large for float32"):
        PowerGame(G2 * 1e100, 1e100, 1.0, dtype="float32")


def test_transpose_users_shape():
    with pytest.raises(InvalidInputError, match=r"gains: must be 3-dimensional"):
        transpose_users(np.ones((2, 2)))


GAME = cyclic_game(0.6, 0.3)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"schedule": "newton"}, r"schedule: must be one of 'jacobi', 'gauss_seidel', 'async'"),
        ({"damping": 0.0}, r"damping: must lie in \(0, 1\]; got 0.0"),
        ({"damping": 1.5}, r"damping: must lie in \(0, 1\]; got 1.5"),
        ({"damping": -0.1}, r"damping: must lie in \(0, 1\]"),
        ({"damping": "fast"}, r"damping: must be one of 'diminishing'"),
        ({"damping": True}, r"damping: must be a number in \(0, 1\]"),
        ({"damping": lambda n: 2.0}, r"damping: alpha_n must lie in \(0, 1\]; got 2.0 at n=0"),
        ({"damping": lambda n: 1.0 if n < 3 else 0.0, "p0": [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]},
         r"damping: alpha_n must lie in \(0, 1\]; got 0.0 at n=3"),
        ({"p0": [[-0.1, 1.0]] * 3}, r"p0: entries must be >= 0"),
        ({"p0": [[0.9, 0.9]] * 3}, r"p0: user 0 spends 1.8 > budget 1.0 \(infeasible\); pass "
                                   r"project_p0=True"),
        ({"p0": [[0.5, 0.5]] * 2}, r"p0: must have shape \(3, 2\)"),
        ({"p0": [[np.nan, 0.5]] * 3}, r"p0: must be finite"),
        ({"tol": 0.0}, r"tol: must be > 0"),
        ({"max_iter": 0}, r"max_iter: must be >= 1"),
        ({"max_iter": 2.5}, r"max_iter: must be an integer"),
        ({"measurement_noise": -0.1}, r"measurement_noise: must be >= 0"),
        ({"schedule": "gauss_seidel", "measurement_noise": 0.1},
         r"measurement_noise: only the 'jacobi' schedule"),
        ({"schedule": "async", "damping": 0.5}, r"damping: the 'async' schedule is undamped"),
        ({"events": [(0, 0)]}, r"events: only the 'async' schedule takes an event list"),
        ({"order": [0, 1, 2]}, r"order: only the 'gauss_seidel' schedule"),
        ({"schedule": "gauss_seidel", "order": [0, 0, 1]}, r"order: must be a permutation of 0..2"),
        ({"schedule": "gauss_seidel", "order": [0, 1]}, r"order: must have shape \(3\)"),
        ({"schedule": "async", "events": []}, r"events: the schedule is empty"),
        ({"schedule": "async", "events": [(0, 3)]}, r"events: event 0 names user 3; users are 0..2"),
        ({"schedule": "async", "events": [(0, -1)]}, r"events: event 0 names user -1"),
        ({"schedule": "async", "events": [(-1, 0)]}, r"events: event 0 has tick -1"),
        ({"schedule": "async", "events": [(0, 0, -2)]}, r"events: event 0 has a negative delay"),
        ({"schedule": "async", "events": [(0, 0, [0, 1])]}, r"events\[0\] delay: must have shape"),
        ({"schedule": "async", "events": [(1, 0), (0, 1)]}, r"ticks: events must be sorted"),
        ({"schedule": "async", "events": [(0, 1), (0, 1)]}, r"events: user 1 has two events at tick 0"),
        ({"schedule": "async", "events": [(0,)]}, r"events: event 0 must be \(tick, user\[, delay\]\)"),
        ({"schedule": "async", "events": "0,1"}, r"events: must be a sequence"),
        ({"schedule": "async", "events": make_schedule(2, 5, seed=0)},
         r"events: schedule is for K=2 users; game has K=3"),
        ({"schedule": "async", "delays": -1}, r"delays: must be >= 0"),
        ({"schedule": "async", "p_update": 0.0}, r"p_update: must lie in \(0, 1\]"),
        ({"schedule": "async", "check_every": 0}, r"check_every: must be >= 1"),
        ({"seed": -3}, r"seed: must be a non-negative int"),
        ({"max_period": 1}, r"max_period: must be >= 2"),
        ({"cycle_tol": -1.0}, r"cycle_tol: must be > 0"),
    ],
)
def test_bad_solver_inputs(kwargs, message):
    if "seed" in kwargs:
        kwargs = kwargs | {"measurement_noise": 0.1}
    with pytest.raises(InvalidInputError, match=message):
        solve_nash(GAME, **kwargs)


def test_p0_above_cap_and_projection():
    G = G2.copy()
    G[0, 1] = G[1, 0] = 0.5
    game = PowerGame(G, 0.1, 1.0, caps=0.5)
    with pytest.raises(InvalidInputError, match=r"p0: entry \(0, 0\) = 0.9 exceeds its cap 0.5"):
        solve_nash(game, p0=[[0.9, 0.1, 0.0], [0.3, 0.3, 0.3]])
    res = solve_nash(game, p0=[[0.9, 0.1, 0.0], [0.3, 0.3, 0.3]], project_p0=True)
    assert res.converged
    np.testing.assert_allclose(game.project([[0.9, 0.1, 0.0], [0.3, 0.3, 0.3]]),
                               [[0.5, 0.1, 0.0], [0.3, 0.3, 0.3]])


def test_not_a_game():
    with pytest.raises(InvalidInputError, match=r"game: must be a PowerGame; got dict"):
        solve_nash({})


def test_schedule_builders():
    with pytest.raises(InvalidInputError, match=r"p_update: must lie in \(0, 1\]"):
        make_schedule(2, 10, p_update=1.5)
    with pytest.raises(InvalidInputError, match=r"n_ticks: must be >= 1"):
        make_schedule(2, 0)
    with pytest.raises(InvalidInputError, match=r"max_delay: must be >= 0"):
        make_schedule(2, 5, max_delay=-1)
    with pytest.raises(InvalidInputError, match=r"n_ticks: must be >= 3"):
        AsyncSchedule.from_events(2, [(2, 0)], n_ticks=2)
    with pytest.raises(InvalidInputError, match=r"delays: entries must be >= 0"):
        AsyncSchedule.from_arrays(2, [0], [0], [[0, -1]])
    with pytest.raises(InvalidInputError, match=r"users: entries must be <= 1"):
        AsyncSchedule.from_arrays(2, [0], [5], [[0, 0]])


def test_rho_at_least_one_is_a_warning_not_an_error():
    with pytest.warns(NoGuaranteeWarning, match=r"rho\(S\^max\) = 2 >= 1: no convergence/"
                                                 r"uniqueness guarantee"):
        res = solve_nash(ping_pong_game(2.0), p0=[[1, 0], [1, 0]])
    assert res.status == "cycling"                 # reported, never as an equilibrium
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        solve_nash(random_game(3, 3, rho=0.9, seed=0))


def test_random_game_arguments():
    with pytest.raises(InvalidInputError, match=r"rho: a single user has rho = 0"):
        random_game(1, 4, rho=0.5)
    with pytest.raises(InvalidInputError, match=r"K: must be >= 1"):
        random_game(0, 4)
