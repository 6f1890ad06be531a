"""Zero-config start: ``setup()`` builds a ``logging.config.dictConfig`` dict and applies it.

Both profiles use the async pipeline: an ``AsyncQueueHandler`` on the root logger feeding a
``BatchingQueueListener`` that writes to the console (and to a file when asked). The dict
uses ``"()"`` factories and refers to classes by dotted name, so it works unchanged on
Python 3.10 to 3.13 and can be copied into an application's own configuration.
"""

from __future__ import annotations

import copy
import functools
import logging
import os
from typing import Any

from ._levels import parse_level
from ._lifecycle import drain_on_signals
from ._options import check_bool, check_choice
from .record.logger import Logger, install_record_factory, record_factory

__all__ = ["setup"]

_PROFILES = ("dev", "prod")
_FORMATS = ("json", "edn", "pretty")
_DEFAULT_FORMAT = {"dev": "pretty", "prod": "json"}
_OPTIONS = ("format", "file", "drain_on_signals", "logger_class", "record_factory")

_FORMATTERS: dict[str, dict[str, Any]] = {
    "json": {"()": "lite_logging.JsonFormatter"},
    "edn": {"()": "lite_logging.EdnFormatter"},
    "pretty": {"()": "lite_logging.PrettyFormatter"},
}


def _console(profile: str, fmt: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The console handler's config and its formatter's config (none for the dev console's
    handlers, which format by themselves)."""
    if fmt == "pretty" and profile == "dev":
        if _browser_console():
            return {"()": "lite_logging.BrowserConsoleHandler"}, {}
        return {"()": "lite_logging.RichHandler"}, {}
    stream = "ext://sys.stdout" if profile == "prod" else "ext://sys.stderr"
    handler = {"class": "logging.StreamHandler", "stream": stream, "formatter": "console"}
    return handler, dict(_FORMATTERS[fmt])


def setup(profile: str = "dev", level: str | int = "INFO", **options: Any) -> dict[str, Any]:
    """Configure the root logger for ``profile`` and return the dict given to dictConfig.

    ``prod`` writes JSON lines to stdout, ``dev`` pretty lines to stderr (through
    ``RichHandler``), or in a browser (Pyodide in a page or a web worker) to the developer
    console (through ``BrowserConsoleHandler``); both through ``AsyncQueueHandler`` and
    ``BatchingQueueListener``, so logging costs the caller little and a normal exit loses nothing.

    Idempotent: dictConfig closes the handlers it configured before, which drains and
    stops the previous listener, so calling ``setup()`` again never doubles output.

    Args:
        profile: ``"dev"`` or ``"prod"``.
        level: the root logger's level, a name or a number.
        **options: ``format="json" | "edn" | "pretty"`` for the console (default: ``json``
            in prod, ``pretty`` in dev); ``file=PATH`` also writes to that file through
            ``BatchFileHandler`` (JSON lines, or EDN lines with ``format="edn"``);
            ``drain_on_signals=False`` leaves SIGTERM and SIGHUP alone (see
            ``lite_logging.drain_on_signals``; the default follows it);
            ``logger_class``: whether loggers created after this call are ``ll.Logger``
            (``logging.setLoggerClass``, process-wide). Default: yes when the class is
            still ``logging.Logger`` (no one chose another); ``True`` sets it anyway,
            ``False`` leaves the class alone (and undoes an earlier ``setup()``'s choice).
            ``ll.Logger`` builds the records ``logging.Logger`` builds, for less; loggers
            that exist already keep their class (docs/performance.md).
            ``record_factory``: whether every logger's records, plain ``logging.Logger``s
            included, are built by ``ll.install_record_factory``'s factory (the same records
            for less; ``logging.setLogRecordFactory``, process-wide). Default: yes when the
            factory is still ``logging.LogRecord``; ``True`` requires it (a ``ValueError``
            when someone else's factory is set: it is never replaced), ``False`` leaves the
            factory alone (and undoes an earlier ``setup()``'s choice).

    Returns:
        The configuration dict (a copy of it was passed to ``logging.config.dictConfig``).

    Raises:
        ValueError: an unknown profile, level, format or option, a ``file`` that cannot be
            opened for writing, or ``record_factory=True`` over someone else's factory,
            naming it and the value.
    """
    check_choice("profile", profile, _PROFILES)
    parse_level("level", level)
    if isinstance(level, str):
        level = level.strip().upper()
    unknown = sorted(set(options) - set(_OPTIONS))
    if unknown:
        raise ValueError(f"unknown option(s) for setup(), expected {_OPTIONS}: {unknown!r}")
    fmt = check_choice("format", options.get("format", _DEFAULT_FORMAT[profile]), _FORMATS)
    file = options.get("file")
    if file is not None:
        _check_file(file)
    on_signals = options.get("drain_on_signals")
    if on_signals is not None:
        check_bool("drain_on_signals", on_signals)
    logger_class = options.get("logger_class")
    if logger_class is not None:
        check_bool("logger_class", logger_class)
    factory = options.get("record_factory")
    if factory is not None:
        check_bool("record_factory", factory)
    current = logging.getLogRecordFactory()
    if factory and current not in (logging.LogRecord, record_factory):
        raise ValueError(
            '"record_factory" is True but another record factory is set '
            f"(never replaced): {current!r}"
        )

    config: dict[str, Any] = {
        "version": 1,
        "disable_existing_loggers": False,
        **_formatters_and_handlers(profile, fmt, file),
        "root": {"level": level, "handlers": ["queue"]},
    }
    if on_signals is not None:
        drain_on_signals(on_signals)  # before dictConfig starts the listener
    _set_logger_class(logger_class)  # before dictConfig creates the loggers it names
    _set_record_factory(factory)
    from logging import config as dict_config  # here: `import lite_logging` need not load it

    dict_config.dictConfig(copy.deepcopy(config))
    return config


def _formatters_and_handlers(
    profile: str, fmt: str, file: str | os.PathLike[str] | None
) -> dict[str, Any]:
    """The ``formatters`` and ``handlers`` of the configuration: the console and the
    ``file`` (if any), both behind one ``AsyncQueueHandler`` named ``queue``."""
    console, console_formatter = _console(profile, fmt)
    formatters: dict[str, Any] = {}
    handlers: dict[str, Any] = {"console": console}
    if console_formatter:
        formatters["console"] = console_formatter
    targets = ["console"]
    if file is not None:
        file_format = "edn" if fmt == "edn" else "json"
        formatters["file"] = dict(_FORMATTERS[file_format])
        handlers["file"] = {
            "()": "lite_logging.BatchFileHandler",
            "filename": os.fspath(file),
            "formatter": "file",
        }
        targets.append("file")
    # "()" rather than the 3.12+ native QueueHandler keys: the same dict on 3.10 to 3.13.
    handlers["queue"] = {
        "()": "lite_logging.AsyncQueueHandler",
        "handlers": targets,
        "respect_handler_level": True,
    }
    if console.get("()") == "lite_logging.RichHandler":
        handlers["queue"]["keep_exc_info"] = True  # for rich tracebacks on the console
    return {"formatters": formatters, "handlers": handlers}


@functools.cache
def _browser_console() -> bool:
    """Whether a browser's developer console is at hand, asked once per process.

    Pyodide's bridge to JavaScript (``js`` with ``pyodide.ffi``: another package may be named
    ``js``), a ``console`` on it, and a page or a web worker as its host (a ``document`` or a
    ``WorkerGlobalScope``). Under Node ``js.console`` exists too, but it writes to a terminal,
    where the dev profile's rich text on stderr reads better.
    """
    try:
        import js  # type: ignore[import-not-found]  # Pyodide's bridge to JavaScript
        import pyodide.ffi  # type: ignore[import-not-found]  # noqa: F401 - Pyodide's own
    except ImportError:
        return False
    if getattr(js, "console", None) is None:
        return False
    host = getattr(js, "document", None), getattr(js, "WorkerGlobalScope", None)
    return any(h is not None for h in host)


def _check_file(file: object) -> None:
    """Raise ``ValueError`` naming ``file`` unless it is a path we can open for appending.

    Checked before dictConfig runs, which would otherwise tear down the running
    configuration first and then fail with its generic "Unable to configure handler".
    Missing parent folders are created, as ``BatchFileHandler`` does.
    """
    if not isinstance(file, str | os.PathLike):
        raise ValueError(f'"file" must be a path: {file!r}')
    try:
        path = os.fspath(file)
        try:
            open(path, "ab").close()
        except FileNotFoundError:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            open(path, "ab").close()
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f'"file" cannot be opened for writing ({reason}): {file!r}') from exc


def _set_logger_class(choice: bool | None) -> None:
    """Make ``Logger`` the class of new loggers: when asked, or by default when unclaimed."""
    current = logging.getLoggerClass()
    if choice is False:
        if current is Logger:
            logging.setLoggerClass(logging.Logger)
    elif choice or current is logging.Logger:
        logging.setLoggerClass(Logger)


def _set_record_factory(choice: bool | None) -> None:
    """Install ``record_factory`` unless refused (someone else's factory is never replaced)."""
    if choice is False:
        if logging.getLogRecordFactory() is record_factory:
            logging.setLogRecordFactory(logging.LogRecord)
    else:
        install_record_factory()
