"""What each client of `jitarsa serve` holds: connections, and query workers handed out fairly.

A client is an address: an IPv4 address, or an IPv6 /64 (one host is given a whole /64, so a
single address would let it count as billions of clients). One client may hold at most
`--max-client-connections` connections, and workers go to the waiting client that holds the
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


class Connections:
    """Open connections, in all and per client, each count under its limit."""

    def __init__(self, total: int, per_client: int):
        self.total, self.per_client = total, per_client
        self.lock = threading.Lock()
        self.open = 0
        self.by_client: Counter[str] = Counter()

    def enter(self, client: str) -> bool:
        """Count one more connection of CLIENT, if both limits allow it."""
        with self.lock:
            if self.open >= self.total or self.by_client[client] >= self.per_client:
                return False
            self.open += 1
            self.by_client[client] += 1
            return True

    def leave(self, client: str) -> None:
        with self.lock:
            self.open -= 1
            self.by_client[client] -= 1
            if not self.by_client[client]:
                del self.by_client[client]


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
