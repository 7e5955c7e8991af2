"""`jitarsa serve`: a local, read-only SPARQL 1.1 Protocol endpoint and the dataset's entities.

Queries run in a small pool of worker processes, each holding its own Oxigraph store. A running
pyoxigraph query cannot be cancelled from another thread, so a query that outlives the timeout
has its worker killed (its CPU is really freed) and replaced, and its client gets 503; the other
workers go on serving everyone else. Only the standard library's http.server: nothing to install.
"""

from __future__ import annotations

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
from typing import NamedTuple

from jitarsa.errors import JitarsaError

#: Results formats by media type, best first: JSON is the answer when a client has no preference.
RESULTS_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/ld+json")
HTML = "text/html"
MAX_BODY = 1 << 20
MAX_CACHED = 1 << 20
ENTITY_PATH = re.compile(r"/(?:org|place)/[a-z0-9]+(?:-[a-z0-9]+)*")


class Answer(NamedTuple):
    """What a worker sends back: picklable and small."""

    status: int
    content_type: str
    body: bytes


def text_answer(status: int, message: str) -> Answer:
    return Answer(status, "text/plain; charset=utf-8", (message.rstrip("\n") + "\n").encode())


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


def _worker(conn, ntriples: bytes) -> None:
    """A worker process: load the graph once, then answer jobs until the pipe closes."""
    from pyoxigraph import RdfFormat, Store

    store = Store()
    store.load(ntriples, format=RdfFormat.N_TRIPLES)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        conn.send(_answer(store, *job))


def _answer(store, kind: str, text: str, accept: str | None) -> Answer:
    from pyoxigraph import QueryBoolean, QuerySolutions

    from jitarsa.namespaces import PREFIXES
    from jitarsa.sparql.results import render_graph, results_bytes

    query = text
    if kind == "entity":
        from pyoxigraph import NamedNode

        query = f"CONSTRUCT WHERE {{ {NamedNode(text)} ?p ?o }}"
    try:
        result = store.query(query, prefixes=PREFIXES if kind == "query" else None)
    except SyntaxError as err:
        return text_answer(400, f"Bad query: {err}")
    except (OSError, RuntimeError) as err:
        return text_answer(500, f"The query failed: {err}")
    if isinstance(result, (QuerySolutions, QueryBoolean)):
        media = negotiate(accept, RESULTS_TYPES)
        if media is None:
            return text_answer(406, "Acceptable results formats: " + ", ".join(RESULTS_TYPES))
        body = results_bytes(result, media)
        return Answer(200, f"{media}; charset=utf-8", body)
    triples = list(result)
    if kind == "entity" and not triples:
        return text_answer(404, "No such entity in this dataset.")
    media = negotiate(accept, GRAPH_TYPES)
    if media is None:
        return text_answer(406, "Acceptable RDF formats: " + ", ".join(GRAPH_TYPES))
    if kind == "entity" and media == "application/ld+json":
        return Answer(200, f"{media}; charset=utf-8", entity_jsonld(triples, text))
    fmt = {"text/turtle": "ttl", "application/n-triples": "nt", "application/ld+json": "jsonld"}
    return Answer(200, f"{media}; charset=utf-8", render_graph(triples, fmt[media]))


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

    def __init__(self, context, ntriples: bytes):
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker, args=(child, ntriples), daemon=True)
        self.process.start()
        child.close()
        try:
            ready = self.conn.poll(60) and self.conn.recv() == "ready"
        except (EOFError, OSError):
            ready = False
        if not ready:
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
    `cache` distinct requests, each up to MAX_CACHED bytes) and given again to the same request.
    """

    def __init__(self, ntriples: bytes, size: int, timeout: float, cache: int = 256):
        self.ntriples, self.timeout = ntriples, timeout
        self.cache_size = cache
        self.answers: OrderedDict[tuple, Answer] = OrderedDict()
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
            worker = Worker(self.context, self.ntriples)
        except JitarsaError:
            return
        with self.lock:
            self.workers.add(worker)
        self.idle.put(worker)

    def run(self, kind: str, text: str, accept: str | None) -> Answer:
        key = (kind, text, accept)
        with self.lock:
            answer = self.answers.get(key)
            if answer is not None:
                self.answers.move_to_end(key)
                return answer
        answer = self._ask(kind, text, accept)
        if answer.status == 200 and self.cache_size and len(answer.body) <= MAX_CACHED:
            with self.lock:
                self.answers[key] = answer
                if len(self.answers) > self.cache_size:
                    self.answers.popitem(last=False)
        return answer

    def _ask(self, kind: str, text: str, accept: str | None) -> Answer:
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=self.timeout)
        except queue.Empty:
            return text_answer(
                503, f"Every query worker stayed busy for {self.timeout:g} s; try again."
            )
        try:
            worker.conn.send((kind, text, accept))
            remaining = max(0.0, self.timeout - (time.monotonic() - started))
            if worker.conn.poll(remaining):
                answer = worker.conn.recv()
                self.idle.put(worker)
                return answer
            self._replace(worker)
            return text_answer(
                503,
                f"The query ran longer than {self.timeout:g} s and was "
                f"stopped (worker process {worker.pid} ended).",
            )
        except (EOFError, OSError, ValueError):  # the worker died; ValueError: unpicklable
            self._replace(worker)
            return text_answer(500, "The query worker failed; it has been replaced.")

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
        pages: Callable[[str], bytes | None] | None = None,
    ):
        self.pool, self.triple_count, self.base = pool, triple_count, base
        self.void = void if void is not None and void.is_file() else None
        self.site = site.resolve() if site is not None and site.is_dir() else None
        self.pages = pages

    def page(self, path: str) -> bytes | None:
        """The HTML page at URL PATH: the site folder's file, else one rendered on request."""
        found = self.static_file(path)
        return found.read_bytes() if found is not None else self.rendered(path)

    def rendered(self, path: str) -> bytes | None:
        """The entity page at URL PATH rendered on request, if pages are and it is one."""
        return self.pages(urllib.parse.unquote(path)) if self.pages is not None else None

    def static_file(self, path: str) -> Path | None:
        """The file of the site folder at URL PATH, never anything outside it."""
        if self.site is None:
            return None
        target = (self.site / urllib.parse.unquote(path).lstrip("/")).resolve()
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
        service, dataset, graph = (NamedNode(endpoint + s) for s in ("", "#dataset", "#graph"))
        triples = [
            Triple(service, rdf_type, NamedNode(sd + "Service")),
            Triple(service, NamedNode(sd + "endpoint"), service),
            Triple(service, NamedNode(sd + "supportedLanguage"), NamedNode(sd + "SPARQL11Query")),
            Triple(service, NamedNode(sd + "defaultDataset"), dataset),
            Triple(dataset, rdf_type, NamedNode(sd + "Dataset")),
            Triple(dataset, NamedNode(sd + "defaultGraph"), graph),
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
                "Turtle",
                "N-Triples",
                "JSON-LD",
            )
        ]
        return turtle(sort_triples(triples))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "jitarsa"
    # Headers and body leave in one write (flushed after each request): two small writes meet
    # Nagle's algorithm and the client's delayed ACK, and each answer waits ~40 ms.
    wbufsize = 1 << 16
    site: Published  # set on the subclass made by `serve`

    def log_message(self, format, *args):  # noqa: A002 - the stdlib's signature
        """Quiet: one line per request would dominate a benchmark and a test's output."""

    # The read-only endpoint refuses every way of changing data.
    def do_PUT(self):
        self.send(text_answer(405, "This endpoint is read-only."), allow="GET, POST")

    do_DELETE = do_PATCH = do_PUT

    def do_OPTIONS(self):
        """CORS preflight: browsers ask before POSTing a query from another origin."""
        self.send(Answer(204, "text/plain", b""), allow="GET, POST, OPTIONS", preflight=True)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path == "/sparql":
            params = urllib.parse.parse_qs(url.query, keep_blank_values=True)
            if not params:
                return self.send(
                    Answer(
                        200,
                        "text/turtle; charset=utf-8",
                        self.site.service_description(self.endpoint()),
                    )
                )
            return self.query(params)
        if path == "/ontology":
            from jitarsa.resources import ontology_file

            return self.send(
                Answer(200, "text/turtle; charset=utf-8", ontology_file().read_bytes())
            )
        if path in ("/void", "/.well-known/void", "/dataset"):
            if self.site.void is None:
                return self.send(text_answer(404, "No VoID description for this dataset."))
            return self.send(Answer(200, "text/turtle; charset=utf-8", self.site.void.read_bytes()))
        if ENTITY_PATH.fullmatch(path.rstrip("/")):
            return self.entity(path.rstrip("/"))
        found = self.site.static_file(path)
        if found is None:
            page = self.site.rendered(path)
            if page is not None:
                return self.send(Answer(200, "text/html; charset=utf-8", page))
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        media = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/ld+json", "application/json"):
            media += "; charset=utf-8"
        self.send(Answer(200, media, found.read_bytes()))

    do_HEAD = do_GET

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/sparql":
            return self.send(text_answer(404, "Not found. The SPARQL endpoint is /sparql."))
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self.close_connection = True
            return self.send(
                text_answer(413, f"Send a Content-Length of at most {MAX_BODY} bytes.")
            )
        body = self.rfile.read(length).decode("utf-8", "replace")
        media = (self.headers.get_content_type() or "").lower()
        if media == "application/x-www-form-urlencoded":
            return self.query(urllib.parse.parse_qs(body, keep_blank_values=True))
        if media == "application/sparql-query":
            return self.query({"query": [body]})
        if media == "application/sparql-update":
            return self.send(
                text_answer(403, "This endpoint is read-only: SPARQL Update is refused.")
            )
        self.send(
            text_answer(
                415, "POST application/sparql-query or a form (application/x-www-form-urlencoded)."
            )
        )

    def endpoint(self) -> str:
        """This endpoint's URL as the client reached it (the Host header, if it is a host)."""
        host = self.headers.get("Host", "")
        if not re.fullmatch(
            r"[A-Za-z0-9.-]+(?::[0-9]{1,5})?|\[[0-9A-Fa-f:.]+\](?::[0-9]{1,5})?", host
        ):
            address, port = self.server.server_address[:2]
            host = f"{address}:{port}"
        return f"http://{host}/sparql"

    def query(self, params: dict):
        if "update" in params:
            return self.send(
                text_answer(403, "This endpoint is read-only: SPARQL Update is refused.")
            )
        queries = params.get("query", [])
        if len(queries) != 1:
            return self.send(text_answer(400, "Give exactly one query parameter."))
        if params.get("default-graph-uri") or params.get("named-graph-uri"):
            return self.send(
                text_answer(400, "This endpoint has one default graph and no named graphs.")
            )
        self.send(self.site.pool.run("query", queries[0], self.headers.get("Accept")))

    def entity(self, path: str):
        """An entity IRI dereferenced by path: HTML from the site, or RDF from the store."""
        page = self.site.page(path + "/index.html")
        offered = GRAPH_TYPES + ((HTML,) if page is not None else ())
        accept = self.headers.get("Accept")
        media = negotiate(accept, offered)
        if media is None:
            return self.send(text_answer(406, "Available: " + ", ".join(offered)), vary=True)
        if media == HTML and page is not None:
            return self.send(Answer(200, "text/html; charset=utf-8", page), vary=True)
        answer = self.site.pool.run("entity", self.site.base + path.lstrip("/"), media)
        self.send(answer, vary=True)

    def send(
        self, answer: Answer, vary: bool = False, allow: str | None = None, preflight: bool = False
    ):
        status, content_type, body = answer
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Access-Control-Allow-Origin", "*")
        if preflight:
            self.send_header("Access-Control-Allow-Methods", allow)
            self.send_header("Access-Control-Allow-Headers", "Accept, Content-Type")
        if vary:
            self.send_header("Vary", "Accept")
        if allow:
            self.send_header("Allow", allow)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default 5 drops connections when 50 clients arrive at once


def make_server(
    host: str = "127.0.0.1",
    port: int = 8000,
    timeout: float = 10.0,
    workers: int = 4,
    data=None,
    dump=None,
    site=None,
    base=None,
    cache: int = 256,
):
    """A ready (bound, not yet serving) endpoint; `serve_forever()` it, then `close()` it."""
    from jitarsa.sparql.execute import source_ntriples

    ntriples, data_base, void = source_ntriples(data, dump)
    pool = Pool(ntriples, workers, timeout, cache)
    handler = type(
        "BoundHandler",
        (Handler,),
        {
            "site": Published(
                pool,
                ntriples.count(b"\n"),
                base or data_base,
                void,
                Path(site) if site is not None else None,
                pages_on_request(data) if data is not None else None,
            )
        },
    )
    try:
        server = Server((host, port), handler)
    except OSError as err:
        pool.close()
        raise JitarsaError(f"cannot listen on {host}:{port} ({err.strerror or err})") from None
    server.pool = pool
    return server
