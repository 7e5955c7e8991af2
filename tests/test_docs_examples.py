"""Every ```console block in docs/ and the README is run, and its output must be what it shows.

A console block is a shell session: `$ command` lines, each followed by its output. The
commands of one file run one after the other in one scratch folder (a copy of data/, dist/,
benchmarks/ and tests/fixtures/), with `jitarsa` this checkout's; a command goes on over lines
while a quote or a here-document (`<<EOF` … `EOF`) is open. In the output, a line `…` stands
for any lines and `…` inside a line for any text (a date, a process id, a time). `jitarsa serve`
starts the server for the rest of the file on a free port, written `8000` in the docs; any
other command ending in `&` (a server of SERVERS) starts in the background, on free ports
instead of the ones the docs show, the next command waiting until it listens, and is stopped at
the end of the file. A ```python example followed by an output block is run too, after the
shell sessions of its file (whose files it may read). A block that shows output recorded
elsewhere (a terminal's progress bars) has no `$` command and is fenced as ```text.
"""

import os
import re
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import PROGRAMS, ROOT, free_port, require_program, wait_for_port

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCK = re.compile(r"^```console\n(.*?)^```", re.S | re.M)
#: A Python example and the output block that follows it (after at most one line of prose).
PYTHON = re.compile(r"^```python\n(.*?)^```\n\n(?:[^`\n]*\n\n)?```\n(.*?)^```", re.S | re.M)
#: `<<EOF` or `<<'EOF'`: the command goes on to a line `EOF`.
HEREDOC = re.compile(r"<<(['\"]?)(\w+)\1")
#: The servers the docs start in the background, by program: the addresses the docs show them
#: at (all replaced by free ports; Virtuoso's SQL port 1111 must not clash either) and how to
#: install the program. CI installs both.
SERVERS = {
    "oxigraph": (["127.0.0.1:7878"], "pip install oxigraph"),
    "virtuoso-t": (["127.0.0.1:8890", "127.0.0.1:1111"], "apt-get install virtuoso-opensource"),
}


def sessions(path: Path) -> list[tuple[str, list[str]]]:
    """(command, expected output lines) of every console block of a file, in order."""
    out = []
    for block in BLOCK.findall(path.read_text(encoding="utf-8")):
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            assert line.startswith("$ "), f"{path.name}: output before any command: {line!r}"
            command = line[2:]
            i += 1
            while _open(command):  # a quoted string or a backslash continues on the next line
                command += "\n" + lines[i]
                i += 1
            expected = []
            while i < len(lines) and not lines[i].startswith("$ "):
                expected.append(lines[i])
                i += 1
            while expected and expected[-1] == "":
                expected.pop()
            out.append((command, expected))
    return out


def python_examples(path: Path) -> list[tuple[str, list[str]]]:
    """(code, printed lines) of every Python example shown with its output."""
    return [(code, out.splitlines()) for code, out in PYTHON.findall(path.read_text("utf-8"))]


def _open(command: str) -> bool:
    first, *rest = command.split("\n")
    if heredoc := HEREDOC.search(first):
        return not rest or rest[-1] != heredoc[2]
    if command.endswith("\\"):
        return True
    try:
        shlex.split(command, comments=True)
    except ValueError:
        return True
    return False


def matches(expected: list[str], actual: list[str]) -> bool:
    """Whether ACTUAL fits EXPECTED, where `…` is any lines (alone) or any text (in a line)."""
    if not expected:
        return not actual
    head, rest = expected[0], expected[1:]
    if head == "…":
        return any(matches(rest, actual[i:]) for i in range(len(actual) + 1))
    if not actual:
        return False
    pattern = ".*".join(re.escape(part) for part in head.split("…"))
    return re.fullmatch(pattern, actual[0]) is not None and matches(rest, actual[1:])


@pytest.fixture
def scratch(tmp_path) -> Path:
    """A folder like a checkout's: data/, dist/, the docs' example files, and `jitarsa`; with
    ../shared beside it, as beside a checkout."""
    (tmp_path / "shared").symlink_to(ROOT.parent / "shared")
    tmp_path = tmp_path / "repo"
    # without the checkout's own releases: docs/releases.md starts from unreleased data
    shutil.copytree(ROOT / "data", tmp_path / "data", ignore=shutil.ignore_patterns("releases"))
    shutil.copytree(ROOT / "dist", tmp_path / "dist")
    shutil.copytree(ROOT / "benchmarks", tmp_path / "benchmarks")
    shutil.copytree(ROOT / "tests" / "fixtures", tmp_path / "tests" / "fixtures")
    bin_dir = tmp_path / ".bin"
    bin_dir.mkdir()
    shim = bin_dir / "jitarsa"
    shim.write_text(f'#!/bin/sh\nexec {sys.executable} -m jitarsa "$@"\n', encoding="utf-8")
    shim.chmod(0o755)
    return tmp_path


@pytest.mark.slow
@pytest.mark.network_service
@pytest.mark.parametrize(
    "path", [p for p in DOCS if sessions(p) or python_examples(p)], ids=lambda p: p.name
)
def test_console_examples_show_what_the_commands_print(path, scratch):
    env = {
        **os.environ,
        "PATH": f"{scratch / '.bin'}:{os.environ['PATH']}",
        "PYTHONPATH": str(ROOT / "src"),
        "COLUMNS": "200",
    }
    port, server = str(free_port()), None
    ports = {"127.0.0.1:8000": f"127.0.0.1:{port}"} | {
        shown: f"127.0.0.1:{free_port()}"
        for shown_ones, _ in SERVERS.values()
        for shown in shown_ones
    }
    background: list[subprocess.Popen] = []
    try:
        for command, expected in sessions(path):
            run, want = command, list(expected)
            for shown, used in ports.items():
                run = run.replace(shown, used)
                want = [line.replace(shown, used) for line in want]
            if run.endswith("&") and not run.startswith("jitarsa serve"):
                program = shlex.split(run)[0]
                addresses, install = SERVERS[program]
                if program in PROGRAMS:
                    require_program(program)
                elif shutil.which(program) is None:
                    pytest.fail(f"{path.name} starts {program}, which is missing: {install}")
                background.append(
                    subprocess.Popen(
                        ["bash", "-c", "exec " + run.removesuffix("&")],
                        cwd=scratch,
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                )
                for address in addresses:  # a fresh Virtuoso database takes seconds
                    wait_for_port(int(ports[address].rsplit(":", 1)[1]), background[-1], 60)
                actual: list[str] = []
            elif run.startswith("jitarsa serve"):
                server = subprocess.Popen(
                    [*shlex.split(run), "--port", port],
                    cwd=scratch,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                )
                actual = [server.stdout.readline().rstrip("\n")]
                time.sleep(0.2)
            else:
                done = subprocess.run(
                    ["bash", "-c", run],
                    cwd=scratch,
                    env=env,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                    text=True,
                    timeout=300,
                )
                actual = done.stdout.splitlines()
                while actual and actual[-1] == "":
                    actual.pop()
            assert matches(want, actual), (
                f"{path.name}: $ {command}\n--- shown ---\n"
                + "\n".join(expected)
                + "\n--- printed ---\n"
                + "\n".join(actual)
            )
        for code, expected in python_examples(path):  # after the shell, whose files it reads
            done = subprocess.run(
                [sys.executable, "-c", code],
                cwd=scratch,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                timeout=300,
            )
            actual = done.stdout.splitlines()
            assert matches(expected, actual), (
                f"{path.name}:\n{code}\n--- shown ---\n"
                + "\n".join(expected)
                + "\n--- printed ---\n"
                + "\n".join(actual)
            )
    finally:
        for process in [server, *background]:
            if process is not None:
                process.terminate()
                process.wait(timeout=10)


def test_the_matcher_can_fail():
    assert matches(["a", "…", "d"], ["a", "b", "c", "d"])
    assert matches(["Date: …"], ["Date: Wed, 25 Nov 2026 20:11:37 GMT"])
    assert not matches(["a", "d"], ["a", "b", "d"])
    assert not matches(["Date: …", "x"], ["Date: now"])


def test_the_docs_have_examples_to_run():
    """A guard: a change of fence or format must not leave the examples silently unrun."""
    assert sum(len(sessions(p)) for p in DOCS) >= 60
    assert sum(len(python_examples(p)) for p in DOCS) >= 2
