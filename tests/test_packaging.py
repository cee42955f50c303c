"""A non-editable install of the wheel into a fresh virtual environment imports both packages."""

import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_installs_mechkit_and_solvers(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(dist), str(ROOT)],
        check=True, capture_output=True, text=True, timeout=600,
    )
    wheel = next(dist.glob("mechkit-*.whl"))
    env_dir = tmp_path / "venv"
    # system site packages provide numpy/numba/...; the venv's own site-packages comes first,
    # so the imports below must resolve to the installed wheel, not to the checkout.
    venv.create(env_dir, system_site_packages=True, with_pip=False)
    py = env_dir / "bin" / "python"
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q",
                    str(wheel)], check=True, capture_output=True, text=True, timeout=600)
    code = (
        "import mechkit, solvers, solvers._jit, mechkit.simplex, sys, pathlib;"
        "venv = pathlib.Path(sys.prefix).resolve();"
        "assert pathlib.Path(mechkit.__file__).resolve().is_relative_to(venv), mechkit.__file__;"
        "assert pathlib.Path(solvers.__file__).resolve().is_relative_to(venv), solvers.__file__;"
        "print(mechkit.simplex.project_to_simplex([2.0, 0.0]).tolist())"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([str(py), "-c", code], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[1.0, 0.0]"
    script = env_dir / "bin" / "mechkit"
    out = subprocess.run([str(script), "--version"], capture_output=True, text=True, env=env)
    assert out.stdout.strip().startswith("mechkit ")
