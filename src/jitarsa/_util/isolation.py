"""A process cut off from the network: on Linux, a new network namespace of its own.

`jitarsa serve`'s query workers enter one before they load the graph, so a query the guard
misread still cannot connect anywhere: the namespace has only a loopback device, and it is
down. Without root, a user namespace is made with it (the process keeps its user and group
ids, mapped onto themselves). Where the system refuses (another OS, a container without the
right, `user.max_user_namespaces` set to 0), the caller is told why, in words.
"""

from __future__ import annotations

import os
import sys

CLONE_NEWUSER = 0x10000000
CLONE_NEWNET = 0x40000000


def leave_network() -> str:
    """Move this process into a new network namespace. Answers "" when done, else why not.

    Call it while the process has one thread: the kernel refuses a user namespace otherwise."""
    if not sys.platform.startswith("linux"):
        return f"network namespaces exist only on Linux, not {sys.platform}"
    uid, gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWNET if uid == 0 else CLONE_NEWNET | CLONE_NEWUSER
    try:
        _unshare(flags)
    except OSError as err:
        return f"the system refused a new network namespace ({err.strerror or err})"
    if flags & CLONE_NEWUSER:  # keep the ids the files were opened with; best effort
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1")):
            _write(f"/proc/self/{name}", text)
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    return ""


def _unshare(flags: int) -> None:
    unshare = getattr(os, "unshare", None)  # Python 3.12 and later
    if unshare is not None:
        unshare(flags)
        return
    import ctypes
    import ctypes.util

    libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
    if libc.unshare(ctypes.c_int(flags)) != 0:
        number = ctypes.get_errno()
        raise OSError(number, os.strerror(number))


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w", encoding="ascii") as file:
            file.write(text)
    except OSError:
        pass
