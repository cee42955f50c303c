"""Experiments used by the engine's tests (importable by worker processes as
``tests.experiments.exp_helpers``)."""

from __future__ import annotations

import time

import numpy as np

from mechkit.experiments import experiment

#: Tasks of ``test.fixable`` fail while this is True (only meaningful in-process).
BROKEN = {"on": True}


@experiment(name="test.draws", params={"a": 1, "b": 0.5, "tag": "x", "flag": False},
            index=("step",))
def draws(params, rng):
    """Variable-length rows of random draws of several types."""
    n = 1 + params["a"] % 3
    out = []
    for step in range(n):
        out.append({"step": step, "u": float(rng.random()) * params["b"],
                    "k": int(rng.integers(0, 1000)), "hit": bool(rng.random() < 0.5),
                    "label": f"{params['tag']}{step}"})
    return out


@experiment(name="test.flaky", params={"a": 1})
def flaky(params, rng):
    """Fails on every seed drawing a small first number."""
    x = float(rng.random())
    if x < 0.3:
        raise ValueError(f"unlucky draw {x:.3f}")
    return {"x": x, "a2": params["a"] * 2}


@experiment(name="test.fixable", params={"a": 1})
def fixable(params, rng):
    """Fails for odd a while BROKEN['on']."""
    if BROKEN["on"] and params["a"] % 2:
        raise RuntimeError("broken for odd a")
    return {"x": float(rng.random())}


@experiment(name="test.slow", params={"delay": 0.01, "a": 0})
def slow(params, rng):
    """Sleeps, then returns a draw."""
    time.sleep(params["delay"])
    return [{"x": float(rng.random())}, {"x": float(rng.standard_normal())}]


@experiment(name="test.shapes", params={"a": 0})
def shapes(params, rng):
    """Returns no row, a dict, numpy scalars or an invalid row depending on a."""
    a = params["a"]
    if a == 0:
        return []
    if a == 1:
        return {"v": np.float64(rng.random()), "n": np.int32(3), "ok": np.bool_(True)}
    if a == 2:
        return {"v": np.zeros(3)}
    if a == 3:
        return {"a": 1.0}
    return 42


@experiment(name="test.trivial", params={"a": 0})
def trivial(params, rng):
    """One draw."""
    return {"x": float(rng.random())}


@experiment(name="test.hetero", params={"a": 0})
def hetero(params, rng):
    """Rows whose columns differ between tasks (missing values of every type)."""
    kind = int(rng.integers(0, 6))
    row = {"x": float(rng.random())}
    if kind == 0:
        row["flag"] = bool(rng.random() < 0.5)
    elif kind == 1:
        row["cnt"] = int(rng.integers(0, 9))
    elif kind == 2:
        row["name"] = "abc"
    elif kind == 3:
        row["maybe"] = None
    elif kind == 4:
        row["cnt"] = 0.5
    return [row] * (1 + kind % 2)


@experiment(name="test.clash", params={"a": 0})
def clash(params, rng):
    """Column 'v' is a string for a == 1 and a number otherwise."""
    return {"v": "x" if params["a"] == 1 else 1}
