"""One check for "bad configuration raises ValueError naming the key and the value"."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest


def assert_refused(build: Callable[[], object], words: list[str]) -> None:
    """``build()`` raises ValueError whose message names each of ``words`` (key first)."""
    with pytest.raises(ValueError, match=re.escape(words[0])) as info:
        build()
    missing = [word for word in words if word not in str(info.value)]
    assert [] == missing, str(info.value)
