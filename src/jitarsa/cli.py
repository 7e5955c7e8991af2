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
@click.option("--quiet", "-q", is_flag=True,
              help="Print nothing on success, and no progress (shown on a terminal only).")
@reports_errors
def build(data_dir, out_dir, base, quiet):
    """Build, validate and publish the knowledge graph into OUT.

    Writes the Turtle, N-Triples and JSON-LD dumps, the JSON-LD context, the VoID/DCAT dataset
    description, the ontology and shapes, and SHA256SUMS. Nothing is written unless every step
    succeeds. Example:

        jitarsa build --data data --out dist
    """
    from .errors import ValidationFailed
    from .progress import Progress
    from .publish import build as run_build

    # Stage-by-stage progress on stderr, only on a terminal and never with --quiet.
    progress = Progress(enabled=False if quiet else None)
    try:
        result = run_build(data_dir, out_dir, base, progress=progress)
    except ValidationFailed as err:
        click.echo(err.report.text(), err=True)
        raise
    if not quiet:
        members = len(result.dataset.members)
        click.echo(f"Built {result.triple_count} triples: {len(result.dataset.records)} records, "
                   f"{members} members of {result.dataset.network.name.get('en', '')}.")
        for name in result.paths:
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

    # The standard report graph comes from pySHACL, the reference engine.
    report = run_validate(data_dir, base, engine="pyshacl" if fmt == "ttl" else "auto")
    output = {"text": report.text, "ttl": report.turtle, "json": report.json}[fmt]()
    click.echo(output.rstrip("\n"))
    sys.exit(int(ExitCode.OK if report.conforms else ExitCode.VIOLATIONS))


@cli.command()
@click.argument("count", type=click.IntRange(min=1))
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=str), required=True,
              help="Folder to write the synthetic data folder into.")
@click.option("--seed", type=int, default=1, show_default=True,
              help="Random seed: the same seed writes the same bytes.")
@click.option("--errors", type=click.IntRange(min=0), default=0, show_default=True,
              help="Inject this many broken records.")
@click.option("--error-kind", type=click.Choice(["shacl", "record"]), default="shacl",
              show_default=True,
              help="shacl: records that load but break the shapes; record: records the record "
                   "checks refuse.")
@reports_errors
def synth(count, out_dir, seed, errors, error_kind):
    """Write a synthetic registry of COUNT organisations, for measuring jitarsa at scale.

    The data is marked synthetic (title, descriptions, example.org URLs, Wikidata ids from
    Q9000000000 on). Example:

        jitarsa synth 100000 --out /tmp/registry --seed 1
    """
    from .synth import synthesize

    folder = synthesize(count, out_dir, seed=seed, errors=errors, error_kind=error_kind)
    click.echo(f"Wrote {count} synthetic organisations to {folder}.", err=True)
