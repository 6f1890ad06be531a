"""Tests for lite_logging.filters.sampling: SamplingFilter."""

from __future__ import annotations

import json
import logging
import logging.config
import math
import os
import random

import pytest
from conftest import ListHandler
from hypothesis import given, settings
from hypothesis import strategies as st
from process_helpers import run_code
from refusals import assert_refused

import lite_logging as ll
from lite_logging.metrics import _registry as _stats

LOGGER = "tests.filters.sampling"


def _record(name: str = "app", level: int = logging.INFO, **extra: object) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, "msg", (), None)
    record.__dict__.update(extra)
    return record


def _trace_ids(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [f"{rng.getrandbits(128):032x}" for _ in range(n)]


def _within_5_sigma(kept: int, n: int, p: float) -> bool:
    return abs(kept - n * p) < 5 * math.sqrt(n * p * (1 - p))


class TestRate:
    @pytest.mark.parametrize("rate", [0.01, 0.1, 0.5, 0.9])
    def test_rate_within_5_sigma(self, rate: float) -> None:
        """Over 100k records outside a trace the kept fraction is within 5 sigma of rate."""
        f = ll.SamplingFilter(rate=rate, seed=1234)
        n = 100_000
        record = _record()
        kept = 0
        for _ in range(n):
            record.__dict__.pop("_ll_sampled", None)
            record.__dict__.pop("sample_rate", None)
            kept += f.filter(record)
        assert _within_5_sigma(kept, n, rate), kept
        assert {"kept": kept, "sampled_out": n - kept} == f.stats()

    def test_rate_bounds(self) -> None:
        """Rate 0 drops every record below keep_level, rate 1 keeps every one."""
        none, every = ll.SamplingFilter(rate=0.0), ll.SamplingFilter(rate=1.0)
        assert [False] * 50 == [none.filter(_record()) for _ in range(50)]
        assert [True] * 50 == [every.filter(_record()) for _ in range(50)]

    def test_seed_reproducible(self) -> None:
        """Two filters with one seed make the same decisions outside traces."""
        a, b = ll.SamplingFilter(rate=0.3, seed=7), ll.SamplingFilter(rate=0.3, seed=7)
        assert [a.filter(_record()) for _ in range(200)] == [
            b.filter(_record()) for _ in range(200)
        ]

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
    # Other tests' listener threads may still run; the child only draws numbers and exits.
    @pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
    @pytest.mark.native("os.fork")
    def test_forked_child_gets_its_own_stream(self) -> None:
        """An unseeded filter draws a different sequence in a forked child than in the parent."""
        f = ll.SamplingFilter(rate=0.5)
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            try:
                bits = "".join("1" if f.filter(_record()) else "0" for _ in range(64))
                os.write(write_end, bits.encode())
            finally:
                os._exit(0)
        os.close(write_end)
        parent = "".join("1" if f.filter(_record()) else "0" for _ in range(64))
        with os.fdopen(read_end, "rb") as pipe:
            child = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        assert 0 == os.waitstatus_to_exitcode(status)
        assert 64 == len(child)
        assert parent != child  # equal with probability 2**-64


class TestSampleRateField:
    def test_kept_record_carries_rate(self) -> None:
        """A record kept at a rate below 1 carries sample_rate = that rate."""
        f = ll.SamplingFilter(rate=0.5, seed=3)
        kept = [r for r in (_record() for _ in range(100)) if f.filter(r)]
        assert kept
        assert {0.5} == {r.sample_rate for r in kept}  # type: ignore[attr-defined]

    def test_no_field_at_rate_one(self) -> None:
        """A record kept at rate 1 gets no sample_rate (absent means 1)."""
        record = _record()
        assert ll.SamplingFilter(rate=1.0).filter(record)
        assert "sample_rate" not in record.__dict__

    def test_not_stamped(self) -> None:
        """The filter does not stamp records (a sampled-out call stays cheap)."""
        record = _record()
        ll.SamplingFilter(rate=0.0).filter(record)
        assert "event_id" not in record.__dict__


class TestOverrides:
    def test_per_pattern_rates_most_specific(self) -> None:
        """rates override rate for matching loggers; the most specific pattern wins."""
        f = ll.SamplingFilter(
            rate=1.0, rates={"shop.*": 0.0, "shop.checkout.*": 1.0, "*.sql": 0.0}, seed=1
        )
        assert [True, False, True, False, True] == [
            f.filter(_record("other")),
            f.filter(_record("shop.cart")),
            f.filter(_record("shop.checkout.pay")),
            f.filter(_record("db.sql")),
            f.filter(_record("shop.checkout.sql")),  # 2 literals beat '*.sql' (1)
        ]

    def test_per_call_extra_overrides(self) -> None:
        """extra={"sample_rate": r} overrides both rates and rate."""
        f = ll.SamplingFilter(rate=0.0, rates={"app": 0.0})
        record = _record("app", sample_rate=1.0)
        assert f.filter(record)
        assert not f.filter(_record("app", sample_rate=0.0))
        g = ll.SamplingFilter(rate=1.0)
        assert not g.filter(_record("app", sample_rate=0))

    @pytest.mark.parametrize("bad", ["0.5", 1.5, -1, None, True, [0.1]])
    def test_invalid_per_call_rate_ignored(self, bad: object) -> None:
        """A per-call sample_rate that is not a number in [0, 1] is ignored, never raises."""
        assert ll.SamplingFilter(rate=1.0).filter(_record(sample_rate=bad))
        assert not ll.SamplingFilter(rate=0.0).filter(_record(sample_rate=bad))

    def test_first_sampler_decides(self) -> None:
        """A record kept by one SamplingFilter passes a later one unchanged."""
        first, second = ll.SamplingFilter(rate=0.5, seed=11), ll.SamplingFilter(rate=0.0)
        records = [r for r in (_record() for _ in range(50)) if first.filter(r)]
        assert records
        assert [True] * len(records) == [second.filter(r) for r in records]
        assert {0.5} == {r.sample_rate for r in records}  # type: ignore[attr-defined]


class TestKeepLevel:
    def test_default_error_kept(self) -> None:
        """At rate 0, ERROR and CRITICAL are still kept (default keep_level)."""
        f = ll.SamplingFilter(rate=0.0)
        assert [False, False, True, True] == [
            f.filter(_record(level=level)) for level in (10, 30, 40, 50)
        ]

    def test_custom_keep_level(self) -> None:
        """keep_level="WARNING" keeps warnings; the record gets no sample_rate."""
        f = ll.SamplingFilter(rate=0.0, keep_level="warning")
        record = _record(level=logging.WARNING)
        assert f.filter(record)
        assert "sample_rate" not in record.__dict__
        assert not f.filter(_record(level=logging.INFO))

    def test_keep_level_none(self) -> None:
        """keep_level=None samples every level, errors included."""
        f = ll.SamplingFilter(rate=0.0, keep_level=None)
        assert not f.filter(_record(level=logging.CRITICAL))


def _otel_decision(trace_id: str, rate: float) -> bool:
    from opentelemetry.sdk.trace.sampling import Decision, TraceIdRatioBased

    result = TraceIdRatioBased(rate).should_sample(None, int(trace_id, 16), "x")
    return bool(result.decision is Decision.RECORD_AND_SAMPLE)


class TestTraceConsistency:
    def test_same_trace_same_decision(self) -> None:
        """Every record of one trace gets the same decision, whatever the seed."""
        ids = _trace_ids(200, seed=5)
        a = ll.SamplingFilter(rate=0.3, seed=1)
        b = ll.SamplingFilter(rate=0.3, seed=2)
        first = [a.filter(_record(trace_id=t)) for t in ids]
        again = [a.filter(_record(trace_id=t)) for t in ids]
        other = [b.filter(_record(trace_id=t)) for t in ids]
        assert first == again == other
        assert 0 < sum(first) < len(ids)

    def test_rate_over_traces(self) -> None:
        """Over many random trace ids the kept fraction is within 5 sigma of rate."""
        n, rate = 20_000, 0.2
        f = ll.SamplingFilter(rate=rate)
        kept = sum(f.filter(_record(trace_id=t)) for t in _trace_ids(n, seed=9))
        assert _within_5_sigma(kept, n, rate), kept

    @pytest.mark.native("the opentelemetry packages (no wheels loaded)")
    def test_agrees_with_opentelemetry(self) -> None:
        """Decisions equal OpenTelemetry's TraceIdRatioBased sampler at the same rate."""
        ids = _trace_ids(300, seed=13)
        for rate in (0.05, 0.5, 0.77):
            f = ll.SamplingFilter(rate=rate)
            expected = [_otel_decision(t, rate) for t in ids]
            assert expected == [f.filter(_record(trace_id=t)) for t in ids]

    def test_current_span_used(self) -> None:
        """A record without trace_id is decided by the current span's trace id."""
        ids = _trace_ids(100, seed=17)
        f = ll.SamplingFilter(rate=0.5)
        expected = [f.filter(_record(trace_id=t)) for t in ids]
        actual = []
        for t in ids:
            with ll.continue_trace(f"00-{t}-00f067aa0ba902b7-01"):
                actual.append(f.filter(_record()))
        assert expected == actual

    def test_stamped_record_ignores_the_current_span(self) -> None:
        """A stamped record without trace_id (logged outside a span) never reads the current one."""
        ids = _trace_ids(200, seed=19)
        f = ll.SamplingFilter(rate=0.5, seed=4)
        g = ll.SamplingFilter(rate=0.5, seed=4)
        expected = [g.filter(_record(event_id="e")) for _ in ids]
        actual = []
        for t in ids:
            with ll.continue_trace(f"00-{t}-00f067aa0ba902b7-01"):
                actual.append(f.filter(_record(event_id="e")))
        assert expected == actual

    @pytest.mark.slow
    def test_two_processes_agree(self) -> None:
        """A filter in another process makes the same decision for the same trace ids."""
        ids = _trace_ids(300, seed=21)
        script = (
            "import json, logging, sys\n"
            "import lite_logging as ll\n"
            "f = ll.SamplingFilter(rate=0.4)\n"
            "out = []\n"
            "for t in json.load(sys.stdin):\n"
            "    r = logging.LogRecord('x', 20, 'f', 1, 'm', (), None)\n"
            "    r.trace_id = t\n"
            "    out.append(f.filter(r))\n"
            "print(json.dumps(out))\n"
        )
        proc = run_code(script, input=json.dumps(ids), check=True, timeout=60)
        f = ll.SamplingFilter(rate=0.4, seed=99)
        assert [f.filter(_record(trace_id=t)) for t in ids] == json.loads(proc.stdout)

    @given(
        trace=st.integers(min_value=1, max_value=(1 << 128) - 1),
        rate=st.floats(min_value=0.0, max_value=1.0),
    )
    @settings(max_examples=200, deadline=None)
    def test_decision_is_ratio_of_low_bits(self, trace: int, rate: float) -> None:
        """Keep exactly when the trace id's lower 64 bits are below round(rate * 2**64)."""
        expected = rate >= 1 or (trace & ((1 << 64) - 1)) < round(rate * 2.0**64)
        f = ll.SamplingFilter(rate=rate)
        assert expected == f.filter(_record(trace_id=f"{trace:032x}"))

    def test_malformed_trace_id_never_raises(self) -> None:
        """A trace_id that is not hex falls back to the random draw."""
        f = ll.SamplingFilter(rate=1.0 - 1e-12, seed=1)
        assert f.filter(_record(trace_id="not-hex"))
        assert not ll.SamplingFilter(rate=0.0).filter(_record(trace_id=object()))


class TestInvalid:
    @pytest.mark.parametrize(
        ("kwargs", "words"),
        [
            ({"rate": 1.5}, ['"rate"', "1.5"]),
            ({"rate": -0.1}, ['"rate"', "-0.1"]),
            ({"rate": "0.5"}, ['"rate"', "'0.5'"]),
            ({"rate": True}, ['"rate"', "True"]),
            ({"rate": math.nan}, ['"rate"', "nan"]),
            ({"rates": {"a.*": 2}}, ["rates['a.*']", "2"]),
            ({"rates": {"a*": 0.5}}, ['"rates"', "'a*'"]),
            ({"rates": [0.5]}, ['"rates"', "[0.5]"]),
            ({"keep_level": "LOUD"}, ['"keep_level"', "'LOUD'"]),
        ],
    )
    def test_rejected(self, kwargs: dict[str, object], words: list[str]) -> None:
        """Bad options raise ValueError naming the key and the value."""
        assert_refused(lambda: ll.SamplingFilter(**kwargs), words)  # type: ignore[arg-type]


class TestConfigured:
    @pytest.mark.usefixtures("restore_logging")
    def test_dictconfig(self) -> None:
        """dictConfig builds it with "()"; errors pass, info is dropped at rate 0."""
        logging.config.dictConfig(
            {
                "version": 1,
                "disable_existing_loggers": False,
                "filters": {
                    "sample": {
                        "()": "lite_logging.SamplingFilter",
                        "rate": 0.0,
                        "rates": {LOGGER + ".keep": 1.0},
                        "keep_level": "ERROR",
                        "seed": 1,
                        "name": "sampling-dictconfig",
                    }
                },
                "handlers": {"list": {"()": ListHandler, "filters": ["sample"]}},
                "loggers": {LOGGER: {"handlers": ["list"], "level": "DEBUG", "propagate": False}},
            }
        )
        log = logging.getLogger(LOGGER)
        handler = log.handlers[0]
        assert isinstance(handler, ListHandler)
        log.info("dropped")
        log.error("kept")
        logging.getLogger(LOGGER + ".keep").info("kept too")
        assert ["kept", "kept too"] == [r.getMessage() for r in handler.records]
        expected = {"kept": 2, "sampled_out": 1}
        assert expected == _stats.collect()["filters"]["sampling-dictconfig"]
