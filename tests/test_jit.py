"""The njit wrapper: caching when possible, a silent fallback when no cache folder is writable."""

import os
import shutil
import stat
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import solvers._jit as jit

ROOT = Path(__file__).resolve().parents[1]


def test_njit_compiles_and_keeps_py_func(monkeypatch):
    # functions defined inside a test module cannot be cached (pytest's importlib mode gives the
    # module no importable name); library kernels are cached, as the read-only test below shows
    monkeypatch.setenv("MECHKIT_DISABLE_CACHE", "1")

    @jit.njit
    def double(x):
        return 2.0 * x

    assert double(2.0) == 4.0
    assert double.py_func(2.0) == 4.0

    @jit.njit(fastmath=False)
    def triple(x):
        return 3.0 * x

    assert triple(1.0) == 3.0


def test_one_function_is_compiled_with_one_set_of_options(monkeypatch):
    """A second compilation with other options would share the first one's disk-cache
    entries (numba keys them by signature only), so the wrapper refuses it."""
    monkeypatch.setenv("MECHKIT_DISABLE_CACHE", "1")

    def body(x):
        return x + 1.0

    serial = jit.njit(body)
    assert jit.njit(inline="always")(body)(1.0) == 2.0    # inline: same code, allowed
    with pytest.raises(TypeError, match="already compiled with options"):
        jit.njit(parallel=True)(body)
    with pytest.raises(TypeError, match="disk-cache"):
        jit.njit(fastmath=True)(body)
    assert serial(1.0) == 2.0


def test_njit_rejects_cache_argument_and_positional_options():
    with pytest.raises(TypeError, match="manages caching"):
        jit.njit(cache=True)
    with pytest.raises(TypeError, match="keyword options only"):
        jit.njit("float64(float64)")


def test_disable_cache_env(monkeypatch):
    monkeypatch.setenv("MECHKIT_DISABLE_CACHE", "1")
    assert not jit.cache_enabled()

    @jit.njit
    def plus(x):
        return x + 1

    assert plus(1) == 2
    assert not plus._cache.__class__.__name__.endswith("FunctionCache")
    monkeypatch.setenv("MECHKIT_DISABLE_CACHE", "0")
    assert jit.cache_enabled()


def test_fallback_when_numba_cannot_cache(monkeypatch):
    import numba

    real_njit = numba.njit

    def broken(*args, **kwargs):
        def deco(f):
            if kwargs.get("cache"):
                raise RuntimeError(f"cannot cache function {f.__qualname__!r}: no locator available")
            return real_njit(**{k: v for k, v in kwargs.items() if k != "cache"})(f)

        return deco

    monkeypatch.setattr(jit.numba, "njit", broken)

    def square(x):
        return x * x

    compiled = jit.njit(square)
    assert compiled(3.0) == 9.0
    assert "test_fallback_when_numba_cannot_cache.<locals>.square" in jit.UNCACHED


def test_other_runtime_errors_propagate(monkeypatch):
    def broken(*args, **kwargs):
        def deco(f):
            raise RuntimeError("something else entirely")

        return deco

    monkeypatch.setattr(jit.numba, "njit", broken)
    with pytest.raises(RuntimeError, match="something else"):
        jit.njit(lambda x: x)


READ_ONLY_SCRIPT = textwrap.dedent(
    """
    import os, sys, tempfile
    if os.geteuid() == 0:
        # root ignores file modes, so make numba's writability probe fail the way a read-only
        # file system does: the probe creates a temporary file in each candidate cache folder.
        import numba.core.caching as caching
        def read_only(self):
            raise PermissionError(30, "Read-only file system", self.get_cache_path())
        caching._CacheLocator.ensure_cache_path = read_only
    import numpy as np
    import mechkit
    import solvers._jit as jit
    from mechkit.simplex import project_to_simplex
    out = project_to_simplex(np.array([[0.5, 0.5, 2.0]]))
    assert out.tolist() == [[0.0, 0.0, 1.0]], out
    assert "_project_rows" in jit.UNCACHED, jit.UNCACHED
    print("ok", sorted(jit.UNCACHED))
    """
)


def test_import_and_run_with_read_only_package_and_no_cache(tmp_path):
    pkg_root = tmp_path / "site"
    for name in ("mechkit", "solvers"):
        shutil.copytree(ROOT / name, pkg_root / name, ignore=shutil.ignore_patterns("__pycache__"))
    home = tmp_path / "home"
    home.mkdir()
    for path in [*pkg_root.rglob("*"), pkg_root, home]:
        mode = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH
        if path.is_dir():
            mode |= stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH
        path.chmod(mode)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NUMBA_", "MECHKIT_", "PYTHON"))}
    env.update(HOME=str(home), XDG_CACHE_HOME=str(home / ".cache"), PYTHONPATH=str(pkg_root),
               PYTHONDONTWRITEBYTECODE="1")
    try:
        proc = subprocess.run([sys.executable, "-c", READ_ONLY_SCRIPT], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=300)
    finally:
        for path in [pkg_root, *pkg_root.rglob("*"), home]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("ok")
    assert not any(pkg_root.rglob("*.nbi")), "nothing may be written into the read-only package"


def test_kernel_matches_its_python_body():
    from solvers.simplex import project_rows

    Y = np.random.default_rng(0).normal(size=(5, 4))
    np.testing.assert_array_equal(project_rows(Y, 1.0), project_rows.py_func(Y, 1.0))
