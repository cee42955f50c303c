"""solve_nash: the three schedules, the design note's closed forms and reference games."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from mechkit.water_filling import (
    AsyncSchedule,
    NoGuaranteeWarning,
    PowerGame,
    enumerate_equilibria,
    local_step_analysis,
    make_schedule,
    solve_nash,
)
from mechkit.water_filling.examples import (
    cyclic_game,
    ping_pong_game,
    random_game,
    symmetric_k_user_game,
    symmetric_k_user_ne,
    symmetric_two_user_game,
    symmetric_two_user_ne,
    two_user_two_carrier_ne,
)
from solvers.iwf import async_run
from tests.water_filling.oracles import (
    async_numpy,
    gauss_seidel_numpy,
    jacobi_numpy,
    wf_map_oracle,
)

P0_CYCLIC = [[0.9, 0.1], [0.3, 0.7]]
P0_CYCLIC3 = [[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]]
no_guarantee = pytest.mark.filterwarnings("ignore::mechkit.water_filling.NoGuaranteeWarning")


def oracle_residual(game, p):
    return float(np.max(np.abs(wf_map_oracle(game.gains.astype(float), game.noise, game.budgets,
                                             game.caps, p) - p)))


# ---------------------------------------------------------------- closed forms (b.2)
def test_symmetric_two_user_closed_form_all_schemes():
    game = symmetric_two_user_game(0.5, [0.1, 0.3])
    ne = symmetric_two_user_ne(0.5, [0.1, 0.3])
    assert ne[0, 0] == pytest.approx(0.56667, abs=5e-6)
    eq = enumerate_equilibria(game)
    assert eq.unique
    np.testing.assert_allclose(eq.equilibria[0], ne, atol=1e-12)
    for schedule in ("jacobi", "gauss_seidel", "async"):
        res = solve_nash(game, schedule, seed=0, tol=1e-13, max_iter=5000)
        assert res.status == "converged"
        np.testing.assert_allclose(res.p, ne, atol=1e-11)


@given(st.lists(st.floats(0.0, 0.9), min_size=4, max_size=4),
       st.lists(st.floats(0.05, 1.0), min_size=4, max_size=4),
       st.lists(st.floats(0.5, 3.0), min_size=2, max_size=2))
def test_general_two_user_closed_form(cross, noise, budgets):
    a = np.array(cross).reshape(2, 2)
    n = np.array(noise).reshape(2, 2)
    P = np.array(budgets)
    s = a.mean(axis=1)
    dn = n[:, 1] - n[:, 0]
    b = np.array([dn[q] + P[1 - q] / 2 * (a[q, 1] - a[q, 0]) for q in range(2)])
    d = np.array([(b[0] - s[0] * b[1]), (b[1] - s[1] * b[0])]) / (1 - s[0] * s[1])
    assume((np.abs(d) < P * 0.999).all())
    ne = two_user_two_carrier_ne(a, n, P)
    G = np.ones((2, 2, 2))
    G[1, 0] = a[0]
    G[0, 1] = a[1]
    game = PowerGame(G, n, P)
    assert oracle_residual(game, ne) <= 1e-9             # independent check that it is a NE
    res = solve_nash(game, "gauss_seidel", tol=1e-13)
    assert res.status == "converged"
    np.testing.assert_allclose(res.p, ne, atol=1e-10)


@pytest.mark.parametrize("eps", [0.2, 0.45, 0.7])
def test_symmetric_k_user_profile_is_always_a_ne(eps):
    noise = [0.1, 0.2, 0.3, 0.5, 0.8, 1.0]
    game = symmetric_k_user_game(4, eps, noise)
    ne = symmetric_k_user_ne(4, eps, noise)
    assert game.ne_residual(ne) <= 1e-13 and oracle_residual(game, ne) <= 1e-9
    if game.spectral_radius() < 1:
        res = solve_nash(game, tol=1e-13)
        assert res.status == "converged"
        np.testing.assert_allclose(res.p, ne, atol=1e-11)


def test_symmetric_k_user_unique_by_enumeration():
    game = symmetric_k_user_game(3, 0.3, [0.1, 0.4, 0.2])
    eq = enumerate_equilibria(game)
    assert eq.unique
    np.testing.assert_allclose(eq.equilibria[0], symmetric_k_user_ne(3, 0.3, [0.1, 0.4, 0.2]),
                               atol=1e-12)


# ---------------------------------------------------------------- rho < 1: all schemes agree
@st.composite
def contractive_games(draw):
    K = draw(st.integers(2, 3))
    N = draw(st.integers(1, 2))
    rho = draw(st.floats(0.1, 0.95))
    seed = draw(st.integers(0, 2**32 - 1))
    return random_game(K, N, rho=rho, cross_scale=0.3, seed=seed)


@given(contractive_games(), st.integers(0, 100))
def test_all_schemes_reach_the_enumerated_unique_ne(game, seed):
    eq = enumerate_equilibria(game)
    assert eq.unique                                       # rho < 1 => unique
    ne = eq.equilibria[0]
    assert oracle_residual(game, ne) <= 1e-9
    for schedule in ("jacobi", "gauss_seidel", "async"):
        kw = {"seed": seed, "delays": 2} if schedule == "async" else {}
        res = solve_nash(game, schedule, tol=1e-12, max_iter=20000, **kw)
        assert res.status == "converged", (schedule, res)
        np.testing.assert_allclose(res.p, ne, atol=1e-9 * max(1.0, game.budgets.max()))
        assert res.residual <= res.tol and res.rate_gap <= 1e-8


def test_async_design_note_example():
    game = random_game(3, 4, rho=0.8, seed=11)
    ne = enumerate_equilibria(game).equilibria[0]
    sched = make_schedule(3, 600, p_update=0.3, max_delay=5, seed=0)
    res = solve_nash(game, "async", events=sched, tol=1e-15)
    assert res.status == "converged" and res.iterations <= 600
    np.testing.assert_allclose(res.p, ne, atol=1e-13)


def test_certificate_bounds_hold_along_a_run():
    game = random_game(4, 3, rho=0.7, seed=5)
    cert = game.contraction_certificate()
    ne = solve_nash(game, tol=1e-14).p
    p = game.initial_profile()
    d0 = cert.norm(p - ne)
    for n in range(1, 15):
        q = game.wf_map(p)
        assert cert.norm(q - ne) <= cert.a_priori_bound(n, d0) * (1 + 1e-9) + 1e-13
        assert cert.norm(q - ne) <= cert.a_posteriori_bound(cert.norm(q - p)) * (1 + 1e-9) + 1e-13
        p = q


# ---------------------------------------------------------------- kernels against oracles
@given(contractive_games(), st.sampled_from([1.0, 0.5, 0.3]), st.integers(1, 6))
def test_jacobi_and_gs_match_numpy_oracles(game, alpha, steps):
    p0 = game.initial_profile()
    res = solve_nash(game, damping=alpha, max_iter=steps, tol=1e-300 + 1e-30, detect_cycles=False)
    assume(res.status == "max_iter")
    np.testing.assert_allclose(res.p, jacobi_numpy(game.gains, game.noise, game.budgets, p0,
                                                   steps, alpha), atol=1e-9)
    gs = solve_nash(game, "gauss_seidel", max_iter=steps, tol=1e-30, detect_cycles=False,
                    order=list(range(game.K))[::-1])
    assume(gs.status == "max_iter")
    np.testing.assert_allclose(gs.p, gauss_seidel_numpy(game.gains, game.noise, game.budgets,
                                                        p0, steps, list(range(game.K))[::-1]),
                               atol=1e-9)


@given(contractive_games(), st.integers(0, 1000), st.integers(0, 4))
def test_async_kernel_matches_definition(game, seed, D):
    K = game.K
    sched = make_schedule(K, 20, p_update=0.6, max_delay=D, seed=seed)
    p0 = game.initial_profile()
    trace = np.empty(1)
    args = game._kernel_args()

    def run(kernel, split):
        hist = np.empty((D + 2, K, game.N))
        hist[0] = p0
        n = 0
        for n1 in (split, sched.n_ticks):       # two chunks: the ring carries over
            sel = (sched.ticks >= n) & (sched.ticks < n1)
            reached, _, done = kernel(*args, hist, n, n1, sched.ticks[sel], sched.users[sel],
                                      sched.delays[sel], 0, 0.0, trace)
            assert reached == n1 and not done
            n = n1
        return hist[n % (D + 2)].copy()

    out = run(async_run, 11)
    events = list(zip(sched.ticks.tolist(), sched.users.tolist(), sched.delays.tolist(),
                      strict=True))
    ref = async_numpy(game.gains, game.noise, game.budgets, p0, events, sched.n_ticks)
    np.testing.assert_allclose(out, ref, atol=1e-9)
    np.testing.assert_allclose(out, run(async_run.py_func, 5), rtol=1e-13, atol=1e-15)


def test_async_special_cases_equal_jacobi_and_gauss_seidel():
    game = random_game(3, 4, rho=0.9, seed=2)
    K, T = 3, 9
    jac = [(n, q, 0) for n in range(T) for q in range(K)]
    res = solve_nash(game, "async", events=jac, check_every=10**6, tol=1e-30)
    ref = solve_nash(game, "jacobi", max_iter=T, tol=1e-30, detect_cycles=False)
    np.testing.assert_allclose(res.p, ref.p, atol=1e-13)
    gs = [(n, n % K) for n in range(3 * K)]
    res = solve_nash(game, "async", events=gs, check_every=10**6, tol=1e-30)
    ref = solve_nash(game, "gauss_seidel", max_iter=3, tol=1e-30, detect_cycles=False)
    np.testing.assert_allclose(res.p, ref.p, atol=1e-13)


def test_delays_are_clipped_to_the_tick():
    game = random_game(2, 3, rho=0.5, seed=4)
    a = solve_nash(game, "async", events=[(0, 0, 7), (1, 1, 9)], tol=1e-30, check_every=99)
    b = solve_nash(game, "async", events=[(0, 0, 0), (1, 1, 1)], tol=1e-30, check_every=99)
    np.testing.assert_array_equal(a.p, b.p)


def test_seeded_schedule_is_reproducible():
    game = random_game(4, 4, rho=0.9, seed=3)
    a = solve_nash(game, "async", seed=7, delays=3, p_update=0.4)
    b = solve_nash(game, "async", seed=7, delays=3, p_update=0.4)
    np.testing.assert_array_equal(a.p, b.p)
    assert a.iterations == b.iterations and a.status == "converged"
    s1 = make_schedule(3, 50, p_update=0.3, max_delay=2, seed=1)
    rng = np.random.default_rng(np.random.SeedSequence(1))
    first = rng.random(3)
    d0 = rng.integers(0, 3, size=(3, 3))
    upd = np.flatnonzero(first < 0.3)
    assert s1.users[s1.ticks == 0].tolist() == upd.tolist()
    np.testing.assert_array_equal(s1.delays[: len(upd)], d0[upd])


# ---------------------------------------------------------------- reference games (b.3)
@no_guarantee
def test_ping_pong():
    game = ping_pong_game(2.0)
    assert game.spectral_radius() == pytest.approx(2.0)
    eq = enumerate_equilibria(game)
    assert eq.equilibria.shape[0] == 3 and not eq.continua
    found = sorted(tuple(np.round(e, 12).ravel()) for e in eq.equilibria)
    assert found == [(0.0, 1.0, 1.0, 0.0), (0.5, 0.5, 0.5, 0.5), (1.0, 0.0, 0.0, 1.0)]
    start = [[1.0, 0.0], [1.0, 0.0]]
    with pytest.warns(NoGuaranteeWarning):
        jac = solve_nash(game, p0=start)
    assert jac.status == "cycling" and jac.cycle_period == 2 and not jac.converged
    assert jac.residual == 1.0 and jac.orbit.shape == (2, 2, 2)
    assert {tuple(o.ravel()) for o in jac.orbit} == {(1.0, 0.0, 1.0, 0.0), (0.0, 1.0, 0.0, 1.0)}
    gs = solve_nash(game, "gauss_seidel", p0=start)
    assert gs.status == "converged" and gs.iterations == 2
    assert gs.p.tolist() in ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])
    damped = solve_nash(game, damping=0.5, p0=start)
    assert damped.status == "converged" and damped.p.tolist() == [[0.5, 0.5], [0.5, 0.5]]
    slow = solve_nash(game, damping=0.5, p0=[[0.6, 0.4], [0.5, 0.5]], tol=1e-12)
    assert slow.status == "converged" and slow.iterations == 42
    np.testing.assert_allclose(slow.p, [[1.0, 0.0], [0.0, 1.0]], atol=1e-11)
    asy = solve_nash(game, "async", seed=3, p0=start)
    assert asy.status == "converged"
    assert asy.p.tolist() in ([[0.0, 1.0], [1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]])


@no_guarantee
def test_rho_one_continuum_is_never_unique():
    game = ping_pong_game(1.0)
    assert game.spectral_radius() == pytest.approx(1.0)
    assert not game.contraction_certificate().certified
    eq = enumerate_equilibria(game)
    assert not eq.unique and eq.continua
    c = eq.continua[0]
    assert np.max(np.abs(c.point - c.other)) > 0.1 and c.dimension >= 1
    for t in (-0.5, -0.2, 0.0, 0.3, 0.5):
        p = np.array([[0.5 + t, 0.5 - t], [0.5 - t, 0.5 + t]])
        assert game.ne_residual(p) <= 1e-15 and oracle_residual(game, p) <= 1e-9
    a = solve_nash(game, p0=[[0.7, 0.3], [0.3, 0.7]])
    b = solve_nash(game, p0=[[0.5, 0.5], [0.5, 0.5]])
    assert a.converged and b.converged and not np.allclose(a.p, b.p)


@no_guarantee
def test_cyclic_15_unique_ne_but_iwf_cycles():
    game = cyclic_game(1.5, 0.0)
    eq = enumerate_equilibria(game)
    assert eq.unique
    np.testing.assert_allclose(eq.equilibria[0], np.full((3, 2), 0.5), atol=1e-12)
    for schedule in ("jacobi", "gauss_seidel"):
        res = solve_nash(game, schedule, p0=P0_CYCLIC3)
        assert res.status == "cycling" and res.cycle_period >= 2 and res.residual > 0.5
    loc = local_step_analysis(game, eq.equilibria[0])
    assert loc.alpha_star == pytest.approx(2 / 7, abs=1e-12)
    assert loc.spectral_radius == pytest.approx(1.5)


@no_guarantee
def test_cyclic_15_damping_threshold():
    game = cyclic_game(1.5, 0.0)
    ok = solve_nash(game, damping=0.2, p0=P0_CYCLIC3, tol=5e-12, max_iter=5000)
    assert ok.status == "converged" and abs(ok.iterations - 1650) <= 2
    np.testing.assert_allclose(ok.p, 0.5, atol=1e-10)
    for alpha in (0.29, 0.5):
        bad = solve_nash(game, damping=alpha, p0=P0_CYCLIC3, max_iter=3000)
        assert bad.status != "converged" and bad.residual > 0.1


@pytest.mark.slow
@no_guarantee
def test_cyclic_15_alpha_just_below_threshold_converges():
    res = solve_nash(cyclic_game(1.5, 0.0), damping=0.28, p0=P0_CYCLIC3, tol=1e-12,
                     max_iter=30000)
    assert res.status == "converged" and 15000 < res.iterations < 25000
    bad = solve_nash(cyclic_game(1.5, 0.0), damping=0.29, p0=P0_CYCLIC3, max_iter=30000)
    assert bad.status != "converged"


@no_guarantee
def test_cyclic_3_no_constant_damping_converges():
    game = cyclic_game(3.0, 0.1)
    eq = enumerate_equilibria(game)
    assert eq.unique
    loc = local_step_analysis(game, eq.equilibria[0])
    assert loc.alpha_star == 0.0 and not loc.converges_locally(0.01)
    res = solve_nash(game, damping=0.1, p0=P0_CYCLIC3, max_iter=5000)
    assert res.status != "converged" and res.residual == pytest.approx(0.56, abs=0.02)
    for alpha in (0.02, 0.3, 1.0):
        assert not solve_nash(game, damping=alpha, p0=P0_CYCLIC3, max_iter=2000).converged


def test_cyclic_06_03_iteration_counts():
    game = cyclic_game(0.6, 0.3)
    gs = solve_nash(game, "gauss_seidel", p0=P0_CYCLIC3, tol=1e-12)
    jac = solve_nash(game, p0=P0_CYCLIC3, tol=1e-12)
    half = solve_nash(game, damping=0.5, p0=P0_CYCLIC3, tol=1e-12)
    assert gs.iterations == 36 and abs(jac.iterations - 248) <= 1 and abs(half.iterations - 84) <= 1
    for r in (gs, jac, half):
        np.testing.assert_allclose(r.p, 0.5, atol=1e-11)


def test_diminishing_damping_and_callable():
    game = random_game(3, 3, rho=0.6, seed=8)
    ne = solve_nash(game, tol=1e-14).p
    dim = solve_nash(game, damping="diminishing", max_iter=4000, tol=1e-9)
    assert dim.status == "converged"
    np.testing.assert_allclose(dim.p, ne, atol=1e-8)
    cal = solve_nash(game, damping=lambda n: 0.5, tol=1e-12)
    ref = solve_nash(game, damping=0.5, tol=1e-12)
    np.testing.assert_array_equal(cal.p, ref.p)


def test_measurement_noise_with_averaging():
    game = random_game(3, 4, rho=0.7, seed=9)
    ne = solve_nash(game, tol=1e-14).p
    noisy = solve_nash(game, damping=0.5, measurement_noise=0.2, seed=1, max_iter=300)
    avg = solve_nash(game, damping="diminishing", measurement_noise=0.2, seed=1, max_iter=3000)
    assert noisy.status == "max_iter" and avg.status == "max_iter"
    assert np.max(np.abs(avg.p - ne)) < np.max(np.abs(noisy.p - ne))
    again = solve_nash(game, damping=0.5, measurement_noise=0.2, seed=1, max_iter=300)
    np.testing.assert_array_equal(noisy.p, again.p)
    # the trace is the true residual of each iterate
    assert noisy.trace.shape == (300,) and noisy.trace[-1] > 0


def test_result_is_frozen_and_serialises():
    res = solve_nash(cyclic_game(0.6, 0.3), "gauss_seidel")
    with pytest.raises(AttributeError):
        res.status = "x"
    with pytest.raises(ValueError):
        res.p[0, 0] = 1.0
    d = res.to_dict()
    assert d["status"] == "converged" and d["trace_kind"] == "step" and d["orbit"] is None
    assert "converged" in repr(res) and res.converged


def test_gauss_seidel_order_matters_but_both_converge():
    game = random_game(4, 3, rho=0.9, seed=12)
    a = solve_nash(game, "gauss_seidel", order=[3, 2, 1, 0], tol=1e-13)
    b = solve_nash(game, "gauss_seidel", tol=1e-13)
    assert a.converged and b.converged
    np.testing.assert_allclose(a.p, b.p, atol=1e-11)


def test_schedule_objects():
    s = AsyncSchedule.from_events(2, [(0, 0), (3, 1, [0, 2])], n_ticks=10)
    assert s.n_ticks == 10 and s.max_delay == 2 and s.to_dict()["users"] == [0, 1]
    with pytest.raises(ValueError):
        s.ticks[0] = 5


def test_seeded_async_equals_explicit_make_schedule():
    game = random_game(3, 3, rho=0.95, seed=6)
    a = solve_nash(game, "async", seed=5, delays=4, p_update=0.3, max_iter=60, tol=1e-30)
    sched = make_schedule(3, 60, p_update=0.3, max_delay=4, seed=5)
    b = solve_nash(game, "async", events=sched, tol=1e-30)
    assert a.status == b.status == "max_iter" and a.iterations == b.iterations == 60
    np.testing.assert_array_equal(a.p, b.p)
    np.testing.assert_array_equal(a.trace, b.trace)


def test_deterministic_async_variants():
    game = random_game(3, 4, rho=0.8, seed=21)
    K = game.K
    rr = solve_nash(game, "async", events=AsyncSchedule.round_robin(K, 3 * K), tol=1e-30,
                    check_every=10**6)
    gs = solve_nash(game, "gauss_seidel", max_iter=3, tol=1e-30, detect_cycles=False)
    np.testing.assert_allclose(rr.p, gs.p, atol=1e-13)
    sj = solve_nash(game, "async", events=AsyncSchedule.stale_jacobi(K, 4), tol=1e-30,
                    check_every=10**6)
    jac = solve_nash(game, max_iter=4, tol=1e-30, detect_cycles=False)
    np.testing.assert_allclose(sj.p, jac.p, atol=1e-13)
    # stale Jacobi with delay D and round robin with delays both converge at rho < 1
    ne = solve_nash(game, tol=1e-14).p
    for sched in (AsyncSchedule.stale_jacobi(K, 400, delay=3),
                  AsyncSchedule.round_robin(K, 1200, delay=4)):
        res = solve_nash(game, "async", events=sched, tol=1e-12)
        assert res.converged
        np.testing.assert_allclose(res.p, ne, atol=1e-10)


def test_async_convergence_on_a_chunk_boundary_is_detected():
    game = random_game(2, 2, rho=0.3, seed=1)
    sched = AsyncSchedule.stale_jacobi(2, 200)
    first = solve_nash(game, "async", events=sched, check_every=1, tol=1e-12)
    assert first.converged
    T = first.iterations                     # the first tick whose residual is within tol
    hist = np.empty((2, 2, 2))
    hist[0] = game.initial_profile()
    sel = sched.ticks < T
    reached, nchk, done = async_run(*game._kernel_args(), hist, 0, T, sched.ticks[sel],
                                    sched.users[sel], sched.delays[sel], 1, first.tol,
                                    np.empty(T + 1))
    assert done and reached == T and nchk == T
    np.testing.assert_array_equal(hist[T % 2], first.p)


@given(contractive_games(), st.sampled_from(["jacobi", "gauss_seidel", "async"]),
       st.sampled_from([1e-2, 1e-4, 1e-8]))
def test_certified_error_bound_holds(game, schedule, tol):
    ne = solve_nash(game, "gauss_seidel", tol=1e-14).p
    kw = {"seed": 0, "delays": 1} if schedule == "async" else {}
    res = solve_nash(game, schedule, tol=tol, **kw)
    assert np.isfinite(res.error_bound)
    assert np.max(np.abs(res.p - ne)) <= res.error_bound * (1 + 1e-9) + 1e-13


@no_guarantee
def test_no_error_bound_without_certificate():
    res = solve_nash(ping_pong_game(1.0), p0=[[0.7, 0.3], [0.3, 0.7]])
    assert res.converged and np.isnan(res.error_bound)
