"""environment.yml (for conda users) lists the same packages as pyproject.toml."""
from __future__ import annotations

import re
import tomllib

import yaml

from tests.conftest import PROJECT


def _name(requirement: str) -> set[str]:
    """'dask[distributed]>=2024.8' -> {'dask', 'distributed'}: extras name packages too."""
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(\[([^\]]+)\])?", requirement)
    base = match.group(1).lower().replace("_", "-")
    extras = {e.strip().lower() for e in match.group(3).split(",")} if match.group(3) else set()
    return {base} | extras


def _pyproject_packages() -> set[str]:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        requirements += extra
    return set().union(*(_name(r) for r in requirements))


def _environment_packages() -> set[str]:
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    names: set[str] = set()
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip: section installs the project itself
            continue
        names |= _name(re.split(r"[=<>~ ]", dep)[0])
    return names - {"python", "pip"}


def test_environment_yml_lists_the_same_packages_as_pyproject():
    in_pyproject, in_environment = _pyproject_packages(), _environment_packages()
    assert in_pyproject - in_environment == set(), "add these to environment.yml"
    assert in_environment - in_pyproject == set(), "add these to pyproject.toml"


def test_environment_yml_installs_the_project_itself():
    env = yaml.safe_load((PROJECT / "environment.yml").read_text())
    pip_sections = [d["pip"] for d in env["dependencies"] if isinstance(d, dict) and "pip" in d]
    assert pip_sections and "-e ." in pip_sections[0]
