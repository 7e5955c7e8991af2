"""The endpoint's HTTP pieces on their own (issue 24): a request read by RFC 9112's grammar,
workers handed out fairly among clients, and an answer cache that counts its keys."""

import io
import threading
import time

import pytest

from jitarsa.sparql._cache import ENTRY_BYTES, AnswerCache, cache_key
from jitarsa.sparql._clients import Connections, Scheduler, client_of
from jitarsa.sparql._request import (
    MAX_HEAD,
    BadRequest,
    decimal,
    decode_path,
    read_body,
    read_chunks,
    read_head,
)


def head(request: bytes):
    line, _, rest = request.partition(b"\n")
    return read_head(line + b"\n", io.BytesIO(rest))


def refused(request: bytes) -> int:
    with pytest.raises(BadRequest) as caught:
        head(request)
    return caught.value.status


# --- The head ---------------------------------------------------------------------------------


def test_a_plain_request_is_read():
    read = head(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n")
    assert (read.method, read.target, read.version) == (
        "GET",
        "/sparql?query=ASK%7B%7D",
        "HTTP/1.1",
    )
    assert read.headers["Accept"] == "text/csv" and read.keep_alive


@pytest.mark.parametrize(
    "line",
    [
        b"GET  / HTTP/1.1",  # two spaces
        b"GET / HTTP/1.1 ",  # a space after the version
        b"GET / HTTP/01.1",
        b"GET / HTTP/1.\xd9\xa1",  # ARABIC-INDIC DIGIT ONE: int() reads it as 1
        b"GET / http/1.1",
        b"GET /a\x00b HTTP/1.1",
        b"G(T / HTTP/1.1",
        b"GET /",  # HTTP/0.9
    ],
)
def test_a_request_line_off_the_grammar_is_400(line):
    assert refused(line + b"\r\nHost: x\r\n\r\n") == 400


def test_only_http_1_is_spoken():
    assert refused(b"GET / HTTP/2.0\r\nHost: x\r\n\r\n") == 505


@pytest.mark.parametrize(
    "field",
    [
        b"Host : x",  # a space before the colon: a proxy may read another field name
        b"Host: x\r\n continued",  # obsolete line folding
        b"no colon here",
        b"Host: a\x01b",
        b"Content-Length: 5\r\nContent-Length: 6",
        b"Host: a\r\nHost: b",
    ],
)
def test_a_field_off_the_grammar_is_400(field):
    assert refused(b"POST /sparql HTTP/1.1\r\n" + field + b"\r\n\r\n") == 400


def test_the_header_fields_are_capped_in_all_not_per_line():
    """Ten lines of 4 KiB each pass any per-line limit; together they are over MAX_HEAD."""
    fields = b"".join(b"X-%d: %s\r\n" % (i, b"a" * 4000) for i in range(10))
    assert refused(b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n") == 431
    fields = b"".join(b"X-%d: a\r\n" % i for i in range(101))
    assert refused(b"GET / HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n") == 431
    just = b"X: " + b"a" * (MAX_HEAD - 20) + b"\r\n"
    assert head(b"GET / HTTP/1.1\r\n" + just + b"\r\n").headers["X"].startswith("aaa")


def test_a_head_cut_short_is_400():
    assert refused(b"GET / HTTP/1.1\r\nHost: x\r\n") == 400


@pytest.mark.parametrize(
    ("version", "connection", "keep"),
    [
        (b"1.1", b"", True),
        (b"1.1", b"Connection: close\r\n", False),
        (b"1.1", b"Connection: Upgrade, Close\r\n", False),
        (b"1.0", b"", False),
        (b"1.0", b"Connection: keep-alive\r\n", True),
        (b"1.0", b"Connection: Keep-Alive, foo\r\n", True),
    ],
)
def test_keep_alive_follows_rfc_9112(version, connection, keep):
    assert head(b"GET / HTTP/" + version + b"\r\n" + connection + b"\r\n").keep_alive == keep


def test_100_continue_only_for_http_1_1():
    assert head(b"POST / HTTP/1.1\r\nExpect: 100-continue\r\n\r\n").expect_continue
    assert not head(b"POST / HTTP/1.0\r\nExpect: 100-continue\r\n\r\n").expect_continue


# --- Numbers and bodies -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["+5", "5_0", " 5", "²", "٥", "-5", "", "1" * 17, "0x5"])
def test_numbers_are_ascii_digits_within_a_length(text):
    assert decimal(text) is None
    assert int("5") == decimal("5") and decimal("0" * 16) == 0


@pytest.mark.parametrize("size", [b"0_5", b"+5", b" 5", b"0x5", b"5 5", b"\xd9\xa5", b"123456789"])
def test_chunk_sizes_are_strict_hex(size):
    with pytest.raises(BadRequest) as caught:
        read_chunks(io.BytesIO(size + b"\r\nhello\r\n0\r\n\r\n"))
    assert caught.value.status == 400


def test_chunks_with_extensions_and_trailers_are_read():
    body = b"5;name=value\r\nhello\r\nA\r\n, world!!!\r\n0\r\nTrailer: x\r\n\r\n"
    assert read_chunks(io.BytesIO(body)) == b"hello, world!!!"
    long_trailer = b"0\r\n" + (b"T: " + b"x" * 1000 + b"\r\n") * 40 + b"\r\n"
    with pytest.raises(BadRequest) as caught:
        read_chunks(io.BytesIO(long_trailer))
    assert caught.value.status == 431


def test_a_body_by_content_length():
    read = head(b"POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n")
    assert read_body(io.BytesIO(b"abcdef"), read.headers) == b"abc"
    for value, status in ((b"+3", 400), (b"3_0", 400), (b"99999999", 413)):
        read = head(b"POST / HTTP/1.1\r\nContent-Length: " + value + b"\r\n\r\n")
        with pytest.raises(BadRequest) as caught:
            read_body(io.BytesIO(b"abc"), read.headers)
        assert caught.value.status == status, value


# --- Paths ------------------------------------------------------------------------------------


def test_a_path_is_decoded_once():
    assert decode_path("/org/actionaid/page/%25C2%25B2") == "/org/actionaid/page/%C2%B2"
    assert decode_path("/org/actionaid/page/%C2%B2") == "/org/actionaid/page/²"
    with pytest.raises(BadRequest) as caught:
        decode_path("/" + "a" * 60_000)
    assert caught.value.status == 414


# --- Clients ----------------------------------------------------------------------------------


def test_a_client_is_an_ipv4_address_or_an_ipv6_64():
    assert client_of("192.0.2.7") == "192.0.2.7"
    assert client_of("::ffff:192.0.2.7") == "192.0.2.7"
    assert client_of("2001:db8:1:2:aaaa::1") == client_of("2001:db8:1:2:bbbb::9")
    assert client_of("2001:db8:1:2::1") != client_of("2001:db8:1:3::1")


def test_connections_are_bounded_per_client_and_in_all():
    connections: Connections[str] = Connections(total=5, per_client=3)
    assert [connections.enter("a")[0] for _ in range(4)] == [True, True, True, False]
    assert connections.enter("b")[0] and connections.enter("b")[0]
    assert connections.enter("c") == (False, None)  # five in all, none idle
    connections.leave("a", "a1")
    assert connections.enter("c")[0] and not connections.enter("a")[0]


def test_a_newcomer_takes_the_place_of_an_idle_connection_of_the_greediest():
    connections: Connections[str] = Connections(total=6, per_client=6)
    for name in ("a1", "a2", "a3", "a4", "b1", "b2"):
        assert connections.enter(name[0]) == (True, None)
        connections.waiting(name, name[0])
    connections.working("a1")  # a1 is answering a request: never closed for another
    assert connections.enter("c") == (True, "a2")  # a holds the most; a2 idle the longest
    assert connections.open == 7  # over the total until a2 has left
    connections.leave("a", "a2")
    assert connections.enter("c") == (True, "a3")
    connections.leave("a", "a3")
    # a holds 2 (a1, a4), b 2, c 2: c holds as many as anyone, it takes no one's place
    assert connections.enter("c") == (False, None)
    assert connections.enter("d") == (True, "a4")  # d holds none: a holds 2


def test_a_free_worker_goes_to_the_client_holding_the_fewest():
    """One client holds both workers and has four more requests waiting; another client
    arrives last, and gets the first worker that is given back."""
    scheduler: Scheduler[str] = Scheduler(per_client=4, long=2, long_per_client=1)
    scheduler.put("w1")
    scheduler.put("w2")
    assert {scheduler.get("greedy", 1), scheduler.get("greedy", 1)} == {"w1", "w2"}
    served: list[str] = []

    def wait(client):
        worker = scheduler.get(client, 5)
        served.append(client)
        time.sleep(0.05)
        scheduler.give_back(worker, client)

    threads = [threading.Thread(target=wait, args=("greedy",)) for _ in range(4)]
    threads.append(threading.Thread(target=wait, args=("other",)))
    for thread in threads:
        thread.start()
        time.sleep(0.02)  # in this order: the other client's request is the newest
    scheduler.give_back("w1", "greedy")
    for thread in threads:
        thread.join(5)
    assert served[0] == "other" and sorted(served) == ["greedy"] * 4 + ["other"]


def test_a_client_holds_at_most_its_share():
    scheduler: Scheduler[str] = Scheduler(per_client=1, long=2, long_per_client=1)
    scheduler.put("w1")
    scheduler.put("w2")
    assert scheduler.get("a", 1) is not None
    assert scheduler.get("a", 0.1) is None  # the second worker is not for it
    assert scheduler.get("b", 0.1) is not None
    assert scheduler.hold_long("a") and not scheduler.hold_long("a")  # one long each
    assert scheduler.hold_long("b") and not scheduler.hold_long("c")  # two long in all
    scheduler.release_long("a")
    assert scheduler.hold_long("c")


# --- The answer cache -------------------------------------------------------------------------


def test_the_cache_counts_its_keys_and_keeps_digests():
    cache: AnswerCache[str] = AnswerCache(entries=256, max_bytes=64 << 20, max_answer=1 << 20)
    for i in range(256):
        key = cache_key("query", f"ASK {{}} # {i} " + "x" * (1 << 20), None, None)
        assert len(key) == 32
        cache.put(key, "answer", 10)
    assert len(cache.answers) == 256 and cache.size == 256 * (10 + ENTRY_BYTES)
    small: AnswerCache[str] = AnswerCache(entries=256, max_bytes=10 * ENTRY_BYTES, max_answer=100)
    for i in range(20):
        small.put(cache_key(i), "answer", 0)
    assert len(small.answers) == 10  # the bytes counted per entry bound the count
    small.put(cache_key("big"), "answer", 101)
    assert small.get(cache_key("big")) is None


def test_the_client_limits_reach_the_server():
    from jitarsa.sparql.limits import Limits
    from jitarsa.sparql.server import make_server

    limits = Limits(max_client_connections=3, max_client_workers=1)
    server = make_server(port=0, workers=3, limits=limits, public_url="https://x.example/a")
    try:
        assert (server.connections.total, server.connections.per_client) == (200, 3)
        scheduler = server.pool.idle
        assert (scheduler.per_client, scheduler.long, scheduler.long_per_client) == (1, 2, 1)
        published = server.RequestHandlerClass.site  # type: ignore[attr-defined]
        assert published.public_url == "https://x.example/a/"
    finally:
        server.server_close()
        server.pool.close()


@pytest.mark.parametrize(
    "url", ["ftp://x/", "https:///x", "https://x/?q=1", "https://x/#f", "x.example", "https://u@x/"]
)
def test_public_url_is_an_http_url_of_the_root(url):
    from jitarsa.errors import JitarsaError
    from jitarsa.sparql.server import public_base

    with pytest.raises(JitarsaError, match="--public-url"):
        public_base(url)
    assert public_base("https://data.example.org") == "https://data.example.org/"


def test_any_bytes_are_read_or_refused_never_an_error():
    """Whatever the head or a chunked body holds, the reader returns or raises BadRequest."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    pieces = st.sampled_from(
        [b"GET", b" ", b"/", b"HTTP/1.1", b"HTTP/1.0", b"\r\n", b"\n", b":", b"Host", b"\x00",
         b"Content-Length", b"Transfer-Encoding", b"chunked", b"0", b"5", b"_", b"\xd9\xa5",
         b";", b"\t", b"\xff", b"Connection", b"keep-alive", b"close", b"Expect"]
    )  # fmt: skip
    data = st.lists(pieces | st.binary(max_size=20), max_size=40).map(b"".join)

    @settings(max_examples=400, deadline=None, database=None)
    @given(data=data)
    def probe(data):
        line, _, rest = data.partition(b"\n")
        try:
            head = read_head(line + b"\n", io.BytesIO(rest))
        except BadRequest as err:
            assert err.status in (400, 414, 431, 505)
            return
        try:
            read_body(io.BytesIO(rest), head.headers)
        except BadRequest as err:
            assert err.status in (400, 413, 431)

    probe()
