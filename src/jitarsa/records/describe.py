"""The dataset's description, written from the data: how many members, and whose lists.

A description with a hand-written count goes stale the day a member is added (the published
one said 28 when there were 40), so `data/dataset.yaml` leaves it out and every output that
shows it (`dcterms:description` in void.ttl, the home page) reads this.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from jitarsa.records.model import Dataset


def list_label(url: str) -> str:
    """A short label of a source by its host: `th.wikipedia.org`, `volunteerspirit.org`."""
    return (urlsplit(url).hostname or url).removeprefix("www.")


def describe(dataset: Dataset) -> dict[str, str]:
    """The description in Thai and English: the network, its member count and each stored
    member list with the day it was read and how many entries it holds."""
    network = dataset.network
    count = len(dataset.members)
    name_en = network.name.get("en") or network.name.get("th", network.id)
    name_th = network.name.get("th") or name_en
    lists_en = [
        f"{list_label(s.url)} ({len(s.entries)} entries, read {s.retrieved})" for s in dataset.lists
    ]
    lists_th = [
        f"{list_label(s.url)} ({len(s.entries)} รายการ อ่านเมื่อ {s.retrieved})" for s in dataset.lists
    ]
    en = f"A linked-data knowledge graph of the {name_en} and its {count} member organisations"
    th = f"กราฟความรู้แบบข้อมูลเชื่อมโยงของ{name_th}และองค์กรสมาชิก {count} องค์กร"
    if lists_en:
        en += ", as named by the member lists of " + _joined(lists_en, " and ")
        th += " ตามรายชื่อสมาชิกใน " + _joined(lists_th, " และ ")
    return {"th": th, "en": en + "."}


def _joined(parts: list[str], last: str) -> str:
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + last + parts[-1]
