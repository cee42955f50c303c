"""Standard causal-discovery baselines through causal-learn, run on the pooled rows.

The paper compares causal de Finetti with methods that ignore the environment structure:
they get all ``n_env * m`` rows pooled (CD-NOD also gets the environment index as its
context variable).  These wrappers run causal-learn's implementations (the ``causal``
extra: ``pip install "mechkit[causal]"``) and return one result type,
:class:`BaselineResult`, so that their graphs can be scored by :func:`~mechkit.causal.shd`
and :func:`~mechkit.causal.normalised_shd` beside :func:`~mechkit.causal.discover`.

========= ======================================== ======================== ==========
name      causal-learn call                         uses                     identifies
========= ======================================== ======================== ==========
pc        ``search.ConstraintBased.PC.pc``         CI test, ``alpha``       CPDAG
fci       ``search.ConstraintBased.FCI.fci``       CI test, ``alpha``       PAG
ges       ``search.ScoreBased.GES.ges``            score (BIC / BDeu)       CPDAG
cdnod     ``search.ConstraintBased.CDNOD.cdnod``   CI test, ``alpha``,      CPDAG (+ changing
                                                   environment index        mechanisms)
========= ======================================== ======================== ==========

What a method can identify bounds what it can get right: from pooled i.i.d.-looking rows,
PC and GES can at best return the Markov equivalence class of the DAG (a CPDAG: edges
whose direction is not determined stay undirected), FCI the PAG (circle endpoints where
a mark is not determined, allowing latent confounders).  CD-NOD adds the context node
``C`` (the environment index): edges ``C -> X_i`` mark variables whose mechanism changes,
and orient further edges; its graph over the variables is still a partially directed
graph.  :func:`~mechkit.causal.discover` instead identifies the DAG itself
(``identifies = "DAG"``).

**The environment index as a context variable.**  causal-learn treats the context as a
numeric column: with ``fisher_z`` it looks for *linear trends* in the index, with ``kci``
for smooth changes.  Environments here are exchangeable (their parameters are i.i.d.), so
neither sees the between-environment variation unless the tests can use the index as a
label; this is the paper's protocol, and why CD-NOD is near chance in its Fig. 3.

causal-learn's progress bars and prints are silenced (``show_progress=False``, and
``stdout``/``stderr`` are captured during the call); its warnings are re-raised as
Python warnings, except tqdm's notice about notebook progress bars (they are off).

Examples
--------
>>> from mechkit.causal import named_dag, simulate_gaussian, shd
>>> from mechkit.causal.baselines import run_baseline
>>> sim = simulate_gaussian(named_dag("collider3"), 2000, seed=0)
>>> res = run_baseline(sim.data, "pc")
>>> res.identifies, res.directed_edges, res.undirected_edges
('CPDAG', ((0, 2), (1, 2)), ())
>>> shd(sim.dag, res)
0
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import networkx as nx
import numpy as np
from numpy.typing import NDArray

from mechkit._optional import import_optional
from mechkit._validate import check_choice
from mechkit.causal.bivariate import check_alpha
from mechkit.causal.citests import CITestResult, Node, Oracle, _check_query
from mechkit.causal.data import as_exchangeable
from mechkit.errors import InvalidInputError
from mechkit.registry import Registry

__all__ = [
    "BASELINES",
    "MARKS",
    "BaselineResult",
    "CausalLearnTester",
    "pooled_rows",
    "run_baseline",
]

#: Endpoint marks of a mixed graph (causal-learn's codes -1, 1, 2).
MARKS = ("tail", "arrow", "circle")
_CODE = {-1: "tail", 1: "arrow", 2: "circle"}
_SYMBOL = {"tail": "-", "arrow": ">", "circle": "o"}

#: Baselines by name; metadata: what the method identifies and what it uses.
BASELINES: Registry[str] = Registry("baseline")
BASELINES.register("pc", "causallearn.search.ConstraintBased.PC", identifies="CPDAG", uses="ci_test")
BASELINES.register("fci", "causallearn.search.ConstraintBased.FCI", identifies="PAG", uses="ci_test")
BASELINES.register("ges", "causallearn.search.ScoreBased.GES", identifies="CPDAG", uses="score")
BASELINES.register("cdnod", "causallearn.search.ConstraintBased.CDNOD", identifies="CPDAG",
                   uses="ci_test + environment index")

#: mechkit CI-test names -> causal-learn ``CIT`` method names.
CAUSALLEARN_TESTS = MappingProxyType({"fisher_z": "fisherz", "g_test": "gsq", "kci": "kci",
                                      "rcit": "rcit", "chisq": "chisq"})
_SCORES = MappingProxyType({"bic": "local_score_BIC", "bdeu": "local_score_BDeu"})


@dataclass(frozen=True)
class BaselineResult:
    """A partially directed graph from a baseline method.

    Attributes
    ----------
    method : str
        ``"pc"``, ``"fci"``, ``"ges"`` or ``"cdnod"``.
    identifies : str
        What the method can identify at best: ``"CPDAG"`` or ``"PAG"``.
    edges : tuple of (u, v, mark_u, mark_v)
        Every adjacency once (``u < v``) with the endpoint marks at ``u`` and at ``v``
        (``"tail"``, ``"arrow"`` or ``"circle"``): ``u -> v`` is ``("tail", "arrow")``.
    d : int
        Number of variables.
    names : tuple of str
        Variable names.
    changing : tuple of int
        CD-NOD only: variables adjacent to the context node (mechanisms that change with
        the environment index); empty for the other methods.
    n_rows : int
        Pooled rows the method saw.
    metadata : mapping
        Test or score, ``alpha``, the causal-learn version.
    """

    method: str
    identifies: str
    edges: tuple[tuple[int, int, str, str], ...]
    d: int
    names: tuple[str, ...]
    changing: tuple[int, ...] = ()
    n_rows: int = 0
    metadata: Any = field(default_factory=lambda: MappingProxyType({}))

    @property
    def directed_edges(self) -> tuple[tuple[int, int], ...]:
        """Fully directed edges ``u -> v`` (tail at u, arrowhead at v), sorted."""
        out = []
        for u, v, mu, mv in self.edges:
            if (mu, mv) == ("tail", "arrow"):
                out.append((u, v))
            elif (mu, mv) == ("arrow", "tail"):
                out.append((v, u))
        return tuple(sorted(out))

    @property
    def undirected_edges(self) -> tuple[tuple[int, int], ...]:
        """Adjacencies whose direction is not determined (every non-``-->`` edge), ``u < v``."""
        return tuple(sorted((u, v) for u, v, mu, mv in self.edges
                            if {mu, mv} != {"tail", "arrow"}))

    @property
    def graph(self) -> nx.DiGraph:
        """The graph in the adjacency-matrix convention of pcalg / causal-learn.

        ``u -> v`` for a directed edge; both ``u -> v`` and ``v -> u`` for every other
        adjacency (undirected, bidirected or with a circle endpoint).  Every edge carries
        ``marks = (mark at its source, mark at its target)``.
        """
        g = nx.DiGraph()
        g.add_nodes_from(range(self.d))
        for u, v, mu, mv in self.edges:
            if (mu, mv) != ("arrow", "tail"):
                g.add_edge(u, v, marks=(mu, mv))
            if (mu, mv) != ("tail", "arrow"):
                g.add_edge(v, u, marks=(mv, mu))
        return g

    @property
    def is_dag(self) -> bool:
        """True when every edge is directed (the graph is then a DAG)."""
        return not self.undirected_edges and nx.is_directed_acyclic_graph(self.graph)

    def to_dict(self) -> dict[str, Any]:
        """Plain-dict form."""
        return {"method": self.method, "identifies": self.identifies, "d": self.d,
                "names": list(self.names), "edges": [list(e) for e in self.edges],
                "changing": list(self.changing), "n_rows": self.n_rows,
                "metadata": dict(self.metadata)}

    def __repr__(self) -> str:
        def show(u: int, v: int, mu: str, mv: str) -> str:
            left = "<" if mu == "arrow" else _SYMBOL[mu]
            return f"{self.names[u]} {left}-{_SYMBOL[mv]} {self.names[v]}"

        body = ", ".join(show(*e) for e in self.edges) or "no edges"
        extra = f"; changing: {[self.names[i] for i in self.changing]}" if self.method == "cdnod" else ""
        return f"BaselineResult({self.method}, {self.identifies}: {body}{extra})"


def pooled_rows(data: Any) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """All samples of all environments as rows, with the environment index of each row.

    Parameters
    ----------
    data : ExchangeableData or array_like
        ``(n_env, m, d)`` data.

    Returns
    -------
    rows : numpy.ndarray
        ``(n_env * m, d)``, environment-major.
    env : numpy.ndarray
        ``(n_env * m,)`` float environment index ``0..n_env-1``.

    Examples
    --------
    >>> import numpy as np
    >>> rows, env = pooled_rows(np.arange(24.0).reshape(4, 2, 3))
    >>> rows.shape, env.tolist()
    ((8, 3), [0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0])
    """
    ex = as_exchangeable(data)
    n, m, d = ex.values.shape
    rows = np.ascontiguousarray(ex.values.reshape(n * m, d))
    env = np.repeat(np.arange(n, dtype=np.float64), m)
    return rows, env


def _check_rows(rows: NDArray[np.float64], test: str | None) -> None:
    const = np.all(rows == rows[0], axis=0)
    if const.any():
        raise InvalidInputError(
            f"data: variable {int(np.argmax(const))} is constant over the pooled rows")
    if test in ("g_test", "chisq") and not np.all(rows == np.round(rows)):
        raise InvalidInputError(
            f"test: {test} needs integer codes (discrete data); got non-integer values "
            "-- use fisher_z or kci for continuous data")
    if test == "fisher_z":
        corr = np.corrcoef(rows, rowvar=False)
        evals = np.linalg.eigvalsh(np.atleast_2d(corr))
        if evals[0] <= 1e-10 * max(1.0, float(evals[-1])):
            raise InvalidInputError(
                "data: the correlation matrix of the pooled rows is singular (smallest eigenvalue "
                f"{evals[0]:.3g}): some variables are exactly collinear")


@contextlib.contextmanager
def _quiet() -> Any:
    """Capture causal-learn's prints and progress bars; re-raise its warnings."""
    with warnings.catch_warnings(record=True) as caught, \
            contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        warnings.simplefilter("always")
        yield
    for w in caught:
        if w.category.__name__ == "TqdmWarning":  # about notebook progress bars, which are off
            continue
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _marks(amat: NDArray[Any], d: int) -> tuple[tuple[int, int, str, str], ...]:
    """causal-learn's endpoint matrix (``amat[i, j]`` = mark at ``i`` of edge i-j) -> edges."""
    out = []
    for u in range(d):
        for v in range(u + 1, d):
            mu, mv = int(amat[u, v]), int(amat[v, u])
            if mu == 0 and mv == 0:
                continue
            if mu not in _CODE or mv not in _CODE:
                raise RuntimeError(f"causal-learn returned an unknown endpoint code ({mu}, {mv})")
            out.append((u, v, _CODE[mu], _CODE[mv]))
    return tuple(out)


def run_baseline(data: Any, method: str = "pc", *, test: str = "fisher_z", alpha: float = 0.05,
                 score: str = "bic", names: Sequence[str] | None = None) -> BaselineResult:
    """Run a causal-learn baseline on the pooled rows of exchangeable data.

    Parameters
    ----------
    data : ExchangeableData or array_like
        ``(n_env, m, d)`` data; the method sees the ``n_env * m`` pooled rows (CD-NOD also
        the environment index of each row, as its context variable).
    method : {"pc", "fci", "ges", "cdnod"}, default "pc"
        The baseline (see the module table).
    test : {"fisher_z", "g_test", "chisq", "kci", "rcit"}, default "fisher_z"
        CI test of the constraint-based methods (causal-learn's ``fisherz``, ``gsq``,
        ``chisq``, ``kci``, ``rcit``); ``g_test`` and ``chisq`` need integer data.
    alpha : float, default 0.05
        Level of the CI tests.
    score : {"bic", "bdeu"}, default "bic"
        GES score (linear-Gaussian BIC, or BDeu for discrete data).
    names : sequence of str, optional
        Variable names.

    Returns
    -------
    BaselineResult

    Raises
    ------
    InvalidInputError
        For 2-D pooled input (the environment axis is required), constant or collinear
        columns, continuous data with ``g_test``/``chisq``/``bdeu``, or ``alpha`` outside (0, 1).
    MissingDependencyError
        When causal-learn is not installed.

    Examples
    --------
    >>> from mechkit.causal import simulate_gaussian
    >>> sim = simulate_gaussian([(0, 1)], 1000, d=2, seed=0)
    >>> res = run_baseline(sim.data, "cdnod")
    >>> res.identifies, res.undirected_edges     # one edge; pooled rows cannot orient it
    ('CPDAG', ((0, 1),))
    """
    check_choice(method, "method", BASELINES.names())
    check_choice(test, "test", tuple(CAUSALLEARN_TESTS))
    check_choice(score, "score", tuple(_SCORES))
    a = check_alpha(alpha)
    ex = as_exchangeable(data, names=names)
    rows, env = pooled_rows(ex)
    uses = BASELINES.metadata(method)["uses"]
    _check_rows(rows, test if uses != "score" else ("g_test" if score == "bdeu" else "fisher_z"))
    d = ex.d
    import_optional("causallearn", extra="causal")
    from importlib.metadata import version as _version

    version = _version("causal-learn")
    cl_test = CAUSALLEARN_TESTS[test]
    meta: dict[str, Any] = {"causal_learn": version}
    changing: tuple[int, ...] = ()
    with _quiet():
        if method == "pc":
            from causallearn.search.ConstraintBased.PC import pc

            amat = pc(rows, a, cl_test, show_progress=False, verbose=False).G.graph
        elif method == "fci":
            from causallearn.search.ConstraintBased.FCI import fci

            amat = fci(rows, cl_test, a, show_progress=False, verbose=False)[0].graph
        elif method == "ges":
            from causallearn.search.ScoreBased.GES import ges

            amat = ges(rows, score_func=_SCORES[score])["G"].graph
        else:
            from causallearn.search.ConstraintBased.CDNOD import cdnod

            full = cdnod(rows, env[:, None], a, cl_test, show_progress=False, verbose=False).G.graph
            changing = tuple(i for i in range(d) if full[i, d] != 0 or full[d, i] != 0)
            amat = full[:d, :d]
    if uses == "score":
        meta["score"] = score
    else:
        meta.update({"test": test, "causal_learn_test": cl_test, "alpha": a})
    if method == "cdnod":
        meta["context"] = "environment index (numeric column)"
    return BaselineResult(method, str(BASELINES.metadata(method)["identifies"]),
                          _marks(np.asarray(amat), d), d, ex.names, changing, int(rows.shape[0]),
                          MappingProxyType(meta))


class CausalLearnTester(Oracle):
    """Query-level CI calls answered by causal-learn's ``CIT`` on the two-sample design.

    The design has columns ``(i, s)`` = variable ``i`` of sample ``s`` (``s = 0, 1``), one
    row per environment, exactly as :func:`~mechkit.causal.make_tester` builds it, so
    ``discover(CausalLearnTester(data))`` runs the causal de Finetti algorithm on
    causal-learn's tests (the side-by-side baseline of the benchmarks).

    Parameters
    ----------
    data : ExchangeableData or array_like
        ``(n_env, m, d)`` data (the first two samples are used).
    test : {"fisher_z", "g_test", "chisq", "kci", "rcit"}, default "fisher_z"
        causal-learn CIT method (``fisherz``, ``gsq``, ``chisq``, ``kci``, ``rcit``).
    **options
        Passed to causal-learn's ``CIT`` (e.g. ``approx=True`` for KCI).

    Examples
    --------
    >>> from mechkit.causal import discover, named_dag, simulate_gaussian
    >>> sim = simulate_gaussian(named_dag("chain3"), 3000, seed=1)
    >>> tester = CausalLearnTester(sim.data)
    >>> sorted(discover(tester).graph.edges) == sorted(discover(sim.data).graph.edges)
    True
    """

    def __init__(self, data: Any, test: str = "fisher_z", **options: Any) -> None:
        check_choice(test, "test", tuple(CAUSALLEARN_TESTS))
        ex = as_exchangeable(data)
        n, _, d = ex.values.shape
        self.d = d
        self.names = ex.names
        self.calls = 0
        self.name = f"causal-learn {CAUSALLEARN_TESTS[test]}"
        design = np.ascontiguousarray(ex.values[:, :2, :].reshape(n, 2 * d))
        _check_rows(design, test)
        import_optional("causallearn", extra="causal")
        from causallearn.utils.cit import CIT

        with _quiet():
            self.cit = CIT(design, CAUSALLEARN_TESTS[test], **options)
        self.n = n

    def test(self, x: Node, y: Node, z: Sequence[Node] = ()) -> CITestResult:
        """causal-learn's p-value of ``x _||_ y | z`` (nodes are ``(variable, sample)``)."""
        xs, ys, zs = _check_query(x, y, z, self.d, 2)
        self.calls += 1

        def col(v: Node) -> int:
            return v[1] * self.d + v[0]

        p = float(self.cit(col(xs), col(ys), [col(v) for v in zs]))
        return CITestResult(self.name, float("nan"), p, self.n, None,
                            MappingProxyType({"backend": "causal-learn"}))
