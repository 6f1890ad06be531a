"""Event ids (UUIDv7), trace ids and span ids."""

from __future__ import annotations

import json
import os
import re
import signal
import textwrap
import threading
import time
import uuid
from unittest import mock

import pytest
from process_helpers import run_code

from lite_logging.record import ids

_HEX32 = re.compile(r"^[0-9a-f]{32}$")
_HEX16 = re.compile(r"^[0-9a-f]{16}$")


# A signal handler runs between two bytecodes of the main thread. Here the N-th call of
# _next_millisecond raises the signal at its N-th line (raise_signal runs the Python handler
# at once), and the handler makes more ids than a millisecond holds: it needs the id clock's
# next millisecond while its own thread is starting one, at each point of that function,
# inside the clock's lock too.
_INTERRUPTED_CLOCK_SCRIPT = textwrap.dedent(
    """
    import faulthandler, json, signal, sys
    from lite_logging.record import ids

    faulthandler.dump_traceback_later(20, exit=True)  # a hang prints where, then ends
    by_handler, by_main, lines = [], [], []

    def on_signal(signum, frame):
        by_handler.extend(ids.new_event_id() for _ in range(4097))

    def tracer(frame, event, arg):
        if frame.f_code is not ids._next_millisecond.__code__:
            return None
        lines.append(0)
        call = len(lines)

        def in_clock(frame, event, arg):
            if event == "line":
                lines[call - 1] += 1
                if lines[call - 1] == call:
                    signal.raise_signal(signal.SIGUSR1)
            return in_clock

        return in_clock

    signal.signal(signal.SIGUSR1, on_signal)
    sys.settrace(tracer)
    while len(lines) < 8:
        by_main.append(ids.new_event_id())
    sys.settrace(None)
    faulthandler.cancel_dump_traceback_later()
    every = by_handler + by_main
    print(json.dumps({
        "handler": len(by_handler),
        "signalled": sum(n >= call for call, n in enumerate(lines, 1)),
        "distinct": len(set(every)) == len(every),
        "versions": sorted({event_id[14] for event_id in every}),
        "main_increasing": by_main == sorted(by_main),
    }))
    """
)


def _unix_ms(event_id: str) -> int:
    return uuid.UUID(event_id).int >> 80


class TestNewEventId:
    def test_is_a_version_7_rfc_9562_uuid(self) -> None:
        """The id parses as a UUID with version 7 and the RFC variant."""
        parsed = uuid.UUID(ids.new_event_id())

        assert (7, uuid.RFC_4122) == (parsed.version, parsed.variant)

    def test_canonical_string_form(self) -> None:
        """The id is the 36-character lowercase canonical form."""
        event_id = ids.new_event_id()

        assert str(uuid.UUID(event_id)) == event_id

    def test_timestamp_is_now(self) -> None:
        """The 48-bit field holds the Unix time in milliseconds at creation."""
        before = time.time_ns() // 1_000_000
        event_id = ids.new_event_id()
        after = time.time_ns() // 1_000_000

        assert before <= _unix_ms(event_id) <= after + 1

    def test_strictly_increasing_within_a_process(self) -> None:
        """Ids made one after the other sort in creation order, also within one ms."""
        made = [ids.new_event_id() for _ in range(50_000)]

        assert made == sorted(made)
        assert len(made) == len(set(made))

    @pytest.mark.native("threads")
    def test_unique_across_threads(self) -> None:
        """1M ids from 8 threads are all distinct, and each thread's ids increase."""
        per_thread = 125_000
        results: list[list[str]] = [[] for _ in range(8)]

        def make(slot: int) -> None:
            new = ids.new_event_id
            results[slot] = [new() for _ in range(per_thread)]

        threads = [threading.Thread(target=make, args=(i,)) for i in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        every = [event_id for chunk in results for event_id in chunk]
        assert 8 * per_thread == len(set(every))
        assert all(chunk == sorted(chunk) for chunk in results)

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
    @pytest.mark.native("os.fork")
    def test_unique_after_fork(self) -> None:
        """Parent and forked child make disjoint ids (the child reseeds its generator)."""
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # child
            try:
                os.close(read_fd)
                made = "\n".join(ids.new_event_id() for _ in range(20_000))
                with os.fdopen(write_fd, "w") as pipe:
                    pipe.write(made)
            finally:
                os._exit(0)
        os.close(write_fd)
        parent_ids = {ids.new_event_id() for _ in range(20_000)}
        with os.fdopen(read_fd) as pipe:
            child_ids = set(pipe.read().split("\n"))
        _, status = os.waitpid(pid, 0)

        assert 0 == status
        assert 20_000 == len(child_ids)
        assert set() == parent_ids & child_ids

    def test_counter_carry_never_runs_a_second_ahead(self) -> None:
        """With the clock stuck, ids stay ordered and at most 1 s ahead of the clock."""
        frozen = time.time_ns()
        with mock.patch.object(ids.time, "time_ns", return_value=frozen):
            made = [ids.new_event_id() for _ in range(10_000)]

        assert made == sorted(made)
        assert _unix_ms(made[-1]) - frozen // 1_000_000 <= 1000

    def test_clock_stepping_back_far_resets_to_the_clock(self) -> None:
        """After the clock steps back by more than 1 s, new ids follow the clock again."""
        ids.new_event_id()
        back = time.time_ns() - 5_000_000_000
        with mock.patch.object(ids.time, "time_ns", return_value=back):
            event_id = ids.new_event_id()

        assert back // 1_000_000 == _unix_ms(event_id)

    @pytest.mark.native("a subprocess")
    @pytest.mark.skipif(not hasattr(signal, "SIGUSR1"), reason="needs SIGUSR1")
    def test_a_signal_handler_interrupting_the_id_clock_never_waits(self) -> None:
        """An id made by a signal handler that interrupted its own thread inside the id
        clock's lock: made at once (it hung for ever), unique, and the main thread's ids
        still increase."""
        proc = run_code(_INTERRUPTED_CLOCK_SCRIPT, timeout=60)
        assert 0 == proc.returncode, proc.stderr
        made = json.loads(proc.stdout)
        assert 4097 * made["signalled"] == made["handler"]
        assert made["signalled"] >= 3  # a millisecond's lines: check, take the lock, inside
        assert {"distinct": True, "versions": ["7"], "main_increasing": True} == {
            key: made[key] for key in ("distinct", "versions", "main_increasing")
        }

    def test_locked_path_without_gil(self) -> None:
        """Without the GIL (free-threaded builds) ids take the lock: still unique, increasing."""
        with mock.patch.object(ids, "_GIL", False):
            made = [ids.new_event_id() for _ in range(20_000)]

        assert made == sorted(made)
        assert len(made) == len(set(made))


class TestTraceAndSpanIds:
    def test_trace_id_is_32_lowercase_hex(self) -> None:
        """new_trace_id() is 32 lowercase hex digits, not all zero (W3C trace-context)."""
        trace_id = ids.new_trace_id()

        assert _HEX32.match(trace_id)
        assert "0" * 32 != trace_id

    def test_span_id_is_16_lowercase_hex(self) -> None:
        """new_span_id() is 16 lowercase hex digits, not all zero."""
        span_id = ids.new_span_id()

        assert _HEX16.match(span_id)
        assert "0" * 16 != span_id

    def test_ids_are_distinct(self) -> None:
        """Fresh trace and span ids do not repeat."""
        assert 10_000 == len({ids.new_trace_id() for _ in range(10_000)})
        assert 10_000 == len({ids.new_span_id() for _ in range(10_000)})
