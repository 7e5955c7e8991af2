"""Run a function on a thread with a large stack: Oxigraph's parser and evaluator recurse once
per nesting level or chained operator, and an overflow of the 8 MiB main stack is a SIGSEGV that
no `except` catches. The memory is reserved, not used: pages are touched only when needed."""

from __future__ import annotations

import threading
import traceback

#: Stack of the thread (a chain of 10,000 UNIONs needs about 30 MiB; 10,000 braces about 100).
STACK_BYTES = 256 << 20


def with_large_stack(func, *args, timeout: float | None = None):
    """FUNC(*ARGS) on a thread with STACK_BYTES of stack; its result, or its exception raised.

    Past TIMEOUT seconds, TimeoutError: the thread is left to finish in the background (a
    running Oxigraph query cannot be stopped from another thread), as a daemon, so it never
    keeps the interpreter from exiting."""
    outcome: list = []

    def run():
        try:
            outcome.append((True, func(*args)))
        except BaseException as err:  # noqa: BLE001 - re-raised in the caller's thread
            _drop_locals(err)
            outcome.append((False, err))

    previous = threading.stack_size(STACK_BYTES)
    try:
        thread = threading.Thread(target=run, name="large-stack", daemon=True)
        thread.start()
    finally:
        threading.stack_size(previous)
    thread.join(timeout)
    if not outcome:
        raise TimeoutError(f"not done within {timeout:g} s")
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _drop_locals(err: BaseException | None) -> None:
    """Free the local variables of the frames an exception (and those it chains) went through,
    here: objects that must die on the thread that made them (pyoxigraph's results) would
    otherwise be dropped on the caller's, which Oxigraph refuses with a panic."""
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        traceback.clear_frames(err.__traceback__)
        err = err.__cause__ or err.__context__
