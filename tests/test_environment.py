"""environment.yml (conda, Binder) and pyproject.toml (pip) must pin the same versions.

pyproject.toml is the source of truth; environment.yml repeats its pins with conda-forge
names. Parsing uses packaging (PEP 508 on the pip side) and a small conda match-spec parser
for the forms this file uses (`name==version`, `name=version`, `name`).
"""

import re
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]

#: pip name -> conda-forge name, where they differ.
CONDA_NAMES: dict[str, str] = {}

CONDA_SPEC = re.compile(r"^(?P<name>[A-Za-z0-9_.\-]+)\s*(?P<op>==|=)?\s*(?P<version>[^\s=]+)?$")


def pip_pins() -> dict[str, str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in project["dependencies"]:
        req = Requirement(line)
        specs = list(req.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", (
            f"pyproject.toml: {line!r} is not pinned exactly (name==version)"
        )
        pins[canonicalize_name(req.name)] = specs[0].version
    return pins


def conda_specs() -> tuple[dict[str, tuple[str | None, str | None]], list]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs, pip_section = {}, []
    for entry in env["dependencies"]:
        if isinstance(entry, dict):
            pip_section = entry.get("pip", [])
            continue
        m = CONDA_SPEC.match(entry.strip())
        assert m, f"environment.yml: cannot parse the conda spec {entry!r}"
        specs[canonicalize_name(m["name"])] = (m["op"], m["version"])
    return specs, pip_section


def test_environment_yml_uses_conda_forge_only():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert env["channels"][0] == "conda-forge"
    assert "defaults" not in env["channels"]


def test_python_version_agrees():
    specs, _ = conda_specs()
    op, version = specs["python"]
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert version is not None and SpecifierSet(requires).contains(version + ".0"), (
        f"environment.yml pins python {version}, pyproject.toml requires {requires}"
    )


def test_every_pip_pin_is_in_environment_yml_with_the_same_version():
    pins, (specs, _) = pip_pins(), conda_specs()
    problems = []
    for name, version in pins.items():
        conda_name = canonicalize_name(CONDA_NAMES.get(name, name))
        if conda_name not in specs:
            problems.append(f"{name}=={version} is missing from environment.yml")
            continue
        op, conda_version = specs[conda_name]
        if op != "==" or conda_version != version:
            shown = f"{op or ''}{conda_version or ''}" or "(unpinned)"
            problems.append(f"{name}: pyproject.toml pins =={version}, environment.yml has {shown}")
    assert not problems, "environment.yml disagrees with pyproject.toml:\n" + "\n".join(problems)


def test_environment_yml_has_nothing_pyproject_does_not_pin():
    pins, (specs, _) = pip_pins(), conda_specs()
    known = {canonicalize_name(CONDA_NAMES.get(n, n)) for n in pins} | {"python", "pip"}
    extra = sorted(set(specs) - known)
    assert not extra, f"environment.yml lists packages pyproject.toml does not pin: {extra}"


def test_environment_yml_installs_the_helpers_package():
    _, pip_section = conda_specs()
    assert "-e ." in pip_section, "environment.yml must pip-install the course itself (-e .)"


@pytest.mark.parametrize(
    "bad, message",
    [
        ("  - numpy==2.4.5\n", "numpy: pyproject.toml pins ==2.4.6"),
        ("  - numpy\n", "numpy: pyproject.toml pins ==2.4.6, environment.yml has (unpinned)"),
    ],
)
def test_the_comparison_catches_a_drift(tmp_path, monkeypatch, bad, message):
    """The check itself must fail on a drifted copy of environment.yml."""
    text = (ROOT / "environment.yml").read_text().replace("  - numpy==2.4.6\n", bad)
    (tmp_path / "environment.yml").write_text(text)
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    with pytest.raises(AssertionError, match=re.escape(message)):
        test_every_pip_pin_is_in_environment_yml_with_the_same_version()
