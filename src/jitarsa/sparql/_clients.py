"""What each client of `jitarsa serve` holds: connections, and query workers handed out fairly.

A client is an address: an IPv4 address, or an IPv6 /64 (one host is given a whole /64, so a
single address would let it count as billions of clients). One client may hold at most
`--max-client-connections` connections (and when all are taken, a newcomer takes the place of
an idle one of the client holding the most), and workers go to the waiting client that holds the
fewest, oldest request first: a client with sixteen queries in line waits behind one that has
none running, instead of everyone waiting behind its line.
"""

from __future__ import annotations

import ipaddress
import itertools
import threading
from collections import Counter, deque
from typing import Any, Generic, TypeVar

W = TypeVar("W")
C = TypeVar("C")


def client_of(address: str) -> str:
    """The client an address belongs to: the IPv4 address (also when mapped into IPv6), or the
    IPv6 /64 network."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return address  # not an IP socket: one client
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


class Connections(Generic[C]):
    """Open connections, in all and per client, each count under its limit.

    A connection waiting for (or still receiving) a request's head is idle. When every place is
    taken, a newcomer may take the place of the longest idle connection of the client holding
    the most, if that client holds at least two more than the newcomer: HTTP lets a server close
    an idle connection at any time, and so a few clients filling the server with idle
    connections cannot keep a new one out."""

    def __init__(self, total: int, per_client: int):
        self.total, self.per_client = total, per_client
        self.lock = threading.Lock()
        self.open = 0
        self.by_client: Counter[str] = Counter()
        self.idle: dict[C, tuple[str, int]] = {}  # connection: its client, when it went idle
        self.order = itertools.count()

    def enter(self, client: str) -> tuple[bool, C | None]:
        """Count one more connection of CLIENT if the limits allow it: (admitted, an idle
        connection to close to make room for it, or None)."""
        with self.lock:
            held = self.by_client[client]
            if held >= self.per_client:
                return False, None
            evicted = None
            if self.open >= self.total:
                evicted = self._idlest(held + 2)
                if evicted is None:
                    return False, None
                del self.idle[evicted]
            self.open += 1  # above the total until the evicted one has left
            self.by_client[client] += 1
            return True, evicted

    def leave(self, client: str, connection: C) -> None:
        with self.lock:
            self.idle.pop(connection, None)
            self.open -= 1
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]

    def waiting(self, connection: C, client: str) -> None:
        """CONNECTION waits for its next request: it may be closed to make room."""
        with self.lock:
            self.idle[connection] = (client, next(self.order))

    def working(self, connection: C) -> None:
        """CONNECTION's request has been read: it is not closed for another."""
        with self.lock:
            self.idle.pop(connection, None)

    def _idlest(self, at_least: int) -> C | None:
        """The longest idle connection of the client holding the most, if that is AT_LEAST."""
        best: tuple[int, int, C] | None = None
        for connection, (client, since) in self.idle.items():
            rank = (-self.by_client[client], since, connection)
            if self.by_client[client] >= at_least and (best is None or rank[:2] < best[:2]):
                best = rank
        return best[2] if best is not None else None


class _Waiter:
    __slots__ = ("client", "order", "lock", "worker")

    def __init__(self, client: str, order: int):
        self.client, self.order = client, order
        self.lock = threading.Lock()
        self.lock.acquire()  # released when a worker is handed over
        self.worker: Any = None  # the worker handed over


class Scheduler(Generic[W]):
    """Free workers handed to waiting clients: the one holding the fewest first, then the
    oldest request. A client holds at most PER_CLIENT workers at once, and at most LONG_PER_CLIENT
    of the LONG workers that may run long queries (the rest are kept for quick ones)."""

    def __init__(self, per_client: int, long: int, long_per_client: int):
        self.per_client, self.long, self.long_per_client = per_client, long, long_per_client
        self.lock = threading.Lock()
        self.free: list[W] = []
        self.waiting: dict[str, deque[_Waiter]] = {}  # each waiting client's line, oldest first
        self.busy: Counter[str] = Counter()
        self.long_busy: Counter[str] = Counter()
        self.order = itertools.count()

    def put(self, worker: W) -> None:
        """A worker is free (new, or done with a job whose client was released)."""
        with self.lock:
            self.free.append(worker)
            self._hand_over()

    def get(self, client: str, timeout: float) -> W | None:
        """A free worker for CLIENT within TIMEOUT seconds (None if there is none); the client
        holds it until `release(client)`."""
        with self.lock:
            waiter = _Waiter(client, next(self.order))
            self.waiting.setdefault(client, deque()).append(waiter)
            self._hand_over()
            if waiter.worker is not None:
                return waiter.worker
        waiter.lock.acquire(timeout=max(timeout, 0))
        with self.lock:
            if waiter.worker is None:  # timed out, and nothing was handed over meanwhile
                line = self.waiting[client]
                line.remove(waiter)
                if not line:
                    del self.waiting[client]
            return waiter.worker

    def give_back(self, worker: W, client: str) -> None:
        """CLIENT's job on WORKER is done: the worker is free again."""
        with self.lock:
            self.free.append(worker)
            self._release(client)

    def release(self, client: str) -> None:
        """CLIENT no longer holds a worker (its worker was replaced)."""
        with self.lock:
            self._release(client)

    def _release(self, client: str) -> None:
        self.busy[client] -= 1
        if not self.busy[client]:
            del self.busy[client]
        self._hand_over()

    def hold_long(self, client: str) -> bool:
        """Let CLIENT's running query hold a worker for long queries, if one is left to it."""
        with self.lock:
            if (
                sum(self.long_busy.values()) >= self.long
                or self.long_busy[client] >= self.long_per_client
            ):
                return False
            self.long_busy[client] += 1
            return True

    def release_long(self, client: str) -> None:
        with self.lock:
            self.long_busy[client] -= 1
            if not self.long_busy[client]:
                del self.long_busy[client]

    def _hand_over(self) -> None:
        """Give free workers to the waiting clients that hold the fewest (lock held)."""
        while self.free and self.waiting:
            # over the clients, not their requests: usually one or a few lines, however long
            best: tuple[int, int, str] | None = None
            for client, line in self.waiting.items():
                rank = (self.busy[client], line[0].order, client)
                if rank[0] < self.per_client and (best is None or rank < best):
                    best = rank
            if best is None:
                return
            line = self.waiting[best[2]]
            waiter = line.popleft()
            if not line:
                del self.waiting[best[2]]
            waiter.worker = self.free.pop()
            self.busy[waiter.client] += 1
            waiter.lock.release()
