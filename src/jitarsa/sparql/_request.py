"""Reading an HTTP/1.1 request for `jitarsa serve`, by the grammar of RFC 9112 and no looser.

The standard library's `http.server` reads a head line by line (64 KiB a line, 100 lines: 6 MiB
a request), takes any `int()` as a number (`0_5`, `+5`, `²`) and any spelling of the version.
Here the request line and each field line must match the RFC's grammar, the header fields are
capped in total, and numbers are ASCII digits of a bounded length: what cannot be read is
answered with 400, 413, 414, 431 or 505, never guessed. The target is split and its path
decoded once, here, for every route.
"""

from __future__ import annotations

import http.client
import re
import urllib.parse
from email.message import Message
from typing import NamedTuple, Protocol

MAX_LINE = 64 << 10  # bytes of the request line: a GET query travels in it
MAX_HEAD = 32 << 10  # bytes of all header fields (and of a chunked body's trailer) together
MAX_FIELDS = 100  # header fields in one request
MAX_BODY = 1 << 20  # bytes of a POSTed query or form
MAX_PATH = 2048  # characters of a decoded path (URLs are at most 2,048 characters)
MAX_SEGMENT = 255  # bytes of one path segment: no file name is longer (NAME_MAX)

_TOKEN = rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
REQUEST_LINE = re.compile(rb"(" + _TOKEN + rb") ([^\x00-\x20\x7f]+) HTTP/([0-9])\.([0-9])\r?\n")
# A field value: visible characters, spaces and tabs, and obs-text; no other control character.
FIELD_LINE = re.compile(rb"(" + _TOKEN + rb"):[ \t]*([^\x00-\x08\x0a-\x1f\x7f]*?)[ \t]*\r?\n")
CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,8})[ \t]*(?:;[^\r\n]*)?\r?\n")
DIGITS = re.compile(r"[0-9]{1,16}")


class Reader(Protocol):
    """Where a request is read from: the connection's buffered reader."""

    def readline(self, size: int = -1, /) -> bytes: ...

    def read(self, size: int = -1, /) -> bytes: ...


class BadRequest(Exception):
    """A request that cannot be read: answered with STATUS and the message, then closed."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class Head(NamedTuple):
    """A request's head as read: its method, target, version, fields, and what it asks of the
    connection."""

    method: str
    target: str
    version: str  # "HTTP/1.1" or "HTTP/1.0"
    headers: Message
    keep_alive: bool
    expect_continue: bool


def read_head(request_line: bytes, rfile: Reader) -> Head:
    """The head whose first line is REQUEST_LINE, its fields read from RFILE (at most MAX_HEAD
    bytes and MAX_FIELDS fields in all)."""
    if len(request_line) > MAX_LINE:
        raise BadRequest(414, f"The request line is longer than {MAX_LINE} bytes.")
    match = REQUEST_LINE.fullmatch(request_line)
    if match is None:
        raise BadRequest(400, "The request line is not `METHOD TARGET HTTP/1.1`.")
    method, target, major, minor = match.groups()
    if major != b"1":
        raise BadRequest(505, "Only HTTP/1.1 and HTTP/1.0 are spoken here.")
    headers = http.client.HTTPMessage()  # filled from the fields as matched, not re-parsed
    fields = size = 0
    while True:
        line = rfile.readline(MAX_HEAD - size + 1)
        size += len(line)
        if size > MAX_HEAD:
            raise BadRequest(431, f"The header fields are longer than {MAX_HEAD} bytes in all.")
        if line in (b"\r\n", b"\n"):
            break
        if not line.endswith(b"\n"):
            raise BadRequest(400, "The request ends before its header fields do.")
        field = FIELD_LINE.fullmatch(line)
        if field is None:
            raise BadRequest(400, "A header field is not `Name: value` on one line.")
        fields += 1
        if fields > MAX_FIELDS:
            raise BadRequest(431, f"More than {MAX_FIELDS} header fields.")
        headers[field[1].decode("ascii")] = field[2].decode("latin-1")
    for name in ("Host", "Content-Length", "Transfer-Encoding"):
        if len(headers.get_all(name) or ()) > 1:
            raise BadRequest(400, f"The request has more than one {name} field.")
    version = "HTTP/1.1" if minor != b"0" else "HTTP/1.0"
    options = {
        token.strip().lower() for token in ",".join(headers.get_all("Connection") or ()).split(",")
    }
    keep_alive = "close" not in options and (version == "HTTP/1.1" or "keep-alive" in options)
    expect = version == "HTTP/1.1" and headers.get("Expect", "").lower() == "100-continue"
    return Head(method.decode(), target.decode("latin-1"), version, headers, keep_alive, expect)


def read_body(rfile: Reader, headers: Message) -> bytes:
    """The request body: by Content-Length, or chunked; at most MAX_BODY bytes."""
    coding = headers.get("Transfer-Encoding", "").strip().lower()
    if coding:
        if coding != "chunked" or "Content-Length" in headers:
            raise BadRequest(400, "Send the body chunked or with a Content-Length.")
        return read_chunks(rfile)
    length = decimal(headers.get("Content-Length") or "0")
    if length is None:
        raise BadRequest(400, "The Content-Length is not a number of bytes.")
    if length > MAX_BODY:
        raise BadRequest(413, f"Send a Content-Length of at most {MAX_BODY} bytes.")
    body = rfile.read(length)
    if len(body) != length:
        raise BadRequest(400, "The body is shorter than its Content-Length.")
    return body


def read_chunks(rfile: Reader) -> bytes:
    """A chunked body (RFC 9112 §7.1): each size in hexadecimal digits only, then CRLF."""
    parts: list[bytes] = []
    size = 0
    while True:
        match = CHUNK_SIZE.fullmatch(rfile.readline(1024))
        if match is None:
            raise BadRequest(400, "A chunk of the body has no valid size (hexadecimal digits).")
        length = int(match[1], 16)
        size += length
        if size > MAX_BODY:
            raise BadRequest(413, f"Send a body of at most {MAX_BODY} bytes.")
        if length == 0:
            trailer = 0
            while (line := rfile.readline(1024)) not in (b"\r\n", b"\n", b""):
                trailer += len(line)  # trailer fields, ignored but bounded
                if trailer > MAX_HEAD:
                    raise BadRequest(431, f"The trailer is longer than {MAX_HEAD} bytes.")
            return b"".join(parts)
        chunk = rfile.read(length)
        if len(chunk) != length or rfile.readline(3) not in (b"\r\n", b"\n"):
            raise BadRequest(400, "A chunk of the body is cut short.")
        parts.append(chunk)


def decimal(text: str) -> int | None:
    """TEXT as a number if it is ASCII decimal digits (at most 16), else None: `int()` would
    take `+5`, `5_0`, ` 5` and `²`."""
    return int(text) if DIGITS.fullmatch(text) else None


def split_target(target: str) -> urllib.parse.SplitResult:
    """The request target as a URL (400 when it cannot be one, such as `//[`)."""
    try:
        return urllib.parse.urlsplit(target)
    except ValueError:
        raise BadRequest(400, "The request target is not a URL.") from None


def decode_path(path: str) -> str:
    """A URL path percent-decoded once, as UTF-8: no NUL or control characters (400), at most
    MAX_PATH characters (414). Every route sees this decoded path and never decodes again."""
    try:
        decoded = urllib.parse.unquote(path, errors="strict")
    except UnicodeDecodeError:
        raise BadRequest(400, "The path is not valid percent-encoded UTF-8.") from None
    if re.search(r"[\x00-\x1f\x7f]", decoded):
        raise BadRequest(400, "The path holds a control character.")
    if len(decoded) > MAX_PATH:
        raise BadRequest(414, f"The path is longer than {MAX_PATH} characters.")
    return decoded


def could_be_file(path: str) -> bool:
    """Whether a decoded PATH could name a file at all: no segment longer than a file name may
    be (NAME_MAX), so the file system is never asked about it (ENAMETOOLONG)."""
    return all(len(part.encode("utf-8")) <= MAX_SEGMENT for part in path.split("/"))
