"""OtlpHandler: records through the pipeline arrive at a real OTLP/HTTP receiver, field by field."""

from __future__ import annotations

import logging
import logging.config
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip(
    "opentelemetry.exporter.otlp.proto.http._log_exporter",
    reason="opentelemetry-exporter-otlp-proto-http is not installed (extra otel-export)",
)
pytest.importorskip("opentelemetry.proto", reason="opentelemetry-proto is not installed")

from otlp_receiver import GrpcOtlpReceiver, OtlpReceiver, attributes

import lite_logging as ll
from lite_logging.sinks.otlp import OtlpHandler, severity_number

LOGGER = "tests.otlp"


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    """A running OTLP/HTTP receiver on 127.0.0.1."""
    with OtlpReceiver() as r:
        yield r


def _grpc_installed() -> bool:
    try:
        import grpc  # noqa: F401
        from opentelemetry.exporter.otlp.proto.grpc import _log_exporter  # noqa: F401
    except ImportError:
        return False
    return True


_NO_GRPC = pytest.mark.skipif(
    not _grpc_installed(),
    reason="opentelemetry-exporter-otlp-proto-grpc is not installed (extra otel-grpc)",
)
PROTOCOLS = [
    pytest.param("http/protobuf", id="http"),
    pytest.param("grpc", id="grpc", marks=_NO_GRPC),
]
AnyReceiver = OtlpReceiver | GrpcOtlpReceiver


def _receiver_for(protocol: str) -> AnyReceiver:
    return GrpcOtlpReceiver() if protocol == "grpc" else OtlpReceiver()


@pytest.fixture(params=PROTOCOLS)
def any_receiver(request: pytest.FixtureRequest) -> Iterator[AnyReceiver]:
    """A running OTLP receiver on 127.0.0.1, over HTTP and over gRPC."""
    with _receiver_for(request.param) as r:
        yield r


def _protocol_of(receiver: AnyReceiver) -> str:
    return "grpc" if isinstance(receiver, GrpcOtlpReceiver) else "http/protobuf"


def _pipeline(logger: logging.Logger, handler: OtlpHandler, **options: Any) -> ll.AsyncQueueHandler:
    queue_handler = ll.AsyncQueueHandler(handlers=[handler], **options)
    logger.addHandler(queue_handler)
    return queue_handler


def _by_uid(receiver: OtlpReceiver) -> dict[str, tuple[Any, Any, Any]]:
    return {
        attributes(r.attributes)["log.record.uid"]: (res, sc, r)
        for res, sc, r in receiver.log_records()
    }


def _one_record_in_otel_span(
    logger: logging.Logger, receiver: OtlpReceiver, sampler: str
) -> tuple[Any, Any]:
    """Log one record inside an OpenTelemetry span whose tracer uses ``sampler`` (a name in
    ``opentelemetry.sdk.trace.sampling``): (the span's context, the LogRecord received)."""
    from opentelemetry.sdk.trace import TracerProvider, sampling

    tracer = TracerProvider(sampler=getattr(sampling, sampler)).get_tracer("test")
    _pipeline(logger, OtlpHandler(endpoint=receiver.endpoint))
    with tracer.start_as_current_span("op") as otel_span:
        logger.info("in otel span")
    assert ll.flush(timeout=10)
    [(_, _, otel)] = receiver.log_records()
    return otel_span.get_span_context(), otel


class _Keep(logging.Filter):
    """Keeps the records it sees (after stamping), to compare with what arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        self.records.append(record)
        return True


@pytest.mark.once
class TestMapping:
    def test_fields_arrive_as_logged(
        self, logger: logging.Logger, any_receiver: AnyReceiver
    ) -> None:
        """Every field of every record logged arrives in the LogRecord it maps to (HTTP, gRPC)."""
        receiver = any_receiver
        handler = OtlpHandler(
            endpoint=receiver.endpoint, service_name="shop", protocol=_protocol_of(receiver)
        )
        keep = _Keep()
        handler.addFilter(keep)
        _pipeline(logger, handler)
        with ll.context(request_id="r-1"), ll.span("charge") as span:
            logger.info("user %s logged in", 42, extra={"user_id": 42, "tags": ["a", "b"]})
            logger.warning("nested", extra={"payload": {"x": 1}})
            try:
                raise ValueError("bad card")
            except ValueError:
                logger.exception("charge failed")
        logger.debug("outside")
        assert ll.flush(timeout=10)

        arrived = _by_uid(receiver)
        assert 4 == len(keep.records) == len(arrived)
        for record in keep.records:
            resource, scope, otel = arrived[record.event_id]  # type: ignore[attr-defined]
            attrs = attributes(otel.attributes)
            assert "shop" == attributes(resource.attributes)["service.name"]
            assert LOGGER == scope.name
            assert int(record.created * 1e9) == otel.time_unix_nano
            assert otel.observed_time_unix_nano >= otel.time_unix_nano
            assert record.levelname == otel.severity_text
            assert severity_number(record.levelno) == otel.severity_number
            assert record.getMessage() == otel.body.string_value
            assert record.pathname == attrs["code.file.path"]
            assert record.lineno == attrs["code.line.number"]
            assert record.funcName == attrs["code.function.name"]
            assert record.thread == attrs["thread.id"]
            assert record.threadName == attrs["thread.name"]
            if record.getMessage() == "outside":
                assert not any(otel.trace_id)  # absent (SDK < 1.35 writes 16 zero bytes)
                assert "context.request_id" not in attrs
                continue
            assert span.trace_id == otel.trace_id.hex()
            assert span.span_id == otel.span_id.hex()
            assert 1 == otel.flags
            assert "r-1" == attrs["context.request_id"]

        info, warning, error = (
            attributes(arrived[r.event_id][2].attributes)  # type: ignore[attr-defined]
            for r in keep.records[:3]
        )
        assert (42, ["a", "b"]) == (info["user_id"], info["tags"])
        assert '{"x":1}' == warning["payload"]
        assert "ValueError" == error["exception.type"]
        assert "bad card" == error["exception.message"]
        assert error["exception.stacktrace"].startswith("Traceback (most recent call last):")
        assert error["exception.stacktrace"].endswith("ValueError: bad card")

    def test_active_otel_span(self, logger: logging.Logger, receiver: OtlpReceiver) -> None:
        """Inside an OpenTelemetry span (and no lite_logging span) the OTel ids arrive."""
        context, otel = _one_record_in_otel_span(logger, receiver, "ALWAYS_ON")
        assert (f"{context.trace_id:032x}", f"{context.span_id:016x}") == (
            otel.trace_id.hex(),
            otel.span_id.hex(),
        )

    def test_trace_flags_from_our_span(
        self, logger: logging.Logger, receiver: OtlpReceiver
    ) -> None:
        """A trace joined unsampled (flags 00) exports flags 0 on its records, the span
        record and a child span's; a trace started here exports 1."""
        _pipeline(logger, OtlpHandler(endpoint=receiver.endpoint))
        unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        with ll.span("joined", traceparent=unsampled, logger=logger):
            logger.info("in unsampled")
            with ll.span("child", logger=logger):
                logger.info("in unsampled child")
        with ll.span("ours", logger=logger):
            logger.info("in sampled")
        assert ll.flush(timeout=10)
        flags = {r.body.string_value: r.flags for _, _, r in receiver.log_records()}
        assert {
            "in unsampled": 0,
            "in unsampled child": 0,
            "span child ok": 0,
            "span joined ok": 0,
            "in sampled": 1,
            "span ours ok": 1,
        } == flags

    @pytest.mark.parametrize(("sampler", "expected"), [("ALWAYS_OFF", 0), ("ALWAYS_ON", 1)])
    def test_trace_flags_from_otel_span(
        self, logger: logging.Logger, receiver: OtlpReceiver, sampler: str, expected: int
    ) -> None:
        """Inside an OpenTelemetry span the flags are its span's: the sampler's decision
        (and the SDK's W3C "random" bit, 0x02, on newer SDKs)."""
        context, otel = _one_record_in_otel_span(logger, receiver, sampler)
        assert (f"{context.trace_id:032x}", int(context.trace_flags), expected) == (
            otel.trace_id.hex(),
            otel.flags,
            otel.flags & 1,
        )

    @pytest.mark.parametrize(
        ("levelno", "expected"),
        [(0, 0), (5, 1), (10, 5), (20, 9), (25, 12), (30, 13), (40, 17), (50, 21), (60, 24)],
    )
    def test_severity_number(self, levelno: int, expected: int) -> None:
        """logging levels map to OpenTelemetry's severity numbers as the SDK maps them."""
        assert expected == severity_number(levelno)

    def test_own_loggers_not_exported(self, logger: logging.Logger, receiver: OtlpReceiver) -> None:
        """Records of the exporter's own loggers are declined by default (no feedback loop)."""
        handler = OtlpHandler(endpoint=receiver.endpoint)
        own = logging.getLogger("opentelemetry.exporter.test")
        record = own.makeRecord(own.name, logging.WARNING, __file__, 1, "retrying", (), None)
        assert not handler.filter(record)
        assert handler.filter(logger.makeRecord(logger.name, 20, __file__, 1, "x", (), None))


@pytest.mark.once
class TestDelivery:
    def test_503_then_200(self, logger: logging.Logger, receiver: OtlpReceiver) -> None:
        """A receiver answering 503 and then 200 gets every record once; nothing is dropped."""
        receiver.answers = [503, 503]
        handler = OtlpHandler(endpoint=receiver.endpoint, timeout=5, retry_backoff=0.05)
        _pipeline(logger, handler)
        for i in range(10):
            logger.info("record %d", i)
        assert ll.flush(timeout=30)
        assert [503, 503] == receiver.statuses[:2]
        assert 10 == len(receiver.log_records())
        stats = handler.stats()
        assert (10, 0, 0) == (stats["written"], stats["dropped"], stats["errors"])

    def test_gives_up_and_counts(
        self, logger: logging.Logger, receiver: OtlpReceiver, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A batch that cannot go within retry_timeout is dropped, counted, and in ll.stats()."""
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

        if hasattr(OTLPLogExporter, "_MAX_RETRY_TIMEOUT"):
            pytest.skip("this exporter retries 503 for up to 63 s itself, whatever its timeout")
        receiver.answers = [503] * 1000
        handler = OtlpHandler(
            endpoint=receiver.endpoint, timeout=0.5, retry_timeout=0.5, retry_backoff=0.05
        )
        handler.set_name("otlp")
        queue_handler = _pipeline(logger, handler)
        queue_handler.set_name("q")
        for i in range(5):
            logger.info("record %d", i)
        assert ll.flush(timeout=30)
        stats = handler.stats()
        assert (0, 5, 5) == (stats["written"], stats["dropped"], stats["errors"])
        assert stats["failed_exports"] >= 1
        pipeline = ll.stats()["pipelines"]["q"]
        assert 5 == pipeline["handlers"]["otlp"]["errors"]
        assert {"export_failed": 5} == pipeline["handlers"]["otlp"]["dropped_by"]
        assert pipeline["enqueued"] == pipeline["delivered"] + pipeline["dropped"]
        assert 1 == capsys.readouterr().err.count("OtlpHandler: dropped 5 records")

    def test_bad_message_still_sent(self, logger: logging.Logger, receiver: OtlpReceiver) -> None:
        """A message whose arguments do not fit is sent raw, with message_error, not lost."""
        handler = OtlpHandler(endpoint=receiver.endpoint)
        handler.handle(logger.makeRecord(logger.name, 20, __file__, 1, "two %s %s", ("x",), None))
        [(_, _, otel)] = receiver.log_records()
        assert "two %s %s" == otel.body.string_value
        assert "message_error" in attributes(otel.attributes)

    @_NO_GRPC
    def test_grpc_unavailable_then_ok(self, logger: logging.Logger) -> None:
        """A gRPC receiver answering UNAVAILABLE and then OK gets every record once."""
        with GrpcOtlpReceiver() as receiver:
            receiver.answers = ["UNAVAILABLE", "UNAVAILABLE"]
            handler = OtlpHandler(
                # timeout below the exporter's own first backoff (1 s): our retries go on
                endpoint=receiver.endpoint,
                protocol="grpc",
                timeout=0.5,
                retry_backoff=0.05,
            )
            _pipeline(logger, handler)
            for i in range(10):
                logger.info("record %d", i, extra={"seq": i})
            assert ll.flush(timeout=30)
            seqs = [attributes(r.attributes)["seq"] for _, _, r in receiver.log_records()]
        assert ["UNAVAILABLE", "UNAVAILABLE", "OK"] == receiver.statuses[:3]
        assert list(range(10)) == seqs
        stats = handler.stats()
        assert (10, 0, 0) == (stats["written"], stats["dropped"], stats["errors"])

    @pytest.mark.slow
    @pytest.mark.parametrize("protocol", PROTOCOLS)
    def test_receiver_restart_mid_stream(self, logger: logging.Logger, protocol: str) -> None:
        """The receiver stopped and restarted mid-stream: with policy block nothing is lost."""
        receiver = _receiver_for(protocol).start()
        handler = OtlpHandler(
            endpoint=receiver.endpoint, protocol=protocol, timeout=1, retry_backoff=0.1
        )
        _pipeline(logger, handler, maxsize=1000)
        sent = 5000
        stopped = threading.Event()

        def bounce() -> None:
            time.sleep(0.2)
            receiver.stop()
            stopped.set()
            time.sleep(1.5)
            receiver.start()

        bouncer = threading.Thread(target=bounce)
        bouncer.start()
        for i in range(sent):
            logger.info("record %d", i, extra={"seq": i})
            if i % 100 == 0:
                time.sleep(0.01)
        bouncer.join()
        assert ll.flush(timeout=60)
        receiver.stop()
        assert stopped.is_set()
        seqs = [attributes(r.attributes)["seq"] for _, _, r in receiver.log_records()]
        received = len(set(seqs))
        print(
            f"OTLP ({protocol}) restart: sent {sent}, received {received}, "
            f"lost {sent - received}, "
            f"duplicates {len(seqs) - received}, stats {handler.stats()}"
        )
        assert sent == received
        assert handler.stats()["retries"] >= 1
        assert 0 == handler.stats()["dropped"]


class TestConfiguration:
    def test_dictconfig(self, restore_logging: None, any_receiver: AnyReceiver) -> None:
        """OtlpHandler configures through dictConfig behind an AsyncQueueHandler."""
        receiver = any_receiver
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "handlers": {
                    "otlp": {
                        "()": "lite_logging.OtlpHandler",
                        "endpoint": receiver.endpoint,
                        "protocol": _protocol_of(receiver),
                        "service_name": "svc",
                        "resource_attributes": {"deployment.environment": "test"},
                    },
                    "queue": {"()": "lite_logging.AsyncQueueHandler", "handlers": ["otlp"]},
                },
                "loggers": {"tests.otlp.dc": {"level": "INFO", "handlers": ["queue"]}},
            }
        )
        logging.getLogger("tests.otlp.dc").info("configured")
        assert ll.flush(timeout=10)
        [(resource, _, otel)] = receiver.log_records()
        assert "configured" == otel.body.string_value
        resource_attributes = attributes(resource.attributes)
        assert ("svc", "test") == (
            resource_attributes["service.name"],
            resource_attributes["deployment.environment"],
        )

    @pytest.mark.parametrize(
        ("option", "value"),
        [
            ("protocol", "udp"),
            ("timeout", 0),
            ("retry_timeout", -1),
            ("retry_timeout", -0.5),
            ("exclude_loggers", "x"),
        ],
    )
    def test_bad_option(self, option: str, value: Any) -> None:
        """A bad option raises ValueError naming it and the value."""
        with pytest.raises(ValueError, match=f'"{option}".*{value!r}'):
            OtlpHandler(**{option: value})

    @_NO_GRPC
    def test_protocol_from_environment(
        self, logger: logging.Logger, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Without protocol=, OTEL_EXPORTER_OTLP_(LOGS_)PROTOCOL chooses it, as in the SDK."""
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "grpc")
        with GrpcOtlpReceiver() as receiver:
            handler = OtlpHandler(endpoint=receiver.endpoint)
            handler.handle(logger.makeRecord(logger.name, 20, __file__, 1, "by env", (), None))
            [(_, _, otel)] = receiver.log_records()
        assert ("grpc", "by env") == (handler.protocol, otel.body.string_value)
        monkeypatch.setenv("OTEL_EXPORTER_OTLP_LOGS_PROTOCOL", "http/json")
        with pytest.raises(ValueError, match=r"\"OTEL_EXPORTER_OTLP_LOGS_PROTOCOL\".*'http/json'"):
            OtlpHandler()

    def test_used_alone(self, logger: logging.Logger, receiver: OtlpReceiver) -> None:
        """Without a listener each record is exported by the caller, with its span's ids."""
        logger.addHandler(OtlpHandler(endpoint=receiver.endpoint))
        with ll.span("alone") as span:
            logger.info("direct")
        [(_, _, otel)] = receiver.log_records()
        assert span.trace_id == otel.trace_id.hex()

    def test_import_is_lazy(self) -> None:
        """import lite_logging imports no opentelemetry module."""
        code = (
            "import sys, lite_logging; "
            "print(any(m.startswith('opentelemetry') for m in sys.modules))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONWARNINGS": "error"},
        )
        assert "False" == out.stdout.strip()
