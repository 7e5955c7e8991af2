"""The CLI reference (docs/cli.md) is generated from --help; every command has an example.

Regenerate after changing a command: `python tests/test_cli_docs.py`.
"""

from pathlib import Path

import click
from click.testing import CliRunner

from jitarsa.cli import cli

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def commands(group=cli, path=()):
    """Every command as its path of names, groups before their subcommands."""
    for name in sorted(group.commands):
        command = group.commands[name]
        yield command, (*path, name)
        if isinstance(command, click.Group):
            yield from commands(command, (*path, name))


def reference() -> str:
    parts = [
        "# jitarsa command reference\n",
        "Generated from `jitarsa --help` by `python tests/test_cli_docs.py`; a test fails "
        "when it is stale.\n",
    ]
    for args in [()] + [path for _, path in commands()]:
        result = CliRunner().invoke(cli, [*args, "--help"], prog_name="jitarsa", terminal_width=100)
        title = " ".join(("jitarsa", *args))
        parts.append(f"## {title}\n\n```\n{result.output.rstrip()}\n```\n")
    return "\n".join(parts)


def test_every_command_has_an_example_in_its_help():
    for command, path in commands():
        if isinstance(command, click.Group):
            continue
        assert f"jitarsa {' '.join(path)}" in (command.help or ""), path


def test_the_cli_reference_is_current():
    assert REFERENCE.read_text(encoding="utf-8") == reference(), (
        "docs/cli.md is stale: run `python tests/test_cli_docs.py`"
    )


if __name__ == "__main__":
    REFERENCE.write_text(reference(), encoding="utf-8")
