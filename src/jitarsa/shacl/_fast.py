"""A fast SHACL engine for the SHACL Core it knows, refusing everything else.

pySHACL evaluates one focus node at a time through rdflib and takes minutes for 100k
organisations. This engine reads a shapes graph, indexes the data's
triples once by predicate, and evaluates each shape over all its focus nodes with dictionaries
and sets. It knows the targets (explicit, and the implicit class target of a shape that is also
an rdfs:Class), the paths IRI, inverse and alternative (of IRIs), and the components of
`_components.CHECKS`, with property shapes nested at any depth. Before it evaluates anything it
reads the whole shapes graph, every shape however it is targeted or nested, and raises
`Unsupported`, naming the shape and the feature, for anything else; the caller falls back to
pySHACL.

Literals are checked against the XSD lexical spaces by `xmlschema` (an XSD 1.1 implementation);
ranges, patterns and language ranges follow SPARQL's and XPath's operators (`_xpath`), as SHACL
specifies. tests/test_fastshacl.py proves it reports the same results as pySHACL on the
project's shapes; tests/test_w3c_shacl.py runs the W3C SHACL Core test suite against it, and
tests/test_shacl_engines.py compares it with pySHACL and Apache Jena on generated shapes.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from functools import lru_cache
from typing import Any

from pyoxigraph import BlankNode, Literal, NamedNode, RdfFormat, parse

from jitarsa.errors import ShapesError, Unsupported
from jitarsa.namespaces import OWL, RDF, RDFS, SCHEMA, SH, XSD, shorten
from jitarsa.rdf.graph import Blank, as_graph, compact
from jitarsa.shacl import _xpath
from jitarsa.shacl._components import CHECKS, NO_VALUE, PerValue, shapes_value, with_values
from jitarsa.shacl._datatypes import XSD_TYPES, number

_TYPE = NamedNode(RDF + "type")
_FIRST, _REST, _NIL = (NamedNode(RDF + n) for n in ("first", "rest", "nil"))
_VIOLATION = NamedNode(SH + "Violation")
_TARGETS = ("targetClass", "targetSubjectsOf", "targetNode", "targetObjectsOf")
#: Constraint parameters this engine evaluates (besides sh:property).
_PARAMETERS = {
    "class",
    "datatype",
    "nodeKind",
    "minCount",
    "maxCount",
    "minInclusive",
    "minExclusive",
    "maxInclusive",
    "maxExclusive",
    "minLength",
    "maxLength",
    "pattern",
    "flags",
    "languageIn",
    "uniqueLang",
    "in",
    "hasValue",
    "equals",
    "disjoint",
    "not",
    "and",
    "or",
    "xone",
    "node",
    "qualifiedValueShape",
    "qualifiedMinCount",
    "qualifiedMaxCount",
}
#: Shape keys read without being constraints, and the keys of a path node.
_SHAPE_KEYS = {
    "path",
    "property",
    "message",
    "severity",
    "deactivated",
    *_TARGETS,
    "name",
    "description",
    "order",
    "group",
    "defaultValue",
    "inversePath",
    "alternativePath",
}
#: The validation report's own terms: a shapes file may hold an expected report (the W3C tests
#: do), which constrains nothing.
_REPORT_KEYS = {
    "conforms",
    "result",
    "focusNode",
    "resultPath",
    "resultSeverity",
    "resultMessage",
    "sourceConstraintComponent",
    "sourceShape",
    "sourceConstraint",
    "value",
    "detail",
}
#: Parameters a shape has at most one value of (SHACL 4, each component's syntax rules).
_AT_MOST_ONE = (
    "datatype",
    "nodeKind",
    "minCount",
    "maxCount",
    "minExclusive",
    "minInclusive",
    "maxExclusive",
    "maxInclusive",
    "minLength",
    "maxLength",
    "flags",
    "languageIn",
    "uniqueLang",
    "in",
    "qualifiedMinCount",
    "qualifiedMaxCount",
    "deactivated",
    "severity",
)
#: Parameters whose values are shapes, and those whose values are lists of shapes.
_SHAPE_VALUED = ("property", "node", "not", "qualifiedValueShape")
_SHAPE_LISTS = ("and", "or", "xone")
#: Types a shape may have; another type (owl:Class, a subclass of sh:NodeShape…) would need
#: RDFS reasoning on the shapes graph to decide its targets.
_SHAPE_TYPES = {SH + "NodeShape", SH + "PropertyShape", SH + "Shape", RDFS + "Class"}


def _sh(name: str) -> NamedNode:
    return NamedNode(SH + name)


def _name(term) -> str:
    return shorten(term.value) if isinstance(term, NamedNode) else f"a blank node shape ({term})"


class Shapes:
    """The shapes graph, parsed once: shape → parameter → values. Raises Unsupported unless
    this engine evaluates every shape in it exactly as SHACL specifies."""

    def __init__(self, source):
        """`source`: a Turtle file's path, or pyoxigraph triples."""
        self.graph: dict = defaultdict(lambda: defaultdict(list))
        self.source = str(source) if _is_path(source) else None
        triples = parse(path=str(source), format=RdfFormat.TURTLE) if _is_path(source) else source
        for t in triples:
            values = self.graph[t.subject][t.predicate]
            if t.object not in values:  # a graph is a set: a triple stated twice counts once
                values.append(t.object)
        subclass = NamedNode(RDFS + "subClassOf")
        for s, props in self.graph.items():
            if any(
                o.value.startswith(SH) or o.value == RDFS + "Class"
                for o in props.get(subclass, ())
                if isinstance(o, NamedNode)
            ):
                raise Unsupported(f"{_name(s)} is a subclass of a SHACL class or rdfs:Class")
        shapes = self._all_shapes()
        self.implicit = set()
        for shape in sorted(shapes, key=str):
            self._check(shape)
            types = {t.value for t in self.graph.get(shape, {}).get(_TYPE, ())}
            if RDFS + "Class" in types:
                self.implicit.add(shape)
        self.top = sorted(
            (s for s in shapes if s in self.implicit or any(self.get(s, k) for k in _TARGETS)),
            key=str,
        )

    def _all_shapes(self) -> set:
        """Every shape: typed as one, with a target or a constraint, or the value of a
        parameter that takes shapes (SHACL 2.1), followed to any depth."""
        found = set()
        keys = {_sh(k) for k in _PARAMETERS | set(_TARGETS) | {"property", "path"}}
        for s, props in self.graph.items():
            types = {t.value for t in props.get(_TYPE, ())}
            if types & {SH + "NodeShape", SH + "PropertyShape"} or keys & props.keys():
                found.add(s)
        todo = list(found)
        while todo:
            shape = todo.pop()
            for member in self._nested(shape):
                if member not in found:
                    found.add(member)
                    todo.append(member)
        self._refuse_recursion(found)
        return found

    def _nested(self, shape) -> list:
        """The shapes a shape's parameters name (sh:node, sh:property, sh:or's members …)."""
        nested = [m for k in _SHAPE_VALUED for m in self.get(shape, k)]
        return nested + [
            m for k in _SHAPE_LISTS for head in self.get(shape, k) for m in self.items(head)
        ]

    def _refuse_recursion(self, shapes: set) -> None:
        """A shape that reaches itself through the shapes it names: SHACL leaves validation
        with recursive shapes undefined (2.3.3), and this engine would never end."""
        done: set = set()
        for start in sorted(shapes, key=str):
            path, stack = set(), [(start, iter(self._nested(start)))]
            path.add(start)
            while stack:
                shape, members = stack[-1]
                member = next(members, None)
                if member is None:
                    stack.pop()
                    path.discard(shape)
                    done.add(shape)
                elif member in path:
                    raise Unsupported(f"{_name(member)} is recursive (it reaches itself)")
                elif member not in done:
                    path.add(member)
                    stack.append((member, iter(self._nested(member))))

    def get(self, shape, name: str) -> list:
        return self.graph.get(shape, {}).get(_sh(name), [])

    def one(self, shape, name: str):
        values = self.get(shape, name)
        return values[0] if values else None

    def items(self, head) -> list:
        out, seen = [], set()
        while head != _NIL:
            if head in seen:
                raise Unsupported(f"a cyclic RDF list at {head}")
            seen.add(head)
            out.append(self.one_raw(head, _FIRST))
            head = self.one_raw(head, _REST)
        return out

    def one_raw(self, node, predicate):
        values = self.graph.get(node, {}).get(predicate, [])
        if not values:
            raise Unsupported(f"a malformed RDF list at {node}")
        return values[0]

    def _check(self, shape) -> None:
        """Refuse what this engine would not evaluate as SHACL specifies."""
        props = self.graph.get(shape, {})
        for predicate in props:
            name = predicate.value[len(SH) :] if predicate.value.startswith(SH) else None
            if name is not None and name not in _PARAMETERS | _SHAPE_KEYS | _REPORT_KEYS:
                raise Unsupported(f"sh:{name} on {_name(shape)}")
        for t in sorted({t.value for t in props.get(_TYPE, ())} - _SHAPE_TYPES):
            if t.startswith((SH, RDFS)) or t == OWL + "Class":
                raise Unsupported(f"{_name(shape)} is a {shorten(t)}")
        for name in _AT_MOST_ONE:
            if len(self.get(shape, name)) > 1:  # an ill-formed shape: refused, not guessed at
                raise Unsupported(f"more than one sh:{name} on {_name(shape)}")
        if self.get(shape, "path"):
            self.path(shape)
        for name in ("minCount", "maxCount", "minLength", "maxLength"):
            for bound in self.get(shape, name):
                _whole(bound, f"sh:{name} on {_name(shape)}")
        if self.get(shape, "qualifiedValueShape") and not any(
            self.get(shape, k) for k in ("qualifiedMinCount", "qualifiedMaxCount")
        ):
            raise Unsupported(f"sh:qualifiedValueShape without a count on {_name(shape)}")
        for name in ("qualifiedMinCount", "qualifiedMaxCount"):
            for bound in self.get(shape, name):
                _whole(bound, f"sh:{name} on {_name(shape)}")
        if self.one(shape, "qualifiedValueShapesDisjoint") is not None:
            raise Unsupported(f"sh:qualifiedValueShapesDisjoint on {_name(shape)}")
        for name in ("minInclusive", "minExclusive", "maxInclusive", "maxExclusive"):
            for bound in self.get(shape, name):
                if number(compact(bound)) is None:
                    raise Unsupported(f"sh:{name} {bound} (not a number) on {_name(shape)}")
        for datatype in self.get(shape, "datatype"):
            _datatype_known(datatype, shape)
        for name in ("pattern", "flags", "message"):
            if not all(isinstance(v, Literal) for v in self.get(shape, name)):
                raise Unsupported(f"sh:{name} that is not a literal on {_name(shape)}")
        for head in self.get(shape, "languageIn"):
            if not all(isinstance(v, Literal) for v in self.items(head)):
                raise Unsupported(f"sh:languageIn with a member not a literal on {_name(shape)}")
        flags = self.get(shape, "flags")
        if len(flags) > 1 or any(set(f.value) - set("imsx") for f in flags):
            raise Unsupported(f"sh:flags other than i, m, s, x on {_name(shape)}")
        for pattern in self.get(shape, "pattern"):
            try:
                _xpath.regex(pattern.value, flags[0].value if flags else "")
            except _xpath.IllFormed as err:  # not SHACL: no engine may answer
                raise ShapesError(f"sh:pattern on {_name(shape)}: {err}", self.source) from None
            except (re.error, Unsupported) as err:
                raise Unsupported(f"sh:pattern on {_name(shape)}: {err}") from None

    def path(self, shape):
        """`("iri", p)`, `("inverse", p)` or `("alternative", [p, …])`."""
        path = self.one(shape, "path")
        if len(self.get(shape, "path")) > 1:
            raise Unsupported(f"more than one sh:path on {_name(shape)}")
        if isinstance(path, NamedNode):
            return ("iri", path)
        inverse = self.one(path, "inversePath")
        keys = set(self.graph.get(path, {}))
        if isinstance(inverse, NamedNode) and keys == {_sh("inversePath")}:
            return ("inverse", inverse)
        alternative = self.one(path, "alternativePath")
        if alternative is not None and keys == {_sh("alternativePath")}:
            members = self.items(alternative)
            if all(isinstance(m, NamedNode) for m in members):
                return ("alternative", tuple(members))
        raise Unsupported(f"a path other than an IRI, ^IRI or IRI|IRI on {_name(shape)}")


def _is_path(source) -> bool:
    return isinstance(source, str) or hasattr(source, "__fspath__")


def _whole(term, where: str) -> int:
    found = number(compact(term))
    if found is None or found[0] != _xpath.INTEGER or found[1] < 0:
        raise Unsupported(f"{where} is not a whole number")
    return found[1]


def _datatype_known(datatype, shape) -> None:
    """Refuse a datatype whose lexical space this engine does not know."""
    iri = datatype.value if isinstance(datatype, NamedNode) else None
    if iri is None:
        raise Unsupported(f"sh:datatype that is not an IRI on {_name(shape)}")
    if iri.startswith(XSD) and iri[len(XSD) :] not in XSD_TYPES:
        raise Unsupported(f"sh:datatype {shorten(iri)}, not an RDF datatype, on {_name(shape)}")
    if iri.startswith(RDF) and iri != RDF + "langString":
        raise Unsupported(f"sh:datatype {shorten(iri)} on {_name(shape)}")


class Data:
    """The data graph indexed for SHACL: predicate IRI → node → objects.

    Nodes and values are in jitarsa.graph's plain form (an IRI is its text, a literal a tuple),
    which hashes and compares in C: pyoxigraph terms would go through Rust on every lookup."""

    def __init__(self, graph):
        # Values as tuples, not lists: at registry scale most (predicate, node) have one value,
        # and a tuple of one is half the size of a list that was appended to. A node with many
        # values of one predicate (the network's members) collects them in a list first: a
        # tuple grown one value at a time would copy itself each time, quadratic in their count.
        out: dict = defaultdict(dict)
        many: dict = {}
        for s, pairs in graph.statements.items():
            for p, o in pairs:
                by_node = out[p]
                found = by_node.get(s)
                if found is None:
                    by_node[s] = (o,)
                else:
                    values = many.get((p, s))
                    if values is None:
                        values = many[(p, s)] = list(found)
                    values.append(o)
        for (p, s), values in many.items():
            out[p][s] = tuple(values)
        self.out = out
        self._indexes: dict = {}
        self.types = out.get(_TYPE.value, {})
        if RDFS + "subClassOf" in out:
            self.types = _with_superclasses(self.types, out[RDFS + "subClassOf"])

    def index(self, path) -> dict:
        """node → its values along `path`, for every node that has any (built once a path)."""
        if path not in self._indexes:
            kind, p = path
            if kind == "iri":
                found = self.out.get(p.value, {})
            elif kind == "inverse":
                found = defaultdict(list)
                for s, objects in self.out.get(p.value, {}).items():
                    for o in objects:
                        found[o].append(s)
            else:  # each node's values along any of the predicates, without repeats
                found = {}
                for q in p:
                    for s, objects in self.out.get(q.value, {}).items():
                        known = found.get(s)
                        found[s] = (
                            objects
                            if known is None
                            else known + tuple(o for o in objects if o not in known)
                        )
            self._indexes[path] = dict(found)
        return self._indexes[path]

    def values(self, node, path) -> list:
        return self.index(path).get(node, [])


def _with_superclasses(types: dict, subclass_of: dict) -> dict:
    """node → its classes and their superclasses (SHACL instances, through the data graph's
    rdfs:subClassOf, transitively)."""
    closure: dict = {}

    def supers(cls) -> set:
        if cls not in closure:
            closure[cls] = {cls}  # a cycle ends here
            for parent in subclass_of.get(cls, ()):
                closure[cls] = closure[cls] | supers(parent)
        return closure[cls]

    return {
        node: tuple(sorted(set().union(*(supers(c) for c in classes)), key=str))
        for node, classes in types.items()
    }


def _text(v) -> str:
    """The lexical form of a literal, an IRI's text, a blank node's label (as pySHACL gives)."""
    if type(v) is tuple:
        return v[0]
    return v[2:] if isinstance(v, Blank) else v


class _Compiled:
    """One shape, read once: its path, severity, checks and property shapes."""

    __slots__ = ("shape", "path", "severity", "checks", "properties", "active")
    shape: Any  # the shape's node in the shapes graph
    path: tuple | None  # None for a node shape
    severity: Any
    checks: list
    properties: list[_Compiled]
    active: bool  # False for sh:deactivated


def _result(c: _Compiled, focus, component: str, value) -> tuple:
    """One SHACL result of shape C: (focus, path, value or None, component, shape, severity)."""
    return (focus, c.path, None if value is NO_VALUE else value, component, c.shape, c.severity)


class Engine:
    """Evaluates the shapes over a data graph; `results()` yields one tuple per SHACL result.

    Each shape is compiled once into a list of (check, relevant): `check(focus, values)` →
    failures as (component, value or NO_VALUE, nested results), and `relevant(focus nodes,
    nodes with values)` → the focus nodes the check can fail on, found with set operations:
    for most checks only the focus nodes that have values along the path."""

    def __init__(self, shapes: Shapes, data: Data, details: bool = True):
        """`details`: follow each sh:node result with the results it stands for (as pySHACL
        lists them, with sh:detail)."""
        self.shapes, self.data, self.details = shapes, data, details
        self._compiled: dict = {}

    def focus_nodes(self, shape) -> set:
        sh, d = self.shapes, self.data
        found = {shapes_value(n) for n in sh.get(shape, "targetNode")}
        classes = [cls.value for cls in sh.get(shape, "targetClass")]
        if shape in sh.implicit and isinstance(shape, NamedNode):
            classes.append(shape.value)
        for cls in classes:
            found |= {s for s, types in d.types.items() if cls in types}
        for p in sh.get(shape, "targetSubjectsOf"):
            found |= set(d.out.get(p.value, {}))
        for p in sh.get(shape, "targetObjectsOf"):
            found |= set(d.index(("inverse", p)))
        return found

    def results(self):
        """(focus, path or None, value or None, component, shape, severity) for every result."""
        for shape in self.shapes.top:
            compiled = self.compile(shape)
            if compiled.active:
                yield from self._shape_results(compiled, self.focus_nodes(shape))

    def _shape_results(self, c: _Compiled, focus_nodes: set, times: Counter | None = None):
        """The results of shape C on its focus nodes; `times`: how often each focus node is
        validated, for a property shape nested in one with a path, whose value nodes are
        validated once for every (parent focus node, value) pair (each parent's result has its
        own nested results in pySHACL's and Jena's reports)."""
        if c.path is None:
            index = {focus: [focus] for focus in focus_nodes} if c.checks else {}
        else:
            index = self.data.index(c.path)
        per_value = [
            (check.ok, check.component) for check, _ in c.checks if type(check) is PerValue
        ]
        if per_value:  # most checks: one pass over the values for all, no call a node
            path, shape, severity = c.path, c.shape, c.severity
            for focus, values in index.items():
                if focus in focus_nodes:
                    for value in values:
                        for ok, component in per_value:
                            if not ok(value):
                                result = (focus, path, value, component, shape, severity)
                                for _ in range(1 if times is None else times[focus]):
                                    yield result
        present = None  # the focus nodes with values, which most other checks look at
        for check, relevant in c.checks:
            if type(check) is PerValue:
                continue
            if relevant is not with_values:
                nodes = relevant(focus_nodes, index.keys())
            else:
                nodes = present = focus_nodes & index.keys() if present is None else present
            for focus in nodes:
                for component, value, details in check(focus, index.get(focus, ())):
                    for _ in range(1 if times is None else times[focus]):
                        yield _result(c, focus, component, value)
                        if self.details:
                            yield from details
        if c.properties:  # their focus nodes are this shape's value nodes
            if c.path is not None:
                parents = focus_nodes & index.keys()
                if times is None:  # counted in C
                    pairs = Counter(v for f in parents for v in index[f])
                else:
                    pairs = Counter()
                    for f in parents:
                        for v in index[f]:
                            pairs[v] += times[f]
                focus_nodes = set(pairs)
                times = pairs if len(focus_nodes) < pairs.total() else None  # None: each once
            for prop in c.properties:
                if prop.active:
                    yield from self._shape_results(prop, focus_nodes, times)

    def node_results(self, c: _Compiled, node) -> list:
        """Every result of validating `node` against a shape and its property shapes, each
        followed by the results pySHACL nests under it with sh:detail and lists too."""
        if not c.active:
            return []
        values = self.data.values(node, c.path) if c.path else [node]
        out = []
        for check, _ in c.checks:
            for component, value, details in check(node, values):
                out.append(_result(c, node, component, value))
                if self.details:
                    out += details
        for prop in c.properties:
            for value in values:
                out += self.node_results(prop, value)
        return out

    def conforms(self, c: _Compiled, node) -> bool:
        """Whether `node` conforms to a shape (a deactivated one: always)."""
        return not self.node_results(c, node)

    def compile(self, shape) -> _Compiled:
        if shape in self._compiled:
            return self._compiled[shape]
        sh = self.shapes
        c = _Compiled()
        self._compiled[shape] = c
        flag = sh.one(shape, "deactivated")
        c.shape, c.active = shape, not (flag is not None and flag.value == "true")
        c.severity = sh.one(shape, "severity") or _VIOLATION
        c.path = sh.path(shape) if sh.get(shape, "path") else None
        c.checks = [
            make(self, shape, parameter)
            for name, make in CHECKS.items()
            for parameter in sh.get(shape, name)
        ]
        c.properties = [self.compile(p) for p in sh.get(shape, "property")]
        return c


def violations(triples, base: str, shapes_path):
    """The SHACL results of `triples` (a jitarsa.graph.Graph or pyoxigraph Triples) as
    `shacl.Violation`s (raises Unsupported to fall back)."""
    from jitarsa.shacl.report import Violation

    shapes = Shapes(shapes_path)
    data = Data(as_graph(triples))
    names = data.out.get(SCHEMA + "name", {})
    for focus, path, value, component, shape, severity in Engine(shapes, data).results():
        messages = {
            m.language: m.value for m in shapes.get(shape, "message") if isinstance(m, Literal)
        } or _generic_message(shapes, shapes_path, focus, path, component, shape)
        focus_text = _text(focus)
        named = {n[1]: n[0] for n in names.get(focus, ()) if type(n) is tuple}
        yield Violation(
            focus=focus_text,
            record=focus_text.rsplit("/", 1)[-1] if focus_text.startswith(base) else None,
            name=named.get("th") or named.get("en"),
            path=None if path is None else _path_text(path),
            value=None if value is None else _text(value),
            component="sh:" + component,
            severity=shorten(severity.value),
            message_en=messages.get("en") or messages.get(None) or "",
            message_th=messages.get("th"),
            shape="(complex path)" if isinstance(shape, BlankNode) else shape.value,
        )


def _generic_message(shapes, shapes_path, focus, path, component, shape) -> dict:
    """The message of a result whose shape has no sh:message: pySHACL's wording for
    cardinality on an IRI path from an IRI or blank focus node (prefixed names as rdflib
    writes them), else this engine's own, naming the constraint component."""
    import rdflib

    if (
        component not in ("MinCountConstraintComponent", "MaxCountConstraintComponent")
        or path is None
        or path[0] != "iri"
        or type(focus) is tuple  # a literal focus node: pySHACL words it otherwise
    ):
        return {None: f"Fails sh:{component} (the shape has no sh:message)"}
    bound = int(shapes.one(shape, component[:3].lower() + "Count").value)
    focus_text = (
        rdflib.URIRef(focus).n3(rdflib.Graph().namespace_manager)
        if not isinstance(focus, Blank)
        else focus[2:]
    )
    path_text = rdflib.URIRef(path[1].value).n3(_shapes_namespaces(shapes_path))
    word = "Less" if component.startswith("Min") else "More"
    return {None: f"{word} than {bound} values on {focus_text}->{path_text}"}


@lru_cache(maxsize=4)
def _shapes_namespaces(shapes_path):
    """The prefixes of the shapes file as rdflib binds them (read once, not once a result)."""
    import rdflib

    return rdflib.Graph().parse(shapes_path, format="turtle").namespace_manager


def _path_text(path) -> str:
    kind, p = path
    if kind == "iri":
        return shorten(p.value)
    if kind == "inverse":
        return "^" + shorten(p.value)
    return "(complex path)"
