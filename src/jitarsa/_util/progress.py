"""Progress of long work on a terminal: one line per stage with a bar, rate and ETA, on stderr.

Quiet unless stderr is a terminal (so pipes, logs and CI stay clean) and never on stdout, where
a command's real output goes. `Progress(enabled=False)` is the do-nothing version the library
uses when nobody asked.
"""

from __future__ import annotations

import sys
import time

WIDTH = 24


class Stage:
    """One stage of work: `advance(n)` as items are done; the line is redrawn at most 10 times
    a second."""

    def __init__(self, progress: Progress, name: str, total: int, unit: str):
        self.progress, self.name, self.total, self.unit = progress, name, max(total, 0), unit
        self.done = 0
        self.start = self._drawn = time.monotonic()

    def advance(self, n: int = 1) -> None:
        self.done += n
        now = time.monotonic()
        if now - self._drawn >= 0.1:
            self._drawn = now
            self.progress.draw(self.line(now))

    def line(self, now: float) -> str:
        elapsed = max(now - self.start, 1e-9)
        rate = self.done / elapsed
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        bar = "#" * int(share * WIDTH)
        eta = (self.total - self.done) / rate if rate and self.total > self.done else 0.0
        return (
            f"{self.name:<9} [{bar:<{WIDTH}}] {share:4.0%} {self.done:,}/{self.total:,} "
            f"{self.unit}  {rate:,.0f}/s  ETA {_clock(eta)}  ({_clock(elapsed)})"
        )

    def __enter__(self) -> Stage:
        return self

    def __exit__(self, *exc) -> None:
        if exc[0] is None:
            self.done = max(self.done, self.total)
        self.progress.draw(self.line(time.monotonic()), final=True)


class Progress:
    """Stages of a command's work, drawn on `stream` (stderr) when it is a terminal."""

    def __init__(self, enabled: bool | None = None, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = _is_terminal(self.stream) if enabled is None else enabled

    def stage(self, name: str, total: int, unit: str = "items") -> Stage:
        return Stage(self, name, total, unit)

    def draw(self, line: str, final: bool = False) -> None:
        if self.enabled:
            self.stream.write("\r\x1b[K" + line + ("\n" if final else ""))
            self.stream.flush()


def _is_terminal(stream) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"


#: The silent progress: what library calls get unless a caller passes its own.
SILENT = Progress(enabled=False)
