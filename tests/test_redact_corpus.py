"""RedactFilter end to end: the secret corpus (redact_corpus.py) through every output format."""

from __future__ import annotations

import copy
import dataclasses
import logging
import sys

import pytest
import redact_corpus as corpus

import lite_logging as ll

pytestmark = pytest.mark.usefixtures("empty_context")

FORMATS = sorted(corpus.FORMATS)


class TestCorpus:
    @pytest.mark.parametrize("fmt", FORMATS)
    def test_no_secret_in_any_output(self, fmt: str) -> None:
        """Every secret shape, in every place of a record, is masked in this format's output."""
        leaks = [
            f"{case.name}: {shown}"
            for case in corpus.cases()
            for shown in [corpus.leaked(case, corpus.output(case.emit, corpus.FORMATS[fmt]()))]
            if shown
        ]
        assert [] == leaks

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_non_secrets_survive(self, fmt: str) -> None:
        """Ids, UUIDs, timestamps, numbers, paths and max_tokens=5 are kept in every place."""
        text = " ".join(corpus.NON_SECRETS)
        lost = []
        for place, emit in corpus._text_places(text):
            if place in ("bytes", "exception"):  # bytes are base64; checked below
                continue
            shown = corpus.output(emit, corpus.FORMATS[fmt]())
            lost += [f"{value} in {place}" for value in corpus.NON_SECRETS if value not in shown]
        assert [] == lost

    @pytest.mark.parametrize("fmt", FORMATS)
    def test_count_keys_and_ids_survive(self, fmt: str) -> None:
        """Count keys (max_tokens, prompt_tokens) and hex ids in extras keep their values."""
        extra = {"max_tokens": 5, "prompt_tokens": 1234, "parent_span_id": "00f067aa0ba902b7"}

        shown = corpus.output(lambda log: log.info("x", extra=extra), corpus.FORMATS[fmt]())

        assert "***" not in shown
        assert all(str(value) in shown for value in extra.values())

    def test_exception_without_secret_keeps_its_traceback_object(self) -> None:
        """A traceback with nothing to mask keeps exc_info (rich tracebacks still render)."""
        try:
            raise ValueError("plain failure")
        except ValueError:
            record = logging.LogRecord("a", 40, "a.py", 1, "failed", (), sys.exc_info())
        assert ll.RedactFilter().filter(record)
        assert record.exc_info is not None


class TestCallerObjectsUnchanged:
    def test_every_place_left_as_it_was(self) -> None:
        """The caller's extras (dicts, dataclasses, sets, bytes, namedtuples) are never modified."""
        info = corpus.Info("password=hunter2")
        frozen = corpus.Frozen("t0k")
        extras = {
            "info": info,
            "frozen": frozen,
            "tags": {"token=abc"},
            "raw": b"password=x",
            "pair": corpus.Pair({"password": "x"}, 1),
            "deep": corpus._deep({"pwd": "x"}, 70),
        }
        before = copy.deepcopy(extras)
        record = logging.LogRecord("a", 20, "a.py", 1, "x", (), None)
        record.__dict__.update(extras)

        assert ll.RedactFilter().filter(record)

        assert before == extras
        assert dataclasses.asdict(info) == {"note": "password=hunter2", "password": "hunter2dc"}
        assert corpus.Info("password=***", "***") == record.info  # type: ignore[attr-defined]
        assert corpus.Frozen("***") == record.frozen  # type: ignore[attr-defined]
        assert {"token=***"} == record.tags  # type: ignore[attr-defined]
        assert b"password=***" == record.raw  # type: ignore[attr-defined]
