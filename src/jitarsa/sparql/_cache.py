"""The endpoint's answer cache: the graph never changes while it is served, so a successful
answer is given again to the same request.

What it keeps is bounded in entries and in bytes, and the bytes count the keys too: a key is the
SHA-256 digest of the request (its query text may be 1 MiB), so 256 distinct 1 MiB queries keep
256 small keys, not 256 MiB of text.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Generic, TypeVar

A = TypeVar("A")
#: Bytes counted for an entry besides its answer's body: the digest, the ordered dict's node and
#: the answer's tuple and header text (measured: about 400 bytes; counted generously).
ENTRY_BYTES = 1024


def cache_key(*parts: object) -> bytes:
    """The key of a request made of PARTS (strings, None, tuples of strings)."""
    return hashlib.sha256(repr(parts).encode("utf-8", "surrogatepass")).digest()


class AnswerCache(Generic[A]):
    """At most ENTRIES answers, MAX_BYTES in all (bodies and keys), each body at most
    MAX_ANSWER bytes; the least recently used goes first."""

    def __init__(self, entries: int, max_bytes: int, max_answer: int):
        self.entries, self.max_bytes, self.max_answer = entries, max_bytes, max_answer
        self.lock = threading.Lock()
        self.answers: OrderedDict[bytes, tuple[A, int]] = OrderedDict()
        self.size = 0  # bytes counted for everything kept

    def get(self, key: bytes) -> A | None:
        with self.lock:
            kept = self.answers.get(key)
            if kept is None:
                return None
            self.answers.move_to_end(key)
            return kept[0]

    def put(self, key: bytes, answer: A, size: int) -> None:
        """Keep ANSWER, whose body is SIZE bytes, unless it is too large to keep."""
        if not self.entries or size > self.max_answer:
            return
        with self.lock:
            if key in self.answers:
                return
            self.answers[key] = (answer, size + ENTRY_BYTES)
            self.size += size + ENTRY_BYTES
            while len(self.answers) > self.entries or self.size > self.max_bytes:
                self.size -= self.answers.popitem(last=False)[1][1]
