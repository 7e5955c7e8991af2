"""A fresh machine with only Python passes: the lock pins what pyproject allows, and a test that
needs a program that is not a Python package skips (or, in CI, fails) naming its Debian package."""

import re
import tomllib

import conftest
import pytest
from conftest import ROOT, require_program
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = ROOT / "requirements-test.lock"


def locked() -> dict[str, str]:
    pins = re.findall(r"^([A-Za-z0-9._-]+)==(\S+)", LOCK.read_text(encoding="utf-8"), re.M)
    return {canonicalize_name(name): version for name, version in pins}


def test_the_lock_pins_every_dependency_within_pyprojects_ranges():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = locked()
    for line in project["dependencies"] + project["optional-dependencies"]["test"]:
        wanted = Requirement(line)
        name = canonicalize_name(wanted.name)
        assert name in pins, f"{wanted.name} is not in {LOCK.name}: run scripts/refresh-lock"
        assert wanted.specifier.contains(pins[name], prereleases=True), (
            f"{LOCK.name} pins {wanted.name}=={pins[name]}, outside {wanted.specifier}"
        )


def test_every_locked_release_carries_its_hashes():
    blocks = re.split(r"\n(?=[A-Za-z0-9._-]+==)", LOCK.read_text(encoding="utf-8"))
    for block in blocks[1:]:
        assert "--hash=sha256:" in block, block.splitlines()[0]


@pytest.fixture
def bare_machine(monkeypatch, tmp_path):
    """No program on PATH, none in Debian's sbin folders."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(conftest, "SYSTEM_BIN", "")
    monkeypatch.setattr(conftest, "REQUIRE_ALL", False)


@pytest.mark.parametrize(
    ("program", "package"),
    [("chromium", "chromium"), ("virtuoso-t", "virtuoso-opensource"), ("nginx", "nginx")],
)
def test_a_missing_program_skips_naming_its_debian_package(bare_machine, program, package):
    with pytest.raises(pytest.skip.Exception) as skipped:
        require_program(program)
    assert str(skipped.value) == f"needs {program}: {conftest.PROGRAMS[program]}"
    assert f"apt-get install {package}" in str(skipped.value)


def test_in_ci_a_missing_program_fails(bare_machine, monkeypatch):
    monkeypatch.setattr(conftest, "REQUIRE_ALL", True)
    with pytest.raises(pytest.fail.Exception, match="needs nginx: apt-get install nginx"):
        require_program("nginx")


def test_a_program_on_path_is_found(bare_machine, tmp_path):
    program = tmp_path / "nginx"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    assert require_program("nginx") == str(program)
    program.chmod(0o644)  # present but not executable: hidden, as the check does it
    with pytest.raises(pytest.skip.Exception):
        require_program("nginx")


def test_the_summary_ends_with_the_programs_that_were_missing(pytester):
    pytester.makeconftest((ROOT / "tests" / "conftest.py").read_text(encoding="utf-8"))
    pytester.makepyfile(
        """
        import conftest
        def test_one(monkeypatch, tmp_path):
            monkeypatch.setenv("PATH", str(tmp_path))
            monkeypatch.setattr(conftest, "SYSTEM_BIN", "")
            monkeypatch.setattr(conftest, "REQUIRE_ALL", False)
            conftest.require_program("chromium")
        """
    )
    result = pytester.runpytest("-ra", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    lines = [line for line in result.outlines if line.strip()]
    assert lines[-2] == "skipped for lack of programs: chromium (1)"
