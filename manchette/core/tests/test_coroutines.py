"""Steps written once as coroutines and run without an event loop by Django's views."""

from __future__ import annotations

import asyncio

import pytest

from manchette.core.coroutines import run_to_completion


async def _steps_over(values):
    async def value(n):  # a backend call that completes at once
        return n * 2

    return [await value(n) for n in values]


def test_steps_whose_calls_complete_at_once_run_without_a_loop():
    assert run_to_completion(_steps_over([1, 2, 3])) == [2, 4, 6]


def test_steps_that_wait_for_io_are_refused_not_left_half_run():
    async def waits():
        await asyncio.sleep(0)
        return "never"

    with pytest.raises(RuntimeError, match="event loop"):
        run_to_completion(waits())
