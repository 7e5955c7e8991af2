"""What the CLI prints for a shell: final newlines, numbers as the progress bars write them,
paths a user can reach from where they are, and shell completion."""

import os
import re

import pytest
from click.testing import CliRunner

from jitarsa.cli import cli


def run(*args, env=None):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False, env=env)


@pytest.mark.parametrize(
    ("query", "fmt"),
    [
        ("member-count", "json"),
        ("member-count", "xml"),
        ("ASK { ?o a jitarsa:Foundation }", "json"),
        ("organisation", "jsonld"),
        ("organisation", "rdf"),
    ],
)
def test_query_output_ends_with_a_newline(query, fmt):
    result = run("query", query, "--param", "id=mirror-foundation", "--format", fmt)
    assert result.output.endswith("\n") and not result.output.endswith("\n\n"), result.output
    assert "Mirror Foundation" in result.output or fmt in ("json", "xml")


def test_build_prints_thousands_separators_and_paths_from_the_working_directory(tmp_path):
    assert run("synth", "150", "--out", str(tmp_path / "registry")).exit_code == 0
    (tmp_path / "elsewhere").mkdir()
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        inside = run("build", "--data", "registry", "--out", "deep/out", "--no-site")
        os.chdir(tmp_path / "elsewhere")
        outside = run("build", "--data", "../registry", "--out", "../x", "--no-site")
    finally:
        os.chdir(cwd)
    assert inside.exit_code == 0, inside.output
    count = re.match(r"Built ([0-9,]+) triples", inside.output).group(1)
    assert "," in count and int(count.replace(",", "")) > 1000
    assert "  deep/out/jitarsa.nt\n" in inside.output
    assert "  deep/out/jitarsa.rdf\n" in inside.output
    # Outside the working directory: the absolute path.
    assert f"  {(tmp_path / 'x').resolve().as_posix()}/jitarsa.nt\n" in outside.output


def complete(words: str) -> list[str]:
    """What bash completion offers for WORDS (click's `_JITARSA_COMPLETE=bash_complete`)."""
    env = {
        "_JITARSA_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(words.split()) - (0 if words.endswith(" ") else 1)),
    }
    result = CliRunner().invoke(cli, [], prog_name="jitarsa", env=env)
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


def test_shell_completion_offers_query_names_and_formats():
    assert complete("jitarsa query mem") == [
        "member-count",
        "members-in-both",
        "members-only-website",
        "members",
        "mem",
    ]
    assert complete("jitarsa query members --format j") == ["json", "jsonld"]
    assert complete("jitarsa query members --format r") == ["rdf"]
    assert "serve" in complete("jitarsa s")


def test_the_version_is_pyprojects_read_when_asked():
    """Written once, in pyproject.toml; `import jitarsa` does not pay for reading it."""
    import tomllib

    from conftest import ROOT

    import jitarsa

    version = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    assert jitarsa.__version__ == version
    assert CliRunner().invoke(cli, ["--version"]).output.endswith(f"version {version}\n")
