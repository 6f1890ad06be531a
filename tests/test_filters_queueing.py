"""The filters on AsyncQueueHandler (caller's thread) and behind it (listener thread)."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
from conftest import ListHandler

import lite_logging as ll
from lite_logging.filters.transforms import AddFields

queueing = pytest.importorskip("lite_logging.pipeline")

LOGGER = "tests.filters.queueing"  # the name of conftest's `logger`
CARD = "4111 1111 1111 1111"


def _pipeline(log: logging.Logger, target: logging.Handler, *filters: logging.Filter) -> Any:
    handler = queueing.AsyncQueueHandler(handlers=[target])
    for f in filters:
        handler.addFilter(f)
    log.addHandler(handler)
    return handler


class TestOnAsyncQueueHandler:
    def test_dropped_before_stamping(self, logger: logging.Logger) -> None:
        """A record sampled out on AsyncQueueHandler is never stamped nor queued."""
        target = ListHandler()
        sampling = ll.SamplingFilter(rate=0.0)
        handler = _pipeline(logger, target, sampling)
        seen: list[logging.LogRecord] = []

        class Spy(logging.Filter):
            def filter(self, record: logging.LogRecord) -> bool:
                seen.append(record)
                return True

        logger.addFilter(Spy())
        try:
            logger.info("dropped")
            logger.error("kept")
            handler.close()
        finally:
            logger.filters.clear()
        assert ["kept"] == [r.getMessage() for r in target.records]
        assert "event_id" not in seen[0].__dict__
        assert {"kept": 1, "sampled_out": 1} == sampling.stats()

    def test_redacted_in_the_callers_thread(self, logger: logging.Logger) -> None:
        """RedactFilter on AsyncQueueHandler masks the context snapshot and the message."""
        target = ListHandler()
        handler = _pipeline(logger, target, ll.RedactFilter())
        ll.bind(request_id="r1", session_token="s3cr3t")
        logger.info("paid with %s", CARD)
        handler.close()
        record = target.records[0]
        assert "paid with ***" == record.getMessage()
        assert {"request_id": "r1", "session_token": "***"} == record.context  # type: ignore[attr-defined]
        assert {"request_id": "r1", "session_token": "s3cr3t"} == ll.get_context()

    def test_rate_limit_and_transform(self, logger: logging.Logger) -> None:
        """RateLimitFilter and TransformFilter on the queue handler: counts and fields arrive."""
        target = ListHandler()
        limit = ll.RateLimitFilter(["2/day"])
        enrich = ll.TransformFilter([AddFields({"service": "shop"})])
        handler = _pipeline(logger, target, limit, enrich)
        for i in range(5):
            logger.info("order %d", i)
        handler.close()
        assert ["order 0", "order 1"] == [r.getMessage() for r in target.records]
        assert {"shop"} == {r.service for r in target.records}  # type: ignore[attr-defined]
        assert 3 == limit.stats()["rate_limited"]


class TestBehindTheQueue:
    def test_redact_on_the_target_handler(self, logger: logging.Logger) -> None:
        """On the target handler (listener thread) it redacts the stamped, rendered record."""
        target = ListHandler()
        target.addFilter(ll.RedactFilter())
        handler = _pipeline(logger, target)
        ll.bind(api_key="k-123")
        caller_extra = {"user": {"password": "p"}}
        logger.info("auth Bearer abc.def for %s", "ann", extra=caller_extra)
        handler.close()
        record = target.records[0]
        assert threading.current_thread().name not in target.threads
        assert "auth Bearer *** for ann" == record.getMessage()
        assert {"api_key": "***"} == record.context  # type: ignore[attr-defined]
        assert {"password": "***"} == record.user  # type: ignore[attr-defined]
        assert {"user": {"password": "p"}} == caller_extra
