"""``view --trace``: a trace's records as a tree, spans nested by ``parent_span_id``."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from ._render import Pretty, compact, escape
from ._times import record_time

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text
    from rich.tree import Tree

__all__ = ["show_traces"]


def _is_span(record: dict[str, Any]) -> bool:
    return "span_name" in record and "duration_ms" in record


def _start_time(record: dict[str, Any]) -> float:
    """When the record's work started: a span's end time minus its duration."""
    when = record_time(record)
    seconds = when.timestamp() if when else 0.0
    duration = record.get("duration_ms")
    if _is_span(record) and isinstance(duration, int | float) and math.isfinite(duration):
        seconds -= duration / 1000.0
    return seconds


def _span_label(record: dict[str, Any]) -> Text:
    from rich.text import Text

    status = str(record.get("status", "?"))
    duration = record.get("duration_ms")
    shown = f"{duration:.3f} ms" if isinstance(duration, int | float) else "? ms"
    text = Text()
    text.append(escape(str(record.get("span_name"))), style="bold")
    text.append(f"  {shown}  ")
    text.append(escape(status), style="green" if status == "ok" else "bold red")
    text.append(f"  span {escape(str(record.get('span_id')))}", style="dim")
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and attributes:
        text.append(" " + escape(" ".join(f"{k}={compact(v)}" for k, v in attributes.items())))
    return text


def show_traces(console: Console, records: list[dict[str, Any]], wanted: str) -> None:
    """Print each trace among ``records`` as a tree (or say that there is none)."""
    from rich.text import Text

    pretty = Pretty(console, show_source=False)
    traces: dict[str, list[dict[str, Any]]] = {}
    for record in records:
        traces.setdefault(str(record.get("trace_id")), []).append(record)
    if not traces:
        console.print(Text(f"no records of trace {wanted}", style="dim"))
    for trace_id, members in traces.items():
        console.print(_TraceTree(trace_id, members, pretty).root)


class _TraceTree:
    """One trace as a rich tree: spans nested by ``parent_span_id``, records under their span.

    Spans with log records but no end record (still open, or cut off) get a node each,
    placed under the trace where first met, so their children still nest under them.
    """

    def __init__(self, trace_id: str, members: list[dict[str, Any]], pretty: Pretty) -> None:
        from rich.text import Text
        from rich.tree import Tree

        members.sort(key=_start_time)
        self.root = Tree(Text(f"trace {trace_id}", style="bold"))
        self.spans = {str(r.get("span_id")): r for r in members if _is_span(r)}
        self.nodes = {span_id: Tree(_span_label(r)) for span_id, r in self.spans.items()}
        self.unended: set[str] = set()
        for record in members:
            span_id = str(record.get("span_id"))
            if not _is_span(record) and span_id not in self.nodes:
                self.nodes[span_id] = Tree(Text(f"span {span_id} (no end record)", "dim"))
                self.unended.add(span_id)
        for record in members:  # in start order, so each node's children are too
            if _is_span(record):
                self._add_span(record)
            else:
                self._placed(str(record.get("span_id"))).add(pretty.record_text(record))

    def _placed(self, span_id: str) -> Tree:
        """The node of ``span_id``; an unended span's node joins the trace when first used."""
        if span_id in self.unended:
            self.unended.discard(span_id)
            self.root.children.append(self.nodes[span_id])
        return self.nodes[span_id]

    def _add_span(self, record: dict[str, Any]) -> None:
        from rich.text import Text
        from rich.tree import Tree

        span_id = str(record.get("span_id"))
        # a span id logged twice (a bug elsewhere): show both records
        node = self.nodes[span_id] if self.spans[span_id] is record else Tree(_span_label(record))
        parent_id = record.get("parent_span_id")
        if parent_id is None:
            self.root.children.append(node)
        elif str(parent_id) in self.nodes:
            self._placed(str(parent_id)).children.append(node)
        else:  # a remote parent (traceparent=), or one cut off from the input
            if isinstance(node.label, Text):
                node.label.append(f"  (parent {parent_id} not in the input)", style="dim")
            self.root.children.append(node)
