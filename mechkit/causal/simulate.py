"""Seeded ICM simulators: every environment draws its mechanism parameters once.

* :func:`simulate_gaussian` -- linear-Gaussian random intercepts over any DAG,
  ``X_i = sum_p w_pi X_p + mu_{e,i} + eps``, ``mu_{e,i} ~ N(0, s_i^2)``, unit noise.
* :func:`simulate_paper_bivariate` -- the paper's Fig. 3 continuous DGP (Laplace
  mechanisms with uniform means, a nonlinear term in a random half of the environments).
* :func:`simulate_binary_xor` -- the paper's Fig. 4 binary DGP over any DAG,
  ``theta_{e,i} ~ Beta(1, 3)``, ``X_i = Bern(theta_{e,i}) XOR prod_{p in pa(i)} X_p``.

Each returns a :class:`Simulation` (``data``, the true ``dag`` and a ``structure``
label).  ``iid=True`` makes every mechanism parameter constant across environments: the
negative control, from which no direction is identifiable.

Examples
--------
>>> sim = simulate_gaussian([(0, 1)], n_env=100, seed=0)
>>> sim.data.values.shape, sim.structure
((100, 2, 2), 'X->Y')
>>> simulate_gaussian([(0, 1), (1, 0)], n_env=10)
Traceback (most recent call last):
...
mechkit.errors.InvalidInputError: dag: must be acyclic; found the cycle 0 -> 1 -> 0
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import ArrayLike

from mechkit._validate import as_float_array, check_choice, check_int, check_positive
from mechkit.causal.data import ExchangeableData
from mechkit.causal.graphs import as_dag
from mechkit.errors import InvalidInputError
from mechkit.random import SeedLike, as_generator

__all__ = [
    "DEFAULT_SPREAD",
    "STRUCTURES",
    "Simulation",
    "simulate_binary_xor",
    "simulate_gaussian",
    "simulate_paper_bivariate",
]

#: Default between-environment spreads (cycled over the variables), as in the design note.
DEFAULT_SPREAD = (1.0, 0.5, 1.5, 0.7, 1.2)

#: Bivariate structure labels.
STRUCTURES = ("X->Y", "Y->X", "none")


@dataclass(frozen=True)
class Simulation:
    """Simulated data plus its ground truth.

    Attributes
    ----------
    data : ExchangeableData
        The samples.
    dag : networkx.DiGraph
        The true DAG.
    structure : str
        ``"X->Y"``, ``"Y->X"`` or ``"none"`` for two variables, otherwise ``"dag"``.
    params : dict
        The generator's parameters (weights, spreads, coefficients).
    """

    data: ExchangeableData
    dag: nx.DiGraph
    structure: str
    params: dict[str, Any]

    def __repr__(self) -> str:
        return f"Simulation({self.structure}, edges={sorted(self.dag.edges)}, {self.data!r})"


def _structure(g: nx.DiGraph) -> str:
    if g.number_of_nodes() != 2:
        return "dag"
    if g.has_edge(0, 1):
        return "X->Y"
    if g.has_edge(1, 0):
        return "Y->X"
    return "none"


def _varying(varying: Iterable[int] | None, d: int, iid: bool) -> set[int]:
    if iid:
        if varying is not None:
            raise InvalidInputError("varying: must be None when iid=True (nothing varies)")
        return set()
    if varying is None:
        return set(range(d))
    try:
        items = list(varying)
    except TypeError:
        raise InvalidInputError(
            f"varying: must be an iterable of variable indices; got {varying!r}") from None
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise InvalidInputError(f"varying: must hold integer variable indices; got {v!r}")
    out = {int(v) for v in items}
    if not out <= set(range(d)):
        raise InvalidInputError(f"varying: must be variables in 0..{d - 1}; got {sorted(out)}")
    return out


def simulate_gaussian(dag: Any, n_env: int, m: int = 2, *, spread: ArrayLike | None = None,
                      weights: float | ArrayLike = 1.0, noise: float = 1.0,
                      varying: Iterable[int] | None = None, iid: bool = False,
                      d: int | None = None, names: Sequence[str] | None = None,
                      seed: SeedLike = None) -> Simulation:
    """Linear-Gaussian random-intercept ICM process over ``dag``.

    ``X_{e,s,i} = sum_{p in pa(i)} W[p, i] X_{e,s,p} + mu_{e,i} + eps_{e,s,i}`` with
    ``mu_{e,i} ~ N(0, spread_i^2)`` drawn once per environment and
    ``eps ~ N(0, noise^2)`` drawn per sample.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of edges
        The DAG over ``0..d-1``.
    n_env : int
        Environments (>= 4).
    m : int, default 2
        Samples per environment.
    spread : array_like, optional
        Per-variable standard deviation of the random intercept (default
        :data:`DEFAULT_SPREAD` cycled).  Equal intra-class correlation (e.g. equal spreads
        in the bivariate case with unit weight) makes the direction non-identifiable.
    weights : float or (d, d) array_like, default 1.0
        Edge weights ``W[p, i]`` (a scalar applies to every edge).
    noise : float, default 1.0
        Within-environment noise standard deviation.
    varying : iterable of int, optional
        Only these mechanisms vary (the others get spread 0).
    iid : bool, default False
        No mechanism varies (negative control).
    d : int, optional
        Number of variables for an edge list with isolated nodes.
    names : sequence of str, optional
        Variable names.
    seed : seed-like, optional
        Random seed.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> s = simulate_gaussian([(0, 1)], 50, spread=[1.0, 0.5], seed=3)
    >>> s.params["spread"]
    [1.0, 0.5]
    """
    g = as_dag(dag, d)
    dd = g.number_of_nodes()
    n_env = check_int(n_env, "n_env", minimum=4)
    m = check_int(m, "m", minimum=2)
    noise = check_positive(noise, "noise")
    if spread is None:
        s = np.array([DEFAULT_SPREAD[i % len(DEFAULT_SPREAD)] for i in range(dd)])
    else:
        s = as_float_array(spread, "spread", shape=(dd,))
        if (s < 0).any():
            raise InvalidInputError(f"spread: must be >= 0; got {s.tolist()}")
    var = _varying(varying, dd, iid)
    s = np.array([s[i] if i in var else 0.0 for i in range(dd)])
    w_arr = np.asarray(weights, dtype=np.float64)
    if w_arr.ndim == 0:
        w = np.zeros((dd, dd))
        for u, v in g.edges:
            w[u, v] = float(w_arr)
    else:
        w = as_float_array(weights, "weights", shape=(dd, dd))
        for u in range(dd):
            for v in range(dd):
                if w[u, v] != 0 and not g.has_edge(u, v):
                    raise InvalidInputError(
                        f"weights: entry ({u}, {v}) is non-zero but {u} -> {v} is not an edge")
    rng = as_generator(seed)
    mu = rng.normal(size=(n_env, 1, dd)) * s
    eps = rng.normal(size=(n_env, m, dd)) * noise
    x = np.zeros((n_env, m, dd))
    for i in nx.topological_sort(g):
        x[:, :, i] = mu[:, :, i] + eps[:, :, i]
        for p in g.predecessors(i):
            x[:, :, i] += w[p, i] * x[:, :, p]
    params = {"spread": s.tolist(), "weights": w.tolist(), "noise": noise, "iid": iid}
    return Simulation(ExchangeableData(x, names=names), g, _structure(g), params)


def simulate_paper_bivariate(n_env: int, structure: str | None = None, m: int = 2, *,
                             iid: bool = False, seed: SeedLike = None) -> Simulation:
    """The paper's bivariate continuous DGP (Fig. 3).

    ``theta_{v,e} ~ U(-1, 1)``; ``N'_{v,e,s} ~ Laplace(theta_{v,e}, 1)``.  For X -> Y:
    ``X = N'_X``, ``Y = a N'_X + c N'_Y`` with ``a, c ~ U{1..9}``, and in a random half of
    the environments Y also gets ``k (a N'_X^2 + (c - 1) N'_Y^2)`` with ``k ~ U{1..9}``.
    Y -> X is the mirror image; ``"none"`` is ``X = N'_X, Y = N'_Y``.

    Parameters
    ----------
    n_env : int
        Environments.
    structure : {"X->Y", "Y->X", "none"}, optional
        The truth (default: uniform over the three, as in the paper).
    m : int, default 2
        Samples per environment.
    iid : bool, default False
        Use one theta for every environment (negative control).
    seed : seed-like, optional
        Random seed.

    Returns
    -------
    Simulation

    Examples
    --------
    >>> s = simulate_paper_bivariate(100, "Y->X", seed=0)
    >>> s.structure, sorted(s.dag.edges)
    ('Y->X', [(1, 0)])
    """
    n_env = check_int(n_env, "n_env", minimum=4)
    m = check_int(m, "m", minimum=2)
    rng = as_generator(seed)
    if structure is None:
        structure = STRUCTURES[int(rng.integers(0, 3))]
    check_choice(structure, "structure", STRUCTURES)
    a = int(rng.integers(1, 10))
    c = int(rng.integers(1, 10))
    k = int(rng.integers(1, 10))
    shape_theta = (1, 1) if iid else (n_env, 1)
    th_c = rng.uniform(-1, 1, size=shape_theta)
    th_e = rng.uniform(-1, 1, size=shape_theta)
    n_cause = rng.laplace(th_c, 1.0, size=(n_env, m))
    n_effect = rng.laplace(th_e, 1.0, size=(n_env, m))
    nonlinear = rng.random(n_env) < 0.5
    if structure == "none":
        x, y = n_cause, n_effect
        edges: list[tuple[int, int]] = []
    else:
        effect = a * n_cause + c * n_effect
        effect = effect + nonlinear[:, None] * k * (a * n_cause**2 + (c - 1) * n_effect**2)
        if structure == "X->Y":
            x, y, edges = n_cause, effect, [(0, 1)]
        else:
            x, y, edges = effect, n_cause, [(1, 0)]
    vals = np.stack([x, y], axis=2)
    params = {"a": a, "c": c, "k": k, "iid": iid, "nonlinear_envs": int(nonlinear.sum())}
    return Simulation(ExchangeableData(vals), as_dag(edges, 2), structure, params)


def simulate_binary_xor(dag: Any, n_env: int, m: int = 2, *, beta: tuple[float, float] = (1.0, 3.0),
                        varying: Iterable[int] | None = None, iid: bool = False,
                        d: int | None = None, names: Sequence[str] | None = None,
                        seed: SeedLike = None) -> Simulation:
    """The paper's binary XOR ICM process (Fig. 4) over any DAG.

    ``theta_{e,i} ~ Beta(beta)`` per environment; a root is ``X_i = Bern(theta_{e,i})``; a
    node with parents is ``X_i = Bern(theta_{e,i}) XOR prod_{p in pa(i)} X_p``.

    Parameters
    ----------
    dag : networkx.DiGraph or sequence of edges
        The DAG.
    n_env : int
        Environments.
    m : int, default 2
        Samples per environment.
    beta : (float, float), default (1, 3)
        Beta parameters of the mechanism parameters.
    varying : iterable of int, optional
        Only these mechanisms vary (the others use one theta for all environments).
    iid : bool, default False
        No mechanism varies.
    d : int, optional
        Number of variables for an edge list with isolated nodes.
    names : sequence of str, optional
        Variable names.
    seed : seed-like, optional
        Random seed.

    Returns
    -------
    Simulation
        Values are 0.0 / 1.0.

    Examples
    --------
    >>> s = simulate_binary_xor([(0, 1), (1, 2)], 200, seed=0)
    >>> sorted(set(s.data.values.ravel().tolist()))
    [0.0, 1.0]
    """
    g = as_dag(dag, d)
    dd = g.number_of_nodes()
    n_env = check_int(n_env, "n_env", minimum=4)
    m = check_int(m, "m", minimum=2)
    if len(beta) != 2:
        raise InvalidInputError(f"beta: must be a pair (a, b); got {beta!r}")
    ba, bb = check_positive(beta[0], "beta[0]"), check_positive(beta[1], "beta[1]")
    var = _varying(varying, dd, iid)
    rng = as_generator(seed)
    theta = rng.beta(ba, bb, size=(n_env, dd))
    shared = rng.beta(ba, bb, size=dd)
    for i in range(dd):
        if i not in var:
            theta[:, i] = shared[i]
    x = np.zeros((n_env, m, dd), dtype=np.int64)
    for i in nx.topological_sort(g):
        own = (rng.random((n_env, m)) < theta[:, i][:, None]).astype(np.int64)
        parents = list(g.predecessors(i))
        if parents:
            prod = np.ones((n_env, m), dtype=np.int64)
            for p in parents:
                prod *= x[:, :, p]
            own ^= prod
        x[:, :, i] = own
    params = {"beta": (ba, bb), "iid": iid, "varying": sorted(var)}
    return Simulation(ExchangeableData(x.astype(np.float64), names=names), g, _structure(g), params)
