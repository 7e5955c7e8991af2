"""A non-editable install carries the default dataset, ontology, shapes and context."""

import subprocess
import sys
import zipfile

import pytest
from conftest import ROOT


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
    )
    [path] = out.glob("jitarsa-*.whl")
    return path


@pytest.mark.slow
def test_the_wheel_holds_the_data_and_the_ontology(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "jitarsa/_bundled/data/dataset.yaml",
        "jitarsa/_bundled/data/network.yaml",
        "jitarsa/_bundled/data/organisations/mirror-foundation.yaml",
        "jitarsa/_bundled/ontology/shapes.ttl",
        "jitarsa/_bundled/ontology/jitarsa.ttl",
        "jitarsa/_bundled/ontology/context.jsonld",
        "jitarsa/_bundled/ontology/kinds.yaml",
    ):
        assert required in names


@pytest.mark.slow
def test_the_installed_package_builds_from_any_folder(wheel, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); from jitarsa.cli import cli; "
        "cli(['build', '--out', 'dist'])"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(site)], cwd=elsewhere, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr
    assert "40 members" in run.stdout
    assert (elsewhere / "dist" / "jitarsa.ttl").read_bytes() == (
        ROOT / "dist" / "jitarsa.ttl"
    ).read_bytes()
