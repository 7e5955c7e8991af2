"""SPARQL for everyone: ask the network's graph a question from the shell or from Python.

A query is SPARQL text, a `.rq` file or the name of a query in the catalogue (`queries/*.rq`).
It runs on Oxigraph (pyoxigraph) over the packaged N-Triples dump (no build needed), a data
folder built in memory, any RDF file, or a remote SPARQL 1.1 Protocol endpoint. `--param`
values are parsed into one RDF term each and bound by a trailing VALUES clause written from the
term, so no value can change the structure of the query. Only pyoxigraph is imported on the
default path: a cold `jitarsa query` must start faster than `import rdflib`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jitarsa._util.stack import with_large_stack
from jitarsa.errors import EndpointError, QueryError, shown
from jitarsa.formats import FORM, NTRIPLES, RESULTS_MEDIA_TYPES, TURTLE
from jitarsa.namespaces import PREFIXES, XSD, XSD_INTEGERS
from jitarsa.resources import default_dump
from jitarsa.sparql.catalogue import read_query
from jitarsa.sparql.guard import check
from jitarsa.sparql.params import bind

#: What `--endpoint` asks for: results it can parse back (pyoxigraph reads JSON, XML, TSV) and RDF.
ACCEPT = (
    f"{RESULTS_MEDIA_TYPES['json']}, {RESULTS_MEDIA_TYPES['xml']};q=0.9, "
    f"{TURTLE.media_type};q=0.8, {NTRIPLES.media_type};q=0.8"
)
USER_AGENT = "jitarsa (SPARQL client; https://w3id.org/jitarsa/)"
#: Bytes of an endpoint's answer read by default (`--max-answer`, `max_answer=`): a larger one
#: is exit 3, not memory without end.
MAX_ANSWER = 64 << 20


def open_store(data_dir=None, dump=None):
    """An in-memory Oxigraph store of a data folder, an RDF file, or the packaged dump."""
    from pyoxigraph import Quad, Store

    store = Store()
    if data_dir is not None:
        from jitarsa.rdf.graph import triples
        from jitarsa.records.load import load_dataset

        store.extend(
            Quad(t.subject, t.predicate, t.object) for t in triples(load_dataset(data_dir))
        )
        return store
    path = Path(dump) if dump is not None else default_dump()
    try:
        store.load(path=str(path), format=rdf_format(path))
    except SyntaxError as err:
        raise QueryError(f"not valid RDF: {err}", path) from None
    except OSError as err:
        raise QueryError(f"cannot be read ({err.strerror or err})", path) from None
    return store


def source_ntriples(data_dir=None, dump=None) -> tuple[bytes, str, Path | None]:
    """The graph of a source as N-Triples, its base IRI, and the VoID file beside it if any."""
    from jitarsa.namespaces import DEFAULT_BASE

    if data_dir is not None:
        from jitarsa.rdf.dumps import ntriples
        from jitarsa.rdf.graph import triples
        from jitarsa.records.load import load_dataset

        dataset = load_dataset(data_dir)
        return ntriples(triples(dataset)), dataset.info.base, None
    path = Path(dump) if dump is not None else default_dump()
    if dump is None:
        try:
            return path.read_bytes(), DEFAULT_BASE, path.with_name("void.ttl")
        except OSError as err:
            raise QueryError(f"cannot be read ({err.strerror or err})", path) from None
    from pyoxigraph import DefaultGraph, RdfFormat

    store = open_store(dump=path)
    return (
        store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph()),
        DEFAULT_BASE,
        path.with_name("void.ttl"),
    )


def rdf_format(path: Path):
    """The RDF format of a file from its extension (.ttl .nt .jsonld .nq .trig .rdf …)."""
    from pyoxigraph import RdfFormat

    from jitarsa.formats import for_path

    try:
        return for_path(path).pyoxigraph()
    except KeyError:
        fmt = RdfFormat.from_extension(path.suffix.lstrip(".").lower())
    if fmt is None:
        raise QueryError(
            "unknown RDF format; name the file .ttl, .nt, .jsonld, .nq, .trig or .rdf", path
        )
    return fmt


# --- Running a query ----------------------------------------------------------------------


def execute(
    query: str,
    params: dict | None = None,
    *,
    data_dir=None,
    dump=None,
    endpoint=None,
    timeout: float = 30.0,
    store=None,
    allow_service: bool = False,
    max_answer: int = MAX_ANSWER,
    consume: Callable | None = None,
):
    """Run QUERY; answer CONSUME(result), where result is a pyoxigraph QuerySolutions,
    QueryBoolean, or a list of Triples. Without CONSUME: solutions as a list, the rest as is.

    A local query is checked first (`guard.check`: size, nesting, operator chains, and no
    SERVICE unless ALLOW_SERVICE), then parsed and run on a thread with a large stack, where
    CONSUME runs too (pyoxigraph's results must be dropped on the thread that made them); past
    TIMEOUT seconds it is abandoned with a QueryError. An endpoint's own parser judges what is
    sent to it, within TIMEOUT."""
    consume = consume or _materialised
    text = bind(read_query(query), params or {})
    if endpoint is not None:
        return _consume_answer(consume, remote(endpoint, text, timeout, max_answer), endpoint)
    check(
        text,
        allow_service=allow_service,
        hint=" unless you add --allow-service (allow_service=True from Python)",
    )
    if store is None:
        store = open_store(data_dir, dump)

    def run():
        from pyoxigraph import QueryTriples

        try:
            result = store.query(text, prefixes=PREFIXES)
            return consume(list(result) if isinstance(result, QueryTriples) else result)
        except SyntaxError as err:
            hint = " (--param adds a VALUES clause after the query)" if params else ""
            raise QueryError(f"bad query: {err}{hint}") from None
        except (OSError, RuntimeError) as err:
            raise QueryError(f"the query failed: {err}") from None

    try:
        return with_large_stack(run, timeout=timeout)
    except TimeoutError:
        raise QueryError(
            f"the query ran longer than {timeout:g} s (--timeout; timeout= from Python) and was "
            "abandoned; ask for less, or allow more time"
        ) from None


def _consume_answer(consume: Callable, result, endpoint: str):
    """CONSUME(RESULT) for an endpoint's answer, which is parsed as it is read: a broken one
    is an EndpointError of one line."""
    try:
        return consume(result)
    except SyntaxError as err:
        raise EndpointError(f"{endpoint} answered with invalid results: {err}") from None
    except (OSError, RuntimeError) as err:
        raise QueryError(f"the query failed: {err}") from None


def _materialised(result):
    from pyoxigraph import QuerySolutions

    return list(result) if isinstance(result, QuerySolutions) else result


def with_prefixes(query: str) -> str:
    """QUERY with the predeclared prefixes it does not declare itself, on its first line, so
    an endpoint's error line numbers still match the user's text."""
    declared = {m.lower() for m in re.findall(r"(?i)\bPREFIX\s+([\w.-]*):", query)}
    missing = [f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items() if p.lower() not in declared]
    return " ".join(missing + [query])


#: Bytes of an error answer read for its message (a message shows at most 300 characters).
MAX_ERROR_BODY = 4096


@dataclass(frozen=True)
class Reply:
    """What a server answered: any status, with the body (an error's only up to a cap)."""

    status: int
    reason: str
    media_type: str
    body: bytes

    def detail(self) -> str:
        return _first_lines(self.body)


def exchange(
    request, url: str, timeout: float, opener=None, read: bool = True, limit: int = MAX_ANSWER
) -> Reply:
    """Send REQUEST and take the answer within TIMEOUT seconds in all (not per read: a server
    that trickles a byte at a time is cut off), and of at most LIMIT bytes. URL names the server
    in messages, without credentials. Broken HTTP, unreachable servers, redirects (never
    followed: OPENER is made by `opener`) and answers over LIMIT are EndpointErrors of one line."""
    import threading

    outcome: list = []

    def run() -> None:
        try:
            outcome.append(_exchange(request, url, timeout, opener, read, limit))
        except EndpointError as err:
            outcome.append(err)

    thread = threading.Thread(target=run, name="http-exchange", daemon=True)
    thread.start()
    thread.join(timeout)
    if not outcome:
        raise EndpointError(f"{url} did not answer within {timeout:g} s")
    if isinstance(outcome[0], EndpointError):
        raise outcome[0]
    return outcome[0]


def opener(*handlers):
    """A urllib opener that follows no redirect: a 3xx answer reaches `exchange` as it is."""
    import urllib.request

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, req, fp, code, msg, headers, newurl):
            return None  # urllib then raises the 3xx as an HTTPError

    return urllib.request.build_opener(NoRedirect(), *handlers)


def _exchange(request, url: str, timeout: float, client, read: bool, limit: int) -> Reply:
    import http.client
    import urllib.error

    try:
        with (client or opener()).open(request, timeout=timeout) as response:
            media_type = response.headers.get_content_type()
            body = response.read(limit + 1) if read else b""
            if len(body) > limit:
                raise EndpointError(
                    f"{url} answered more than {limit:,} bytes, the most --max-answer "
                    "allows: add a LIMIT to the query, or raise --max-answer"
                )
            return Reply(response.status, response.reason, media_type, body)
    except urllib.error.HTTPError as err:
        if 300 <= err.code < 400:
            location = err.headers.get("Location") or "(no Location)"
            if not location.isprintable() or len(location) > 200:
                location = shown(location)
            raise EndpointError(
                f"{url} answered HTTP {err.code} {err.reason}, a redirect to {location}: "
                "jitarsa follows none; give that URL if you trust it"
            ) from None
        try:
            body = err.read(MAX_ERROR_BODY)
        except (OSError, http.client.HTTPException):
            body = b""
        return Reply(err.code, str(err.reason), err.headers.get_content_type(), body)
    except http.client.HTTPException as err:  # a garbled status line, huge headers, a cut body
        raise EndpointError(f"{url} answered with broken HTTP ({type(err).__name__})") from None
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        if isinstance(reason, TimeoutError) or isinstance(err, TimeoutError):
            raise EndpointError(f"{url} did not answer within {timeout:g} s") from None
        raise EndpointError(f"cannot reach {url}: {reason}") from None


def split_credentials(endpoint: str) -> tuple[str, str | None]:
    """ENDPOINT without the `user:password@` of its URL, and those credentials (or None)."""
    import urllib.parse

    try:
        parts = urllib.parse.urlsplit(endpoint)
    except ValueError:
        raise QueryError("--endpoint: not a URL (give the store's http:// URL)") from None
    if "@" not in parts.netloc:
        return endpoint, None
    userinfo, _, host = parts.netloc.rpartition("@")
    name, sep, password = userinfo.partition(":")
    user = urllib.parse.unquote(name) + sep + urllib.parse.unquote(password)
    return urllib.parse.urlunsplit(parts._replace(netloc=host)), user


def auth_handlers(url: str, user: str | None) -> list:
    """HTTP Basic and Digest handlers for `--user NAME:PASSWORD` (Fuseki, Virtuoso's -auth)."""
    if user is None:
        return []
    import urllib.request

    name, sep, password = user.partition(":")
    if not sep:
        raise QueryError("--user: write it as NAME:PASSWORD")
    passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
    passwords.add_password(None, url, name, password)
    return [
        urllib.request.HTTPBasicAuthHandler(passwords),
        urllib.request.HTTPDigestAuthHandler(passwords),
    ]


def remote(endpoint: str, text: str, timeout: float, max_answer: int = MAX_ANSWER):
    """POST the query to a SPARQL 1.1 Protocol endpoint; parse what it answers. Credentials in
    its URL are sent with HTTP Basic or Digest and never shown."""
    import urllib.parse
    import urllib.request

    endpoint, user = split_credentials(endpoint)
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise QueryError(f"--endpoint {endpoint!r}: give an http:// or https:// URL")
    body = urllib.parse.urlencode({"query": with_prefixes(text)}).encode("utf-8")
    request = urllib.request.Request(
        endpoint,
        data=body,
        method="POST",
        headers={
            "Content-Type": FORM,
            "Accept": ACCEPT,
            "User-Agent": USER_AGENT,
        },
    )
    client = opener(*auth_handlers(endpoint, user))
    reply = exchange(request, endpoint, timeout, client, limit=max_answer)
    if reply.status == 400:
        raise QueryError(f"{endpoint} refused the query (HTTP 400): {reply.detail()}")
    if reply.status >= 400:
        raise EndpointError(
            f"{endpoint} answered HTTP {reply.status} {reply.reason}: {reply.detail()}"
        )
    return parse_answer(reply.body, reply.media_type, endpoint)


def parse_answer(payload: bytes, media_type: str, endpoint: str):
    from pyoxigraph import QueryResultsFormat, RdfFormat, parse, parse_query_results

    try:
        results = QueryResultsFormat.from_media_type(media_type)
        if results is not None and results != QueryResultsFormat.CSV:
            return parse_query_results(payload, format=results)
        rdf = RdfFormat.from_media_type(media_type)
        if rdf is not None:
            return [quad.triple for quad in parse(payload, format=rdf)]
    except SyntaxError as err:
        raise EndpointError(f"{endpoint} answered with invalid {media_type}: {err}") from None
    raise EndpointError(f"{endpoint} answered with {media_type}, not SPARQL results or RDF")


def _first_lines(payload: bytes, limit: int = 300) -> str:
    text = " ".join(payload.decode("utf-8", "replace").split())
    return text[:limit] + ("…" if len(text) > limit else "") or "(no message)"


# --- Results as Python values (jitarsa.query) ---------------------------------------------


def python_value(term):
    """An RDF term as the Python value a user expects: int, Decimal, float, bool, date, str."""
    import datetime
    from decimal import Decimal, InvalidOperation

    from pyoxigraph import BlankNode, Literal

    if term is None:
        return None
    if isinstance(term, BlankNode):
        return f"_:{term.value}"
    if not isinstance(term, Literal):
        return term.value
    datatype, value = term.datatype.value, term.value
    converters: dict[str, Callable[[str], object]] = {
        XSD + "decimal": Decimal,
        XSD + "double": float,
        XSD + "float": float,
        XSD + "boolean": lambda v: v in ("true", "1"),
        XSD + "date": datetime.date.fromisoformat,
        XSD + "dateTime": datetime.datetime.fromisoformat,
    }
    convert = converters.get(datatype)
    if datatype in XSD_INTEGERS:
        convert = int
    try:
        return convert(value) if convert else value
    except (ValueError, InvalidOperation):
        return value


def query(
    query: str,
    params: dict | None = None,
    *,
    data_dir=None,
    dump=None,
    endpoint=None,
    timeout: float = 30.0,
    allow_service: bool = False,
    max_answer: int = MAX_ANSWER,
):
    """Run a SPARQL query (text, .rq file or catalogue name) and answer Python values.

    SELECT → a list of dicts (variable → value, None when unbound); ASK → a bool;
    CONSTRUCT/DESCRIBE → a list of (subject, predicate, object) tuples. PARAMS binds variables
    like `--param`: a string is read as a SPARQL term or else a plain string. SERVICE clauses
    (federation) are refused unless ALLOW_SERVICE. A query too large, too deep or with a long
    chain of operators is refused before it is parsed, and one that runs past TIMEOUT seconds
    is abandoned (it finishes in the background: Oxigraph cannot be interrupted): QueryError.
    An ENDPOINT's answer is read up to MAX_ANSWER bytes (64 MiB); a larger one, or a redirect,
    is an EndpointError.

    >>> jitarsa.query("member-count")
    [{'members': 40}]
    """
    return execute(
        query,
        params,
        data_dir=data_dir,
        dump=dump,
        endpoint=endpoint,
        timeout=timeout,
        allow_service=allow_service,
        max_answer=max_answer,
        consume=_python_values,
    )


def _python_values(result):
    """An answer as `query` gives it: a bool, rows of dicts, or sorted triples of values."""
    from pyoxigraph import QueryBoolean, QuerySolutions

    if isinstance(result, QueryBoolean):
        return bool(result)
    if isinstance(result, QuerySolutions):
        names = [v.value for v in result.variables]
        return [{n: python_value(row[n]) for n in names} for row in result]
    from jitarsa.rdf.graph import sort_triples

    return [
        tuple(python_value(x) for x in (t.subject, t.predicate, t.object))
        for t in sort_triples(result)
    ]
