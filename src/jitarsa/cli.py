"""The `jitarsa` command line: a thin click layer, one API call per command.

Heavy modules (rdflib, pySHACL, pyoxigraph) are imported inside the commands that need them, so
`jitarsa --help` and light commands start fast. Every JitarsaError becomes one line on stderr and
its documented exit code; no traceback reaches the user.
"""

from __future__ import annotations

import functools
import sys

import click

from .errors import ExitCode, JitarsaError


def reports_errors(func):
    """Turn a JitarsaError into `Error: …` on stderr and the error's exit code."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except JitarsaError as err:
            click.echo(f"Error: {err}", err=True)
            sys.exit(int(err.exit_code))

    return wrapper


data_option = click.option(
    "--data", "data_dir", type=click.Path(file_okay=False, path_type=str), default=None,
    help="Data folder of YAML records (default: the embedded Volunteer Spirit Network).")
base_option = click.option(
    "--base", default=None, metavar="IRI",
    help="Base IRI of entity IRIs (default: the data's dataset.yaml, https://w3id.org/jitarsa/).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jitarsa")
def cli():
    """Publish the Thai Volunteer Spirit Network (เครือข่ายจิตอาสา) as validated linked data.

    Exit codes: 0 success, 1 SHACL violations, 2 bad input or usage, 3 endpoint failure,
    4 output could not be written.
    """


@cli.command()
@data_option
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str),
              default="dist", show_default=True, help="Output folder, replaced as a whole.")
@base_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@reports_errors
def build(data_dir, out_dir, base, quiet):
    """Build, validate and publish the knowledge graph into OUT.

    Writes the Turtle, N-Triples and JSON-LD dumps, the JSON-LD context, the VoID/DCAT dataset
    description, the ontology and shapes, and SHA256SUMS. Nothing is written unless every step
    succeeds. Example:

        jitarsa build --data data --out dist
    """
    from .errors import ValidationFailed
    from .publish import build as run_build

    try:
        result = run_build(data_dir, out_dir, base)
    except ValidationFailed as err:
        click.echo(err.report.text(), err=True)
        raise
    if not quiet:
        members = len(result.dataset.members)
        click.echo(f"Built {result.triple_count} triples: {len(result.dataset.records)} records, "
                   f"{members} members of {result.dataset.network.name.get('en', '')}.")
        for name in sorted(result.files):
            click.echo(f"  {result.out_dir.name}/{name}")


@cli.command()
@data_option
@base_option
@click.option("--format", "fmt", type=click.Choice(["text", "ttl", "json"]), default="text",
              show_default=True,
              help="text for people; ttl (the standard SHACL report) or json for programs.")
@reports_errors
def validate(data_dir, base, fmt):
    """Check the records against the SHACL shapes without writing anything.

    Exit code 0 when the graph conforms, 1 on violations, 2 when the input cannot be loaded.
    Example:

        jitarsa validate --data data --format json
    """
    from .shacl import validate as run_validate

    report = run_validate(data_dir, base)
    output = {"text": report.text, "ttl": report.turtle, "json": report.json}[fmt]()
    click.echo(output.rstrip("\n"))
    sys.exit(int(ExitCode.OK if report.conforms else ExitCode.VIOLATIONS))


# --- SPARQL: query, serve, load (docs/sparql.md) ----------------------------------------------

source_options = [
    click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=str),
                 default=None, help="Build this data folder of YAML records in memory."),
    click.option("--dump", type=click.Path(exists=True, dir_okay=False, path_type=str),
                 default=None,
                 help="Read any RDF file (.ttl, .nt, .jsonld, .nq, .trig, .rdf)."),
]


def sources(func):
    """--data/--dump: the graph to answer from (default: the packaged dump, no build needed)."""
    for option in reversed(source_options):
        func = option(func)
    return func


@cli.command()
@click.argument("query_text", metavar="QUERY", required=False)
@click.option("--list", "list_queries", is_flag=True,
              help="List the catalogue's queries with their descriptions, and exit.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help='Bind ?NAME to one RDF term: "text"@th, "2005"^^xsd:gYear, <http://…>, 42; '
                   "anything else is a plain string. Repeatable.")
@click.option("--format", "fmt", default=None, metavar="FORMAT",
              help="table|csv|tsv|json|xml for SELECT/ASK (default: table on a terminal, tsv "
                   "otherwise); ttl|nt|jsonld for CONSTRUCT/DESCRIBE (default: ttl).")
@sources
@click.option("--endpoint", default=None, metavar="URL",
              help="Ask a SPARQL 1.1 Protocol endpoint instead (Wikidata, Oxigraph, Fuseki, …).")
@click.option("--timeout", type=float, default=30.0, show_default=True,
              help="Seconds to wait for --endpoint.")
@reports_errors
def query(query_text, list_queries, params, fmt, data_dir, dump, endpoint, timeout):
    """Run a SPARQL query: text, a .rq file, or the name of a catalogue query.

    Common prefixes (schema, org, rdfs, owl, xsd, prov, jitarsa, wd, …) are predeclared. ASK
    exits 1 when the answer is false. Examples:

        jitarsa query members

        jitarsa query organisation --param id=mirror-foundation --format nt

        jitarsa query 'ASK { ?o schema:name "มูลนิธิกระจกเงา"@th }'
    """
    from . import sparql
    from .errors import QueryError

    if list_queries:
        entries = sparql.catalogue().values()
        pad = max(len(e.name) for e in entries)
        for entry in entries:
            click.echo(f"{entry.name.ljust(pad)}  {entry.description}")
        return
    if query_text is None:
        raise QueryError("give a QUERY (SPARQL text, a .rq file or a catalogue name); "
                         "see jitarsa query --list")
    if sum(x is not None for x in (data_dir, dump, endpoint)) > 1:
        raise QueryError("choose one of --data, --dump and --endpoint")
    bound = dict(sparql.parse_param(p) for p in params)
    result = sparql.execute(query_text, bound, data=data_dir, dump=dump, endpoint=endpoint,
                            timeout=timeout)
    if fmt is None:
        fmt = "ttl" if sparql.is_graph(result) else (
            "table" if sys.stdout.isatty() else "tsv")
    sys.stdout.buffer.write(sparql.render(result, fmt))
    sys.stdout.buffer.flush()
    if sparql.is_boolean(result):
        sys.exit(int(ExitCode.OK if bool(result) else ExitCode.VIOLATIONS))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=int, default=8000, show_default=True,
              help="Port to listen on (0: any free port, printed at start).")
@click.option("--timeout", type=float, default=10.0, show_default=True,
              help="Seconds a query may run before it is stopped and answered with 503.")
@click.option("--workers", type=click.IntRange(1, 64), default=4, show_default=True,
              help="Query worker processes, each holding the graph.")
@click.option("--cache", type=click.IntRange(0), default=256, show_default=True,
              help="Answers kept for repeated requests (the graph never changes); 0: none.")
@click.option("--site", type=click.Path(file_okay=False, path_type=str), default=None,
              help="Static web site to serve, and HTML pages of entities "
                   "(default: ./dist/site, else the checkout's dist/site, when it exists).")
@sources
@reports_errors
def serve(host, port, timeout, workers, cache, site, data_dir, dump):
    """Serve a read-only SPARQL 1.1 endpoint at /sparql and the dataset's entities.

    GET and POST /sparql (results by content negotiation: JSON, XML, CSV, TSV; Turtle, N-Triples,
    JSON-LD); the service description at GET /sparql; VoID at /void; entity IRIs by path
    (/org/mirror-foundation) as Turtle, JSON-LD, N-Triples or HTML. Updates are refused.
    Example:

        jitarsa serve --port 8000 --timeout 5
    """
    from pathlib import Path

    from .resources import dist_dir
    from .server import make_server

    if site is None:  # what `jitarsa build` wrote here, else the checkout's
        site = next((str(d) for d in (Path("dist/site"), dist_dir() / "site") if d.is_dir()),
                    None)
    server = make_server(host, port, timeout, workers, data=data_dir, dump=dump, site=site,
                         cache=cache)
    bound_host, bound_port = server.server_address[:2]
    click.echo(f"SPARQL endpoint: http://{bound_host}:{bound_port}/sparql "
               f"({workers} worker{'s' if workers != 1 else ''}, timeout {timeout:g} s"
               f"{', site ' + str(Path(site)) if site else ''}). Ctrl-C stops.")
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()


@cli.command()
@click.option("--endpoint", required=True, metavar="URL",
              help="The store's Graph Store endpoint: Oxigraph /store, Fuseki /DATASET/data, "
                   "Virtuoso /sparql-graph-crud-auth.")
@click.option("--graph", default=None, metavar="IRI",
              help="Named graph to replace (default: the default graph).")
@click.option("--user", default=None, metavar="NAME:PASSWORD",
              help="Credentials for a store that asks for them (HTTP Basic or Digest).")
@click.option("--timeout", type=float, default=60.0, show_default=True,
              help="Seconds to wait for the store.")
@sources
@reports_errors
def load(endpoint, graph, user, timeout, data_dir, dump):
    """Put the dataset into a triplestore with the SPARQL 1.1 Graph Store HTTP Protocol.

    The graph is replaced: what was in it before is gone, and loading twice leaves the same
    data. Exit code 3 when the store cannot be reached or refuses. Example:

        jitarsa load --endpoint http://localhost:7878/store --graph https://w3id.org/jitarsa/
    """
    from .gsp import load as run_load

    loaded = run_load(endpoint, graph, data=data_dir, dump=dump, user=user, timeout=timeout)
    click.echo(f"Loaded {loaded.triples} triples into {graph or 'the default graph'} "
               f"(HTTP {loaded.status} from {loaded.url}).")
