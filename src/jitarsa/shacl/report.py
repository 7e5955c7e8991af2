"""The validation report for people and programs, whichever engine made it.

Each result is tied back to the record it is about (its id and name), so a curator knows which
file to open.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from jitarsa.namespaces import PREFIXES, SH


@dataclass(frozen=True)
class Violation:
    """One SHACL result, readable without knowing SHACL."""

    focus: str
    record: str | None
    name: str | None
    path: str | None
    value: str | None
    component: str
    severity: str
    message_en: str
    message_th: str | None
    shape: str | None

    def line(self) -> str:
        who = self.record or self.focus
        if self.name:
            who += f" ({self.name})"
        where = f"{self.path}: " if self.path else ""
        text = f"{who}: {where}{self.message_en}"
        if self.value is not None:
            text += f" [value: {self.value}]"
        return text + (f" / {self.message_th}" if self.message_th else "")


@dataclass
class Report:
    """The outcome: conforms or not, the readable violations, and the standard report graph."""

    conforms: bool
    violations: list[Violation]
    graph: Any  # rdflib.Graph holding the sh:ValidationReport; None from the fast engine

    def text(self, shapes: str | None = None) -> str:
        """For people: the violations, or that the graph conforms (to the shapes file SHAPES,
        when it was validated against another than the project's)."""
        if self.conforms:
            where = f"the shapes in {shapes}" if shapes else "the jitarsa shapes"
            return f"The graph conforms to {where}."
        lines = [v.line() for v in self.violations]
        return "\n".join(lines + [f"{len(lines)} violation(s)."])

    def turtle(self) -> str:
        if self.graph is None:
            raise ValueError(
                "this report came from the fast engine: validate with "
                "engine='pyshacl' for the SHACL report graph"
            )
        self.graph.namespace_manager.bind("sh", SH)
        for prefix, ns in PREFIXES.items():
            self.graph.namespace_manager.bind(prefix, ns, replace=True)
        return self.graph.serialize(format="turtle")

    def json(self) -> str:
        body = {"conforms": self.conforms, "violations": [asdict(v) for v in self.violations]}
        return json.dumps(body, ensure_ascii=False, indent=2) + "\n"


def result_order(v: Violation) -> tuple:
    return (v.record or v.focus, v.path or "", v.component, v.message_en, v.value or "")
