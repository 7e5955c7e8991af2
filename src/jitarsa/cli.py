"""The `jitarsa` command line: a thin click layer, one API call per command.

Heavy modules (rdflib, pySHACL, pyoxigraph) are imported inside the commands that need them, so
`jitarsa --help` and light commands start fast. Every JitarsaError becomes one line on stderr and
its documented exit code; no traceback reaches the user.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from pathlib import Path

import click

from jitarsa.errors import ExitCode, JitarsaError
from jitarsa.sparql.execute import MAX_ANSWER
from jitarsa.sparql.limits import Limits


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
    "--data",
    "data_dir",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Data folder of YAML records (default: the embedded Volunteer Spirit Network).",
)
engine_option = click.option(
    "--engine",
    type=click.Choice(["auto", "fast", "pyshacl"]),
    default="auto",
    show_default=True,
    help="SHACL engine: fast (refuses shapes it does not evaluate), pyshacl (slower; deviates "
    "from SHACL where docs/validation.md lists), auto (fast, falling back to pySHACL with a "
    "note on stderr when the shapes need it).",
)
base_option = click.option(
    "--base",
    default=None,
    metavar="IRI",
    help="Base IRI of entity IRIs (default: the data's dataset.yaml, https://w3id.org/jitarsa/).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="jitarsa")
def cli():
    """Publish the Thai Volunteer Spirit Network (เครือข่ายจิตอาสา) as validated linked data.

    Exit codes: 0 success, 1 SHACL violations, 2 bad input or usage, 3 endpoint failure,
    4 output could not be written (or its path is a symbolic or hard link).
    """


@cli.command()
@data_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    default="dist",
    show_default=True,
    help="Output folder, replaced as a whole (refused if it holds files jitarsa did not write).",
)
@base_option
@click.option(
    "--site/--no-site",
    default=True,
    show_default=True,
    help="Also write the website into OUT/site.",
)
@click.option(
    "--quiet",
    "-q",
    is_flag=True,
    help="Print nothing on success, and no progress (shown on a terminal only).",
)
@engine_option
@reports_errors
def build(data_dir, out_dir, base, site, quiet, engine):
    """Build, validate and publish the knowledge graph into OUT.

    Writes the Turtle, N-Triples, JSON-LD and RDF/XML dumps, the JSON-LD context, the VoID/DCAT
    dataset description, the ontology and shapes, SHA256SUMS and, unless --no-site, the website
    in OUT/site. Nothing is written unless every step succeeds. Example:

        jitarsa build --data data --out dist
    """
    from jitarsa._util.progress import Progress
    from jitarsa.errors import ValidationFailed
    from jitarsa.publish.build import build as run_build

    # Stage-by-stage progress on stderr, only on a terminal and never with --quiet.
    progress = Progress(enabled=False if quiet else None)
    try:
        result = run_build(data_dir, out_dir, base, site=site, progress=progress, engine=engine)
    except ValidationFailed as err:
        click.echo(err.report.text(), err=True)
        raise
    if not quiet:
        members = len(result.dataset.members)
        click.echo(
            f"Built {result.triple_count:,} triples: {len(result.dataset.records):,} records, "
            f"{members:,} members of {result.dataset.network.name.get('en', '')}."
        )
        assert result.out_dir is not None  # build() says where it wrote
        shown = _shown(result.out_dir)
        for name in result.paths:
            if not name.startswith("site/"):
                click.echo(f"  {shown}/{name}")
        pages = sum(name.endswith(".html") for name in result.paths)
        if pages:
            click.echo(f"  {shown}/site/ ({pages:,} pages)")


def _shown(folder: Path) -> str:
    """A folder as the user can reach it: relative to the working directory if inside it."""
    try:
        return folder.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return folder.resolve().as_posix()


@cli.command()
@data_option
@base_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "ttl", "json"]),
    default="text",
    show_default=True,
    help="text for people; ttl (the standard SHACL report, from pySHACL whatever --engine "
    "says) or json for programs.",
)
@engine_option
@click.option(
    "--shapes",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Validate against this SHACL shapes file (Turtle) instead of the project's shapes.",
)
@click.option(
    "--dump",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Validate this RDF file (.ttl, .nt, .jsonld, .nq, .trig, .rdf) instead of records.",
)
@reports_errors
def validate(data_dir, base, fmt, engine, shapes, dump):
    """Check the records, or any RDF file, against the SHACL shapes without writing anything.

    Exit code 0 when the graph conforms, 1 on violations, 2 when the input or the shapes cannot
    be loaded, or --engine fast meets shapes it does not evaluate. Examples:

        jitarsa validate --data data --format json
        jitarsa validate --shapes my-profile.ttl --engine fast
        jitarsa validate --dump their-data.nt --shapes their-shapes.ttl
    """
    from jitarsa.shacl.engine import validate as run_validate

    if data_dir is not None and dump is not None:
        raise click.UsageError("choose one of --data and --dump")
    # The standard report graph comes from pySHACL.
    report = run_validate(data_dir, base, "pyshacl" if fmt == "ttl" else engine, shapes, dump)
    output = (
        report.text(shapes) if fmt == "text" else {"ttl": report.turtle, "json": report.json}[fmt]()
    )
    click.echo(output.rstrip("\n"))
    sys.exit(int(ExitCode.OK if report.conforms else ExitCode.VIOLATIONS))


# --- Wikidata: reconcile, record matches, export (docs/wikidata.md) ---------------------------

out_file_option = click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Write to this file instead of stdout.",
)
network_qid_option = click.option(
    "--network-qid",
    default=None,
    metavar="QID",
    help="The network's Wikidata item, once created (if the data does not record it yet).",
)


def _load(data_dir):
    from jitarsa.records.load import load_dataset
    from jitarsa.resources import default_data_dir

    return load_dataset(data_dir or default_data_dir())


def _emit(data: bytes, out_file) -> None:
    """Write to stdout, or to OUT via a temporary file renamed over it."""
    if out_file is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    from jitarsa._util.output import write_file

    write_file(out_file, data)


@cli.group()
def wikidata():
    """Bring the network into Wikidata without duplicates: reconcile, then export.

    The workflow (docs/wikidata.md): reconcile-sheet → match in OpenRefine → apply-matches →
    quickstatements (the network first, then its members) → apply-matches for the new QIDs.
    """


@wikidata.command("reconcile-sheet")
@data_option
@out_file_option
@reports_errors
def reconcile_sheet(data_dir, out_file):
    """A CSV of the organisations to reconcile against Wikidata in OpenRefine.

    One row per organisation: id, Thai and English name, alternate names, the class (P31)
    and country (P17, only where a field states it) to match against. Example:

    \b
        jitarsa wikidata reconcile-sheet --out reconcile.csv
    """
    from jitarsa.wikidata.items import reconcile_sheet as sheet

    _emit(sheet(_load(data_dir)).encode("utf-8"), out_file)


@wikidata.command("apply-matches")
@click.argument("sheet", type=click.Path(dir_okay=False, path_type=str))
@data_option
@click.option(
    "--by",
    "matched_by",
    required=True,
    metavar="NAME",
    help="Who matched the items (recorded with each QID).",
)
@click.option(
    "--date",
    "date",
    required=True,
    metavar="YYYY-MM-DD",
    help="When the items were matched (recorded with each QID; never the clock).",
)
@click.option(
    "--method",
    default="openrefine-reconciliation",
    show_default=True,
    type=click.Choice(
        ["openrefine-reconciliation", "quickstatements-create", "cited-source"]
    ),  # records.MATCH_METHODS, kept light here
    help="How the QIDs were found: reconciled, created by a jitarsa batch, or cited.",
)
@click.option(
    "--source",
    default=None,
    metavar="URL",
    help="The source that gives the QIDs (required with --method cited-source).",
)
@reports_errors
def apply_matches(sheet, data_dir, matched_by, date, method, source):
    """Write the QIDs of a reconciled SHEET (CSV with id and qid columns) into the records.

    Every row is checked first (QID syntax, known id, one item per record); on any error
    nothing is written, and a run that was killed is finished by the next one (a journal).
    Comments and order of the YAML are kept. Example:

    \b
        jitarsa wikidata apply-matches reconciled.csv --by "Somchai" --date 2026-11-25
    """
    from jitarsa.resources import default_data_dir
    from jitarsa.wikidata.matches import apply_matches as run
    from jitarsa.wikidata.matches import resume

    finished = resume(data_dir or default_data_dir())
    if finished:
        click.echo(f"Finished an interrupted apply-matches: {finished} files renamed.", err=True)
    changes = run(_load(data_dir), sheet, method, matched_by, date, source)
    for change in changes:
        click.echo(f"{change.status:9}  {change.qid:12} {change.record_id}  ({change.file})")
    added = sum(c.status == "added" for c in changes)
    click.echo(f"{added} records changed, {len(changes) - added} already had their QID.", err=True)


@wikidata.command()
@data_option
@out_file_option
@network_qid_option
@click.option(
    "--no-create",
    is_flag=True,
    help="Leave out items without a QID: only add statements to existing items.",
)
@click.option(
    "--created-sheet",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Also write a CSV (id,qid) of the items this batch creates, qid empty, to "
    "fill in and give to apply-matches.",
)
@reports_errors
def quickstatements(data_dir, out_file, network_qid, no_create, created_sheet):
    """The next QuickStatements V1 batch: tab-separated commands, a summary on stderr.

    Items with a QID only get membership (P463) and parent (P749) statements; items without
    are created once every item they point to has a QID. Example (Q4115189 is the Wikidata
    sandbox item, for a trial run):

    \b
        jitarsa wikidata quickstatements --network-qid Q4115189 --out step2.tsv
    """
    from jitarsa.wikidata.items import Items
    from jitarsa.wikidata.quickstatements import quickstatements_batch as export

    batch = export(Items(_load(data_dir), network_qid), create=not no_create)
    _emit(batch.text.encode("utf-8"), out_file)
    if created_sheet:
        _emit(batch.created_sheet.encode("utf-8"), created_sheet)
    for line in batch.summary():
        click.echo(line, err=True)


@wikidata.command()
@data_option
@out_file_option
@network_qid_option
@reports_errors
def rdf(data_dir, out_file, network_qid):
    """The same statements in the Wikibase RDF model (Turtle), for a Wikidata-style SPARQL.

    New items are named by their jitarsa IRI until they have a QID. Example:

    \b
        jitarsa wikidata rdf --network-qid Q4115189 --out wikidata.ttl
    """
    from jitarsa.wikidata.items import Items
    from jitarsa.wikidata.wikibase_rdf import wikibase_turtle

    _emit(wikibase_turtle(Items(_load(data_dir), network_qid)), out_file)


# --- The website (docs/site.md) ---------------------------------------------------------------


# --- Sources: the stored member lists against the records and newer copies ------------------


@cli.group("sources")
def sources_group():
    """The sources' member lists kept as data (data/sources/) and what backs each fact."""


@sources_group.command("check")
@data_option
@click.option(
    "--copy",
    "copy_file",
    type=click.Path(exists=True, dir_okay=False, path_type=str),
    default=None,
    help="A newer copy of a source: the article in WikiExtractor format, or a plain list.",
)
@click.option(
    "--list",
    "list_slug",
    default=None,
    metavar="SLUG",
    help="The stored list the copy is of (a file name in data/sources/; default: the first).",
)
@reports_errors
def sources_check(data_dir, copy_file, list_slug):
    """Compare the records with the stored lists, and a newer copy with its stored list.

    Reports, for each list: entries no record claims, records claiming an entry the list does
    not hold, and (for information) organisations one list names and another does not; every
    published field that no source backs; and with --copy, the drift: added, removed,
    renamed and moved entries. Exit code 0 when all agree, 1 on a mismatch or drift, 2 when
    the input cannot be read. Example:

    \b
        jitarsa sources check --copy newer-article.txt
    """
    from jitarsa.errors import RecordError
    from jitarsa.records.sources import check_sources, drift, read_copy, unbacked_fields

    dataset = _load(data_dir)
    stored = copy = None
    if copy_file is not None:
        if not dataset.lists:
            raise RecordError("holds no stored lists (sources/*.yaml)", data_dir or "data")
        by_slug = {lst.slug: lst for lst in dataset.lists}
        if list_slug is not None and list_slug not in by_slug:
            raise RecordError(
                f"no stored list {list_slug!r}; choose one of: {', '.join(by_slug)}", "--list"
            )
        stored = by_slug[list_slug] if list_slug else dataset.lists[0]
        copy = read_copy(copy_file)
    findings = check_sources(dataset)
    for r in dataset.records:
        if dataset.kinds[r.kind].organisation:
            for name in unbacked_fields(r):
                findings.append(_finding(r, name))
    for finding in findings:
        click.echo(f"{'mismatch' if finding.problem else 'note    '}  {finding}")
    problems = sum(f.problem for f in findings)
    changed = False
    if stored is not None and copy is not None:
        found = drift(stored.entries, copy)
        for line in found.lines():
            click.echo(f"drift     {stored.slug}: {line}")
        changed = bool(found)
    click.echo(
        f"{len(dataset.lists)} stored list(s): {problems} mismatch(es)"
        + (f", {'drift' if changed else 'no drift'} in {copy_file}" if copy_file else "")
    )
    sys.exit(int(ExitCode.VIOLATIONS if problems or changed else ExitCode.OK))


def _finding(record, name):
    from jitarsa.records.sources import Finding

    return Finding("records", f"{record.id}: field {name!r} is backed by no source")


@cli.command("site")
@data_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    default="dist/site",
    show_default=True,
    help="Output folder of the website, replaced as a whole (only if jitarsa wrote it).",
)
@base_option
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on success.")
@reports_errors
def site_command(data_dir, out_dir, base, quiet):
    """Build and validate the graph, then write only the website into OUT.

    One page per organisation and place at its IRI path (org/<id>/index.html), with its own
    Turtle, JSON-LD and N-Triples beside it; the home page, the ontology page and example
    SPARQL queries. Open OUT/index.html from disk or serve OUT as is. Example:

        jitarsa site --data data --out dist/site
    """
    from jitarsa.errors import ValidationFailed
    from jitarsa.publish.build import build_site

    try:
        result = build_site(data_dir, out_dir, base)
    except ValidationFailed as err:
        click.echo(err.report.text(), err=True)
        raise
    if not quiet:
        pages = sum(name.endswith(".html") for name in result.files)
        click.echo(
            f"Wrote {pages:,} pages and {len(result.files) - pages:,} other files to "
            f"{_shown(result.out_dir)}."
        )


# --- SPARQL: query, serve, load (docs/sparql.md) ----------------------------------------------

source_options = [
    click.option(
        "--data",
        "data_dir",
        type=click.Path(file_okay=False, path_type=str),
        default=None,
        help="Build this data folder of YAML records in memory.",
    ),
    click.option(
        "--dump",
        type=click.Path(exists=True, dir_okay=False, path_type=str),
        default=None,
        help="Read any RDF file (.ttl, .nt, .jsonld, .nq, .trig, .rdf).",
    ),
]


def sources(func):
    """--data/--dump: the graph to answer from (default: the packaged dump, no build needed)."""
    for option in reversed(source_options):
        func = option(func)
    return func


def _complete_queries(ctx, param, incomplete: str):
    """Shell completion of QUERY: the catalogue's names, then .rq files."""
    from click.shell_completion import CompletionItem

    from jitarsa.sparql.catalogue import catalogue

    names = [
        CompletionItem(entry.name, help=entry.description)
        for entry in catalogue().values()
        if entry.name.startswith(incomplete)
    ]
    return names + [CompletionItem(incomplete, type="file")]


def _complete_formats(ctx, param, incomplete: str):
    from jitarsa.sparql.results import GRAPH_FORMATS, RESULTS_FORMATS

    return [f for f in RESULTS_FORMATS + GRAPH_FORMATS if f.startswith(incomplete)]


@cli.command()
@click.argument("query_text", metavar="QUERY", required=False, shell_complete=_complete_queries)
@click.option(
    "--list",
    "list_queries",
    is_flag=True,
    help="List the catalogue's queries with their descriptions, and exit.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help='Bind ?NAME to one RDF term: "text"@th, "2005"^^xsd:gYear, <http://…>, 42; '
    "anything else is a plain string. Repeatable.",
)
@click.option(
    "--format",
    "fmt",
    default=None,
    metavar="FORMAT",
    help="table|csv|tsv|json|xml for SELECT/ASK (default: table on a terminal, tsv "
    "otherwise); ttl|nt|jsonld|rdf (RDF/XML) for CONSTRUCT/DESCRIBE (default: ttl).",
    shell_complete=_complete_formats,
)
@sources
@click.option(
    "--endpoint",
    default=None,
    metavar="URL",
    help="Ask a SPARQL 1.1 Protocol endpoint instead (Wikidata, Oxigraph, Fuseki, …).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0, min_open=True),
    default=30.0,
    show_default=True,
    help="Seconds a query may run, here or at --endpoint; a local one is then abandoned (exit 2).",
)
@click.option(
    "--max-answer",
    type=click.IntRange(1),
    default=MAX_ANSWER,
    show_default=True,
    metavar="BYTES",
    help="Bytes of --endpoint's answer read at most; a larger answer is exit 3.",
)
@click.option(
    "--allow-service",
    is_flag=True,
    help="Let SERVICE clauses ask other endpoints (federation, e.g. Wikidata's); off by default.",
)
@reports_errors
def query(
    query_text,
    list_queries,
    params,
    fmt,
    data_dir,
    dump,
    endpoint,
    timeout,
    max_answer,
    allow_service,
):
    """Run a SPARQL query: text, a .rq file, or the name of a catalogue query.

    Common prefixes (schema, org, rdfs, owl, xsd, prov, jitarsa, wd, …) are predeclared. ASK
    exits 1 when the answer is false. Examples:

        jitarsa query members

        jitarsa query organisation --param id=mirror-foundation --format nt

        jitarsa query 'ASK { ?o schema:name "มูลนิธิกระจกเงา"@th }'
    """
    from jitarsa.errors import QueryError
    from jitarsa.sparql.catalogue import catalogue
    from jitarsa.sparql.execute import execute
    from jitarsa.sparql.params import parse_param
    from jitarsa.sparql.results import is_boolean, is_graph, render

    if list_queries:
        entries = catalogue().values()
        pad = max(len(e.name) for e in entries)
        for entry in entries:
            click.echo(f"{entry.name.ljust(pad)}  {entry.description}")
        return
    if query_text is None:
        raise QueryError(
            "give a QUERY (SPARQL text, a .rq file or a catalogue name); see jitarsa query --list"
        )
    if sum(x is not None for x in (data_dir, dump, endpoint)) > 1:
        raise QueryError("choose one of --data, --dump and --endpoint")
    bound = dict(parse_param(p) for p in params)

    def answer(result):
        chosen = fmt or ("ttl" if is_graph(result) else ("table" if sys.stdout.isatty() else "tsv"))
        # Plain values only leave the query's thread: pyoxigraph's results must be dropped
        # where they were made, or Oxigraph panics.
        return (bool(result) if is_boolean(result) else None), render(result, chosen)

    # Parsed and run on a large stack (Oxigraph recurses per nesting level), within --timeout.
    verdict, output = execute(
        query_text,
        bound,
        data_dir=data_dir,
        dump=dump,
        endpoint=endpoint,
        timeout=timeout,
        allow_service=allow_service,
        max_answer=max_answer,
        consume=answer,
    )
    sys.stdout.buffer.write(output)
    sys.stdout.buffer.flush()
    if verdict is not None:
        sys.exit(int(ExitCode.OK if verdict else ExitCode.VIOLATIONS))


@cli.command()
@click.argument("table", metavar="FILE.csv", type=click.Path(dir_okay=False, path_type=str))
@click.option("--column", required=True, metavar="NAME", help="The column of names to match.")
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="T",
    help="Only candidates of this type (org:Organization, schema:NGO, …; repeatable).",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="CSV file to write (default: standard output).",
)
@sources
@reports_errors
def reconcile(table, column, types, out, data_dir, dump):
    """Match a CSV column of organisation names against the registry.

    Writes the CSV back with four columns added: jitarsa_id, jitarsa_name, jitarsa_score
    (0-100) and jitarsa_match (true only for a safe automatic match), with the same matcher as
    `jitarsa serve`'s /reconcile (see docs/reconcile.md). Progress on a terminal. Example:

    \b
        jitarsa reconcile members.csv --column name --type org:Organization --out matched.csv
    """
    from jitarsa._util.progress import Progress
    from jitarsa.errors import OutputError
    from jitarsa.reconcile.table import load_index, reconcile_csv

    index = load_index(data_dir, dump)
    try:
        handle = open(out, "w", encoding="utf-8", newline="") if out else None  # noqa: SIM115
    except OSError as err:
        raise OutputError(f"cannot be written ({err.strerror or err})", out) from None
    with contextlib.nullcontext() if handle is None else handle:
        reconcile_csv(index, table, handle or sys.stdout, column, tuple(types), Progress())


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    type=int,
    default=8000,
    show_default=True,
    help="Port to listen on (0: any free port, printed at start).",
)
@click.option(
    "--timeout",
    type=float,
    default=Limits.timeout,
    show_default=True,
    help="Seconds a query may run before it is stopped and answered with 503.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=4,
    show_default=True,
    help="Query worker processes, each holding the graph.",
)
@click.option(
    "--cache",
    type=click.IntRange(0),
    default=256,
    show_default=True,
    help="Answers kept for repeated requests (the graph never changes); 0: none.",
)
@click.option(
    "--site",
    type=click.Path(file_okay=False, path_type=str),
    default=None,
    help="Static web site to serve, and HTML pages of entities "
    "(default: ./dist/site, else the checkout's dist/site, when it exists).",
)
@click.option(
    "--max-answer",
    type=click.IntRange(1024),
    default=Limits.max_answer,
    show_default=True,
    help="Bytes of the largest answer; a larger one is refused with 422.",
)
@click.option(
    "--max-connections",
    type=click.IntRange(1),
    default=Limits.max_connections,
    show_default=True,
    help="Open connections at once; more are answered 503 and closed.",
)
@click.option(
    "--idle-timeout",
    type=click.FloatRange(0.1),
    default=Limits.idle_timeout,
    show_default=True,
    help="Seconds a connection may wait idle or take to send a request before it is closed.",
)
@click.option(
    "--write-timeout",
    type=click.FloatRange(0.1),
    default=Limits.write_timeout,
    show_default=True,
    help="Seconds a client may take to read a whole answer before the connection is closed.",
)
@click.option(
    "--reserved",
    type=click.IntRange(0),
    default=None,
    help="Workers kept for queries answered within 1 s (default: a quarter, at least 1).",
)
@click.option(
    "--max-client-connections",
    type=click.IntRange(1),
    default=Limits.max_client_connections,
    show_default=True,
    help="Open connections of one client (an IPv4 address or IPv6 /64); more get 503.",
)
@click.option(
    "--max-client-workers",
    type=click.IntRange(1),
    default=None,
    help="Workers one client may keep busy at once (default: all; they go first to the "
    "client holding the fewest).",
)
@click.option(
    "--public-url",
    default=None,
    help="The server's root as clients reach it, e.g. behind a TLS proxy "
    "(https://data.example.org/): what the service description advertises. Without it, the "
    "description names the Host the client asked for and is never cached.",
)
@click.option(
    "--require-isolation",
    is_flag=True,
    help="Refuse to start (exit 2) unless the query workers can be cut off from the network "
    "(Linux network namespaces); otherwise serve says so in one line and goes on.",
)
@sources
@reports_errors
def serve(
    host,
    port,
    timeout,
    workers,
    cache,
    site,
    max_answer,
    max_connections,
    idle_timeout,
    write_timeout,
    reserved,
    max_client_connections,
    max_client_workers,
    public_url,
    require_isolation,
    data_dir,
    dump,
):
    """Serve a read-only SPARQL 1.1 endpoint at /sparql and the dataset's entities.

    GET and POST /sparql (results by content negotiation: JSON, XML, CSV, TSV; Turtle, N-Triples,
    JSON-LD, RDF/XML, N-Quads, TriG); the service description at GET /sparql; VoID at /void;
    entity IRIs by path (/org/mirror-foundation) in the same RDF formats or HTML; the W3C
    Reconciliation Service API 0.2 at /reconcile (OpenRefine: docs/reconcile.md). Updates are
    refused.
    Example:

        jitarsa serve --port 8000 --timeout 5
    """
    from pathlib import Path

    from jitarsa.reconcile.service import mount
    from jitarsa.resources import dist_dir
    from jitarsa.sparql.server import make_server

    limits = Limits(
        timeout=timeout,
        max_answer=max_answer,
        max_connections=max_connections,
        idle_timeout=idle_timeout,
        write_timeout=write_timeout,
        reserved=reserved,
        max_client_connections=max_client_connections,
        max_client_workers=max_client_workers,
    )
    if site is None:  # what `jitarsa build` wrote here, else the checkout's
        site = next((str(d) for d in (Path("dist/site"), dist_dir() / "site") if d.is_dir()), None)
    server = make_server(
        host,
        port,
        timeout,
        workers,
        data_dir=data_dir,
        dump=dump,
        site=site,
        cache=cache,
        limits=limits,
        public_url=public_url,
        reconcile=mount,
        require_isolation=require_isolation,
    )
    if server.pool.isolation:
        click.echo(
            f"Warning: the query workers have network access ({server.pool.isolation}); "
            "SERVICE is still refused by the query check.",
            err=True,
        )
    bound_host, bound_port = server.server_address[:2]
    click.echo(
        f"SPARQL endpoint: http://{bound_host}:{bound_port}/sparql "
        f"({workers} worker{'s' if workers != 1 else ''}, timeout {timeout:g} s"
        f"{', site ' + str(Path(site)) if site else ''}). Ctrl-C stops."
    )
    sys.stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        server.pool.close()


@cli.command()
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's Graph Store endpoint: Oxigraph /store, Fuseki /DATASET/data, "
    "Virtuoso /sparql-graph-crud-auth.",
)
@click.option(
    "--graph",
    default=None,
    metavar="IRI",
    help="Named graph to replace (default: the default graph).",
)
@click.option(
    "--user",
    default=None,
    metavar="NAME:PASSWORD",
    help="Credentials for a store that asks for them (HTTP Basic or Digest).",
)
@click.option(
    "--timeout",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds for the whole exchange with the store.",
)
@sources
@reports_errors
def load(endpoint, graph, user, timeout, data_dir, dump):
    """Put the dataset into a triplestore with the SPARQL 1.1 Graph Store HTTP Protocol.

    The graph is replaced: what was in it before is gone, and loading twice leaves the same
    data. Exit code 3 when the store cannot be reached, refuses, redirects (never followed) or
    answers broken HTTP.
    Credentials in the URL (http://NAME:PASSWORD@host/) work like --user and are never
    printed. Example:

        jitarsa load --endpoint http://localhost:7878/store --graph https://w3id.org/jitarsa/
    """
    from jitarsa.sparql.graph_store import load as run_load

    loaded = run_load(endpoint, graph, data_dir=data_dir, dump=dump, user=user, timeout=timeout)
    click.echo(
        f"Loaded {loaded.triples} triples into {graph or 'the default graph'} "
        f"(HTTP {loaded.status} from {loaded.url})."
    )


# --- Synthetic data for scale tests and benchmarks (docs/scale.md) ----------------------------


@cli.command()
@click.argument("count", type=click.IntRange(min=1))
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    required=True,
    help="The data folder to write, replaced as a whole (only if jitarsa wrote it).",
)
@click.option(
    "--seed",
    type=int,
    default=1,
    show_default=True,
    help="Random seed: the same seed writes the same bytes.",
)
@click.option(
    "--errors",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Inject this many broken records.",
)
@click.option(
    "--error-kind",
    type=click.Choice(["shacl", "record"]),
    default="shacl",
    show_default=True,
    help="shacl: records that load but break the shapes; record: records the record checks refuse.",
)
@reports_errors
def synth(count, out_dir, seed, errors, error_kind):
    """Write a synthetic registry of COUNT organisations, for measuring jitarsa at scale.

    The data is marked synthetic (title, descriptions, example.org URLs, Wikidata ids from
    Q9000000000 on). Example:

        jitarsa synth 100000 --out /tmp/registry --seed 1
    """
    from jitarsa.records.synth import synthesize

    folder = synthesize(count, out_dir, seed=seed, errors=errors, error_kind=error_kind)
    click.echo(f"Wrote {count} synthetic organisations to {folder}.", err=True)


# --- Releases: what changed, and a version cut from the data (docs/releases.md) ---------------


@cli.command()
@click.argument("old", type=click.Path(path_type=str))
@click.argument("new", type=click.Path(path_type=str))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "json"]),
    default="text",
    show_default=True,
    help="text for people, markdown for a pull-request comment, json for programs.",
)
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=str),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@reports_errors
def diff(old, new, fmt, out_file):
    """Show what changed from OLD to NEW, entity by entity.

    OLD and NEW are each a published folder (with jitarsa.nt), an N-Triples file (.nt or
    .nt.gz) or a data folder (with dataset.yaml). Reports organisations added, removed,
    re-identified and renamed, memberships gained or lost, parent changes and other changed
    properties, and the least Semantic Versioning part the changes need. Exit code 0 when
    the graphs are equal, 1 when they differ, 2 when a side cannot be read, 4 when the report
    cannot be written. Example:

        jitarsa diff data/releases/1.0.0.nt.gz data --format markdown
    """
    from jitarsa.releases.diff import FORMATS
    from jitarsa.releases.diff import diff as run_diff

    result = run_diff(old, new)
    _emit(FORMATS[fmt](result).encode("utf-8"), out_file)
    sys.exit(int(ExitCode.OK if result.equal else ExitCode.VIOLATIONS))


@cli.command()
@click.argument("version")
@data_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=str),
    default="dist",
    show_default=True,
    help="Output folder, replaced as a whole.",
)
@click.option(
    "--archive-dir",
    type=click.Path(file_okay=False, path_type=str),
    default=".",
    show_default=True,
    help="Folder for jitarsa-VERSION.tar.gz and its .sha256.",
)
@click.option(
    "--changelog",
    type=click.Path(dir_okay=False, path_type=str),
    default="CHANGELOG.md",
    show_default=True,
    help="The changelog whose 'Data releases' section gets the change notes.",
)
@click.option(
    "--date",
    "issued",
    default=None,
    metavar="YYYY-MM-DD",
    help="The release date (default: today, UTC); recorded in the data.",
)
@reports_errors
def release(version, data_dir, out_dir, archive_dir, changelog, issued):
    """Release the data as VERSION (MAJOR.MINOR.PATCH).

    The version must be the next one for what changed since the previous release: major when
    an organisation was removed or re-identified, minor for additions, patch for corrections.
    Records the release in DATA/releases/ (VERSION.json and VERSION.nt.gz) and the version in
    DATA/dataset.yaml, builds OUT, writes ARCHIVE-DIR/jitarsa-VERSION.tar.gz (reproducible)
    with its SHA-256, and prepends the change notes to the changelog. Exit code 2 when the
    version does not fit the changes; 4 when a file it would write (or OUT) is a symbolic or
    hard link, checked before anything is written. Example:

        jitarsa release 1.1.0 --date 2026-12-03
    """
    from jitarsa.releases.cut import release as run_release

    result = run_release(version, data_dir, out_dir, archive_dir, changelog, issued)
    since = f" since {result.previous}" if result.previous else ""
    if result.diff is not None:
        summary = ", ".join(f"{n} {kind}" for kind, n in result.diff.summary.items())
        click.echo(f"Released {result.version} ({result.issued}): {summary}{since}.")
    else:
        click.echo(f"Released {result.version} ({result.issued}): the first release.")
    click.echo(f"  {result.out_dir.name}/")
    click.echo(f"  {result.archive}  sha256 {result.sha256}")
    click.echo(f"  notes prepended to {changelog}")
