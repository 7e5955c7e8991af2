"""Reading one YAML file of records: fast where that is provably safe, PyYAML otherwise.

PyYAML (YAML 1.1, libyaml's parser) is the reference reader and the one whose errors a curator
sees. yaml_rs (YAML 1.2, Rust) reads about ten times faster; it is used for a file only when
nothing in the file can read differently under the two YAML versions (see `_risky` and
`_same_in_pyyaml`), which tests/test_scale.py checks against PyYAML on generated documents.
"""

from __future__ import annotations

import functools
import os
import re
import stat
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from jitarsa.errors import RecordError, shown

if TYPE_CHECKING:
    _SafeLoader = yaml.SafeLoader
else:  # libyaml's parser where PyYAML was built with it
    _SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_SafeLoader):
    """Safe YAML (libyaml's fast parser where present) that refuses a key given twice in one
    mapping, as YAML requires keys to be unique."""


def _construct_mapping(loader, node, deep=False):
    seen = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            mark = key_node.start_mark
            raise yaml.constructor.ConstructorError(
                None, None, f"key {shown(key)} appears twice in one mapping", mark
            )
        seen.add(key)
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)

#: An integer in a record: plain decimal ASCII digits, an optional sign, no leading zero, at
#: most MAX_DIGITS digits. YAML 1.1 also reads 010 (octal 8), 0x10, 1_0 and 1:20 (sexagesimal
#: 80) as integers: those become NotDecimal, which the checks refuse naming the field.
_DECIMAL = re.compile(r"[-+]?(?:0|[1-9][0-9]*)\Z")
MAX_DIGITS = 18


class NotDecimal:
    """A plain scalar YAML 1.1 reads as an integer that is not written in plain decimal digits
    (or has more than MAX_DIGITS): kept as written, for the checks to refuse."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text

    @property
    def problem(self) -> str:
        digits = len(self.text.lstrip("+-"))
        if _DECIMAL.match(self.text):
            return f"is a number of {digits:,} digits; at most {MAX_DIGITS} are read"
        return (
            f"{shown(self.text)} is not a number in plain decimal digits (YAML 1.1 would read "
            "010 as 8, 1:20 as 80, 1_0 as 10): write the number as decimal digits, such as 80"
        )


def _construct_int(loader, node):
    text = node.value
    if _DECIMAL.match(text) and len(text.lstrip("+-")) <= MAX_DIGITS:
        return int(text)
    return NotDecimal(text)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
# Dates stay text: dates.parse_date reads them, Buddhist-Era years included, with one message.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


#: Plain-scalar forms that YAML 1.1 (PyYAML) and YAML 1.2 (yaml_rs) read differently and that
#: `_same_in_pyyaml` cannot see in the values, because yaml_rs reads them as numbers: a leading
#: zero, 0o, 0b or 0x at the start of a token (010, -0o17; the lookbehind: the character before is
#: not a letter, digit or one of `_.:-`), digits beside an underscore (1_0, _1) and digits on
#: both sides of a colon (sexagesimal 1:20). Each pattern starts with a literal character, so
#: `re` scans a file for it in C at full speed; one pattern of alternatives would be tried at
#: every digit and hyphen, ten times slower. (Numbers with an exponent read as floats in
#: yaml_rs, which `_same_in_pyyaml` refuses.)
_NUMBER_RISKS = tuple(
    re.compile(p)
    for p in (
        r"0(?<=[^\w.:-]0)[0-9_oObBxX]",
        r"-0(?<=[^\w.:-]-0)[0-9_oObBxX]",
        r"\+0(?<=[^\w.:-]\+0)[0-9_oObBxX]",
        r"_(?<=[0-9]_)",
        r"_[0-9]",
        r":(?<=[0-9]:)[0-9]",
    )
)
#: Tags, anchors, aliases and merge keys, which yaml_rs and PyYAML may resolve differently.
_MARKUP = ("!", "&", "*", "<<")


def _risky(text: str) -> bool:
    """Whether `text` may read differently in the two YAML versions: then PyYAML reads it."""
    return any(mark in text for mark in _MARKUP) or any(risk.search(text) for risk in _NUMBER_RISKS)


#: What PyYAML reads a plain scalar as, by its first character: the union of the regexps of its
#: implicit resolvers for that character (bool, int, float, null, timestamp, merge, value).
_NOT_TEXT_IN_PYYAML = {
    first: re.compile("|".join(f"(?:{regexp.pattern})" for _, regexp in resolvers), re.X)
    for first, resolvers in _Loader.yaml_implicit_resolvers.items()
    if resolvers
}


@functools.lru_cache(maxsize=4096)
def _text_in_yaml_rs(value: str) -> bool:
    """Whether yaml_rs reads `value`, unquoted, as text (cached: years and numbers repeat)."""
    import yaml_rs

    try:
        return isinstance(yaml_rs.loads(value, parse_datetime=False), str)
    except Exception:  # noqa: BLE001 - unreadable alone: treat it as text, a risk
        return True


def _same_in_pyyaml(value) -> bool:
    """Whether PyYAML reads every text in `value` as text too, and `value` nests at most
    MAX_DEPTH levels. Text that PyYAML would take for a number, date or true/false when unquoted
    is safe only if yaml_rs would too: then it was quoted in the file, and both readers keep it
    as text."""
    level = [value]  # level by level: the depth is counted at no extra cost
    for _ in range(MAX_DEPTH + 1):
        deeper: list = []
        for v in level:
            kind = type(v)
            if kind is str:
                regexp = _NOT_TEXT_IN_PYYAML.get(v[:1])
                if regexp is not None and regexp.match(v) and _text_in_yaml_rs(v):
                    return False
            elif kind is dict:
                deeper.extend(v)
                deeper.extend(v.values())
            elif kind is list:
                deeper.extend(v)
            elif kind is float:  # rare in records; the two YAMLs disagree on many float forms
                return False
        if not deeper:
            return True
        level = deeper
    return False  # deeper than MAX_DEPTH: PyYAML's reading refuses it, with the line


def _fast_load(text: str):
    """yaml_rs (Rust, ~10x faster than PyYAML) when it provably reads `text` as PyYAML does;
    `...` (Ellipsis) to ask for PyYAML: the reference reader, and the one whose errors we report."""
    try:
        import yaml_rs
    except ImportError:
        return ...
    if _risky(text):
        return ...
    try:
        value = yaml_rs.loads(text, parse_datetime=False)
    except Exception:  # noqa: BLE001 - any refusal: PyYAML reads it again and names the problem
        return ...
    return value if _same_in_pyyaml(value) else ...


#: Largest file jitarsa reads as records or a sheet: 64 MiB (a record file of the
#: synthetic registry, 1,000 records, is about 0.6 MB).
MAX_FILE_BYTES = 64 << 20
#: Deepest nesting of mappings and lists in a YAML file (records nest four levels): deeper,
#: libyaml's composer would recurse until the process crashes.
MAX_DEPTH = 64
#: Most values YAML aliases (*name) may add to a file: far more than merge keys need, far less
#: than a "billion laughs" file (a few hundred bytes that expand to billions of values).
MAX_ALIAS_VALUES = 100_000


def read_text(path: Path, error=RecordError, encoding: str = "utf-8") -> str:
    """A text file's content, or `error` naming the file when it is not a regular file (a FIFO,
    a device: never waited on), larger than MAX_FILE_BYTES, unreadable or not UTF-8."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise error(f"cannot be read ({err.strerror})", path) from None
    try:
        size = os.fstat(fd)
        if not stat.S_ISREG(size.st_mode):
            raise error("is not a regular file (a pipe, device or socket?); remove it", path)
        with os.fdopen(os.dup(fd), "rb") as handle:
            data = handle.read(min(size.st_size, MAX_FILE_BYTES) + 1)
            if len(data) > size.st_size:  # it grew while read
                data += handle.read(MAX_FILE_BYTES + 1 - len(data))
    except OSError as err:
        raise error(f"cannot be read ({err.strerror})", path) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:
        raise error(
            f"is larger than {MAX_FILE_BYTES >> 20} MiB, the most jitarsa reads from one file; "
            "split it",
            path,
        )
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as err:
        raise error(f"not UTF-8 text (byte {err.start})", path) from None


_FLOW_INDICATORS = re.compile(r"[\[{]")
#: Where a plain scalar's run of ordinary characters ends, in block and in flow context.
_PLAIN_RUN = {False: re.compile(r"[^\n:#]+"), True: re.compile(r"[^\n:#,\[\]{}]+")}
_QUOTED = {"'": re.compile(r"'(?:[^']|'')*'"), '"': re.compile(r'"(?:[^"\\]|\\.)*"', re.S)}
_NOT_SPACE = re.compile(r"[^ \t\n]+")


def _flow_too_deep(text: str) -> int | None:
    """The line on which flow collections (`[`, `{`) nest deeper than MAX_DEPTH, else None.

    Read by YAML's own lexical rules, not by a parser: PyYAML 6.0.4's scanner refuses 1,000
    levels with its own message before it hands any event on, so jitarsa's limit must be
    decided first, whichever release is installed. Quoted scalars, comments, plain text and
    block scalars (`|`, `>`) are skipped, so their brackets are not counted; where the reading
    is unsure it counts fewer levels, never more, and the parser behind it still decides."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:  # the usual file: nothing to read
        return None
    pos, end, level, line, at_start = 0, len(text), 0, 1, True
    while pos < end:
        char = text[pos]
        after = text[pos + 1 : pos + 2]
        if char == "\n":
            line, pos, at_start = line + 1, pos + 1, True
            if (
                level == 0
                and text.startswith(("---", "..."), pos)
                and text[pos + 3 : pos + 4] in " \n"
            ):
                pos += 3
        elif char in " \t":
            pos += 1
        elif char == "#" and (pos == 0 or text[pos - 1] in " \t\n"):
            newline = text.find("\n", pos)
            pos = end if newline < 0 else newline
        elif at_start and char in _QUOTED:
            quoted = _QUOTED[char].match(text, pos)
            if quoted is None:
                return None  # unterminated: the parser names it
            line += quoted.group().count("\n")
            pos, at_start = quoted.end(), False
        elif char in "[{" and (at_start or level):
            level += 1
            if level > MAX_DEPTH:
                return line
            pos, at_start = pos + 1, True
        elif char in "]}" and level:
            level, pos, at_start = level - 1, pos + 1, False
        elif (char == "," and level) or (
            char == ":" and (after in ("", " ", "\t", "\n") or (level and after in ",[]{}"))
        ):
            pos, at_start = pos + 1, True
        elif at_start and level == 0 and char in "-?" and after in ("", " ", "\t", "\n"):
            pos += 1
        elif at_start and char in "&!":  # an anchor or a tag before the node
            pos = _NOT_SPACE.match(text, pos).end()  # type: ignore[union-attr]
        elif at_start and level == 0 and char in "|>":
            pos, line = _skip_block_scalar(text, pos, line)
        else:
            run = _PLAIN_RUN[bool(level)].match(text, pos)
            pos, at_start = (run.end() if run else pos + 1), False
    return None


def _skip_block_scalar(text: str, pos: int, line: int) -> tuple[int, int]:
    """Past a block scalar whose indicator (`|` or `>`) is at `pos`: its header line and every
    following line that is blank or indented deeper than the node that holds it."""
    start = text.rfind("\n", 0, pos) + 1
    prefix = text[start:pos].rstrip()
    if prefix.endswith(":"):  # a mapping's value: content is deeper than the key
        stripped = prefix.lstrip(" -?")
        parent = len(prefix) - len(stripped) if stripped else -1
        while stripped[:2] in ("- ", "? "):
            parent, stripped = parent + 2, stripped[2:].lstrip(" ")
    else:  # an item of a sequence, or the whole document
        parent = prefix.rfind("-")
    newline = text.find("\n", pos)
    while newline >= 0:
        following = text.find("\n", newline + 1)
        content = text[newline + 1 : following if following >= 0 else len(text)]
        if content.strip() and len(content) - len(content.lstrip(" ")) <= parent:
            break
        line, newline = line + 1, following
    return (len(text) if newline < 0 else newline), line


def _check_shape(text: str, path: Path) -> None:
    """Refuse, before PyYAML builds anything, a file nested deeper than MAX_DEPTH or whose
    aliases would add more than MAX_ALIAS_VALUES values: first a lexical count of flow nesting
    (`_flow_too_deep`), then one pass over libyaml's events (its parser keeps its own stack;
    only the composer recurses)."""
    deep = _flow_too_deep(text)
    if deep is not None:
        raise RecordError(f"line {deep}: nested more than {MAX_DEPTH} levels deep", path)
    depth = values = written = 0  # values with aliases expanded, values written out
    sizes: dict[str, int] = {}  # anchor → values it stands for
    open_anchors: list[tuple[str | None, int]] = []  # (anchor, values before it) per level
    try:
        for event in yaml.parse(text, Loader=_Loader):
            if isinstance(event, yaml.AliasEvent):
                if any(anchor == event.anchor for anchor, _ in open_anchors):
                    raise RecordError(
                        f"line {_line(event)}: the alias "
                        f"*{shown(event.anchor)[1:-1]} refers to a value that holds it",
                        path,
                    )
                if event.anchor not in sizes:
                    continue  # unknown: PyYAML names the problem
                values += sizes[event.anchor]
                if values - written > MAX_ALIAS_VALUES:
                    raise RecordError(
                        f"its aliases (*{shown(event.anchor)[1:-1]} and others) add more than "
                        f"{MAX_ALIAS_VALUES:,} values; write the values out",
                        path,
                    )
            elif isinstance(event, yaml.ScalarEvent):
                values += 1
                written += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RecordError(
                        f"line {_line(event)}: nested more than {MAX_DEPTH} levels deep", path
                    )
                values += 1
                written += 1
                open_anchors.append((event.anchor, values))
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
                anchor, start = open_anchors.pop()
                if anchor is not None:
                    sizes[anchor] = values - start + 1
    except yaml.YAMLError:
        return  # PyYAML reads it again and names the problem


def read_yaml(path: Path):
    """Parse one YAML file; errors carry the file and line."""
    text = read_text(path)
    value = _fast_load(text)
    if value is not ... and value is not None:
        return value
    _check_shape(text, path)
    try:
        value = yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise RecordError(f"nested too deeply (more than {MAX_DEPTH} levels)", path) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise RecordError(f"malformed YAML at {where}{problem}", path) from None
    except (ValueError, OverflowError) as err:  # PyYAML's own constructors fail on `0x_`
        raise RecordError(
            f"malformed YAML: a plain value reads as a number PyYAML cannot "
            f"convert ({shown(str(err))[1:-1]}); quote it if it is text",
            path,
        ) from None
    if value is None:
        raise RecordError("the file is empty: it should hold a record (a YAML mapping)", path)
    return value


def _line(event: yaml.Event) -> str:
    """The line an event starts on, counted from 1 as editors do."""
    mark = event.start_mark
    return str(mark.line + 1) if mark is not None else "?"
