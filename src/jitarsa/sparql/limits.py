"""What one client may cost `jitarsa serve`: every limit, its default and its option.

Kept apart from the server so the command line reads the defaults without importing it.
SECURITY.md lists them with the reasons.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """What one client may cost the endpoint; each is a `jitarsa serve` option (SECURITY.md)."""

    timeout: float = 10.0  # --timeout: seconds a query may run
    max_answer: int = 16 << 20  # --max-answer: bytes of one answer
    max_connections: int = 200  # --max-connections: open connections at once
    max_client_connections: int = 64  # --max-client-connections: of one client (address)
    max_client_workers: int | None = None  # --max-client-workers: busy for one client (all)
    idle_timeout: float = 15.0  # --idle-timeout: seconds to send a whole request
    write_timeout: float = 30.0  # --write-timeout: seconds to take a whole answer
    reserved: int | None = None  # --reserved: workers kept for quick queries

    @property
    def max_held(self) -> int:
        """Bytes of answers held for all clients at once: four of the largest."""
        return 4 * self.max_answer
