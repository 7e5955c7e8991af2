"""Shared fixtures: the repository, the source article, and one build of the default data."""

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests check behaviour, not speed: on a loaded machine (CI, parallel work) a slow
# example is not a failure. Performance claims live in benchmarks/.
settings.register_profile("jitarsa", deadline=None)
settings.load_profile("jitarsa")

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEED = SHARED / "seeds" / "000_67f47b44b47e6a42.txt"
SCHEMAORG = SHARED / "schemaorg" / "30.0"


def source_entries() -> list[str]:
    """The numbered member list of the source article, entry by entry, as it is written."""
    text = SEED.read_text(encoding="utf-8")
    listing = text.split("ดังนี้", 1)[1].split("</doc>", 1)[0]
    parts = re.split(r"(?:^|\s)(\d{1,2})\.\s", listing)
    numbers = [int(n) for n in parts[1::2]]
    assert numbers == list(range(1, len(numbers) + 1)), numbers
    return [entry.strip() for entry in parts[2::2]]


@pytest.fixture(scope="session")
def entries() -> list[str]:
    if not SEED.exists():
        pytest.fail(f"the source article is missing: {SEED} (copy ../shared beside the repo)")
    return source_entries()


@pytest.fixture(scope="session")
def built():
    """The default dataset built in memory once: dataset, triple count and every file."""
    from jitarsa.publish.build import build_files

    return build_files()


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """A scratch copy of the default data folder, for tests that break it."""
    target = tmp_path / "data"
    shutil.copytree(ROOT / "data", target)
    return target


#: Programs some tests drive that are not Python packages: the Debian packages that bring them.
PROGRAMS = {
    "chromium": "apt-get install chromium fonts-thai-tlwg",
    "virtuoso-t": "apt-get install virtuoso-opensource",
    "java": "apt-get install default-jre-headless libapache-jena-java",
    "javac": "apt-get install default-jdk-headless libapache-jena-java",
    "nginx": "apt-get install nginx",
    "apache2": "apt-get install apache2",
    "node": "apt-get install nodejs npm, then npm ci --prefix tests/js",
}
#: Where Debian puts server programs: on root's PATH, not always on a user's.
SYSTEM_BIN = os.pathsep.join(["/usr/local/sbin", "/usr/sbin", "/sbin"])
#: Set by .ci/run: there every program is installed, so a missing one is a failure, not a skip.
REQUIRE_ALL = os.environ.get("JITARSA_REQUIRE_ALL") == "1"
#: The start of the reason of every skip for a missing program (the summary counts them).
NEEDS = "needs "


def missing(what: str, install: str) -> None:
    """Skip the test for lack of WHAT (fail under JITARSA_REQUIRE_ALL=1), naming how to get it."""
    reason = f"{NEEDS}{what}: {install}"
    if REQUIRE_ALL:
        pytest.fail(f"{reason} (JITARSA_REQUIRE_ALL=1: every program must be installed)")
    pytest.skip(reason)


def require_program(name: str) -> str:
    """The path of program NAME, an executable found by shutil.which on PATH (and Debian's
    sbin folders); the test is skipped, naming the Debian package, when there is none."""
    search = os.pathsep.join(filter(None, [os.environ.get("PATH"), SYSTEM_BIN]))
    found = shutil.which(name, path=search)
    if found is None:
        missing(name, PROGRAMS[name])
    return found  # type: ignore[return-value]


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_terminal_summary(terminalreporter):
    """One line at the end naming each program whose absence skipped tests, and how many
    (after pytest's own short summary, just before the closing count)."""
    yield
    counts: dict[str, int] = {}
    for report in terminalreporter.stats.get("skipped", []):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
        reason = reason.removeprefix("Skipped: ")
        if reason.startswith(NEEDS):
            what = reason[len(NEEDS) :].split(":", 1)[0]
            counts[what] = counts.get(what, 0) + 1
    if counts:
        listed = ", ".join(f"{what} ({n})" for what, n in sorted(counts.items()))
        terminalreporter.write_line(f"skipped for lack of programs: {listed}")


#: Fixtures that start a server process: a test using one is marked network_service.
SERVICE_FIXTURES = {"server", "oxigraph"}


def pytest_collection_modifyitems(items):
    """Browser tests are slow too; tests on a served endpoint are marked network_service."""
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        if SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.network_service)


@contextmanager
def serving(*args: str):
    """`jitarsa serve ARGS` on a free port of 127.0.0.1: yields its /sparql URL, then stops it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jitarsa", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
    )
    line: list[str] = []
    reader = threading.Thread(target=lambda: line.append(proc.stdout.readline()), daemon=True)
    reader.start()
    reader.join(60)
    try:
        if not line or "/sparql" not in line[0]:
            proc.kill()
            pytest.fail(f"serve did not start: {line} {proc.stderr.read()}")
        yield next(word for word in line[0].split() if word.endswith("/sparql"))
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc, seconds: float = 15.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the server exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nothing listens on 127.0.0.1:{port} after {seconds} s")


@contextmanager
def running(args: list[str], port: int):
    """A server program started with ARGS, once it listens on PORT; stopped afterwards."""
    proc = subprocess.Popen(args)
    try:
        wait_for_port(port, proc, 30)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def serving_graphs(graphs: dict[str, Path], folder: Path, workers: int = 1):
    """`jitarsa serve --dump` over an N-Quads file of GRAPHS (graph IRI → an RDF file, each
    read into that named graph), written in FOLDER: the port it listens on."""
    from pyoxigraph import NamedNode, Quad, RdfFormat, parse, serialize

    from jitarsa.sparql.execute import rdf_format

    quads = [
        Quad(t.subject, t.predicate, t.object, NamedNode(name))
        for name, file in sorted(graphs.items())
        for t in parse(path=str(file), format=rdf_format(file))
    ]
    dump = folder / "graphs.nq"
    dump.write_bytes(serialize(quads, format=RdfFormat.N_QUADS))
    port = free_port()
    args = [sys.executable, "-m", "jitarsa", "serve", "--dump", str(dump), "--port", str(port)]
    with running([*args, "--workers", str(workers), "--site", str(folder)], port):
        yield port
