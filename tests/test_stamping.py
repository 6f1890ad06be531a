"""ContextFilter / stamp_record: event id, context snapshot and trace ids, stamped once."""

from __future__ import annotations

import logging
import uuid

import pytest

import lite_logging as ll
from lite_logging.record import tracing
from lite_logging.record.stamping import stamp_record

pytestmark = pytest.mark.usefixtures("empty_context")


def _record(**extra: object) -> logging.LogRecord:
    record = logging.LogRecord("shop", logging.INFO, __file__, 1, "hello %s", ("x",), None)
    record.__dict__.update(extra)
    return record


class TestStampRecord:
    def test_sets_a_uuid7_event_id(self) -> None:
        """A stamped record carries a version 7 UUID string."""
        record = _record()
        stamp_record(record)

        assert 7 == uuid.UUID(record.event_id).version

    def test_snapshot_of_context(self) -> None:
        """The record keeps the context as it was when stamped, not as it is later."""
        ll.bind(request_id="r-1")
        record = _record()
        stamp_record(record)
        ll.bind(request_id="r-2")

        assert {"request_id": "r-1"} == record.context

    def test_second_stamp_keeps_the_first(self) -> None:
        """Stamping twice keeps the first event id and context."""
        record = _record()
        ll.bind(a=1)
        stamp_record(record)
        first = (record.event_id, record.context)
        ll.bind(a=2)
        stamp_record(record)

        assert first == (record.event_id, record.context)

    def test_no_trace_ids_outside_a_span(self) -> None:
        """Outside a span the record gets no trace_id / span_id."""
        record = _record()
        stamp_record(record)

        assert ("trace_id" in record.__dict__, "span_id" in record.__dict__) == (False, False)

    def test_trace_ids_of_the_current_span(self) -> None:
        """Inside a span the record gets the span's trace and span ids."""
        token = tracing._current_ids.set(("a" * 32, "b" * 16))
        try:
            record = _record()
            stamp_record(record)
        finally:
            tracing._current_ids.reset(token)

        assert ("a" * 32, "b" * 16) == (record.trace_id, record.span_id)

    def test_trace_flags_only_in_an_unsampled_trace(self) -> None:
        """A record in a trace joined with flags 00 carries trace_flags "00"; one in a trace
        started here carries none (absent means sampled); neither shows it in JSON."""
        unsampled = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"
        with ll.span("joined", traceparent=unsampled, logger=logging.getLogger("x.quiet")):
            in_unsampled = _record()
            stamp_record(in_unsampled)
        with ll.span("ours", logger=logging.getLogger("x.quiet")):
            in_sampled = _record()
            stamp_record(in_sampled)
        line = ll.JsonFormatter().format(in_unsampled)

        assert ("00", None) == (in_unsampled.trace_flags, in_sampled.__dict__.get("trace_flags"))
        assert "trace_flags" not in line
        assert "4bf92f3577b34da6a3ce929d0e0e4736" in line

    def test_extra_trace_id_wins(self) -> None:
        """A trace_id given through extra= is not overwritten by the ambient one."""
        token = tracing._current_ids.set(("a" * 32, "b" * 16))
        try:
            record = _record(trace_id="c" * 32, span_id="d" * 16)
            stamp_record(record)
        finally:
            tracing._current_ids.reset(token)

        assert ("c" * 32, "d" * 16) == (record.trace_id, record.span_id)


class TestContextFilter:
    def test_keeps_every_record_and_stamps_it(self) -> None:
        """ContextFilter never drops and stamps the record it sees."""
        record = _record()
        kept = ll.ContextFilter().filter(record)

        assert (True, True) == (bool(kept), "event_id" in record.__dict__)

    def test_on_a_logger_stamps_in_the_callers_context(self) -> None:
        """Attached to a logger, it stamps the caller's context before any handler runs."""
        seen: list[logging.LogRecord] = []

        class Collect(logging.Handler):
            def emit(self, record: logging.LogRecord) -> None:
                seen.append(record)

        logger = logging.getLogger("test_stamping.on_logger")
        logger.propagate = False
        logger.setLevel(logging.INFO)
        context_filter, handler = ll.ContextFilter(), Collect()
        logger.addFilter(context_filter)
        logger.addHandler(handler)
        try:
            with ll.context(user=7):
                logger.info("hi")
        finally:
            logger.removeFilter(context_filter)
            logger.removeHandler(handler)

        assert [{"user": 7}] == [r.context for r in seen]
