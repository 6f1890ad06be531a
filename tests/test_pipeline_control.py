"""The process-wide functions of ``lite_logging.pipeline.control``: flush(), shutdown(),
stats() and the fork hooks."""

from __future__ import annotations

import importlib
import json
import logging
import logging.config
import logging.handlers
import os
import sys
from pathlib import Path
from typing import Any

import pytest
from pipeline_support import (
    HANDLER_STATS_KEYS,
    LISTENER_STATS_KEYS,
    BatchCollect,
    Gated,
    pipeline_stats,
)

import lite_logging as ll

LOGGER = "tests.pipeline_control"  # the name of conftest's `logger`


class TestModuleFunctions:
    def test_flush_times_out_while_a_handler_is_stuck(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """ll.flush(timeout) returns False while records are still held, True after."""
        target = Gated()
        pipeline(target)
        logger.info("held")
        assert target.entered.wait(10)
        assert ll.flush(timeout=0.01) is False
        target.gate.set()
        assert ll.flush(timeout=10) is True
        assert ["held"] == target.messages

    def test_shutdown_drains_then_writes_synchronously(
        self, logger: logging.Logger, pipeline: Any
    ) -> None:
        """ll.shutdown() writes what is queued and stops listeners; later records still land."""
        target = Gated()
        handler = pipeline(target)
        logger.info("queued")
        assert target.entered.wait(10)
        logger.info("also queued")
        target.gate.set()
        ll.shutdown()
        listener = handler.listener
        assert listener is not None
        assert (["queued", "also queued"], None) == (target.messages, listener._thread)
        logger.info("after")
        assert "after" == target.messages[-1]
        stats = handler.stats()
        assert (3, 3, 0) == (stats["enqueued"], stats["delivered"], stats["dropped"])


class TestStats:
    def test_layout(self, logger: logging.Logger, pipeline: Any) -> None:
        """stats() has the SPEC's keys, JSON-serializable, under the handler's name."""
        target = BatchCollect()
        handler = pipeline(target)
        handler.name = "tests.queueing.pipe"  # as dictConfig names it
        logger.info("x")
        assert ll.flush(timeout=10)
        stats = ll.stats()
        pipe = stats["pipelines"]["tests.queueing.pipe"]
        json.dumps(stats)
        assert [*LISTENER_STATS_KEYS, "render_errors", "dropped_by"] == list(pipe)
        assert HANDLER_STATS_KEYS == list(pipe["handlers"]["BatchCollect"])
        assert ["p50", "p90", "p99", "max"] == list(pipe["handlers"]["BatchCollect"]["handle_us"])
        assert (1, 1, 1) == (pipe["enqueued"], pipe["delivered"], pipe["batches"])

    def test_handler_own_counters_win(self, logger: logging.Logger, pipeline: Any) -> None:
        """A handler reporting stats() has its written/errors numbers shown."""

        class Counting(BatchCollect):
            def stats(self) -> dict[str, Any]:
                return {"written": 7, "errors": 3}

        handler = pipeline(Counting())
        logger.info("x")
        assert handler.flush(timeout=10)
        numbers = pipeline_stats(handler)["handlers"]["Counting"]
        assert (7, 3) == (numbers["written"], numbers["errors"])

    def test_latency_percentiles(self) -> None:
        """LatencyRecorder reports percentiles of recent samples and the max of all."""
        from lite_logging.metrics._registry import LatencyRecorder

        recorder = LatencyRecorder(size=100)
        recorder.add(5000.0)
        for i in range(1, 101):
            recorder.add(float(i))
        summary = recorder.summary()
        assert {"p50": 51.0, "p90": 91.0, "p99": 100.0, "max": 5000.0} == summary


@pytest.mark.filterwarnings("ignore:.*multi-threaded.*fork:DeprecationWarning")
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
class TestFork:
    def test_parent_and_child_both_log(
        self, logger: logging.Logger, pipeline: Any, tmp_path: Path
    ) -> None:
        """After fork both processes log through their pipeline; nothing lost or doubled."""
        path = tmp_path / "fork.jsonl"
        target = ll.BatchFileHandler(path)
        handler = pipeline(target)
        for i in range(500):
            logger.info("before", extra={"i": i})
        read_fd, write_fd = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            code = 1
            try:
                os.close(read_fd)
                for i in range(500):
                    logger.info("child", extra={"i": i})
                ok = handler.flush(timeout=30)
                os.write(write_fd, json.dumps([ok, handler.stats()["delivered"]]).encode())
                code = 0
            finally:
                os._exit(code)
        os.close(write_fd)
        for i in range(500):
            logger.info("parent", extra={"i": i})
        assert handler.flush(timeout=30)
        with os.fdopen(read_fd) as pipe:
            child_ok, child_delivered = json.loads(pipe.read())
        _, status = os.waitpid(pid, 0)
        target.close()
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        by_message = {
            m: [r["i"] for r in rows if r["message"] == m] for m in ("before", "child", "parent")
        }
        assert (0, True, 500) == (status, child_ok, child_delivered)
        assert {m: list(range(500)) for m in by_message} == by_message


class TestDeprecatedAlias:
    def test_flat_module_warns_and_re_exports(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """lite_logging.queueing (0.1's module) warns and gives the pipeline's own objects."""
        import lite_logging.pipeline as pipeline

        monkeypatch.delitem(sys.modules, "lite_logging.queueing", raising=False)
        with pytest.warns(DeprecationWarning, match="use lite_logging.pipeline"):
            alias = importlib.import_module("lite_logging.queueing")
        names = ["AsyncQueueHandler", "BatchingQueueListener", "drain", "flush", "shutdown"]
        assert [getattr(pipeline, n) for n in names] == [getattr(alias, n) for n in names]
