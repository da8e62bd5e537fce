"""Steps written once as coroutines, run by the ASGI fast paths on their event loop
and by Django's synchronous views without one."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

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
