"""The specification's answer on the minimal pairs of issue 26, through `jitarsa validate --dump
D --shapes S` with the fast engine and with `auto`: each case is a shapes graph, a data graph
and the results SHACL specifies, as (focus node, path, value, constraint component).

Where pySHACL answers otherwise it is listed in docs/validation.md (and pinned at the end)."""

import json

import pytest
from click.testing import CliRunner

from jitarsa.cli import cli

PREFIXES = """@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix ex: <http://example.org/> .
"""
EX = "http://example.org/"
ONE_VALUE = "ex:S a sh:NodeShape ; sh:targetNode ex:a ; sh:property [ sh:path ex:v ; {} ] ."


def shape(constraint: str) -> str:
    return ONE_VALUE.format(constraint)


def failing(component: str, value, focus="a", path="v"):
    return (EX + focus, EX + path, value, "sh:" + component + "ConstraintComponent")


#: name → (shapes, data, the results SHACL specifies)
CASES = {
    # 1. Ranges compare by XPath's numeric type promotion; a float is a 32-bit float.
    "1 decimal bound, float value: 0.1 as a float is the float of 0.1": (
        shape('sh:maxInclusive "0.1"^^xsd:decimal'),
        'ex:a ex:v "0.1"^^xsd:float .',
        [],
    ),
    "1 double bound, decimal value: 0.1 < 0.1 is false": (
        shape('sh:maxExclusive "0.1"^^xsd:double'),
        'ex:a ex:v "0.1"^^xsd:decimal .',
        [failing("MaxExclusive", "0.1")],
    ),
    "1 double bound, float value: the float of 0.1 is above the double": (
        shape('sh:maxInclusive "0.1"^^xsd:double'),
        'ex:a ex:v "0.1"^^xsd:float .',
        [failing("MaxInclusive", "0.1")],
    ),
    "1 integer bound, decimal value": (
        shape("sh:minExclusive 1"),
        'ex:a ex:v "1.0"^^xsd:decimal, "1.000001"^^xsd:decimal .',
        [failing("MinExclusive", "1.0")],
    ),
    # 2. sh:languageIn is langMatches (RFC 4647 basic filtering).
    "2 a range matches longer tags": (
        shape('sh:languageIn ( "en-US" "zh-Hant" )'),
        'ex:a ex:v "x"@en-US-posix, "y"@zh-hant-TW, "z"@EN-us .',
        [],
    ),
    "2 but not a shorter tag, nor one that only starts with the same letters": (
        shape('sh:languageIn ( "en-US" )'),
        'ex:a ex:v "x"@en, "y"@en-USA .',
        [failing("LanguageIn", "x"), failing("LanguageIn", "y")],
    ),
    # 3. A graph is a set: a triple stated twice (two shapes files concatenated) is one.
    "3 the shapes twice": (
        2
        * (
            PREFIXES + "ex:S sh:targetNode ex:a ; sh:property ex:P . ex:P sh:path ex:v ; "
            "sh:minCount 1 .\n"
        ),
        "ex:a ex:w 1 .",
        [failing("MinCount", None)],
    ),
    # 4. The shapes graph's blank nodes are not the data graph's, whatever their labels.
    "4 a blank node in sh:in": (shape("sh:in ( _:x )"), "ex:a ex:v _:x .", "blank"),
    "4 an IRI in sh:in": (shape("sh:in ( ex:x )"), "ex:a ex:v ex:x .", []),
    # 5. A value node of two focus nodes: its results once for each.
    "5 nested results once a parent": (
        "ex:S a sh:NodeShape ; sh:targetNode ex:a, ex:b ; sh:property [ sh:path ex:knows ; "
        "sh:property [ sh:path ex:name ; sh:minCount 1 ] ] .",
        "ex:a ex:knows ex:c . ex:b ex:knows ex:c .",
        2 * [failing("MinCount", None, focus="c", path="name")],
    ),
    # 6. Cardinality on a literal focus node, under sh:node, no sh:message: a result.
    "6 a literal focus node under sh:node": (
        shape("sh:node ex:N") + " ex:N sh:property [ sh:path ex:w ; sh:minCount 1 ] .",
        'ex:a ex:v "text" .',
        "node",
    ),
    # 8. Literals compared as written: "01"^^xsd:integer is not the term 1.
    "8 sh:in ( 1 ) and 01": (
        shape("sh:in ( 1 )"),
        'ex:a ex:v "01"^^xsd:integer, 1 .',
        [failing("In", "01")],
    ),
    "8 sh:hasValue 1 and 01": (
        shape("sh:hasValue 1"),
        'ex:a ex:v "01"^^xsd:integer .',
        [failing("HasValue", None)],
    ),
}


def run(tmp_path, shapes: str, data: str, *options):
    shapes_file, data_file = tmp_path / "shapes.ttl", tmp_path / "data.ttl"
    shapes_file.write_text(shapes if shapes.startswith("@prefix") else PREFIXES + shapes)
    data_file.write_text(PREFIXES + data, encoding="utf-8")
    return CliRunner().invoke(
        cli,
        ["validate", "--dump", str(data_file), "--shapes", str(shapes_file), *options],
        catch_exceptions=False,
    )


def results(output: str) -> list:
    found = json.loads(output)["violations"]
    return sorted(
        ((v["focus"], v["path"], v["value"], v["component"]) for v in found),
        key=lambda r: tuple(map(str, r)),
    )


@pytest.mark.parametrize("engine", ["fast", "auto"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_answer_shacl_specifies(tmp_path, name, engine):
    shapes, data, expected = CASES[name]
    result = run(tmp_path, shapes, data, "--engine", engine, "--format", "json")
    assert result.stderr == ""  # no fallback: the fast engine answered
    found = results(result.stdout)
    if expected == "blank":  # the value is the data's blank node, whatever its label
        assert [(f, p, c) for f, p, _, c in found] == [
            (EX + "a", EX + "v", "sh:InConstraintComponent")
        ]
    elif expected == "node":  # the sh:node result, then the nested one on the literal
        assert found == [
            (EX + "a", EX + "v", "text", "sh:NodeConstraintComponent"),
            ("text", EX + "w", None, "sh:MinCountConstraintComponent"),
        ]
    else:
        assert found == sorted(expected, key=lambda r: tuple(map(str, r)))
    assert result.exit_code == (1 if found else 0)


def test_the_text_report_of_a_literal_focus_node(tmp_path):
    """Issue 26's crash: the message of a result on a literal, with no sh:message."""
    shapes, data, _ = CASES["6 a literal focus node under sh:node"]
    result = run(tmp_path, shapes, data, "--engine", "fast")
    assert (result.exit_code, result.stdout) == (
        1,
        f"{EX}a: {EX}v: Fails sh:NodeConstraintComponent (the shape has no sh:message) "
        "[value: text]\n"
        f"text: {EX}w: Fails sh:MinCountConstraintComponent (the shape has no sh:message)\n"
        "2 violation(s).\n",
    )


@pytest.mark.parametrize("engine", ["fast", "auto", "pyshacl"])
@pytest.mark.parametrize(
    "escape", ["\\\\u0041", "\\\\x41", "\\\\N{LATIN CAPITAL LETTER A}", "\\\\U00000041"]
)
def test_7_a_pattern_escape_xpath_does_not_define_is_refused(tmp_path, escape, engine):
    """`\\u0041` in a regular expression is Python's, not XPath's: the shapes are ill-formed.
    (The same character as a Turtle escape, one backslash, is the letter A: see below.)"""
    result = run(tmp_path, shape(f'sh:pattern "^{escape}$"'), 'ex:a ex:v "A" .', "--engine", engine)
    if engine == "pyshacl":  # a listed deviation: pySHACL hands the pattern to Python
        assert result.exit_code == 0
        return
    assert result.exit_code == 2
    shown = escape.replace("\\\\", "\\")[:2]
    assert result.stderr.startswith("Error: ") and result.stderr[-1] == "\n"
    assert f"{shown} in '^" in result.stderr
    assert "is not an XPath regular expression escape" in result.stderr


@pytest.mark.parametrize("engine", ["fast", "auto", "pyshacl"])
def test_7_a_turtle_escape_is_the_character_itself(tmp_path, engine):
    result = run(
        tmp_path,
        shape('sh:pattern "^\\u0041$"'),
        'ex:a ex:v "A", "B" .',
        "--engine",
        engine,
        "--format",
        "json",
    )
    assert results(result.stdout) == [failing("Pattern", "B")]


def test_8_the_pyshacl_engine_compares_literals_as_written(tmp_path):
    shapes, data, expected = CASES["8 sh:in ( 1 ) and 01"]
    result = run(tmp_path, shapes, data, "--engine", "pyshacl", "--format", "json")
    assert results(result.stdout) == expected


@pytest.mark.parametrize(
    "name, engine",
    [
        ("1 decimal bound, float value: 0.1 as a float is the float of 0.1", "pyshacl"),
        ("1 double bound, decimal value: 0.1 < 0.1 is false", "pyshacl"),
        ("2 a range matches longer tags", "pyshacl"),
    ],
)
def test_pyshacl_deviations_as_listed(tmp_path, name, engine):
    """pySHACL compares xsd:float as a double and Python's numbers without promotion, and
    matches sh:languageIn on the whole tag or its first subtag (docs/validation.md)."""
    shapes, data, expected = CASES[name]
    result = run(tmp_path, shapes, data, "--engine", engine, "--format", "json")
    assert results(result.stdout) != sorted(expected, key=lambda r: tuple(map(str, r)))


#: Shapes graphs that are not SHACL, or that SHACL leaves undefined: each engine answers in a
#: line or two (a fallback note, an error), never a traceback.
HOSTILE = {
    "recursive through sh:node": "ex:S sh:targetNode ex:a ; sh:node ex:S .",
    "recursive through sh:or and sh:not": "ex:S sh:targetNode ex:a ; sh:or ( ex:T ) . "
    "ex:T sh:not ex:S .",
    "a cyclic list": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; sh:in _:l ] . "
    "_:l rdf:first 1 ; rdf:rest _:l .",
    "a list that does not end": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    "sh:in [ rdf:first 1 ] ] .",
    "an IRI as the message": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    "sh:minCount 2 ; sh:message ex:m ] .",
    "a count that is text": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    'sh:minCount "x" ] .',
    "an IRI as the pattern": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    "sh:pattern ex:x ] .",
    "an IRI as a language": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    "sh:languageIn ( ex:x ) ] .",
    "a literal focus node": 'ex:S sh:targetNode "lit" ; sh:property [ sh:path ex:v ; '
    "sh:minCount 1 ] .",
    "NaN against a decimal": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:w ; "
    "sh:maxInclusive 1.5 ] .",
    "a pattern Python cannot compile": "ex:S sh:targetNode ex:a ; sh:property [ sh:path ex:v ; "
    'sh:pattern "(" ] .',
}


@pytest.mark.parametrize("engine", ["fast", "auto", "pyshacl"])
@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_shapes_are_answered_in_a_line(tmp_path, name, engine):
    shapes = "@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n" + HOSTILE[name]
    data = 'ex:a ex:v ex:b ; ex:w "NaN"^^xsd:double .'
    result = CliRunner().invoke(
        cli,
        [
            "validate",
            "--dump",
            str(_write(tmp_path, data)),
            "--shapes",
            str(_shapes(tmp_path, shapes)),
        ]
        + ["--engine", engine],
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 2)
    assert len(result.stderr.splitlines()) <= 2, result.stderr  # a fallback note, an error
    if result.exit_code == 2:
        assert result.stderr.splitlines()[-1].startswith("Error: ")


def _write(tmp_path, data: str):
    path = tmp_path / "data.ttl"
    path.write_text(PREFIXES + data, encoding="utf-8")
    return path


def _shapes(tmp_path, shapes: str):
    path = tmp_path / "shapes.ttl"
    path.write_text(PREFIXES + shapes, encoding="utf-8")
    return path
