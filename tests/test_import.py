"""`import mechkit` stays light: no optional heavy package is loaded by it."""

import json
import subprocess
import sys

import pytest

HEAVY = ("numba", "scipy", "sympy", "cvxpy", "pulp", "dask", "distributed", "matplotlib",
         "pandas", "pyarrow", "joblib", "tqdm", "highspy", "networkx", "hypothesis")


def _modules_after(statement):
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


def test_import_mechkit_loads_no_heavy_module():
    loaded = _modules_after("import mechkit")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_cli_module_is_light():
    loaded = _modules_after("import mechkit.cli")
    assert not {m for m in loaded if m.split(".")[0] in HEAVY}


def test_domains_are_lazy_attributes():
    import mechkit

    assert "simplex" in dir(mechkit)
    assert mechkit.simplex.project_to_simplex is not None
    with pytest.raises(AttributeError, match="no_such_thing"):
        mechkit.no_such_thing  # noqa: B018
