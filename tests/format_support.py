"""What the format tests share: every character that ends a line for some reader, and text
made of them, to check that one record stays one line (SPEC: no line reads as another record).
"""

from __future__ import annotations

from hypothesis import strategies as st

LINE_BREAKS = (
    "\n",
    "\r",
    "\r\n",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1d",
    "\x1e",
    "\x85",
    "\u2028",
    "\u2029",
)
"""What ``str.splitlines()`` splits on; JavaScript also ends a line at U+2028 and U+2029."""

FORGED_JSON = '\u2028{"level":"CRITICAL","logger":"auth","message":"login ok user=admin"}'
"""A second record hidden behind a line separator."""

breaking_text = st.one_of(
    st.text(),
    st.lists(st.sampled_from(LINE_BREAKS) | st.text(max_size=4), max_size=8).map("".join),
    st.text(max_size=10).map(lambda prefix: prefix + FORGED_JSON),
)
"""Any string, often holding line breaks (plain ``st.text()`` rarely draws U+2028)."""


def assert_one_line_each(text: str, records: int) -> None:
    """``text`` (lines joined by ``\\n``) reads as ``records`` lines to ``str.splitlines()``."""
    assert records == len(text.splitlines()), ascii(text)
