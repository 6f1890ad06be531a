"""EcsFormatter: ECS lines compared with Elastic's own ecs_logging.StdlibFormatter."""

from __future__ import annotations

import datetime
import json
import logging
from pathlib import Path
from typing import Any

import pytest

import lite_logging as ll
from lite_logging.formats.ecs import ECS_VERSION, EcsFormatter, sanitize_label_key

ecs_logging = pytest.importorskip("ecs_logging", reason="ecs-logging is not installed (extra ecs)")

LOGGER = "tests.ecs"

# Keys both formatters write with different values, on purpose (docs/shipping-otlp-ecs.md).
DIFFERENT_VALUES = {"@timestamp", "error.stack_trace"}
# Keys only ecs_logging writes: our record attributes, which it takes for extras.
ECS_LOGGING_ONLY = {"event_id", "trace_id", "span_id", "user_id", "context.request_id"}


def _flatten(obj: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in obj.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            out.update(_flatten(value, name + "."))
        else:
            out[name] = value
    return out


class _Keep(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def _records(logger: logging.Logger) -> list[logging.LogRecord]:
    """Records of several shapes, stamped in the caller's thread as the pipeline does."""
    keep = _Keep()
    logger.addHandler(keep)
    logger.addFilter(ll.ContextFilter())
    logger.info("plain")
    with ll.context(request_id="r-1"), ll.span("charge"):
        logger.warning("user %s", 42, extra={"user_id": 42, "user.id": "u-42"})
        try:
            raise KeyError("card")
        except KeyError:
            logger.exception("charge failed")
    logger.error("with stack", stack_info=True)
    return keep.records


class TestAgainstEcsLogging:
    def test_same_keys_types_values(self, logger: logging.Logger) -> None:
        """Where both define a key, ours has the same type and value; the rest is listed."""
        ours_fmt, theirs_fmt = EcsFormatter(), ecs_logging.StdlibFormatter()
        for record in _records(logger):
            theirs = _flatten(json.loads(theirs_fmt.format(record)))
            ours = _flatten(json.loads(ours_fmt.format(record)))
            missing = set(theirs) - set(ours) - ECS_LOGGING_ONLY
            assert set() == missing
            for key in set(theirs) & set(ours) - DIFFERENT_VALUES:
                assert (key, theirs[key]) == (key, ours[key])
                assert type(theirs[key]) is type(ours[key])
            # @timestamp: ours has microseconds, theirs milliseconds of the same instant
            # (ecs-logging takes its milliseconds from record.msecs, which may round away
            # from our microseconds by one): the same instant within a millisecond.
            assert abs(_instant(theirs["@timestamp"]) - _instant(ours["@timestamp"])) <= 0.001
            if "error.stack_trace" in theirs and record.exc_info:
                assert theirs["error.stack_trace"].rstrip("\n") in ours["error.stack_trace"]

    def test_first_fields_in_order(self, logger: logging.Logger) -> None:
        """@timestamp, log.level, message and ecs.version come first, in that order."""
        for record in _records(logger):
            line = EcsFormatter().format(record)
            assert ["@timestamp", "log.level", "message", "ecs.version"] == list(json.loads(line))[
                :4
            ]
            assert ECS_VERSION == json.loads(line)["ecs.version"]

    def test_ids_context_extras(self, logger: logging.Logger) -> None:
        """Trace and event ids in ECS fields; context and extras in objects of their own."""
        record = _records(logger)[1]
        data = json.loads(EcsFormatter(service_name="shop").format(record))
        assert record.trace_id == data["trace"]["id"]  # type: ignore[attr-defined]
        assert record.span_id == data["span"]["id"]  # type: ignore[attr-defined]
        assert record.event_id == data["event"]["id"]  # type: ignore[attr-defined]
        assert {"name": "shop"} == data["service"]
        assert "shop.log" == data["event"]["dataset"]
        assert {"request_id": "r-1"} == data["context"]
        assert {"user_id": 42} == data["extra"]
        assert {"id": "u-42"} == data["user"]


class TestFields:
    def test_labels_sanitized(self, logger: logging.Logger) -> None:
        """Label keys lose dots, stars, quotes and blanks."""
        fmt = EcsFormatter(labels={"team.name": "pay", 'a "b"*': 1})
        record = logger.makeRecord(logger.name, logging.INFO, __file__, 1, "x", (), None)
        assert {"team_name": "pay", "a__b__": 1} == json.loads(fmt.format(record))["labels"]
        assert "a_b" == sanitize_label_key("a.b")

    def test_elasticapm_fields(self, logger: logging.Logger) -> None:
        """elastic-apm's correlation fields become trace.id, transaction.id, span.id."""
        extra = {
            "elasticapm_trace_id": "t" * 32,
            "elasticapm_transaction_id": "x" * 16,
            "elasticapm_span_id": "s" * 16,
        }
        record = logger.makeRecord(
            logger.name, logging.INFO, __file__, 1, "x", (), None, extra=extra
        )
        data = json.loads(EcsFormatter().format(record))
        assert ("t" * 32, "x" * 16, "s" * 16) == (
            data["trace"]["id"],
            data["transaction"]["id"],
            data["span"]["id"],
        )

    def test_behind_the_queue(self, logger: logging.Logger, tmp_path: Path) -> None:
        """Behind AsyncQueueHandler (exception rendered in the caller) error.* is still there."""
        path = tmp_path / "ecs.jsonl"
        file_handler = ll.BatchFileHandler(path)
        file_handler.setFormatter(EcsFormatter())
        logger.addHandler(ll.AsyncQueueHandler(handlers=[file_handler]))
        try:
            raise ValueError("late")
        except ValueError:
            logger.exception("failed")
        assert ll.flush(timeout=10)
        file_handler.close()
        [data] = [json.loads(line) for line in path.read_text().splitlines()]
        assert ("ValueError", "late") == (data["error"]["type"], data["error"]["message"])
        assert data["error"]["stack_trace"].endswith("ValueError: late")

    def test_bad_labels(self) -> None:
        """labels that are not a mapping raise ValueError naming the option."""
        with pytest.raises(ValueError, match='"labels"'):
            EcsFormatter(labels=["a"])  # type: ignore[arg-type]


def _instant(stamp: str) -> float:
    """An RFC 3339 UTC timestamp as seconds since the epoch."""
    return datetime.datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp()
