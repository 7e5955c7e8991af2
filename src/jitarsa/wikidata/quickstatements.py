"""QuickStatements V1 commands for the records, in steps that never create an item twice.

QuickStatements V1 cannot refer to an item created earlier in the same batch except through
`LAST`, so a statement pointing at a new item waits until that item's QID is recorded in the
data. One run gives the next step only: first the network alone (so that `--network-qid` is
all one needs to record before step two), then every item whose targets have QIDs. Each line is
one command, tab-separated; V1 has no comment lines, so the summary goes to stderr.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jitarsa.errors import WikidataError
from jitarsa.wikidata.items import (
    Item,
    Items,
    ItemValue,
    RecordValue,
    Statement,
    StringValue,
    TextValue,
    TimeValue,
    UrlValue,
    Value,
)

#: What V1 cannot carry inside a quoted string: it has no escapes, reads `|` as a column
#: separator, and QuickStatements turns curly double quotes into `"` (which would end the text).
_UNQUOTABLE = {
    "\t": "a tab",
    "\n": "a line break",
    "\r": "a line break",
    '"': 'a double quote (")',
    "|": "a vertical bar (|), which QuickStatements reads as a column separator",
    "\u201c": 'a curly double quote (\u201c), which QuickStatements turns into "',
    "\u201d": 'a curly double quote (\u201d), which QuickStatements turns into "',
}
#: Wikidata's limit on the length of a label, a description and an alias.
TERM_LENGTH = 250


@dataclass
class Batch:
    """One step of the export: its commands and what it does and leaves for later."""

    lines: list[str] = field(default_factory=list)
    created: list[Item] = field(default_factory=list)
    edited: list[Item] = field(default_factory=list)
    waiting: dict[str, set[str]] = field(default_factory=dict)  # record id → ids it waits for
    left_out: list[Item] = field(default_factory=list)  # new items under --no-create
    statements: int = 0
    network_pending: bool = False  # the network has no QID: this batch is step one

    @property
    def text(self) -> str:
        return "".join(line + "\n" for line in self.lines)

    @property
    def created_sheet(self) -> str:
        """A CSV `id,qid` of the items this batch creates, qid empty: fill it in with the new
        QIDs QuickStatements reports, then `jitarsa wikidata apply-matches` it."""
        return "id,qid\r\n" + "".join(f"{i.record.id},\r\n" for i in self.created)

    def summary(self) -> list[str]:
        """Lines for stderr: counts, the order of created items, and the next step."""
        out = [
            f"QuickStatements V1: creates {_n(len(self.created), 'item')}, edits "
            f"{_n(len(self.edited), 'existing item')}; {_n(self.statements, 'statement')}, "
            "each with a reference."
        ]
        if self.created:
            out.append("Creates, in this order: " + ", ".join(i.record.id for i in self.created))
        if self.left_out:
            out.append(f"--no-create: left out {_n(len(self.left_out), 'item')} without a QID.")
        if self.waiting:
            blockers = sorted(set().union(*self.waiting.values()))
            out.append(
                f"Waiting: {_n(len(self.waiting), 'item')}, until these have a QID: "
                f"{', '.join(blockers)}."
            )
            if self.network_pending:
                out.append(
                    "Next step: run this batch in QuickStatements, then run this command "
                    "again with --network-qid Q… (the network's new item), or record "
                    "the QID with 'jitarsa wikidata apply-matches'."
                )
            else:
                out.append(
                    "Next step: run this batch in QuickStatements, record the new QIDs "
                    "with 'jitarsa wikidata apply-matches FILE --method "
                    "quickstatements-create' (a CSV of id,qid: --created-sheet writes "
                    "one to fill in), then run this command again. Not before: it "
                    "would create them twice."
                )
        return out


def quickstatements_batch(items: Items, create: bool = True) -> Batch:
    """The next batch of commands: edits to existing items and the new items that can be
    made now; the network alone while it has no QID."""
    network_id = items.dataset.network.id
    batch = Batch(network_pending=items.resolve(network_id) is None)
    for item in items.all:
        missing = {t for t in item.targets if items.resolve(t) is None}
        if item.qid is None and not create:
            batch.left_out.append(item)
        elif item.qid is None and (
            missing or (batch.network_pending and item.record.id != network_id)
        ):
            batch.waiting[item.record.id] = missing or {network_id}
        elif item.qid is None:
            batch.created.append(item)
            batch.lines += _create(item, items)
            batch.statements += len(item.statements)
        else:
            ready = [s for s in item.statements if not _waits(s, items)]
            if missing:
                batch.waiting[item.record.id] = missing
            if ready:
                batch.edited.append(item)
                batch.lines += [_statement(item.qid, s, items, item) for s in ready]
                batch.statements += len(ready)
    return batch


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _waits(s: Statement, items: Items) -> bool:
    return isinstance(s.value, RecordValue) and items.resolve(s.value.record_id) is None


def _create(item: Item, items: Items) -> list[str]:
    lines = ["CREATE"]
    for code, texts in (("L", item.labels), ("D", item.descriptions)):
        for lang, text in texts.items():  # a description is a template filled with names
            lines.append(f"LAST\t{code}{lang}\t{term(text, item, f'name.{lang}')}")
    for lang, names in item.aliases.items():
        lines += [f"LAST\tA{lang}\t{term(n, item, f'alternate_names.{lang}')}" for n in names]
    for site, title in item.sitelinks.items():
        lines.append(f"LAST\tS{site}\t{quote(title, item, 'sitelinks')}")
    return lines + [_statement("LAST", s, items, item) for s in item.statements]


def _statement(subject: str, s: Statement, items: Items, item: Item) -> str:
    cells = [subject, s.prop, value(s.value, items, item, s.field)]
    for prop, v in s.qualifiers:
        cells += [prop, value(v, items, item, "sources")]
    for prop, v in s.reference:
        cells += ["S" + prop[1:], value(v, items, item, "sources")]
    return "\t".join(cells)


def value(v: Value, items: Items, item: Item, where: str) -> str:
    """A value in V1 syntax: Q…, +time/precision, lang:"text" or "string"."""
    if isinstance(v, ItemValue):
        return v.qid
    if isinstance(v, RecordValue):
        qid = items.resolve(v.record_id)
        if qid is None:  # the batches are ordered so that this cannot happen
            raise WikidataError(f"{v.record_id!r} has no item yet", None, item.record.id, where)
        return qid
    if isinstance(v, TimeValue):
        return f"{v.time}/{v.precision}"
    if isinstance(v, TextValue):
        return f"{v.language}:{quote(v.text, item, where)}"
    if isinstance(v, UrlValue):
        return quote(v.url, item, where)
    if isinstance(v, StringValue):
        return quote(v.text, item, where)
    raise TypeError(v)


def term(text: str, item: Item, where: str) -> str:
    """A label, description or alias, quoted; refused beyond Wikidata's length limit."""
    if len(text) > TERM_LENGTH:
        raise WikidataError(
            f"{len(text)} characters, but Wikidata takes at most {TERM_LENGTH} in a label, "
            "description or alias; shorten the text",
            item.record.file,
            item.record.id,
            where,
        )
    return quote(text, item, where)


def quote(text: str, item: Item | None = None, where: str | None = None) -> str:
    """`"text"`, or a WikidataError for what V1 strings cannot hold (it has no escapes)."""
    for char, name in _UNQUOTABLE.items():
        if char in text:
            record = item.record if item else None
            raise WikidataError(
                f"{text!r} contains {name}, which a QuickStatements V1 string "
                "cannot hold; change the text",
                record.file if record else None,
                record.id if record else None,
                where,
            )
    return f'"{text}"'
