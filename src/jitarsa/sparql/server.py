"""`jitarsa serve`: a local, read-only SPARQL 1.1 Protocol endpoint and the dataset's entities.

Queries run in a small pool of worker processes, each holding its own Oxigraph store. A running
pyoxigraph query cannot be cancelled from another thread, so a query that outlives the timeout
has its worker killed (its CPU is really freed) and replaced, and its client gets 503; the other
workers go on serving everyone else. Only the standard library's http.server: nothing to install.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import mimetypes
import multiprocessing
import re
import socket
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, NamedTuple, cast
from zlib import crc32

from jitarsa.errors import JitarsaError
from jitarsa.formats import (
    FORM,
    HTML,
    JSONLD,
    RESULTS_MEDIA_TYPES,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    TEXT,
    TURTLE,
    by_name,
)
from jitarsa.sparql._cache import AnswerCache, cache_key
from jitarsa.sparql._clients import Connections, Scheduler, client_of
from jitarsa.sparql._request import (
    MAX_LINE,
    BadRequest,
    could_be_file,
    decode_path,
    read_body,
    read_head,
    split_target,
)
from jitarsa.sparql.limits import Limits
from jitarsa.sparql.negotiation import (
    DESCRIPTION_TYPES,
    GRAPH_TYPES,
    acceptable_results,
    negotiate,
    results_type,
)

MAX_CACHED = 1 << 20  # the largest answer the cache keeps
MAX_CACHE_BYTES = 64 << 20  # all the answers the cache keeps, and their keys
SMALL = 64 << 10  # an answer this small is always sent (it fits in the socket's buffer)
QUICK = 1.0  # seconds: a query still running after this holds one of the workers for long ones
MAX_AGE = 300  # seconds a cache may keep a successful answer (Cache-Control)
ENTITY_PATH = re.compile(r"/(?:org|place)/[a-z0-9]+(?:-[a-z0-9]+)*")


class Answer(NamedTuple):
    """What a worker sends back: picklable and small."""

    status: int
    content_type: str
    body: bytes


def text_answer(status: int, message: str) -> Answer:
    return Answer(status, f"{TEXT}; charset=utf-8", (message.rstrip("\n") + "\n").encode())


class AnswerTooLarge(Exception):
    """An answer grew past --max-answer while it was being written."""


class CappedBuffer(io.RawIOBase):
    """Where a worker writes an answer: raises AnswerTooLarge past LIMIT bytes."""

    def __init__(self, limit: int):
        self.limit, self.size = limit, 0
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.size += len(data)
        if self.size > self.limit:
            raise AnswerTooLarge
        self.parts.append(bytes(data))
        return len(data)

    def getvalue(self) -> bytes:
        return b"".join(self.parts)


# --- Workers ------------------------------------------------------------------------------


def _worker(
    conn, nquads: bytes, graph: str, max_answer: int, isolate: bool, allow_service: bool
) -> None:
    """A worker process: leave the network (ISOLATE), load the graphs once, then answer jobs
    until the pipe closes; the first message says whether the worker is isolated: "" or why not.

    The default graph is held as the named graph GRAPH (the dataset's IRI), so `FROM <GRAPH>`
    and the protocol's `default-graph-uri`/`named-graph-uri` can name it; a quads dump's named
    graphs are kept (jitarsa.sparql.dataset). Jobs run on a thread with a large stack (a deep
    query must not overflow it), and any error becomes an answer: the worker stays."""
    from jitarsa._util.isolation import leave_network
    from jitarsa._util.stack import with_large_stack
    from jitarsa.sparql.dataset import load

    isolation = leave_network() if isolate else "not asked for"
    store, named = load(nquads, graph)
    conn.send(("ready", isolation))

    def serve() -> None:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            try:
                answer = _answer(store, named, max_answer, allow_service, *job)
            except AnswerTooLarge:
                answer = text_answer(
                    422,
                    f"The answer is larger than {max_answer} bytes (--max-answer); "
                    "ask for fewer rows (LIMIT) or fewer variables.",
                )
            except Exception as err:  # noqa: BLE001 - the worker answers and lives on
                answer = text_answer(500, f"The query failed while it was answered: {err}")
            conn.send(answer)

    with_large_stack(serve)


def _answer(
    store,
    named: list,
    max_answer: int,
    allow_service: bool,
    kind: str,
    text: str,
    accept,
    dataset,
    base=None,
) -> Answer:
    """One job: KIND "query" (TEXT is SPARQL, parsed with BASE as its base IRI) or "entity"
    (TEXT is an IRI); DATASET is the protocol's (jitarsa.sparql.dataset.query_dataset)."""
    from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions

    from jitarsa.errors import QueryError
    from jitarsa.namespaces import PREFIXES
    from jitarsa.sparql.dataset import query_dataset
    from jitarsa.sparql.guard import check
    from jitarsa.sparql.results import render_graph, xml_safe

    query, names_dataset = text, False
    if kind == "entity":
        query = f"CONSTRUCT WHERE {{ {NamedNode(text)} ?p ?o }}"
    else:
        try:
            names_dataset = check(
                text,
                allow_service=allow_service,
                hint=": this endpoint sends no request to other hosts",
            )
        except QueryError as err:
            return text_answer(400, f"Bad query: {err.message}")
    options = query_dataset(dataset, names_dataset, named)
    try:
        result = store.query(
            query,
            prefixes=PREFIXES if kind == "query" else None,
            base_iri=base if kind == "query" else None,
            **options,
        )
    except SyntaxError as err:
        return text_answer(400, f"Bad query: {err}")
    except (OSError, RuntimeError) as err:
        return text_answer(500, f"The query failed: {err}")
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        chosen = results_type(accept)
        if chosen is None:
            return text_answer(406, "Acceptable results formats: " + acceptable_results())
        media, label = chosen
        out = CappedBuffer(max_answer)
        result.serialize(cast(IO[bytes], out), format=QueryResultsFormat.from_media_type(media))
        body = out.getvalue()
        if media == RESULTS_MEDIA_TYPES["xml"]:
            body = xml_safe(body)
            if len(body) > max_answer:
                raise AnswerTooLarge
        return Answer(200, f"{label}; charset=utf-8", body)
    triples, size = [], 0
    for triple in result:  # a graph is sorted before it is written: bound it while it is read
        size += len(str(triple))
        if size > max_answer:
            raise AnswerTooLarge
        triples.append(triple)
    if kind == "entity" and not triples:
        return text_answer(404, "No such entity in this dataset.")
    graph_media = negotiate(accept, GRAPH_TYPES)
    if graph_media is None:
        return text_answer(406, "Acceptable RDF formats: " + ", ".join(GRAPH_TYPES))
    media = graph_media
    if kind == "entity" and media == JSONLD.media_type:
        return Answer(200, f"{media}; charset=utf-8", entity_jsonld(triples, text))
    try:
        body = render_graph(triples, by_name(media).extension)
    except JitarsaError as err:  # RDF/XML cannot write every IRI or text
        return text_answer(406, f"{err}.")
    if len(body) > max_answer:
        raise AnswerTooLarge
    return Answer(200, f"{media}; charset=utf-8", body)


def entity_jsonld(triples, iri: str) -> bytes:
    """An entity as the dump writes it (jitarsa's context, inline so it reads offline)."""
    import json

    from jitarsa.rdf.graph import sort_triples
    from jitarsa.rdf.jsonld import Context, dumps, frame
    from jitarsa.resources import context_file

    document = json.loads(context_file().read_text(encoding="utf-8"))
    framed = frame(sort_triples(triples), iri, Context(document), document["@context"])
    return dumps(framed).encode("utf-8")


class Worker:
    """One worker process and the pipe to it."""

    def __init__(
        self,
        context,
        nquads: bytes,
        graph: str,
        max_answer: int,
        isolate: bool = True,
        allow_service: bool = False,
    ):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker,
            args=(child, nquads, graph, max_answer, isolate, allow_service),
            daemon=True,
        )
        self.process.start()
        child.close()
        self.isolation = "did not start"  # "" once it has left the network
        message = None
        try:
            if self.conn.poll(60):
                message, self.isolation = self.conn.recv()
        except (EOFError, OSError, ValueError, TypeError):
            pass
        if message != "ready":
            self.stop()
            raise JitarsaError("a query worker did not start")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.kill()
        self.process.join()
        self.conn.close()


class Pool:
    """Worker processes that each hold the store; a late query's worker is killed and replaced.

    The graph never changes while it is served, so a successful answer is kept (the last
    `cache` distinct requests, each up to MAX_CACHED bytes, MAX_CACHE_BYTES in all) and given
    again to the same request. A query still running after QUICK seconds holds one of the
    workers for long queries; `reserved` workers are kept for quick ones, so long queries never
    hold them all: one that would is stopped with 503. Workers go to the waiting client holding
    the fewest (`_clients.Scheduler`): at most `client_workers` each, and all but one of the
    workers for long queries (when there are two or more).

    With `isolate`, each worker leaves the network before it loads the graph (Linux network
    namespaces); `isolation` then says why not, or is "". `allow_service` lets the guard pass
    SERVICE: only for tests that show what isolation alone does.
    """

    def __init__(
        self,
        nquads: bytes,
        size: int,
        timeout: float,
        cache: int = 256,
        graph: str | None = None,
        max_answer: int = Limits.max_answer,
        reserved: int | None = None,
        client_workers: int | None = None,
        isolate: bool = True,
        allow_service: bool = False,
    ):
        from jitarsa.namespaces import DEFAULT_BASE
        from jitarsa.rdf.description import dataset_iri

        self.nquads, self.timeout = nquads, timeout
        self.graph = graph or dataset_iri(DEFAULT_BASE)
        self.max_answer = max_answer
        self.isolate, self.allow_service = isolate, allow_service
        self.isolation = ""
        self.answers: AnswerCache[Answer] = AnswerCache(cache, MAX_CACHE_BYTES, MAX_CACHED)
        if reserved is None:
            reserved = max(1, size // 4) if size > 1 else 0
        self.reserved = min(reserved, size - 1)
        long = size - self.reserved
        self.idle: Scheduler[Worker] = Scheduler(
            per_client=client_workers or size, long=long, long_per_client=max(1, long - 1)
        )
        self.context = multiprocessing.get_context("spawn")
        self.workers: set[Worker] = set()
        self.lock = threading.Lock()
        starters = [threading.Thread(target=self._add) for _ in range(size)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        if len(self.workers) != size:
            self.close()
            raise JitarsaError("the query workers did not start")

    def _add(self) -> None:
        try:
            worker = Worker(
                self.context,
                self.nquads,
                self.graph,
                self.max_answer,
                self.isolate,
                self.allow_service,
            )
        except JitarsaError:
            return
        with self.lock:
            self.workers.add(worker)
            self.isolation = self.isolation or worker.isolation
        self.idle.put(worker)

    def run(
        self,
        kind: str,
        text: str,
        accept: str | None,
        dataset=None,
        base: str | None = None,
        client: str = "",
    ) -> Answer:
        """Answer a job: KIND "query" (TEXT is SPARQL, its relative IRIs resolved against
        BASE) or "entity" (TEXT is an IRI), DATASET the protocol's (default graph IRIs, named
        graph IRIs) or None, for CLIENT (an address, `_clients.client_of`)."""
        key = cache_key(kind, text, accept, dataset, base)
        answer = self.answers.get(key)
        if answer is not None:
            return answer
        answer = self._ask(kind, text, accept, dataset, base, client)
        if answer.status == 200:
            self.answers.put(key, answer, len(answer.body))
        return answer

    def _ask(self, kind: str, text: str, accept: str | None, dataset, base, client: str) -> Answer:
        started = time.monotonic()
        worker = self.idle.get(client, self.timeout)
        if worker is None:
            return text_answer(
                503, f"Every query worker stayed busy for {self.timeout:g} s; try again."
            )
        try:
            return self._run_on(worker, client, started, (kind, text, accept, dataset, base))
        except (EOFError, OSError, ValueError):  # the worker died; ValueError: unpicklable
            self._replace(worker, client)
            return text_answer(500, "The query worker failed; it has been replaced.")

    def _run_on(self, worker: Worker, client: str, started: float, job: tuple) -> Answer:
        """JOB on WORKER, held by CLIENT: quick, or long while a worker for long queries is
        left to the client, else stopped."""
        worker.conn.send(job)
        quick = min(QUICK, self.timeout)
        if worker.conn.poll(quick):
            return self._done(worker, client)
        remaining = self.timeout - (time.monotonic() - started)
        if remaining > 0:
            if not self.idle.hold_long(client):
                self._replace(worker, client)
                return text_answer(
                    503,
                    f"The query ran longer than {quick:g} s while the workers for long queries "
                    "that this client may hold were busy, and was stopped; the rest are kept "
                    "for quick queries and other clients. Try again later.",
                )
            try:
                if worker.conn.poll(remaining):
                    return self._done(worker, client)
            finally:
                self.idle.release_long(client)
        self._replace(worker, client)
        return text_answer(
            503,
            f"The query ran longer than {self.timeout:g} s and was "
            f"stopped (worker process {worker.pid} ended).",
        )

    def _done(self, worker: Worker, client: str) -> Answer:
        answer = worker.conn.recv()
        self.idle.give_back(worker, client)
        return answer

    def _replace(self, worker: Worker, client: str) -> None:
        """Stop WORKER and start another; CLIENT holds the place until it is ready, so a client
        whose queries are stopped cannot make every worker a starting one."""
        worker.stop()
        with self.lock:
            self.workers.discard(worker)

        def renew() -> None:
            try:
                self._add()
            finally:
                self.idle.release(client)

        threading.Thread(target=renew, daemon=True).start()

    def close(self) -> None:
        with self.lock:
            workers, self.workers = list(self.workers), set()
        for worker in workers:
            worker.stop()


# --- HTTP ---------------------------------------------------------------------------------


def pages_on_request(data) -> Callable[[str], bytes | None]:
    """Entity pages rendered on request from a data folder, byte for byte as `jitarsa build`
    writes them: what is served when the site folder lacks a page (or there is none)."""
    from jitarsa.publish.site import Site
    from jitarsa.rdf.graph import triples
    from jitarsa.records.load import load_dataset

    dataset = load_dataset(data)
    return Site(dataset, triples(dataset), {}).page_at


class Published:
    """What the server publishes besides /sparql: entities, VoID and a static site folder, and,
    given `pages`, the entities' pages that folder lacks, rendered on request."""

    def __init__(
        self,
        pool: Pool,
        counts: dict[str, int],
        base: str,
        void: Path | None,
        site: Path | None,
        checksum: str = "",
        pages: Callable[[str], bytes | None] | None = None,
        public_url: str | None = None,
    ):
        self.pool, self.base = pool, base
        self.counts = counts  # triples by graph (jitarsa.sparql.dataset.Served)
        self.void = void if void is not None and void.is_file() else None
        self.site = site.resolve() if site is not None and site.is_dir() else None
        self.checksum = checksum  # SHA-256 of the served N-Triples: the answers' ETag
        self.pages = pages
        self.public_url = public_url  # --public-url, ending in "/"; None: as the client asked
        # Services mounted beside the endpoint: /reconcile (jitarsa.reconcile.service), a plain
        # answer(method, path, params, body, headers) -> (status, headers, body).
        self.reconcile: Callable[..., tuple[int, dict[str, str], bytes]] | None = None

    def page(self, path: str) -> bytes | None:
        """The HTML page at URL PATH: the site folder's file, else one rendered on request."""
        found = self.static_file(path)
        return found.read_bytes() if found is not None else self.rendered(path)

    def rendered(self, path: str) -> bytes | None:
        """The entity page at (decoded) URL PATH rendered on request, if pages are and it is
        one."""
        return self.pages(path) if self.pages is not None else None

    def static_file(self, path: str) -> Path | None:
        """The file of the site folder at (decoded) URL PATH, never anything outside it; None
        also when the file system refuses the name (too long, a loop, no permission)."""
        if self.site is None:
            return None
        try:
            target = (self.site / path.lstrip("/")).resolve()
            if target != self.site and self.site not in target.parents:
                return None
            if target.is_dir():
                target = target / "index.html"
            return target if target.is_file() else None
        except OSError:
            return None

    def representations(self, path: str) -> dict[str, Path]:
        """The files that answer the base, the ontology and the shapes IRIs (`/`, `/ontology`,
        `/shapes`), by media type, the answer for a client without preference first: as
        docs/site.md's static rules answer them. HTML is the page (the ontology page for the
        shapes' rules)."""
        from jitarsa.formats import NTRIPLES, RDF_XML
        from jitarsa.resources import ontology_file, shapes_file

        files: dict[str, Path | None]
        if path == "/":
            files = {HTML: self.static_file("/index.html")}
            for fmt in (TURTLE, JSONLD, NTRIPLES, RDF_XML):
                files[fmt.media_type] = self.static_file(f"/jitarsa.{fmt.extension}")
        else:
            source = ontology_file() if path == "/ontology" else shapes_file()
            files = {TURTLE.media_type: source, HTML: self.static_file("/ontology/index.html")}
        return {media: file for media, file in files.items() if file is not None}

    def service_description(self, endpoint: str) -> list:
        """The SPARQL 1.1 Service Description of this endpoint, as triples."""
        from jitarsa.sparql.service import description

        return description(endpoint, self.pool.graph, self.counts)


def _turtle(body: bytes) -> Answer:
    return Answer(200, f"{TURTLE.media_type}; charset=utf-8", body)


def digest(body: bytes) -> str:
    """The entity tag of a file served as it is: its own checksum, not the graph's."""
    return hashlib.sha256(body).hexdigest()[:32]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jitarsa"
    # Headers and body leave in one write (flushed after each request): two small writes meet
    # Nagle's algorithm and the client's delayed ACK, and each answer waits ~40 ms.
    wbufsize = 1 << 16
    site: Published  # set on the subclass made by `serve`
    server: Server

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        """Quiet: one line per request would dominate a benchmark and a test's output."""

    def setup(self):
        super().setup()
        # each read and write, as a backstop
        self.connection.settimeout(self.server.limits.idle_timeout)
        self.client = client_of(str(self.client_address[0]))

    def handle_one_request(self):
        """One request, read within --idle-timeout. Whatever fails while it is answered, the
        client gets an answer (500) unless one was already on its way; then it is closed."""
        self.server.watch(self.connection, self.server.limits.idle_timeout)
        self.server.connections.waiting(self.connection, self.client)
        self.sent = False
        try:
            super().handle_one_request()
        except Exception as err:  # noqa: BLE001 - one request fails, never the server
            self.close_connection = True
            if not self.sent:  # an error of the answer's making, or of the socket: try to say so
                with contextlib.suppress(OSError, ValueError):
                    self.send(text_answer(500, f"The request failed: {type(err).__name__}."))
        finally:
            self.server.unwatch(self.connection)

    def parse_request(self) -> bool:
        """The request's head, read by `_request.read_head` instead of the standard library's
        lenient reading; False (the refusal sent) when it cannot be read."""
        self.command, self.request_version, self.close_connection = "", "HTTP/1.1", True
        line: bytes = self.raw_requestline  # type: ignore[attr-defined]  # set by the stdlib
        if line in (b"\r\n", b"\n"):  # one empty line may precede a request (RFC 9112)
            line = self.rfile.readline(MAX_LINE + 1)
            if not line:
                return False
        self.requestline = line.decode("latin-1").rstrip("\r\n")[:200]
        try:
            head = read_head(line, self.rfile)
        except BadRequest as err:
            self.refuse(err)
            return False
        finally:
            self.server.connections.working(self.connection)
        self.command, self.path, self.request_version = head.method, head.target, head.version
        self.headers = head.headers
        self.close_connection = not head.keep_alive
        if head.expect_continue:
            self.send_response_only(100)
            self.end_headers()
        return True

    def send_error(self, code, message=None, explain=None):
        """The stdlib's own refusals (a request line over 64 KiB, an unknown method) as one
        plain line with a status line: HTTP/0.9 is never spoken."""
        self.request_version = "HTTP/1.1"
        self.close_connection = True
        self.send(text_answer(code, message or self.responses.get(code, ("Error",))[0]))

    # The read-only endpoint refuses every way of changing data.
    def do_PUT(self):
        self.close_connection = True  # the body is not read: it must not be taken for a request
        self.send(text_answer(405, "This endpoint is read-only."), allow="GET, POST")

    do_DELETE = do_PATCH = do_PUT

    def do_OPTIONS(self):
        """CORS preflight: browsers ask before POSTing a query from another origin."""
        self.send(Answer(204, TEXT, b""), allow="GET, POST, OPTIONS", preflight=True)

    def do_GET(self):
        try:
            url = split_target(self.path)
            path = decode_path(url.path)
        except BadRequest as err:
            return self.refuse(err)
        self.server.unwatch(self.connection)  # the request is read
        if mounted_path(path):
            return self.mounted(url, path, b"")
        if path == "/sparql":
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if not params:
                return self.describe()
            return self.query(params)
        if path in ("/", "/ontology", "/shapes"):
            return self.document(path)
        if path in ("/void", "/.well-known/void", "/dataset"):
            if self.site.void is None:
                return self.send(text_answer(404, "No VoID description for this dataset."))
            body = self.site.void.read_bytes()
            return self.send(_turtle(body), etag=digest(body))
        if ENTITY_PATH.fullmatch(path.rstrip("/")):
            return self.entity(path.rstrip("/"), url)
        if not could_be_file(path):
            return self.send(text_answer(404, "Not found: no file has so long a name."))
        found = self.site.static_file(path)
        if found is None:
            page = self.site.rendered(path)
            if page is not None:
                if not path.endswith(("/", ".html")):
                    return self.see_folder(url)
                return self.send(Answer(200, "text/html; charset=utf-8", page))
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        if found.name == "index.html" and not path.endswith(("/", ".html")):
            return self.see_folder(url)  # a folder's page, asked for without its slash
        media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith(("+json", "/json")):
            media += "; charset=utf-8"
        body = found.read_bytes()
        self.send(Answer(200, media, body), etag=digest(body))

    do_HEAD = do_GET

    def do_POST(self):
        try:
            url = split_target(self.path)
            path = decode_path(url.path)
        except BadRequest as err:
            return self.refuse(err)
        reconcile = mounted_path(path)
        if path != "/sparql" and not reconcile:
            self.close_connection = True  # the body is not read
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        try:
            raw = read_body(self.rfile, self.headers)
        except BadRequest as err:
            return self.refuse(err)
        self.server.unwatch(self.connection)  # read: the answer may wait (a query, the index)
        if reconcile:
            return self.mounted(url, path, raw)
        body = raw.decode("utf-8", "replace")
        media = (self.headers.get_content_type() or "").lower()
        charset = (self.headers.get_content_charset() or "utf-8").lower()
        if charset not in ("utf-8", "utf8"):  # the protocol's bodies are UTF-8 (§2.1.2, §2.1.3)
            return self.send(text_answer(415, "Send the body in UTF-8 (charset=utf-8)."))
        if media == FORM:
            return self.query(urllib.parse.parse_qs(body, keep_blank_values=True))
        if media == SPARQL_QUERY:
            params = urllib.parse.parse_qs(url.query)
            return self.query({**params, "query": [body]})
        if media == SPARQL_UPDATE:
            return self.send(
                text_answer(403, "This endpoint is read-only: SPARQL Update is refused.")
            )
        self.send(text_answer(415, f"POST {SPARQL_QUERY} or a form ({FORM})."))

    def mounted(self, url: urllib.parse.SplitResult, path: str, body: bytes):
        """A request for a mounted service (/reconcile) handed to its answer function."""
        if self.site.reconcile is None:
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        status, headers, answer = self.site.reconcile(
            self.command, path, params, body, dict(self.headers.items())
        )
        self.send(Answer(status, headers.get("Content-Type", TEXT), answer))

    def refuse(self, err: BadRequest):
        self.close_connection = True
        self.send(text_answer(err.status, str(err)))

    def endpoint(self) -> str:
        """This endpoint's URL: under --public-url, else as the client reached it (the Host
        header, if it is a host; an answer that says it is never cached)."""
        host = self.headers.get("Host", "")
        if self.site.public_url is not None or not re.fullmatch(
            r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?", host
        ):
            return self.query_base()
        return f"http://{host}/sparql"

    def query_base(self) -> str:
        """The base IRI a query's relative IRIs resolve against: this endpoint's URL under
        --public-url, else the address the server listens on (never the Host header: answers
        are cacheable)."""
        if self.site.public_url is not None:
            return self.site.public_url + "sparql"
        address, port = self.server.server_address[:2]
        assert isinstance(address, str)  # an IP socket's address
        host = f"[{address}]" if ":" in address else address
        return f"http://{host}:{port}/sparql"

    def query(self, params: dict):
        if "update" in params:
            return self.send(
                text_answer(403, "This endpoint is read-only: SPARQL Update is refused.")
            )
        queries = params.get("query", [])
        if len(queries) != 1:
            return self.send(text_answer(400, "Give exactly one query parameter."), vary=True)
        defaults = params.get("default-graph-uri", [])
        named = params.get("named-graph-uri", [])
        dataset = None
        if defaults or named:
            from pyoxigraph import NamedNode

            for iri in defaults + named:
                try:
                    NamedNode(iri)
                except ValueError:
                    return self.send(text_answer(400, f"Not an absolute IRI: {iri[:200]!r}."))
            dataset = (tuple(defaults), tuple(named))
        accept = self.headers.get("Accept")
        answer = self.site.pool.run(
            "query", queries[0], accept, dataset, self.query_base(), client=self.client
        )
        self.send(answer, vary=True)

    def describe(self):
        """The service description at `GET /sparql`, in Turtle, RDF/XML or JSON-LD by Accept."""
        from jitarsa.sparql.results import render_graph

        media = negotiate(self.headers.get("Accept"), DESCRIPTION_TYPES)
        if media is None:
            message = "Available: " + ", ".join(DESCRIPTION_TYPES)
            return self.send(text_answer(406, message), vary=True)
        triples = self.site.service_description(self.endpoint())
        body = render_graph(triples, by_name(media).extension)
        answer = Answer(200, f"{media}; charset=utf-8", body)
        if self.site.public_url is None:  # it names the Host header: never cached
            return self.send(answer, vary=True, store=False)
        self.send(answer, vary=True, etag=digest(body))

    def document(self, path: str):
        """The base, the ontology or the shapes by IRI: RDF by Accept, or the page (the
        ontology's and the shapes' in the folder `ontology/`)."""
        files = self.site.representations(path)
        if not files:
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        media = negotiate(self.headers.get("Accept"), tuple(files))
        if media is None:
            return self.send(text_answer(406, "Available: " + ", ".join(files)), vary=True)
        if media == HTML and path != "/":
            return self.send(
                Answer(303, f"{TEXT}; charset=utf-8", b"See the ontology page.\n"),
                vary=True,
                location="./ontology/",
            )
        body = files[media].read_bytes()
        self.send(Answer(200, f"{media}; charset=utf-8", body), vary=True, etag=digest(body))

    def see_folder(self, url: urllib.parse.SplitResult, vary: bool = False):
        """303 See Other from a page's IRI to its folder (`/org/x` → `/org/x/`), where the
        page's relative links resolve."""
        self.send(
            Answer(303, f"{TEXT}; charset=utf-8", b"See the page's folder.\n"),
            vary=vary,
            location=folder_location(url),
        )

    def entity(self, path: str, url: urllib.parse.SplitResult):
        """An entity IRI dereferenced by path: HTML from the site, or RDF from the store. A
        browser asking the IRI itself is sent to the page's folder (see_folder)."""
        page = self.site.page(path + "/index.html")
        offered = GRAPH_TYPES + ((HTML,) if page is not None else ())
        accept = self.headers.get("Accept")
        media = negotiate(accept, offered)
        if media is None:
            return self.send(text_answer(406, "Available: " + ", ".join(offered)), vary=True)
        if media == HTML and page is not None:
            if not url.path.endswith("/"):
                return self.see_folder(url, vary=True)
            return self.send(
                Answer(200, f"{HTML}; charset=utf-8", page), vary=True, etag=digest(page)
            )
        iri = self.site.base + path.lstrip("/")
        answer = self.site.pool.run("entity", iri, media, client=self.client)
        self.send(answer, vary=True)

    def send(
        self,
        answer: Answer,
        vary: bool = False,
        allow: str | None = None,
        preflight: bool = False,
        etag: str | None = None,
        location: str | None = None,
        store: bool = True,
    ):
        """Write ANSWER within --write-timeout, with HTTP's caching headers (none that let it be
        stored unless STORE); an answer larger than SMALL waits for room under the server's
        limit of bytes held (503 if none)."""
        status, content_type, body = answer
        del answer  # a refused large answer is freed at once, not when this returns
        held = len(body) if len(body) > SMALL else 0
        if held and not self.server.hold(held):
            held = 0
            status, content_type, body = text_answer(
                503, "The server is sending too many large answers at once; try again."
            )
        try:
            tag = None
            if status == 200 and store and self.command in ("GET", "HEAD"):
                tag = (
                    '"'
                    + (etag or f"{self.site.checksum[:32]}-{crc32(content_type.encode()):08x}")
                    + '"'
                )
                if etag_matches(self.headers.get("If-None-Match", ""), tag):
                    status, body = 304, b""
            self.sent = True
            self.send_response(status)
            if status != 304:
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Access-Control-Allow-Origin", "*")
            if tag:
                self.send_header("ETag", tag)
                self.send_header("Cache-Control", f"public, max-age={MAX_AGE}")
            else:
                self.send_header("Cache-Control", "no-store")
            if preflight:
                assert allow is not None  # a preflight answer says what is allowed
                self.send_header("Access-Control-Allow-Methods", allow)
                self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type")
            if vary:
                self.send_header("Vary", "Accept")
            if allow:
                self.send_header("Allow", allow)
            if location:
                self.send_header("Location", location)
            if self.close_connection:
                self.send_header("Connection", "close")
            elif self.request_version == "HTTP/1.0":  # kept open only when it says so (RFC 9112)
                self.send_header("Connection", "keep-alive")
            self.end_headers()
            self.server.watch(self.connection, self.server.limits.write_timeout)
            if self.command != "HEAD" and status != 304:
                self.wfile.write(body)
            self.wfile.flush()
        finally:
            self.server.unwatch(self.connection)
            if held:
                self.server.release(held)


def mounted_path(path: str) -> bool:
    """Whether a decoded PATH belongs to the reconciliation service mounted at /reconcile."""
    return path == "/reconcile" or path.startswith("/reconcile/")


def folder_location(url: urllib.parse.SplitResult) -> str:
    """The Location of a path's folder, relative (`x/` from `/org/x`), so that it holds
    behind a proxy that serves the endpoint under a path prefix (RFC 9110 §10.2.2); `./` so
    that a name with a colon is not read as a scheme."""
    name = url.path.rstrip("/").rpartition("/")[2]
    return f"./{name}/" + (f"?{url.query}" if url.query else "")


def etag_matches(header: str, tag: str) -> bool:
    """Whether an If-None-Match header names TAG (weak tags compare as strong: RFC 9110)."""
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or tag in tags


class Server(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, at most --max-connections of them and
    --max-client-connections per client (`_clients.Connections`, which also picks an idle
    connection to close for a newcomer when all are taken), and a watchdog that cuts off a
    connection whose deadline (reading a request, writing an answer) has passed, so a slow
    client holds neither a thread nor memory for long."""

    pool: Pool  # set by make_server
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when 50 clients arrive at once

    def __init__(self, address, handler, limits: Limits):
        self.limits = limits
        self.lock = threading.Lock()
        self.connections: Connections[socket.socket] = Connections(
            limits.max_connections, limits.max_client_connections
        )
        self.held = 0
        self.deadlines: dict = {}
        self.stopping = threading.Event()
        super().__init__(address, handler)
        threading.Thread(target=self._watchdog, name="deadlines", daemon=True).start()

    def watch(self, sock, seconds: float) -> None:
        with self.lock:
            self.deadlines[sock] = time.monotonic() + seconds

    def unwatch(self, sock) -> None:
        with self.lock:
            self.deadlines.pop(sock, None)

    def _watchdog(self) -> None:
        while not self.stopping.wait(0.25):
            now = time.monotonic()
            with self.lock:
                late = [s for s, deadline in self.deadlines.items() if deadline < now]
                for sock in late:
                    del self.deadlines[sock]
            for sock in late:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def hold(self, size: int) -> bool:
        """Count SIZE bytes of an answer as held until sent, if they fit under the limit."""
        with self.lock:
            if self.held + size > self.limits.max_held:
                return False
            self.held += size
            return True

    def release(self, size: int) -> None:
        with self.lock:
            self.held -= size

    def process_request(self, request, client_address):
        admitted, evicted = self.connections.enter(client_of(str(client_address[0])))
        if evicted is not None:  # an idle connection of the client holding the most
            with contextlib.suppress(OSError):
                evicted.shutdown(socket.SHUT_RDWR)
        if not admitted:
            try:
                request.settimeout(1)
                request.sendall(BUSY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request, client_address):
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.connections.leave(client_of(str(client_address[0])), request)

    def server_close(self):
        self.stopping.set()
        super().server_close()


def _map_large_allocations() -> None:
    """Give answers' memory back to the system when they are sent. glibc's malloc otherwise
    raises its mmap threshold after the first large free and keeps later answers' memory in
    per-thread arenas: twenty 3 MB answers stayed resident after they were freed."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt(-3, SMALL)  # M_MMAP_THRESHOLD: allocations from SMALL up are mapped
    except (OSError, AttributeError):
        pass  # not glibc: its allocator decides


def public_base(url: str) -> str:
    """--public-url checked: an absolute http(s) URL with a host, no query or fragment; ending
    in "/", so the endpoint is its `sparql`."""
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or parts.username is not None
        or re.search(r"[\x00-\x20\x7f]", url)
    ):
        raise JitarsaError(
            f"--public-url {url[:100]!r} is not an http(s) URL of the server's root, "
            "such as https://data.example.org/"
        )
    return url if url.endswith("/") else url + "/"


BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: 44\r\nRetry-After: 1\r\nConnection: close\r\n\r\n"
    b"Too many open connections; try again soon.\n"
)


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = 10.0,
    workers: int = 4,
    data_dir=None,
    dump=None,
    site=None,
    base=None,
    cache: int = 256,
    limits: Limits | None = None,
    public_url: str | None = None,
    reconcile: Callable[[bytes, str], Callable] | None = None,
    require_isolation: bool = False,
):
    """A ready (bound, not yet serving) endpoint; `serve_forever()` it, then `close()` it.
    PUBLIC_URL is the server's root as clients reach it (behind a proxy): what the service
    description advertises. RECONCILE, given the served N-Triples and base, returns the answer
    function of /reconcile. Its `pool.isolation` is "" when the query workers have no network,
    else why not; with REQUIRE_ISOLATION, that is an error and nothing is served."""
    from dataclasses import replace

    from jitarsa.rdf.description import dataset_iri
    from jitarsa.sparql.dataset import served

    limits = replace(limits or Limits(), timeout=timeout)
    public = public_base(public_url) if public_url is not None else None  # before any worker
    _map_large_allocations()
    source = served(data_dir, dump)
    base = base or source.base
    pool = Pool(
        source.nquads,
        workers,
        limits.timeout,
        cache,
        graph=dataset_iri(base),
        max_answer=limits.max_answer,
        reserved=limits.reserved,
        client_workers=limits.max_client_workers,
    )
    if require_isolation and pool.isolation:
        pool.close()
        raise JitarsaError(
            f"the query workers could not be cut off from the network: {pool.isolation} "
            "(--require-isolation)"
        )
    published = Published(
        pool,
        source.counts,
        base,
        source.void,
        Path(site) if site is not None else None,
        hashlib.sha256(source.nquads).hexdigest(),
        pages_on_request(data_dir) if data_dir is not None else None,
        public_url=public,
    )
    if reconcile is not None:  # the caller's service (jitarsa.reconcile.service.mount)
        published.reconcile = reconcile(source.nquads, base)
    handler = type("BoundHandler", (Handler,), {"site": published})
    try:
        server = Server((host, port), handler, limits)
    except OSError as err:
        pool.close()
        raise JitarsaError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None
    server.pool = pool
    return server
