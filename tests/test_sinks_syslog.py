"""BatchSyslogHandler: options, the RFC 5424 message, and a real rsyslogd receiving it.

The rsyslog tests start ``rsyslogd -n`` as an ordinary process (see syslog_support.py) and
skip, naming the reason, when it is not installed (Debian package ``rsyslog``, listed in
tests/apt-packages.txt).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.config
import logging.handlers
import os
import re
import socket
import ssl
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from syslog_support import RSYSLOGD, Rsyslog, parse

import lite_logging as ll

LOGGER = "shop.api"

needs_rsyslog = pytest.mark.skipif(
    RSYSLOGD is None, reason="rsyslogd is not installed (Debian package rsyslog)"
)


class Collector:
    """A TCP server on 127.0.0.1 that keeps every byte it receives (optionally over TLS)."""

    def __init__(self, context: ssl.SSLContext | None = None) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.server.getsockname()[1]
        self.context = context
        self.data = bytearray()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while True:  # one connection after the other
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            with conn:
                stream: socket.socket = conn
                try:
                    if self.context is not None:
                        stream = self.context.wrap_socket(conn, server_side=True)
                    while chunk := stream.recv(65536):
                        self.data += chunk
                except OSError:  # the client reset the connection (TLS too): next one
                    pass
                stream.close()

    def frames(self, timeout: float = 5.0, count: int = 1) -> list[bytes]:
        """The octet-counted frames received, once ``count`` of them are whole."""
        deadline = time.monotonic() + timeout
        while True:
            frames, data = [], bytes(self.data)
            while data:
                length, _, rest = data.partition(b" ")
                size = int(length)
                if len(rest) < size:
                    break
                frames.append(rest[:size])
                data = rest[size:]
            if len(frames) >= count or time.monotonic() > deadline:
                return frames
            time.sleep(0.01)

    def close(self) -> None:
        self.server.close()


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    yield c
    c.close()


def record(name: str = LOGGER, level: int = logging.INFO, **attrs: Any) -> logging.LogRecord:
    rec = logging.LogRecord(name, level, "app.py", 7, "hello %s", ("world",), None)
    rec.__dict__.update(attrs)
    return rec


class TestOptions:
    @pytest.mark.parametrize(
        ("key", "value"),
        [
            ("address", ("host",)),
            ("address", ("127.0.0.1", 0)),
            ("address", ("127.0.0.1", "514")),
            ("facility", "nope"),
            ("facility", 24),
            ("protocol", "sctp"),
            ("ssl_context", "yes"),
            ("app_name", ""),
            ("hostname", 3),
            ("sd_id", "has space"),
            ("sd_id", "x" * 33),
            ("timeout", 0),
            ("timeout", float("nan")),
            ("backoff", -1),
            ("max_backoff", 0.01),
            ("resend_bytes", -1),
            ("buffer_bytes", 0),
            ("block_timeout", -1),
            ("utf8_bom", "no"),
        ],
    )
    def test_bad_option_names_key_and_value(self, key: str, value: Any) -> None:
        """A bad option raises ValueError naming the key and the bad value, at construction."""
        with pytest.raises(ValueError, match=f'"{key}"') as info:
            ll.BatchSyslogHandler(**{key: value})
        assert repr(value) in str(info.value)

    def test_ssl_context_needs_tcp(self) -> None:
        """TLS over UDP is refused."""
        with pytest.raises(ValueError, match='"ssl_context" needs protocol "tcp"'):
            ll.BatchSyslogHandler(protocol="udp", ssl_context=ssl.create_default_context())

    def test_dictconfig_factory(self, restore_logging: None) -> None:
        """dictConfig builds it with "()", an address given as a list (JSON/YAML)."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {
                    "syslog": {
                        "()": "lite_logging.BatchSyslogHandler",
                        "address": ["127.0.0.1", 6514],
                        "facility": "local3",
                        "app_name": "shop",
                        "resend_bytes": 4096,
                    },
                    "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["syslog"]},
                },
                "loggers": {
                    "cfg": {"handlers": ["queue"], "level": "INFO"},
                    "cfg.direct": {"handlers": ["syslog"], "propagate": False},
                },
            }
        )
        syslog = logging.getLogger("cfg.direct").handlers[0]
        assert isinstance(syslog, ll.BatchSyslogHandler)
        assert (("127.0.0.1", 6514), 19, "shop", 4096) == (
            syslog.address,
            syslog.facility,
            syslog.app_name,
            syslog.resend_bytes,
        )

    def test_dictconfig_bad_value(self, restore_logging: None) -> None:
        """A bad value fails dictConfig, naming key and value."""
        with pytest.raises(ValueError, match="Unable to configure handler 's'") as info:
            logging.config.dictConfig(
                {
                    "version": 1,
                    "handlers": {"s": {"()": "lite_logging.BatchSyslogHandler", "protocol": "tls"}},
                }
            )
        assert """"protocol" must be one of ('tcp', 'udp'): 'tls'""" == str(info.value.__cause__)


class TestMessage:
    def test_header_fields_and_json_msg(self, collector: Collector) -> None:
        """PRI from facility and level, timestamp, hostname, app-name, procid, MSGID, SD, MSG."""
        handler = ll.BatchSyslogHandler(
            ("127.0.0.1", collector.port), "local0", app_name="shop", hostname="web-1"
        )
        rec = record(level=logging.WARNING, event_id="e-1", trace_id="t" * 32, span_id="s" * 16)
        handler.handle(rec)
        handler.close()
        [frame] = collector.frames()
        msg = parse(frame.decode())
        assert msg is not None
        assert (16 * 8 + 4, "web-1", "shop", str(os.getpid()), "shop.api") == (
            msg.pri,
            msg.hostname,
            msg.app_name,
            msg.procid,
            msg.msgid,
        )
        assert {"event_id": "e-1", "trace_id": "t" * 32, "span_id": "s" * 16} == msg.sd
        assert msg.timestamp == msg.msg["timestamp"]
        assert "hello world" == msg.msg["message"]

    @pytest.mark.parametrize(
        ("level", "severity"),
        [(5, 7), (10, 7), (20, 6), (25, 5), (30, 4), (40, 3), (50, 2), (60, 2)],
    )
    def test_severity_from_level(self, level: int, severity: int) -> None:
        """Levels map to RFC 5424 severities; custom levels fall to the one below."""
        handler = ll.BatchSyslogHandler(facility="user")
        header = handler._header(record(level=level))
        handler.close()
        assert f"<{8 + severity}>1" == header.split(" ")[0]

    def test_sd_param_escaping(self) -> None:
        """'"', '\\' and ']' in an SD-PARAM value are escaped with a backslash."""
        handler = ll.BatchSyslogHandler()
        header = handler._header(record(event_id='a"b\\c]d'))
        handler.close()
        assert '[lite@32473 event_id="a\\"b\\\\c\\]d"] ' == header.split(" ", 6)[6]

    def test_msgid_and_nilvalues(self) -> None:
        """MSGID is printable ASCII (others become _), at most 32 characters; no ids: SD is -."""
        handler = ll.BatchSyslogHandler(app_name="my app")
        header = handler._header(record(name="shop api." + "x" * 40))
        handler.close()
        fields = header.split(" ")
        assert ("my_app", "shop_api." + "x" * 23, "-") == (fields[3], fields[5], fields[6])

    def test_formatter_failure_sends_degraded_message(self, collector: Collector) -> None:
        """A formatter that raises costs only its record: sent degraded, counted, reported once."""

        class Broken(logging.Formatter):
            def format(self, record: logging.LogRecord) -> str:
                raise RuntimeError("boom")

        handler = ll.BatchSyslogHandler(("127.0.0.1", collector.port))
        handler.setFormatter(Broken())
        reported: list[logging.LogRecord] = []
        handler.handleError = reported.append  # type: ignore[method-assign]
        handler.handle_batch([record(event_id="e1"), record(event_id="e2")])
        handler.close()
        frames = collector.frames(count=2)
        msgs = [parse(f.decode()) for f in frames]
        assert ["e1", "e2"] == [m.msg["event_id"] for m in msgs if m]
        assert "RuntimeError: boom" == msgs[0].msg["format_error"]  # type: ignore[union-attr]
        assert (2, 2, 1) == (handler.stats()["errors"], handler.stats()["degraded"], len(reported))

    def test_late_record_after_close(self, collector: Collector) -> None:
        """A record after close() (logging.shutdown ran) is still sent; no socket stays open."""
        handler = ll.BatchSyslogHandler(("127.0.0.1", collector.port))
        handler.handle(record(event_id="before"))
        handler.close()
        handler.handle(record(event_id="late"))
        frames = collector.frames(count=2)
        assert ["before", "late"] == [parse(f.decode()).sd["event_id"] for f in frames]  # type: ignore[union-attr]
        assert handler._sock is None

    def test_utf8_bom_and_newlines(self, collector: Collector) -> None:
        """Octet counting carries any byte; utf8_bom puts the BOM before MSG."""
        handler = ll.BatchSyslogHandler(("127.0.0.1", collector.port), utf8_bom=True)
        handler.setFormatter(logging.Formatter("line1\n%(message)s é"))
        handler.handle(record())
        handler.close()
        [frame] = collector.frames()
        assert frame.endswith(b"- \xef\xbb\xbfline1\nhello world \xc3\xa9")

    def test_tls(self, tmp_path: Path) -> None:
        """With an SSLContext the frames travel over TLS."""
        cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
        try:
            subprocess.run(
                ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                 "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                 "-keyout", str(key), "-out", str(cert)],
                check=True, capture_output=True,
            )  # fmt: skip
        except (OSError, subprocess.CalledProcessError):
            pytest.skip("openssl cannot make a test certificate")
        server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        server_ctx.load_cert_chain(cert, key)
        collector = Collector(server_ctx)
        client_ctx = ssl.create_default_context(cafile=str(cert))
        handler = ll.BatchSyslogHandler(
            ("127.0.0.1", collector.port), ssl_context=client_ctx, server_hostname="localhost"
        )
        handler.handle_batch([record(event_id=f"e{i}") for i in range(100)])
        handler.close()
        frames = collector.frames(count=100)
        collector.close()
        assert [f"e{i}" for i in range(100)] == [parse(f.decode()).sd["event_id"] for f in frames]  # type: ignore[union-attr]


class TestFailures:
    def test_relay_down_counts_and_reports_once(self) -> None:
        """A relay that never answers: nothing raises; lost records counted, one report."""
        port = socket.create_server(("127.0.0.1", 0))
        address = port.getsockname()
        port.close()  # nothing listens there now
        handler = ll.BatchSyslogHandler(address, timeout=0.2, backoff=0.05, max_backoff=0.1)
        reported: list[logging.LogRecord] = []
        handler.handleError = reported.append  # type: ignore[method-assign]
        for _ in range(3):
            handler.handle_batch([record(), record()])
        handler.close()
        stats = handler.stats()
        assert (0, 6, 6) == (stats["written"], stats["errors"], stats["dropped"])
        assert {"unsent_at_close": 6} == stats["dropped_by"]
        assert stats["connect_failures"] >= 1
        assert 1 == len(reported)

    def test_buffer_full_waits_then_drops_oldest(self) -> None:
        """Past buffer_bytes the batch waits block_timeout, then the oldest are dropped."""
        server = socket.create_server(("127.0.0.1", 0))
        address = server.getsockname()
        server.close()
        handler = ll.BatchSyslogHandler(
            address, timeout=0.1, backoff=0.01, max_backoff=0.02, buffer_bytes=1000,
            block_timeout=0.1,
        )  # fmt: skip
        handler.handleError = lambda record: None  # type: ignore[method-assign]
        started = time.monotonic()
        handler.handle_batch([record() for _ in range(10)])
        waited = time.monotonic() - started
        stats = handler.stats()
        assert waited >= 0.1
        assert stats["buffered_bytes"] <= 1000
        assert stats["dropped"] >= 5
        assert {"buffer_full": stats["dropped"]} == stats["dropped_by"]
        handler.close()
        assert stats["dropped"] == handler.stats()["dropped_by"]["buffer_full"]


def _ids(lines: list[str]) -> list[int]:
    """The ``seq`` of each received line that parses, checking each RFC 5424 message whole;
    a stdlib line (``<PRI>`` and the JSON) counts when its JSON parses."""
    seqs = []
    for line in lines:
        msg = parse(line)
        if msg is not None:
            assert msg.sd["event_id"] == msg.msg["event_id"]
            assert msg.msgid == msg.msg["logger"]
            seqs.append(msg.msg["seq"])
            continue
        match = re.fullmatch(r"<\d+>(\{.*\})", line)
        if match is not None:
            with contextlib.suppress(ValueError, KeyError):  # a garbled stdlib line
                seqs.append(json.loads(match[1])["seq"])
    return seqs


@pytest.fixture
def rsyslog(tmp_path: Path) -> Iterator[Rsyslog]:
    server = Rsyslog(tmp_path)
    yield server
    server.stop()


CHILD = textwrap.dedent(
    """
    import logging, sys
    import lite_logging as ll
    port, count = int(sys.argv[1]), int(sys.argv[2])
    handler = ll.BatchSyslogHandler(("127.0.0.1", port), app_name="child")
    log = logging.getLogger("shop.child")
    log.addHandler(ll.AsyncQueueHandler(handlers=[handler], maxsize=50_000))
    log.setLevel(logging.INFO)
    log.propagate = False
    for i in range(count):
        log.info("record %d", i, extra={"seq": i})
    """
)


@needs_rsyslog
@pytest.mark.once
class TestAgainstRsyslog:
    @pytest.mark.slow
    @pytest.mark.heavy
    def test_two_processes_whole_and_in_order(self, rsyslog: Rsyslog) -> None:
        """100,000 records from two processes arrive whole and in order per process."""
        per_process = 50_000
        started = time.monotonic()
        children = [
            subprocess.Popen([sys.executable, "-c", CHILD, str(rsyslog.tcp_port), str(per_process)])
            for _ in range(2)
        ]
        for child in children:
            assert 0 == child.wait(120)
        lines = rsyslog.wait_for(2 * per_process)
        by_process: dict[str, list[int]] = {}
        for line in lines:
            msg = parse(line)
            assert msg is not None, line[:200]
            assert (14, "child", "shop.child") == (msg.pri, msg.app_name, msg.msgid)
            assert msg.sd["event_id"] == msg.msg["event_id"]
            by_process.setdefault(msg.procid, []).append(msg.msg["seq"])
        assert {str(c.pid) for c in children} == set(by_process)
        for seqs in by_process.values():
            assert list(range(per_process)) == seqs
        print(f"2 x {per_process} records in {time.monotonic() - started:.1f} s")

    def test_udp(self, rsyslog: Rsyslog, logger: logging.Logger) -> None:
        """Over UDP each message is one datagram, unframed, parsed whole by rsyslog."""
        handler = ll.BatchSyslogHandler(("127.0.0.1", rsyslog.udp_port), protocol="udp")
        logger.addHandler(ll.AsyncQueueHandler(handlers=[handler]))
        for i in range(500):
            logger.info("record %d", i, extra={"seq": i})
            if i % 50 == 49:
                ll.flush()  # a receive buffer's worth at a time: UDP drops what overflows
        ll.flush()
        lines = rsyslog.wait_for(500)
        handler.close()
        assert list(range(500)) == sorted(_ids(lines))
        assert 500 == handler.stats()["written"]

    @pytest.mark.slow
    @pytest.mark.heavy
    def test_restart_loses_nothing_stdlib_does(
        self, rsyslog: Rsyslog, logger: logging.Logger
    ) -> None:
        """rsyslog restarted mid-stream: ours loses nothing (duplicates from the resend
        window, first arrivals in order); the stdlib SysLogHandler loses or garbles."""
        count = 20_000
        figures: dict[str, tuple[int, int, int, int]] = {}

        def run(name: str, handler: logging.Handler) -> list[int]:
            queue = ll.AsyncQueueHandler(handlers=[handler])
            logger.addHandler(queue)
            before = len(rsyslog.lines())
            started = time.monotonic()
            for i in range(count):
                logger.info("record %d", i, extra={"seq": i})
                if i == count // 2:
                    rsyslog.restart()
            ll.flush()
            print(f"{name}: logged and flushed in {time.monotonic() - started:.1f} s")
            lines = rsyslog.wait_for(before + count)[before:]
            logger.removeHandler(queue)
            queue.close()
            handler.close()
            seqs = _ids(lines)
            unique = len(set(seqs))
            figures[name] = (count, len(lines), unique, count - unique)
            return seqs

        ours = ll.BatchSyslogHandler(("127.0.0.1", rsyslog.tcp_port), backoff=0.01)
        seqs = run("BatchSyslogHandler", ours)
        first = list(dict.fromkeys(seqs))
        assert list(range(count)) == first  # nothing lost, in order
        assert len(seqs) - count <= ours.stats()["resent"]  # every duplicate is a resend

        class Stdlib(logging.handlers.SysLogHandler):
            errors = 0

            def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - stdlib name
                Stdlib.errors += 1

        for name, nul in (("stdlib SysLogHandler", True), ("stdlib, LF-terminated", False)):
            stdlib = Stdlib(("127.0.0.1", rsyslog.tcp_port), socktype=socket.SOCK_STREAM)
            stdlib.append_nul = nul
            stdlib.setFormatter(ll.JsonFormatter() if nul else _LfJson())
            stdlib_seqs = run(name, stdlib)
            assert len(set(stdlib_seqs)) < count

        for name, (sent, lines, unique, lost) in figures.items():
            print(f"{name}: sent {sent}, lines {lines}, unique {unique}, lost {lost}")


class _LfJson(ll.JsonFormatter):
    """JSON ending in LF: the stdlib handler's best chance with rsyslog's LF framing."""

    def format(self, record: logging.LogRecord) -> str:
        return super().format(record) + "\n"
