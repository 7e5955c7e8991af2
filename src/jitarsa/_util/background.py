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
from typing import Generic, TypeVar

from jitarsa.errors import Stopped

T = TypeVar("T")


def can_fork() -> bool:
    import multiprocessing

    return (
        os.environ.get("JITARSA_PROCESSES", "").strip() != "1"
        and (os.cpu_count() or 1) >= 2
        and "fork" in multiprocessing.get_all_start_methods()
    )


class forked(Generic[T]):  # noqa: N801 - used like a function: forked(fn, *args)()
    """`fn(*args)`, started in a forked process: call the object to wait for its result (or its
    exception, or `Stopped` if the process ended without either); `cancel()` ends it early."""

    def __init__(self, fn: Callable[..., T], *args):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        parent = os.getpid()

        def run():
            # Its copy of the reading end closed, a send to a parent that has died fails
            # (broken pipe) instead of blocking forever on a full pipe.
            self._receive.close()
            _die_with(parent)
            outcome: tuple[bool, object]
            try:
                outcome = (True, fn(*args))
            except BaseException as err:  # noqa: BLE001 - handed to the parent, which raises it
                outcome = (False, err)
            send.send(outcome)

        for stream in (sys.stdout, sys.stderr):  # or the child would write their buffers again
            stream.flush()
        self._child = context.Process(target=run, daemon=True)
        self._child.start()
        send.close()

    def __call__(self) -> T:
        try:
            ok, value = self._receive.recv()
        except EOFError:
            ok = value = None
        finally:
            self._receive.close()
            self._child.join()
        if ok is None:
            raise Stopped(f"exit code {self._child.exitcode}")
        if not ok:
            raise value
        return value

    def ready(self, timeout: float) -> bool:
        """Whether the result (or the end of the process) has come, waiting up to `timeout` s."""
        return self._receive.poll(timeout)

    def cancel(self) -> None:
        """End the process if it is still running (its result is no longer wanted)."""
        if self._child.is_alive():
            self._child.terminate()
        self._child.join()
        self._receive.close()


def _die_with(parent: int) -> None:
    """Have the kernel kill this (forked) process when its parent dies (Linux's
    PR_SET_PDEATHSIG), and exit now if the parent is already gone: a killed build leaves no
    process behind. Elsewhere the closed pipe ends it at its next send."""
    import ctypes
    import signal

    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # 1: PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:
        os._exit(1)
