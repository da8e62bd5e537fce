"""Steps written once as coroutines, run by the ASGI fast paths on their event loop
and by Django's synchronous views without one."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.db import connections

T = TypeVar("T")


def run_to_completion(steps: Coroutine[Any, Any, T]) -> T:
    """Run coroutine steps whose awaits all complete at once (their backend calls
    synchronous code), here, in the calling thread: no event loop, no thread hop.
    A step that truly suspends is a programming error, reported as such."""
    try:
        steps.send(None)
    except StopIteration as finished:
        return finished.value
    steps.close()
    raise RuntimeError("these steps waited for I/O: run them on an event loop")


async def django_call(function: Callable[..., T], /, **kwargs: Any) -> T:
    """Call synchronous Django code (the ORM) from a fast path, in a thread, and
    give that thread's database connections back afterwards, as Django does at the
    end of each request (else each thread of the executor would keep its own)."""

    def call() -> T:
        try:
            return function(**kwargs)
        finally:
            connections.close_all()

    return await sync_to_async(call, thread_sensitive=False)()
