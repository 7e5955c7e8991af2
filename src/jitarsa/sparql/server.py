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
import queue
import re
import threading
import time
import urllib.parse
from collections import OrderedDict
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
    RDF_FORMATS,
    RESULTS_MEDIA_TYPES,
    SPARQL_QUERY,
    SPARQL_UPDATE,
    TEXT,
    TURTLE,
    by_name,
)
from jitarsa.sparql.limits import Limits

#: Results formats by media type, best first: JSON is the answer when a client has no preference.
RESULTS_TYPES = tuple(RESULTS_MEDIA_TYPES.values())
#: RDF formats by media type, Turtle first; RDF/XML for SPARQLWrapper's and rdflib's defaults,
#: N-Quads and TriG for clients that ask for a dataset (Jena's).
GRAPH_TYPES = tuple(fmt.media_type for fmt in RDF_FORMATS)
MAX_BODY = 1 << 20  # bytes of a POSTed query or form
MAX_CACHED = 1 << 20  # the largest answer the cache keeps
MAX_CACHE_BYTES = 64 << 20  # all the answers the cache keeps
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


# --- Content negotiation ------------------------------------------------------------------


def negotiate(accept: str | None, offered) -> str | None:
    """The offered media type the Accept header ranks highest (the first offered on a tie)."""
    if not accept:
        return offered[0]
    ranked = []
    for item in accept.split(","):
        media, *params = [part.strip() for part in item.split(";")]
        q = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        ranked.append((media.lower(), q))
    best, best_q = None, 0.0
    for media in offered:
        q = max((q for pattern, q in ranked if _matches(pattern, media)), default=0.0)
        if q > best_q:
            best, best_q = media, q
    return best


def _matches(pattern: str, media: str) -> bool:
    if pattern in ("*/*", media):
        return True
    return pattern.endswith("/*") and media.startswith(pattern[:-1])


# --- Workers ------------------------------------------------------------------------------


def _worker(
    conn, ntriples: bytes, graph: str, max_answer: int, isolate: bool, allow_service: bool
) -> None:
    """A worker process: leave the network (ISOLATE), load the graph once, then answer jobs
    until the pipe closes.

    The graph is the named graph GRAPH (the dataset's IRI), so `FROM <GRAPH>` and the protocol's
    `default-graph-uri`/`named-graph-uri` can name it. Jobs run on a thread with a large stack
    (a deep query must not overflow it), and any error becomes an answer: the worker stays.
    The first message says whether the worker is isolated: "" or why not."""
    from jitarsa._util.isolation import leave_network

    isolation = leave_network() if isolate else "not asked for"
    from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse

    from jitarsa._util.stack import with_large_stack

    name = NamedNode(graph)
    store = Store()
    store.extend(
        Quad(q.subject, q.predicate, q.object, name)
        for q in parse(ntriples, format=RdfFormat.N_TRIPLES)
    )
    conn.send(("ready", isolation))

    def serve() -> None:
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            try:
                answer = _answer(store, name, max_answer, allow_service, *job)
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
    store, graph, max_answer: int, allow_service: bool, kind: str, text: str, accept, dataset
) -> Answer:
    from pyoxigraph import NamedNode, QueryBoolean, QueryResultsFormat, QuerySolutions

    from jitarsa.errors import QueryError
    from jitarsa.namespaces import PREFIXES
    from jitarsa.sparql.guard import check
    from jitarsa.sparql.results import render_graph

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
    options: dict = {}
    if dataset is not None:  # the protocol's dataset wins over the query's FROM (§2.1.4)
        defaults, named = dataset
        options = {
            "default_graph": [NamedNode(iri) for iri in defaults],
            "named_graphs": [NamedNode(iri) for iri in named],
        }
    elif not names_dataset:
        options = {"default_graph": graph, "named_graphs": [graph]}
    try:
        result = store.query(query, prefixes=PREFIXES if kind == "query" else None, **options)
    except SyntaxError as err:
        return text_answer(400, f"Bad query: {err}")
    except (OSError, RuntimeError) as err:
        return text_answer(500, f"The query failed: {err}")
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        media = negotiate(accept, RESULTS_TYPES)
        if media is None:
            return text_answer(406, "Acceptable results formats: " + ", ".join(RESULTS_TYPES))
        out = CappedBuffer(max_answer)
        result.serialize(cast(IO[bytes], out), format=QueryResultsFormat.from_media_type(media))
        return Answer(200, f"{media}; charset=utf-8", out.getvalue())
    triples, size = [], 0
    for triple in result:  # a graph is sorted before it is written: bound it while it is read
        size += len(str(triple))
        if size > max_answer:
            raise AnswerTooLarge
        triples.append(triple)
    if kind == "entity" and not triples:
        return text_answer(404, "No such entity in this dataset.")
    media = negotiate(accept, GRAPH_TYPES)
    if media is None:
        return text_answer(406, "Acceptable RDF formats: " + ", ".join(GRAPH_TYPES))
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
        ntriples: bytes,
        graph: str,
        max_answer: int,
        isolate: bool = True,
        allow_service: bool = False,
    ):
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker,
            args=(child, ntriples, graph, max_answer, isolate, allow_service),
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
    hold them all: one that would is stopped with 503.

    With `isolate`, each worker leaves the network before it loads the graph (Linux network
    namespaces); `isolation` then says why not, or is "". `allow_service` lets the guard pass
    SERVICE: only for tests that show what isolation alone does.
    """

    def __init__(
        self,
        ntriples: bytes,
        size: int,
        timeout: float,
        cache: int = 256,
        graph: str | None = None,
        max_answer: int = Limits.max_answer,
        reserved: int | None = None,
        isolate: bool = True,
        allow_service: bool = False,
    ):
        from jitarsa.namespaces import DEFAULT_BASE
        from jitarsa.rdf.description import dataset_iri

        self.ntriples, self.timeout = ntriples, timeout
        self.graph = graph or dataset_iri(DEFAULT_BASE)
        self.max_answer = max_answer
        self.isolate, self.allow_service = isolate, allow_service
        self.isolation = ""
        self.cache_size, self.cache_bytes = cache, 0
        self.answers: OrderedDict[tuple, Answer] = OrderedDict()
        if reserved is None:
            reserved = max(1, size // 4) if size > 1 else 0
        self.reserved = min(reserved, size - 1)
        self.long = threading.BoundedSemaphore(size - self.reserved)
        self.context = multiprocessing.get_context("spawn")
        self.idle: queue.Queue[Worker] = queue.Queue()
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
                self.ntriples,
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

    def run(self, kind: str, text: str, accept: str | None, dataset=None) -> Answer:
        """Answer a job: KIND "query" (TEXT is SPARQL) or "entity" (TEXT is an IRI), DATASET
        the protocol's (default graph IRIs, named graph IRIs) or None."""
        key = (kind, text, accept, dataset)
        with self.lock:
            answer = self.answers.get(key)
            if answer is not None:
                self.answers.move_to_end(key)
                return answer
        answer = self._ask(kind, text, accept, dataset)
        if answer.status == 200 and self.cache_size and len(answer.body) <= MAX_CACHED:
            with self.lock:
                if key not in self.answers:
                    self.answers[key] = answer
                    self.cache_bytes += len(answer.body)
                while len(self.answers) > self.cache_size or self.cache_bytes > MAX_CACHE_BYTES:
                    self.cache_bytes -= len(self.answers.popitem(last=False)[1].body)
        return answer

    def _ask(self, kind: str, text: str, accept: str | None, dataset) -> Answer:
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            return text_answer(
                503, f"Every query worker stayed busy for {self.timeout:g} s; try again."
            )
        try:
            worker.conn.send((kind, text, accept, dataset))
            quick = min(QUICK, self.timeout)
            if worker.conn.poll(quick):
                return self._done(worker)
            remaining = self.timeout - (time.monotonic() - started)
            if remaining > 0:
                if not self.long.acquire(blocking=False):
                    self._replace(worker)
                    return text_answer(
                        503,
                        f"The query ran longer than {quick:g} s while the other workers for "
                        "long queries were busy, and was stopped; the rest are kept for quick "
                        "queries. Try again later.",
                    )
                try:
                    if worker.conn.poll(remaining):
                        return self._done(worker)
                finally:
                    self.long.release()
            self._replace(worker)
            return text_answer(
                503,
                f"The query ran longer than {self.timeout:g} s and was "
                f"stopped (worker process {worker.pid} ended).",
            )
        except (EOFError, OSError, ValueError):  # the worker died; ValueError: unpicklable
            self._replace(worker)
            return text_answer(500, "The query worker failed; it has been replaced.")

    def _done(self, worker: Worker) -> Answer:
        answer = worker.conn.recv()
        self.idle.put(worker)
        return answer

    def _replace(self, worker: Worker) -> None:
        worker.stop()
        with self.lock:
            self.workers.discard(worker)
        threading.Thread(target=self._add, daemon=True).start()

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
        triple_count: int,
        base: str,
        void: Path | None,
        site: Path | None,
        checksum: str = "",
        pages: Callable[[str], bytes | None] | None = None,
    ):
        self.pool, self.triple_count, self.base = pool, triple_count, base
        self.void = void if void is not None and void.is_file() else None
        self.site = site.resolve() if site is not None and site.is_dir() else None
        self.checksum = checksum  # SHA-256 of the served N-Triples: the answers' ETag
        self.pages = pages

    def page(self, path: str) -> bytes | None:
        """The HTML page at URL PATH: the site folder's file, else one rendered on request."""
        found = self.static_file(path)
        return found.read_bytes() if found is not None else self.rendered(path)

    def rendered(self, path: str) -> bytes | None:
        """The entity page at URL PATH rendered on request, if pages are and it is one."""
        return self.pages(urllib.parse.unquote(path)) if self.pages is not None else None

    def static_file(self, path: str) -> Path | None:
        """The file of the site folder at (decoded) URL PATH, never anything outside it."""
        if self.site is None:
            return None
        target = (self.site / path.lstrip("/")).resolve()
        if target != self.site and self.site not in target.parents:
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None

    def service_description(self, endpoint: str) -> bytes:
        """The SPARQL 1.1 Service Description of this endpoint, in Turtle."""
        from pyoxigraph import Literal, NamedNode, Triple

        from jitarsa.namespaces import SD as sd
        from jitarsa.rdf.dumps import turtle
        from jitarsa.rdf.graph import sort_triples

        formats = "http://www.w3.org/ns/formats/"
        rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
        service, dataset, graph, named = (
            NamedNode(endpoint + s) for s in ("", "#dataset", "#graph", "#named-graph")
        )
        triples = [
            Triple(service, rdf_type, NamedNode(sd + "Service")),
            Triple(service, NamedNode(sd + "endpoint"), service),
            Triple(service, NamedNode(sd + "supportedLanguage"), NamedNode(sd + "SPARQL11Query")),
            Triple(service, NamedNode(sd + "defaultDataset"), dataset),
            Triple(dataset, rdf_type, NamedNode(sd + "Dataset")),
            Triple(dataset, NamedNode(sd + "defaultGraph"), graph),
            Triple(dataset, NamedNode(sd + "namedGraph"), named),
            Triple(named, rdf_type, NamedNode(sd + "NamedGraph")),
            Triple(named, NamedNode(sd + "name"), NamedNode(self.pool.graph)),
            Triple(named, NamedNode(sd + "graph"), graph),
            Triple(graph, rdf_type, NamedNode(sd + "Graph")),
            Triple(graph, NamedNode("http://rdfs.org/ns/void#triples"), Literal(self.triple_count)),
        ]
        triples += [
            Triple(service, NamedNode(sd + "resultFormat"), NamedNode(formats + name))
            for name in (
                "SPARQL_Results_JSON",
                "SPARQL_Results_XML",
                "SPARQL_Results_CSV",
                "SPARQL_Results_TSV",
            )
        ]
        triples += [
            Triple(service, NamedNode(sd + "resultFormat"), NamedNode(fmt.iri))
            for fmt in RDF_FORMATS
        ]
        return turtle(sort_triples(triples))


class BadRequest(Exception):
    """A request that cannot be read: answered with STATUS and the message, then closed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


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

    def handle_one_request(self):
        """One request, read within --idle-timeout; any failure answers 500 and closes."""
        self.server.watch(self.connection, self.server.limits.idle_timeout)
        self.sent = False
        try:
            super().handle_one_request()
        except (OSError, ValueError):  # the client went away, or was cut off by a deadline
            self.close_connection = True
        except Exception as err:  # noqa: BLE001 - one request fails, never the server
            self.close_connection = True
            if not self.sent:
                with contextlib.suppress(OSError, ValueError):
                    self.send(text_answer(500, f"The request failed: {type(err).__name__}."))
        finally:
            self.server.unwatch(self.connection)

    def send_error(self, code, message=None, explain=None):
        """The stdlib's own refusals (a garbled request line, headers too long, an unknown
        method) as one plain line with a status line: HTTP/0.9 is never spoken."""
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
        if path == "/sparql":
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if not params:
                description = self.site.service_description(self.endpoint())
                return self.send(_turtle(description), etag=digest(description))
            return self.query(params)
        if path == "/ontology":
            from jitarsa.resources import ontology_file

            body = ontology_file().read_bytes()
            return self.send(_turtle(body), etag=digest(body))
        if path in ("/void", "/.well-known/void", "/dataset"):
            if self.site.void is None:
                return self.send(text_answer(404, "No VoID description for this dataset."))
            body = self.site.void.read_bytes()
            return self.send(_turtle(body), etag=digest(body))
        if ENTITY_PATH.fullmatch(path.rstrip("/")):
            return self.entity(path.rstrip("/"))
        found = self.site.static_file(path)
        if found is None:
            page = self.site.rendered(path)
            if page is not None:
                return self.send(Answer(200, "text/html; charset=utf-8", page))
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith(("+json", "/json")):
            media += "; charset=utf-8"
        body = found.read_bytes()
        self.send(Answer(200, media, body), etag=digest(body))

    do_HEAD = do_GET

    def do_POST(self):
        try:
            url = split_target(self.path)
        except BadRequest as err:
            return self.refuse(err)
        if url.path != "/sparql":
            self.close_connection = True  # the body is not read
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        try:
            body = self.read_body().decode("utf-8", "replace")
        except BadRequest as err:
            return self.refuse(err)
        self.server.unwatch(self.connection)
        media = (self.headers.get_content_type() or "").lower()
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

    def read_body(self) -> bytes:
        """The request body: by Content-Length, or chunked; at most MAX_BODY bytes."""
        chunked = self.headers.get("Transfer-Encoding", "").strip().lower()
        if chunked:
            if chunked != "chunked" or "Content-Length" in self.headers:
                raise BadRequest(400, "Send the body chunked or with a Content-Length.")
            return self.read_chunks()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            raise BadRequest(413, f"Send a Content-Length of at most {MAX_BODY} bytes.")
        body = self.rfile.read(length)
        if len(body) != length:
            raise BadRequest(400, "The body is shorter than its Content-Length.")
        return body

    def read_chunks(self) -> bytes:
        parts: list[bytes] = []
        size = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                length = int(line.split(b";")[0].strip(), 16)
            except ValueError:
                raise BadRequest(400, "A chunk of the body has no valid size.") from None
            size += length
            if length < 0 or size > MAX_BODY:
                raise BadRequest(413, f"Send a body of at most {MAX_BODY} bytes.")
            if length == 0:
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass  # trailer fields, ignored
                return b"".join(parts)
            chunk = self.rfile.read(length)
            if len(chunk) != length or self.rfile.readline(3) not in (b"\r\n", b"\n"):
                raise BadRequest(400, "A chunk of the body is cut short.")
            parts.append(chunk)

    def refuse(self, err: BadRequest):
        self.close_connection = True
        self.send(text_answer(err.status, str(err)))

    def endpoint(self) -> str:
        """This endpoint's URL as the client reached it (the Host header, if it is a host)."""
        host = self.headers.get("Host", "")
        if not re.fullmatch(
            r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?", host
        ):
            address, port = self.server.server_address[:2]
            assert isinstance(address, str)  # an IP socket's address
            host = f"{address}:{port}"
        return f"http://{host}/sparql"

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
        self.send(self.site.pool.run("query", queries[0], accept, dataset), vary=True)

    def entity(self, path: str):
        """An entity IRI dereferenced by path: HTML from the site, or RDF from the store."""
        page = self.site.page(path + "/index.html")
        offered = GRAPH_TYPES + ((HTML,) if page is not None else ())
        accept = self.headers.get("Accept")
        media = negotiate(accept, offered)
        if media is None:
            return self.send(text_answer(406, "Available: " + ", ".join(offered)), vary=True)
        if media == HTML and page is not None:
            return self.send(
                Answer(200, f"{HTML}; charset=utf-8", page), vary=True, etag=digest(page)
            )
        answer = self.site.pool.run("entity", self.site.base + path.lstrip("/"), media)
        self.send(answer, vary=True)

    def send(
        self,
        answer: Answer,
        vary: bool = False,
        allow: str | None = None,
        preflight: bool = False,
        etag: str | None = None,
    ):
        """Write ANSWER within --write-timeout, with HTTP's caching headers; an answer larger
        than SMALL waits for room under the server's limit of bytes held (503 if none)."""
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
            if status == 200 and self.command in ("GET", "HEAD"):
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
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.server.watch(self.connection, self.server.limits.write_timeout)
            if self.command != "HEAD" and status != 304:
                self.wfile.write(body)
            self.wfile.flush()
        finally:
            self.server.unwatch(self.connection)
            if held:
                self.server.release(held)


def etag_matches(header: str, tag: str) -> bool:
    """Whether an If-None-Match header names TAG (weak tags compare as strong: RFC 9110)."""
    tags = {t.strip().removeprefix("W/") for t in header.split(",")}
    return "*" in tags or tag in tags


def split_target(target: str) -> urllib.parse.SplitResult:
    """The request target as a URL (400 when it cannot be one, such as `//[`)."""
    try:
        return urllib.parse.urlsplit(target)
    except ValueError:
        raise BadRequest(400, "The request target is not a URL.") from None


def decode_path(path: str) -> str:
    """A URL path percent-decoded as UTF-8; no NUL or control characters (400 otherwise)."""
    try:
        decoded = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(400, "The path is not valid percent-encoded UTF-8.") from None
    if re.search(r"[\x00-\x1f\x7f]", decoded):
        raise BadRequest(400, "The path holds a control character.")
    return decoded


class Server(ThreadingHTTPServer):
    """The HTTP server: one thread per connection, at most --max-connections of them, and a
    watchdog that cuts off a connection whose deadline (reading a request, writing an answer)
    has passed, so a slow client holds neither a thread nor memory for long."""

    pool: Pool  # set by make_server
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when 50 clients arrive at once

    def __init__(self, address, handler, limits: Limits):
        self.limits = limits
        self.lock = threading.Lock()
        self.connections = 0
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
        import socket

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
        with self.lock:
            full = self.connections >= self.limits.max_connections
            if not full:
                self.connections += 1
        if full:
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
            with self.lock:
                self.connections -= 1

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
    require_isolation: bool = False,
):
    """A ready (bound, not yet serving) endpoint; `serve_forever()` it, then `close()` it.

    Its `pool.isolation` is "" when the query workers have no network, else why not; with
    REQUIRE_ISOLATION, that is an error and nothing is served."""
    from dataclasses import replace

    from jitarsa.rdf.description import dataset_iri
    from jitarsa.sparql.execute import source_ntriples

    limits = replace(limits or Limits(), timeout=timeout)
    _map_large_allocations()
    ntriples, data_base, void = source_ntriples(data_dir, dump)
    base = base or data_base
    pool = Pool(
        ntriples,
        workers,
        limits.timeout,
        cache,
        graph=dataset_iri(base),
        max_answer=limits.max_answer,
        reserved=limits.reserved,
    )
    if require_isolation and pool.isolation:
        pool.close()
        raise JitarsaError(
            f"the query workers could not be cut off from the network: {pool.isolation} "
            "(--require-isolation)"
        )
    published = Published(
        pool,
        ntriples.count(b"\n"),
        base,
        void,
        Path(site) if site is not None else None,
        hashlib.sha256(ntriples).hexdigest(),
        pages_on_request(data_dir) if data_dir is not None else None,
    )
    handler = type("BoundHandler", (Handler,), {"site": published})
    try:
        server = Server((host, port), handler, limits)
    except OSError as err:
        pool.close()
        raise JitarsaError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None
    server.pool = pool
    return server
