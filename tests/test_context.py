"""Ambient context: scoping, nesting, asyncio isolation and thread propagation."""

from __future__ import annotations

import asyncio
import threading

import pytest

import lite_logging as ll

pytestmark = pytest.mark.usefixtures("empty_context")


class TestBind:
    def test_bind_adds_keys(self) -> None:
        """bind() adds keys that get_context() returns."""
        ll.bind(request_id="r-1", user=42)

        assert {"request_id": "r-1", "user": 42} == ll.get_context()

    def test_bind_overrides_existing_key(self) -> None:
        """A later bind() of the same key replaces the value."""
        ll.bind(a=1)
        ll.bind(a=2, b=3)

        assert {"a": 2, "b": 3} == ll.get_context()

    def test_unbind_removes_only_named_keys(self) -> None:
        """unbind() removes the named keys and ignores absent ones."""
        ll.bind(a=1, b=2)
        ll.unbind("a", "missing")

        assert {"b": 2} == ll.get_context()

    def test_clear_context(self) -> None:
        """clear_context() empties the context."""
        ll.bind(a=1)
        ll.clear_context()

        assert {} == ll.get_context()

    def test_get_context_returns_a_copy(self) -> None:
        """Mutating what get_context() returned does not change the context."""
        ll.bind(a=1)
        ll.get_context()["a"] = 99

        assert {"a": 1} == ll.get_context()

    def test_values_are_stored_as_given(self) -> None:
        """A mutable value is referenced, not copied (documented)."""
        value = [1]
        ll.bind(items=value)

        assert ll.get_context()["items"] is value


class TestContextManager:
    def test_keys_visible_inside_and_gone_after(self) -> None:
        """with context(...) adds keys for the block and restores the outer context after."""
        ll.bind(outer=1)
        with ll.context(inner=2) as inside:
            assert {"outer": 1, "inner": 2} == ll.get_context()
            assert {"outer": 1, "inner": 2} == inside

        assert {"outer": 1} == ll.get_context()

    def test_nesting_restores_each_level(self) -> None:
        """Nested blocks restore the enclosing level exactly, including shadowed keys."""
        with ll.context(a=1):
            with ll.context(a=2, b=2):
                assert {"a": 2, "b": 2} == ll.get_context()
            assert {"a": 1} == ll.get_context()

        assert {} == ll.get_context()

    def test_restored_when_block_raises(self) -> None:
        """An exception in the block still restores the outer context and propagates."""
        with pytest.raises(KeyError), ll.context(a=1):
            raise KeyError("x")

        assert {} == ll.get_context()

    def test_bind_inside_block_is_undone_on_exit(self) -> None:
        """A bind() inside a block does not leak out of it."""
        with ll.context(a=1):
            ll.bind(b=2)

        assert {} == ll.get_context()

    def test_same_instance_can_be_reentered(self) -> None:
        """One context instance may be entered again while already active."""
        scope = ll.context(a=1)
        with scope:
            ll.bind(b=1)
            with scope:
                assert {"a": 1, "b": 1} == ll.get_context()
            assert {"a": 1, "b": 1} == ll.get_context()

        assert {} == ll.get_context()

    def test_async_with(self) -> None:
        """context() also works with async with."""

        async def main() -> dict[str, object]:
            async with ll.context(a=1):
                return ll.get_context()

        assert {"a": 1} == asyncio.run(main())


class TestDecorator:
    def test_sync_function(self) -> None:
        """A decorated function sees the keys during each call only."""

        @ll.context(job="sync")
        def work(x: int) -> tuple[int, dict[str, object]]:
            return x * 2, ll.get_context()

        assert (4, {"job": "sync"}) == work(2)
        assert {} == ll.get_context()

    def test_async_function(self) -> None:
        """A decorated coroutine function sees the keys while it runs, awaits included."""

        @ll.context(job="async")
        async def work() -> dict[str, object]:
            await asyncio.sleep(0)
            return ll.get_context()

        assert {"job": "async"} == asyncio.run(work())
        assert {} == ll.get_context()

    def test_decorator_restores_on_exception(self) -> None:
        """A decorated function that raises leaves the context as it was."""

        @ll.context(job="x")
        def fail() -> None:
            raise ValueError("boom")

        with pytest.raises(ValueError, match="boom"):
            fail()

        assert {} == ll.get_context()

    def test_concurrent_tasks_share_one_decorated_function(self) -> None:
        """Concurrent calls of one decorated coroutine each get their own scope."""

        @ll.context(job="shared")
        async def work(i: int) -> dict[str, object]:
            ll.bind(i=i)
            await asyncio.sleep(0)
            return ll.get_context()

        async def main() -> list[dict[str, object]]:
            return await asyncio.gather(*(work(i) for i in range(20)))

        assert [{"job": "shared", "i": i} for i in range(20)] == asyncio.run(main())


class TestAsyncioIsolation:
    def test_hundred_tasks_never_see_each_other(self) -> None:
        """100 concurrent tasks bind their own keys and only ever see their own."""

        async def task(i: int) -> list[dict[str, object]]:
            seen = []
            with ll.context(task=i):
                for step in range(5):
                    ll.bind(step=step)
                    await asyncio.sleep(0)
                    seen.append(ll.get_context())
            return seen

        async def main() -> list[list[dict[str, object]]]:
            ll.bind(app="shop")
            return await asyncio.gather(*(task(i) for i in range(100)))

        results = asyncio.run(main())

        expected = [
            [{"app": "shop", "task": i, "step": step} for step in range(5)] for i in range(100)
        ]
        assert expected == results

    def test_task_inherits_parent_context_at_creation(self) -> None:
        """A task starts with a copy of its creator's context; its changes stay inside."""

        async def child() -> dict[str, object]:
            ll.bind(child=True)
            return ll.get_context()

        async def main() -> tuple[dict[str, object], dict[str, object]]:
            ll.bind(parent=True)
            seen_by_child = await asyncio.create_task(child())
            return seen_by_child, ll.get_context()

        assert ({"parent": True, "child": True}, {"parent": True}) == asyncio.run(main())


@pytest.mark.native("threads")
class TestThreads:
    def test_plain_thread_starts_empty(self) -> None:
        """A plain threading.Thread does not see the caller's context (contextvars rule)."""
        ll.bind(a=1)
        seen: list[dict[str, object]] = []
        thread = threading.Thread(target=lambda: seen.append(ll.get_context()))
        thread.start()
        thread.join()

        assert [{}] == seen

    def test_propagate_context_carries_a_snapshot(self) -> None:
        """propagate_context(fn) runs fn in a copy of the context at wrapping time."""
        ll.bind(a=1)
        seen: list[dict[str, object]] = []
        target = ll.propagate_context(lambda: seen.append(ll.get_context()))
        ll.bind(a=2)  # after wrapping: not part of the snapshot
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()

        assert [{"a": 1}] == seen

    def test_changes_in_the_thread_do_not_leak_back(self) -> None:
        """bind() inside a propagated function does not change the caller's context."""
        ll.bind(a=1)

        def work() -> None:
            ll.bind(b=2)

        thread = threading.Thread(target=ll.propagate_context(work))
        thread.start()
        thread.join()

        assert {"a": 1} == ll.get_context()

    def test_each_call_gets_a_fresh_copy(self) -> None:
        """Two calls of one propagated function, in two threads, do not share changes."""
        ll.bind(a=1)
        barrier = threading.Barrier(2)
        seen: list[dict[str, object]] = []
        lock = threading.Lock()

        def work(i: int) -> None:
            ll.bind(i=i)
            barrier.wait()
            with lock:
                seen.append(ll.get_context())

        target = ll.propagate_context(work)
        threads = [threading.Thread(target=target, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert [{"a": 1, "i": 0}, {"a": 1, "i": 1}] == sorted(seen, key=lambda c: str(c["i"]))

    def test_executor_submits_with_callers_context(self) -> None:
        """ContextThreadPoolExecutor.submit runs each task in the submitter's context."""
        with ll.ContextThreadPoolExecutor(max_workers=4) as pool:
            futures = []
            for i in range(16):
                with ll.context(request=i):
                    futures.append(pool.submit(ll.get_context))
            results = [f.result() for f in futures]

        assert [{"request": i} for i in range(16)] == results

    def test_executor_map_uses_callers_context(self) -> None:
        """ContextThreadPoolExecutor.map (built on submit) carries the context too."""
        ll.bind(batch="b1")
        with ll.ContextThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(lambda i: (i, ll.get_context()), range(4)))

        assert [(i, {"batch": "b1"}) for i in range(4)] == results
