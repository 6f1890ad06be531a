"""setup() presets and dictConfig of the async pipeline on the running Python."""

from __future__ import annotations

import json
import logging
import logging.config
import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import edn_format
import pytest
from conftest import ListHandler

import lite_logging as ll
from lite_logging import config
from lite_logging.pipeline import AsyncQueueHandler, BatchingQueueListener

pytestmark = pytest.mark.usefixtures("restore_logging")


def _root_queue_handler() -> AsyncQueueHandler:
    (handler,) = logging.getLogger().handlers
    assert isinstance(handler, AsyncQueueHandler)
    return handler


class TestSetup:
    def test_prod_writes_json_lines_to_stdout(self, capsys: pytest.CaptureFixture[str]) -> None:
        """prod: one JSON object per line on stdout, through the async pipeline."""
        ll.setup("prod")
        logging.getLogger("shop.api").info("user %s logged in", 42)
        assert ll.flush(timeout=10)
        (line,) = capsys.readouterr().out.splitlines()
        row = json.loads(line)
        assert ("INFO", "shop.api", "user 42 logged in") == (
            row["level"],
            row["logger"],
            row["message"],
        )
        assert isinstance(_root_queue_handler().listener, BatchingQueueListener)

    def test_dev_uses_rich_handler(self) -> None:
        """dev: the listener writes through RichHandler."""
        ll.setup("dev")
        listener = _root_queue_handler().listener
        logging.getLogger("dev").warning("hello")
        assert ll.flush(timeout=10)
        assert [ll.RichHandler] == [type(h) for h in listener.handlers]  # type: ignore[union-attr]

    def test_dev_shows_rich_tracebacks(self, capsys: pytest.CaptureFixture[str]) -> None:
        """dev: an exception logged through the async pipeline is a rich traceback (a framed
        box with the failing source line), not the plain text the queue carries."""
        ll.setup("dev")
        try:
            {}["missing"]
        except KeyError:
            logging.getLogger("dev").exception("lookup failed")
        assert ll.flush(timeout=10)
        err = capsys.readouterr().err
        assert "lookup failed" in err
        assert "╭" in err
        assert "Traceback (most recent call last)" in err
        assert re.search(r"│ ❱ +\d+ .*\{\}\[\"missing\"\]", err), err
        assert "  KeyError: 'missing'" in err.splitlines()

    def test_edn_format(self, capsys: pytest.CaptureFixture[str]) -> None:
        """format="edn": every line parses with a real EDN reader."""
        ll.setup("prod", format="edn")
        logging.getLogger("edn").error("x=%d", 1)
        assert ll.flush(timeout=10)
        (line,) = capsys.readouterr().out.splitlines()
        parsed = edn_format.loads(line)
        assert "x=1" == parsed[edn_format.Keyword("message")]

    def test_file_option(self, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
        """file=PATH adds a BatchFileHandler target writing JSON lines (its missing folder made)."""
        path = tmp_path / "logs" / "app.jsonl"
        ll.setup("prod", file=path)
        logging.getLogger("f").warning("to both")
        assert ll.flush(timeout=10)
        from_file = [json.loads(line)["message"] for line in path.read_text().splitlines()]
        from_stdout = [json.loads(line)["message"] for line in capsys.readouterr().out.splitlines()]
        assert ["to both"] == from_file == from_stdout

    def test_idempotent(self, capsys: pytest.CaptureFixture[str]) -> None:
        """A second setup() replaces the first: one handler, old listener stopped, no doubles."""
        ll.setup("prod")
        first = _root_queue_handler()
        logging.getLogger("i").info("one")
        ll.setup("prod")
        second = _root_queue_handler()
        logging.getLogger("i").info("two")
        assert ll.flush(timeout=10)
        messages = [json.loads(line)["message"] for line in capsys.readouterr().out.splitlines()]
        assert ["one", "two"] == messages
        assert first is not second
        assert first.listener._thread is None  # type: ignore[union-attr]

    def test_returns_the_dict(self) -> None:
        """The returned dict configures the same pipeline again when given to dictConfig."""
        config = ll.setup("prod", level="WARNING")
        logging.config.dictConfig(config)
        assert logging.WARNING == logging.getLogger().level
        assert isinstance(_root_queue_handler(), AsyncQueueHandler)

    @pytest.mark.parametrize(
        ("kwargs", "match"),
        [
            ({"profile": "staging"}, '"profile"'),
            ({"level": "LOUD"}, '"level"'),
            ({"level": -5}, '"level" must be a level name or a non-negative int: -5'),
            ({"file": 42}, '"file" must be a path: 42'),
            ({"format": "xml"}, '"format".*xml'),
            ({"colour": True, "sink": 1}, r"\['colour', 'sink'\]"),
        ],
    )
    def test_bad_arguments(self, kwargs: dict[str, Any], match: str) -> None:
        """A bad profile, level, format or unknown option raises ValueError naming it."""
        with pytest.raises(ValueError, match=match):
            ll.setup(**kwargs)

    @pytest.mark.parametrize(
        ("where", "reason"),
        [("a-file/out.jsonl", "Not a directory"), (".", "Is a directory")],
    )
    def test_unwritable_file_names_option_and_path(
        self, tmp_path: Path, capsys: pytest.CaptureFixture[str], where: str, reason: str
    ) -> None:
        """A file that cannot be opened fails before dictConfig, naming "file" and the path;
        the running configuration stays as it was."""
        ll.setup("prod")
        (tmp_path / "a-file").write_text("")
        bad = tmp_path / where
        with pytest.raises(ValueError, match="cannot be opened") as caught:
            ll.setup("prod", file=bad)
        assert f'"file" cannot be opened for writing ({reason}): {bad!r}' == str(caught.value)
        logging.getLogger("tests.config.still").warning("still configured")
        ll.flush()
        assert ['"still configured"'] == re.findall(r'"still configured"', capsys.readouterr().out)


class TestLoggerClass:
    """setup() and the class of the loggers created after it."""

    def test_unclaimed_class_becomes_ll_logger(self) -> None:
        """By default, loggers created after setup() are ll.Logger; older ones keep theirs."""
        before = logging.getLogger("tests.config.class.before")
        ll.setup("prod")
        assert ll.Logger is logging.getLoggerClass()
        assert type(logging.getLogger("tests.config.class.after")) is ll.Logger
        assert type(before) is logging.Logger

    def test_another_class_is_kept(self) -> None:
        """A class someone else chose is left alone unless logger_class=True."""

        class Theirs(logging.Logger):
            pass

        logging.setLoggerClass(Theirs)
        ll.setup("prod")
        assert Theirs is logging.getLoggerClass()
        ll.setup("prod", logger_class=True)
        assert ll.Logger is logging.getLoggerClass()

    def test_false_leaves_or_undoes(self) -> None:
        """logger_class=False keeps logging.Logger and undoes an earlier setup()'s choice."""
        ll.setup("prod", logger_class=False)
        assert logging.Logger is logging.getLoggerClass()
        ll.setup("prod")
        ll.setup("prod", logger_class=False)
        assert logging.Logger is logging.getLoggerClass()

    def test_not_a_bool(self) -> None:
        """logger_class takes a bool only, and the error names it."""
        with pytest.raises(ValueError, match='"logger_class" must be a bool: 1'):
            ll.setup("prod", logger_class=1)


def _pipeline_config(form: str, target: logging.Handler, **options: Any) -> dict[str, Any]:
    if form == "factory":
        queue_handler: dict[str, Any] = {"()": AsyncQueueHandler, "handlers": ["z_target"]}
    else:
        queue_handler = {
            "class": "lite_logging.AsyncQueueHandler",
            "handlers": ["z_target"],
            "listener": "lite_logging.BatchingQueueListener",
        }
    queue_handler.update(options)
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "handlers": {"a_queue": queue_handler, "z_target": {"()": lambda: target}},
        "root": {"level": "DEBUG", "handlers": ["a_queue"]},
    }


class TestDictConfig:
    @pytest.mark.parametrize("form", ["factory", "native"])
    def test_configuring_alone_runs_the_pipeline(self, form: str) -> None:
        """Both forms, on any Python: the listener runs without a start() call.

        The queue handler sorts before its target, so names must be resolved lazily; on
        3.12+ the native keys are dictConfig's own, before that they reach our __init__.
        """
        target = ListHandler()
        logging.config.dictConfig(_pipeline_config(form, target))
        handler = _root_queue_handler()
        logging.getLogger("cfg").info("configured")
        assert handler.flush(timeout=10)
        assert ["configured"] == target.messages
        assert isinstance(handler.listener, BatchingQueueListener)

    def test_native_default_listener_is_ours(self) -> None:
        """On 3.12+, without "listener", dictConfig's QueueListener is replaced by ours."""
        target = ListHandler()
        config = _pipeline_config("native", target)
        del config["handlers"]["a_queue"]["listener"]
        logging.config.dictConfig(config)
        handler = _root_queue_handler()
        logging.getLogger("cfg").info("x")
        assert handler.flush(timeout=10)
        assert (BatchingQueueListener, ["x"]) == (type(handler.listener), target.messages)

    @pytest.mark.parametrize("form", ["factory", "native"])
    def test_options_through_dot_key(self, form: str) -> None:
        """Options given with "." reach the handler on every Python (3.12.1 drops kwargs)."""
        target = ListHandler()
        config = _pipeline_config(form, target, **{".": {"policy": "drop_newest", "maxsize": 7}})
        logging.config.dictConfig(config)
        handler = _root_queue_handler()
        assert ("drop_newest", 7) == (handler.policy, handler.maxsize)

    @pytest.mark.skipif(
        (3, 12) <= sys.version_info < (3, 12, 4), reason="cpython #118868 drops the options"
    )
    @pytest.mark.parametrize("form", ["factory", "native"])
    def test_options_as_keys(self, form: str) -> None:
        """Options given as plain keys reach the handler."""
        target = ListHandler()
        logging.config.dictConfig(_pipeline_config(form, target, policy="drop_oldest"))
        assert "drop_oldest" == _root_queue_handler().policy

    def test_bad_option_fails_at_configuration(self) -> None:
        """A bad option fails in dictConfig, naming the key and the value."""
        config = _pipeline_config("factory", ListHandler(), policy="sometimes")
        with pytest.raises(ValueError, match="a_queue") as info:
            logging.config.dictConfig(config)
        assert (
            "\"policy\" must be one of ('block', 'drop_newest', 'drop_oldest'): 'sometimes'"
            == str(info.value.__cause__)
        )

    def test_respect_handler_level(self) -> None:
        """respect_handler_level=True: a target gets only records at or above its level."""
        target = ListHandler(logging.WARNING)
        config = _pipeline_config("factory", target, respect_handler_level=True)
        logging.config.dictConfig(config)
        log = logging.getLogger("cfg")
        log.info("quiet")
        log.warning("loud")
        assert _root_queue_handler().flush(timeout=10)
        assert ["loud"] == target.messages


class _Console:
    """A JavaScript ``console`` that keeps ``(method, first argument)`` per call."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def __getattr__(self, method: str) -> Any:
        return lambda *args: self.calls.append((method, args[0]))


@pytest.fixture
def fake_js(monkeypatch: pytest.MonkeyPatch) -> Iterator[types.ModuleType]:
    """A ``js`` module with a ``console`` (no page, no Pyodide yet); setup()'s capability
    check asked afresh, and again after the test."""
    js = types.ModuleType("js")
    js.console = _Console()  # type: ignore[attr-defined]
    js.Object = types.SimpleNamespace(fromEntries=dict)  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "js", js)
    monkeypatch.setitem(sys.modules, "pyodide", None)  # not importable, even inside Pyodide
    monkeypatch.setitem(sys.modules, "pyodide.ffi", None)
    config._browser_console.cache_clear()
    yield js
    config._browser_console.cache_clear()


def _with_pyodide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pyodide's ``pyodide.ffi`` (its ``to_js`` as the identity) importable."""
    ffi = types.ModuleType("pyodide.ffi")
    ffi.to_js = lambda value, **_: value  # type: ignore[attr-defined]
    package = types.ModuleType("pyodide")
    package.ffi = ffi  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "pyodide", package)
    monkeypatch.setitem(sys.modules, "pyodide.ffi", ffi)


class TestDevConsoleInABrowser:
    def test_browser_page_gets_the_developer_console(
        self, fake_js: types.ModuleType, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Pyodide in a page: dev writes each record to the console, by level."""
        _with_pyodide(monkeypatch)
        fake_js.document = object()  # type: ignore[attr-defined]
        config_dict = ll.setup("dev")
        assert {"()": "lite_logging.BrowserConsoleHandler"} == config_dict["handlers"]["console"]
        logging.getLogger("shop").info("paid")
        logging.getLogger("shop").warning("slow")
        assert ll.flush(timeout=10)
        listener = _root_queue_handler().listener
        assert [ll.BrowserConsoleHandler] == [type(h) for h in listener.handlers]  # type: ignore[union-attr]
        assert ["log", "warn"] == [m for m, _ in fake_js.console.calls]  # type: ignore[attr-defined]

    def test_web_worker_gets_the_developer_console(
        self, fake_js: types.ModuleType, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Pyodide in a web worker (no document): its console is the developer tools' too."""
        _with_pyodide(monkeypatch)
        fake_js.WorkerGlobalScope = object  # type: ignore[attr-defined]
        config_dict = ll.setup("dev")
        assert {"()": "lite_logging.BrowserConsoleHandler"} == config_dict["handlers"]["console"]

    def test_node_keeps_rich_text_on_stderr(
        self, fake_js: types.ModuleType, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Pyodide under Node has ``js.console`` but a terminal: RichHandler on stderr stays."""
        _with_pyodide(monkeypatch)
        config_dict = ll.setup("dev")
        assert {"()": "lite_logging.RichHandler"} == config_dict["handlers"]["console"]

    def test_a_module_named_js_is_not_pyodide(self, fake_js: types.ModuleType) -> None:
        """CPython with some ``js`` module (a page-like one, even): RichHandler stays."""
        fake_js.document = object()  # type: ignore[attr-defined]
        ll.setup("dev")
        logging.getLogger("shop").warning("slow")
        assert ll.flush(timeout=10)
        listener = _root_queue_handler().listener
        assert [ll.RichHandler] == [type(h) for h in listener.handlers]  # type: ignore[union-attr]
        assert [] == fake_js.console.calls  # type: ignore[attr-defined]

    def test_other_formats_and_prod_are_unchanged(
        self, fake_js: types.ModuleType, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Only the dev profile's pretty console moves to the browser's console."""
        _with_pyodide(monkeypatch)
        fake_js.document = object()  # type: ignore[attr-defined]
        assert (
            "logging.StreamHandler"
            == ll.setup("dev", format="json")["handlers"]["console"]["class"]
        )
        assert "logging.StreamHandler" == ll.setup("prod")["handlers"]["console"]["class"]
