"""`jitarsa load` against misbehaving local stores: one deadline for the whole exchange, exit 3
and one line for broken HTTP, and credentials in the URL used but never shown."""

import base64
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.network_service


class Store:
    """A TCP server on 127.0.0.1 that reads the request and answers with ANSWER (a function
    of the socket): the misbehaviour under test. Records the requests it read."""

    def __init__(self, answer):
        self.answer, self.requests = answer, []
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self.handle, args=(conn,), daemon=True).start()

    def handle(self, conn):
        with conn:
            conn.settimeout(10)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += conn.recv(65536)
                head, _, body = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        (
                            line.split(b":")[1]
                            for line in head.split(b"\r\n")
                            if line.lower().startswith(b"content-length:")
                        ),
                        b"0",
                    )
                )
                while len(body) < length:
                    body += conn.recv(65536)
                self.requests.append(head.decode("latin-1"))
                self.answer(conn)
            except OSError:
                pass

    def close(self):
        self.sock.close()


def load(port, *args, url=None, timeout=3):
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "jitarsa",
            "load",
            "--endpoint",
            url or f"http://127.0.0.1:{port}/store",
            "--timeout",
            str(timeout),
            *args,
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def one_line_exit_3(result):
    assert result.returncode == 3, result.stderr
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    return result.stderr


def trickle(conn):
    """A byte of a status line every 1.5 s: each read is quick, the whole never ends."""
    for byte in b"HTTP/1.1 204 No Content\r\n":
        conn.sendall(bytes([byte]))
        time.sleep(1.5)


@pytest.mark.slow
def test_timeout_bounds_the_whole_exchange():
    store = Store(trickle)
    try:
        started = time.monotonic()
        result = load(store.port, timeout=3)
        elapsed = time.monotonic() - started
    finally:
        store.close()
    assert "did not answer within 3 s" in one_line_exit_3(result)
    assert elapsed < 3 + 5  # the interpreter's start, then at most the deadline


@pytest.mark.parametrize(
    "answer, expected",
    [
        (b"SPAM SPAM SPAM\r\n\r\n", "broken HTTP"),
        (b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n", "broken HTTP"),
        (
            b"HTTP/1.1 500 Oops\r\nContent-Length: 1000\r\n\r\nonly this much",
            "answered HTTP 500 Oops",
        ),
        (b"", "broken HTTP"),
    ],
    ids=["garbage-status-line", "70-KB-header", "short-error-body", "closed-without-answer"],
)
def test_broken_answers_give_exit_3_and_one_line(answer, expected):
    def send(conn):
        conn.sendall(answer)

    store = Store(send)
    try:
        assert expected in one_line_exit_3(load(store.port))
    finally:
        store.close()


def test_a_huge_error_body_is_read_only_up_to_a_cap():
    def send(conn):
        conn.sendall(b"HTTP/1.1 400 Bad\r\nContent-Length: 50000000\r\n\r\n" + b"x" * 100_000)
        time.sleep(5)

    store = Store(send)
    try:
        started = time.monotonic()
        message = one_line_exit_3(load(store.port, timeout=30))
        assert time.monotonic() - started < 20  # not waiting for 50 MB that never come
    finally:
        store.close()
    assert "answered HTTP 400 Bad: " + "x" * 100 in message
    assert len(message) < 600


def basic_store(expected: bytes):
    def answer(conn):
        head = store.requests[-1]
        if f"Authorization: Basic {base64.b64encode(expected).decode()}" in head:
            conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
        else:
            conn.sendall(
                b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="store"\r\n'
                b"Content-Length: 14\r\n\r\nWho are you?\r\n"
            )

    store = Store(answer)
    return store


def test_credentials_in_the_url_work_and_are_never_shown():
    store = basic_store(b"admin:s3cr3t pw")
    try:
        url = f"http://admin:s3cr3t%20pw@127.0.0.1:{store.port}/store"
        result = load(store.port, url=url)
        assert result.returncode == 0, result.stderr
        assert "s3cr3t" not in result.stdout + result.stderr
        assert f"http://127.0.0.1:{store.port}/store?default" in result.stdout
        wrong = load(store.port, url=f"http://admin:wr0ng@127.0.0.1:{store.port}/store")
        message = one_line_exit_3(wrong)
        assert "wr0ng" not in message and "401" in message
        both = load(store.port, "--user", "admin:x", url=url)
        assert both.returncode == 2 and "s3cr3t" not in both.stderr + both.stdout
    finally:
        store.close()
    assert all("s3cr3t" not in request.split("\r\n")[0] for request in store.requests)


def test_query_endpoint_credentials_in_the_url_are_used_and_never_shown():
    def answer(conn):
        head = store.requests[-1]
        if f"Authorization: Basic {base64.b64encode(b'reader:pa55').decode()}" in head:
            body = b'{"head":{},"boolean":true}'
            conn.sendall(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
            )
        else:
            conn.sendall(
                b'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm="q"\r\n'
                b"Content-Length: 0\r\n\r\n"
            )

    store = Store(answer)
    try:

        def ask(password):
            return subprocess.run(
                [sys.executable, "-m", "jitarsa", "query", "ASK {}", "--format", "tsv",
                 "--endpoint", f"http://reader:{password}@127.0.0.1:{store.port}/sparql"],
                capture_output=True, text=True, cwd=ROOT, timeout=60,
            )  # fmt: skip

        good = ask("pa55")
        assert (good.returncode, good.stdout) == (0, "true\n"), good.stderr
        bad = ask("wr0ng")
        assert bad.returncode == 3 and "wr0ng" not in bad.stderr and "401" in bad.stderr
        assert "Traceback" not in bad.stderr
    finally:
        store.close()


# --- Issue 24: redirects are never followed, answers are read up to --max-answer ----------------


def redirecting(code: int, location: str):
    def answer(conn):
        conn.sendall(
            b"HTTP/1.1 %d Elsewhere\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n"
            % (code, location.encode())
        )

    return answer


def ask(url, *args, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "jitarsa", "query", "ASK {}", "--format", "tsv",
         "--endpoint", url, *args],
        capture_output=True, text=True, cwd=ROOT, timeout=timeout,
    )  # fmt: skip


@pytest.mark.parametrize("code", [300, 301, 302, 303, 307, 308])
def test_load_follows_no_redirect_and_never_says_loaded(code):
    """A 307 gave "Loaded 893 triples … exit 0" with nothing stored: every 3xx is exit 3 naming
    the Location, and the place it names is never contacted."""
    elsewhere = Store(lambda conn: conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n"))
    target = f"http://127.0.0.1:{elsewhere.port}/store?default"
    store = Store(redirecting(code, target))
    try:
        result = load(store.port)
    finally:
        store.close()
        elsewhere.close()
    message = one_line_exit_3(result)
    assert (
        f"answered HTTP {code} Elsewhere, a redirect to {target}: jitarsa follows none" in message
    )
    assert "Loaded" not in result.stdout + result.stderr
    assert len(store.requests) == 1 and elsewhere.requests == []


@pytest.mark.parametrize("code", [301, 302, 303, 307])
def test_query_endpoint_follows_no_redirect(code):
    elsewhere = Store(lambda conn: conn.sendall(b"HTTP/1.1 500 No\r\n\r\n"))
    target = f"http://127.0.0.1:{elsewhere.port}/sparql"
    store = Store(redirecting(code, target))
    try:
        result = ask(f"http://127.0.0.1:{store.port}/sparql")
    finally:
        store.close()
        elsewhere.close()
    assert f"a redirect to {target}: jitarsa follows none" in one_line_exit_3(result)
    assert elsewhere.requests == []


def endless(conn):
    """A 200 answer with no length whose body never ends (it took `query --endpoint --timeout
    8` to 8.6 GB)."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/sparql-results+json\r\n\r\n")
    chunk = b'{"head":{},"boolean":true}' + b" " * 65_510
    try:
        while True:
            conn.sendall(chunk)
    except OSError:
        return


#: `python -m jitarsa`, which writes its peak memory (VmHWM, of this program alone: a parent's
#: pages shared before exec, which the child's ru_maxrss counts, are not in it) to PEAK_FILE.
_PEAK = """
import atexit, os, runpy, sys
def peak():
    with open("/proc/self/status") as status, open(os.environ["PEAK_FILE"], "w") as out:
        out.write(next(line for line in status if line.startswith("VmHWM:")).split()[1])
atexit.register(peak)
sys.argv[0] = "jitarsa"
runpy.run_module("jitarsa", run_name="__main__", alter_sys=True)
"""


def measured(args: list[str], tmp_path: Path, timeout: float = 60):
    """`jitarsa ARGS` run to its end: its CompletedProcess, and its peak memory in KiB."""
    peak = tmp_path / "peak"
    result = subprocess.run(
        [sys.executable, "-c", _PEAK, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        env={**os.environ, "PEAK_FILE": str(peak)},
    )
    return result, int(peak.read_text())


@pytest.mark.parametrize(("args", "limit"), [([], 64 << 20), (["--max-answer", "100000"], 100_000)])
def test_an_endless_answer_is_read_up_to_max_answer(args, limit, tmp_path):
    store = Store(endless)
    try:
        started = time.monotonic()
        url = f"http://127.0.0.1:{store.port}/sparql"
        result, peak = measured(
            ["query", "ASK {}", "--endpoint", url, "--timeout", "30", *args], tmp_path
        )
        elapsed = time.monotonic() - started
    finally:
        store.close()
    message = one_line_exit_3(result)
    assert f"answered more than {limit:,} bytes, the most --max-answer allows" in message
    assert elapsed < 25  # cut at the limit, not at the timeout
    assert peak < 150_000 + 3 * limit // 1024  # KiB: the interpreter, and the answer once


def test_the_python_api_reads_an_endpoint_up_to_max_answer():
    import jitarsa
    from jitarsa.errors import EndpointError

    store = Store(endless)
    try:
        with pytest.raises(EndpointError, match="answered more than 1,000 bytes"):
            jitarsa.query("ASK {}", endpoint=f"http://127.0.0.1:{store.port}/q", max_answer=1000)
    finally:
        store.close()
