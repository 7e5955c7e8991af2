"""Errors that name the file, the record and the field, and the exit codes they map to."""

import reprlib
from enum import IntEnum
from os import PathLike


class ExitCode(IntEnum):
    """Documented exit codes of every `jitarsa` command (see the README)."""

    OK = 0
    VIOLATIONS = 1  # SHACL violations (build, validate); ASK answered false (query)
    BAD_INPUT = 2  # records, options or a query could not be read
    ENDPOINT = 3  # a remote endpoint could not be reached or answered with an error
    OUTPUT = 4  # the output could not be written, or its path is a symbolic or hard link


_SHOWN = reprlib.Repr()
_SHOWN.maxstring = 60
_SHOWN.maxother = 60
_SHOWN.maxlevel = 2
_SHOWN.maxlist = _SHOWN.maxtuple = _SHOWN.maxdict = _SHOWN.maxset = 4


def shown(value) -> str:
    """`repr(value)` cut to a bounded length (about 60 characters a string, four items a list,
    two levels deep): error messages quote what a record holds, never all of it, however large
    or deeply shared (a YAML alias bomb) it is."""
    return _SHOWN.repr(value)


class JitarsaError(Exception):
    """Base of every error jitarsa reports to a user as one line."""

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self,
        message: str,
        file: str | PathLike[str] | None = None,
        record: str | None = None,
        field: str | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.file = file
        self.record = record
        self.field = field

    def __reduce__(self):
        """Pickle with the file, record and field (errors cross from worker processes)."""
        return (type(self), (self.message, self.file, self.record, self.field))

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(str(self.file))
        if self.record:
            where.append(f"record {shown(self.record)}")
        if self.field:
            where.append(f"field {shown(self.field)}")
        return ": ".join([", ".join(where), self.message]) if where else self.message


class RecordError(JitarsaError):
    """A source record is malformed or breaks a rule of the record format."""


class ValidationFailed(JitarsaError):
    """The graph does not conform to the SHACL shapes."""

    exit_code = ExitCode.VIOLATIONS

    def __init__(self, report):
        super().__init__(
            f"{len(report.violations)} SHACL violation(s); "
            "run 'jitarsa validate' for the full report"
        )
        self.report = report


class ShapesError(JitarsaError):
    """A shapes file (`--shapes`) cannot be read, or the fast engine, chosen explicitly, does
    not evaluate the SHACL it uses."""


class DumpError(JitarsaError):
    """An RDF file given as the data to validate (`validate --dump`) cannot be read or parsed."""


class OutputError(JitarsaError):
    """The output could not be written, would overwrite something not ours, or would be
    written through a symbolic link or into a file with other hard links."""

    exit_code = ExitCode.OUTPUT


class QueryError(JitarsaError):
    """A SPARQL query, a query parameter or a data source given to `query` cannot be used."""


class EndpointError(JitarsaError):
    """A SPARQL or Graph Store endpoint could not be reached or answered with an error."""

    exit_code = ExitCode.ENDPOINT


class ReconcileError(JitarsaError):
    """A table given to `jitarsa reconcile` cannot be read or has no such column."""


class WikidataError(JitarsaError):
    """The records cannot be expressed as Wikidata statements as they are."""


class Unsupported(Exception):  # noqa: N818 - a verdict, not a failure the user sees
    """The shapes use SHACL the fast engine does not evaluate: pySHACL must decide."""


class Stopped(Exception):  # noqa: N818 - a verdict, not a failure the user sees
    """A forked process ended without a result (killed, perhaps for lack of memory)."""


class DiffError(JitarsaError):
    """A side of `jitarsa diff` cannot be read, or `jitarsa release` cannot release a version."""
