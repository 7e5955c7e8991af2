"""SHACL Core's constraint components, for the fast engine: one maker a parameter.

A maker takes the engine, the shape and the parameter's value, and returns (check, relevant):
`check(focus, values)` → failures as (component, value or NO_VALUE, nested results), and
`relevant(focus nodes, nodes with values)` → the focus nodes the check can fail on. Most checks
are `_PerValue`: a test of one value, run in one pass over a property shape's values.
"""

from __future__ import annotations

import operator
from collections import Counter
from functools import lru_cache, partial

from pyoxigraph import BlankNode

from jitarsa.namespaces import SH, XSD
from jitarsa.rdf.graph import Blank, compact
from jitarsa.shacl import _xpath
from jitarsa.shacl._datatypes import PLAIN, datatype_ok, number

#: A result with no sh:value (cardinality, sh:hasValue, sh:uniqueLang …).
NO_VALUE = object()


class _ShapesBlank(Blank):
    """A blank node of the shapes graph as a value (sh:in, sh:hasValue, sh:targetNode): never
    the data graph's node of the same label, as the two are different graphs (RDF 1.1, 3.4)."""

    def __eq__(self, other) -> bool:
        return type(other) is _ShapesBlank and str.__eq__(self, other)

    def __hash__(self) -> int:
        return hash(("shapes", str(self)))


def shapes_value(term):
    """A shapes graph's term as a data value, in jitarsa.graph's plain form."""
    return _ShapesBlank("_:" + term.value) if isinstance(term, BlankNode) else compact(term)


def with_values(focus_nodes, with_values):
    return focus_nodes & with_values


class PerValue:
    """A check that fails every value for which `ok(value)` is false."""

    __slots__ = ("component", "ok")

    def __init__(self, component: str, ok):
        self.component, self.ok = component, ok

    def __call__(self, focus, values) -> list:
        return [(self.component, v, ()) for v in values if not self.ok(v)]


def _each(component, ok):
    return PerValue(component, ok), with_values


def _min_count(engine, shape, parameter):
    bound = int(parameter.value)

    def relevant(focus_nodes, with_values):
        return (focus_nodes - with_values if bound > 0 else set()) | (
            focus_nodes & with_values if bound > 1 else set()
        )

    return (
        lambda f, values: (
            [("MinCountConstraintComponent", NO_VALUE, ())] if len(values) < bound else ()
        )
    ), relevant


def _max_count(engine, shape, parameter):
    bound = int(parameter.value)
    return (
        lambda f, values: (
            [("MaxCountConstraintComponent", NO_VALUE, ())] if len(values) > bound else ()
        )
    ), with_values


def _class(engine, shape, cls):
    types, name = engine.data.types, cls.value
    return _each("ClassConstraintComponent", lambda v: name in types.get(v, ()))


def _datatype(engine, shape, datatype):
    return _each("DatatypeConstraintComponent", partial(datatype_ok, datatype=datatype.value))


def _node_kind(engine, shape, kind):
    return _each("NodeKindConstraintComponent", partial(_kind_ok, kind=kind.value[len(SH) :]))


def _range(component: str, holds):
    """sh:minInclusive and the like: a value fails unless it is a number and `holds(value,
    bound)` (operator.gt and the like) by SPARQL's operators: XPath's, after numeric type
    promotion, where NaN is unordered. A plain xsd:integer against an integer or decimal bound,
    the usual case, is compared at once."""

    def make(engine, shape, bound):
        limit = number(compact(bound))
        exact_bound = limit[1] if limit[0] <= _xpath.DECIMAL else None
        integer, plain = XSD + "integer", PLAIN[XSD + "integer"].fullmatch

        def ok(v) -> bool:
            if exact_bound is not None and type(v) is tuple and v[2] == integer and plain(v[0]):
                return holds(int(v[0]), exact_bound)
            n = number(v)
            if n is None:
                return False
            order = _xpath.compare(n, limit)
            return order is not None and holds(order, 0)

        return _each(component, ok)

    return make


def _length(component: str, holds):
    """sh:minLength, sh:maxLength: on the lexical form or IRI; a blank node always fails."""

    def make(engine, shape, bound):
        limit = int(bound.value)
        return _each(
            component,
            lambda v: (
                not isinstance(v, Blank) and holds(len(v[0] if type(v) is tuple else v), limit)
            ),
        )

    return make


def _pattern(engine, shape, pattern):
    flags = engine.shapes.one(shape, "flags")
    search = _xpath.regex(pattern.value, flags.value if flags is not None else "").search

    def ok(v):  # matched against a literal's lexical form or an IRI; a blank node fails
        if type(v) is tuple:
            return search(v[0]) is not None
        return not isinstance(v, Blank) and search(v) is not None

    return _each("PatternConstraintComponent", ok)


def _language_in(engine, shape, head):
    ranges = [item.value for item in engine.shapes.items(head)]

    @lru_cache(maxsize=1024)
    def matches(lang) -> bool:
        return any(_xpath.lang_matches(lang, r) for r in ranges)

    def ok(v):
        return type(v) is tuple and bool(v[1]) and matches(v[1])

    return _each("LanguageInConstraintComponent", ok)


def _unique_lang(engine, shape, flag):
    def check(focus, values):
        if flag.value != "true":
            return ()
        langs = [v[1].lower() for v in values if type(v) is tuple and v[1]]
        if len(set(langs)) == len(langs):
            return ()  # the usual case, found without counting
        return [
            ("UniqueLangConstraintComponent", NO_VALUE, ())
            for n in Counter(langs).values()
            if n > 1
        ]

    return check, with_values


def _in(engine, shape, head):
    allowed = {shapes_value(item) for item in engine.shapes.items(head)}
    return _each("InConstraintComponent", lambda v: v in allowed)


def _equals(engine, shape, p):
    other = engine.data.out.get(p.value, {})

    def check(focus, values):
        mine, theirs = set(values), set(other.get(focus, ()))
        return [
            ("EqualsConstraintComponent", v, ()) for v in list(mine - theirs) + list(theirs - mine)
        ]

    return check, lambda focus_nodes, with_values: focus_nodes & (with_values | other.keys())


def _has_value(engine, shape, value):
    wanted = shapes_value(value)

    def check(focus, values):
        return () if wanted in values else [("HasValueConstraintComponent", NO_VALUE, ())]

    return check, lambda focus_nodes, with_values: focus_nodes


def _disjoint(engine, shape, p):
    other = engine.data.out.get(p.value, {})

    def check(focus, values):
        theirs = set(other.get(focus, ()))
        return [("DisjointConstraintComponent", v, ()) for v in values if v in theirs]

    return check, with_values


def _or(engine, shape, head):
    members = [engine.compile(m) for m in engine.shapes.items(head)]
    return _each("OrConstraintComponent", lambda v: any(engine.conforms(m, v) for m in members))


def _and(engine, shape, head):
    members = [engine.compile(m) for m in engine.shapes.items(head)]
    return _each("AndConstraintComponent", lambda v: all(engine.conforms(m, v) for m in members))


def _xone(engine, shape, head):
    members = [engine.compile(m) for m in engine.shapes.items(head)]
    return _each(
        "XoneConstraintComponent", lambda v: sum(engine.conforms(m, v) for m in members) == 1
    )


def _not(engine, shape, other):
    target = engine.compile(other)
    return _each("NotConstraintComponent", lambda v: not engine.conforms(target, v))


def _node(engine, shape, other):
    target = engine.compile(other)

    def check(focus, values):
        out = []
        for v in values:
            details = engine.node_results(target, v)
            if details:
                out.append(("NodeConstraintComponent", v, details))
        return out

    return check, with_values


def _qualified(engine, shape, other):
    target = engine.compile(other)
    low = engine.shapes.one(shape, "qualifiedMinCount")
    high = engine.shapes.one(shape, "qualifiedMaxCount")

    def check(focus, values):
        count = sum(1 for v in values if engine.conforms(target, v))
        out = []
        if high is not None and count > int(high.value):
            out.append(("QualifiedMaxCountConstraintComponent", NO_VALUE, ()))
        if low is not None and count < int(low.value):
            out.append(("QualifiedMinCountConstraintComponent", NO_VALUE, ()))
        return out

    if low is not None and int(low.value) > 0:
        return check, lambda focus_nodes, with_values: focus_nodes
    return check, with_values


#: Constraint parameter → maker of its check, in pySHACL's order of evaluation.
CHECKS = {
    "minCount": _min_count,
    "maxCount": _max_count,
    "class": _class,
    "datatype": _datatype,
    "nodeKind": _node_kind,
    "minExclusive": _range("MinExclusiveConstraintComponent", operator.gt),
    "minInclusive": _range("MinInclusiveConstraintComponent", operator.ge),
    "maxExclusive": _range("MaxExclusiveConstraintComponent", operator.lt),
    "maxInclusive": _range("MaxInclusiveConstraintComponent", operator.le),
    "minLength": _length("MinLengthConstraintComponent", lambda n, b: n >= b),
    "maxLength": _length("MaxLengthConstraintComponent", lambda n, b: n <= b),
    "pattern": _pattern,
    "languageIn": _language_in,
    "uniqueLang": _unique_lang,
    "in": _in,
    "hasValue": _has_value,
    "equals": _equals,
    "disjoint": _disjoint,
    "not": _not,
    "and": _and,
    "or": _or,
    "xone": _xone,
    "node": _node,
    "qualifiedValueShape": _qualified,
}


#: sh:nodeKind → the kinds of node it admits.
_NODE_KINDS = {
    "IRI": {"IRI"},
    "BlankNode": {"BlankNode"},
    "Literal": {"Literal"},
    "BlankNodeOrIRI": {"BlankNode", "IRI"},
    "BlankNodeOrLiteral": {"BlankNode", "Literal"},
    "IRIOrLiteral": {"IRI", "Literal"},
}


def _kind_ok(v, kind: str) -> bool:
    found = "Literal" if type(v) is tuple else "BlankNode" if isinstance(v, Blank) else "IRI"
    return found in _NODE_KINDS[kind]
