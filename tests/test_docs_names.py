"""Every name the docs use imports, and the flat 0.1 module paths still work (with a warning)."""

from __future__ import annotations

import json
import logging
import logging.config
import pathlib
import pkgutil
import re
import subprocess
import textwrap
import warnings
from typing import Any

import pytest
from process_helpers import run_code

import lite_logging as ll

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# ll.NAME (the docs' `import lite_logging as ll`) and lite_logging.NAME, dotted on.
_LL = re.compile(r"(?<![\w.])ll((?:\.[A-Za-z_]\w*)+)")
_FULL = re.compile(r"(?<![\w./-])lite_logging((?:\.[A-Za-z_]\w*)+)")

DEPRECATED = {
    "queueing": ["AsyncQueueHandler", "BatchingQueueListener", "flush", "shutdown"],
    "handlers": ["BatchFileHandler"],
    "formatters": ["JsonFormatter"],
    "edn": ["EdnFormatter", "dumps"],
    "pretty": ["PrettyFormatter", "RichHandler"],
    "ids": ["new_event_id"],
    "tracing": ["span", "traceparent"],
    "stamping": ["ContextFilter"],
    "logger": ["Logger"],
    "transforms": ["AddFields", "add_hostname"],
}


def _doc_names() -> list[tuple[str, str]]:
    """(page, dotted path) for every ``ll.X`` and ``lite_logging.X`` in README and docs."""
    found: dict[str, str] = {}
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        for pattern in (_LL, _FULL):
            for match in pattern.finditer(text):
                path = "lite_logging" + match.group(1)
                found.setdefault(path, page.name)
    return sorted((page, path) for path, page in found.items())


def _resolve(path: str) -> Any:
    """``pkgutil.resolve_name``, with the deprecated aliases' warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return pkgutil.resolve_name(path)


@pytest.mark.once
class TestDocNames:
    """The names the docs use resolve to objects of the package."""

    def test_docs_name_some(self) -> None:
        """The scan finds the public names (a broken regex would pass everything)."""
        paths = {path for _, path in _doc_names()}
        assert {"lite_logging.setup", "lite_logging.JsonFormatter", "lite_logging.span"} <= paths
        assert "lite_logging.filters.transforms.add_hostname" in paths

    @pytest.mark.parametrize(("page", "path"), _doc_names())
    def test_name_resolves(self, page: str, path: str) -> None:
        """Each dotted name in the docs imports (pkgutil.resolve_name)."""
        assert _resolve(path) is not None

    def test_public_api_of_the_spec(self) -> None:
        """Every name of the SPEC's public API table is on the package and in __all__."""
        names = [
            "context", "bind", "unbind", "clear_context", "get_context", "propagate_context",
            "ContextThreadPoolExecutor", "span", "traceparent", "new_event_id", "setup",
            "flush", "shutdown", "stats", "ContextFilter", "NamespaceFilter", "SamplingFilter",
            "RateLimitFilter", "TransformFilter", "RedactFilter", "JsonFormatter",
            "EdnFormatter", "PrettyFormatter", "RichHandler", "AsyncQueueHandler",
            "BatchingQueueListener", "BatchFileHandler", "Logger",
        ]  # fmt: skip
        assert [] == [name for name in names if name not in ll.__all__]
        assert all(getattr(ll, name) is not None for name in names)


def _run(script: str) -> subprocess.CompletedProcess[str]:
    return run_code(textwrap.dedent(script), timeout=120)


class TestDeprecatedModules:
    """The flat modules of 0.1 warn on import and still give their names."""

    @pytest.mark.parametrize("module", sorted(DEPRECATED))
    def test_warns_and_gives_its_names(self, module: str) -> None:
        """Importing lite_logging.<module> warns DeprecationWarning once; its names work."""
        names = DEPRECATED[module]
        result = _run(
            f"""
            import warnings
            import lite_logging
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                from lite_logging.{module} import {", ".join(names)}
            deprecations = [w for w in caught if issubclass(w.category, DeprecationWarning)]
            assert 1 == len(deprecations), [str(w.message) for w in caught]
            assert "lite_logging.{module} is deprecated" in str(deprecations[0].message)
            import lite_logging.{module} as alias
            for name in {names!r}:
                assert getattr(alias, name) is not None, name
            """
        )
        assert (0, "") == (result.returncode, result.stderr)

    @pytest.mark.parametrize("module", sorted(DEPRECATED))
    def test_same_objects_as_the_new_layout(self, module: str) -> None:
        """An alias gives the very objects the package gives (not copies)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            alias = pkgutil.resolve_name(f"lite_logging.{module}")
        for name in DEPRECATED[module]:
            new = getattr(ll, name, None)
            if new is not None:
                assert new is getattr(alias, name)

    @pytest.mark.usefixtures("restore_logging")
    def test_old_dotted_path_in_dict_config(self, tmp_path: pathlib.Path) -> None:
        """dictConfig with "lite_logging.handlers.BatchFileHandler" still configures."""
        path = tmp_path / "old.jsonl"
        config = {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"json": {"()": "lite_logging.formatters.JsonFormatter"}},
            "handlers": {
                "file": {
                    "()": "lite_logging.handlers.BatchFileHandler",
                    "filename": str(path),
                    "formatter": "json",
                }
            },
            "loggers": {"tests.docs.old": {"handlers": ["file"], "propagate": False}},
        }
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            logging.config.dictConfig(config)
        log = logging.getLogger("tests.docs.old")
        log.warning("old path")
        handler = log.handlers[0]
        assert isinstance(handler, ll.BatchFileHandler)
        handler.close()
        assert ["old path"] == [
            json.loads(line)["message"] for line in path.read_text(encoding="utf-8").splitlines()
        ]
