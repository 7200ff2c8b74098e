"""A small, strict HTTP/1.1 server (RFC 9110, RFC 9112) on the standard library, for ``serve``.

Why not :mod:`http.server`: its parser (:mod:`email`) drops every header after a malformed line
(a space before the colon, a line without one), which desynchronizes the connection; its
per-read timeout lets a client trickle a request for ever; it has one thread per connection and
no cap; its error path can raise inside the logging; and it writes headers and body separately.
This module replaces it with:

* :func:`parse_head`, a pure function: the request line (RFC 9112 section 3), the header lines
  (section 5) and the request-target's form (section 3.2). Anything malformed is a
  :class:`HttpError` (400, 414, 431, 505, 411...) and the connection is closed (section 11.2);
* :class:`Server`: one thread runs a :mod:`selectors` loop that accepts connections and reads
  request heads and bodies without blocking, under deadlines (the whole head within
  ``head_timeout``; the body at ``body_min_rate`` octets per second after ``body_grace``), so a
  slow client costs a socket, never a thread; complete requests go to a fixed pool of
  ``workers`` threads, which write each response in one ``sendall`` (``TCP_NODELAY`` on).
  Past ``max_connections`` a new connection gets a 503 at once; when ``accept`` fails (out of
  descriptors) the listener is paused for a moment instead of spinning.

Theory of operation: a connection is in one phase: ``idle`` (waiting for a request),
``head``, ``body`` (registered with the selector, under a deadline), ``busy`` (a worker has it,
not registered) or ``closing`` (an error was sent: input is drained until EOF or a short
deadline, so the client reads the answer instead of a reset). Only the loop thread touches the
table of connections; workers hand a connection back through a queue and a wake-up socket.
"""

from __future__ import annotations

import dataclasses
import errno
import queue
import re
import selectors
import socket
import threading
import time
from http import HTTPStatus
from typing import Callable, Dict, List, Optional, Sequence, Tuple

__all__ = ["ServerLimits", "RequestHead", "HttpError", "parse_head", "Server"]


@dataclasses.dataclass(frozen=True)
class ServerLimits:
    """The built-in server's knobs (defaults in brackets), documented in docs/provider.md."""

    max_connections: int = 1024  #: open connections; more get 503 and are closed
    workers: int = 16  #: threads running the application
    backlog: int = 1024  #: the listen backlog (the kernel may cap it: somaxconn)
    max_head: int = 16 * 1024  #: octets of request line and headers together (431)
    max_target: int = 8 * 1024  #: octets of the request-target (414)
    max_headers: int = 100  #: header lines (431)
    head_timeout: float = 10.0  #: seconds for the whole request head, from its first octet (408)
    idle_timeout: float = 15.0  #: seconds a kept-alive connection may wait for its next request
    body_min_rate: float = 1024.0  #: octets per second a body must keep up ...
    body_grace: float = 5.0  #: ... after these seconds
    send_timeout: float = 10.0  #: seconds to write one response
    max_body: int = 1 << 20  #: octets of a request body (413)

    def __post_init__(self) -> None:
        if min(self.max_connections, self.workers, self.backlog, self.max_head, self.max_target,
               self.max_headers, self.max_body) < 1:
            raise ValueError("server limits must be positive")
        if min(self.head_timeout, self.idle_timeout, self.body_min_rate, self.send_timeout) <= 0 or self.body_grace < 0:
            raise ValueError("server timeouts and rates must be positive")


@dataclasses.dataclass(frozen=True)
class RequestHead:
    """A parsed request head. ``target`` is origin-form (``/path?query``) or ``*``; an
    absolute-form target (RFC 9112 section 3.2.2) is split into ``authority`` and ``target``."""

    method: str
    target: str
    version: Tuple[int, int]
    headers: Tuple[Tuple[str, str], ...]
    authority: Optional[str] = None

    def values(self, name: str) -> List[str]:
        lowered = name.lower()
        return [value for key, value in self.headers if key.lower() == lowered]

    @property
    def keep_alive(self) -> bool:
        """RFC 9112 section 9.3: persistent by default in 1.1, on request in 1.0."""
        tokens = {part.strip().lower() for value in self.values("Connection") for part in value.split(",")}
        if "close" in tokens:
            return False
        return self.version >= (1, 1) or "keep-alive" in tokens


class HttpError(Exception):
    """A request the server refuses before the application sees it; the connection closes."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


# RFC 9110 section 5.6.2: token = 1*tchar
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# RFC 9112 section 3: request-line = method SP request-target SP HTTP-version
_VERSION = re.compile(rb"HTTP/([0-9])\.([0-9])")
# RFC 9110 section 5.5: field-value = *( VCHAR / obs-text / SP / HTAB ), no other control
_FIELD_VALUE = re.compile(rb"[\t\x20-\x7e\x80-\xff]*")
_ABSOLUTE_FORM = re.compile(r"(?i:https?)://([^/?#@\s]+)([/?][^#\s]*)?")


def parse_head(head: bytes, limits: ServerLimits = ServerLimits(), *, tolerate_folding: bool = False) -> RequestHead:
    """Parse a request head (without its final empty line) strictly (RFC 9112 sections 2-5).

    Lines end with CRLF; a bare CR or LF, a request line that is not exactly three parts, a
    method that is not a token, a target with a control or space, a version other than
    ``HTTP/1.x`` (505 for another major version), a header line without a colon or with white
    space before it (section 5.1), an invalid name or value, or a folded line (section 5.2,
    unless ``tolerate_folding``: then it is joined with one space) is a :class:`HttpError`; so
    is an HTTP/1.1 request without exactly one ``Host`` (section 3.2).
    """
    lines = head.split(b"\r\n")
    if any(b"\r" in line or b"\n" in line for line in lines):
        raise HttpError(400, "a line ends without CRLF")
    method, target, version = _request_line(lines[0], limits)
    if len(lines) - 1 > limits.max_headers:
        raise HttpError(431, "too many header lines")
    headers: List[Tuple[str, str]] = []
    for line in lines[1:]:
        if line[:1] in (b" ", b"\t"):
            if not tolerate_folding or not headers:
                raise HttpError(400, "a folded header line (obs-fold)")
            folded = line.strip(b" \t")
            if _FIELD_VALUE.fullmatch(folded) is None:
                raise HttpError(400, "invalid header value")
            headers[-1] = (headers[-1][0], (headers[-1][1] + " " + folded.decode("latin-1")).strip())
            continue
        name, colon, value = line.partition(b":")
        if not colon or _TOKEN.fullmatch(name) is None:
            raise HttpError(400, "a malformed header line")
        value = value.strip(b" \t")
        if _FIELD_VALUE.fullmatch(value) is None:
            raise HttpError(400, "invalid header value")
        headers.append((name.decode("ascii"), value.decode("latin-1")))
    hosts = sum(1 for name, _ in headers if name.lower() == "host")
    if hosts > 1 or (hosts == 0 and version >= (1, 1)):
        raise HttpError(400, "an HTTP/1.1 request has exactly one Host header")  # RFC 9112 section 3.2
    authority = None
    if not target.startswith("/") and not (target == "*" and method == "OPTIONS"):
        match = _ABSOLUTE_FORM.fullmatch(target)
        if match is None:
            raise HttpError(400, "the request-target must be origin-form or absolute-form")
        authority, target = match.group(1), match.group(2) or "/"
        if target.startswith("?"):
            target = "/" + target
    return RequestHead(method, target, version, tuple(headers), authority)


def _request_line(line: bytes, limits: ServerLimits) -> Tuple[str, str, Tuple[int, int]]:
    parts = line.split(b" ")
    if len(parts) == 3 and len(parts[1]) > limits.max_target:
        raise HttpError(414, "the request-target is too long")
    if len(parts) != 3 or _TOKEN.fullmatch(parts[0]) is None or not parts[1]:
        raise HttpError(400, "a malformed request line")
    if any(byte <= 0x20 or byte >= 0x7F for byte in parts[1]):
        raise HttpError(400, "a malformed request-target")
    version = _VERSION.fullmatch(parts[2])
    if version is None:
        raise HttpError(400, "a malformed HTTP version")
    if version.group(1) != b"1":
        raise HttpError(505, "only HTTP/1.x is served")
    return parts[0].decode("ascii"), parts[1].decode("ascii"), (1, int(version.group(2)))


def content_length(head: RequestHead, limits: ServerLimits) -> int:
    """The body's length (RFC 9112 section 6): ``Transfer-Encoding`` is refused (411, no chunked
    bodies); several or malformed ``Content-Length`` values are 400; too large is 413."""
    if head.values("Transfer-Encoding"):
        raise HttpError(411, "a Content-Length is required (no chunked bodies)")
    lengths = head.values("Content-Length")
    if not lengths:
        return 0
    if len(set(lengths)) > 1 or not (lengths[0].isascii() and lengths[0].isdigit()):
        raise HttpError(400, "invalid Content-Length")
    length = int(lengths[0])
    if length > limits.max_body:
        raise HttpError(413, "the body is too large")
    return length


def serialize(status: int, headers: Sequence[Tuple[str, str]], body: bytes, *, close: bool, head_only: bool = False
              ) -> bytes:
    """One response as bytes: status line, headers (``Content-Length`` computed, ``Connection:
    close`` when closing), body. A header name that is not a token or a value that is not
    printable ASCII raises :class:`ValueError`: nothing non-ASCII ever reaches the wire raw."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Status"
    lines = [f"HTTP/1.1 {status} {reason}"]
    for name, value in headers:
        if name.lower() in ("content-length", "connection", "transfer-encoding"):
            continue
        if _TOKEN.fullmatch(name.encode("latin-1", "replace")) is None or not _printable(value):
            raise ValueError("a response header that cannot be sent")
        lines.append(f"{name}: {value}")
    lines.append(f"Content-Length: {len(body)}")
    if close:
        lines.append("Connection: close")
    data = ("\r\n".join(lines) + "\r\n\r\n").encode("ascii")
    return data if head_only else data + body


def _printable(value: str) -> bool:
    return value.isascii() and all(" " <= ch <= "~" or ch == "\t" for ch in value)


def plain(status: int, message: str, *, close: bool = True) -> bytes:
    """A short ``text/plain`` response, serialized."""
    return serialize(status, [("Content-Type", "text/plain; charset=utf-8")], (message + "\n").encode("utf-8"),
                     close=close)


#: The application: ``(head, body, client address) -> (status, headers, body, undelivered)``;
#: ``undelivered`` (or ``None``) is called when the response could not be written.
Handler = Callable[[RequestHead, bytes, str], Tuple[int, List[Tuple[str, str]], bytes, Optional[Callable[[], None]]]]


class _Connection:
    __slots__ = ("sock", "address", "buffer", "phase", "deadline", "head", "need")

    def __init__(self, sock: socket.socket, address: str, deadline: float) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.phase = "idle"
        self.deadline = deadline
        self.head: Optional[RequestHead] = None
        self.need = 0


_ACCEPT_ERRORS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_LINGER = 1.0  # seconds an erroring connection is drained before it is closed
_PAUSE = 0.25  # seconds the listener rests after accept() failed for want of descriptors


class Server:
    """The event loop, the worker pool and the listener (see the module's theory of operation).

    ``handler`` answers complete requests (:data:`Handler`); ``log`` receives one line per
    request and per refusal (never a query string) unless ``None``. ``server_address`` is
    where it listens; :meth:`serve_forever`, :meth:`shutdown` and :meth:`server_close` behave
    like :class:`socketserver.BaseServer`'s.
    """

    def __init__(self, address: Tuple[str, int], handler: Handler, limits: ServerLimits = ServerLimits(), *,
                 log: Optional[Callable[[str], None]] = None, tolerate_folding: bool = False) -> None:
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind(address)
            self.socket.listen(limits.backlog)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()[:2]
        self.handler = handler
        self.limits = limits
        self.log = log
        self.tolerate_folding = tolerate_folding
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._conns: Dict[int, _Connection] = {}
        self._jobs: "queue.Queue[Optional[Tuple[_Connection, RequestHead, bytes]]]" = queue.Queue()
        self._returns: "queue.SimpleQueue[Tuple[_Connection, bool]]" = queue.SimpleQueue()
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._paused_until = 0.0
        self._running = False
        self._workers_lock = threading.Lock()
        self._workers_stopped = False
        self._workers = [threading.Thread(target=self._work, name=f"oauth1core-worker-{i}", daemon=True)
                         for i in range(limits.workers)]
        for worker in self._workers:
            worker.start()

    # -- the loop ------------------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.1) -> None:
        """Run until :meth:`shutdown`."""
        self._running = True
        self._selector.register(self.socket, selectors.EVENT_READ, "listen")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(poll_interval):
                    if key.data == "listen":
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    else:
                        self._readable(key.data)
                self._adopt_returns()
                self._expire(time.monotonic())
        finally:
            for conn in list(self._conns.values()):
                self._close(conn)
            self._selector.close()
            self._stopped.set()

    def shutdown(self) -> None:
        """Stop the loop and the workers; waits for the loop to finish."""
        self._stop.set()
        self._wake()
        self._stop_workers()
        if self._running:
            self._stopped.wait(10)

    def _stop_workers(self) -> None:
        with self._workers_lock:
            if self._workers_stopped:
                return
            self._workers_stopped = True
        for _ in self._workers:
            self._jobs.put(None)

    def server_close(self) -> None:
        self._stop_workers()
        self.socket.close()
        self._wake_r.close()
        self._wake_w.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"x")
        except OSError:
            pass  # the pipe is full (the loop will wake anyway) or closed

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _log(self, address: str, text: str) -> None:
        if self.log is not None:
            self.log(f"{address} - {text}")

    # -- accepting ------------------------------------------------------------------------

    def _accept(self) -> None:
        now = time.monotonic()
        for _ in range(64):
            try:
                sock, address = self.socket.accept()
            except BlockingIOError:
                return
            except OSError as exc:
                if exc.errno in _ACCEPT_ERRORS:
                    # Out of descriptors: rest the listener instead of spinning on accept().
                    self._selector.unregister(self.socket)
                    self._paused_until = now + _PAUSE
                    self._log("-", f"accept failed ({errno.errorcode.get(exc.errno or 0, exc.errno)}); pausing")
                return
            sock.setblocking(False)
            client = str(address[0])
            if len(self._conns) >= self.limits.max_connections + 64:
                sock.close()  # even the refusals are full: drop at once
                continue
            conn = _Connection(sock, client, now + self.limits.head_timeout)
            self._conns[sock.fileno()] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)
            if len(self._conns) > self.limits.max_connections:
                self._fail(conn, HttpError(503, "too many connections; try again"), now)
                continue
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:  # pragma: no cover - not TCP
                pass

    # -- reading ------------------------------------------------------------------------------

    def _readable(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn)
            return
        if not data:
            self._close(conn)
            return
        if conn.phase == "closing":
            return  # drained and dropped
        conn.buffer += data
        try:
            self._advance(conn, time.monotonic())
        except HttpError as error:
            self._fail(conn, error, time.monotonic())

    def _advance(self, conn: _Connection, now: float) -> None:
        """Move a connection through its phases as far as its buffer allows."""
        limits = self.limits
        if conn.phase == "idle":
            while conn.buffer[:2] == b"\r\n":  # RFC 9112 section 2.2: empty lines before a request
                del conn.buffer[:2]
            if not conn.buffer:
                return
            conn.phase, conn.deadline = "head", now + limits.head_timeout
        if conn.phase == "head":
            end = conn.buffer.find(b"\r\n\r\n", 0, limits.max_head + 4)
            if end < 0:
                if len(conn.buffer) > limits.max_head:
                    first = conn.buffer.find(b"\r\n", 0, limits.max_head)
                    if first < 0 and len(conn.buffer) > limits.max_target:
                        raise HttpError(414, "the request-target is too long")
                    raise HttpError(431, "the request head is too large")
                return
            head = parse_head(bytes(conn.buffer[:end]), limits, tolerate_folding=self.tolerate_folding)
            del conn.buffer[:end + 4]
            conn.head, conn.need = head, content_length(head, limits)
            conn.phase, conn.deadline = "body", now + limits.body_grace + conn.need / limits.body_min_rate
            if conn.need and any(v.lower() == "100-continue" for v in head.values("Expect")) and not conn.buffer:
                try:
                    conn.sock.send(b"HTTP/1.1 100 Continue\r\n\r\n")
                except OSError:
                    pass
        if conn.phase == "body" and len(conn.buffer) >= conn.need:
            body = bytes(conn.buffer[:conn.need])
            del conn.buffer[:conn.need]
            assert conn.head is not None
            conn.phase = "busy"
            self._selector.unregister(conn.sock)
            self._jobs.put((conn, conn.head, body))

    def _fail(self, conn: _Connection, error: HttpError, now: float) -> None:
        """Answer ``error`` and close (RFC 9112 section 11.2): the rest of the input is drained
        for a moment so that the client reads the answer rather than a reset."""
        self._log(conn.address, f"refused {error.status} ({error.message})")
        try:
            conn.sock.send(plain(error.status, error.message))
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.buffer.clear()
        conn.phase, conn.deadline = "closing", now + _LINGER

    def _expire(self, now: float) -> None:
        if self._paused_until and now >= self._paused_until:
            self._paused_until = 0.0
            self._selector.register(self.socket, selectors.EVENT_READ, "listen")
        for conn in list(self._conns.values()):
            if conn.phase == "busy" or now < conn.deadline:
                continue
            if conn.phase in ("head", "body"):
                self._fail(conn, HttpError(408, "the request took too long"), now)
                conn.deadline = now + 0.1  # do not wait for a slow client to read
            else:
                self._close(conn)

    def _close(self, conn: _Connection) -> None:
        self._conns.pop(conn.sock.fileno(), None)
        if conn.phase != "busy":
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        conn.phase = "closed"
        try:
            conn.sock.close()
        except OSError:  # pragma: no cover
            pass

    def _adopt_returns(self) -> None:
        """Connections the workers are done with: closed, or back to waiting (keep-alive)."""
        now = time.monotonic()
        while True:
            try:
                conn, keep = self._returns.get_nowait()
            except queue.Empty:
                return
            if not keep or self._stop.is_set():
                conn.phase = "returned"
                self._close(conn)
                continue
            conn.phase, conn.head, conn.deadline = "idle", None, now + self.limits.idle_timeout
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            try:
                self._advance(conn, now)  # a pipelined request may already be buffered
            except HttpError as error:
                self._fail(conn, error, now)

    # -- the workers --------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            conn, head, body = job
            keep = False
            try:
                keep = self._respond(conn, head, body)
            finally:
                self._returns.put((conn, keep))
                self._wake()

    def _respond(self, conn: _Connection, head: RequestHead, body: bytes) -> bool:
        keep = head.keep_alive
        undelivered: Optional[Callable[[], None]] = None
        try:
            status, headers, payload, undelivered = self.handler(head, body, conn.address)
            data = serialize(status, headers, payload, close=not keep, head_only=head.method == "HEAD")
        except Exception as exc:  # a bug, not bad input: answer 500, log the type only
            self._log(conn.address, f"internal error: {type(exc).__name__}")
            if undelivered is not None:
                undelivered()
            keep, status = False, 500
            data = plain(500, "internal server error")
        self._log(conn.address, f"{head.method} {head.target.partition('?')[0][:200]} {status}")
        try:
            conn.sock.settimeout(self.limits.send_timeout)
            conn.sock.sendall(data)
            conn.sock.setblocking(False)
        except OSError:
            if undelivered is not None:
                undelivered()
            return False
        return keep
