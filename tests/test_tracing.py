"""Spans: W3C ids, nesting through threads and asyncio, span records, traceparent, OTel ids."""

from __future__ import annotations

import asyncio
import contextvars
import json
import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import ListHandler
from hypothesis import given, settings
from hypothesis import strategies as st

import lite_logging as ll
from lite_logging.record import tracing
from lite_logging.record.stamping import ContextFilter

HEX32 = re.compile(r"[0-9a-f]{32}")
HEX16 = re.compile(r"[0-9a-f]{16}")
HEADER = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
APP = "test_tracing.app"


class Captured:
    """Records logged to the span logger and to the test's application logger."""

    def __init__(self, handler: ListHandler) -> None:
        self._handler = handler

    @property
    def spans(self) -> list[logging.LogRecord]:
        """Span records, in the order they were logged."""
        return [r for r in self._handler.records if hasattr(r, "span_name")]

    @property
    def app(self) -> list[logging.LogRecord]:
        """Records of the application logger, in the order they were logged."""
        return [r for r in self._handler.records if r.name == APP]

    def span(self, name: str) -> logging.LogRecord:
        """The one end record of span ``name``."""
        (found,) = [r for r in self.spans if r.span_name == name and not r.msg.endswith(" start")]
        return found


@pytest.fixture
def captured() -> Iterator[Captured]:
    """Collect the span logger's and the app logger's records; restore both loggers after."""
    handler = ListHandler(logging.DEBUG)
    handler.addFilter(ContextFilter())
    saved = []
    for name in (tracing.SPAN_LOGGER, APP):
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.propagate))
        logger.setLevel(logging.DEBUG)
        logger.propagate = False
        logger.addHandler(handler)
    yield Captured(handler)
    for logger, level, propagate in saved:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


app = logging.getLogger(APP)


class TestSpanIds:
    def test_root_span_ids(self) -> None:
        """A span outside any other starts a trace: 32-hex trace id, 16-hex span id, no parent."""
        with ll.span("root") as s:
            pass

        assert (True, True, None) == (
            bool(HEX32.fullmatch(s.trace_id)),
            bool(HEX16.fullmatch(s.span_id)),
            s.parent_span_id,
        )

    def test_child_shares_trace_and_links_parent(self) -> None:
        """A nested span keeps the trace id and names the outer span as its parent."""
        with ll.span("outer") as outer, ll.span("inner") as inner:
            pass

        assert (outer.trace_id, outer.span_id) == (inner.trace_id, inner.parent_span_id)

    def test_siblings_have_own_span_ids(self) -> None:
        """Two spans under one parent share its trace but not their span ids."""
        with ll.span("p") as parent:
            with ll.span("a") as a:
                pass
            with ll.span("b") as b:
                pass

        assert (parent.span_id, parent.span_id, True) == (
            a.parent_span_id,
            b.parent_span_id,
            a.span_id != b.span_id,
        )

    def test_separate_roots_get_separate_traces(self) -> None:
        """Two spans one after the other (not nested) are roots of different traces."""
        with ll.span("one") as one:
            pass
        with ll.span("two") as two:
            pass

        assert (None, True) == (two.parent_span_id, one.trace_id != two.trace_id)

    def test_current_span_is_restored(self) -> None:
        """On exit the outer span is current again; outside every span there is none."""
        seen = []
        with ll.span("outer") as outer:
            with ll.span("inner") as inner:
                seen.append(ll.current_span())
            seen.append(ll.current_span())
        seen.append(ll.current_span())

        assert [inner, outer, None] == seen

    def test_restored_after_an_exception(self) -> None:
        """A span left by an exception restores the outer span too."""
        with ll.span("outer") as outer:
            with pytest.raises(KeyError), ll.span("inner"):
                raise KeyError("k")
            after = ll.current_span()

        assert outer is after

    def test_exit_in_another_context(self, captured: Captured) -> None:
        """A span entered in one contextvars context and left in another still ends cleanly."""
        scope = ll.span("moved")
        entered = contextvars.copy_context()
        opened = entered.run(scope.__enter__)
        scope.__exit__(None, None, None)

        assert (None, opened.span_id) == (ll.current_span(), captured.span("moved").span_id)

    def test_reentered_instance_nests(self) -> None:
        """One span instance entered twice (nested) gives two spans, the second a child."""
        scope = ll.span("again")
        with scope as first, scope as second:
            pass

        assert first.span_id == second.parent_span_id


class TestRecordsInsideSpan:
    def test_records_carry_the_innermost_span_ids(self, captured: Captured) -> None:
        """Records logged in a span carry its trace and span ids; in a child, the child's."""
        with ll.span("outer") as outer:
            app.info("in outer")
            with ll.span("inner") as inner:
                app.info("in inner")

        expected = [(outer.trace_id, outer.span_id), (inner.trace_id, inner.span_id)]
        assert expected == [(r.trace_id, r.span_id) for r in captured.app]

    def test_no_ids_outside(self, captured: Captured) -> None:
        """A record logged after the span ended has no trace id."""
        with ll.span("done"):
            pass
        app.info("after")

        assert [False] == ["trace_id" in r.__dict__ for r in captured.app]

    def test_current_trace_ids(self) -> None:
        """current_trace_ids() is the current span's (trace_id, span_id), None outside."""
        with ll.span("s") as s:
            inside = tracing.current_trace_ids()

        assert [(s.trace_id, s.span_id), None] == [inside, tracing.current_trace_ids()]


class TestSpanRecord:
    def test_ok_record(self, captured: Captured) -> None:
        """A span that ends normally logs one INFO record 'span NAME ok' on lite_logging.span."""
        with ll.span("charge", amount=5) as s:
            pass

        record = captured.span("charge")
        assert ("lite_logging.span", logging.INFO, "span charge ok") == (
            record.name,
            record.levelno,
            record.getMessage(),
        )
        assert ("charge", s.trace_id, s.span_id, "ok", {"amount": 5}) == (
            record.span_name,
            record.trace_id,
            record.span_id,
            record.status,
            record.attributes,
        )

    def test_root_has_no_parent_field(self, captured: Captured) -> None:
        """The record of a root span has no parent_span_id; a child's names its parent."""
        with ll.span("root") as root, ll.span("child"):
            pass

        assert (False, root.span_id) == (
            "parent_span_id" in captured.span("root").__dict__,
            captured.span("child").parent_span_id,
        )

    def test_one_record_per_span(self, captured: Captured) -> None:
        """Each span logs exactly one record, children first."""
        with ll.span("a"), ll.span("b"):
            pass

        assert ["b", "a"] == [r.span_name for r in captured.spans]

    def test_error_record_and_propagation(self, captured: Captured) -> None:
        """A raising block logs ERROR 'span NAME error' with the exception, which propagates."""
        error = ValueError("boom")
        with pytest.raises(ValueError, match="boom") as raised, ll.span("fail"):
            raise error

        record = captured.span("fail")
        assert (error, logging.ERROR, "span fail error", "error") == (
            raised.value,
            record.levelno,
            record.getMessage(),
            record.status,
        )
        assert error is record.exc_info[1]

    def test_logger_by_name(self, captured: Captured) -> None:
        """logger= given as a name sends the span record to that logger."""
        with ll.span("named", logger=APP):
            pass

        assert [APP] == [r.name for r in captured.spans]

    def test_logger_object(self, captured: Captured) -> None:
        """logger= given as a Logger sends the span record to it."""
        with ll.span("obj", logger=app):
            pass

        assert [APP] == [r.name for r in captured.spans]

    def test_bad_logger_type(self) -> None:
        """A logger= that is neither a name nor a Logger fails when the span is made."""
        with pytest.raises(TypeError, match='"logger"'):
            ll.span("x", logger=42)  # type: ignore[arg-type]

    def test_attributes_are_a_copy(self, captured: Captured) -> None:
        """The record's attributes do not change when the handle's change after the span."""
        with ll.span("copy", a=1) as s:
            s.set_attribute("b", 2)
        s.set_attribute("c", 3)

        assert {"a": 1, "b": 2} == captured.span("copy").attributes

    def test_set_attributes(self, captured: Captured) -> None:
        """set_attributes adds several attributes; later values win."""
        with ll.span("many", a=1) as s:
            s.set_attributes(a=2, b=3)

        assert {"a": 2, "b": 3} == captured.span("many").attributes

    def test_set_status_error(self, captured: Captured) -> None:
        """set_status('error', why) without an exception gives an ERROR record with the reason."""
        with ll.span("soft") as s:
            s.set_status("error", "card declined")

        record = captured.span("soft")
        assert (logging.ERROR, "error", "card declined", None) == (
            record.levelno,
            record.status,
            record.status_description,
            record.exc_info,
        )

    def test_set_status_rejects_unknown(self) -> None:
        """A status other than ok/error is a ValueError naming the argument."""
        with ll.span("s") as s, pytest.raises(ValueError, match='"status"'):
            s.set_status("fine")

    def test_record_exception(self, captured: Captured) -> None:
        """record_exception on a handled exception marks the span failed and attaches it."""
        with ll.span("handled") as s:
            try:
                raise OSError("disk")
            except OSError as exc:
                s.record_exception(exc)

        record = captured.span("handled")
        assert ("error", OSError) == (record.status, type(record.exc_info[1]))

    def test_log_start(self, captured: Captured) -> None:
        """log_start=True logs 'span NAME start' before the work and the end record after."""
        with ll.span("job", log_start=True) as s:
            app.info("work")

        messages = [r.getMessage() for r in captured._handler.records]
        start = captured.spans[0]
        assert ["span job start", "work", "span job ok"] == messages
        assert (s.trace_id, s.span_id, False) == (
            start.trace_id,
            start.span_id,
            "status" in start.__dict__,
        )

    def test_source_is_the_with_statement(self, captured: Captured) -> None:
        """The span record's source is the caller's file and function, not tracing.py."""
        with ll.span("where"):
            pass

        record = captured.span("where")
        assert (__file__, "test_source_is_the_with_statement") == (
            record.pathname,
            record.funcName,
        )

    def test_disabled_level_logs_nothing(self, captured: Captured) -> None:
        """With the span logger above INFO, an ok span logs nothing and a failed one still does."""
        logging.getLogger(tracing.SPAN_LOGGER).setLevel(logging.WARNING)
        with ll.span("quiet"):
            pass
        with pytest.raises(RuntimeError), ll.span("loud"):
            raise RuntimeError

        assert ["loud"] == [r.span_name for r in captured.spans]

    def test_failing_filter_never_raises_into_the_block(
        self, captured: Captured, capsys: pytest.CaptureFixture[str]
    ) -> None:
        """A filter that raises while the span record is logged is reported on stderr only."""

        def broken(record: logging.LogRecord) -> bool:
            raise ZeroDivisionError("filter")

        logger = logging.getLogger(tracing.SPAN_LOGGER)
        logger.addFilter(broken)
        try:
            with ll.span("robust") as s:
                pass
        finally:
            logger.removeFilter(broken)

        assert ("ok", True) == (s.status, "ZeroDivisionError" in capsys.readouterr().err)


class TestDuration:
    def test_positive_and_matches_the_record(self, captured: Captured) -> None:
        """duration_ms is a positive float, the same on the handle and the record."""
        with ll.span("d") as s:
            sum(range(1000))

        record = captured.span("d")
        assert (float, True, s.duration_ms) == (
            type(record.duration_ms),
            record.duration_ms > 0,
            record.duration_ms,
        )

    def test_none_while_running(self) -> None:
        """A running span has no duration yet."""
        with ll.span("running") as s:
            during = s.duration_ms

        assert (None, True) == (during, s.duration_ms is not None)

    def test_child_within_parent(self) -> None:
        """A child's duration never exceeds its parent's (one monotonic clock)."""
        with ll.span("parent") as parent:
            with ll.span("child") as child:
                sum(range(1000))
            sum(range(1000))

        assert child.duration_ms is not None
        assert parent.duration_ms is not None
        assert True is (0 < child.duration_ms <= parent.duration_ms)


class TestDecorator:
    def test_sync_function(self, captured: Captured) -> None:
        """A decorated function keeps its name and return value and logs one span per call."""

        @ll.span("add", op="+")
        def add(a: int, b: int) -> int:
            """Add."""
            return a + b

        results = [add(1, 2), add(3, 4)]

        ends = captured.spans
        assert ([3, 7], "add", "Add.") == (results, add.__name__, add.__doc__)
        assert (2, True) == (len(ends), ends[0].span_id != ends[1].span_id)

    def test_sync_function_sees_its_span(self, captured: Captured) -> None:
        """Inside a decorated function current_span() is the call's span; records carry it."""
        seen: list[ll.Span | None] = []

        @ll.span("inner")
        def work() -> None:
            seen.append(ll.current_span())
            app.info("working")

        with ll.span("outer") as outer:
            work()

        (current,) = seen
        assert current is not None
        assert (outer.span_id, current.span_id) == (
            current.parent_span_id,
            captured.app[0].span_id,
        )

    def test_sync_exception(self, captured: Captured) -> None:
        """An exception out of a decorated function propagates and makes the span 'error'."""

        @ll.span("raises")
        def fail() -> None:
            raise LookupError("nope")

        with pytest.raises(LookupError):
            fail()

        assert "error" == captured.span("raises").status

    def test_source_is_the_function(self, captured: Captured) -> None:
        """The span record of a decorated function points at that function."""

        @ll.span("located")
        def located() -> None:
            pass

        located()

        record = captured.span("located")
        assert (__file__, "located") == (record.pathname, record.funcName)

    def test_async_function(self, captured: Captured) -> None:
        """A decorated coroutine function is awaited inside its span; its result comes back."""

        @ll.span("fetch")
        async def fetch(x: int) -> int:
            app.info("fetching")
            await asyncio.sleep(0)
            return x * 2

        result = asyncio.run(fetch(21))

        record = captured.span("fetch")
        assert (42, "fetch", record.span_id) == (result, fetch.__name__, captured.app[0].span_id)

    def test_async_exception(self, captured: Captured) -> None:
        """An exception out of a decorated coroutine propagates and makes the span 'error'."""

        @ll.span("afail")
        async def fail() -> None:
            await asyncio.sleep(0)
            raise ConnectionError("down")

        with pytest.raises(ConnectionError):
            asyncio.run(fail())

        assert "error" == captured.span("afail").status

    def test_generator_rejected(self) -> None:
        """Decorating a generator function is a TypeError: a span cannot follow its iteration."""
        with pytest.raises(TypeError, match="generator"):

            @ll.span("gen")
            def gen() -> Iterator[int]:
                yield 1

    def test_async_with(self, captured: Captured) -> None:
        """span also works with 'async with'."""

        async def main() -> str:
            async with ll.span("awith") as s:
                await asyncio.sleep(0)
            return s.span_id

        span_id = asyncio.run(main())

        record = captured.span("awith")
        assert (span_id, "main") == (record.span_id, record.funcName)


class TestAsyncio:
    def test_concurrent_tasks_have_separate_traces(self, captured: Captured) -> None:
        """50 tasks, each in its own root span, all open at once: 50 traces, records not mixed."""
        count = 50

        async def main() -> list[tuple[str, str]]:
            started = 0
            all_open = asyncio.Event()

            async def handle(i: int) -> tuple[str, str]:
                nonlocal started
                with ll.span("request", i=i) as s:
                    started += 1
                    if started == count:
                        all_open.set()
                    await all_open.wait()
                    app.info("task %d", i)
                return s.trace_id, s.span_id

            return await asyncio.gather(*(handle(i) for i in range(count)))

        ids = asyncio.run(main())

        by_task = {r.args[0]: (r.trace_id, r.span_id) for r in captured.app}  # type: ignore[index]
        assert count == len({trace_id for trace_id, _ in ids})
        assert {i: ids[i] for i in range(count)} == by_task

    def test_tasks_inherit_the_creating_span(self) -> None:
        """A task created inside a span opens its spans as children of it."""

        async def child() -> str | None:
            with ll.span("child") as s:
                return s.parent_span_id

        async def main() -> tuple[str, list[str | None]]:
            with ll.span("parent") as parent:
                parents = await asyncio.gather(child(), child())
            return parent.span_id, list(parents)

        parent_id, parents = asyncio.run(main())

        assert [parent_id, parent_id] == parents


@pytest.mark.native("threads")
class TestThreads:
    def test_propagate_context(self, captured: Captured) -> None:
        """A thread started through propagate_context logs with the span and nests under it."""
        children: list[ll.Span] = []

        def work() -> None:
            app.info("in thread")
            with ll.span("thread work") as s:
                children.append(s)

        with ll.span("request") as request:
            thread = threading.Thread(target=ll.propagate_context(work))
            thread.start()
            thread.join()

        (child,) = children
        assert (request.trace_id, request.span_id, request.span_id) == (
            child.trace_id,
            child.parent_span_id,
            captured.app[0].span_id,
        )

    def test_executor(self) -> None:
        """ContextThreadPoolExecutor tasks run under the submitting caller's span."""

        def work() -> tuple[str, str | None]:
            with ll.span("pooled") as s:
                return s.trace_id, s.parent_span_id

        with ll.ContextThreadPoolExecutor(max_workers=2) as pool, ll.span("batch") as batch:
            results = [f.result() for f in [pool.submit(work) for _ in range(4)]]

        assert [(batch.trace_id, batch.span_id)] * 4 == results

    def test_plain_thread_does_not_inherit(self) -> None:
        """A plain Thread starts without a span, as contextvars do."""
        seen: list[tuple[str, str] | None] = []

        with ll.span("request"):
            thread = threading.Thread(target=lambda: seen.append(tracing.current_trace_ids()))
            thread.start()
            thread.join()

        assert [None] == seen


def _header(trace: int, span: int, flags: int) -> str:
    return f"00-{trace:032x}-{span:016x}-{flags:02x}"


class TestTraceparent:
    def test_none_outside_a_span(self) -> None:
        """traceparent() is None outside any span."""
        assert None is ll.traceparent()

    def test_current_span_header(self) -> None:
        """Inside a span traceparent() names it: 00-trace-span-01 for a trace started here."""
        with ll.span("s") as s:
            header = ll.traceparent()

        assert f"00-{s.trace_id}-{s.span_id}-01" == header == s.traceparent

    def test_join_with_header(self) -> None:
        """span(traceparent=header) takes the header's trace id and parent id and flags."""
        with ll.span("server", traceparent=HEADER) as s:
            pass

        assert (
            "4bf92f3577b34da6a3ce929d0e0e4736",
            "00f067aa0ba902b7",
            "01",
        ) == (s.trace_id, s.parent_span_id, s.trace_flags)

    def test_header_beats_the_current_span(self) -> None:
        """A valid header given explicitly wins over the ambient span."""
        with ll.span("outer"), ll.span("server", traceparent=HEADER) as s:
            pass

        assert "00f067aa0ba902b7" == s.parent_span_id

    @given(
        trace=st.integers(1, 2**128 - 1),
        span=st.integers(1, 2**64 - 1),
        flags=st.integers(0, 255),
    )
    @settings(max_examples=60, deadline=None)
    def test_round_trip(self, trace: int, span: int, flags: int) -> None:
        """A header made by one service is joined by another: same trace, parent and flags."""
        header = _header(trace, span, flags)
        with ll.span("callee", traceparent=header) as s:
            onward = ll.traceparent()

        assert (f"{trace:032x}", f"{span:016x}", f"00-{s.trace_id}-{s.span_id}-{flags:02x}") == (
            s.trace_id,
            s.parent_span_id,
            onward,
        )

    def test_between_two_services(self) -> None:
        """The header of a client span, joined by a server span, makes it the server's parent."""
        with ll.span("client") as client:
            sent = ll.traceparent()
        with ll.span("server", traceparent=sent) as server:
            pass

        assert (client.trace_id, client.span_id) == (server.trace_id, server.parent_span_id)

    @pytest.mark.parametrize(
        "header",
        [
            HEADER.upper(),
            "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
            "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
            "0-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902g7-01",
            HEADER + "\n",
            "",
            "00-" + "a" * 600,
        ],
    )
    def test_malformed_header_starts_a_new_trace(self, header: str) -> None:
        """A malformed header makes the span the root of a new trace, without raising."""
        with ll.span("server", traceparent=header) as s:
            pass

        assert (None, True, True) == (
            s.parent_span_id,
            bool(HEX32.fullmatch(s.trace_id)),
            s.trace_id not in header.lower(),
        )

    @pytest.mark.parametrize(
        "header",
        [
            " " + HEADER + "\t",
            "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future-fields",
            "cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        ],
    )
    def test_lenient_forms_are_joined(self, header: str) -> None:
        """Blanks around the value and future versions (with extra fields) are accepted."""
        with ll.span("server", traceparent=header) as s:
            pass

        assert ("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7") == (
            s.trace_id,
            s.parent_span_id,
        )

    @given(st.text(max_size=80))
    @settings(max_examples=150, deadline=None)
    def test_random_text_never_raises(self, header: str) -> None:
        """Any text as a header yields a valid span; a non-header text a new root trace."""
        with ll.span("server", traceparent=header) as s:
            pass

        assert True is bool(HEX32.fullmatch(s.trace_id) and HEX16.fullmatch(s.span_id))
        if tracing._parse_traceparent(header) is None:
            assert None is s.parent_span_id

    @given(
        position=st.sampled_from([*range(3, 35), *range(36, 52)]),
        char=st.characters(exclude_characters="0123456789abcdef"),
    )
    @settings(max_examples=100, deadline=None)
    def test_corrupted_id_digit_starts_a_new_trace(self, position: int, char: str) -> None:
        """Any non-lowercase-hex character in the trace or parent id makes the header invalid."""
        header = HEADER[:position] + char + HEADER[position + 1 :]
        with ll.span("server", traceparent=header) as s:
            pass

        assert (None, True) == (s.parent_span_id, s.trace_id != HEADER[3:35])

    def test_non_string_header(self) -> None:
        """A header that is not a string (bytes from a raw request) starts a new trace."""
        with ll.span("server", traceparent=HEADER.encode()) as s:  # type: ignore[arg-type]
            pass

        assert None is s.parent_span_id


class TestContinueTrace:
    def test_spans_inside_join(self, captured: Captured) -> None:
        """Spans opened in continue_trace(header) are children of the remote span."""
        with ll.continue_trace(HEADER):
            header_inside = ll.traceparent()
            app.info("before any span")
            with ll.span("handler") as s:
                pass

        assert (HEADER, "00f067aa0ba902b7", HEADER[3:35]) == (
            header_inside,
            s.parent_span_id,
            s.trace_id,
        )
        assert (HEADER[3:35], "00f067aa0ba902b7") == (
            captured.app[0].trace_id,
            captured.app[0].span_id,
        )

    def test_no_local_span_and_nothing_logged(self, captured: Captured) -> None:
        """continue_trace is not a span: current_span() is None and it logs no record."""
        with ll.continue_trace(HEADER):
            current = ll.current_span()

        assert (None, []) == (current, captured.spans)

    def test_restores_on_exit(self) -> None:
        """After the block the previous state (here: no span) is back."""
        with ll.continue_trace(HEADER):
            pass

        assert None is ll.traceparent()

    @pytest.mark.parametrize("header", [None, "garbage", HEADER.upper()])
    def test_bad_or_missing_header_starts_new_traces(self, header: str | None) -> None:
        """A missing or malformed header never raises; spans inside are roots, not the outer's."""
        with ll.span("outer") as outer, ll.continue_trace(header), ll.span("inner") as inner:
            pass

        assert (None, True) == (inner.parent_span_id, inner.trace_id != outer.trace_id)


class TestJsonFormatter:
    def test_span_record_fields(self, captured: Captured) -> None:
        """Through JsonFormatter the span record has the settled fields and the exception."""
        with pytest.raises(ValueError, match="empty cart"), ll.span("checkout", cart=3) as s:
            raise ValueError("empty cart")
        with ll.span("root"):
            pass

        formatter = ll.JsonFormatter()
        failed = json.loads(formatter.format(captured.span("checkout")))
        root = json.loads(formatter.format(captured.span("root")))
        assert {
            "logger": "lite_logging.span",
            "level": "ERROR",
            "message": "span checkout error",
            "span_name": "checkout",
            "trace_id": s.trace_id,
            "span_id": s.span_id,
            "status": "error",
            "attributes": {"cart": 3},
        } == {key: failed[key] for key in (
            "logger", "level", "message", "span_name", "trace_id", "span_id", "status",
            "attributes",
        )}  # fmt: skip
        assert (float, True, False) == (
            type(failed["duration_ms"]),
            "ValueError: empty cart" in failed["exception"],
            "parent_span_id" in root,
        )


@pytest.mark.native("the opentelemetry packages (no wheels loaded)")
class TestOpenTelemetry:
    @pytest.fixture
    def tracer(self) -> Iterator[tuple[Any, Any]]:
        """An SDK tracer exporting to memory (not installed globally)."""
        pytest.importorskip("opentelemetry.sdk")
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        exporter = InMemorySpanExporter()
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(exporter))
        yield provider.get_tracer(__name__), exporter
        provider.shutdown()

    @staticmethod
    def _hex(otel_span: Any) -> tuple[str, str]:
        context = otel_span.get_span_context()
        return f"{context.trace_id:032x}", f"{context.span_id:016x}"

    def test_records_carry_the_exported_ids(
        self, captured: Captured, tracer: tuple[Any, Any]
    ) -> None:
        """Inside an OTel span, records carry exactly the ids the OTel exporter writes."""
        otel_tracer, exporter = tracer
        with otel_tracer.start_as_current_span("otel-op"):
            app.info("inside otel")

        (exported,) = exporter.get_finished_spans()
        record = captured.app[0]
        assert self._hex(exported) == (record.trace_id, record.span_id)

    def test_traceparent_of_the_otel_span(self, tracer: tuple[Any, Any]) -> None:
        """traceparent() inside an OTel span (and no span of ours) names the OTel span."""
        otel_tracer, exporter = tracer
        with otel_tracer.start_as_current_span("otel-op"):
            header = ll.traceparent()

        (exported,) = exporter.get_finished_spans()
        trace_id, span_id = self._hex(exported)
        flags = int(exported.get_span_context().trace_flags)
        assert f"00-{trace_id}-{span_id}-{flags:02x}" == header

    def test_our_span_joins_the_otel_trace(self, tracer: tuple[Any, Any]) -> None:
        """A span of ours opened in an OTel span is its child in the same trace."""
        otel_tracer, exporter = tracer
        with otel_tracer.start_as_current_span("otel-op"), ll.span("ours") as ours:
            pass

        (exported,) = exporter.get_finished_spans()
        assert self._hex(exported) == (ours.trace_id, ours.parent_span_id)

    def test_ours_wins_when_both_are_current(
        self, captured: Captured, tracer: tuple[Any, Any]
    ) -> None:
        """With our span and an OTel span both current, records carry our span's ids."""
        otel_tracer, _ = tracer
        with ll.span("ours") as ours, otel_tracer.start_as_current_span("otel-inner"):
            app.info("both")

        assert (ours.trace_id, ours.span_id) == (
            captured.app[0].trace_id,
            captured.app[0].span_id,
        )

    def test_no_ids_outside_otel_spans(self, captured: Captured, tracer: tuple[Any, Any]) -> None:
        """With opentelemetry imported but no span current, records carry no trace id."""
        app.info("outside")

        assert [False] == ["trace_id" in r.__dict__ for r in captured.app]

    def test_import_does_not_import_opentelemetry(self) -> None:
        """import lite_logging leaves opentelemetry unimported (it is looked up lazily)."""
        code = "import sys, lite_logging; print('opentelemetry' in sys.modules)"
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout

        assert "False" == out.strip()


class TestSampling:
    def test_a_trace_is_kept_or_dropped_whole(self, captured: Captured) -> None:
        """Through SamplingFilter a span record and the lines inside it share one fate."""
        filters = pytest.importorskip("lite_logging.filters")
        sampler = filters.SamplingFilter(rate=0.5)
        captured._handler.addFilter(sampler)
        for i in range(200):
            with ll.span("job", i=i):
                app.info("line %d", i)

        kept_spans = {r.attributes["i"] for r in captured.spans}
        kept_lines = {r.args[0] for r in captured.app}  # type: ignore[index]
        assert (kept_spans, True) == (kept_lines, 0 < len(kept_spans) < 200)


def _doc_blocks() -> tuple[str, str]:
    """The example program of docs/tracing.md and the output printed below it."""
    text = (Path(__file__).parent.parent / "docs" / "tracing.md").read_text(encoding="utf-8")
    example = text[text.index("## Example") :]
    code = example.split("```python\n", 1)[1].split("```", 1)[0]
    output = example.split("```json\n", 1)[1].split("```", 1)[0]
    return code, output


@pytest.mark.native("a subprocess")
class TestDocsExample:
    def test_example_prints_the_documented_records(self, tmp_path: Path) -> None:
        """The docs' example, run now, prints the documented records, all in one trace."""
        code, documented = _doc_blocks()
        (tmp_path / "checkout.py").write_text(code, encoding="utf-8")
        out = subprocess.run(
            [sys.executable, "checkout.py"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            check=True,
        ).stdout

        def shape(lines: str) -> list[tuple[str, str, str]]:
            rows = [json.loads(line) for line in lines.splitlines()]
            return [(r["level"], r["logger"], r["message"]) for r in rows]

        rows = [json.loads(line) for line in out.splitlines()]
        request = rows[-1]
        children = [r for r in rows if "span_name" in r and r is not request]
        assert shape(documented) == shape(out)
        assert ({HEADER[3:35]}, "00f067aa0ba902b7") == (
            {r["trace_id"] for r in rows},
            request["parent_span_id"],
        )
        assert [request["span_id"]] * 3 == [r["parent_span_id"] for r in children]
