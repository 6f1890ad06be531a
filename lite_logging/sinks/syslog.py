"""Syslog output: ``BatchSyslogHandler`` sends RFC 5424 messages to a syslog relay.

Each record becomes one RFC 5424 message::

    <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [lite@32473 event_id=".." ...] MSG

PRI from the facility and the record's level, the record's own timestamp (RFC 3339, UTC,
microseconds), MSGID from the logger name, STRUCTURED-DATA with the event id, trace id and
span id (SD-PARAM values escaped as RFC 5424 6.3.3 says), and MSG the line of the handler's
formatter (``JsonFormatter`` unless another is set).

Over TCP (and TLS, given an ``ssl.SSLContext``) messages are framed by octet counting
(RFC 6587 3.4.1: ``LEN SP MSG``), so a message may hold any byte, newlines included, and a
batch goes out with one ``sendall``. Over UDP (RFC 5426) each message is one datagram.

TCP has no application-level acknowledgement: bytes the kernel took may still be lost when
the relay stops (unread in its socket buffer, or in its own queue). So the handler keeps
the last ``resend_bytes`` bytes it sent, and sends them again first on every new connection
after a lost one: delivery is at least once for what that window covers, and the
duplicates carry the same ``event_id``. Records not sent yet wait in a buffer bounded by
``buffer_bytes``; when it is full, the handler waits for the relay (up to ``block_timeout``),
which fills the pipeline's queue and applies its policy. See docs/shipping.md.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import select
import socket
import sys
import threading
import time
from collections import deque
from logging.handlers import SysLogHandler as _StdlibSysLogHandler
from typing import TYPE_CHECKING, Any

from .._options import check_bool, check_choice, check_int, check_number, check_text, refuse
from ..formats._encoding import format_timestamp, safe_repr
from ..formats.json import JsonFormatter
from ._each import render_each

if TYPE_CHECKING:  # ssl is looked up in sys.modules: importing it costs every start-up ~9 ms
    import ssl

__all__ = ["BatchSyslogHandler"]

_PROTOCOLS = ("tcp", "udp")
_FACILITIES: dict[str, int] = dict(_StdlibSysLogHandler.facility_names)
DEFAULT_SD_ID = "lite@32473"
"""The SD-ID of our STRUCTURED-DATA element: 32473 is the enterprise number RFC 5612
reserves for examples; give your own (``name@PEN``) through ``sd_id``."""
_SD_PARAMS = ("event_id", "trace_id", "span_id")
_MAX_UDP = 65507  # the largest UDP payload over IPv4


def _severity(levelno: int) -> int:
    """The RFC 5424 severity of a ``logging`` level (custom levels fall to the one below)."""
    if levelno >= logging.CRITICAL:
        return 2  # critical
    if levelno >= logging.ERROR:
        return 3  # error
    if levelno >= logging.WARNING:
        return 4  # warning
    if levelno > logging.INFO:
        return 5  # notice: a custom level between INFO and WARNING
    if levelno >= logging.INFO:
        return 6  # informational
    return 7  # debug


def _token(value: str, max_len: int) -> str:
    """A header field: printable US-ASCII without spaces (others become ``_``), at most
    ``max_len`` characters, ``-`` (the NILVALUE) when empty."""
    text = "".join(c if "!" <= c <= "~" else "_" for c in value[:max_len])
    return text or "-"


def _sd_escape(value: str) -> str:
    """An SD-PARAM value: ``"``, ``\\`` and ``]`` escaped with a backslash (RFC 5424 6.3.3)."""
    if '"' in value or "\\" in value or "]" in value:
        value = value.replace("\\", "\\\\").replace('"', '\\"').replace("]", "\\]")
    return value


def _check_sd_name(value: object, key: str) -> str:
    """An SD-NAME: 1 to 32 printable US-ASCII characters except ``=``, space, ``]``, ``"``."""
    if (
        not isinstance(value, str)
        or not 0 < len(value) <= 32
        or any(not "!" <= c <= "~" or c in '=]"' for c in value)
    ):
        raise ValueError(
            f'"{key}" must be 1 to 32 printable ASCII characters without =, ], ": {value!r}'
        )
    return value


def _check_address(address: object) -> tuple[str, int]:
    """``(host, port)``: a non-empty host and a port 1-65535 (a list of two for JSON/YAML)."""
    if (
        not isinstance(address, (tuple, list))
        or len(address) != 2
        or not isinstance(address[0], str)
        or not address[0]
        or isinstance(address[1], bool)
        or not isinstance(address[1], int)
        or not 0 < address[1] < 65536
    ):
        refuse("address", "(host, port) with a port 1-65535", address)
    return (address[0], address[1])


def _check_facility(facility: object) -> int:
    """The facility's number, from a name (``"local0"``) or a number 0-23."""
    if isinstance(facility, str) and facility.lower() in _FACILITIES:
        return _FACILITIES[facility.lower()]
    if isinstance(facility, int) and not isinstance(facility, bool) and 0 <= facility < 24:
        return facility
    refuse("facility", "a syslog facility name or 0-23", facility)


def _check_tls(ssl_context: object, protocol: str) -> None:
    """``ssl_context``: ``None``, or an ``ssl.SSLContext`` with protocol ``"tcp"``."""
    if ssl_context is None:
        return
    ssl_module = sys.modules.get("ssl")  # an SSLContext exists only once ssl is imported
    if ssl_module is None or not isinstance(ssl_context, ssl_module.SSLContext):
        refuse("ssl_context", "an ssl.SSLContext", ssl_context)
    if protocol != "tcp":
        raise ValueError(f'"ssl_context" needs protocol "tcp": {protocol!r}')


class BatchSyslogHandler(logging.Handler):
    """Send records as RFC 5424 syslog messages over TCP (octet counting), TLS or UDP.

    Behind a ``BatchingQueueListener`` each batch is one ``sendall`` (TCP/TLS); used alone,
    each record is sent at once. Nothing raises into the caller: a record whose formatting
    fails is sent in a degraded form and counted in ``errors``; a lost connection is
    re-opened with exponential backoff (``backoff`` doubling up to ``max_backoff``), the
    records meanwhile wait in a buffer of ``buffer_bytes``, and the last ``resend_bytes``
    bytes sent before the loss are sent again first. Failures are counted in ``stats()`` and
    reported once per streak through ``handleError``.

    Args:
        address: ``(host, port)`` of the syslog relay (a list of two works too, for
            dictConfig from JSON or YAML).
        facility: a facility name (``"user"``, ``"local0"``...) or number (0 to 23).
        protocol: ``"tcp"`` (default; RFC 6587 octet-counting framing) or ``"udp"``.
        ssl_context: an ``ssl.SSLContext``: TLS over TCP (RFC 5425; usually port 6514).
        server_hostname: the name the TLS certificate must match; default: the host.
        app_name: APP-NAME (at most 48 characters); default: the program's file name.
        hostname: HOSTNAME (at most 255 characters); default: ``socket.gethostname()``.
        sd_id: the SD-ID of the STRUCTURED-DATA element holding the ids.
        timeout: seconds a connect or a send may take before it counts as failed; also the
            longest ``flush()`` and ``close()`` wait for an unreachable relay.
        backoff: seconds before the first reconnect attempt after a failure; it doubles
            after each failed attempt, up to ``max_backoff``.
        max_backoff: the longest wait between two reconnect attempts.
        resend_bytes: how many bytes of the messages last sent are kept, and sent again on
            the next connection after a lost one (TCP only; 0 keeps none).
        buffer_bytes: the most bytes of messages not yet sent that are held while the relay
            is unreachable (TCP only); beyond it ``handle_batch`` waits.
        block_timeout: the longest ``handle_batch`` waits for room in that buffer; then the
            oldest unsent messages are dropped and counted. ``None`` waits for ever.
        utf8_bom: start MSG with a UTF-8 BOM, as RFC 5424 6.4 asks for UTF-8 text. Off by
            default: most relays keep the BOM in the message, and JSON parsers refuse it.

    Raises:
        ValueError: an option is invalid, naming it and the bad value.
    """

    lock: threading.RLock  # Handler.createLock() always sets it; never None here
    _closed: bool  # set by logging.Handler.__init__ and close()

    def __init__(
        self,
        address: tuple[str, int] | list[Any] = ("localhost", 514),
        facility: str | int = "user",
        *,
        protocol: str = "tcp",
        ssl_context: ssl.SSLContext | None = None,
        server_hostname: str | None = None,
        app_name: str | None = None,
        hostname: str | None = None,
        sd_id: str = DEFAULT_SD_ID,
        timeout: float = 5.0,
        backoff: float = 0.1,
        max_backoff: float = 5.0,
        resend_bytes: int = 1 << 20,
        buffer_bytes: int = 8 << 20,
        block_timeout: float | None = 30.0,
        utf8_bom: bool = False,
    ) -> None:
        host_port = _check_address(address)
        facility_no = _check_facility(facility)
        check_choice("protocol", protocol, _PROTOCOLS)
        _check_tls(ssl_context, protocol)
        for key, value in (
            ("server_hostname", server_hostname),
            ("app_name", app_name),
            ("hostname", hostname),
        ):
            check_text(key, value)
        _check_sd_name(sd_id, "sd_id")
        timeout = check_number("timeout", timeout)
        backoff = check_number("backoff", backoff)
        max_backoff = check_number("max_backoff", max_backoff)
        if max_backoff < backoff:
            refuse("max_backoff", f'>= "backoff" ({backoff})', max_backoff)
        resend_bytes = check_int("resend_bytes", resend_bytes, 0)
        buffer_bytes = check_int("buffer_bytes", buffer_bytes, 1)
        if block_timeout is not None:
            block_timeout = check_number("block_timeout", block_timeout, allow_minimum=True)
        check_bool("utf8_bom", utf8_bom)

        super().__init__()
        self.address = host_port
        self.facility = facility_no
        self.protocol = protocol
        self.ssl_context = ssl_context
        self.server_hostname = server_hostname
        program = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        self.app_name = _token(app_name or program or "python", 48)
        self.hostname = _token(hostname or socket.gethostname(), 255)
        self.sd_id = sd_id
        self.timeout = timeout
        self.backoff = backoff
        self.max_backoff = max_backoff
        self.resend_bytes = resend_bytes
        self.buffer_bytes = buffer_bytes
        self.block_timeout = block_timeout
        self.utf8_bom = utf8_bom
        self.formatter = JsonFormatter()
        self._tcp = protocol == "tcp"
        # (levelno, logger name) -> ("<PRI>1 ", " HOSTNAME APP-NAME ", " MSGID ")
        self._heads: dict[tuple[Any, Any], tuple[str, str, str]] = {}
        self._host_app = f" {self.hostname} {self.app_name} "
        self._sd_open = f"[{sd_id} "
        self._bom = "\ufeff" if utf8_bom else ""
        self._reset_connection_state()
        self._written = 0
        self._errors = 0
        self._dropped = 0
        self._dropped_by: dict[str, int] = {}  # the same records by reason
        self._degraded = 0
        self._batches = 0
        self._bytes = 0
        self._resent = 0
        self._reconnects = 0
        self._connect_failures = 0
        self._send_failures = 0

    def _reset_connection_state(self) -> None:
        """No connection and empty buffers (at construction and in a forked child)."""
        self._sock: socket.socket | None = None
        self._poller: Any = None
        self._pid = os.getpid()
        self._connected_once = False
        self._unsent: deque[bytes] = deque()  # messages not sent yet, oldest first
        self._unsent_size = 0
        self._resend: deque[bytes] = deque()  # sent before a lost connection: to send again
        self._sent: deque[bytes] = deque()  # the window of messages last sent
        self._sent_size = 0
        self._next_try = 0.0  # monotonic time of the next connect attempt
        self._delay = 0.0  # the current backoff
        self._failing = False  # a failure was reported and no send succeeded since

    # -- building messages ----------------------------------------------------------------

    def _header(self, record: logging.LogRecord) -> str:
        """Everything before MSG, the space after STRUCTURED-DATA included."""
        d = record.__dict__
        key = (d.get("levelno"), d.get("name"))
        parts = self._heads.get(key)
        if parts is None:
            levelno, name = record.levelno, record.name
            pri = self.facility * 8 + _severity(levelno)
            parts = (f"<{pri}>1 ", self._host_app, f" {_token(name, 32)} ")
            if len(self._heads) < 4096:  # logger names are few; a flood of them is not cached
                self._heads[key] = parts
        params = []
        for name in _SD_PARAMS:
            value = d.get(name)
            if value is not None:
                text = value if type(value) is str else safe_repr(value)
                params.append(f'{name}="{_sd_escape(text)}"')
        sd = f"{self._sd_open}{' '.join(params)}]" if params else "-"
        pid = d.get("process")
        return (
            f"{parts[0]}{format_timestamp(record.created)}{parts[1]}"
            f"{pid if pid is not None else '-'}{parts[2]}{sd} {self._bom}"
        )

    def _message(self, record: logging.LogRecord) -> bytes:
        """One RFC 5424 message; framed (``LEN SP``) for TCP."""
        line = (self.formatter or logging._defaultFormatter).format(record)  # type: ignore[attr-defined]
        return self._encode(self._header(record), line)

    def _encode(self, header: str, line: str) -> bytes:
        """Header (ASCII, but SD-PARAM values may hold UTF-8) and MSG as UTF-8; framed for TCP."""
        data = (header + line).encode("utf-8", "backslashreplace")
        if self._tcp:
            return b"%d %b" % (len(data), data)
        return data

    def _degraded_message(self, record: logging.LogRecord, exc: BaseException) -> bytes:
        """A message saying that formatting failed, with what can still be read."""
        fields: dict[str, Any] = {}
        with contextlib.suppress(Exception):
            fields["timestamp"] = format_timestamp(float(record.created))
        for key, attr in (("level", "levelname"), ("logger", "name")):
            value = getattr(record, attr, None)
            fields[key] = value if type(value) is str else safe_repr(value)
        fields["message"] = "formatting failed"
        fields["raw_message"] = safe_repr(getattr(record, "msg", None))
        try:
            fields["format_error"] = f"{type(exc).__name__}: {exc}"
        except Exception:  # noqa: BLE001 - an exception whose str() raises
            fields["format_error"] = type(exc).__name__
        event_id = getattr(record, "event_id", None)
        if type(event_id) is str:
            fields["event_id"] = event_id
        try:
            header = self._header(record)
        except Exception:  # noqa: BLE001 - a record too broken for the header
            pri = self.facility * 8 + 3
            header = f"<{pri}>1 - {self.hostname} {self.app_name} - - - {self._bom}"
        return self._encode(header, json.dumps(fields, ensure_ascii=True))

    def _messages(self, records: list[logging.LogRecord]) -> list[bytes]:
        """A message per record; one whose formatting raises is sent degraded, counted in
        ``errors`` and reported once per batch: it never costs the rest of the batch."""
        out, failed = render_each(records, self._message, self._degraded_message, self._report)
        if failed:
            self._errors += failed
            self._degraded += failed
        return out

    # -- the batch protocol and emit ------------------------------------------------------

    def handle_batch(self, records: list[logging.LogRecord]) -> int:
        """Send ``records``: one ``sendall`` for the batch over TCP, a datagram each over UDP.

        Never raises (the batch protocol's all-or-nothing holds trivially: every record is
        accepted into the buffer or counted). Waits only while the unsent buffer is full.

        Returns:
            How many records were accepted (sent, or buffered for sending).
        """
        if not records:
            return 0
        messages = self._messages(records)
        with self.lock:
            if self._pid != os.getpid():
                self._after_fork()
            try:
                if self._tcp:
                    self._queue_and_send(messages, records[0])
                else:
                    self._send_datagrams(messages, records[0])
                if self._closed:  # a late record after close(): send it, keep nothing open
                    self._after_close()
            except Exception:  # noqa: BLE001 - never raise into the listener or the caller
                self._close_socket()
                self._errors += len(messages)
                self._report(records[0])
        return len(records)

    def emit(self, record: logging.LogRecord) -> None:
        """Send one record now (the handler used without a listener)."""
        self.handle_batch([record])

    def flush(self) -> None:
        """Send what waits, trying for at most ``timeout`` seconds when the relay is down."""
        with self.lock:
            if self._pid != os.getpid():
                self._after_fork()
            if self._tcp and (self._unsent or self._resend):
                self._send_until(time.monotonic() + self.timeout)

    def close(self) -> None:
        """Send what waits (at most ``timeout`` seconds), count the rest as lost, close."""
        with self.lock:
            if self._pid != os.getpid():
                self._after_fork()
            try:
                self._after_close()
            finally:
                super().close()

    def _after_close(self) -> None:
        """Send what waits (at most ``timeout`` seconds), count the rest as lost, and close
        the socket (lock held)."""
        if self._tcp and (self._unsent or self._resend):
            self._send_until(time.monotonic() + self.timeout)
            if self._unsent:
                self._errors += len(self._unsent)
                self._drop("unsent_at_close", len(self._unsent))
                self._unsent.clear()
                self._unsent_size = 0
                try:
                    raise ConnectionError(
                        f"syslog relay {self.address} unreachable at close: unsent messages lost"
                    )
                except ConnectionError:
                    self._fail(None)  # not again within a reported streak
        self._resend.clear()
        self._sent.clear()
        self._sent_size = 0
        self._close_socket()

    # -- TCP --------------------------------------------------------------------------

    def _queue_and_send(self, messages: list[bytes], record: logging.LogRecord) -> None:
        self._unsent.extend(messages)
        self._unsent_size += sum(map(len, messages))
        if self._try_send(record) or self._unsent_size <= self.buffer_bytes:
            return
        # The buffer is full: wait for the relay, then drop the oldest.
        limit = self.block_timeout
        deadline = math.inf if limit is None else time.monotonic() + limit
        if self._send_until(deadline, record):
            return
        unsent = self._unsent
        while self._unsent_size > self.buffer_bytes and unsent:
            self._unsent_size -= len(unsent.popleft())
            self._errors += 1
            self._drop("buffer_full")

    def _send_until(self, deadline: float, record: logging.LogRecord | None = None) -> bool:
        """Try to send what waits until it is sent (True) or ``deadline`` passes."""
        while True:
            if self._try_send(record):
                return True
            now = time.monotonic()
            if now >= deadline:
                return False
            time.sleep(max(0.001, min(self._next_try, deadline) - now))

    def _try_send(self, record: logging.LogRecord | None) -> bool:
        """One attempt: connect when due, resend the window, send what waits."""
        if not self._unsent and not self._resend:
            return True
        sock = self._sock
        if sock is not None and not self._alive(sock):
            self._lost()
            sock = None
        if sock is None:
            if time.monotonic() < self._next_try:
                return False
            sock = self._connect(record)
            if sock is None:
                return False
        resend, unsent = self._resend, self._unsent
        parts = [*resend, *unsent] if resend else unsent
        data = b"".join(parts) if len(parts) > 1 else parts[0]
        try:
            sock.sendall(data)
        except OSError:
            self._send_failures += 1
            self._lost()
            self._fail(record)
            return False
        self._failing = False
        self._delay = 0.0
        self._batches += 1
        self._bytes += len(data)
        self._written += len(unsent)
        self._resent += len(resend)
        sent = self._sent
        sent.extend(resend)
        sent.extend(unsent)
        self._sent_size += sum(map(len, resend)) + self._unsent_size
        resend.clear()
        unsent.clear()
        self._unsent_size = 0
        keep = self.resend_bytes
        while self._sent_size > keep and sent:
            self._sent_size -= len(sent.popleft())
        return True

    def _alive(self, sock: socket.socket) -> bool:
        """Whether the relay kept the connection open: a syslog relay never writes, so a
        readable socket means it closed (EOF) or reset the connection."""
        try:
            if not self._poller.poll(0):
                return True
            ssl_module = sys.modules.get("ssl")  # imported: a TLS socket can exist
            if ssl_module is not None and isinstance(sock, ssl_module.SSLSocket):
                sock.settimeout(0.0)
                try:
                    return bool(sock.recv(1) != b"")
                except ssl_module.SSLWantReadError:
                    return True  # a TLS record without data (a session ticket)
                finally:
                    sock.settimeout(self.timeout)
            return sock.recv(1, socket.MSG_PEEK) != b""
        except OSError:
            return False

    def _connect(self, record: logging.LogRecord | None) -> socket.socket | None:
        host, port = self.address
        sock: socket.socket | None = None
        try:
            sock = socket.create_connection((host, port), timeout=self.timeout)
            if self.ssl_context is not None:
                sock = self.ssl_context.wrap_socket(
                    sock, server_hostname=self.server_hostname or host
                )
        except OSError:
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.close()
            self._connect_failures += 1
            self._backoff()
            self._fail(record)
            return None
        poller = select.poll()
        poller.register(sock, select.POLLIN)
        self._sock, self._poller = sock, poller
        if self._connected_once:
            self._reconnects += 1
        self._connected_once = True
        # What was sent on the lost connection goes out again first.
        self._resend.extend(self._sent)
        self._sent.clear()
        self._sent_size = 0
        return sock

    def _lost(self) -> None:
        """The connection failed: close it and back off."""
        self._close_socket()
        self._backoff()

    def _backoff(self) -> None:
        """The next connect attempt: at once after a first failure, then after ``backoff``
        seconds, doubling up to ``max_backoff``; a successful send starts over. A relay that
        accepts and drops every connection is retried no faster than one that refuses."""
        self._next_try = time.monotonic() + self._delay
        self._delay = min(self.max_backoff, self._delay * 2 or self.backoff)

    def _close_socket(self) -> None:
        sock, self._sock, self._poller = self._sock, None, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _after_fork(self) -> None:
        """In a forked child: the parent's connection and buffers are the parent's."""
        sock = self._sock
        self._reset_connection_state()
        if sock is not None:  # our copy of the descriptor only: close(), no shutdown()
            with contextlib.suppress(OSError):
                sock.close()

    # -- UDP --------------------------------------------------------------------------

    def _send_datagrams(self, messages: list[bytes], record: logging.LogRecord) -> None:
        sock = self._sock
        if sock is None:
            host, port = self.address
            family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_DGRAM)[0]
            sock = socket.socket(family, kind, proto)
            sock.connect(addr)
            self._sock = sock
        sent = 0
        for message in messages:
            try:
                try:
                    sock.send(message)
                except ConnectionRefusedError:  # an earlier datagram was refused (ICMP)
                    sock.send(message)
                sent += 1
                self._bytes += len(message)
            except OSError:  # EMSGSIZE: longer than a datagram may be
                self._send_failures += 1
                self._errors += 1
                self._drop("send_failed")
                self._fail(record)
        if sent:
            self._failing = False
            self._written += sent
            self._batches += 1

    # -- reporting and counters ---------------------------------------------------------

    def _fail(self, record: logging.LogRecord | None) -> None:
        """Report the current exception through ``handleError``, once per failure streak."""
        if self._failing:
            return
        self._failing = True
        self._report(record)

    def _report(self, record: logging.LogRecord | None) -> None:
        if record is None:
            record = logging.LogRecord(
                "lite_logging", logging.ERROR, __file__, 0, "syslog send failed", None, None
            )
        with contextlib.suppress(Exception):
            self.handleError(record)

    def _drop(self, reason: str, count: int = 1) -> None:
        """Count ``count`` messages lost for good, and why (lock held)."""
        self._dropped += count
        self._dropped_by[reason] = self._dropped_by.get(reason, 0) + count

    def stats(self) -> dict[str, Any]:
        """Counters: ``written`` (messages handed to the kernel, first sends only),
        ``errors`` (records degraded or lost), ``dropped`` (lost) and ``dropped_by`` (the
        same by reason: ``buffer_full`` past ``block_timeout``, ``unsent_at_close``,
        ``send_failed`` over UDP), ``degraded``, ``batches``
        (sends), ``bytes``, ``resent`` (messages sent again after a reconnect),
        ``reconnects``, ``connect_failures``, ``send_failures`` and ``buffered_bytes``."""
        return {
            "written": self._written,
            "errors": self._errors,
            "dropped": self._dropped,
            "dropped_by": dict(self._dropped_by),
            "degraded": self._degraded,
            "batches": self._batches,
            "bytes": self._bytes,
            "resent": self._resent,
            "reconnects": self._reconnects,
            "connect_failures": self._connect_failures,
            "send_failures": self._send_failures,
            "buffered_bytes": self._unsent_size,
        }

    def __repr__(self) -> str:
        host, port = self.address
        level = logging.getLevelName(self.level)
        tls = "+tls" if self.ssl_context is not None else ""
        return f"<{type(self).__name__} {self.protocol}{tls}://{host}:{port} ({level})>"
