"""`jitarsa serve` against one greedy client and odd requests (issue 24): connections, workers,
header bytes and cache bytes bounded per client or in all, and an HTTP answer for every
request. Each test failed on f5db338, the server before these limits."""

import contextlib
import socket
import threading
import time
import urllib.parse

import pytest
from test_serve_hostile import COUNT, EXPLOSIVE, ROOT, rss, start, stop
from test_serve_hostile import request as ask

pytestmark = [pytest.mark.network_service, pytest.mark.slow]
#: Loopback addresses other than 127.0.0.1: each is another client (Linux routes 127/8 to lo).
GREEDY, OTHERS = "127.0.0.2", ["127.0.0.3", "127.0.0.4", "127.0.0.5", "127.0.0.6"]


@pytest.fixture(scope="module")
def server():
    """Default connection limits (200, 64 per client), two workers, pages from the data."""
    proc, port = start("--workers", "2", "--timeout", "5", "--idle-timeout", "10",
                       "--data", "data")  # fmt: skip
    try:
        yield port, proc.pid
    finally:
        stop(proc)


def query(server, text, source="127.0.0.1", timeout=30):
    path = "/sparql?" + urllib.parse.urlencode({"query": text})
    return ask(server, "GET", path, source=source, timeout=timeout)


def raw(server, data: bytes, source="127.0.0.1") -> bytes:
    """What the server sends back to DATA until it closes the connection (or 5 s pass)."""
    sock = socket.create_connection(("127.0.0.1", server[0]), 10, (source, 0))
    with sock:
        sock.sendall(data)
        sock.settimeout(5)
        answer = b""
        try:
            while chunk := sock.recv(65536):
                answer += chunk
        except TimeoutError:
            pass
    return answer


# --- Every request gets an answer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/org/actionaid/page/%C2%B2", 404),  # '²'.isdigit() is True; int('²') fails
        ("/org/actionaid/page/%25C2%25B2", 404),  # the same, once more encoded
        ("/org/actionaid/page/" + "1" * 5000, 414),  # int() refuses over 4,300 digits
        ("/org/actionaid/page/" + "9" * 1000, 404),
        ("/org/actionaid/page/0002", 404),
        ("/" + "a" * 300, 404),  # ENAMETOOLONG from the file system
        ("/org/" + "a" * 300, 404),  # an entity's path: its page looked for in the site
        ("/org/actionaid/" + "a" * 300, 404),
        ("/org/" + "a" * 300 + "/x", 404),
        ("/a/" * 200, 404),
        ("/" + "a" * 60_000, 414),
    ],
)
def test_every_path_gets_an_answer(server, path, status):
    got, headers, body = ask(server, "GET", path)
    assert got == status, (path[:60], body[:200])
    assert body.decode().count("\n") == 1


def test_an_entity_page_is_still_found(server):
    """A browser at the IRI is sent on to the page's folder (issue 27), where the page is."""
    status, headers, _ = ask(server, "GET", "/org/actionaid", headers={"Accept": "text/html"})
    assert status == 303
    assert urllib.parse.urljoin("/org/actionaid", headers["location"]) == "/org/actionaid/"
    status, _, body = ask(server, "GET", "/org/actionaid/", headers={"Accept": "text/html"})
    assert status == 200 and b"<html" in body


@pytest.mark.parametrize("size", [b"0_5", b"+5", b"0x5", b" 5"])
def test_chunk_sizes_are_strict_hex(server, size):
    """`int(size, 16)` reads `0_5` as 5: a proxy that reads it otherwise sees another request
    in the body."""
    answer = raw(
        server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + size + b"\r\nASK{}\r\n0\r\n\r\n",
    )
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]


@pytest.mark.parametrize("length", [b"+5", b"5_0", b"0x5", b"\xd9\xa5"])
def test_content_length_is_ascii_digits(server, length):
    answer = raw(
        server,
        b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\n"
        b"Content-Length: " + length + b"\r\n\r\nASK{}",
    )
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:100]


def test_the_host_header_is_never_in_a_cacheable_answer(server):
    status, headers, body = ask(server, "GET", "/sparql", headers={"Host": "evil.example"})
    assert status == 200 and b"<http://evil.example/sparql>" in body
    assert headers["Cache-Control"] == "no-store" and "ETag" not in headers


def test_public_url_is_what_the_service_description_advertises():
    proc, port = start("--workers", "1", "--public-url", "https://data.example.org/jitarsa")
    try:
        status, headers, body = ask((port,), "GET", "/sparql", headers={"Host": "evil.example"})
    finally:
        stop(proc)
    assert status == 200 and b"<https://data.example.org/jitarsa/sparql>" in body
    assert b"evil.example" not in body and b"http://127.0.0.1" not in body
    assert headers["Cache-Control"].startswith("public") and headers["ETag"]


def test_public_url_must_be_an_http_url():
    import subprocess
    import sys

    for url in ("ftp://x/", "https:///x", "https://x/?q=1", "data.example.org"):
        result = subprocess.run(
            [sys.executable, "-m", "jitarsa", "serve", "--port", "0", "--public-url", url],
            capture_output=True, text=True, cwd=ROOT, timeout=60,
        )  # fmt: skip
        assert result.returncode != 0 and "--public-url" in result.stderr, url
        assert "Traceback" not in result.stderr


def test_http_1_0_keep_alive_is_answered_as_such(server):
    """An HTTP/1.0 client that asks to keep the connection is told it is kept (and can send a
    second request); one that does not ask finds it closed at once, not after 15 s."""
    request = b"GET /ontology HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    sock = socket.create_connection(("127.0.0.1", server[0]), 10)
    with sock:
        sock.sendall(request)
        answers = sock.makefile("rb")
        for _ in range(2):
            status = answers.readline()
            assert status.startswith(b"HTTP/1.1 200 ")
            fields = {}
            while (line := answers.readline()) != b"\r\n":
                name, _, value = line.decode().partition(":")
                fields[name.lower()] = value.strip()
            assert fields["connection"] == "keep-alive"
            answers.read(int(fields["content-length"]))
            sock.sendall(request)
    started = time.monotonic()
    answer = raw(server, b"GET /ontology HTTP/1.0\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in answer
    assert time.monotonic() - started < 2


def test_the_header_fields_are_capped_in_all(server):
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"a" * 4000) for i in range(10))
    answer = raw(server, b"GET /ontology HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 ")


# --- One client cannot take the server --------------------------------------------------------


def test_one_client_holding_200_connections_leaves_room_for_others(server):
    held = []
    try:
        for _ in range(200):
            held.append(socket.create_connection(("127.0.0.1", server[0]), 10, (GREEDY, 0)))
        time.sleep(0.5)
        refused = 0
        for sock in held[64:]:
            sock.settimeout(5)
            refused += sock.recv(100).startswith(b"HTTP/1.1 503 ")
        assert refused == 200 - 64  # --max-client-connections
        for i in range(10):
            status, _, body = query(server, COUNT + f" # other {i}", source=OTHERS[0])
            assert status == 200, body
    finally:
        for sock in held:
            sock.close()


def test_a_crowd_of_idle_connections_does_not_keep_a_newcomer_out(server):
    """Four clients hold 50 idle connections each, every place of --max-connections: a new
    client takes the place of the longest idle one of a client holding the most."""
    held = []
    try:
        for i in range(200):
            held.append(socket.create_connection(("127.0.0.1", server[0]), 10, (OTHERS[i % 4], 0)))
        time.sleep(0.5)
        for i in range(5):
            status, _, body = query(server, COUNT + f" # newcomer {i}", source=GREEDY)
            assert status == 200, body
        closed = 0
        for sock in held:
            sock.settimeout(0.01)
            with contextlib.suppress(TimeoutError):
                closed += sock.recv(100) == b""
        assert 1 <= closed <= 5  # one place made for each of the newcomer's connections
    finally:
        for sock in held:
            sock.close()


def test_sixteen_slow_queries_from_one_client_do_not_hold_others_up(server):
    """A client keeps sixteen slow queries in line (each sent again when it is answered):
    workers go to the client holding the fewest, so another client's quick query waits for the
    next worker given back (a slow query is stopped after 1 s when it may not hold a worker for
    long ones), not behind the sixteen. Before, each waited in line until the ones ahead timed
    out, and was answered 503 or after the 5 s timeout."""
    stop = threading.Event()
    results: list[int] = []

    def greedy(i):
        n = 0
        while not stop.is_set():
            n += 1
            results.append(query(server, EXPLOSIVE + f" # greedy {i} {n}", source=GREEDY)[0])

    threads = [threading.Thread(target=greedy, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    time.sleep(1.5)  # the sixteen are running or waiting
    try:
        waits = []
        for i in range(5):
            started = time.monotonic()
            status, _, body = query(server, COUNT + f" # meanwhile {i}", source=OTHERS[1])
            waits.append(time.monotonic() - started)
            assert status == 200, body
        assert max(waits) < 3, waits  # a worker is given back at least once a second
    finally:
        stop.set()
        for thread in threads:
            thread.join(60)
    assert results and set(results) <= {200, 503}


def peak_growth(pid: int, attack) -> int:
    """The most the server's resident memory grew above its level before ATTACK, sampled
    every 20 ms while ATTACK runs and for a second after."""
    before = rss(pid)
    peak = before
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        attack()
        time.sleep(1)
    finally:
        done.set()
        sampler.join()
    return peak - before


def test_200_connections_of_huge_heads_keep_memory_bounded(server):
    """200 connections (four clients of 50) each send 98 header lines of 64 KiB: each line
    is under the standard library's limit, 6 MiB a request. SECURITY.md: under 64 MiB."""
    line = b"X-Long: " + b"a" * (64 * 1024 - 12) + b"\r\n"
    head = b"GET /ontology HTTP/1.1\r\nHost: x\r\n" + line * 98 + b"\r\n"

    def send(source):
        try:
            sock = socket.create_connection(("127.0.0.1", server[0]), 10, (source, 0))
            with sock:
                sock.settimeout(20)
                sock.sendall(head)
                sock.recv(100)
        except OSError:
            pass  # refused part-way: the point

    def attack():
        threads = [threading.Thread(target=send, args=(OTHERS[i % 4],)) for i in range(200)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)

    growth = peak_growth(server[1], attack)
    print(f"huge heads: the server grew by {growth / (1 << 20):.1f} MiB at most")
    assert growth < 64 << 20, f"{growth >> 20} MiB"
    assert query(server, COUNT + " # after the heads")[0] == 200


def test_256_distinct_1_mib_queries_keep_the_cache_bounded(server):
    """Cache keys were the query text: 256 distinct 1 MiB queries kept 270 MiB against the
    documented 64 MiB. SECURITY.md: the cache holds at most 64 MiB, keys counted."""
    padding = "x" * ((1 << 20) - 100)

    def attack():
        for i in range(256):
            text = f"ASK {{}} # {i:04d} {padding}"
            status, _, body = ask(
                server, "POST", "/sparql", text.encode(),
                {"Content-Type": "application/sparql-query"}, source=OTHERS[2],
            )  # fmt: skip
            assert status == 200, body[:200]

    growth = peak_growth(server[1], attack)
    print(f"1 MiB queries: the server grew by {growth / (1 << 20):.1f} MiB at most")
    assert growth < 64 << 20, f"{growth >> 20} MiB"
