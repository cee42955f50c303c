import importlib
import re
import textwrap
import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import mechkit
import mechkit.experiments._registry as registry_mod
from mechkit.errors import InvalidInputError, UnknownNameError
from mechkit.experiments import EXPERIMENTS, experiment, get_experiment, list_experiments
from mechkit.experiments._registry import coerce_value
from tests.experiments import exp_helpers


def _f(params, rng):
    return {"x": 1}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"seed": 1}, "params: 'seed' is reserved for the engine"),
        ({"row": 1}, "params: 'row' is reserved"),
        ({"not valid": 1}, "params: names must be identifiers; got 'not valid'"),
        ({"x": [1, 2]}, "params: default of 'x' in experiment 'test.bad' must be a bool, int, float or str"),
        ({"x": float("nan")}, "params: default of 'x' in experiment 'test.bad' must be finite"),
        ({"x": None}, "must be a bool, int, float or str; got None"),
    ],
)
def test_bad_declarations(params, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(").replace("[", r"\[")):
        experiment(name="test.bad", params=params)
    assert "test.bad" not in EXPERIMENTS


def test_bad_name_and_index():
    with pytest.raises(InvalidInputError, match="name: must be a non-empty string"):
        experiment(name="  ")
    with pytest.raises(InvalidInputError, match="index: must name row columns"):
        experiment(name="test.bad", params={"a": 1}, index=("a",))


def test_numpy_defaults_become_python_scalars():
    experiment(name="test.np_defaults", params={"n": np.int64(3), "p": np.float32(0.5)})(_f)
    try:
        exp = get_experiment("test.np_defaults")
        assert type(exp.params["n"]) is int and type(exp.params["p"]) is float
        assert exp.description == ""
    finally:
        EXPERIMENTS.unregister("test.np_defaults")


def test_duplicate_name_from_another_function_is_refused():
    with pytest.raises(InvalidInputError, match=re.escape(
            "experiment 'test.draws' is already registered by tests.experiments.exp_helpers.draws")):
        experiment(name="test.draws")(_f)
    # re-registering the same function (a module re-import) is fine
    importlib.reload(exp_helpers)
    assert get_experiment("test.draws").func.__qualname__ == "draws"


def test_lookup_and_listing():
    exp = get_experiment("test.draws")
    assert dict(exp.params) == {"a": 1, "b": 0.5, "tag": "x", "flag": False}
    assert exp.index == ("step",)
    assert exp.description == "Variable-length rows of random draws of several types."
    assert "test.draws" in repr(exp)
    names = [e.name for e in list_experiments()]
    assert names == sorted(names) and "experiments.hedge_regret" in names
    with pytest.raises(UnknownNameError, match=r"unknown experiment 'nope'; known: .*test\.draws"):
        get_experiment("nope")


def test_discovery_imports_domain_experiments(tmp_path, monkeypatch):
    good = tmp_path / "fakedom"
    good.mkdir()
    (good / "__init__.py").write_text("")
    (good / "experiments.py").write_text(textwrap.dedent("""
        from mechkit.experiments import experiment

        @experiment(name="fakedom.one", params={"n": 2})
        def one(params, rng):
            '''A discovered experiment.'''
            return {"y": params["n"]}
    """))
    bad = tmp_path / "brokendom"
    bad.mkdir()
    (bad / "__init__.py").write_text("raise ImportError('half-built domain')\n")
    monkeypatch.setattr(mechkit, "__path__", [*mechkit.__path__, str(tmp_path)])
    monkeypatch.setattr("mechkit.tour.DOMAINS", ("fakedom", "brokendom", "absentdom"))
    monkeypatch.setattr(registry_mod, "_DISCOVERED", False)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            exp = get_experiment("fakedom.one")
        assert exp.params["n"] == 2 and exp.description == "A discovered experiment."
        texts = [str(w.message) for w in caught]
        assert any("experiments of domain 'brokendom' are unavailable: ImportError: half-built domain"
                   in t for t in texts)
        assert not any("absentdom" in t for t in texts)
    finally:
        if "fakedom.one" in EXPERIMENTS:
            EXPERIMENTS.unregister("fakedom.one")


@given(st.integers(-10**12, 10**12))
def test_int_parameters_read_ints(n):
    exp = get_experiment("test.draws")
    assert coerce_value(exp, "a", n) == n
    assert coerce_value(exp, "a", str(n)) == n
    if abs(n) < 2**52:  # floats hold these integers exactly
        assert coerce_value(exp, "a", float(n)) == n
    assert type(coerce_value(exp, "a", np.int64(n))) is int


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_float_parameters_read_floats(x):
    exp = get_experiment("test.draws")
    out = coerce_value(exp, "b", repr(x))
    assert type(out) is float and out == x
    assert coerce_value(exp, "b", x) == x


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        ("a", 2.5, "grid: values of 'a' must be integers like its default 1; got 2.5"),
        ("a", "two", "grid: values of 'a' must be integers"),
        ("a", True, "grid: values of 'a' must be integers"),
        ("b", "nan", "grid: values of 'b' must be finite real numbers like its default 0.5; got 'nan'"),
        ("b", float("inf"), "must be finite real numbers"),
        ("b", "x", "must be finite real numbers"),
        ("flag", 1, "grid: values of 'flag' must be booleans like its default False; got 1"),
        ("flag", "maybe", "must be booleans"),
        ("tag", 3, "grid: values of 'tag' must be strings like its default 'x'; got 3"),
    ],
)
def test_bad_grid_values(key, value, message):
    with pytest.raises(InvalidInputError, match=message.replace("(", r"\(")):
        coerce_value(get_experiment("test.draws"), key, value)


@pytest.mark.parametrize(("text", "expected"), [("true", True), ("False", False), ("1", True),
                                                 ("no", False), (True, True)])
def test_bool_parameters(text, expected):
    assert coerce_value(get_experiment("test.draws"), "flag", text) is expected
