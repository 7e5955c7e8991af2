"""Work on the second core: a forked process, which starts with the parent's memory (shared
until written), so a large graph is not copied or pickled to reach it.

jitarsa forks only where the platform can and there are two cores or more, and never when the
environment variable JITARSA_PROCESSES is 1: a host program that runs threads should set it,
since forking a threaded process is unsafe.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class Stopped(Exception):
    """The forked process ended without a result (killed, perhaps for lack of memory)."""


def can_fork() -> bool:
    import multiprocessing

    return (os.environ.get("JITARSA_PROCESSES", "").strip() != "1"
            and (os.cpu_count() or 1) >= 2
            and "fork" in multiprocessing.get_all_start_methods())


def forked(fn: Callable[..., T], *args) -> Callable[[], T]:
    """Start `fn(*args)` in a forked process; return the function that waits for its result
    (or raises its exception, or `Stopped` if the process ended without either)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def run():
        try:
            outcome = (True, fn(*args))
        except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
            outcome = (False, err)
        send.send(outcome)

    for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
        stream.flush()
    child = context.Process(target=run, daemon=True)
    child.start()
    send.close()

    def result() -> T:
        try:
            ok, value = receive.recv()
        except EOFError:
            child.join()
            raise Stopped(f"exit code {child.exitcode}") from None
        finally:
            receive.close()
            child.join()
        if not ok:
            raise value
        return value

    return result
